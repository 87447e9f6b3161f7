//! Flow rules: what a leg is and what it does with the media it receives.

use std::net::SocketAddr;
use std::time::Duration;

/// Set of RTP payload types (0..=127) negotiated for a leg.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub struct PayloadTypes(u128);

impl PayloadTypes {
    pub const NONE: Self = Self(0);
    pub const ANY: Self = Self(u128::MAX);

    pub fn from_list(pts: &[u8]) -> Self {
        let mut s = Self::NONE;
        for &pt in pts {
            s = s.with(pt);
        }
        s
    }

    #[must_use]
    pub const fn with(self, pt: u8) -> Self {
        Self(self.0 | (1u128 << (pt & 0x7f)))
    }

    #[inline]
    pub const fn contains(self, pt: u8) -> bool {
        self.0 & (1u128 << (pt & 0x7f)) != 0
    }
}

/// How a leg learns and guards its remote address.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Latch {
    /// Only `remote` (RTP) and `remote_rtcp` may send; nothing is learned.
    Strict,
    /// Symmetric RTP (NAT): the first packet that is valid media for the leg
    /// (a negotiated payload type; on encrypted legs, authenticated) fixes
    /// the remote address, which is then locked. After the locked source
    /// has been silent for `relearn_after_silence`, a packet carrying the
    /// *same SSRC* from a new address moves the latch (counted and
    /// reported). `None` never re-learns.
    Learn {
        relearn_after_silence: Option<Duration>,
    },
}

/// What a leg does with the media it receives, on its way to the bridged leg.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Forward unchanged.
    Forward,
    /// Rewrite SSRC, sequence number and timestamp so the stream the
    /// bridged leg emits stays continuous when the sender changes (new
    /// SSRC after a re-INVITE or transfer): sequence continues at the next
    /// number, timestamp advances by the wall-clock gap at `clock_rate`.
    /// `ssrc` is the SSRC the bridged leg emits (`None`: keep the first one seen).
    Rewrite { ssrc: Option<u32>, clock_rate: u32 },
    /// Drop everything received (counted as `ModeDrop`).
    Drop,
}

/// SRTP protection profile of an encrypted leg (RFC 5764 section 4.1.2).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum SrtpProfile {
    Aes128CmSha1_80,
    Aes128CmSha1_32,
}

/// Keys of an encrypted leg: master key (16 bytes) followed by master salt
/// (14 bytes), for what the remote sends (`rx`) and what we send (`tx`).
/// From DTLS-SRTP keying material or SDES `a=crypto` lines.
#[derive(Copy, Clone, PartialEq, Eq)]
pub struct SrtpKeys {
    pub profile: SrtpProfile,
    pub rx: [u8; 30],
    pub tx: [u8; 30],
}

impl std::fmt::Debug for SrtpKeys {
    // Keys never reach a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SrtpKeys")
            .field("profile", &self.profile)
            .finish_non_exhaustive()
    }
}

/// A leg: a local port, the remote it expects, and its mode.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct LegSpec {
    /// Local RTP port (inside the shard's slice, from its [`crate::PortAllocator`]).
    pub local_port: u16,
    /// RTP and RTCP on one port (RFC 5761); otherwise RTCP is `local_port + 1`.
    pub rtcp_mux: bool,
    /// Remote RTP address from the SDP, if known.
    pub remote: Option<SocketAddr>,
    /// Remote RTCP address (defaults to `remote` port + 1, or `remote` with mux).
    pub remote_rtcp: Option<SocketAddr>,
    pub latch: Latch,
    /// Payload types accepted (anything else is dropped and never latched on).
    pub payload_types: PayloadTypes,
    pub mode: Mode,
    /// No media for this long raises [`crate::Event::MediaTimeout`] (once per silence).
    pub media_timeout: Duration,
    /// DSCP for what this leg sends (0 = leave as is). EF = 46.
    pub dscp: u8,
    /// SRTP/SRTCP on this leg: received packets are authenticated (before
    /// they can teach the latch) and decrypted; sent packets are protected.
    pub srtp: Option<SrtpKeys>,
}

impl LegSpec {
    /// A plain RTP leg on `local_port` with the defaults an operator expects:
    /// latch on first valid packet, locked, 60 s media timeout, forward as is.
    pub fn new(local_port: u16) -> Self {
        Self {
            local_port,
            rtcp_mux: false,
            remote: None,
            remote_rtcp: None,
            latch: Latch::Learn {
                relearn_after_silence: None,
            },
            payload_types: PayloadTypes::ANY,
            mode: Mode::Forward,
            media_timeout: Duration::from_secs(60),
            dscp: 0,
            srtp: None,
        }
    }

    /// Where RTCP for this leg goes.
    pub fn rtcp_remote(&self) -> Option<SocketAddr> {
        self.remote_rtcp.or_else(|| {
            self.remote.map(|mut a| {
                if !self.rtcp_mux {
                    a.set_port(a.port().wrapping_add(1));
                }
                a
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_type_set() {
        let s = PayloadTypes::from_list(&[0, 8, 101, 127]);
        assert!(s.contains(0) && s.contains(8) && s.contains(101) && s.contains(127));
        assert!(!s.contains(9) && !s.contains(96));
        assert!(PayloadTypes::ANY.contains(77));
        assert!(!PayloadTypes::NONE.contains(0));
    }

    #[test]
    fn rtcp_remote_defaults() {
        let mut s = LegSpec::new(20000);
        s.remote = Some("127.0.0.1:4000".parse().unwrap());
        assert_eq!(s.rtcp_remote(), Some("127.0.0.1:4001".parse().unwrap()));
        s.rtcp_mux = true;
        assert_eq!(s.rtcp_remote(), Some("127.0.0.1:4000".parse().unwrap()));
        s.remote_rtcp = Some("127.0.0.1:5555".parse().unwrap());
        assert_eq!(s.rtcp_remote(), Some("127.0.0.1:5555".parse().unwrap()));
    }
}
