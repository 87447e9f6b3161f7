//! An SRTP/SRTCP crypto context for one direction of one leg
//! (RFC 3711 sections 3 and 4): AES-CM-128 encryption, HMAC-SHA1
//! authentication with an 80- or 32-bit tag, rollover counter estimation
//! (appendix A) and replay windows, per SSRC.

use aes::cipher::{BlockEncrypt, KeyInit};
use aes::Aes128;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq;

use super::kdf::{derive, Label};
use super::replay::{Check, ReplayWindow};
use super::SrtpError;

/// Protection profiles (RFC 5764 section 4.1.2).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Profile {
    /// SRTP_AES128_CM_HMAC_SHA1_80
    Aes128CmSha1_80,
    /// SRTP_AES128_CM_HMAC_SHA1_32 (RTCP keeps the 80-bit tag)
    Aes128CmSha1_32,
}

impl Profile {
    pub fn rtp_tag_len(self) -> usize {
        match self {
            Self::Aes128CmSha1_80 => 10,
            Self::Aes128CmSha1_32 => 4,
        }
    }

    pub const fn rtcp_tag_len(self) -> usize {
        10
    }
}

/// Session keys for one of SRTP or SRTCP.
#[derive(Clone)]
struct Session {
    aes: Aes128,
    salt: [u8; 14],
    /// HMAC keyed once; cloned per packet (a copy of its state, no allocation).
    mac: Hmac<Sha1>,
}

impl Session {
    fn new(key: &[u8; 16], salt: &[u8; 14], enc: Label, auth: Label, salt_label: Label) -> Self {
        let mut ck = [0u8; 16];
        let mut ak = [0u8; 20];
        let mut cs = [0u8; 14];
        derive(key, salt, enc, &mut ck);
        derive(key, salt, auth, &mut ak);
        derive(key, salt, salt_label, &mut cs);
        Self {
            aes: Aes128::new(&ck.into()),
            salt: cs,
            // HMAC accepts keys of any length.
            mac: <Hmac<Sha1> as Mac>::new_from_slice(&ak)
                .unwrap_or_else(|_| unreachable!("HMAC takes any key length")),
        }
    }

    /// XORs the AES-CM keystream for (`ssrc`, `index`) into `data` (RFC 3711 4.1.1).
    fn crypt(&self, ssrc: u32, index: u64, data: &mut [u8]) {
        let mut iv = [0u8; 16];
        iv[..14].copy_from_slice(&self.salt);
        for (i, b) in ssrc.to_be_bytes().iter().enumerate() {
            iv[4 + i] ^= b;
        }
        for (i, b) in index.to_be_bytes()[2..].iter().enumerate() {
            iv[8 + i] ^= b;
        }
        // Eight counter blocks per call, so AES-NI pipelines them.
        let base = u16::from_be_bytes([iv[14], iv[15]]);
        let mut n = 0u16;
        for chunk in data.chunks_mut(16 * 8) {
            let mut blocks = [aes::Block::default(); 8];
            let used = chunk.len().div_ceil(16);
            for b in blocks.iter_mut().take(used) {
                b[..14].copy_from_slice(&iv[..14]);
                b[14..16].copy_from_slice(&base.wrapping_add(n).to_be_bytes());
                n = n.wrapping_add(1);
            }
            self.aes.encrypt_blocks(&mut blocks[..used]);
            for (d, k) in chunk.iter_mut().zip(blocks.iter().flat_map(|b| b.iter())) {
                *d ^= k;
            }
        }
    }

    /// HMAC-SHA1 over `parts`, full 20 bytes.
    fn tag(&self, parts: &[&[u8]]) -> [u8; 20] {
        let mut m = self.mac.clone();
        for p in parts {
            m.update(p);
        }
        m.finalize().into_bytes().into()
    }
}

/// Per-SSRC state: rollover counter, highest sequence, replay window.
#[derive(Clone, Debug, Default)]
struct Stream {
    ssrc: u32,
    roc: u32,
    s_l: Option<u16>,
    rtp_window: ReplayWindow,
    rtcp_window: ReplayWindow,
    rtcp_index: u32,
    last_used: u64,
}

/// Streams tracked per context; a leg carries one or two SSRCs, a few more
/// across re-INVITEs. The least recently used is replaced.
const STREAMS: usize = 4;

