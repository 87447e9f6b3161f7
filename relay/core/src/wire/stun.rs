//! STUN message recognition (RFC 8489 sections 5 and 14).
//!
//! ```text
//! |0 0|     STUN message type     |         message length        |
//! |                   magic cookie 0x2112A442                     |
//! |                transaction ID (96 bits) ...                   |
//! |  attribute type               |  attribute length             |
//! |  value ... padded to 4 bytes                                  |
//! ```
//!
//! [`StunPacket::new_checked`] checks the header (top bits zero, magic
//! cookie, a length that is a multiple of 4 and matches the datagram) and
//! walks the attributes so every one, padding included, lies inside the
//! message and the walk ends exactly at its end. Afterwards no accessor can
//! panic. MESSAGE-INTEGRITY and FINGERPRINT are only located here
//! ([`StunPacket::message_integrity_offset`],
//! [`StunPacket::fingerprint_offset`]); `crate::ice::message` verifies them.

use std::fmt;

use relay_ctl::DropReason;

/// RFC 8489 section 5.
pub const MAGIC_COOKIE: u32 = 0x2112_A442;
pub const ATTR_MESSAGE_INTEGRITY: u16 = 0x0008;
pub const ATTR_MESSAGE_INTEGRITY_SHA256: u16 = 0x001C;
pub const ATTR_FINGERPRINT: u16 = 0x8028;
pub const ATTR_USERNAME: u16 = 0x0006;
pub const ATTR_XOR_MAPPED_ADDRESS: u16 = 0x0020;
pub const METHOD_BINDING: u16 = 0x001;

/// Why a datagram in the STUN range is not a STUN message.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum StunError {
    /// Shorter than the 20-byte header.
    Truncated,
    /// The two most significant bits are not zero.
    NotStun,
    BadMagicCookie,
    /// The length field is not a multiple of 4 or does not match the datagram.
    BadLength,
    /// An attribute runs past the end of the message.
    BadAttribute,
}

impl fmt::Display for StunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Truncated => "STUN message shorter than its header",
            Self::NotStun => "first bits are not those of STUN",
            Self::BadMagicCookie => "STUN magic cookie is wrong",
            Self::BadLength => "STUN length does not match the datagram",
            Self::BadAttribute => "STUN attribute runs past the end",
        })
    }
}

impl std::error::Error for StunError {}

impl From<StunError> for DropReason {
    fn from(_: StunError) -> Self {
        Self::BadStun
    }
}

/// STUN message class.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Class {
    Request,
    Indication,
    Success,
    Error,
}

mod field {
    use std::ops::Range;
    pub(super) const TYPE: Range<usize> = 0..2;
    pub(super) const LENGTH: Range<usize> = 2..4;
    pub(super) const COOKIE: Range<usize> = 4..8;
    pub(super) const TRANSACTION: Range<usize> = 8..20;
}

/// A validated STUN message.
#[derive(Debug, Clone, Copy)]
pub struct StunPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> StunPacket<T> {
    pub const HEADER_LEN: usize = 20;

    /// Wraps a buffer without checking it: for messages we build ourselves.
    /// Accessors may panic on a buffer shorter than the header.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps and validates (see the module documentation).
    pub fn new_checked(buffer: T) -> Result<Self, StunError> {
        let b = buffer.as_ref();
        if b.len() < Self::HEADER_LEN {
            return Err(StunError::Truncated);
        }
        if b[field::TYPE.start] & 0xc0 != 0 {
            return Err(StunError::NotStun);
        }
        let c = &b[field::COOKIE];
        if u32::from_be_bytes([c[0], c[1], c[2], c[3]]) != MAGIC_COOKIE {
            return Err(StunError::BadMagicCookie);
        }
        let len = usize::from(u16::from_be_bytes([
            b[field::LENGTH.start],
            b[field::LENGTH.start + 1],
        ]));
        if len % 4 != 0 || Self::HEADER_LEN + len != b.len() {
            return Err(StunError::BadLength);
        }
        let mut it = Attributes {
            b: &b[Self::HEADER_LEN..],
            pos: 0,
            malformed: false,
        };
        for _ in it.by_ref() {}
        if it.malformed {
            return Err(StunError::BadAttribute);
        }
        Ok(Self { buffer })
    }

