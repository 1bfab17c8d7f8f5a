//! One RX queue: its two rings, its buffer pool and the hot path.

use std::collections::VecDeque;

use nic_hal::{DmaRegion, Hal};
use nic_spec::{cpl, cpl_phase, cpl_status, desc, limits, rxq, rxq_layout};

use crate::error::{CplFault, DriverError};
use crate::lend::{Delivery, FrameBytes, Lender};
use crate::split::SplitConfig;
use crate::stats::DriverCounters;

/// BAR0 offset of register `reg` of RX queue `q`.
pub(crate) fn qreg(q: usize, reg: u32) -> u32 {
    // q < rxq_layout::MAX_QUEUES, checked when the queue is opened.
    rxq::BASE + q as u32 * rxq_layout::STRIDE + reg
}

/// A frame received on a queue, lent to the `deliver` callback of
/// [`crate::Nic::poll`] for the duration of the call.
#[derive(Clone, Copy, Debug)]
pub struct RxFrame<'a> {
    /// The queue the frame arrived on.
    pub queue: usize,
    /// The whole delivered frame, without FCS (after VLAN stripping): the
    /// header buffer's bytes followed by the data buffers' bytes, copied
    /// into a driver-owned scratch buffer ([`Delivery::Copy`]: valid during
    /// the callback) or lent ([`Delivery::ZeroCopy`]: clone the
    /// [`crate::RxBuf`]s to keep them).
    pub bytes: FrameBytes<'a>,
    /// The header buffer's bytes, the first `hdr_len` bytes of the frame
    /// (empty if `hdr_len` is 0), always copied.
    pub header: &'a [u8],
    /// The first data buffer the NIC consumed (`desc::BUF_ID`).
    pub buf_id: u16,
    /// `cpl::STATUS` (see `nic_spec::cpl_status`).
    pub status: u8,
    /// `cpl::RSS_HASH`: the Toeplitz hash (0 when `rss_type` is none),
    /// what Linux keeps in `skb->hash`.
    pub rss_hash: u32,
    /// `cpl::RSS_TYPE` (`nic_spec::rss_type`, 0 = none).
    pub rss_type: u8,
    /// `cpl::L3_TYPE` (`nic_spec::l3_type`).
    pub l3_type: u8,
    /// `cpl::L4_TYPE` (`nic_spec::l4_type`).
    pub l4_type: u8,
    /// `cpl::PARSE_FLAGS` (`nic_spec::parse_flags`).
    pub flags: u8,
    /// `cpl::VLAN_COUNT`: VLAN tags the parser stepped over (0..=2).
    pub vlan_count: u8,
    /// `cpl::L3_OFFSET`: where the L3 header starts (in the frame as received).
    pub l3_offset: u16,
    /// `cpl::L4_OFFSET`: where the L4 header starts (0 if not parsed).
    pub l4_offset: u16,
    /// `cpl::PAYLOAD_OFFSET`: where the L4 payload starts (0 if not parsed).
    pub payload_offset: u16,
    /// `cpl::IP_CSUM` (`nic_spec::csum`): IPv4 header checksum verdict.
    pub ip_csum: u8,
    /// `cpl::L4_CSUM` (`nic_spec::csum`): TCP/UDP checksum verdict
    /// (`GOOD` is Linux's `CHECKSUM_UNNECESSARY`).
    pub l4_csum: u8,
    /// `cpl::CSUM_COMPLETE`: ones'-complement sum of frame bytes `[14, len)`
    /// as received, Linux's `CHECKSUM_COMPLETE` value after `eth_type_trans`.
    pub csum_complete: u16,
    /// Ring index of the frame's first descriptor.
    pub desc_idx: u16,
    /// `cpl::HDR_LEN`: bytes in the header buffer (0: not used).
    pub hdr_len: u16,
    /// `len - hdr_len`: bytes that came from data buffers.
    pub payload_len: u16,
    /// `cpl::SPLIT`: headers in the header buffer, payload from data buffer offset 0.
    pub split: bool,
    /// `cpl::HDR_OVERFLOW`: split was due but the headers did not fit.
    pub hdr_overflow: bool,
    /// `cpl::DESC_COUNT`: descriptors the frame consumed (>= 1).
    pub desc_count: u8,
    /// Data buffers written: `desc_count` if `payload_len > 0`, else 0.
    pub bufs: u8,
    /// `cpl::LAST_LEN`: bytes in the last data buffer (0 if none was written).
    pub last_len: u16,
    /// `cpl::VLAN_TCI`: the outer VLAN tag (0 without one), stripped or not.
    pub vlan_tci: u16,
    /// `cpl::VLAN_STRIPPED`: the outer tag was removed from `data`.
    pub vlan_stripped: bool,
}

