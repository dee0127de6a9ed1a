//! Argument and error types: request hand-back, publish options, payload types, Send bounds.

use super::*;

#[test]
fn client_error_hands_the_request_back() {
    let request = publish("a", QoS::AtMostOnce, false, b"x");
    let error = ClientError::RequestChannelFull(Box::new(request.clone()));
    assert_eq!(error.into_request(), request);
    let reason = InvalidTopic::Empty;
    let error = ClientError::InvalidTopic {
        reason,
        request: Box::new(request.clone()),
    };
    assert_eq!(error.into_request(), request);
}

#[test]
fn publish_options_set_qos_and_retain() {
    assert_eq!(PublishOptions::default(), PublishOptions::at_most_once());
    let options = PublishOptions::at_least_once().retained();
    assert_eq!(
        (options.qos(), options.is_retained()),
        (QoS::AtLeastOnce, true)
    );
    let options = PublishOptions::exactly_once().retain(true).retain(false);
    assert_eq!(
        (options.qos(), options.is_retained()),
        (QoS::ExactlyOnce, false)
    );
    assert_eq!(
        PublishOptions::new(QoS::AtLeastOnce),
        PublishOptions::at_least_once()
    );
}

#[test]
fn every_payload_type_gives_the_same_bytes() {
    let expected = Bytes::from_static(b"abc");
    let vec = b"abc".to_vec();
    let string = String::from("abc");
    let payloads = [
        Bytes::from_static(b"abc").into_publish_payload(),
        BytesMut::from(&b"abc"[..]).into_publish_payload(),
        vec.clone().into_publish_payload(),
        (&vec).into_publish_payload(),
        vec.clone().into_boxed_slice().into_publish_payload(),
        string.clone().into_publish_payload(),
        (&string).into_publish_payload(),
        "abc".into_publish_payload(),
        b"abc".into_publish_payload(),
        (*b"abc").into_publish_payload(),
        vec.as_slice().into_publish_payload(),
    ];
    for payload in payloads {
        assert_eq!(payload, expected);
    }
}

#[test]
fn handles_and_their_futures_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<AsyncClient>();
    assert_send_sync::<Client>();
    let (client, _lanes) = client();
    assert_send(&client.publish("a", QoS::AtMostOnce, false, "x"));
    assert_send(&client.subscribe_tracked("a", QoS::AtMostOnce));
    assert_send(&client.disconnect());
}
