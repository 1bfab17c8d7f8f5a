//! The replay engine: feeds frames into the simulated NIC's MAC stream while
//! the real driver polls, matches every delivered frame back to its input and
//! collects the counters.
//!
//! One [`Replayer`] owns a [`Sim`] and a [`Nic`]. [`Replayer::run`] streams
//! frames from any iterator (a pcap reader, a synthetic generator), keeping
//! at most [`ReplayConfig::mac_window`] frames queued in the simulated MAC,
//! runs the simulation in chunks of [`ReplayConfig::chunk_cycles`] and polls
//! every queue between chunks. It returns once every frame sent is accounted
//! for (delivered, or counted by a hardware drop counter) or fails after
//! [`ReplayConfig::idle_timeout_cycles`] without progress: it never hangs.
//! Tests call it several times and touch the driver in between (pause
//! re-posting, say); [`Replayer::report`] can be read at any point.
//!
//! # Matching
//!
//! Each queue delivers its frames in input order, so the frames of one queue
//! are an in-order subsequence of the input; across queues the order is free
//! (RSS spreads flows over queues that are polled in turn). A delivered frame
//! is matched to the earliest not-yet-matched input frame with identical
//! bytes that comes after the last frame matched on the same queue (a
//! per-queue cursor); unmatched frames before it were dropped or went to
//! another queue. A delivered frame that matches no input frame is
//! corruption: it is recorded with a hex dump against the frame that was
//! expected. The replayer does not predict queues itself: which queue a
//! frame should land on is for the tests to check (against `nic-model`).

use std::collections::VecDeque;
use std::fmt;
use std::path::PathBuf;
use std::time::Instant;

use nic_driver::{DriverError, Nic, RssConfig, RxConfig};
use nic_sim::{Sim, SimConfig};
use nic_spec::{rss, rss_type};
use serde::Serialize;

use crate::pacing::Pacer;
use crate::pcap::{Frame, PcapError};

/// One frame to send, with the MAC error flag (tuser on the last beat).
#[derive(Clone, Debug)]
pub struct Stimulus {
    pub frame: Frame,
    pub mac_error: bool,
}

impl From<Frame> for Stimulus {
    fn from(frame: Frame) -> Self {
        Stimulus { frame, mac_error: false }
    }
}

impl Stimulus {
    /// A synthetic frame with no timestamp.
    pub fn synthetic(data: Vec<u8>) -> Self {
        let orig_len = data.len() as u32;
        Stimulus { frame: Frame { index: 0, ts_sec: 0, ts_nsec: 0, orig_len, data }, mac_error: false }
    }
}

/// Settings of one replay.
#[derive(Clone, Debug, Serialize)]
pub struct ReplayConfig {
    /// Pace frames at this Ethernet line rate; `None`: back to back (gap 0).
    pub line_rate_gbps: Option<f64>,
    /// Core clock for the line-rate computation.
    pub clock_mhz: f64,
    /// Root-complex latency before the first completion of a DMA read.
    pub dma_latency_cycles: u64,
    /// Probability that the root complex stalls the NIC's request stream in
    /// a cycle (host MemWr back-pressure).
    pub req_stall_probability: f64,
    /// Seed of the stall generator.
    pub seed: u64,
    /// RX buffer size in bytes.
    pub buf_size: usize,
    /// Descriptor and completion rings hold `2^ring_log` entries.
    pub ring_log: u32,
    /// Buffers per queue (0: ring size - 1).
    pub bufs_per_queue: usize,
    /// Queues to open (`None`: every queue the device has).
    pub queues: Option<usize>,
    /// RSS Toeplitz key (`--rss-key`, 80 hex digits in `summary.json`).
    #[serde(serialize_with = "ser_key")]
    pub rss_key: [u8; rss::KEY_BYTES],
    /// Enabled RSS hash types, `RSS_HASH_TYPES` bits (`--rss-types`; a list
    /// of names in `summary.json`).
    #[serde(serialize_with = "ser_types")]
    pub rss_types: u32,
    /// Indirection table (`--reta`); empty: even spread over the open queues.
    /// Its length must divide the device's table size (it is repeated).
    pub reta: Vec<u8>,
    /// Queue for frames with no enabled hash type (`--default-queue`).
    pub default_queue: u8,
    /// Write an FST waveform here.
    pub fst: Option<PathBuf>,
    /// Cycles per simulation chunk between driver polls.
    pub chunk_cycles: u64,
    /// Frames kept queued in the simulated MAC (at least `chunk_cycles / 4`).
    pub mac_window: usize,
    /// Completions per `poll` call.
    pub poll_budget: usize,
    /// Give up after this many cycles without progress (0: automatic,
    /// 200 000 + 64 * dma_latency_cycles).
    pub idle_timeout_cycles: u64,
}

