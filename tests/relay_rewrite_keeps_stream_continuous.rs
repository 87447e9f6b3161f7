//! With rewrite mode, the stream a leg emits keeps one SSRC and continuous
//! sequence numbers and timestamps when the sender changes SSRC (as after
//! a re-INVITE or a transfer on the other side); RTCP follows the rewrite.

mod common;

use std::time::Duration;

use common::*;
use relay_ctl::Mode;

fn ssrc_of_rtcp(p: &[u8]) -> u32 {
    u32::from_be_bytes([p[4], p[5], p[6], p[7]])
}

fn sr_rtp_ts(p: &[u8]) -> u32 {
    u32::from_be_bytes([p[16], p[17], p[18], p[19]])
}

#[test]
fn ssrc_change_produces_no_sequence_or_timestamp_jump() {
    for backend in backends() {
        let mut relay = start(backend, 26000);
        let h = &mut relay.shards()[0];
        let (a, b, a_rtcp, b_rtcp) = (udp(), udp(), udp(), udp());
        let mut sa = strict_leg(addr(&a));
        sa.remote_rtcp = Some(addr(&a_rtcp));
        sa.mode = Mode::Rewrite {
            ssrc: Some(0xC0FFEE),
            clock_rate: 8000,
        };
        let (la, pa) = add_ready(h, sa);
        let mut sb = strict_leg(addr(&b));
        sb.remote_rtcp = Some(addr(&b_rtcp));
        let (lb, _) = add_ready(h, sb);
        bridge(h, la, lb);

        let mut out = Vec::new();
        for i in 0..10u16 {
            a.send_to(
                &rtp(0, 1000 + i, 50_000 + 160 * u32::from(i), 0x1),
                relay_addr(pa),
            )
            .unwrap();
            out.push(recv(&b).expect("first source").0);
            std::thread::sleep(Duration::from_millis(20));
        }
        // The sender switches to a new SSRC with unrelated numbering.
        for i in 0..10u16 {
            a.send_to(
                &rtp(0, 60_000 + i, 9_999_999 + 160 * u32::from(i), 0x2),
                relay_addr(pa),
            )
            .unwrap();
            out.push(recv(&b).expect("second source").0);
            std::thread::sleep(Duration::from_millis(20));
        }
        for w in out.windows(2) {
            assert_eq!(ssrc_of(&w[1]), 0xC0FFEE);
            assert_eq!(
                seq_of(&w[1]),
                seq_of(&w[0]).wrapping_add(1),
                "{backend:?}: sequence continues"
            );
            let dts = ts_of(&w[1]).wrapping_sub(ts_of(&w[0]));
            // 20 ms at 8 kHz = 160; across the switch the gap is the measured wall clock.
            assert!(
                (160..=160 * 10).contains(&dts),
                "{backend:?}: timestamp step {dts}"
            );
        }
        assert_eq!(seq_of(&out[0]), 1000, "first source keeps its numbering");

        // The current source's sender report follows the rewrite: output
        // SSRC, and its RTP timestamp moved by the same offset as the media.
        let last_in_ts = 9_999_999 + 160 * 9;
        a_rtcp
            .send_to(&rtcp_sr(0x2, last_in_ts), relay_addr(pa + 1))
            .unwrap();
        let (sr, _) = recv(&b_rtcp).expect("rewritten RTCP");
        assert_eq!(
            ssrc_of_rtcp(&sr),
            0xC0FFEE,
            "{backend:?}: SR sender SSRC rewritten"
        );
        assert_eq!(
            sr_rtp_ts(&sr),
            ts_of(out.last().unwrap()),
            "{backend:?}: SR timestamp on the output clock"
        );
        relay.shutdown().unwrap();
    }
}
