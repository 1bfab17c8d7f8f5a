//! One RX queue: its two rings, its buffer pool and the hot path.

use std::collections::VecDeque;

use nic_hal::{DmaRegion, Hal};
use nic_spec::{cpl, cpl_phase, cpl_status, desc, limits, rxq, rxq_layout};

use crate::error::{CplFault, DriverError};
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
    /// The frame, without FCS. Borrowed from a driver-owned scratch buffer
    /// that is overwritten by the next frame: copy it out to keep it.
    pub data: &'a [u8],
    /// The buffer the NIC wrote it into (`desc::BUF_ID`).
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
    /// `cpl::L3_OFFSET`: where the L3 header starts.
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
    /// `cpl::CSUM_COMPLETE`: ones'-complement sum of frame bytes `[14, len)`,
    /// Linux's `CHECKSUM_COMPLETE` value after `eth_type_trans`.
    pub csum_complete: u16,
    /// Ring index of the descriptor that carried the buffer.
    pub desc_idx: u16,
}

/// Ring geometry and buffer layout of one queue, fixed at open.
pub(crate) struct QueueParams {
    pub(crate) index: usize,
    pub(crate) desc_log: u32,
    pub(crate) cpl_log: u32,
    pub(crate) buf_len: u16,
    pub(crate) nbufs: usize,
    pub(crate) repost_batch: usize,
}

pub(crate) struct RxQueue {
    index: usize,
    desc_ring: DmaRegion,
    desc_log: u32,
    cpl_ring: DmaRegion,
    cpl_log: u32,
    pool: DmaRegion,
    /// Buffer length posted in each descriptor.
    buf_len: u16,
    /// Distance between buffers: `buf_len` rounded up to `BUF_ALIGN`, because
    /// the DMA engine may write whole beats past the frame's end.
    buf_stride: u64,
    nbufs: usize,
    /// Buffer ids the driver owns, in FIFO order: with a pool larger than
    /// the ring every buffer takes its turn, so a device writing to a stale
    /// buffer address shows up as corrupted frames instead of hiding.
    free: VecDeque<u16>,
    /// The buffer posted in each descriptor slot. Completions arrive in
    /// descriptor order, so this, not the record, says which buffer comes back.
    slot_buf: Vec<u16>,
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
    /// Frame copy target, `buf_len` bytes.
    scratch: Vec<u8>,
    /// Descriptor staging for one doorbell, ring-size records.
    stage: Vec<u8>,
    last_fault: Option<CplFault>,
}

impl RxQueue {
    /// Allocates the rings and pool. On failure nothing stays allocated.
    pub(crate) fn alloc<H: Hal>(hal: &mut H, p: &QueueParams) -> Result<Self, DriverError> {
        let ring_align = limits::RING_ALIGN as usize;
        let buf_stride = u64::from(p.buf_len).next_multiple_of(limits::BUF_ALIGN);
        let desc_len = desc::SIZE << p.desc_log;
        let cpl_len = cpl::SIZE << p.cpl_log;
        let pool_len = p.nbufs * buf_stride as usize;
        let desc_ring = hal.dma_alloc(desc_len, ring_align)?;
        let cpl_ring = match hal.dma_alloc(cpl_len, ring_align) {
            Ok(r) => r,
            Err(e) => {
                hal.dma_free(desc_ring);
                return Err(e.into());
            }
        };
        // Page-aligned so that a buffer of at most a page never straddles two.
        let pool = match hal.dma_alloc(pool_len, ring_align) {
            Ok(r) => r,
            Err(e) => {
                hal.dma_free(cpl_ring);
                hal.dma_free(desc_ring);
                return Err(e.into());
            }
        };
        let ring_size = 1usize << p.desc_log;
        let max_in_flight = ring_size.min(p.nbufs);
        let q = RxQueue {
            index: p.index,
            desc_ring,
            desc_log: p.desc_log,
            cpl_ring,
            cpl_log: p.cpl_log,
            pool,
            buf_len: p.buf_len,
            buf_stride,
            nbufs: p.nbufs,
            free: (0..p.nbufs).map(|id| id as u16).collect(),
            slot_buf: vec![0; ring_size],
            desc_prod: 0,
            desc_done: 0,
            cpl_cons: 0,
            cpl_cons_written: 0,
            repost: true,
            repost_batch: p.repost_batch.min(max_in_flight),
            low_water: (max_in_flight / 2).max(1),
            scratch: vec![0; usize::from(p.buf_len)],
            stage: Vec::with_capacity(ring_size * desc::SIZE),
            last_fault: None,
        };
        Ok(q)
    }

    /// Returns the rings and pool to the transport.
    pub(crate) fn free<H: Hal>(self, hal: &mut H) {
        hal.dma_free(self.pool);
        hal.dma_free(self.cpl_ring);
        hal.dma_free(self.desc_ring);
    }

