//! A mock transport for the driver's tests: registers in a map, DMA memory in
//! a Vec, every MMIO write recorded, and a tiny model of the NIC's RX path the
//! test drives by hand ("the test plays the NIC").
//!
//! It also models the interrupt side: a configuration space with a PCIe and
//! an MSI-X capability, the MSI-X table and PBA, the per-vector `ivec`
//! blocks (armed / work / due, as `nic_spec::ivec` describes) and a platform
//! that assigns messages and counts the ones that arrive. The device's
//! interrupt logic runs when the test calls [`MockHal::irq_eval`] (its
//! "clock"), so the test decides when the device acts.

#![allow(dead_code)]

use std::collections::HashMap;

use nic_hal::{DmaRegion, Hal, HalError, MsiMessage};
use nic_spec::{
    caps, cpl, cpl_phase, ctrl, desc, global, id, ivec, ivec_ctrl, ivec_layout, msix, pci, qctrl, qstatus, rxq,
    rxq_layout,
};

pub const MEM_BASE: u64 = 0x1_2340_0000; // above 4 GiB: exercises the *_HI registers

pub fn qreg(q: usize, reg: u32) -> u32 {
    rxq::BASE + q as u32 * rxq_layout::STRIDE + reg
}

/// BAR0 offset of `ivec` register `reg` of vector `v`.
pub fn ivreg(v: u16, reg: u32) -> u32 {
    ivec::BASE + u32::from(v) * ivec_layout::STRIDE + reg
}

/// BAR0 offset of MSI-X table dword `reg` of entry `v`.
pub fn entry(v: u16, reg: u32) -> u32 {
    msix::TABLE_OFFSET + u32::from(v) * msix::ENTRY_SIZE + reg
}

/// Where the mock's capabilities live in configuration space.
pub const PCIE_CAP: u16 = 0x40;
pub const MSIX_CAP: u16 = 0x70;

/// The message the mock platform assigns to vector `v` (above 4 GiB, so the
/// address's high dword matters).
pub fn platform_msg(v: u16) -> MsiMessage {
    MsiMessage { addr: 0x1_FEE0_0000 + 0x40 * u64::from(v), data: 0x4100 + u32::from(v) }
}

/// The modelled device's state of one interrupt vector.
#[derive(Default, Clone, Debug)]
pub struct IvecState {
    pub armed: bool,
    pub trigger: bool,
    /// Completions on its queues since its previous message.
    pub frames_since: u32,
    /// When it last fired.
    pub last_fire_ns: Option<u64>,
    /// `MSGS`.
    pub msgs: u32,
}

/// The NIC model's private per-queue state.
#[derive(Default, Clone)]
pub struct NicQueue {
    pub desc_cons: u16,
    pub cpl_prod: u16,
    pub halted: bool,
}

/// What the modelled NIC did with one frame.
#[derive(Debug, PartialEq, Eq)]
pub enum Rx {
    Completed { buf_id: u16, cpl_idx: u16 },
    DropNoDesc,
    DropBufTooSmall,
    CplRingFull,
}

pub struct MockHal {
    pub regs: HashMap<u32, u32>,
    pub writes: Vec<(u32, u32)>,
    pub mmio_reads: usize,
    pub mem: Vec<u8>,
    pub mem_limit: usize,
    pub live: Vec<DmaRegion>,
    pub reset_stuck: bool,
    pub nic: Vec<NicQueue>,
    /// Configuration space, 4 KiB as dwords.
    pub cfg: Vec<u32>,
    /// `(offset, value, writes.len() at the time)`: orders config writes among MMIO writes.
    pub cfg_writes: Vec<(u16, u32, usize)>,
    /// `(offset, writes.len() at the time)` of every MMIO read.
    pub read_log: Vec<(u32, usize)>,
    /// false: `cfg_*` return `Unsupported`, like a transport without config access.
    pub cfg_supported: bool,
    /// false: PCI Command ignores writes (a function that will not enable).
    pub command_writable: bool,
    pub table_size: u16,
    pub ivec: Vec<IvecState>,
    pub pba: [u64; 4],
    /// The device's notion of time, advanced by the test.
    pub now_ns: u64,
    /// A new error for the error vector (set by `raise_error`).
    pub err_event: bool,
    /// Platform: messages assigned per vector, calls made.
    pub irq_msgs: HashMap<u16, MsiMessage>,
    pub irq_allocs: Vec<u16>,
    pub irq_frees: Vec<u16>,
    /// Platform: `irq_alloc` of this vector fails.
    pub irq_fail: Option<u16>,
    /// Platform: interrupts arrived and not yet taken.
    pub irq_arrived: HashMap<u16, u32>,
    /// Messages whose address/data matched no assigned vector.
    pub stray_msgs: usize,
    /// `ARM` writes made while a queue of the vector held unconsumed completions.
    pub arms_with_work: usize,
    /// Every `ARM` write, by vector.
    pub arms: Vec<u16>,
    /// DMA reads fail (a transport fault).
    pub dma_fail: bool,
}

