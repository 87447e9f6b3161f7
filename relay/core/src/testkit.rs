//! A shard with legs in every mode, for the fuzzers, the allocation test
//! and benches: not part of the API (hidden from the docs).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use relay_ctl::{
    Command, Latch, LegId, LegSpec, Mailbox, Mode, NoWake, PayloadTypes, PortRange, ShardId,
};

use crate::{IoRequest, Shard};

/// Port slice of the shard: 20000..20100.
pub const SLICE: PortRange = PortRange {
    start: 20000,
    end: 20100,
};

/// Four legs on 20000, 20002, 20004 and 20006, each expecting media from
/// 127.0.0.1:(4000 + i), with payload types 0, 8 and 101:
/// - 20000 strict, forward; RTCP on 20001
/// - 20002 learning (re-learn after 50 ms of silence), rewrite to SSRC 9; RTCP on 20003
/// - 20004 learning (locked), forward, rtcp-mux
/// - 20006 strict, drop, rtcp-mux
///
/// 20000 is bridged to 20002, 20004 to 20006; every socket is reported open.
pub fn bridged_shard(now: Instant) -> Shard {
    let mut s = Shard::new(Arc::new(Mailbox::new(
        ShardId(0),
        SLICE,
        64,
        Arc::new(NoWake),
    )));
    let legs = [
        (Mode::Forward, Latch::Strict, false),
        (
            Mode::Rewrite {
                ssrc: Some(9),
                clock_rate: 8000,
            },
            Latch::Learn {
                relearn_after_silence: Some(Duration::from_millis(50)),
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
    for (i, (mode, latch, mux)) in legs.into_iter().enumerate() {
        let port = SLICE.start + 2 * i as u16;
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
    s
}