    /// Zeroes the completion ring (so no stale phase bit matches), programs
    /// the ring registers and enables the queue. The caller waits for
    /// `Q_STATUS.ENABLED`.
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
        // Base registers only take while the queue is disabled.
        hal.mmio_write32(qreg(q, rxq::Q_CTRL), 0);
        hal.mmio_write32(qreg(q, rxq::DESC_BASE_LO), self.desc_ring.bus_addr as u32);
        hal.mmio_write32(qreg(q, rxq::DESC_BASE_HI), (self.desc_ring.bus_addr >> 32) as u32);
        hal.mmio_write32(qreg(q, rxq::DESC_LOG_SIZE), self.desc_log);
        hal.mmio_write32(qreg(q, rxq::CPL_BASE_LO), self.cpl_ring.bus_addr as u32);
        hal.mmio_write32(qreg(q, rxq::CPL_BASE_HI), (self.cpl_ring.bus_addr >> 32) as u32);
        hal.mmio_write32(qreg(q, rxq::CPL_LOG_SIZE), self.cpl_log);
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
        self.free.len()
    }

    pub(crate) fn in_flight(&self) -> usize {
        usize::from(self.desc_prod.wrapping_sub(self.desc_done))
    }

    fn ring_size(&self) -> usize {
        1 << self.desc_log
    }

    /// Posts up to `max` free buffers with one `DESC_PROD` doorbell; returns
    /// how many. Descriptors are written to memory before the doorbell so
    /// the NIC never fetches a stale one (a real-hardware `Hal` must order
    /// its DMA-memory writes before the MMIO write).
    pub(crate) fn post<H: Hal>(
        &mut self,
        hal: &mut H,
        max: usize,
        c: &mut DriverCounters,
    ) -> Result<usize, DriverError> {
        let size = self.ring_size();
        let n = max.min(self.free.len()).min(size - self.in_flight());
        if n == 0 {
            return Ok(0);
        }
        self.stage.clear();
        self.stage.resize(n * desc::SIZE, 0);
        for (rec, &id) in self.stage.chunks_exact_mut(desc::SIZE).zip(self.free.iter()) {
            desc::ADDR.set(rec, self.pool.bus_addr + u64::from(id) * self.buf_stride);
            desc::LEN.set(rec, u64::from(self.buf_len));
            desc::BUF_ID.set(rec, u64::from(id));
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
        for (k, id) in self.free.drain(..n).enumerate() {
            self.slot_buf[(first + k) & mask] = id;
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
        let mut result = self.poll_inner(hal, budget, c, deliver);
        // Never leave the NIC starving: top up whatever the batches left.
        if result.is_ok() && self.repost && self.in_flight() < self.low_water {
            if let Err(e) = self.post(hal, usize::MAX, c) {
                result = Err(e);
            }
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
        let desc_mask = self.ring_size() - 1;
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

            if self.in_flight() == 0 {
                self.fault(c, CplFault::NoDescriptorOutstanding { cpl_idx: idx });
                continue;
            }
            let desc_idx = self.desc_done;
            self.desc_done = desc_idx.wrapping_add(1);
            let buf = self.slot_buf[usize::from(desc_idx) & desc_mask];
            // Whatever the record says, the buffer in that slot is ours again.
            let res = self.handle(hal, &rec, desc_idx, buf, c, deliver);
            self.recycle(buf);
            res?;
            if self.repost && self.free.len() >= self.repost_batch {
                self.post(hal, self.repost_batch, c)?;
            }
        }
        Ok(done)
    }

    /// Checks one owned record against what was posted and delivers it.
    fn handle<H: Hal, F: FnMut(RxFrame<'_>)>(
        &mut self,
        hal: &mut H,
        rec: &[u8; cpl::SIZE],
        desc_idx: u16,
        buf: u16,
        c: &mut DriverCounters,
        deliver: &mut F,
    ) -> Result<(), DriverError> {
        let len = cpl::LEN.get(rec) as u16;
        let buf_id = cpl::BUF_ID.get(rec) as u16;
        let status = cpl::STATUS.get(rec) as u8;
        let queue = cpl::QUEUE.get(rec) as u8;
        let rec_desc_idx = cpl::DESC_IDX.get(rec) as u16;
        let fault = if buf_id != buf {
            Some(CplFault::BufId { expected: buf, found: buf_id })
        } else if rec_desc_idx != desc_idx {
            Some(CplFault::DescIdx { expected: desc_idx, found: rec_desc_idx })
        } else if usize::from(queue) != self.index {
            Some(CplFault::Queue { found: queue })
        } else if u32::from(status) & cpl_status::BAD_DESC == 0 && len > self.buf_len {
            Some(CplFault::Len { len, buf_len: self.buf_len })
        } else {
            None
        };
        if let Some(f) = fault {
            self.fault(c, f);
            return Ok(());
        }
        if u32::from(status) & cpl_status::BAD_DESC != 0 {
            c.bad_desc_completions += 1;
            return Ok(());
        }
        let data = &mut self.scratch[..usize::from(len)];
        hal.dma_read(self.pool.bus_addr + u64::from(buf) * self.buf_stride, data)?;
        c.frames_delivered += 1;
        c.bytes_delivered += u64::from(len);
        deliver(RxFrame {
            queue: self.index,
            data,
            buf_id,
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
        });
        Ok(())
    }

    fn recycle(&mut self, buf: u16) {
        debug_assert!(self.free.len() < self.nbufs);
        self.free.push_back(buf);
    }

    fn fault(&mut self, c: &mut DriverCounters, f: CplFault) {
        c.device_faults += 1;
        self.last_fault = Some(f);
    }
}
