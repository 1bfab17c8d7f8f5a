//! `nic-sim`: the verilated NIC (`nic_core`) behind a PCIe root-complex model.
//!
//! # Design
//!
//! * **The clock loop lives in C++** (`csrc/harness.cpp`). A model cycle
//!   costs well under a microsecond, so crossing the FFI per clock edge
//!   would cost as much as the model. Rust crosses it per *event*: it pushes
//!   whole TLPs and frames into C++ queues and calls `run`, which clocks the
//!   model until a non-posted request (MemRd), a completion or an interrupt
//!   (a MemWr into the MSI window) leaves the NIC, the output buffer fills,
//!   or the cycle budget is spent. Other posted writes are batched and
//!   handled when the loop next returns.
//! * **Latency is a timestamp.** Each queued input TLP carries a `not_before`
//!   cycle; DMA read completions are stamped with request cycle +
//!   [`SimConfig::dma_read_latency_cycles`], so the loop never stops just to
//!   release them.
//! * **The root complex** ([`rc::RootComplex`], pure Rust) owns sparse host
//!   memory ([`mem::HostMemory`]), applies MemWr, answers MemRd with CplDs
//!   split at the RCB, matches MMIO completions, decodes MSI-X messages,
//!   and records every rule the device breaks as a [`Violation`] instead of
//!   panicking.
//! * Handshakes are sampled after a `clk=0` eval, i.e. exactly as the DUT
//!   sees them at the following rising edge.
//!
//! # Configuration space
//!
//! [`Hal::cfg_read32`] and [`Hal::cfg_write32`] reach the function's
//! configuration space ([`cfg::ConfigSpace`]: IDs, Command, BAR0 sizing,
//! the MSI-X and PCI Express capabilities), modelled in Rust as the PCIe
//! hard block holds it: accesses are immediate and never reach `nic_core`
//! as TLPs. A write's effects take hold from the next cycle: Command.Bus
//! Master Enable drives `cfg_bus_master_enable` and what the root complex
//! accepts (as [`Sim::set_bus_master_enable`] does), MSI-X Enable and
//! Function Mask drive `cfg_msix_enable` / `cfg_msix_function_mask` and
//! what the root complex accepts as interrupts, and with Command.Memory
//! Space Enable clear MMIO does not reach the NIC (reads return all-ones,
//! writes are dropped, as a host sees a master abort). Device Control's MPS
//! and MRRS are read-only (the configured values) and BAR0 is not
//! relocated by writing it. [`Sim::reset`] resets the core, not the
//! configuration space.
//!
//! # Interrupts
//!
//! The root complex decodes the MSI window ([`SimConfig::msi_base`],
//! [`SimConfig::msi_window_bytes`]; x86's by default) as messages, not
//! memory: [`Hal::irq_alloc`] assigns a vector its message (see [`rc`]),
//! each exact message that arrives while MSI-X is enabled and unmasked
//! bumps the vector's count for [`Hal::irq_take`], and anything else into
//! the window is a violation. The C++ loop stops as soon as a MemWr into
//! the window has left the NIC, so `sim.run_until(|s| s.interrupts_pending(), n)`
//! returns right after the cycle the interrupt was sent in, with no polling
//! delay. [`Sim::interrupt_log`] lists them with their cycles.
//!
//! # DMA guard
//!
//! By default ([`SimConfig::dma_guard`]) the root complex also runs a bus
//! monitor that knows the RX ring protocol ([`monitor::DmaGuard`]): it
//! follows the ring registers, doorbells and queue enables in the MMIO
//! writes it sends, snapshots each posted descriptor at its `DESC_PROD`
//! doorbell, and reports every DMA write that lands outside a buffer posted
//! to its queue and not yet completed, every completion record out of order,
//! over an unconsumed record or disagreeing with its descriptor, and every
//! descriptor read beyond the doorbell (rules: docs/interfaces.md, "DMA
//! guard"). [`Sim::dma_guard`] shows its view of each queue.
//!
//! # Record and replay
//!
//! [`Sim::start_recording`] makes the C++ loop keep a copy of every input it
//! drives (each TLP with the cycle it started, each MAC frame with its start
//! cycle, each change of the `cfg_*` inputs, e.g. by a config-space write,
//! with its cycle). [`Sim::take_recording`] hands it over; on a fresh `Sim`
//! built with the same configuration (same reset, so same cycle, model
//! state and `cfg_*` inputs),
//! [`Sim::load_recording`] + [`Sim::replay_bare`] re-drive the model with
//! identical inputs at identical cycles from C++ alone, and
//! [`Recording::check`] asserts the model did exactly the same thing (same
//! output beats, digest of their contents, frames, cycle). That is how the
//! benchmark measures the harness against the raw model on the same work.
//!
//! # Waveforms
//!
//! With the `fst` feature (default), set [`SimConfig::fst_path`] or the
//! environment variable `NIC_SIM_FST=/path/file.fst` to dump an FST of the
//! whole model. Without a path nothing is traced.

pub mod cfg;
pub mod mem;
pub mod monitor;
pub mod rc;
pub mod tlp;

mod ffi;

// build.rs's parsers, for their unit tests
#[cfg(test)]
#[path = "../build_params.rs"]
mod build_params;

use std::fmt;
use std::path::PathBuf;
use std::pin::Pin;

use nic_hal::{DmaPin, DmaRegion, Hal, HalError, MsiMessage};
use nic_spec::limits;

pub use cfg::ConfigSpace;
pub use mem::HostMemory;
pub use monitor::{DmaGuard, QueueState, QueueView};
pub use rc::{Interrupt, RcConfig, RootComplex, Stats, Violation, ViolationKind, RC_ID};

