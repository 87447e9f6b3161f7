#![no_main]
// The whole per-datagram path of a shard with bridged legs in every mode.
libfuzzer_sys::fuzz_target!(|data: &[u8]| relay_core::fuzz_shard(data));