    fn message_type(&self) -> u16 {
        let b = &self.buffer.as_ref()[field::TYPE];
        u16::from_be_bytes([b[0], b[1]])
    }

    pub fn class(&self) -> Class {
        let t = self.message_type();
        match ((t >> 7) & 0x2) | ((t >> 4) & 0x1) {
            0 => Class::Request,
            1 => Class::Indication,
            2 => Class::Success,
            _ => Class::Error,
        }
    }

    /// The 12-bit method (Binding = 1).
    pub fn method(&self) -> u16 {
        let t = self.message_type();
        (t & 0x000f) | ((t & 0x00e0) >> 1) | ((t & 0x3e00) >> 2)
    }

    /// The whole message.
    pub fn as_bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    pub fn transaction_id(&self) -> &[u8; 12] {
        let t = &self.buffer.as_ref()[field::TRANSACTION];
        // `field::TRANSACTION` is 8..20: the slice is exactly 12 bytes long.
        t.try_into().expect("12-byte range")
    }

    /// The message length field: bytes after the header.
    pub fn message_length(&self) -> u16 {
        let b = &self.buffer.as_ref()[field::LENGTH];
        u16::from_be_bytes([b[0], b[1]])
    }

    pub fn attributes(&self) -> Attributes<'_> {
        Attributes {
            b: &self.buffer.as_ref()[Self::HEADER_LEN..],
            pos: 0,
            malformed: false,
        }
    }

    /// Value of the first attribute of type `ty`.
    #[doc(alias = "find_attribute")]
    pub fn attribute(&self, ty: u16) -> Option<&[u8]> {
        self.attributes().find(|a| a.0 == ty).map(|a| a.1)
    }

    /// Offset (from the message start) of the first attribute of type `ty`'s header.
    pub fn attribute_offset(&self, ty: u16) -> Option<usize> {
        let mut it = self.attributes();
        loop {
            let at = it.pos;
            let (t, _) = it.next()?;
            if t == ty {
                return Some(Self::HEADER_LEN + at);
            }
        }
    }

    /// Offset of the MESSAGE-INTEGRITY attribute's header (RFC 8489 14.5).
    pub fn message_integrity_offset(&self) -> Option<usize> {
        self.attribute_offset(ATTR_MESSAGE_INTEGRITY)
    }

    /// Offset of the FINGERPRINT attribute's header (RFC 8489 14.7).
    pub fn fingerprint_offset(&self) -> Option<usize> {
        self.attribute_offset(ATTR_FINGERPRINT)
    }
}

/// Iterator over `(type, value)` attributes.
#[derive(Debug, Clone)]
pub struct Attributes<'a> {
    b: &'a [u8],
    pos: usize,
    malformed: bool,
}