impl Default for ReplayConfig {
    fn default() -> Self {
        ReplayConfig {
            line_rate_gbps: None,
            clock_mhz: crate::pacing::DEFAULT_CLOCK_MHZ,
            dma_latency_cycles: SimConfig::default().dma_read_latency_cycles,
            req_stall_probability: 0.0,
            seed: 1,
            buf_size: 2048,
            ring_log: 8,
            bufs_per_queue: 0,
            queues: None,
            rss_key: rss::MS_KEY,
            rss_types: rss_type::ALL_ENABLED,
            reta: Vec::new(),
            default_queue: 0,
            fst: None,
            chunk_cycles: 512,
            mac_window: 64,
            poll_budget: 256,
            idle_timeout_cycles: 0,
        }
    }
}

impl ReplayConfig {
    /// The simulator configuration these settings imply.
    pub fn sim_config(&self) -> SimConfig {
        SimConfig {
            dma_read_latency_cycles: self.dma_latency_cycles,
            req_stall_probability: self.req_stall_probability,
            stall_seed: self.seed,
            fst_path: self.fst.clone(),
            ..SimConfig::default()
        }
    }

    /// The driver configuration these settings imply (`queues` filled in by
    /// the replayer).
    pub fn rx_config(&self, queues: usize) -> RxConfig {
        RxConfig {
            queues,
            desc_ring_log: self.ring_log,
            cpl_ring_log: self.ring_log,
            buf_size: self.buf_size,
            bufs_per_queue: self.bufs_per_queue,
            rss: self.rss_config(),
            ..RxConfig::default()
        }
    }

    /// The driver's RSS settings these imply.
    pub fn rss_config(&self) -> RssConfig {
        RssConfig {
            key: self.rss_key,
            hash_types: self.rss_types,
            reta: self.reta.clone(),
            default_queue: self.default_queue,
        }
    }

    fn idle_timeout(&self) -> u64 {
        if self.idle_timeout_cycles != 0 {
            self.idle_timeout_cycles
        } else {
            200_000 + 64 * self.dma_latency_cycles
        }
    }
}

/// Why a replay failed.
#[derive(Debug)]
pub enum ReplayError {
    /// The input could not be read (frames before the error were replayed).
    Input(PcapError),
    /// The driver failed.
    Driver(DriverError),
    /// The simulator could not be set up.
    Sim(String),
    /// No progress for too long: what was still missing.
    Stalled(String),
}

impl fmt::Display for ReplayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplayError::Input(e) => write!(f, "{e}"),
            ReplayError::Driver(e) => write!(f, "driver: {e}"),
            ReplayError::Sim(e) => write!(f, "simulator: {e}"),
            ReplayError::Stalled(e) => write!(f, "replay stalled: {e}"),
        }
    }
}

impl std::error::Error for ReplayError {}

impl From<DriverError> for ReplayError {
    fn from(e: DriverError) -> Self {
        ReplayError::Driver(e)
    }
}

fn ser_key<S: serde::Serializer>(key: &[u8; rss::KEY_BYTES], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::rss::key_hex(key))
}

fn ser_types<S: serde::Serializer>(bits: &u32, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(crate::rss::type_names(*bits))
}

fn ser_rss_type<S: serde::Serializer>(v: &u8, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(crate::rss::name_of(&rss_type::NAMES, *v))
}

fn ser_l3<S: serde::Serializer>(v: &u8, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(crate::rss::name_of(&crate::rss::L3_NAMES, *v))
}

fn ser_l4<S: serde::Serializer>(v: &u8, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(crate::rss::name_of(&crate::rss::L4_NAMES, *v))
}

