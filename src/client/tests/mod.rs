//! Client handle tests without a broker: validation, lanes, back-pressure, sink mode, tracked
//! notices, and the blocking facade inside and outside a tokio runtime.

use std::net::TcpListener;
use std::time::Duration;

use bytes::Bytes;

use super::*;
use crate::eventloop::{RequestSenders, Stamped};
use crate::mqttbytes::topic::InvalidTopic;
use crate::mqttbytes::{PubRec, Publish, QoS, Subscribe, SubscribeFilter, Unsubscribe};
use crate::notice::NoticeTx;
use crate::notice::PublishResult;
use crate::{ConfigError, ManualAck, Request};
use crate::{
    ConnectionError, Disconnect, MqttOptions, PubAck, SubAck, SubscribeReasonCode, UnsubAck,
};
use bytes::BytesMut;
use request::Limits;
use tx::RequestTx;

mod ack;
mod blocking;
mod builder;
mod lanes;
mod publish;
mod subscribe;
mod tracked;
mod types;

/// The receiving ends of a client's three lanes.
struct Lanes {
    publish: flume::Receiver<Stamped>,
    control: flume::Receiver<Stamped>,
    immediate: flume::Receiver<Stamped>,
}

impl Lanes {
    fn is_empty(&self) -> bool {
        self.publish.is_empty() && self.control.is_empty() && self.immediate.is_empty()
    }
}

/// Every untracked request waiting in `lane`, in order.
fn drain(lane: &flume::Receiver<Stamped>) -> Vec<Request> {
    lane.drain()
        .map(|Stamped { envelope, .. }| {
            assert!(
                envelope.notice.is_none(),
                "untracked request carries a notice"
            );
            envelope.request
        })
        .collect()
}

/// The one tracked request waiting in `lane`, with its notice sender.
fn take_tracked(lane: &flume::Receiver<Stamped>) -> (Request, NoticeTx) {
    let envelope = lane.try_recv().unwrap().envelope;
    (
        envelope.request,
        envelope.notice.expect("tracked request without a notice"),
    )
}

fn client_with(capacity: Option<usize>, max_packet_size: usize) -> (AsyncClient, Lanes) {
    let lane = || capacity.map_or_else(flume::unbounded, flume::bounded);
    let ((publish_tx, publish), (control_tx, control)) = (lane(), lane());
    let (immediate_tx, immediate) = flume::unbounded();
    let tx = RequestTx::Lanes(RequestSenders::new(publish_tx, control_tx, immediate_tx));
    let client = AsyncClient {
        tx,
        limits: Limits::new(max_packet_size),
    };
    (
        client,
        Lanes {
            publish,
            control,
            immediate,
        },
    )
}

fn client() -> (AsyncClient, Lanes) {
    client_with(Some(10), 10 * 1024)
}

fn publish(topic: &str, qos: QoS, retain: bool, payload: &'static [u8]) -> Request {
    let mut publish = Publish::from_bytes(topic, qos, Bytes::from_static(payload));
    publish.retain = retain;
    Request::Publish(publish)
}

fn subscribe(filter: &str, qos: QoS) -> Request {
    Request::Subscribe(Subscribe::new(filter, qos))
}

fn unsubscribe(filters: &[&str]) -> Request {
    let topics = filters.iter().map(|&filter| filter.to_owned()).collect();
    Request::Unsubscribe(Unsubscribe { pkid: 0, topics })
}

fn incoming(qos: QoS, pkid: u16) -> Publish {
    let mut publish = Publish::new("a/b", qos, "x");
    publish.pkid = pkid;
    publish
}

fn options() -> MqttOptions {
    MqttOptions::new("client-tests", ("127.0.0.1", 1883))
}