/// Where a checked completion's bytes are: the header buffer, then
/// `desc_count` data buffers of `cap` bytes, the last holding `last_len`.
/// The one place that knows the layout, so that data buffers can later be
/// lent out instead of copied.
#[derive(Clone, Copy, Debug)]
struct Layout {
    hdr_len: u16,
    data_len: u16,
    /// Descriptors consumed.
    count: u16,
    /// Bytes in every data buffer but the last.
    cap: u16,
    last_len: u16,
}

impl Layout {
    /// Data buffers written.
    fn bufs(&self) -> u16 {
        if self.data_len == 0 {
            0
        } else {
            self.count
        }
    }

    /// Bytes in data buffer `k` (`k < bufs()`).
    fn seg_len(&self, k: u16) -> u16 {
        if k + 1 == self.count {
            self.last_len
        } else {
            self.cap
        }
    }
}

/// Ring geometry and buffer layout of one queue, fixed at open.
pub(crate) struct QueueParams {
    pub(crate) index: usize,
    pub(crate) desc_log: u32,
    pub(crate) cpl_log: u32,
    pub(crate) buf_len: u16,
    pub(crate) nbufs: usize,
    pub(crate) repost_batch: usize,
    pub(crate) split: SplitConfig,
    pub(crate) delivery: Delivery,
}

/// A pool of fixed-size DMA buffers and the ids the driver owns, in FIFO
/// order: with a pool larger than the ring every buffer takes its turn, so a
/// device writing to a stale buffer address shows up as corrupted frames
/// instead of hiding.
struct Pool {
    region: DmaRegion,
    /// Distance between buffers.
    stride: u64,
    size: usize,
    free: VecDeque<u16>,
    /// Fewest free buffers seen after a post.
    free_min: usize,
}

impl Pool {
    fn alloc<H: Hal>(hal: &mut H, size: usize, stride: u64, align: usize) -> Result<Self, DriverError> {
        let region = hal.dma_alloc(size * stride as usize, align)?;
        Ok(Pool { region, stride, size, free: (0..size).map(|id| id as u16).collect(), free_min: size })
    }

    fn addr(&self, id: u16) -> u64 {
        self.region.bus_addr + u64::from(id) * self.stride
    }

    fn put(&mut self, id: u16) {
        debug_assert!(self.free.len() < self.size);
        self.free.push_back(id);
    }
}

pub(crate) struct RxQueue {
    index: usize,
    desc_ring: DmaRegion,
    desc_log: u32,
    cpl_ring: DmaRegion,
    cpl_log: u32,
    /// Data buffers, `buf_stride` apart.
    data: Pool,
    /// Header buffers, `hdr_buf` apart (`None`: no header pool, HDR_IDX 0).
    hdr: Option<Pool>,
    split: SplitConfig,
    /// Data buffer length posted in each descriptor.
    buf_len: u16,
    /// Bytes in every scatter buffer but the last: `buf_len & !15`.
    cap: u16,
    /// The data buffer posted in each descriptor slot. Completions arrive in
    /// descriptor order, so this, not the record, says which buffer comes back.
    slot_buf: Vec<u16>,
    /// The header buffer posted in each descriptor slot.
    slot_hdr: Vec<u16>,
    /// Next descriptor index the driver will fill (the `DESC_PROD` it writes).
    desc_prod: u16,
    /// Descriptors completed: `desc_prod - desc_done` are in flight.
    desc_done: u16,
    /// Next completion index to read.
    cpl_cons: u16,
    /// The `CPL_CONS` value last written to the device.
    cpl_cons_written: u16,
    repost: bool,
    /// Descriptors per doorbell while polling.
    repost_batch: usize,
    /// Below this many in flight, a poll posts whatever is free.
    low_water: usize,
    /// Frame copy target: a header buffer plus a data buffer, or
    /// `limits::MAX_FRAME_LEN` (at least) with scatter.
    scratch: Vec<u8>,
    /// Descriptor staging for one doorbell, ring-size records.
    stage: Vec<u8>,
    last_fault: Option<CplFault>,
    /// Zero-copy delivery: the data buffers lent out.
    lender: Option<Lender>,
}

