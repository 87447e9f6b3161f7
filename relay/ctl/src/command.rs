//! Commands from signaling to one shard, applied between receive batches.

use crate::{LegId, LegSpec};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Open the leg's socket(s) and install its rule.
    AddLeg { leg: LegId, spec: LegSpec },
    /// Replace the rule of an installed leg (re-INVITE: new remote, codecs, mode).
    /// The local port cannot change; a latched address is kept unless the
    /// configured remote changed.
    UpdateLeg { leg: LegId, spec: LegSpec },
    /// Remove the leg (unbridging it) and close its socket(s).
    RemoveLeg { leg: LegId },
    /// Join two legs: what one receives is sent out of the other.
    Bridge { a: LegId, b: LegId },
    /// Separate a leg from whatever it is bridged to.
    Unbridge { leg: LegId },
    /// Stop the shard after closing every leg.
    Shutdown,
}
