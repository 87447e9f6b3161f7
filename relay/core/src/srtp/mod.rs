//! SRTP and SRTCP (RFC 3711) with AES-CM-128 and HMAC-SHA1 (80- or 32-bit
//! tags), in place, without allocation.
//!
//! Written here rather than bound from libsrtp: the shard needs protect and
//! unprotect on its own buffers with no copy and no allocation, and
//! RustCrypto's AES and HMAC measured faster here than libsrtp2 (see
//! DESIGN.md). Keys come from DTLS-SRTP (RFC 5764) or SDES (RFC 4568).
//!
//! Status: the crypto context (issue 4). Not yet wired into the shard's
//! legs; DTLS-SRTP keying arrives with the WebRTC leg.

mod context;
mod kdf;
mod replay;

use std::fmt;

use relay_ctl::DropReason;

pub use context::{Profile, SrtpContext};

/// Why an SRTP or SRTCP packet was refused.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum SrtpError {
    Truncated,
    /// Not an RTP header we can read (version, CSRC or extension length).
    BadHeader,
    /// The authentication tag does not verify.
    AuthFailed,
    /// Index seen before.
    Replay,
    /// Index older than the replay window.
    TooOld,
    /// The output buffer has no room for the trailer.
    NoRoom,
}

impl fmt::Display for SrtpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Truncated => "SRTP packet too short",
            Self::BadHeader => "SRTP packet has an unreadable RTP header",
            Self::AuthFailed => "SRTP authentication failed",
            Self::Replay => "SRTP packet replayed",
            Self::TooOld => "SRTP packet older than the replay window",
            Self::NoRoom => "no room in the buffer for the SRTP trailer",
        })
    }
}

impl std::error::Error for SrtpError {}

impl From<SrtpError> for DropReason {
    fn from(e: SrtpError) -> Self {
        match e {
            SrtpError::Truncated => Self::Truncated,
            SrtpError::BadHeader => Self::BadLength,
            SrtpError::AuthFailed | SrtpError::NoRoom => Self::SrtpAuth,
            SrtpError::Replay | SrtpError::TooOld => Self::SrtpReplay,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::hex;

    fn keys() -> ([u8; 16], [u8; 14]) {
        (
            hex("E1F97A0D3E018BE0D64FA32C06DE4139").try_into().unwrap(),
            hex("0EC675AD498AFEEBB6960B3AABE6").try_into().unwrap(),
        )
    }

    /// The AES_CM_128_HMAC_SHA1_80 packet vector libsrtp's test driver uses
    /// (same master key and salt as RFC 3711 B.3).
    #[test]
    fn known_packet_vector() {
        let (k, s) = keys();
        let mut tx = SrtpContext::new(Profile::Aes128CmSha1_80, &k, &s);
        let plain = hex("800f1234 decafbad cafebabe abababab abababab abababab abababab");
        let mut buf = [0u8; 64];
        buf[..plain.len()].copy_from_slice(&plain);
        let n = tx.protect_rtp(&mut buf, plain.len()).unwrap();
        assert_eq!(
            buf[..n].to_vec(),
            hex("800f1234 decafbad cafebabe 4e55dc4c e79978d8 8ca4d215 949d2402 b78d6acc 99ea179b 8dbb")
        );
        let mut rx = SrtpContext::new(Profile::Aes128CmSha1_80, &k, &s);
        let m = rx.unprotect_rtp(&mut buf[..n]).unwrap();
        assert_eq!(buf[..m].to_vec(), plain);
    }

    fn rtp(seq: u16, ssrc: u32) -> Vec<u8> {
        let mut p = vec![0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        p[2..4].copy_from_slice(&seq.to_be_bytes());
        p[8..12].copy_from_slice(&ssrc.to_be_bytes());
        p.extend((0..160).map(|i| i as u8));
        p
    }

    #[test]
    fn roundtrip_tamper_replay_and_rollover() {
        let (k, s) = keys();
        for profile in [Profile::Aes128CmSha1_80, Profile::Aes128CmSha1_32] {
            let mut tx = SrtpContext::new(profile, &k, &s);
            let mut rx = SrtpContext::new(profile, &k, &s);
            // Across the 16-bit wrap: the rollover counter must follow.
            for seq in (65530u16..=65535).chain(0..10) {
                let plain = rtp(seq, 7);
                let mut buf = [0u8; 256];
                buf[..plain.len()].copy_from_slice(&plain);
                let n = tx.protect_rtp(&mut buf, plain.len()).unwrap();
                assert_eq!(n, plain.len() + profile.rtp_tag_len());
                assert_ne!(&buf[12..plain.len()], &plain[12..], "payload is encrypted");
                let sealed = buf;
                let m = rx.unprotect_rtp(&mut buf[..n]).unwrap();
                assert_eq!(&buf[..m], &plain[..], "seq {seq}");
                let mut again = sealed;
                assert_eq!(rx.unprotect_rtp(&mut again[..n]), Err(SrtpError::Replay));
                let mut bad = sealed;
                bad[20] ^= 1;
                let mut fresh = SrtpContext::new(profile, &k, &s);
                assert_eq!(
                    fresh.unprotect_rtp(&mut bad[..n]),
                    Err(SrtpError::AuthFailed)
                );
            }
        }
    }

    #[test]
    fn srtcp_roundtrip_and_replay() {
        let (k, s) = keys();
        let mut tx = SrtpContext::new(Profile::Aes128CmSha1_80, &k, &s);
        let mut rx = SrtpContext::new(Profile::Aes128CmSha1_80, &k, &s);
        let mut sr = vec![0x80, 200, 0, 6, 0, 0, 0, 7];
        sr.extend_from_slice(&[9; 20]);
        for _ in 0..3 {
            let mut buf = [0u8; 128];
            buf[..sr.len()].copy_from_slice(&sr);
            let n = tx.protect_rtcp(&mut buf, sr.len()).unwrap();
            assert_eq!(n, sr.len() + 4 + 10);
            assert_ne!(&buf[8..sr.len()], &sr[8..]);
            let sealed = buf;
            let m = rx.unprotect_rtcp(&mut buf[..n]).unwrap();
            assert_eq!(&buf[..m], &sr[..]);
            let mut again = sealed;
            assert_eq!(rx.unprotect_rtcp(&mut again[..n]), Err(SrtpError::Replay));
        }
        let mut short = [0u8; 10];
        assert_eq!(rx.unprotect_rtcp(&mut short), Err(SrtpError::Truncated));
        assert_eq!(
            DropReason::from(SrtpError::AuthFailed),
            DropReason::SrtpAuth
        );
    }
}
