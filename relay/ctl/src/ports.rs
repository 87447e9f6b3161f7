//! Per-shard port allocation.
//!
//! The configured range is cut into one disjoint, even-aligned slice per
//! shard. Inside a slice a leg takes either an even RTP port plus the odd
//! RTCP port above it, or (rtcp-mux) a single port. Allocation walks a
//! bitmap from a rotating cursor so a just-freed port is not handed out
//! again at once (late packets of the old call then hit a closed port).

use crate::LegId;

/// A half-open port range `[start, end)`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct PortRange {
    pub start: u16,
    pub end: u16,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PortError {
    #[error("port range {start}..{end} is empty or too small for {shards} shard(s)")]
    RangeTooSmall { start: u16, end: u16, shards: usize },
    #[error("no free {kind} left in this shard's port slice")]
    Exhausted { kind: &'static str },
    #[error("leg {0} does not hold ports here (stale or never allocated)")]
    NotAllocated(LegId),
}

impl PortRange {
    pub fn new(start: u16, end: u16) -> Self {
        Self { start, end }
    }

    pub fn len(&self) -> usize {
        usize::from(self.end.saturating_sub(self.start))
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn contains(&self, port: u16) -> bool {
        port >= self.start && port < self.end
    }

    /// Cuts the range into `shards` disjoint slices, each starting on an
    /// even port and holding an even number of ports.
    pub fn split(&self, shards: usize) -> Result<Vec<Self>, PortError> {
        let too_small = PortError::RangeTooSmall {
            start: self.start,
            end: self.end,
            shards,
        };
        let start = self.start + (self.start & 1);
        let len = usize::from(self.end.saturating_sub(start)) & !1;
        if shards == 0 || len / shards < 2 {
            return Err(too_small);
        }
        let per = (len / shards) & !1;
        Ok((0..shards)
            .map(|i| {
                // Fits: start + per * shards <= end, which is a u16.
                let s = start as usize + i * per;
                Self::new(s as u16, (s + per) as u16)
            })
            .collect())
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum SlotUse {
    Free,
    Mux,
    Pair,
    PairRtcp,
}

/// Allocates legs (ports and generations) inside one shard's slice.
#[derive(Debug)]
pub struct PortAllocator {
    slice: PortRange,
    slots: Vec<SlotUse>,
    gens: Vec<u32>,
    cursor: usize,
    in_use: usize,
}

impl PortAllocator {
    pub fn new(slice: PortRange) -> Self {
        let n = slice.len();
        Self {
            slice,
            slots: vec![SlotUse::Free; n],
            gens: vec![0; n],
            cursor: 0,
            in_use: 0,
        }
    }

    pub fn slice(&self) -> PortRange {
        self.slice
    }

    /// Ports currently allocated.
    pub fn in_use(&self) -> usize {
        self.in_use
    }

    /// Allocates a leg: one port with `rtcp_mux`, else an even/odd pair.
    /// Returns the leg id and its (RTP) port.
    pub fn allocate(&mut self, rtcp_mux: bool) -> Result<(LegId, u16), PortError> {
        let n = self.slots.len();
        // The slice starts even, so even offsets are even ports.
        let step = if rtcp_mux { 1 } else { 2 };
        let first = if rtcp_mux {
            self.cursor
        } else {
            self.cursor & !1
        };
        let mut off = first;
        for _ in 0..n.div_ceil(step) {
            if off >= n {
                off = 0;
            }
            let free = if rtcp_mux {
                self.slots[off] == SlotUse::Free
            } else {
                off + 1 < n
                    && self.slots[off] == SlotUse::Free
                    && self.slots[off + 1] == SlotUse::Free
            };
            if free {
                if rtcp_mux {
                    self.slots[off] = SlotUse::Mux;
                } else {
                    self.slots[off] = SlotUse::Pair;
                    self.slots[off + 1] = SlotUse::PairRtcp;
                }
                self.in_use += step;
                self.gens[off] = self.gens[off].wrapping_add(1);
                self.cursor = (off + step) % n;
                let leg = LegId::new(off as u32, self.gens[off]);
                return Ok((leg, self.slice.start + off as u16));
            }
            off += step;
        }
        Err(PortError::Exhausted {
            kind: if rtcp_mux {
                "port"
            } else {
                "even/odd port pair"
            },
        })
    }

    /// Frees the ports of `leg`. A stale or unknown id is an error and frees nothing.
    pub fn release(&mut self, leg: LegId) -> Result<(), PortError> {
        let off = leg.slot as usize;
        let live = off < self.slots.len()
            && self.gens[off] == leg.gen
            && matches!(self.slots[off], SlotUse::Mux | SlotUse::Pair);
        if !live {
            return Err(PortError::NotAllocated(leg));
        }
        if self.slots[off] == SlotUse::Pair {
            self.slots[off + 1] = SlotUse::Free;
            self.in_use -= 1;
        }
        self.slots[off] = SlotUse::Free;
        self.in_use -= 1;
        Ok(())
    }

    /// The port of a live leg.
    pub fn port_of(&self, leg: LegId) -> Option<u16> {
        let off = leg.slot as usize;
        (off < self.slots.len()
            && self.gens[off] == leg.gen
            && matches!(self.slots[off], SlotUse::Mux | SlotUse::Pair))
        .then(|| self.slice.start + off as u16)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_is_disjoint_and_even() {
        let slices = PortRange::new(30001, 30101).split(3).unwrap();
        assert_eq!(slices.len(), 3);
        for w in slices.windows(2) {
            assert!(w[0].end <= w[1].start);
        }
        for s in &slices {
            assert_eq!(s.start % 2, 0);
            assert_eq!(s.len() % 2, 0);
            assert!(s.start >= 30001 && s.end <= 30101);
        }
        assert!(PortRange::new(30000, 30002).split(2).is_err());
        assert!(PortRange::new(30000, 30100).split(0).is_err());
    }

    #[test]
    fn pairs_are_even_odd_and_exhaust_cleanly() {
        let mut a = PortAllocator::new(PortRange::new(40000, 40006));
        let mut got = Vec::new();
        for _ in 0..3 {
            let (leg, port) = a.allocate(false).unwrap();
            assert_eq!(port % 2, 0);
            got.push(leg);
        }
        assert_eq!(
            a.allocate(false),
            Err(PortError::Exhausted {
                kind: "even/odd port pair"
            })
        );
        assert_eq!(
            a.allocate(true).unwrap_err(),
            PortError::Exhausted { kind: "port" }
        );
        a.release(got[1]).unwrap();
        assert_eq!(a.release(got[1]), Err(PortError::NotAllocated(got[1])));
        let (leg, port) = a.allocate(false).unwrap();
        assert_eq!(port, 40002);
        assert_ne!(leg.gen, got[1].gen, "a reused slot gets a new generation");
    }

    #[test]
    fn mux_legs_use_single_ports_and_leave_pairs_when_possible() {
        let mut a = PortAllocator::new(PortRange::new(50000, 50004));
        let (_m1, p1) = a.allocate(true).unwrap();
        let (_m2, p2) = a.allocate(true).unwrap();
        assert_ne!(p1, p2);
        assert_eq!(a.in_use(), 2);
        let (_p, pp) = a.allocate(false).unwrap();
        assert_eq!(pp, 50002);
        assert!(a.allocate(true).is_err());
        assert_eq!(a.in_use(), 4);
    }

    #[test]
    fn stale_generation_is_rejected() {
        let mut a = PortAllocator::new(PortRange::new(50000, 50002));
        let (leg, _) = a.allocate(true).unwrap();
        a.release(leg).unwrap();
        let stale = leg;
        let (_fresh, _) = a.allocate(true).unwrap();
        assert!(a.port_of(stale).is_none());
        assert!(a.release(stale).is_err());
    }
}
