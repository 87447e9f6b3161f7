//! `callbridge demo`: a local relay with a built-in RTP sender and sink.
//!
//! Sets up `flows` bridged call legs on a real relay shard (io_uring or
//! epoll), sends 20 ms PCMU packets both ways through it from loopback
//! sockets, injects a little hostile traffic (a spoofed source and a
//! garbage datagram each second), and prints what arrived, how late, and
//! what the relay counted. Later issues grow this into a whole
//! WhatsApp-to-SIP call.

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use relay_ctl::{Command, DropReason, Event, Latch, LegId, LegSpec, PayloadTypes, ShardHandle};
use relay_uring::{Relay, RelayConfig};

const PTIME: Duration = Duration::from_millis(20);
const PAYLOAD: usize = 160;

pub(crate) struct DemoArgs {
    pub(crate) flows: usize,
    pub(crate) seconds: u64,
    pub(crate) relay: RelayConfig,
}

struct Side {
    sock: UdpSocket,
    relay_port: u16,
    seq: u16,
    ts: u32,
    ssrc: u32,
    /// Send time of each sequence number, for latency.
    sent_at: Vec<Option<Instant>>,
}

pub(crate) fn run(args: DemoArgs) -> anyhow::Result<()> {
    let mut relay = Relay::start(args.relay.clone()).context("starting the relay")?;
    let backend = relay.backend().as_str();
    println!(
        "relay: backend={} shards={} ports={}-{}",
        relay.backend().as_str(),
        args.relay.shards,
        args.relay.port_range.start,
        args.relay.port_range.end
    );
    let ip = args.relay.bind_addr;
    let mut sides: Vec<[Side; 2]> = Vec::new();
    let mut legs = Vec::new();
    {
        let h = &mut relay.shards()[0];
        for f in 0..args.flows {
            let a = UdpSocket::bind(SocketAddr::new(ip, 0))?;
            let b = UdpSocket::bind(SocketAddr::new(ip, 0))?;
            let (la, pa) = h.add_leg(spec(a.local_addr()?))?;
            let (lb, pb) = h.add_leg(spec(b.local_addr()?))?;
            h.send(Command::Bridge { a: la, b: lb })?;
            legs.push((la, lb));
            let side = |sock: UdpSocket, relay_port, ssrc| -> anyhow::Result<Side> {
                sock.set_nonblocking(true)?;
                Ok(Side {
                    sock,
                    relay_port,
                    seq: 0,
                    ts: 0,
                    ssrc,
                    sent_at: vec![None; 65536],
                })
            };
            sides.push([
                side(a, pa, 0x1000 + f as u32)?,
                side(b, pb, 0x2000 + f as u32)?,
            ]);
        }
        wait_ready(h, 2 * args.flows)?;
    }
    println!(
        "set up {} bridged flows ({} legs); sending 20 ms PCMU both ways for {} s",
        args.flows,
        2 * args.flows,
        args.seconds
    );

    let intruder = UdpSocket::bind(SocketAddr::new(ip, 0))?;
    let mut lat_us: Vec<u64> = Vec::new();
    let (mut sent, mut received) = (0u64, 0u64);
    let start = Instant::now();
    let end = start + Duration::from_secs(args.seconds);
    let mut next = start;
    let mut next_hostile = start;
    let mut buf = [0u8; 2048];
    let mut pkt = [0u8; 12 + PAYLOAD];
    while Instant::now() < end + Duration::from_millis(200) {
        let now = Instant::now();
        if now >= next && now < end {
            for flow in &mut sides {
                for s in flow.iter_mut() {
                    write_rtp(&mut pkt, s.seq, s.ts, s.ssrc);
                    s.sent_at[usize::from(s.seq)] = Some(Instant::now());
                    s.sock.send_to(&pkt, SocketAddr::new(ip, s.relay_port))?;
                    s.seq = s.seq.wrapping_add(1);
                    s.ts = s.ts.wrapping_add(PAYLOAD as u32);
                    sent += 1;
                }
            }
            next += PTIME;
        }
        if now >= next_hostile && now < end {
            // A spoofed source on a live leg, and garbage: both must be dropped and counted.
            let target = SocketAddr::new(ip, sides[0][0].relay_port);
            write_rtp(&mut pkt, 1, 1, 0xBAD);
            intruder.send_to(&pkt, target)?;
            intruder.send_to(&[0xff, 0x00, 0x01], target)?;
            next_hostile += Duration::from_secs(1);
        }
        for flow in &mut sides {
            for k in 0..2 {
                loop {
                    let n = match flow[k].sock.recv(&mut buf) {
                        Ok(n) => n,
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                        Err(e) => return Err(e.into()),
                    };
                    if n < 12 {
                        continue;
                    }
                    received += 1;
                    // What side k receives was sent by the other side.
                    let seq = u16::from_be_bytes([buf[2], buf[3]]);
                    if let Some(t) = flow[1 - k].sent_at[usize::from(seq)].take() {
                        lat_us.push(t.elapsed().as_micros() as u64);
                    }
                }
            }
        }
        std::thread::sleep(Duration::from_micros(500));
    }

    let h = &mut relay.shards()[0];
    while h.poll_event().is_some() {}
    let c = h.counters();
    lat_us.sort_unstable();
    let pct = |p: f64| {
        lat_us
            .get(((lat_us.len() as f64 * p) as usize).min(lat_us.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0)
    };
    let loss = if sent == 0 {
        0.0
    } else {
        100.0 * sent.saturating_sub(received) as f64 / sent as f64
    };
    println!(
        "relay counters: rx={} tx={} batches={} drops={}",
        c.rx_packets.get(),
        c.tx_packets.get(),
        c.batches.get(),
        c.drops_total()
    );
    for (reason, n) in c.drops_by_reason().filter(|&(_, n)| n > 0) {
        println!("  dropped {n:>6} {}", reason.as_str());
    }
    for (i, (la, lb)) in legs.iter().enumerate().take(2) {
        let (a, b) = (
            c.leg(la.slot).context("leg counters")?,
            c.leg(lb.slot).context("leg counters")?,
        );
        println!(
            "  flow {i}: leg {la} rx={} tx={} | leg {lb} rx={} tx={}",
            a.rx_packets.get(),
            a.tx_packets.get(),
            b.rx_packets.get(),
            b.tx_packets.get()
        );
    }
    let spoofed = c.drop(DropReason::WrongSource).get();
    println!(
        "demo: backend={} flows={} sent={sent} received={received} loss={loss:.3}% latency_p50_us={} latency_p99_us={} latency_max_us={} dropped_spoofed={spoofed} dropped_garbage={}",
        backend, args.flows, pct(0.50), pct(0.99), lat_us.last().copied().unwrap_or(0),
        c.drop(DropReason::Unclassified).get() + c.drop(DropReason::Truncated).get()
    );
    let ok = received > 0 && loss < 1.0 && spoofed > 0;
    for (la, lb) in legs {
        let h = &mut relay.shards()[0];
        h.remove_leg(la)?;
        h.remove_leg(lb)?;
    }
    relay.shutdown()?;
    if !ok {
        bail!("demo failed: media did not flow through the relay as expected");
    }
    Ok(())
}

fn spec(remote: SocketAddr) -> LegSpec {
    let mut s = LegSpec::new(0);
    s.remote = Some(remote);
    s.latch = Latch::Strict;
    s.payload_types = PayloadTypes::from_list(&[0, 8, 101]);
    s
}

fn write_rtp(pkt: &mut [u8; 12 + PAYLOAD], seq: u16, ts: u32, ssrc: u32) {
    pkt[0] = 0x80;
    pkt[1] = 0; // PCMU
    pkt[2..4].copy_from_slice(&seq.to_be_bytes());
    pkt[4..8].copy_from_slice(&ts.to_be_bytes());
    pkt[8..12].copy_from_slice(&ssrc.to_be_bytes());
    pkt[12..].fill(0xff); // mu-law silence
}

/// Waits until `n` legs reported ready.
pub(crate) fn wait_ready(h: &mut ShardHandle, n: usize) -> anyhow::Result<Vec<LegId>> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut ready = Vec::new();
    while ready.len() < n {
        match h.poll_event() {
            Some(Event::LegReady { leg, .. }) => ready.push(leg),
            Some(Event::LegFailed { leg, error }) => bail!("{leg} failed: {error}"),
            Some(_) => {}
            None if Instant::now() > deadline => {
                bail!("only {} of {n} legs ready after 10 s", ready.len())
            }
            None => std::thread::sleep(Duration::from_millis(1)),
        }
    }
    Ok(ready)
}
