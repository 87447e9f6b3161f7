//! SDES chunks and items (RFC 3550 section 6.5).

use super::packet::read32;

/// End offset (exclusive, 32-bit aligned) of the SDES chunk starting at `pos`.
pub(super) fn sdes_chunk_end(b: &[u8], pos: usize) -> Option<usize> {
    let mut p = pos + 4;
    if p > b.len() {
        return None;
    }
    loop {
        let &ty = b.get(p)?;
        if ty == 0 {
            // Null item, then zeros to the next 32-bit boundary of the packet.
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

/// Iterator over SDES chunks of a packet.
#[derive(Clone, Debug)]
pub struct SdesChunks<'a> {
    b: &'a [u8],
    pos: usize,
    left: u8,
}

impl<'a> SdesChunks<'a> {
    /// `count` chunks of the packet `b` (without padding); they start after the header.
    pub(super) fn new(b: &'a [u8], count: u8) -> Self {
        Self {
            b,
            pos: 4,
            left: count,
        }
    }
}

impl<'a> Iterator for SdesChunks<'a> {
    type Item = (u32, SdesItems<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let (Some(ssrc), Some(end)) = (read32(self.b, self.pos), sdes_chunk_end(self.b, self.pos))
        else {
            self.left = 0;
            return None;
        };
        let items = SdesItems {
            b: &self.b[..end],
            pos: self.pos + 4,
        };
        self.pos = end;
        Some((ssrc, items))
    }
}

/// Items `(type, value)` of one SDES chunk (RFC 3550 6.5: CNAME = 1 ... PRIV = 8).
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

#[cfg(test)]
mod tests {
    use crate::wire::rtcp::{RtcpError, RtcpPacket};

    #[test]
    fn chunks_items_and_terminators() {
        // Two chunks: CNAME "abc" then a chunk with no items.
        let b = [
            0x82, 202, 0, 5, 0, 0, 0, 1, 1, 3, b'a', b'b', b'c', 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0,
        ];
        let p = RtcpPacket::new_checked(&b[..]).unwrap();
        let mut chunks = p.sdes_chunks();
        let (ssrc, items) = chunks.next().unwrap();
        assert_eq!(
            (ssrc, items.collect::<Vec<_>>()),
            (1, vec![(1, &b"abc"[..])])
        );
        let (ssrc, mut items) = chunks.next().unwrap();
        assert_eq!((ssrc, items.next()), (2, None));
        assert!(chunks.next().is_none());
        // Items ending on a word boundary still need a null octet (RFC 3550 6.5).
        let b = [0x81, 202, 0, 2, 0, 0, 0, 1, 1, 2, b'x', b'y'];
        assert_eq!(
            RtcpPacket::new_checked(&b[..]).unwrap_err(),
            RtcpError::BadSdes
        );
        let b = [0x81, 202, 0, 3, 0, 0, 0, 1, 1, 2, b'x', b'y', 0, 0, 0, 0];
        let p = RtcpPacket::new_checked(&b[..]).unwrap();
        assert_eq!(p.sdes_chunks().flat_map(|(_, i)| i).count(), 1);
        // An item length past the chunk.
        let b = [0x81, 202, 0, 2, 0, 0, 0, 1, 1, 9, b'x', 0];
        assert_eq!(
            RtcpPacket::new_checked(&b[..]).unwrap_err(),
            RtcpError::BadSdes
        );
    }
}