/// Pool occupancy of one queue, for [`crate::QueueStats`].
pub(crate) struct PoolLevels {
    pub(crate) data_size: usize,
    pub(crate) data_free_min: usize,
    pub(crate) hdr_size: usize,
    pub(crate) hdr_free: usize,
    pub(crate) hdr_free_min: usize,
}

impl RxQueue {
    /// Allocates the rings and pools. On failure nothing stays allocated.
    pub(crate) fn alloc<H: Hal>(hal: &mut H, p: &QueueParams) -> Result<Self, DriverError> {
        let ring_align = limits::RING_ALIGN as usize;
        let buf_stride = u64::from(p.buf_len).next_multiple_of(limits::BUF_ALIGN);
        let ring_size = 1usize << p.desc_log;
        let max_in_flight = ring_size.min(p.nbufs);
        let desc_len = desc::SIZE << p.desc_log;
        let cpl_len = cpl::SIZE << p.cpl_log;
        let desc_ring = hal.dma_alloc(desc_len, ring_align)?;
        let cpl_ring = match hal.dma_alloc(cpl_len, ring_align) {
            Ok(r) => r,
            Err(e) => {
                hal.dma_free(desc_ring);
                return Err(e.into());
            }
        };
        // Page-aligned so that a buffer of at most a page never straddles two.
        let data = match Pool::alloc(hal, p.nbufs, buf_stride, ring_align) {
            Ok(r) => r,
            Err(e) => {
                hal.dma_free(cpl_ring);
                hal.dma_free(desc_ring);
                return Err(e);
            }
        };
        // One header buffer per descriptor that can be in flight: a posted
        // descriptor always carries one, and they come back with it.
        let hdr = if p.split.uses_header_pool() {
            match Pool::alloc(hal, max_in_flight, u64::from(p.split.hdr_buf), limits::BUF_ALIGN as usize) {
                Ok(r) => Some(r),
                Err(e) => {
                    hal.dma_free(data.region);
                    hal.dma_free(cpl_ring);
                    hal.dma_free(desc_ring);
                    return Err(e);
                }
            }
        } else {
            None
        };
        let hdr_bytes = hdr.as_ref().map_or(0, |_| usize::from(p.split.hdr_buf));
        let mut scratch_len = usize::from(p.buf_len) + hdr_bytes;
        if p.split.scatter {
            scratch_len = scratch_len.max(limits::MAX_FRAME_LEN as usize);
        }
        let q = RxQueue {
            index: p.index,
            desc_ring,
            desc_log: p.desc_log,
            cpl_ring,
            cpl_log: p.cpl_log,
            data,
            hdr,
            split: p.split,
            buf_len: p.buf_len,
            cap: p.buf_len & !(limits::BUF_ALIGN as u16 - 1),
            slot_buf: vec![0; ring_size],
            slot_hdr: vec![0; ring_size],
            desc_prod: 0,
            desc_done: 0,
            cpl_cons: 0,
            cpl_cons_written: 0,
            repost: true,
            repost_batch: p.repost_batch.min(max_in_flight),
            low_water: (max_in_flight / 2).max(1),
            scratch: vec![0; scratch_len],
            stage: Vec::with_capacity(ring_size * desc::SIZE),
            last_fault: None,
            lender: (p.delivery == Delivery::ZeroCopy).then(|| Lender::new(p.nbufs)),
        };
        if q.lender.is_some() {
            // Zero-copy needs in-place reads: find out now, not at the first frame.
            if let Err(e) = hal.dma_pin(q.data.addr(0), usize::from(p.buf_len).max(1)) {
                q.free(hal);
                return Err(e.into());
            }
        }
        Ok(q)
    }

