//! RTCP compound packets (RFC 3550 section 6, RFC 4585 feedback headers).
//!
//! [`RtcpCompound::new_checked`] validates a whole compound packet once:
//! every sub-packet has version 2 and a length inside the datagram, the
//! walk ends exactly at the end, padding appears only on the last packet,
//! and each known type's fixed parts (report blocks, SDES chunks, BYE
//! sources, APP name, feedback SSRCs) fit. The first packet must be SR or
//! RR (RFC 3550 A.2), or RTPFB/PSFB for reduced-size RTCP (RFC 5506).
//!
//! In-place rewriting, for a buffer that passed `new_checked`:
//! `rewrite(buf: &mut [u8], f: impl FnMut(Field, u32) -> u32)` calls `f`
//! with every SSRC-bearing field (and the SR RTP timestamp) and writes back
//! what it returns.

use std::fmt;

use relay_ctl::DropReason;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum RtcpError {
    Truncated,
    BadVersion,
    /// A length field points past the end, or the walk does not end exactly at the end.
    BadLength,
    /// The first packet is not SR, RR, RTPFB or PSFB.
    BadFirstPacket,
    /// Padding on a packet that is not the last, or a bad padding count.
    BadPadding,
    /// Report blocks do not fit the packet.
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

/// RTCP packet types.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum PacketType {
    SenderReport,
    ReceiverReport,
    SourceDescription,
    Goodbye,
    App,
    /// RFC 4585 transport-layer feedback.
    TransportFeedback,
    /// RFC 4585 payload-specific feedback.
    PayloadFeedback,
    Other(u8),
}

impl PacketType {
    pub fn from_u8(v: u8) -> Self {
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
}

/// SR sender info (RFC 3550 section 6.4.1).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct SenderInfo {
    pub ntp: u64,
    pub rtp_ts: u32,
    pub packets: u32,
    pub octets: u32,
}

/// One reception report block.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct ReportBlock {
    pub ssrc: u32,
    pub fraction_lost: u8,
    /// 24-bit signed cumulative loss.
    pub cumulative_lost: i32,
    pub highest_seq: u32,
    pub jitter: u32,
    pub lsr: u32,
    pub dlsr: u32,
}

const REPORT_BLOCK_LEN: usize = 24;
const SENDER_INFO_LEN: usize = 20;

fn be32(b: &[u8], o: usize) -> u32 {
    u32::from_be_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]])
}

/// One RTCP packet inside a validated compound (bytes of that packet only,
/// padding included).
#[derive(Copy, Clone, Debug)]
pub struct RtcpPacket<'a> {
    b: &'a [u8],
}

impl<'a> RtcpPacket<'a> {
    pub fn packet_type(&self) -> PacketType {
        PacketType::from_u8(self.b[1])
    }

    /// The 5-bit count field (report count, source count, or FMT).
    pub fn count(&self) -> u8 {
        self.b[0] & 0x1f
    }

    pub fn padding(&self) -> bool {
        self.b[0] & 0x20 != 0
    }

    /// Length of this packet in bytes.
    pub fn len(&self) -> usize {
        self.b.len()
    }

    pub fn is_empty(&self) -> bool {
        self.b.is_empty()
    }