/// A frame the driver delivered, matched to its input frame. One line of
/// `completions.jsonl`; the enum fields are numbers here (`nic_spec`
/// values) and names in the JSON.
#[derive(Clone, Debug, Serialize)]
pub struct Delivered {
    /// 0-based index of the input frame (pcap index for a pcap replay).
    pub frame: u64,
    pub queue: usize,
    pub len: usize,
    pub buf_id: u16,
    pub status: u8,
    pub desc_idx: u16,
    /// RSS hash from the completion record.
    pub rss_hash: u32,
    /// `nic_spec::rss_type` value (a name from `rss_type::NAMES` in JSON).
    #[serde(serialize_with = "ser_rss_type")]
    pub rss_type: u8,
    /// `nic_spec::l3_type` value (`none`, `ipv4`, `ipv6` in JSON).
    #[serde(serialize_with = "ser_l3")]
    pub l3_type: u8,
    /// `nic_spec::l4_type` value (`none`, `tcp`, `udp`, `other` in JSON).
    #[serde(serialize_with = "ser_l4")]
    pub l4_type: u8,
    pub l3_offset: u16,
    pub l4_offset: u16,
    pub payload_offset: u16,
    /// `nic_spec::parse_flags` bits.
    pub flags: u8,
    pub vlan_count: u8,
    #[serde(skip)]
    pub ts_sec: u64,
    #[serde(skip)]
    pub ts_nsec: u32,
    #[serde(skip)]
    pub orig_len: u32,
}

/// A delivered frame that matched no input frame.
#[derive(Clone, Debug, Serialize)]
pub struct Mismatch {
    pub queue: usize,
    pub buf_id: u16,
    pub len: usize,
    /// The input frame expected next on that queue, if any.
    pub expected_frame: Option<u64>,
    pub expected_len: Option<usize>,
    /// First byte offset where delivered and expected differ.
    pub first_diff: Option<usize>,
    pub delivered_hex: String,
    pub expected_hex: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "queue {} buf {}: delivered {} bytes matching no input frame", self.queue, self.buf_id, self.len)?;
        if let (Some(i), Some(l)) = (self.expected_frame, self.expected_len) {
            write!(f, "; expected frame {i} ({l} bytes)")?;
            if let Some(d) = self.first_diff {
                write!(f, ", first difference at byte {d}")?;
            }
        }
        write!(f, "\ndelivered:\n{}", self.delivered_hex)?;
        if !self.expected_hex.is_empty() {
            write!(f, "expected:\n{}", self.expected_hex)?;
        }
        Ok(())
    }
}

/// Frames dropped, by hardware reason.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Drops {
    pub total: u64,
    pub fifo_full: u64,
    pub mac_error: u64,
    pub runt: u64,
    pub oversize: u64,
    pub disabled: u64,
    pub no_desc: u64,
    pub buf_too_small: u64,
    pub bad_desc: u64,
    pub queue_disabled: u64,
}

/// Frames and bytes delivered on one queue (as the driver saw them).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct QueueSummary {
    pub queue: usize,
    pub frames: u64,
    pub bytes: u64,
}

/// Root-complex rule violations.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Violations {
    pub count: usize,
    /// The first 100, as `cycle N: Kind: detail`.
    pub list: Vec<String>,
}

/// Data-integrity problems found by the matcher.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Corruption {
    pub count: u64,
    /// The first few, with hex dumps.
    pub list: Vec<Mismatch>,
}

/// What a replay did.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Frames taken from the input.
    pub frames_in: u64,
    /// Frames delivered by the driver and matched to an input frame.
    pub frames_delivered: u64,
    pub frames_dropped: Drops,
    /// Input frames not sent because they were empty (the MAC stream cannot
    /// carry a zero-length frame).
    pub frames_skipped_empty: u64,
    pub queues: Vec<QueueSummary>,
    pub sim_cycles: u64,
    pub wall_seconds: f64,
    pub tlp_violations: Violations,
    pub corrupt_frames: Corruption,
    /// Frames the device counted on its MAC input.
    pub device_frames_in: u64,
    /// Completion records the driver rejected as inconsistent.
    pub driver_device_faults: u64,
    pub rx_fifo_bytes: u32,
    pub rx_fifo_peak: u32,
}

impl Report {
    /// Delivered plus dropped equals frames sent, no corruption, no violation.
    pub fn is_clean(&self) -> bool {
        self.frames_delivered + self.frames_dropped.total + self.frames_skipped_empty == self.frames_in
            && self.corrupt_frames.count == 0
            && self.tlp_violations.count == 0
            && self.driver_device_faults == 0
    }
}

