//! Memory of the running process, for `replay --mem-report` and
//! `make mem-bench` (BENCHMARKS.md): resident set size (`VmRSS`) sampled
//! every N frames and its peak (`VmHWM`), read from `/proc/self/status`
//! (Linux; elsewhere the report says `null`).

use std::time::Instant;

use serde::Serialize;

use crate::replay::Progress;

/// `VmRSS` and `VmHWM` of this process in KiB, if `/proc/self/status` has them.
pub fn rss_kib() -> Option<(u64, u64)> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| {
        s.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// One sample.
#[derive(Clone, Debug, Serialize)]
pub struct MemSample {
    pub frames_sent: u64,
    pub frames_delivered: u64,
    pub wall_seconds: f64,
    /// `VmRSS` in KiB.
    pub rss_kib: Option<u64>,
    /// `VmHWM` (peak RSS so far) in KiB.
    pub peak_rss_kib: Option<u64>,
    /// Driver: data buffers lent out (zero-copy).
    pub lent_buffers: usize,
    /// Reassembler: streams with state, held out-of-order bytes and segments.
    pub live_streams: usize,
    pub held_ooo_bytes: usize,
    pub held_ooo_segments: usize,
    /// Replay: per-stream output records for `streams/index.json` (grows
    /// with the number of streams, by design).
    pub stream_records: usize,
}

/// The reassembly limits in force (`tcp_reassembly::Config`).
#[derive(Clone, Debug, Serialize)]
pub struct ReassemblyLimits {
    pub max_ooo_bytes_per_flow: usize,
    pub max_ooo_segments_per_flow: usize,
    pub max_ooo_bytes_total: usize,
    pub max_ooo_segments_total: usize,
    /// Ended streams kept before eviction ([`crate::streams::LINGER_STREAMS`],
    /// counting mode).
    pub linger_streams: usize,
}

impl ReassemblyLimits {
    /// The limits the replay's [`crate::streams::StreamCollector`] uses.
    pub fn current() -> Self {
        let c = crate::streams::reassembly_config();
        ReassemblyLimits {
            max_ooo_bytes_per_flow: c.max_ooo_bytes_per_flow,
            max_ooo_segments_per_flow: c.max_ooo_segments_per_flow,
            max_ooo_bytes_total: c.max_ooo_bytes_total,
            max_ooo_segments_total: c.max_ooo_segments_total,
            linger_streams: crate::streams::LINGER_STREAMS,
        }
    }
}

/// `summary.json` `memory` (with `--mem-report`).
#[derive(Clone, Debug, Serialize)]
pub struct MemReport {
    /// Sampling step in frames sent.
    pub every_frames: u64,
    /// A sample at start-up (after the device is open), then one at the
    /// first progress report at or past each multiple of `every_frames`,
    /// then one after the outputs were written.
    pub samples: Vec<MemSample>,
    /// `VmHWM` at the end, KiB: the peak over the whole run.
    pub peak_rss_kib: Option<u64>,
    pub reassembly_limits: ReassemblyLimits,
}

/// Takes [`MemSample`]s from the replay's progress callback.
#[derive(Debug)]
pub struct MemSampler {
    every: u64,
    next: u64,
    started: Instant,
    samples: Vec<MemSample>,
}

impl MemSampler {
    /// Samples now (frame 0), then every `every` frames (at least 1).
    pub fn new(every: u64) -> Self {
        let every = every.max(1);
        let mut s = MemSampler { every, next: every, started: Instant::now(), samples: Vec::new() };
        s.sample(&Progress::default());
        s
    }

    /// Takes a sample if `p.frames_sent` reached the next step.
    pub fn observe(&mut self, p: &Progress) {
        if p.frames_sent >= self.next {
            self.sample(p);
            self.next = (p.frames_sent / self.every + 1) * self.every;
        }
    }

    /// Takes a sample now.
    pub fn sample(&mut self, p: &Progress) {
        let m = rss_kib();
        self.samples.push(MemSample {
            frames_sent: p.frames_sent,
            frames_delivered: p.frames_delivered,
            wall_seconds: self.started.elapsed().as_secs_f64(),
            rss_kib: m.map(|m| m.0),
            peak_rss_kib: m.map(|m| m.1),
            lent_buffers: p.lent_buffers,
            live_streams: p.live_streams,
            held_ooo_bytes: p.held_ooo.0,
            held_ooo_segments: p.held_ooo.1,
            stream_records: p.stream_records,
        });
    }

    /// A last sample, and the report (the sampler starts over, empty).
    pub fn finish(&mut self, p: &Progress) -> MemReport {
        self.sample(p);
        MemReport {
            every_frames: self.every,
            peak_rss_kib: self.samples.last().and_then(|s| s.peak_rss_kib),
            samples: std::mem::take(&mut self.samples),
            reassembly_limits: ReassemblyLimits::current(),
        }
    }
}
