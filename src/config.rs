//! The TOML configuration file and its mapping onto the crates' configs.
//!
//! Only the `[relay]` section is consumed so far; the other sections of the
//! design (`[http]`, `[whatsapp]`, `[sip]`, `[policy]`, `[records]`,
//! `[metrics]`) arrive with their issues. Unknown keys are rejected so a
//! typo is an error, not a silently ignored setting.

use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context};
use relay_ctl::PortRange;
use relay_uring::{BackendChoice, RelayConfig};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Config {
    #[serde(default)]
    pub(crate) relay: RelaySection,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct RelaySection {
    /// Number of shards; 0 = one per available core.
    pub(crate) shards: usize,
    /// Cores to pin the shards to (empty: no pinning).
    pub(crate) cores: Vec<usize>,
    /// "START-END" (END exclusive).
    pub(crate) port_range: String,
    /// Address media sockets bind to.
    pub(crate) bind_address: IpAddr,
    /// Address written into SDP (defaults to bind_address).
    pub(crate) advertised_address: Option<IpAddr>,
    /// auto | uring | epoll
    pub(crate) backend: String,
    /// Seconds without media before a leg reports a timeout.
    pub(crate) media_timeout: u64,
    pub(crate) queue_capacity: usize,
    pub(crate) ring_entries: u32,
    pub(crate) buffers: u16,
    pub(crate) buffer_size: u32,
    pub(crate) socket_buffer: usize,
}

impl Default for RelaySection {
    fn default() -> Self {
        let d = RelayConfig::default();
        Self {
            shards: 1,
            cores: Vec::new(),
            port_range: format!("{}-{}", d.port_range.start, d.port_range.end),
            bind_address: d.bind_addr,
            advertised_address: None,
            backend: "auto".into(),
            media_timeout: 60,
            queue_capacity: d.queue_capacity,
            ring_entries: d.ring_entries,
            buffers: d.buffers,
            buffer_size: d.buffer_size,
            socket_buffer: d.socket_buffer,
        }
    }
}

impl Config {
    pub(crate) fn load(path: &Path) -> anyhow::Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("in {}", path.display()))
    }

    pub(crate) fn parse(text: &str) -> anyhow::Result<Self> {
        let cfg: Self = toml::from_str(text)?;
        cfg.relay.to_relay_config()?;
        Ok(cfg)
    }
}

impl RelaySection {
    pub(crate) fn media_timeout(&self) -> Duration {
        Duration::from_secs(self.media_timeout.max(1))
    }

    pub(crate) fn to_relay_config(&self) -> anyhow::Result<RelayConfig> {
        let (start, end) = self
            .port_range
            .split_once('-')
            .with_context(|| format!("relay.port_range {:?} is not START-END", self.port_range))?;
        let start: u16 = start.trim().parse().context("relay.port_range start")?;
        let end: u16 = end.trim().parse().context("relay.port_range end")?;
        if start >= end || start < 1024 {
            bail!("relay.port_range {start}-{end} must be ascending and above 1023");
        }
        let backend = match self.backend.as_str() {
            "auto" => BackendChoice::Auto,
            "uring" | "io_uring" => BackendChoice::Uring,
            "epoll" => BackendChoice::Epoll,
            other => bail!("relay.backend {other:?} is not auto, uring or epoll"),
        };
        let shards = if self.shards == 0 {
            std::thread::available_parallelism().map_or(1, usize::from)
        } else {
            self.shards
        };
        if !self.cores.is_empty() && self.cores.len() < shards {
            bail!(
                "relay.cores lists {} core(s) for {shards} shard(s)",
                self.cores.len()
            );
        }
        if !self.buffers.is_power_of_two() {
            bail!("relay.buffers ({}) must be a power of two", self.buffers);
        }
        let port_range = PortRange::new(start, end);
        port_range
            .split(shards)
            .map_err(|e| anyhow::anyhow!("relay.port_range: {e}"))?;
        Ok(RelayConfig {
            shards,
            cores: self.cores.clone(),
            port_range,
            bind_addr: self.bind_address,
            backend,
            queue_capacity: self.queue_capacity.max(16),
            ring_entries: self.ring_entries.max(64),
            buffers: self.buffers,
            buffer_size: self.buffer_size.clamp(512, 65536),
            socket_buffer: self.socket_buffer,
            ..RelayConfig::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        let c = Config::parse("").unwrap();
        let r = c.relay.to_relay_config().unwrap();
        assert_eq!(r.shards, 1);
        assert_eq!(r.backend, BackendChoice::Auto);
    }

    #[test]
    fn bad_values_are_clear_errors() {
        for (text, needle) in [
            ("[relay]\nport_range = \"40000-30000\"", "ascending"),
            ("[relay]\nport_range = \"x\"", "START-END"),
            ("[relay]\nbackend = \"dpdk\"", "auto, uring or epoll"),
            ("[relay]\nbuffers = 1000", "power of two"),
            ("[relay]\nshards = 2\ncores = [1]", "core(s)"),
            ("[relay]\nshardz = 2", "unknown field"),
        ] {
            let err = format!("{:#}", Config::parse(text).unwrap_err());
            assert!(err.contains(needle), "{text:?}: {err}");
        }
    }
}
