//! The shard state machine: one core's legs, bridges and counters.
//!
//! # Driving a shard
//! The runtime owns the sockets and the clock and calls, in this order:
//! 1. [`Shard::drain_commands`] when its wake-up fires (between batches),
//!    then [`Shard::poll_io`] until `None`, opening or closing each socket
//!    and reporting the result with [`Shard::handle_io_result`];
//! 2. [`Shard::handle_datagram`] for every received datagram, sending
//!    [`Verdict::Forward`] from the named local port to the named address
//!    and reporting kernel refusals with [`Shard::handle_send_error`];
//! 3. [`Shard::handle_timeout`] once [`Shard::poll_timeout`] has passed;
//! 4. [`Shard::end_batch`] after each batch, which wakes signaling if the
//!    batch produced events.
//!
//! Below `handle_datagram` nothing allocates, locks or formats.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use relay_ctl::{Command, DropReason, Event, LegError, LegId, LegSpec, Mailbox, Mode, PortRange};

use crate::flow::latch::LatchOutcome;
use crate::flow::leg::Leg;
use crate::flow::rewrite::rewrite_rtcp;
use crate::wire::{self, Class, RtcpCompound, RtpPacket};

/// How often media timeouts are checked.
const TIMEOUT_SCAN: Duration = Duration::from_millis(500);

/// A socket the runtime must open or close.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum IoRequest {
    /// Bind a UDP socket on `port` and start receiving; mark with `dscp`.
    Open { port: u16, dscp: u8 },
    /// Stop receiving on `port` and close its socket.
    Close { port: u16 },
}

/// Where a datagram goes after [`Shard::handle_datagram`] rewrote it in place.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Transmit {
    /// Local port (socket) to send from.
    pub from_port: u16,
    pub to: SocketAddr,
    /// Bytes of the (rewritten) buffer to send, from its start.
    pub len: usize,
}

/// The fate of one datagram.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Forward(Transmit),
    Drop(DropReason),
}

/// Which socket of a leg a port is.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Component {
    Rtp,
    Rtcp,
}

/// One shard's media plane.
pub struct Shard {
    mailbox: Arc<Mailbox>,
    slice: PortRange,
    /// Indexed by port offset; boxed so an empty port costs a pointer.
    legs: Vec<Option<Box<Leg>>>,
    io: VecDeque<IoRequest>,
    next_scan: Option<Instant>,
    events_pending: bool,
    running: bool,
}

impl std::fmt::Debug for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shard")
            .field("slice", &self.slice)
            .field("legs", &self.active_legs())
            .finish()
    }
}

impl Shard {
    /// A shard serving the port slice of `mailbox`. The leg table is sized
    /// once, here, for the whole slice.
    pub fn new(mailbox: Arc<Mailbox>) -> Self {
        let slice = mailbox.slice();
        Self {
            mailbox,
            slice,
            legs: (0..slice.len()).map(|_| None).collect(),
            io: VecDeque::with_capacity(64),
            next_scan: None,
            events_pending: false,
            running: true,
        }
    }

    pub fn mailbox(&self) -> &Arc<Mailbox> {
        &self.mailbox
    }

    pub fn slice(&self) -> PortRange {
        self.slice
    }

    /// False once a `Shutdown` command was applied and every leg removed.
    pub fn is_running(&self) -> bool {
        self.running
    }

    pub fn active_legs(&self) -> usize {
        self.legs.iter().filter(|l| l.is_some()).count()
    }

    fn emit(&mut self, ev: Event) {
        self.mailbox.push_event(ev);
        self.events_pending = true;
    }

    /// Applies every queued command. Returns false once the shard should stop.
    pub fn drain_commands(&mut self, now: Instant) -> bool {
        while let Some(cmd) = self.mailbox.take_command() {
            self.handle_command(now, cmd);
        }
        self.running
    }