    pub fn bytes(&self) -> &'a [u8] {
        self.b
    }

    /// SSRC of the sender (SR, RR, APP, RTPFB, PSFB); first chunk/source for SDES/BYE.
    pub fn sender_ssrc(&self) -> Option<u32> {
        (self.b.len() >= 8
            && !(self.count() == 0
                && matches!(
                    self.packet_type(),
                    PacketType::SourceDescription | PacketType::Goodbye
                )))
        .then(|| be32(self.b, 4))
    }

    pub fn sender_info(&self) -> Option<SenderInfo> {
        (self.packet_type() == PacketType::SenderReport).then(|| SenderInfo {
            ntp: (u64::from(be32(self.b, 8)) << 32) | u64::from(be32(self.b, 12)),
            rtp_ts: be32(self.b, 16),
            packets: be32(self.b, 20),
            octets: be32(self.b, 24),
        })
    }

    /// Report blocks of an SR or RR.
    pub fn report_blocks(&self) -> impl Iterator<Item = ReportBlock> + 'a {
        let start = match self.packet_type() {
            PacketType::SenderReport => 8 + SENDER_INFO_LEN,
            PacketType::ReceiverReport => 8,
            _ => 0,
        };
        let n = if start == 0 {
            0
        } else {
            usize::from(self.count())
        };
        let b = self.b;
        (0..n).map(move |i| {
            let o = start + i * REPORT_BLOCK_LEN;
            let lost = be32(b, o + 4);
            ReportBlock {
                ssrc: be32(b, o),
                fraction_lost: (lost >> 24) as u8,
                cumulative_lost: ((lost << 8) as i32) >> 8,
                highest_seq: be32(b, o + 8),
                jitter: be32(b, o + 12),
                lsr: be32(b, o + 16),
                dlsr: be32(b, o + 20),
            }
        })
    }

    /// Media source SSRC of an RTPFB/PSFB packet.
    pub fn media_ssrc(&self) -> Option<u32> {
        matches!(
            self.packet_type(),
            PacketType::TransportFeedback | PacketType::PayloadFeedback
        )
        .then(|| be32(self.b, 8))
    }

    /// Four-character name of an APP packet.
    pub fn app_name(&self) -> Option<[u8; 4]> {
        (self.packet_type() == PacketType::App)
            .then(|| [self.b[8], self.b[9], self.b[10], self.b[11]])
    }

    /// SSRCs listed in a BYE.
    pub fn bye_sources(&self) -> impl Iterator<Item = u32> + 'a {
        let n = if self.packet_type() == PacketType::Goodbye {
            usize::from(self.count())
        } else {
            0
        };
        let b = self.b;
        (0..n).map(move |i| be32(b, 4 + 4 * i))
    }

    /// SDES chunks as `(ssrc, items)`, items as `(type, value)`.
    pub fn sdes_chunks(&self) -> SdesChunks<'a> {
        let n = if self.packet_type() == PacketType::SourceDescription {
            self.count()
        } else {
            0
        };
        SdesChunks {
            b: self.b,
            pos: 4,
            left: n,
        }
    }
}

/// Iterator over SDES chunks of a validated packet.
#[derive(Clone, Debug)]
pub struct SdesChunks<'a> {
    b: &'a [u8],
    pos: usize,
    left: u8,
}

impl<'a> Iterator for SdesChunks<'a> {
    type Item = (u32, SdesItems<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let ssrc = be32(self.b, self.pos);
        let items_start = self.pos + 4;
        // Validated: the chunk's items end with a null and padding inside the packet.
        let end = sdes_chunk_end(self.b, self.pos).unwrap_or(self.b.len());
        self.pos = end;
        Some((
            ssrc,
            SdesItems {
                b: &self.b[..end],
                pos: items_start,
            },
        ))
    }
}

/// Items of one SDES chunk.
#[derive(Clone, Debug)]
pub struct SdesItems<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for SdesItems<'a> {
    type Item = (u8, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let &ty = self.b.get(self.pos)?;
        if ty == 0 {
            return None;
        }
        let len = usize::from(*self.b.get(self.pos + 1)?);
        let v = self.b.get(self.pos + 2..self.pos + 2 + len)?;
        self.pos += 2 + len;
        Some((ty, v))
    }
}

/// End offset (exclusive, 32-bit aligned) of the SDES chunk starting at `pos`.
fn sdes_chunk_end(b: &[u8], pos: usize) -> Option<usize> {
    let mut p = pos + 4;
    if p > b.len() {
        return None;
    }
    loop {
        let &ty = b.get(p)?;
        if ty == 0 {
            // Null item, then pad to the next 32-bit boundary (relative to the packet start).
            let end = (p + 1).div_ceil(4) * 4;
            return (end <= b.len()).then_some(end);
        }
        let len = usize::from(*b.get(p + 1)?);
        p += 2 + len;
        if p > b.len() {
            return None;
        }
    }
}

