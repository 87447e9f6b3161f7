//! Packet views: parse and in-place rewrite per packet, plus the SRTP
//! context on the same RTP packet. Ids: `area/op/variant/size` (bytes).

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use relay_core::wire::{self, rtcp, RtcpCompound, RtpPacket, StunPacket};

fn rtp_plain() -> Vec<u8> {
    let mut p = vec![0xd5u8; 172];
    p[..12].copy_from_slice(&[
        0x80, 0x00, 0x12, 0x34, 0, 0, 0x03, 0x20, 0xde, 0xad, 0xbe, 0xef,
    ]);
    p
}

fn rtp_ext_csrc() -> Vec<u8> {
    let mut p = vec![
        0x92, 0x6f, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 10, 0, 0, 0, 11,
    ];
    p.extend_from_slice(&[
        0xBE, 0xDE, 0, 2, 0x10, 0xaa, 0x23, 0xbb, 0xcc, 0xdd, 0xee, 0x00,
    ]);
    p.extend_from_slice(&[0x55; 80]);
    p
}

fn rtcp_sr_sdes() -> Vec<u8> {
    let mut p = vec![0x81, 200, 0, 12];
    p.extend_from_slice(&[0xAA; 4]);
    p.extend_from_slice(&[0; 20]);
    p.extend_from_slice(&[0xBB; 4]);
    p.extend_from_slice(&[0; 20]);
    p.extend_from_slice(&[
        0x81, 202, 0, 4, 0xAA, 0xAA, 0xAA, 0xAA, 1, 6, b'c', b'b', b'@', b'l', b'o', b'c', 0, 0, 0,
        0,
    ]);
    p
}

fn stun_binding() -> Vec<u8> {
    let mut p = vec![0x00, 0x01, 0x00, 0x30, 0x21, 0x12, 0xa4, 0x42];
    p.extend_from_slice(&[7; 12]);
    p.extend_from_slice(&[0x00, 0x06, 0x00, 0x09]);
    p.extend_from_slice(b"abcd:efgh\0\0\0");
    p.extend_from_slice(&[0x00, 0x08, 0x00, 0x14]);
    p.extend_from_slice(&[0x11; 20]);
    p.extend_from_slice(&[0x80, 0x28, 0x00, 0x04, 1, 2, 3, 4]);
    p
}

fn bench_rtp(c: &mut Criterion) {
    let mut g = c.benchmark_group("rtp");
    g.throughput(Throughput::Elements(1));
    let plain = rtp_plain();
    g.bench_function(format!("parse/plain/{}", plain.len()), |b| {
        b.iter(|| {
            let p = RtpPacket::new_checked(black_box(&plain[..])).unwrap();
            black_box((
                p.payload_type(),
                p.sequence_number(),
                p.timestamp(),
                p.ssrc(),
            ))
        })
    });
    let ext = rtp_ext_csrc();
    assert_eq!(
        RtpPacket::new_checked(&ext[..]).map(|p| p.extension_elements().count()),
        Ok(2)
    );
    g.bench_function(format!("parse/ext_csrc/{}", ext.len()), |b| {
        b.iter(|| {
            let p = RtpPacket::new_checked(black_box(&ext[..])).unwrap();
            black_box((p.ssrc(), p.payload().len()))
        })
    });
    let mut buf = rtp_plain();
    g.bench_function(format!("rewrite/ssrc_seq_ts/{}", buf.len()), |b| {
        b.iter(|| {
            let mut p = RtpPacket::new_checked(black_box(&mut buf[..])).unwrap();
            let (s, t) = (p.sequence_number(), p.timestamp());
            p.set_ssrc(0xC0FFEE);
            p.set_sequence_number(s.wrapping_add(1));
            p.set_timestamp(t.wrapping_add(160));
        })
    });
    g.finish();
}

fn bench_rtcp(c: &mut Criterion) {
    let mut g = c.benchmark_group("rtcp");
    g.throughput(Throughput::Elements(1));
    let sr = rtcp_sr_sdes();
    assert_eq!(
        RtcpCompound::new_checked(&sr[..]).map(|c| c.iter().count()),
        Ok(2)
    );
    g.bench_function(format!("parse/sr_sdes/{}", sr.len()), |b| {
        b.iter(|| {
            let c = RtcpCompound::new_checked(black_box(&sr[..])).unwrap();
            black_box(c.iter().count())
        })
    });
    let mut sr_mut = rtcp_sr_sdes();
    g.bench_function(format!("rewrite/sr_sdes/{}", sr_mut.len()), |b| {
        b.iter(|| rtcp::rewrite(black_box(&mut sr_mut[..]), |_, v| v ^ 1))
    });
    g.finish();
}

fn bench_stun(c: &mut Criterion) {
    let mut g = c.benchmark_group("stun");
    g.throughput(Throughput::Elements(1));
    let stun = stun_binding();
    assert!(
        StunPacket::new_checked(&stun[..]).is_ok(),
        "the bench packet must be valid STUN"
    );
    g.bench_function(format!("parse/binding/{}", stun.len()), |b| {
        b.iter(|| black_box(StunPacket::new_checked(black_box(&stun[..])).is_ok()))
    });
    g.finish();
}

fn bench_demux(c: &mut Criterion) {
    let mut g = c.benchmark_group("demux");
    g.throughput(Throughput::Elements(1));
    let mixed = [
        rtp_plain(),
        rtcp_sr_sdes(),
        stun_binding(),
        vec![22, 254, 253, 0],
    ];
    g.bench_function("classify/mixed/1", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) & 3;
            black_box(wire::classify(black_box(&mixed[i])))
        })
    });
    g.finish();
}

criterion_group!(
    benches,
    bench_rtp,
    bench_rtcp,
    bench_stun,
    bench_demux,
    bench_srtp
);
criterion_main!(benches);

fn bench_srtp(c: &mut Criterion) {
    use relay_core::srtp::{Profile, SrtpContext};
    let key = [7u8; 16];
    let salt = [9u8; 14];
    let mut g = c.benchmark_group("srtp");
    g.throughput(Throughput::Elements(1));
    let plain = rtp_plain();
    let mut tx = SrtpContext::new(Profile::Aes128CmSha1_80, &key, &salt);
    let mut buf = [0u8; 256];
    let mut seq = 0u16;
    g.bench_function("protect/aes_cm_sha1_80/172", |b| {
        b.iter(|| {
            buf[..172].copy_from_slice(&plain);
            seq = seq.wrapping_add(1);
            buf[2..4].copy_from_slice(&seq.to_be_bytes());
            black_box(tx.protect_rtp(&mut buf, 172).unwrap())
        })
    });
    // Unprotect: a fresh sequence number each time, so the replay window accepts it.
    let mut tx = SrtpContext::new(Profile::Aes128CmSha1_80, &key, &salt);
    let mut rx = SrtpContext::new(Profile::Aes128CmSha1_80, &key, &salt);
    let mut sealed = [0u8; 256];
    g.bench_function("protect_unprotect/aes_cm_sha1_80/172", |b| {
        b.iter(|| {
            sealed[..172].copy_from_slice(&plain);
            seq = seq.wrapping_add(1);
            sealed[2..4].copy_from_slice(&seq.to_be_bytes());
            let n = tx.protect_rtp(&mut sealed, 172).unwrap();
            black_box(rx.unprotect_rtp(&mut sealed[..n]).unwrap())
        })
    });
    g.finish();
}
