//! PINGREQ, PINGRESP and DISCONNECT: packets with no body.

/// PINGREQ
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PingReq;

/// PINGRESP
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PingResp;

/// DISCONNECT
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Disconnect;