use ffi::bridge::{self, Harness};

pub use ffi::bridge::Activity;

/// How the simulated host behaves.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Cycles from a MemRd's last beat to its first completion being offered.
    pub dma_read_latency_cycles: u64,
    /// Cycles from an MMIO request being issued to it being offered to the NIC.
    pub mmio_latency_cycles: u64,
    /// Read Completion Boundary (64 or 128).
    pub rcb_bytes: u32,
    /// Max Payload Size in bytes (128 << n, up to 4096).
    pub max_payload_size: u32,
    /// Max Read Request Size in bytes (128 << n, up to 4096).
    pub max_read_request_size: u32,
    /// Max Payload Size written into the NIC's config space when it should
    /// differ from what the root complex enforces (`max_payload_size`): a
    /// misconfigured host, for tests that the RC catches oversized writes.
    pub nic_max_payload_size: Option<u32>,
    /// The NIC's bus/device/function (`cfg_requester_id`).
    pub requester_id: u16,
    pub bus_master_enable: bool,
    /// Bus address of the first DMA allocation (>= 4 GiB exercises 4-DW headers).
    pub dma_base: u64,
    /// Most bytes of host memory allocated at once.
    pub host_memory_bytes: usize,
    /// Bus address of BAR0 (MMIO TLPs carry BAR0 base + offset, bar_id 0).
    pub bar0_base: u64,
    /// Probability that `m_tlp_req_ready` is low in a cycle (host back-pressure).
    pub req_stall_probability: f64,
    /// Probability that `m_tlp_cpl_ready` is low in a cycle.
    pub cpl_stall_probability: f64,
    /// Seed of the stall generator.
    pub stall_seed: u64,
    /// Write an FST waveform here (needs feature `fst`); `NIC_SIM_FST` also works.
    pub fst_path: Option<PathBuf>,
    /// Cycles `rst` is held at start-up and by [`Sim::reset`].
    pub reset_cycles: u32,
    /// Cycles [`Hal::mmio_read32`] waits for a completion.
    pub mmio_timeout_cycles: u64,
    /// Start of the MSI address window the root complex decodes as
    /// interrupts (4-byte aligned; the window must lie below 4 GiB and
    /// overlap neither host memory nor BAR0).
    pub msi_base: u64,
    /// Size of the MSI window in bytes (a multiple of 4, non-zero): one
    /// 4-byte message address per live vector.
    pub msi_window_bytes: u64,
    /// Check the NIC's DMA against the RX rings with the root complex's DMA
    /// guard ([`monitor::DmaGuard`]); on by default.
    pub dma_guard: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            dma_read_latency_cycles: 100,
            mmio_latency_cycles: 0,
            rcb_bytes: 64,
            max_payload_size: 256,
            max_read_request_size: 512,
            nic_max_payload_size: None,
            requester_id: 0x0100,
            bus_master_enable: true,
            dma_base: 0x8000_0000,
            host_memory_bytes: 1 << 30,
            bar0_base: 0xF000_0000,
            req_stall_probability: 0.0,
            cpl_stall_probability: 0.0,
            stall_seed: 1,
            fst_path: None,
            reset_cycles: 16,
            mmio_timeout_cycles: 100_000,
            msi_base: 0xFEE0_0000,
            msi_window_bytes: 0x10_0000,
            dma_guard: true,
        }
    }
}

/// Why the simulator could not do what was asked.
#[derive(Debug)]
pub enum SimError {
    /// A [`SimConfig`] field is out of range.
    InvalidConfig(String),
    /// An FST path was given but the crate was built without feature `fst`.
    FstUnavailable,
    /// The FST file could not be opened.
    FstOpen(PathBuf),
    /// [`Sim::run_until`]'s condition did not hold within its budget.
    Timeout { cycles: u64 },
    /// A [`Hal`] operation failed.
    Hal(HalError),
    /// A recording could not be replayed, or the replay diverged from it.
    Replay(String),
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SimError::InvalidConfig(s) => write!(f, "invalid simulator configuration: {s}"),
            SimError::FstUnavailable => {
                write!(f, "FST tracing requested but nic-sim was built without the `fst` feature")
            }
            SimError::FstOpen(p) => write!(f, "cannot open FST file {}", p.display()),
            SimError::Timeout { cycles } => write!(f, "condition not met within {cycles} cycles"),
            SimError::Hal(e) => write!(f, "{e}"),
            SimError::Replay(s) => write!(f, "record/replay: {s}"),
        }
    }
}

impl std::error::Error for SimError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SimError::Hal(e) => Some(e),
            _ => None,
        }
    }
}

impl From<HalError> for SimError {
    fn from(e: HalError) -> Self {
        SimError::Hal(e)
    }
}

/// `128 << n == bytes`?
fn size_code(name: &str, bytes: u32) -> Result<u8, SimError> {
    (0..=5u8)
        .find(|&n| 128u32 << n == bytes)
        .ok_or_else(|| SimError::InvalidConfig(format!("{name} = {bytes}: must be 128, 256, ..., 4096")))
}

fn stall_threshold(p: f64) -> u32 {
    (p.clamp(0.0, 1.0) * 4_294_967_296.0).min(u32::MAX as f64) as u32
}

/// Do `[a, a + alen)` and `[b, b + blen)` share a byte?
fn overlaps(a: u64, alen: u64, b: u64, blen: u64) -> bool {
    a < b.saturating_add(blen) && b < a.saturating_add(alen)
}

