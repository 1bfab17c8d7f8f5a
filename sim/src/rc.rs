//! The root-complex model: host memory, the NIC's DMA requests, MMIO,
//! MSI-X interrupts.
//!
//! Pure Rust, no simulator needed: it consumes the TLPs the NIC sent
//! ([`NicTlp`]) and produces the completions to send back as encoded input
//! records (see `ffi.rs`), each stamped with the cycle before which the
//! harness must not present it. That stamp is how read latency is modelled:
//! the C++ loop keeps running and releases the completion when its cycle
//! comes, with no round trip to Rust.
//!
//! Every deviation from the rules in `docs/interfaces.md` becomes a
//! [`Violation`]; nothing the device does makes the model panic. A request
//! with any violation is not applied: a bad MemWr is discarded, a bad MemRd
//! is answered with an Unsupported Request completion (so the NIC does not
//! hang waiting for data).
//!
//! # Interrupts
//!
//! Like an x86 host, the RC decodes an address window
//! ([`RcConfig::msi_base`], [`RcConfig::msi_window_bytes`]) outside host
//! memory as MSI messages. [`RootComplex::irq_alloc`] gives vector `v` the
//! message address `msi_base + 4 * slot` (the lowest free slot) and the data
//! `((v + 1) << 16) | (n & 0xFFFF)`, `n` counting allocations: the upper half
//! names the vector, the lower half tells apart successive allocations of
//! the same slot, so a device that keeps sending a freed message is caught.
//! A MemWr into the window is never written to memory: if it is exactly an
//! allocated message (Length 1, First BE 1111b, Last BE 0000b, 3-DW header,
//! the address and data of a live allocation) while MSI-X is enabled and
//! the function unmasked in config space, and breaks no general rule, the
//! vector's pending count (for [`RootComplex::irq_take`]) and total go up
//! and it is logged with its cycle; anything else is a violation
//! ([`ViolationKind::InterruptMessage`], [`ViolationKind::InterruptDisabled`])
//! and is not counted.
//!
//! # DMA guard
//!
//! With [`RcConfig::dma_guard`] (the default in the simulator), the RC also
//! runs a [`DmaGuard`]: it snoops the BAR0 writes the RC sends
//! ([`RootComplex::mmio_write_request`]) to follow each RX queue's rings,
//! doorbells and enable bit, and checks every DMA request outside the MSI
//! window against them: a frame write must land in a buffer posted to its
//! queue and not yet completed, a completion record must be the next one of
//! its ring, in a free slot, and agree with the oldest outstanding
//! descriptor, a descriptor read must stay within what was posted (rules:
//! `monitor.rs`, docs/interfaces.md). Its violations follow the rule above,
//! except that a completion record whose placement is right but whose
//! content is wrong ([`ViolationKind::CompletionRecord`],
//! [`ViolationKind::MisplacedFrame`]) is still written, so the driver sees
//! what the device sent.

use std::fmt;

use nic_hal::{HalError, MsiMessage};

use nic_spec::tlp::{CPL_STATUS_SC, CPL_STATUS_UR, PAGE_BOUNDARY};

use crate::ffi::{FLAG_NO_SOP, FLAG_OVERFLOW, FLAG_TRUNCATED, IN_HDR_WORDS};
use crate::mem::HostMemory;
use crate::monitor::{DmaGuard, WriteBytes};
use crate::tlp::{self, Header};

/// Bus/device/function of the root port: requester ID of MMIO requests and
/// completer ID of DMA read completions.
pub const RC_ID: u16 = 0x0000;

/// What the RC checks against, and how it answers.
#[derive(Clone, Debug)]
pub struct RcConfig {
    /// The NIC's ID (`cfg_requester_id`).
    pub requester_id: u16,
    pub bus_master_enable: bool,
    pub max_payload_size: u32,
    pub max_read_request_size: u32,
    pub rcb_bytes: u32,
    pub dma_read_latency_cycles: u64,
    pub bar0_base: u64,
    /// Start of the MSI address window (outside host memory).
    pub msi_base: u64,
    /// Its size in bytes: room for `msi_window_bytes / 4` live messages.
    pub msi_window_bytes: u64,
    /// Run the DMA guard ([`DmaGuard`]): check DMA against the RX rings the
    /// driver programmed through MMIO.
    pub dma_guard: bool,
}

/// MSI-X vectors a function can have (Table Size is an 11-bit N-1).
pub const MSIX_MAX_VECTORS: u16 = 2048;

/// Entries [`RootComplex::interrupt_log`] holds; when full, the older half is dropped.
pub const INTERRUPT_LOG_CAP: usize = 1 << 16;

/// An interrupt the RC accepted: the cycle of its MemWr and its vector.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Interrupt {
    pub cycle: u64,
    pub vector: u16,
}

/// Which NIC output a TLP came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// `m_tlp_req_*`: DMA MemWr/MemRd.
    Request,
    /// `m_tlp_cpl_*`: answers to MMIO reads.
    Completion,
}

/// One TLP as the NIC sent it.
#[derive(Clone, Copy, Debug)]
pub struct NicTlp<'a> {
    pub stream: Stream,
    /// Cycle of its last beat.
    pub cycle: u64,
    /// Completions the NIC had fully accepted before that cycle (mod 2^32).
    pub cpl_accepted: u32,
    /// Framing problems seen by the harness (`FLAG_*` in ffi.rs).
    pub flags: u32,
    /// Beats it took.
    pub beats: u32,
    pub hdr: Header,
    /// Data of the stored beats, 4 DWs per beat (lanes past Length are don't-care).
    pub data: &'a [u32],
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ViolationKind {
    /// Framing (sop/eop), unknown Fmt/Type, reserved bits, Length vs beats.
    Malformed,
    /// A request while `cfg_bus_master_enable` is 0.
    BusMasterDisabled,
    /// MemWr payload above Max Payload Size.
    PayloadTooLarge,
    /// MemRd above Max Read Request Size.
    ReadTooLarge,
    /// A request crossing a 4 KiB boundary.
    Crosses4k,
    ByteEnables,
    /// Requester ID differs from `cfg_requester_id`.
    RequesterId,
    /// 4-DW header for an address below 4 GiB, or nonzero address bits [1:0].
    AddressFormat,
    /// TC other than 0, TH/TD/EP set.
    TcAttr,
    /// MemRd reusing the tag of a read still being completed.
    TagInUse,
    /// MemWr outside allocated host memory (discarded).
    UnallocatedWrite,
    /// MemRd outside allocated host memory (answered with UR).
    UnallocatedRead,
    /// A completion from the NIC matching no outstanding MMIO read.
    UnexpectedCompletion,
    /// A completion from the NIC with wrong fields (IDs, byte count, lower address, length).
    CompletionFields,
    /// A completion from the NIC with a status other than Successful.
    CompletionStatus,
    /// An MMIO read got no completion in time.
    MmioTimeout,
    /// A MemWr into the MSI window that is not exactly an allocated message:
    /// wrong Length or byte enables, 4-DW header, an address no live
    /// allocation has (freed or never allocated), data other than the
    /// address's message data (not counted).
    InterruptMessage,
    /// An MSI-X message while MSI-X is disabled or the function is masked
    /// in config space (not counted).
    InterruptDisabled,
    /// DMA guard: a MemWr (not into a completion ring or the MSI window)
    /// with a byte outside every buffer posted and not yet completed on a
    /// queue: never posted, already completed, or past the buffer's end
    /// (discarded).
    UnpostedWrite,
    /// DMA guard: a completion record's frame was not written into its
    /// descriptor's buffer: the bytes written there since posting are not
    /// exactly `LEN` bytes from its start (the frame went to another queue's
    /// or descriptor's buffer, or was cut short). Reported at the record;
    /// the record is written.
    MisplacedFrame,
    /// DMA guard: a MemWr into a completion ring that is not the queue's
    /// next record (records are written in order), or not inside the ring
    /// (discarded).
    CompletionSlot,
    /// DMA guard: a completion record written over one the driver has not
    /// released with `CPL_CONS` (ring full; discarded).
    CompletionOverwrite,
    /// DMA guard: a completion record disagreeing with the oldest outstanding
    /// descriptor (`DESC_IDX` out of order, `BUF_ID`, `QUEUE`, `LEN`,
    /// `STATUS.BAD_DESC`), with the wrong `PHASE`, its `PHASE` written before
    /// the rest, or with no descriptor outstanding. The record is written.
    CompletionRecord,
    /// DMA guard: a MemRd of descriptor ring slots the driver has not posted
    /// (beyond `DESC_PROD`, or already completed) (answered with UR).
    UnpostedDescriptorRead,
    /// DMA guard, host side: a `DESC_PROD` doorbell posting more descriptors
    /// than the ring has room for (or moving backwards). The guard ignores it.
    BadDoorbell,
    /// DMA guard, host side: a `DESC_PROD` doorbell posting a descriptor
    /// whose buffer is pinned: lent to the application ([`nic_hal::Hal::dma_pin`]),
    /// so it must not go back to the device before the last handle drops.
    PinnedBufferPosted,
    /// A MemWr into host memory that is pinned (lent to the application for
    /// zero-copy reads); always checked, guard or not (discarded).
    PinnedWrite,
}

