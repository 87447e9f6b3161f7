//! RTCP compound packets (RFC 3550 section 6), with the RFC 4585 feedback
//! header and RFC 5506 reduced-size RTCP.
//!
//! ```text
//!  0                   1                   2                   3
//! |V=2|P|  count  |      PT       |    length (32-bit words - 1)  |
//! |              SSRC of packet sender (SR, RR, APP, FB)          |
//! |                    type-specific part ...       | padding |n| (P, last packet only)
//! ```
//!
//! # Validation
//!
//! [`RtcpCompound::new_checked`] walks the datagram once. Every packet has
//! version 2 and a length field ((length + 1) * 4 bytes) inside the
//! datagram; the walk ends exactly at its end; only the last packet may be
//! padded, with a count of at least 1 that leaves the 4-byte header intact
//! (RFC 3550 A.2). The first packet must be SR or RR (RFC 3550 6.1), or
//! RTPFB/PSFB: RFC 5506 section 3.1 lets feedback travel without a
//! leading report, so those two are accepted first and nothing else is.
//! Each known type's fixed parts must fit the packet (without padding):
//! SR sender info and RC report blocks (6.4.1), RR blocks (6.4.2), SDES
//! chunks whose items end with a null item padded to 32 bits (6.5), BYE
//! sources and the optional reason (6.6), the APP name (6.7), the media
//! SSRC of RTPFB/PSFB (RFC 4585 6.1). Other types (XR, ...) only need a
//! valid header. Afterwards no accessor can panic.
//!
//! # In-place rewriting (what the forwarder calls)
//!
//! ```text
//! pub fn rewrite(buf: &mut [u8], f: impl FnMut(Field, u32) -> u32)
//! impl<T: AsRef<[u8]> + AsMut<[u8]>> RtcpCompound<T> {
//!     pub fn rewrite(&mut self, f: impl FnMut(Field, u32) -> u32)
//!     pub fn iter_mut(&mut self) -> RtcpIterMut<'_>   // Item = RtcpPacket<&mut [u8]>
//! }
//! impl<T: AsRef<[u8]> + AsMut<[u8]>> RtcpPacket<T> {
//!     pub fn rewrite(&mut self, f: impl FnMut(Field, u32) -> u32)
//!     pub fn set_sender_ssrc(&mut self, ssrc: u32) -> bool
//!     pub fn set_sr_rtp_timestamp(&mut self, ts: u32) -> bool
//!     pub fn set_report_block_ssrc(&mut self, i: usize, ssrc: u32) -> bool
//!     pub fn set_media_ssrc(&mut self, ssrc: u32) -> bool
//!     pub fn set_sdes_chunk_ssrc(&mut self, i: usize, ssrc: u32) -> bool
//!     pub fn set_bye_source(&mut self, i: usize, ssrc: u32) -> bool
//! }
//! ```
//!
//! `rewrite` hands `f` each field with its current value and writes back
//! what `f` returns, packet by packet in this order: SR: `Sender`,
//! `SrRtpTimestamp`, one `ReportSource` per block; RR: `Sender`, one
//! `ReportSource` per block; SDES: `Sender` per chunk; BYE: `Sender` per
//! source; APP: `Sender`; RTPFB/PSFB: `Sender`, `FeedbackMedia`. Other
//! types (XR included) are left untouched. Setters return `false` when the
//! packet type has no such field or the index is out of range. None of
//! these panics, even on bytes that were never checked; on those the walk
//! stops at the first packet whose length runs past the end.

use std::fmt;

use relay_ctl::DropReason;

mod packet;
mod sdes;

pub use packet::{ReportBlock, RtcpPacket, SenderInfo};
pub use sdes::{SdesChunks, SdesItems};

use packet::{check_packet, packet_len};

