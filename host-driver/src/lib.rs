//! Host driver for the FPGA NIC model.
//!
//! The driver touches the device only through a [`nic_hal::Hal`], passed as
//! `&mut H` into every call (as `virtio-queue` passes guest memory), so the
//! caller keeps the transport and decides who advances time: the Verilator
//! model, cocotb or a real board. It never sleeps and never spins on time;
//! the only waits are bounded register polls ([`RESET_POLL_LIMIT`]).
//! Register offsets, record layouts and the phase rule come from
//! [`nic_spec`]; nothing is copied here.
//!
//! # RX ring protocol
//!
//! Each RX queue has a *descriptor ring* (driver → NIC) and a *completion
//! ring* (NIC → driver), each `2^log` entries in 4 KiB aligned DMA memory.
//! Indices are free-running 16-bit counters; the slot is `index & (size-1)`.
//!
//! 1. **Post.** The driver writes `desc::SIZE`-byte descriptors (buffer
//!    address, length, `BUF_ID` cookie) into slots `DESC_PROD..`, then writes
//!    the new `DESC_PROD` once for the whole batch: MMIO writes are the
//!    expensive part of a driver, so it rings one doorbell per
//!    [`RxConfig::repost_batch`] buffers.
//! 2. **Receive.** The NIC consumes descriptors in order, DMAs a frame into
//!    the buffer(s) and writes one `cpl::SIZE`-byte completion record per
//!    frame, in order; the record retires `DESC_COUNT` consecutive
//!    descriptors (more than one when the frame was scattered). A frame that
//!    does not fit the posted buffers is dropped whole and the descriptors
//!    kept; with no descriptor posted, frames are dropped and counted.
//! 3. **Ownership by phase.** The record's last bit is `PHASE`, which the NIC
//!    sets to [`nic_spec::cpl_phase`]`(index, log)`: 1 on the first pass over
//!    the ring, flipped on every wrap. The driver owns the record at its
//!    consumer index exactly when the phase matches, so it never reads an
//!    index register on the hot path: the poll loop does no MMIO read at all.
//!    It reads the phase dword first and the body after, so a record is
//!    never seen half-written.
//! 4. **Release.** After a batch the driver writes `CPL_CONS` once, freeing
//!    completion slots (the NIC stalls while the completion ring is full),
//!    and re-posts the recycled buffers.
//!
//! Completions arrive in descriptor order, so the driver knows which buffers
//! each one returns from its own record of what it posted in each slot. A
//! record that disagrees (`BUF_ID`, `DESC_IDX`, `QUEUE`, a `DESC_COUNT`
//! beyond what is in flight, lengths that describe no valid layout) is a
//! device bug: it is counted, reported by [`Nic::last_fault`], not
//! delivered, and the buffers are recycled anyway; the driver never panics
//! or indexes out of bounds on device data.
//!
//! # Header split, scatter, VLAN stripping
//!
//! [`RxConfig::split`] programs `Q_RX_CFG` (docs/split.md). With a split
//! mode or a small-frame threshold, each queue also gets a *header pool*:
//! one DMA region of as many [`SplitConfig::hdr_buf`]-byte header buffers
//! as descriptors can be in flight (`Q_HDR_BASE`, `Q_HDR_COUNT`), and every
//! posted descriptor carries a free one in `HDR_IDX`. A split frame's
//! headers land in the first descriptor's header buffer and its payload at
//! offset 0 of the data buffers; with scatter, a frame longer than one data
//! buffer continues in the next descriptors' buffers. Header and data
//! buffers of a completion go back to their free lists as soon as it is
//! processed (data buffers: unless lent, below). [`RxFrame::bytes`] is the
//! whole delivered frame (header bytes, then data bytes);
//! [`RxFrame::header`], `hdr_len`, `desc_count` and the rest say where it
//! came from.
//!
//! # Delivery: copy or zero-copy
//!
//! With [`Delivery::Copy`] the frame is copied into a per-queue scratch
//! buffer ([`FrameBytes::Copied`]) and its buffers recycled at once. With
//! [`Delivery::ZeroCopy`] the data buffers are pinned
//! ([`nic_hal::Hal::dma_pin`]) and lent ([`FrameBytes::Lent`]): each
//! [`RxBuf`] is an owned, reference-counted handle the application may keep;
//! the buffer returns to the pool when the last handle drops and is never
//! posted to the NIC before (docs/zero-copy.md). [`tcp`] turns delivered
//! frames into TCP byte streams, read as zero-copy chunks or through
//! `tokio::io::AsyncRead`. [`QueueStats`] counts pool levels, exhaustion, split,
//! overflowed and scattered frames, and the device's `Q_SPLIT_FRAMES` and
//! `Q_HDR_OVERFLOW`.
//!
//! A record with `DESC_COUNT` 0 and no split field set (a device predating
//! docs/split.md) is read as one whole-frame buffer.
//!
//! # Queues and receive-side scaling
//!
//! [`Nic::open`] opens [`RxConfig::queues`] queues (by default every queue
//! the device has), each with its own rings and buffer pool, polled
//! independently: a frame's queue is chosen by the device's RSS (Toeplitz
//! hash over the addresses and ports, indirection table, default queue for
//! frames with no enabled hash type; docs/rss.md). [`RxConfig::rss`] is
//! programmed before reception starts and [`Nic::set_rss`] changes it later;
//! by default it is the Microsoft key, all six hash types and an even
//! spread of the [`Caps::rss_reta_size`]-entry table over the open queues.
//! Each [`RxFrame`] carries the hash, its type and the parser's findings
//! (L3/L4 types, offsets, VLAN tags, flags). Frames of one flow stay on one
//! queue, in order; across queues there is no order.
//!
//! # Interrupts
//!
//! Polling ([`Nic::poll`] in a loop) needs nothing more. For interrupt-driven
//! reception, [`Nic::enable_interrupts`] finds the MSI-X capability in
//! configuration space ([`discover_msix`]), gives each queue a vector and
//! the error events one more (sharing round-robin if the table is smaller),
//! programs the table with the messages the platform assigns
//! ([`nic_hal::Hal::irq_alloc`]) and arms every vector.
//!
//! The device raises a vector when it is *armed*, has *work* and is *due*
//! (`nic_spec::ivec`): work is an unconsumed completion on one of its queues,
//! `CPL_PROD != CPL_CONS` (or a new error, or a software trigger); due is the
//! moderation rule ([`IrqConfig::itr_ns`], [`IrqConfig::itr_frames`]).
//! Firing sends the message and *disarms* the vector. The driver's half is
//! NAPI's:
//!
//! 1. the interrupt wakes the vector's poller (nothing else happens in
//!    "interrupt context": [`napi::IrqHub::dispatch`] only notifies);
//! 2. the poller consumes completions, at most [`IrqConfig::budget`] per
//!    queue per poll ([`Nic::poll_vector`]); while a poll uses its whole
//!    budget it yields to other tasks and polls again, the vector still
//!    disarmed, so a busy queue costs no interrupts at all;
//! 3. once a poll comes back under budget, the ring is drained and the poll
//!    has published `CPL_CONS`; only then does the poller re-arm
//!    ([`Nic::rearm_vector`]).
//!
//! No event is lost, because work is a *level*, not an edge: a completion
//! written after the poll's last look leaves `CPL_PROD != CPL_CONS` when
//! the `ARM` write lands (MMIO writes arrive in order, `CPL_CONS` first), so
//! the re-armed vector fires again. And an interrupt always announces a
//! completion the driver has not consumed: the vector is disarmed from the
//! moment it fires until the driver has caught up. The error vector works
//! the same way with `ERR_STATUS` ([`napi::watch_errors`]).
//!
//! The [`napi`] module runs this on tokio with one task per vector
//! ([`napi::run_queue`], [`napi::run_vector`]) on a current-thread runtime
//! and a `LocalSet`, sharing the NIC and the transport through
//! [`napi::Shared`]; whoever receives interrupts (a simulation's clock task,
//! an eventfd task on hardware) calls [`napi::IrqHub::dispatch`]. Without
//! tokio, the same loop is [`Nic::take_interrupts`], [`Nic::poll_vector`],
//! [`Nic::rearm_vector`]. [`Stats::vectors`] counts messages, interrupts,
//! polls, completions and re-arms per vector.
//!
//! # Typical use
//!
//! ```no_run
//! use nic_driver::{DriverError, Nic, RxConfig};
//!
//! fn receive<H: nic_hal::Hal>(hal: &mut H, want: usize) -> Result<Vec<(u32, Vec<u8>)>, DriverError> {
//!     let mut nic = Nic::probe(hal)?;
//!     nic.open(hal, &RxConfig { buf_size: 16384, ..RxConfig::default() })?;
//!     let mut frames = Vec::new();
//!     while frames.len() < want {
//!         // (whoever owns the clock advances the device here)
//!         let mut n = 0;
//!         for q in 0..nic.num_queues() {
//!             n += nic.poll(hal, q, 64, |f| frames.push((f.rss_hash, f.bytes.to_vec())))?;
//!         }
//!         if n == 0 {
//!             nic.check_health(hal)?;
//!         }
//!     }
//!     let stats = nic.stats(hal)?;
//!     assert!(stats.queues.iter().all(|q| q.device_faults == 0));
//!     nic.close(hal)?;
//!     Ok(frames)
//! }
//! ```
//!
//! Dropping a [`Nic`] without [`Nic::close`] leaks its DMA memory in the
//! transport (the driver holds no `Hal` to free it with).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod error;
mod irq;
mod lend;
mod msix;
pub mod napi;
mod queue;
mod rss;
mod split;
mod stats;
pub mod tcp;