impl ViolationKind {
    /// Is this one of the DMA guard's kinds?
    pub fn is_dma_guard(self) -> bool {
        matches!(
            self,
            ViolationKind::UnpostedWrite
                | ViolationKind::MisplacedFrame
                | ViolationKind::CompletionSlot
                | ViolationKind::CompletionOverwrite
                | ViolationKind::CompletionRecord
                | ViolationKind::UnpostedDescriptorRead
                | ViolationKind::BadDoorbell
                | ViolationKind::PinnedBufferPosted
        )
    }
}

/// A rule the device broke.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub cycle: u64,
    pub kind: ViolationKind,
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cycle {}: {:?}: {}", self.cycle, self.kind, self.detail)
    }
}

/// Traffic counters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// DMA writes applied / their bytes (first to last enabled byte).
    pub mem_wr_tlps: u64,
    pub mem_wr_bytes: u64,
    /// DMA reads received / bytes requested (first to last enabled byte).
    pub mem_rd_tlps: u64,
    pub mem_rd_bytes: u64,
    /// Completions sent to the NIC / their payload bytes.
    pub cpl_tlps: u64,
    pub cpl_bytes: u64,
    /// Unsupported Request completions sent to the NIC.
    pub ur_cpls: u64,
    /// MemWr discarded because of a violation.
    pub dropped_writes: u64,
    /// MMIO requests to the NIC and completions from it.
    pub mmio_writes: u64,
    pub mmio_reads: u64,
    pub mmio_cpls: u64,
    /// MMIO accesses that never reached the NIC because Command.Memory
    /// Space Enable was clear (reads returned all-ones, writes were dropped).
    pub mmio_unclaimed: u64,
    /// MSI-X messages accepted (interrupts counted).
    pub interrupts: u64,
    pub violations: u64,
}

/// A vector's live interrupt.
#[derive(Clone, Copy, Debug)]
struct IrqAlloc {
    slot: u32,
    data: u32,
    /// Arrived and not yet taken.
    pending: u32,
}

#[derive(Clone, Copy, Debug)]
struct MmioRead {
    offset: u32,
    result: Option<u32>,
}

/// The root complex: host memory plus request/completion handling.
pub struct RootComplex {
    pub mem: HostMemory,
    cfg: RcConfig,
    /// Per tag: completion sequence number one past the tag's last completion.
    tag_end: [u32; 256],
    /// Completions scheduled so far (mod 2^32, like `NicTlp::cpl_accepted`).
    cpl_seq: u32,
    mmio: Vec<Option<MmioRead>>,
    next_mmio_tag: u8,
    violations: Vec<Violation>,
    stats: Stats,
    scratch: Vec<u8>,
    /// Per vector: its live interrupt.
    irq_vectors: Vec<Option<IrqAlloc>>,
    /// Per window slot: the vector holding it.
    irq_slots: Vec<Option<u16>>,
    /// Per vector: messages accepted since the RC was built.
    irq_totals: Vec<u64>,
    /// Sum of the pending counts.
    irq_pending: u64,
    /// Allocations made (the low half of the message data).
    irq_seq: u32,
    irq_log: Vec<Interrupt>,
    /// MSI-X Message Control as config space has it.
    msix_enable: bool,
    msix_function_mask: bool,
    /// A TLP was already presented on m_tlp_req when MSI-X was last closed:
    /// the next request TLP may still be a message.
    msix_grace: bool,
    /// A TLP was already presented on m_tlp_req when Bus Master Enable was
    /// last cleared: the next request TLP is not held against the device.
    bme_grace: bool,
    guard: Option<DmaGuard>,
}

impl RootComplex {
    pub fn new(cfg: RcConfig, mem: HostMemory) -> Self {
        let guard = cfg.dma_guard.then(DmaGuard::new);
        RootComplex {
            mem,
            cfg,
            tag_end: [0; 256],
            cpl_seq: 0,
            mmio: vec![None; 256],
            next_mmio_tag: 0,
            violations: Vec::new(),
            stats: Stats::default(),
            scratch: Vec::with_capacity(4096 + 8),
            irq_vectors: Vec::new(),
            irq_slots: Vec::new(),
            irq_totals: Vec::new(),
            irq_pending: 0,
            irq_seq: 0,
            irq_log: Vec::new(),
            msix_enable: false,
            msix_function_mask: false,
            msix_grace: false,
            bme_grace: false,
            guard,
        }
    }

    /// The DMA guard, when [`RcConfig::dma_guard`] is on.
    pub fn dma_guard(&self) -> Option<&DmaGuard> {
        self.guard.as_ref()
    }

    /// The NIC was reset (`rst`): the DMA guard forgets every queue.
    pub fn device_reset(&mut self) {
        if let Some(g) = self.guard.as_mut() {
            g.reset();
        }
    }

