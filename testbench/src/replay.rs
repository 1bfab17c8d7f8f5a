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
//!
//! # Reassembly
//!
//! Unless [`ReplayConfig::streams`] is [`StreamData::Off`], every frame the
//! driver delivers (matched or not) is also fed, in delivery order, to a
//! [`StreamCollector`] (TCP reassembly, copy path: one payload copy per
//! frame); its counters are in the [`Report`], its streams come from
//! [`Replayer::finish_streams`].

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::path::PathBuf;
use std::time::Instant;

use nic_driver::napi::{run_vector, IrqHub, Shared};
use nic_driver::{Delivery, DriverError, IrqConfig, Nic, RssConfig, RxConfig, RxFrame, SplitConfig};
use nic_sim::{Sim, SimConfig};
use nic_spec::{rss, rss_type};
use serde::Serialize;

use crate::pacing::Pacer;
use crate::pcap::{Frame, PcapError};
use crate::streams::{ReassemblyStats, StreamCollector, StreamData, StreamResult};

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

/// How the driver learns that frames arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RxMode {
    /// MSI-X interrupts, one NAPI task per vector (the default).
    Msix,
    /// The driver polls every queue after each simulation chunk.
    Poll,
}

/// Settings of one replay.
#[derive(Clone, Debug, Serialize)]
pub struct ReplayConfig {
    /// Interrupt-driven (MSI-X, NAPI tasks on tokio) or polling reception.
    pub mode: RxMode,
    /// MSI-X moderation interval per vector in ns (`--itr-ns`; 0: off).
    pub itr_ns: u32,
    /// MSI-X moderation frame threshold per vector (`--itr-frames`; 0: off).
    pub itr_frames: u16,
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
    /// RX data buffer size in bytes (`--data-buf`, alias `--buf-size`).
    pub buf_size: usize,
    /// Header/data split, scatter and VLAN stripping (`--split`, `--hdr-buf`,
    /// `--split-thresh`, `--no-scatter`, `--vlan-strip`; docs/split.md).
    pub split: SplitConfig,
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
    /// Completions per `poll` call (the NAPI budget in MSI-X mode).
    pub poll_budget: usize,
    /// Give up after this many cycles without progress (0: automatic,
    /// 200 000 + 64 * dma_latency_cycles).
    pub idle_timeout_cycles: u64,
    /// TCP reassembly of the delivered frames ([`crate::streams`]): off,
    /// counters and digests only (the default), or keeping stream bytes.
    pub streams: StreamData,
    /// How the driver hands frames over (`--delivery`): lending its data
    /// buffers (zero-copy, the default) or copying them.
    pub delivery: Delivery,
}

impl Default for ReplayConfig {
    fn default() -> Self {
        ReplayConfig {
            mode: RxMode::Msix,
            itr_ns: 0,
            itr_frames: 0,
            line_rate_gbps: None,
            clock_mhz: crate::pacing::DEFAULT_CLOCK_MHZ,
            dma_latency_cycles: SimConfig::default().dma_read_latency_cycles,
            req_stall_probability: 0.0,
            seed: 1,
            buf_size: 2048,
            split: SplitConfig::default(),
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
            streams: StreamData::default(),
            delivery: Delivery::ZeroCopy,
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
            split: self.split,
            delivery: self.delivery,
            ..RxConfig::default()
        }
    }

