//! Taking requests: up to a batch per flush, in call order, each handed to the state and
//! its packet written to the network (a graceful disconnect starts the drain instead).

use tokio::time::Instant;

use super::lanes::try_next_request;
use super::{EventLoop, Phase};
use crate::request::Envelope;
use crate::state::{Outbound, Pending};
use crate::{ConnectionError, Request};

/// Requests handled per flush when the options leave `max_request_batch` at 0.
const DEFAULT_REQUEST_BATCH: usize = 64;

impl EventLoop {
    /// Handles up to a batch of requests that are ready and admissible, in call order.
    pub(super) fn handle_requests(&mut self, now: Instant) -> Result<(), ConnectionError> {
        let batch = match self.mqtt_options.max_request_batch() {
            0 => DEFAULT_REQUEST_BATCH,
            n => n,
        };
        for _ in 0..batch {
            let gate = self.gate();
            let ordered = &mut self.requests.ordered;
            let Some(next) = try_next_request(&mut self.state.pending, ordered, gate) else {
                break;
            };
            self.handle_request(next, now)?;
        }
        Ok(())
    }

    fn handle_request(&mut self, item: Pending, now: Instant) -> Result<(), ConnectionError> {
        let Envelope { request, notice } = item.envelope;
        match request {
            Request::Disconnect(_) => self.begin_drain(None),
            Request::DisconnectWithTimeout(_, timeout) => self.begin_drain(Some(now + timeout)),
            request => {
                let Some(outbound) = self.state.prepare_outgoing(request, notice)? else {
                    return Ok(());
                };
                let Phase::Connected { network, .. } = &mut self.phase else {
                    return Err(ConnectionError::ConnectionClosed);
                };
                match outbound {
                    Outbound::Packet(packet) => network.write(&packet)?,
                    Outbound::Stored(publish) => network.write_publish(publish)?,
                };
            }
        }
        Ok(())
    }
}