/// Checks the address map: BAR0 and the MSI window against each other and host memory.
fn check_address_map(cfg: &SimConfig) -> Result<(), SimError> {
    let bad = |s: String| Err(SimError::InvalidConfig(s));
    if !cfg.bar0_base.is_multiple_of(limits::BAR0_SIZE) {
        return bad(format!(
            "bar0_base = {:#x}: a BAR is aligned to its size ({:#x})",
            cfg.bar0_base,
            limits::BAR0_SIZE
        ));
    }
    let (msi, msi_len) = (cfg.msi_base, cfg.msi_window_bytes);
    if !msi.is_multiple_of(4) || !msi_len.is_multiple_of(4) || msi_len == 0 {
        return bad(format!("MSI window {msi:#x}+{msi_len:#x}: base and size must be non-zero multiples of 4"));
    }
    if msi.checked_add(msi_len).is_none_or(|end| end > 1 << 32) {
        return bad(format!("MSI window {msi:#x}+{msi_len:#x} must lie below 4 GiB (messages use 3-DW headers)"));
    }
    if overlaps(msi, msi_len, cfg.bar0_base, limits::BAR0_SIZE) {
        return bad(format!("MSI window {msi:#x}+{msi_len:#x} overlaps BAR0 at {:#x}", cfg.bar0_base));
    }
    let host = cfg.host_memory_bytes as u64;
    if overlaps(msi, msi_len, cfg.dma_base, host) {
        return bad(format!("MSI window {msi:#x}+{msi_len:#x} overlaps host memory {:#x}+{host:#x}", cfg.dma_base));
    }
    if overlaps(cfg.bar0_base, limits::BAR0_SIZE, cfg.dma_base, host) {
        return bad(format!("BAR0 at {:#x} overlaps host memory {:#x}+{host:#x}", cfg.bar0_base, cfg.dma_base));
    }
    Ok(())
}

/// How often [`Sim::run_until`] re-checks its condition when no event stops the loop.
const POLL_CYCLES: u64 = 64;

/// The NIC model, its host, and the wire between them.
pub struct Sim {
    hw: cxx::UniquePtr<Harness>,
    rc: RootComplex,
    cfg: SimConfig,
    cfg_space: ConfigSpace,
    /// MSI-X (Enable, Function Mask) as driven onto the NIC's inputs.
    msix: (bool, bool),
    /// Reused buffers for TLP records going to C++.
    cpl_tx: Vec<u32>,
    req_tx: Vec<u32>,
}

impl Sim {
    /// Builds the model, applies the configuration and resets the NIC.
    pub fn new(cfg: SimConfig) -> Result<Sim, SimError> {
        size_code("max_payload_size", cfg.max_payload_size)?;
        let mps = size_code("nic_max_payload_size", cfg.nic_max_payload_size.unwrap_or(cfg.max_payload_size))?;
        let mrrs = size_code("max_read_request_size", cfg.max_read_request_size)?;
        if !matches!(cfg.rcb_bytes, 64 | 128) {
            return Err(SimError::InvalidConfig(format!("rcb_bytes = {}: must be 64 or 128", cfg.rcb_bytes)));
        }
        check_address_map(&cfg)?;
        let mut hw = bridge::new_harness();
        let fst = match (&cfg.fst_path, std::env::var_os("NIC_SIM_FST")) {
            (Some(p), _) => {
                if !bridge::fst_supported() {
                    return Err(SimError::FstUnavailable);
                }
                Some(p.clone())
            }
            (None, Some(p)) if !p.is_empty() => {
                if bridge::fst_supported() {
                    Some(PathBuf::from(p))
                } else {
                    eprintln!(
                        "nic-sim: NIC_SIM_FST is set but nic-sim was built without FST support; \
                         rebuild with `--features nic-sim/fst` to get a waveform"
                    );
                    None
                }
            }
            _ => None,
        };
        if let Some(p) = &fst {
            if !hw.pin_mut().open_fst(&p.to_string_lossy()) {
                return Err(SimError::FstOpen(p.clone()));
            }
        }
        hw.pin_mut().set_cfg(cfg.requester_id, cfg.bus_master_enable, mps, mrrs);
        hw.pin_mut().set_stall(
            stall_threshold(cfg.req_stall_probability),
            stall_threshold(cfg.cpl_stall_probability),
            cfg.stall_seed,
        );
        hw.pin_mut().set_msix(false, false);
        hw.pin_mut().set_irq_window(cfg.msi_base, cfg.msi_window_bytes);
        let cfg_space = ConfigSpace::new(cfg::ConfigInit {
            bar0_base: cfg.bar0_base,
            bus_master_enable: cfg.bus_master_enable,
            mps_code: mps,
            mrrs_code: mrrs,
            msix_table_size: hw.msix_table_size(),
        });
        let mut mem = HostMemory::new(cfg.dma_base, cfg.host_memory_bytes);
        mem.reserve(cfg.bar0_base, limits::BAR0_SIZE);
        mem.reserve(cfg.msi_base, cfg.msi_window_bytes);
        let rc = RootComplex::new(
            RcConfig {
                requester_id: cfg.requester_id,
                bus_master_enable: cfg.bus_master_enable,
                max_payload_size: cfg.max_payload_size,
                max_read_request_size: cfg.max_read_request_size,
                rcb_bytes: cfg.rcb_bytes,
                dma_read_latency_cycles: cfg.dma_read_latency_cycles,
                bar0_base: cfg.bar0_base,
                msi_base: cfg.msi_base,
                msi_window_bytes: cfg.msi_window_bytes,
                dma_guard: cfg.dma_guard,
            },
            mem,
        );
        let mut sim = Sim {
            hw,
            rc,
            cfg,
            cfg_space,
            msix: (false, false),
            cpl_tx: Vec::with_capacity(1 << 14),
            req_tx: Vec::with_capacity(64),
        };
        sim.reset();
        Ok(sim)
    }

