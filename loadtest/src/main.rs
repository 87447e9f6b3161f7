//! callbridge-loadtest: RTP load against callbridge's relay, rtpengine and
//! a kernel-baseline forwarder, and the side-by-side comparison.

mod baseline;
mod blaster;
mod callbridge;
mod compare;
mod rtpengine;
mod subject;
mod sys;

use std::net::IpAddr;
use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand, ValueEnum};
use relay_uring::BackendChoice;

use crate::blaster::Blaster;
use crate::subject::Subject;

#[derive(Parser)]
#[command(
    name = "callbridge-loadtest",
    about = "RTP load and relay comparison (loopback only)"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Copy, Clone, Debug, ValueEnum)]
enum Which {
    Callbridge,
    Rtpengine,
    Recvmmsg,
    Direct,
}

#[derive(Copy, Clone, Debug, ValueEnum)]
enum Backend {
    Auto,
    Uring,
    Epoll,
}

impl From<Backend> for BackendChoice {
    fn from(b: Backend) -> Self {
        match b {
            Backend::Auto => Self::Auto,
            Backend::Uring => Self::Uring,
            Backend::Epoll => Self::Epoll,
        }
    }
}

#[derive(clap::Args, Clone)]
struct Common {
    /// Bridged flows (two legs each).
    #[arg(long, default_value_t = 500)]
    flows: usize,
    #[arg(long, default_value_t = 1)]
    relay_core: usize,
    #[arg(long, default_value_t = 0)]
    blast_core: usize,
    #[arg(long, value_enum, default_value_t = Backend::Auto)]
    backend: Backend,
    /// Blaster sockets per side.
    #[arg(long, default_value_t = 8)]
    sockets: usize,
    /// rtpengine config file.
    #[arg(long, default_value = "loadtest/rtpengine/bench.conf")]
    rtpengine_conf: PathBuf,
}

#[derive(Subcommand)]
enum Cmd {
    /// One paced step through one relay.
    Blast {
        #[arg(long, value_enum)]
        relay: Which,
        #[arg(long, default_value_t = 50.0)]
        pps_per_leg: f64,
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
        #[command(flatten)]
        common: Common,
    },
    /// The full comparison; the last line is the `relay-compare:` summary.
    Compare {
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
        /// First per-leg rate of the search (doubles until loss).
        #[arg(long, default_value_t = 100.0)]
        start_pps_per_leg: f64,
        #[arg(long, default_value_t = 8)]
        max_steps: usize,
        #[arg(long, default_value = "loadtest/results")]
        out: PathBuf,
        #[arg(long, default_value = "unknown")]
        rev: String,
        #[arg(long, default_value = "")]
        stamp: String,
        #[command(flatten)]
        common: Common,
    },
}

/// The blaster's own address: 127.0.0.2, so its ports never collide with the relays' on 127.0.0.1.
fn blast_ip() -> IpAddr {
    IpAddr::from([127, 0, 0, 2])
}

fn subject(which: Which, c: &Common) -> anyhow::Result<Box<dyn Subject>> {
    Ok(match which {
        Which::Callbridge => Box::new(callbridge::Callbridge::start(
            c.relay_core,
            c.backend.into(),
        )?),
        Which::Rtpengine => Box::new(rtpengine::Rtpengine::start(
            c.relay_core,
            c.rtpengine_conf.clone(),
        )?),
        Which::Recvmmsg => Box::new(baseline::Baseline::new(c.relay_core)),
        Which::Direct => Box::new(subject::Direct),
    })
}

