//! The topic argument of the publish methods: [`ValidatedTopic`], checked once, and
//! [`PublishTopic`]; the topic and filter checks every request goes through.

use std::borrow::Cow;

use bytes::Bytes;

use crate::mqttbytes::{is_plain_topic_name, valid_filter, valid_topic};

/// Why a topic name or topic filter is refused before anything is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidTopic {
    /// The topic or filter is empty.
    #[error("[MQTT-4.7.3-1] topic is empty")]
    Empty,
    /// A topic name (not a filter) contains `+` or `#`.
    #[error("[MQTT-3.3.2-2] topic name contains a wildcard (+ or #)")]
    Wildcard,
    /// A filter places `#` other than alone in the last level, or `+` other than alone in a level.
    #[error("[MQTT-4.7.1-2] misplaced wildcard: # must be the whole last level, + a whole level")]
    MisplacedWildcard,
    /// The topic or filter contains U+0000.
    #[error("[MQTT-1.5.3-2] topic contains the null character U+0000")]
    NullCharacter,
    /// The topic or filter is longer than 65,535 bytes.
    #[error("topic is {len} bytes long; the limit is 65535 bytes")]
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
}

/// Longest topic name or filter: its length is a `u16` on the wire (MQTT 3.1.1 §1.5.3).
const MAX_TOPIC_LEN_BYTES: usize = 65_535;

/// A topic name checked once, so a hot path can publish to it without checking it again.
///
/// It holds the topic as shared bytes: cloning it, or publishing to it, copies no text
/// and allocates nothing.
///
/// # Examples
/// ```
/// use rumqttc::{InvalidTopic, ValidatedTopic};
///
/// let topic = ValidatedTopic::new("sensors/kitchen/temp")?;
/// assert_eq!(topic.as_str(), "sensors/kitchen/temp");
/// assert_eq!(ValidatedTopic::new("sensors/+/temp"), Err(InvalidTopic::Wildcard));
/// # Ok::<(), InvalidTopic>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ValidatedTopic(pub(super) Bytes);

impl ValidatedTopic {
    /// Checks `topic` as a publish topic name.
    ///
    /// # Errors
    /// The [`InvalidTopic`] rule it breaks: empty, too long, U+0000, or a wildcard.
    pub fn new(topic: impl Into<String>) -> Result<Self, InvalidTopic> {
        let topic = topic.into();
        check_topic(&topic)?;
        Ok(Self(Bytes::from(topic)))
    }

    /// The topic name.
    pub fn as_str(&self) -> &str {
        // Always UTF-8: the bytes came from a `String` and are never changed.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl std::fmt::Debug for ValidatedTopic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("ValidatedTopic")
            .field(&self.as_str())
            .finish()
    }
}

impl From<ValidatedTopic> for String {
    fn from(topic: ValidatedTopic) -> Self {
        // No copy while this is the only handle; always UTF-8, as in `as_str`.
        Self::from_utf8(Vec::from(topic.0)).unwrap_or_default()
    }
}

/// The topic argument of the publish methods: checked at the call, unless already validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishTopic {
    /// Checked when the publish is built.
    Unvalidated(String),
    /// Checked earlier by [`ValidatedTopic::new`].
    Validated(ValidatedTopic),
}

impl From<ValidatedTopic> for PublishTopic {
    fn from(topic: ValidatedTopic) -> Self {
        Self::Validated(topic)
    }
}

impl From<String> for PublishTopic {
    fn from(topic: String) -> Self {
        Self::Unvalidated(topic)
    }
}

impl From<&str> for PublishTopic {
    fn from(topic: &str) -> Self {
        Self::Unvalidated(topic.to_owned())
    }
}

impl From<&String> for PublishTopic {
    fn from(topic: &String) -> Self {
        Self::Unvalidated(topic.clone())
    }
}

impl From<Cow<'_, str>> for PublishTopic {
    fn from(topic: Cow<'_, str>) -> Self {
        Self::Unvalidated(topic.into_owned())
    }
}

/// Rules shared by topic names and filters, in the order they are reported.
fn check_common(topic: &str) -> Result<(), InvalidTopic> {
    if topic.is_empty() {
        return Err(InvalidTopic::Empty);
    }
    if topic.len() > MAX_TOPIC_LEN_BYTES {
        return Err(InvalidTopic::TooLong { len: topic.len() });
    }
    if topic.contains('\0') {
        return Err(InvalidTopic::NullCharacter);
    }
    Ok(())
}

/// A publish topic name: the common rules, then no wildcard. Most topics pass the codec's
/// word-at-a-time scan, which proves every rule but the length at once.
pub(super) fn check_topic(topic: &str) -> Result<(), InvalidTopic> {
    if topic.len() <= MAX_TOPIC_LEN_BYTES && is_plain_topic_name(topic.as_bytes()) {
        return Ok(());
    }
    check_common(topic)?;
    if !valid_topic(topic) {
        return Err(InvalidTopic::Wildcard);
    }
    Ok(())
}

/// A subscription filter: the common rules, then wildcard placement.
pub(super) fn check_filter(filter: &str) -> Result<(), InvalidTopic> {
    check_common(filter)?;
    if !valid_filter(filter) {
        return Err(InvalidTopic::MisplacedWildcard);
    }
    Ok(())
}
