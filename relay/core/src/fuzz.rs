//! Entry points for the fuzzers in `fuzz/` (one-line targets call these).

use std::cell::RefCell;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::Shard;

thread_local! {
    static SHARD: RefCell<Option<(Shard, Instant)>> = const { RefCell::new(None) };
}

/// Feeds one datagram to [`crate::testkit::bridged_shard`]. Byte 0 picks the local port, byte 1 the
/// source, byte 2 advances the clock; the rest is the datagram.
#[doc(hidden)]
pub fn fuzz_shard(data: &[u8]) {
    let [port, src, tick, rest @ ..] = data else {
        return;
    };
    SHARD.with(|cell| {
        let mut cell = cell.borrow_mut();
        let (shard, now) = cell.get_or_insert_with(|| {
            let now = Instant::now();
            (crate::testkit::bridged_shard(now), now)
        });
        *now += Duration::from_millis(u64::from(*tick));
        let port = 20000 + u16::from(*port % 18);
        let src = SocketAddr::from(([127, 0, 0, 1 + (src >> 6)], 4000 + u16::from(src & 0x3f)));
        let mut buf = [0u8; 1500];
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        let _ = shard.handle_datagram(*now, port, src, &mut buf[..n]);
        shard.handle_timeout(*now);
        while shard.mailbox().pop_event().is_some() {}
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn fuzz_shard_survives_noise() {
        let mut x = 0x0123_4567_89ab_cdefu64;
        for _ in 0..20_000 {
            let mut buf = [0u8; 80];
            x = crate::testutil::fill(x, &mut buf);
            buf[3] = [0x80, 0x81, 0x00, 0x16][(x >> 40) as usize & 3];
            buf[4] = [0, 8, 200, 201][(x >> 50) as usize & 3];
            super::fuzz_shard(&buf[..(x as usize) % 81]);
        }
    }
}