    /// Returns the rings and pools to the transport.
    pub(crate) fn free<H: Hal>(self, hal: &mut H) {
        if let Some(h) = self.hdr {
            hal.dma_free(h.region);
        }
        hal.dma_free(self.data.region);
        hal.dma_free(self.cpl_ring);
        hal.dma_free(self.desc_ring);
    }

    /// Zeroes the completion ring (so no stale phase bit matches), programs
    /// the ring, header pool and `Q_RX_CFG` registers and enables the queue.
    /// The caller waits for `Q_STATUS.ENABLED`.
    pub(crate) fn program<H: Hal>(&mut self, hal: &mut H) -> Result<(), DriverError> {
        // dma_alloc promises zeroed memory; a transport that recycles memory
        // and forgets would make the first poll read garbage, so be sure.
        let zero = [0u8; 4096];
        let mut off = 0;
        while off < self.cpl_ring.len {
            let n = zero.len().min(self.cpl_ring.len - off);
            hal.dma_write(self.cpl_ring.bus_addr + off as u64, &zero[..n])?;
            off += n;
        }
        let q = self.index;
        // Base and configuration registers only take while the queue is disabled.
        hal.mmio_write32(qreg(q, rxq::Q_CTRL), 0);
        hal.mmio_write32(qreg(q, rxq::DESC_BASE_LO), self.desc_ring.bus_addr as u32);
        hal.mmio_write32(qreg(q, rxq::DESC_BASE_HI), (self.desc_ring.bus_addr >> 32) as u32);
        hal.mmio_write32(qreg(q, rxq::DESC_LOG_SIZE), self.desc_log);
        hal.mmio_write32(qreg(q, rxq::CPL_BASE_LO), self.cpl_ring.bus_addr as u32);
        hal.mmio_write32(qreg(q, rxq::CPL_BASE_HI), (self.cpl_ring.bus_addr >> 32) as u32);
        hal.mmio_write32(qreg(q, rxq::CPL_LOG_SIZE), self.cpl_log);
        let (hdr_base, hdr_count) = self.hdr.as_ref().map_or((0, 0), |h| (h.region.bus_addr, h.size as u32));
        hal.mmio_write32(qreg(q, rxq::Q_HDR_BASE_LO), hdr_base as u32);
        hal.mmio_write32(qreg(q, rxq::Q_HDR_BASE_HI), (hdr_base >> 32) as u32);
        hal.mmio_write32(qreg(q, rxq::Q_HDR_COUNT), hdr_count);
        hal.mmio_write32(qreg(q, rxq::Q_RX_CFG), self.split.rx_cfg());
        // Enabling zeroes the device's four indices; ours start at zero too.
        hal.mmio_write32(qreg(q, rxq::Q_CTRL), nic_spec::qctrl::ENABLE);
        Ok(())
    }

    pub(crate) fn set_repost(&mut self, on: bool) {
        self.repost = on;
    }

    pub(crate) fn last_fault(&self) -> Option<CplFault> {
        self.last_fault
    }

    pub(crate) fn free_buffers(&self) -> usize {
        self.data.free.len()
    }

    /// Data buffers lent out (zero-copy) and not yet back.
    pub(crate) fn lent_buffers(&self) -> usize {
        self.lender.as_ref().map_or(0, |l| l.outstanding)
    }

    /// Takes back the lent buffers whose last handle dropped.
    pub(crate) fn reclaim(&mut self) {
        if let Some(l) = &mut self.lender {
            if l.has_returns() {
                let data = &mut self.data;
                l.reclaim(|id| data.put(id));
            }
        }
    }

    /// Whom to wake when a lent buffer comes back while the ring is short.
    pub(crate) fn set_return_notify(&self, n: Option<std::sync::Arc<tokio::sync::Notify>>) {
        if let Some(l) = &self.lender {
            l.set_notify(n);
        }
    }