use std::sync::Arc;

use nic_hal::Hal;
use nic_spec::{caps, ctrl, global, id, ivec, limits, qstatus, rss as rss_spec, rxq, rxq_layout};
use serde::Serialize;

pub use error::{CplFault, DriverError, ErrStatus};
pub use irq::{IrqConfig, PendingBits, VectorPoll};
pub use lend::{Delivery, FrameBytes, RxBuf};
pub use msix::{discover_msix, find_capability, MsixInfo};
pub use queue::RxFrame;
pub use rss::RssConfig;
pub use split::{SplitConfig, SplitMode};
pub use stats::{QueueStats, Stats, VectorStats};

use irq::{ivreg, IrqState};
use queue::{qreg, QueueParams, RxQueue};
use stats::{GlobalCounters, IrqCounts, QueueCounters, VectorCounters};

/// Register polls before a reset, queue enable or queue disable is declared
/// stuck. Counted in polls, not time: the driver does not know what a poll
/// costs on the transport.
pub const RESET_POLL_LIMIT: u32 = 10_000;

/// What the device says it can do (`CAPS` and `RX_FIFO_BYTES`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Caps {
    /// RX queues implemented.
    pub rx_queues: u32,
    /// Largest ring is `2^max_log_ring` entries.
    pub max_log_ring: u32,
    /// Descriptors the NIC fetches per DMA read.
    pub desc_fetch_max: u32,
    /// RX FIFO capacity in bytes.
    pub rx_fifo_bytes: u32,
    /// RSS indirection table entries (`RSS_RETA_SIZE`); 0: no RSS.
    pub rss_reta_size: u32,
}

