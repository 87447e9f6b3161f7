//! Why the hot path dropped a packet. Small, `Copy`, never formatted per packet.

/// Reason a datagram was dropped; each has its own counter per leg and per shard.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum DropReason {
    /// Shorter than the fixed header of what the first byte says it is.
    Truncated,
    /// RTP/RTCP version field is not 2.
    BadVersion,
    /// A length field (CSRC count, extension length, RTCP length) points past the end.
    BadLength,
    /// Padding count is zero or larger than the payload.
    BadPadding,
    /// RFC 8285 header extension block is malformed.
    BadExtension,
    /// RTCP compound packet is malformed (bad first packet type, lying length, ...).
    BadRtcp,
    /// STUN message is malformed (cookie, length, attribute walk).
    BadStun,
    /// First byte is in no RFC 7983 range we accept.
    Unclassified,
    /// Arrived on a port with no installed leg (or a stale one).
    UnknownFlow,
    /// Source address is not the leg's (latched or configured) remote.
    WrongSource,
    /// RTP payload type not negotiated for the leg.
    UnexpectedPayloadType,
    /// The leg's mode says drop.
    ModeDrop,
    /// The leg is not bridged to another leg.
    NotBridged,
    /// The peer leg has no remote address to send to yet.
    NoDestination,
    /// The protocol is recognised but this leg does not handle it yet (e.g. DTLS on a plain leg).
    Unsupported,
    /// The kernel refused the send.
    SendError,
    /// SRTP/SRTCP authentication tag did not verify.
    SrtpAuth,
    /// SRTP/SRTCP packet replayed or older than the replay window.
    SrtpReplay,
}

impl DropReason {
    pub const COUNT: usize = 18;

    pub const ALL: [Self; Self::COUNT] = [
        Self::Truncated,
        Self::BadVersion,
        Self::BadLength,
        Self::BadPadding,
        Self::BadExtension,
        Self::BadRtcp,
        Self::BadStun,
        Self::Unclassified,
        Self::UnknownFlow,
        Self::WrongSource,
        Self::UnexpectedPayloadType,
        Self::ModeDrop,
        Self::NotBridged,
        Self::NoDestination,
        Self::Unsupported,
        Self::SendError,
        Self::SrtpAuth,
        Self::SrtpReplay,
    ];

    /// Stable metric label.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Truncated => "truncated",
            Self::BadVersion => "bad_version",
            Self::BadLength => "bad_length",
            Self::BadPadding => "bad_padding",
            Self::BadExtension => "bad_extension",
            Self::BadRtcp => "bad_rtcp",
            Self::BadStun => "bad_stun",
            Self::Unclassified => "unclassified",
            Self::UnknownFlow => "unknown_flow",
            Self::WrongSource => "wrong_source",
            Self::UnexpectedPayloadType => "unexpected_payload_type",
            Self::ModeDrop => "mode_drop",
            Self::NotBridged => "not_bridged",
            Self::NoDestination => "no_destination",
            Self::Unsupported => "unsupported",
            Self::SendError => "send_error",
            Self::SrtpAuth => "srtp_auth",
            Self::SrtpReplay => "srtp_replay",
        }
    }

    #[inline]
    pub const fn index(self) -> usize {
        self as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_is_in_discriminant_order_and_labels_are_unique() {
        for (i, r) in DropReason::ALL.iter().enumerate() {
            assert_eq!(r.index(), i);
        }
        let mut labels: Vec<_> = DropReason::ALL.iter().map(|r| r.as_str()).collect();
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(labels.len(), DropReason::COUNT);
    }
}
