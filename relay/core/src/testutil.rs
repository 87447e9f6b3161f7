//! Helpers shared by the unit tests.

/// Fills `buf` from a xorshift64 generator seeded with `x`; returns the new state
/// (tests use it for lengths and choices too).
pub(crate) fn fill(mut x: u64, buf: &mut [u8]) -> u64 {
    for b in buf.iter_mut() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
    x
}

/// Bytes from hex text; whitespace is ignored (test vectors are copied in groups).
pub(crate) fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}
