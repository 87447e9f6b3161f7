//! The io_uring backend.
//!
//! Per shard: one ring, one provided-buffer ring (group 0) shared by all of
//! the shard's sockets, one multishot `recvmsg` per socket, and one
//! `sendmsg` per forwarded datagram *from the buffer it arrived in* (the
//! buffer goes back to the ring when the send completes). Submissions are
//! batched: the only syscall is one `io_uring_enter` per loop, which both
//! submits the sends and waits for the next completions. Commands arrive
//! through an eventfd read kept armed on the ring.

use std::io;
use std::mem::size_of;
use std::os::fd::{AsRawFd, RawFd};
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, Instant};

use io_uring::types::{BufRingEntry, Fd, SubmitArgs, Timespec};
use io_uring::{cqueue, opcode, squeue, IoUring};
use relay_core::{IoRequest, Shard, Verdict};
use tracing::{debug, warn};

use crate::addr::{self, RawAddr, NAME_LEN};
use crate::sockets::SocketTable;
use crate::waker::EventFd;
use crate::RelayConfig;

const BGID: u16 = 0;
const KIND_RECV: u64 = 1;
const KIND_SEND: u64 = 2;
const KIND_WAKE: u64 = 3;
const KIND_CANCEL: u64 = 4;
/// `struct io_uring_recvmsg_out`: namelen, controllen, payloadlen, flags.
const RECVMSG_OUT_LEN: usize = 16;
/// Payload offset inside a receive buffer: header, then the name area.
const PAYLOAD_OFF: usize = RECVMSG_OUT_LEN + NAME_LEN;

fn ud(kind: u64, gen: u32, low: u32) -> u64 {
    (kind << 56) | (u64::from(gen & 0x00ff_ffff) << 32) | u64::from(low)
}

fn ud_split(v: u64) -> (u64, u32, u32) {
    (v >> 56, ((v >> 32) & 0x00ff_ffff) as u32, v as u32)
}

/// A send in flight from one receive buffer.
#[repr(C)]
struct SendSlot {
    hdr: libc::msghdr,
    iov: libc::iovec,
    name: RawAddr,
    from_port: u16,
}

/// Receive buffers and the kernel-shared ring that hands them out.
struct BufRing {
    ring: *mut BufRingEntry,
    ring_layout: std::alloc::Layout,
    entries: u16,
    mask: u16,
    tail: u16,
    bufs: Box<[u8]>,
    buf_size: usize,
}

impl BufRing {
    fn new(entries: u16, buf_size: usize) -> io::Result<Self> {
        if !entries.is_power_of_two() || buf_size <= PAYLOAD_OFF {
            return Err(io::Error::from_raw_os_error(libc::EINVAL));
        }
        let layout = std::alloc::Layout::from_size_align(
            usize::from(entries) * size_of::<BufRingEntry>(),
            4096,
        )
        .map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
        // SAFETY: non-zero size layout; checked for null below.
        let ring = unsafe { std::alloc::alloc_zeroed(layout) }.cast::<BufRingEntry>();
        if ring.is_null() {
            return Err(io::Error::from_raw_os_error(libc::ENOMEM));
        }
        let mut r = Self {
            ring,
            ring_layout: layout,
            entries,
            mask: entries - 1,
            tail: 0,
            bufs: vec![0u8; usize::from(entries) * buf_size].into_boxed_slice(),
            buf_size,
        };
        for bid in 0..entries {
            r.recycle(bid);
        }
        r.publish();
        Ok(r)
    }

    /// Queues buffer `bid` back to the kernel (visible after [`Self::publish`]).
    #[inline]
    fn recycle(&mut self, bid: u16) {
        let addr = self.buf_ptr(bid) as u64;
        // SAFETY: index is masked into the ring's `entries` slots, which we allocated.
        let e = unsafe { &mut *self.ring.add(usize::from(self.tail & self.mask)) };
        e.set_addr(addr);
        e.set_len(self.buf_size as u32);
        e.set_bid(bid);
        self.tail = self.tail.wrapping_add(1);
    }

    /// Makes recycled buffers visible to the kernel.
    #[inline]
    fn publish(&self) {
        // SAFETY: the tail field lives inside the ring memory we own; the kernel
        // reads it with acquire semantics, so a release store orders the entries first.
        unsafe {
            let tail = BufRingEntry::tail(self.ring).cast::<AtomicU16>();
            (*tail).store(self.tail, Ordering::Release);
        }
    }

