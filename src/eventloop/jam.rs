//! The jam rule: when the loop holds a publish the in-flight window blocks and the publish
//! lane is full, `poll` reads on for acknowledgements instead of handing out events, holding
//! back the automatic acks of the publishes it reads.

use super::packets::READ_BATCH;
use super::{EventLoop, Phase};
use crate::ConnectionError;

/// Events a jammed loop buffers while it reads on for acknowledgements, before it hands them
/// out anyway (see [`EventLoop::is_jammed`]): 4,096, about 2,000 incoming publishes with
/// their acks held back. Brokers that honour their own in-flight limit never send that many
/// unacknowledged; mosquitto 2.0.11 was seen keeping 368 in flight with a limit of 20.
const JAMMED_EVENTS_MAX: usize = 64 * READ_BATCH;

impl EventLoop {
    /// True when the loop holds a publish the in-flight window blocks and the publish lane is
    /// full, so a caller that publishes after each event would wait for an ack forever. Then
    /// `poll` hands out no buffered event and reads on instead, holding back the automatic
    /// acks of publishes it reads, so the broker stops sending at its own in-flight limit
    /// and its acks get through; past [`JAMMED_EVENTS_MAX`] buffered events it gives up.
    pub(super) fn is_jammed(&self) -> bool {
        self.state.events.len() < JAMMED_EVENTS_MAX
            && (self.requests.ordered).is_publish_jammed(self.gate().window)
    }

    /// Writes the acks held back while jammed, in the order their publishes arrived.
    pub(super) fn release_acks(&mut self) -> Result<(), ConnectionError> {
        if self.held_acks.is_empty() {
            return Ok(());
        }
        let Phase::Connected { network, .. } = &mut self.phase else {
            return Err(ConnectionError::ConnectionClosed);
        };
        for ack in self.held_acks.drain(..) {
            network.write(&ack)?;
        }
        Ok(())
    }
}
