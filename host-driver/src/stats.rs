//! Statistics: device counters widened to 64 bits, plus the driver's own.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// Widens a wrapping 32-bit device counter into a 64-bit total.
///
/// Each read adds the delta since the previous read (mod 2^32), so the total
/// is exact as long as the counter wraps at most once between two reads.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct WrapCounter {
    last: u32,
    total: u64,
}

impl WrapCounter {
    pub(crate) fn update(&mut self, raw: u32) -> u64 {
        self.total += u64::from(raw.wrapping_sub(self.last));
        self.last = raw;
        self.total
    }

    /// The device zeroed its counter (`CTRL.RESET`); the total carries on.
    pub(crate) fn device_reset(&mut self) {
        self.last = 0;
    }
}

/// Everything the NIC and the driver count, as returned by [`crate::Nic::stats`].
///
/// Device counters are totals since [`crate::Nic::probe`] (they survive
/// resets, which zero the registers). Serializes to JSON for test reports.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Stats {
    /// Frames seen on the MAC stream, dropped or not.
    pub frames_in: u64,
    /// Dropped: RX FIFO full.
    pub drop_fifo_full: u64,
    /// Dropped: MAC flagged an error.
    pub drop_mac_error: u64,
    /// Dropped: shorter than `limits::MIN_FRAME_LEN`.
    pub drop_runt: u64,
    /// Dropped: longer than `limits::MAX_FRAME_LEN`.
    pub drop_oversize: u64,
    /// Dropped: `CTRL.RX_ENABLE` clear.
    pub drop_disabled: u64,
    /// RX FIFO capacity in bytes.
    pub rx_fifo_bytes: u32,
    /// Highest RX FIFO fill since the last reset, in bytes.
    pub rx_fifo_peak: u32,
    /// One entry per queue opened since probe (a closed queue keeps its totals).
    pub queues: Vec<QueueStats>,
    /// One entry per MSI-X vector used since probe (empty if interrupts were
    /// never enabled; a vector keeps its totals after interrupts are disabled).
    pub vectors: Vec<VectorStats>,
}

/// Per-MSI-X-vector statistics (see the crate docs, "Interrupts").
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct VectorStats {
    /// The vector (an MSI-X table entry).
    pub vector: u16,
    /// Device: MSI-X messages sent on the vector (`ivec::MSGS`, widened).
    pub msgs: u64,
    /// Driver: interrupts collected from the transport ([`nic_hal::Hal::irq_take`]
    /// through [`crate::napi::IrqHub::dispatch`] or [`crate::Nic::take_interrupts`]).
    pub interrupts: u64,
    /// Driver: NAPI polls of the vector ([`crate::Nic::poll_vector`] calls).
    pub polls: u64,
    /// Driver: completion records those polls consumed.
    pub completions: u64,
    /// Driver: re-arms (`ivec::CTRL` = `ARM` writes after enabling).
    pub rearms: u64,
    /// `completions / interrupts`: the moderation achieved (0 without interrupts).
    pub frames_per_interrupt: f64,
}

/// Per-queue statistics: device counters, then the driver's.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct QueueStats {
    /// Queue index.
    pub queue: usize,
    /// Device: frames delivered to this queue.
    pub frames: u64,
    /// Device: bytes delivered to this queue.
    pub bytes: u64,
    /// Device: dropped because no descriptor was posted.
    pub drop_no_desc: u64,
    /// Device: dropped because the next buffer was too small (descriptor kept).
    pub drop_buf_too_small: u64,
    /// Device: dropped on a malformed descriptor.
    pub drop_bad_desc: u64,
    /// Device: dropped because the queue was disabled.
    pub drop_queue_disabled: u64,
    /// Device: frames delivered split (`Q_SPLIT_FRAMES`).
    pub split_frames: u64,
    /// Device: frames delivered unsplit because the headers did not fit a
    /// header buffer (`Q_HDR_OVERFLOW`).
    pub hdr_overflow: u64,
    /// Driver: calls to [`crate::Nic::poll`].
    pub polls: u64,
    /// Driver: completion records consumed (delivered or not).
    pub completions: u64,
    /// Driver: frames handed to the `deliver` callback.
    pub frames_delivered: u64,
    /// Driver: bytes handed to the `deliver` callback.
    pub bytes_delivered: u64,
    /// Driver: completions with `cpl_status::BAD_DESC` (buffer taken back, nothing delivered).
    pub bad_desc_completions: u64,
    /// Driver: completions that contradicted what was posted (see [`crate::CplFault`]).
    pub device_faults: u64,
    /// Driver: `DESC_PROD` doorbell writes.
    pub desc_doorbells: u64,
    /// Driver: `CPL_CONS` writes.
    pub cpl_doorbells: u64,
    /// Driver: descriptors posted.
    pub buffers_posted: u64,
    /// Driver: buffers in the free pool now (0 once closed).
    pub free_buffers: usize,
    /// Driver: buffers posted to the NIC and not yet completed (0 once closed).
    pub buffers_in_flight: usize,
    /// Driver: data buffers in the pool (0 once closed).
    pub data_pool_size: usize,
    /// Driver: fewest free data buffers seen after a post (0 once closed).
    pub data_free_min: usize,
    /// Driver: header buffers in the pool (0 without split, or once closed).
    pub hdr_pool_size: usize,
    /// Driver: header buffers free now.
    pub hdr_free: usize,
    /// Driver: fewest free header buffers seen after a post.
    pub hdr_free_min: usize,
    /// Driver: posts that found room in the ring but no free buffer.
    pub pool_exhausted: u64,
    /// Driver: descriptors retired by completions (`DESC_COUNT` summed).
    pub descs_consumed: u64,
    /// Driver: frames delivered with `SPLIT`.
    pub frames_split: u64,
    /// Driver: frames delivered with `HDR_OVERFLOW`.
    pub hdr_overflows: u64,
    /// Driver: frames delivered from more than one data buffer.
    pub frames_scattered: u64,
    /// Driver: frames delivered whole in the header buffer (small frames).
    pub frames_header_only: u64,
    /// Driver: frames delivered with `VLAN_STRIPPED`.
    pub vlan_stripped: u64,
    /// Driver: data-buffer bytes copied into the scratch buffer ([`crate::Delivery::Copy`]).
    pub bytes_copied: u64,
    /// Driver: data-buffer bytes lent out without a copy ([`crate::Delivery::ZeroCopy`]).
    pub bytes_lent: u64,
    /// Driver: data buffers lent out and not yet returned, now.
    pub lent_buffers: usize,
    /// Driver: most data buffers lent out at once (counted when lending;
    /// returned ones not yet taken back by a poll count).
    pub lent_peak: u64,
}