impl Caps {
    fn from_raw(raw: u32, rx_fifo_bytes: u32, rss_reta_size: u32) -> Self {
        let field = |shift: u32| (raw >> shift) & caps::FIELD_MASK;
        Caps {
            rx_queues: field(caps::RX_QUEUES_SHIFT),
            max_log_ring: field(caps::MAX_LOG_RING_SHIFT),
            desc_fetch_max: field(caps::DESC_FETCH_MAX_SHIFT),
            rx_fifo_bytes,
            rss_reta_size,
        }
    }
}

/// RX configuration for [`Nic::open`]. Every queue gets the same rings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RxConfig {
    /// Queues to open, `1..=caps.rx_queues`; 0 (the default): every queue
    /// the device has. Queue `q` gets its own descriptor ring, completion
    /// ring and buffer pool.
    pub queues: usize,
    /// Descriptor ring holds `2^desc_ring_log` descriptors.
    pub desc_ring_log: u32,
    /// Completion ring holds `2^cpl_ring_log` records, `>= desc_ring_log` so
    /// every posted descriptor has a completion slot.
    pub cpl_ring_log: u32,
    /// Bytes per data buffer, `1..=65535`. Without scatter it bounds the
    /// frame (or, split, the payload) a queue accepts; with scatter a frame
    /// continues in the next buffers. Buffers are laid out
    /// `limits::BUF_ALIGN` apart.
    pub buf_size: usize,
    /// Buffers per queue, at most 65536 (`BUF_ID` is 16 bits); 0 means ring
    /// size - 1. More than the ring holds is fine: the rest wait in the free
    /// pool and replace buffers as they complete.
    pub bufs_per_queue: usize,
    /// Buffers re-posted per `DESC_PROD` doorbell while polling (capped at
    /// what the ring can hold).
    pub repost_batch: usize,
    /// Receive-side scaling, programmed before reception is enabled
    /// (ignored by a device without RSS, whose `RSS_RETA_SIZE` reads 0).
    pub rss: RssConfig,
    /// Header/data split, scatter and VLAN stripping (docs/split.md), the
    /// same on every queue.
    pub split: SplitConfig,
    /// Copy frames out of the data buffers, or lend the buffers (zero-copy).
    pub delivery: Delivery,
}

