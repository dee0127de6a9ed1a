//! The reconnect schedule: which broker the next attempt uses and when it may start. Pure:
//! it takes `now` and returns deadlines; it never reads the clock, sleeps or connects.

use std::time::Duration;

use tokio::time::Instant;

use crate::Backoff;

/// Where the schedule stands, and the jitter source. One per event loop.
#[derive(Debug, Clone)]
pub(super) struct Schedule {
    backoff: Option<Backoff>,
    brokers: usize,
    /// Index of the broker the next (or current) connection uses.
    current: usize,
    /// Brokers tried and failed in the round under way.
    failed_in_round: usize,
    /// Consecutive rounds in which every broker failed.
    failed_rounds: u32,
    /// When the current connection was accepted, if there is one.
    connected_since: Option<Instant>,
    /// The delay chosen after the last failed round; `None` once a connection starts over.
    delay: Option<Duration>,
    rng: SplitMix64,
}

impl Schedule {
    /// A schedule over `brokers` brokers (0 is taken as 1), jitter seeded with `seed`.
    pub(super) fn new(backoff: Option<Backoff>, brokers: usize, seed: u64) -> Self {
        Self {
            backoff,
            brokers: brokers.max(1),
            current: 0,
            failed_in_round: 0,
            failed_rounds: 0,
            connected_since: None,
            delay: None,
            rng: SplitMix64(seed),
        }
    }

    /// Takes the backoff and broker count in force now (the options may have changed).
    ///
    /// Called before every attempt, so a connection dropped without an error (by
    /// `EventLoop::clean`) is forgotten rather than judged at the next failure.
    pub(super) fn configure(&mut self, backoff: Option<Backoff>, brokers: usize) {
        self.connected_since = None;
        self.backoff = backoff;
        self.brokers = brokers.max(1);
        if self.current >= self.brokers {
            self.current = 0;
            self.failed_in_round = 0;
        }
    }

    /// Index of the broker the next attempt uses (or the connection in use).
    pub(super) const fn current(&self) -> usize {
        self.current
    }

    /// Consecutive rounds in which every broker failed.
    pub(super) const fn failed_rounds(&self) -> u32 {
        self.failed_rounds
    }

    /// The delay chosen after the last failed round, until a connection starts over.
    pub(super) const fn delay(&self) -> Option<Duration> {
        self.delay
    }

    /// A connection was accepted at `now`.
    pub(super) const fn handle_connected(&mut self, now: Instant) {
        self.connected_since = Some(now);
    }

    /// An attempt failed, or the connection ended, at `now`. Returns when the next attempt
    /// may start: `None` for at once.
    ///
    /// A connection that lasted `reset_after` starts the schedule over on the same broker.
    /// Anything else counts as a failure of the current broker: the next broker is tried at
    /// once, and after a whole round the backoff delay is drawn.
    pub(super) fn handle_failure(&mut self, now: Instant) -> Option<Instant> {
        if let Some(since) = self.connected_since.take()
            && self.is_stable(now.saturating_duration_since(since))
        {
            self.failed_in_round = 0;
            self.failed_rounds = 0;
            self.delay = None;
            return None;
        }
        self.current = (self.current + 1) % self.brokers;
        self.failed_in_round += 1;
        if self.failed_in_round < self.brokers {
            return None;
        }
        self.failed_in_round = 0;
        self.failed_rounds = self.failed_rounds.saturating_add(1);
        let ceiling = self.backoff?.ceiling(self.failed_rounds);
        let delay = self.rng.below_or_equal(ceiling);
        self.delay = Some(delay);
        Some(now.checked_add(delay).unwrap_or(now))
    }

