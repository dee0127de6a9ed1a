//! What a publish carries besides its topic: [`PublishOptions`] (QoS and retain) and the
//! payload conversions ([`IntoPublishPayload`], and `Into<Vec<u8>>` as in 0.33.1).

use bytes::{Bytes, BytesMut};

use crate::mqttbytes::QoS;

/// QoS and retain flag of a publish, reusable across calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PublishOptions {
    qos: QoS,
    retain: bool,
}

impl PublishOptions {
    /// A non-retained publish at `qos`.
    pub const fn new(qos: QoS) -> Self {
        Self { qos, retain: false }
    }

    /// QoS 0, not retained.
    pub const fn at_most_once() -> Self {
        Self::new(QoS::AtMostOnce)
    }

    /// QoS 1, not retained.
    pub const fn at_least_once() -> Self {
        Self::new(QoS::AtLeastOnce)
    }

    /// QoS 2, not retained.
    pub const fn exactly_once() -> Self {
        Self::new(QoS::ExactlyOnce)
    }

    /// The same options with the retain flag set.
    pub const fn retained(self) -> Self {
        self.retain(true)
    }

    /// The same options with the retain flag set to `retain`.
    pub const fn retain(self, retain: bool) -> Self {
        Self { retain, ..self }
    }

    /// The QoS level.
    pub const fn qos(&self) -> QoS {
        self.qos
    }

    /// True when the broker should retain the message.
    pub const fn is_retained(&self) -> bool {
        self.retain
    }
}

/// A payload for `publish_with_options` (the 0.34 style): owned buffers move without a copy,
/// borrowed ones are copied, and a shared [`Bytes`] is passed on as it is. Implement it for
/// your own types to publish them directly. The `(topic, qos, retain, payload)` methods take
/// any `Into<Vec<u8>>` instead, as in 0.33.1; `publish_bytes` takes a [`Bytes`].
pub trait IntoPublishPayload {
    /// The payload bytes.
    fn into_publish_payload(self) -> Bytes;
}

impl IntoPublishPayload for Bytes {
    fn into_publish_payload(self) -> Bytes {
        self
    }
}

impl IntoPublishPayload for BytesMut {
    fn into_publish_payload(self) -> Bytes {
        self.freeze()
    }
}

impl<const N: usize> IntoPublishPayload for [u8; N] {
    fn into_publish_payload(self) -> Bytes {
        Bytes::copy_from_slice(&self)
    }
}

impl<const N: usize> IntoPublishPayload for &[u8; N] {
    fn into_publish_payload(self) -> Bytes {
        Bytes::copy_from_slice(self)
    }
}

/// The payload of the `(topic, qos, retain, payload)` methods, taken as in 0.33.1: any
/// `Into<Vec<u8>>`. The vector then moves into `Bytes` without a copy.
pub(super) fn owned(payload: impl Into<Vec<u8>>) -> Vec<u8> {
    payload.into()
}

/// Owned buffers that `Bytes` takes over without copying.
macro_rules! owned_payload {
    ($($owned:ty),*) => {$(
        impl IntoPublishPayload for $owned {
            fn into_publish_payload(self) -> Bytes {
                Bytes::from(self)
            }
        }
    )*};
}

/// Borrowed byte views, copied into a new buffer.
macro_rules! borrowed_payload {
    ($($borrowed:ty),*) => {$(
        impl IntoPublishPayload for $borrowed {
            fn into_publish_payload(self) -> Bytes {
                Bytes::copy_from_slice(AsRef::<[u8]>::as_ref(self))
            }
        }
    )*};
}

owned_payload!(Vec<u8>, String, Box<[u8]>);

borrowed_payload!(&[u8], &str, &String, &Vec<u8>);
