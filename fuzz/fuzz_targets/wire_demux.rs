#![no_main]
// Every packet view, the RFC 7983 demultiplexer and the RTCP in-place rewrite.
libfuzzer_sys::fuzz_target!(|data: &[u8]| relay_core::wire::fuzz_parse(data));
