//! Seeds for the fault tests: taken from `FAULT_SEED` to reproduce a run, else fresh per
//! run; printed when the test fails. SplitMix64 (Steele, Lea and Flood) turns a seed into
//! a fixed sequence, the same on every platform and toolchain.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The environment variable that fixes the seed of every fault scenario.
pub(crate) const SEED_VAR: &str = "FAULT_SEED";

/// The seed to use: `FAULT_SEED` when set (a decimal `u64`), otherwise one from the clock.
///
/// Panics when `FAULT_SEED` is set but is not a number, so a typo cannot pass unnoticed.
pub(crate) fn seed() -> u64 {
    match std::env::var(SEED_VAR) {
        Ok(text) => text
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{SEED_VAR}={text:?} is not a decimal u64")),
        Err(_) => {
            let since_epoch = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default();
            let nanos =
                u64::try_from(since_epoch.as_nanos() & u128::from(u64::MAX)).unwrap_or_default();
            SplitMix64::new(nanos ^ u64::from(std::process::id())).next_u64()
        }
    }
}

/// Prints `FAULT_SEED=<seed>` and the scenario name to stderr if dropped during a panic.
#[derive(Debug)]
pub(crate) struct SeedGuard {
    pub(crate) scenario: String,
    pub(crate) seed: u64,
}

impl Drop for SeedGuard {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "fault scenario {} failed; reproduce with {SEED_VAR}={}",
                self.scenario, self.seed
            );
        }
    }
}

/// The SplitMix64 generator: tiny, fast and fully determined by its seed.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub(crate) const fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    pub(crate) const fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Fills `bytes` with the next values of the stream.
    pub(crate) fn fill(&mut self, bytes: &mut [u8]) {
        for chunk in bytes.chunks_mut(8) {
            let random = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&random[..chunk.len()]);
        }
    }

    /// A duration in `min..=max`, to the microsecond.
    pub(crate) fn duration_between(&mut self, min: Duration, max: Duration) -> Duration {
        let span = u64::try_from(max.saturating_sub(min).as_micros()).unwrap_or(u64::MAX);
        let offset = self.next_u64() % span.saturating_add(1);
        min + Duration::from_micros(offset)
    }
}
