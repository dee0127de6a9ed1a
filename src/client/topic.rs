//! The topic argument of the publish methods: [`ValidatedTopic`], checked once, and
//! [`PublishTopic`]. The rules themselves live in the codec's `mqttbytes::topic`.

use std::borrow::Cow;

use bytes::Bytes;

use crate::mqttbytes::topic::{InvalidTopic, check_topic_name};

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
        check_topic_name(&topic)?;
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
