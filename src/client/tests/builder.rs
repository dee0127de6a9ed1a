//! The client builder: lane capacity, packet-size limit, invalid options.

use super::*;

#[test]
fn builder_capacity_bounds_each_lane() {
    let (client, _eventloop) = AsyncClient::builder(options()).capacity(1).build();
    assert_eq!(client.try_publish("a", QoS::AtMostOnce, false, "x"), Ok(()));
    let full = client.try_publish("a", QoS::AtMostOnce, false, "x");
    assert!(matches!(full, Err(ClientError::RequestChannelFull(_))));
    assert_eq!(client.try_subscribe("a", QoS::AtMostOnce), Ok(()));
    let full = client.try_subscribe("a", QoS::AtMostOnce);
    assert!(matches!(full, Err(ClientError::RequestChannelFull(_))));
}

#[test]
fn builder_capacity_defaults_to_the_options_and_unbounded_lifts_it() {
    let mut options = options();
    options.set_request_channel_capacity(2);
    let (client, _eventloop) = AsyncClient::builder(options.clone()).build();
    let sent: Vec<_> = (0..3).map(|_| client.try_disconnect()).collect();
    assert!(matches!(
        sent[..],
        [Ok(()), Ok(()), Err(ClientError::RequestChannelFull(_))]
    ));
    let (client, _connection) = Client::builder(options).unbounded().build();
    for _ in 0..100 {
        assert_eq!(client.try_disconnect(), Ok(()));
    }
}

#[test]
fn builder_checks_the_packet_size_limit_of_the_options() {
    let mut options = options();
    options.set_max_packet_size(1024, 100);
    let (client, _eventloop) = AsyncClient::builder(options).build();
    let error = client.try_publish("t", QoS::AtLeastOnce, false, [0u8; 95]);
    assert!(matches!(
        error,
        Err(ClientError::PayloadTooLarge {
            size: 102,
            max: 100,
            ..
        })
    ));
}

#[test]
fn try_build_refuses_invalid_options_and_build_does_not_panic() {
    let mut options = options();
    options.set_max_packet_size(1024, 0);
    let error = AsyncClient::builder(options.clone()).try_build().err();
    let expected = ConfigError::MaxOutgoingPacketSize;
    assert!(matches!(error, Some(ClientBuildError::Config(ref e)) if *e == expected));
    let error = Client::builder(options.clone()).try_build().err();
    assert!(matches!(error, Some(ClientBuildError::Config(ref e)) if *e == expected));
    let (_client, mut connection) = Client::builder(options).build();
    let first = connection.recv();
    assert!(matches!(first, Ok(Err(ConnectionError::InvalidOptions(ref e))) if *e == expected));
}
