//! Starting and stopping the shards.

use relay_ctl::ShardHandle;

use crate::{Backend, RelayConfig};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RelayError {
    #[error("invalid relay configuration: {0}")]
    Config(String),
    #[error("io_uring backend unavailable: {0}")]
    UringUnavailable(String),
    #[error("shard {shard}: {source}")]
    Io { shard: usize, source: std::io::Error },
}

/// A running relay: its shard threads and the handles that control them.
pub struct Relay {
    handles: Vec<ShardHandle>,
    backend: Backend,
}

impl Relay {
    /// Starts `cfg.shards` pinned shard threads.
    pub fn start(cfg: RelayConfig) -> Result<Self, RelayError> {
        let _ = cfg;
        Err(RelayError::Config("not implemented yet".into()))
    }

    /// The backend the shards run.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// One handle per shard, in shard order.
    pub fn shards(&mut self) -> &mut [ShardHandle] {
        &mut self.handles
    }

    /// Kernel thread ids of the shard threads (for CPU accounting in /proc).
    pub fn thread_ids(&self) -> Vec<i32> {
        Vec::new()
    }

    /// Stops every shard and joins its thread.
    pub fn shutdown(self) -> Result<(), RelayError> {
        Ok(())
    }
}
