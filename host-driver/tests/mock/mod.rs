//! A mock transport for the driver's tests: registers in a map, DMA memory in
//! a Vec, every MMIO write recorded, and a tiny model of the NIC's RX path the
//! test drives by hand ("the test plays the NIC").

#![allow(dead_code)]

use std::collections::HashMap;

use nic_hal::{DmaRegion, Hal, HalError};
use nic_spec::{caps, cpl, cpl_phase, ctrl, desc, global, id, qctrl, qstatus, rxq, rxq_layout};

pub const MEM_BASE: u64 = 0x1_2340_0000; // above 4 GiB: exercises the *_HI registers

pub fn qreg(q: usize, reg: u32) -> u32 {
    rxq::BASE + q as u32 * rxq_layout::STRIDE + reg
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
}

impl MockHal {
    /// A single-queue device without RSS (`RSS_RETA_SIZE` reads 0).
    pub fn new() -> Self {
        Self::with_queues(1, 0)
    }

    /// A device with `queues` RX queues and an indirection table of `reta_size` entries.
    pub fn with_queues(queues: u32, reta_size: u32) -> Self {
        let mut regs = HashMap::new();
        regs.insert(global::ID, id::MAGIC);
        regs.insert(global::VERSION, id::VERSION);
        regs.insert(
            global::CAPS,
            (queues << caps::RX_QUEUES_SHIFT) | (15 << caps::MAX_LOG_RING_SHIFT) | (8 << caps::DESC_FETCH_MAX_SHIFT),
        );
        regs.insert(global::RX_FIFO_BYTES, 32768);
        regs.insert(global::RSS_RETA_SIZE, reta_size);
        MockHal {
            regs,
            writes: Vec::new(),
            mmio_reads: 0,
            mem: Vec::new(),
            mem_limit: 64 << 20,
            live: Vec::new(),
            reset_stuck: false,
            nic: vec![NicQueue::default(); (queues as usize).max(4)],
        }
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
        tamper(&mut rec);
        let cpl_idx = st.cpl_prod;
        self.write_cpl(q, cpl_idx, rec);
        self.nic[q].desc_cons = st.desc_cons.wrapping_add(1);
        self.nic[q].cpl_prod = cpl_idx.wrapping_add(1);
        self.set_reg(qreg(q, rxq::DESC_CONS), self.nic[q].desc_cons.into());
        self.set_reg(qreg(q, rxq::CPL_PROD), self.nic[q].cpl_prod.into());
        self.bump(qreg(q, rxq::Q_FRAMES));
        let bytes = self.reg(qreg(q, rxq::Q_BYTES)).wrapping_add(frame.len() as u32);
        self.set_reg(qreg(q, rxq::Q_BYTES), bytes);
        Rx::Completed { buf_id, cpl_idx }
    }

    /// Writes a completion record at free-running index `idx` with the right phase.
    pub fn write_cpl(&mut self, q: usize, idx: u16, mut rec: [u8; cpl::SIZE]) {
        let (base, log) = self.cpl_ring(q);
        cpl::PHASE.set(&mut rec, cpl_phase(idx, log).into());
        let slot = u64::from(idx) & ((1 << log) - 1);
        self.dma_write(base + slot * cpl::SIZE as u64, &rec).unwrap();
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
        let v = self.reg(offset);
        if offset == global::CTRL {
            return Ok(if self.reset_stuck { v } else { v & !ctrl::RESET });
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
        if offset == global::ERR_STATUS {
            let v = self.reg(offset) & !value;
            self.set_reg(offset, v);
            return;
        }
        if offset == global::CTRL && value & ctrl::RESET != 0 {
            // A reset zeroes counters, rings and queue state.
            let keep = [global::ID, global::VERSION, global::CAPS, global::RX_FIFO_BYTES, global::RSS_RETA_SIZE];
            self.regs.retain(|k, _| keep.contains(k));
            for n in &mut self.nic {
                *n = NicQueue::default();
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
        let off = self.check(bus_addr, buf.len())?;
        buf.copy_from_slice(&self.mem[off..off + buf.len()]);
        Ok(())
    }

    fn dma_write(&mut self, bus_addr: u64, data: &[u8]) -> Result<(), HalError> {
        let off = self.check(bus_addr, data.len())?;
        self.mem[off..off + data.len()].copy_from_slice(data);
        Ok(())
    }
}
