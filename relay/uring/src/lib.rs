//! relay-uring: the shard runtime of the callbridge relay.
//!
//! One thread per shard, pinned to a core, owning its sockets, its receive
//! buffers and a [`relay_core::Shard`]. Two backends run the same shard:
//! io_uring (multishot `recvmsg` into a provided-buffer ring, batched
//! `sendmsg` submissions from the receive buffer itself, eventfd wake-ups)
//! and epoll with `recvmmsg`/`sendmmsg`. [`BackendChoice::Auto`] probes
//! io_uring by really receiving a datagram through it and falls back to
//! epoll with a logged reason.
//!
//! This crate is the only place in the workspace that imports io_uring,
//! and (with relay-codec) the only relay crate with `unsafe`: every block
//! carries a `SAFETY:` comment.

mod addr;
mod config;
mod epoll;
mod pin;
mod relay;
mod sockets;
mod uring;
mod waker;

pub use config::{Backend, BackendChoice, RelayConfig};
pub use relay::{probe_uring, Relay, RelayError};
