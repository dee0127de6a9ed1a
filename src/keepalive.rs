//! The keep-alive clock, pure: given `now`, when a PINGREQ is due and when a PINGRESP is
//! overdue. It never reads the clock or sleeps; the event loop sleeps until `poll_timeout()`.
//!
//! A PINGREQ is due when nothing was *transmitted* for the keep-alive interval
//! ([MQTT-3.1.2-23]) and also when nothing was *received* for it, so a link that silently
//! stopped delivering is probed even while the application keeps writing. A PINGRESP is
//! overdue half an interval after its PINGREQ: a dead link is reported at most 1.5 ×
//! keep-alive after the last packet from the broker, whatever the application sends.

use std::time::Duration;

use tokio::time::Instant;

use crate::mqttbytes::Packet;
use crate::state::StateError;

/// Whether a PINGREQ is outstanding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PingState {
    /// No PINGREQ outstanding.
    Idle,
    /// A PINGREQ was sent and its PINGRESP has not arrived.
    AwaitingResponse {
        /// When the PINGREQ was handed to the network.
        sent_at: Instant,
    },
}

/// Keep-alive deadlines of one connection (quinn's `handle_timeout` / `poll_timeout`).
#[derive(Debug, Clone)]
pub(crate) struct KeepAlive {
    /// The negotiated keep-alive; zero disables pings.
    interval: Duration,
    /// The last time anything was written to the network.
    last_transmit: Instant,
    /// The last time a packet arrived from the broker.
    last_receive: Instant,
    ping: PingState,
}

impl KeepAlive {
    /// A clock for a connection established at `now` (the CONNECT counts as a transmission,
    /// the CONNACK as a reception).
    pub(crate) const fn new(interval: Duration, now: Instant) -> Self {
        Self {
            interval,
            last_transmit: now,
            last_receive: now,
            ping: PingState::Idle,
        }
    }

    /// How long a PINGRESP may take: half the keep-alive interval.
    fn response_timeout(&self) -> Duration {
        self.interval / 2
    }