    #[inline]
    fn buf_ptr(&self, bid: u16) -> *const u8 {
        // In bounds: bid < entries.
        self.bufs[usize::from(bid) * self.buf_size..].as_ptr()
    }

    #[inline]
    fn buf_mut(&mut self, bid: u16) -> &mut [u8] {
        let start = usize::from(bid) * self.buf_size;
        &mut self.bufs[start..start + self.buf_size]
    }
}

impl Drop for BufRing {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this layout; the ring (and so the
        // kernel registration) is dropped before this struct (field order in Runtime).
        unsafe { std::alloc::dealloc(self.ring.cast(), self.ring_layout) };
    }
}

/// Creates a ring with the flags this backend wants, falling back to none.
/// Single issuer with deferred task work (6.1+): completions are produced
/// in batches when the shard enters the ring, not by interrupting it;
/// older kernels get cooperative task work, then plain.
pub(crate) fn new_ring(entries: u32) -> io::Result<IoUring> {
    IoUring::builder()
        .setup_single_issuer()
        .setup_defer_taskrun()
        .build(entries)
        .or_else(|_| {
            IoUring::builder()
                .setup_single_issuer()
                .setup_coop_taskrun()
                .build(entries)
        })
        .or_else(|_| IoUring::new(entries))
}

struct Runtime<'a> {
    // Dropped first: unregisters the buffer ring and cancels in-flight work.
    ring: IoUring,
    bufs: BufRing,
    slots: Box<[SendSlot]>,
    recv_hdr: Box<libc::msghdr>,
    wake_buf: Box<u64>,
    sockets: SocketTable,
    wake: &'a EventFd,
    pending_publish: bool,
    /// The kernel takes a destination address on IORING_OP_SEND (6.0+).
    send_to: bool,
}

/// Runs `shard` on io_uring until it is shut down.
pub(crate) fn run(mut shard: Shard, cfg: &RelayConfig, wake: &EventFd) -> io::Result<()> {
    let ring = new_ring(cfg.ring_entries)?;
    if !ring.params().is_feature_ext_arg() {
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "io_uring lacks EXT_ARG (kernel < 5.11)",
        ));
    }
    let bufs = BufRing::new(cfg.buffers, cfg.buffer_size as usize)?;
    // SAFETY: the ring memory stays allocated until `bufs` drops, after `ring`.
    unsafe {
        ring.submitter()
            .register_buf_ring_with_flags(bufs.ring as u64, bufs.entries, BGID, 0)?
    };
    // SAFETY: msghdr/iovec are plain data; zero is a valid empty value.
    let zero_hdr: libc::msghdr = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    let zero_iov: libc::iovec = unsafe { std::mem::zeroed() };
    let slots: Box<[SendSlot]> = (0..cfg.buffers)
        .map(|_| SendSlot {
            hdr: zero_hdr,
            iov: zero_iov,
            name: RawAddr::zeroed(),
            from_port: 0,
        })
        .collect();
    let mut recv_hdr = Box::new(zero_hdr);
    recv_hdr.msg_namelen = NAME_LEN as libc::socklen_t;
    let mut rt = Runtime {
        ring,
        bufs,
        slots,
        recv_hdr,
        wake_buf: Box::new(0),
        sockets: SocketTable::new(shard.slice(), cfg.bind_addr, cfg.socket_buffer),
        wake,
        pending_publish: false,
        send_to: probe_send_to(),
    };
    rt.arm_wake();
    shard.drain_commands(Instant::now());
    rt.apply_io(&mut shard);
    while shard.is_running() {
        let wait = shard
            .poll_timeout()
            .map_or(cfg.tick, |t| t.saturating_duration_since(Instant::now()))
            .min(cfg.tick);
        rt.submit_and_wait(wait)?;
        let now = Instant::now();
        let woken = rt.complete(&mut shard, now);
        if woken {
            shard.drain_commands(now);
            rt.apply_io(&mut shard);
            rt.arm_wake();
        }
        shard.handle_timeout(now);
        shard.end_batch();
    }
    rt.apply_io(&mut shard);
    shard.end_batch();
    // Let cancellations and sends finish before the buffers go away.
    let _ = rt.ring.submit();
    Ok(())
}

