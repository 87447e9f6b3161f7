//! A sans-IO ICE agent for one WebRTC leg (RFC 8445), single component
//! (rtcp-mux), host candidates only, no trickle.
//!
//! Toward an ICE-lite peer (WhatsApp's media servers) the agent is
//! controlling: it paces connectivity checks every `Ta` over the pairs in
//! priority order, and nominates the first pair that succeeds by checking
//! it again with USE-CANDIDATE (regular nomination). It answers the peer's
//! Binding requests (USERNAME `ours:theirs`, MESSAGE-INTEGRITY with our
//! password) and resolves role conflicts with 487 and the tie-breaker.
//! Once a pair is selected it keeps consent (RFC 7675): a check every
//! 4-6 s, and consent is lost after 30 s without an answer.
//!
//! Inputs: [`IceAgent::handle_stun`], [`IceAgent::handle_timeout`].
//! Outputs: [`IceAgent::poll_transmit`] (into the caller's buffer),
//! [`IceAgent::poll_event`], [`IceAgent::poll_timeout`]. Randomness
//! (credentials, tie-breaker, transaction ids) comes from the caller's seed.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::message::{verify_fingerprint, verify_integrity, StunWriter};
use crate::wire::stun::{Class, ATTR_USERNAME, METHOD_BINDING};
use crate::wire::StunPacket;

const ATTR_PRIORITY: u16 = 0x0024;
const ATTR_USE_CANDIDATE: u16 = 0x0025;
const ATTR_ICE_CONTROLLED: u16 = 0x8029;
const ATTR_ICE_CONTROLLING: u16 = 0x802A;
const ATTR_ERROR_CODE: u16 = 0x0009;

/// Pacing of new checks (RFC 8445 section 14.2).
const TA: Duration = Duration::from_millis(50);
/// Retransmission interval and count of one check.
const RTO: Duration = Duration::from_millis(250);
const MAX_SENDS: u8 = 7;
const CONSENT_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Role {
    Controlling,
    Controlled,
}

/// What the agent tells its leg.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum IceEvent {
    /// A pair is nominated: media goes between these addresses only.
    Selected {
        local: SocketAddr,
        remote: SocketAddr,
    },
    /// Every pair failed before one was selected.
    Failed,
    /// The peer stopped answering consent checks (RFC 7675).
    ConsentLost,
    /// The role changed to resolve a conflict.
    RoleChanged(Role),
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum PairState {
    Waiting,
    InProgress,
    Succeeded,
    Failed,
}

#[derive(Clone, Debug)]
struct Pair {
    local: SocketAddr,
    remote: SocketAddr,
    priority: u64,
    state: PairState,
    /// Outstanding check: transaction id, sends so far, next retransmit, nominating.
    txid: [u8; 12],
    sends: u8,
    next_send: Option<Instant>,
    nominating: bool,
    /// The role our last check on this pair claimed.
    sent_as: Role,
}

/// A response or check waiting to be written by `poll_transmit`.
#[derive(Copy, Clone, Debug)]
enum Out {
    Success {
        txid: [u8; 12],
        local: SocketAddr,
        to: SocketAddr,
    },
    Error {
        txid: [u8; 12],
        local: SocketAddr,
        to: SocketAddr,
        code: u16,
    },
    Check {
        pair: usize,
    },
}

/// ICE credentials (RFC 8445 section 5.3): ice-chars only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    pub ufrag: String,
    pub pwd: String,
}

impl Credentials {
    /// 8-character ufrag and 24-character password (above the RFC minimums
    /// of 4 and 22) from 32 random bytes.
    pub fn from_random(bytes: &[u8; 32]) -> Self {
        const ICE_CHARS: &[u8] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let map = |b: &[u8]| {
            b.iter()
                .map(|&x| char::from(ICE_CHARS[usize::from(x & 63)]))
                .collect::<String>()
        };
        Self {
            ufrag: map(&bytes[..8]),
            pwd: map(&bytes[8..32]),
        }
    }
}

/// SplitMix64: transaction ids from the caller's seed (their integrity is
/// protected by MESSAGE-INTEGRITY; they need to be unique, not secret).
#[derive(Clone, Debug)]
struct Ids(u64);

