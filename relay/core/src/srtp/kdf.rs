//! SRTP key derivation (RFC 3711 section 4.3) with the AES-CM PRF.

use aes::cipher::{BlockEncrypt, KeyInit};
use aes::Aes128;

/// Key derivation labels (RFC 3711 section 4.3.2).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Label {
    RtpEncryption = 0x00,
    RtpAuth = 0x01,
    RtpSalt = 0x02,
    RtcpEncryption = 0x03,
    RtcpAuth = 0x04,
    RtcpSalt = 0x05,
}

/// Fills `out` with the PRF output for `label` (key derivation rate 0, so
/// `index DIV kdr` is zero): AES-CM keystream keyed by the master key, with
/// IV = (master salt XOR label << 48) << 16.
pub(crate) fn derive(master_key: &[u8; 16], master_salt: &[u8; 14], label: Label, out: &mut [u8]) {
    let aes = Aes128::new(master_key.into());
    let mut x = [0u8; 16];
    x[..14].copy_from_slice(master_salt);
    x[7] ^= label as u8;
    for (i, chunk) in out.chunks_mut(16).enumerate() {
        let mut block = x;
        block[14..16].copy_from_slice(&(i as u16).to_be_bytes());
        let mut b = block.into();
        aes.encrypt_block(&mut b);
        chunk.copy_from_slice(&b[..chunk.len()]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::hex;

    /// RFC 3711 appendix B.3.
    #[test]
    fn rfc3711_b3_key_derivation() {
        let key: [u8; 16] = hex("E1F97A0D3E018BE0D64FA32C06DE4139").try_into().unwrap();
        let salt: [u8; 14] = hex("0EC675AD498AFEEBB6960B3AABE6").try_into().unwrap();
        let mut ck = [0u8; 16];
        derive(&key, &salt, Label::RtpEncryption, &mut ck);
        assert_eq!(ck.to_vec(), hex("C61E7A93744F39EE10734AFE3FF7A087"));
        let mut cs = [0u8; 14];
        derive(&key, &salt, Label::RtpSalt, &mut cs);
        assert_eq!(cs.to_vec(), hex("30CBBC08863D8C85D49DB34A9AE1"));
        let mut ak = [0u8; 20];
        derive(&key, &salt, Label::RtpAuth, &mut ak);
        assert_eq!(ak.to_vec(), hex("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4"));
    }
}