/// Progress notification.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    pub frames_sent: u64,
    pub frames_delivered: u64,
    pub sim_cycles: u64,
}

struct InFlight {
    index: u64,
    matched: bool,
    ts_sec: u64,
    ts_nsec: u32,
    orig_len: u32,
    data: Vec<u8>,
}

struct Polled {
    queue: usize,
    buf_id: u16,
    status: u8,
    desc_idx: u16,
    rss_hash: u32,
    rss_type: u8,
    l3_type: u8,
    l4_type: u8,
    l3_offset: u16,
    l4_offset: u16,
    payload_offset: u16,
    flags: u8,
    vlan_count: u8,
    start: usize,
    len: usize,
}

/// Most violations listed in the report (all are counted).
const MAX_VIOLATIONS_LISTED: usize = 100;
/// Most corrupt frames kept with hex dumps.
const MAX_MISMATCHES_KEPT: usize = 16;
/// Bytes of a frame shown in a hex dump.
const HEX_BYTES: usize = 256;

/// The replay engine; see the module docs.
pub struct Replayer {
    cfg: ReplayConfig,
    sim: Sim,
    nic: Nic,
    nqueues: usize,
    pacer: Pacer,
    window: VecDeque<InFlight>,
    window_cap: usize,
    last_matched: Vec<Option<u64>>,
    frames_in: u64,
    frames_sent: u64,
    skipped_empty: u64,
    delivered: u64,
    per_queue: Vec<QueueSummary>,
    corruption: Corruption,
    started: Instant,
    arena: Vec<u8>,
    polled: Vec<Polled>,
    progress: Option<Box<dyn FnMut(Progress)>>,
}

impl Replayer {
    /// Builds the simulator from `cfg`, probes and opens the NIC.
    pub fn new(cfg: ReplayConfig) -> Result<Self, ReplayError> {
        let sim_cfg = cfg.sim_config();
        Self::with_sim_config(cfg, sim_cfg)
    }

    /// Like [`Replayer::new`] with an explicit simulator configuration (to
    /// set knobs `ReplayConfig` does not have).
    pub fn with_sim_config(cfg: ReplayConfig, sim_cfg: SimConfig) -> Result<Self, ReplayError> {
        let started = Instant::now();
        let sim = Sim::new(sim_cfg).map_err(|e| ReplayError::Sim(e.to_string()))?;
        Self::build(cfg, sim, started)
    }

    /// Like [`Replayer::new`] on a simulator built by the caller (fresh from
    /// [`Sim::new`], say with recording started), which it probes and opens.
    pub fn with_sim(cfg: ReplayConfig, sim: Sim) -> Result<Self, ReplayError> {
        Self::build(cfg, sim, Instant::now())
    }

    fn build(cfg: ReplayConfig, mut sim: Sim, started: Instant) -> Result<Self, ReplayError> {
        let mut nic = Nic::probe(&mut sim)?;
        let nqueues = cfg.queues.unwrap_or(nic.caps().rx_queues as usize).max(1);
        // `open` ends with a read-back, so its posted writes (RX_ENABLE
        // last) have landed before the first frame.
        nic.open(&mut sim, &cfg.rx_config(nqueues))?;
        let ring = 1usize << cfg.ring_log;
        let fifo_frames = nic.caps().rx_fifo_bytes as usize / 60 + 1;
        Ok(Replayer {
            pacer: Pacer::new(cfg.line_rate_gbps, cfg.clock_mhz),
            window: VecDeque::new(),
            window_cap: cfg.mac_window.max(cfg.chunk_cycles as usize / 4 + 1) + fifo_frames + 2 * ring * nqueues + 4096,
            last_matched: vec![None; nqueues],
            frames_in: 0,
            frames_sent: 0,
            skipped_empty: 0,
            delivered: 0,
            per_queue: (0..nqueues).map(|queue| QueueSummary { queue, frames: 0, bytes: 0 }).collect(),
            corruption: Corruption::default(),
            started,
            arena: Vec::new(),
            polled: Vec::new(),
            progress: None,
            cfg,
            sim,
            nic,
            nqueues,
        })
    }

    pub fn config(&self) -> &ReplayConfig {
        &self.cfg
    }

    /// The simulator (for tests that poke it).
    pub fn sim(&mut self) -> &mut Sim {
        &mut self.sim
    }

