//! Shared test support: private mosquitto, nats-server and aedes launchers, an interop
//! round trip, rcgen certificates for the transport tests, in-process scripted brokers and
//! their loop driver, short packet constructors, and a fault-injecting proxy with its
//! scenario runner. Each test binary uses a subset, hence `dead_code` allowed.
//! Support code fails the test it serves by panicking with a clear message, which is why
//! the panic lints are allowed here (the crate's own code never panics).

#![allow(
    dead_code,
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::missing_panics_doc
)]

pub(crate) mod aedes;
pub(crate) mod burst_broker;
pub(crate) mod fault_proxy;
pub(crate) mod fault_scenario;
pub(crate) mod interop;
pub(crate) mod loop_driver;
pub(crate) mod mosquitto;
pub(crate) mod nats;
pub(crate) mod packet_conn;
pub(crate) mod packets;
pub(crate) mod process;
pub(crate) mod scripted_broker;
pub(crate) mod seed;
pub(crate) mod test_broker;
pub(crate) mod transport;
pub(crate) mod wire_trace;
