//! A scripted broker for forwarder tests: it sends a burst of PUBLISHes on topic `in` while
//! it reads, concurrently, what the client writes, acknowledging every QoS 1 PUBLISH, and
//! reports the payloads the client published on topic `out`, in order. Like mosquitto (its
//! default `max_inflight_messages` is 20), it keeps at most [`BROKER_INFLIGHT`] QoS 1
//! publishes unacknowledged towards the client; QoS 0 goes out all at once. Each batch is
//! one write, so the client reads a whole batch at once, as from a broker that queued
//! messages while the client was busy.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use rumqttc::{ConnAck, ConnectReturnCode, Error, Packet, PubAck, Publish, QoS};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use super::packets::MAX_FRAME_BYTES;

/// QoS 1 publishes the broker keeps in flight towards the client.
pub(crate) const BROKER_INFLIGHT: usize = 20;

/// How long a forwarder test may run before its watchdog fails it.
pub(crate) const WATCHDOG: Duration = Duration::from_secs(60);

/// The payload of the `i`-th message of a burst.
pub(crate) fn burst_payload(i: usize) -> Bytes {
    Bytes::from(format!("m{i:05}"))
}

/// Reads whole packets from one half of a connection.
struct FrameReader<R> {
    reader: R,
    buffer: BytesMut,
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    /// The next packet, or `None` once the client closed the connection.
    async fn next(&mut self) -> Option<Packet> {
        loop {
            match Packet::read(&mut self.buffer, MAX_FRAME_BYTES) {
                Ok(packet) => return Some(packet),
                Err(Error::InsufficientBytes(_)) => {}
                Err(error) => panic!("burst broker: bad bytes from the client: {error:?}"),
            }
            match self.reader.read_buf(&mut self.buffer).await {
                Ok(0) | Err(_) => return None,
                Ok(_) => {}
            }
        }
    }
}

/// Accepts one client on `listener`, answers its CONNECT, sends `count` PUBLISHes at `qos`
/// on `in` and returns the payloads the client published on `out` once there are `count`
/// of them (or the client closed the connection). Progress goes to `progress`.
pub(crate) async fn serve_burst(
    listener: TcpListener,
    qos: QoS,
    count: usize,
    progress: mpsc::UnboundedSender<usize>,
) -> Vec<Bytes> {
    let (stream, _) = listener
        .accept()
        .await
        .expect("burst broker: accept failed");
    stream.set_nodelay(true).expect("burst broker: TCP_NODELAY");
    let (reader, mut writer) = stream.into_split();
    let mut reader = FrameReader {
        reader,
        buffer: BytesMut::new(),
    };
    assert!(matches!(reader.next().await, Some(Packet::Connect(_))));
    let (out_tx, mut out_rx) = mpsc::unbounded_channel::<Vec<Packet>>();
    let writer_task = tokio::spawn(async move {
        let mut buffer = BytesMut::new();
        while let Some(packets) = out_rx.recv().await {
            buffer.clear();
            for packet in packets {
                packet
                    .write(&mut buffer, MAX_FRAME_BYTES)
                    .expect("burst broker: encode");
            }
            if writer.write_all(&buffer).await.is_err() {
                return;
            }
        }
    });
    let connack = ConnAck::new(ConnectReturnCode::Success, false);
    out_tx.send(vec![Packet::ConnAck(connack)]).unwrap();
    let burst = |i: usize| {
        let mut publish = Publish::from_bytes("in", qos, burst_payload(i));
        publish.pkid = if qos == QoS::AtMostOnce {
            0
        } else {
            (i % 60_000 + 1) as u16
        };
        Packet::Publish(publish)
    };
    let window = if qos == QoS::AtMostOnce {
        count
    } else {
        BROKER_INFLIGHT
    };
    let mut sent = count.min(window);
    out_tx.send((0..sent).map(burst).collect()).unwrap();
    let mut forwarded = Vec::with_capacity(count);
    while forwarded.len() < count {
        match reader.next().await {
            Some(Packet::Publish(publish)) if publish.topic.as_ref() == b"out" => {
                if publish.qos == QoS::AtLeastOnce {
                    let _ = out_tx.send(vec![Packet::PubAck(PubAck::new(publish.pkid))]);
                }
                forwarded.push(publish.payload);
                let _ = progress.send(forwarded.len());
            }
            Some(Packet::PingReq) => {
                let _ = out_tx.send(vec![Packet::PingResp]);
            }
            Some(Packet::PubAck(_)) if sent < count => {
                let _ = out_tx.send(vec![burst(sent)]);
                sent += 1;
            }
            Some(Packet::PubAck(_)) => {}
            Some(other) => panic!("burst broker: unexpected {other:?}"),
            None => break,
        }
    }
    drop(out_tx);
    let _ = writer_task.await;
    forwarded
}
