//! The output directory of a replay:
//!
//! * `summary.json`: [`Summary`], pretty-printed, keys in a fixed order;
//! * `completions.jsonl`: one [`crate::replay::Delivered`] per line
//!   (`frame`, `queue`, `len`, `buf_id`, `status`, `desc_idx`, `rss_hash`,
//!   `rss_type`, `l3_type`, `l4_type`, `l3_offset`, `l4_offset`,
//!   `payload_offset`, `flags`, `vlan_count`, `ip_csum`, `l4_csum`,
//!   `csum_complete`, `hdr_len`, `payload_len`, `split`, `bufs`,
//!   `desc_count`, `last_len`, `hdr_overflow`, `vlan_tci`, `vlan_stripped`),
//!   in delivery order;
//! * `queues/q<N>.pcap`: the frames delivered on queue `N`, with their input
//!   timestamps (classic pcap, Ethernet, nanosecond resolution);
//! * `streams/index.json` and `streams/NNNN-*.bin`: the reassembled TCP
//!   streams ([`crate::streams::write_streams`]).

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::mem::MemReport;
use crate::pcap::PcapWriter;
use crate::replay::{
    Corruption, Delivered, Drops, InterruptStats, PoolStats, QueueSummary, ReplayConfig, Report, VectorCount,
    Violations,
};
use crate::streams::ReassemblyStats;

/// `summary.json`.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// The input capture.
    pub pcap: String,
    pub frames_in: u64,
    pub frames_delivered: u64,
    pub frames_dropped: Drops,
    pub frames_skipped_empty: u64,
    pub queues: Vec<QueueSummary>,
    pub sim_cycles: u64,
    pub wall_seconds: f64,
    pub tlp_violations: Violations,
    pub corrupt_frames: Corruption,
    pub device_frames_in: u64,
    pub driver_device_faults: u64,
    pub rx_fifo_bytes: u32,
    pub rx_fifo_peak: u32,
    /// Interrupts taken per MSI-X vector (`vector`, `count`); empty when polling.
    pub interrupts: Vec<VectorCount>,
    pub interrupt_stats: InterruptStats,
    /// Buffer pools and split counters per queue (`pools[q]`: data/header
    /// pool sizes, free now and lowest free, exhaustion events, descriptors
    /// consumed, split/overflow/scatter counts, device split counters).
    pub pools: Vec<PoolStats>,
    /// TCP payload bytes the reassembly got as buffer handles (0 for now).
    pub payload_bytes_zero_copy: u64,
    /// TCP payload bytes the reassembly copied out of the driver's buffers.
    pub payload_bytes_copied: u64,
    /// Reassembly counters (see `crate::streams::ReassemblyStats`).
    pub reassembly: ReassemblyStats,
    /// Why the replay stopped early, if it did.
    pub error: Option<String>,
    pub config: ReplayConfig,
    /// Resident memory samples (`--mem-report`); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<MemReport>,
}

impl Summary {
    pub fn new(pcap: &Path, r: Report, cfg: &ReplayConfig, error: Option<String>) -> Self {
        Summary {
            pcap: pcap.display().to_string(),
            frames_in: r.frames_in,
            frames_delivered: r.frames_delivered,
            frames_dropped: r.frames_dropped,
            frames_skipped_empty: r.frames_skipped_empty,
            queues: r.queues,
            sim_cycles: r.sim_cycles,
            wall_seconds: r.wall_seconds,
            tlp_violations: r.tlp_violations,
            corrupt_frames: r.corrupt_frames,
            device_frames_in: r.device_frames_in,
            driver_device_faults: r.driver_device_faults,
            rx_fifo_bytes: r.rx_fifo_bytes,
            rx_fifo_peak: r.rx_fifo_peak,
            interrupts: r.interrupts,
            interrupt_stats: r.interrupt_stats,
            pools: r.pools,
            payload_bytes_zero_copy: r.payload_bytes_zero_copy,
            payload_bytes_copied: r.payload_bytes_copied,
            reassembly: r.reassembly,
            error,
            config: cfg.clone(),
            memory: None,
        }
    }
}

/// Streams completions and per-queue captures into an output directory.
pub struct OutputDir {
    dir: PathBuf,
    completions: BufWriter<File>,
    queues: Vec<Option<PcapWriter<BufWriter<File>>>>,
    error: Option<io::Error>,
}

impl OutputDir {
    /// Creates `dir` and `dir/queues` (existing files are overwritten; stale
    /// `queues/q*.pcap` from an earlier run are removed).
    pub fn create(dir: impl AsRef<Path>) -> io::Result<Self> {
        let dir = dir.as_ref().to_path_buf();
        let qdir = dir.join("queues");
        fs::create_dir_all(&qdir).map_err(|e| annotate(e, &qdir))?;
        for entry in fs::read_dir(&qdir).map_err(|e| annotate(e, &qdir))? {
            let p = entry?.path();
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.starts_with('q') && name.ends_with(".pcap") {
                fs::remove_file(&p).map_err(|e| annotate(e, &p))?;
            }
        }
        let cpath = dir.join("completions.jsonl");
        let completions = BufWriter::new(File::create(&cpath).map_err(|e| annotate(e, &cpath))?);
        Ok(OutputDir { dir, completions, queues: Vec::new(), error: None })
    }

    /// Creates the (possibly empty) capture of every queue `0..n`.
    pub fn open_queues(&mut self, n: usize) -> io::Result<()> {
        for q in 0..n {
            self.queue(q)?;
        }
        Ok(())
    }

    fn queue(&mut self, q: usize) -> io::Result<&mut PcapWriter<BufWriter<File>>> {
        if self.queues.len() <= q {
            self.queues.resize_with(q + 1, || None);
        }
        if self.queues[q].is_none() {
            let p = self.dir.join("queues").join(format!("q{q}.pcap"));
            self.queues[q] = Some(PcapWriter::create(&p)?);
        }
        Ok(self.queues[q].as_mut().expect("just created"))
    }

    /// Records one delivered frame. I/O errors are kept and returned by
    /// [`OutputDir::finish`] (the replay goes on).
    pub fn record(&mut self, d: &Delivered, data: &[u8]) {
        if self.error.is_some() {
            return;
        }
        let r = (|| -> io::Result<()> {
            serde_json::to_writer(&mut self.completions, d)?;
            self.completions.write_all(b"\n")?;
            self.queue(d.queue)?.write(d.ts_sec, d.ts_nsec, d.orig_len, data)
        })();
        if let Err(e) = r {
            self.error = Some(e);
        }
    }

    /// Flushes everything and writes `summary.json`.
    pub fn finish(mut self, summary: &Summary) -> io::Result<()> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.completions.flush()?;
        for w in self.queues.into_iter().flatten() {
            w.finish()?;
        }
        write_summary(&self.dir.join("summary.json"), summary)
    }
}

/// Writes `summary.json` (pretty, trailing newline).
pub fn write_summary(path: &Path, summary: &Summary) -> io::Result<()> {
    let mut s = serde_json::to_string_pretty(summary).map_err(io::Error::other)?;
    s.push('\n');
    fs::write(path, s).map_err(|e| annotate(e, path))
}

fn annotate(e: io::Error, p: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", p.display()))
}