    pub(crate) fn pool_levels(&self) -> PoolLevels {
        let (hdr_size, hdr_free, hdr_free_min) =
            self.hdr.as_ref().map_or((0, 0, 0), |h| (h.size, h.free.len(), h.free_min));
        PoolLevels { data_size: self.data.size, data_free_min: self.data.free_min, hdr_size, hdr_free, hdr_free_min }
    }

    pub(crate) fn in_flight(&self) -> usize {
        usize::from(self.desc_prod.wrapping_sub(self.desc_done))
    }

    fn ring_size(&self) -> usize {
        1 << self.desc_log
    }

    /// Posts up to `max` free buffers with one `DESC_PROD` doorbell; returns
    /// how many. Each descriptor carries a free data buffer and a free header
    /// buffer. Descriptors are written to memory before the doorbell so the
    /// NIC never fetches a stale one (a real-hardware `Hal` must order its
    /// DMA-memory writes before the MMIO write).
    pub(crate) fn post<H: Hal>(
        &mut self,
        hal: &mut H,
        max: usize,
        c: &mut DriverCounters,
    ) -> Result<usize, DriverError> {
        self.reclaim();
        let size = self.ring_size();
        let room = size - self.in_flight();
        let hdr_free = self.hdr.as_ref().map_or(usize::MAX, |h| h.free.len());
        let avail = self.data.free.len().min(hdr_free);
        let n = max.min(avail).min(room);
        if n == 0 {
            if max > 0 && room > 0 && avail == 0 {
                c.pool_exhausted += 1;
            }
            return Ok(0);
        }
        self.stage.clear();
        self.stage.resize(n * desc::SIZE, 0);
        for (k, (rec, &id)) in self.stage.chunks_exact_mut(desc::SIZE).zip(self.data.free.iter()).enumerate() {
            desc::ADDR.set(rec, self.data.addr(id));
            desc::LEN.set(rec, u64::from(self.buf_len));
            desc::BUF_ID.set(rec, u64::from(id));
            let h = self.hdr.as_ref().map_or(0, |h| h.free[k]);
            desc::HDR_IDX.set(rec, u64::from(h));
        }
        // Write the batch as at most two runs: up to the ring's end, then from slot 0.
        let mask = size - 1;
        let first = usize::from(self.desc_prod) & mask;
        let run = n.min(size - first);
        hal.dma_write(self.desc_ring.bus_addr + (first * desc::SIZE) as u64, &self.stage[..run * desc::SIZE])?;
        if run < n {
            hal.dma_write(self.desc_ring.bus_addr, &self.stage[run * desc::SIZE..])?;
        }
        // Written: now the buffers are the NIC's.
        for (k, id) in self.data.free.drain(..n).enumerate() {
            self.slot_buf[(first + k) & mask] = id;
        }
        self.data.free_min = self.data.free_min.min(self.data.free.len());
        if let Some(h) = &mut self.hdr {
            for (k, id) in h.free.drain(..n).enumerate() {
                self.slot_hdr[(first + k) & mask] = id;
            }
            h.free_min = h.free_min.min(h.free.len());
        }
        self.desc_prod = self.desc_prod.wrapping_add(n as u16);
        hal.mmio_write32(qreg(self.index, rxq::DESC_PROD), u32::from(self.desc_prod));
        c.desc_doorbells += 1;
        c.buffers_posted += n as u64;
        Ok(n)
    }

    /// Consumes up to `budget` completions; see [`crate::Nic::poll`].
    /// Always publishes `CPL_CONS` for what was consumed, even on error.
    pub(crate) fn poll<H: Hal, F: FnMut(RxFrame<'_>)>(
        &mut self,
        hal: &mut H,
        budget: usize,
        c: &mut DriverCounters,
        deliver: &mut F,
    ) -> Result<usize, DriverError> {
        c.polls += 1;
        self.reclaim();
        let mut result = self.poll_inner(hal, budget, c, deliver);
        // Never leave the NIC starving: top up whatever the batches left.
        if result.is_ok() && self.repost && self.in_flight() < self.low_water {
            if let Err(e) = self.post(hal, usize::MAX, c) {
                result = Err(e);
            }
        }
        if let Some(l) = &self.lender {
            // Short of buffers because the application holds them: its
            // returns must wake the poller (no frame, no interrupt).
            l.set_starving(self.repost && self.in_flight() < self.low_water);
        }
        if self.cpl_cons != self.cpl_cons_written {
            hal.mmio_write32(qreg(self.index, rxq::CPL_CONS), u32::from(self.cpl_cons));
            self.cpl_cons_written = self.cpl_cons;
            c.cpl_doorbells += 1;
        }
        result
    }

