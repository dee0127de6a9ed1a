//! Opening a connection: waiting out the reconnect backoff, choosing the broker, asking
//! the credentials provider, then the transport and the CONNECT/CONNACK exchange.

use std::time::Duration;

use tokio::time::{self, Instant};

use super::timer::Timer;
use super::{EventLoop, Phase};
use crate::framed::{Network, NetworkError};
use crate::keepalive::KeepAlive;
use crate::mqttbytes::{ConnAck, ConnectReturnCode, Packet};
use crate::options::build_connect;
use crate::{Broker, ConfigError, ConnectionError, Event, MqttOptions, NetworkOptions, transport};

impl EventLoop {
    /// Waits until the reconnect deadline, then connects.
    ///
    /// Cancel safe: the deadline stays in the loop, so a dropped call neither skips nor
    /// restarts the wait; it is cleared only once it has passed.
    /// A `disconnect_now` ends the wait (and the loop) at once.
    pub(super) async fn reconnect(&mut self) -> Result<Event, ConnectionError> {
        if let Some(deadline) = self.lifecycle.reconnect_at {
            tokio::select! {
                () = time::sleep_until(deadline) => {}
                Some(_) = self.requests.immediate.recv() => return self.finish_requested(),
            }
            self.lifecycle.reconnect_at = None;
        }
        self.connect().await
    }

    /// `disconnect_now` while disconnected: nothing to send, the loop ends.
    fn finish_requested(&mut self) -> Result<Event, ConnectionError> {
        self.finish();
        Err(ConnectionError::RequestsDone)
    }

    async fn connect(&mut self) -> Result<Event, ConnectionError> {
        self.mqtt_options.validate()?;
        // `set_network_options` may have replaced the options `validate` checked.
        if self.network_options.connection_timeout() == 0 {
            return Err(ConfigError::ConnectionTimeout.into());
        }
        if self.requests.immediate.try_recv().is_some() {
            return self.finish_requested();
        }
        self.session.load(&self.mqtt_options, &mut self.state)?;
        let broker = self.current_broker().clone();
        self.lifecycle.handle_attempt(&self.mqtt_options, &broker);
        let timeout = Duration::from_secs(self.network_options.connection_timeout());
        let handshake = handshake(&self.mqtt_options, &self.network_options, &broker);
        let (network, connack) = time::timeout(timeout, handshake).await.map_err(|_| {
            ConnectionError::NetworkTimeout {
                broker: broker.to_string(),
            }
        })??;
        let resumption =
            (self.session).handle_connack(&self.mqtt_options, &connack, &mut self.state)?;
        let now = Instant::now();
        self.lifecycle
            .handle_connected(now, &broker, &connack, resumption.replayed);
        self.phase = Phase::Connected {
            network,
            keepalive: KeepAlive::new(self.mqtt_options.keep_alive(), now),
            timer: Timer::new(now),
        };
        Ok(Event::Incoming(Packet::ConnAck(connack)))
    }
}

/// Asks for fresh credentials, opens the transport to `broker` and exchanges CONNECT/CONNACK.
async fn handshake(
    options: &MqttOptions,
    network_options: &NetworkOptions,
    broker: &Broker,
) -> Result<(Network, ConnAck), ConnectionError> {
    let mut connect = build_connect(options);
    if let Some(provider) = options.credentials_provider() {
        connect.auth = provider
            .credentials()
            .await
            .map_err(ConnectionError::Credentials)?;
    }
    let stream = transport::connect(options, broker, network_options).await?;
    let mut network = Network::new(
        stream,
        options.max_incoming_packet_size(),
        options.max_outgoing_packet_size(),
    );
    network.write(&Packet::Connect(connect))?;
    let connack = match exchange(&mut network).await {
        Ok(packet) => packet,
        Err(NetworkError::Io(io)) => {
            return Err(transport::exchange_error(options, broker, io).into());
        }
        Err(error) => return Err(error.into()),
    };
    match connack {
        Packet::ConnAck(connack) if connack.code == ConnectReturnCode::Success => {
            Ok((network, connack))
        }
        Packet::ConnAck(connack) => Err(ConnectionError::ConnectionRefused(connack.code)),
        other => Err(ConnectionError::NotConnAck(Box::new(other))),
    }
}

/// Sends the queued CONNECT and reads the answer.
async fn exchange(network: &mut Network) -> Result<Packet, NetworkError> {
    network.flush().await?;
    network.read().await
}