    /// The driver's interrupt settings these imply (MSI-X mode).
    pub fn irq_config(&self) -> IrqConfig {
        IrqConfig { itr_ns: self.itr_ns, itr_frames: self.itr_frames, budget: self.poll_budget.max(1) }
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

fn ser_csum<S: serde::Serializer>(v: &u8, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(crate::rss::name_of(&nic_spec::csum::NAMES, *v))
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
    /// `nic_spec::csum` value of the IPv4 header check (`none`, `good`, `bad` in JSON).
    #[serde(serialize_with = "ser_csum")]
    pub ip_csum: u8,
    /// `nic_spec::csum` value of the TCP/UDP check (`none`, `good`, `bad` in JSON).
    #[serde(serialize_with = "ser_csum")]
    pub l4_csum: u8,
    /// Ones'-complement sum of frame bytes `[14, len)` (CHECKSUM_COMPLETE).
    pub csum_complete: u16,
    /// Bytes delivered in the header buffer (0: not used).
    pub hdr_len: u16,
    /// `len - hdr_len`: bytes delivered in data buffers.
    pub payload_len: u16,
    /// Headers in the header buffer, payload at data buffer offset 0.
    pub split: bool,
    /// Data buffers written (0 for a frame wholly in the header buffer).
    pub bufs: u8,
    /// Descriptors the frame consumed.
    pub desc_count: u8,
    /// Bytes in the last data buffer.
    pub last_len: u16,
    /// Split was due but the headers did not fit the header buffer.
    pub hdr_overflow: bool,
    /// Outer VLAN TCI (0 without a tag), stripped or not.
    pub vlan_tci: u16,
    /// The outer VLAN tag was removed: `len` is 4 less than the input
    /// frame's, and the delivered bytes lack input bytes 12..15.
    pub vlan_stripped: bool,
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

/// Buffer pools and split counters of one queue (driver and device), read
/// when the report is made.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PoolStats {
    pub queue: usize,
    pub data_pool_size: usize,
    pub data_free: usize,
    /// Fewest free data buffers seen after a post.
    pub data_free_min: usize,
    /// 0 when the queue has no header pool (split off, no threshold).
    pub hdr_pool_size: usize,
    pub hdr_free: usize,
    pub hdr_free_min: usize,
    /// Posts that found room in the ring but no free buffer.
    pub pool_exhausted: u64,
    /// Descriptors retired by completions.
    pub descs_consumed: u64,
    /// Frames delivered split (driver count).
    pub frames_split: u64,
    /// Frames delivered unsplit because the headers did not fit (driver count).
    pub hdr_overflows: u64,
    /// Frames delivered from more than one data buffer.
    pub frames_scattered: u64,
    /// Frames delivered wholly in the header buffer (threshold).
    pub frames_header_only: u64,
    pub vlan_stripped: u64,
    /// Device `Q_SPLIT_FRAMES`.
    pub device_split_frames: u64,
    /// Device `Q_HDR_OVERFLOW`.
    pub device_hdr_overflow: u64,
    /// Data-buffer bytes the driver copied (`--delivery copy`).
    pub driver_bytes_copied: u64,
    /// Data-buffer bytes the driver lent without a copy (`--delivery zero-copy`).
    pub driver_bytes_lent: u64,
    /// Data buffers still lent out when the report was made.
    pub lent_buffers: usize,
    /// Most data buffers lent out at once (when lending; returned ones not yet taken back count).
    pub lent_peak: u64,
}

impl PoolStats {
    fn of(q: &nic_driver::QueueStats) -> Self {
        PoolStats {
            queue: q.queue,
            data_pool_size: q.data_pool_size,
            data_free: q.free_buffers,
            data_free_min: q.data_free_min,
            hdr_pool_size: q.hdr_pool_size,
            hdr_free: q.hdr_free,
            hdr_free_min: q.hdr_free_min,
            pool_exhausted: q.pool_exhausted,
            descs_consumed: q.descs_consumed,
            frames_split: q.frames_split,
            hdr_overflows: q.hdr_overflows,
            frames_scattered: q.frames_scattered,
            frames_header_only: q.frames_header_only,
            vlan_stripped: q.vlan_stripped,
            device_split_frames: q.split_frames,
            device_hdr_overflow: q.hdr_overflow,
            driver_bytes_copied: q.bytes_copied,
            driver_bytes_lent: q.bytes_lent,
            lent_buffers: q.lent_buffers,
            lent_peak: q.lent_peak,
        }
    }
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
    /// Cycles simulated by the run (the final counter reads not included).
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
    /// Interrupts the driver took, per MSI-X vector (empty in polling mode).
    pub interrupts: Vec<VectorCount>,
    pub interrupt_stats: InterruptStats,
    /// Buffer pools and split counters per queue.
    pub pools: Vec<PoolStats>,
    /// TCP payload bytes the reassembly received as buffer handles (0: the
    /// driver has no zero-copy path yet).
    pub payload_bytes_zero_copy: u64,
    /// TCP payload bytes the reassembly copied out of the driver's buffers.
    pub payload_bytes_copied: u64,
    /// Reassembly counters ([`crate::streams`]; all 0 with reassembly off).
    pub reassembly: ReassemblyStats,
}

/// Interrupts taken on one MSI-X vector.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct VectorCount {
    pub vector: u16,
    pub count: u64,
}

/// Interrupt totals of a replay.
#[derive(Clone, Debug, Serialize)]
pub struct InterruptStats {
    pub mode: RxMode,
    /// Interrupts the driver took, all vectors.
    pub total: u64,
    /// MSI-X messages the device says it sent (`ivec::MSGS`), all vectors.
    pub device_messages: u64,
    /// Frames delivered per interrupt taken (0 without interrupts).
    pub frames_per_interrupt: f64,
    /// Interrupts per second of simulated time, at `clock_mhz`.
    pub per_sim_second: f64,
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
#[derive(Clone, Copy, Debug, Default)]
pub struct Progress {
    pub frames_sent: u64,
    pub frames_delivered: u64,
    pub sim_cycles: u64,
    /// Data buffers the driver has lent out now (zero-copy), all queues.
    pub lent_buffers: usize,
    /// Streams the reassembler holds state for (0 without reassembly).
    pub live_streams: usize,
    /// Out-of-order bytes and segments the reassembler holds.
    pub held_ooo: (usize, usize),
    /// Per-stream output records kept for `streams/index.json`.
    pub stream_records: usize,
}

struct InFlight {
    index: u64,
    matched: bool,
    ts_sec: u64,
    ts_nsec: u32,
    orig_len: u32,
    data: Vec<u8>,
}

/// Most violations listed in the report (all are counted).
const MAX_VIOLATIONS_LISTED: usize = 100;
/// Most corrupt frames kept with hex dumps.
const MAX_MISMATCHES_KEPT: usize = 16;
/// Bytes of a frame shown in a hex dump.
const HEX_BYTES: usize = 256;

/// Matches delivered frames to the input frames still in flight.
struct Matcher {
    window: VecDeque<InFlight>,
    window_cap: usize,
    last_matched: Vec<Option<u64>>,
    delivered: u64,
    per_queue: Vec<QueueSummary>,
    corruption: Corruption,
    /// Reassembly of every delivered frame, in delivery order.
    streams: Option<StreamCollector>,
    /// A lent frame in several buffers, joined for the sink.
    joined: Vec<u8>,
}

impl Matcher {
    fn push(&mut self, f: InFlight) {
        self.window.push_back(f);
        // Bound memory when the device drops everything: frames this far
        // back cannot still be in flight.
        while self.window.len() > self.window_cap {
            self.window.pop_front();
        }
    }