    fn poll_inner<H: Hal, F: FnMut(RxFrame<'_>)>(
        &mut self,
        hal: &mut H,
        budget: usize,
        c: &mut DriverCounters,
        deliver: &mut F,
    ) -> Result<usize, DriverError> {
        // The dword holding the phase bit, which the NIC writes last.
        let phase_dw = (cpl::PHASE.lsb / 32 * 4) as usize;
        let cpl_mask = (1usize << self.cpl_log) - 1;
        let mut done = 0;
        while done < budget {
            let idx = self.cpl_cons;
            let addr = self.cpl_ring.bus_addr + ((usize::from(idx) & cpl_mask) * cpl::SIZE) as u64;
            let mut rec = [0u8; cpl::SIZE];
            // Phase first, then the body: once the last bit is seen, the rest
            // of the record (same write, lower addresses) is in memory.
            hal.dma_read(addr + phase_dw as u64, &mut rec[phase_dw..])?;
            if (cpl::PHASE.get(&rec) == 1) != cpl_phase(idx, self.cpl_log) {
                break;
            }
            hal.dma_read(addr, &mut rec)?;
            self.cpl_cons = idx.wrapping_add(1);
            done += 1;
            c.completions += 1;

            let in_flight = self.in_flight();
            if in_flight == 0 {
                self.fault(c, CplFault::NoDescriptorOutstanding { cpl_idx: idx });
                continue;
            }
            // The descriptors the record retires: DESC_COUNT of them if
            // that many are in flight, else (a device bug) just the next one.
            let raw_count = cpl::DESC_COUNT.get(&rec) as usize;
            let count = if (1..=in_flight).contains(&raw_count) { raw_count } else { 1 };
            let desc_idx = self.desc_done;
            let mut lent = 0;
            let res = self.handle(hal, &rec, desc_idx, in_flight, c, deliver, &mut lent);
            // Whatever the record says, the buffers in those slots are ours
            // again, except data buffers lent out (they come back on drop).
            self.retire(desc_idx, count, lent);
            c.descs_consumed += count as u64;
            res?;
            // Whole batches only; a scatter completion may return several at
            // once. Lent buffers the callback did not keep are back already.
            self.reclaim();
            let free = self.data.free.len();
            if self.repost && free >= self.repost_batch {
                self.post(hal, free - free % self.repost_batch, c)?;
            }
        }
        Ok(done)
    }

    /// Gives the data and header buffers of descriptors `first..first+count`
    /// back to their pools, but for the data buffers of the first `lent`.
    fn retire(&mut self, first: u16, count: usize, lent: usize) {
        let mask = self.ring_size() - 1;
        for k in 0..count {
            let slot = usize::from(first.wrapping_add(k as u16)) & mask;
            if k >= lent {
                self.data.put(self.slot_buf[slot]);
            }
            if let Some(h) = &mut self.hdr {
                h.put(self.slot_hdr[slot]);
            }
        }
        self.desc_done = first.wrapping_add(count as u16);
    }

