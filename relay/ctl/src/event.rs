//! Events from a shard back to signaling.

use std::net::SocketAddr;
use std::time::Duration;

use crate::LegId;

/// Why a command on a leg failed.
#[derive(Copy, Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LegError {
    #[error("no such leg (never installed, removed, or stale generation)")]
    UnknownLeg,
    #[error("leg already installed in this slot")]
    SlotBusy,
    #[error("local port is outside this shard's slice")]
    PortOutsideSlice,
    #[error("could not bind the local port (os error {0})")]
    Bind(i32),
    #[error("a leg cannot be bridged to itself")]
    SelfBridge,
    #[error("the local port of an installed leg cannot change")]
    PortChanged,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The leg's socket(s) are bound and receiving.
    LegReady { leg: LegId, port: u16 },
    /// A command on `leg` failed; the leg is not (or no longer) installed if it was an add.
    LegFailed { leg: LegId, error: LegError },
    /// Two legs are bridged (the command took effect).
    Bridged { a: LegId, b: LegId },
    /// First valid media packet on the leg.
    FirstPacket { leg: LegId, from: SocketAddr },
    /// The leg learned and locked its remote address.
    Latched { leg: LegId, addr: SocketAddr },
    /// The latch moved under the re-learn rule (same SSRC after silence).
    Relatched {
        leg: LegId,
        from: SocketAddr,
        to: SocketAddr,
    },
    /// No media for `idle` (reported once per silence).
    MediaTimeout { leg: LegId, idle: Duration },
    /// Media resumed after a reported timeout.
    MediaResumed { leg: LegId },
    /// The leg is gone and its socket(s) closed.
    Removed { leg: LegId },
    /// The shard has stopped.
    Stopped,
}