impl Ids {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn txid(&mut self) -> [u8; 12] {
        let mut t = [0u8; 12];
        t[..8].copy_from_slice(&self.next().to_be_bytes());
        t[8..].copy_from_slice(&self.next().to_be_bytes()[..4]);
        t
    }
}

/// One leg's ICE agent.
#[derive(Debug)]
pub struct IceAgent {
    role: Role,
    tie_breaker: u64,
    local: Credentials,
    remote: Credentials,
    /// `theirs:ours`, the USERNAME of our checks; `ours:theirs`, of theirs.
    check_username: String,
    expect_username: String,
    pairs: Vec<Pair>,
    out: VecDeque<Out>,
    events: VecDeque<IceEvent>,
    ids: Ids,
    next_check: Option<Instant>,
    selected: Option<usize>,
    consent_next: Option<Instant>,
    consent_last_ok: Option<Instant>,
    failed: bool,
}

impl IceAgent {
    /// `locals`: our host candidate addresses; `remotes`: the peer's
    /// candidates (address, priority) from its SDP. `seed` supplies the
    /// tie-breaker and transaction ids.
    pub fn new(
        role: Role,
        local: Credentials,
        remote: Credentials,
        locals: &[SocketAddr],
        remotes: &[(SocketAddr, u32)],
        seed: u64,
        now: Instant,
    ) -> Self {
        let mut ids = Ids(seed);
        let tie_breaker = ids.next();
        let mut pairs = Vec::new();
        for (li, &l) in locals.iter().enumerate() {
            let lprio = host_priority(li);
            for &(r, rprio) in remotes.iter().filter(|(r, _)| r.is_ipv4() == l.is_ipv4()) {
                let (g, d) = if role == Role::Controlling {
                    (lprio, rprio)
                } else {
                    (rprio, lprio)
                };
                let priority =
                    (1u64 << 32) * u64::from(g.min(d)) + 2 * u64::from(g.max(d)) + u64::from(g > d);
                pairs.push(Pair {
                    local: l,
                    remote: r,
                    priority,
                    state: PairState::Waiting,
                    txid: [0; 12],
                    sends: 0,
                    next_send: None,
                    nominating: false,
                    sent_as: role,
                });
            }
        }
        pairs.sort_by_key(|p| std::cmp::Reverse(p.priority));
        Self {
            role,
            tie_breaker,
            check_username: format!("{}:{}", remote.ufrag, local.ufrag),
            expect_username: format!("{}:{}", local.ufrag, remote.ufrag),
            local,
            remote,
            pairs,
            out: VecDeque::with_capacity(16),
            events: VecDeque::with_capacity(4),
            ids,
            next_check: Some(now),
            selected: None,
            consent_next: None,
            consent_last_ok: None,
            failed: false,
        }
    }

    pub fn role(&self) -> Role {
        self.role
    }

    pub fn local_credentials(&self) -> &Credentials {
        &self.local
    }

    /// The selected pair `(local, remote)`, once nominated.
    pub fn selected(&self) -> Option<(SocketAddr, SocketAddr)> {
        self.selected
            .map(|i| (self.pairs[i].local, self.pairs[i].remote))
    }

    /// Handles a STUN datagram received on `local` from `from`. Returns
    /// false if it was not a message for this agent (dropped silently).
    pub fn handle_stun(
        &mut self,
        now: Instant,
        local: SocketAddr,
        from: SocketAddr,
        data: &[u8],
    ) -> bool {
        let Ok(pkt) = StunPacket::new_checked(data) else {
            return false;
        };
        if pkt.method() != METHOD_BINDING || !verify_fingerprint(&pkt) {
            return false;
        }
        let mut txid = [0u8; 12];
        txid.copy_from_slice(pkt.transaction_id());
        match pkt.class() {
            Class::Request => self.on_request(now, local, from, &pkt, txid),
            Class::Success | Class::Error => self.on_response(now, from, &pkt, txid),
            Class::Indication => true,
        }
    }