    /// The driver and the simulator together (the driver takes the `Hal`).
    pub fn parts(&mut self) -> (&mut Nic, &mut Sim) {
        (&mut self.nic, &mut self.sim)
    }

    pub fn queues(&self) -> usize {
        self.nqueues
    }

    /// Called now and then while running.
    pub fn set_progress(&mut self, f: impl FnMut(Progress) + 'static) {
        self.progress = Some(Box::new(f));
    }

    /// Sends every frame of `frames`, polling the driver and handing each
    /// delivered frame to `sink`, until all sent frames are accounted for.
    ///
    /// An input error stops the feeding; what was sent is still drained and
    /// accounted for, then the error is returned.
    pub fn run<I, F>(&mut self, frames: I, mut sink: F) -> Result<(), ReplayError>
    where
        I: IntoIterator<Item = Result<Stimulus, PcapError>>,
        F: FnMut(&Delivered, &[u8]),
    {
        let mut input = frames.into_iter();
        let mut input_error = None;
        let mut input_done = false;
        let chunk = self.cfg.chunk_cycles.max(1);
        // Enough queued frames that a chunk never runs the MAC dry, even
        // with minimum-size frames (8 cycles each): twice a chunk's worth.
        let window = self.cfg.mac_window.max((chunk / 4) as usize + 1);
        let timeout = self.cfg.idle_timeout();
        let mut last_sig = None;
        let mut last_progress_cycle = self.sim.cycle();
        let mut last_mac_sent = self.sim.frames_sent();
        let mut last_report = Instant::now();
        loop {
            // Keep the MAC queue topped up, never more than a window ahead.
            while !input_done && self.sim.mac_pending() < window {
                match input.next() {
                    None => input_done = true,
                    Some(Err(e)) => {
                        input_error = Some(e);
                        input_done = true;
                    }
                    Some(Ok(s)) => self.send(s),
                }
            }
            self.sim.run(chunk);
            let got = self.poll_all(&mut sink)?;
            if let Some(p) = self.progress.as_mut() {
                if last_report.elapsed().as_millis() >= 100 {
                    last_report = Instant::now();
                    p(Progress {
                        frames_sent: self.frames_sent,
                        frames_delivered: self.delivered,
                        sim_cycles: self.sim.cycle(),
                    });
                }
            }
            let mac_sent = self.sim.frames_sent();
            if got > 0 || mac_sent != last_mac_sent {
                last_mac_sent = mac_sent;
                last_progress_cycle = self.sim.cycle();
            }
            if !input_done || self.sim.mac_pending() > 0 {
                // Still feeding: the MAC stream must keep moving.
                if self.sim.cycle() - last_progress_cycle > timeout {
                    return Err(ReplayError::Stalled(format!(
                        "the NIC accepted no frame and delivered nothing for {} cycles (at cycle {}): {} frames sent, {} still queued in the MAC",
                        timeout,
                        self.sim.cycle(),
                        self.frames_sent,
                        self.sim.mac_pending(),
                    )));
                }
                continue;
            }
            if got > 0 {
                continue;
            }
            // Idle poll with everything sent: is every frame accounted for?
            let s = self.nic.stats(&mut self.sim)?;
            let drops = drops_of(&s);
            let hw_delivered: u64 = s.queues.iter().map(|q| q.frames).sum();
            let sw_seen: u64 = s.queues.iter().map(|q| q.frames_delivered + q.device_faults).sum();
            if hw_delivered + drops.total >= self.frames_sent && sw_seen >= hw_delivered {
                // One more poll in case the stats read let a completion land.
                self.poll_all(&mut sink)?;
                break;
            }
            let sig = (s.frames_in, hw_delivered, drops.total, sw_seen);
            if last_sig != Some(sig) {
                last_sig = Some(sig);
                last_progress_cycle = self.sim.cycle();
            } else if self.sim.cycle() - last_progress_cycle > timeout {
                let health = match self.nic.check_health(&mut self.sim) {
                    Ok(()) => "device reports no error".to_string(),
                    Err(e) => e.to_string(),
                };
                let violations = self.sim.violations();
                return Err(ReplayError::Stalled(format!(
                    "no progress for {} cycles (at cycle {}): {} frames sent, device saw {}, delivered {} (driver saw {}), dropped {}; {}; {} TLP violation(s){}",
                    timeout,
                    self.sim.cycle(),
                    self.frames_sent,
                    s.frames_in,
                    hw_delivered,
                    sw_seen,
                    drops.total,
                    health,
                    violations.len(),
                    violations.first().map(|v| format!(", first: {v}")).unwrap_or_default(),
                )));
            }
        }
        match input_error {
            Some(e) => Err(ReplayError::Input(e)),
            None => Ok(()),
        }
    }

