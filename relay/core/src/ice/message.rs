//! STUN MESSAGE-INTEGRITY and FINGERPRINT (RFC 8489 sections 14.5 and
//! 14.7) over validated [`StunPacket`]s, and a writer that builds Binding
//! messages into a caller's buffer without allocation.

use std::net::SocketAddr;

use hmac::{Hmac, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq;

use crate::wire::stun::{
    ATTR_FINGERPRINT, ATTR_MESSAGE_INTEGRITY, ATTR_XOR_MAPPED_ADDRESS, MAGIC_COOKIE,
};
use crate::wire::StunPacket;

const FINGERPRINT_XOR: u32 = 0x5354_554e;

fn hmac_sha1(key: &[u8], parts: &[&[u8]]) -> [u8; 20] {
    // HMAC accepts keys of any length.
    let mut m = <Hmac<Sha1> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("any HMAC key length"));
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().into()
}

/// Length field value covering the message up to and including an attribute of `attr_len` bytes at `at`.
fn length_through(at: usize, attr_len: usize) -> [u8; 2] {
    ((at + 4 + attr_len - StunPacket::<&[u8]>::HEADER_LEN) as u16).to_be_bytes()
}

/// Checks MESSAGE-INTEGRITY with a short-term credential `key` (the
/// password). False when the attribute is missing or does not verify.
pub fn verify_integrity(pkt: &StunPacket<&[u8]>, key: &[u8]) -> bool {
    let Some(at) = pkt.attribute_offset(ATTR_MESSAGE_INTEGRITY) else {
        return false;
    };
    let b = pkt.as_bytes();
    let Some(value) = b.get(at + 4..at + 24) else {
        return false;
    };
    let len = length_through(at, 20);
    let mac = hmac_sha1(key, &[&b[..2], &len, &b[4..at]]);
    bool::from(mac.ct_eq(value))
}

