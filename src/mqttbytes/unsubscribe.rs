//! UNSUBSCRIBE.

/// UNSUBSCRIBE: one or more topic filters to remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsubscribe {
    /// Packet identifier.
    pub pkid: u16,
    /// Topic filters.
    pub topics: Vec<String>,
}

impl Unsubscribe {
    /// UNSUBSCRIBE of one filter.
    pub fn new(topic: impl Into<String>) -> Self {
        Self {
            pkid: 0,
            topics: vec![topic.into()],
        }
    }
}
