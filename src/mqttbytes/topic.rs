//! Topic name and filter rules (MQTT 3.1.1 §4.7): validation and matching. Pure string
//! functions; the codec enforces the wire rules on its own.

/// True when `topic` holds no wildcard (`+` or `#`). The empty string passes here; the
/// client refuses an empty publish topic separately.
pub fn valid_topic(topic: &str) -> bool {
    !has_wildcards(topic)
}

/// True when `s` contains `+` or `#`.
pub fn has_wildcards(s: &str) -> bool {
    s.contains(['+', '#'])
}

/// True when `filter` is a valid subscription filter.
///
/// [MQTT-4.7.3-1] non-empty; [MQTT-4.7.1-2] `#` only as the whole last level;
/// [MQTT-4.7.1-3] `+` only as a whole level.
///
/// ```
/// use rumqttc::valid_filter;
///
/// assert!(valid_filter("sport/+/player1/#"));
/// assert!(!valid_filter("sport/tennis#"));
/// assert!(!valid_filter("sport/#/ranking"));
/// assert!(!valid_filter("sport+"));
/// assert!(!valid_filter(""));
/// ```
pub fn valid_filter(filter: &str) -> bool {
    if filter.is_empty() {
        return false;
    }
    let mut levels = filter.split('/').peekable();
    while let Some(level) = levels.next() {
        let is_last = levels.peek().is_none();
        let valid = match level {
            "#" => is_last,
            "+" => true,
            other => !has_wildcards(other),
        };
        if !valid {
            return false;
        }
    }
    true
}

/// True when `topic` matches `filter`.
///
/// `+` matches exactly one level; a trailing `#` matches any number of levels,
/// including none (`a/b/#` matches `a/b`). Following [MQTT-4.7.2-1], a topic starting
/// with `$` is never matched by a filter whose first level is a wildcard, only by one
/// spelling the `$` level out. A `#` or `+` in the topic only matches the same wildcard
/// in the filter (so the function also tests filter containment); nothing is validated
/// and nothing panics, whatever the input.
///
/// ```
/// use rumqttc::matches;
///
/// assert!(matches("sport/tennis/player1", "sport/+/player1"));
/// assert!(matches("sport/tennis/player1/ranking", "sport/#"));
/// assert!(matches("sport", "sport/#"));
/// assert!(!matches("sport/tennis", "sport/+/player1"));
/// assert!(!matches("$SYS/uptime", "#"));
/// assert!(!matches("$SYS/uptime", "+/uptime"));
/// assert!(matches("$SYS/uptime", "$SYS/#"));
/// assert!(!matches("ümlaut/a", "+/b")); // a multi-byte first character is fine
/// ```
pub fn matches(topic: &str, filter: &str) -> bool {
    if topic.starts_with('$') && filter.starts_with(['+', '#']) {
        return false;
    }
    let mut topic_levels = topic.split('/');
    for filter_level in filter.split('/') {
        if filter_level == "#" {
            // Matches the rest, and the parent level when nothing is left.
            return true;
        }
        match topic_levels.next() {
            // A wildcard in the topic position only matches itself (containment).
            Some("#") => return false,
            Some(_) if filter_level == "+" => {}
            Some(level) if level == filter_level => {}
            Some(_) | None => return false,
        }
    }
    topic_levels.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_follows_spec_examples() {
        // (topic, filter, expected) from MQTT 3.1.1 §4.7.1 and §4.7.2.
        let cases = [
            ("sport/tennis/player1", "sport/tennis/player1/#", true),
            (
                "sport/tennis/player1/ranking",
                "sport/tennis/player1/#",
                true,
            ),
            (
                "sport/tennis/player1/score/wimbledon",
                "sport/tennis/player1/#",
                true,
            ),
            ("sport", "sport/#", true),
            ("sport/tennis/player1", "sport/tennis/+", true),
            ("sport/tennis/player1/ranking", "sport/tennis/+", false),
            ("sport", "sport/+", false),
            ("sport/", "sport/+", true),
            ("/finance", "+/+", true),
            ("/finance", "/+", true),
            ("/finance", "+", false),
            ("a/b", "#", true),
            ("a/b", "a/b", true),
            ("a/b", "a/b/c", false),
            ("a/b/c", "a/b", false),
            ("", "", true),
            ("", "#", true),
            ("$SYS/monitor/Clients", "#", false),
            ("$SYS/monitor/Clients", "+/monitor/Clients", false),
            ("$SYS/monitor/Clients", "$SYS/#", true),
            ("$SYS/monitor/Clients", "$SYS/monitor/+", true),
            // Filter containment: a wildcard in the topic position.
            ("a/+", "a/+", true),
            ("a/+", "a/#", true),
            ("a/#", "a/+", false),
            ("a/#", "a/#", true),
        ];
        for (topic, filter, expected) in cases {
            assert_eq!(matches(topic, filter), expected, "{topic} vs {filter}");
        }
    }

    #[test]
    fn matches_with_multibyte_first_character_does_not_panic() {
        assert!(!matches("€/a", "$/a"));
        assert!(matches("€/a", "+/a"));
        assert!(matches("€", "€"));
        assert!(!matches("$", "€"));
    }

    #[test]
    fn valid_filter_checks_wildcard_placement() {
        let cases = [
            ("#", true),
            ("+", true),
            ("a/+/b", true),
            ("a/#", true),
            ("+/+/#", true),
            ("/", true),
            ("$SYS/#", true),
            ("", false),
            ("a/#/b", false),
            ("a#", false),
            ("a/b#", false),
            ("a+/b", false),
            ("a/+b", false),
            ("#/", false),
        ];
        for (filter, expected) in cases {
            assert_eq!(valid_filter(filter), expected, "{filter}");
        }
    }

    #[test]
    fn valid_topic_refuses_wildcards_and_allows_empty() {
        assert!(valid_topic("a/b"));
        assert!(valid_topic(""));
        assert!(!valid_topic("a/+"));
        assert!(!valid_topic("a/#"));
        assert!(has_wildcards("+"));
        assert!(!has_wildcards("a/b"));
    }
}
