//! RTP packet view (RFC 3550 section 5.1) with RFC 8285 header extensions.
//!
//! ```text
//!  0                   1                   2                   3
//! |V=2|P|X|  CC   |M|     PT      |       sequence number         |
//! |                           timestamp                           |
//! |           synchronization source (SSRC) identifier            |
//! |            contributing source (CSRC) identifiers   (CC x)    |
//! |  defined by profile           |           length (words)      |  (if X)
//! |                        header extension                       |
//! |                           payload  ...     | padding | count  |  (if P)
//! ```
//!
//! [`RtpPacket::new_checked`] validates every length once; afterwards no
//! accessor can panic. Header extensions in the RFC 8285 one-byte (profile
//! `0xBEDE`) and two-byte (`0x100X`, X = appbits) forms have their elements
//! walked too: an element running past the block is an error. In the
//! one-byte form a zero byte is padding, and ID 15 (reserved, RFC 8285
//! 4.2) or ID 0 with a non-zero length (not padding, not a valid ID; the
//! way libwebrtc reads it) ends processing of the block without error. In
//! the two-byte form a zero ID byte is one byte of padding. Blocks with
//! any other profile are opaque.

use std::fmt;

use relay_ctl::DropReason;

/// Why an RTP packet was rejected.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum RtpError {
    /// Shorter than the 12-byte fixed header.
    Truncated,
    /// Version is not 2.
    BadVersion,
    /// The CSRC list runs past the end.
    BadCsrcLength,
    /// The extension header or one of its RFC 8285 elements runs past the end.
    BadExtension,
    /// Padding count is zero or longer than the payload.
    BadPadding,
}

impl fmt::Display for RtpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Truncated => "RTP packet shorter than its fixed header",
            Self::BadVersion => "RTP version is not 2",
            Self::BadCsrcLength => "RTP CSRC list runs past the end",
            Self::BadExtension => "RTP header extension is malformed",
            Self::BadPadding => "RTP padding count is invalid",
        })
    }
}

impl std::error::Error for RtpError {}

impl From<RtpError> for DropReason {
    fn from(e: RtpError) -> Self {
        match e {
            RtpError::Truncated => Self::Truncated,
            RtpError::BadVersion => Self::BadVersion,
            RtpError::BadCsrcLength => Self::BadLength,
            RtpError::BadExtension => Self::BadExtension,
            RtpError::BadPadding => Self::BadPadding,
        }
    }
}

mod field {
    use std::ops::Range;
    pub(super) const VPXCC: usize = 0;
    pub(super) const MPT: usize = 1;
    pub(super) const SEQ: Range<usize> = 2..4;
    pub(super) const TS: Range<usize> = 4..8;
    pub(super) const SSRC: Range<usize> = 8..12;
}

/// Profile value of the RFC 8285 one-byte header form.
pub const ONE_BYTE_PROFILE: u16 = 0xBEDE;
/// Mask selecting the fixed part of a two-byte profile (the low 4 bits are appbits).
pub const TWO_BYTE_PROFILE_MASK: u16 = 0xFFF0;
/// Profile values `0x1000..=0x100F` are the RFC 8285 two-byte form.
pub const TWO_BYTE_PROFILE: u16 = 0x1000;

/// A view of an RTP packet over a byte buffer.
#[derive(Debug, Clone, Copy)]
pub struct RtpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> RtpPacket<T> {
    /// Length of the fixed header.
    pub const HEADER_LEN: usize = 12;

    /// Wraps a buffer without checking it: for packets we build ourselves.
    /// Accessors may panic on a buffer shorter than its header says.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps and validates: version, CSRC list, extension block (and its
    /// RFC 8285 elements) and padding all fit in the buffer.
    pub fn new_checked(buffer: T) -> Result<Self, RtpError> {
        let p = Self { buffer };
        p.check()?;
        Ok(p)
    }