    /// Whether a connection that lasted `up` resets the schedule (always without backoff).
    fn is_stable(&self, up: Duration) -> bool {
        self.backoff
            .is_none_or(|backoff| up >= backoff.reset_after())
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny, fast generator, plenty for jitter. Not
/// for anything secret.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform duration in `0..=ceiling` (nanosecond steps; the modulo bias is below
    /// one part in 2^30 for any ceiling under a day).
    fn below_or_equal(&mut self, ceiling: Duration) -> Duration {
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        let draw = self.next_u64();
        let nanos = match nanos.checked_add(1) {
            Some(span) => draw % span,
            None => draw,
        };
        Duration::from_nanos(nanos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn backoff() -> Backoff {
        Backoff::new(100 * MS, 1_000 * MS).with_reset_after(10_000 * MS)
    }

    /// Fails `rounds` rounds of `brokers` attempts each and returns the delays drawn.
    fn fail_rounds(schedule: &mut Schedule, base: Instant, rounds: usize) -> Vec<Duration> {
        let mut delays = Vec::new();
        for _ in 0..rounds {
            let deadline = loop {
                if let Some(deadline) = schedule.handle_failure(base) {
                    break deadline;
                }
            };
            delays.push(deadline - base);
        }
        delays
    }

    #[test]
    fn failed_rounds_draw_delays_within_the_doubling_ceiling_up_to_max() {
        let base = Instant::now();
        for seed in 0..200 {
            let mut schedule = Schedule::new(Some(backoff()), 1, seed);
            let delays = fail_rounds(&mut schedule, base, 8);
            let ceilings = [100, 200, 400, 800, 1_000, 1_000, 1_000, 1_000];
            for (delay, ceiling) in delays.iter().zip(ceilings) {
                assert!(
                    *delay <= ceiling * MS,
                    "seed {seed}: {delay:?} > {ceiling} ms"
                );
            }
            assert_eq!(schedule.failed_rounds(), 8, "seed {seed}");
        }
    }

    #[test]
    fn jitter_spreads_over_the_whole_range_and_differs_between_seeds() {
        let base = Instant::now();
        let firsts: Vec<Duration> = (0..1_000)
            .map(|seed| fail_rounds(&mut Schedule::new(Some(backoff()), 1, seed), base, 1)[0])
            .collect();
        let low = firsts.iter().filter(|delay| **delay < 25 * MS).count();
        let high = firsts.iter().filter(|delay| **delay > 75 * MS).count();
        // Uniform over 0..=100 ms: about 250 each; 150 is far outside chance.
        assert!(low > 150 && high > 150, "low {low}, high {high}");
        let mut distinct = firsts.clone();
        distinct.sort();
        distinct.dedup();
        assert!(distinct.len() > 990, "{} distinct delays", distinct.len());
    }

    #[test]
    fn same_seed_gives_the_same_delays() {
        let base = Instant::now();
        let a = fail_rounds(&mut Schedule::new(Some(backoff()), 1, 42), base, 6);
        let b = fail_rounds(&mut Schedule::new(Some(backoff()), 1, 42), base, 6);
        assert_eq!(a, b);
    }

    #[test]
    fn connection_lasting_reset_after_starts_over_on_the_same_broker_at_once() {
        let base = Instant::now();
        let mut schedule = Schedule::new(Some(backoff()), 2, 7);
        fail_rounds(&mut schedule, base, 3);
        assert_eq!(
            schedule.handle_failure(base),
            None,
            "first broker of round 4"
        );
        schedule.handle_connected(base);
        assert_eq!(schedule.current(), 1);
        assert_eq!(schedule.handle_failure(base + 10_000 * MS), None);
        assert_eq!(
            (
                schedule.current(),
                schedule.failed_rounds(),
                schedule.delay()
            ),
            (1, 0, None)
        );
        // The schedule starts again from the first ceiling.
        let delays = fail_rounds(&mut schedule, base, 1);
        assert!(delays[0] <= 100 * MS, "{delays:?}");
    }

    #[test]
    fn connection_shorter_than_reset_after_counts_as_a_failure() {
        let base = Instant::now();
        let mut schedule = Schedule::new(Some(backoff()), 1, 7);
        fail_rounds(&mut schedule, base, 2);
        schedule.handle_connected(base);
        let deadline = schedule.handle_failure(base + 9_999 * MS);
        assert_eq!(schedule.failed_rounds(), 3);
        let delay = deadline.map(|deadline| deadline - (base + 9_999 * MS));
        assert!(delay.is_some_and(|delay| delay <= 400 * MS), "{delay:?}");
    }

    #[test]
    fn brokers_are_tried_in_turn_and_only_a_whole_failed_round_waits() {
        let base = Instant::now();
        let mut schedule = Schedule::new(Some(backoff()), 3, 1);
        let mut seen = vec![schedule.current()];
        let mut waits = Vec::new();
        for _ in 0..6 {
            waits.push(schedule.handle_failure(base).is_some());
            seen.push(schedule.current());
        }
        assert_eq!(seen, [0, 1, 2, 0, 1, 2, 0]);
        assert_eq!(waits, [false, false, true, false, false, true]);
        assert_eq!(schedule.failed_rounds(), 2);
    }

    #[test]
    fn without_backoff_every_attempt_starts_at_once() {
        let base = Instant::now();
        let mut schedule = Schedule::new(None, 1, 1);
        for _ in 0..5 {
            assert_eq!(schedule.handle_failure(base), None);
        }
        assert_eq!((schedule.failed_rounds(), schedule.delay()), (5, None));
    }

    #[test]
    fn huge_multiplier_and_round_counts_stay_at_max_without_panicking() {
        let base = Instant::now();
        let backoff = Backoff::new(MS, 1_000 * MS).with_multiplier(1e300);
        assert_eq!(backoff.ceiling(u32::MAX), 1_000 * MS);
        assert_eq!(backoff.ceiling(1), MS);
        let mut schedule = Schedule::new(Some(backoff), 1, 3);
        let delays = fail_rounds(&mut schedule, base, 50);
        assert!(delays.iter().all(|delay| *delay <= 1_000 * MS));
    }
}