impl Default for RxConfig {
    fn default() -> Self {
        RxConfig {
            queues: 0,
            desc_ring_log: 8,
            cpl_ring_log: 8,
            buf_size: 2048,
            bufs_per_queue: 0,
            repost_batch: 32,
            rss: RssConfig::default(),
            split: SplitConfig::default(),
            delivery: Delivery::default(),
        }
    }
}

impl RxConfig {
    /// Buffers per queue once the "0 = ring size - 1" default is applied.
    pub fn effective_bufs_per_queue(&self) -> usize {
        if self.bufs_per_queue == 0 {
            (1usize << self.desc_ring_log.min(limits::MAX_LOG_RING)).saturating_sub(1).max(1)
        } else {
            self.bufs_per_queue
        }
    }
}

/// A probed NIC: capabilities, open RX queues and counters.
///
/// Not tied to a transport type: every method that touches the device takes
/// the `Hal` explicitly.
pub struct Nic {
    caps: Caps,
    queues: Vec<RxQueue>,
    global: GlobalCounters,
    /// One per queue ever opened; outlives close so stats stay readable.
    qcounters: Vec<QueueCounters>,
    /// The RSS settings programmed while open, with the expanded table.
    rss: Option<(RssConfig, Vec<u8>)>,
    /// The MSI-X capability, once discovered.
    msix: Option<MsixInfo>,
    /// The interrupt setup while interrupts are enabled.
    irq: Option<IrqState>,
    /// One per vector ever used; outlives disabling so stats stay readable.
    vcounters: Vec<VectorCounters>,
    /// Interrupts taken per table entry, shared with the `napi::IrqHub`s.
    irq_counts: Option<Arc<IrqCounts>>,
}

impl Nic {
    /// Identifies the device (`ID`, `VERSION` major), resets it and reads
    /// its capabilities.
    pub fn probe<H: Hal>(hal: &mut H) -> Result<Nic, DriverError> {
        let found = hal.mmio_read32(global::ID)?;
        if found != id::MAGIC {
            return Err(DriverError::BadId { found });
        }
        let version = hal.mmio_read32(global::VERSION)?;
        if (version >> 16) & 0xFF != id::VERSION_MAJOR {
            return Err(DriverError::VersionMismatch { found: version, expected: id::VERSION });
        }
        let mut nic = Nic {
            caps: Caps::from_raw(0, 0, 0),
            queues: Vec::new(),
            global: GlobalCounters::default(),
            qcounters: Vec::new(),
            rss: None,
            msix: None,
            irq: None,
            vcounters: Vec::new(),
            irq_counts: None,
        };
        nic.reset(hal)?;
        let raw = hal.mmio_read32(global::CAPS)?;
        let fifo = hal.mmio_read32(global::RX_FIFO_BYTES)?;
        let reta = hal.mmio_read32(global::RSS_RETA_SIZE)?;
        if reta != 0 && (!reta.is_power_of_two() || reta > rss_spec::RETA_MAX_ENTRIES) {
            return Err(DriverError::BadRetaSize { found: reta });
        }
        nic.caps = Caps::from_raw(raw, fifo, reta);
        Ok(nic)
    }

    /// The device's capabilities.
    pub fn caps(&self) -> Caps {
        self.caps
    }

    /// Number of open RX queues (0 when closed).
    pub fn num_queues(&self) -> usize {
        self.queues.len()
    }

    /// Soft-resets the device (`CTRL.RESET`, polled until it clears).
    ///
    /// A reset stops all DMA and forgets the rings, so any open queues are
    /// freed: this is the recovery path after a halted queue; call
    /// [`Nic::open`] again afterwards. Interrupts are disabled first
    /// ([`Nic::disable_interrupts`]; its error, if any, is returned after a
    /// successful reset). Counter totals carry on.
    pub fn reset<H: Hal>(&mut self, hal: &mut H) -> Result<(), DriverError> {
        let irq = self.disable_interrupts(hal);
        hal.mmio_write32(global::CTRL, ctrl::RESET);
        let mut polls = 0;
        loop {
            polls += 1;
            if hal.mmio_read32(global::CTRL)? & ctrl::RESET == 0 {
                break;
            }
            if polls >= RESET_POLL_LIMIT {
                // The device may still be running: keep the memory.
                return Err(DriverError::ResetTimeout { polls });
            }
        }
        for q in self.queues.drain(..) {
            q.free(hal);
        }
        self.rss = None;
        self.global.device_reset();
        for c in &mut self.qcounters {
            c.device_reset();
        }
        for c in &mut self.vcounters {
            c.msgs.device_reset();
        }
        irq
    }

