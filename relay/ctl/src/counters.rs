//! Counters the shard writes and anyone may read while it runs.
//!
//! Each counter has exactly one writer (its shard thread), so an increment
//! is a relaxed load and store: no locked instruction, no contention.
//! Readers see a value that is at most one batch old.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use crate::DropReason;

/// A single-writer monotonic counter.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    /// Adds `n`. Only the owning shard may call this (single writer).
    #[inline]
    pub fn add(&self, n: u64) {
        self.0.store(self.0.load(Relaxed).wrapping_add(n), Relaxed);
    }

    #[inline]
    pub fn incr(&self) {
        self.add(1);
    }

    #[inline]
    pub fn get(&self) -> u64 {
        self.0.load(Relaxed)
    }

    /// Sets a gauge. Only the owning shard may call this (single writer).
    #[inline]
    pub fn set(&self, v: u64) {
        self.0.store(v, Relaxed);
    }

    /// Resets to zero; the shard does this when a slot gets a new leg.
    pub fn reset(&self) {
        self.0.store(0, Relaxed);
    }
}

fn drop_array() -> [Counter; DropReason::COUNT] {
    std::array::from_fn(|_| Counter::default())
}

/// Per-leg counters, indexed by the leg's slot.
#[derive(Debug)]
pub struct LegCounters {
    pub rx_packets: Counter,
    pub rx_bytes: Counter,
    pub tx_packets: Counter,
    pub tx_bytes: Counter,
    pub rtcp_rx_packets: Counter,
    pub rtcp_tx_packets: Counter,
    pub stun_rx_packets: Counter,
    pub relatches: Counter,
    drops: [Counter; DropReason::COUNT],
}

impl Default for LegCounters {
    fn default() -> Self {
        Self {
            rx_packets: Counter::default(),
            rx_bytes: Counter::default(),
            tx_packets: Counter::default(),
            tx_bytes: Counter::default(),
            rtcp_rx_packets: Counter::default(),
            rtcp_tx_packets: Counter::default(),
            stun_rx_packets: Counter::default(),
            relatches: Counter::default(),
            drops: drop_array(),
        }
    }
}

impl LegCounters {
    #[inline]
    pub fn drop(&self, reason: DropReason) -> &Counter {
        &self.drops[reason.index()]
    }

    pub fn drops_total(&self) -> u64 {
        self.drops.iter().map(Counter::get).sum()
    }

    pub fn reset(&self) {
        for c in [
            &self.rx_packets,
            &self.rx_bytes,
            &self.tx_packets,
            &self.tx_bytes,
            &self.rtcp_rx_packets,
            &self.rtcp_tx_packets,
            &self.stun_rx_packets,
            &self.relatches,
        ] {
            c.reset();
        }
        self.drops.iter().for_each(Counter::reset);
    }
}

/// Per-shard totals plus the per-leg table.
#[derive(Debug)]
pub struct ShardCounters {
    pub rx_packets: Counter,
    pub rx_bytes: Counter,
    pub tx_packets: Counter,
    pub tx_bytes: Counter,
    /// Receive batches processed (packets / batches = mean batch size).
    pub batches: Counter,
    pub commands: Counter,
    pub rejected_commands: Counter,
    /// Events the shard could not queue because signaling was not reading.
    pub events_lost: Counter,
    /// Receive buffers exhausted (the kernel dropped or re-armed receives).
    pub buffer_starvation: Counter,
    pub legs_active: Counter,
    drops: [Counter; DropReason::COUNT],
    legs: Box<[LegCounters]>,
}

impl ShardCounters {
    /// Counters for a shard whose port slice holds `slots` ports.
    pub fn new(slots: usize) -> Self {
        Self {
            rx_packets: Counter::default(),
            rx_bytes: Counter::default(),
            tx_packets: Counter::default(),
            tx_bytes: Counter::default(),
            batches: Counter::default(),
            commands: Counter::default(),
            rejected_commands: Counter::default(),
            events_lost: Counter::default(),
            buffer_starvation: Counter::default(),
            legs_active: Counter::default(),
            drops: drop_array(),
            legs: (0..slots).map(|_| LegCounters::default()).collect(),
        }
    }

    #[inline]
    pub fn drop(&self, reason: DropReason) -> &Counter {
        &self.drops[reason.index()]
    }

    pub fn drops_total(&self) -> u64 {
        self.drops.iter().map(Counter::get).sum()
    }

    /// Drop counts by reason, for metrics export.
    pub fn drops_by_reason(&self) -> impl Iterator<Item = (DropReason, u64)> + '_ {
        DropReason::ALL
            .iter()
            .map(|&r| (r, self.drops[r.index()].get()))
    }

    /// The counters of the leg in `slot`, if the slot exists.
    #[inline]
    pub fn leg(&self, slot: u32) -> Option<&LegCounters> {
        self.legs.get(slot as usize)
    }

    pub fn slots(&self) -> usize {
        self.legs.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_add_and_reset() {
        let s = ShardCounters::new(4);
        s.drop(DropReason::WrongSource).incr();
        s.drop(DropReason::WrongSource).add(2);
        assert_eq!(s.drops_total(), 3);
        let l = s.leg(3).unwrap();
        l.rx_packets.add(5);
        l.drop(DropReason::Truncated).incr();
        assert_eq!(l.drops_total(), 1);
        l.reset();
        assert_eq!(l.rx_packets.get(), 0);
        assert_eq!(l.drops_total(), 0);
        assert!(s.leg(4).is_none());
    }
}
