//! Granted subscriptions (SUBACK minus UNSUBACK, refused filters left out) and the
//! resubscribe decision at every CONNACK outcome.

use super::*;
use crate::state::subscriptions::RESUBSCRIBE_MAX_FILTERS;
use crate::state::{ConnectionKind, Resubscribe};

/// The granted set as exact (filter, QoS) pairs.
fn granted_set(state: &MqttState) -> Vec<(String, QoS)> {
    state
        .subscriptions()
        .iter()
        .map(|(filter, qos)| (filter.to_owned(), qos))
        .collect()
}

fn set(pairs: &[(&str, QoS)]) -> Vec<(String, QoS)> {
    pairs.iter().map(|&(f, q)| (f.to_owned(), q)).collect()
}

/// A state holding a/# at QoS 1 and b/+ at QoS 2 (from `subscribe(1)` and `granted()`).
fn subscribed() -> MqttState {
    let mut state = auto(10);
    send(&mut state, subscribe(0));
    recv(&mut state, suback(1, granted()));
    state
}

#[test]
fn suback_grants_each_filter_at_the_qos_the_broker_granted() {
    let mut state = auto(10);
    send(&mut state, subscribe(0));
    assert!(state.subscriptions().is_empty()); // not before the SUBACK
    let codes = vec![
        SubscribeReasonCode::Success(QoS::AtMostOnce), // a/# asked QoS 1, got 0
        SubscribeReasonCode::Success(QoS::ExactlyOnce),
    ];
    recv(&mut state, suback(1, codes));
    assert_eq!(
        granted_set(&state),
        set(&[("a/#", QoS::AtMostOnce), ("b/+", QoS::ExactlyOnce)])
    );
    assert_eq!(state.subscriptions().get("a/#"), Some(QoS::AtMostOnce));
    assert_eq!(state.subscriptions().len(), 2);
}

#[test]
fn suback_failure_code_leaves_the_filter_out_of_the_set() {
    let mut state = auto(10);
    send(&mut state, subscribe(0));
    let codes = vec![
        SubscribeReasonCode::Failure,
        SubscribeReasonCode::Success(QoS::AtLeastOnce),
    ];
    recv(&mut state, suback(1, codes));
    assert_eq!(granted_set(&state), set(&[("b/+", QoS::AtLeastOnce)]));
    // A later refusal of a granted filter takes it out.
    send(&mut state, Subscribe::new("b/+", QoS::ExactlyOnce));
    recv(&mut state, suback(2, vec![SubscribeReasonCode::Failure]));
    assert!(state.subscriptions().is_empty());
}

#[test]
fn resubscribing_a_filter_replaces_its_granted_qos() {
    let mut state = subscribed();
    send(&mut state, Subscribe::new("a/#", QoS::AtMostOnce));
    let codes = vec![SubscribeReasonCode::Success(QoS::AtMostOnce)];
    recv(&mut state, suback(2, codes));
    assert_eq!(
        granted_set(&state),
        set(&[("a/#", QoS::AtMostOnce), ("b/+", QoS::ExactlyOnce)])
    );
}

#[test]
fn unsuback_removes_the_filters_of_its_unsubscribe() {
    let mut state = subscribed();
    send(&mut state, unsubscribe(0)); // a/#, pkid 2
    assert_eq!(state.subscriptions().len(), 2); // not before the UNSUBACK
    recv(&mut state, unsuback(2));
    assert_eq!(granted_set(&state), set(&[("b/+", QoS::ExactlyOnce)]));
    // Filters match character by character: "b/+/" is another filter.
    send(&mut state, Unsubscribe::new("b/+/"));
    recv(&mut state, unsuback(3));
    assert_eq!(granted_set(&state), set(&[("b/+", QoS::ExactlyOnce)]));
}

#[test]
fn rejected_suback_changes_nothing() {
    let mut state = auto(10);
    send(&mut state, subscribe(0));
    let short = vec![SubscribeReasonCode::Success(QoS::AtLeastOnce)];
    assert_eq!(
        state.handle_incoming_packet(suback(1, short)),
        Err(StateError::SubAckReturnCodeCountMismatch {
            pkid: 1,
            expected: 2,
            actual: 1
        })
    );
    // A stray SUBACK (nothing in flight with id 9) is ignored (issue 10).
    assert_eq!(state.handle_incoming_packet(suback(9, granted())), Ok(None));
    assert!(state.subscriptions().is_empty());
}

/// The SUBSCRIBE stays in its slot across a lost connection, so a SUBACK on the next one
/// still maps its return codes to filters; losing the session does not touch the set.
#[test]
fn replayed_subscribe_is_granted_by_the_suback_on_the_next_connection() {
    let mut state = auto(10);
    send(&mut state, subscribe(0));
    let replay = state.take_replay();
    assert_eq!(
        replay_into(&mut state, replay),
        [Some(Packet::Subscribe(subscribe(1)))]
    );
    recv(&mut state, suback(1, granted()));
    let expected = set(&[("a/#", QoS::AtLeastOnce), ("b/+", QoS::ExactlyOnce)]);
    assert_eq!(granted_set(&state), expected);
    state.drain_tracked_requests_as_failed(NoticeFailureReason::SessionReset);
    assert_eq!(granted_set(&state), expected);
}