    /// Checks a record's layout against docs/split.md and what was posted.
    fn check(&self, rec: &[u8; cpl::SIZE], desc_idx: u16, in_flight: usize) -> Result<Layout, CplFault> {
        let mask = self.ring_size() - 1;
        let len = cpl::LEN.get(rec) as u16;
        let buf_id = cpl::BUF_ID.get(rec) as u16;
        let queue = cpl::QUEUE.get(rec) as u8;
        let rec_desc_idx = cpl::DESC_IDX.get(rec) as u16;
        let raw_count = cpl::DESC_COUNT.get(rec) as u8;
        let hdr_len = cpl::HDR_LEN.get(rec) as u16;
        let last_len = cpl::LAST_LEN.get(rec) as u16;
        let split = cpl::SPLIT.get(rec) == 1;
        let overflow = cpl::HDR_OVERFLOW.get(rec) == 1;
        let stripped = cpl::VLAN_STRIPPED.get(rec) == 1;
        let expected = self.slot_buf[usize::from(desc_idx) & mask];
        if buf_id != expected {
            return Err(CplFault::BufId { expected, found: buf_id });
        }
        if rec_desc_idx != desc_idx {
            return Err(CplFault::DescIdx { expected: desc_idx, found: rec_desc_idx });
        }
        if usize::from(queue) != self.index {
            return Err(CplFault::Queue { found: queue });
        }
        let count = u16::from(raw_count);
        if count == 0 || u32::from(count) > limits::MAX_SCATTER_BUFS || usize::from(count) > in_flight {
            return Err(CplFault::DescCount { found: raw_count, in_flight: in_flight as u16 });
        }
        let bad_layout = CplFault::Layout { len, hdr_len, desc_count: raw_count, last_len };
        if cpl::STATUS.get(rec) as u32 & cpl_status::BAD_DESC != 0 {
            // LEN is 0 and the descriptors are ours again; nothing else to check.
            return Ok(Layout { hdr_len: 0, data_len: 0, count, cap: self.cap, last_len: 0 });
        }
        let hdr_buf = self.hdr.as_ref().map_or(0, |_| self.split.hdr_buf);
        if hdr_len > hdr_buf || hdr_len > len {
            return Err(CplFault::HdrLen { hdr_len, hdr_buf });
        }
        let contradict = if overflow { split || hdr_len != 0 } else { split && hdr_len == 0 };
        if contradict || (stripped && !self.split.vlan_strip) {
            return Err(CplFault::Flags { split, hdr_overflow: overflow, vlan_stripped: stripped, hdr_len });
        }
        let data_len = len - hdr_len;
        let ok = if data_len == 0 {
            count == 1 && last_len == 0
        } else if count == 1 {
            last_len == data_len && last_len <= self.buf_len
        } else {
            self.split.scatter
                && self.cap > 0
                && last_len >= 1
                && last_len <= self.buf_len
                && u32::from(count - 1) * u32::from(self.cap) + u32::from(last_len) == u32::from(data_len)
        };
        if !ok {
            return Err(if count == 1 && data_len > self.buf_len {
                CplFault::Len { len, buf_len: self.buf_len }
            } else {
                bad_layout
            });
        }
        if usize::from(len) > self.scratch.len() {
            return Err(CplFault::Len { len, buf_len: self.buf_len });
        }
        Ok(Layout { hdr_len, data_len, count, cap: self.cap, last_len })
    }