    fn on_request(
        &mut self,
        now: Instant,
        local: SocketAddr,
        from: SocketAddr,
        pkt: &StunPacket<&[u8]>,
        txid: [u8; 12],
    ) -> bool {
        let Some(user) = pkt.attribute(ATTR_USERNAME) else {
            self.out.push_back(Out::Error {
                txid,
                local,
                to: from,
                code: 400,
            });
            return true;
        };
        // RFC 8445 7.3: unknown username or bad integrity is 401.
        if user != self.expect_username.as_bytes()
            || !verify_integrity(pkt, self.local.pwd.as_bytes())
        {
            self.out.push_back(Out::Error {
                txid,
                local,
                to: from,
                code: 401,
            });
            return true;
        }
        // Role conflict (RFC 8445 7.3.1.1).
        let theirs = |ty| {
            pkt.attribute(ty)
                .and_then(|v| <[u8; 8]>::try_from(v).ok())
                .map(u64::from_be_bytes)
        };
        match (
            self.role,
            theirs(ATTR_ICE_CONTROLLING),
            theirs(ATTR_ICE_CONTROLLED),
        ) {
            (Role::Controlling, Some(tb), _) => {
                if self.tie_breaker >= tb {
                    self.out.push_back(Out::Error {
                        txid,
                        local,
                        to: from,
                        code: 487,
                    });
                    return true;
                }
                self.switch_role(Role::Controlled);
            }
            (Role::Controlled, _, Some(tb)) => {
                if self.tie_breaker >= tb {
                    self.switch_role(Role::Controlling);
                    self.next_check.get_or_insert(now);
                } else {
                    self.out.push_back(Out::Error {
                        txid,
                        local,
                        to: from,
                        code: 487,
                    });
                    return true;
                }
            }
            _ => {}
        }
        self.out.push_back(Out::Success {
            txid,
            local,
            to: from,
        });
        if self.role == Role::Controlled
            && pkt.attribute(ATTR_USE_CANDIDATE).is_some()
            && self.selected.is_none()
        {
            if let Some(i) = self
                .pairs
                .iter()
                .position(|p| p.local == local && p.remote == from)
            {
                self.select(i, now);
            }
        }
        true
    }

    fn switch_role(&mut self, role: Role) {
        self.role = role;
        self.events.push_back(IceEvent::RoleChanged(role));
    }

    fn on_response(
        &mut self,
        now: Instant,
        from: SocketAddr,
        pkt: &StunPacket<&[u8]>,
        txid: [u8; 12],
    ) -> bool {
        let Some(i) = self
            .pairs
            .iter()
            .position(|p| p.next_send.is_some() && p.txid == txid && p.remote == from)
        else {
            return false;
        };
        if !verify_integrity(pkt, self.remote.pwd.as_bytes()) {
            return false;
        }
        self.pairs[i].next_send = None;
        if pkt.class() == Class::Error {
            let code = pkt
                .attribute(ATTR_ERROR_CODE)
                .filter(|v| v.len() >= 4)
                .map(|v| u16::from(v[2] & 7) * 100 + u16::from(v[3]));
            if code == Some(487) {
                // RFC 8445 7.2.5.1: take the role opposite to the one the check
                // claimed, if not already taken; then check the pair again.
                let want = match self.pairs[i].sent_as {
                    Role::Controlling => Role::Controlled,
                    Role::Controlled => Role::Controlling,
                };
                if self.role != want {
                    self.switch_role(want);
                }
                self.pairs[i].state = PairState::Waiting;
                if self.role == Role::Controlling && self.next_check.is_none() {
                    self.next_check = Some(now);
                }
            } else {
                self.pairs[i].state = PairState::Failed;
                self.check_all_failed();
            }
            return true;
        }
        let p = &mut self.pairs[i];
        if Some(i) == self.selected {
            self.consent_last_ok = Some(now);
            return true;
        }
        let nominating = p.nominating;
        p.state = PairState::Succeeded;
        if self.role == Role::Controlling && self.selected.is_none() {
            if nominating {
                self.select(i, now);
            } else {
                // Regular nomination: check the valid pair again with USE-CANDIDATE.
                self.start_check(i, now, true);
            }
        }
        true
    }

    fn select(&mut self, i: usize, now: Instant) {
        self.selected = Some(i);
        self.consent_last_ok = Some(now);
        self.consent_next = Some(now + self.consent_interval());
        self.events.push_back(IceEvent::Selected {
            local: self.pairs[i].local,
            remote: self.pairs[i].remote,
        });
    }