/// Checks one packet's type-specific layout. `body_end` excludes padding.
fn check_packet(b: &[u8]) -> Result<(), RtcpError> {
    let count = usize::from(b[0] & 0x1f);
    match PacketType::from_u8(b[1]) {
        PacketType::SenderReport => {
            if b.len() < 8 + SENDER_INFO_LEN + count * REPORT_BLOCK_LEN {
                return Err(RtcpError::BadReportBlocks);
            }
        }
        PacketType::ReceiverReport => {
            if b.len() < 8 + count * REPORT_BLOCK_LEN {
                return Err(RtcpError::BadReportBlocks);
            }
        }
        PacketType::SourceDescription => {
            let mut pos = 4;
            for _ in 0..count {
                pos = sdes_chunk_end(b, pos).ok_or(RtcpError::BadSdes)?;
            }
        }
        PacketType::Goodbye => {
            let end = 4 + 4 * count;
            if end > b.len() {
                return Err(RtcpError::BadBye);
            }
            if end < b.len() {
                let reason = 1 + usize::from(b[end]);
                if end + reason > b.len() {
                    return Err(RtcpError::BadBye);
                }
            }
        }
        PacketType::App => {
            if b.len() < 12 {
                return Err(RtcpError::BadFixedPart);
            }
        }
        PacketType::TransportFeedback | PacketType::PayloadFeedback => {
            if b.len() < 12 {
                return Err(RtcpError::BadFixedPart);
            }
        }
        PacketType::Other(_) => {}
    }
    Ok(())
}

/// A validated RTCP compound packet.
#[derive(Debug, Clone, Copy)]
pub struct RtcpCompound<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> RtcpCompound<T> {
    pub fn new_checked(buffer: T) -> Result<Self, RtcpError> {
        validate(buffer.as_ref())?;
        Ok(Self { buffer })
    }

    /// The packets of the compound.
    pub fn iter(&self) -> RtcpIter<'_> {
        RtcpIter {
            b: self.buffer.as_ref(),
            pos: 0,
        }
    }

    pub fn into_inner(self) -> T {
        self.buffer
    }
}

fn validate(b: &[u8]) -> Result<(), RtcpError> {
    if b.len() < 4 {
        return Err(RtcpError::Truncated);
    }
    if !matches!(
        PacketType::from_u8(b[1]),
        PacketType::SenderReport
            | PacketType::ReceiverReport
            | PacketType::TransportFeedback
            | PacketType::PayloadFeedback
    ) {
        return Err(RtcpError::BadFirstPacket);
    }
    let mut pos = 0;
    while pos < b.len() {
        let rest = &b[pos..];
        if rest.len() < 4 {
            return Err(RtcpError::Truncated);
        }
        if rest[0] >> 6 != 2 {
            return Err(RtcpError::BadVersion);
        }
        let len = (usize::from(u16::from_be_bytes([rest[2], rest[3]])) + 1) * 4;
        if len > rest.len() {
            return Err(RtcpError::BadLength);
        }
        let mut pkt = &rest[..len];
        if pkt[0] & 0x20 != 0 {
            let last = len == rest.len();
            let pad = usize::from(pkt[len - 1]);
            if !last || pad == 0 || pad > len - 4 {
                return Err(RtcpError::BadPadding);
            }
            pkt = &pkt[..len - pad];
        }
        check_packet(pkt)?;
        pos += len;
    }
    Ok(())
}

/// Iterator over the packets of a compound.
#[derive(Clone, Debug)]
pub struct RtcpIter<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for RtcpIter<'a> {
    type Item = RtcpPacket<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.b.get(self.pos..)?;
        if rest.len() < 4 {
            return None;
        }
        let len = ((usize::from(u16::from_be_bytes([rest[2], rest[3]])) + 1) * 4).min(rest.len());
        self.pos += len;
        Some(RtcpPacket { b: &rest[..len] })
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

