//! Entry points of the fuzz targets in `fuzz/` (each target is a one-line
//! wrapper). They use only the public API, so they double as an oracle:
//! whatever the bytes, nothing may panic, and what the parsers accept must
//! read back consistently. No allocation: copies go to stack buffers.

use super::rtcp::{rewrite, Field, PacketType, RtcpCompound, RtcpPacket};
use super::stun::{ATTR_FINGERPRINT, ATTR_MESSAGE_INTEGRITY};
use super::{parse, Class, RtpPacket, StunPacket};

/// Entry point of `fuzz/fuzz_targets/wire_demux.rs`: classifies and
/// validates the datagram, then reads every accessor and iterator of each
/// view that accepts the bytes, whatever class the first byte says.
#[doc(hidden)]
pub fn fuzz_parse(data: &[u8]) {
    let verdict = parse(data);
    if let Ok(p) = RtpPacket::new_checked(data) {
        let _ = (
            p.version(),
            p.padding(),
            p.extension(),
            p.marker(),
            p.payload_type(),
            p.sequence_number(),
            p.timestamp(),
            p.ssrc(),
            p.csrc(15),
            p.extension_profile(),
            p.extension_data(),
            p.padding_len(),
        );
        assert_eq!(p.csrcs().count(), usize::from(p.csrc_count()));
        for (id, v) in p.extension_elements() {
            assert!(id != 0 && v.len() <= 256);
        }
        assert_eq!(
            p.header_len() + p.payload().len() + p.padding_len(),
            data.len()
        );
    }
    if let Ok(c) = RtcpCompound::new_checked(data) {
        let mut total = 0;
        for p in c.iter() {
            total += p.len();
            let _ = (
                p.version(),
                p.padding_len(),
                p.length(),
                p.sender_ssrc(),
                p.sender_info(),
                p.media_ssrc(),
                p.fci(),
                p.app_name(),
                p.app_data(),
                p.bye_reason(),
            );
            let blocks = p.report_blocks().count();
            if matches!(
                p.packet_type(),
                PacketType::SenderReport | PacketType::ReceiverReport
            ) {
                assert_eq!(blocks, usize::from(p.count()));
            }
            assert!(p.bye_sources().count() <= usize::from(p.count()));
            for (_, items) in p.sdes_chunks() {
                for (ty, v) in items {
                    assert!(ty != 0 && v.len() < 256);
                }
            }
            assert!(RtcpPacket::new_checked(p.as_bytes()).is_ok());
        }
        assert_eq!(total, data.len(), "the walk covers the datagram");
    }
    if let Ok(s) = StunPacket::new_checked(data) {
        let _ = (
            s.class(),
            s.method(),
            s.transaction_id(),
            s.message_length(),
            s.message_integrity_offset(),
            s.attribute(ATTR_MESSAGE_INTEGRITY),
        );
        let mut end = StunPacket::<&[u8]>::HEADER_LEN;
        for (_, v) in s.attributes() {
            end += 4 + v.len().div_ceil(4) * 4;
        }
        assert_eq!(end, data.len(), "the attribute walk covers the message");
        if let Some(at) = s.fingerprint_offset() {
            assert_eq!(&data[at..at + 2], &ATTR_FINGERPRINT.to_be_bytes());
        }
    }
    match verdict {
        Ok(Class::Rtp) => assert!(RtpPacket::new_checked(data).is_ok()),
        Ok(Class::Rtcp) => assert!(RtcpCompound::new_checked(data).is_ok()),
        Ok(Class::Stun) => assert!(StunPacket::new_checked(data).is_ok()),
        _ => {}
    }
}

/// Calls `g` with the fields [`RtcpPacket::rewrite`] visits, read through
/// the accessors instead (the fuzzer's oracle).
fn fields_of(p: &RtcpPacket<&[u8]>, mut g: impl FnMut(Field, u32)) {
    match p.packet_type() {
        PacketType::SenderReport | PacketType::ReceiverReport => {
            p.sender_ssrc()
                .into_iter()
                .for_each(|v| g(Field::Sender, v));
            if let Some(si) = p.sender_info() {
                g(Field::SrRtpTimestamp, si.rtp_ts);
            }
            p.report_blocks()
                .for_each(|rb| g(Field::ReportSource, rb.ssrc));
        }
        PacketType::SourceDescription => p.sdes_chunks().for_each(|(s, _)| g(Field::Sender, s)),
        PacketType::Goodbye => p.bye_sources().for_each(|s| g(Field::Sender, s)),
        PacketType::App => p
            .sender_ssrc()
            .into_iter()
            .for_each(|v| g(Field::Sender, v)),
        PacketType::TransportFeedback | PacketType::PayloadFeedback => {
            p.sender_ssrc()
                .into_iter()
                .for_each(|v| g(Field::Sender, v));
            p.media_ssrc()
                .into_iter()
                .for_each(|v| g(Field::FeedbackMedia, v));
        }
        PacketType::Other(_) => {}
    }
}