    /// Applies one command.
    pub fn handle_command(&mut self, now: Instant, cmd: Command) {
        self.mailbox.counters().commands.incr();
        let result = match cmd {
            Command::AddLeg { leg, spec } => self.add_leg(now, leg, spec).map_err(|e| (leg, e)),
            Command::UpdateLeg { leg, spec } => self.update_leg(leg, spec).map_err(|e| (leg, e)),
            Command::RemoveLeg { leg } => self.remove_leg(leg).map_err(|e| (leg, e)),
            Command::Bridge { a, b } => self.bridge(a, b),
            Command::Unbridge { leg } => match self.leg_mut(leg) {
                Ok(_) => {
                    self.unbridge(leg);
                    Ok(())
                }
                Err(e) => Err((leg, e)),
            },
            Command::Shutdown => {
                let ids: Vec<LegId> = self.legs.iter().flatten().map(|l| l.id).collect();
                for id in ids {
                    let _ = self.remove_leg(id);
                }
                self.running = false;
                self.emit(Event::Stopped);
                Ok(())
            }
        };
        if let Err((leg, error)) = result {
            self.mailbox.counters().rejected_commands.incr();
            self.emit(Event::LegFailed { leg, error });
        }
    }

    fn leg_mut(&mut self, id: LegId) -> Result<&mut Leg, LegError> {
        match self.legs.get_mut(id.slot as usize) {
            Some(Some(l)) if l.id == id => Ok(l),
            _ => Err(LegError::UnknownLeg),
        }
    }

    fn leg(&self, id: LegId) -> Option<&Leg> {
        match self.legs.get(id.slot as usize) {
            Some(Some(l)) if l.id == id => Some(l),
            _ => None,
        }
    }

    fn add_leg(&mut self, now: Instant, id: LegId, spec: LegSpec) -> Result<(), LegError> {
        let slot = id.slot as usize;
        let in_slice = self.slice.contains(spec.local_port)
            && usize::from(spec.local_port - self.slice.start) == slot
            && (spec.rtcp_mux || slot + 1 < self.legs.len());
        if !in_slice {
            return Err(LegError::PortOutsideSlice);
        }
        let busy = self.legs[slot].is_some()
            || (!spec.rtcp_mux && self.legs[slot + 1].is_some())
            || (slot > 0
                && self.legs[slot - 1]
                    .as_ref()
                    .is_some_and(|l| !l.spec.rtcp_mux));
        if busy {
            return Err(LegError::SlotBusy);
        }
        if let Some(c) = self.mailbox.counters().leg(id.slot) {
            c.reset();
        }
        self.io.push_back(IoRequest::Open {
            port: spec.local_port,
            dscp: spec.dscp,
        });
        if !spec.rtcp_mux {
            self.io.push_back(IoRequest::Open {
                port: spec.local_port + 1,
                dscp: spec.dscp,
            });
        }
        self.legs[slot] = Some(Box::new(Leg::new(id, spec, now)));
        self.mailbox.counters().legs_active.add(1);
        if self.next_scan.is_none() {
            self.next_scan = Some(now + TIMEOUT_SCAN);
        }
        Ok(())
    }

    fn update_leg(&mut self, id: LegId, spec: LegSpec) -> Result<(), LegError> {
        let leg = self.leg_mut(id)?;
        if spec.local_port != leg.spec.local_port || spec.rtcp_mux != leg.spec.rtcp_mux {
            return Err(LegError::PortChanged);
        }
        leg.update(spec);
        Ok(())
    }

    fn remove_leg(&mut self, id: LegId) -> Result<(), LegError> {
        let leg = self.leg_mut(id)?;
        let (port, mux) = (leg.spec.local_port, leg.spec.rtcp_mux);
        self.unbridge(id);
        self.legs[id.slot as usize] = None;
        self.io.push_back(IoRequest::Close { port });
        if !mux {
            self.io.push_back(IoRequest::Close { port: port + 1 });
        }
        let active = &self.mailbox.counters().legs_active;
        active.set(active.get().saturating_sub(1));
        self.emit(Event::Removed { leg: id });
        Ok(())
    }

