//! Line-rate pacing: how many idle cycles the MAC stream leaves before each
//! frame so that frames arrive no faster than a given Ethernet line rate.
//!
//! The MAC stream is `BEAT_BYTES` (8) bytes wide and moves one beat per core
//! clock, so a frame of `L` bytes (no FCS) occupies `ceil(L / 8)` cycles. On
//! the wire the same frame takes `W = max(L, 60) + 4 + 20` bytes: padding to
//! the 64-byte minimum, the 4-byte FCS the MAC strips, and 20 bytes of
//! preamble, start delimiter and inter-frame gap. At `R` Gb/s and a core
//! clock of `F` MHz one wire byte lasts `8 * F / (1000 * R)` cycles, so the
//! frame's slot is
//!
//! ```text
//! slot(L) = (max(L, 60) + 24) * 8 * F / (1000 * R)   cycles
//! gap(L)  = slot(L) - ceil(L / 8)                    idle cycles
//! ```
//!
//! Slots are fractional, so the pacer accumulates the ideal start times and
//! rounds each frame's start down to a whole cycle: the long-run rate is
//! exact and no frame starts earlier than its ideal time minus one cycle.
//! When the line rate is faster than the datapath (`gap < 0`), frames go
//! back to back (gap 0) and the schedule does not build up debt.
//!
//! Example: 10 Gb/s at 156.25 MHz is exactly one wire byte per 1/8 cycle, so
//! a 60-byte frame has an 84-byte / 10.5-cycle slot, 8 busy and 2.5 idle.

/// Bytes per MAC-stream beat (`AXIS_DATA_WIDTH` / 8).
pub const BEAT_BYTES: u64 = 8;
/// Preamble (7), start delimiter (1) and minimum inter-frame gap (12).
pub const WIRE_OVERHEAD_BYTES: u64 = 20;
/// Frame check sequence, stripped before the MAC stream.
pub const FCS_BYTES: u64 = 4;
/// Minimum frame length without FCS (shorter frames are padded on the wire).
pub const MIN_WIRE_FRAME: u64 = 60;
/// Default core clock (10GBASE-R's 64-bit datapath clock).
pub const DEFAULT_CLOCK_MHZ: f64 = 156.25;

/// Computes per-frame gaps for a line rate, or 0 for back-to-back.
#[derive(Clone, Debug)]
pub struct Pacer {
    /// Cycles per wire byte; `None` = back to back at the datapath rate.
    cycles_per_byte: Option<f64>,
    /// Ideal start of the next frame, in cycles from the first frame.
    ideal: f64,
    /// Cycle at which the previous frame's last beat ends.
    actual: u64,
}

impl Pacer {
    /// `line_rate_gbps = None`: no pacing (gap 0).
    pub fn new(line_rate_gbps: Option<f64>, clock_mhz: f64) -> Self {
        let cycles_per_byte =
            line_rate_gbps.filter(|r| r.is_finite() && *r > 0.0).map(|r| 8.0 * clock_mhz / (1000.0 * r));
        Pacer { cycles_per_byte, ideal: 0.0, actual: 0 }
    }

    /// Cycles a frame of `len` bytes occupies on the MAC stream.
    pub fn busy_cycles(len: usize) -> u64 {
        (len as u64).div_ceil(BEAT_BYTES).max(1)
    }

    /// Wire bytes a frame of `len` bytes (no FCS) takes at line rate.
    pub fn wire_bytes(len: usize) -> u64 {
        (len as u64).max(MIN_WIRE_FRAME) + FCS_BYTES + WIRE_OVERHEAD_BYTES
    }

    /// Idle cycles to leave before the next frame of `len` bytes.
    pub fn gap_before(&mut self, len: usize) -> u32 {
        let Some(cpb) = self.cycles_per_byte else { return 0 };
        let start = self.ideal.floor().max(0.0) as u64;
        let gap = start.saturating_sub(self.actual);
        let actual_start = self.actual + gap;
        // Never let the ideal schedule fall behind what the datapath did.
        self.ideal = self.ideal.max(actual_start as f64) + Self::wire_bytes(len) as f64 * cpb;
        self.actual = actual_start + Self::busy_cycles(len);
        gap.min(u64::from(u32::MAX)) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_to_back_without_rate() {
        let mut p = Pacer::new(None, DEFAULT_CLOCK_MHZ);
        assert_eq!(p.gap_before(60), 0);
        assert_eq!(p.gap_before(1514), 0);
    }

    #[test]
    fn ten_gig_min_frames() {
        // 60-byte frames at 10G / 156.25 MHz: 10.5-cycle slots, 8 busy.
        let mut p = Pacer::new(Some(10.0), DEFAULT_CLOCK_MHZ);
        let gaps: Vec<u32> = (0..5).map(|_| p.gap_before(60)).collect();
        // First frame starts at 0; the following alternate 2/3 idle cycles.
        assert_eq!(gaps, vec![0, 2, 3, 2, 3]);
        // Long run: 1000 frames take 10500 cycles.
        let mut p = Pacer::new(Some(10.0), DEFAULT_CLOCK_MHZ);
        let total: u64 = (0..1000).map(|_| u64::from(p.gap_before(60)) + 8).sum();
        assert!((10_490..=10_500).contains(&total), "{total}");
    }

    #[test]
    fn full_size_at_one_gig() {
        // 1514 bytes: 1538 wire bytes, at 1G / 156.25 MHz 1.25 cycles/byte.
        let mut p = Pacer::new(Some(1.0), DEFAULT_CLOCK_MHZ);
        p.gap_before(1514);
        let g = p.gap_before(1514);
        assert_eq!(u64::from(g), (1538.0f64 * 1.25).floor() as u64 - 190);
    }

    #[test]
    fn faster_than_datapath_is_back_to_back() {
        let mut p = Pacer::new(Some(100.0), DEFAULT_CLOCK_MHZ);
        for _ in 0..10 {
            assert_eq!(p.gap_before(1514), 0);
        }
    }
}