    /// Allocates rings and buffer pools, programs and enables the queues,
    /// posts the initial buffers (one doorbell per queue) and sets
    /// `CTRL.RX_ENABLE`.
    pub fn open<H: Hal>(&mut self, hal: &mut H, cfg: &RxConfig) -> Result<(), DriverError> {
        if !self.queues.is_empty() {
            return Err(DriverError::AlreadyOpen);
        }
        let params = self.check_config(cfg)?;
        let rss = self.check_rss(&cfg.rss, params.len())?;
        let mut result = Ok(());
        for p in &params {
            match RxQueue::alloc(hal, p) {
                Ok(q) => self.queues.push(q),
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        if self.qcounters.len() < self.queues.len() {
            self.qcounters.resize_with(self.queues.len(), QueueCounters::default);
        }
        if result.is_ok() {
            result = self.start(hal, rss);
        }
        if let Err(e) = result {
            for (i, q) in self.queues.drain(..).enumerate() {
                hal.mmio_write32(qreg(i, rxq::Q_CTRL), 0);
                q.free(hal);
            }
            return Err(e);
        }
        Ok(())
    }

    fn check_config(&self, cfg: &RxConfig) -> Result<Vec<QueueParams>, DriverError> {
        let bad = |why: String| Err(DriverError::InvalidConfig(why));
        let max_queues = (self.caps.rx_queues as usize).min(rxq_layout::MAX_QUEUES as usize);
        let nqueues = if cfg.queues == 0 { max_queues } else { cfg.queues };
        if nqueues == 0 || nqueues > max_queues {
            return bad(format!("{} queues requested, the device has {max_queues}", cfg.queues));
        }
        let max_log = self.caps.max_log_ring.min(limits::MAX_LOG_RING);
        if cfg.desc_ring_log > max_log {
            return bad(format!("desc_ring_log {} exceeds the device's {max_log}", cfg.desc_ring_log));
        }
        if cfg.cpl_ring_log < cfg.desc_ring_log || cfg.cpl_ring_log > max_log {
            return bad(format!(
                "cpl_ring_log {} must be in desc_ring_log..={max_log} ({})",
                cfg.cpl_ring_log, cfg.desc_ring_log
            ));
        }
        if cfg.buf_size == 0 || cfg.buf_size > usize::from(u16::MAX) {
            return bad(format!("buf_size {} must be in 1..=65535", cfg.buf_size));
        }
        let nbufs = cfg.effective_bufs_per_queue();
        if nbufs > 1 << 16 {
            return bad(format!("{nbufs} buffers per queue exceed the 16-bit BUF_ID"));
        }
        if cfg.repost_batch == 0 {
            return bad("repost_batch must be at least 1".into());
        }
        if let Err(why) = cfg.split.validate() {
            return bad(why);
        }
        Ok((0..nqueues)
            .map(|index| QueueParams {
                index,
                desc_log: cfg.desc_ring_log,
                cpl_log: cfg.cpl_ring_log,
                buf_len: cfg.buf_size as u16,
                nbufs,
                repost_batch: cfg.repost_batch,
                split: cfg.split,
                delivery: cfg.delivery,
            })
            .collect())
    }

    /// Validates RSS settings for `queues` open queues; `None` for a device
    /// without RSS.
    fn check_rss(&self, cfg: &RssConfig, queues: usize) -> Result<Option<(RssConfig, Vec<u8>)>, DriverError> {
        if self.caps.rss_reta_size == 0 {
            return Ok(None);
        }
        let reta = cfg.expand_reta(self.caps.rss_reta_size as usize, queues).map_err(DriverError::InvalidConfig)?;
        Ok(Some((cfg.clone(), reta)))
    }

    fn start<H: Hal>(&mut self, hal: &mut H, rss: Option<(RssConfig, Vec<u8>)>) -> Result<(), DriverError> {
        if let Some((cfg, reta)) = &rss {
            rss::program(hal, cfg, reta);
        }
        self.rss = rss;
        for q in &mut self.queues {
            q.program(hal)?;
        }
        for i in 0..self.queues.len() {
            wait_queue(hal, i, true)?;
        }
        for (q, c) in self.queues.iter_mut().zip(&mut self.qcounters) {
            q.post(hal, usize::MAX, &mut c.sw)?;
        }
        hal.mmio_write32(global::CTRL, ctrl::RX_ENABLE);
        // MMIO writes are posted: read back so the device has seen the whole
        // configuration before `open` returns (a real driver flushes the same way).
        hal.mmio_read32(global::CTRL)?;
        Ok(())
    }

    /// Stops reception, disables the queues, waits for the device to report
    /// them disabled, and frees rings and buffers. Counter totals stay
    /// readable through [`Nic::stats`]. Closing a closed NIC does nothing.
    ///
    /// If a queue does not report disabled, nothing is freed (the device may
    /// still write to it) and the error is returned; [`Nic::reset`] recovers.
    /// Interrupts are disabled first ([`Nic::disable_interrupts`]).
    pub fn close<H: Hal>(&mut self, hal: &mut H) -> Result<(), DriverError> {
        let irq = self.disable_interrupts(hal);
        if self.queues.is_empty() {
            return irq;
        }
        hal.mmio_write32(global::CTRL, 0);
        for i in 0..self.queues.len() {
            hal.mmio_write32(qreg(i, rxq::Q_CTRL), 0);
        }
        for i in 0..self.queues.len() {
            wait_queue(hal, i, false)?;
        }
        for q in self.queues.drain(..) {
            q.free(hal);
        }
        self.rss = None;
        irq
    }

    /// Reprograms receive-side scaling on an open NIC (key, hash types,
    /// indirection table, default queue), validated against the open queues
    /// like [`RxConfig::rss`]. Frames already past the parser keep the queue
    /// they were given; the change is flushed (read back) before returning.
    pub fn set_rss<H: Hal>(&mut self, hal: &mut H, cfg: &RssConfig) -> Result<(), DriverError> {
        if self.queues.is_empty() {
            return Err(DriverError::NotOpen);
        }
        if self.caps.rss_reta_size == 0 {
            return Err(DriverError::InvalidConfig("the device has no RSS (RSS_RETA_SIZE reads 0)".into()));
        }
        let (cfg, reta) = self.check_rss(cfg, self.queues.len())?.expect("device has RSS");
        rss::program(hal, &cfg, &reta);
        hal.mmio_read32(global::RSS_HASH_TYPES)?;
        self.rss = Some((cfg, reta));
        Ok(())
    }

    /// The RSS settings in force (`None` while closed or without RSS).
    pub fn rss(&self) -> Option<&RssConfig> {
        self.rss.as_ref().map(|(c, _)| c)
    }

    /// The indirection table as programmed: [`Caps::rss_reta_size`]
    /// entries, each an open queue (empty while closed or without RSS).
    pub fn reta(&self) -> &[u8] {
        self.rss.as_ref().map_or(&[], |(_, r)| r.as_slice())
    }

    /// Handles up to `budget` completions on `queue`, calling `deliver` for
    /// each received frame, and returns how many completion records were
    /// consumed (frames delivered plus `BAD_DESC` and faulty records).
    ///
    /// Each frame is copied into a per-queue scratch buffer and lent to
    /// `deliver`; nothing is allocated. Buffers are recycled at once and
    /// re-posted `repost_batch` at a time (one doorbell each); at the end, if
    /// fewer than half the buffers the ring can hold are posted, whatever is
    /// free is posted too, so the ring never starves. `CPL_CONS` is written
    /// once, at the end, and only if something was consumed. A poll does no
    /// MMIO read: on an idle ring it costs one DMA-memory read.
    ///
    /// On error, what was consumed so far is still released to the device.
    pub fn poll<H: Hal, F: FnMut(RxFrame<'_>)>(
        &mut self,
        hal: &mut H,
        queue: usize,
        budget: usize,
        mut deliver: F,
    ) -> Result<usize, DriverError> {
        let (q, c) = self.queue_mut(queue)?;
        q.poll(hal, budget, &mut c.sw, &mut deliver)
    }

    /// Pauses (`false`) or resumes (`true`) re-posting on `queue`: while
    /// paused, completed buffers collect in the free pool and the NIC runs
    /// out of descriptors (to test `Q_DROP_NO_DESC`). Resuming posts nothing
    /// by itself; the next poll or [`Nic::post_free_buffers`] does.
    pub fn set_repost(&mut self, queue: usize, on: bool) -> Result<(), DriverError> {
        self.queue_mut(queue)?.0.set_repost(on);
        Ok(())
    }

    /// Posts every free buffer the ring has room for, with one doorbell,
    /// even while re-posting is paused. Returns how many were posted.
    pub fn post_free_buffers<H: Hal>(&mut self, hal: &mut H, queue: usize) -> Result<usize, DriverError> {
        let (q, c) = self.queue_mut(queue)?;
        q.post(hal, usize::MAX, &mut c.sw)
    }

    /// Wakes `notify` (`notify_one`) when a lent data buffer of `queue`
    /// comes back while the queue is short of posted buffers
    /// ([`Delivery::ZeroCopy`]; see [`RxBuf`]), so that a task waiting for
    /// interrupts re-posts it: a queue without buffers receives nothing and
    /// raises no interrupt. `None` stops it. No effect with [`Delivery::Copy`].
    pub fn set_return_notify(&self, queue: usize, notify: Option<Arc<tokio::sync::Notify>>) -> Result<(), DriverError> {
        self.queues.get(queue).ok_or(DriverError::NoSuchQueue { queue })?.set_return_notify(notify);
        Ok(())
    }

    /// Data buffers lent out now ([`Delivery::ZeroCopy`]), over all open
    /// queues (buffers returned but not yet taken back by a poll count).
    pub fn lent_buffers(&self) -> usize {
        self.queues.iter().map(RxQueue::lent_buffers).sum()
    }

    /// The latest completion record on `queue` that contradicted what was
    /// posted (`None` if there was none, or the queue is not open).
    pub fn last_fault(&self, queue: usize) -> Option<CplFault> {
        self.queues.get(queue).and_then(RxQueue::last_fault)
    }

    /// Reads all device counters, widens them to 64-bit totals and adds the
    /// driver's counters. Call it at least once per counter wrap (2^32
    /// frames or bytes) to keep the totals exact.
    pub fn stats<H: Hal>(&mut self, hal: &mut H) -> Result<Stats, DriverError> {
        let g = &mut self.global;
        let mut s = Stats {
            frames_in: g.frames_in.update(hal.mmio_read32(global::RX_FRAMES_IN)?),
            drop_fifo_full: g.drop_fifo_full.update(hal.mmio_read32(global::RX_DROP_FIFO_FULL)?),
            drop_mac_error: g.drop_mac_error.update(hal.mmio_read32(global::RX_DROP_MAC_ERROR)?),
            drop_runt: g.drop_runt.update(hal.mmio_read32(global::RX_DROP_RUNT)?),
            drop_oversize: g.drop_oversize.update(hal.mmio_read32(global::RX_DROP_OVERSIZE)?),
            drop_disabled: g.drop_disabled.update(hal.mmio_read32(global::RX_DROP_DISABLED)?),
            rx_fifo_bytes: self.caps.rx_fifo_bytes,
            rx_fifo_peak: hal.mmio_read32(global::RX_FIFO_PEAK)?,
            queues: Vec::with_capacity(self.qcounters.len()),
            vectors: Vec::with_capacity(self.vcounters.len()),
        };
        // Lent buffers whose handles are gone count as back.
        self.queues.iter_mut().for_each(RxQueue::reclaim);
        for (i, c) in self.qcounters.iter_mut().enumerate() {
            let mut rd = |reg| hal.mmio_read32(qreg(i, reg));
            let sw = c.sw;
            let (free_buffers, buffers_in_flight) =
                self.queues.get(i).map_or((0, 0), |q| (q.free_buffers(), q.in_flight()));
            let lv = self.queues.get(i).map(RxQueue::pool_levels);
            s.queues.push(QueueStats {
                queue: i,
                frames: c.frames.update(rd(rxq::Q_FRAMES)?),
                bytes: c.bytes.update(rd(rxq::Q_BYTES)?),
                drop_no_desc: c.drop_no_desc.update(rd(rxq::Q_DROP_NO_DESC)?),
                drop_buf_too_small: c.drop_buf_too_small.update(rd(rxq::Q_DROP_BUF_TOO_SMALL)?),
                drop_bad_desc: c.drop_bad_desc.update(rd(rxq::Q_DROP_BAD_DESC)?),
                drop_queue_disabled: c.drop_queue_disabled.update(rd(rxq::Q_DROP_DISABLED)?),
                split_frames: c.split_frames.update(rd(rxq::Q_SPLIT_FRAMES)?),
                hdr_overflow: c.hdr_overflow.update(rd(rxq::Q_HDR_OVERFLOW)?),
                polls: sw.polls,
                completions: sw.completions,
                frames_delivered: sw.frames_delivered,
                bytes_delivered: sw.bytes_delivered,
                bad_desc_completions: sw.bad_desc_completions,
                device_faults: sw.device_faults,
                desc_doorbells: sw.desc_doorbells,
                cpl_doorbells: sw.cpl_doorbells,
                buffers_posted: sw.buffers_posted,
                free_buffers,
                buffers_in_flight,
                data_pool_size: lv.as_ref().map_or(0, |l| l.data_size),
                data_free_min: lv.as_ref().map_or(0, |l| l.data_free_min),
                hdr_pool_size: lv.as_ref().map_or(0, |l| l.hdr_size),
                hdr_free: lv.as_ref().map_or(0, |l| l.hdr_free),
                hdr_free_min: lv.as_ref().map_or(0, |l| l.hdr_free_min),
                pool_exhausted: sw.pool_exhausted,
                descs_consumed: sw.descs_consumed,
                frames_split: sw.frames_split,
                hdr_overflows: sw.hdr_overflows,
                frames_scattered: sw.frames_scattered,
                frames_header_only: sw.frames_header_only,
                vlan_stripped: sw.vlan_stripped,
                bytes_copied: sw.bytes_copied,
                bytes_lent: sw.bytes_lent,
                lent_buffers: self.queues.get(i).map_or(0, RxQueue::lent_buffers),
                lent_peak: sw.lent_peak,
            });
        }
        for (v, c) in self.vcounters.iter_mut().enumerate() {
            let vector = v as u16;
            let interrupts = self.irq_counts.as_ref().map_or(0, |k| k.get(vector));
            s.vectors.push(VectorStats {
                vector,
                msgs: c.msgs.update(hal.mmio_read32(ivreg(vector, ivec::MSGS))?),
                interrupts,
                polls: c.polls,
                completions: c.completions,
                rearms: c.rearms,
                frames_per_interrupt: if interrupts == 0 { 0.0 } else { c.completions as f64 / interrupts as f64 },
            });
        }
        Ok(s)
    }

    /// Reads and decodes the sticky `ERR_STATUS` register.
    pub fn error_status<H: Hal>(&self, hal: &mut H) -> Result<ErrStatus, DriverError> {
        Ok(ErrStatus::from_raw(hal.mmio_read32(global::ERR_STATUS)?))
    }

    /// Clears the `ERR_STATUS` bits set in `status` (write 1 to clear), e.g.
    /// the value [`Nic::error_status`] returned.
    pub fn clear_error_status<H: Hal>(&self, hal: &mut H, status: ErrStatus) {
        hal.mmio_write32(global::ERR_STATUS, status.raw);
    }

    /// Checks `ERR_STATUS` and every open queue's `Q_STATUS.HALTED`. Polls
    /// read no registers, so call this when a poll loop stops making
    /// progress. The error bits are left set for the caller to inspect.
    pub fn check_health<H: Hal>(&self, hal: &mut H) -> Result<(), DriverError> {
        let status = self.error_status(hal)?;
        if !status.is_clear() {
            return Err(DriverError::Device(status));
        }
        for queue in 0..self.queues.len() {
            if hal.mmio_read32(qreg(queue, rxq::Q_STATUS))? & qstatus::HALTED != 0 {
                return Err(DriverError::QueueHalted { queue });
            }
        }
        Ok(())
    }

    fn queue_mut(&mut self, queue: usize) -> Result<(&mut RxQueue, &mut QueueCounters), DriverError> {
        match (self.queues.get_mut(queue), self.qcounters.get_mut(queue)) {
            (Some(q), Some(c)) => Ok((q, c)),
            _ => Err(DriverError::NoSuchQueue { queue }),
        }
    }
}

/// Polls `Q_STATUS.ENABLED` until it equals `enable`.
fn wait_queue<H: Hal>(hal: &mut H, queue: usize, enable: bool) -> Result<(), DriverError> {
    for _ in 0..RESET_POLL_LIMIT {
        if (hal.mmio_read32(qreg(queue, rxq::Q_STATUS))? & qstatus::ENABLED != 0) == enable {
            return Ok(());
        }
    }
    Err(DriverError::QueueStateTimeout { queue, enable })
}