    fn bridge(&mut self, a: LegId, b: LegId) -> Result<(), (LegId, LegError)> {
        if a == b {
            return Err((a, LegError::SelfBridge));
        }
        self.leg_mut(a).map_err(|e| (a, e))?;
        self.leg_mut(b).map_err(|e| (b, e))?;
        self.unbridge(a);
        self.unbridge(b);
        if let Ok(l) = self.leg_mut(a) {
            l.peer = Some(b);
        }
        if let Ok(l) = self.leg_mut(b) {
            l.peer = Some(a);
        }
        self.emit(Event::Bridged { a, b });
        Ok(())
    }

    fn unbridge(&mut self, id: LegId) {
        let peer = self.leg_mut(id).ok().and_then(|l| l.peer.take());
        if let Some(p) = peer {
            if let Ok(pl) = self.leg_mut(p) {
                if pl.peer == Some(id) {
                    pl.peer = None;
                }
            }
        }
    }

    /// Next socket to open or close.
    pub fn poll_io(&mut self) -> Option<IoRequest> {
        self.io.pop_front()
    }

    /// Result of an [`IoRequest::Open`]: `Err(errno)` if the bind failed.
    pub fn handle_io_result(&mut self, port: u16, result: Result<(), i32>) {
        let Some((slot, _)) = self.owner(port) else {
            return; // the leg was removed meanwhile; its Close is queued
        };
        let Some(leg) = self.legs[slot].as_mut() else {
            return;
        };
        let id = leg.id;
        match result {
            Ok(()) => {
                leg.pending_opens = leg.pending_opens.saturating_sub(1);
                if leg.pending_opens == 0 {
                    let port = leg.spec.local_port;
                    self.emit(Event::LegReady { leg: id, port });
                }
            }
            Err(errno) => {
                let _ = self.remove_leg(id);
                self.emit(Event::LegFailed {
                    leg: id,
                    error: LegError::Bind(errno),
                });
            }
        }
    }

    /// The leg slot and component a local port belongs to.
    #[inline]
    fn owner(&self, port: u16) -> Option<(usize, Component)> {
        if !self.slice.contains(port) {
            return None;
        }
        let off = usize::from(port - self.slice.start);
        if self.legs[off].is_some() {
            return Some((off, Component::Rtp));
        }
        match off.checked_sub(1).and_then(|o| self.legs[o].as_ref()) {
            Some(l) if !l.spec.rtcp_mux => Some((off - 1, Component::Rtcp)),
            _ => None,
        }
    }

    /// Classifies, checks and rewrites one datagram received on `local_port`
    /// from `src`, in place (the whole of `buf` is the datagram).
    #[inline]
    pub fn handle_datagram(
        &mut self,
        now: Instant,
        local_port: u16,
        src: SocketAddr,
        buf: &mut [u8],
    ) -> Verdict {
        let len = buf.len();
        self.handle_datagram_in(now, local_port, src, buf, len)
    }

    /// Like [`Shard::handle_datagram`] for a datagram of `len` bytes at the
    /// start of a larger `buf`: the spare room takes the SRTP trailer when
    /// a plain packet leaves through an encrypted leg.
    #[inline]
    pub fn handle_datagram_in(
        &mut self,
        now: Instant,
        local_port: u16,
        src: SocketAddr,
        buf: &mut [u8],
        len: usize,
    ) -> Verdict {
        let len = len.min(buf.len());
        let counters = self.mailbox.counters();
        counters.rx_packets.incr();
        counters.rx_bytes.add(len as u64);
        let verdict = match self.owner(local_port) {
            None => Verdict::Drop(DropReason::UnknownFlow),
            Some((slot, component)) => self.media(now, slot, component, src, buf, len),
        };
        let counters = self.mailbox.counters();
        match verdict {
            Verdict::Forward(t) => {
                counters.tx_packets.incr();
                counters.tx_bytes.add(t.len as u64);
            }
            Verdict::Drop(r) => counters.drop(r).incr(),
        }
        verdict
    }

