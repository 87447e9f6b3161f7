//! Packet views over byte slices: no copies, no allocation.
//!
//! Each view validates once in `new_checked`; afterwards its accessors
//! cannot panic. Errors are small `Copy` enums that map onto the hot
//! path's [`relay_ctl::DropReason`].

pub mod demux;
pub mod rtcp;
pub mod rtp;
pub mod stun;

pub use demux::{classify, fuzz_parse, parse, Class};
pub use rtcp::{PacketType as RtcpPacketType, RtcpCompound, RtcpError, RtcpPacket};
pub use rtp::{RtpError, RtpHeader, RtpPacket};
pub use stun::{StunError, StunPacket};
