//! signaling-core: the sans-IO control plane of callbridge.
//!
//! It will hold the SIP message, transaction and dialog layers, SDP
//! offer/answer, the WhatsApp Cloud API calling model and webhook signature
//! check, the call engine and policy. Like every `-core` crate it never
//! opens a socket, reads a clock or spawns a task: every entry point takes
//! `now`, inputs are `handle_*` and outputs are `poll_*`.
//!
//! Status: skeleton. The SIP leg (issue 6) and the WhatsApp leg with the
//! call engine (issue 7) land here.
#![forbid(unsafe_code)]
