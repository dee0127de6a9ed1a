//! Subscribe and unsubscribe validation: filter rules, the first invalid filter, empty lists.

use super::*;

#[test]
fn subscribe_with_invalid_filter_is_refused_and_nothing_is_sent() {
    let (client, lanes) = client_with(Some(10), usize::MAX);
    let long = "a".repeat(65_536);
    let invalid = |filter: &str, reason, request| ClientError::InvalidFilter {
        filter: filter.to_owned(),
        reason,
        request: Box::new(request),
    };
    for (filter, reason) in [
        ("", InvalidTopic::Empty),
        ("a/#/b", InvalidTopic::MisplacedWildcard),
        ("a/b#", InvalidTopic::MisplacedWildcard),
        ("a+/b", InvalidTopic::MisplacedWildcard),
        ("a/\0", InvalidTopic::NullCharacter),
        (long.as_str(), InvalidTopic::TooLong { len: 65_536 }),
    ] {
        let expected = invalid(filter, reason, subscribe(filter, QoS::AtLeastOnce));
        assert_eq!(
            client.try_subscribe(filter, QoS::AtLeastOnce),
            Err(expected)
        );
        let expected = invalid(filter, reason, unsubscribe(&[filter]));
        assert_eq!(client.try_unsubscribe(filter), Err(expected));
    }
    assert!(lanes.is_empty());
}

#[test]
fn valid_filters_with_wildcards_are_accepted() {
    let (client, lanes) = client();
    for filter in ["#", "+", "a/+/b", "a/#", "+/+", "/"] {
        assert_eq!(
            client.try_subscribe(filter, QoS::AtMostOnce),
            Ok(()),
            "{filter}"
        );
    }
    assert_eq!(lanes.control.len(), 6);
}

#[test]
fn subscribe_many_reports_the_first_invalid_filter() {
    let (client, lanes) = client();
    let filters = vec![
        SubscribeFilter::new("ok/1".into(), QoS::AtMostOnce),
        SubscribeFilter::new("bad/#/1".into(), QoS::AtLeastOnce),
        SubscribeFilter::new("".into(), QoS::AtLeastOnce),
    ];
    let request = Box::new(Request::Subscribe(Subscribe::new_many(filters.clone())));
    let expected = ClientError::InvalidFilter {
        filter: "bad/#/1".into(),
        reason: InvalidTopic::MisplacedWildcard,
        request,
    };
    assert_eq!(client.try_subscribe_many(filters), Err(expected));
    assert!(lanes.is_empty());
}

#[test]
fn empty_filter_lists_are_refused() {
    let (client, lanes) = client();
    let empty = Request::Subscribe(Subscribe::new_many([]));
    let expected = ClientError::EmptySubscription(Box::new(empty));
    assert_eq!(client.try_subscribe_many([]), Err(expected.clone()));
    assert_eq!(
        client.try_subscribe_many_tracked([]).map(drop),
        Err(expected)
    );
    let expected = ClientError::EmptySubscription(Box::new(unsubscribe(&[])));
    assert_eq!(
        client.try_unsubscribe_many(Vec::<String>::new()),
        Err(expected)
    );
    assert!(lanes.is_empty());
}