    /// Whether this build can write FST waveforms.
    pub fn fst_supported() -> bool {
        bridge::fst_supported()
    }

    pub fn config(&self) -> &SimConfig {
        &self.cfg
    }

    fn hw(&mut self) -> Pin<&mut Harness> {
        self.hw.pin_mut()
    }

    /// Holds `rst` for [`SimConfig::reset_cycles`]; what the NIC emits
    /// meanwhile is discarded. The DMA guard forgets every queue.
    pub fn reset(&mut self) {
        self.rc.device_reset();
        let n = u64::from(self.cfg.reset_cycles.max(1));
        self.hw().set_reset(true);
        let end = self.cycle() + n;
        while self.cycle() < end {
            let left = end - self.cycle();
            self.hw().run(left);
            self.hw().clear_out();
        }
        self.hw().set_reset(false);
    }

    /// Cycles clocked since the model was built.
    pub fn cycle(&self) -> u64 {
        self.hw.cycle()
    }

    /// Advances exactly `cycles` cycles, handling every TLP on the way.
    pub fn run(&mut self, cycles: u64) {
        let end = self.cycle() + cycles;
        loop {
            let now = self.cycle();
            if now >= end {
                break;
            }
            self.hw().run(end - now);
            self.service();
        }
    }

    /// Runs until `cond` holds (checked after every event, i.e. right after
    /// an MMIO completion, a DMA read or an interrupt left the NIC, and at
    /// least every 64 cycles), at most `max_cycles`. Returns the cycles run.
    pub fn run_until<F: FnMut(&Sim) -> bool>(&mut self, mut cond: F, max_cycles: u64) -> Result<u64, SimError> {
        let start = self.cycle();
        loop {
            if cond(self) {
                return Ok(self.cycle() - start);
            }
            let elapsed = self.cycle() - start;
            if elapsed >= max_cycles {
                return Err(SimError::Timeout { cycles: elapsed });
            }
            self.hw().run((max_cycles - elapsed).min(POLL_CYCLES));
            self.service();
        }
    }

    /// Clocks the model `cycles` times from C++ alone: MAC frames are fed,
    /// TLP outputs accepted and discarded, no root complex. For measuring
    /// the raw model speed against [`Sim::run`]. Returns the cycles run.
    pub fn bare_loop(&mut self, cycles: u64) -> u64 {
        self.hw().bare_loop(cycles)
    }

    /// What the model has done so far (cycle, frames, input TLPs started,
    /// output beats; digest and late starts while recording or replaying).
    pub fn activity(&self) -> Activity {
        self.hw.activity()
    }

    /// Starts recording every input the model is driven with from this
    /// cycle on (discarding any earlier recording). Call it when no input
    /// is being driven (right after [`Sim::new`]); an input mid-transfer,
    /// a reset or a stall change while recording makes the recording
    /// unusable ([`Sim::load_recording`] says why). Changes of the `cfg_*`
    /// inputs ([`Hal::cfg_write32`], [`Sim::set_bus_master_enable`]) are
    /// recorded and replayed at their cycle. Costs a copy of each frame and
    /// TLP when it starts and a digest per output beat.
    pub fn start_recording(&mut self) {
        self.hw().start_recording();
    }

    /// Whether [`Sim::start_recording`] is in effect.
    pub fn recording(&self) -> bool {
        self.hw.recording()
    }

    /// Stops recording and returns what was recorded, up to this cycle.
    pub fn take_recording(&mut self) -> Option<Recording> {
        let inner = self.hw().take_recording();
        (!inner.is_null()).then_some(Recording { inner })
    }

    /// Loads `rec` as this model's only input. `self` must be a fresh `Sim`
    /// built with the same configuration as the recorded one, so that it is
    /// at the cycle (with the same counters and `cfg_*` inputs) where
    /// recording started; checked. Then run [`Sim::replay_bare`] for
    /// [`Recording::cycles`] (in as many calls as wanted) and
    /// [`Recording::check`] the result.
    pub fn load_recording(&mut self, rec: &Recording) -> Result<(), SimError> {
        let err = self.hw().load_recording(&rec.inner);
        if err.is_empty() {
            Ok(())
        } else {
            Err(SimError::Replay(err.to_string()))
        }
    }

    /// Clocks the model `cycles` times from C++ alone with what
    /// [`Sim::load_recording`] loaded: outputs are accepted, counted and
    /// digested, not serviced; ready/stall settings are left as configured.
    pub fn replay_bare(&mut self, cycles: u64) -> u64 {
        self.hw().replay_bare(cycles)
    }

    /// [`Sim::load_recording`], [`Sim::replay_bare`] to the recording's
    /// end, [`Recording::check`]; returns the replay's activity.
    pub fn replay_recording(&mut self, rec: &Recording) -> Result<Activity, SimError> {
        self.load_recording(rec)?;
        let end = rec.end().cycle;
        while self.cycle() < end {
            let left = end - self.cycle();
            self.replay_bare(left);
        }
        let a = self.activity();
        rec.check(&a)?;
        Ok(a)
    }

    /// Queues a frame for the MAC stream, sent after `gap_cycles` idle
    /// cycles (0: back-to-back). `error` sets tuser on the last beat.
    ///
    /// # Panics
    /// On an empty frame, which the stream cannot carry.
    pub fn mac_push(&mut self, frame: &[u8], error: bool, gap_cycles: u32) {
        assert!(!frame.is_empty(), "nic-sim: an AXI-Stream frame needs at least one byte");
        self.hw().push_frame(frame, error, gap_cycles);
    }

    /// Frames queued and not yet fully accepted by the NIC.
    pub fn mac_pending(&self) -> usize {
        self.hw.frames_pending()
    }