    fn check(&self) -> Result<(), RtpError> {
        let b = self.buffer.as_ref();
        if b.len() < Self::HEADER_LEN {
            return Err(RtpError::Truncated);
        }
        if b[field::VPXCC] >> 6 != 2 {
            return Err(RtpError::BadVersion);
        }
        let mut end = Self::HEADER_LEN + 4 * usize::from(b[field::VPXCC] & 0x0f);
        if end > b.len() {
            return Err(RtpError::BadCsrcLength);
        }
        if self.extension() {
            if end + 4 > b.len() {
                return Err(RtpError::BadExtension);
            }
            let profile = u16::from_be_bytes([b[end], b[end + 1]]);
            let words = usize::from(u16::from_be_bytes([b[end + 2], b[end + 3]]));
            let data_start = end + 4;
            end = data_start + 4 * words;
            if end > b.len() {
                return Err(RtpError::BadExtension);
            }
            check_elements(profile, &b[data_start..end])?;
        }
        if self.padding() {
            let count = usize::from(b[b.len() - 1]);
            if count == 0 || end + count > b.len() {
                return Err(RtpError::BadPadding);
            }
        }
        Ok(())
    }

    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The whole packet.
    pub fn as_bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    #[inline]
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::VPXCC] >> 6
    }

    #[inline]
    pub fn padding(&self) -> bool {
        self.buffer.as_ref()[field::VPXCC] & 0x20 != 0
    }

    #[inline]
    pub fn extension(&self) -> bool {
        self.buffer.as_ref()[field::VPXCC] & 0x10 != 0
    }

    #[inline]
    pub fn csrc_count(&self) -> u8 {
        self.buffer.as_ref()[field::VPXCC] & 0x0f
    }

    #[inline]
    pub fn marker(&self) -> bool {
        self.buffer.as_ref()[field::MPT] & 0x80 != 0
    }

    #[inline]
    pub fn payload_type(&self) -> u8 {
        self.buffer.as_ref()[field::MPT] & 0x7f
    }

    #[inline]
    pub fn sequence_number(&self) -> u16 {
        let b = self.buffer.as_ref();
        u16::from_be_bytes([b[field::SEQ.start], b[field::SEQ.start + 1]])
    }

    #[inline]
    pub fn timestamp(&self) -> u32 {
        let b = &self.buffer.as_ref()[field::TS];
        u32::from_be_bytes([b[0], b[1], b[2], b[3]])
    }

    #[inline]
    pub fn ssrc(&self) -> u32 {
        let b = &self.buffer.as_ref()[field::SSRC];
        u32::from_be_bytes([b[0], b[1], b[2], b[3]])
    }

    /// The `i`th CSRC, if present.
    pub fn csrc(&self, i: usize) -> Option<u32> {
        if i >= usize::from(self.csrc_count()) {
            return None;
        }
        let o = Self::HEADER_LEN + 4 * i;
        let b = self.buffer.as_ref();
        Some(u32::from_be_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]))
    }

    pub fn csrcs(&self) -> impl Iterator<Item = u32> + '_ {
        (0..usize::from(self.csrc_count())).map_while(move |i| self.csrc(i))
    }

    fn ext_start(&self) -> usize {
        Self::HEADER_LEN + 4 * usize::from(self.csrc_count())
    }

    /// Profile field of the header extension, if present.
    pub fn extension_profile(&self) -> Option<u16> {
        let b = self.buffer.as_ref();
        let s = self.ext_start();
        self.extension()
            .then(|| u16::from_be_bytes([b[s], b[s + 1]]))
    }

    /// Extension data (after the 4-byte extension header), if present.
    pub fn extension_data(&self) -> Option<&[u8]> {
        if !self.extension() {
            return None;
        }
        let b = self.buffer.as_ref();
        let s = self.ext_start();
        let words = usize::from(u16::from_be_bytes([b[s + 2], b[s + 3]]));
        Some(&b[s + 4..s + 4 + 4 * words])
    }

    /// RFC 8285 elements `(id, data)` of a one- or two-byte extension block.
    /// Empty for other profiles.
    pub fn extension_elements(&self) -> Elements<'_> {
        match (self.extension_profile(), self.extension_data()) {
            (Some(p), Some(d)) => Elements::new(p, d),
            _ => Elements::new(0, &[]),
        }
    }

    /// Length of the header including CSRCs and extension.
    pub fn header_len(&self) -> usize {
        self.ext_start() + self.extension_data().map_or(0, |d| 4 + d.len())
    }

    /// Padding bytes at the end, count byte included (0 without the P bit).
    pub fn padding_len(&self) -> usize {
        let b = self.buffer.as_ref();
        if self.padding() {
            usize::from(b[b.len() - 1])
        } else {
            0
        }
    }

    /// The payload, without padding.
    pub fn payload(&self) -> &[u8] {
        let b = self.buffer.as_ref();
        &b[self.header_len()..b.len() - self.padding_len()]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> RtpPacket<T> {
    #[inline]
    pub fn set_marker(&mut self, m: bool) {
        let b = &mut self.buffer.as_mut()[field::MPT];
        *b = (*b & 0x7f) | (u8::from(m) << 7);
    }

    #[inline]
    pub fn set_payload_type(&mut self, pt: u8) {
        let b = &mut self.buffer.as_mut()[field::MPT];
        *b = (*b & 0x80) | (pt & 0x7f);
    }

    #[inline]
    pub fn set_sequence_number(&mut self, v: u16) {
        self.buffer.as_mut()[field::SEQ].copy_from_slice(&v.to_be_bytes());
    }

    #[inline]
    pub fn set_timestamp(&mut self, v: u32) {
        self.buffer.as_mut()[field::TS].copy_from_slice(&v.to_be_bytes());
    }

    #[inline]
    pub fn set_ssrc(&mut self, v: u32) {
        self.buffer.as_mut()[field::SSRC].copy_from_slice(&v.to_be_bytes());
    }

    /// The payload, without padding, writable in place.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let (start, pad) = (self.header_len(), self.padding_len());
        let b = self.buffer.as_mut();
        let end = b.len() - pad;
        &mut b[start..end]
    }
}

