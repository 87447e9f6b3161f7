//! Shared helpers for the black-box relay tests: a relay per backend, UDP
//! endpoints on loopback, and RTP/RTCP packet builders.
#![allow(dead_code, unreachable_pub)]

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, Instant};

use relay_ctl::{Command, Event, Latch, LegId, LegSpec, PayloadTypes, PortRange, ShardHandle};

use relay_uring::{BackendChoice, Relay, RelayConfig};

/// Each relay in a test binary gets its own 200 ports above `base`, below the
/// kernel's ephemeral range (32768+) where the test sockets bind.
static NEXT_RANGE: AtomicU16 = AtomicU16::new(0);

/// The backends to run a test against. io_uring is probed; where it is
/// unavailable the test says so loudly, and fails if
/// `CALLBRIDGE_REQUIRE_URING=1` (as CI sets it).
pub fn backends() -> Vec<BackendChoice> {
    let mut v = vec![BackendChoice::Epoll];
    match relay_uring::probe_uring() {
        Ok(()) => v.push(BackendChoice::Uring),
        Err(reason) => {
            if std::env::var("CALLBRIDGE_REQUIRE_URING").as_deref() == Ok("1") {
                panic!("io_uring backend required but unavailable: {reason}");
            }
            eprintln!("SKIPPING the io_uring backend: {reason}");
        }
    }
    v
}

pub fn start(backend: BackendChoice, base: u16) -> Relay {
    start_on(backend, base, IpAddr::from([127, 0, 0, 1]))
}

/// A one-shard relay binding its media sockets on `bind`.
pub fn start_on(backend: BackendChoice, base: u16, bind: IpAddr) -> Relay {
    let slot = NEXT_RANGE.fetch_add(1, Ordering::Relaxed);
    let start = base + slot * 200;
    let cfg = RelayConfig {
        shards: 1,
        port_range: PortRange::new(start, start + 200),
        bind_addr: bind,
        backend,
        buffers: 256,
        ring_entries: 256,
        tick: Duration::from_millis(20),
        ..RelayConfig::default()
    };
    Relay::start(cfg).expect("relay starts")
}

pub fn udp() -> UdpSocket {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    s
}

pub fn addr(s: &UdpSocket) -> SocketAddr {
    s.local_addr().unwrap()
}

pub fn relay_addr(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

pub fn strict_leg(remote: SocketAddr) -> LegSpec {
    let mut s = LegSpec::new(0);
    s.remote = Some(remote);
    s.latch = Latch::Strict;
    s.payload_types = PayloadTypes::from_list(&[0, 8, 101]);
    s
}

pub fn rtp(pt: u8, seq: u16, ts: u32, ssrc: u32) -> Vec<u8> {
    let mut p = vec![0u8; 12 + 160];
    p[0] = 0x80;
    p[1] = pt;
    p[2..4].copy_from_slice(&seq.to_be_bytes());
    p[4..8].copy_from_slice(&ts.to_be_bytes());
    p[8..12].copy_from_slice(&ssrc.to_be_bytes());
    p[12..].fill(0xd5);
    p
}

/// An RTCP compound packet: SR (no report blocks) + SDES with a CNAME.
pub fn rtcp_sr(ssrc: u32, rtp_ts: u32) -> Vec<u8> {
    // SR: 7 words -> length field 6.
    let mut p = vec![0x80, 200, 0, 6];
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend_from_slice(&0x1122_3344_5566_7788u64.to_be_bytes());
    p.extend_from_slice(&rtp_ts.to_be_bytes());
    p.extend_from_slice(&10u32.to_be_bytes());
    p.extend_from_slice(&1600u32.to_be_bytes());
    // SDES: 4 words -> length field 3. Chunk: SSRC, CNAME "ab", end + padding.
    p.extend_from_slice(&[0x81, 202, 0, 3]);
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend_from_slice(&[1, 2, b'a', b'b', 0, 0, 0, 0]);
    p
}

pub fn seq_of(p: &[u8]) -> u16 {
    u16::from_be_bytes([p[2], p[3]])
}

pub fn ts_of(p: &[u8]) -> u32 {
    u32::from_be_bytes([p[4], p[5], p[6], p[7]])
}

pub fn ssrc_of(p: &[u8]) -> u32 {
    u32::from_be_bytes([p[8], p[9], p[10], p[11]])
}

/// Receives one datagram or `None` after the socket's timeout.
pub fn recv(s: &UdpSocket) -> Option<(Vec<u8>, SocketAddr)> {
    let mut buf = [0u8; 2048];
    match s.recv_from(&mut buf) {
        Ok((n, from)) => Some((buf[..n].to_vec(), from)),
        Err(_) => None,
    }
}

/// Asserts nothing arrives within `wait` (the whole of it: an early
/// wake-up of the socket timeout does not end the wait).
pub fn assert_silent(s: &UdpSocket, wait: Duration) {
    let deadline = Instant::now() + wait;
    let mut buf = [0u8; 2048];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        s.set_read_timeout(Some(left)).unwrap();
        if let Ok((n, from)) = s.recv_from(&mut buf) {
            panic!("expected nothing, got {n} bytes from {from}");
        }
    }
    s.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
}

/// Adds a leg and waits until it is ready.
pub fn add_ready(h: &mut ShardHandle, spec: LegSpec) -> (LegId, u16) {
    let (leg, port) = h.add_leg(spec).expect("leg queued");
    wait_for(
        h,
        |e| matches!(e, Event::LegReady { leg: l, .. } if *l == leg),
    );
    (leg, port)
}

/// Bridges two legs and waits until the shard applied it.
pub fn bridge(h: &mut ShardHandle, a: LegId, b: LegId) {
    h.send(Command::Bridge { a, b }).unwrap();
    wait_for(h, |e| *e == Event::Bridged { a, b });
}

/// Waits for an event matching `f` (others are skipped), up to 5 s.
pub fn wait_for(h: &mut ShardHandle, mut f: impl FnMut(&Event) -> bool) -> Event {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(e) = h.poll_event() {
            if f(&e) {
                return e;
            }
            continue;
        }
        assert!(Instant::now() < deadline, "event did not arrive");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Waits until `cond` holds (counters are published per batch), up to 2 s.
pub fn eventually(mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    cond()
}
