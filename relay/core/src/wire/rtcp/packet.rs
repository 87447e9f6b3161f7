//! One RTCP packet: header, the type-specific parts of RFC 3550 section 6
//! and the RFC 4585 feedback header, read and rewritten in place.

use super::sdes::{sdes_chunk_end, SdesChunks};
use super::{Field, PacketType, RtcpError};

/// SR sender info (RFC 3550 section 6.4.1).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct SenderInfo {
    pub ntp: u64,
    pub rtp_ts: u32,
    pub packets: u32,
    pub octets: u32,
}

/// One reception report block (RFC 3550 section 6.4.1).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct ReportBlock {
    pub ssrc: u32,
    pub fraction_lost: u8,
    /// 24-bit signed cumulative loss, sign-extended.
    pub cumulative_lost: i32,
    pub highest_seq: u32,
    pub jitter: u32,
    pub lsr: u32,
    pub dlsr: u32,
}

mod field {
    use std::ops::Range;
    pub(super) const FLAGS: usize = 0;
    pub(super) const PT: usize = 1;
    pub(super) const LENGTH: Range<usize> = 2..4;
    pub(super) const SSRC: usize = 4;
    pub(super) const SR_NTP: usize = 8;
    pub(super) const SR_RTP_TS: usize = 16;
    pub(super) const SR_PACKETS: usize = 20;
    pub(super) const SR_OCTETS: usize = 24;
    pub(super) const SR_BLOCKS: usize = 28;
    pub(super) const RR_BLOCKS: usize = 8;
    pub(super) const REPORT_BLOCK_LEN: usize = 24;
    /// SDES chunks and BYE sources start right after the header.
    pub(super) const LIST: usize = 4;
    pub(super) const MEDIA_SSRC: usize = 8;
    pub(super) const APP_NAME: usize = 8;
    /// APP data and feedback FCI.
    pub(super) const TAIL: usize = 12;
}

pub(super) fn read32(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..)?
        .first_chunk::<4>()
        .map(|w| u32::from_be_bytes(*w))
}

fn write32(b: &mut [u8], at: usize, v: u32) -> bool {
    match b.get_mut(at..).and_then(<[u8]>::first_chunk_mut::<4>) {
        Some(w) => {
            *w = v.to_be_bytes();
            true
        }
        None => false,
    }
}

/// Bytes covered by the length field at the start of `b`, if `b` holds a header.
pub(super) fn packet_len(b: &[u8]) -> Option<usize> {
    if b.len() < RtcpPacket::<&[u8]>::HEADER_LEN {
        return None;
    }
    let l = u16::from_be_bytes([b[field::LENGTH.start], b[field::LENGTH.start + 1]]);
    Some((usize::from(l) + 1) * 4)
}

/// Length of `b` without its padding; all of `b` if the padding count is unusable.
fn body_len(b: &[u8]) -> usize {
    let n = b.len();
    match (b.first(), b.last()) {
        (Some(f), Some(&p))
            if f & 0x20 != 0 && (1..=n.saturating_sub(4)).contains(&usize::from(p)) =>
        {
            n - usize::from(p)
        }
        _ => n,
    }
}

/// Start of the report blocks of an SR or RR.
pub(super) fn blocks_start(ty: PacketType) -> Option<usize> {
    match ty {
        PacketType::SenderReport => Some(field::SR_BLOCKS),
        PacketType::ReceiverReport => Some(field::RR_BLOCKS),
        _ => None,
    }
}

/// Checks one packet whose length field must cover exactly `b`.
pub(super) fn check_packet(b: &[u8]) -> Result<(), RtcpError> {
    if b.len() < RtcpPacket::<&[u8]>::HEADER_LEN {
        return Err(RtcpError::Truncated);
    }
    if b[field::FLAGS] >> 6 != 2 {
        return Err(RtcpError::BadVersion);
    }
    if packet_len(b) != Some(b.len()) {
        return Err(RtcpError::BadLength);
    }
    let body = if b[field::FLAGS] & 0x20 != 0 {
        let pad = usize::from(b[b.len() - 1]);
        if pad == 0 || pad > b.len() - 4 {
            return Err(RtcpError::BadPadding);
        }
        &b[..b.len() - pad]
    } else {
        b
    };
    check_layout(body)
}