/// Every CONNACK outcome: (session_present, connection, policy) -> SUBSCRIBEs, set after.
#[test]
fn connack_outcomes_decide_what_is_subscribed_again() {
    use ConnectionKind::{First, Reconnect};
    use Resubscribe::{Never, OnSessionLoss};
    let held = set(&[("a/#", QoS::AtLeastOnce), ("b/+", QoS::ExactlyOnce)]);
    let mut both = Subscribe::new("a/#", QoS::AtLeastOnce);
    both.add("b/+".into(), QoS::ExactlyOnce);
    let cases = [
        (true, First, Never, vec![], held.clone()),
        (true, First, OnSessionLoss, vec![], held.clone()),
        (true, Reconnect, Never, vec![], held.clone()),
        (true, Reconnect, OnSessionLoss, vec![], held.clone()),
        (false, First, Never, vec![], vec![]),
        (false, First, OnSessionLoss, vec![], vec![]),
        (false, Reconnect, Never, vec![], vec![]),
        (false, Reconnect, OnSessionLoss, vec![both], held.clone()),
    ];
    for (present, connection, policy, expected, after) in cases {
        let mut state = subscribed();
        let sent = state.handle_connack_subscriptions(present, connection, policy, 1024);
        let case = format!("{present} {connection:?} {policy:?}");
        assert_eq!(sent, expected, "{case}");
        assert_eq!(granted_set(&state), after, "{case}");
    }
}

/// Restored filters go out ahead of anything else as ordinary SUBSCRIBEs with fresh ids;
/// a refused one leaves the set, a granted one stays.
#[test]
fn restored_subscriptions_are_sent_and_their_suback_updates_the_set() {
    let mut state = subscribed();
    state.take_replay();
    let policy = Resubscribe::OnSessionLoss;
    let again = state.handle_connack_subscriptions(false, ConnectionKind::Reconnect, policy, 1024);
    state.drain_tracked_requests_as_failed(NoticeFailureReason::SessionReset);
    events(&mut state);
    let packets: Vec<_> = again.into_iter().map(|s| send(&mut state, s)).collect();
    let mut expected = Subscribe::new("a/#", QoS::AtLeastOnce);
    expected.add("b/+".into(), QoS::ExactlyOnce);
    expected.pkid = 2;
    assert_eq!(packets, [Some(Packet::Subscribe(expected))]);
    assert_eq!(events(&mut state), [out(Outgoing::Subscribe(2))]);
    let codes = vec![
        SubscribeReasonCode::Failure,
        SubscribeReasonCode::Success(QoS::AtLeastOnce),
    ];
    recv(&mut state, suback(2, codes.clone()));
    assert_eq!(granted_set(&state), set(&[("b/+", QoS::AtLeastOnce)]));
    assert_eq!(events(&mut state), [inc(suback(2, codes))]);
}

#[test]
fn restored_subscriptions_are_batched_by_filter_count_in_filter_order() {
    let mut state = auto(10);
    let filters = 2 * RESUBSCRIBE_MAX_FILTERS + 6;
    for i in 0..filters {
        send(
            &mut state,
            Subscribe::new(format!("t/{i:03}"), QoS::AtLeastOnce),
        );
        let pkid = u16::try_from(i + 1).unwrap();
        let codes = vec![SubscribeReasonCode::Success(QoS::AtLeastOnce)];
        recv(&mut state, suback(pkid, codes));
    }
    let policy = Resubscribe::OnSessionLoss;
    let batches =
        state.handle_connack_subscriptions(false, ConnectionKind::Reconnect, policy, 1 << 20);
    let sizes: Vec<usize> = batches.iter().map(|s| s.filters.len()).collect();
    assert_eq!(sizes, [RESUBSCRIBE_MAX_FILTERS, RESUBSCRIBE_MAX_FILTERS, 6]);
    let paths: Vec<String> = batches
        .iter()
        .flat_map(|s| s.filters.iter().map(|f| f.path.clone()))
        .collect();
    let expected: Vec<String> = (0..filters).map(|i| format!("t/{i:03}")).collect();
    assert_eq!(paths, expected);
    assert!(batches.iter().all(|s| s.pkid == 0));
}

#[test]
fn restored_subscriptions_stay_within_the_packet_size() {
    let mut state = auto(10);
    let long = "x".repeat(40);
    for path in ["a", "b", "c", long.as_str()] {
        send(&mut state, Subscribe::new(path, QoS::AtMostOnce));
        let pkid = u16::try_from(state.subscriptions().len() + 1).unwrap();
        let codes = vec![SubscribeReasonCode::Success(QoS::AtMostOnce)];
        recv(&mut state, suback(pkid, codes));
    }
    // A SUBSCRIBE of "a" and "b" is 2 + 2 + 2 * (2 + 1 + 1) = 12 bytes; "c" would make 16.
    let policy = Resubscribe::OnSessionLoss;
    let batches = state.handle_connack_subscriptions(false, ConnectionKind::Reconnect, policy, 14);
    let paths: Vec<Vec<&str>> = batches
        .iter()
        .map(|s| s.filters.iter().map(|f| f.path.as_str()).collect())
        .collect();
    assert_eq!(paths, [vec!["a", "b"], vec!["c"], vec![long.as_str()]]);
    assert_eq!(batches[0].size(), 12);
    assert!(batches[2].size() > 14); // too long for the budget: it goes alone
}
