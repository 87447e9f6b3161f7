//! Truncated and garbage datagrams, wrong versions, lying length fields,
//! packets to unallocated ports and spoofed sources: dropped, counted by
//! reason, and the neighbouring call keeps flowing.

mod common;

use std::time::Duration;

use common::*;
use relay_ctl::DropReason;

#[test]
fn malformed_packets_are_counted_by_reason_and_calls_continue() {
    for backend in backends() {
        let mut relay = start(backend, 21500);
        let h = &mut relay.shards()[0];
        let (a, b, evil) = (udp(), udp(), udp());
        let mut sa = strict_leg(addr(&a));
        sa.remote = Some(addr(&evil)); // the hostile endpoint is the leg's own remote
        let (la, pa) = add_ready(h, sa);
        let (lb, _) = add_ready(h, strict_leg(addr(&b)));
        bridge(h, la, lb);

        let good = rtp(0, 1, 0, 7);
        let mut bad_version = good.clone();
        bad_version[0] = 0xC0; // version 3: outside every RFC 7983 range
        let mut csrc_past_end = good[..16].to_vec();
        csrc_past_end[0] = 0x8F; // 15 CSRCs in a 16-byte packet
        let mut ext_past_end = good[..20].to_vec();
        ext_past_end[0] = 0x90;
        ext_past_end[12..16].copy_from_slice(&[0xBE, 0xDE, 0x00, 0x40]);
        let mut padding_lies = good.clone();
        padding_lies[0] = 0xA0;
        *padding_lies.last_mut().unwrap() = 250;
        let mut rtcp_lies = rtcp_sr(7, 0);
        rtcp_lies[3] = 40;
        let cases: Vec<(Vec<u8>, DropReason)> = vec![
            (vec![], DropReason::Unclassified),
            (vec![0x80], DropReason::Truncated),
            (good[..11].to_vec(), DropReason::Truncated),
            (vec![0xff; 50], DropReason::Unclassified),
            (bad_version, DropReason::Unclassified),
            (csrc_past_end, DropReason::BadLength),
            (ext_past_end, DropReason::BadExtension),
            (padding_lies, DropReason::BadPadding),
            (rtcp_lies, DropReason::BadRtcp),
            (
                vec![0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42],
                DropReason::BadStun,
            ),
        ];
        for (pkt, _) in &cases {
            evil.send_to(pkt, relay_addr(pa)).unwrap();
        }
        // An unallocated port of the shard's range.
        evil.send_to(&good, relay_addr(pa + 100))
            .unwrap_or_default();
        a.send_to(&good, relay_addr(pa)).unwrap(); // the real A, not the leg's remote: spoofed
        assert_silent(&b, Duration::from_millis(150));

        let c = h.counters();
        let mut expected = [0u64; DropReason::COUNT];
        for (_, r) in &cases {
            expected[r.index()] += 1;
        }
        expected[DropReason::WrongSource.index()] += 1;
        assert!(
            eventually(|| c.drops_total() == cases.len() as u64 + 1),
            "{backend:?}: {:?}",
            c.drops_by_reason().collect::<Vec<_>>()
        );
        for r in DropReason::ALL {
            assert_eq!(
                c.drop(r).get(),
                expected[r.index()],
                "{backend:?}: {}",
                r.as_str()
            );
        }
        // The call is undisturbed.
        evil.send_to(&good, relay_addr(pa)).unwrap();
        assert_eq!(recv(&b).expect("valid packet after the garbage").0, good);
        relay.shutdown().unwrap();
    }
}