fn mix(h: u64, which: Field, v: u32) -> u64 {
    (h ^ ((u64::from(v) << 8) | which as u64)).wrapping_mul(0x0000_0100_0000_01b3)
}

/// Entry point of `fuzz/fuzz_targets/rtcp_rewrite.rs`. On any bytes
/// the rewrite must not panic. On a valid compound it must visit exactly
/// the fields the accessors report, in order, write back what the callback
/// returned, keep the compound valid, and the typed setters must agree
/// with the accessors. Panics (the fuzzer's signal) otherwise.
#[doc(hidden)]
pub fn fuzz_rtcp_rewrite(data: &[u8]) {
    let mut storage = [0u8; 1500];
    let n = data.len().min(storage.len());
    let (data, buf) = (&data[..n], &mut storage[..n]);
    buf.copy_from_slice(data);
    rewrite(buf, |_, v| v ^ 0x5a5a_5a5a);
    buf.copy_from_slice(data);
    let Ok(mut c) = RtcpCompound::new_checked(&mut *buf) else {
        return;
    };
    let (mut want, mut want_n) = (0u64, 0usize);
    for p in c.iter() {
        fields_of(&p, |which, v| {
            want = mix(want, which, v);
            want_n += 1;
        });
    }
    let (mut got, mut got_n) = (0u64, 0usize);
    c.rewrite(|which, v| {
        got = mix(got, which, v);
        got_n += 1;
        !v
    });
    assert_eq!(
        (got_n, got),
        (want_n, want),
        "rewrite and accessors disagree"
    );
    assert!(
        RtcpCompound::new_checked(c.as_bytes()).is_ok(),
        "rewrite broke the compound"
    );
    let mut complemented = 0u64;
    for p in c.iter() {
        fields_of(&p, |which, v| complemented = mix(complemented, which, !v));
    }
    assert_eq!(complemented, want, "rewrite did not write back");
    c.rewrite(|_, v| !v);
    assert_eq!(
        c.as_bytes(),
        data,
        "a second complement must restore the bytes"
    );
    for mut p in c.iter_mut() {
        let ty = p.packet_type();
        let count = usize::from(p.count());
        let has_sender = matches!(
            ty,
            PacketType::SenderReport
                | PacketType::ReceiverReport
                | PacketType::App
                | PacketType::TransportFeedback
                | PacketType::PayloadFeedback
        );
        assert_eq!(p.set_sender_ssrc(1), has_sender);
        assert_eq!(p.set_sr_rtp_timestamp(2), ty == PacketType::SenderReport);
        let blocks = matches!(ty, PacketType::SenderReport | PacketType::ReceiverReport);
        let feedback = matches!(
            ty,
            PacketType::TransportFeedback | PacketType::PayloadFeedback
        );
        for i in 0..=count {
            assert_eq!(p.set_report_block_ssrc(i, 3), blocks && i < count);
            assert_eq!(
                p.set_sdes_chunk_ssrc(i, 5),
                ty == PacketType::SourceDescription && i < count
            );
            assert_eq!(
                p.set_bye_source(i, 6),
                ty == PacketType::Goodbye && i < count
            );
        }
        assert_eq!(p.set_media_ssrc(4), feedback);
    }
    let c =
        RtcpCompound::new_checked(c.as_bytes()).unwrap_or_else(|e| panic!("setters broke it: {e}"));
    for p in c.iter() {
        fields_of(&p, |which, v| {
            let ty = p.packet_type();
            let want = match (which, ty) {
                (Field::Sender, PacketType::SourceDescription) => 5,
                (Field::Sender, PacketType::Goodbye) => 6,
                (Field::Sender, _) => 1,
                (Field::SrRtpTimestamp, _) => 2,
                (Field::ReportSource, _) => 3,
                (Field::FeedbackMedia, _) => 4,
            };
            assert_eq!(v, want, "{which:?} of {ty:?}");
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_points_survive_noise() {
        let mut x = 0xdead_beef_cafe_f00du64;
        for i in 0..20_000 {
            let mut buf = [0u8; 96];
            x = crate::testutil::fill(x, &mut buf);
            buf[0] = [0x00, 0x80, 0x81, 0x16][i % 4] | (buf[0] & 0x01);
            if i % 8 < 4 {
                buf[1] = 200 + (buf[1] & 7);
                buf[2] = 0;
            }
            let n = (x as usize) % 97;
            fuzz_parse(&buf[..n]);
            fuzz_rtcp_rewrite(&buf[..n]);
        }
    }

    #[test]
    fn entry_points_accept_the_unit_test_samples() {
        let sr = crate::wire::rtcp::tests::sr_with_block();
        fuzz_parse(&sr);
        fuzz_rtcp_rewrite(&sr);
        fuzz_parse(&crate::wire::stun::tests::RFC5769_REQUEST);
    }
}