    #[inline]
    fn media(
        &mut self,
        now: Instant,
        slot: usize,
        component: Component,
        src: SocketAddr,
        buf: &mut [u8],
        len: usize,
    ) -> Verdict {
        let class = wire::classify(&buf[..len]);
        let Some(leg) = self.legs[slot].as_mut() else {
            return Verdict::Drop(DropReason::UnknownFlow);
        };
        let counters = self.mailbox.counters().leg(slot as u32);
        if let Some(c) = counters {
            c.rx_packets.incr();
            c.rx_bytes.add(len as u64);
        }
        let mut notes = Notes::default();
        let result = match (class, component) {
            (Class::Rtp, Component::Rtp) => Self::rtp_in(leg, now, src, buf, len, &mut notes),
            // RTCP is also taken on the RTP port of a non-mux leg (endpoints
            // that mux without negotiating it); the source checks still apply.
            (Class::Rtcp, _) => Self::rtcp_in(leg, src, buf, len),
            (Class::Stun, _) => match wire::StunPacket::new_checked(&buf[..len]) {
                // ICE arrives with the WebRTC leg; until then STUN is recognised and counted.
                Ok(_) => {
                    if let Some(c) = counters {
                        c.stun_rx_packets.incr();
                    }
                    Err(DropReason::Unsupported)
                }
                Err(e) => Err(e.into()),
            },
            (Class::Dtls | Class::Zrtp | Class::TurnChannel, _) => Err(DropReason::Unsupported),
            _ => Err(DropReason::Unclassified),
        };
        if notes.any() {
            self.note(leg_id_at(&self.legs, slot), src, notes);
        }
        let out = result.and_then(|(peer, component, len)| {
            if component == Component::Rtcp {
                let own = self.legs[slot].as_ref().and_then(|l| l.rewrite.as_ref());
                let theirs = self.leg(peer).and_then(|l| l.rewrite.as_ref());
                rewrite_rtcp(own, theirs, &mut buf[..len]);
            }
            let len = self.protect_out(peer, component, buf, len)?;
            self.route(peer, component, len)
        });
        match out {
            Ok(t) => {
                if let Some(c) = self.mailbox.counters().leg(slot as u32) {
                    if component == Component::Rtcp || matches!(class, Class::Rtcp) {
                        c.rtcp_rx_packets.incr();
                    }
                }
                Verdict::Forward(t)
            }
            Err(r) => {
                if let Some(c) = self.mailbox.counters().leg(slot as u32) {
                    c.drop(r).incr();
                }
                Verdict::Drop(r)
            }
        }
    }