impl MockHal {
    /// A single-queue device without RSS (`RSS_RETA_SIZE` reads 0).
    pub fn new() -> Self {
        Self::with_queues(1, 0)
    }

    /// A device with `queues` RX queues and an indirection table of `reta_size` entries.
    pub fn with_queues(queues: u32, reta_size: u32) -> Self {
        Self::with_msix(queues, reta_size, 16)
    }

    /// Like `with_queues`, with an MSI-X table of `table_size` entries.
    pub fn with_msix(queues: u32, reta_size: u32, table_size: u16) -> Self {
        let mut regs = HashMap::new();
        regs.insert(global::ID, id::MAGIC);
        regs.insert(global::VERSION, id::VERSION);
        regs.insert(
            global::CAPS,
            (queues << caps::RX_QUEUES_SHIFT) | (15 << caps::MAX_LOG_RING_SHIFT) | (8 << caps::DESC_FETCH_MAX_SHIFT),
        );
        regs.insert(global::RX_FIFO_BYTES, 32768);
        regs.insert(global::RSS_RETA_SIZE, reta_size);
        for v in 0..table_size {
            regs.insert(entry(v, msix::ENTRY_CTRL), msix::CTRL_MASKED);
        }
        MockHal {
            regs,
            writes: Vec::new(),
            mmio_reads: 0,
            mem: Vec::new(),
            mem_limit: 64 << 20,
            live: Vec::new(),
            reset_stuck: false,
            nic: vec![NicQueue::default(); (queues as usize).max(4)],
            cfg: config_space(table_size),
            cfg_writes: Vec::new(),
            read_log: Vec::new(),
            cfg_supported: true,
            command_writable: true,
            table_size,
            ivec: vec![IvecState::default(); usize::from(table_size)],
            pba: [0; 4],
            now_ns: 0,
            err_event: false,
            irq_msgs: HashMap::new(),
            irq_allocs: Vec::new(),
            irq_frees: Vec::new(),
            irq_fail: None,
            irq_arrived: HashMap::new(),
            stray_msgs: 0,
            arms_with_work: 0,
            arms: Vec::new(),
            dma_fail: false,
        }
    }

    pub fn cfg16(&self, off: u16) -> u16 {
        (self.cfg[usize::from(off / 4)] >> (8 * (off % 4))) as u16
    }

    pub fn msix_ctrl(&self) -> u16 {
        self.cfg16(MSIX_CAP + pci::MSIX_MSG_CTRL)
    }

    fn queues(&self) -> usize {
        ((self.reg(global::CAPS) >> caps::RX_QUEUES_SHIFT) & caps::FIELD_MASK) as usize
    }

    fn vector_of(&self, q: usize) -> u16 {
        self.reg(qreg(q, rxq::Q_IRQ_VECTOR)) as u16
    }

    /// Some enabled queue routed to `v` holds completions the driver has not consumed.
    pub fn vector_has_work(&self, v: u16) -> bool {
        (0..self.queues()).any(|q| {
            self.reg(qreg(q, rxq::Q_CTRL)) & qctrl::ENABLE != 0
                && self.vector_of(q) == v
                && self.reg(qreg(q, rxq::CPL_PROD)) != self.reg(qreg(q, rxq::CPL_CONS))
        })
    }

    /// Sets `ERR_STATUS` bits: an error event for the error vector.
    pub fn raise_error(&mut self, bits: u32) {
        let v = self.reg(global::ERR_STATUS) | bits;
        self.set_reg(global::ERR_STATUS, v);
        self.err_event = true;
    }