    fn consent_interval(&mut self) -> Duration {
        // 4 to 6 s, randomised (RFC 7675 section 5.1).
        Duration::from_millis(4000 + self.ids.next() % 2000)
    }

    fn start_check(&mut self, i: usize, now: Instant, nominate: bool) {
        let txid = self.ids.txid();
        let p = &mut self.pairs[i];
        p.txid = txid;
        p.sends = 1;
        p.nominating = nominate;
        p.state = if p.state == PairState::Succeeded {
            PairState::Succeeded
        } else {
            PairState::InProgress
        };
        p.next_send = Some(now + RTO);
        self.out.push_back(Out::Check { pair: i });
    }

    fn check_all_failed(&mut self) {
        if !self.failed
            && self.selected.is_none()
            && self.pairs.iter().all(|p| p.state == PairState::Failed)
        {
            self.failed = true;
            self.events.push_back(IceEvent::Failed);
        }
    }

    /// Runs timers: paced checks, retransmissions, consent.
    pub fn handle_timeout(&mut self, now: Instant) {
        for i in 0..self.pairs.len() {
            let p = &mut self.pairs[i];
            if let Some(t) = p.next_send {
                if now >= t {
                    if p.sends >= MAX_SENDS {
                        p.next_send = None;
                        if Some(i) != self.selected {
                            p.state = PairState::Failed;
                        }
                        self.check_all_failed();
                    } else {
                        p.sends += 1;
                        p.next_send = Some(now + RTO);
                        self.out.push_back(Out::Check { pair: i });
                    }
                }
            }
        }
        if self.role == Role::Controlling
            && self.selected.is_none()
            && self.next_check.is_some_and(|t| now >= t)
        {
            if let Some(i) = self
                .pairs
                .iter()
                .position(|p| p.state == PairState::Waiting)
            {
                self.start_check(i, now, false);
                self.next_check = Some(now + TA);
            } else {
                self.next_check = None;
            }
        }
        if let Some(sel) = self.selected {
            if self
                .consent_last_ok
                .is_some_and(|t| now.saturating_duration_since(t) >= CONSENT_TIMEOUT)
            {
                self.consent_last_ok = None;
                self.consent_next = None;
                self.events.push_back(IceEvent::ConsentLost);
            } else if self.consent_next.is_some_and(|t| now >= t) {
                self.start_check(sel, now, self.role == Role::Controlling);
                self.pairs[sel].sends = MAX_SENDS; // consent checks are not retransmitted
                self.consent_next = Some(now + self.consent_interval());
            }
        }
    }

    /// When to call [`IceAgent::handle_timeout`] next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let checks = self.pairs.iter().filter_map(|p| p.next_send);
        let pace = if self.role == Role::Controlling && self.selected.is_none() {
            self.next_check
        } else {
            None
        };
        checks.chain(pace).chain(self.consent_next).min()
    }

    pub fn poll_event(&mut self) -> Option<IceEvent> {
        self.events.pop_front()
    }

    /// Writes the next message into `buf`: `(from local, to remote, length)`.
    pub fn poll_transmit(&mut self, buf: &mut [u8]) -> Option<(SocketAddr, SocketAddr, usize)> {
        while let Some(o) = self.out.pop_front() {
            let r = match o {
                Out::Success { txid, local, to } => {
                    let mut w = StunWriter::new(buf, 0x0101, &txid).ok()?;
                    (|| {
                        w.xor_mapped_address(to)?
                            .integrity(self.local.pwd.as_bytes())?;
                        w.fingerprint()
                    })()
                    .ok()
                    .map(|n| (local, to, n))
                }
                Out::Error {
                    txid,
                    local,
                    to,
                    code,
                } => {
                    let mut w = StunWriter::new(buf, 0x0111, &txid).ok()?;
                    let reason: &[u8] = match code {
                        400 => b"Bad Request",
                        401 => b"Unauthorized",
                        _ => b"Role Conflict",
                    };
                    let mut v = [0u8; 24];
                    v[2] = (code / 100) as u8;
                    v[3] = (code % 100) as u8;
                    v[4..4 + reason.len()].copy_from_slice(reason);
                    let key = self.local.pwd.as_bytes();
                    (|| {
                        w.attribute(ATTR_ERROR_CODE, &v[..4 + reason.len()])?;
                        if code != 401 && code != 400 {
                            w.integrity(key)?;
                        }
                        w.fingerprint()
                    })()
                    .ok()
                    .map(|n| (local, to, n))
                }
                Out::Check { pair } => {
                    self.pairs[pair].sent_as = self.role;
                    let p = &self.pairs[pair];
                    let mut w = StunWriter::new(buf, 0x0001, &p.txid).ok()?;
                    let prflx = (110u32 << 24) | (65535 << 8) | 255;
                    let (ctl_ty, nominate) = match self.role {
                        Role::Controlling => (ATTR_ICE_CONTROLLING, p.nominating),
                        Role::Controlled => (ATTR_ICE_CONTROLLED, false),
                    };
                    let (local, remote) = (p.local, p.remote);
                    (|| {
                        w.attribute(ATTR_USERNAME, self.check_username.as_bytes())?;
                        w.attribute(ATTR_PRIORITY, &prflx.to_be_bytes())?;
                        w.attribute(ctl_ty, &self.tie_breaker.to_be_bytes())?;
                        if nominate {
                            w.attribute(ATTR_USE_CANDIDATE, &[])?;
                        }
                        w.integrity(self.remote.pwd.as_bytes())?;
                        w.fingerprint()
                    })()
                    .ok()
                    .map(|n| (local, remote, n))
                }
            };
            if r.is_some() {
                return r;
            }
        }
        None
    }
}

