//! An SRTP leg bridged to a plain RTP leg (SDES-style keys in the rule):
//! SRTP is decrypted toward the plain side and plain RTP is protected
//! toward the encrypted side, RTCP too; a forged packet never teaches the
//! latch, and a replayed one is dropped, each counted by reason.

mod common;

use std::time::Duration;

use common::*;
use relay_core::srtp::{Profile, SrtpContext};
use relay_ctl::{DropReason, Event, Latch, SrtpKeys, SrtpProfile};

fn master(tag: u8) -> [u8; 30] {
    std::array::from_fn(|i| tag.wrapping_mul(37).wrapping_add(i as u8))
}

fn ctx(m: &[u8; 30]) -> SrtpContext {
    SrtpContext::new(
        Profile::Aes128CmSha1_80,
        m[..16].try_into().unwrap(),
        m[16..].try_into().unwrap(),
    )
}

#[test]
fn srtp_leg_bridges_to_plain_leg_and_guards_its_latch() {
    for backend in backends() {
        let mut relay = start(backend, 27500);
        let h = &mut relay.shards()[0];
        let (a, b, b_rtcp, evil) = (udp(), udp(), udp(), udp());
        // A: encrypted, learns its remote (the SDP address is stale).
        let mut sa = strict_leg(relay_addr(9));
        sa.rtcp_mux = true;
        sa.latch = Latch::Learn {
            relearn_after_silence: None,
        };
        sa.srtp = Some(SrtpKeys {
            profile: SrtpProfile::Aes128CmSha1_80,
            rx: master(1),
            tx: master(2),
        });
        let (la, pa) = add_ready(h, sa);
        let mut sb = strict_leg(addr(&b));
        sb.remote_rtcp = Some(addr(&b_rtcp));
        let (lb, pb) = add_ready(h, sb);
        bridge(h, la, lb);

        // A forged SRTP packet (wrong key) from another host: no latch, counted.
        let mut forger = ctx(&master(7));
        let mut buf = [0u8; 256];
        let plain = rtp(0, 1, 160, 0xA);
        buf[..plain.len()].copy_from_slice(&plain);
        let n = forger.protect_rtp(&mut buf, plain.len()).unwrap();
        evil.send_to(&buf[..n], relay_addr(pa)).unwrap();
        assert_silent(&b, Duration::from_millis(100));

        // The real endpoint's SRTP arrives decrypted on the plain side, and latches.
        let mut a_tx = ctx(&master(1));
        let mut a_rx = ctx(&master(2));
        let mut sealed = [0u8; 256];
        for seq in 2..6u16 {
            let plain = rtp(0, seq, 160 * u32::from(seq), 0xA);
            sealed[..plain.len()].copy_from_slice(&plain);
            let n = a_tx.protect_rtp(&mut sealed, plain.len()).unwrap();
            a.send_to(&sealed[..n], relay_addr(pa)).unwrap();
            let (got, _) =
                recv(&b).unwrap_or_else(|| panic!("{backend:?}: SRTP {seq} not forwarded"));
            assert_eq!(got, plain, "{backend:?}: decrypted toward the plain leg");
        }
        let ev = wait_for(h, |e| matches!(e, Event::Latched { .. }));
        assert_eq!(
            ev,
            Event::Latched {
                leg: la,
                addr: addr(&a)
            }
        );
        // A replay of the last packet is dropped.
        let last = rtp(0, 5, 800, 0xA);
        let mut replay = [0u8; 256];
        replay[..last.len()].copy_from_slice(&last);
        let mut again = ctx(&master(1));
        for seq in 2..=5u16 {
            let p = rtp(0, seq, 160 * u32::from(seq), 0xA);
            replay[..p.len()].copy_from_slice(&p);
            let _ = again.protect_rtp(&mut replay, p.len()).unwrap();
        }
        a.send_to(&replay[..last.len() + 10], relay_addr(pa))
            .unwrap();
        assert_silent(&b, Duration::from_millis(100));

        // Plain RTP from B leaves toward A protected with A's tx key.
        let plain = rtp(0, 77, 1234, 0xB);
        b.send_to(&plain, relay_addr(pb)).unwrap();
        let (mut got, from) = recv(&a).expect("protected toward A");
        assert_eq!(from, relay_addr(pa));
        assert_eq!(
            got.len(),
            plain.len() + 10,
            "{backend:?}: SRTP tag appended"
        );
        assert_ne!(&got[12..plain.len()], &plain[12..], "payload encrypted");
        let n = a_rx.unprotect_rtp(&mut got).expect("A can decrypt");
        assert_eq!(&got[..n], &plain[..]);

        // RTCP both ways over the muxed port.
        let sr = rtcp_sr(0xA, 800);
        let mut s_sr = [0u8; 256];
        s_sr[..sr.len()].copy_from_slice(&sr);
        let n = a_tx.protect_rtcp(&mut s_sr, sr.len()).unwrap();
        a.send_to(&s_sr[..n], relay_addr(pa)).unwrap();
        let (got, from) = recv(&b_rtcp).expect("SRTCP decrypted toward B");
        assert_eq!((got, from), (sr.clone(), relay_addr(pb + 1)));
        b_rtcp
            .send_to(&rtcp_sr(0xB, 5), relay_addr(pb + 1))
            .unwrap();
        let (mut got, _) = recv(&a).expect("RTCP protected toward A");
        let n = a_rx.unprotect_rtcp(&mut got).expect("A can decrypt SRTCP");
        assert_eq!(&got[..n], &rtcp_sr(0xB, 5)[..]);
        let c = h.counters();
        assert!(
            eventually(|| c.drop(DropReason::SrtpAuth).get() == 1),
            "{backend:?}: forged packet counted"
        );
        assert!(
            eventually(|| c.drop(DropReason::SrtpReplay).get() == 1),
            "{backend:?}: replay counted"
        );
        relay.shutdown().unwrap();
    }
}
