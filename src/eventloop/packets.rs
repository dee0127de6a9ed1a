//! Handling packets from the broker: up to a batch already whole in the read buffer, each fed
//! to the keep-alive clock and the state, its reply written or, while jammed, held back.

use tokio::time::Instant;

use super::{EventLoop, Phase};
use crate::ConnectionError;
use crate::mqttbytes::Packet;

/// Incoming packets handled per flush of their acknowledgements when the options leave
/// `read_batch_size` at 0.
pub(super) const READ_BATCH: usize = 64;

impl EventLoop {
    /// Handles `first` and every further packet already whole in the read buffer, up to a
    /// batch; packets past the batch stay buffered for the next call.
    pub(super) fn handle_packets(
        &mut self,
        first: Packet,
        now: Instant,
    ) -> Result<(), ConnectionError> {
        let hold = self.is_jammed();
        if !hold {
            self.release_acks()?;
        }
        self.handle_packet(first, hold, now)?;
        let batch = match self.mqtt_options.read_batch_size() {
            0 => READ_BATCH,
            size => size,
        };
        for _ in 1..batch {
            match self.network()?.read_buffered()? {
                Some(packet) => self.handle_packet(packet, hold, now)?,
                None => break,
            }
        }
        Ok(())
    }

    /// Feeds `packet` to the keep-alive clock and to the state and writes its reply; with
    /// `hold`, the ack of a publish waits in `held_acks` (see [`EventLoop::is_jammed`]). The
    /// packet is stamped with this iteration's `now`, when the wait began: never before the
    /// last flush, so the stamp moves no ping earlier than the transmit rule alone would.
    fn handle_packet(
        &mut self,
        packet: Packet,
        hold: bool,
        now: Instant,
    ) -> Result<(), ConnectionError> {
        if let Phase::Connected { keepalive, .. } = &mut self.phase {
            keepalive.handle_receive(&packet, now);
        }
        let is_publish = matches!(packet, Packet::Publish(_));
        let Some(reply) = self.state.handle_incoming_packet(packet)? else {
            return Ok(());
        };
        if hold && is_publish {
            self.held_acks.push(reply);
        } else {
            self.network()?.write(&reply)?;
        }
        Ok(())
    }
}
