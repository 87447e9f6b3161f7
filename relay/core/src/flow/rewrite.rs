//! SSRC, sequence and timestamp rewriting (RFC 3550 section 8.2, RFC 7667
//! section 3.2.1.3 "media translator"): the stream a leg emits keeps one
//! SSRC and continuous numbering even when the source behind it changes.

use std::time::{Duration, Instant};

/// Rewrite state of one direction of a bridge.
///
/// The first source is passed through with its own numbering (only the SSRC
/// is replaced if an output SSRC is configured). When a packet arrives with
/// a new SSRC, the offsets are recomputed so that the output sequence
/// number continues at `last + 1` and the output timestamp advances by the
/// wall-clock time since the last packet, at the stream's clock rate.
#[derive(Clone, Debug)]
pub struct Rewriter {
    out_ssrc: Option<u32>,
    clock_rate: u32,
    in_ssrc: Option<u32>,
    seq_delta: u16,
    ts_delta: u32,
    last_out_seq: u16,
    last_out_ts: u32,
    last_at: Option<Instant>,
    /// Number of source switches seen.
    switches: u32,
}

/// Output header fields for one packet.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Rewritten {
    pub ssrc: u32,
    pub seq: u16,
    pub ts: u32,
}

impl Rewriter {
    pub fn new(out_ssrc: Option<u32>, clock_rate: u32) -> Self {
        Self {
            out_ssrc,
            clock_rate: clock_rate.max(1),
            in_ssrc: None,
            seq_delta: 0,
            ts_delta: 0,
            last_out_seq: 0,
            last_out_ts: 0,
            last_at: None,
            switches: 0,
        }
    }

    /// The SSRC the bridged leg emits, once known.
    pub fn out_ssrc(&self) -> Option<u32> {
        self.out_ssrc
    }

    /// The SSRC currently received.
    pub fn in_ssrc(&self) -> Option<u32> {
        self.in_ssrc
    }

    pub fn switches(&self) -> u32 {
        self.switches
    }

    /// Timestamp offset applied to the current source (for RTCP SR rewrite).
    pub fn ts_delta(&self) -> u32 {
        self.ts_delta
    }

    /// Computes the output header for a packet with the given input header.
    #[inline]
    pub fn rewrite(&mut self, now: Instant, ssrc: u32, seq: u16, ts: u32) -> Rewritten {
        match self.in_ssrc {
            None => {
                self.in_ssrc = Some(ssrc);
                if self.out_ssrc.is_none() {
                    self.out_ssrc = Some(ssrc);
                }
                self.last_out_seq = seq.wrapping_sub(1);
                self.last_out_ts = ts;
            }
            Some(cur) if cur != ssrc => {
                self.in_ssrc = Some(ssrc);
                self.switches += 1;
                let gap = self
                    .last_at
                    .map_or(Duration::ZERO, |t| now.saturating_duration_since(t));
                let ticks = ((gap.as_nanos() * u128::from(self.clock_rate)) / 1_000_000_000) as u32;
                self.seq_delta = self.last_out_seq.wrapping_add(1).wrapping_sub(seq);
                self.ts_delta = self.last_out_ts.wrapping_add(ticks.max(1)).wrapping_sub(ts);
            }
            Some(_) => {}
        }
        let out = Rewritten {
            // Set on the first packet above.
            ssrc: self.out_ssrc.unwrap_or(ssrc),
            seq: seq.wrapping_add(self.seq_delta),
            ts: ts.wrapping_add(self.ts_delta),
        };
        // Track the newest packet (serial-number arithmetic, RFC 1982), so a
        // late packet does not move the continuation point backwards.
        if (out.seq.wrapping_sub(self.last_out_seq) as i16) > 0 {
            self.last_out_seq = out.seq;
            self.last_out_ts = out.ts;
            self.last_at = Some(now);
        }
        out
    }

    /// Maps an RTCP timestamp of the current source into the output clock.
    pub fn map_ts(&self, ts: u32) -> u32 {
        ts.wrapping_add(self.ts_delta)
    }
}

