//! The fallback backend: level-triggered epoll with `recvmmsg`/`sendmmsg`.
//!
//! One receive batch of up to [`BATCH`] datagrams per socket per wake-up
//! round (several rounds while a socket stays readable), rewritten in
//! place, then sent with one `sendmmsg` per run of datagrams leaving the
//! same socket. The buffers are allocated once, when the shard starts.

use std::io;
use std::mem::size_of;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

use relay_core::{IoRequest, Shard, Verdict};
use tracing::{debug, warn};

use crate::addr::{self, RawAddr, NAME_LEN};
use crate::sockets::SocketTable;
use crate::waker::EventFd;
use crate::RelayConfig;

const BATCH: usize = 64;
/// Receive batches taken from one socket before moving on (fairness).
const ROUNDS_PER_SOCKET: usize = 4;
const WAKE_TOKEN: u64 = u64::MAX;

struct Batch {
    bufs: Box<[u8]>,
    buf_size: usize,
    names: Box<[RawAddr; BATCH]>,
    iov: Box<[libc::iovec; BATCH]>,
    hdrs: Box<[libc::mmsghdr; BATCH]>,
    /// Send side: per forwarded datagram, its buffer index, length, source port.
    out: Vec<(usize, usize, u16)>,
    out_names: Box<[RawAddr; BATCH]>,
    out_iov: Box<[libc::iovec; BATCH]>,
    out_hdrs: Box<[libc::mmsghdr; BATCH]>,
}

impl Batch {
    fn new(buf_size: usize) -> Box<Self> {
        // SAFETY: iovec and mmsghdr are plain C structs; all-zero is a valid (empty) value.
        let zero_iov: libc::iovec = unsafe { std::mem::zeroed() };
        // SAFETY: as above.
        let zero_hdr: libc::mmsghdr = unsafe { std::mem::zeroed() };
        Box::new(Self {
            bufs: vec![0u8; buf_size * BATCH].into_boxed_slice(),
            buf_size,
            names: Box::new([RawAddr::zeroed(); BATCH]),
            iov: Box::new([zero_iov; BATCH]),
            hdrs: Box::new([zero_hdr; BATCH]),
            out: Vec::with_capacity(BATCH),
            out_names: Box::new([RawAddr::zeroed(); BATCH]),
            out_iov: Box::new([zero_iov; BATCH]),
            out_hdrs: Box::new([zero_hdr; BATCH]),
        })
    }

    /// Points every receive header at its buffer and name slot.
    fn arm_receive(&mut self) {
        let base = self.bufs.as_mut_ptr();
        for i in 0..BATCH {
            // SAFETY: i * buf_size + buf_size <= bufs.len().
            self.iov[i].iov_base = unsafe { base.add(i * self.buf_size) }.cast();
            self.iov[i].iov_len = self.buf_size;
            let h = &mut self.hdrs[i].msg_hdr;
            h.msg_name = (&mut self.names[i] as *mut RawAddr).cast();
            h.msg_namelen = NAME_LEN as libc::socklen_t;
            h.msg_iov = &mut self.iov[i];
            h.msg_iovlen = 1;
            h.msg_control = std::ptr::null_mut();
            h.msg_controllen = 0;
            h.msg_flags = 0;
            self.hdrs[i].msg_len = 0;
        }
    }
}

struct Epoll(OwnedFd);

impl Epoll {
    fn new() -> io::Result<Self> {
        // SAFETY: plain syscall; result checked.
        let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: fresh descriptor we own.
        Ok(Self(unsafe { OwnedFd::from_raw_fd(fd) }))
    }