/// Checks FINGERPRINT. False when it is missing or wrong.
pub fn verify_fingerprint(pkt: &StunPacket<&[u8]>) -> bool {
    let Some(at) = pkt.attribute_offset(ATTR_FINGERPRINT) else {
        return false;
    };
    let b = pkt.as_bytes();
    let Some(value) = b.get(at + 4..at + 8) else {
        return false;
    };
    let len = length_through(at, 4);
    let mut h = crc32fast::Hasher::new();
    h.update(&b[..2]);
    h.update(&len);
    h.update(&b[4..at]);
    (h.finalize() ^ FINGERPRINT_XOR).to_be_bytes() == value
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum WriteError {
    /// The buffer is too small for the message.
    NoRoom,
}

/// Builds a STUN message in place: header, attributes, then optionally
/// MESSAGE-INTEGRITY and FINGERPRINT (in that order, last).
#[derive(Debug)]
pub struct StunWriter<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl<'a> StunWriter<'a> {
    /// Starts a message of `msg_type` (e.g. 0x0001 Binding request, 0x0101
    /// Binding success) with transaction id `txid`.
    pub fn new(buf: &'a mut [u8], msg_type: u16, txid: &[u8; 12]) -> Result<Self, WriteError> {
        let h = buf.get_mut(..20).ok_or(WriteError::NoRoom)?;
        h[..2].copy_from_slice(&msg_type.to_be_bytes());
        h[2..4].copy_from_slice(&[0, 0]);
        h[4..8].copy_from_slice(&MAGIC_COOKIE.to_be_bytes());
        h[8..20].copy_from_slice(txid);
        Ok(Self { buf, len: 20 })
    }

    fn set_length(&mut self) {
        let l = (self.len - 20) as u16;
        self.buf[2..4].copy_from_slice(&l.to_be_bytes());
    }

    /// Appends an attribute (padded to 4 bytes with zeros).
    pub fn attribute(&mut self, ty: u16, value: &[u8]) -> Result<&mut Self, WriteError> {
        let padded = value.len().div_ceil(4) * 4;
        let end = self.len + 4 + padded;
        let out = self.buf.get_mut(self.len..end).ok_or(WriteError::NoRoom)?;
        out[..2].copy_from_slice(&ty.to_be_bytes());
        out[2..4].copy_from_slice(&(value.len() as u16).to_be_bytes());
        out[4..4 + value.len()].copy_from_slice(value);
        out[4 + value.len()..].fill(0);
        self.len = end;
        self.set_length();
        Ok(self)
    }

    /// Appends XOR-MAPPED-ADDRESS for `addr` (RFC 8489 section 14.2).
    pub fn xor_mapped_address(&mut self, addr: SocketAddr) -> Result<&mut Self, WriteError> {
        let cookie = MAGIC_COOKIE.to_be_bytes();
        let port = addr.port() ^ (MAGIC_COOKIE >> 16) as u16;
        let mut v = [0u8; 20];
        let n = match addr {
            SocketAddr::V4(a) => {
                v[1] = 0x01;
                for (i, o) in a.ip().octets().iter().enumerate() {
                    v[4 + i] = o ^ cookie[i];
                }
                8
            }
            SocketAddr::V6(a) => {
                v[1] = 0x02;
                let mut mask = [0u8; 16];
                mask[..4].copy_from_slice(&cookie);
                mask[4..].copy_from_slice(&self.buf[8..20]);
                for (i, o) in a.ip().octets().iter().enumerate() {
                    v[4 + i] = o ^ mask[i];
                }
                20
            }
        };
        v[2..4].copy_from_slice(&port.to_be_bytes());
        self.attribute(ATTR_XOR_MAPPED_ADDRESS, &v[..n])
    }

    /// Appends MESSAGE-INTEGRITY keyed with `key`.
    pub fn integrity(&mut self, key: &[u8]) -> Result<&mut Self, WriteError> {
        let at = self.len;
        if self.buf.len() < at + 24 {
            return Err(WriteError::NoRoom);
        }
        let len = length_through(at, 20);
        let mac = hmac_sha1(key, &[&self.buf[..2], &len, &self.buf[4..at]]);
        self.attribute(ATTR_MESSAGE_INTEGRITY, &mac)
    }

    /// Appends FINGERPRINT and returns the message length.
    pub fn fingerprint(mut self) -> Result<usize, WriteError> {
        let at = self.len;
        if self.buf.len() < at + 8 {
            return Err(WriteError::NoRoom);
        }
        let len = length_through(at, 4);
        let mut h = crc32fast::Hasher::new();
        h.update(&self.buf[..2]);
        h.update(&len);
        h.update(&self.buf[4..at]);
        let crc = (h.finalize() ^ FINGERPRINT_XOR).to_be_bytes();
        self.attribute(ATTR_FINGERPRINT, &crc)?;
        Ok(self.len)
    }

    /// The message length so far (when it ends without FINGERPRINT).
    pub fn finish(self) -> usize {
        self.len
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::stun::{tests::RFC5769_REQUEST, ATTR_USERNAME};

    #[test]
    fn rfc5769_sample_request_verifies() {
        let p = StunPacket::new_checked(&RFC5769_REQUEST[..]).unwrap();
        assert!(verify_integrity(&p, b"VOkJxbRl1RmTxUk/WvJxBt"));
        assert!(!verify_integrity(&p, b"wrong password"));
        assert!(verify_fingerprint(&p));
        let mut tampered = RFC5769_REQUEST;
        tampered[30] ^= 1; // inside SOFTWARE
        let t = StunPacket::new_checked(&tampered[..]).unwrap();
        assert!(!verify_integrity(&t, b"VOkJxbRl1RmTxUk/WvJxBt"));
        assert!(!verify_fingerprint(&t));
    }

    #[test]
    fn written_binding_response_verifies_and_decodes() {
        let mut buf = [0u8; 128];
        let txid = [3u8; 12];
        let mut w = StunWriter::new(&mut buf, 0x0101, &txid).unwrap();
        w.xor_mapped_address("192.0.2.1:32853".parse().unwrap())
            .unwrap();
        w.attribute(ATTR_USERNAME, b"abc:de").unwrap();
        w.integrity(b"secret").unwrap();
        let n = w.fingerprint().unwrap();
        let p = StunPacket::new_checked(&buf[..n]).unwrap();
        assert_eq!(p.method(), 1);
        assert_eq!(p.class(), crate::wire::stun::Class::Success);
        assert!(verify_integrity(&p, b"secret"));
        assert!(verify_fingerprint(&p));
        let x = p.attribute(ATTR_XOR_MAPPED_ADDRESS).unwrap();
        // RFC 5769 section 2.2 encodes 192.0.2.1:32853 as family 1, port 0xa147, address e1 12 a6 43.
        assert_eq!(x, &[0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43]);
        assert_eq!(
            StunWriter::new(&mut [0u8; 10], 1, &txid).unwrap_err(),
            WriteError::NoRoom
        );
    }
}