    /// Frames fully accepted by the NIC.
    pub fn frames_sent(&self) -> u64 {
        self.hw.frames_sent()
    }

    pub fn violations(&self) -> &[Violation] {
        self.rc.violations()
    }

    pub fn take_violations(&mut self) -> Vec<Violation> {
        self.rc.take_violations()
    }

    pub fn stats(&self) -> &Stats {
        self.rc.stats()
    }

    /// The root complex's DMA guard, unless [`SimConfig::dma_guard`] is off.
    pub fn dma_guard(&self) -> Option<&DmaGuard> {
        self.rc.dma_guard()
    }

    pub fn host_memory(&self) -> &HostMemory {
        &self.rc.mem
    }

    pub fn host_memory_mut(&mut self) -> &mut HostMemory {
        &mut self.rc.mem
    }

    /// Changes `cfg_bus_master_enable` (and what the RC accepts, and
    /// Command.Bus Master Enable in config space) from the next cycle on.
    /// A request TLP the NIC still presents once the bit is 0 (it was shown
    /// at an earlier clock edge, or is partly transferred) is let through.
    pub fn set_bus_master_enable(&mut self, on: bool) {
        self.cfg.bus_master_enable = on;
        self.cfg_space.set_bus_master_enable(on);
        let (mps, mrrs) = (
            size_code("", self.cfg.nic_max_payload_size.unwrap_or(self.cfg.max_payload_size)).unwrap_or(0),
            size_code("", self.cfg.max_read_request_size).unwrap_or(0),
        );
        let id = self.cfg.requester_id;
        self.hw().set_cfg(id, on, mps, mrrs);
        // after set_cfg: the NIC's m_tlp_req_valid already reflects the new bit
        let in_flight = self.hw.req_presented();
        self.rc.set_bus_master_enable(on, in_flight);
    }

    /// The function's configuration space (what [`Hal::cfg_read32`] reads).
    pub fn config_space(&self) -> &ConfigSpace {
        &self.cfg_space
    }

    /// MSI-X table size minus one, as the NIC reports it (`cfg_msix_table_size`).
    pub fn msix_table_size(&self) -> u16 {
        self.hw.msix_table_size()
    }

    /// Has an interrupt arrived that [`Hal::irq_take`] has not collected?
    pub fn interrupts_pending(&self) -> bool {
        self.rc.interrupts_pending()
    }

    /// Interrupts accepted so far, (cycle, vector), oldest first (bounded:
    /// see [`rc::INTERRUPT_LOG_CAP`]).
    pub fn interrupt_log(&self) -> &[Interrupt] {
        self.rc.interrupt_log()
    }

    /// Hands over the interrupt log and empties it.
    pub fn take_interrupt_log(&mut self) -> Vec<Interrupt> {
        self.rc.take_interrupt_log()
    }

    /// Interrupts accepted on `vector` since the model was built.
    pub fn interrupt_count(&self, vector: u16) -> u64 {
        self.rc.interrupt_count(vector)
    }

    /// The message [`Hal::irq_alloc`] gave `vector`, while it is allocated.
    pub fn irq_message(&self, vector: u16) -> Option<MsiMessage> {
        self.rc.irq_message(vector)
    }

    /// Drives what config space now says onto the NIC and into the RC.
    fn apply_config_space(&mut self) {
        let bme = self.cfg_space.bus_master_enable();
        if bme != self.cfg.bus_master_enable {
            self.set_bus_master_enable(bme);
        }
        let msix = (self.cfg_space.msix_enable(), self.cfg_space.msix_function_mask());
        if msix != self.msix {
            let in_flight = self.hw.req_presented();
            self.rc.set_msix_control(msix.0, msix.1, in_flight);
            self.hw().set_msix(msix.0, msix.1);
            self.msix = msix;
        }
    }

    /// Changes the host back-pressure on the NIC's two output streams.
    pub fn set_stall(&mut self, req_probability: f64, cpl_probability: f64, seed: u64) {
        self.cfg.req_stall_probability = req_probability;
        self.cfg.cpl_stall_probability = cpl_probability;
        self.cfg.stall_seed = seed;
        self.hw().set_stall(stall_threshold(req_probability), stall_threshold(cpl_probability), seed);
    }

    /// Drains the NIC's output TLPs into the root complex and queues its answers.
    fn service(&mut self) {
        let recs = self.hw.out_records();
        let mut i = 0;
        while i + ffi::OUT_HDR_WORDS <= recs.len() {
            let info = recs[i];
            let beats = info & 0xFF_FFFF;
            let stored = beats.min(ffi::OUT_MAX_BEATS) as usize * 4;
            let end = (i + ffi::OUT_HDR_WORDS + stored).min(recs.len());
            let t = rc::NicTlp {
                stream: if info >> 31 == 1 { rc::Stream::Completion } else { rc::Stream::Request },
                cycle: u64::from(recs[i + 1]) | (u64::from(recs[i + 2]) << 32),
                cpl_accepted: recs[i + 3],
                flags: (info >> 24) & 0x7F,
                beats,
                hdr: [recs[i + 4], recs[i + 5], recs[i + 6], recs[i + 7]],
                data: &recs[i + ffi::OUT_HDR_WORDS..end],
            };
            self.rc.handle(&t, &mut self.cpl_tx);
            i = end;
        }
        if !recs.is_empty() {
            self.hw.pin_mut().clear_out();
        }
        if !self.cpl_tx.is_empty() {
            self.hw.pin_mut().push_tlps(ffi::QUEUE_CPL, &self.cpl_tx);
            self.cpl_tx.clear();
        }
    }

