#![no_main]
// RTCP in-place rewrite: never panics on any bytes; on a valid compound it visits exactly the
// fields the accessors report, keeps the compound valid and agrees with the typed setters.
libfuzzer_sys::fuzz_target!(|data: &[u8]| relay_core::wire::fuzz_rtcp_rewrite(data));