    /// Checks, authenticates (encrypted legs), latches and rewrites an RTP
    /// packet of `len` bytes received on `leg`. Returns the plain length.
    #[inline]
    fn rtp_in(
        leg: &mut Leg,
        now: Instant,
        src: SocketAddr,
        buf: &mut [u8],
        len: usize,
        notes: &mut Notes,
    ) -> Result<(LegId, Component, usize), DropReason> {
        let mut len = len;
        if leg.crypto.is_none() {
            RtpPacket::new_checked(&buf[..len]).map_err(DropReason::from)?;
        } else if len < RtpPacket::<&[u8]>::HEADER_LEN {
            return Err(DropReason::Truncated);
        }
        // Payload type and SSRC are in the clear on SRTP too.
        let pt = buf[1] & 0x7f;
        let ssrc = u32::from_be_bytes([buf[8], buf[9], buf[10], buf[11]]);
        if !leg.spec.payload_types.contains(pt) {
            // Never learned from, never forwarded.
            return Err(if leg.rtp.check_other(src) {
                DropReason::UnexpectedPayloadType
            } else {
                DropReason::WrongSource
            });
        }
        let outcome = leg.rtp.check_media(now, src, ssrc);
        if outcome == LatchOutcome::Reject {
            return Err(DropReason::WrongSource);
        }
        if let Some(c) = leg.crypto.as_mut() {
            // Authenticated before it may teach the latch (RTP Bleed).
            len =
                c.rx.unprotect_rtp(&mut buf[..len])
                    .map_err(DropReason::from)?;
            RtpPacket::new_checked(&buf[..len]).map_err(DropReason::from)?;
        }
        let prev = leg.rtp.remote;
        leg.rtp.commit(now, src, ssrc, outcome);
        if matches!(outcome, LatchOutcome::Learn | LatchOutcome::Relearn) {
            leg.follow_latch(src);
            notes.latched = Some((outcome, prev));
        }
        if !leg.seen_first {
            leg.seen_first = true;
            notes.first = true;
        }
        if leg.timed_out {
            leg.timed_out = false;
            notes.resumed = true;
        }
        if leg.spec.mode == Mode::Drop {
            return Err(DropReason::ModeDrop);
        }
        let peer = leg.peer.ok_or(DropReason::NotBridged)?;
        if let Some(rw) = leg.rewrite.as_mut() {
            let mut pkt = RtpPacket::new_unchecked(&mut buf[..len]);
            let out = rw.rewrite(now, ssrc, pkt.sequence_number(), pkt.timestamp());
            pkt.set_ssrc(out.ssrc);
            pkt.set_sequence_number(out.seq);
            pkt.set_timestamp(out.ts);
        }
        Ok((peer, Component::Rtp, len))
    }

    /// Protects a packet leaving through an encrypted `peer` leg, in place;
    /// returns its length on the wire.
    #[inline]
    fn protect_out(
        &mut self,
        peer: LegId,
        component: Component,
        buf: &mut [u8],
        len: usize,
    ) -> Result<usize, DropReason> {
        let Some(Some(p)) = self.legs.get_mut(peer.slot as usize) else {
            return Err(DropReason::NotBridged);
        };
        let Some(c) = p.crypto.as_mut() else {
            return Ok(len);
        };
        match component {
            Component::Rtp => c.tx.protect_rtp(buf, len),
            Component::Rtcp => c.tx.protect_rtcp(buf, len),
        }
        .map_err(DropReason::from)
    }

    /// Checks (and on encrypted legs authenticates and decrypts) an RTCP
    /// compound packet of `len` bytes received on `leg`.
    #[inline]
    fn rtcp_in(
        leg: &mut Leg,
        src: SocketAddr,
        buf: &mut [u8],
        len: usize,
    ) -> Result<(LegId, Component, usize), DropReason> {
        let mut len = len;
        if leg.crypto.is_none() {
            RtcpCompound::new_checked(&buf[..len]).map_err(DropReason::from)?;
        }
        if leg.rtcp_remote != Some(src) {
            // RTCP never teaches the latch on its own; a NAT may still move
            // its port, so accept it from the latched RTP host once learned.
            let same_host = leg.rtp.learned && leg.rtp.remote.is_some_and(|r| r.ip() == src.ip());
            if !same_host {
                return Err(DropReason::WrongSource);
            }
        }
        if let Some(c) = leg.crypto.as_mut() {
            len =
                c.rx.unprotect_rtcp(&mut buf[..len])
                    .map_err(DropReason::from)?;
            RtcpCompound::new_checked(&buf[..len]).map_err(DropReason::from)?;
        }
        // Only a checked (and on encrypted legs authenticated) packet moves the RTCP address.
        leg.rtcp_remote = Some(src);
        if leg.spec.mode == Mode::Drop {
            return Err(DropReason::ModeDrop);
        }
        let peer = leg.peer.ok_or(DropReason::NotBridged)?;
        Ok((peer, Component::Rtcp, len))
    }