/// Why an RTCP compound packet was rejected.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum RtcpError {
    /// Shorter than a 4-byte header (the datagram, or what is left after the last packet).
    Truncated,
    BadVersion,
    /// A length field points past the end, or does not cover exactly one packet.
    BadLength,
    /// The first packet is not SR, RR, RTPFB or PSFB.
    BadFirstPacket,
    /// Padding on a packet that is not the last, or a bad padding count.
    BadPadding,
    /// Report blocks (or the SR sender info) do not fit the packet.
    BadReportBlocks,
    /// SDES chunks or items run past the packet.
    BadSdes,
    /// BYE source list or reason runs past the packet.
    BadBye,
    /// APP or feedback packet shorter than its fixed part.
    BadFixedPart,
}

impl fmt::Display for RtcpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Truncated => "RTCP packet shorter than its header",
            Self::BadVersion => "RTCP version is not 2",
            Self::BadLength => "RTCP length field does not match the datagram",
            Self::BadFirstPacket => "RTCP compound does not start with SR, RR or feedback",
            Self::BadPadding => "RTCP padding is misplaced or invalid",
            Self::BadReportBlocks => "RTCP report blocks run past the packet",
            Self::BadSdes => "RTCP SDES chunk is malformed",
            Self::BadBye => "RTCP BYE is malformed",
            Self::BadFixedPart => "RTCP APP or feedback packet is too short",
        })
    }
}

impl std::error::Error for RtcpError {}

impl From<RtcpError> for DropReason {
    fn from(_: RtcpError) -> Self {
        Self::BadRtcp
    }
}

/// RTCP packet types (RFC 3550 section 12.1, RFC 4585 section 6.1).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum PacketType {
    /// SR, 200.
    SenderReport,
    /// RR, 201.
    ReceiverReport,
    /// SDES, 202.
    SourceDescription,
    /// BYE, 203.
    Goodbye,
    /// APP, 204.
    App,
    /// RTPFB, 205: transport-layer feedback.
    TransportFeedback,
    /// PSFB, 206: payload-specific feedback.
    PayloadFeedback,
    Other(u8),
}

impl PacketType {
    pub const fn from_u8(v: u8) -> Self {
        match v {
            200 => Self::SenderReport,
            201 => Self::ReceiverReport,
            202 => Self::SourceDescription,
            203 => Self::Goodbye,
            204 => Self::App,
            205 => Self::TransportFeedback,
            206 => Self::PayloadFeedback,
            o => Self::Other(o),
        }
    }

    pub const fn to_u8(self) -> u8 {
        match self {
            Self::SenderReport => 200,
            Self::ReceiverReport => 201,
            Self::SourceDescription => 202,
            Self::Goodbye => 203,
            Self::App => 204,
            Self::TransportFeedback => 205,
            Self::PayloadFeedback => 206,
            Self::Other(o) => o,
        }
    }
}

/// Which field [`rewrite`] hands to its callback.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Field {
    /// Sender SSRC of SR, RR, APP, RTPFB, PSFB; SSRC of an SDES chunk; a BYE source.
    Sender,
    /// Source SSRC of a report block (refers to the other direction's stream).
    ReportSource,
    /// Media source SSRC of an RTPFB/PSFB (refers to the other direction's stream).
    FeedbackMedia,
    /// RTP timestamp of an SR's sender info.
    SrRtpTimestamp,
}

fn check_compound(b: &[u8]) -> Result<(), RtcpError> {
    if b.len() < RtcpPacket::<&[u8]>::HEADER_LEN {
        return Err(RtcpError::Truncated);
    }
    let first = RtcpPacket::new_unchecked(b);
    if first.version() != 2 {
        return Err(RtcpError::BadVersion);
    }
    if !matches!(
        first.packet_type(),
        PacketType::SenderReport
            | PacketType::ReceiverReport
            | PacketType::TransportFeedback
            | PacketType::PayloadFeedback
    ) {
        return Err(RtcpError::BadFirstPacket);
    }
    let mut rest = b;
    while !rest.is_empty() {
        let len = packet_len(rest).ok_or(RtcpError::Truncated)?;
        let p = RtcpPacket::new_unchecked(rest);
        if p.version() != 2 {
            return Err(RtcpError::BadVersion);
        }
        if len > rest.len() {
            return Err(RtcpError::BadLength);
        }
        if p.padding() && len < rest.len() {
            return Err(RtcpError::BadPadding);
        }
        let (pkt, tail) = rest.split_at(len);
        check_packet(pkt)?;
        rest = tail;
    }
    Ok(())
}