    /// The next deadline: when a PINGREQ falls due (an interval after the older of the last
    /// transmission and the last reception), or when the outstanding PINGRESP is overdue.
    /// `None` when keep-alive is disabled.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        if self.interval.is_zero() {
            return None;
        }
        Some(match self.ping {
            PingState::Idle => self.last_transmit.min(self.last_receive) + self.interval,
            PingState::AwaitingResponse { sent_at } => sent_at + self.response_timeout(),
        })
    }

    /// Advances the clock to `now`: `Some(PingReq)` to send when a ping is due (the ping is
    /// taken as sent at `now`), `None` when nothing is due yet.
    ///
    /// # Errors
    /// [`StateError::AwaitPingResp`] when the outstanding PINGREQ got no PINGRESP in time.
    pub(crate) fn handle_timeout(&mut self, now: Instant) -> Result<Option<Packet>, StateError> {
        let Some(deadline) = self.poll_timeout() else {
            return Ok(None);
        };
        if now < deadline {
            return Ok(None);
        }
        match self.ping {
            PingState::AwaitingResponse { .. } => Err(StateError::AwaitPingResp),
            PingState::Idle => {
                self.ping = PingState::AwaitingResponse { sent_at: now };
                self.last_transmit = now;
                Ok(Some(Packet::PingReq))
            }
        }
    }

    /// Something was written to the network at `now`: the next ping is due an interval later
    /// unless the broker has been silent for longer.
    pub(crate) fn handle_transmit(&mut self, now: Instant) {
        self.last_transmit = self.last_transmit.max(now);
    }

    /// `packet` arrived from the broker at `now`: any packet shows the link delivers, and a
    /// PINGRESP also ends the outstanding ping.
    pub(crate) fn handle_receive(&mut self, packet: &Packet, now: Instant) {
        self.last_receive = self.last_receive.max(now);
        if matches!(packet, Packet::PingResp) {
            self.ping = PingState::Idle;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mqttbytes::{PubAck, Publish, QoS};

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    fn puback() -> Packet {
        Packet::PubAck(PubAck::new(1))
    }

    #[test]
    fn idle_connection_pings_after_one_interval() {
        let start = Instant::now();
        let mut keepalive = KeepAlive::new(secs(10), start);
        assert_eq!(keepalive.poll_timeout(), Some(start + secs(10)));
        assert_eq!(keepalive.handle_timeout(start + secs(9)), Ok(None));
        assert_eq!(
            keepalive.handle_timeout(start + secs(10)),
            Ok(Some(Packet::PingReq))
        );
    }

    #[test]
    fn traffic_both_ways_postpones_the_ping() {
        let start = Instant::now();
        let mut keepalive = KeepAlive::new(secs(10), start);
        keepalive.handle_transmit(start + secs(6));
        keepalive.handle_receive(&puback(), start + secs(7));
        assert_eq!(keepalive.poll_timeout(), Some(start + secs(16)));
        assert_eq!(keepalive.handle_timeout(start + secs(10)), Ok(None));
    }

    /// A half-open link while the application keeps publishing: writes go on, nothing comes
    /// back, and the link is reported dead 1.5 × keep-alive after the last reception.
    #[test]
    fn transmitting_without_receiving_pings_and_fails_within_one_and_a_half_intervals() {
        let start = Instant::now();
        let mut keepalive = KeepAlive::new(secs(10), start);
        let mut ping_at = None;
        let mut failed_at = None;
        for ms in (10..=20_000).step_by(10) {
            let now = start + Duration::from_millis(ms);
            match keepalive.handle_timeout(now) {
                Ok(Some(Packet::PingReq)) => ping_at = ping_at.or(Some(ms)),
                Ok(_) => {}
                Err(error) => {
                    assert_eq!(error, StateError::AwaitPingResp);
                    failed_at = Some(ms);
                    break;
                }
            }
            keepalive.handle_transmit(now); // a QoS 0 publish every 10 ms
        }
        assert_eq!((ping_at, failed_at), (Some(10_000), Some(15_000)));
    }

    /// [MQTT-3.1.2-23] still holds: a client that only receives pings an interval after its
    /// last transmission.
    #[test]
    fn receiving_without_transmitting_still_pings_after_one_interval() {
        let start = Instant::now();
        let mut keepalive = KeepAlive::new(secs(10), start);
        let publish = Packet::Publish(Publish::new("t", QoS::AtMostOnce, "m"));
        keepalive.handle_receive(&publish, start + secs(5));
        keepalive.handle_receive(&publish, start + secs(9));
        assert_eq!(keepalive.poll_timeout(), Some(start + secs(10)));
        assert_eq!(
            keepalive.handle_timeout(start + secs(10)),
            Ok(Some(Packet::PingReq))
        );
    }

    #[test]
    fn outstanding_ping_deadline_is_half_an_interval() {
        let start = Instant::now();
        let mut keepalive = KeepAlive::new(secs(10), start);
        assert_eq!(
            keepalive.handle_timeout(start + secs(10)),
            Ok(Some(Packet::PingReq))
        );
        assert_eq!(keepalive.poll_timeout(), Some(start + secs(15)));
        assert_eq!(keepalive.handle_timeout(start + secs(14)), Ok(None));
        assert_eq!(
            keepalive.handle_timeout(start + secs(15)),
            Err(StateError::AwaitPingResp)
        );
    }

    /// Only a PINGRESP answers a PINGREQ: other traffic either way leaves it outstanding.
    #[test]
    fn traffic_other_than_pingresp_does_not_excuse_a_missing_pingresp() {
        let start = Instant::now();
        let mut keepalive = KeepAlive::new(secs(10), start);
        assert_eq!(
            keepalive.handle_timeout(start + secs(10)),
            Ok(Some(Packet::PingReq))
        );
        keepalive.handle_transmit(start + secs(12));
        keepalive.handle_receive(&puback(), start + secs(13));
        assert_eq!(
            keepalive.handle_timeout(start + secs(15)),
            Err(StateError::AwaitPingResp)
        );
    }

    #[test]
    fn pingresp_returns_to_pinging_an_interval_after_the_last_traffic() {
        let start = Instant::now();
        let mut keepalive = KeepAlive::new(secs(10), start);
        assert_eq!(
            keepalive.handle_timeout(start + secs(10)),
            Ok(Some(Packet::PingReq))
        );
        keepalive.handle_receive(&Packet::PingResp, start + secs(11));
        assert_eq!(keepalive.poll_timeout(), Some(start + secs(20)));
        assert_eq!(
            keepalive.handle_timeout(start + secs(20)),
            Ok(Some(Packet::PingReq))
        );
    }

    #[test]
    fn zero_interval_never_pings() {
        let start = Instant::now();
        let mut keepalive = KeepAlive::new(Duration::ZERO, start);
        keepalive.handle_transmit(start + secs(1));
        assert_eq!(keepalive.poll_timeout(), None);
        assert_eq!(keepalive.handle_timeout(start + secs(3600)), Ok(None));
    }

    #[test]
    fn late_timeout_sends_one_ping_then_waits_from_that_moment() {
        let start = Instant::now();
        let mut keepalive = KeepAlive::new(secs(10), start);
        assert_eq!(
            keepalive.handle_timeout(start + secs(30)),
            Ok(Some(Packet::PingReq))
        );
        assert_eq!(keepalive.poll_timeout(), Some(start + secs(35)));
    }

    #[test]
    fn traffic_stamped_in_the_past_does_not_move_the_clock_back() {
        let start = Instant::now();
        let mut keepalive = KeepAlive::new(secs(10), start + secs(5));
        keepalive.handle_transmit(start);
        keepalive.handle_receive(&puback(), start);
        assert_eq!(keepalive.poll_timeout(), Some(start + secs(15)));
    }
}
