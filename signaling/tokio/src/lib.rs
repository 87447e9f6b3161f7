//! signaling-tokio: the runtime edge of callbridge signaling.
//!
//! It will hold the HTTP server (webhooks, health, metrics), the Graph API
//! client, the SIP transports and the link to the relay shards
//! (`relay_ctl::ShardHandle`). It is the only signaling crate that imports
//! tokio.
//!
//! Status: skeleton until issues 6 and 7.
#![forbid(unsafe_code)]