/// A validated RTCP compound packet.
#[derive(Debug, Clone, Copy)]
pub struct RtcpCompound<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> RtcpCompound<T> {
    /// Validates the whole compound (see the module documentation).
    pub fn new_checked(buffer: T) -> Result<Self, RtcpError> {
        check_compound(buffer.as_ref())?;
        Ok(Self { buffer })
    }

    /// Wraps without checking; iteration stops at the first packet whose
    /// length runs past the end.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// The packets of the compound.
    pub fn iter(&self) -> RtcpIter<'_> {
        RtcpIter {
            rest: self.buffer.as_ref(),
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    pub fn into_inner(self) -> T {
        self.buffer
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> RtcpCompound<T> {
    /// The packets of the compound, writable in place.
    pub fn iter_mut(&mut self) -> RtcpIterMut<'_> {
        RtcpIterMut {
            rest: self.buffer.as_mut(),
        }
    }

    /// [`RtcpPacket::rewrite`] on every packet, in order.
    pub fn rewrite(&mut self, mut f: impl FnMut(Field, u32) -> u32) {
        for mut p in self.iter_mut() {
            p.rewrite(&mut f);
        }
    }
}

impl<'a, T: AsRef<[u8]>> IntoIterator for &'a RtcpCompound<T> {
    type Item = RtcpPacket<&'a [u8]>;
    type IntoIter = RtcpIter<'a>;

    fn into_iter(self) -> RtcpIter<'a> {
        self.iter()
    }
}

/// Iterator over the packets of a compound.
#[derive(Clone, Debug)]
pub struct RtcpIter<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for RtcpIter<'a> {
    type Item = RtcpPacket<&'a [u8]>;

    fn next(&mut self) -> Option<Self::Item> {
        let len = packet_len(self.rest)?;
        if len > self.rest.len() {
            self.rest = &[];
            return None;
        }
        let (p, tail) = self.rest.split_at(len);
        self.rest = tail;
        Some(RtcpPacket::new_unchecked(p))
    }
}

/// Iterator over the packets of a compound, each writable in place.
#[derive(Debug)]
pub struct RtcpIterMut<'a> {
    rest: &'a mut [u8],
}

impl<'a> Iterator for RtcpIterMut<'a> {
    type Item = RtcpPacket<&'a mut [u8]>;

    fn next(&mut self) -> Option<Self::Item> {
        let len = packet_len(self.rest)?;
        let rest = std::mem::take(&mut self.rest);
        if len > rest.len() {
            return None;
        }
        let (p, tail) = rest.split_at_mut(len);
        self.rest = tail;
        Some(RtcpPacket::new_unchecked(p))
    }
}

