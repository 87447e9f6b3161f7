//! A leg with no media for its timeout is reported once, and again resumed.

mod common;

use std::time::Duration;

use common::*;
use relay_ctl::Event;

#[test]
fn silent_leg_raises_one_timeout_event_and_resumes() {
    for backend in backends() {
        let mut relay = start(backend, 24500);
        let h = &mut relay.shards()[0];
        let (a, b) = (udp(), udp());
        let mut sa = strict_leg(addr(&a));
        sa.media_timeout = Duration::from_millis(700);
        let (la, pa) = add_ready(h, sa);
        let (lb, _) = add_ready(h, strict_leg(addr(&b)));
        bridge(h, la, lb);
        a.send_to(&rtp(0, 1, 0, 1), relay_addr(pa)).unwrap();
        assert!(recv(&b).is_some());
        let ev = wait_for(
            h,
            |e| matches!(e, Event::MediaTimeout { leg, .. } if *leg == la),
        );
        let Event::MediaTimeout { idle, .. } = ev else {
            unreachable!()
        };
        assert!(idle >= Duration::from_millis(700), "idle {idle:?}");
        // Only once per silence.
        std::thread::sleep(Duration::from_millis(1200));
        let mut again = 0;
        while let Some(e) = h.poll_event() {
            if matches!(e, Event::MediaTimeout { leg, .. } if leg == la) {
                again += 1;
            }
        }
        assert_eq!(again, 0);
        a.send_to(&rtp(0, 2, 160, 1), relay_addr(pa)).unwrap();
        assert!(recv(&b).is_some());
        wait_for(
            h,
            |e| matches!(e, Event::MediaResumed { leg } if *leg == la),
        );
        relay.shutdown().unwrap();
    }
}
