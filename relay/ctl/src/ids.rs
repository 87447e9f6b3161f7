//! Identifiers: shards are numbered, legs are a slot plus a generation.

use std::fmt;

/// Index of a relay shard (one pinned thread).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ShardId(pub u16);

/// A leg of a shard: `slot` is the offset of the leg's RTP port inside the
/// shard's port slice (so it indexes the shard's tables directly), and
/// `gen` changes every time the slot is handed out again, so a stale
/// command can never touch a leg that reused the slot.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct LegId {
    pub slot: u32,
    pub gen: u32,
}

impl LegId {
    pub const fn new(slot: u32, gen: u32) -> Self {
        Self { slot, gen }
    }
}

impl fmt::Display for LegId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "leg{}.{}", self.slot, self.gen)
    }
}