    fn ctl(&self, op: i32, fd: RawFd, token: u64) -> io::Result<()> {
        let mut ev = libc::epoll_event {
            events: libc::EPOLLIN as u32,
            u64: token,
        };
        // SAFETY: `ev` is live for the call.
        if unsafe { libc::epoll_ctl(self.0.as_raw_fd(), op, fd, &mut ev) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}

fn token(port: u16, gen: u32) -> u64 {
    (u64::from(gen) << 16) | u64::from(port)
}

/// Runs `shard` until it is shut down.
pub(crate) fn run(mut shard: Shard, cfg: &RelayConfig, wake: &EventFd) -> io::Result<()> {
    let epoll = Epoll::new()?;
    epoll.ctl(libc::EPOLL_CTL_ADD, wake.as_raw_fd(), WAKE_TOKEN)?;
    let mut sockets = SocketTable::new(shard.slice(), cfg.bind_addr, cfg.socket_buffer);
    let mut batch = Batch::new(cfg.buffer_size as usize);
    // SAFETY: epoll_event is plain data.
    let mut events: Vec<libc::epoll_event> = vec![unsafe { std::mem::zeroed() }; 256];
    let counters = shard.mailbox().clone();

    let now = Instant::now();
    shard.drain_commands(now);
    apply_io(&mut shard, &mut sockets, &epoll);
    while shard.is_running() {
        let timeout = wait_ms(shard.poll_timeout(), cfg.tick);
        // SAFETY: `events` has room for `len` entries.
        let n = unsafe {
            libc::epoll_wait(
                epoll.0.as_raw_fd(),
                events.as_mut_ptr(),
                events.len() as i32,
                timeout,
            )
        };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        let now = Instant::now();
        let mut woken = false;
        for ev in &events[..n as usize] {
            let tok = ev.u64;
            if tok == WAKE_TOKEN {
                woken = true;
                continue;
            }
            let port = (tok & 0xffff) as u16;
            let gen = (tok >> 16) as u32;
            let Some(fd) = sockets.fd_if_gen(port, gen) else {
                continue;
            };
            for _ in 0..ROUNDS_PER_SOCKET {
                let got = receive_batch(&mut shard, &sockets, &mut batch, fd, port, now);
                counters.counters().batches.incr();
                if got < BATCH {
                    break;
                }
            }
        }
        if woken {
            wake.drain();
            shard.drain_commands(now);
            apply_io(&mut shard, &mut sockets, &epoll);
        }
        shard.handle_timeout(now);
        shard.end_batch();
    }
    // Close whatever the shutdown left.
    apply_io(&mut shard, &mut sockets, &epoll);
    shard.end_batch();
    Ok(())
}

fn wait_ms(next: Option<Instant>, tick: Duration) -> i32 {
    let now = Instant::now();
    let until = next
        .map_or(tick, |t| t.saturating_duration_since(now))
        .min(tick);
    // Round up so a timer is not polled early in a busy loop.
    until.as_micros().div_ceil(1000) as i32
}

fn apply_io(shard: &mut Shard, sockets: &mut SocketTable, epoll: &Epoll) {
    while let Some(req) = shard.poll_io() {
        match req {
            IoRequest::Open { port, dscp } => {
                let r = sockets.open(port, dscp).and_then(|(fd, gen)| {
                    epoll
                        .ctl(libc::EPOLL_CTL_ADD, fd, token(port, gen))
                        .inspect_err(|_| {
                            sockets.close(port);
                        })
                });
                if let Err(e) = &r {
                    warn!(port, error = %e, "cannot open media socket");
                }
                shard.handle_io_result(port, r.map_err(|e| e.raw_os_error().unwrap_or(libc::EIO)));
            }
            IoRequest::Close { port } => {
                if let Some((sock, _)) = sockets.close(port) {
                    let _ = epoll.ctl(libc::EPOLL_CTL_DEL, sock.as_raw_fd(), 0);
                    debug!(port, "media socket closed");
                }
            }
        }
    }
}

/// Receives one batch from `fd`, runs it through the shard and sends what it forwards.
fn receive_batch(
    shard: &mut Shard,
    sockets: &SocketTable,
    b: &mut Batch,
    fd: RawFd,
    port: u16,
    now: Instant,
) -> usize {
    b.arm_receive();
    // SAFETY: every header points at live buffers and name slots owned by `b`.
    let n = unsafe {
        libc::recvmmsg(
            fd,
            b.hdrs.as_mut_ptr(),
            BATCH as u32,
            libc::MSG_DONTWAIT,
            std::ptr::null_mut(),
        )
    };
    if n <= 0 {
        return 0;
    }
    let n = n as usize;
    b.out.clear();
    for i in 0..n {
        let len = b.hdrs[i].msg_len as usize;
        let namelen = (b.hdrs[i].msg_hdr.msg_namelen as usize).min(NAME_LEN);
        // SAFETY: RawAddr is NAME_LEN plain bytes; the kernel wrote `namelen` of them.
        let name = unsafe {
            std::slice::from_raw_parts((&b.names[i] as *const RawAddr).cast::<u8>(), namelen)
        };
        let Some(src) = addr::parse(name) else {
            continue;
        };
        let truncated = b.hdrs[i].msg_hdr.msg_flags & libc::MSG_TRUNC != 0;
        let start = i * b.buf_size;
        // The whole slot: the room past `len` takes an SRTP trailer.
        let buf = &mut b.bufs[start..start + b.buf_size];
        if truncated {
            shard.handle_oversize();
            continue;
        }
        if let Verdict::Forward(t) =
            shard.handle_datagram_in(now, port, src, buf, len.min(b.buf_size))
        {
            let k = b.out.len();
            let namelen = b.out_names[k].write(t.to);
            b.out_iov[k].iov_base = buf.as_mut_ptr().cast();
            b.out_iov[k].iov_len = t.len;
            let h = &mut b.out_hdrs[k].msg_hdr;
            h.msg_name = (&mut b.out_names[k] as *mut RawAddr).cast();
            h.msg_namelen = namelen;
            h.msg_iov = &mut b.out_iov[k];
            h.msg_iovlen = 1;
            h.msg_control = std::ptr::null_mut();
            h.msg_controllen = 0;
            h.msg_flags = 0;
            b.out.push((i, t.len, t.from_port));
        }
    }
    send_out(shard, sockets, b);
    n
}

/// Sends the forwarded datagrams, one `sendmmsg` per run of the same source socket.
fn send_out(shard: &mut Shard, sockets: &SocketTable, b: &mut Batch) {
    let mut i = 0;
    while i < b.out.len() {
        let from = b.out[i].2;
        let mut j = i + 1;
        while j < b.out.len() && b.out[j].2 == from {
            j += 1;
        }
        let Some(fd) = sockets.fd(from) else {
            (i..j).for_each(|_| shard.handle_send_error(from));
            i = j;
            continue;
        };
        let mut k = i;
        while k < j {
            // SAFETY: headers i..j point at live buffers, iovecs and names in `b`.
            let sent = unsafe {
                libc::sendmmsg(
                    fd,
                    b.out_hdrs.as_mut_ptr().add(k),
                    (j - k) as u32,
                    libc::MSG_DONTWAIT,
                )
            };
            if sent <= 0 {
                // The datagram at k is refused (full buffer, unreachable): drop it and go on.
                shard.handle_send_error(from);
                k += 1;
            } else {
                k += sent as usize;
            }
        }
        i = j;
    }
}

const _: () = assert!(size_of::<RawAddr>() >= NAME_LEN);