    fn deliver<F: FnMut(&Delivered, &[u8])>(&mut self, f: &RxFrame<'_>, sink: &mut F) {
        if let Some(s) = &mut self.streams {
            // Every frame the driver delivered, as an application would get it.
            s.push(&f.bytes, f.vlan_stripped, f.vlan_tci);
        }
        // The sink and the diagnostics take the frame in one piece: a lent
        // frame in several buffers is joined here, the test bench's own copy
        // for its outputs, not part of the delivery (payload_bytes_*).
        let data = match f.bytes.contiguous() {
            Some(d) => d,
            None => {
                self.joined.resize(f.bytes.len(), 0);
                f.bytes.copy_to(&mut self.joined);
                &self.joined[..]
            }
        };
        let nqueues = self.last_matched.len();
        let q = f.queue.min(nqueues - 1);
        let after = self.last_matched[q];
        // The window is sorted by index: start the search after this queue's cursor.
        let from = after.map_or(0, |a| self.window.partition_point(|w| w.index <= a));
        let pos = self.window.range(from..).position(|w| !w.matched && same_frame(&w.data, data, f)).map(|i| from + i);
        let Some(pos) = pos else {
            self.corruption.count += 1;
            if self.corruption.list.len() < MAX_MISMATCHES_KEPT {
                let expected = self.window.range(from..).find(|w| !w.matched);
                let first_diff = expected
                    .map(|e| e.data.iter().zip(data).position(|(a, b)| a != b).unwrap_or(e.data.len().min(data.len())));
                self.corruption.list.push(Mismatch {
                    queue: f.queue,
                    buf_id: f.buf_id,
                    len: data.len(),
                    expected_frame: expected.map(|e| e.index),
                    expected_len: expected.map(|e| e.data.len()),
                    first_diff,
                    delivered_hex: hexdump(data, first_diff),
                    expected_hex: expected.map(|e| hexdump(&e.data, first_diff)).unwrap_or_default(),
                });
            }
            return;
        };
        let w = &mut self.window[pos];
        w.matched = true;
        let d = Delivered {
            frame: w.index,
            queue: f.queue,
            len: data.len(),
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
            ip_csum: f.ip_csum,
            l4_csum: f.l4_csum,
            csum_complete: f.csum_complete,
            hdr_len: f.hdr_len,
            payload_len: f.payload_len,
            split: f.split,
            bufs: f.bufs,
            desc_count: f.desc_count,
            last_len: f.last_len,
            hdr_overflow: f.hdr_overflow,
            vlan_tci: f.vlan_tci,
            vlan_stripped: f.vlan_stripped,
            ts_sec: w.ts_sec,
            ts_nsec: w.ts_nsec,
            orig_len: w.orig_len,
        };
        self.last_matched[q] = Some(w.index);
        self.delivered += 1;
        let qs = &mut self.per_queue[q];
        qs.frames += 1;
        qs.bytes += data.len() as u64;
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
}

/// Whether `f` delivers input frame `input`: the same bytes, or, with the
/// outer VLAN tag stripped, the same bytes without input bytes 12..15 whose
/// TCI (14..15) the completion kept (the TPID is not kept: 0x8100 or 0x88a8).
fn same_frame(input: &[u8], d: &[u8], f: &RxFrame<'_>) -> bool {
    if !f.vlan_stripped {
        return input == d;
    }
    input.len() == d.len() + 4
        && d.len() >= 12
        && input[..12] == d[..12]
        && input[14..16] == f.vlan_tci.to_be_bytes()
        && input[16..] == d[12..]
}

/// The input side: pacing and counts of what was taken and sent.
struct Feeder {
    pacer: Pacer,
    frames_in: u64,
    frames_sent: u64,
    skipped_empty: u64,
}

impl Feeder {
    fn send(&mut self, sim: &mut Sim, m: &RefCell<Matcher>, s: Stimulus) {
        let index = self.frames_in;
        self.frames_in += 1;
        if s.frame.data.is_empty() {
            self.skipped_empty += 1;
            return;
        }
        let gap = self.pacer.gap_before(s.frame.data.len());
        sim.mac_push(&s.frame.data, s.mac_error, gap);
        self.frames_sent += 1;
        m.borrow_mut().push(InFlight {
            index,
            matched: false,
            ts_sec: s.frame.ts_sec,
            ts_nsec: s.frame.ts_nsec,
            orig_len: s.frame.orig_len,
            data: s.frame.data,
        });
    }
}

/// When a run stops.
#[derive(Clone, Copy)]
enum Until {
    /// Every frame sent is accounted for.
    Drained,
    /// At this cycle (nothing is sent).
    Cycle(u64),
}

/// The replay engine; see the module docs.
pub struct Replayer {
    cfg: ReplayConfig,
    /// The driver and the simulator; lent to the run's tasks while running.
    dev: Option<(Nic, Sim)>,
    nqueues: usize,
    feeder: Feeder,
    matcher: RefCell<Matcher>,
    started: Instant,
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
        if cfg.mode == RxMode::Msix {
            nic.enable_interrupts(&mut sim, &cfg.irq_config())?;
        }
        let ring = 1usize << cfg.ring_log;
        let fifo_frames = nic.caps().rx_fifo_bytes as usize / 60 + 1;
        let matcher = Matcher {
            window: VecDeque::new(),
            window_cap: cfg.mac_window.max(cfg.chunk_cycles as usize / 4 + 1) + fifo_frames + 2 * ring * nqueues + 4096,
            last_matched: vec![None; nqueues],
            delivered: 0,
            per_queue: (0..nqueues).map(|queue| QueueSummary { queue, frames: 0, bytes: 0 }).collect(),
            corruption: Corruption::default(),
            streams: match cfg.streams {
                StreamData::Off => None,
                StreamData::Count => Some(StreamCollector::new(false)),
                StreamData::Keep => Some(StreamCollector::new(true)),
            },
            joined: Vec::new(),
        };
        Ok(Replayer {
            feeder: Feeder {
                pacer: Pacer::new(cfg.line_rate_gbps, cfg.clock_mhz),
                frames_in: 0,
                frames_sent: 0,
                skipped_empty: 0,
            },
            matcher: RefCell::new(matcher),
            started,
            progress: None,
            cfg,
            dev: Some((nic, sim)),
            nqueues,
        })
    }