    fn masked(&self, v: u16) -> bool {
        let c = self.msix_ctrl();
        c & pci::MSIX_CTRL_ENABLE == 0
            || c & pci::MSIX_CTRL_FUNCTION_MASK != 0
            || self.reg(entry(v, msix::ENTRY_CTRL)) & msix::CTRL_MASKED != 0
    }

    /// The device writes vector `v`'s message; the platform counts it for the
    /// vector whose message it is.
    fn send(&mut self, v: u16) {
        let addr = u64::from(self.reg(entry(v, msix::ENTRY_ADDR_LO)))
            | u64::from(self.reg(entry(v, msix::ENTRY_ADDR_HI))) << 32;
        let msg = MsiMessage { addr, data: self.reg(entry(v, msix::ENTRY_DATA)) };
        self.ivec[usize::from(v)].msgs = self.ivec[usize::from(v)].msgs.wrapping_add(1);
        match self.irq_msgs.iter().find(|(_, m)| **m == msg).map(|(u, _)| *u) {
            Some(u) => *self.irq_arrived.entry(u).or_default() += 1,
            None => self.stray_msgs += 1,
        }
    }

    /// One step of the device's interrupt logic: pending messages of unmasked
    /// vectors go out; every armed vector with work that is due fires (sends,
    /// or sets its pending bit while masked) and disarms. Returns how many fired.
    pub fn irq_eval(&mut self) -> usize {
        let err_vec = self.reg(global::IRQ_ERR_VECTOR) as u16;
        let mut fired = 0;
        for v in 0..self.table_size {
            let (w, bit) = (usize::from(v / 64), 1u64 << (v % 64));
            let masked = self.masked(v);
            if !masked && self.pba[w] & bit != 0 {
                self.pba[w] &= !bit;
                self.send(v);
            }
            let st = self.ivec[usize::from(v)].clone();
            let work = st.trigger || (v == err_vec && self.err_event) || self.vector_has_work(v);
            let itr_ns = u64::from(self.reg(ivreg(v, ivec::ITR_NS)));
            let itr_frames = self.reg(ivreg(v, ivec::ITR_FRAMES));
            let due = itr_ns == 0
                || st.last_fire_ns.is_none_or(|t| self.now_ns - t >= itr_ns)
                || (itr_frames != 0 && st.frames_since >= itr_frames);
            if st.armed && work && due {
                fired += 1;
                let s = &mut self.ivec[usize::from(v)];
                s.armed = false;
                s.trigger = false;
                s.frames_since = 0;
                s.last_fire_ns = Some(self.now_ns);
                if v == err_vec {
                    self.err_event = false;
                }
                if masked {
                    self.pba[w] |= bit;
                } else {
                    self.send(v);
                }
            }
        }
        fired
    }

    pub fn reg(&self, off: u32) -> u32 {
        self.regs.get(&off).copied().unwrap_or(0)
    }

    pub fn set_reg(&mut self, off: u32, v: u32) {
        self.regs.insert(off, v);
    }

    fn bump(&mut self, off: u32) {
        let v = self.reg(off).wrapping_add(1);
        self.set_reg(off, v);
    }

    /// Values written to `off`, in order.
    pub fn writes_to(&self, off: u32) -> Vec<u32> {
        self.writes.iter().filter(|(o, _)| *o == off).map(|(_, v)| *v).collect()
    }

    pub fn clear_log(&mut self) {
        self.writes.clear();
        self.mmio_reads = 0;
        self.read_log.clear();
        self.cfg_writes.clear();
    }

    fn bus64(&self, q: usize, lo: u32, hi: u32) -> u64 {
        u64::from(self.reg(qreg(q, lo))) | (u64::from(self.reg(qreg(q, hi))) << 32)
    }

    pub fn desc_ring(&self, q: usize) -> (u64, u32) {
        (self.bus64(q, rxq::DESC_BASE_LO, rxq::DESC_BASE_HI), self.reg(qreg(q, rxq::DESC_LOG_SIZE)))
    }

    pub fn cpl_ring(&self, q: usize) -> (u64, u32) {
        (self.bus64(q, rxq::CPL_BASE_LO, rxq::CPL_BASE_HI), self.reg(qreg(q, rxq::CPL_LOG_SIZE)))
    }