/// The fixed fields of an RTP header we emit.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct RtpHeader {
    pub marker: bool,
    pub payload_type: u8,
    pub sequence_number: u16,
    pub timestamp: u32,
    pub ssrc: u32,
}

impl RtpHeader {
    /// Writes a 12-byte header (no CSRC, extension or padding) into `out`.
    /// Returns the length written, or `None` if `out` is too short.
    pub fn emit(&self, out: &mut [u8]) -> Option<usize> {
        let h = out.get_mut(..12)?;
        h[0] = 0x80;
        h[1] = (u8::from(self.marker) << 7) | (self.payload_type & 0x7f);
        h[2..4].copy_from_slice(&self.sequence_number.to_be_bytes());
        h[4..8].copy_from_slice(&self.timestamp.to_be_bytes());
        h[8..12].copy_from_slice(&self.ssrc.to_be_bytes());
        Some(12)
    }
}

/// Walks RFC 8285 elements, checking every length fits.
fn check_elements(profile: u16, data: &[u8]) -> Result<(), RtpError> {
    let mut it = Elements::new(profile, data);
    for _ in it.by_ref() {}
    if it.malformed {
        Err(RtpError::BadExtension)
    } else {
        Ok(())
    }
}

/// Iterator over RFC 8285 header extension elements.
#[derive(Debug, Clone)]
pub struct Elements<'a> {
    two_byte: bool,
    data: &'a [u8],
    pos: usize,
    malformed: bool,
}

impl<'a> Elements<'a> {
    fn new(profile: u16, data: &'a [u8]) -> Self {
        let one = profile == ONE_BYTE_PROFILE;
        let two = profile & TWO_BYTE_PROFILE_MASK == TWO_BYTE_PROFILE;
        Self {
            two_byte: two,
            data: if one || two { data } else { &[] },
            pos: 0,
            malformed: false,
        }
    }
}

