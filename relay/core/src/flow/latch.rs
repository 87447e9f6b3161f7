//! Source validation and symmetric-RTP latching.
//!
//! Guards against RTP injection and media theft (the "RTP Bleed" class,
//! CVE-2025-53399 in rtpengine): a leg learns its remote only from a packet
//! that is valid media for it (a negotiated payload type; on encrypted legs
//! the caller passes only authenticated packets), locks the address once
//! learned, and moves it again only under the explicit re-learn rule: the
//! *same SSRC* from a new address after the locked source has been silent
//! for the configured time.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use relay_ctl::Latch;

/// What to do with a packet given its source.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum LatchOutcome {
    /// From the expected source.
    Accept,
    /// First valid media: learn and lock this address.
    Learn,
    /// Same SSRC from a new address after silence: move the latch.
    Relearn,
    /// From anywhere else.
    Reject,
}

/// Latch state of a leg's RTP source.
#[derive(Clone, Debug)]
pub(crate) struct LatchState {
    pub(crate) policy: Latch,
    /// Configured remote (SDP) or learned one.
    pub(crate) remote: Option<SocketAddr>,
    pub(crate) learned: bool,
    /// SSRC of the last accepted RTP packet.
    pub(crate) ssrc: Option<u32>,
    pub(crate) last_rx: Option<Instant>,
}

impl LatchState {
    pub(crate) fn new(policy: Latch, remote: Option<SocketAddr>) -> Self {
        Self {
            policy,
            remote,
            learned: false,
            ssrc: None,
            last_rx: None,
        }
    }

    /// Decides on an RTP packet that is valid media for the leg (payload
    /// type negotiated). `ssrc` is the packet's SSRC.
    pub(crate) fn check_media(&self, now: Instant, src: SocketAddr, ssrc: u32) -> LatchOutcome {
        if self.remote == Some(src) {
            return if self.learned || matches!(self.policy, Latch::Strict) {
                LatchOutcome::Accept
            } else {
                LatchOutcome::Learn
            };
        }
        match self.policy {
            Latch::Strict => LatchOutcome::Reject,
            Latch::Learn { .. } if !self.learned => LatchOutcome::Learn,
            Latch::Learn {
                relearn_after_silence: Some(quiet),
            } => {
                let silent = self
                    .last_rx
                    .is_none_or(|t| now.saturating_duration_since(t) >= quiet);
                if silent && self.ssrc == Some(ssrc) {
                    LatchOutcome::Relearn
                } else {
                    LatchOutcome::Reject
                }
            }
            Latch::Learn {
                relearn_after_silence: None,
            } => LatchOutcome::Reject,
        }
    }

    /// Decides on a packet that can never teach the latch (RTCP, or RTP
    /// with a payload type the leg did not negotiate): only the current
    /// remote address is accepted.
    pub(crate) fn check_other(&self, src: SocketAddr) -> bool {
        self.remote == Some(src)
    }

    /// Applies an accepted outcome.
    pub(crate) fn commit(
        &mut self,
        now: Instant,
        src: SocketAddr,
        ssrc: u32,
        outcome: LatchOutcome,
    ) {
        if matches!(outcome, LatchOutcome::Learn | LatchOutcome::Relearn) {
            self.remote = Some(src);
            self.learned = true;
        }
        self.ssrc = Some(ssrc);
        self.last_rx = Some(now);
    }

    /// Idle time since the last accepted packet (zero before the first).
    pub(crate) fn idle(&self, now: Instant, since_install: Instant) -> Duration {
        now.saturating_duration_since(self.last_rx.unwrap_or(since_install))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn strict_accepts_only_configured_source() {
        let t = Instant::now();
        let l = LatchState::new(Latch::Strict, Some(a("10.0.0.1:4000")));
        assert_eq!(
            l.check_media(t, a("10.0.0.1:4000"), 1),
            LatchOutcome::Accept
        );
        assert_eq!(
            l.check_media(t, a("10.0.0.1:4002"), 1),
            LatchOutcome::Reject
        );
        let none = LatchState::new(Latch::Strict, None);
        assert_eq!(
            none.check_media(t, a("10.0.0.1:4000"), 1),
            LatchOutcome::Reject
        );
    }

    #[test]
    fn learn_locks_on_first_valid_packet() {
        let t = Instant::now();
        let mut l = LatchState::new(
            Latch::Learn {
                relearn_after_silence: None,
            },
            Some(a("192.168.1.5:4000")),
        );
        let nat = a("203.0.113.9:61000");
        assert_eq!(l.check_media(t, nat, 7), LatchOutcome::Learn);
        l.commit(t, nat, 7, LatchOutcome::Learn);
        assert_eq!(l.check_media(t, nat, 7), LatchOutcome::Accept);
        assert_eq!(
            l.check_media(t, a("198.51.100.1:5000"), 7),
            LatchOutcome::Reject,
            "locked"
        );
        assert_eq!(
            l.check_media(t + Duration::from_secs(3600), a("198.51.100.1:5000"), 7),
            LatchOutcome::Reject
        );
    }

    #[test]
    fn relearn_needs_silence_and_same_ssrc() {
        let t = Instant::now();
        let q = Duration::from_secs(2);
        let mut l = LatchState::new(
            Latch::Learn {
                relearn_after_silence: Some(q),
            },
            None,
        );
        let first = a("203.0.113.9:61000");
        let moved = a("203.0.113.9:62000");
        l.commit(t, first, 7, LatchOutcome::Learn);
        assert_eq!(
            l.check_media(t + Duration::from_secs(1), moved, 7),
            LatchOutcome::Reject,
            "not silent yet"
        );
        assert_eq!(
            l.check_media(t + Duration::from_secs(3), moved, 8),
            LatchOutcome::Reject,
            "other SSRC"
        );
        assert_eq!(
            l.check_media(t + Duration::from_secs(3), moved, 7),
            LatchOutcome::Relearn
        );
        assert!(!l.check_other(moved));
    }
}