    /// Where a packet for `peer` goes.
    #[inline]
    fn route(&self, peer: LegId, component: Component, len: usize) -> Result<Transmit, DropReason> {
        let p = self.leg(peer).ok_or(DropReason::NotBridged)?;
        let (from_port, to) = match component {
            Component::Rtp => (p.spec.local_port, p.rtp.remote),
            Component::Rtcp if p.spec.rtcp_mux => (p.spec.local_port, p.rtcp_remote),
            Component::Rtcp => (p.spec.local_port + 1, p.rtcp_remote),
        };
        let to = to.ok_or(DropReason::NoDestination)?;
        if let Some(c) = self.mailbox.counters().leg(peer.slot) {
            c.tx_packets.incr();
            c.tx_bytes.add(len as u64);
            if component == Component::Rtcp {
                c.rtcp_tx_packets.incr();
            }
        }
        Ok(Transmit { from_port, to, len })
    }

    /// Turns what a packet changed about its leg into events (rare path).
    fn note(&mut self, id: Option<LegId>, src: SocketAddr, notes: Notes) {
        let Some(leg) = id else { return };
        if notes.first {
            self.emit(Event::FirstPacket { leg, from: src });
        }
        match notes.latched {
            Some((LatchOutcome::Learn, _)) => self.emit(Event::Latched { leg, addr: src }),
            Some((LatchOutcome::Relearn, prev)) => {
                if let Some(c) = self.mailbox.counters().leg(leg.slot) {
                    c.relatches.incr();
                }
                if let Some(from) = prev {
                    self.emit(Event::Relatched { leg, from, to: src });
                }
            }
            _ => {}
        }
        if notes.resumed {
            self.emit(Event::MediaResumed { leg });
        }
    }

    /// A datagram larger than the receive buffer arrived (the kernel truncated it).
    pub fn handle_oversize(&mut self) {
        let counters = self.mailbox.counters();
        counters.rx_packets.incr();
        counters.drop(DropReason::BadLength).incr();
    }

    /// The kernel refused to send from `from_port`.
    pub fn handle_send_error(&mut self, from_port: u16) {
        let counters = self.mailbox.counters();
        counters.drop(DropReason::SendError).incr();
        if let Some((slot, _)) = self.owner(from_port) {
            if let Some(c) = counters.leg(slot as u32) {
                c.drop(DropReason::SendError).incr();
            }
        }
    }

    /// When [`Shard::handle_timeout`] wants to run next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.next_scan
    }

    /// Runs timers: media timeouts.
    pub fn handle_timeout(&mut self, now: Instant) {
        match self.next_scan {
            Some(t) if now >= t => {}
            _ => return,
        }
        for slot in 0..self.legs.len() {
            let Some(leg) = self.legs[slot].as_mut() else {
                continue;
            };
            let idle = leg.rtp.idle(now, leg.installed_at);
            if !leg.timed_out && idle >= leg.spec.media_timeout {
                leg.timed_out = true;
                let id = leg.id;
                self.emit(Event::MediaTimeout { leg: id, idle });
            }
        }
        self.next_scan = (self.active_legs() > 0).then(|| now + TIMEOUT_SCAN);
    }

    /// Ends a batch: wakes signaling if events were queued.
    pub fn end_batch(&mut self) {
        if self.events_pending {
            self.events_pending = false;
            self.mailbox.wake_controller();
        }
    }
}

fn leg_id_at(legs: &[Option<Box<Leg>>], slot: usize) -> Option<LegId> {
    legs.get(slot).and_then(|l| l.as_ref()).map(|l| l.id)
}

/// What accepting a packet changed, turned into events after the borrow of the leg ends.
#[derive(Copy, Clone, Debug, Default)]
struct Notes {
    first: bool,
    resumed: bool,
    latched: Option<(LatchOutcome, Option<SocketAddr>)>,
}

impl Notes {
    #[inline]
    fn any(&self) -> bool {
        self.first || self.resumed || self.latched.is_some()
    }
}

