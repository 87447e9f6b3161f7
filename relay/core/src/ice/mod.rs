//! ICE (RFC 8445) for the WebRTC leg: STUN short-term credential checks
//! and Binding messages for connectivity checks and consent (RFC 7675).
//!
//! Status (issue 4): message integrity and fingerprint, the Binding
//! writer, and the agent (paced checks, regular nomination, role
//! conflicts, consent). Not yet wired into the shard's legs, and not yet
//! run against an independent peer (aiortc).

mod agent;
mod message;

pub use agent::{Credentials, IceAgent, IceEvent, Role};
pub use message::{verify_fingerprint, verify_integrity, StunWriter, WriteError};