    pub fn config(&self) -> &ReplayConfig {
        &self.cfg
    }

    fn dev(&mut self) -> &mut (Nic, Sim) {
        // Only `None` inside `drive`, which holds `&mut self`.
        self.dev.as_mut().expect("the replayer's device is lent out only while it runs")
    }

    /// The simulator (for tests that poke it).
    pub fn sim(&mut self) -> &mut Sim {
        &mut self.dev().1
    }

    /// The driver and the simulator together (the driver takes the `Hal`).
    pub fn parts(&mut self) -> (&mut Nic, &mut Sim) {
        let (nic, sim) = self.dev();
        (nic, sim)
    }

    pub fn queues(&self) -> usize {
        self.nqueues
    }

    /// Called now and then while running.
    pub fn set_progress(&mut self, f: impl FnMut(Progress) + 'static) {
        self.progress = Some(Box::new(f));
    }

    /// Sends every frame of `frames`, letting the driver receive (by MSI-X
    /// interrupts or by polling, [`ReplayConfig::mode`]) and handing each
    /// delivered frame to `sink`, until all sent frames are accounted for.
    ///
    /// An input error stops the feeding; what was sent is still drained and
    /// accounted for, then the error is returned.
    pub fn run<I, F>(&mut self, frames: I, sink: F) -> Result<(), ReplayError>
    where
        I: IntoIterator<Item = Result<Stimulus, PcapError>>,
        F: FnMut(&Delivered, &[u8]),
    {
        let mut input = frames.into_iter();
        let mut input_error = None;
        self.drive(&mut input, &mut input_error, sink, Until::Drained)?;
        match input_error {
            Some(e) => Err(ReplayError::Input(e)),
            None => Ok(()),
        }
    }

