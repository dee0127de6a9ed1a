//! Packet identifier allocation over the whole non-zero 16-bit range, round-robin, skipping
//! ids still in use. It owns only the cursor; which ids are busy is the caller's table.

/// Round-robin allocator of packet ids in `1..=65535` ([MQTT-2.3.1-1]: never 0).
#[derive(Debug, Clone, Default)]
pub(crate) struct PkidAllocator {
    /// The id handed out last (0 before the first allocation).
    last: u16,
}

impl PkidAllocator {
    /// The first id after the last one handed out, wrapping from 65535 to 1, for which
    /// `is_busy` is false; `None` when every id is busy.
    pub(crate) fn next_pkid(&mut self, is_busy: impl Fn(u16) -> bool) -> Option<u16> {
        let mut candidate = self.last;
        for _ in 0..u16::MAX {
            candidate = next_after(candidate);
            if !is_busy(candidate) {
                self.last = candidate;
                return Some(candidate);
            }
        }
        None
    }
}

/// The id after `pkid`, skipping 0.
const fn next_after(pkid: u16) -> u16 {
    match pkid {
        u16::MAX => 1,
        n => n + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_pkid_starts_at_one_and_counts_up() {
        let mut pkids = PkidAllocator::default();
        let got: Vec<_> = (0..3).map(|_| pkids.next_pkid(|_| false)).collect();
        assert_eq!(got, [Some(1), Some(2), Some(3)]);
    }

    /// [MQTT-2.3.1-1] the id after 65535 is 1, never 0.
    #[test]
    fn next_pkid_after_max_wraps_to_one() {
        let mut pkids = PkidAllocator { last: u16::MAX - 1 };
        assert_eq!(pkids.next_pkid(|_| false), Some(u16::MAX));
        assert_eq!(pkids.next_pkid(|_| false), Some(1));
    }

    #[test]
    fn next_pkid_skips_busy_ids_across_the_wrap() {
        let mut pkids = PkidAllocator { last: u16::MAX - 1 };
        let busy = |pkid: u16| pkid == u16::MAX || pkid == 1 || pkid == 2;
        assert_eq!(pkids.next_pkid(busy), Some(3));
    }

    #[test]
    fn next_pkid_with_every_id_busy_is_none() {
        let mut pkids = PkidAllocator { last: 17 };
        assert_eq!(pkids.next_pkid(|_| true), None);
        assert_eq!(pkids.last, 17);
    }

    #[test]
    fn next_pkid_finds_the_only_free_id_behind_the_cursor() {
        let mut pkids = PkidAllocator { last: 100 };
        assert_eq!(pkids.next_pkid(|pkid| pkid != 100), Some(100));
    }
}