    /// Reads the descriptor in ring slot of free-running index `idx`.
    pub fn descriptor(&self, q: usize, idx: u16) -> (u64, u16, u16) {
        let (base, log) = self.desc_ring(q);
        let slot = u64::from(idx) & ((1 << log) - 1);
        let mut rec = [0u8; desc::SIZE];
        self.dma_read(base + slot * desc::SIZE as u64, &mut rec).unwrap();
        (desc::ADDR.get(&rec), desc::LEN.get(&rec) as u16, desc::BUF_ID.get(&rec) as u16)
    }

    /// The NIC receives `frame` on queue `q`, as the RTL would.
    pub fn nic_rx(&mut self, q: usize, frame: &[u8]) -> Rx {
        self.nic_rx_with(q, frame, |_| {})
    }

    /// Like [`nic_rx`], but `tamper` may corrupt the completion record
    /// before it is written (phase excepted) to play a buggy device.
    pub fn nic_rx_with(&mut self, q: usize, frame: &[u8], tamper: impl FnOnce(&mut [u8; cpl::SIZE])) -> Rx {
        let prod = self.reg(qreg(q, rxq::DESC_PROD)) as u16;
        let st = self.nic[q].clone();
        if st.desc_cons == prod {
            self.bump(qreg(q, rxq::Q_DROP_NO_DESC));
            return Rx::DropNoDesc;
        }
        let (_, cpl_log) = self.cpl_ring(q);
        let cpl_cons = self.reg(qreg(q, rxq::CPL_CONS)) as u16;
        if usize::from(st.cpl_prod.wrapping_sub(cpl_cons)) >= 1 << cpl_log {
            return Rx::CplRingFull;
        }
        let (addr, len, buf_id) = self.descriptor(q, st.desc_cons);
        if usize::from(len) < frame.len() {
            self.bump(qreg(q, rxq::Q_DROP_BUF_TOO_SMALL));
            return Rx::DropBufTooSmall;
        }
        self.dma_write(addr, frame).unwrap();
        let mut rec = [0u8; cpl::SIZE];
        cpl::LEN.set(&mut rec, frame.len() as u64);
        cpl::BUF_ID.set(&mut rec, buf_id.into());
        cpl::QUEUE.set(&mut rec, q as u64);
        cpl::DESC_IDX.set(&mut rec, st.desc_cons.into());
        // one whole frame in one data buffer (docs/split.md, split off)
        cpl::DESC_COUNT.set(&mut rec, 1);
        cpl::LAST_LEN.set(&mut rec, frame.len() as u64);
        tamper(&mut rec);
        let cpl_idx = st.cpl_prod;
        self.write_cpl(q, cpl_idx, rec);
        self.nic[q].desc_cons = st.desc_cons.wrapping_add(1);
        self.nic[q].cpl_prod = cpl_idx.wrapping_add(1);
        self.set_reg(qreg(q, rxq::DESC_CONS), self.nic[q].desc_cons.into());
        self.set_reg(qreg(q, rxq::CPL_PROD), self.nic[q].cpl_prod.into());
        self.bump(qreg(q, rxq::Q_FRAMES));
        let v = usize::from(self.vector_of(q));
        if let Some(s) = self.ivec.get_mut(v) {
            s.frames_since += 1;
        }
        let bytes = self.reg(qreg(q, rxq::Q_BYTES)).wrapping_add(frame.len() as u32);
        self.set_reg(qreg(q, rxq::Q_BYTES), bytes);
        Rx::Completed { buf_id, cpl_idx }
    }

    /// Reads the header buffer index of the descriptor at free-running `idx`.
    pub fn descriptor_hdr_idx(&self, q: usize, idx: u16) -> u16 {
        let (base, log) = self.desc_ring(q);
        let slot = u64::from(idx) & ((1 << log) - 1);
        let mut rec = [0u8; desc::SIZE];
        self.dma_read(base + slot * desc::SIZE as u64, &mut rec).unwrap();
        desc::HDR_IDX.get(&rec) as u16
    }