    /// Checks one owned record against what was posted and delivers it.
    /// `lent`: how many of its data buffers (from the first) went out as
    /// [`crate::RxBuf`]s and come back through the return list, not
    /// [`RxQueue::retire`], also on error.
    #[allow(clippy::too_many_arguments)]
    fn handle<H: Hal, F: FnMut(RxFrame<'_>)>(
        &mut self,
        hal: &mut H,
        rec: &[u8; cpl::SIZE],
        desc_idx: u16,
        in_flight: usize,
        c: &mut DriverCounters,
        deliver: &mut F,
        lent: &mut usize,
    ) -> Result<(), DriverError> {
        let layout = match self.check(rec, desc_idx, in_flight) {
            Ok(l) => l,
            Err(f) => {
                self.fault(c, f);
                return Ok(());
            }
        };
        let status = cpl::STATUS.get(rec) as u8;
        if u32::from(status) & cpl_status::BAD_DESC != 0 {
            c.bad_desc_completions += 1;
            return Ok(());
        }
        let mask = self.ring_size() - 1;
        let hdr_len = usize::from(layout.hdr_len);
        let len = hdr_len + usize::from(layout.data_len);
        if hdr_len > 0 {
            if let Some(h) = &self.hdr {
                let id = self.slot_hdr[usize::from(desc_idx) & mask];
                hal.dma_read(h.addr(id), &mut self.scratch[..hdr_len])?;
            }
        }
        if let Some(l) = &mut self.lender {
            l.frame.clear();
            for k in 0..layout.bufs() {
                let id = self.slot_buf[usize::from(desc_idx.wrapping_add(k)) & mask];
                let pin = match hal.dma_pin(self.data.addr(id), usize::from(self.buf_len)) {
                    Ok(p) => p,
                    Err(e) => {
                        l.frame.clear(); // the ones lent so far come back by the return list
                        return Err(e.into());
                    }
                };
                let Some(b) = l.lend(id, pin, usize::from(layout.seg_len(k))) else {
                    // A posted buffer is never lent: a broken invariant, not
                    // device data. Its live handles will return it; do not
                    // free it here.
                    *lent += 1;
                    l.frame.clear();
                    return Err(DriverError::Internal("a completed data buffer is still lent out"));
                };
                l.frame.push(b);
                *lent += 1;
            }
            c.bytes_lent += u64::from(layout.data_len);
            c.lent_peak = c.lent_peak.max(l.outstanding as u64);
        } else {
            let mut off = hdr_len;
            for k in 0..layout.bufs() {
                let id = self.slot_buf[usize::from(desc_idx.wrapping_add(k)) & mask];
                let n = usize::from(layout.seg_len(k));
                hal.dma_read(self.data.addr(id), &mut self.scratch[off..off + n])?;
                off += n;
            }
            c.bytes_copied += u64::from(layout.data_len);
        }
        let split = cpl::SPLIT.get(rec) == 1;
        let hdr_overflow = cpl::HDR_OVERFLOW.get(rec) == 1;
        let vlan_stripped = cpl::VLAN_STRIPPED.get(rec) == 1;
        c.frames_delivered += 1;
        c.bytes_delivered += len as u64;
        c.frames_split += u64::from(split);
        c.hdr_overflows += u64::from(hdr_overflow);
        c.frames_scattered += u64::from(layout.bufs() > 1);
        c.frames_header_only += u64::from(hdr_len > 0 && layout.data_len == 0);
        c.vlan_stripped += u64::from(vlan_stripped);
        let header = &self.scratch[..hdr_len];
        let bytes = match &self.lender {
            Some(l) => FrameBytes::Lent { header, bufs: &l.frame },
            None => FrameBytes::Copied(&self.scratch[..len]),
        };
        deliver(RxFrame {
            queue: self.index,
            bytes,
            header,
            buf_id: cpl::BUF_ID.get(rec) as u16,
            status,
            rss_hash: cpl::RSS_HASH.get(rec) as u32,
            rss_type: cpl::RSS_TYPE.get(rec) as u8,
            l3_type: cpl::L3_TYPE.get(rec) as u8,
            l4_type: cpl::L4_TYPE.get(rec) as u8,
            flags: cpl::PARSE_FLAGS.get(rec) as u8,
            vlan_count: cpl::VLAN_COUNT.get(rec) as u8,
            l3_offset: cpl::L3_OFFSET.get(rec) as u16,
            l4_offset: cpl::L4_OFFSET.get(rec) as u16,
            payload_offset: cpl::PAYLOAD_OFFSET.get(rec) as u16,
            ip_csum: cpl::IP_CSUM.get(rec) as u8,
            l4_csum: cpl::L4_CSUM.get(rec) as u8,
            csum_complete: cpl::CSUM_COMPLETE.get(rec) as u16,
            desc_idx,
            hdr_len: layout.hdr_len,
            payload_len: layout.data_len,
            split,
            hdr_overflow,
            desc_count: layout.count as u8,
            bufs: layout.bufs() as u8,
            last_len: layout.last_len,
            vlan_tci: cpl::VLAN_TCI.get(rec) as u16,
            vlan_stripped,
        });
        if let Some(l) = &mut self.lender {
            // The driver's handles: buffers the callback did not keep go home.
            l.frame.clear();
        }
        Ok(())
    }

    fn fault(&mut self, c: &mut DriverCounters, f: CplFault) {
        c.device_faults += 1;
        self.last_fault = Some(f);
    }
}
