#![no_main]
// The RFC 7983 demultiplexer and every packet view: all accessors and iterators of whatever
// view accepts the bytes, with consistency checks.
libfuzzer_sys::fuzz_target!(|data: &[u8]| relay_core::wire::fuzz_parse(data));
