use super::*;

#[test]
fn publish_notice_resolved_before_wait_returns_the_result() {
    let (tx, notice) = PublishNotice::new();
    tx.resolve(Ok(PublishResult::Qos1(PubAck::new(7))));
    assert_eq!(notice.wait(), Ok(PublishResult::Qos1(PubAck::new(7))));
}

#[test]
fn publish_notice_with_dropped_sender_fails_with_recv() {
    let (tx, notice) = PublishNotice::new();
    drop(tx);
    assert_eq!(notice.wait(), Err(PublishNoticeError::Recv));
}

#[test]
fn resolving_a_dropped_notice_is_ignored() {
    let (tx, notice) = SubscribeNotice::new();
    drop(notice);
    tx.fail(NoticeFailureReason::SessionReset);
}

#[test]
fn notice_tx_fail_maps_session_reset_for_every_kind() {
    let (ptx, publish) = PublishNotice::new();
    let (stx, subscribe) = SubscribeNotice::new();
    let (utx, unsubscribe) = UnsubscribeNotice::new();
    for tx in [
        NoticeTx::Publish(ptx),
        NoticeTx::Subscribe(stx),
        NoticeTx::Unsubscribe(utx),
    ] {
        tx.fail(NoticeFailureReason::SessionReset);
    }
    assert_eq!(publish.wait(), Err(PublishNoticeError::SessionReset));
    assert_eq!(subscribe.wait(), Err(SubscribeNoticeError::SessionReset));
    assert_eq!(
        unsubscribe.wait(),
        Err(UnsubscribeNoticeError::SessionReset)
    );
}

#[test]
fn try_wait_is_none_until_resolved_then_keeps_the_result() {
    let (tx, mut notice) = UnsubscribeNotice::new();
    assert_eq!(notice.try_wait(), None);
    tx.resolve(Ok(UnsubAck::new(3)));
    assert_eq!(notice.try_wait(), Some(Ok(UnsubAck::new(3))));
    assert_eq!(notice.wait(), Ok(UnsubAck::new(3)));
}

#[test]
fn subscribe_wait_returns_suback_even_with_failure_codes() {
    let suback = SubAck::new(
        4,
        vec![
            SubscribeReasonCode::Failure,
            SubscribeReasonCode::Success(QoS::AtLeastOnce),
        ],
    );
    let (tx, notice) = SubscribeNotice::new();
    tx.resolve(Ok(suback.clone()));
    assert_eq!(notice.wait(), Ok(suback));
}

#[test]
fn subscribe_wait_completion_turns_failure_codes_into_error() {
    let codes = vec![
        SubscribeReasonCode::Success(QoS::AtMostOnce),
        SubscribeReasonCode::Failure,
        SubscribeReasonCode::Failure,
    ];
    let (tx, notice) = SubscribeNotice::new();
    tx.resolve(Ok(SubAck::new(4, codes)));
    assert_eq!(
        notice.wait_completion(),
        Err(SubscribeNoticeError::V4SubAckFailure(vec![
            SubscribeReasonCode::Failure,
            SubscribeReasonCode::Failure
        ]))
    );
}

#[test]
fn publish_result_reports_its_qos() {
    assert_eq!(PublishResult::Qos0Flushed.qos(), QoS::AtMostOnce);
    assert_eq!(PublishResult::Qos1(PubAck::new(1)).qos(), QoS::AtLeastOnce);
    assert_eq!(
        PublishResult::Qos2Completed(PubComp::new(1)).qos(),
        QoS::ExactlyOnce
    );
}

#[tokio::test]
async fn blocking_wait_inside_a_runtime_does_not_panic() {
    let (tx, notice) = PublishNotice::new();
    tx.resolve(Ok(PublishResult::Qos0Flushed));
    assert_eq!(notice.wait_completion(), Ok(()));
}

#[tokio::test]
async fn wait_completion_async_after_sender_drop_is_recv() {
    let (tx, notice) = PublishNotice::new();
    let waiting = tokio::spawn(notice.wait_completion_async());
    drop(tx);
    assert!(matches!(waiting.await, Ok(Err(PublishNoticeError::Recv))));
}
