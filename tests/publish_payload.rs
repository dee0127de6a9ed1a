//! Publish payloads as in 0.33.1: `publish` and friends take any `V: Into<Vec<u8>>`, and an
//! owned buffer reaches the request without a copy (same address), for both clients.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::ffi::CString;

use bytes::Bytes;
use rumqttc::{AsyncClient, Client, QoS, Request};

/// The payload of the one request waiting in `rx`.
fn received_payload(rx: &flume::Receiver<Request>) -> Bytes {
    match rx.try_recv() {
        Ok(Request::Publish(publish)) => publish.payload,
        other => panic!("expected one publish request, got {other:?}"),
    }
}

/// How a generic 0.33.1 caller publishes.
async fn send<V: Into<Vec<u8>>>(client: &AsyncClient, payload: V) {
    client
        .publish("a/b", QoS::AtLeastOnce, false, payload)
        .await
        .unwrap();
}

#[tokio::test]
async fn async_publish_of_vec_moves_the_buffer_without_a_copy() {
    let (tx, rx) = flume::unbounded();
    let client = AsyncClient::from_senders(tx);
    // Spare capacity must not force a reallocation either.
    let mut exact = vec![7u8; 4096];
    exact.shrink_to_fit();
    let mut spare = Vec::with_capacity(8192);
    spare.extend_from_slice(&[9u8; 4096]);
    for payload in [exact, spare] {
        let address = payload.as_ptr();
        send(&client, payload).await;
        assert_eq!(received_payload(&rx).as_ptr(), address);
    }
}

#[tokio::test]
async fn async_publish_variants_move_a_string_without_a_copy() {
    let (tx, rx) = flume::unbounded();
    let client = AsyncClient::from_senders(tx);
    let payload = String::from("twenty-one characters");
    let address = payload.as_ptr();
    client
        .try_publish("a/b", QoS::AtMostOnce, false, payload)
        .unwrap();
    assert_eq!(received_payload(&rx).as_ptr(), address);
}

#[test]
fn blocking_publish_of_vec_moves_the_buffer_without_a_copy() {
    let (tx, rx) = flume::unbounded();
    let client = Client::from_sender(tx);
    let payload = vec![1u8; 1000];
    let address = payload.as_ptr();
    client
        .publish("a/b", QoS::ExactlyOnce, true, payload)
        .unwrap();
    assert_eq!(received_payload(&rx).as_ptr(), address);
    let payload = vec![2u8; 1000];
    let address = payload.as_ptr();
    client
        .try_publish("a/b", QoS::ExactlyOnce, true, payload)
        .unwrap();
    assert_eq!(received_payload(&rx).as_ptr(), address);
}

#[tokio::test]
async fn publish_bytes_shares_the_callers_buffer() {
    let (tx, rx) = flume::unbounded();
    let client = AsyncClient::from_senders(tx);
    let payload = Bytes::from(vec![3u8; 512]);
    client
        .publish_bytes("a/b", QoS::AtLeastOnce, false, payload.clone())
        .await
        .unwrap();
    assert_eq!(received_payload(&rx).as_ptr(), payload.as_ptr());
}

#[tokio::test]
async fn every_into_vec_payload_of_0_33_1_is_accepted_with_its_bytes() {
    let (tx, rx) = flume::unbounded();
    let client = AsyncClient::from_senders(tx);
    send(&client, Cow::Borrowed(&b"cow"[..])).await;
    assert_eq!(received_payload(&rx), Bytes::from_static(b"cow"));
    send(&client, VecDeque::from(vec![b'd', b'q'])).await;
    assert_eq!(received_payload(&rx), Bytes::from_static(b"dq"));
    send(&client, CString::new("c-string").unwrap()).await;
    assert_eq!(received_payload(&rx), Bytes::from_static(b"c-string"));
    send(&client, "str").await;
    assert_eq!(received_payload(&rx), Bytes::from_static(b"str"));
    send(&client, &b"slice"[..]).await;
    assert_eq!(received_payload(&rx), Bytes::from_static(b"slice"));
    send(&client, [1u8, 2, 3]).await;
    assert_eq!(received_payload(&rx), Bytes::from_static(&[1, 2, 3]));
    send(&client, Box::<[u8]>::from(&b"box"[..])).await;
    assert_eq!(received_payload(&rx), Bytes::from_static(b"box"));
    assert!(rx.is_empty());
}