    /// Runs the simulation for `cycles` cycles, receiving as in
    /// [`Replayer::run`], without sending anything (to let the device settle, say).
    pub fn run_cycles<F: FnMut(&Delivered, &[u8])>(&mut self, cycles: u64, sink: F) -> Result<(), ReplayError> {
        let end = self.sim().cycle() + cycles;
        let mut none = std::iter::empty::<Result<Stimulus, PcapError>>();
        self.drive(&mut none, &mut None, sink, Until::Cycle(end))
    }

    /// The run loop. The driver and the simulator go into a [`Shared`] for
    /// the run: in MSI-X mode, one NAPI task per vector ([`run_vector`])
    /// waits for its interrupt, polls and re-arms, beside the clock task,
    /// which feeds the MAC, advances the model until an interrupt or the
    /// end of a chunk, and hands the interrupts to the tasks
    /// ([`IrqHub::dispatch`]), all on one thread (tokio current-thread
    /// runtime). In polling mode the clock task polls every queue after
    /// each chunk instead.
    fn drive<I, F>(
        &mut self,
        input: &mut I,
        input_error: &mut Option<PcapError>,
        sink: F,
        until: Until,
    ) -> Result<(), ReplayError>
    where
        I: Iterator<Item = Result<Stimulus, PcapError>>,
        F: FnMut(&Delivered, &[u8]),
    {
        let (nic, sim) = self.dev.take().expect("the replayer is not re-entrant");
        let hub = match self.cfg.mode {
            RxMode::Msix => match IrqHub::new(&nic) {
                Ok(h) => Some(h),
                Err(e) => {
                    self.dev = Some((nic, sim));
                    return Err(e.into());
                }
            },
            RxMode::Poll => None,
        };
        if let Some(h) = &hub {
            // A previous run may have stopped a task between its wake-up and
            // its poll, leaving that vector disarmed: every task polls once.
            (0..h.vectors()).for_each(|v| h.kick(v));
        }
        let shared = Shared::new(nic, sim);
        let sink = RefCell::new(sink);
        let result = match tokio::runtime::Builder::new_current_thread().build() {
            Ok(rt) => {
                let clock = Clock {
                    cfg: &self.cfg,
                    nqueues: self.nqueues,
                    feeder: &mut self.feeder,
                    matcher: &self.matcher,
                    progress: self.progress.as_deref_mut(),
                    shared: &shared,
                    hub: hub.as_ref(),
                    sink: &sink,
                };
                rt.block_on(clock.run(input, input_error, until))
            }
            Err(e) => Err(ReplayError::Sim(format!("cannot start the tokio runtime: {e}"))),
        };
        self.dev = Some(shared.into_inner());
        result
    }