/// Checks the type-specific layout of one packet without its padding.
fn check_layout(b: &[u8]) -> Result<(), RtcpError> {
    let count = usize::from(b[field::FLAGS] & 0x1f);
    let ty = PacketType::from_u8(b[field::PT]);
    match ty {
        PacketType::SenderReport | PacketType::ReceiverReport => {
            let start = blocks_start(ty).unwrap_or(field::SR_BLOCKS);
            if b.len() < start + count * field::REPORT_BLOCK_LEN {
                return Err(RtcpError::BadReportBlocks);
            }
        }
        PacketType::SourceDescription => {
            let mut pos = field::LIST;
            for _ in 0..count {
                pos = sdes_chunk_end(b, pos).ok_or(RtcpError::BadSdes)?;
            }
        }
        PacketType::Goodbye => {
            let end = field::LIST + 4 * count;
            if end > b.len() {
                return Err(RtcpError::BadBye);
            }
            if end < b.len() && end + 1 + usize::from(b[end]) > b.len() {
                return Err(RtcpError::BadBye);
            }
        }
        PacketType::App | PacketType::TransportFeedback | PacketType::PayloadFeedback => {
            if b.len() < field::TAIL {
                return Err(RtcpError::BadFixedPart);
            }
        }
        PacketType::Other(_) => {}
    }
    Ok(())
}

/// A view of one RTCP packet (its own bytes, padding included).
#[derive(Debug, Clone, Copy)]
pub struct RtcpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> RtcpPacket<T> {
    pub const HEADER_LEN: usize = 4;

