//! The RTP blaster and sink: paced 172-byte PCMU packets (20 ms payload)
//! from every leg of every flow, sent with `sendmmsg` and received with
//! `recvmmsg` on a few shared sockets per side, so the generator stays
//! cheap. Each packet carries its send time (CLOCK_MONOTONIC ns) and its
//! flow and direction in the payload; the sink measures loss, reordering
//! and one-way latency from them.

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use crate::sys::mono_ns;

pub(crate) const PKT_LEN: usize = 172;
const BATCH: usize = 64;

struct Leg {
    sock: usize,
    dst: SocketAddr,
    tag: u32,
    seq: u16,
    ts: u32,
}

/// What one paced step measured.
#[derive(Clone, Debug)]
pub(crate) struct StepResult {
    pub(crate) target_pps: f64,
    pub(crate) offered_pps: f64,
    pub(crate) delivered_pps: f64,
    pub(crate) sent: u64,
    pub(crate) received: u64,
    pub(crate) reordered: u64,
    pub(crate) loss_pct: f64,
    pub(crate) lat_p50_us: f64,
    pub(crate) lat_p99_us: f64,
    pub(crate) lat_p999_us: f64,
    pub(crate) lat_max_us: f64,
}

impl StepResult {
    /// The generator could not offer what was asked (its own core is the limit).
    pub(crate) fn blaster_bound(&self) -> bool {
        self.offered_pps < self.target_pps * 0.97
    }
}

pub(crate) struct Blaster {
    socks: Vec<UdpSocket>,
    per_side: usize,
    flows: usize,
    legs: Vec<Leg>,
    /// Next expected sequence number per tag (flow << 1 | direction).
    expected: Vec<Option<u16>>,
}

fn bind(ip: IpAddr) -> anyhow::Result<UdpSocket> {
    let s = socket2::Socket::new(
        socket2::Domain::for_address(SocketAddr::new(ip, 0)),
        socket2::Type::DGRAM,
        None,
    )?;
    let _ = s.set_recv_buffer_size(8 << 20);
    let _ = s.set_send_buffer_size(8 << 20);
    s.bind(&SocketAddr::new(ip, 0).into())?;
    s.set_nonblocking(true)?;
    Ok(s.into())
}

