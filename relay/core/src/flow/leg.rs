//! One installed leg and its run-time state.

use std::net::SocketAddr;
use std::time::Instant;

use relay_ctl::{LegId, LegSpec, Mode, SrtpKeys, SrtpProfile};

use super::latch::LatchState;
use super::rewrite::Rewriter;
use crate::srtp::{Profile, SrtpContext};

/// SRTP contexts of an encrypted leg: what the remote sends, what we send.
#[derive(Clone, Debug)]
pub(crate) struct LegCrypto {
    pub(crate) rx: SrtpContext,
    pub(crate) tx: SrtpContext,
}

impl LegCrypto {
    fn new(keys: &SrtpKeys) -> Self {
        let profile = match keys.profile {
            SrtpProfile::Aes128CmSha1_80 => Profile::Aes128CmSha1_80,
            SrtpProfile::Aes128CmSha1_32 => Profile::Aes128CmSha1_32,
        };
        let ctx = |m: &[u8; 30]| {
            let (mut key, mut salt) = ([0u8; 16], [0u8; 14]);
            key.copy_from_slice(&m[..16]);
            salt.copy_from_slice(&m[16..]);
            SrtpContext::new(profile, &key, &salt)
        };
        Self {
            rx: ctx(&keys.rx),
            tx: ctx(&keys.tx),
        }
    }
}

/// A leg in a shard's table (indexed by its slot).
#[derive(Clone, Debug)]
pub(crate) struct Leg {
    pub(crate) id: LegId,
    pub(crate) spec: LegSpec,
    pub(crate) peer: Option<LegId>,
    /// RTP source guard and latch.
    pub(crate) rtp: LatchState,
    /// Where RTCP goes and comes from (follows the RTP latch).
    pub(crate) rtcp_remote: Option<SocketAddr>,
    /// Rewrite of what this leg receives, applied as it leaves the bridged leg.
    pub(crate) rewrite: Option<Rewriter>,
    pub(crate) installed_at: Instant,
    pub(crate) seen_first: bool,
    pub(crate) timed_out: bool,
    /// Sockets still to be confirmed open by the runtime (RTP, RTCP).
    pub(crate) pending_opens: u8,
    /// SRTP contexts, on encrypted legs.
    pub(crate) crypto: Option<Box<LegCrypto>>,
}

impl Leg {
    pub(crate) fn new(id: LegId, spec: LegSpec, now: Instant) -> Self {
        Self {
            id,
            rtp: LatchState::new(spec.latch, spec.remote),
            rtcp_remote: spec.rtcp_remote(),
            rewrite: rewriter_for(spec.mode),
            spec,
            peer: None,
            installed_at: now,
            seen_first: false,
            timed_out: false,
            pending_opens: if spec.rtcp_mux { 1 } else { 2 },
            crypto: spec.srtp.as_ref().map(|k| Box::new(LegCrypto::new(k))),
        }
    }

    /// Applies a new rule (re-INVITE). A changed configured remote replaces
    /// the latch; an unchanged one keeps what was learned.
    pub(crate) fn update(&mut self, spec: LegSpec) {
        if spec.remote != self.spec.remote || spec.latch != self.spec.latch {
            self.rtp = LatchState::new(spec.latch, spec.remote);
            self.rtcp_remote = spec.rtcp_remote();
        }
        if spec.mode != self.spec.mode {
            // Keep continuity across the update when the stream stays rewritten.
            let keep = matches!(
                (self.spec.mode, spec.mode),
                (Mode::Rewrite { .. }, Mode::Rewrite { .. })
            );
            if !keep {
                self.rewrite = rewriter_for(spec.mode);
            }
        }
        if spec.srtp != self.spec.srtp {
            // New keys (re-keying, or SRTP switched on or off): new contexts.
            self.crypto = spec.srtp.as_ref().map(|k| Box::new(LegCrypto::new(k)));
        }
        self.spec = spec;
    }

    /// RTCP destination after the RTP address was learned at `rtp`.
    pub(crate) fn follow_latch(&mut self, rtp: SocketAddr) {
        let mut rtcp = rtp;
        if !self.spec.rtcp_mux {
            rtcp.set_port(rtp.port().wrapping_add(1));
        }
        self.rtcp_remote = Some(rtcp);
    }
}

fn rewriter_for(mode: Mode) -> Option<Rewriter> {
    match mode {
        Mode::Rewrite { ssrc, clock_rate } => Some(Rewriter::new(ssrc, clock_rate)),
        Mode::Forward | Mode::Drop => None,
    }
}
