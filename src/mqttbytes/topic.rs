//! Topic name and filter rules: validation and matching.

/// True when `topic` holds no wildcard (`+` or `#`).
pub fn valid_topic(topic: &str) -> bool {
    !has_wildcards(topic)
}

/// True when `s` contains `+` or `#`.
pub fn has_wildcards(s: &str) -> bool {
    s.contains(['+', '#'])
}

/// True when `filter` is a valid subscription filter.
pub fn valid_filter(filter: &str) -> bool {
    !filter.is_empty()
}

/// True when `topic` matches `filter`.
pub fn matches(topic: &str, filter: &str) -> bool {
    topic == filter
}
