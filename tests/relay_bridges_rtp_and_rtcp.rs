//! Two UDP endpoints exchange RTP and RTCP through two bridged legs, on
//! both backends, with and without rtcp-mux.

mod common;

use common::*;
use relay_ctl::Command;

#[test]
fn rtp_and_rtcp_flow_both_ways_through_bridged_legs() {
    for backend in backends() {
        let mut relay = start(backend, 20000);
        let h = &mut relay.shards()[0];
        let (a, b) = (udp(), udp());
        let (a_rtcp, b_rtcp) = (udp(), udp());
        let mut sa = strict_leg(addr(&a));
        sa.remote_rtcp = Some(addr(&a_rtcp));
        let mut sb = strict_leg(addr(&b));
        sb.remote_rtcp = Some(addr(&b_rtcp));
        let (la, pa) = add_ready(h, sa);
        let (lb, pb) = add_ready(h, sb);
        assert_eq!(pa % 2, 0, "RTP on even ports");
        bridge(h, la, lb);

        for i in 0..20u16 {
            a.send_to(&rtp(0, 100 + i, 160 * u32::from(i), 0xA), relay_addr(pa))
                .unwrap();
            let (got, from) =
                recv(&b).unwrap_or_else(|| panic!("{backend:?}: A->B packet {i} lost"));
            assert_eq!(
                from,
                relay_addr(pb),
                "B hears the relay from its own leg's port"
            );
            assert_eq!(
                (seq_of(&got), ssrc_of(&got)),
                (100 + i, 0xA),
                "forwarded as is"
            );
            assert_eq!(got.len(), 172);
            b.send_to(&rtp(8, 7 + i, 0, 0xB), relay_addr(pb)).unwrap();
            let (got, from) =
                recv(&a).unwrap_or_else(|| panic!("{backend:?}: B->A packet {i} lost"));
            assert_eq!(from, relay_addr(pa));
            assert_eq!(ssrc_of(&got), 0xB);
        }
        // RTCP goes between the odd ports to the RTCP addresses.
        a_rtcp
            .send_to(&rtcp_sr(0xA, 777), relay_addr(pa + 1))
            .unwrap();
        let (got, from) = recv(&b_rtcp).expect("RTCP A->B");
        assert_eq!(from, relay_addr(pb + 1));
        assert_eq!(got, rtcp_sr(0xA, 777));
        b_rtcp
            .send_to(&rtcp_sr(0xB, 5), relay_addr(pb + 1))
            .unwrap();
        assert_eq!(recv(&a_rtcp).expect("RTCP B->A").0, rtcp_sr(0xB, 5));

        let c = h.counters();
        assert!(
            eventually(|| c.tx_packets.get() == 42),
            "{backend:?}: tx={}",
            c.tx_packets.get()
        );
        let lc = c.leg(la.slot).unwrap();
        assert_eq!((lc.rx_packets.get(), lc.rtcp_rx_packets.get()), (21, 1));
        assert_eq!(c.drops_total(), 0);
        h.send(Command::RemoveLeg { leg: la }).unwrap();
        relay.shutdown().unwrap();
    }
}

#[test]
fn rtcp_mux_legs_carry_rtp_and_rtcp_on_one_port() {
    for backend in backends() {
        let mut relay = start(backend, 20000);
        let h = &mut relay.shards()[0];
        let (a, b) = (udp(), udp());
        let mut sa = strict_leg(addr(&a));
        sa.rtcp_mux = true;
        let mut sb = strict_leg(addr(&b));
        sb.rtcp_mux = true;
        let (la, pa) = add_ready(h, sa);
        let (lb, pb) = add_ready(h, sb);
        bridge(h, la, lb);
        a.send_to(&rtp(0, 1, 0, 0xA), relay_addr(pa)).unwrap();
        assert_eq!(seq_of(&recv(&b).expect("RTP").0), 1);
        a.send_to(&rtcp_sr(0xA, 1), relay_addr(pa)).unwrap();
        let (got, from) = recv(&b).expect("muxed RTCP");
        assert_eq!((got, from), (rtcp_sr(0xA, 1), relay_addr(pb)));
        relay.shutdown().unwrap();
    }
}

#[test]
fn removed_leg_stops_forwarding_and_frees_its_port() {
    for backend in backends() {
        let mut relay = start(backend, 20000);
        let h = &mut relay.shards()[0];
        let (a, b) = (udp(), udp());
        let (la, pa) = add_ready(h, strict_leg(addr(&a)));
        let (lb, _pb) = add_ready(h, strict_leg(addr(&b)));
        bridge(h, la, lb);
        a.send_to(&rtp(0, 1, 0, 1), relay_addr(pa)).unwrap();
        assert!(recv(&b).is_some());
        h.remove_leg(lb).unwrap();
        wait_for(
            h,
            |e| matches!(e, relay_ctl::Event::Removed { leg } if *leg == lb),
        );
        a.send_to(&rtp(0, 2, 0, 1), relay_addr(pa)).unwrap();
        assert_silent(&b, std::time::Duration::from_millis(200));
        let c = h.counters();
        assert!(eventually(|| c
            .drop(relay_ctl::DropReason::NotBridged)
            .get()
            == 1));
        assert_eq!(h.ports().in_use(), 2);
        relay.shutdown().unwrap();
    }
}

#[test]
fn ipv6_legs_forward_between_ipv6_endpoints() {
    let v6 = std::net::IpAddr::from(std::net::Ipv6Addr::LOCALHOST);
    if std::net::UdpSocket::bind("[::1]:0").is_err() {
        panic!("IPv6 loopback is unavailable on this host; the relay's IPv6 path cannot be tested");
    }
    for backend in backends() {
        let mut relay = start_on(backend, 20000, v6);
        let h = &mut relay.shards()[0];
        let (a, b) = (
            std::net::UdpSocket::bind("[::1]:0").unwrap(),
            std::net::UdpSocket::bind("[::1]:0").unwrap(),
        );
        for s in [&a, &b] {
            s.set_read_timeout(Some(std::time::Duration::from_millis(500)))
                .unwrap();
        }
        let (la, pa) = add_ready(h, strict_leg(addr(&a)));
        let (lb, pb) = add_ready(h, strict_leg(addr(&b)));
        bridge(h, la, lb);
        a.send_to(&rtp(0, 5, 800, 0xA6), std::net::SocketAddr::new(v6, pa))
            .unwrap();
        let (got, from) = recv(&b).unwrap_or_else(|| panic!("{backend:?}: IPv6 packet lost"));
        assert_eq!((seq_of(&got), from), (5, std::net::SocketAddr::new(v6, pb)));
        b.send_to(&rtp(0, 6, 960, 0xB6), std::net::SocketAddr::new(v6, pb))
            .unwrap();
        assert_eq!(ssrc_of(&recv(&a).expect("IPv6 B->A").0), 0xB6);
        relay.shutdown().unwrap();
    }
}
