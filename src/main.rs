//! callbridge: the WhatsApp-to-SIP voice gateway binary. Wiring only: the
//! CLI, the configuration file, and starting the relay shards.

mod config;
mod demo;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use relay_uring::Relay;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "callbridge", version, about = "WhatsApp-to-SIP voice gateway")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the gateway with a configuration file.
    Run {
        #[arg(long)]
        config: PathBuf,
        /// Print relay counters every N seconds (0 = never).
        #[arg(long, default_value_t = 10)]
        stats_every: u64,
    },
    /// Run a complete local demo on an embedded default (no outside accounts).
    Demo {
        #[arg(long, default_value_t = 4)]
        flows: usize,
        #[arg(long, default_value_t = 5)]
        seconds: u64,
        /// auto | uring | epoll
        #[arg(long, default_value = "auto")]
        backend: String,
    },
    /// Validate a configuration file and print what it would do.
    CheckConfig { file: PathBuf },
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().cmd {
        Cmd::Run {
            config,
            stats_every,
        } => run(&config, stats_every),
        Cmd::Demo {
            flows,
            seconds,
            backend,
        } => {
            let text = format!("[relay]\nport_range = \"30000-30400\"\nbackend = \"{backend}\"\n");
            let relay = config::Config::parse(&text)?.relay.to_relay_config()?;
            demo::run(demo::DemoArgs {
                flows: flows.clamp(1, 100),
                seconds: seconds.clamp(1, 600),
                relay,
            })
        }
        Cmd::CheckConfig { file } => {
            let cfg = config::Config::load(&file)?;
            let relay = cfg.relay.to_relay_config()?;
            let slices = relay
                .port_range
                .split(relay.shards)
                .map_err(|e| anyhow::anyhow!(e))?;
            println!("config ok: {}", file.display());
            println!(
                "relay: backend={:?} shards={} bind={} media_timeout={:?}",
                relay.backend,
                relay.shards,
                relay.bind_addr,
                cfg.relay.media_timeout()
            );
            for (i, s) in slices.iter().enumerate() {
                let core = relay
                    .cores
                    .get(i)
                    .map_or("unpinned".to_string(), |c| format!("core {c}"));
                println!(
                    "  shard {i}: ports {}-{} ({} legs with RTCP pairs, {} with rtcp-mux), {core}",
                    s.start,
                    s.end,
                    s.len() / 2,
                    s.len()
                );
            }
            let host_cores = std::thread::available_parallelism().map_or(0, usize::from);
            for c in relay.cores.iter().filter(|&&c| c >= host_cores) {
                println!("warning: core {c} does not exist on this host ({host_cores} cores): that shard would run unpinned");
            }
            match relay_uring::probe_uring() {
                Ok(()) => println!("io_uring: available on this host"),
                Err(reason) => {
                    println!("io_uring: unavailable here ({reason}); auto would use epoll")
                }
            }
            Ok(())
        }
    }
}

fn run(path: &std::path::Path, stats_every: u64) -> anyhow::Result<()> {
    let cfg = config::Config::load(path)?;
    let mut relay = Relay::start(cfg.relay.to_relay_config()?).context("starting the relay")?;
    tracing::info!(
        backend = relay.backend().as_str(),
        "callbridge running; signaling arrives with the SIP and WhatsApp legs"
    );
    let term = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(sig, term.clone())?;
    }
    let mut last = std::time::Instant::now();
    while !term.load(std::sync::atomic::Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(100));
        for h in relay.shards() {
            let shard = h.shard().0;
            while let Some(ev) = h.poll_event() {
                log_event(shard, ev);
            }
        }
        if stats_every > 0 && last.elapsed() >= Duration::from_secs(stats_every) {
            last = std::time::Instant::now();
            for h in relay.shards() {
                let c = h.counters();
                tracing::info!(
                    shard = h.shard().0,
                    rx = c.rx_packets.get(),
                    tx = c.tx_packets.get(),
                    drops = c.drops_total(),
                    legs = c.legs_active.get(),
                    "relay counters"
                );
            }
        }
        if !relay.is_alive() {
            anyhow::bail!("a relay shard stopped unexpectedly");
        }
    }
    tracing::info!("shutting down");
    relay.shutdown()?;
    Ok(())
}

/// Relay events worth an operator's attention; the rest are debug.
fn log_event(shard: u16, ev: relay_ctl::Event) {
    use relay_ctl::Event;
    match ev {
        Event::Relatched { leg, from, to } => {
            tracing::warn!(shard, %leg, %from, %to, "media source moved (re-latched after silence)")
        }
        Event::Latched { leg, addr } => tracing::info!(shard, %leg, %addr, "media source latched"),
        Event::MediaTimeout { leg, idle } => tracing::warn!(shard, %leg, ?idle, "media timeout"),
        Event::LegFailed { leg, error } => {
            tracing::warn!(shard, %leg, %error, "relay command failed")
        }
        other => tracing::debug!(shard, event = ?other, "relay event"),
    }
}