    /// Reads the counters (a few MMIO reads) and builds the report.
    pub fn report(&mut self) -> Result<Report, ReplayError> {
        let wall_seconds = self.started.elapsed().as_secs_f64();
        let clock_mhz = self.cfg.clock_mhz;
        let (nic, sim) = self.dev.as_mut().expect("the replayer's device is lent out only while it runs");
        // the run's length, not counting the counter reads below (each waits
        // for the device's statistics sweep: thousands of cycles in all)
        let sim_cycles = sim.cycle();
        let s = nic.stats(sim)?;
        let violations = sim.violations();
        let m = self.matcher.borrow();
        let interrupts: Vec<VectorCount> =
            s.vectors.iter().map(|v| VectorCount { vector: v.vector, count: v.interrupts }).collect();
        let total: u64 = interrupts.iter().map(|v| v.count).sum();
        let sim_seconds = sim_cycles as f64 / (clock_mhz * 1e6);
        let interrupt_stats = InterruptStats {
            mode: self.cfg.mode,
            total,
            device_messages: s.vectors.iter().map(|v| v.msgs).sum(),
            frames_per_interrupt: if total > 0 { m.delivered as f64 / total as f64 } else { 0.0 },
            per_sim_second: if sim_seconds > 0.0 { total as f64 / sim_seconds } else { 0.0 },
        };
        Ok(Report {
            frames_in: self.feeder.frames_in,
            frames_delivered: m.delivered,
            frames_dropped: drops_of(&s),
            frames_skipped_empty: self.feeder.skipped_empty,
            queues: m.per_queue.clone(),
            sim_cycles,
            wall_seconds,
            tlp_violations: Violations {
                count: violations.len(),
                list: violations.iter().take(MAX_VIOLATIONS_LISTED).map(|v| v.to_string()).collect(),
            },
            corrupt_frames: m.corruption.clone(),
            device_frames_in: s.frames_in,
            driver_device_faults: s.queues.iter().map(|q| q.device_faults).sum(),
            rx_fifo_bytes: s.rx_fifo_bytes,
            rx_fifo_peak: s.rx_fifo_peak,
            interrupts,
            interrupt_stats,
            pools: s.queues.iter().map(PoolStats::of).collect(),
            payload_bytes_zero_copy: m.streams.as_ref().map_or(0, |c| c.delivery().payload_bytes_zero_copy),
            payload_bytes_copied: m.streams.as_ref().map_or(0, |c| c.delivery().payload_bytes_copied),
            reassembly: m.streams.as_ref().map(StreamCollector::stats).unwrap_or_default(),
        })
    }

    /// End of input for the reassembly: skips remaining holes and returns
    /// every stream, sorted ([`StreamCollector::finish`]); empty with
    /// reassembly off. Call before [`Replayer::report`] so that its gap
    /// counters include the holes skipped here.
    pub fn finish_streams(&mut self) -> Vec<StreamResult> {
        self.matcher.borrow_mut().streams.as_mut().map(StreamCollector::finish).unwrap_or_default()
    }

    /// Closes the NIC (disables queues, frees memory).
    pub fn close(&mut self) -> Result<(), ReplayError> {
        let (nic, sim) = self.dev();
        nic.close(sim)?;
        Ok(())
    }
}

/// The clock task of one run and what it borrows.
struct Clock<'a, F> {
    cfg: &'a ReplayConfig,
    nqueues: usize,
    feeder: &'a mut Feeder,
    matcher: &'a RefCell<Matcher>,
    progress: Option<&'a mut (dyn FnMut(Progress) + 'static)>,
    shared: &'a Shared<Sim>,
    hub: Option<&'a IrqHub>,
    sink: &'a RefCell<F>,
}

