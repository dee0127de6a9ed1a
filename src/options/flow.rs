//! Limits and flow control: packet sizes, the request channel, the batches the event loop
//! takes per flush, the replay throttle, the in-flight window and who acknowledges incoming
//! publishes. Setters and getters only; the event loop and the state act on them.

use std::time::Duration;

use super::{ConfigError, MqttOptions};

/// Who acknowledges incoming QoS 1/2 publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AckMode {
    /// The event loop sends PUBACK/PUBREC as soon as a publish arrives.
    #[default]
    Automatic,
    /// The application acknowledges each publish with the client's `ack` call.
    Manual,
}

impl MqttOptions {
    /// Sets the largest packet (whole frame, in bytes) the client accepts and sends.
    ///
    /// A larger incoming packet is refused from its fixed header and ends the connection;
    /// a larger outgoing one is refused when submitted. 0 is reported by
    /// [`validate`](Self::validate).
    pub const fn set_max_packet_size(&mut self, incoming: usize, outgoing: usize) -> &mut Self {
        self.max_incoming_packet_size = incoming;
        self.max_outgoing_packet_size = outgoing;
        self
    }

    /// Sets both packet-size limits unless one of them is 0.
    ///
    /// # Errors
    /// [`ConfigError::MaxIncomingPacketSize`] or [`ConfigError::MaxOutgoingPacketSize`],
    /// leaving the options unchanged.
    pub fn try_set_max_packet_size(
        &mut self,
        incoming: usize,
        outgoing: usize,
    ) -> Result<&mut Self, ConfigError> {
        if incoming == 0 {
            return Err(ConfigError::MaxIncomingPacketSize);
        }
        if outgoing == 0 {
            return Err(ConfigError::MaxOutgoingPacketSize);
        }
        Ok(self.set_max_packet_size(incoming, outgoing))
    }

    /// The incoming packet-size limit in bytes (the name the seed API uses).
    pub const fn max_packet_size(&self) -> usize {
        self.max_incoming_packet_size
    }

    /// The incoming packet-size limit in bytes.
    pub const fn max_incoming_packet_size(&self) -> usize {
        self.max_incoming_packet_size
    }

    /// The outgoing packet-size limit in bytes.
    pub const fn max_outgoing_packet_size(&self) -> usize {
        self.max_outgoing_packet_size
    }

    /// Sets how many requests a bounded client can queue before its calls wait.
    pub const fn set_request_channel_capacity(&mut self, capacity: usize) -> &mut Self {
        self.request_channel_capacity = capacity;
        self
    }

    /// The request channel capacity.
    pub const fn request_channel_capacity(&self) -> usize {
        self.request_channel_capacity
    }

    /// Sets how many queued requests the event loop takes before it flushes and hands out
    /// events; 0 (the default) takes up to 64.
    pub const fn set_max_request_batch(&mut self, max: usize) -> &mut Self {
        self.max_request_batch = max;
        self
    }

    /// The request batch size.
    pub const fn max_request_batch(&self) -> usize {
        self.max_request_batch
    }

    /// Sets how many packets already in the read buffer the event loop handles before it
    /// flushes their acknowledgements, takes new requests and hands out events; 0 (the
    /// default) handles up to 64. A small batch lets requests in between incoming bursts.
    pub const fn set_read_batch_size(&mut self, size: usize) -> &mut Self {
        self.read_batch_size = size;
        self
    }

    /// The read batch size; 0 means the built-in batch of 64.
    pub const fn read_batch_size(&self) -> usize {
        self.read_batch_size
    }

    /// Sets a pause between replayed requests after a reconnect.
    pub const fn set_pending_throttle(&mut self, throttle: Duration) -> &mut Self {
        self.pending_throttle = throttle;
        self
    }

    /// The pause between replayed requests.
    pub const fn pending_throttle(&self) -> Duration {
        self.pending_throttle
    }

    /// Sets how many outgoing QoS 1/2 publishes may await acknowledgement at once.
    /// 0 is reported by [`validate`](Self::validate).
    pub const fn set_inflight(&mut self, inflight: u16) -> &mut Self {
        self.inflight = inflight;
        self
    }

    /// Sets the in-flight window unless it is 0.
    ///
    /// # Errors
    /// [`ConfigError::Inflight`], leaving the options unchanged.
    pub fn try_set_inflight(&mut self, inflight: u16) -> Result<&mut Self, ConfigError> {
        if inflight == 0 {
            return Err(ConfigError::Inflight);
        }
        Ok(self.set_inflight(inflight))
    }

    /// The in-flight window.
    pub const fn inflight(&self) -> u16 {
        self.inflight
    }

    /// Sets who acknowledges incoming QoS 1/2 publishes.
    pub const fn set_ack_mode(&mut self, mode: AckMode) -> &mut Self {
        self.ack_mode = mode;
        self
    }

    /// Who acknowledges incoming QoS 1/2 publishes.
    pub const fn ack_mode(&self) -> AckMode {
        self.ack_mode
    }

    /// Seed-API form of [`set_ack_mode`](Self::set_ack_mode): `true` is [`AckMode::Manual`].
    pub const fn set_manual_acks(&mut self, manual_acks: bool) -> &mut Self {
        self.set_ack_mode(if manual_acks {
            AckMode::Manual
        } else {
            AckMode::Automatic
        })
    }

    /// Whether acks are manual (seed-API form of [`ack_mode`](Self::ack_mode)).
    pub const fn manual_acks(&self) -> bool {
        matches!(self.ack_mode, AckMode::Manual)
    }
}