/// Per-queue counters that outlive the queue's rings.
#[derive(Clone, Debug, Default)]
pub(crate) struct QueueCounters {
    pub(crate) frames: WrapCounter,
    pub(crate) bytes: WrapCounter,
    pub(crate) drop_no_desc: WrapCounter,
    pub(crate) drop_buf_too_small: WrapCounter,
    pub(crate) drop_bad_desc: WrapCounter,
    pub(crate) drop_queue_disabled: WrapCounter,
    pub(crate) split_frames: WrapCounter,
    pub(crate) hdr_overflow: WrapCounter,
    pub(crate) sw: DriverCounters,
}

/// The driver's own per-queue counters, bumped on the hot path.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct DriverCounters {
    pub(crate) polls: u64,
    pub(crate) completions: u64,
    pub(crate) frames_delivered: u64,
    pub(crate) bytes_delivered: u64,
    pub(crate) bad_desc_completions: u64,
    pub(crate) device_faults: u64,
    pub(crate) desc_doorbells: u64,
    pub(crate) cpl_doorbells: u64,
    pub(crate) buffers_posted: u64,
    pub(crate) pool_exhausted: u64,
    pub(crate) descs_consumed: u64,
    pub(crate) frames_split: u64,
    pub(crate) hdr_overflows: u64,
    pub(crate) frames_scattered: u64,
    pub(crate) frames_header_only: u64,
    pub(crate) vlan_stripped: u64,
    pub(crate) bytes_copied: u64,
    pub(crate) bytes_lent: u64,
    pub(crate) lent_peak: u64,
}

impl QueueCounters {
    pub(crate) fn device_reset(&mut self) {
        for c in [
            &mut self.frames,
            &mut self.bytes,
            &mut self.drop_no_desc,
            &mut self.drop_buf_too_small,
            &mut self.drop_bad_desc,
            &mut self.drop_queue_disabled,
            &mut self.split_frames,
            &mut self.hdr_overflow,
        ] {
            c.device_reset();
        }
    }
}

/// Per-vector counters that outlive an interrupt setup (the interrupt
/// count itself is shared with the [`crate::napi::IrqHub`]: see `IrqCounts`).
#[derive(Clone, Debug, Default)]
pub(crate) struct VectorCounters {
    pub(crate) msgs: WrapCounter,
    pub(crate) polls: u64,
    pub(crate) completions: u64,
    pub(crate) rearms: u64,
}

/// Interrupts taken per table entry, counted by whoever calls
/// [`nic_hal::Hal::irq_take`] for the driver: the NIC and its
/// [`crate::napi::IrqHub`]s share one, so a hub needs no access to the NIC.
#[derive(Debug)]
pub(crate) struct IrqCounts(Box<[AtomicU64]>);

impl IrqCounts {
    pub(crate) fn new(vectors: usize) -> Self {
        IrqCounts((0..vectors).map(|_| AtomicU64::new(0)).collect())
    }

    /// Adds `n` interrupts taken on `vector`.
    pub(crate) fn add(&self, vector: u16, n: u32) {
        if let Some(c) = self.0.get(usize::from(vector)) {
            c.fetch_add(u64::from(n), Ordering::Relaxed);
        }
    }

    /// Table entries counted.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    pub(crate) fn get(&self, vector: u16) -> u64 {
        self.0.get(usize::from(vector)).map_or(0, |c| c.load(Ordering::Relaxed))
    }
}

/// Global device counters.
#[derive(Clone, Debug, Default)]
pub(crate) struct GlobalCounters {
    pub(crate) frames_in: WrapCounter,
    pub(crate) drop_fifo_full: WrapCounter,
    pub(crate) drop_mac_error: WrapCounter,
    pub(crate) drop_runt: WrapCounter,
    pub(crate) drop_oversize: WrapCounter,
    pub(crate) drop_disabled: WrapCounter,
}

impl GlobalCounters {
    pub(crate) fn device_reset(&mut self) {
        for c in [
            &mut self.frames_in,
            &mut self.drop_fifo_full,
            &mut self.drop_mac_error,
            &mut self.drop_runt,
            &mut self.drop_oversize,
            &mut self.drop_disabled,
        ] {
            c.device_reset();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::WrapCounter;

    #[test]
    fn wrap_counter_widens() {
        let mut c = WrapCounter::default();
        assert_eq!(c.update(0xFFFF_FFF0), 0xFFFF_FFF0);
        assert_eq!(c.update(0x10), 0x1_0000_0010);
        c.device_reset();
        assert_eq!(c.update(5), 0x1_0000_0015);
    }
}