impl<F: FnMut(&Delivered, &[u8])> Clock<'_, F> {
    /// Runs the NAPI tasks (MSI-X mode) beside the clock loop until the
    /// loop ends; the first error of either wins.
    async fn run<I>(
        mut self,
        input: &mut I,
        input_error: &mut Option<PcapError>,
        until: Until,
    ) -> Result<(), ReplayError>
    where
        I: Iterator<Item = Result<Stimulus, PcapError>>,
    {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let failed: RefCell<Option<DriverError>> = RefCell::new(None);
        let (shared, hub, matcher, sink) = (self.shared, self.hub, self.matcher, self.sink);
        let vectors = match hub {
            Some(h) => h.vectors(),
            None => 0,
        };
        let tasks = (0..vectors).map(|v| {
            let mut stopped = stop_rx.clone();
            let failed = &failed;
            async move {
                let stop = async move {
                    let _ = stopped.wait_for(|s| *s).await;
                };
                let deliver = |f: RxFrame<'_>| matcher.borrow_mut().deliver(&f, &mut *sink.borrow_mut());
                let hub = hub.expect("vectors only with a hub");
                if let Err(e) = run_vector(shared, hub, v, stop, deliver).await {
                    failed.borrow_mut().get_or_insert(e);
                }
            }
        });
        let clock = async {
            let r = self.clock_loop(input, input_error, until, &failed).await;
            stop_tx.send_replace(true);
            r
        };
        // Biased: after each clock step the woken NAPI tasks run first, as
        // a CPU would take the interrupt before the device moves on.
        let ((), r) = tokio::join!(biased; join_all(tasks), clock);
        if let Some(e) = failed.into_inner() {
            return Err(e.into());
        }
        r
    }

    fn failed(failed: &RefCell<Option<DriverError>>) -> bool {
        failed.borrow().is_some()
    }

    async fn clock_loop<I>(
        &mut self,
        input: &mut I,
        input_error: &mut Option<PcapError>,
        until: Until,
        failed: &RefCell<Option<DriverError>>,
    ) -> Result<(), ReplayError>
    where
        I: Iterator<Item = Result<Stimulus, PcapError>>,
    {
        let chunk = self.cfg.chunk_cycles.max(1);
        // Enough queued frames that a chunk never runs the MAC dry, even
        // with minimum-size frames (8 cycles each): twice a chunk's worth.
        let window = self.cfg.mac_window.max((chunk / 4) as usize + 1);
        let timeout = self.cfg.idle_timeout();
        let mut input_done = matches!(until, Until::Cycle(_));
        let mut last_sig = None;
        let (mut last_progress_cycle, mut last_mac_sent) = self.shared.with_hal(|s| (s.cycle(), s.frames_sent()))?;
        let mut last_delivered = self.matcher.borrow().delivered;
        let mut last_report = Instant::now();
        loop {
            if Self::failed(failed) {
                return Ok(());
            }
            // Keep the MAC queue topped up, never more than a window ahead;
            // then advance the model by a chunk (in MSI-X mode, to the
            // first interrupt if sooner) and receive.
            let (feeder, matcher, hub) = (&mut *self.feeder, self.matcher, self.hub);
            let (cycle, mac_sent, mac_pending) = self.shared.with_hal(|sim| {
                while !input_done && sim.mac_pending() < window {
                    match input.next() {
                        None => input_done = true,
                        Some(Err(e)) => {
                            *input_error = Some(e);
                            input_done = true;
                        }
                        Some(Ok(s)) => feeder.send(sim, matcher, s),
                    }
                }
                let n = match until {
                    Until::Cycle(end) => chunk.min(end.saturating_sub(sim.cycle())),
                    Until::Drained => chunk,
                };
                match hub {
                    Some(hub) => {
                        // Returns early (Err(Timeout) is the chunk ending) right after an interrupt.
                        let _ = sim.run_until(|s| s.interrupts_pending(), n);
                        hub.dispatch(sim);
                    }
                    None => sim.run(n),
                }
                (sim.cycle(), sim.frames_sent(), sim.mac_pending())
            })?;
            if hub.is_some() {
                // Let the woken NAPI tasks poll.
                tokio::task::yield_now().await;
            } else {
                self.poll_all()?;
            }
            let delivered = self.matcher.borrow().delivered;
            let got = delivered != last_delivered;
            last_delivered = delivered;
            if let Some(p) = self.progress.as_mut() {
                if last_report.elapsed().as_millis() >= 100 {
                    last_report = Instant::now();
                    let m = self.matcher.borrow();
                    let s = m.streams.as_ref();
                    p(Progress {
                        frames_sent: self.feeder.frames_sent,
                        frames_delivered: delivered,
                        sim_cycles: cycle,
                        lent_buffers: self.shared.with_nic(|nic| nic.lent_buffers())?,
                        live_streams: s.map_or(0, StreamCollector::live_streams),
                        held_ooo: s.map_or((0, 0), StreamCollector::held_ooo),
                        stream_records: s.map_or(0, StreamCollector::records),
                    });
                }
            }
            if let Until::Cycle(end) = until {
                if cycle >= end {
                    return Ok(());
                }
                continue;
            }
            if got || mac_sent != last_mac_sent {
                last_mac_sent = mac_sent;
                last_progress_cycle = cycle;
            }
            if !input_done || mac_pending > 0 {
                // Still feeding: the MAC stream must keep moving.
                if cycle - last_progress_cycle > timeout {
                    return Err(ReplayError::Stalled(format!(
                        "the NIC accepted no frame and delivered nothing for {timeout} cycles (at cycle {cycle}): {} frames sent, {mac_pending} still queued in the MAC",
                        self.feeder.frames_sent,
                    )));
                }
                continue;
            }
            if got {
                continue;
            }
            // Idle with everything sent: is every frame accounted for?
            let s = self.shared.with(|nic, sim| nic.stats(sim))??;
            let drops = drops_of(&s);
            let hw_delivered: u64 = s.queues.iter().map(|q| q.frames).sum();
            let sw_seen: u64 = s.queues.iter().map(|q| q.frames_delivered + q.device_faults).sum();
            if hw_delivered + drops.total >= self.feeder.frames_sent && sw_seen >= hw_delivered {
                if self.hub.is_none() {
                    // One more poll in case the stats read let a completion land.
                    self.poll_all()?;
                }
                return Ok(());
            }
            let sig = (s.frames_in, hw_delivered, drops.total, sw_seen);
            let cycle = self.shared.with_hal(|sim| sim.cycle())?;
            if last_sig != Some(sig) {
                last_sig = Some(sig);
                last_progress_cycle = cycle;
            } else if cycle - last_progress_cycle > timeout {
                let (health, violations, first) = self.shared.with(|nic, sim| {
                    let health = match nic.check_health(sim) {
                        Ok(()) => "device reports no error".to_string(),
                        Err(e) => e.to_string(),
                    };
                    let v = sim.violations();
                    (health, v.len(), v.first().map(|v| format!(", first: {v}")).unwrap_or_default())
                })?;
                return Err(ReplayError::Stalled(format!(
                    "no progress for {timeout} cycles (at cycle {cycle}): {} frames sent, device saw {}, delivered {hw_delivered} (driver saw {sw_seen}), dropped {}; {health}; {violations} TLP violation(s){first}",
                    self.feeder.frames_sent, s.frames_in, drops.total,
                )));
            }
        }
    }

    /// Polling mode: polls every queue until it is empty; returns completions consumed.
    fn poll_all(&mut self) -> Result<usize, ReplayError> {
        let budget = self.cfg.poll_budget.max(1);
        let (matcher, sink) = (self.matcher, self.sink);
        let mut total = 0;
        for q in 0..self.nqueues {
            loop {
                let n = self.shared.with(|nic, sim| {
                    nic.poll(sim, q, budget, |f| matcher.borrow_mut().deliver(&f, &mut *sink.borrow_mut()))
                })??;
                total += n;
                if n < budget {
                    break;
                }
            }
        }
        Ok(total)
    }
}

/// Waits for every future of `futs` (polled in turn on one task).
async fn join_all<Fut: std::future::Future<Output = ()>>(futs: impl Iterator<Item = Fut>) {
    let mut futs: Vec<_> = futs.map(Box::pin).map(Some).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for slot in futs.iter_mut() {
            if let Some(f) = slot {
                if f.as_mut().poll(cx).is_ready() {
                    *slot = None;
                } else {
                    pending = true;
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await
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
