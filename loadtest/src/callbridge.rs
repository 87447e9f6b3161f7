//! callbridge's relay, embedded: one shard pinned to the relay core.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use relay_ctl::{Command, Event, Latch, LegSpec, PayloadTypes, PortRange, SendError};
use relay_uring::{BackendChoice, Relay, RelayConfig};

use crate::blaster::Blaster;
use crate::subject::Subject;
use crate::sys::thread_cpu;

pub(crate) struct Callbridge {
    relay: Option<Relay>,
    tid: i32,
}

impl Callbridge {
    pub(crate) fn start(core: usize, backend: BackendChoice) -> anyhow::Result<Self> {
        let cfg = RelayConfig {
            shards: 1,
            cores: vec![core],
            port_range: PortRange::new(20000, 30000),
            bind_addr: "127.0.0.1".parse()?,
            backend,
            socket_buffer: 4 << 20,
            ..RelayConfig::default()
        };
        let relay = Relay::start(cfg).context("starting callbridge's relay")?;
        let tid = relay.thread_ids()[0];
        eprintln!("callbridge relay backend: {}", relay.backend().as_str());
        Ok(Self {
            relay: Some(relay),
            tid,
        })
    }
}

impl Subject for Callbridge {
    fn name(&self) -> &'static str {
        "callbridge"
    }

    fn setup(&mut self, b: &Blaster) -> anyhow::Result<Vec<(SocketAddr, SocketAddr)>> {
        let relay = self.relay.as_mut().context("relay stopped")?;
        let h = &mut relay.shards()[0];
        let mut dsts = Vec::with_capacity(b.flows());
        let mut pending = 0usize;
        let deadline = Instant::now() + Duration::from_secs(30);
        let drain = |h: &mut relay_ctl::ShardHandle, pending: &mut usize| -> anyhow::Result<()> {
            while let Some(ev) = h.poll_event() {
                match ev {
                    Event::LegReady { .. } | Event::Bridged { .. } => *pending -= 1,
                    Event::LegFailed { leg, error } => bail!("{leg}: {error}"),
                    _ => {}
                }
            }
            Ok(())
        };
        for f in 0..b.flows() {
            let mut ports = [0u16; 2];
            let mut legs = Vec::with_capacity(2);
            for (dir, port_slot) in ports.iter_mut().enumerate() {
                let mut spec = LegSpec::new(0);
                spec.remote = Some(b.addr(f, dir));
                spec.latch = Latch::Strict;
                spec.rtcp_mux = true;
                spec.payload_types = PayloadTypes::from_list(&[0]);
                spec.media_timeout = Duration::from_secs(3600);
                loop {
                    match h.add_leg(spec) {
                        Ok((leg, port)) => {
                            *port_slot = port;
                            legs.push(leg);
                            break;
                        }
                        Err(SendError::Full(_)) => {
                            drain(h, &mut pending)?;
                            std::thread::sleep(Duration::from_micros(200));
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
                pending += 1;
            }
            while h
                .send(Command::Bridge {
                    a: legs[0],
                    b: legs[1],
                })
                .is_err()
            {
                drain(h, &mut pending)?;
                std::thread::sleep(Duration::from_micros(200));
            }
            pending += 1;
            dsts.push((
                SocketAddr::from(([127, 0, 0, 1], ports[0])),
                SocketAddr::from(([127, 0, 0, 1], ports[1])),
            ));
        }
        while pending > 0 {
            drain(h, &mut pending)?;
            if Instant::now() > deadline {
                bail!("{pending} legs/bridges not confirmed after 30 s");
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        Ok(dsts)
    }

    fn cpu(&self) -> Duration {
        thread_cpu(self.tid)
    }

    fn stop(mut self: Box<Self>) -> anyhow::Result<()> {
        if let Some(r) = self.relay.as_mut() {
            let c = r.shards()[0].counters();
            eprintln!(
                "  callbridge shard: rx={} tx={} batches={} drops={} buffer_starvation={}",
                c.rx_packets.get(),
                c.tx_packets.get(),
                c.batches.get(),
                c.drops_total(),
                c.buffer_starvation.get()
            );
        }
        if let Some(r) = self.relay.take() {
            r.shutdown()?;
        }
        Ok(())
    }
}
