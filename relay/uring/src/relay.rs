//! Starting and stopping the shards.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use relay_core::Shard;
use relay_ctl::{Command, Event, Mailbox, NoWake, ShardHandle, ShardId, Wake};
use tracing::{info, warn};

use crate::waker::EventFd;
use crate::{pin, Backend, BackendChoice, RelayConfig};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RelayError {
    #[error("invalid relay configuration: {0}")]
    Config(String),
    #[error("io_uring backend unavailable: {0}")]
    UringUnavailable(String),
    #[error("shard {shard}: {source}")]
    Io {
        shard: usize,
        source: std::io::Error,
    },
    #[error("shard {0} did not stop in time")]
    StopTimeout(usize),
    #[error("shard {0} thread panicked")]
    Panicked(usize),
}

/// Whether the io_uring backend works here; `Err` carries the reason.
pub fn probe_uring() -> Result<(), String> {
    crate::uring::probe()
}

struct ShardThread {
    join: JoinHandle<Result<(), std::io::Error>>,
    tid: i32,
}

/// A running relay: its shard threads and the handles that control them.
pub struct Relay {
    handles: Vec<ShardHandle>,
    threads: Vec<ShardThread>,
    backend: Backend,
}

impl std::fmt::Debug for Relay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Relay")
            .field("backend", &self.backend)
            .field("shards", &self.handles.len())
            .finish()
    }
}

impl Relay {
    /// Starts `cfg.shards` shard threads, each pinned to `cfg.cores[i]` if given.
    pub fn start(cfg: RelayConfig) -> Result<Self, RelayError> {
        Self::start_with_event_waker(cfg, Arc::new(NoWake))
    }

    /// Like [`Relay::start`], with a waker signaling uses to learn that a
    /// shard queued events.
    pub fn start_with_event_waker(
        cfg: RelayConfig,
        event_waker: Arc<dyn Wake>,
    ) -> Result<Self, RelayError> {
        if cfg.shards == 0 {
            return Err(RelayError::Config("at least one shard is needed".into()));
        }
        if !cfg.cores.is_empty() && cfg.cores.len() < cfg.shards {
            return Err(RelayError::Config(format!(
                "{} shard(s) but only {} core(s) listed",
                cfg.shards,
                cfg.cores.len()
            )));
        }
        if !cfg.buffers.is_power_of_two() {
            return Err(RelayError::Config(format!(
                "buffers ({}) must be a power of two",
                cfg.buffers
            )));
        }
        let slices = cfg
            .port_range
            .split(cfg.shards)
            .map_err(|e| RelayError::Config(e.to_string()))?;
        let backend = match cfg.backend {
            BackendChoice::Epoll => Backend::Epoll,
            BackendChoice::Uring => {
                probe_uring().map_err(RelayError::UringUnavailable)?;
                Backend::Uring
            }
            BackendChoice::Auto => match probe_uring() {
                Ok(()) => Backend::Uring,
                Err(reason) => {
                    warn!(%reason, "io_uring unavailable, using the epoll backend");
                    Backend::Epoll
                }
            },
        };
        info!(
            backend = backend.as_str(),
            shards = cfg.shards,
            "starting relay"
        );
        let cfg = Arc::new(cfg);
        let mut handles = Vec::with_capacity(cfg.shards);
        let mut threads = Vec::with_capacity(cfg.shards);
        for (i, slice) in slices.into_iter().enumerate() {
            let wake =
                Arc::new(EventFd::new().map_err(|source| RelayError::Io { shard: i, source })?);
            let mailbox = Arc::new(Mailbox::new(
                ShardId(i as u16),
                slice,
                cfg.queue_capacity,
                event_waker.clone(),
            ));
            let (tid_tx, tid_rx) = std::sync::mpsc::channel();
            let core = cfg.cores.get(i).copied();
            let thread_cfg = cfg.clone();
            let thread_wake = wake.clone();
            let shard = Shard::new(mailbox.clone());
            let join = std::thread::Builder::new()
                .name(format!("relay-shard-{i}"))
                .spawn(move || {
                    if let Some(core) = core {
                        if let Err(e) = pin::pin_current_thread(core) {
                            warn!(shard = i, core, error = %e, "cannot pin shard thread");
                        }
                    }
                    let _ = tid_tx.send(pin::current_tid());
                    let r = match backend {
                        Backend::Uring => crate::uring::run(shard, &thread_cfg, &thread_wake),
                        Backend::Epoll => crate::epoll::run(shard, &thread_cfg, &thread_wake),
                    };
                    if let Err(e) = &r {
                        tracing::error!(shard = i, error = %e, "shard stopped with an error");
                    }
                    r
                })
                .map_err(|source| RelayError::Io { shard: i, source })?;
            let tid = tid_rx.recv_timeout(Duration::from_secs(5)).unwrap_or(0);
            handles.push(ShardHandle::new(mailbox, wake));
            threads.push(ShardThread { join, tid });
        }
        Ok(Self {
            handles,
            threads,
            backend,
        })
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
        self.threads.iter().map(|t| t.tid).collect()
    }

    /// Whether every shard thread is still running.
    pub fn is_alive(&self) -> bool {
        self.threads.iter().all(|t| !t.join.is_finished())
    }

    /// Stops every shard (removing its legs) and joins its thread.
    pub fn shutdown(self) -> Result<(), RelayError> {
        for (i, h) in self.handles.iter().enumerate() {
            // A full queue is retried: shutdown must get through.
            let deadline = Instant::now() + Duration::from_secs(5);
            while h.send(Command::Shutdown).is_err() {
                while h.poll_event().is_some() {}
                if Instant::now() > deadline || self.threads[i].join.is_finished() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        let mut first_err = None;
        for (i, t) in self.threads.into_iter().enumerate() {
            let deadline = Instant::now() + Duration::from_secs(5);
            while !t.join.is_finished() {
                if Instant::now() > deadline {
                    first_err.get_or_insert(RelayError::StopTimeout(i));
                    break;
                }
                while self.handles[i]
                    .poll_event()
                    .is_some_and(|e| e != Event::Stopped)
                {}
                std::thread::sleep(Duration::from_millis(1));
            }
            if t.join.is_finished() {
                match t.join.join() {
                    Ok(Ok(())) => {}
                    Ok(Err(source)) => {
                        first_err.get_or_insert(RelayError::Io { shard: i, source });
                    }
                    Err(_) => {
                        first_err.get_or_insert(RelayError::Panicked(i));
                    }
                }
            }
        }
        first_err.map_or(Ok(()), Err)
    }
}