    /// The NIC receives `frame` with header split at `hdr_len` (0: none) and
    /// scatter, following docs/split.md's "What is written" (no parsing: the
    /// test picks the split point). `tamper` may corrupt the record.
    pub fn nic_rx_split(
        &mut self,
        q: usize,
        frame: &[u8],
        hdr_len: usize,
        tamper: impl FnOnce(&mut [u8; cpl::SIZE]),
    ) -> Rx {
        let prod = self.reg(qreg(q, rxq::DESC_PROD)) as u16;
        let st = self.nic[q].clone();
        if st.desc_cons == prod {
            self.bump(qreg(q, rxq::Q_DROP_NO_DESC));
            return Rx::DropNoDesc;
        }
        let (_, c0, buf_id) = self.descriptor(q, st.desc_cons);
        let data_len = frame.len() - hdr_len;
        let cap = usize::from(c0 & !15);
        let n = if data_len <= usize::from(c0) { 1 } else { data_len.div_ceil(cap) };
        if usize::from(prod.wrapping_sub(st.desc_cons)) < n {
            self.bump(qreg(q, rxq::Q_DROP_BUF_TOO_SMALL));
            return Rx::DropBufTooSmall;
        }
        if hdr_len > 0 {
            let base = self.bus64(q, rxq::Q_HDR_BASE_LO, rxq::Q_HDR_BASE_HI);
            let size = nic_spec::rx_cfg::hdr_buf_bytes(self.reg(qreg(q, rxq::Q_RX_CFG)));
            let h = self.descriptor_hdr_idx(q, st.desc_cons);
            self.dma_write(base + u64::from(h) * u64::from(size), &frame[..hdr_len]).unwrap();
        }
        let mut last_len = 0;
        for k in 0..n {
            let (addr, _, _) = self.descriptor(q, st.desc_cons.wrapping_add(k as u16));
            let from = hdr_len + k * cap;
            let to = if n == 1 { frame.len() } else { (from + cap).min(frame.len()) };
            if to > from {
                self.dma_write(addr, &frame[from..to]).unwrap();
                last_len = to - from;
            }
        }
        let mut rec = [0u8; cpl::SIZE];
        cpl::LEN.set(&mut rec, frame.len() as u64);
        cpl::BUF_ID.set(&mut rec, buf_id.into());
        cpl::QUEUE.set(&mut rec, q as u64);
        cpl::DESC_IDX.set(&mut rec, st.desc_cons.into());
        cpl::DESC_COUNT.set(&mut rec, n as u64);
        cpl::HDR_LEN.set(&mut rec, hdr_len as u64);
        cpl::LAST_LEN.set(&mut rec, last_len as u64);
        cpl::SPLIT.set(&mut rec, u64::from(hdr_len > 0 && hdr_len < frame.len()));
        tamper(&mut rec);
        let cpl_idx = st.cpl_prod;
        self.write_cpl(q, cpl_idx, rec);
        self.nic[q].desc_cons = st.desc_cons.wrapping_add(n as u16);
        self.nic[q].cpl_prod = cpl_idx.wrapping_add(1);
        self.set_reg(qreg(q, rxq::DESC_CONS), self.nic[q].desc_cons.into());
        self.set_reg(qreg(q, rxq::CPL_PROD), self.nic[q].cpl_prod.into());
        self.bump(qreg(q, rxq::Q_FRAMES));
        Rx::Completed { buf_id, cpl_idx }
    }

    /// Writes a completion record at free-running index `idx` with the right phase.
    pub fn write_cpl(&mut self, q: usize, idx: u16, mut rec: [u8; cpl::SIZE]) {
        let (base, log) = self.cpl_ring(q);
        cpl::PHASE.set(&mut rec, cpl_phase(idx, log).into());
        let slot = u64::from(idx) & ((1 << log) - 1);
        self.dma_write(base + slot * cpl::SIZE as u64, &rec).unwrap();
    }

    fn cfg_check(&self, offset: u16) -> Result<(), HalError> {
        if !self.cfg_supported {
            return Err(HalError::Unsupported { what: "configuration space" });
        }
        if !offset.is_multiple_of(4) || offset >= 4096 {
            return Err(HalError::BadConfigOffset { offset });
        }
        Ok(())
    }

