//! Unit tests for the options: defaults, setters and getters, validation order, the builder,
//! `Debug` redaction, broker conversions and the CONNECT built from the options.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use bytes::Bytes;

use super::*;
use crate::mqttbytes::{Connect, QoS};

mod broker;
mod builder;
mod defaults;
mod setters;
mod validation;

fn will() -> LastWill {
    LastWill::new("status/dev1", "gone", QoS::AtLeastOnce, true)
}

/// Fails if `result` is an error; returns nothing so tests can compare the chained value.
fn assert_ok<T>(result: Result<T, ConfigError>) {
    assert_eq!(result.err(), None);
}

// ---- defaults ----
