//! The per-packet path (`Shard::handle_datagram`) allocates nothing: a
//! counting global allocator watches a mixed stream of good, hostile and
//! malformed packets through bridged legs in every mode after warm-up.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use relay_core::{Shard, Verdict};

struct Counting;

// Per thread: tests run in parallel, and only the measuring thread counts.
thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

fn count_alloc() {
    let _ = COUNTING.try_with(|c| {
        if c.get() {
            let _ = ALLOCS.try_with(|a| a.set(a.get() + 1));
        }
    });
}

fn counting(on: bool) {
    COUNTING.with(|c| c.set(on));
}

fn allocs() -> usize {
    ALLOCS.with(Cell::get)
}

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        count_alloc();
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        count_alloc();
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
    counting(true);
    let forwarded = run(&mut shard, &mut stream, t0 + Duration::from_secs(10));
    counting(false);
    assert!(forwarded > 600, "the stream must really flow: {forwarded}");
    assert_eq!(allocs(), 0, "allocations on the per-packet path");
}

#[test]
fn srtp_legs_allocate_nothing_per_packet() {
    use relay_core::srtp::{Profile, SrtpContext};
    use relay_core::IoRequest;
    use relay_ctl::{
        Command, Latch, LegId, LegSpec, Mailbox, NoWake, PortRange, ShardId, SrtpKeys, SrtpProfile,
    };
    use std::sync::Arc;

    let mb = Arc::new(Mailbox::new(
        ShardId(0),
        PortRange::new(20000, 20010),
        16,
        Arc::new(NoWake),
    ));
    let mut shard = Shard::new(mb.clone());
    let t0 = Instant::now();
    let (rx, tx) = ([1u8; 30], [2u8; 30]);
    let mut sa = LegSpec::new(20000);
    sa.remote = Some(a(4000));
    sa.latch = Latch::Strict;
    sa.rtcp_mux = true;
    sa.srtp = Some(SrtpKeys {
        profile: SrtpProfile::Aes128CmSha1_80,
        rx,
        tx,
    });
    let mut sb = LegSpec::new(20002);
    sb.remote = Some(a(5000));
    sb.latch = Latch::Strict;
    sb.rtcp_mux = true;
    shard.handle_command(
        t0,
        Command::AddLeg {
            leg: LegId::new(0, 1),
            spec: sa,
        },
    );
    shard.handle_command(
        t0,
        Command::AddLeg {
            leg: LegId::new(2, 1),
            spec: sb,
        },
    );
    shard.handle_command(
        t0,
        Command::Bridge {
            a: LegId::new(0, 1),
            b: LegId::new(2, 1),
        },
    );
    while let Some(r) = shard.poll_io() {
        if let IoRequest::Open { port, .. } = r {
            shard.handle_io_result(port, Ok(()));
        }
    }
    let mut endpoint = SrtpContext::new(Profile::Aes128CmSha1_80, &[1; 16], &[1; 14]);
    // Sealed packets from A and plain ones from B, each in a buffer with room for a trailer.
    let mut from_a: Vec<([u8; 256], usize)> = Vec::new();
    let mut from_b: Vec<([u8; 256], usize)> = Vec::new();
    for seq in 0..400u16 {
        let mut buf = [0u8; 256];
        let p = rtp(0, seq, 1);
        buf[..172].copy_from_slice(&p);
        let n = endpoint.protect_rtp(&mut buf, 172).unwrap();
        from_a.push((buf, n));
        let mut plain = [0u8; 256];
        plain[..172].copy_from_slice(&rtp(0, seq, 2));
        from_b.push((plain, 172));
    }
    let mut forwarded = 0;
    let mut feed = |shard: &mut Shard, range: std::ops::Range<usize>| {
        for i in range {
            let now = t0 + Duration::from_millis(i as u64);
            let (buf, n) = &mut from_a[i];
            if let Verdict::Forward(_) = shard.handle_datagram_in(now, 20000, a(4000), buf, *n) {
                forwarded += 1;
            }
            let (buf, n) = &mut from_b[i];
            if let Verdict::Forward(t) = shard.handle_datagram_in(now, 20002, a(5000), buf, *n) {
                assert_eq!(t.len, 182, "protected toward the SRTP leg");
                forwarded += 1;
            }
        }
        shard.end_batch();
        while mb.pop_event().is_some() {}
    };
    feed(&mut shard, 0..100);
    counting(true);
    let before = allocs();
    feed(&mut shard, 100..400);
    let allocs = allocs() - before;
    counting(false);
    assert_eq!(forwarded, 800, "every packet crossed the bridge");
    assert_eq!(allocs, 0, "allocations on the SRTP path");
}