impl<'a> Iterator for Attributes<'a> {
    type Item = (u16, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.b.len() {
            return None;
        }
        let Some(h) = self.b.get(self.pos..self.pos + 4) else {
            self.malformed = true;
            self.pos = self.b.len();
            return None;
        };
        let ty = u16::from_be_bytes([h[0], h[1]]);
        let len = usize::from(u16::from_be_bytes([h[2], h[3]]));
        let start = self.pos + 4;
        let padded = start + len.div_ceil(4) * 4;
        if padded > self.b.len() {
            self.malformed = true;
            self.pos = self.b.len();
            return None;
        }
        self.pos = padded;
        Some((ty, &self.b[start..start + len]))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// RFC 5769 section 2.1 sample request (software, priority, ice-controlled,
    /// username, message-integrity, fingerprint).
    pub(crate) const RFC5769_REQUEST: [u8; 108] = [
        0x00, 0x01, 0x00, 0x58, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6,
        0x86, 0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x10, 0x53, 0x54, 0x55, 0x4e, 0x20, 0x74,
        0x65, 0x73, 0x74, 0x20, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74, 0x00, 0x24, 0x00, 0x04, 0x6e,
        0x00, 0x01, 0xff, 0x80, 0x29, 0x00, 0x08, 0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36,
        0x00, 0x06, 0x00, 0x09, 0x65, 0x76, 0x74, 0x6a, 0x3a, 0x68, 0x36, 0x76, 0x59, 0x20, 0x20,
        0x20, 0x00, 0x08, 0x00, 0x14, 0x9a, 0xea, 0xa7, 0x0c, 0xbf, 0xd8, 0xcb, 0x56, 0x78, 0x1e,
        0xf2, 0xb5, 0xb2, 0xd3, 0xf2, 0x49, 0xc1, 0xb5, 0x71, 0xa2, 0x80, 0x28, 0x00, 0x04, 0xe5,
        0x7a, 0x3b, 0xcf,
    ];

    #[test]
    fn recognises_rfc5769_request() {
        let p = StunPacket::new_checked(&RFC5769_REQUEST[..]).unwrap();
        assert_eq!(p.class(), Class::Request);
        assert_eq!(p.method(), METHOD_BINDING);
        assert_eq!(p.transaction_id(), &RFC5769_REQUEST[8..20]);
        assert_eq!(p.attribute(ATTR_USERNAME), Some(&b"evtj:h6vY"[..]));
        assert_eq!(
            p.attribute_offset(ATTR_MESSAGE_INTEGRITY),
            Some(20 + 4 + 16 + 4 + 4 + 4 + 8 + 4 + 12)
        );
        assert_eq!(p.attribute(ATTR_FINGERPRINT).map(<[u8]>::len), Some(4));
        assert_eq!(p.attributes().count(), 6);
    }

    /// RFC 5769 section 2.2 sample IPv4 response.
    const RFC5769_IPV4_RESPONSE: [u8; 80] = [
        0x01, 0x01, 0x00, 0x3c, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6,
        0x86, 0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76,
        0x65, 0x63, 0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1,
        0x12, 0xa6, 0x43, 0x00, 0x08, 0x00, 0x14, 0x2b, 0x91, 0xf5, 0x99, 0xfd, 0x9e, 0x90, 0xc3,
        0x8c, 0x74, 0x89, 0xf9, 0x2a, 0xf9, 0xba, 0x53, 0xf0, 0x6b, 0xe7, 0xd7, 0x80, 0x28, 0x00,
        0x04, 0xc0, 0x7d, 0x4c, 0x96,
    ];

    /// RFC 5769 section 2.3 sample IPv6 response.
    const RFC5769_IPV6_RESPONSE: [u8; 92] = [
        0x01, 0x01, 0x00, 0x48, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6,
        0x86, 0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76,
        0x65, 0x63, 0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x14, 0x00, 0x02, 0xa1, 0x47, 0x01,
        0x13, 0xa9, 0xfa, 0xa5, 0xd3, 0xf1, 0x79, 0xbc, 0x25, 0xf4, 0xb5, 0xbe, 0xd2, 0xb9, 0xd9,
        0x00, 0x08, 0x00, 0x14, 0xa3, 0x82, 0x95, 0x4e, 0x4b, 0xe6, 0x7b, 0xf1, 0x17, 0x84, 0xc9,
        0x7c, 0x82, 0x92, 0xc2, 0x75, 0xbf, 0xe3, 0xed, 0x41, 0x80, 0x28, 0x00, 0x04, 0xc8, 0xfb,
        0x0b, 0x4c,
    ];

    /// The FINGERPRINT value over everything before it (RFC 8489 14.7):
    /// proves the vectors above were transcribed byte for byte.
    fn fingerprint_matches(m: &[u8]) -> bool {
        let p = StunPacket::new_checked(m).unwrap();
        let at = p.fingerprint_offset().unwrap();
        let crc = crc32fast::hash(&m[..at]) ^ 0x5354_554e;
        p.attribute(ATTR_FINGERPRINT) == Some(&crc.to_be_bytes()[..]) && at + 8 == m.len()
    }

    #[test]
    fn recognises_rfc5769_responses() {
        assert!(fingerprint_matches(&RFC5769_REQUEST));
        for (m, mapped_len) in [
            (&RFC5769_IPV4_RESPONSE[..], 8),
            (&RFC5769_IPV6_RESPONSE[..], 20),
        ] {
            assert!(fingerprint_matches(m));
            let p = StunPacket::new_checked(m).unwrap();
            assert_eq!((p.class(), p.method()), (Class::Success, METHOD_BINDING));
            assert_eq!(p.transaction_id(), &RFC5769_REQUEST[8..20]);
            assert_eq!(usize::from(p.message_length()), m.len() - 20);
            assert_eq!(p.attribute(0x8022), Some(&b"test vector"[..]));
            assert_eq!(
                p.attribute(ATTR_XOR_MAPPED_ADDRESS).map(<[u8]>::len),
                Some(mapped_len)
            );
            assert_eq!(p.message_integrity_offset(), Some(m.len() - 32));
            assert_eq!(p.fingerprint_offset(), Some(m.len() - 8));
            let types: Vec<u16> = p.attributes().map(|a| a.0).collect();
            assert_eq!(
                types,
                [
                    0x8022,
                    ATTR_XOR_MAPPED_ADDRESS,
                    ATTR_MESSAGE_INTEGRITY,
                    ATTR_FINGERPRINT
                ]
            );
        }
    }

    #[test]
    fn classes() {
        let mut m = [0u8; 20];
        m[4..8].copy_from_slice(&MAGIC_COOKIE.to_be_bytes());
        for (t, c) in [
            (0x0001u16, Class::Request),
            (0x0011, Class::Indication),
            (0x0101, Class::Success),
            (0x0111, Class::Error),
        ] {
            m[0..2].copy_from_slice(&t.to_be_bytes());
            let p = StunPacket::new_checked(&m[..]).unwrap();
            assert_eq!((p.class(), p.method()), (c, 1));
        }
    }

    #[test]
    fn errors() {
        let r = RFC5769_REQUEST;
        assert_eq!(
            StunPacket::new_checked(&r[..19]).unwrap_err(),
            StunError::Truncated
        );
        assert_eq!(
            StunPacket::new_checked(&r[..100]).unwrap_err(),
            StunError::BadLength
        );
        let mut v = r;
        v[0] = 0x80;
        assert_eq!(
            StunPacket::new_checked(&v[..]).unwrap_err(),
            StunError::NotStun
        );
        let mut v = r;
        v[5] = 0;
        assert_eq!(
            StunPacket::new_checked(&v[..]).unwrap_err(),
            StunError::BadMagicCookie
        );
        let mut v = r;
        v[23] = 0x60; // SOFTWARE length 96
        assert_eq!(
            StunPacket::new_checked(&v[..]).unwrap_err(),
            StunError::BadAttribute
        );
        // Length field not a multiple of 4 (and a datagram that agrees with it).
        let mut v = [0u8; 22];
        v[..20].copy_from_slice(&r[..20]);
        v[2..4].copy_from_slice(&[0, 2]);
        assert_eq!(
            StunPacket::new_checked(&v[..]).unwrap_err(),
            StunError::BadLength
        );
        // An attribute header cut short at the end of the message.
        let mut v = [0u8; 24];
        v[..20].copy_from_slice(&r[..20]);
        v[2..4].copy_from_slice(&[0, 4]);
        v[20..24].copy_from_slice(&[0x80, 0x22, 0x00, 0x01]);
        assert_eq!(
            StunPacket::new_checked(&v[..]).unwrap_err(),
            StunError::BadAttribute
        );
        for e in [
            StunError::Truncated,
            StunError::NotStun,
            StunError::BadMagicCookie,
            StunError::BadLength,
            StunError::BadAttribute,
        ] {
            assert_eq!(DropReason::from(e), DropReason::BadStun);
            assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn prefixes_and_noise_never_panic() {
        for n in 0..=RFC5769_REQUEST.len() {
            let ok = StunPacket::new_checked(&RFC5769_REQUEST[..n]).is_ok();
            assert_eq!(ok, n == RFC5769_REQUEST.len(), "prefix {n}");
        }
        let mut x = 0x0bad_cafe_1234_5678u64;
        let mut valid = 0;
        for _ in 0..20_000 {
            let mut buf = [0u8; 64];
            x = crate::testutil::fill(x, &mut buf);
            let n = 20 + (x as usize >> 16) % 45;
            buf[0] &= 0x3f;
            buf[2..4].copy_from_slice(&((n - 20) as u16).to_be_bytes());
            buf[4..8].copy_from_slice(&MAGIC_COOKIE.to_be_bytes());
            if let Ok(p) = StunPacket::new_checked(&buf[..n]) {
                valid += 1;
                let _ = (
                    p.class(),
                    p.method(),
                    p.transaction_id(),
                    p.fingerprint_offset(),
                );
                for (_, v) in p.attributes() {
                    assert!(v.len() <= n);
                }
            }
        }
        assert!(valid > 0, "the noise should reach the attribute walk");
    }
}