    /// Runs the simulation for `cycles` cycles, polling in between, without
    /// sending anything (to let the device settle, say).
    pub fn run_cycles<F: FnMut(&Delivered, &[u8])>(&mut self, cycles: u64, mut sink: F) -> Result<(), ReplayError> {
        let end = self.sim.cycle() + cycles;
        while self.sim.cycle() < end {
            let n = self.cfg.chunk_cycles.max(1).min(end - self.sim.cycle());
            self.sim.run(n);
            self.poll_all(&mut sink)?;
        }
        Ok(())
    }

    fn send(&mut self, s: Stimulus) {
        let index = self.frames_in;
        self.frames_in += 1;
        if s.frame.data.is_empty() {
            self.skipped_empty += 1;
            return;
        }
        let gap = self.pacer.gap_before(s.frame.data.len());
        self.sim.mac_push(&s.frame.data, s.mac_error, gap);
        self.frames_sent += 1;
        self.window.push_back(InFlight {
            index,
            matched: false,
            ts_sec: s.frame.ts_sec,
            ts_nsec: s.frame.ts_nsec,
            orig_len: s.frame.orig_len,
            data: s.frame.data,
        });
        // Bound memory when the device drops everything: frames this far
        // back cannot still be in flight.
        while self.window.len() > self.window_cap {
            self.window.pop_front();
        }
    }

    /// Polls every queue until it is empty; returns completions consumed.
    fn poll_all<F: FnMut(&Delivered, &[u8])>(&mut self, sink: &mut F) -> Result<usize, ReplayError> {
        let mut total = 0;
        for q in 0..self.nqueues {
            loop {
                self.arena.clear();
                self.polled.clear();
                let (arena, polled) = (&mut self.arena, &mut self.polled);
                let n = self.nic.poll(&mut self.sim, q, self.cfg.poll_budget, |f| {
                    let start = arena.len();
                    arena.extend_from_slice(f.data);
                    polled.push(Polled {
                        queue: f.queue,
                        buf_id: f.buf_id,
                        status: f.status,
                        desc_idx: f.desc_idx,
                        rss_hash: f.rss_hash,
                        rss_type: f.rss_type,
                        l3_type: f.l3_type,
                        l4_type: f.l4_type,
                        l3_offset: f.l3_offset,
                        l4_offset: f.l4_offset,
                        payload_offset: f.payload_offset,
                        flags: f.flags,
                        vlan_count: f.vlan_count,
                        start,
                        len: f.data.len(),
                    });
                })?;
                total += n;
                let polled = std::mem::take(&mut self.polled);
                for p in &polled {
                    self.deliver(p, sink);
                }
                self.polled = polled;
                if n < self.cfg.poll_budget {
                    break;
                }
            }
        }
        Ok(total)
    }