fn prepare(which: Which, c: &Common) -> anyhow::Result<(Box<dyn Subject>, Blaster)> {
    let mut s = subject(which, c)?;
    let mut b = Blaster::new(c.flows, c.sockets, blast_ip())?;
    let dsts = s
        .setup(&b)
        .with_context(|| format!("setting up {} flows on {}", c.flows, s.name()))?;
    b.set_destinations(&dsts);
    Ok((s, b))
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().cmd {
        Cmd::Blast {
            relay,
            pps_per_leg,
            seconds,
            common,
        } => {
            anyhow::ensure!(
                seconds > 0.0 && seconds <= 600.0,
                "--seconds must be in (0, 600]"
            );
            sys::pin(common.blast_core)?;
            let (s, mut b) = prepare(relay, &common)?;
            let _ = b.run(50.0, 1.0);
            let st = compare::step(s.as_ref(), &mut b, pps_per_leg, seconds);
            println!(
                "blast: relay={} flows={} pps_per_leg={pps_per_leg} offered_pps={:.0} delivered_pps={:.0} loss={:.4}% reordered={} p50_us={:.1} p99_us={:.1} p999_us={:.1} relay_cpu={:.1}% cpu_us_per_pkt={:.2}",
                s.name(), common.flows, st.r.offered_pps, st.r.delivered_pps, st.r.loss_pct, st.r.reordered,
                st.r.lat_p50_us, st.r.lat_p99_us, st.r.lat_p999_us, 100.0 * st.cpu_frac, st.cpu_us_per_packet()
            );
            s.stop()
        }
        Cmd::Compare {
            seconds,
            start_pps_per_leg,
            max_steps,
            out,
            rev,
            stamp,
            common,
        } => {
            anyhow::ensure!(
                seconds > 0.0 && seconds <= 120.0,
                "--seconds must be in (0, 120]"
            );
            if common.relay_core == common.blast_core {
                bail!("--relay-core and --blast-core must differ");
            }
            sys::pin(common.blast_core)?;
            let mut outcomes = Vec::new();
            let mut backend = "?";
            for which in [Which::Recvmmsg, Which::Callbridge, Which::Rtpengine] {
                if let Which::Callbridge = which {
                    backend = match (common.backend, relay_uring::probe_uring()) {
                        (Backend::Epoll, _) | (_, Err(_)) => "epoll",
                        _ => "io_uring",
                    };
                }
                let name = match which {
                    Which::Callbridge => "callbridge",
                    Which::Rtpengine => "rtpengine",
                    Which::Recvmmsg => "recvmmsg",
                    Which::Direct => "direct",
                };
                let mut make = || prepare(which, &common);
                outcomes.push(compare::search(
                    name,
                    &mut make,
                    seconds,
                    start_pps_per_leg,
                    max_steps,
                )?);
            }
            // The latency floor: blaster to sink with no relay, at callbridge's half-load rate.
            let half_rate = outcomes
                .iter()
                .find(|o| o.name == "callbridge")
                .and_then(|o| o.half.as_ref())
                .map(|h| h.pps_per_leg);
            let direct_half = match half_rate {
                Some(r) => {
                    eprintln!("== direct (no relay), latency floor");
                    let mut make = || prepare(Which::Direct, &common);
                    Some(compare::fresh_step(&mut make, r, seconds)?)
                }
                None => None,
            };
            let report = compare::Report {
                machine: sys::machine_line(),
                rev,
                stamp: if stamp.is_empty() {
                    format!(
                        "{}",
                        std::time::SystemTime::now()
                            .duration_since(std::time::UNIX_EPOCH)?
                            .as_secs()
                    )
                } else {
                    stamp
                },
                flows: common.flows,
                secs: seconds,
                relay_core: common.relay_core,
                blast_core: common.blast_core,
                backend,
                outcomes,
                direct_half,
                memory_per_flow: relay_core::memory_per_flow(true) + 2 * 16,
            };
            let md = report.markdown();
            std::fs::create_dir_all(&out)?;
            let path = out.join(format!("relay-compare-{}.md", report.stamp));
            std::fs::write(&path, &md).with_context(|| format!("writing {}", path.display()))?;
            println!("{md}");
            println!("report: {}", path.display());
            println!("{}", report.final_line());
            Ok(())
        }
    }
}