/// One direction's SRTP and SRTCP crypto context.
#[derive(Clone)]
pub struct SrtpContext {
    profile: Profile,
    rtp: Session,
    rtcp: Session,
    streams: [Stream; STREAMS],
    clock: u64,
}

impl std::fmt::Debug for SrtpContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SrtpContext")
            .field("profile", &self.profile)
            .finish_non_exhaustive()
    }
}

impl SrtpContext {
    /// A context from a master key and salt (key derivation rate 0).
    pub fn new(profile: Profile, master_key: &[u8; 16], master_salt: &[u8; 14]) -> Self {
        Self {
            profile,
            rtp: Session::new(
                master_key,
                master_salt,
                Label::RtpEncryption,
                Label::RtpAuth,
                Label::RtpSalt,
            ),
            rtcp: Session::new(
                master_key,
                master_salt,
                Label::RtcpEncryption,
                Label::RtcpAuth,
                Label::RtcpSalt,
            ),
            streams: Default::default(),
            clock: 0,
        }
    }

    pub fn profile(&self) -> Profile {
        self.profile
    }

    fn stream(&mut self, ssrc: u32) -> &mut Stream {
        self.clock += 1;
        let clock = self.clock;
        let i = match self
            .streams
            .iter()
            .position(|s| s.last_used != 0 && s.ssrc == ssrc)
        {
            Some(i) => i,
            None => {
                let i = (0..STREAMS)
                    .min_by_key(|&i| self.streams[i].last_used)
                    .unwrap_or(0);
                self.streams[i] = Stream {
                    ssrc,
                    ..Stream::default()
                };
                i
            }
        };
        self.streams[i].last_used = clock;
        &mut self.streams[i]
    }

    /// Encrypts and authenticates the RTP packet in `buf[..len]` in place,
    /// appending the tag. Returns the new length.
    pub fn protect_rtp(&mut self, buf: &mut [u8], len: usize) -> Result<usize, SrtpError> {
        let tag_len = self.profile.rtp_tag_len();
        if len + tag_len > buf.len() {
            return Err(SrtpError::NoRoom);
        }
        let (ssrc, seq, hdr) = rtp_fields(&buf[..len])?;
        let st = self.stream(ssrc);
        // The sender's own sequence: roll over when it wraps.
        if let Some(prev) = st.s_l {
            if seq < prev && prev.wrapping_sub(seq) > 0x8000 {
                st.roc = st.roc.wrapping_add(1);
            }
        }
        if st
            .s_l
            .is_none_or(|prev| (seq.wrapping_sub(prev) as i16) > 0)
        {
            st.s_l = Some(seq);
        }
        let roc = st.roc;
        let index = (u64::from(roc) << 16) | u64::from(seq);
        self.rtp.crypt(ssrc, index, &mut buf[hdr..len]);
        let t = self.rtp.tag(&[&buf[..len], &roc.to_be_bytes()]);
        buf[len..len + tag_len].copy_from_slice(&t[..tag_len]);
        Ok(len + tag_len)
    }

    /// Authenticates, replay-checks and decrypts the SRTP packet in `buf`
    /// in place. Returns the length of the plain RTP packet.
    pub fn unprotect_rtp(&mut self, buf: &mut [u8]) -> Result<usize, SrtpError> {
        let tag_len = self.profile.rtp_tag_len();
        if buf.len() < 12 + tag_len {
            return Err(SrtpError::Truncated);
        }
        let len = buf.len() - tag_len;
        let (ssrc, seq, hdr) = rtp_fields(&buf[..len])?;
        let st = self.stream(ssrc);
        // RFC 3711 appendix A: guess the ROC from the highest sequence seen.
        let roc = match st.s_l {
            None => st.roc,
            Some(s_l) => {
                if s_l < 0x8000 {
                    if seq > s_l && seq - s_l > 0x8000 {
                        st.roc.wrapping_sub(1)
                    } else {
                        st.roc
                    }
                } else if s_l - 0x8000 > seq {
                    st.roc.wrapping_add(1)
                } else {
                    st.roc
                }
            }
        };
        let index = (u64::from(roc) << 16) | u64::from(seq);
        match st.rtp_window.check(index) {
            Check::Fresh => {}
            Check::Replayed => return Err(SrtpError::Replay),
            Check::TooOld => return Err(SrtpError::TooOld),
        }
        let t = self.rtp.tag(&[&buf[..len], &roc.to_be_bytes()]);
        if !bool::from(t[..tag_len].ct_eq(&buf[len..])) {
            return Err(SrtpError::AuthFailed);
        }
        let st = self.stream(ssrc);
        st.rtp_window.accept(index);
        if index > (u64::from(st.roc) << 16) | u64::from(st.s_l.unwrap_or(0)) || st.s_l.is_none() {
            st.roc = roc;
            st.s_l = Some(seq);
        }
        self.rtp.crypt(ssrc, index, &mut buf[hdr..len]);
        Ok(len)
    }