/// Host candidate priority (RFC 8445 5.1.2.1): type preference 126,
/// local preference by address order, component 1.
fn host_priority(index: usize) -> u32 {
    (126 << 24) | ((65535 - index.min(65535) as u32) << 8) | 255
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    fn creds(tag: u8) -> Credentials {
        Credentials::from_random(
            &[tag; 32]
                .map(|b| b.wrapping_mul(31))
                .iter()
                .enumerate()
                .map(|(i, b)| b ^ i as u8)
                .collect::<Vec<_>>()
                .try_into()
                .unwrap(),
        )
    }

    struct Net {
        a: IceAgent,
        b: IceAgent,
        now: Instant,
        /// Drop everything from B to A (peer goes silent).
        b_silent: bool,
        delivered: usize,
    }

    impl Net {
        fn new(role_a: Role, role_b: Role) -> Self {
            let now = Instant::now();
            let (ca, cb) = (creds(1), creds(2));
            let (la, lb) = (addr("10.0.0.1:1000"), addr("10.0.0.2:2000"));
            let a = IceAgent::new(
                role_a,
                ca.clone(),
                cb.clone(),
                &[la],
                &[(lb, 2_130_706_431)],
                7,
                now,
            );
            let b = IceAgent::new(role_b, cb, ca, &[lb], &[(la, 2_130_706_431)], 9, now);
            Self {
                a,
                b,
                now,
                b_silent: false,
                delivered: 0,
            }
        }

        /// Advances virtual time in 10 ms steps, delivering every message.
        fn run(&mut self, dur: Duration) -> (Vec<IceEvent>, Vec<IceEvent>) {
            let (mut ea, mut eb) = (Vec::new(), Vec::new());
            let end = self.now + dur;
            let mut buf = [0u8; 512];
            while self.now < end {
                self.a.handle_timeout(self.now);
                self.b.handle_timeout(self.now);
                loop {
                    let mut moved = false;
                    while let Some((from, to, n)) = self.a.poll_transmit(&mut buf) {
                        assert!(self.b.handle_stun(self.now, to, from, &buf[..n]));
                        self.delivered += 1;
                        moved = true;
                    }
                    while let Some((from, to, n)) = self.b.poll_transmit(&mut buf) {
                        if !self.b_silent {
                            assert!(self.a.handle_stun(self.now, to, from, &buf[..n]));
                            moved = true;
                        }
                    }
                    if !moved {
                        break;
                    }
                }
                ea.extend(std::iter::from_fn(|| self.a.poll_event()));
                eb.extend(std::iter::from_fn(|| self.b.poll_event()));
                self.now += Duration::from_millis(10);
            }
            (ea, eb)
        }
    }

    #[test]
    fn controlling_agent_checks_and_nominates_and_the_peer_selects() {
        let mut net = Net::new(Role::Controlling, Role::Controlled);
        let (ea, eb) = net.run(Duration::from_millis(200));
        let sel = IceEvent::Selected {
            local: addr("10.0.0.1:1000"),
            remote: addr("10.0.0.2:2000"),
        };
        assert_eq!(ea, vec![sel]);
        assert_eq!(
            eb,
            vec![IceEvent::Selected {
                local: addr("10.0.0.2:2000"),
                remote: addr("10.0.0.1:1000")
            }]
        );
        assert_eq!(
            net.a.selected(),
            Some((addr("10.0.0.1:1000"), addr("10.0.0.2:2000")))
        );
        // Consent keeps it alive for a minute of answered checks.
        let (ea, _) = net.run(Duration::from_secs(60));
        assert!(ea.is_empty(), "{ea:?}");
        // Then the peer goes silent: consent is lost within 30 s (+ one interval).
        net.b_silent = true;
        let (ea, _) = net.run(Duration::from_secs(37));
        assert_eq!(ea, vec![IceEvent::ConsentLost]);
    }

    #[test]
    fn unanswered_checks_fail_the_agent() {
        let mut net = Net::new(Role::Controlling, Role::Controlled);
        net.b_silent = true;
        let (ea, _) = net.run(Duration::from_secs(3));
        assert_eq!(ea, vec![IceEvent::Failed]);
        assert_eq!(net.a.selected(), None);
    }

    #[test]
    fn role_conflict_is_resolved_by_tie_breaker() {
        let mut net = Net::new(Role::Controlling, Role::Controlling);
        let (ea, eb) = net.run(Duration::from_millis(500));
        let changed: Vec<_> = ea
            .iter()
            .chain(eb.iter())
            .filter(|e| matches!(e, IceEvent::RoleChanged(_)))
            .collect();
        assert_eq!(changed.len(), 1, "exactly one side yields: {ea:?} {eb:?}");
        assert_ne!(net.a.role(), net.b.role());
        assert!(
            ea.iter().any(|e| matches!(e, IceEvent::Selected { .. })),
            "{ea:?}"
        );
    }

    #[test]
    fn requests_with_bad_credentials_get_401_and_change_nothing() {
        let now = Instant::now();
        let (ours, theirs) = (creds(1), creds(2));
        let l = addr("10.0.0.1:1000");
        let r = addr("10.0.0.2:2000");
        let mut a = IceAgent::new(
            Role::Controlled,
            ours.clone(),
            theirs.clone(),
            &[l],
            &[(r, 1)],
            1,
            now,
        );
        // A request signed with the wrong password.
        let mut buf = [0u8; 256];
        let mut w = StunWriter::new(&mut buf, 0x0001, &[5; 12]).unwrap();
        w.attribute(
            ATTR_USERNAME,
            format!("{}:{}", ours.ufrag, theirs.ufrag).as_bytes(),
        )
        .unwrap();
        w.attribute(ATTR_USE_CANDIDATE, &[]).unwrap();
        w.integrity(b"not the password").unwrap();
        let n = w.fingerprint().unwrap();
        assert!(a.handle_stun(now, l, r, &buf[..n]));
        let mut out = [0u8; 256];
        let (_, to, m) = a.poll_transmit(&mut out).unwrap();
        assert_eq!(to, r);
        let resp = StunPacket::new_checked(&out[..m]).unwrap();
        assert_eq!(resp.class(), Class::Error);
        assert_eq!(
            resp.attribute(ATTR_ERROR_CODE).map(|v| (v[2], v[3])),
            Some((4, 1))
        );
        assert_eq!(a.selected(), None);
        // Garbage and non-STUN are not for the agent.
        assert!(!a.handle_stun(now, l, r, &[0x80, 0, 1, 2]));
        assert!(!a.handle_stun(now, l, r, &buf[..n - 1]));
    }

    #[test]
    fn credentials_have_rfc_lengths_and_ice_chars() {
        let c = Credentials::from_random(&[0xff; 32]);
        assert_eq!((c.ufrag.len(), c.pwd.len()), (8, 24));
        assert!(c
            .pwd
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '+' || ch == '/'));
    }
}