/// Userspace memory a bridged flow (two legs) costs a shard: per port of
/// the slice a leg pointer and the leg counters (four ports with RTCP on
/// separate ports, two with rtcp-mux), plus the two legs themselves. The
/// runtime adds a socket slot per port. Receive buffers and rings are per
/// shard and sized by throughput, not by flows.
pub fn memory_per_flow(rtcp_mux: bool) -> usize {
    let ports = if rtcp_mux { 2 } else { 4 };
    ports * memory_per_port() + 2 * size_of::<Leg>()
}

/// Userspace memory per port of a shard's slice (leg pointer and counters).
pub fn memory_per_port() -> usize {
    size_of::<Option<Box<Leg>>>() + size_of::<relay_ctl::LegCounters>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use relay_ctl::{Latch, NoWake, PayloadTypes, ShardId};

    fn shard() -> Shard {
        Shard::new(Arc::new(Mailbox::new(
            ShardId(0),
            PortRange::new(20000, 20020),
            64,
            Arc::new(NoWake),
        )))
    }

    fn addr(p: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], p))
    }

    fn rtp(seq: u16, ssrc: u32) -> Vec<u8> {
        let mut p = vec![0u8; 172];
        p[0] = 0x80;
        p[2..4].copy_from_slice(&seq.to_be_bytes());
        p[8..12].copy_from_slice(&ssrc.to_be_bytes());
        p
    }

    /// Installs two bridged legs on 20000 (A, spec given) and 20002 (B, strict from 5000).
    fn bridged(s: &mut Shard, now: Instant, a: LegSpec) -> (LegId, LegId) {
        let mut b = LegSpec::new(20002);
        b.remote = Some(addr(5000));
        b.latch = Latch::Strict;
        let (la, lb) = (LegId::new(0, 1), LegId::new(2, 1));
        s.handle_command(now, Command::AddLeg { leg: la, spec: a });
        s.handle_command(now, Command::AddLeg { leg: lb, spec: b });
        s.handle_command(now, Command::Bridge { a: la, b: lb });
        while let Some(r) = s.poll_io() {
            if let IoRequest::Open { port, .. } = r {
                s.handle_io_result(port, Ok(()));
            }
        }
        (la, lb)
    }

    fn events(s: &Shard) -> Vec<Event> {
        std::iter::from_fn(|| s.mailbox.pop_event()).collect()
    }

    #[test]
    fn forward_routes_to_peer_remote_from_peer_port() {
        let t = Instant::now();
        let mut s = shard();
        let mut a = LegSpec::new(20000);
        a.remote = Some(addr(4000));
        a.latch = Latch::Strict;
        bridged(&mut s, t, a);
        let mut p = rtp(1, 7);
        assert_eq!(
            s.handle_datagram(t, 20000, addr(4000), &mut p),
            Verdict::Forward(Transmit {
                from_port: 20002,
                to: addr(5000),
                len: 172
            })
        );
        assert_eq!(
            s.handle_datagram(t, 20000, addr(4001), &mut p),
            Verdict::Drop(DropReason::WrongSource)
        );
        assert_eq!(
            s.handle_datagram(t, 20010, addr(4000), &mut p),
            Verdict::Drop(DropReason::UnknownFlow)
        );
        assert_eq!(
            s.handle_datagram(t, 19000, addr(4000), &mut p),
            Verdict::Drop(DropReason::UnknownFlow)
        );
        let ev = events(&s);
        assert!(ev.contains(&Event::LegReady {
            leg: LegId::new(0, 1),
            port: 20000
        }));
        assert!(ev.contains(&Event::FirstPacket {
            leg: LegId::new(0, 1),
            from: addr(4000)
        }));
    }

    #[test]
    fn relearn_after_silence_in_the_shard() {
        let t = Instant::now();
        let mut s = shard();
        let mut a = LegSpec::new(20000);
        a.remote = Some(addr(9));
        a.latch = Latch::Learn {
            relearn_after_silence: Some(Duration::from_millis(300)),
        };
        a.payload_types = PayloadTypes::from_list(&[0]);
        let (la, _) = bridged(&mut s, t, a);
        assert!(matches!(
            s.handle_datagram(t, 20000, addr(4000), &mut rtp(1, 0xA)),
            Verdict::Forward(_)
        ));
        assert_eq!(
            s.handle_datagram(t, 20000, addr(4002), &mut rtp(2, 0xA)),
            Verdict::Drop(DropReason::WrongSource)
        );
        let later = t + Duration::from_millis(400);
        assert_eq!(
            s.handle_datagram(later, 20000, addr(4002), &mut rtp(3, 0xF)),
            Verdict::Drop(DropReason::WrongSource)
        );
        assert!(matches!(
            s.handle_datagram(later, 20000, addr(4002), &mut rtp(4, 0xA)),
            Verdict::Forward(_)
        ));
        assert!(events(&s).contains(&Event::Relatched {
            leg: la,
            from: addr(4000),
            to: addr(4002)
        }));
    }

    #[test]
    fn stale_and_bad_commands_fail_cleanly() {
        let t = Instant::now();
        let mut s = shard();
        let (la, lb) = bridged(&mut s, t, LegSpec::new(20000));
        let _ = events(&s);
        s.handle_command(
            t,
            Command::RemoveLeg {
                leg: LegId::new(0, 9),
            },
        );
        s.handle_command(
            t,
            Command::AddLeg {
                leg: LegId::new(1, 1),
                spec: LegSpec::new(20001),
            },
        );
        s.handle_command(
            t,
            Command::AddLeg {
                leg: LegId::new(5, 1),
                spec: LegSpec::new(20004),
            },
        );
        s.handle_command(t, Command::Bridge { a: la, b: la });
        s.handle_command(
            t,
            Command::UpdateLeg {
                leg: lb,
                spec: LegSpec::new(20004),
            },
        );
        let ev = events(&s);
        assert_eq!(
            ev,
            vec![
                Event::LegFailed {
                    leg: LegId::new(0, 9),
                    error: LegError::UnknownLeg
                },
                Event::LegFailed {
                    leg: LegId::new(1, 1),
                    error: LegError::SlotBusy
                },
                Event::LegFailed {
                    leg: LegId::new(5, 1),
                    error: LegError::PortOutsideSlice
                },
                Event::LegFailed {
                    leg: la,
                    error: LegError::SelfBridge
                },
                Event::LegFailed {
                    leg: lb,
                    error: LegError::PortChanged
                },
            ]
        );
        assert_eq!(s.mailbox.counters().rejected_commands.get(), 5);
    }

    #[test]
    fn a_bridged_flow_costs_under_two_kib() {
        // 16 bytes per port for the runtime's socket slot (descriptor + generation, padded).
        let with_sockets = memory_per_flow(false) + 4 * 16;
        assert!(
            with_sockets <= 2048,
            "{with_sockets} bytes per bridged flow"
        );
        assert!(
            memory_per_flow(true) + 2 * 16 <= 2048,
            "{} bytes with rtcp-mux",
            memory_per_flow(true)
        );
    }

    #[test]
    fn bind_failure_removes_the_leg() {
        let t = Instant::now();
        let mut s = shard();
        let leg = LegId::new(4, 1);
        s.handle_command(
            t,
            Command::AddLeg {
                leg,
                spec: LegSpec::new(20004),
            },
        );
        assert_eq!(
            s.poll_io(),
            Some(IoRequest::Open {
                port: 20004,
                dscp: 0
            })
        );
        assert_eq!(
            s.poll_io(),
            Some(IoRequest::Open {
                port: 20005,
                dscp: 0
            })
        );
        s.handle_io_result(20004, Ok(()));
        s.handle_io_result(20005, Err(98));
        assert_eq!(s.poll_io(), Some(IoRequest::Close { port: 20004 }));
        assert_eq!(s.poll_io(), Some(IoRequest::Close { port: 20005 }));
        assert_eq!(s.active_legs(), 0);
        assert!(events(&s).contains(&Event::LegFailed {
            leg,
            error: LegError::Bind(98)
        }));
    }
}