    /// `(vector, register)` if `offset` is an `ivec` register of a table entry.
    fn ivec_reg(&self, offset: u32) -> Option<(u16, u32)> {
        let rel = offset.checked_sub(ivec::BASE)?;
        let v = rel / ivec_layout::STRIDE;
        (v < u32::from(self.table_size)).then_some((v as u16, rel % ivec_layout::STRIDE))
    }

    fn check(&self, addr: u64, len: usize) -> Result<usize, HalError> {
        let bad = HalError::BadDmaAddress { addr, len };
        let inside = self.live.iter().any(|r| addr >= r.bus_addr && addr + len as u64 <= r.bus_addr + r.len as u64);
        if !inside {
            return Err(bad);
        }
        Ok((addr - MEM_BASE) as usize)
    }
}

impl Hal for MockHal {
    fn mmio_read32(&mut self, offset: u32) -> Result<u32, HalError> {
        self.mmio_reads += 1;
        self.read_log.push((offset, self.writes.len()));
        let v = self.reg(offset);
        if offset == global::CTRL {
            return Ok(if self.reset_stuck { v } else { v & !ctrl::RESET });
        }
        let pba_end = msix::PBA_OFFSET + 4 * u32::from(self.table_size).div_ceil(32);
        if (msix::PBA_OFFSET..pba_end).contains(&offset) {
            let dw = (offset - msix::PBA_OFFSET) / 4;
            return Ok((self.pba[(dw / 2) as usize] >> (32 * (dw % 2))) as u32);
        }
        if let Some((v, reg)) = self.ivec_reg(offset) {
            let st = &self.ivec[usize::from(v)];
            return Ok(match reg {
                ivec::CTRL => u32::from(st.armed),
                ivec::MSGS => st.msgs,
                _ => self.reg(offset),
            });
        }
        if offset >= rxq::BASE && (offset - rxq::BASE) % rxq_layout::STRIDE == rxq::Q_STATUS {
            let q = ((offset - rxq::BASE) / rxq_layout::STRIDE) as usize;
            let mut s = 0;
            if self.reg(qreg(q, rxq::Q_CTRL)) & qctrl::ENABLE != 0 {
                s |= qstatus::ENABLED;
            }
            if self.nic[q].halted {
                s |= qstatus::HALTED;
            }
            return Ok(s);
        }
        Ok(v)
    }

    fn mmio_write32(&mut self, offset: u32, value: u32) {
        self.writes.push((offset, value));
        if let Some((v, ivec::CTRL)) = self.ivec_reg(offset) {
            if value & ivec_ctrl::ARM != 0 {
                self.arms.push(v);
                if self.vector_has_work(v) {
                    self.arms_with_work += 1;
                }
                self.ivec[usize::from(v)].armed = true;
            }
            if value & ivec_ctrl::TRIGGER != 0 {
                self.ivec[usize::from(v)].trigger = true;
            }
            return;
        }
        if offset == global::ERR_STATUS {
            let v = self.reg(offset) & !value;
            self.set_reg(offset, v);
            return;
        }
        if offset == global::CTRL && value & ctrl::RESET != 0 {
            // A reset zeroes counters, rings and queue state.
            let keep = [global::ID, global::VERSION, global::CAPS, global::RX_FIFO_BYTES, global::RSS_RETA_SIZE];
            // The MSI-X table is the function's, not the datapath's: it survives.
            self.regs.retain(|k, _| keep.contains(k) || (msix::TABLE_OFFSET..msix::PBA_OFFSET).contains(k));
            for n in &mut self.nic {
                *n = NicQueue::default();
            }
            for s in &mut self.ivec {
                *s = IvecState::default();
            }
        }
        if offset >= rxq::BASE && (offset - rxq::BASE) % rxq_layout::STRIDE == rxq::Q_CTRL {
            let q = ((offset - rxq::BASE) / rxq_layout::STRIDE) as usize;
            let was = self.reg(offset) & qctrl::ENABLE != 0;
            if !was && value & qctrl::ENABLE != 0 {
                for r in [rxq::DESC_PROD, rxq::DESC_CONS, rxq::CPL_PROD, rxq::CPL_CONS] {
                    self.set_reg(qreg(q, r), 0);
                }
                self.nic[q] = NicQueue::default();
            }
        }
        self.regs.insert(offset, value);
    }

