//! The per-packet path (`Shard::handle_datagram`) allocates nothing: a
//! counting global allocator watches a mixed stream of good, hostile and
//! malformed packets through bridged legs in every mode after warm-up.

use std::alloc::{GlobalAlloc, Layout, System};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use relay_core::{Shard, Verdict};

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn a(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

fn rtp(pt: u8, seq: u16, ssrc: u32) -> Vec<u8> {
    let mut p = vec![0xd5u8; 172];
    p[..2].copy_from_slice(&[0x80, pt]);
    p[2..4].copy_from_slice(&seq.to_be_bytes());
    p[4..8].copy_from_slice(&(u32::from(seq) * 160).to_be_bytes());
    p[8..12].copy_from_slice(&ssrc.to_be_bytes());
    p
}

#[test]
fn mixed_stream_through_every_mode_allocates_nothing() {
    let t0 = Instant::now();
    // Legs in every mode: see relay_core::testkit::bridged_shard.
    let mut shard = relay_core::testkit::bridged_shard(t0);
    let mb = shard.mailbox().clone();
    let mut sr = vec![0x80, 200, 0, 6];
    sr.extend_from_slice(&[0, 0, 0, 1]);
    sr.extend_from_slice(&[0; 20]);
    let stun = {
        let mut p = vec![0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42];
        p.extend_from_slice(&[7; 12]);
        p
    };
    // (local port, source, packet)
    let mut stream: Vec<(u16, SocketAddr, Vec<u8>)> = Vec::new();
    for seq in 0..200u16 {
        stream.push((20000, a(4000), rtp(0, seq, 1)));
        stream.push((20002, a(5555), rtp(0, seq, if seq < 100 { 2 } else { 3 })));
        stream.push((20004, a(4002), rtp(8, seq, 4)));
        stream.push((20006, a(4003), rtp(0, seq, 5)));
        stream.push((20000, a(6666), rtp(0, seq, 1))); // spoofed
        stream.push((20000, a(4000), rtp(96, seq, 1))); // not negotiated
        stream.push((20001, a(4001), sr.clone()));
        stream.push((20004, a(4002), sr.clone()));
        stream.push((20000, a(4000), stun.clone()));
        stream.push((20000, a(4000), vec![22, 254, 253, 0, 0]));
        stream.push((20000, a(4000), vec![0xff; 3]));
        stream.push((20050, a(4000), rtp(0, seq, 1))); // no leg
        stream.push((20002, a(7777), rtp(0, seq, 2))); // relearn attempt
    }
    let run = |shard: &mut Shard, stream: &mut [(u16, SocketAddr, Vec<u8>)], base: Instant| {
        let mut forwarded = 0;
        for (i, (port, src, pkt)) in stream.iter_mut().enumerate() {
            let now = base + Duration::from_millis(i as u64);
            if let Verdict::Forward(_) = shard.handle_datagram(now, *port, *src, pkt) {
                forwarded += 1;
            }
            if i % 64 == 0 {
                shard.handle_timeout(now);
                shard.end_batch();
                while mb.pop_event().is_some() {}
            }
        }
        forwarded
    };
    // Warm up (first packets, latching, event queue growth), then measure.
    run(&mut shard, &mut stream.clone(), t0);
    COUNTING.store(true, Ordering::SeqCst);
    let forwarded = run(&mut shard, &mut stream, t0 + Duration::from_secs(10));
    COUNTING.store(false, Ordering::SeqCst);
    assert!(forwarded > 600, "the stream must really flow: {forwarded}");
    assert_eq!(
        ALLOCS.load(Ordering::SeqCst),
        0,
        "allocations on the per-packet path"
    );
}