impl<'a> Iterator for Elements<'a> {
    type Item = (u8, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let &first = self.data.get(self.pos)?;
            if first == 0 {
                // Padding byte (both forms).
                self.pos += 1;
                continue;
            }
            let (id, len, hdr) = if self.two_byte {
                let Some(&len) = self.data.get(self.pos + 1) else {
                    self.malformed = true;
                    self.pos = self.data.len();
                    return None;
                };
                (first, usize::from(len), 2)
            } else {
                let id = first >> 4;
                if id == 15 || id == 0 {
                    // RFC 8285 section 4.2: ID 15 stops processing of the
                    // block. ID 0 is only valid as a whole zero byte
                    // (padding, above); with a length it is not an element.
                    self.pos = self.data.len();
                    return None;
                }
                (id, usize::from(first & 0x0f) + 1, 1)
            };
            let start = self.pos + hdr;
            let end = start + len;
            if end > self.data.len() {
                self.malformed = true;
                self.pos = self.data.len();
                return None;
            }
            self.pos = end;
            return Some((id, &self.data[start..end]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic() -> Vec<u8> {
        let mut p = vec![
            0x80, 0x00, 0x12, 0x34, 0, 0, 0x03, 0x20, 0xde, 0xad, 0xbe, 0xef,
        ];
        p.extend_from_slice(&[0xd5; 160]);
        p
    }

    #[test]
    fn parses_fixed_header() {
        let b = basic();
        let p = RtpPacket::new_checked(&b[..]).unwrap();
        assert_eq!(p.version(), 2);
        assert!(!p.marker() && !p.padding() && !p.extension());
        assert_eq!(p.payload_type(), 0);
        assert_eq!(p.sequence_number(), 0x1234);
        assert_eq!(p.timestamp(), 800);
        assert_eq!(p.ssrc(), 0xdeadbeef);
        assert_eq!(p.header_len(), 12);
        assert_eq!(p.payload().len(), 160);
    }

    #[test]
    fn csrcs_extension_and_padding() {
        let mut b = vec![0xB2, 0xE0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3];
        b.extend_from_slice(&[0, 0, 0, 10, 0, 0, 0, 11]); // 2 CSRCs
                                                          // one-byte extension: 2 words: id 1 len 1 [aa], id 2 len 3 [bb cc dd ee], pad
        b.extend_from_slice(&[
            0xBE, 0xDE, 0, 2, 0x10, 0xaa, 0x23, 0xbb, 0xcc, 0xdd, 0xee, 0x00,
        ]);
        b.extend_from_slice(&[1, 2, 3, 4]); // payload
        b.extend_from_slice(&[0, 0, 3]); // padding 3
        let p = RtpPacket::new_checked(&b[..]).unwrap();
        assert!(p.marker());
        assert_eq!(p.payload_type(), 96);
        assert_eq!(p.csrcs().collect::<Vec<_>>(), vec![10, 11]);
        assert_eq!(p.extension_profile(), Some(0xBEDE));
        let els: Vec<_> = p.extension_elements().collect();
        assert_eq!(
            els,
            vec![(1, &[0xaa][..]), (2, &[0xbb, 0xcc, 0xdd, 0xee][..])]
        );
        assert_eq!(p.header_len(), 12 + 8 + 12);
        assert_eq!(p.payload(), &[1, 2, 3, 4]);
        assert_eq!(p.padding_len(), 3);
    }

    #[test]
    fn two_byte_extension() {
        let mut b = vec![0x90, 0x00, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3];
        b.extend_from_slice(&[
            0x10, 0x00, 0, 2, 0x05, 0x02, 0x01, 0x02, 0x00, 0x07, 0x00, 0x00,
        ]);
        let p = RtpPacket::new_checked(&b[..]).unwrap();
        let els: Vec<_> = p.extension_elements().collect();
        assert_eq!(els, vec![(5, &[1, 2][..]), (7, &[][..])]);
    }

    #[test]
    fn errors() {
        let b = basic();
        assert_eq!(
            RtpPacket::new_checked(&b[..11]).unwrap_err(),
            RtpError::Truncated
        );
        let mut v = b.clone();
        v[0] = 0x40;
        assert_eq!(
            RtpPacket::new_checked(&v[..]).unwrap_err(),
            RtpError::BadVersion
        );
        let mut v = b[..20].to_vec();
        v[0] = 0x83;
        assert_eq!(
            RtpPacket::new_checked(&v[..]).unwrap_err(),
            RtpError::BadCsrcLength
        );
        let mut v = b[..14].to_vec();
        v[0] = 0x90;
        assert_eq!(
            RtpPacket::new_checked(&v[..]).unwrap_err(),
            RtpError::BadExtension
        );
        let mut v = b[..20].to_vec();
        v[0] = 0x90;
        v[12..16].copy_from_slice(&[0xBE, 0xDE, 0, 5]);
        assert_eq!(
            RtpPacket::new_checked(&v[..]).unwrap_err(),
            RtpError::BadExtension
        );
        // one-byte element claiming 16 bytes in a 4-byte block
        let mut v = b[..20].to_vec();
        v[0] = 0x90;
        v[12..20].copy_from_slice(&[0xBE, 0xDE, 0, 1, 0x1f, 0, 0, 0]);
        assert_eq!(
            RtpPacket::new_checked(&v[..]).unwrap_err(),
            RtpError::BadExtension
        );
        let mut v = b.clone();
        v[0] = 0xA0;
        *v.last_mut().unwrap() = 0;
        assert_eq!(
            RtpPacket::new_checked(&v[..]).unwrap_err(),
            RtpError::BadPadding
        );
        *v.last_mut().unwrap() = 200;
        assert_eq!(
            RtpPacket::new_checked(&v[..]).unwrap_err(),
            RtpError::BadPadding
        );
        assert_eq!(
            DropReason::from(RtpError::BadCsrcLength),
            DropReason::BadLength
        );
    }

    fn with_ext(profile: u16, data: &[u8]) -> Vec<u8> {
        let mut b = vec![0x90, 0x00, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3];
        b.extend_from_slice(&profile.to_be_bytes());
        b.extend_from_slice(&((data.len() / 4) as u16).to_be_bytes());
        b.extend_from_slice(data);
        b
    }

    #[test]
    fn extension_forms() {
        // Two-byte form with appbits 0x3, an empty element, padding between.
        let b = with_ext(0x1003, &[0x01, 0x01, 0xaa, 0x00, 0x02, 0x00, 0x00, 0x00]);
        let p = RtpPacket::new_checked(&b[..]).unwrap();
        let els: Vec<_> = p.extension_elements().collect();
        assert_eq!(els, vec![(1, &[0xaa][..]), (2, &[][..])]);
        assert_eq!(p.extension_data().map(<[u8]>::len), Some(8));
        assert_eq!(p.payload(), &[] as &[u8]);
        // Two-byte element longer than the block, or missing its length byte.
        for data in [[0x01, 0x05, 0xaa, 0xbb], [0x00, 0x00, 0x00, 0x07]] {
            assert_eq!(
                RtpPacket::new_checked(&with_ext(0x1000, &data)[..]).unwrap_err(),
                RtpError::BadExtension
            );
        }
        // Any other profile is opaque: valid, no elements.
        let b = with_ext(0xABCD, &[0xff; 8]);
        let p = RtpPacket::new_checked(&b[..]).unwrap();
        assert_eq!(p.extension_profile(), Some(0xABCD));
        assert_eq!(p.extension_elements().count(), 0);
        assert_eq!(p.header_len(), 12 + 4 + 8);
        // 0x1010 is not a two-byte profile (only the low 4 bits are appbits).
        let b = with_ext(0x1010, &[0x01, 0x05, 0xaa, 0xbb]);
        assert!(RtpPacket::new_checked(&b[..]).is_ok());
        // One-byte ID 0 with a length ends processing without error.
        let b = with_ext(ONE_BYTE_PROFILE, &[0x10, 0xaa, 0x05, 0xff]);
        let p = RtpPacket::new_checked(&b[..]).unwrap();
        assert_eq!(
            p.extension_elements().collect::<Vec<_>>(),
            vec![(1, &[0xaa][..])]
        );
        // Extension with zero words.
        let b = with_ext(ONE_BYTE_PROFILE, &[]);
        let p = RtpPacket::new_checked(&b[..]).unwrap();
        assert_eq!((p.extension_data(), p.header_len()), (Some(&[][..]), 16));
    }

    #[test]
    fn padding_limits_and_csrc_bounds() {
        // Padding may take the whole payload, never the header.
        let mut b = vec![
            0xA1, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 4,
        ];
        let p = RtpPacket::new_checked(&b[..]).unwrap();
        assert_eq!((p.payload(), p.padding_len()), (&[][..], 4));
        assert_eq!((p.csrc(0), p.csrc(1)), (Some(4), None));
        *b.last_mut().unwrap() = 5;
        assert_eq!(
            RtpPacket::new_checked(&b[..]).unwrap_err(),
            RtpError::BadPadding
        );
        // A packet with only the fixed header and the P bit: the count byte is
        // the last header byte and cannot be padding.
        let b = [0xA0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1];
        assert_eq!(
            RtpPacket::new_checked(&b[..]).unwrap_err(),
            RtpError::BadPadding
        );
        for (e, r) in [
            (RtpError::Truncated, DropReason::Truncated),
            (RtpError::BadVersion, DropReason::BadVersion),
            (RtpError::BadCsrcLength, DropReason::BadLength),
            (RtpError::BadExtension, DropReason::BadExtension),
            (RtpError::BadPadding, DropReason::BadPadding),
        ] {
            assert_eq!(DropReason::from(e), r);
            assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn id_15_stops_one_byte_processing() {
        let mut b = vec![0x90, 0x00, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3];
        b.extend_from_slice(&[0xBE, 0xDE, 0, 1, 0x10, 0xaa, 0xf0, 0xff]);
        let p = RtpPacket::new_checked(&b[..]).unwrap();
        assert_eq!(p.extension_elements().count(), 1);
    }

    #[test]
    fn setters_rewrite_in_place() {
        let mut b = basic();
        let mut p = RtpPacket::new_checked(&mut b[..]).unwrap();
        p.set_ssrc(1);
        p.set_sequence_number(2);
        p.set_timestamp(3);
        p.set_marker(true);
        p.set_payload_type(8);
        let p = RtpPacket::new_checked(&b[..]).unwrap();
        assert_eq!(
            (
                p.ssrc(),
                p.sequence_number(),
                p.timestamp(),
                p.marker(),
                p.payload_type()
            ),
            (1, 2, 3, true, 8)
        );
        let mut out = [0u8; 12];
        let h = RtpHeader {
            marker: true,
            payload_type: 8,
            sequence_number: 2,
            timestamp: 3,
            ssrc: 1,
        };
        assert_eq!(h.emit(&mut out), Some(12));
        assert_eq!(&out[..], &b[..12]);
        assert_eq!(h.emit(&mut [0u8; 4]), None);
    }

    #[test]
    fn every_prefix_and_random_bytes_never_panic() {
        let mut b = vec![
            0xB2, 0xE0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 10, 0, 0, 0, 11,
        ];
        b.extend_from_slice(&[
            0xBE, 0xDE, 0, 2, 0x10, 0xaa, 0x23, 0xbb, 0xcc, 0xdd, 0xee, 0x00, 1, 2, 0, 3,
        ]);
        for n in 0..=b.len() {
            if let Ok(p) = RtpPacket::new_checked(&b[..n]) {
                let _ = (
                    p.payload(),
                    p.extension_elements().count(),
                    p.csrcs().count(),
                );
            }
        }
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..20_000 {
            let mut buf = [0u8; 48];
            x = crate::testutil::fill(x, &mut buf);
            buf[0] = (buf[0] & 0x3f) | 0x80;
            let n = (x as usize >> 20) % 49;
            if let Ok(p) = RtpPacket::new_checked(&buf[..n]) {
                let _ = (
                    p.payload(),
                    p.extension_elements().count(),
                    p.csrcs().count(),
                    p.header_len(),
                );
            }
        }
    }
}