    /// Encrypts and authenticates the RTCP compound packet in `buf[..len]`
    /// in place, appending E flag + SRTCP index and the tag.
    pub fn protect_rtcp(&mut self, buf: &mut [u8], len: usize) -> Result<usize, SrtpError> {
        let tag_len = self.profile.rtcp_tag_len();
        if len < 8 {
            return Err(SrtpError::Truncated);
        }
        if len + 4 + tag_len > buf.len() {
            return Err(SrtpError::NoRoom);
        }
        let ssrc = u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]);
        let st = self.stream(ssrc);
        let index = st.rtcp_index & 0x7fff_ffff;
        st.rtcp_index = st.rtcp_index.wrapping_add(1);
        self.rtcp.crypt(ssrc, u64::from(index), &mut buf[8..len]);
        buf[len..len + 4].copy_from_slice(&(0x8000_0000 | index).to_be_bytes());
        let t = self.rtcp.tag(&[&buf[..len + 4]]);
        buf[len + 4..len + 4 + tag_len].copy_from_slice(&t[..tag_len]);
        Ok(len + 4 + tag_len)
    }

    /// Authenticates, replay-checks and decrypts the SRTCP packet in `buf`
    /// in place. Returns the length of the plain RTCP compound packet.
    pub fn unprotect_rtcp(&mut self, buf: &mut [u8]) -> Result<usize, SrtpError> {
        let tag_len = self.profile.rtcp_tag_len();
        if buf.len() < 8 + 4 + tag_len {
            return Err(SrtpError::Truncated);
        }
        let auth_end = buf.len() - tag_len;
        let t = self.rtcp.tag(&[&buf[..auth_end]]);
        if !bool::from(t[..tag_len].ct_eq(&buf[auth_end..])) {
            return Err(SrtpError::AuthFailed);
        }
        let len = auth_end - 4;
        let e_index = u32::from_be_bytes([buf[len], buf[len + 1], buf[len + 2], buf[len + 3]]);
        let index = e_index & 0x7fff_ffff;
        let ssrc = u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]);
        let st = self.stream(ssrc);
        match st.rtcp_window.check(u64::from(index)) {
            Check::Fresh => st.rtcp_window.accept(u64::from(index)),
            Check::Replayed => return Err(SrtpError::Replay),
            Check::TooOld => return Err(SrtpError::TooOld),
        }
        if e_index & 0x8000_0000 != 0 {
            self.rtcp.crypt(ssrc, u64::from(index), &mut buf[8..len]);
        }
        Ok(len)
    }
}

/// SSRC, sequence number and header length (fixed header, CSRCs and
/// extension) of an RTP packet whose payload may be encrypted: padding is
/// inside the encrypted part, so it is not checked here.
fn rtp_fields(b: &[u8]) -> Result<(u32, u16, usize), SrtpError> {
    if b.len() < 12 || b[0] >> 6 != 2 {
        return Err(SrtpError::BadHeader);
    }
    let mut hdr = 12 + 4 * usize::from(b[0] & 0x0f);
    if b[0] & 0x10 != 0 {
        let words = b.get(hdr + 2..hdr + 4).ok_or(SrtpError::BadHeader)?;
        hdr += 4 + 4 * usize::from(u16::from_be_bytes([words[0], words[1]]));
    }
    if hdr > b.len() {
        return Err(SrtpError::BadHeader);
    }
    let ssrc = u32::from_be_bytes([b[8], b[9], b[10], b[11]]);
    Ok((ssrc, u16::from_be_bytes([b[2], b[3]]), hdr))
}