/// Rewrites an RTCP compound packet (already validated) crossing a bridge.
///
/// `own` rewrites the stream of the RTCP sender: its sender SSRC and its SR
/// RTP timestamp follow that rewrite. `peer` rewrites the stream flowing the
/// other way, which the report blocks and feedback describe: an SSRC it
/// emits is mapped back to the SSRC its sender really uses, so the far end's
/// reports reach it about its own stream.
pub(crate) fn rewrite_rtcp(own: Option<&Rewriter>, peer: Option<&Rewriter>, buf: &mut [u8]) {
    use crate::wire::rtcp::{rewrite, Field};
    if own.is_none() && peer.is_none() {
        return;
    }
    let mut sender_mapped = false;
    rewrite(buf, |field, v| match field {
        Field::Sender => {
            sender_mapped = false;
            match own {
                Some(rw) if rw.in_ssrc == Some(v) => {
                    sender_mapped = true;
                    rw.out_ssrc.unwrap_or(v)
                }
                _ => v,
            }
        }
        Field::SrRtpTimestamp => match own {
            Some(rw) if sender_mapped => rw.map_ts(v),
            _ => v,
        },
        Field::ReportSource | Field::FeedbackMedia => match peer {
            Some(rw) if rw.out_ssrc == Some(v) => rw.in_ssrc.unwrap_or(v),
            _ => v,
        },
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_source_passes_numbering_through() {
        let t0 = Instant::now();
        let mut r = Rewriter::new(Some(0xAAAA), 8000);
        let o = r.rewrite(t0, 0x1111, 100, 5000);
        assert_eq!(
            o,
            Rewritten {
                ssrc: 0xAAAA,
                seq: 100,
                ts: 5000
            }
        );
        let o = r.rewrite(t0 + Duration::from_millis(20), 0x1111, 101, 5160);
        assert_eq!(
            o,
            Rewritten {
                ssrc: 0xAAAA,
                seq: 101,
                ts: 5160
            }
        );
    }

    #[test]
    fn ssrc_change_continues_sequence_and_timestamp() {
        let t0 = Instant::now();
        let mut r = Rewriter::new(None, 8000);
        for i in 0..10u16 {
            r.rewrite(
                t0 + Duration::from_millis(20 * u64::from(i)),
                7,
                65530u16.wrapping_add(i),
                1000 + 160 * u32::from(i),
            );
        }
        // Last out: seq 65530+9 = 3 (wrapped), ts 1000+1440 = 2440, at t0+180ms.
        let o = r.rewrite(t0 + Duration::from_millis(200), 9, 40000, 123_456);
        assert_eq!(o.ssrc, 7, "output SSRC stays the first one");
        assert_eq!(o.seq, 4);
        assert_eq!(o.ts, 2440 + 160, "20 ms gap at 8 kHz");
        let o = r.rewrite(t0 + Duration::from_millis(220), 9, 40001, 123_616);
        assert_eq!((o.seq, o.ts), (5, 2760));
        assert_eq!(r.switches(), 1);
    }

    #[test]
    fn rtcp_follows_both_rewrites() {
        let t0 = Instant::now();
        let mut own = Rewriter::new(Some(0xAAAA), 8000);
        own.rewrite(t0, 0x1111, 10, 1000);
        own.rewrite(t0 + Duration::from_millis(100), 0x2222, 500, 7000); // switch: ts_delta set
        let mut peer = Rewriter::new(Some(0xBBBB), 8000);
        peer.rewrite(t0, 0x3333, 1, 1);
        // SR from 0x2222 with one report block about 0xBBBB (what the peer leg emits).
        let mut sr = vec![0x81, 200, 0, 12];
        sr.extend_from_slice(&0x2222u32.to_be_bytes());
        sr.extend_from_slice(&[0; 8]);
        sr.extend_from_slice(&7000u32.to_be_bytes());
        sr.extend_from_slice(&[0; 8]);
        sr.extend_from_slice(&0xBBBBu32.to_be_bytes());
        sr.extend_from_slice(&[0; 20]);
        rewrite_rtcp(Some(&own), Some(&peer), &mut sr);
        let c = crate::wire::RtcpCompound::new_checked(&sr[..]).unwrap();
        let p = c.iter().next().unwrap();
        assert_eq!(p.sender_ssrc(), Some(0xAAAA));
        assert_eq!(p.sender_info().unwrap().rtp_ts, own.map_ts(7000));
        assert_eq!(p.report_blocks().next().unwrap().ssrc, 0x3333);
    }

    #[test]
    fn late_packet_does_not_move_continuation_point() {
        let t0 = Instant::now();
        let mut r = Rewriter::new(None, 48000);
        r.rewrite(t0, 1, 10, 0);
        r.rewrite(t0, 1, 12, 1920);
        let late = r.rewrite(t0, 1, 11, 960);
        assert_eq!(late.seq, 11);
        let o = r.rewrite(t0 + Duration::from_millis(40), 2, 500, 0);
        assert_eq!(o.seq, 13);
        assert_eq!(o.ts, 1920 + 1920);
    }
}