/// Rewrites SSRC fields and SR RTP timestamps in place. `buf` must have
/// passed [`RtcpCompound::new_checked`]; on any other buffer it stops at
/// the first inconsistency and never panics.
pub fn rewrite(buf: &mut [u8], mut f: impl FnMut(Field, u32) -> u32) {
    let mut pos = 0;
    while pos + 4 <= buf.len() {
        let len = (usize::from(u16::from_be_bytes([buf[pos + 2], buf[pos + 3]])) + 1) * 4;
        if pos + len > buf.len() {
            return;
        }
        let pkt = &mut buf[pos..pos + len];
        let count = usize::from(pkt[0] & 0x1f);
        let mut put = |pkt: &mut [u8], o: usize, field: Field| {
            if let Some(w) = pkt.get_mut(o..o + 4) {
                let new = f(field, u32::from_be_bytes([w[0], w[1], w[2], w[3]]));
                w.copy_from_slice(&new.to_be_bytes());
            }
        };
        match PacketType::from_u8(pkt[1]) {
            PacketType::SenderReport | PacketType::ReceiverReport => {
                let sr = pkt[1] == 200;
                put(pkt, 4, Field::Sender);
                if sr {
                    put(pkt, 16, Field::SrRtpTimestamp);
                }
                let start = if sr { 8 + SENDER_INFO_LEN } else { 8 };
                for i in 0..count {
                    put(pkt, start + i * REPORT_BLOCK_LEN, Field::ReportSource);
                }
            }
            PacketType::SourceDescription => {
                let mut p = 4;
                for _ in 0..count {
                    let Some(end) = sdes_chunk_end(pkt, p) else {
                        break;
                    };
                    put(pkt, p, Field::Sender);
                    p = end;
                }
            }
            PacketType::Goodbye => {
                for i in 0..count {
                    put(pkt, 4 + 4 * i, Field::Sender);
                }
            }
            PacketType::App => put(pkt, 4, Field::Sender),
            PacketType::TransportFeedback | PacketType::PayloadFeedback => {
                put(pkt, 4, Field::Sender);
                put(pkt, 8, Field::FeedbackMedia);
            }
            PacketType::Other(_) => {}
        }
        pos += len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sr_with_block() -> Vec<u8> {
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
        p.extend_from_slice(&[0; 8]);
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

    #[test]
    fn parses_compound() {
        let b = sr_with_block();
        let c = RtcpCompound::new_checked(&b[..]).unwrap();
        let pkts: Vec<_> = c.iter().collect();
        assert_eq!(pkts.len(), 5);
        assert_eq!(pkts[0].packet_type(), PacketType::SenderReport);
        let si = pkts[0].sender_info().unwrap();
        assert_eq!(
            (si.ntp, si.rtp_ts, si.packets, si.octets),
            ((1 << 32) | 2, 1000, 5, 800)
        );
        let rb: Vec<_> = pkts[0].report_blocks().collect();
        assert_eq!(rb.len(), 1);
        assert_eq!(
            (
                rb[0].ssrc,
                rb[0].fraction_lost,
                rb[0].cumulative_lost,
                rb[0].highest_seq,
                rb[0].jitter
            ),
            (0xBBBB_BBBB, 0x40, -2, 70_000, 12)
        );
        let chunks: Vec<_> = pkts[1]
            .sdes_chunks()
            .map(|(s, items)| (s, items.collect::<Vec<_>>()))
            .collect();
        assert_eq!(
            chunks,
            vec![(0xAAAA_AAAA, vec![(1, &b"cb"[..]), (7, &b"x"[..])])]
        );
        assert_eq!(pkts[2].bye_sources().collect::<Vec<_>>(), vec![0xAAAA_AAAA]);
        assert_eq!(pkts[3].media_ssrc(), Some(0xCCCC_CCCC));
        assert_eq!(pkts[4].app_name(), Some(*b"name"));
        assert_eq!(pkts[4].sender_ssrc(), Some(0xAAAA_AAAA));
    }

    #[test]
    fn rewrite_touches_every_ssrc_field() {
        let mut b = sr_with_block();
        rewrite(&mut b, |field, v| match field {
            Field::Sender => {
                assert_eq!(v, 0xAAAA_AAAA);
                0x1111_1111
            }
            Field::ReportSource => 0x2222_2222,
            Field::FeedbackMedia => 0x3333_3333,
            Field::SrRtpTimestamp => v + 10,
        });
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
    fn lying_lengths_and_layouts_are_rejected() {
        let good = sr_with_block();
        assert_eq!(
            RtcpCompound::new_checked(&good[..3]).unwrap_err(),
            RtcpError::Truncated
        );
        let mut v = good.clone();
        v[3] = 40;
        assert_eq!(
            RtcpCompound::new_checked(&v[..]).unwrap_err(),
            RtcpError::BadLength
        );
        let mut v = good.clone();
        v[1] = 202;
        assert_eq!(
            RtcpCompound::new_checked(&v[..]).unwrap_err(),
            RtcpError::BadFirstPacket
        );
        let mut v = good.clone();
        v[52] = 0x41; // SDES header with version 1
        assert_eq!(
            RtcpCompound::new_checked(&v[..]).unwrap_err(),
            RtcpError::BadVersion
        );
        let mut v = good.clone();
        v[0] = 0x83; // 3 report blocks claimed
        assert_eq!(
            RtcpCompound::new_checked(&v[..]).unwrap_err(),
            RtcpError::BadReportBlocks
        );
        let mut v = good.clone();
        v[0] |= 0x20; // padding on the first of several
        assert_eq!(
            RtcpCompound::new_checked(&v[..]).unwrap_err(),
            RtcpError::BadPadding
        );
        let mut v = good.clone();
        v[61] = 200; // SDES item length past the end
        assert_eq!(
            RtcpCompound::new_checked(&v[..]).unwrap_err(),
            RtcpError::BadSdes
        );
        let mut v = good.clone();
        v[80] = 9; // BYE reason longer than the packet
        assert_eq!(
            RtcpCompound::new_checked(&v[..]).unwrap_err(),
            RtcpError::BadBye
        );
        // trailing garbage shorter than a header
        let mut v = good.clone();
        v.extend_from_slice(&[0x80, 200]);
        assert_eq!(
            RtcpCompound::new_checked(&v[..]).unwrap_err(),
            RtcpError::Truncated
        );
        assert_eq!(DropReason::from(RtcpError::BadSdes), DropReason::BadRtcp);
    }

    #[test]
    fn padding_on_last_packet_and_reduced_size() {
        let mut rr = vec![0xA0, 201, 0, 2, 0, 0, 0, 9, 0, 0, 0, 4];
        assert!(RtcpCompound::new_checked(&rr[..]).is_ok());
        rr[11] = 9;
        assert_eq!(
            RtcpCompound::new_checked(&rr[..]).unwrap_err(),
            RtcpError::BadPadding
        );
        let pli = [0x81, 206, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2];
        assert!(
            RtcpCompound::new_checked(&pli[..]).is_ok(),
            "RFC 5506 reduced-size feedback"
        );
    }

    #[test]
    fn prefixes_and_noise_never_panic() {
        let good = sr_with_block();
        for n in 0..=good.len() {
            let mut v = good[..n].to_vec();
            if let Ok(c) = RtcpCompound::new_checked(&v[..]) {
                for p in c.iter() {
                    let _ = (
                        p.report_blocks().count(),
                        p.sdes_chunks().count(),
                        p.bye_sources().count(),
                        p.sender_info(),
                    );
                }
            }
            rewrite(&mut v, |_, x| x ^ 1);
        }
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
                    );
                }
            }
            rewrite(&mut buf[..n], |_, v| v.wrapping_add(1));
        }
    }
}