    fn push_request(&mut self, hdr: &tlp::Header, payload: Option<u32>) {
        let nb = self.cycle() + self.cfg.mmio_latency_cycles;
        self.req_tx.clear();
        self.req_tx.extend_from_slice(&[u32::from(payload.is_some()), 0, nb as u32, (nb >> 32) as u32]);
        self.req_tx.extend_from_slice(hdr);
        self.req_tx.extend(payload);
        let rec = std::mem::take(&mut self.req_tx);
        self.hw().push_tlps(ffi::QUEUE_REQ, &rec);
        self.req_tx = rec;
    }

    /// MMIO requests queued and not yet accepted by the NIC.
    pub fn mmio_pending(&self) -> usize {
        self.hw.tlps_pending(ffi::QUEUE_REQ)
    }

    /// DMA completions queued and not yet accepted by the NIC.
    pub fn completions_pending(&self) -> usize {
        self.hw.tlps_pending(ffi::QUEUE_CPL)
    }
}

impl Hal for Sim {
    fn mmio_read32(&mut self, offset: u32) -> Result<u32, HalError> {
        if !self.cfg_space.memory_space_enable() {
            self.rc.mmio_unclaimed();
            return Ok(u32::MAX);
        }
        let (tag, hdr) = self.rc.mmio_read_request(offset);
        self.push_request(&hdr, None);
        let start = self.cycle();
        let timeout = self.cfg.mmio_timeout_cycles;
        loop {
            if let Some(v) = self.rc.take_mmio_result(tag) {
                return Ok(v);
            }
            let waited = self.cycle() - start;
            if waited >= timeout {
                let now = self.cycle();
                self.rc.mmio_timed_out(tag, now, waited);
                return Err(HalError::MmioTimeout { offset });
            }
            self.hw().run(timeout - waited);
            self.service();
        }
    }

    fn mmio_write32(&mut self, offset: u32, value: u32) {
        if !self.cfg_space.memory_space_enable() {
            self.rc.mmio_unclaimed();
            return;
        }
        let now = self.cycle();
        let hdr = self.rc.mmio_write_request(offset, value, now);
        self.push_request(&hdr, Some(value));
    }

    fn dma_alloc(&mut self, len: usize, align: usize) -> Result<DmaRegion, HalError> {
        self.rc.mem.alloc(len, align)
    }

    fn dma_free(&mut self, region: DmaRegion) {
        self.rc.mem.free(region);
    }

    fn dma_read(&self, bus_addr: u64, buf: &mut [u8]) -> Result<(), HalError> {
        self.rc.mem.read(bus_addr, buf)
    }

    fn dma_write(&mut self, bus_addr: u64, data: &[u8]) -> Result<(), HalError> {
        self.rc.mem.write(bus_addr, data)
    }

    fn dma_pin(&mut self, bus_addr: u64, len: usize) -> Result<DmaPin, HalError> {
        self.rc.mem.pin(bus_addr, len)
    }

    fn cfg_read32(&mut self, offset: u16) -> Result<u32, HalError> {
        let size = self.hw.msix_table_size();
        self.cfg_space.set_msix_table_size(size);
        self.cfg_space.read32(offset)
    }

    fn cfg_write32(&mut self, offset: u16, value: u32) -> Result<(), HalError> {
        // What the NIC already sent is judged under the settings it was sent with.
        self.service();
        self.cfg_space.write32(offset, value)?;
        self.apply_config_space();
        Ok(())
    }

    /// Fails for a vector beyond the NIC's MSI-X table or when the MSI
    /// window has no free address.
    fn irq_alloc(&mut self, vector: u16) -> Result<MsiMessage, HalError> {
        if vector > self.hw.msix_table_size() {
            return Err(HalError::NoInterrupt { vector });
        }
        self.rc.irq_alloc(vector)
    }

    fn irq_free(&mut self, vector: u16) {
        self.rc.irq_free(vector);
    }

    fn irq_take(&mut self, vector: u16) -> u32 {
        self.rc.irq_take(vector)
    }
}

/// Everything a [`Sim`] was driven with between [`Sim::start_recording`]
/// and [`Sim::take_recording`], and what it did (see the crate docs).
pub struct Recording {
    inner: cxx::UniquePtr<bridge::Recording>,
}

impl Recording {
    /// Activity when recording started.
    pub fn start(&self) -> Activity {
        bridge::recording_start(&self.inner)
    }

    /// Activity when the recording was taken.
    pub fn end(&self) -> Activity {
        bridge::recording_end(&self.inner)
    }

    /// Cycles recorded.
    pub fn cycles(&self) -> u64 {
        self.end().cycle - self.start().cycle
    }

    /// MAC frames recorded.
    pub fn frames(&self) -> u64 {
        bridge::recording_frames(&self.inner)
    }

    /// Input TLPs recorded: (MMIO requests, completions).
    pub fn tlps(&self) -> (u64, u64) {
        (bridge::recording_tlps(&self.inner, ffi::QUEUE_REQ), bridge::recording_tlps(&self.inner, ffi::QUEUE_CPL))
    }

    /// Why the recording cannot be replayed faithfully, if it cannot.
    pub fn taint(&self) -> Option<String> {
        let t = bridge::recording_taint(&self.inner);
        (!t.is_empty()).then(|| t.to_string())
    }

