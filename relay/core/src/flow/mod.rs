//! Flow rules at run time: the legs of a shard, how they latch onto their
//! remote, and how a stream is rewritten on its way across a bridge.

pub(crate) mod latch;
pub(crate) mod leg;
pub(crate) mod rewrite;

pub use latch::LatchOutcome;
pub use rewrite::Rewriter;
