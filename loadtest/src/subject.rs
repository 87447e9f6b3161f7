//! What the blaster drives: one of the relays under comparison.

use std::net::SocketAddr;
use std::time::Duration;

use crate::blaster::Blaster;

pub(crate) trait Subject {
    fn name(&self) -> &'static str;
    /// Installs one bridged call per blaster flow; returns, per flow, where
    /// the A side sends and where the B side sends.
    fn setup(&mut self, b: &Blaster) -> anyhow::Result<Vec<(SocketAddr, SocketAddr)>>;
    /// CPU time the relay consumed so far (its pinned thread or process).
    fn cpu(&self) -> Duration;
    /// Removes the calls and stops the relay.
    fn stop(self: Box<Self>) -> anyhow::Result<()>;
}

/// No relay: each side sends straight to the other (the latency floor).
pub(crate) struct Direct;

impl Subject for Direct {
    fn name(&self) -> &'static str {
        "direct"
    }

    fn setup(&mut self, b: &Blaster) -> anyhow::Result<Vec<(SocketAddr, SocketAddr)>> {
        Ok((0..b.flows())
            .map(|f| (b.addr(f, 1), b.addr(f, 0)))
            .collect())
    }

    fn cpu(&self) -> Duration {
        Duration::ZERO
    }

    fn stop(self: Box<Self>) -> anyhow::Result<()> {
        Ok(())
    }
}