impl Runtime<'_> {
    /// Pushes one submission, flushing the queue to the kernel if it is full.
    #[inline]
    fn push(&mut self, e: &squeue::Entry) {
        loop {
            // SAFETY: every entry we build points at memory that outlives its
            // completion (send slots, buffers, recv header, wake buffer).
            if unsafe { self.ring.submission().push(e) }.is_ok() {
                return;
            }
            if self.ring.submit().is_err() {
                // Submission queue full and the kernel is refusing: back off once.
                std::thread::yield_now();
            }
        }
    }

    fn arm_wake(&mut self) {
        let e = opcode::Read::new(
            Fd(self.wake.as_raw_fd()),
            (&mut *self.wake_buf as *mut u64).cast(),
            8,
        )
        .build()
        .user_data(ud(KIND_WAKE, 0, 0));
        self.push(&e);
    }

    fn arm_recv(&mut self, fd: RawFd, port: u16, gen: u32) {
        let e = opcode::RecvMsgMulti::new(Fd(fd), &*self.recv_hdr, BGID)
            .build()
            .user_data(ud(KIND_RECV, gen, u32::from(port)));
        self.push(&e);
    }

    fn submit_and_wait(&mut self, wait: Duration) -> io::Result<()> {
        if self.pending_publish {
            self.bufs.publish();
            self.pending_publish = false;
        }
        let ts = Timespec::new()
            .sec(wait.as_secs())
            .nsec(wait.subsec_nanos());
        let args = SubmitArgs::new().timespec(&ts);
        match self.ring.submitter().submit_with_args(1, &args) {
            Ok(_) => Ok(()),
            Err(e)
                if matches!(
                    e.raw_os_error(),
                    Some(libc::ETIME | libc::EINTR | libc::EBUSY)
                ) =>
            {
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    fn apply_io(&mut self, shard: &mut Shard) {
        while let Some(req) = shard.poll_io() {
            match req {
                IoRequest::Open { port, dscp } => match self.sockets.open(port, dscp) {
                    Ok((fd, gen)) => {
                        self.arm_recv(fd, port, gen);
                        shard.handle_io_result(port, Ok(()));
                    }
                    Err(e) => {
                        warn!(port, error = %e, "cannot open media socket");
                        shard.handle_io_result(port, Err(e.raw_os_error().unwrap_or(libc::EIO)));
                    }
                },
                IoRequest::Close { port } => {
                    if let Some((sock, gen)) = self.sockets.close(port) {
                        let cancel = opcode::AsyncCancel::new(ud(KIND_RECV, gen, u32::from(port)))
                            .build()
                            .user_data(ud(KIND_CANCEL, 0, 0));
                        self.push(&cancel);
                        // The in-flight receive holds its own file reference; the
                        // port is released once the cancellation completes.
                        drop(sock);
                        debug!(port, "media socket closed");
                    }
                }
            }
        }
    }

    /// Drains the completion queue. Returns true if the command eventfd fired.
    fn complete(&mut self, shard: &mut Shard, now: Instant) -> bool {
        let mut woken = false;
        let mut received = 0u64;
        loop {
            // Take completions in chunks so sends can be pushed meanwhile.
            let mut chunk = [(0u64, 0i32, 0u32); 64];
            let mut n = 0;
            {
                let mut cq = self.ring.completion();
                cq.sync();
                for cqe in &mut cq {
                    chunk[n] = (cqe.user_data(), cqe.result(), cqe.flags());
                    n += 1;
                    if n == chunk.len() {
                        break;
                    }
                }
            }
            if n == 0 {
                break;
            }
            for &(user, res, flags) in &chunk[..n] {
                let (kind, gen, low) = ud_split(user);
                match kind {
                    KIND_RECV => {
                        received += 1;
                        self.on_recv(shard, now, low as u16, gen, res, flags);
                    }
                    KIND_SEND => self.on_send(shard, low as u16, res),
                    KIND_WAKE => woken = true,
                    _ => {}
                }
            }
        }
        if received > 0 {
            shard.mailbox().counters().batches.incr();
        }
        woken
    }

    #[inline]
    fn on_recv(
        &mut self,
        shard: &mut Shard,
        now: Instant,
        port: u16,
        gen: u32,
        res: i32,
        flags: u32,
    ) {
        let open_fd = self.sockets.fd_if_gen(port, gen);
        if res < 0 {
            match -res {
                libc::ENOBUFS => shard.mailbox().counters().buffer_starvation.incr(),
                libc::ECANCELED => {}
                e => warn!(port, errno = e, "multishot receive failed"),
            }
        } else if let Some(bid) = cqueue::buffer_select(flags) {
            if open_fd.is_some() {
                self.on_datagram(shard, now, port, bid, res as usize);
            } else {
                self.recycle(bid);
            }
        }
        if !cqueue::more(flags) {
            if let Some(fd) = open_fd {
                // Ended (buffers ran out, or an error): arm it again.
                if self.pending_publish {
                    self.bufs.publish();
                    self.pending_publish = false;
                }
                self.arm_recv(fd, port, gen);
            }
        }
    }

    #[inline]
    fn recycle(&mut self, bid: u16) {
        self.bufs.recycle(bid);
        self.pending_publish = true;
    }

    #[inline]
    fn on_datagram(&mut self, shard: &mut Shard, now: Instant, port: u16, bid: u16, len: usize) {
        let buf = self.bufs.buf_mut(bid);
        let len = len.min(buf.len());
        if len < PAYLOAD_OFF {
            self.recycle(bid);
            return;
        }
        let word = |i: usize| u32::from_ne_bytes([buf[i], buf[i + 1], buf[i + 2], buf[i + 3]]);
        let (namelen, controllen, payloadlen, msg_flags) = (word(0), word(4), word(8), word(12));
        let payload_off = PAYLOAD_OFF + controllen as usize;
        if msg_flags & (libc::MSG_TRUNC as u32) != 0 || payload_off + payloadlen as usize > len {
            shard.handle_oversize();
            self.recycle(bid);
            return;
        }
        let name_end = RECVMSG_OUT_LEN + (namelen as usize).min(NAME_LEN);
        let Some(src) = addr::parse(&buf[RECVMSG_OUT_LEN..name_end]) else {
            self.recycle(bid);
            return;
        };
        // The rest of the buffer is spare room for an SRTP trailer.
        let payload = &mut buf[payload_off..];
        let payload_ptr = payload.as_mut_ptr();
        match shard.handle_datagram_in(now, port, src, payload, payloadlen as usize) {
            Verdict::Forward(t) => {
                let Some(fd) = self.sockets.fd(t.from_port) else {
                    shard.handle_send_error(t.from_port);
                    self.recycle(bid);
                    return;
                };
                let slot = &mut self.slots[usize::from(bid)];
                let namelen = slot.name.write(t.to);
                slot.from_port = t.from_port;
                let e = if self.send_to {
                    // sendto: no msghdr for the kernel to copy in.
                    opcode::Send::new(Fd(fd), payload_ptr, t.len as u32)
                        .dest_addr((&slot.name as *const RawAddr).cast())
                        .dest_addr_len(namelen)
                        .build()
                } else {
                    slot.iov.iov_base = payload_ptr.cast();
                    slot.iov.iov_len = t.len;
                    slot.hdr.msg_name = (&mut slot.name as *mut RawAddr).cast();
                    slot.hdr.msg_namelen = namelen;
                    slot.hdr.msg_iov = &mut slot.iov;
                    slot.hdr.msg_iovlen = 1;
                    opcode::SendMsg::new(Fd(fd), &slot.hdr).build()
                };
                self.push(&e.user_data(ud(KIND_SEND, 0, u32::from(bid))));
            }
            Verdict::Drop(_) => self.recycle(bid),
        }
    }

    #[inline]
    fn on_send(&mut self, shard: &mut Shard, bid: u16, res: i32) {
        if res < 0 {
            let from = self.slots[usize::from(bid)].from_port;
            shard.handle_send_error(from);
        }
        self.recycle(bid);
    }
}

/// Checks that this kernel runs what the backend needs: a ring, a
/// provided-buffer ring and a multishot `recvmsg` that really delivers a
/// datagram on loopback. Returns the reason when it does not.
pub(crate) fn probe() -> Result<(), String> {
    let ring = new_ring(8).map_err(|e| format!("io_uring_setup failed: {e}"))?;
    if !ring.params().is_feature_ext_arg() {
        return Err("kernel lacks IORING_FEAT_EXT_ARG (needs 5.11)".into());
    }
    let mut probe = io_uring::Probe::new();
    ring.submitter()
        .register_probe(&mut probe)
        .map_err(|e| format!("io_uring probe failed: {e}"))?;
    for (code, name) in [
        (opcode::RecvMsg::CODE, "recvmsg"),
        (opcode::SendMsg::CODE, "sendmsg"),
        (opcode::AsyncCancel::CODE, "async_cancel"),
    ] {
        if !probe.is_supported(code) {
            return Err(format!("io_uring lacks {name}"));
        }
    }
    let bufs = BufRing::new(8, 2048).map_err(|e| e.to_string())?;
    // SAFETY: `bufs` is unregistered and the ring dropped (explicitly, below)
    // before `bufs` is freed; if registration fails the kernel never saw it.
    unsafe {
        ring.submitter()
            .register_buf_ring_with_flags(bufs.ring as u64, bufs.entries, BGID, 0)
    }
    .map_err(|e| format!("provided-buffer ring unavailable (needs 5.19): {e}"))?;
    let result = probe_multishot(&ring);
    let _ = ring.submitter().unregister_buf_ring(BGID);
    drop(ring);
    drop(bufs);
    result
}

/// Whether IORING_OP_SEND accepts a destination address here: one datagram
/// sent that way must arrive.
fn probe_send_to() -> bool {
    let run = || -> io::Result<bool> {
        let ring = IoUring::new(4)?;
        let rx = std::net::UdpSocket::bind("127.0.0.1:0")?;
        let tx = std::net::UdpSocket::bind("127.0.0.1:0")?;
        rx.set_read_timeout(Some(Duration::from_millis(200)))?;
        let mut name = RawAddr::zeroed();
        let len = name.write(rx.local_addr()?);
        let msg = b"probe";
        let e = opcode::Send::new(Fd(tx.as_raw_fd()), msg.as_ptr(), msg.len() as u32)
            .dest_addr((&name as *const RawAddr).cast())
            .dest_addr_len(len)
            .build();
        // SAFETY: `msg` and `name` outlive the request, which completes before we return.
        unsafe { ring.submission_shared().push(&e) }.map_err(|_| io::Error::other("sq full"))?;
        ring.submit_and_wait(1)?;
        let mut buf = [0u8; 8];
        Ok(matches!(rx.recv(&mut buf), Ok(5)))
    };
    run().unwrap_or(false)
}

fn probe_multishot(ring: &IoUring) -> Result<(), String> {
    let rx = std::net::UdpSocket::bind("127.0.0.1:0").map_err(|e| format!("probe socket: {e}"))?;
    let tx = std::net::UdpSocket::bind("127.0.0.1:0").map_err(|e| format!("probe socket: {e}"))?;
    // SAFETY: msghdr is plain data.
    let mut hdr: libc::msghdr = unsafe { std::mem::zeroed() };
    hdr.msg_namelen = NAME_LEN as libc::socklen_t;
    let e = opcode::RecvMsgMulti::new(Fd(rx.as_raw_fd()), &hdr, BGID)
        .build()
        .user_data(7);
    // SAFETY: `hdr` outlives the request, which is cancelled by dropping the ring.
    unsafe { ring.submission_shared().push(&e) }
        .map_err(|_| "probe: submission queue full".to_string())?;
    ring.submit().map_err(|e| format!("probe submit: {e}"))?;
    tx.send_to(b"probe", rx.local_addr().map_err(|e| e.to_string())?)
        .map_err(|e| format!("probe send: {e}"))?;
    let ts = Timespec::new().nsec(200_000_000);
    let _ = ring
        .submitter()
        .submit_with_args(1, &SubmitArgs::new().timespec(&ts));
    // SAFETY: single-threaded use of the completion queue in this function.
    let cqe = unsafe { ring.completion_shared() }
        .next()
        .ok_or("probe: no completion from multishot recvmsg")?;
    if cqe.result() < 0 {
        return Err(format!(
            "multishot recvmsg failed: errno {} (needs 6.0)",
            -cqe.result()
        ));
    }
    if cqueue::buffer_select(cqe.flags()).is_none() || !cqueue::more(cqe.flags()) {
        return Err("multishot recvmsg did not stay armed (needs 6.0)".into());
    }
    Ok(())
}
