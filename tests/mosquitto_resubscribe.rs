//! Restored subscriptions against a real mosquitto restarted without persistence: with
//! `Resubscribe::OnSessionLoss` the subscriber subscribes again by itself and messages flow
//! again; by default nothing is re-sent and nothing arrives. Real clock, bounded waits.

mod support;

use std::time::Duration;

use rumqttc::{
    AsyncClient, ConnAck, ConnectionError, Event, MqttOptions, Outgoing, Packet, QoS, Resubscribe,
    SubAck, SubscribeReasonCode,
};
use support::loop_driver::LoopDriver;
use support::mosquitto::{Mosquitto, MosquittoConfig, connected, subscribe_granted};

/// How long the default subscriber is watched for a re-sent SUBSCRIBE or a message.
const QUIET: Duration = Duration::from_secs(1);

/// Restarts `broker` (no persistence: it forgets every session) and waits for the
/// subscriber's next CONNACK after the connection errors.
async fn restart_and_reconnect(broker: &mut Mosquitto, driven: &mut LoopDriver) -> ConnAck {
    broker.restart();
    let mut errors = 0;
    loop {
        match driven.next().await {
            Some(Ok(Event::Incoming(Packet::ConnAck(connack)))) if errors > 0 => return connack,
            Some(Ok(_)) => {}
            Some(Err(ConnectionError::ConnectionClosed | ConnectionError::Io(_))) => errors += 1,
            Some(Err(error)) => panic!("unexpected connection error: {error:?}"),
            None => panic!("the event loop ended instead of reconnecting"),
        }
    }
}

/// Subscribes `id` to `resub/t` at QoS 1, restarts the broker and returns the subscriber
/// and its loop after the reconnection, which must find no session. Keep the client: the
/// loop ends when every client is gone.
async fn subscribed_across_a_restart(
    broker: &mut Mosquitto,
    options: MqttOptions,
) -> (AsyncClient, LoopDriver) {
    let (subscriber, mut driven) = connected(options).await;
    subscribe_granted(&subscriber, &[("resub/t", QoS::AtLeastOnce)]).await;
    let connack = restart_and_reconnect(broker, &mut driven).await;
    assert!(!connack.session_present);
    (subscriber, driven)
}

/// Publishes one QoS 1 message to `resub/t` and waits for its PUBACK.
async fn publish_once(broker: &Mosquitto, payload: &'static str) {
    let (publisher, _driven) = connected(broker.options("resub-pub")).await;
    let notice = publisher
        .publish_tracked("resub/t", QoS::AtLeastOnce, false, payload)
        .await
        .unwrap();
    notice.wait_async().await.unwrap();
}

#[tokio::test]
async fn broker_restart_without_persistence_restores_subscriptions_when_asked() {
    let mut broker = Mosquitto::start(MosquittoConfig::default());
    let mut options = broker.options("resub-on");
    options.set_resubscribe(Resubscribe::OnSessionLoss);
    let (_subscriber, mut driven) = subscribed_across_a_restart(&mut broker, options).await;
    // The restored SUBSCRIBE and its SUBACK are ordinary events.
    let mut subscribed = None;
    let suback = loop {
        match driven.next_event().await {
            Event::Outgoing(Outgoing::Subscribe(pkid)) => subscribed = Some(pkid),
            Event::Incoming(Packet::SubAck(suback)) => break suback,
            Event::Outgoing(Outgoing::PingReq) | Event::Incoming(Packet::PingResp) => {}
            other => panic!("expected the restored SUBSCRIBE and its SUBACK, got {other:?}"),
        }
    };
    let pkid = subscribed.expect("a SUBSCRIBE before the SUBACK");
    let granted = vec![SubscribeReasonCode::Success(QoS::AtLeastOnce)];
    assert_eq!(suback, SubAck::new(pkid, granted));
    publish_once(&broker, "after the restart").await;
    let publish = driven.next_publish().await;
    assert_eq!(&publish.payload[..], b"after the restart");
}

#[tokio::test]
async fn broker_restart_without_persistence_resends_nothing_by_default() {
    let mut broker = Mosquitto::start(MosquittoConfig::default());
    let options = broker.options("resub-off");
    let (_subscriber, mut driven) = subscribed_across_a_restart(&mut broker, options).await;
    publish_once(&broker, "after the restart").await;
    let mut seen = Vec::new();
    while let Ok(Some(result)) = tokio::time::timeout(QUIET, driven.next()).await {
        seen.push(result.unwrap());
    }
    let resent = seen.iter().any(|event| {
        matches!(
            event,
            Event::Outgoing(Outgoing::Subscribe(_)) | Event::Incoming(Packet::Publish(_))
        )
    });
    assert!(!resent, "nothing may be re-sent or received: {seen:?}");
}
