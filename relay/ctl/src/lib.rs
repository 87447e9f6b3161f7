//! relay-ctl: the vocabulary signaling and the relay shards share.
//!
//! It holds the flow-rule types ([`LegSpec`], [`Mode`], [`Latch`]), the
//! [`Command`]s signaling sends to a shard and the [`Event`]s a shard sends
//! back, the per-shard [`Mailbox`] (two bounded lock-free queues and the
//! counters), the per-shard [`PortAllocator`] and the hot-path
//! [`DropReason`].
//!
//! It never touches a socket, a clock or a thread: the runtime
//! (`relay-uring`) supplies the wake-up mechanism through [`Wake`].
#![forbid(unsafe_code)]

mod command;
mod counters;
mod drop_reason;
mod event;
mod ids;
mod mailbox;
mod ports;
mod rule;

pub use command::Command;
pub use counters::{Counter, LegCounters, ShardCounters};
pub use drop_reason::DropReason;
pub use event::{Event, LegError};
pub use ids::{LegId, ShardId};
pub use mailbox::{Mailbox, NoWake, SendError, ShardHandle, Wake};
pub use ports::{PortAllocator, PortError, PortRange};
pub use rule::{Latch, LegSpec, Mode, PayloadTypes, SrtpKeys, SrtpProfile};
