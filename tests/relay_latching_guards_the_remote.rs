//! Symmetric-RTP latching and strict-source checks (RTP Bleed class):
//! learn only from valid media, lock once learned, re-learn only the same
//! SSRC after silence, and drop and count everything else.

mod common;

use std::time::Duration;

use common::*;
use relay_ctl::{DropReason, Event, Latch, PayloadTypes};

#[test]
fn strict_leg_drops_packets_from_any_other_source() {
    for backend in backends() {
        let mut relay = start(backend, 23000);
        let h = &mut relay.shards()[0];
        let (a, b, evil) = (udp(), udp(), udp());
        let (la, pa) = add_ready(h, strict_leg(addr(&a)));
        let (lb, _) = add_ready(h, strict_leg(addr(&b)));
        bridge(h, la, lb);
        evil.send_to(&rtp(0, 1, 0, 0xE), relay_addr(pa)).unwrap();
        assert_silent(&b, Duration::from_millis(150));
        a.send_to(&rtp(0, 2, 0, 0xA), relay_addr(pa)).unwrap();
        assert_eq!(ssrc_of(&recv(&b).expect("legit packet").0), 0xA);
        let c = h.counters();
        assert!(eventually(|| c.drop(DropReason::WrongSource).get() == 1));
        assert_eq!(
            c.leg(la.slot).unwrap().drop(DropReason::WrongSource).get(),
            1
        );
        relay.shutdown().unwrap();
    }
}

#[test]
fn learning_leg_latches_on_first_valid_media_and_then_locks() {
    for backend in backends() {
        let mut relay = start(backend, 23000);
        let h = &mut relay.shards()[0];
        let (nat, b, evil) = (udp(), udp(), udp());
        // The SDP said 127.0.0.1:9 (behind NAT); media really comes from `nat`.
        let mut sa = strict_leg(relay_addr(9));
        sa.latch = Latch::Learn {
            relearn_after_silence: None,
        };
        sa.payload_types = PayloadTypes::from_list(&[0]);
        let (la, pa) = add_ready(h, sa);
        let (lb, pb) = add_ready(h, strict_leg(addr(&b)));
        bridge(h, la, lb);

        // A packet with a payload type that was not negotiated never latches.
        evil.send_to(&rtp(96, 1, 0, 0xE), relay_addr(pa)).unwrap();
        assert_silent(&b, Duration::from_millis(100));
        nat.send_to(&rtp(0, 1, 0, 0xA), relay_addr(pa)).unwrap();
        assert!(recv(&b).is_some());
        let ev = wait_for(h, |e| matches!(e, Event::Latched { .. }));
        assert_eq!(
            ev,
            Event::Latched {
                leg: la,
                addr: addr(&nat)
            }
        );
        // B's media now goes to the learned address.
        b.send_to(&rtp(0, 1, 0, 0xB), relay_addr(pb)).unwrap();
        assert_eq!(ssrc_of(&recv(&nat).expect("to latched address").0), 0xB);
        // Locked: another source, even with valid media and the same SSRC, is dropped.
        evil.send_to(&rtp(0, 2, 160, 0xA), relay_addr(pa)).unwrap();
        assert_silent(&b, Duration::from_millis(100));
        let c = h.counters();
        assert!(
            eventually(|| c.drop(DropReason::WrongSource).get() == 2),
            "{:?}",
            c.drop(DropReason::WrongSource).get()
        );
        relay.shutdown().unwrap();
    }
}

#[test]
fn relearn_moves_the_latch_only_for_the_same_ssrc_after_silence() {
    for backend in backends() {
        let mut relay = start(backend, 23000);
        let h = &mut relay.shards()[0];
        let (first, moved, b) = (udp(), udp(), udp());
        let mut sa = strict_leg(relay_addr(9));
        sa.latch = Latch::Learn {
            relearn_after_silence: Some(Duration::from_millis(300)),
        };
        let (la, pa) = add_ready(h, sa);
        let (lb, pb) = add_ready(h, strict_leg(addr(&b)));
        bridge(h, la, lb);
        first.send_to(&rtp(0, 1, 0, 0xA), relay_addr(pa)).unwrap();
        assert!(recv(&b).is_some());
        // Too early, and a different SSRC after silence: both refused.
        moved.send_to(&rtp(0, 2, 160, 0xA), relay_addr(pa)).unwrap();
        assert_silent(&b, Duration::from_millis(400));
        moved.send_to(&rtp(0, 3, 320, 0xF), relay_addr(pa)).unwrap();
        assert_silent(&b, Duration::from_millis(50));
        // Same SSRC after silence: the latch moves, reported and counted.
        moved.send_to(&rtp(0, 4, 480, 0xA), relay_addr(pa)).unwrap();
        assert!(
            recv(&b).is_some(),
            "{backend:?}: relearned packet not forwarded"
        );
        let ev = wait_for(h, |e| matches!(e, Event::Relatched { .. }));
        assert_eq!(
            ev,
            Event::Relatched {
                leg: la,
                from: addr(&first),
                to: addr(&moved)
            }
        );
        b.send_to(&rtp(0, 1, 0, 0xB), relay_addr(pb)).unwrap();
        assert!(recv(&moved).is_some(), "media follows the moved latch");
        assert_eq!(h.counters().leg(la.slot).unwrap().relatches.get(), 1);
        relay.shutdown().unwrap();
    }
}