    pub fn config(&self) -> &RcConfig {
        &self.cfg
    }
    /// Command.Bus Master Enable from now on. `in_flight`: a TLP is already
    /// presented on `m_tlp_req` (the NIC cannot take it back); when this call
    /// clears the bit, that next request TLP is not a violation.
    pub fn set_bus_master_enable(&mut self, on: bool, in_flight: bool) {
        if self.cfg.bus_master_enable && !on {
            self.bme_grace = in_flight;
        } else if on {
            self.bme_grace = false;
        }
        self.cfg.bus_master_enable = on;
    }
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }
    pub fn take_violations(&mut self) -> Vec<Violation> {
        std::mem::take(&mut self.violations)
    }
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Records a violation (also used by the simulator for MMIO timeouts).
    pub fn violation(&mut self, cycle: u64, kind: ViolationKind, detail: String) {
        self.stats.violations += 1;
        self.violations.push(Violation { cycle, kind, detail });
    }

    /// Handles one TLP from the NIC; completions to send back are appended
    /// to `cpl_out` as harness input records.
    pub fn handle(&mut self, t: &NicTlp<'_>, cpl_out: &mut Vec<u32>) {
        if t.flags & (FLAG_NO_SOP | FLAG_TRUNCATED | FLAG_OVERFLOW) != 0 {
            let what = match t.flags {
                f if f & FLAG_NO_SOP != 0 => "first beat without sop",
                f if f & FLAG_TRUNCATED != 0 => "sop before the previous TLP's eop",
                _ => "more beats than any legal TLP",
            };
            self.violation(
                t.cycle,
                ViolationKind::Malformed,
                format!("{:?} stream: {what} (hdr {:08x?})", t.stream, t.hdr),
            );
            return;
        }
        match t.stream {
            Stream::Request => self.handle_request(t, cpl_out),
            Stream::Completion => self.handle_completion(t),
        }
    }

    fn handle_request(&mut self, t: &NicTlp<'_>, cpl_out: &mut Vec<u32>) {
        let grace = std::mem::take(&mut self.msix_grace);
        let bme_grace = std::mem::take(&mut self.bme_grace);
        let h = &t.hdr;
        if !tlp::is_mem(h) {
            let what = if tlp::is_cpl(h) { "a completion on the requester stream" } else { "unknown Fmt/Type" };
            self.violation(t.cycle, ViolationKind::Malformed, format!("{what}: hdr {h:08x?}"));
            return;
        }
        let write = tlp::has_data(h);
        let addr = tlp::address(h);
        let len_dw = tlp::length_dw(h);
        let len = u64::from(len_dw) * 4;
        let (fbe, lbe) = (tlp::first_be(h), tlp::last_be(h));
        let what = if write { "MemWr" } else { "MemRd" };
        let n0 = self.violations.len();

        if !self.cfg.bus_master_enable && !bme_grace {
            self.violation(
                t.cycle,
                ViolationKind::BusMasterDisabled,
                format!("{what} {addr:#x} while bus mastering is disabled"),
            );
        }
        let want_beats = if write { len_dw.div_ceil(4) } else { 1 };
        if t.beats != want_beats {
            self.violation(
                t.cycle,
                ViolationKind::Malformed,
                format!("{what} {addr:#x} Length {len_dw} DW in {} beats, expected {want_beats}", t.beats),
            );
        }
        if tlp::dw0_reserved(h) != 0 {
            self.violation(
                t.cycle,
                ViolationKind::Malformed,
                format!("{what} {addr:#x} reserved DW0 bits set: {:#010x}", h[0]),
            );
        }
        if tlp::tc(h) != 0 || tlp::th(h) || tlp::td(h) || tlp::ep(h) {
            self.violation(
                t.cycle,
                ViolationKind::TcAttr,
                format!(
                    "{what} {addr:#x}: TC {} TH {} TD {} EP {} (expected TC0, no hints, digest or poison)",
                    tlp::tc(h),
                    tlp::th(h) as u8,
                    tlp::td(h) as u8,
                    tlp::ep(h) as u8
                ),
            );
        }
        if tlp::is_4dw(h) && addr >> 32 == 0 {
            self.violation(
                t.cycle,
                ViolationKind::AddressFormat,
                format!("{what} {addr:#x}: 4-DW header for an address below 4 GiB"),
            );
        }
        if tlp::address_low_bits(h) != 0 {
            self.violation(
                t.cycle,
                ViolationKind::AddressFormat,
                format!("{what} {addr:#x}: address bits [1:0] = {}", tlp::address_low_bits(h)),
            );
        }
        if tlp::requester_id(h) != self.cfg.requester_id {
            self.violation(
                t.cycle,
                ViolationKind::RequesterId,
                format!(
                    "{what} {addr:#x}: requester ID {:#06x}, configured {:#06x}",
                    tlp::requester_id(h),
                    self.cfg.requester_id
                ),
            );
        }
        if let Err(why) = tlp::check_byte_enables(addr, len_dw, fbe, lbe) {
            self.violation(
                t.cycle,
                ViolationKind::ByteEnables,
                format!("{what} {addr:#x} len {len_dw} FBE {fbe:04b} LBE {lbe:04b}: {why}"),
            );
        }
        if tlp::crosses_page(addr, len) {
            self.violation(
                t.cycle,
                ViolationKind::Crosses4k,
                format!("{what} {addr:#x}+{len} crosses a {PAGE_BOUNDARY}-byte boundary"),
            );
        }
        // Enabled byte range.
        let (lead, trail) = tlp::be_trim(len_dw, fbe, lbe);
        let start = addr + lead;
        let zero_length = len_dw == 1 && fbe == 0;
        let nbytes = if zero_length { 0 } else { (len - lead).saturating_sub(trail) };

        if write {
            if len > u64::from(self.cfg.max_payload_size) {
                self.violation(
                    t.cycle,
                    ViolationKind::PayloadTooLarge,
                    format!("MemWr {addr:#x}: {len} bytes > Max Payload Size {}", self.cfg.max_payload_size),
                );
            }
            if addr.wrapping_sub(self.cfg.msi_base) < self.cfg.msi_window_bytes {
                self.handle_interrupt(t, addr, n0, grace);
                return;
            }
            if !self.mem.contains(start, nbytes as usize) {
                self.violation(
                    t.cycle,
                    ViolationKind::UnallocatedWrite,
                    format!("MemWr {addr:#x}+{len} outside allocated host memory (discarded)"),
                );
            }
            if self.mem.is_pinned(start, nbytes as usize) {
                self.violation(
                    t.cycle,
                    ViolationKind::PinnedWrite,
                    format!("MemWr {addr:#x}+{len} into memory lent to the application (discarded)"),
                );
            }
            self.fill_scratch(len_dw, t.data);
            // The guard judges what the device sent, applied or not.
            let n1 = self.violations.len();
            let mut allowed = true;
            if let Some(g) = self.guard.as_mut() {
                let lead = lead as usize;
                let data = self.scratch.get(lead..lead + nbytes as usize).unwrap_or(&[]);
                let enabled = (len_dw <= 2).then(|| ((u16::from(fbe & 0xF) | u16::from(lbe & 0xF) << 4) >> lead) as u8);
                let w = WriteBytes { addr: start, data, enabled };
                allowed = g.check_write(t.cycle, &w, &mut self.violations);
                self.stats.violations += (self.violations.len() - n1) as u64;
            }
            if n1 != n0 || !allowed {
                self.stats.dropped_writes += 1;
                return;
            }
            self.apply_scratch(addr, len_dw, fbe, lbe);
            self.stats.mem_wr_tlps += 1;
            self.stats.mem_wr_bytes += nbytes;
        } else {
            if len > u64::from(self.cfg.max_read_request_size) {
                self.violation(
                    t.cycle,
                    ViolationKind::ReadTooLarge,
                    format!("MemRd {addr:#x}: {len} bytes > Max Read Request Size {}", self.cfg.max_read_request_size),
                );
            }
            let tag = tlp::tag(h);
            // Busy while not all of its completions were accepted (wrapping compare).
            let pending = self.tag_end[usize::from(tag)].wrapping_sub(t.cpl_accepted) as i32;
            if pending > 0 {
                self.violation(
                    t.cycle,
                    ViolationKind::TagInUse,
                    format!("MemRd {addr:#x}: tag {tag} still has {pending} completion(s) outstanding"),
                );
            }
            if !self.mem.contains(start, nbytes as usize) {
                self.violation(
                    t.cycle,
                    ViolationKind::UnallocatedRead,
                    format!("MemRd {addr:#x}+{len} outside allocated host memory (answered UR)"),
                );
            }
            if let Some(g) = self.guard.as_mut() {
                let n1 = self.violations.len();
                g.check_read(t.cycle, start, nbytes, &mut self.violations);
                self.stats.violations += (self.violations.len() - n1) as u64;
            }
            self.stats.mem_rd_tlps += 1;
            self.stats.mem_rd_bytes += nbytes;
            let not_before = t.cycle + self.cfg.dma_read_latency_cycles;
            if self.violations.len() != n0 {
                let bc = if nbytes == 0 { 1 } else { nbytes as u32 };
                let hdr = tlp::completion(
                    tlp::tc_attr_bits(h),
                    0,
                    RC_ID,
                    CPL_STATUS_UR,
                    bc,
                    tlp::requester_id(h),
                    tag,
                    (start & 0x7F) as u32,
                );
                self.push_cpl(cpl_out, &hdr, &[], not_before);
                self.stats.ur_cpls += 1;
            } else {
                self.complete_read(h, addr, len_dw, start, nbytes, not_before, cpl_out);
            }
            self.tag_end[usize::from(tag)] = self.cpl_seq;
        }
    }

    /// Decodes a MemWr into the MSI window (the general request checks are
    /// done; `n0` is the violation count before them).
    fn handle_interrupt(&mut self, t: &NicTlp<'_>, addr: u64, n0: usize, grace: bool) {
        let h = &t.hdr;
        let (len_dw, fbe, lbe) = (tlp::length_dw(h), tlp::first_be(h), tlp::last_be(h));
        let slot = (addr - self.cfg.msi_base) / 4;
        let owner = usize::try_from(slot).ok().and_then(|s| self.irq_slots.get(s).copied().flatten());
        let alloc = owner.and_then(|v| self.irq_vectors.get(usize::from(v)).copied().flatten().map(|a| (v, a)));
        let data = if tlp::has_data(h) { t.data.first().copied() } else { None };
        // Built only when something is wrong: the good path does not allocate.
        let mut why = String::new();
        let bad = |w: &mut String, s: fmt::Arguments<'_>| {
            use std::fmt::Write as _;
            if !w.is_empty() {
                w.push_str(", ");
            }
            let _ = w.write_fmt(s);
        };
        if len_dw != 1 || t.beats != 1 {
            bad(&mut why, format_args!("Length {len_dw} DW in {} beat(s) (a message is 1 DW)", t.beats));
        }
        if fbe != 0xF || lbe != 0 {
            bad(&mut why, format_args!("First/Last BE {fbe:04b}/{lbe:04b} (a message has 1111/0000)"));
        }
        // A 4-DW header below 4 GiB is already an AddressFormat violation (the
        // general request checks): not reported twice.
        match (alloc, data) {
            (None, _) => bad(&mut why, format_args!("no vector has this address (freed or never allocated)")),
            (Some((v, a)), Some(d)) if d != a.data => bad(
                &mut why,
                format_args!("data {d:#010x}, but vector {v}'s message at this address has data {:#010x}", a.data),
            ),
            (Some(_), None) => bad(&mut why, format_args!("no payload")),
            _ => {}
        }
        if !why.is_empty() {
            self.violation(
                t.cycle,
                ViolationKind::InterruptMessage,
                format!("MemWr {addr:#x} into the MSI window: {why}"),
            );
        }
        if let Some((v, _)) = alloc {
            let open = self.msix_enable && !self.msix_function_mask;
            if why.is_empty() && !grace && !open {
                let state = if self.msix_enable { "the function is masked" } else { "MSI-X is disabled" };
                self.violation(
                    t.cycle,
                    ViolationKind::InterruptDisabled,
                    format!("MSI-X message for vector {v} while {state} in config space"),
                );
            }
        }
        if self.violations.len() != n0 {
            self.stats.dropped_writes += 1;
            return;
        }
        let Some((v, _)) = alloc else { return };
        if let Some(Some(a)) = self.irq_vectors.get_mut(usize::from(v)) {
            if a.pending < u32::MAX {
                a.pending += 1;
                self.irq_pending += 1;
            }
        }
        if let Some(n) = self.irq_totals.get_mut(usize::from(v)) {
            *n += 1;
        }
        if self.irq_log.len() >= INTERRUPT_LOG_CAP {
            self.irq_log.drain(..INTERRUPT_LOG_CAP / 2);
        }
        self.irq_log.push(Interrupt { cycle: t.cycle, vector: v });
        self.stats.interrupts += 1;
    }

    // ------------------------------------------------------------ interrupts

    fn message(&self, a: &IrqAlloc) -> MsiMessage {
        MsiMessage { addr: self.cfg.msi_base + 4 * u64::from(a.slot), data: a.data }
    }

    /// Assigns MSI-X `vector` a message (see the module docs); a live
    /// vector gets its current one. Fails for a vector beyond
    /// [`MSIX_MAX_VECTORS`] or when the window is full.
    pub fn irq_alloc(&mut self, vector: u16) -> Result<MsiMessage, HalError> {
        if vector >= MSIX_MAX_VECTORS {
            return Err(HalError::NoInterrupt { vector });
        }
        let v = usize::from(vector);
        if let Some(Some(a)) = self.irq_vectors.get(v) {
            return Ok(self.message(a));
        }
        let capacity = usize::try_from(self.cfg.msi_window_bytes / 4).unwrap_or(usize::MAX);
        let slot = match self.irq_slots.iter().position(Option::is_none) {
            Some(s) => s,
            None if self.irq_slots.len() < capacity => {
                self.irq_slots.push(None);
                self.irq_slots.len() - 1
            }
            None => return Err(HalError::NoInterrupt { vector }),
        };
        self.irq_slots[slot] = Some(vector);
        self.irq_seq = self.irq_seq.wrapping_add(1);
        let a =
            IrqAlloc { slot: slot as u32, data: (u32::from(vector) + 1) << 16 | (self.irq_seq & 0xFFFF), pending: 0 };
        if self.irq_vectors.len() <= v {
            self.irq_vectors.resize(v + 1, None);
            self.irq_totals.resize(v + 1, 0);
        }
        self.irq_vectors[v] = Some(a);
        Ok(self.message(&a))
    }

    /// Releases `vector`'s message (its pending count is dropped); a
    /// message for it arriving later is a violation.
    pub fn irq_free(&mut self, vector: u16) {
        let Some(a) = self.irq_vectors.get_mut(usize::from(vector)).and_then(Option::take) else { return };
        self.irq_pending -= u64::from(a.pending);
        if let Some(s) = self.irq_slots.get_mut(a.slot as usize) {
            *s = None;
        }
    }

    /// The interrupts that arrived on `vector` since the previous call.
    pub fn irq_take(&mut self, vector: u16) -> u32 {
        match self.irq_vectors.get_mut(usize::from(vector)) {
            Some(Some(a)) => {
                self.irq_pending -= u64::from(a.pending);
                std::mem::take(&mut a.pending)
            }
            _ => 0,
        }
    }

    /// The message `vector` has now, if it has one.
    pub fn irq_message(&self, vector: u16) -> Option<MsiMessage> {
        self.irq_vectors.get(usize::from(vector)).copied().flatten().map(|a| self.message(&a))
    }

    /// Has any vector an interrupt not yet taken?
    pub fn interrupts_pending(&self) -> bool {
        self.irq_pending != 0
    }

    /// Messages accepted on `vector` since the RC was built (freeing does not reset it).
    pub fn interrupt_count(&self, vector: u16) -> u64 {
        self.irq_totals.get(usize::from(vector)).copied().unwrap_or(0)
    }

    /// Accepted interrupts in arrival order (the latest
    /// [`INTERRUPT_LOG_CAP`] / 2 at least, when more arrived).
    pub fn interrupt_log(&self) -> &[Interrupt] {
        &self.irq_log
    }

    /// Hands over the log and empties it.
    pub fn take_interrupt_log(&mut self) -> Vec<Interrupt> {
        std::mem::take(&mut self.irq_log)
    }

    /// MSI-X Message Control (Enable, Function Mask) as config space has it
    /// from now on. `in_flight`: a TLP is already presented on `m_tlp_req`,
    /// which the NIC cannot take back; when this call closes MSI-X (disables
    /// or masks it), that next request TLP is not held against the device.
    pub fn set_msix_control(&mut self, enable: bool, function_mask: bool, in_flight: bool) {
        let was_open = self.msix_enable && !self.msix_function_mask;
        self.msix_enable = enable;
        self.msix_function_mask = function_mask;
        let open = enable && !function_mask;
        if was_open && !open {
            self.msix_grace = in_flight;
        } else if open {
            self.msix_grace = false;
        }
    }

    /// Lays out a MemWr's `len_dw` payload DWs as bytes in `scratch` (zeros
    /// where the TLP carried fewer).
    fn fill_scratch(&mut self, len_dw: u32, data: &[u32]) {
        let n = len_dw as usize;
        self.scratch.clear();
        for dw in data.iter().take(n) {
            self.scratch.extend_from_slice(&dw.to_le_bytes());
        }
        self.scratch.resize(n * 4, 0);
    }

    /// Writes the payload in `scratch` honouring the byte enables (range
    /// already checked).
    fn apply_scratch(&mut self, addr: u64, len_dw: u32, fbe: u8, lbe: u8) {
        let n = len_dw as usize;
        let (lead, trail) = tlp::be_trim(len_dw, fbe, lbe);
        let (lead, trail) = (lead as usize, trail as usize);
        let total = n * 4;
        if total <= lead + trail {
            return; // zero-length write
        }
        let Some(dst) = self.mem.slice_mut(addr + lead as u64, total - lead - trail) else { return };
        if n <= 2 {
            // Byte enables may have holes: go byte by byte.
            for (i, d) in dst.iter_mut().enumerate() {
                let b = lead + i;
                let be = if b < 4 { fbe >> b } else { lbe >> (b - 4) };
                if be & 1 == 1 {
                    *d = self.scratch[b];
                }
            }
        } else {
            dst.copy_from_slice(&self.scratch[lead..total - trail]);
        }
    }

    /// Answers a good MemRd with CplDs split at the RCB, in address order.
    #[allow(clippy::too_many_arguments)]
    fn complete_read(
        &mut self,
        h: &Header,
        addr: u64,
        len_dw: u32,
        start: u64,
        nbytes: u64,
        not_before: u64,
        cpl_out: &mut Vec<u32>,
    ) {
        let rcb = u64::from(self.cfg.rcb_bytes.max(4));
        let end = addr + u64::from(len_dw) * 4;
        // Last byte the request covers (+1); a zero-length read counts 1 byte.
        let byte_end = start + nbytes.max(1);
        let (req_id, tag, tc_attr) = (tlp::requester_id(h), tlp::tag(h), tlp::tc_attr_bits(h));
        let mut a = addr;
        let mut first = true;
        while a < end {
            let b = ((a / rcb) + 1) * rcb;
            let b = b.min(end);
            let ndw = ((b - a) / 4) as u32;
            let from = if first { start } else { a };
            let bc = (byte_end - from) as u32;
            let hdr = tlp::completion(tc_attr, ndw, RC_ID, CPL_STATUS_SC, bc, req_id, tag, (from & 0x7F) as u32);
            let base = cpl_out.len();
            cpl_out.extend_from_slice(&[ndw, 0, not_before as u32, (not_before >> 32) as u32]);
            cpl_out.extend_from_slice(&hdr);
            self.read_dws(a, ndw, cpl_out);
            debug_assert_eq!(cpl_out.len(), base + IN_HDR_WORDS + ndw as usize);
            self.cpl_seq = self.cpl_seq.wrapping_add(1);
            self.stats.cpl_tlps += 1;
            self.stats.cpl_bytes += u64::from(ndw) * 4;
            first = false;
            a = b;
        }
    }

    /// Appends `ndw` DWs of memory at `addr`; bytes outside the allocation
    /// (only possible where byte enables are off) read as 0.
    fn read_dws(&self, addr: u64, ndw: u32, out: &mut Vec<u32>) {
        let len = ndw as usize * 4;
        if let Some(s) = self.mem.slice(addr, len) {
            out.extend(s.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])));
            return;
        }
        for k in 0..u64::from(ndw) {
            let mut b = [0u8; 4];
            for (i, byte) in b.iter_mut().enumerate() {
                if let Some(s) = self.mem.slice(addr + k * 4 + i as u64, 1) {
                    *byte = s[0];
                }
            }
            out.push(u32::from_le_bytes(b));
        }
    }

    fn push_cpl(&mut self, cpl_out: &mut Vec<u32>, hdr: &Header, payload: &[u32], not_before: u64) {
        cpl_out.extend_from_slice(&[payload.len() as u32, 0, not_before as u32, (not_before >> 32) as u32]);
        cpl_out.extend_from_slice(hdr);
        cpl_out.extend_from_slice(payload);
        self.cpl_seq = self.cpl_seq.wrapping_add(1);
        self.stats.cpl_tlps += 1;
        self.stats.cpl_bytes += payload.len() as u64 * 4;
    }

    // ------------------------------------------------------------ MMIO

    /// Allocates a tag and builds the 1-DW MemRd for BAR0 + `offset`.
    pub fn mmio_read_request(&mut self, offset: u32) -> (u8, Header) {
        let mut tag = self.next_mmio_tag;
        for _ in 0..256 {
            if self.mmio[usize::from(tag)].is_none() {
                break;
            }
            tag = tag.wrapping_add(1);
        }
        self.next_mmio_tag = tag.wrapping_add(1);
        self.mmio[usize::from(tag)] = Some(MmioRead { offset, result: None });
        self.stats.mmio_reads += 1;
        (tag, tlp::mem_request(false, self.cfg.bar0_base + u64::from(offset), 1, 0xF, 0, RC_ID, tag))
    }

    /// Counts an MMIO access the function did not claim (memory space disabled).
    pub fn mmio_unclaimed(&mut self) {
        self.stats.mmio_unclaimed += 1;
    }

    /// Builds the 1-DW MemWr of `value` to BAR0 + `offset`, sent at `cycle`
    /// (the DMA guard snoops it).
    pub fn mmio_write_request(&mut self, offset: u32, value: u32, cycle: u64) -> Header {
        self.stats.mmio_writes += 1;
        if let Some(g) = self.guard.as_mut() {
            let n1 = self.violations.len();
            g.mmio_write(cycle, offset, value, &self.mem, &mut self.violations);
            self.stats.violations += (self.violations.len() - n1) as u64;
        }
        tlp::mem_request(true, self.cfg.bar0_base + u64::from(offset), 1, 0xF, 0, RC_ID, 0)
    }

    /// The answer to the MMIO read with `tag`, once it arrived (frees the tag).
    pub fn take_mmio_result(&mut self, tag: u8) -> Option<u32> {
        let slot = &mut self.mmio[usize::from(tag)];
        let v = slot.as_ref()?.result?;
        *slot = None;
        Some(v)
    }

    /// Gives up on the MMIO read with `tag`: records the timeout.
    pub fn mmio_timed_out(&mut self, tag: u8, cycle: u64, waited: u64) {
        if let Some(r) = self.mmio[usize::from(tag)].take() {
            self.violation(
                cycle,
                ViolationKind::MmioTimeout,
                format!("MMIO read of BAR0+{:#x} (tag {tag}) got no completion in {waited} cycles", r.offset),
            );
        }
    }

    fn handle_completion(&mut self, t: &NicTlp<'_>) {
        let h = &t.hdr;
        if !tlp::is_cpl(h) {
            self.violation(
                t.cycle,
                ViolationKind::Malformed,
                format!("not a completion on the completer stream: hdr {h:08x?}"),
            );
            return;
        }
        self.stats.mmio_cpls += 1;
        let tag = tlp::cpl_tag(h);
        let pending = match self.mmio[usize::from(tag)] {
            Some(r) if r.result.is_none() && tlp::cpl_requester_id(h) == RC_ID => r,
            _ => {
                self.violation(
                    t.cycle,
                    ViolationKind::UnexpectedCompletion,
                    format!(
                        "completion tag {tag} requester {:#06x} matches no outstanding MMIO read",
                        tlp::cpl_requester_id(h)
                    ),
                );
                return;
            }
        };
        let n0 = self.violations.len();
        let status = tlp::cpl_status(h);
        let mut value = u32::MAX; // what a CPU reads when the device fails the load
        if status != CPL_STATUS_SC {
            self.violation(
                t.cycle,
                ViolationKind::CompletionStatus,
                format!("MMIO read of BAR0+{:#x}: completion status {status:#b}", pending.offset),
            );
        } else {
            let want_la = ((self.cfg.bar0_base + u64::from(pending.offset)) & 0x7F) as u32;
            let mut bad = Vec::new();
            if tlp::completer_id(h) != self.cfg.requester_id {
                bad.push(format!("completer ID {:#06x} != {:#06x}", tlp::completer_id(h), self.cfg.requester_id));
            }
            if !tlp::has_data(h) || tlp::length_dw(h) != 1 {
                bad.push(format!("expected CplD of 1 DW, got Fmt {:#b} Length {}", tlp::fmt(h), h[0] & 0x3FF));
            }
            if tlp::byte_count(h) != 4 {
                bad.push(format!("Byte Count {} != 4", tlp::byte_count(h)));
            }
            if tlp::lower_address(h) != want_la {
                bad.push(format!("Lower Address {:#x} != {want_la:#x}", tlp::lower_address(h)));
            }
            if tlp::bcm(h) || tlp::tc(h) != 0 {
                bad.push("BCM or TC set".to_string());
            }
            if t.beats != 1 {
                bad.push(format!("{} beats", t.beats));
            }
            if !bad.is_empty() {
                self.violation(
                    t.cycle,
                    ViolationKind::CompletionFields,
                    format!("MMIO read of BAR0+{:#x}: {}", pending.offset, bad.join(", ")),
                );
            }
            if self.violations.len() == n0 || (tlp::has_data(h) && !t.data.is_empty()) {
                value = t.data.first().copied().unwrap_or(u32::MAX);
            }
        }
        if let Some(r) = self.mmio[usize::from(tag)].as_mut() {
            r.result = Some(value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nic_spec::tlp::CPL_STATUS_UR;

    const NIC_ID: u16 = 0x0100;
    const LAT: u64 = 100;
    const MSI_BASE: u64 = 0xFEE0_0000;

    fn rc() -> (RootComplex, u64) {
        let cfg = RcConfig {
            requester_id: NIC_ID,
            bus_master_enable: true,
            max_payload_size: 256,
            max_read_request_size: 512,
            rcb_bytes: 64,
            dma_read_latency_cycles: LAT,
            bar0_base: 0xF000_0000,
            msi_base: MSI_BASE,
            msi_window_bytes: 0x10_0000,
            dma_guard: false,
        };
        let mut rc = RootComplex::new(cfg, HostMemory::new(0x8000_0000, 1 << 20));
        let r = rc.mem.alloc(8192, 4096).unwrap();
        let pattern: Vec<u8> = (0..8192u32).map(|i| (i * 7 + 3) as u8).collect();
        rc.mem.write(r.bus_addr, &pattern).unwrap();
        (rc, r.bus_addr)
    }

    fn wr(addr: u64, payload: &[u32], fbe: u8, lbe: u8) -> (Header, Vec<u32>, u32) {
        let hdr = tlp::mem_request(true, addr, payload.len() as u32, fbe, lbe, NIC_ID, 0);
        let beats = (payload.len() as u32).div_ceil(4);
        let mut data = payload.to_vec();
        data.resize(beats as usize * 4, 0xDEAD_DEAD);
        (hdr, data, beats)
    }

    fn send(rc: &mut RootComplex, hdr: Header, data: &[u32], beats: u32, cycle: u64, accepted: u32) -> Vec<u32> {
        let mut out = Vec::new();
        let t = NicTlp { stream: Stream::Request, cycle, cpl_accepted: accepted, flags: 0, beats, hdr, data };
        rc.handle(&t, &mut out);
        out
    }

    fn write(rc: &mut RootComplex, addr: u64, payload: &[u32], fbe: u8, lbe: u8) {
        let (h, d, b) = wr(addr, payload, fbe, lbe);
        send(rc, h, &d, b, 10, 0);
    }

    fn read(
        rc: &mut RootComplex,
        addr: u64,
        len_dw: u32,
        fbe: u8,
        lbe: u8,
        tag: u8,
        accepted: u32,
    ) -> Vec<(u64, Header, Vec<u32>)> {
        let hdr = tlp::mem_request(false, addr, len_dw, fbe, lbe, NIC_ID, tag);
        decode(&send(rc, hdr, &[0; 4], 1, 1000, accepted))
    }

    /// Splits harness input records into (not_before, header, payload).
    fn decode(mut recs: &[u32]) -> Vec<(u64, Header, Vec<u32>)> {
        let mut v = Vec::new();
        while !recs.is_empty() {
            let n = recs[0] as usize;
            let nb = u64::from(recs[2]) | u64::from(recs[3]) << 32;
            v.push((nb, [recs[4], recs[5], recs[6], recs[7]], recs[IN_HDR_WORDS..IN_HDR_WORDS + n].to_vec()));
            recs = &recs[IN_HDR_WORDS + n..];
        }
        v
    }

    fn kinds(rc: &RootComplex) -> Vec<ViolationKind> {
        rc.violations().iter().map(|v| v.kind).collect()
    }

    fn mem_dws(rc: &RootComplex, addr: u64, n: usize) -> Vec<u32> {
        let s = rc.mem.slice(addr, n * 4).unwrap();
        s.chunks(4).map(|c| u32::from_le_bytes(c.try_into().unwrap())).collect()
    }

    #[test]
    fn completions_split_at_rcb_from_unaligned_start() {
        let (mut rc, base) = rc();
        let addr = base + 0x38;
        let cpls = read(&mut rc, addr, 40, 0xF, 0xF, 9, 0);
        assert!(rc.violations().is_empty(), "{:?}", rc.violations());
        // (DWs, Byte Count, Lower Address) per completion: 0x38..0x40, ..0x80, ..0xC0, ..0xD8.
        let want = [(2, 160, 0x38), (16, 152, 0x40), (16, 88, 0x00), (6, 24, 0x40)];
        assert_eq!(cpls.len(), want.len());
        let mut a = addr;
        for ((nb, h, p), (ndw, bc, la)) in cpls.iter().zip(want) {
            assert_eq!(*nb, 1000 + LAT);
            assert!(tlp::is_cpl(h) && tlp::has_data(h));
            assert_eq!(tlp::length_dw(h), ndw);
            assert_eq!(tlp::byte_count(h), bc);
            assert_eq!(tlp::lower_address(h), la);
            assert_eq!(tlp::cpl_status(h), CPL_STATUS_SC);
            assert_eq!(tlp::cpl_tag(h), 9);
            assert_eq!(tlp::cpl_requester_id(h), NIC_ID);
            assert_eq!(tlp::completer_id(h), RC_ID);
            assert_eq!(p, &mem_dws(&rc, a, ndw as usize));
            a += u64::from(ndw) * 4;
        }
        assert_eq!(rc.stats().cpl_tlps, 4);
    }

    #[test]
    fn byte_enables_shape_byte_count_and_lower_address() {
        let (mut rc, base) = rc();
        // First BE 1100: the read starts at byte 2; Last BE 0001: ends 3 bytes early.
        let cpls = read(&mut rc, base + 0x7C, 3, 0b1100, 0b0001, 1, 0);
        assert!(rc.violations().is_empty(), "{:?}", rc.violations());
        assert_eq!(cpls.len(), 2);
        assert_eq!((tlp::byte_count(&cpls[0].1), tlp::lower_address(&cpls[0].1)), (12 - 2 - 3, 0x7E));
        assert_eq!((tlp::byte_count(&cpls[1].1), tlp::lower_address(&cpls[1].1)), (12 - 4 - 3, 0x00));
        // 1-DW read with holes: count from first to last enabled byte.
        let cpls = read(&mut rc, base + 0x200, 1, 0b1001, 0, 2, 0);
        assert_eq!((tlp::byte_count(&cpls[0].1), tlp::lower_address(&cpls[0].1)), (4, 0x00));
        // Zero-length read: Byte Count 1, one DW of data.
        let cpls = read(&mut rc, base + 0x204, 1, 0, 0, 3, 0);
        assert_eq!((tlp::byte_count(&cpls[0].1), cpls[0].2.len()), (1, 1));
        assert!(rc.violations().is_empty(), "{:?}", rc.violations());
    }

    #[test]
    fn mps_violation_detected_and_write_dropped() {
        let (mut rc, base) = rc();
        let before = mem_dws(&rc, base, 128);
        write(&mut rc, base, &[0x1111_1111; 128], 0xF, 0xF); // 512 B > MPS 256
        assert_eq!(kinds(&rc), [ViolationKind::PayloadTooLarge]);
        assert_eq!(mem_dws(&rc, base, 128), before);
        assert_eq!(rc.stats().dropped_writes, 1);
        write(&mut rc, base, &[0x2222_2222; 64], 0xF, 0xF); // exactly MPS: fine
        assert_eq!(rc.violations().len(), 1);
        assert_eq!(mem_dws(&rc, base, 64), vec![0x2222_2222; 64]);
    }

    #[test]
    fn page_crossing_detected() {
        let (mut rc, base) = rc();
        write(&mut rc, base + 4096 - 8, &[1, 2, 3, 4], 0xF, 0xF);
        assert_eq!(kinds(&rc), [ViolationKind::Crosses4k]);
        let cpls = read(&mut rc, base + 4096 - 64, 32, 0xF, 0xF, 4, 0);
        assert_eq!(kinds(&rc), [ViolationKind::Crosses4k, ViolationKind::Crosses4k]);
        assert_eq!(cpls.len(), 1);
        assert_eq!(tlp::cpl_status(&cpls[0].1), CPL_STATUS_UR);
        // Ending exactly on the boundary is fine.
        write(&mut rc, base + 4096 - 16, &[1, 2, 3, 4], 0xF, 0xF);
        assert_eq!(rc.violations().len(), 2);
    }

    #[test]
    fn write_outside_allocation_detected_and_discarded() {
        let (mut rc, _) = rc();
        let r = rc.mem.alloc(1000, 1).unwrap();
        let end = r.bus_addr + 1000;
        write(&mut rc, end - 8, &[7, 7, 7, 7], 0xF, 0xF); // straddles the end
        write(&mut rc, end + 64, &[7], 0xF, 0); // in the guard page
        write(&mut rc, 0x10, &[7], 0xF, 0); // nowhere
        assert_eq!(kinds(&rc), [ViolationKind::UnallocatedWrite; 3]);
        assert_ne!(mem_dws(&rc, end - 8, 2), vec![7, 7], "partial write must not be applied");
        assert_eq!(rc.stats().mem_wr_tlps, 0);
        // The last enabled byte being the allocation's last byte is fine.
        write(&mut rc, end - 8, &[5, 6], 0xF, 0xF);
        assert_eq!(rc.violations().len(), 3);
        assert_eq!(mem_dws(&rc, end - 8, 2), vec![5, 6]);
    }

    #[test]
    fn read_of_unallocated_memory_gets_ur() {
        let (mut rc, _) = rc();
        let r = rc.mem.alloc(1000, 1).unwrap();
        let cpls = read(&mut rc, r.bus_addr + 1000 - 16, 8, 0xF, 0xF, 5, 0);
        assert_eq!(kinds(&rc), [ViolationKind::UnallocatedRead]);
        assert_eq!(cpls.len(), 1);
        let (nb, h, p) = &cpls[0];
        assert_eq!(*nb, 1000 + LAT);
        assert!(tlp::is_cpl(h) && !tlp::has_data(h) && p.is_empty());
        assert_eq!((tlp::cpl_status(h), tlp::cpl_tag(h)), (CPL_STATUS_UR, 5));
        assert_eq!(rc.stats().ur_cpls, 1);
    }

    #[test]
    fn byte_enable_rules() {
        let (mut rc, base) = rc();
        write(&mut rc, base, &[1], 0xF, 0xF); // 1 DW: Last BE must be 0
        write(&mut rc, base, &[1, 2, 3], 0, 0xF); // >1 DW: First BE non-zero
        write(&mut rc, base, &[1, 2, 3], 0xF, 0); // >1 DW: Last BE non-zero
        write(&mut rc, base, &[1, 2, 3], 0b0101, 0xF); // >2 DW: contiguous
        write(&mut rc, base, &[1, 2, 3], 0xF, 0b1000); // >2 DW: contiguous to the start of the last DW
        write(&mut rc, base + 4, &[1, 2], 0b1010, 0b0101); // 2 DW not QW aligned: contiguous
        assert_eq!(kinds(&rc), [ViolationKind::ByteEnables; 6]);
        assert_eq!(rc.stats().mem_wr_tlps, 0);
        // Legal: holes in a 1-DW and in a QW-aligned 2-DW write, honoured byte by byte.
        let before = rc.mem.slice(base + 0x100, 16).unwrap().to_vec();
        write(&mut rc, base + 0x100, &[0xAABB_CCDD], 0b1010, 0);
        write(&mut rc, base + 0x108, &[0x1122_3344, 0x5566_7788], 0b0101, 0b1001);
        assert!(rc.violations().len() == 6, "{:?}", rc.violations());
        let after = rc.mem.slice(base + 0x100, 16).unwrap();
        let mut want = before.clone();
        want[1] = 0xCC;
        want[3] = 0xAA;
        want[8] = 0x44;
        want[10] = 0x22;
        want[12] = 0x88;
        want[15] = 0x55;
        assert_eq!(after, &want[..]);
        // Contiguous partial write over 3 DW.
        let before = rc.mem.slice(base + 0x200, 12).unwrap().to_vec();
        write(&mut rc, base + 0x200, &[0x0403_0201, 0x0807_0605, 0x0C0B_0A09], 0b1110, 0b0011);
        let after = rc.mem.slice(base + 0x200, 12).unwrap();
        assert_eq!(after[0], before[0]);
        assert_eq!(&after[1..10], &[2, 3, 4, 5, 6, 7, 8, 9, 10]);
        assert_eq!(&after[10..], &before[10..]);
        assert_eq!(rc.stats().mem_wr_bytes, 3 + 8 + 9); // first to last enabled byte
    }

    #[test]
    fn header_rules() {
        let (mut rc, base) = rc();
        let (mut h, d, b) = wr(base, &[1], 0xF, 0);
        h[1] = (h[1] & 0xFFFF) | (0x0200 << 16); // wrong requester ID
        send(&mut rc, h, &d, b, 1, 0);
        let (mut h, d, b) = wr(base, &[1], 0xF, 0);
        h[0] |= 1 << 29; // 4-DW header for a 32-bit address
        h[3] = h[2];
        h[2] = 0;
        send(&mut rc, h, &d, b, 1, 0);
        let (mut h, d, b) = wr(base, &[1], 0xF, 0);
        h[0] |= 1 << 20 | 1 << 14; // TC1, poisoned
        send(&mut rc, h, &d, b, 1, 0);
        let (h, d, _) = wr(base, &[1, 2, 3, 4, 5], 0xF, 0xF);
        send(&mut rc, h, &d, 1, 1, 0); // 5 DW in 1 beat
        let mut h = tlp::mem_request(false, base, 1, 0xF, 0, NIC_ID, 0);
        h[0] = (h[0] & !(0x1F << 24)) | (0b00100 << 24); // CfgRd0: unknown here
        send(&mut rc, h, &[0; 4], 1, 1, 0);
        read(&mut rc, base, 256, 0xF, 0xF, 6, 0); // 1 KiB > MRRS 512
        assert_eq!(
            kinds(&rc),
            [
                ViolationKind::RequesterId,
                ViolationKind::AddressFormat,
                ViolationKind::TcAttr,
                ViolationKind::Malformed,
                ViolationKind::Malformed,
                ViolationKind::ReadTooLarge,
            ]
        );
        rc.set_bus_master_enable(false, false);
        write(&mut rc, base, &[1], 0xF, 0);
        assert_eq!(rc.violations().last().unwrap().kind, ViolationKind::BusMasterDisabled);
        assert_eq!(rc.stats().mem_wr_tlps, 0);
        // Cleared while a TLP was presented: that one TLP passes, the next does not.
        let n = rc.violations().len();
        rc.set_bus_master_enable(true, false);
        rc.set_bus_master_enable(false, true);
        write(&mut rc, base, &[2], 0xF, 0);
        assert_eq!(rc.violations().len(), n, "{:?}", rc.violations());
        write(&mut rc, base, &[3], 0xF, 0);
        assert_eq!(rc.violations().last().unwrap().kind, ViolationKind::BusMasterDisabled);
        assert_eq!(rc.violations().len(), n + 1);
    }

    #[test]
    fn tag_reuse_before_last_completion_is_detected() {
        let (mut rc, base) = rc();
        let c = read(&mut rc, base, 32, 0xF, 0xF, 3, 0); // 2 completions: seq 0, 1
        assert_eq!(c.len(), 2);
        read(&mut rc, base, 1, 0xF, 0, 3, 1); // only one accepted so far
        assert_eq!(kinds(&rc), [ViolationKind::TagInUse]);
        // The UR answer above is completion seq 2; once all three went in, tag 3 is free.
        read(&mut rc, base, 1, 0xF, 0, 3, 3);
        read(&mut rc, base, 1, 0xF, 0, 4, 3);
        assert_eq!(rc.violations().len(), 1, "{:?}", rc.violations());
    }

    #[test]
    fn mmio_completion_checks() {
        let (mut rc, _) = rc();
        let (tag, req) = rc.mmio_read_request(0x14);
        assert_eq!(tlp::address(&req), 0xF000_0014);
        let good = tlp::completion(0, 1, NIC_ID, CPL_STATUS_SC, 4, RC_ID, tag, 0x14);
        let t = NicTlp {
            stream: Stream::Completion,
            cycle: 5,
            cpl_accepted: 0,
            flags: 0,
            beats: 1,
            hdr: good,
            data: &[42, 0, 0, 0],
        };
        rc.handle(&t, &mut Vec::new());
        assert_eq!(rc.take_mmio_result(tag), Some(42));
        assert!(rc.violations().is_empty());
        // The same completion again matches nothing.
        rc.handle(&t, &mut Vec::new());
        assert_eq!(kinds(&rc), [ViolationKind::UnexpectedCompletion]);
        // Wrong lower address and byte count.
        let (tag, _) = rc.mmio_read_request(0x8);
        let bad = tlp::completion(0, 1, NIC_ID, CPL_STATUS_SC, 8, RC_ID, tag, 0x0);
        let t = NicTlp { hdr: bad, ..t };
        rc.handle(&t, &mut Vec::new());
        assert_eq!(rc.violations()[1].kind, ViolationKind::CompletionFields);
        assert_eq!(rc.take_mmio_result(tag), Some(42));
        // UR answer: all-ones, recorded.
        let (tag, _) = rc.mmio_read_request(0x8);
        let ur = tlp::completion(0, 0, NIC_ID, CPL_STATUS_UR, 4, RC_ID, tag, 0x8);
        rc.handle(&NicTlp { hdr: ur, ..t }, &mut Vec::new());
        assert_eq!(rc.violations()[2].kind, ViolationKind::CompletionStatus);
        assert_eq!(rc.take_mmio_result(tag), Some(u32::MAX));
    }

    #[test]
    fn framing_flags_are_violations() {
        let (mut rc, base) = rc();
        let (h, d, b) = wr(base, &[1], 0xF, 0);
        let t = NicTlp {
            stream: Stream::Request,
            cycle: 1,
            cpl_accepted: 0,
            flags: FLAG_NO_SOP,
            beats: b,
            hdr: h,
            data: &d,
        };
        rc.handle(&t, &mut Vec::new());
        rc.handle(&NicTlp { flags: FLAG_TRUNCATED, ..t }, &mut Vec::new());
        assert_eq!(kinds(&rc), [ViolationKind::Malformed; 2]);
        assert_eq!(rc.stats().mem_wr_tlps, 0);
    }
    // ------------------------------------------------------------ interrupts

    /// An RC with MSI-X enabled in config space.
    fn rc_msix() -> RootComplex {
        let (mut rc, _) = rc();
        rc.set_msix_control(true, false, false);
        rc
    }

    /// Sends the 1-DW MemWr the device would send for `m` (or a variant of it).
    fn message(rc: &mut RootComplex, m: MsiMessage, cycle: u64) {
        let (h, d, b) = wr(m.addr, &[m.data], 0xF, 0);
        send(rc, h, &d, b, cycle, 0);
    }

    #[test]
    fn irq_alloc_assigns_distinct_messages() {
        let mut rc = rc_msix();
        let m0 = rc.irq_alloc(0).unwrap();
        let m5 = rc.irq_alloc(5).unwrap();
        assert_eq!(m0.addr, MSI_BASE);
        assert_eq!(m5.addr, MSI_BASE + 4);
        assert_eq!(m0.data >> 16, 1);
        assert_eq!(m5.data >> 16, 6);
        assert_ne!(m0.data, m5.data);
        // Again for a live vector: the same message.
        assert_eq!(rc.irq_alloc(5).unwrap(), m5);
        assert_eq!(rc.irq_message(5), Some(m5));
        // Freed and allocated again: the lowest free slot, new data.
        rc.irq_free(0);
        assert_eq!(rc.irq_message(0), None);
        let m7 = rc.irq_alloc(7).unwrap();
        assert_eq!(m7.addr, MSI_BASE);
        let m0b = rc.irq_alloc(0).unwrap();
        assert_eq!(m0b.addr, MSI_BASE + 8);
        assert_ne!(m0b.data, m0.data);
        assert_eq!(rc.irq_alloc(MSIX_MAX_VECTORS), Err(HalError::NoInterrupt { vector: MSIX_MAX_VECTORS }));
        assert!(rc.irq_alloc(MSIX_MAX_VECTORS - 1).is_ok());
    }

    #[test]
    fn irq_alloc_fails_when_the_window_is_full() {
        let cfg = RcConfig { msi_window_bytes: 8, ..rc().0.config().clone() };
        let mut rc = RootComplex::new(cfg, HostMemory::new(0x8000_0000, 1 << 20));
        rc.irq_alloc(1).unwrap();
        rc.irq_alloc(2).unwrap();
        assert_eq!(rc.irq_alloc(3), Err(HalError::NoInterrupt { vector: 3 }));
        rc.irq_free(1);
        assert_eq!(rc.irq_alloc(3).unwrap().addr, MSI_BASE);
    }

    #[test]
    fn valid_message_is_counted_not_written() {
        let mut rc = rc_msix();
        let m = rc.irq_alloc(3).unwrap();
        let other = rc.irq_alloc(4).unwrap();
        assert!(!rc.interrupts_pending());
        message(&mut rc, m, 50);
        message(&mut rc, m, 60);
        message(&mut rc, other, 70);
        assert!(rc.violations().is_empty(), "{:?}", rc.violations());
        assert!(rc.interrupts_pending());
        assert_eq!(rc.interrupt_log(), [(50, 3), (60, 3), (70, 4)].map(|(cycle, vector)| Interrupt { cycle, vector }));
        assert_eq!((rc.interrupt_count(3), rc.interrupt_count(4), rc.interrupt_count(9)), (2, 1, 0));
        assert_eq!(rc.irq_take(3), 2);
        assert_eq!(rc.irq_take(3), 0);
        assert!(rc.interrupts_pending());
        assert_eq!(rc.irq_take(4), 1);
        assert!(!rc.interrupts_pending());
        assert_eq!(rc.irq_take(100), 0);
        let st = rc.stats();
        assert_eq!((st.interrupts, st.mem_wr_tlps, st.dropped_writes), (3, 0, 0));
        assert_eq!(rc.take_interrupt_log().len(), 3);
        assert!(rc.interrupt_log().is_empty());
        assert_eq!(rc.interrupt_count(3), 2, "totals survive taking the log");
    }

    #[test]
    fn malformed_messages_are_violations() {
        let mut rc = rc_msix();
        let m = rc.irq_alloc(2).unwrap();
        let m9 = rc.irq_alloc(9).unwrap();
        let expect = |rc: &mut RootComplex, what: &str, hdr: Header, data: &[u32], beats: u32| {
            let n = rc.violations().len();
            send(rc, hdr, data, beats, 7, 0);
            let v = &rc.violations()[n..];
            assert!(v.iter().any(|v| v.kind == ViolationKind::InterruptMessage), "{what}: {v:?}");
        };
        // Two DWs.
        let (h, d, b) = wr(m.addr, &[m.data, 0], 0xF, 0xF);
        expect(&mut rc, "length 2", h, &d, b);
        // Partial byte enables.
        let (h, d, b) = wr(m.addr, &[m.data], 0x3, 0);
        expect(&mut rc, "FBE 0011", h, &d, b);
        // Wrong data: another vector's, and garbage.
        let (h, d, b) = wr(m.addr, &[m9.data], 0xF, 0);
        expect(&mut rc, "other vector's data", h, &d, b);
        let (h, d, b) = wr(m.addr, &[0xDEAD_BEEF], 0xF, 0);
        expect(&mut rc, "garbage data", h, &d, b);
        // An address no vector has.
        let (h, d, b) = wr(MSI_BASE + 0x400, &[m.data], 0xF, 0);
        expect(&mut rc, "never allocated", h, &d, b);
        // 4-DW header for the right address and data.
        let (mut h, d, b) = wr(m.addr, &[m.data], 0xF, 0);
        h[0] |= 1 << 29;
        h[3] = h[2];
        h[2] = 0;
        let n = rc.violations().len();
        send(&mut rc, h, &d, b, 7, 0);
        let v = &rc.violations()[n..];
        assert_eq!(v.len(), 1, "one defect, one violation: {v:?}");
        assert_eq!(v[0].kind, ViolationKind::AddressFormat);
        assert!(v[0].detail.contains("4-DW"));
        // Freed vector: its old message is now unknown.
        rc.irq_free(9);
        let (h, d, b) = wr(m9.addr, &[m9.data], 0xF, 0);
        expect(&mut rc, "freed", h, &d, b);
        // Reallocated at the same slot: the stale data no longer matches.
        let m9b = rc.irq_alloc(9).unwrap();
        assert_eq!(m9b.addr, m9.addr);
        let (h, d, b) = wr(m9.addr, &[m9.data], 0xF, 0);
        expect(&mut rc, "stale data", h, &d, b);

        assert_eq!(rc.stats().interrupts, 0);
        assert_eq!(rc.stats().dropped_writes, 8);
        assert!(!rc.interrupts_pending());
        assert!(rc.interrupt_log().is_empty());
        assert_eq!(rc.interrupt_count(2) + rc.interrupt_count(9), 0);
        // Nothing was written anywhere: the window is not memory.
        assert!(!rc.mem.contains(MSI_BASE, 4));
        // The good message still works.
        message(&mut rc, m, 8);
        assert_eq!(rc.stats().interrupts, 1);
    }

    #[test]
    fn general_rules_apply_to_messages() {
        let mut rc = rc_msix();
        let m = rc.irq_alloc(1).unwrap();
        let (mut h, d, b) = wr(m.addr, &[m.data], 0xF, 0);
        h[1] = (h[1] & 0xFFFF) | (0x0200 << 16); // wrong requester ID
        send(&mut rc, h, &d, b, 1, 0);
        assert_eq!(kinds(&rc), [ViolationKind::RequesterId]);
        rc.set_bus_master_enable(false, false);
        message(&mut rc, m, 2);
        assert_eq!(kinds(&rc), [ViolationKind::RequesterId, ViolationKind::BusMasterDisabled]);
        assert_eq!(rc.stats().interrupts, 0);
        assert!(!rc.interrupts_pending());
    }

    #[test]
    fn messages_while_disabled_or_masked_are_violations() {
        let (mut rc, _) = rc();
        let m = rc.irq_alloc(0).unwrap();
        message(&mut rc, m, 1); // MSI-X never enabled
        assert_eq!(kinds(&rc), [ViolationKind::InterruptDisabled]);
        assert!(rc.violations()[0].detail.contains("disabled"));
        rc.set_msix_control(true, true, false);
        message(&mut rc, m, 2);
        assert_eq!(rc.violations().len(), 2);
        assert!(rc.violations()[1].detail.contains("masked"));
        rc.set_msix_control(true, false, false);
        message(&mut rc, m, 3);
        assert_eq!(rc.violations().len(), 2);
        assert_eq!(rc.irq_take(0), 1);

        // Closed while a TLP was already presented: that one TLP is let through, the next is not.
        rc.set_msix_control(false, false, true);
        message(&mut rc, m, 4);
        assert_eq!(rc.violations().len(), 2, "{:?}", rc.violations());
        message(&mut rc, m, 5);
        assert_eq!(rc.violations().len(), 3);
        // The grace goes to whatever request comes next, even a DMA write.
        rc.set_msix_control(true, false, false);
        rc.set_msix_control(true, true, true);
        let (h, d, b) = wr(rc.mem.regions().next().unwrap().bus_addr, &[1], 0xF, 0);
        send(&mut rc, h, &d, b, 6, 0);
        message(&mut rc, m, 7);
        assert_eq!(kinds(&rc)[3..], [ViolationKind::InterruptDisabled]);
        assert_eq!(rc.irq_take(0), 1);
    }

    #[test]
    fn interrupt_log_is_bounded() {
        let mut rc = rc_msix();
        let m = rc.irq_alloc(0).unwrap();
        for c in 0..INTERRUPT_LOG_CAP as u64 + 10 {
            message(&mut rc, m, c);
        }
        assert!(rc.interrupt_log().len() <= INTERRUPT_LOG_CAP);
        assert_eq!(rc.interrupt_log().last().unwrap().cycle, INTERRUPT_LOG_CAP as u64 + 9);
        assert_eq!(rc.interrupt_count(0), INTERRUPT_LOG_CAP as u64 + 10);
        assert_eq!(rc.irq_take(0), INTERRUPT_LOG_CAP as u32 + 10);
    }
}