impl Blaster {
    /// `per_side` sockets for the A sides and as many for the B sides, on `ip`.
    pub(crate) fn new(flows: usize, per_side: usize, ip: IpAddr) -> anyhow::Result<Self> {
        let socks = (0..2 * per_side)
            .map(|_| bind(ip))
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Self {
            socks,
            per_side,
            flows,
            legs: Vec::new(),
            expected: vec![None; 2 * flows],
        })
    }

    pub(crate) fn flows(&self) -> usize {
        self.flows
    }

    /// Source address of flow `f`'s A side (dir 0) or B side (dir 1).
    pub(crate) fn addr(&self, f: usize, dir: usize) -> SocketAddr {
        self.socks[dir * self.per_side + f % self.per_side]
            .local_addr()
            .expect("bound socket has an address")
    }

    /// Where each flow's A side and B side send.
    pub(crate) fn set_destinations(&mut self, dsts: &[(SocketAddr, SocketAddr)]) {
        self.legs.clear();
        for (f, &(a_to, b_to)) in dsts.iter().enumerate() {
            for (dir, dst) in [(0usize, a_to), (1, b_to)] {
                self.legs.push(Leg {
                    sock: dir * self.per_side + f % self.per_side,
                    dst,
                    tag: (f as u32) << 1 | dir as u32,
                    seq: 0,
                    ts: 0,
                });
            }
        }
        // Consecutive legs share a socket, so one sendmmsg covers a run of them.
        self.legs.sort_by_key(|l| l.sock);
    }

    /// Sends at `pps_per_leg` from every leg for `secs`, then drains for 300 ms.
    pub(crate) fn run(&mut self, pps_per_leg: f64, secs: f64) -> StepResult {
        let total_rate = pps_per_leg * self.legs.len() as f64;
        let mut hist =
            Histogram::<u64>::new_with_bounds(1, 10_000_000, 3).expect("valid histogram bounds");
        let (mut sent, mut received, mut reordered) = (0u64, 0u64, 0u64);
        self.expected.iter_mut().for_each(|e| *e = None);
        let mut out = vec![[0xffu8; PKT_LEN]; BATCH];
        let mut inb = vec![[0u8; 2048]; BATCH];
        let start = Instant::now();
        let end = start + Duration::from_secs_f64(secs);
        let mut next_leg = 0usize;
        let mut send_end = start;
        loop {
            let now = Instant::now();
            if now < end {
                let due = (total_rate * now.duration_since(start).as_secs_f64()) as u64;
                while sent < due && !self.legs.is_empty() {
                    let n = self.send_run(
                        &mut out,
                        &mut next_leg,
                        (due - sent).min(BATCH as u64) as usize,
                    );
                    if n == 0 {
                        break;
                    }
                    sent += n as u64;
                }
                send_end = now;
            } else if now > end + Duration::from_millis(300) {
                break;
            }
            received += self.receive(&mut inb, &mut hist, &mut reordered);
        }
        let secs = send_end.duration_since(start).as_secs_f64().max(1e-3);
        let q = |p: f64| hist.value_at_quantile(p) as f64 / 1000.0;
        StepResult {
            target_pps: total_rate,
            offered_pps: sent as f64 / secs,
            delivered_pps: received as f64 / secs,
            sent,
            received,
            reordered,
            loss_pct: if sent == 0 {
                0.0
            } else {
                100.0 * sent.saturating_sub(received) as f64 / sent as f64
            },
            lat_p50_us: q(0.50),
            lat_p99_us: q(0.99),
            lat_p999_us: q(0.999),
            lat_max_us: hist.max() as f64 / 1000.0,
        }
    }

    /// Sends up to `max` packets from consecutive legs sharing one socket.
    fn send_run(&mut self, out: &mut [[u8; PKT_LEN]], next: &mut usize, max: usize) -> usize {
        let sock = self.legs[*next].sock;
        // SAFETY: plain C structs; zero is a valid empty value.
        let mut hdrs: [libc::mmsghdr; BATCH] = unsafe { std::mem::zeroed() };
        // SAFETY: as above.
        let mut iov: [libc::iovec; BATCH] = unsafe { std::mem::zeroed() };
        let mut names: [socket2::SockAddr; BATCH] =
            std::array::from_fn(|_| socket2::SockAddr::from(self.legs[0].dst));
        let stamp = mono_ns();
        let mut n = 0;
        while n < max {
            let leg = &mut self.legs[*next];
            if leg.sock != sock {
                break;
            }
            let p = &mut out[n];
            p[0] = 0x80;
            p[1] = 0;
            p[2..4].copy_from_slice(&leg.seq.to_be_bytes());
            p[4..8].copy_from_slice(&leg.ts.to_be_bytes());
            p[8..12].copy_from_slice(&(0x5000_0000 | leg.tag).to_be_bytes());
            p[12..20].copy_from_slice(&stamp.to_ne_bytes());
            p[20..24].copy_from_slice(&leg.tag.to_ne_bytes());
            leg.seq = leg.seq.wrapping_add(1);
            leg.ts = leg.ts.wrapping_add(160);
            names[n] = socket2::SockAddr::from(leg.dst);
            n += 1;
            *next = (*next + 1) % self.legs.len();
            if *next == 0 {
                break;
            }
        }
        for i in 0..n {
            iov[i] = libc::iovec {
                iov_base: out[i].as_mut_ptr().cast(),
                iov_len: PKT_LEN,
            };
            hdrs[i].msg_hdr.msg_name = names[i].as_ptr() as *mut libc::c_void;
            hdrs[i].msg_hdr.msg_namelen = names[i].len();
            hdrs[i].msg_hdr.msg_iov = &mut iov[i];
            hdrs[i].msg_hdr.msg_iovlen = 1;
        }
        let fd = self.socks[sock].as_raw_fd();
        let mut done = 0;
        while done < n {
            // SAFETY: headers point at live buffers, iovecs and names for the call.
            let r =
                unsafe { libc::sendmmsg(fd, hdrs.as_mut_ptr().add(done), (n - done) as u32, 0) };
            if r <= 0 {
                // A full socket buffer: count the rest as sent (they are lost, and the sink sees it).
                break;
            }
            done += r as usize;
        }
        n
    }

    fn receive(
        &mut self,
        inb: &mut [[u8; 2048]],
        hist: &mut Histogram<u64>,
        reordered: &mut u64,
    ) -> u64 {
        let mut got = 0;
        // SAFETY: plain C structs.
        let mut hdrs: [libc::mmsghdr; BATCH] = unsafe { std::mem::zeroed() };
        // SAFETY: as above.
        let mut iov: [libc::iovec; BATCH] = unsafe { std::mem::zeroed() };
        for s in 0..self.socks.len() {
            loop {
                for i in 0..BATCH {
                    iov[i] = libc::iovec {
                        iov_base: inb[i].as_mut_ptr().cast(),
                        iov_len: 2048,
                    };
                    hdrs[i].msg_hdr.msg_iov = &mut iov[i];
                    hdrs[i].msg_hdr.msg_iovlen = 1;
                    hdrs[i].msg_len = 0;
                }
                // SAFETY: headers point at live buffers for the call.
                let r = unsafe {
                    libc::recvmmsg(
                        self.socks[s].as_raw_fd(),
                        hdrs.as_mut_ptr(),
                        BATCH as u32,
                        libc::MSG_DONTWAIT,
                        std::ptr::null_mut(),
                    )
                };
                if r <= 0 {
                    break;
                }
                let now = mono_ns();
                for (i, h) in hdrs.iter().enumerate().take(r as usize) {
                    if (h.msg_len as usize) < 24 {
                        continue;
                    }
                    let p = &inb[i];
                    let sent_at = u64::from_ne_bytes(p[12..20].try_into().expect("8 bytes"));
                    let tag = u32::from_ne_bytes(p[20..24].try_into().expect("4 bytes")) as usize;
                    let seq = u16::from_be_bytes([p[2], p[3]]);
                    if let Some(exp) = self.expected.get_mut(tag) {
                        match *exp {
                            Some(e) if (seq.wrapping_sub(e) as i16) < 0 => *reordered += 1,
                            _ => *exp = Some(seq.wrapping_add(1)),
                        }
                    }
                    let _ = hist.record(now.saturating_sub(sent_at).max(1));
                    got += 1;
                }
                if (r as usize) < BATCH {
                    break;
                }
            }
        }
        got
    }
}
