//! State fuzzer: arbitrary bytes become a sequence of operations on `MqttState` (outgoing
//! publishes, subscribes and unsubscribes at every QoS, tracked or not; incoming broker
//! packets including acks with arbitrary packet ids; keep-alive time steps; connection
//! losses and reconnects with `session_present` true or false), and its invariants are
//! checked after each one (see `rumqttc::fuzzing::state`). Run with `cargo fuzz run state`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| rumqttc::fuzzing::state(data));
