//! Entry points for the fuzzers in `fuzz/` (one-line targets call these).

use std::cell::RefCell;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use relay_ctl::{
    Command, Latch, LegId, LegSpec, Mailbox, Mode, NoWake, PayloadTypes, PortRange, ShardId,
};

use crate::{IoRequest, Shard};

thread_local! {
    static SHARD: RefCell<Option<(Shard, Instant)>> = const { RefCell::new(None) };
}

fn build() -> (Shard, Instant) {
    let mb = Arc::new(Mailbox::new(
        ShardId(0),
        PortRange::new(20000, 20016),
        64,
        Arc::new(NoWake),
    ));
    let mut s = Shard::new(mb);
    let now = Instant::now();
    let modes = [
        (Mode::Forward, Latch::Strict, false),
        (
            Mode::Rewrite {
                ssrc: Some(7),
                clock_rate: 8000,
            },
            Latch::Learn {
                relearn_after_silence: Some(Duration::from_millis(5)),
            },
            false,
        ),
        (
            Mode::Forward,
            Latch::Learn {
                relearn_after_silence: None,
            },
            true,
        ),
        (Mode::Drop, Latch::Strict, true),
    ];
    for (i, (mode, latch, mux)) in modes.into_iter().enumerate() {
        let port = 20000 + 2 * i as u16;
        let mut spec = LegSpec::new(port);
        spec.remote = Some(SocketAddr::from(([127, 0, 0, 1], 4000 + i as u16)));
        spec.latch = latch;
        spec.mode = mode;
        spec.rtcp_mux = mux;
        spec.payload_types = PayloadTypes::from_list(&[0, 8, 101]);
        s.handle_command(
            now,
            Command::AddLeg {
                leg: LegId::new(2 * i as u32, 1),
                spec,
            },
        );
    }
    s.handle_command(
        now,
        Command::Bridge {
            a: LegId::new(0, 1),
            b: LegId::new(2, 1),
        },
    );
    s.handle_command(
        now,
        Command::Bridge {
            a: LegId::new(4, 1),
            b: LegId::new(6, 1),
        },
    );
    while let Some(r) = s.poll_io() {
        if let IoRequest::Open { port, .. } = r {
            s.handle_io_result(port, Ok(()));
        }
    }
    (s, now)
}

/// Feeds one datagram to a shard with four legs (strict, learning with
/// rewrite, muxed, dropping). Byte 0 picks the local port, byte 1 the
/// source, byte 2 advances the clock; the rest is the datagram.
#[doc(hidden)]
pub fn fuzz_shard(data: &[u8]) {
    let [port, src, tick, rest @ ..] = data else {
        return;
    };
    SHARD.with(|cell| {
        let mut cell = cell.borrow_mut();
        let (shard, now) = cell.get_or_insert_with(build);
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
