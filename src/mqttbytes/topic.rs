//! Topic name and filter rules (MQTT 3.1.1 §4.7) and their one error type, [`InvalidTopic`]:
//! validation (the codec's PUBLISH and the client's requests both call it) and matching.
//! Pure string functions.

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
pub(crate) const MAX_TOPIC_LEN_BYTES: usize = 65_535;

/// A publish topic name: the common rules, then [MQTT-3.3.2-2] no wildcard. Most topics pass
/// the word-at-a-time scan ([`is_plain_topic_name`]), which proves every rule but the
/// length at once.
///
/// # Errors
/// The first rule broken, in the order empty, too long, U+0000, wildcard.
pub(crate) fn check_topic_name(topic: &str) -> Result<(), InvalidTopic> {
    if topic.len() <= MAX_TOPIC_LEN_BYTES && is_plain_topic_name(topic.as_bytes()) {
        return Ok(());
    }
    check_common(topic)?;
    if !valid_topic(topic) {
        return Err(InvalidTopic::Wildcard);
    }
    Ok(())
}

/// A subscription filter: the common rules, then [MQTT-4.7.1-2] and [MQTT-4.7.1-3]
/// wildcard placement.
///
/// # Errors
/// The first rule broken, in the order empty, too long, U+0000, misplaced wildcard.
pub(crate) fn check_topic_filter(filter: &str) -> Result<(), InvalidTopic> {
    check_common(filter)?;
    if !valid_filter(filter) {
        return Err(InvalidTopic::MisplacedWildcard);
    }
    Ok(())
}

/// Rules shared by topic names and filters, in the order they are reported: [MQTT-4.7.3-1]
/// non-empty, the 65,535-byte string length, [MQTT-1.5.3-2] no U+0000.
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

/// True when `topic` is non-empty and holds no `0`, `+`, `#` or non-ASCII byte: then it
/// keeps every topic-name rule but the 65,535-byte length. False does not mean invalid
/// (a non-ASCII topic may be valid UTF-8); it means "look closer".
#[inline(always)]
pub(crate) fn is_plain_topic_name(topic: &[u8]) -> bool {
    match topic.last_chunk::<8>() {
        Some(&last) => {
            let (words, _) = topic.as_chunks::<8>();
            let marks = words
                .iter()
                .fold(word_marks(u64::from_ne_bytes(last)), |marks, &word| {
                    marks | word_marks(u64::from_ne_bytes(word))
                });
            marks & HIGHS == 0
        }
        // Shorter than a word (or empty): byte by byte.
        None => !topic.is_empty() && !topic.iter().any(|&byte| suspect_byte(byte)),
    }
}

/// 0x01 in every byte of a word.
const ONES: u64 = u64::from_ne_bytes([0x01; 8]);

/// 0x80 in every byte of a word.
const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);

/// `+` in every byte of a word.
const PLUSES: u64 = ONES * b'+' as u64;

/// Bit 3 in every byte: `#` (0x23) and `+` (0x2B) differ only there.
const BIT3S: u64 = ONES * 0x08;

/// A word whose high bits ([`HIGHS`]) are all clear exactly when no byte of `word` is
/// `0`, `+`, `#` or non-ASCII (a SWAR test, exact as a yes/no).
///
/// A non-ASCII byte shows in `word` itself. With every byte ASCII, `byte - 1` sets the
/// high bit only for a zero byte (or, through the borrow, just above one, which is
/// flagged anyway). With bit 3 set, `#` turns into `+`, so XOR with `+` zeroes exactly the
/// wildcards and the same subtraction finds them.
#[inline]
const fn word_marks(word: u64) -> u64 {
    let wildcards = (word | BIT3S) ^ PLUSES;
    word.wrapping_sub(ONES) | wildcards.wrapping_sub(ONES) | word
}

/// True for a byte the fast path ([`is_plain_topic_name`]) must look at more closely.
const fn suspect_byte(byte: u8) -> bool {
    byte == 0 || byte == b'+' || byte == b'#' || !byte.is_ascii()
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
