//! Replay protection (RFC 3711 section 3.3.2): a 64-packet sliding window
//! over the extended (48-bit SRTP, 31-bit SRTCP) packet index.

/// Result of a replay check.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Check {
    /// New and within or ahead of the window.
    Fresh,
    /// Seen before.
    Replayed,
    /// Older than the window.
    TooOld,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct ReplayWindow {
    /// Highest index accepted, if any.
    top: Option<u64>,
    /// Bit i set: index `top - i` was accepted.
    bits: u64,
}

impl ReplayWindow {
    pub(crate) fn check(&self, index: u64) -> Check {
        let Some(top) = self.top else {
            return Check::Fresh;
        };
        if index > top {
            return Check::Fresh;
        }
        let back = top - index;
        if back >= 64 {
            Check::TooOld
        } else if self.bits & (1 << back) != 0 {
            Check::Replayed
        } else {
            Check::Fresh
        }
    }

    /// Records an authenticated index (call only after [`Self::check`] said fresh).
    pub(crate) fn accept(&mut self, index: u64) {
        match self.top {
            None => {
                self.top = Some(index);
                self.bits = 1;
            }
            Some(top) if index > top => {
                let shift = index - top;
                self.bits = if shift >= 64 {
                    1
                } else {
                    (self.bits << shift) | 1
                };
                self.top = Some(index);
            }
            Some(top) => self.bits |= 1 << (top - index),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_accepts_reordering_and_rejects_replays_and_old() {
        let mut w = ReplayWindow::default();
        for i in [10u64, 12, 11, 75] {
            assert_eq!(w.check(i), Check::Fresh);
            w.accept(i);
        }
        assert_eq!(
            w.check(12),
            Check::Replayed,
            "75 - 12 = 63: still inside the window"
        );
        assert_eq!(w.check(75), Check::Replayed);
        assert_eq!(w.check(11), Check::TooOld);
        assert_eq!(w.check(74), Check::Fresh);
        w.accept(74);
        assert_eq!(w.check(74), Check::Replayed);
        w.accept(1000);
        assert_eq!(w.check(937), Check::Fresh);
        assert_eq!(w.check(936), Check::TooOld);
    }
}
