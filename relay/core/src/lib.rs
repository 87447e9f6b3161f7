//! relay-core: the sans-IO media plane of callbridge.
//!
//! It holds the packet views ([`wire`]), the flow table with latching and
//! rewrite ([`flow`]), and the [`Shard`] state machine that decides, per
//! datagram, whether to forward it (rewritten in place, from which local
//! port, to which remote) or drop it and why.
//!
//! It never opens a socket, reads a clock, spawns a thread or allocates
//! per packet: the runtime (`relay-uring`) owns the sockets and the ring,
//! passes `now` into every entry point and drains the outputs in the order
//! written on [`Shard`].
#![forbid(unsafe_code)]

pub mod flow;
pub mod ice;
mod shard;
pub mod srtp;
pub mod wire;

pub use shard::{memory_per_flow, memory_per_port, IoRequest, Shard, Transmit, Verdict};
mod fuzz;
#[doc(hidden)]
pub mod testkit;
#[cfg(test)]
mod testutil;

#[doc(hidden)]
pub use fuzz::fuzz_shard;
