//! RFC 7983 first-byte demultiplexing of one media port: STUN, ZRTP,
//! DTLS, TURN channels and RTP/RTCP (split per RFC 5761 section 4).

use relay_ctl::DropReason;

use super::{RtcpCompound, RtpPacket, StunPacket};

/// What a datagram is, by its first bytes.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Class {
    Stun,
    Zrtp,
    Dtls,
    TurnChannel,
    Rtp,
    Rtcp,
    Unknown,
}

/// Classifies a datagram (RFC 7983 section 7). An empty datagram, or an
/// RTP-range first byte without a second byte, is `Unknown`/`Rtp` as the
/// ranges say; the parsers then reject what is too short.
#[inline]
pub fn classify(buf: &[u8]) -> Class {
    match buf.first() {
        Some(0..=3) => Class::Stun,
        Some(16..=19) => Class::Zrtp,
        Some(20..=63) => Class::Dtls,
        Some(64..=79) => Class::TurnChannel,
        Some(128..=191) => match buf.get(1) {
            // RFC 5761 section 4: payload type byte 192..=223 is RTCP (200..=204 and feedback).
            Some(192..=223) => Class::Rtcp,
            _ => Class::Rtp,
        },
        _ => Class::Unknown,
    }
}

/// Classifies and fully validates a datagram; the drop reason on failure.
pub fn parse(buf: &[u8]) -> Result<Class, DropReason> {
    let class = classify(buf);
    match class {
        Class::Rtp => RtpPacket::new_checked(buf)
            .map(|_| class)
            .map_err(Into::into),
        Class::Rtcp => RtcpCompound::new_checked(buf)
            .map(|_| class)
            .map_err(Into::into),
        Class::Stun => StunPacket::new_checked(buf)
            .map(|_| class)
            .map_err(Into::into),
        Class::Zrtp | Class::Dtls | Class::TurnChannel => Ok(class),
        Class::Unknown => Err(DropReason::Unclassified),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_follow_rfc7983() {
        assert_eq!(classify(&[]), Class::Unknown);
        for (b0, c) in [
            (0u8, Class::Stun),
            (3, Class::Stun),
            (4, Class::Unknown),
            (16, Class::Zrtp),
            (19, Class::Zrtp),
            (20, Class::Dtls),
            (22, Class::Dtls),
            (63, Class::Dtls),
            (64, Class::TurnChannel),
            (79, Class::TurnChannel),
            (80, Class::Unknown),
            (127, Class::Unknown),
            (192, Class::Unknown),
            (255, Class::Unknown),
        ] {
            assert_eq!(classify(&[b0, 0]), c, "first byte {b0}");
        }
        assert_eq!(classify(&[0x80, 0]), Class::Rtp);
        assert_eq!(
            classify(&[0x80, 0x80 | 96]),
            Class::Rtp,
            "marker + PT 96 = 224 is RTP"
        );
        assert_eq!(classify(&[0x80, 200]), Class::Rtcp);
        assert_eq!(classify(&[0x81, 206]), Class::Rtcp);
        assert_eq!(classify(&[0x80]), Class::Rtp);
    }

    #[test]
    fn every_first_byte() {
        for b0 in 0..=255u8 {
            let want = match b0 {
                0..=3 => Class::Stun,
                16..=19 => Class::Zrtp,
                20..=63 => Class::Dtls,
                64..=79 => Class::TurnChannel,
                128..=191 => Class::Rtp,
                _ => Class::Unknown,
            };
            for b1 in 0..=255u8 {
                let got = classify(&[b0, b1, 0, 0]);
                let rtcp = want == Class::Rtp && (192..=223).contains(&b1);
                assert_eq!(got, if rtcp { Class::Rtcp } else { want }, "{b0} {b1}");
            }
        }
    }

    #[test]
    fn parse_reports_reasons() {
        assert_eq!(parse(&[]), Err(DropReason::Unclassified));
        assert_eq!(parse(&[0x80]), Err(DropReason::Truncated));
        assert_eq!(parse(&[0x80, 201, 0, 9]), Err(DropReason::BadRtcp));
        assert_eq!(parse(&[0, 1, 0, 0]), Err(DropReason::BadStun));
        assert_eq!(parse(&[22, 254, 253]), Ok(Class::Dtls));
        assert_eq!(parse(&[17, 0]), Ok(Class::Zrtp));
        assert_eq!(parse(&[0x40, 0, 0, 0]), Ok(Class::TurnChannel));
        assert_eq!(parse(&[100, 0]), Err(DropReason::Unclassified));
        assert_eq!(
            parse(&[0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            Ok(Class::TurnChannel)
        );
        assert_eq!(
            parse(&[0x70, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3]),
            Err(DropReason::Unclassified)
        );
        assert_eq!(
            parse(&[0x80, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3]),
            Ok(Class::Rtp)
        );
        assert_eq!(parse(&[0x40, 200, 0, 0]), Ok(Class::TurnChannel));
        assert_eq!(parse(&[0xC0, 0, 0, 0]), Err(DropReason::Unclassified));
        assert_eq!(parse(&[0x80, 0x80 | 96, 0, 1]), Err(DropReason::Truncated));
        assert_eq!(
            parse(&[0x81, 201, 0, 1, 0, 0, 0, 1]),
            Err(DropReason::BadRtcp)
        );
        assert_eq!(parse(&[0x80, 201, 0, 1, 0, 0, 0, 1]), Ok(Class::Rtcp));
    }
}
