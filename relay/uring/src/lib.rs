//! relay-uring: the shard runtime of the callbridge relay.
//!
//! One thread per shard, pinned to a core, owning its sockets, its receive
//! buffers and a [`relay_core::Shard`]. Two backends run the same shard:
//! io_uring (multishot `recvmsg` into a provided-buffer ring, batched
//! `sendmsg` submissions, eventfd wake-ups) and epoll with
//! `recvmmsg`/`sendmmsg`. `Backend::Auto` probes io_uring and falls back
//! to epoll with a logged reason.
//!
//! This crate is the only place in the workspace that imports io_uring.

mod config;
mod relay;

pub use config::{Backend, BackendChoice, RelayConfig};
pub use relay::{Relay, RelayError};
