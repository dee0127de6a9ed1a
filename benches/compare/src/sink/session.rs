//! One sink connection's protocol side: answers whole frames and counts the publisher's
//! sequence numbers.

use std::sync::PoisonError;
use std::time::Instant;

use super::Tallies;
use crate::wire;

/// Highest sequence number a tally tracks (a bitmap of 8 MiB at most); anything above
/// counts as foreign.
const MAX_SEQ: u64 = 1 << 26;

/// What one publisher sent: distinct, duplicated and out-of-order sequence numbers, payloads
/// without one, and when the first and last PUBLISH arrived.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    /// Distinct sequence numbers.
    pub unique: u64,
    /// Sequence numbers seen before.
    pub duplicates: u64,
    /// Sequence numbers below the highest seen so far.
    pub out_of_order: u64,
    /// Payloads without a sequence number in range.
    pub foreign: u64,
    /// Arrival of the first PUBLISH.
    pub first: Option<Instant>,
    /// Arrival of the last new PUBLISH.
    pub last: Option<Instant>,
    highest: Option<u64>,
    seen: Vec<u64>,
}

impl Tally {
    fn record(&mut self, payload: &[u8], now: Instant) {
        self.first.get_or_insert(now);
        let seq = payload
            .get(..8)
            .and_then(|head| <[u8; 8]>::try_from(head).ok())
            .map(u64::from_be_bytes);
        let Some(seq) = seq.filter(|seq| *seq < MAX_SEQ) else {
            self.foreign += 1;
            return;
        };
        let (word, bit) = ((seq / 64) as usize, 1u64 << (seq % 64));
        if self.seen.len() <= word {
            self.seen.resize((word + 1).next_power_of_two(), 0);
        }
        if self.seen[word] & bit != 0 {
            self.duplicates += 1;
            return;
        }
        self.seen[word] |= bit;
        self.unique += 1;
        self.last = Some(now);
        match self.highest {
            Some(highest) if seq < highest => self.out_of_order += 1,
            _ => self.highest = Some(seq),
        }
    }

    fn is_empty(&self) -> bool {
        self.first.is_none()
    }
}

/// One connection: its client id, tally, and whether DISCONNECT arrived.
#[derive(Default)]
pub(super) struct Session {
    client_id: String,
    tally: Tally,
    done: bool,
}

impl Session {
    /// Answers every whole frame at the start of `input`, appending the replies to `out`;
    /// returns how many bytes it used.
    pub(super) fn answer(&mut self, input: &[u8], out: &mut Vec<u8>) -> usize {
        let now = Instant::now();
        let mut used = 0;
        while let Some((frame, len)) = input.get(used..).and_then(wire::next_frame) {
            used += len;
            match frame.kind {
                wire::CONNECT => {
                    self.client_id = String::from_utf8_lossy(frame.client_id()).into_owned();
                    out.extend_from_slice(&wire::connack());
                }
                wire::SUBSCRIBE => out.extend_from_slice(&frame.suback()),
                wire::PUBLISH => {
                    self.tally.record(frame.payload(), now);
                    match frame.qos() {
                        1 => out.extend_from_slice(&wire::ack(wire::PUBACK, frame.pkid())),
                        2 => out.extend_from_slice(&wire::ack(wire::PUBREC, frame.pkid())),
                        _ => {}
                    }
                }
                wire::PUBREL => out.extend_from_slice(&wire::ack(wire::PUBCOMP, frame.pkid())),
                wire::PINGREQ => out.extend_from_slice(&wire::pingresp()),
                wire::DISCONNECT => {
                    self.done = true;
                    break;
                }
                _ => {}
            }
        }
        used
    }

    /// True once DISCONNECT arrived.
    pub(super) fn is_done(&self) -> bool {
        self.done
    }

    /// Hands the tally to the parent if this connection published anything.
    pub(super) fn close(self, tallies: &Tallies) {
        if !self.tally.is_empty() {
            tallies
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(self.client_id, self.tally);
        }
    }
}
