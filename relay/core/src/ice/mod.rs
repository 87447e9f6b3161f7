//! ICE (RFC 8445) for the WebRTC leg: STUN short-term credential checks
//! and Binding messages for connectivity checks and consent (RFC 7675).
//!
//! Status (issue 4): message integrity, fingerprint and the Binding
//! request/response writer. The agent (checks, nomination, consent timers)
//! is still to come.

mod message;

pub use message::{verify_fingerprint, verify_integrity, StunWriter, WriteError};