    /// Did a replay (activity `got` after replaying to the recording's end)
    /// do exactly what the recorded run did: same cycle, frames, input TLPs,
    /// output beats and output digest, every input started on its cycle?
    pub fn check(&self, got: &Activity) -> Result<(), SimError> {
        let want = self.end();
        let mut diffs = Vec::new();
        let fields: [(&str, u64, u64); 8] = [
            ("cycle", want.cycle, got.cycle),
            ("frames_sent", want.frames_sent, got.frames_sent),
            ("frames_started", want.frames_started, got.frames_started),
            ("req_tlps_in", want.req_tlps_in, got.req_tlps_in),
            ("cpl_tlps_in", want.cpl_tlps_in, got.cpl_tlps_in),
            ("req_beats_out", want.req_beats_out, got.req_beats_out),
            ("cpl_beats_out", want.cpl_beats_out, got.cpl_beats_out),
            ("digest", want.digest, got.digest),
        ];
        for (name, w, g) in fields {
            if w != g && name == "digest" {
                diffs.push(format!("{name}: recorded {w:016x}, replayed {g:016x}"));
            } else if w != g {
                diffs.push(format!("{name}: recorded {w}, replayed {g}"));
            }
        }
        if got.late_starts != 0 {
            diffs.push(format!("{} input(s) started later than recorded", got.late_starts));
        }
        if diffs.is_empty() {
            Ok(())
        } else {
            Err(SimError::Replay(format!("replay diverged from the recording: {}", diffs.join("; "))))
        }
    }
}

impl fmt::Debug for Recording {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recording")
            .field("start", &self.start())
            .field("end", &self.end())
            .field("frames", &self.frames())
            .field("tlps", &self.tlps())
            .field("taint", &self.taint())
            .finish()
    }
}

#[cfg(test)]
mod record_replay_tests {
    use super::*;
    use nic_spec::global;

    /// MMIO traffic and frames, recorded from just after reset.
    fn recorded(cfg: &SimConfig) -> (Recording, Activity) {
        let mut sim = Sim::new(cfg.clone()).unwrap();
        sim.start_recording();
        assert!(sim.recording());
        sim.mmio_write32(global::SCRATCH, 0x1234_5678);
        assert_eq!(sim.mmio_read32(global::SCRATCH).unwrap(), 0x1234_5678);
        for i in 0..20u8 {
            sim.mac_push(&vec![i; 60 + 13 * usize::from(i)], i == 3, u32::from(i % 3));
        }
        sim.run(500);
        sim.mmio_read32(global::ID).unwrap();
        sim.run(3000);
        let a = sim.activity();
        let rec = sim.take_recording().unwrap();
        assert!(!sim.recording());
        (rec, a)
    }

    #[test]
    fn replay_is_faithful() {
        let cfg = SimConfig { mmio_latency_cycles: 7, ..SimConfig::default() };
        let (rec, a) = recorded(&cfg);
        assert_eq!(rec.end(), a);
        assert!(rec.taint().is_none());
        assert_eq!(rec.frames(), 20);
        assert_eq!(rec.tlps().0, 3);
        assert!(a.cpl_beats_out >= 2 && a.digest != 0 && a.frames_sent == 20);
        let mut bare = Sim::new(cfg).unwrap();
        assert_eq!(bare.activity().cycle, rec.start().cycle);
        let got = bare.replay_recording(&rec).unwrap();
        assert_eq!(got, a);
    }

    #[test]
    fn divergence_is_caught() {
        let (rec, _) = recorded(&SimConfig::default());
        // Back-pressure the replay: the completions do not come out. (A
        // partial stall diverges or not depending on which cycles its random
        // draws hit, which moves with the RTL's timing.)
        let mut bare = Sim::new(SimConfig { cpl_stall_probability: 1.0, ..SimConfig::default() }).unwrap();
        match bare.replay_recording(&rec) {
            Err(SimError::Replay(e)) => assert!(e.contains("diverged") && e.contains("digest"), "{e}"),
            r => panic!("replay under back-pressure: {r:?}"),
        }
        // Not a fresh model.
        let mut used = Sim::new(SimConfig::default()).unwrap();
        used.run(1);
        assert!(matches!(used.load_recording(&rec), Err(SimError::Replay(_))));
    }

    #[test]
    fn unrecorded_changes_taint() {
        let mut sim = Sim::new(SimConfig::default()).unwrap();
        sim.start_recording();
        sim.set_stall(0.1, 0.0, 3);
        sim.run(10);
        let rec = sim.take_recording().unwrap();
        assert!(rec.taint().is_some());
        let mut bare = Sim::new(SimConfig::default()).unwrap();
        assert!(bare.load_recording(&rec).is_err());
    }
}

/// Queue 0 with 16 descriptors of 2 KiB, RX enabled; the completion ring at
/// `cpl_base`, or allocated when `None`. Returns the ring addresses.
/// Brings up RX queue 0 by hand, without the driver: `2^log` descriptors of
/// 2048-byte buffers (buffer ids 0..), all but one posted, the completion
/// ring at `cpl_base` or freshly allocated, RX enabled. Returns the
/// descriptor and completion ring bus addresses. For simulator tests and
/// benchmarks that need traffic without `nic-driver`.
pub fn raw_queue0(sim: &mut Sim, log: u32, cpl_base: Option<u64>) -> Result<(u64, u64), SimError> {
    use nic_spec::{cpl, ctrl, desc, global, qctrl, rxq};
    let n = 1usize << log;
    let d = sim.dma_alloc(n * desc::SIZE, 4096)?.bus_addr;
    let c = match cpl_base {
        Some(c) => c,
        None => sim.dma_alloc(n * cpl::SIZE, 4096)?.bus_addr,
    };
    for i in 0..n {
        let b = sim.dma_alloc(2048, 16)?;
        let mut rec = [0u8; desc::SIZE];
        desc::ADDR.set(&mut rec, b.bus_addr);
        desc::LEN.set(&mut rec, 2048);
        desc::BUF_ID.set(&mut rec, i as u64);
        sim.dma_write(d + (i * desc::SIZE) as u64, &rec)?;
    }
    let q = rxq::BASE;
    sim.mmio_write32(q + rxq::DESC_BASE_LO, d as u32);
    sim.mmio_write32(q + rxq::DESC_BASE_HI, (d >> 32) as u32);
    sim.mmio_write32(q + rxq::DESC_LOG_SIZE, log);
    sim.mmio_write32(q + rxq::CPL_BASE_LO, c as u32);
    sim.mmio_write32(q + rxq::CPL_BASE_HI, (c >> 32) as u32);
    sim.mmio_write32(q + rxq::CPL_LOG_SIZE, log);
    sim.mmio_write32(q + rxq::Q_CTRL, qctrl::ENABLE);
    sim.mmio_write32(global::CTRL, ctrl::RX_ENABLE);
    sim.mmio_write32(q + rxq::DESC_PROD, (n - 1) as u32);
    sim.mmio_read32(global::CTRL)?;
    Ok((d, c))
}