    fn deliver<F: FnMut(&Delivered, &[u8])>(&mut self, p: &Polled, sink: &mut F) {
        let data = &self.arena[p.start..p.start + p.len];
        let q = p.queue.min(self.nqueues - 1);
        let after = self.last_matched[q];
        // The window is sorted by index: start the search after this queue's cursor.
        let from = after.map_or(0, |a| self.window.partition_point(|f| f.index <= a));
        let pos = self.window.range(from..).position(|f| !f.matched && f.data == data).map(|i| from + i);
        let Some(pos) = pos else {
            self.corruption.count += 1;
            if self.corruption.list.len() < MAX_MISMATCHES_KEPT {
                let expected = self.window.range(from..).find(|f| !f.matched);
                let first_diff = expected
                    .map(|e| e.data.iter().zip(data).position(|(a, b)| a != b).unwrap_or(e.data.len().min(data.len())));
                self.corruption.list.push(Mismatch {
                    queue: p.queue,
                    buf_id: p.buf_id,
                    len: p.len,
                    expected_frame: expected.map(|e| e.index),
                    expected_len: expected.map(|e| e.data.len()),
                    first_diff,
                    delivered_hex: hexdump(data, first_diff),
                    expected_hex: expected.map(|e| hexdump(&e.data, first_diff)).unwrap_or_default(),
                });
            }
            return;
        };
        let f = &mut self.window[pos];
        f.matched = true;
        let d = Delivered {
            frame: f.index,
            queue: p.queue,
            len: p.len,
            buf_id: p.buf_id,
            status: p.status,
            desc_idx: p.desc_idx,
            rss_hash: p.rss_hash,
            rss_type: p.rss_type,
            l3_type: p.l3_type,
            l4_type: p.l4_type,
            l3_offset: p.l3_offset,
            l4_offset: p.l4_offset,
            payload_offset: p.payload_offset,
            flags: p.flags,
            vlan_count: p.vlan_count,
            ts_sec: f.ts_sec,
            ts_nsec: f.ts_nsec,
            orig_len: f.orig_len,
        };
        self.last_matched[q] = Some(f.index);
        self.delivered += 1;
        let qs = &mut self.per_queue[q];
        qs.frames += 1;
        qs.bytes += p.len as u64;
        sink(&d, data);
        // Frames older than the last match of every queue can no longer be
        // delivered: drop them from the window.
        let horizon = self.last_matched.iter().map(|m| m.map_or(0, |i| i + 1)).min().unwrap_or(0);
        while let Some(front) = self.window.front() {
            if front.matched || front.index < horizon {
                self.window.pop_front();
            } else {
                break;
            }
        }
    }

    /// Reads the counters (a few MMIO reads) and builds the report.
    pub fn report(&mut self) -> Result<Report, ReplayError> {
        let s = self.nic.stats(&mut self.sim)?;
        let violations = self.sim.violations();
        Ok(Report {
            frames_in: self.frames_in,
            frames_delivered: self.delivered,
            frames_dropped: drops_of(&s),
            frames_skipped_empty: self.skipped_empty,
            queues: self.per_queue.clone(),
            sim_cycles: self.sim.cycle(),
            wall_seconds: self.started.elapsed().as_secs_f64(),
            tlp_violations: Violations {
                count: violations.len(),
                list: violations.iter().take(MAX_VIOLATIONS_LISTED).map(|v| v.to_string()).collect(),
            },
            corrupt_frames: self.corruption.clone(),
            device_frames_in: s.frames_in,
            driver_device_faults: s.queues.iter().map(|q| q.device_faults).sum(),
            rx_fifo_bytes: s.rx_fifo_bytes,
            rx_fifo_peak: s.rx_fifo_peak,
        })
    }

    /// Closes the NIC (disables queues, frees memory).
    pub fn close(&mut self) -> Result<(), ReplayError> {
        self.nic.close(&mut self.sim)?;
        Ok(())
    }
}

/// Drop counters from the driver's statistics.
pub fn drops_of(s: &nic_driver::Stats) -> Drops {
    let mut d = Drops {
        fifo_full: s.drop_fifo_full,
        mac_error: s.drop_mac_error,
        runt: s.drop_runt,
        oversize: s.drop_oversize,
        disabled: s.drop_disabled,
        ..Drops::default()
    };
    for q in &s.queues {
        d.no_desc += q.drop_no_desc;
        d.buf_too_small += q.drop_buf_too_small;
        d.bad_desc += q.drop_bad_desc;
        d.queue_disabled += q.drop_queue_disabled;
    }
    d.total = d.fifo_full
        + d.mac_error
        + d.runt
        + d.oversize
        + d.disabled
        + d.no_desc
        + d.buf_too_small
        + d.bad_desc
        + d.queue_disabled;
    d
}

/// Hex dump of up to [`HEX_BYTES`] bytes, 16 per line, centred on `around`
/// if given.
pub fn hexdump(data: &[u8], around: Option<usize>) -> String {
    use std::fmt::Write as _;
    let start = around.map_or(0, |a| a.saturating_sub(HEX_BYTES / 2) & !15);
    let end = (start + HEX_BYTES).min(data.len());
    let mut s = String::new();
    for off in (start..end).step_by(16) {
        let _ = write!(s, "{off:06x}:");
        for b in &data[off..(off + 16).min(end)] {
            let _ = write!(s, " {b:02x}");
        }
        s.push('\n');
    }
    if end < data.len() {
        let _ = writeln!(s, "... ({} bytes total)", data.len());
    }
    s
}