    fn dma_alloc(&mut self, len: usize, align: usize) -> Result<DmaRegion, HalError> {
        let start = self.mem.len().next_multiple_of(align);
        if start + len > self.mem_limit {
            return Err(HalError::OutOfDmaMemory { len });
        }
        self.mem.resize(start + len, 0);
        let r = DmaRegion { bus_addr: MEM_BASE + start as u64, len };
        self.live.push(r);
        Ok(r)
    }

    fn dma_free(&mut self, region: DmaRegion) {
        let i = self.live.iter().position(|r| *r == region).expect("freeing memory that is not allocated");
        self.live.remove(i);
    }

    fn dma_read(&self, bus_addr: u64, buf: &mut [u8]) -> Result<(), HalError> {
        if self.dma_fail {
            return Err(HalError::BadDmaAddress { addr: bus_addr, len: buf.len() });
        }
        let off = self.check(bus_addr, buf.len())?;
        buf.copy_from_slice(&self.mem[off..off + buf.len()]);
        Ok(())
    }

    fn dma_write(&mut self, bus_addr: u64, data: &[u8]) -> Result<(), HalError> {
        let off = self.check(bus_addr, data.len())?;
        self.mem[off..off + data.len()].copy_from_slice(data);
        Ok(())
    }

    fn cfg_read32(&mut self, offset: u16) -> Result<u32, HalError> {
        self.cfg_check(offset)?;
        Ok(self.cfg[usize::from(offset / 4)])
    }

    fn cfg_write32(&mut self, offset: u16, value: u32) -> Result<(), HalError> {
        self.cfg_check(offset)?;
        self.cfg_writes.push((offset, value, self.writes.len()));
        let dw = &mut self.cfg[usize::from(offset / 4)];
        // Only Command and the MSI-X Enable / Function Mask bits are writable;
        // Status is write-1-to-clear and has nothing to clear here.
        let writable = match offset {
            pci::COMMAND if self.command_writable => 0x0000_FFFF,
            MSIX_CAP => u32::from(pci::MSIX_CTRL_ENABLE | pci::MSIX_CTRL_FUNCTION_MASK) << 16,
            _ => 0,
        };
        *dw = (*dw & !writable) | (value & writable);
        Ok(())
    }

    fn irq_alloc(&mut self, vector: u16) -> Result<MsiMessage, HalError> {
        self.irq_allocs.push(vector);
        if self.irq_fail == Some(vector) {
            return Err(HalError::NoInterrupt { vector });
        }
        let m = platform_msg(vector);
        self.irq_msgs.insert(vector, m);
        Ok(m)
    }

    fn irq_free(&mut self, vector: u16) {
        self.irq_frees.push(vector);
        self.irq_msgs.remove(&vector);
    }

    fn irq_take(&mut self, vector: u16) -> u32 {
        self.irq_arrived.remove(&vector).unwrap_or(0)
    }
}

/// A configuration header with a PCIe capability at `PCIE_CAP` leading to an
/// MSI-X capability at `MSIX_CAP` (table and PBA where `nic_spec::msix` says).
/// Command starts at 0: the driver has to enable memory and bus mastering.
pub fn config_space(table_size: u16) -> Vec<u32> {
    let mut c = vec![0u32; 1024];
    c[0] = u32::from(pci::NIC_VENDOR_ID) | u32::from(pci::NIC_DEVICE_ID) << 16;
    c[1] = u32::from(pci::STATUS_CAP_LIST) << 16;
    c[2] = pci::NIC_CLASS << 8;
    c[usize::from(pci::CAP_PTR / 4)] = u32::from(PCIE_CAP);
    c[usize::from(PCIE_CAP / 4)] = u32::from(pci::CAP_ID_PCIE) | u32::from(MSIX_CAP) << 8 | 0x0002 << 16;
    c[usize::from(MSIX_CAP / 4)] = u32::from(pci::CAP_ID_MSIX) | u32::from(table_size - 1) << 16;
    c[usize::from((MSIX_CAP + pci::MSIX_TABLE) / 4)] = msix::TABLE_OFFSET | msix::TABLE_BIR;
    c[usize::from((MSIX_CAP + pci::MSIX_PBA) / 4)] = msix::PBA_OFFSET | msix::PBA_BIR;
    c
}