#[cfg(test)]
mod config_replay_tests {
    use super::*;
    use nic_spec::{global, pci};

    #[test]
    fn config_changes_are_recorded_and_replayed() {
        let cfg = SimConfig::default();
        let mut sim = Sim::new(cfg.clone()).unwrap();
        sim.start_recording();
        let _ = raw_queue0(&mut sim, 4, None).unwrap();
        sim.cfg_write32(cfg::MSIX_CAP, u32::from(pci::MSIX_CTRL_ENABLE) << 16).unwrap();
        sim.mac_push(&[0x11; 100], false, 0);
        sim.run(2_000);
        // Bus mastering off: the NIC fetches nothing, so the outputs depend on the change's cycle.
        sim.cfg_write32(pci::COMMAND, u32::from(pci::COMMAND_MEMORY)).unwrap();
        for i in 0..4u8 {
            sim.mac_push(&[i; 300], false, 5);
        }
        sim.run(3_000);
        sim.cfg_write32(pci::COMMAND, u32::from(pci::COMMAND_MEMORY | pci::COMMAND_BUS_MASTER)).unwrap();
        sim.mac_push(&[0x22; 64], false, 0);
        sim.run(3_000);
        sim.cfg_write32(cfg::MSIX_CAP, u32::from(pci::MSIX_CTRL_ENABLE | pci::MSIX_CTRL_FUNCTION_MASK) << 16).unwrap();
        sim.mmio_read32(global::ID).unwrap();
        sim.run(500);
        assert!(sim.violations().is_empty(), "{:#?}", sim.violations());
        assert!(sim.stats().mem_wr_tlps >= 4, "{:?}", sim.stats());
        let a = sim.activity();
        let rec = sim.take_recording().unwrap();
        assert_eq!(rec.taint(), None);
        let mut bare = Sim::new(cfg.clone()).unwrap();
        assert_eq!(bare.replay_recording(&rec).unwrap(), a);
        // Replayed in small pieces: the same.
        let mut bare = Sim::new(cfg.clone()).unwrap();
        bare.load_recording(&rec).unwrap();
        while bare.cycle() < a.cycle {
            let left = a.cycle - bare.cycle();
            bare.replay_bare(left.min(777));
        }
        rec.check(&bare.activity()).unwrap();
        // A model whose inputs differ from the recording's start is refused.
        let mut other = Sim::new(SimConfig { bus_master_enable: false, ..cfg }).unwrap();
        match other.load_recording(&rec) {
            Err(SimError::Replay(e)) => assert!(e.contains("configuration inputs"), "{e}"),
            r => panic!("{r:?}"),
        }
    }
}

#[cfg(test)]
mod interrupt_window_tests {
    use super::*;

    /// The only RTL writes into the MSI window today are misdirected DMA
    /// writes: a completion ring placed in the window. They must stop `run`
    /// on the cycle their last beat went out, and be judged as messages.
    #[test]
    fn window_write_stops_the_loop() {
        let cfg = SimConfig::default();
        let mut sim = Sim::new(cfg.clone()).unwrap();
        sim.cfg_write32(cfg::MSIX_CAP, u32::from(nic_spec::pci::MSIX_CTRL_ENABLE) << 16).unwrap();
        let _ = raw_queue0(&mut sim, 4, Some(cfg.msi_base)).unwrap();
        sim.mac_push(&[0x5A; 128], false, 0);
        let mut reasons = Vec::new();
        while sim.violations().is_empty() && sim.cycle() < 1_000_000 {
            // A budget far beyond the frame's delivery: only an event ends the call.
            sim.hw().run(1 << 20);
            reasons.push(sim.hw.last_reason());
            sim.service();
        }
        assert_eq!(reasons.last(), Some(&ffi::stop::INTERRUPT), "{reasons:?}");
        assert!(reasons[..reasons.len() - 1].iter().all(|&r| r == ffi::stop::NON_POSTED), "{reasons:?}");
        let v = sim.violations();
        assert_eq!(v.len(), 1, "{v:#?}");
        assert_eq!(v[0].kind, ViolationKind::InterruptMessage);
        assert!(v[0].detail.contains("Length 8") && v[0].detail.contains("no vector"), "{}", v[0].detail);
        // It stopped right after the cycle the completion record left the NIC.
        assert_eq!(sim.cycle(), v[0].cycle + 1);
        // The frame itself went to its buffer; the record went nowhere.
        assert_eq!(sim.stats().mem_wr_tlps, 1);
        assert_eq!(sim.stats().dropped_writes, 1);
        assert!(!sim.interrupts_pending() && sim.interrupt_log().is_empty());

        // run_until sees it at once, too.
        sim.mac_push(&[0xA5; 64], false, 0);
        sim.run_until(|s| s.violations().len() > 1, 100_000).unwrap();
        assert_eq!(sim.cycle(), sim.violations()[1].cycle + 1);
    }
}
