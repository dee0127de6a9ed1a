//! The session records the state emits for a store, at its own transitions: exact records
//! in order, none while recording is off, none kept across a lost session.

use super::*;
use crate::store::SessionRecord;

fn stored(publish: Publish) -> SessionRecord {
    SessionRecord::Publish(publish)
}

#[test]
fn recording_state_emits_a_record_at_each_step_of_both_flows() {
    let mut state = auto(10);
    state.set_recording(true);
    send(&mut state, publish(QoS::AtLeastOnce, 0)); // 1
    send(&mut state, publish(QoS::ExactlyOnce, 0)); // 2
    send(&mut state, publish(QoS::AtMostOnce, 0));
    recv(&mut state, puback(1));
    recv(&mut state, pubrec(2));
    recv(&mut state, pubcomp(2));
    recv(&mut state, publish_packet(QoS::ExactlyOnce, 7));
    recv(&mut state, pubrel(7));
    recv(&mut state, puback(9)); // stray: still a completion for the store
    assert_eq!(
        state.take_records(),
        [
            stored(publish(QoS::AtLeastOnce, 1)),
            stored(publish(QoS::ExactlyOnce, 2)),
            SessionRecord::Completed(1),
            SessionRecord::PubRel(2),
            SessionRecord::Completed(2),
            SessionRecord::IncomingReceived(7),
            SessionRecord::IncomingReleased(7),
            SessionRecord::Completed(9),
        ]
    );
    assert_eq!(state.take_records(), []);
}

#[test]
fn replays_and_released_collisions_are_recorded_when_stored_again() {
    let mut state = auto(10);
    state.set_recording(true);
    send(&mut state, publish(QoS::AtLeastOnce, 0)); // 1
    send(&mut state, publish(QoS::AtLeastOnce, 1)); // collides: stashed, not recorded
    state.handle_flushed();
    state.take_records();
    recv(&mut state, puback(1)); // releases the stashed one
    cut_and_reconnect(&mut state, true);
    send_queued(&mut state);
    assert_eq!(
        state.take_records(),
        [
            SessionRecord::Completed(1),
            stored(publish(QoS::AtLeastOnce, 1)),
            // Replayed; never flushed after its release, so no DUP.
            stored(publish(QoS::AtLeastOnce, 1)),
        ]
    );
}

#[test]
fn lost_session_voids_records_not_yet_taken() {
    let mut state = auto(10);
    state.set_recording(true);
    send(&mut state, publish(QoS::AtLeastOnce, 0));
    cut_and_reconnect(&mut state, false);
    assert_eq!(state.take_records(), []);
    send_queued(&mut state);
    assert_eq!(state.take_records(), [stored(publish(QoS::AtLeastOnce, 2))]);
}

#[test]
fn state_without_recording_emits_nothing() {
    let mut state = auto(10);
    send(&mut state, publish(QoS::ExactlyOnce, 0));
    recv(&mut state, pubrec(1));
    assert_eq!(state.take_records(), []);
}

/// What the event loop does when a store refused the records: the publishes leave the
/// state, tracked notices fail, and their ends are recorded for the next append.
#[test]
fn abandoned_publishes_fail_their_notices_and_are_recorded_completed() {
    let mut state = auto(10);
    state.set_recording(true);
    let (_, mut qos2) = send_tracked(&mut state, publish(QoS::ExactlyOnce, 0)); // 1
    send(&mut state, publish(QoS::AtLeastOnce, 0)); // 2, untracked
    send(&mut state, publish(QoS::AtLeastOnce, 0)); // 3, kept
    state.take_records();
    let reason = NoticeFailureReason::SessionStoreFailed;
    assert_eq!(state.abandon_publishes([1, 2, 9], reason), [1, 2]);
    assert_eq!(
        qos2.try_wait(),
        Some(Err(PublishNoticeError::SessionStoreFailed))
    );
    assert_eq!(state.inflight(), 1);
    assert_eq!(
        state.take_records(),
        [SessionRecord::Completed(1), SessionRecord::Completed(2)]
    );
    state.handle_connection_lost();
    assert_eq!(
        requests(&state.take_pending()),
        [publish(QoS::AtLeastOnce, 3).into()]
    );
}
