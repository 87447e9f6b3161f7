//! The shard's forward path, per batch of 64 datagrams, without sockets:
//! classify, parse, source check, latch, rewrite in place and route.
//! Ids: `forward/batch/<mode>/64`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use relay_core::{IoRequest, Shard, Verdict};
use relay_ctl::{
    Command, Latch, LegId, LegSpec, Mailbox, Mode, NoWake, PayloadTypes, PortRange, ShardId,
};

const BATCH: usize = 64;

fn shard_with_bridge(mode: Mode) -> (Shard, u16, SocketAddr) {
    let mb = Arc::new(Mailbox::new(
        ShardId(0),
        PortRange::new(20000, 20100),
        64,
        Arc::new(NoWake),
    ));
    let mut shard = Shard::new(mb);
    let now = Instant::now();
    let a: SocketAddr = "127.0.0.1:4000".parse().unwrap();
    let b: SocketAddr = "127.0.0.1:5000".parse().unwrap();
    let mut sa = LegSpec::new(20000);
    sa.remote = Some(a);
    sa.latch = Latch::Strict;
    sa.payload_types = PayloadTypes::from_list(&[0, 101]);
    sa.mode = mode;
    let mut sb = LegSpec::new(20002);
    sb.remote = Some(b);
    sb.latch = Latch::Learn {
        relearn_after_silence: None,
    };
    let (la, lb) = (LegId::new(0, 1), LegId::new(2, 1));
    shard.handle_command(now, Command::AddLeg { leg: la, spec: sa });
    shard.handle_command(now, Command::AddLeg { leg: lb, spec: sb });
    shard.handle_command(now, Command::Bridge { a: la, b: lb });
    while let Some(req) = shard.poll_io() {
        if let IoRequest::Open { port, .. } = req {
            shard.handle_io_result(port, Ok(()));
        }
    }
    (shard, 20000, a)
}

fn batch() -> Vec<[u8; 172]> {
    (0..BATCH)
        .map(|i| {
            let mut p = [0xd5u8; 172];
            p[0] = 0x80;
            p[1] = 0;
            p[2..4].copy_from_slice(&(i as u16).to_be_bytes());
            p[4..8].copy_from_slice(&(160 * i as u32).to_be_bytes());
            p[8..12].copy_from_slice(&0x1234u32.to_be_bytes());
            p
        })
        .collect()
}

fn forward(c: &mut Criterion) {
    let mut g = c.benchmark_group("forward");
    g.throughput(Throughput::Elements(BATCH as u64));
    for (name, mode, from_right_source) in [
        ("plain", Mode::Forward, true),
        (
            "rewrite",
            Mode::Rewrite {
                ssrc: Some(0xC0FFEE),
                clock_rate: 8000,
            },
            true,
        ),
        ("drop_wrong_source", Mode::Forward, false),
    ] {
        let (mut shard, port, src) = shard_with_bridge(mode);
        let src = if from_right_source {
            src
        } else {
            "127.0.0.1:6666".parse().unwrap()
        };
        let mut bufs = batch();
        let now = Instant::now();
        g.bench_function(format!("batch/{name}/{BATCH}"), |bench| {
            bench.iter(|| {
                let mut sent = 0usize;
                for p in bufs.iter_mut() {
                    if let Verdict::Forward(t) = shard.handle_datagram(now, port, src, &mut p[..]) {
                        sent += t.len;
                    }
                }
                black_box(sent)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, forward);
criterion_main!(benches);