    /// Wraps a buffer without checking it: for packets we build ourselves.
    /// The header accessors panic on fewer than 4 bytes; the others return
    /// `None` or stop early on a buffer shorter than its header says.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps and validates a single packet whose length field covers exactly
    /// `buffer` (padding is allowed: position rules belong to the compound).
    pub fn new_checked(buffer: T) -> Result<Self, RtcpError> {
        check_packet(buffer.as_ref())?;
        Ok(Self { buffer })
    }

    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The packet's bytes, padding included.
    pub fn as_bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::FLAGS] >> 6
    }

    pub fn padding(&self) -> bool {
        self.buffer.as_ref()[field::FLAGS] & 0x20 != 0
    }

    /// The 5-bit count field: report count, source count, FMT or APP subtype.
    pub fn count(&self) -> u8 {
        self.buffer.as_ref()[field::FLAGS] & 0x1f
    }

    pub fn packet_type(&self) -> PacketType {
        PacketType::from_u8(self.buffer.as_ref()[field::PT])
    }

    /// The raw length field: 32-bit words minus one.
    pub fn length(&self) -> u16 {
        let b = self.buffer.as_ref();
        u16::from_be_bytes([b[field::LENGTH.start], b[field::LENGTH.start + 1]])
    }

    /// Length of this packet in bytes, header and padding included.
    pub fn len(&self) -> usize {
        self.buffer.as_ref().len()
    }

    pub fn is_empty(&self) -> bool {
        self.buffer.as_ref().is_empty()
    }

    pub fn padding_len(&self) -> usize {
        self.len() - body_len(self.buffer.as_ref())
    }

    /// The packet without its padding.
    fn body(&self) -> &[u8] {
        let b = self.buffer.as_ref();
        &b[..body_len(b)]
    }

    /// SSRC of the packet sender (SR, RR, APP, RTPFB, PSFB); for SDES and
    /// BYE, the first chunk's or source's SSRC. `None` for other types.
    pub fn sender_ssrc(&self) -> Option<u32> {
        match self.packet_type() {
            PacketType::SenderReport
            | PacketType::ReceiverReport
            | PacketType::App
            | PacketType::TransportFeedback
            | PacketType::PayloadFeedback => read32(self.body(), field::SSRC),
            PacketType::SourceDescription | PacketType::Goodbye if self.count() > 0 => {
                read32(self.body(), field::LIST)
            }
            _ => None,
        }
    }

    pub fn sender_info(&self) -> Option<SenderInfo> {
        if self.packet_type() != PacketType::SenderReport {
            return None;
        }
        let b = self.body();
        Some(SenderInfo {
            ntp: (u64::from(read32(b, field::SR_NTP)?) << 32)
                | u64::from(read32(b, field::SR_NTP + 4)?),
            rtp_ts: read32(b, field::SR_RTP_TS)?,
            packets: read32(b, field::SR_PACKETS)?,
            octets: read32(b, field::SR_OCTETS)?,
        })
    }

    /// The `i`th report block of an SR or RR.
    pub fn report_block(&self, i: usize) -> Option<ReportBlock> {
        let start = blocks_start(self.packet_type())?;
        if i >= usize::from(self.count()) {
            return None;
        }
        let w = self
            .body()
            .get(start + i * field::REPORT_BLOCK_LEN..)?
            .first_chunk::<24>()?;
        let at = |o: usize| u32::from_be_bytes([w[o], w[o + 1], w[o + 2], w[o + 3]]);
        let lost = at(4);
        Some(ReportBlock {
            ssrc: at(0),
            fraction_lost: w[4],
            cumulative_lost: ((lost << 8) as i32) >> 8,
            highest_seq: at(8),
            jitter: at(12),
            lsr: at(16),
            dlsr: at(20),
        })
    }

    /// Report blocks of an SR or RR (empty for other types).
    pub fn report_blocks(&self) -> impl Iterator<Item = ReportBlock> + '_ {
        (0..usize::from(self.count())).map_while(move |i| self.report_block(i))
    }

    /// Media source SSRC of an RTPFB/PSFB packet.
    pub fn media_ssrc(&self) -> Option<u32> {
        self.is_feedback()
            .then(|| read32(self.body(), field::MEDIA_SSRC))
            .flatten()
    }

    /// Feedback control information of an RTPFB/PSFB packet (RFC 4585 6.1).
    pub fn fci(&self) -> Option<&[u8]> {
        self.is_feedback()
            .then(|| self.body().get(field::TAIL..))
            .flatten()
    }

    fn is_feedback(&self) -> bool {
        matches!(
            self.packet_type(),
            PacketType::TransportFeedback | PacketType::PayloadFeedback
        )
    }

    /// Four-character name of an APP packet.
    pub fn app_name(&self) -> Option<[u8; 4]> {
        (self.packet_type() == PacketType::App)
            .then(|| {
                self.body()
                    .get(field::APP_NAME..)?
                    .first_chunk::<4>()
                    .copied()
            })
            .flatten()
    }

    /// Application-dependent data of an APP packet.
    pub fn app_data(&self) -> Option<&[u8]> {
        (self.packet_type() == PacketType::App)
            .then(|| self.body().get(field::TAIL..))
            .flatten()
    }

    /// SSRCs listed in a BYE (empty for other types).
    pub fn bye_sources(&self) -> impl Iterator<Item = u32> + '_ {
        let n = if self.packet_type() == PacketType::Goodbye {
            usize::from(self.count())
        } else {
            0
        };
        let b = self.body();
        (0..n).map_while(move |i| read32(b, field::LIST + 4 * i))
    }

    /// The reason for leaving of a BYE, if it carries one.
    pub fn bye_reason(&self) -> Option<&[u8]> {
        if self.packet_type() != PacketType::Goodbye {
            return None;
        }
        let b = self.body();
        let at = field::LIST + 4 * usize::from(self.count());
        let len = usize::from(*b.get(at)?);
        b.get(at + 1..at + 1 + len)
    }

    /// SDES chunks as `(ssrc, items)` (empty for other types).
    pub fn sdes_chunks(&self) -> SdesChunks<'_> {
        let left = if self.packet_type() == PacketType::SourceDescription {
            self.count()
        } else {
            0
        };
        SdesChunks::new(self.body(), left)
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> RtcpPacket<T> {
    /// Writes `v` at `at` inside the packet body.
    fn put(&mut self, at: usize, v: u32) -> bool {
        let n = body_len(self.buffer.as_ref());
        match self.buffer.as_mut().get_mut(..n) {
            Some(b) => write32(b, at, v),
            None => false,
        }
    }

    /// Sender SSRC of an SR, RR, APP, RTPFB or PSFB.
    pub fn set_sender_ssrc(&mut self, ssrc: u32) -> bool {
        match self.packet_type() {
            PacketType::SenderReport
            | PacketType::ReceiverReport
            | PacketType::App
            | PacketType::TransportFeedback
            | PacketType::PayloadFeedback => self.put(field::SSRC, ssrc),
            _ => false,
        }
    }

    /// RTP timestamp of an SR's sender info.
    pub fn set_sr_rtp_timestamp(&mut self, ts: u32) -> bool {
        self.packet_type() == PacketType::SenderReport && self.put(field::SR_RTP_TS, ts)
    }

    /// Source SSRC of the `i`th report block of an SR or RR.
    pub fn set_report_block_ssrc(&mut self, i: usize, ssrc: u32) -> bool {
        match blocks_start(self.packet_type()) {
            Some(start) if i < usize::from(self.count()) => {
                self.put(start + i * field::REPORT_BLOCK_LEN, ssrc)
            }
            _ => false,
        }
    }

    /// Media source SSRC of an RTPFB or PSFB.
    pub fn set_media_ssrc(&mut self, ssrc: u32) -> bool {
        self.is_feedback() && self.put(field::MEDIA_SSRC, ssrc)
    }

    /// SSRC of the `i`th SDES chunk.
    pub fn set_sdes_chunk_ssrc(&mut self, i: usize, ssrc: u32) -> bool {
        if self.packet_type() != PacketType::SourceDescription || i >= usize::from(self.count()) {
            return false;
        }
        let mut pos = field::LIST;
        for _ in 0..i {
            match sdes_chunk_end(self.body(), pos) {
                Some(end) => pos = end,
                None => return false,
            }
        }
        sdes_chunk_end(self.body(), pos).is_some() && self.put(pos, ssrc)
    }

    /// The `i`th source of a BYE.
    pub fn set_bye_source(&mut self, i: usize, ssrc: u32) -> bool {
        self.packet_type() == PacketType::Goodbye
            && i < usize::from(self.count())
            && self.put(field::LIST + 4 * i, ssrc)
    }

    /// Maps every SSRC field and the SR RTP timestamp through `f`, in the
    /// order given in the module documentation.
    pub fn rewrite(&mut self, mut f: impl FnMut(Field, u32) -> u32) {
        let count = usize::from(self.count());
        let ty = self.packet_type();
        let n = body_len(self.buffer.as_ref());
        let Some(b) = self.buffer.as_mut().get_mut(..n) else {
            return;
        };
        let mut map = |b: &mut [u8], at: usize, which: Field| {
            if let Some(w) = b.get_mut(at..).and_then(<[u8]>::first_chunk_mut::<4>) {
                *w = f(which, u32::from_be_bytes(*w)).to_be_bytes();
            }
        };
        match ty {
            PacketType::SenderReport | PacketType::ReceiverReport => {
                map(b, field::SSRC, Field::Sender);
                if ty == PacketType::SenderReport {
                    map(b, field::SR_RTP_TS, Field::SrRtpTimestamp);
                }
                let start = blocks_start(ty).unwrap_or(field::SR_BLOCKS);
                for i in 0..count {
                    map(b, start + i * field::REPORT_BLOCK_LEN, Field::ReportSource);
                }
            }
            PacketType::SourceDescription => {
                let mut pos = field::LIST;
                for _ in 0..count {
                    let Some(end) = sdes_chunk_end(b, pos) else {
                        break;
                    };
                    map(b, pos, Field::Sender);
                    pos = end;
                }
            }
            PacketType::Goodbye => {
                for i in 0..count {
                    map(b, field::LIST + 4 * i, Field::Sender);
                }
            }
            PacketType::App => map(b, field::SSRC, Field::Sender),
            PacketType::TransportFeedback | PacketType::PayloadFeedback => {
                map(b, field::SSRC, Field::Sender);
                map(b, field::MEDIA_SSRC, Field::FeedbackMedia);
            }
            PacketType::Other(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::rtcp::{rewrite, tests::sr_with_block, RtcpCompound};

    #[test]
    fn setters_and_iter_mut() {
        let mut b = sr_with_block();
        let mut c = RtcpCompound::new_checked(&mut b[..]).unwrap();
        let mut it = c.iter_mut();
        let mut sr = it.next().unwrap();
        assert!(sr.set_sender_ssrc(1) && sr.set_sr_rtp_timestamp(2));
        assert!(sr.set_report_block_ssrc(0, 3) && !sr.set_report_block_ssrc(1, 3));
        assert!(!sr.set_media_ssrc(4) && !sr.set_bye_source(0, 4));
        let mut sdes = it.next().unwrap();
        assert!(!sdes.set_sender_ssrc(1) && !sdes.set_sr_rtp_timestamp(2));
        assert!(sdes.set_sdes_chunk_ssrc(0, 5) && !sdes.set_sdes_chunk_ssrc(1, 5));
        let mut bye = it.next().unwrap();
        assert!(bye.set_bye_source(0, 6) && !bye.set_bye_source(1, 6));
        let mut fb = it.next().unwrap();
        assert!(fb.set_sender_ssrc(7) && fb.set_media_ssrc(8));
        assert!(!fb.set_report_block_ssrc(0, 1));
        let mut app = it.next().unwrap();
        assert!(app.set_sender_ssrc(9) && !app.set_media_ssrc(9));
        assert!(it.next().is_none());
        let c = RtcpCompound::new_checked(&b[..]).unwrap();
        let p: Vec<_> = c.into_iter().collect();
        assert_eq!(p[0].sender_ssrc(), Some(1));
        assert_eq!(p[0].sender_info().unwrap().rtp_ts, 2);
        assert_eq!(p[0].report_block(0).unwrap().ssrc, 3);
        assert_eq!(p[1].sender_ssrc(), Some(5));
        assert_eq!(p[2].bye_sources().next(), Some(6));
        assert_eq!((p[3].sender_ssrc(), p[3].media_ssrc()), (Some(7), Some(8)));
        assert_eq!(p[4].sender_ssrc(), Some(9));
        // An unknown type (XR, 207) is carried but never rewritten.
        let mut xr = vec![0x80, 201, 0, 1, 0, 0, 0, 1, 0x80, 207, 0, 1, 0, 0, 0, 2];
        assert!(RtcpCompound::new_checked(&xr[..]).is_ok());
        rewrite(&mut xr, |_, v| v + 100);
        assert_eq!(&xr[4..8], &101u32.to_be_bytes());
        assert_eq!(&xr[12..16], &2u32.to_be_bytes());
        let c = RtcpCompound::new_checked(&xr[..]).unwrap();
        let p = c.iter().nth(1).unwrap();
        assert_eq!(
            (p.packet_type(), p.sender_ssrc()),
            (PacketType::Other(207), None)
        );
    }

    #[test]
    fn single_packet_view() {
        let rr = [0xA0, 201, 0, 2, 0, 0, 0, 9, 0, 0, 0, 4];
        let p = RtcpPacket::new_checked(&rr[..]).unwrap();
        assert!(p.padding());
        assert_eq!((p.padding_len(), p.sender_ssrc()), (4, Some(9)));
        assert_eq!(
            RtcpPacket::new_checked(&rr[..8]).unwrap_err(),
            RtcpError::BadLength
        );
        assert_eq!(
            RtcpPacket::new_checked(&rr[..3]).unwrap_err(),
            RtcpError::Truncated
        );
        // Padding counted: SR padded, SDES chunk must fit before the padding.
        let sdes = [0xA1, 202, 0, 2, 0, 0, 0, 1, 1, 0, 0, 2];
        assert_eq!(
            RtcpPacket::new_checked(&sdes[..]).unwrap_err(),
            RtcpError::BadSdes
        );
    }
}
