//! Interop with a private aedes (Node.js, from npm): publish/subscribe at QoS 0, 1 and 2,
//! every message exactly once and in order. Real clock, bounded waits.

mod support;

use rumqttc::QoS;
use support::aedes::Aedes;
use support::interop::round_trip_in_order;

/// Messages per QoS level.
const MESSAGE_COUNT: usize = 100;

#[tokio::test]
async fn qos0_qos1_and_qos2_messages_round_trip_through_aedes_in_order() {
    let aedes = Aedes::start();
    round_trip_in_order(
        aedes.options("aedes-sub"),
        aedes.options("aedes-pub"),
        &[
            ("aedes/q0", QoS::AtMostOnce),
            ("aedes/q1", QoS::AtLeastOnce),
            ("aedes/q2", QoS::ExactlyOnce),
        ],
        MESSAGE_COUNT,
    )
    .await;
}
