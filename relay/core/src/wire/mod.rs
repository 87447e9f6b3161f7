//! Packet views over byte slices: no copies, no allocation.
//!
//! - [`demux`]: which protocol a datagram on a media port carries, from its
//!   first bytes (RFC 7983, RFC 5761 section 4).
//! - [`rtp`]: RTP (RFC 3550 section 5) with RFC 8285 header extensions.
//! - [`rtcp`]: RTCP compound packets (RFC 3550 section 6, RFC 4585, RFC 5506)
//!   and their in-place SSRC and timestamp rewrite.
//! - [`stun`]: STUN message recognition (RFC 8489); ICE builds on it.
//!
//! Each view validates once in `new_checked`; afterwards its accessors
//! cannot panic, and setters rewrite fields in place. `new_unchecked` is
//! for packets we build ourselves. Errors are small `Copy` enums that map
//! onto the hot path's [`relay_ctl::DropReason`]. Nothing here allocates,
//! formats or copies a packet.

pub mod demux;
mod fuzz;
pub mod rtcp;
pub mod rtp;
pub mod stun;

pub use demux::{classify, parse, Class};
#[doc(hidden)]
pub use fuzz::{fuzz_parse, fuzz_rtcp_rewrite};
pub use rtcp::{
    Field as RtcpField, PacketType as RtcpPacketType, RtcpCompound, RtcpError, RtcpPacket,
};
pub use rtp::{RtpError, RtpHeader, RtpPacket};
pub use stun::{StunError, StunPacket};