/// Rewrites SSRC fields and SR RTP timestamps of a compound in place (see
/// the module documentation for the order). Meant for a buffer that passed
/// [`RtcpCompound::new_checked`]; on any other it stops at the first
/// packet whose length runs past the end and never panics.
pub fn rewrite(buf: &mut [u8], f: impl FnMut(Field, u32) -> u32) {
    RtcpCompound::new_unchecked(buf).rewrite(f);
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// SR with one block, SDES (CNAME, NOTE), BYE with reason, PSFB PLI, APP.
    pub(crate) fn sr_with_block() -> Vec<u8> {
        let mut p = vec![0x81, 200, 0, 12];
        p.extend_from_slice(&0xAAAA_AAAAu32.to_be_bytes());
        p.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 2]); // NTP
        p.extend_from_slice(&1000u32.to_be_bytes());
        p.extend_from_slice(&5u32.to_be_bytes());
        p.extend_from_slice(&800u32.to_be_bytes());
        // report block
        p.extend_from_slice(&0xBBBB_BBBBu32.to_be_bytes());
        p.extend_from_slice(&[0x40, 0xff, 0xff, 0xfe]); // 25% lost, cumulative -2
        p.extend_from_slice(&70_000u32.to_be_bytes());
        p.extend_from_slice(&12u32.to_be_bytes());
        p.extend_from_slice(&[0, 0, 0, 7, 0, 0, 0, 9]);
        // SDES: chunk with CNAME "cb" and NOTE "x"
        p.extend_from_slice(&[0x81, 202, 0, 4]);
        p.extend_from_slice(&0xAAAA_AAAAu32.to_be_bytes());
        p.extend_from_slice(&[1, 2, b'c', b'b', 7, 1, b'x', 0, 0, 0, 0, 0]);
        // BYE with reason "bye"
        p.extend_from_slice(&[0x81, 203, 0, 2]);
        p.extend_from_slice(&0xAAAA_AAAAu32.to_be_bytes());
        p.extend_from_slice(&[3, b'b', b'y', b'e']);
        // PSFB PLI
        p.extend_from_slice(&[0x81, 206, 0, 2]);
        p.extend_from_slice(&0xAAAA_AAAAu32.to_be_bytes());
        p.extend_from_slice(&0xCCCC_CCCCu32.to_be_bytes());
        // APP "name"
        p.extend_from_slice(&[0x80, 204, 0, 2]);
        p.extend_from_slice(&0xAAAA_AAAAu32.to_be_bytes());
        p.extend_from_slice(b"name");
        p
    }

    fn checked(b: &[u8]) -> Result<(), RtcpError> {
        RtcpCompound::new_checked(b).map(|_| ())
    }

    #[test]
    fn parses_compound() {
        let b = sr_with_block();
        let c = RtcpCompound::new_checked(&b[..]).unwrap();
        let pkts: Vec<_> = c.iter().collect();
        assert_eq!(pkts.len(), 5);
        assert_eq!(pkts[0].packet_type(), PacketType::SenderReport);
        assert_eq!(
            (pkts[0].version(), pkts[0].count(), pkts[0].length()),
            (2, 1, 12)
        );
        assert_eq!((pkts[0].len(), pkts[0].padding_len()), (52, 0));
        let si = pkts[0].sender_info().unwrap();
        assert_eq!(
            (si.ntp, si.rtp_ts, si.packets, si.octets),
            ((1 << 32) | 2, 1000, 5, 800)
        );
        let rb: Vec<_> = pkts[0].report_blocks().collect();
        assert_eq!(
            rb,
            vec![ReportBlock {
                ssrc: 0xBBBB_BBBB,
                fraction_lost: 0x40,
                cumulative_lost: -2,
                highest_seq: 70_000,
                jitter: 12,
                lsr: 7,
                dlsr: 9,
            }]
        );
        assert_eq!(pkts[0].report_block(1), None);
        let chunks: Vec<_> = pkts[1]
            .sdes_chunks()
            .map(|(s, items)| (s, items.collect::<Vec<_>>()))
            .collect();
        assert_eq!(
            chunks,
            vec![(0xAAAA_AAAA, vec![(1, &b"cb"[..]), (7, &b"x"[..])])]
        );
        assert_eq!(pkts[1].sender_ssrc(), Some(0xAAAA_AAAA));
        assert_eq!(pkts[2].bye_sources().collect::<Vec<_>>(), vec![0xAAAA_AAAA]);
        assert_eq!(pkts[2].bye_reason(), Some(&b"bye"[..]));
        assert_eq!(pkts[3].media_ssrc(), Some(0xCCCC_CCCC));
        assert_eq!((pkts[3].count(), pkts[3].fci()), (1, Some(&[][..])));
        assert_eq!(pkts[4].app_name(), Some(*b"name"));
        assert_eq!(pkts[4].app_data(), Some(&[][..]));
        assert_eq!(pkts[4].sender_ssrc(), Some(0xAAAA_AAAA));
        // Type-specific accessors are empty on the other types.
        assert_eq!(pkts[1].sender_info(), None);
        assert_eq!(pkts[1].report_blocks().count(), 0);
        assert_eq!(pkts[0].sdes_chunks().count(), 0);
        assert_eq!(pkts[0].bye_sources().count(), 0);
        assert_eq!((pkts[0].bye_reason(), pkts[0].media_ssrc()), (None, None));
        assert_eq!((pkts[0].app_name(), pkts[0].fci()), (None, None));
        for t in 0..=255u8 {
            assert_eq!(PacketType::from_u8(t).to_u8(), t);
        }
    }

    #[test]
    fn rewrite_touches_every_ssrc_field_in_order() {
        let mut b = sr_with_block();
        let mut seen = [None; 8];
        let mut i = 0;
        rewrite(&mut b, |field, v| {
            seen[i] = Some(field);
            i += 1;
            match field {
                Field::Sender => {
                    assert_eq!(v, 0xAAAA_AAAA);
                    0x1111_1111
                }
                Field::ReportSource => 0x2222_2222,
                Field::FeedbackMedia => 0x3333_3333,
                Field::SrRtpTimestamp => v + 10,
            }
        });
        let (s, t, r, m) = (
            Field::Sender,
            Field::SrRtpTimestamp,
            Field::ReportSource,
            Field::FeedbackMedia,
        );
        assert_eq!(seen[..i], [s, t, r, s, s, s, m, s].map(Some));
        let c = RtcpCompound::new_checked(&b[..]).unwrap();
        let pkts: Vec<_> = c.iter().collect();
        assert_eq!(pkts[0].sender_ssrc(), Some(0x1111_1111));
        assert_eq!(pkts[0].sender_info().unwrap().rtp_ts, 1010);
        assert_eq!(pkts[0].report_blocks().next().unwrap().ssrc, 0x2222_2222);
        assert_eq!(pkts[1].sdes_chunks().next().unwrap().0, 0x1111_1111);
        assert_eq!(pkts[2].bye_sources().next(), Some(0x1111_1111));
        assert_eq!(pkts[3].media_ssrc(), Some(0x3333_3333));
        assert_eq!(pkts[4].sender_ssrc(), Some(0x1111_1111));
    }

    #[test]
    fn every_error_path() {
        let good = sr_with_block();
        assert_eq!(checked(&[]), Err(RtcpError::Truncated));
        assert_eq!(checked(&good[..3]), Err(RtcpError::Truncated));
        let mut v = good.clone();
        v[3] = 40;
        assert_eq!(checked(&v), Err(RtcpError::BadLength));
        let mut v = good.clone();
        v[0] = 0x41;
        assert_eq!(checked(&v), Err(RtcpError::BadVersion));
        for first in [202, 203, 204, 207, 0] {
            let mut v = good.clone();
            v[1] = first;
            assert_eq!(checked(&v), Err(RtcpError::BadFirstPacket), "type {first}");
        }
        let mut v = good.clone();
        v[52] = 0x41; // SDES header with version 1
        assert_eq!(checked(&v), Err(RtcpError::BadVersion));
        let mut v = good.clone();
        v[0] = 0x83; // SR claims 3 report blocks
        assert_eq!(checked(&v), Err(RtcpError::BadReportBlocks));
        let mut rr = vec![0x82, 201, 0, 7, 0, 0, 0, 1];
        rr.resize(32, 0); // two blocks claimed, room for one
        assert_eq!(checked(&rr), Err(RtcpError::BadReportBlocks));
        assert_eq!(
            checked(&[0x80, 200, 0, 1, 0, 0, 0, 1]),
            Err(RtcpError::BadReportBlocks)
        );
        let mut v = good.clone();
        v[0] |= 0x20; // padding on the first of several
        assert_eq!(checked(&v), Err(RtcpError::BadPadding));
        let mut v = good.clone();
        v[61] = 200; // SDES item length past the end
        assert_eq!(checked(&v), Err(RtcpError::BadSdes));
        let mut v = good.clone();
        v[52] = 0x82; // SDES claims a second chunk
        assert_eq!(checked(&v), Err(RtcpError::BadSdes));
        let mut v = good.clone();
        v[80] = 9; // BYE reason longer than the packet
        assert_eq!(checked(&v), Err(RtcpError::BadBye));
        let mut v = good.clone();
        v[72] = 0x83; // BYE claims 3 sources
        assert_eq!(checked(&v), Err(RtcpError::BadBye));
        let app = [0x80, 201, 0, 1, 0, 0, 0, 1, 0x80, 204, 0, 1, 0, 0, 0, 1];
        assert_eq!(checked(&app), Err(RtcpError::BadFixedPart));
        let fb = [0x81, 205, 0, 1, 0, 0, 0, 1];
        assert_eq!(checked(&fb), Err(RtcpError::BadFixedPart));
        // trailing bytes: fewer than a header, or a header whose length overruns
        let mut v = good.clone();
        v.extend_from_slice(&[0x80, 200]);
        assert_eq!(checked(&v), Err(RtcpError::Truncated));
        let mut v = good.clone();
        v.extend_from_slice(&[0x80, 204, 0, 2, 0, 0, 0, 0]);
        assert_eq!(checked(&v), Err(RtcpError::BadLength));
        assert_eq!(DropReason::from(RtcpError::BadSdes), DropReason::BadRtcp);
        assert_eq!(
            RtcpError::BadFirstPacket.to_string(),
            "RTCP compound does not start with SR, RR or feedback"
        );
    }

    #[test]
    fn padding_on_last_packet_and_reduced_size() {
        let mut rr = vec![0xA0, 201, 0, 2, 0, 0, 0, 9, 0, 0, 0, 4];
        assert!(checked(&rr).is_ok());
        rr[11] = 9;
        assert_eq!(checked(&rr), Err(RtcpError::BadPadding));
        rr[11] = 0;
        assert_eq!(checked(&rr), Err(RtcpError::BadPadding));
        rr[11] = 8; // eats into the sender SSRC: header stays, RR layout fails
        assert_eq!(checked(&rr), Err(RtcpError::BadReportBlocks));
        let pli = [0x81, 206, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2];
        assert!(checked(&pli).is_ok(), "RFC 5506 reduced-size feedback");
        let nack = [0x81, 205, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 5, 0, 0];
        let c = RtcpCompound::new_checked(&nack[..]).unwrap();
        assert_eq!(c.iter().next().unwrap().fci(), Some(&[0, 5, 0, 0][..]));
    }

    #[test]
    fn prefixes_and_noise_never_panic() {
        let good = sr_with_block();
        let mut valid = 0;
        for n in 0..=good.len() {
            let mut v = good[..n].to_vec();
            if let Ok(c) = RtcpCompound::new_checked(&v[..]) {
                assert!(
                    [52, 72, 84, 96, 108].contains(&n),
                    "only whole packets, not {n}"
                );
                valid += 1;
                for p in c.iter() {
                    let _ = (
                        p.report_blocks().count(),
                        p.sdes_chunks().count(),
                        p.sender_info(),
                    );
                }
            }
            rewrite(&mut v, |_, x| x ^ 1);
            crate::wire::fuzz_rtcp_rewrite(&good[..n]);
        }
        assert_eq!(valid, 5);
        let mut x = 0x1234_5678_9abc_def1u64;
        for _ in 0..20_000 {
            let mut buf = [0u8; 64];
            x = crate::testutil::fill(x, &mut buf);
            buf[0] = 0x80 | (buf[0] & 0x3f);
            buf[1] = 200 + (buf[1] % 8);
            buf[2] = 0;
            let n = (x as usize >> 24) % 65;
            if let Ok(c) = RtcpCompound::new_checked(&buf[..n]) {
                for p in c.iter() {
                    let _ = (
                        p.report_blocks().count(),
                        p.sdes_chunks().flat_map(|(_, i)| i).count(),
                        p.bye_sources().count(),
                        p.bye_reason(),
                        p.fci(),
                    );
                }
            }
            crate::wire::fuzz_rtcp_rewrite(&buf[..n]);
            rewrite(&mut buf[..n], |_, v| v.wrapping_add(1));
            let p = RtcpPacket::new_unchecked(&buf[..n.max(4)]);
            let _ = (
                p.sender_ssrc(),
                p.report_blocks().count(),
                p.sdes_chunks().count(),
                p.bye_reason(),
            );
        }
    }
}
