//! The kernel baseline: a minimal forwarder on `recvmmsg`/`sendmmsg` and
//! epoll, pinned to the relay core, with no parsing and no checks. It shows
//! what the kernel's UDP path allows on this machine.

use std::net::{SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::Context;

use crate::blaster::Blaster;
use crate::subject::Subject;
use crate::sys::{gettid, pin, thread_cpu};

const BATCH: usize = 64;

pub(crate) struct Baseline {
    core: usize,
    stop: Arc<AtomicBool>,
    tid: Arc<AtomicI32>,
    thread: Option<JoinHandle<()>>,
}

impl Baseline {
    pub(crate) fn new(core: usize) -> Self {
        Self {
            core,
            stop: Arc::new(AtomicBool::new(false)),
            tid: Arc::new(AtomicI32::new(0)),
            thread: None,
        }
    }
}

impl Subject for Baseline {
    fn name(&self) -> &'static str {
        "recvmmsg"
    }

    fn setup(&mut self, b: &Blaster) -> anyhow::Result<Vec<(SocketAddr, SocketAddr)>> {
        // Per flow two sockets: packets in on `a` go out of `b` to the blaster's B side, and back.
        let mut socks = Vec::new();
        let mut dsts = Vec::new();
        for f in 0..b.flows() {
            let sa = UdpSocket::bind("127.0.0.1:0").context("baseline socket")?;
            let sb = UdpSocket::bind("127.0.0.1:0").context("baseline socket")?;
            for s in [&sa, &sb] {
                s.set_nonblocking(true)?;
                let sock = socket2::SockRef::from(s);
                let _ = sock.set_recv_buffer_size(4 << 20);
            }
            dsts.push((sa.local_addr()?, sb.local_addr()?));
            socks.push((sa, sb, b.addr(f, 0), b.addr(f, 1)));
        }
        let (stop, tid, core) = (self.stop.clone(), self.tid.clone(), self.core);
        self.thread = Some(std::thread::spawn(move || {
            let _ = pin(core);
            tid.store(gettid(), Ordering::SeqCst);
            forward(&socks, &stop);
        }));
        while self.tid.load(Ordering::SeqCst) == 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
        Ok(dsts)
    }

    fn cpu(&self) -> Duration {
        thread_cpu(self.tid.load(Ordering::SeqCst))
    }

    fn stop(mut self: Box<Self>) -> anyhow::Result<()> {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        Ok(())
    }
}

fn forward(socks: &[(UdpSocket, UdpSocket, SocketAddr, SocketAddr)], stop: &AtomicBool) {
    // SAFETY: plain syscall.
    let ep = unsafe { libc::epoll_create1(0) };
    for (i, (a, b, _, _)) in socks.iter().enumerate() {
        for (k, s) in [a, b].into_iter().enumerate() {
            let mut ev = libc::epoll_event {
                events: libc::EPOLLIN as u32,
                u64: (i * 2 + k) as u64,
            };
            // SAFETY: live event struct.
            unsafe { libc::epoll_ctl(ep, libc::EPOLL_CTL_ADD, s.as_raw_fd(), &mut ev) };
        }
    }
    let mut bufs = vec![[0u8; 2048]; BATCH];
    // SAFETY: plain C structs.
    let mut hdrs: [libc::mmsghdr; BATCH] = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    let mut iov: [libc::iovec; BATCH] = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    let mut events: [libc::epoll_event; 256] = unsafe { std::mem::zeroed() };
    while !stop.load(Ordering::Relaxed) {
        // SAFETY: `events` has 256 entries.
        let n = unsafe { libc::epoll_wait(ep, events.as_mut_ptr(), 256, 100) };
        for ev in events.iter().take(n.max(0) as usize) {
            let idx = ev.u64 as usize;
            let (a, b, to_a, to_b) = &socks[idx / 2];
            let (rx, tx, to) = if idx % 2 == 0 {
                (a, b, *to_b)
            } else {
                (b, a, *to_a)
            };
            let name = socket2::SockAddr::from(to);
            loop {
                for i in 0..BATCH {
                    iov[i] = libc::iovec {
                        iov_base: bufs[i].as_mut_ptr().cast(),
                        iov_len: 2048,
                    };
                    hdrs[i].msg_hdr.msg_iov = &mut iov[i];
                    hdrs[i].msg_hdr.msg_iovlen = 1;
                    hdrs[i].msg_hdr.msg_name = std::ptr::null_mut();
                    hdrs[i].msg_hdr.msg_namelen = 0;
                }
                // SAFETY: headers point at live buffers.
                let r = unsafe {
                    libc::recvmmsg(
                        rx.as_raw_fd(),
                        hdrs.as_mut_ptr(),
                        BATCH as u32,
                        libc::MSG_DONTWAIT,
                        std::ptr::null_mut(),
                    )
                };
                if r <= 0 {
                    break;
                }
                for h in hdrs.iter_mut().take(r as usize) {
                    // SAFETY: msg_iov points at iov[i], live.
                    unsafe { (*h.msg_hdr.msg_iov).iov_len = h.msg_len as usize };
                    h.msg_hdr.msg_name = name.as_ptr() as *mut libc::c_void;
                    h.msg_hdr.msg_namelen = name.len();
                }
                // SAFETY: as above; the name outlives the call.
                unsafe {
                    libc::sendmmsg(
                        tx.as_raw_fd(),
                        hdrs.as_mut_ptr(),
                        r as u32,
                        libc::MSG_DONTWAIT,
                    )
                };
                if (r as usize) < BATCH {
                    break;
                }
            }
        }
    }
    // SAFETY: closing our epoll descriptor.
    unsafe { libc::close(ep) };
}
