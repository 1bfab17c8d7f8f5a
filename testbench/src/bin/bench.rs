//! `bench`: how fast does the simulated system run?
//!
//! For each frame size (1514 and 60 bytes) it replays N synthetic frames
//! back to back through the simulator and the driver (the full harness:
//! root complex, MMIO, polling, matching) and reports simulated cycles and
//! frames per wall-clock second. The harness run is recorded from just after
//! reset (every input TLP and MAC frame with the cycle it started); a fresh
//! model built the same way then replays that recording from C++ alone
//! (`Sim::replay_bare`: no Rust, no root complex, outputs only counted), so
//! the model does exactly the same work: DMA descriptor fetches, frame
//! writes, completions, MMIO. The replay must end with identical activity
//! (cycle, frames, input TLPs, output beats and a digest of their contents),
//! or the bench fails. The harness/bare speed ratio over the same cycle
//! window is the share of the raw model speed the harness keeps.
//!
//! Each measurement is repeated (`--repeat`, default 3) and the fastest run
//! of each side is reported, to damp noise on a shared machine.
//!
//! Then the interrupt table: the bundled real captures replayed with MSI-X
//! at 1 and 10 Gb/s under several moderation settings, with interrupts,
//! frames per interrupt and interrupts per second of simulated time
//! (`--skip-irq` leaves it out).
//!
//! Then the header-split table (`--skip-split` leaves it out, `--split-only`
//! runs nothing else): back-to-back frames of 64..1518 bytes and 9018-byte
//! jumbo frames (scattered over 4096-byte buffers) through the RTL, queue 0
//! set up at register level (`nic_testbench::vectors::Rig`, no driver),
//! split off (mode never) and on (mode always, 256-byte header buffers).
//! The figure is RTL cycles per frame in the steady state (between the 10th
//! and the 90th percentile completion) and the Gb/s that makes at the
//! 156.25 MHz, 128-bit core clock; `mac_cyc` is the MAC stream's own
//! ceil(len / 8) cycles per frame (64 bits per cycle: 10 Gb/s), the bound
//! the datapath cannot beat; `pcie_beats` is the 128-bit PCIe request beats
//! (MemWr data, MemRd) the NIC sends per frame, where split shows its cost
//! (a header TLP, realigned payload TLPs) while the wire is the bottleneck.
//!
//! Last, the delivery table (issue #6; `--skip-delivery` leaves it out,
//! `--delivery-only` runs nothing else): host CPU time of zero-copy against
//! copy delivery. The TCP capture `vectors/tcp/ns-http-drops.pcap` (8
//! connections with drops and retransmissions) and 4096 synthetic 1514-byte
//! TCP frames (8 in-order flows, 1460-byte payloads) go through the RTL and
//! the driver, opened as the replay opens it (every queue, RSS, 256-entry
//! rings, 2 KiB buffers) but polled by a plain loop: push 64 frames into the
//! MAC, clock until they are in, poll every queue until empty, repeat. Only
//! the `Nic::poll` calls are timed, in thread CPU time (a busy machine's
//! preemption does not count; wall time is reported beside it), so the
//! figure is the driver plus the callback plus the simulator's `Hal` calls
//! made inside `poll` (completion-record and, copying, data reads from the
//! simulated host memory, MMIO doorbell writes queued for the model with the
//! DMA guard's check of the posted descriptors, pin bookkeeping), never the
//! clocking of the model. Two callbacks, each in both modes: `drv` touches
//! only `f.bytes.len()` (the driver's own cost per frame); `app` feeds a
//! `TcpReceiver`, drains every ready chunk, reads each stream byte once (a
//! byte sum) and drops the chunks, so lent buffers go back at the next poll.
//! The bench fails unless both modes deliver every frame and the same
//! streams (bytes, gaps, byte sums; for the capture, the byte counts of
//! its reference `.streams.json`), lending copies no payload, and every
//! repetition delivers the same.

use std::time::Instant;

use clap::Parser;
use nic_driver::tcp::{DeliveryCounters, TcpReceiver};
use nic_driver::{Delivery, Nic, RxFrame};
use nic_sim::{Activity, Sim};
use nic_testbench::pcap;
use nic_testbench::replay::{ReplayConfig, Replayer, RxMode, Stimulus};
use nic_testbench::synth;
use serde::Serialize;
use tcp_reassembly::{Chunk, Payload, StreamKey};

#[derive(Parser, Debug)]
#[command(about = "Benchmark the simulation harness against a bare C++ replay of the same model activity")]
struct Args {
    /// Frames per scenario.
    #[arg(long, short = 'n', default_value_t = 20_000)]
    frames: u64,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Cycles per simulation chunk between driver polls.
    #[arg(long, default_value_t = ReplayConfig::default().chunk_cycles)]
    chunk_cycles: u64,
    /// Runs per measurement; the fastest is reported.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    repeat: u32,
    /// Poll the queues instead of taking MSI-X interrupts in the speed runs.
    #[arg(long)]
    poll: bool,
    /// Leave out the interrupt moderation table.
    #[arg(long)]
    skip_irq: bool,
    /// Leave out the split-vs-no-split table.
    #[arg(long)]
    skip_split: bool,
    /// Only the split-vs-no-split table.
    #[arg(long)]
    split_only: bool,
    /// Host back-pressure on the NIC's PCIe requests in the split table
    /// (probability that the request channel is not ready in a cycle), to
    /// make PCIe rather than the 10G MAC the bottleneck.
    #[arg(long, default_value_t = 0.0)]
    split_stall: f64,
    /// Leave out the zero-copy vs copy delivery table.
    #[arg(long)]
    skip_delivery: bool,
    /// Only the zero-copy vs copy delivery table.
    #[arg(long)]
    delivery_only: bool,
}

/// One row of the split table.
#[derive(Serialize)]
struct SplitRow {
    frame_len: usize,
    mode: &'static str,
    buf_len: u16,
    /// Host request back-pressure (`--split-stall`).
    req_stall: f64,
    frames: u64,
    delivered: u64,
    dropped: u64,
    split_frames: u64,
    desc_per_frame: f64,
    /// Steady-state RTL cycles per delivered frame.
    cycles_per_frame: f64,
    /// ceil(len / 8): the MAC stream's cycles per frame.
    mac_cycles_per_frame: u64,
    /// PCIe request beats (128-bit) per delivered frame.
    pcie_beats_per_frame: f64,
    /// Frame bits per second at the core clock.
    gbps: f64,
    sim_cycles: u64,
}

/// Core clock of the 128-bit datapath (the 10G MAC side), MHz.
const CORE_MHZ: f64 = 156.25;

/// Back-to-back frames of `len` bytes through queue 0 at register level.
fn split_run(len: usize, mode: u32, buf_len: u16, scatter: bool, stall: f64) -> Result<SplitRow, String> {
    use nic_model::split::SplitConfig;
    use nic_testbench::vectors::{build_frame, FrameSpec, Rig, RingPlan};
    let ring = RingPlan { size: 1024, hdr_count: 1024, buf_len, overrides: Default::default() };
    let cfg = SplitConfig { mode, hdr_log_size: 8, thresh: 0, scatter, vlan_strip: false };
    let sim_cfg = nic_sim::SimConfig { req_stall_probability: stall, ..Default::default() };
    let mut rig = Rig::new(sim_cfg, ring, cfg)?;
    rig.post(1024, false)?;
    // TCP over IPv4 of exactly `len` bytes (60 = a padded bare ACK).
    let spec = if len < 64 {
        FrameSpec { payload: Some(0), pad_to: Some(len), ..Default::default() }
    } else {
        FrameSpec { len: Some(len), ..Default::default() }
    };
    let frame = build_frame(&spec)?;
    let beats = len.div_ceil(8) as u64;
    let n = (200_000 / beats).clamp(300, 10_000);
    for _ in 0..n {
        rig.sim.mac_push(&frame, false, 0);
    }
    let start = rig.sim.cycle();
    let beats0 = rig.sim.activity().req_beats_out;
    // (cycle, frames delivered) after every poll.
    let mut samples: Vec<(u64, u64)> = Vec::new();
    let mut delivered = 0u64;
    let mut descs = 0u64;
    let mut split_frames = 0u64;
    let mut idle = 0;
    loop {
        rig.sim.run(128);
        let ready = rig.cpl_ready()?;
        for _ in 0..ready {
            let c = rig.take_cpl()?;
            if c.status != 0 || usize::from(c.len) != len {
                return Err(format!("{len}-byte frame completed with status {} len {}", c.status, c.len));
            }
            delivered += 1;
            descs += u64::from(c.desc_count.max(1));
            split_frames += u64::from(c.split);
            rig.cons = rig.cons.wrapping_add(u16::from(c.desc_count.max(1)));
        }
        samples.push((rig.sim.cycle(), delivered));
        let free = 1024 - rig.prod.wrapping_sub(rig.cons);
        if free >= 32 {
            rig.post(free, false)?;
        }
        idle = if ready == 0 { idle + 1 } else { 0 };
        if rig.sim.mac_pending() == 0 && idle > 40 {
            break;
        }
        if rig.sim.cycle() - start > 400 * n * beats.max(8) {
            return Err(format!("{len}-byte frames: stuck after {delivered} of {n}"));
        }
    }
    let cycles = rig.sim.cycle() - start;
    let pcie_beats = rig.sim.activity().req_beats_out - beats0;
    // Steady state: from the poll that saw 10% of the delivered frames to the one that saw 90%.
    let at = |k: u64| samples.iter().find(|s| s.1 >= k).copied();
    let (lo, hi) = (delivered / 10, delivered - delivered / 10);
    let cycles_per_frame = match (at(lo.max(1)), at(hi)) {
        (Some((a, da)), Some((b, db))) if db > da => (b - a) as f64 / (db - da) as f64,
        _ => f64::NAN,
    };
    let dropped = n - delivered;
    let gbps = len as f64 * 8.0 * CORE_MHZ * 1e6 / cycles_per_frame / 1e9;
    Ok(SplitRow {
        frame_len: len,
        mode: nic_spec::split_mode::NAMES[mode as usize],
        buf_len,
        req_stall: stall,
        frames: n,
        delivered,
        dropped,
        split_frames,
        desc_per_frame: descs as f64 / delivered.max(1) as f64,
        cycles_per_frame,
        mac_cycles_per_frame: beats,
        pcie_beats_per_frame: pcie_beats as f64 / delivered.max(1) as f64,
        gbps,
        sim_cycles: cycles,
    })
}

fn split_table(stall: f64) -> Result<Vec<SplitRow>, String> {
    use nic_spec::split_mode;
    let mut rows = Vec::new();
    for len in [64usize, 128, 256, 512, 1024, 1518, 9018] {
        let (buf, scatter) = if len > 2048 { (4096, true) } else { (2048, false) };
        for mode in [split_mode::NEVER, split_mode::ALWAYS] {
            rows.push(split_run(len, mode, buf, scatter, stall)?);
        }
    }
    Ok(rows)
}

fn print_split(rows: &[SplitRow]) {
    println!(
        "{:>6} {:>7} {:>5} {:>6} {:>6} {:>6} {:>6} {:>6} {:>9} {:>7} {:>10} {:>7}",
        "bytes",
        "mode",
        "buf",
        "frames",
        "deliv",
        "drop",
        "split",
        "desc/f",
        "cyc/frame",
        "mac_cyc",
        "pcie_beats",
        "Gb/s"
    );
    for r in rows {
        println!(
            "{:>6} {:>7} {:>5} {:>6} {:>6} {:>6} {:>6} {:>6.2} {:>9.2} {:>7} {:>10.2} {:>7.2}",
            r.frame_len,
            r.mode,
            r.buf_len,
            r.frames,
            r.delivered,
            r.dropped,
            r.split_frames,
            r.desc_per_frame,
            r.cycles_per_frame,
            r.mac_cycles_per_frame,
            r.pcie_beats_per_frame,
            r.gbps
        );
    }
    let stall = rows.first().map_or(0.0, |r| r.req_stall);
    println!(
        "(RTL cycles per frame in the steady state, back-to-back frames, {CORE_MHZ} MHz x 128 bit; Gb/s of frame bytes; host request stall {stall})"
    );
}

/// One row of the interrupt moderation table.
#[derive(Serialize)]
struct IrqRow {
    capture: String,
    line_rate_gbps: f64,
    itr_ns: u32,
    itr_frames: u16,
    frames: u64,
    delivered: u64,
    interrupts: u64,
    frames_per_interrupt: f64,
    interrupts_per_sim_second: f64,
    sim_cycles: u64,
}

/// Replays each bundled capture with MSI-X under several moderation settings.
fn irq_table() -> Result<Vec<IrqRow>, String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors");
    let settings: [(u32, u16); 5] = [(0, 0), (10_000, 0), (50_000, 0), (0, 32), (20_000, 64)];
    let mut rows = Vec::new();
    for name in ["ns-mixed.pcap", "ns-multiflow.pcap"] {
        let frames = pcap::read_all(dir.join(name)).map_err(|e| e.to_string())?;
        for rate in [1.0, 10.0] {
            for (itr_ns, itr_frames) in settings {
                let cfg = ReplayConfig { line_rate_gbps: Some(rate), itr_ns, itr_frames, ..ReplayConfig::default() };
                let mut rp = Replayer::new(cfg).map_err(|e| e.to_string())?;
                let c0 = rp.sim().cycle();
                rp.run(frames.iter().cloned().map(|f| Ok(Stimulus::from(f))), |_, _| {}).map_err(|e| e.to_string())?;
                let r = rp.report().map_err(|e| e.to_string())?;
                if !r.is_clean() || r.frames_delivered != frames.len() as u64 {
                    return Err(format!(
                        "{name} at {rate} Gb/s, itr {itr_ns} ns / {itr_frames}: replay not clean: {r:?}"
                    ));
                }
                let cycles = r.sim_cycles - c0;
                let secs = cycles as f64 / (ReplayConfig::default().clock_mhz * 1e6);
                rows.push(IrqRow {
                    capture: name.to_string(),
                    line_rate_gbps: rate,
                    itr_ns,
                    itr_frames,
                    frames: frames.len() as u64,
                    delivered: r.frames_delivered,
                    interrupts: r.interrupt_stats.total,
                    frames_per_interrupt: r.interrupt_stats.frames_per_interrupt,
                    interrupts_per_sim_second: r.interrupt_stats.total as f64 / secs,
                    sim_cycles: cycles,
                });
            }
        }
    }
    Ok(rows)
}

/// Frames pushed into the MAC between poll sweeps in the delivery runs: a
/// quarter of a 256-entry ring, so even a group that RSS puts on one queue
/// fits among the buffers posted (at least half the pool stays posted;
/// the zero-copy receiver holds at most the other half).
const DELIVERY_GROUP: usize = 64;

/// Synthetic frames in the delivery runs (8 flows, in order, 1460-byte payload).
const DELIVERY_SYNTH_FRAMES: u32 = 4096;

/// What the poll callback does in a delivery run.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Callback {
    /// Nothing but `f.bytes.len()`: the driver's own cost.
    Driver,
    /// `TcpReceiver::push_frame`, drain the ready chunks, fold their bytes
    /// into a checksum, drop them (lent buffers go back).
    App,
}

/// Per-stream result of an `App` run (bytes and gaps popped, byte sum).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct StreamSum {
    bytes: u64,
    gaps: u64,
    sum: u64,
}

/// The application side of an `App` run.
struct App {
    rx: TcpReceiver,
    /// Few streams: a linear search beats hashing and never allocates
    /// after the first frame of each stream.
    streams: Vec<(StreamKey, StreamSum)>,
}

impl App {
    fn deliver(&mut self, f: &RxFrame<'_>) {
        let Some((key, out)) = self.rx.push_frame(f) else { return };
        if out.readable {
            self.drain(key);
        }
    }

    fn drain(&mut self, key: StreamKey) {
        let at = match self.streams.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                self.streams.push((key, StreamSum::default()));
                self.streams.len() - 1
            }
        };
        let acc = &mut self.streams[at].1;
        let Some(s) = self.rx.reassembler_mut().stream_mut(&key) else { return };
        while let Some(c) = s.pop_chunk() {
            match c {
                Chunk::Data(p) => {
                    let b = p.bytes();
                    acc.bytes += b.len() as u64;
                    // Every byte read once; independent of chunk boundaries.
                    acc.sum = acc.sum.wrapping_add(b.iter().map(|&x| u64::from(x)).sum::<u64>());
                }
                Chunk::Gap(n) => acc.gaps += n,
            }
        }
    }

    /// End of input (untimed): holes skipped, held data popped, streams sorted.
    fn finish(&mut self) -> Vec<(StreamKey, StreamSum)> {
        self.rx.reassembler_mut().finish_all();
        let keys: Vec<StreamKey> = self.rx.reassembler().streams().map(|(k, _)| *k).collect();
        for k in keys {
            self.drain(k);
        }
        let mut v = self.streams.clone();
        v.sort_by_key(|(k, _)| *k);
        v
    }
}

/// One delivery run: the input through the simulator and the driver, the
/// `poll` calls timed.
struct DeliveryRun {
    frames: u64,
    /// Thread CPU time inside `Nic::poll` (all queues), ns.
    poll_cpu_ns: u64,
    /// Wall time inside `Nic::poll`, ns (includes preemption).
    poll_wall_ns: u64,
    /// Poll sweeps (every queue polled until empty) and `poll` calls.
    sweeps: u64,
    polls: u64,
    counters: DeliveryCounters,
    driver_bytes_copied: u64,
    driver_bytes_lent: u64,
    streams: Vec<(StreamKey, StreamSum)>,
    /// `Driver`: sum of the frame lengths seen.
    len_sum: u64,
}

/// Replays `frames` in groups of [`DELIVERY_GROUP`]: push a group into the
/// MAC, clock until it is in, then poll every queue until empty (timed),
/// repeating until the group is delivered. Polling mode, the replay's
/// defaults otherwise (every queue, RSS, 256-entry rings, 2 KiB buffers).
fn delivery_run(frames: &[Vec<u8>], delivery: Delivery, cb: Callback, chunk: u64) -> Result<DeliveryRun, String> {
    let cfg = ReplayConfig { mode: RxMode::Poll, delivery, ..ReplayConfig::default() };
    let mut sim = Sim::new(cfg.sim_config()).map_err(|e| e.to_string())?;
    let mut nic = Nic::probe(&mut sim).map_err(|e| e.to_string())?;
    let nq = cfg.queues.unwrap_or(nic.caps().rx_queues as usize).max(1);
    let rxc = cfg.rx_config(nq);
    nic.open(&mut sim, &rxc).map_err(|e| e.to_string())?;
    let mut app = App { rx: TcpReceiver::for_pool(rxc.effective_bufs_per_queue(), rxc.buf_size), streams: Vec::new() };
    let budget = cfg.poll_budget.max(1);
    let (mut delivered, mut len_sum, mut sweeps, mut polls) = (0u64, 0u64, 0u64, 0u64);
    let (mut poll_cpu_ns, mut poll_wall_ns) = (0u64, 0u64);
    let mut sent = 0u64;
    for group in frames.chunks(DELIVERY_GROUP) {
        for f in group {
            sim.mac_push(f, false, 0);
        }
        sent += group.len() as u64;
        let start = sim.cycle();
        while delivered < sent {
            sim.run(chunk);
            if sim.mac_pending() > 0 {
                continue;
            }
            let (c0, t) = (thread_cpu_ns(), Instant::now());
            for q in 0..nq {
                loop {
                    let n = match cb {
                        Callback::Driver => nic.poll(&mut sim, q, budget, |f| {
                            delivered += 1;
                            len_sum += f.bytes.len() as u64;
                        }),
                        Callback::App => nic.poll(&mut sim, q, budget, |f| {
                            delivered += 1;
                            app.deliver(&f);
                        }),
                    }
                    .map_err(|e| e.to_string())?;
                    polls += 1;
                    if n < budget {
                        break;
                    }
                }
            }
            poll_wall_ns += t.elapsed().as_nanos() as u64;
            poll_cpu_ns += thread_cpu_ns() - c0;
            sweeps += 1;
            if sim.cycle() - start > 1_000_000 {
                let s = nic.stats(&mut sim).map_err(|e| e.to_string())?;
                return Err(format!(
                    "{delivered} of {sent} frames delivered after 1M cycles (dropped: {:?})",
                    nic_testbench::replay::drops_of(&s)
                ));
            }
        }
    }
    let s = nic.stats(&mut sim).map_err(|e| e.to_string())?;
    let violations = sim.violations();
    if !violations.is_empty() {
        return Err(format!("{} root-complex violations, first: {}", violations.len(), violations[0]));
    }
    let streams = if cb == Callback::App { app.finish() } else { Vec::new() };
    nic.close(&mut sim).map_err(|e| e.to_string())?;
    Ok(DeliveryRun {
        frames: delivered,
        poll_cpu_ns,
        poll_wall_ns,
        sweeps,
        polls,
        counters: app.rx.counters(),
        driver_bytes_copied: s.queues.iter().map(|q| q.bytes_copied).sum(),
        driver_bytes_lent: s.queues.iter().map(|q| q.bytes_lent).sum(),
        streams,
        len_sum,
    })
}

/// One row of the delivery table: one input, one mode, the fastest run of
/// each callback.
#[derive(Serialize)]
struct DeliveryRow {
    input: String,
    mode: &'static str,
    frames: u64,
    /// TCP payload bytes the receiver took (lent + copied).
    payload_bytes: u64,
    /// In-order stream bytes the application consumed.
    stream_bytes: u64,
    /// CPU time in `Nic::poll` per frame, callback touching only the length.
    driver_ns_per_frame: f64,
    /// CPU time in `Nic::poll` per frame, callback doing TCP reassembly and
    /// reading every payload byte once.
    app_ns_per_frame: f64,
    app_ns_per_payload_byte: f64,
    /// The same two in wall time (best run; preemption included).
    driver_wall_ns_per_frame: f64,
    app_wall_ns_per_frame: f64,
    rx_payload_bytes_copied: u64,
    rx_payload_bytes_zero_copy: u64,
    /// Driver `QueueStats`, summed over the queues.
    driver_bytes_copied: u64,
    driver_bytes_lent: u64,
    /// Delivered frames that are not TCP segments (ARP, ICMP, ...).
    non_tcp_frames: u64,
    polls_per_frame: f64,
    sweeps_per_frame: f64,
    /// Byte sum of all stream bytes (equal in both modes, checked).
    checksum: u64,
    /// `poll` CPU time of every run (ns), in order.
    driver_runs_cpu_ns: Vec<u64>,
    app_runs_cpu_ns: Vec<u64>,
}

/// `frames` TCP/IPv4 frames of 1514 bytes (1460-byte payload), 8 flows in
/// turn, each in order from sequence number 1000.
fn tcp_frames(frames: u32) -> Vec<Vec<u8>> {
    const PAYLOAD: usize = 1460;
    (0..frames)
        .map(|i| {
            let (flow, n) = ((i % 8) as u8, i / 8);
            let payload: Vec<u8> = (0..PAYLOAD).map(|k| (k as u32 ^ n ^ u32::from(flow) << 8) as u8).collect();
            let b = etherparse::PacketBuilder::ethernet2([2, 0x77, 0, 0, 1, flow], [2, 0x77, 0, 0, 0, 1])
                .ipv4([10, 99, 0, 10 + flow], [10, 99, 1, 1], 64)
                .tcp(40_000 + u16::from(flow), 8077, 1000 + n * PAYLOAD as u32, 65_535)
                .ack(1);
            let mut f = Vec::with_capacity(b.size(PAYLOAD));
            b.write(&mut f, &payload).expect("a TCP frame builds");
            f
        })
        .collect()
}

/// Per-direction byte counts of a capture's reference streams (`*.streams.json`).
fn reference_streams(path: &std::path::Path) -> Result<Vec<(StreamKey, u64)>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let v: Vec<serde_json::Value> = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let bad = || format!("{}: unexpected layout", path.display());
    v.iter()
        .map(|s| {
            let ip = |k: &str| s[k].as_str().and_then(|a| a.parse().ok()).ok_or_else(bad);
            let port = |k: &str| s[k].as_u64().and_then(|p| u16::try_from(p).ok()).ok_or_else(bad);
            let key = StreamKey {
                src: ip("src")?,
                dst: ip("dst")?,
                sport: port("sport")?,
                dport: port("dport")?,
                vlan: Default::default(),
            };
            Ok((key, s["bytes"].as_u64().ok_or_else(bad)?))
        })
        .collect()
}

/// CPU time of the calling thread, ns: it does not advance while the
/// thread is preempted, so a busy machine does not inflate the figure.
fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// CPU time the timing itself adds to one poll sweep (both clocks read
/// twice), ns.
fn timer_overhead_ns() -> f64 {
    const N: u64 = 20_000;
    let mut total = 0;
    for _ in 0..N {
        let (c0, t) = (thread_cpu_ns(), Instant::now());
        std::hint::black_box(t.elapsed());
        total += thread_cpu_ns() - c0;
    }
    total as f64 / N as f64
}

/// The delivery table: each input in both modes with both callbacks, best
/// of `repeat`, with the correctness checks (same streams in both modes,
/// nothing copied when lending, the capture's reference byte counts).
fn delivery_table(repeat: u32, chunk: u64) -> Result<Vec<DeliveryRow>, String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors/tcp");
    let capture = pcap::read_all(dir.join("ns-http-drops.pcap")).map_err(|e| e.to_string())?;
    let inputs = [
        (
            "ns-http-drops.pcap",
            capture.into_iter().map(|f| f.data).collect::<Vec<_>>(),
            Some(dir.join("ns-http-drops.streams.json")),
        ),
        ("synthetic 1514 B TCP", tcp_frames(DELIVERY_SYNTH_FRAMES), None),
    ];
    let modes = [Delivery::Copy, Delivery::ZeroCopy];
    let mut rows = Vec::new();
    for (name, frames, reference) in &inputs {
        // [mode][callback]: every run, in order.
        let mut runs: [[Vec<DeliveryRun>; 2]; 2] = Default::default();
        for _ in 0..repeat {
            for (m, &mode) in modes.iter().enumerate() {
                for (c, cb) in [Callback::Driver, Callback::App].into_iter().enumerate() {
                    let r =
                        delivery_run(frames, mode, cb, chunk).map_err(|e| format!("{name}, {}: {e}", mode.name()))?;
                    if let Some(first) = runs[m][c].first() {
                        if (r.frames, r.counters, &r.streams, r.len_sum)
                            != (first.frames, first.counters, &first.streams, first.len_sum)
                        {
                            return Err(format!("{name}, {}: a repetition delivered something else", mode.name()));
                        }
                    }
                    runs[m][c].push(r);
                }
            }
        }
        let [copy, zc] = &runs;
        let check = |ok: bool, what: &str| if ok { Ok(()) } else { Err(format!("{name}: {what}")) };
        check(copy[0][0].frames == frames.len() as u64, "not every frame delivered")?;
        check(copy[1][0].streams == zc[1][0].streams, "the streams differ between copy and zero-copy")?;
        check(copy[0][0].len_sum == zc[0][0].len_sum, "frame lengths differ between copy and zero-copy")?;
        check(zc[1][0].counters.payload_bytes_copied == 0, "zero-copy delivery copied payload")?;
        check(copy[1][0].counters.payload_bytes_zero_copy == 0, "copy delivery lent payload")?;
        check(zc[1][0].driver_bytes_copied == 0 && copy[1][0].driver_bytes_lent == 0, "driver byte counters")?;
        check(copy[1][0].counters.non_tcp_frames == zc[1][0].counters.non_tcp_frames, "non-TCP frame counts")?;
        if let Some(path) = reference {
            let got = &copy[1][0].streams;
            for (key, bytes) in reference_streams(path)? {
                let s = got.iter().find(|(k, _)| *k == key).map(|(_, s)| *s).unwrap_or_default();
                check(s.bytes == bytes && s.gaps == 0, &format!("stream {key:?}: {s:?}, reference {bytes} bytes"))?;
            }
        }
        for (m, &mode) in modes.iter().enumerate() {
            let best = |c: usize| runs[m][c].iter().map(|r| r.poll_cpu_ns).min().unwrap_or(0);
            let best_wall = |c: usize| runs[m][c].iter().map(|r| r.poll_wall_ns).min().unwrap_or(0);
            let (d, a) = (&runs[m][0][0], &runs[m][1][0]);
            let payload = a.counters.payload_bytes_copied + a.counters.payload_bytes_zero_copy;
            rows.push(DeliveryRow {
                input: name.to_string(),
                mode: mode.name(),
                frames: d.frames,
                payload_bytes: payload,
                stream_bytes: a.streams.iter().map(|(_, s)| s.bytes).sum(),
                driver_ns_per_frame: best(0) as f64 / d.frames as f64,
                app_ns_per_frame: best(1) as f64 / a.frames as f64,
                app_ns_per_payload_byte: best(1) as f64 / payload.max(1) as f64,
                driver_wall_ns_per_frame: best_wall(0) as f64 / d.frames as f64,
                app_wall_ns_per_frame: best_wall(1) as f64 / a.frames as f64,
                rx_payload_bytes_copied: a.counters.payload_bytes_copied,
                rx_payload_bytes_zero_copy: a.counters.payload_bytes_zero_copy,
                driver_bytes_copied: a.driver_bytes_copied,
                driver_bytes_lent: a.driver_bytes_lent,
                non_tcp_frames: a.counters.non_tcp_frames,
                polls_per_frame: a.polls as f64 / a.frames as f64,
                sweeps_per_frame: a.sweeps as f64 / a.frames as f64,
                checksum: a.streams.iter().fold(0u64, |x, (_, s)| x.wrapping_add(s.sum)),
                driver_runs_cpu_ns: runs[m][0].iter().map(|r| r.poll_cpu_ns).collect(),
                app_runs_cpu_ns: runs[m][1].iter().map(|r| r.poll_cpu_ns).collect(),
            });
        }
    }
    Ok(rows)
}

fn print_delivery(rows: &[DeliveryRow], repeat: u32) {
    println!(
        "{:<21} {:>9} {:>6} {:>9} {:>9} {:>9} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>8} {:>9}",
        "input",
        "mode",
        "frames",
        "payload_B",
        "drv_ns/fr",
        "app_ns/fr",
        "app_ns/B",
        "drv_wall",
        "app_wall",
        "rx_copy_B",
        "rx_zc_B",
        "drv_cp_B",
        "drv_lnt_B",
        "polls/fr",
        "checksum"
    );
    for r in rows {
        println!(
            "{:<21} {:>9} {:>6} {:>9} {:>9.1} {:>9.1} {:>8.3} {:>9.1} {:>9.1} {:>9} {:>9} {:>9} {:>9} {:>8.3} {:>9x}",
            r.input,
            r.mode,
            r.frames,
            r.payload_bytes,
            r.driver_ns_per_frame,
            r.app_ns_per_frame,
            r.app_ns_per_payload_byte,
            r.driver_wall_ns_per_frame,
            r.app_wall_ns_per_frame,
            r.rx_payload_bytes_copied,
            r.rx_payload_bytes_zero_copy,
            r.driver_bytes_copied,
            r.driver_bytes_lent,
            r.polls_per_frame,
            r.checksum
        );
    }
    let sweeps = rows.iter().map(|r| r.sweeps_per_frame).fold(0.0, f64::max);
    println!(
        "(best of {repeat}; thread CPU time (wall: *_wall) inside Nic::poll only, polling every queue, per frame and\n \
         per TCP payload byte; drv: callback reads f.bytes.len(), app: TcpReceiver + every stream byte read once.\n \
         Includes the Sim's Hal calls (DMA-memory reads of completion records and, copying, of the data; MMIO\n \
         doorbell writes queued for the model; pin bookkeeping) but no clocking. Timing adds {:.0} ns per sweep,\n \
         <= {sweeps:.3} sweeps/frame. Streams, checksums, counters equal in both modes, nothing copied when lending.)",
        timer_overhead_ns()
    );
}

#[derive(Serialize)]
struct Scenario {
    frame_len: usize,
    frames: u64,
    delivered: u64,
    dropped: u64,
    /// Cycles of the timed window (the replay of the frames, after probe/open).
    sim_cycles: u64,
    wall_seconds: f64,
    cycles_per_second: f64,
    frames_per_second: f64,
    bare_wall_seconds: f64,
    bare_cycles_per_second: f64,
    /// cycles_per_second / bare_cycles_per_second.
    harness_over_bare: f64,
    /// Every bare replay ended with exactly the recorded activity.
    identical: bool,
    repeats: u32,
    /// All harness runs, all bare runs (seconds), in order.
    harness_runs: Vec<f64>,
    bare_runs: Vec<f64>,
    /// Recorded cycles (from just after reset: includes probe/open).
    recorded_cycles: u64,
    recorded_frames: u64,
    recorded_mmio_tlps: u64,
    recorded_completion_tlps: u64,
    /// Model activity at the end of the run (harness and replay alike).
    activity: ActivityOut,
}

#[derive(Serialize)]
struct ActivityOut {
    cycle: u64,
    frames_sent: u64,
    req_tlps_in: u64,
    cpl_tlps_in: u64,
    req_beats_out: u64,
    cpl_beats_out: u64,
    digest: String,
}

impl From<Activity> for ActivityOut {
    fn from(a: Activity) -> Self {
        ActivityOut {
            cycle: a.cycle,
            frames_sent: a.frames_sent,
            req_tlps_in: a.req_tlps_in,
            cpl_tlps_in: a.cpl_tlps_in,
            req_beats_out: a.req_beats_out,
            cpl_beats_out: a.cpl_beats_out,
            digest: format!("{:016x}", a.digest),
        }
    }
}

fn main() {
    let args = Args::parse();
    let delivery = || {
        delivery_table(args.repeat, args.chunk_cycles).unwrap_or_else(|e| {
            eprintln!("bench: delivery table: {e}");
            std::process::exit(1);
        })
    };
    if args.delivery_only {
        let rows = delivery();
        if args.json {
            println!("{}", serde_json::to_string_pretty(&rows).unwrap());
        } else {
            print_delivery(&rows, args.repeat);
        }
        return;
    }
    let split = if args.skip_split {
        Vec::new()
    } else {
        split_table(args.split_stall).unwrap_or_else(|e| {
            eprintln!("bench: split table: {e}");
            std::process::exit(1);
        })
    };
    if args.split_only {
        if args.json {
            println!("{}", serde_json::to_string_pretty(&split).unwrap());
        } else {
            print_split(&split);
        }
        return;
    }
    let mut out = Vec::new();
    for len in [1514usize, 60] {
        match scenario(&args, len) {
            Ok(s) => out.push(s),
            Err(e) => {
                eprintln!("bench: {len}-byte frames: {e}");
                std::process::exit(1);
            }
        }
    }
    let irq = if args.skip_irq {
        Vec::new()
    } else {
        irq_table().unwrap_or_else(|e| {
            eprintln!("bench: interrupt table: {e}");
            std::process::exit(1);
        })
    };
    let deliv = if args.skip_delivery { Vec::new() } else { delivery() };
    if args.json {
        #[derive(Serialize)]
        struct Out<'a> {
            scenarios: &'a [Scenario],
            interrupts: &'a [IrqRow],
            split: &'a [SplitRow],
            delivery: &'a [DeliveryRow],
        }
        println!(
            "{}",
            serde_json::to_string_pretty(&Out { scenarios: &out, interrupts: &irq, split: &split, delivery: &deliv })
                .unwrap()
        );
        return;
    }
    println!(
        "{:>6} {:>7} {:>9} {:>7} {:>11} {:>8} {:>9} {:>9} {:>8} {:>9} {:>8} {:>9}",
        "bytes",
        "frames",
        "delivered",
        "dropped",
        "sim_cycles",
        "wall_s",
        "Mcycles/s",
        "kframes/s",
        "bare_s",
        "bare_Mc/s",
        "h/bare",
        "identical"
    );
    for s in &out {
        println!(
            "{:>6} {:>7} {:>9} {:>7} {:>11} {:>8.3} {:>9.3} {:>9.1} {:>8.3} {:>9.3} {:>8.3} {:>9}",
            s.frame_len,
            s.frames,
            s.delivered,
            s.dropped,
            s.sim_cycles,
            s.wall_seconds,
            s.cycles_per_second / 1e6,
            s.frames_per_second / 1e3,
            s.bare_wall_seconds,
            s.bare_cycles_per_second / 1e6,
            s.harness_over_bare,
            if s.identical { "yes" } else { "NO" }
        );
    }
    println!(
        "(best of {} runs each; {} mode; bare = C++-only replay of the recorded harness run, same cycles)",
        args.repeat,
        if args.poll { "polling" } else { "MSI-X" }
    );
    if !split.is_empty() {
        println!();
        print_split(&split);
    }
    if !irq.is_empty() {
        println!();
        print_irq(&irq);
    }
    if !deliv.is_empty() {
        println!();
        print_delivery(&deliv, args.repeat);
    }
}

fn print_irq(irq: &[IrqRow]) {
    println!(
        "{:<18} {:>5} {:>7} {:>6} {:>6} {:>6} {:>10} {:>10} {:>11} {:>10}",
        "capture", "Gb/s", "itr_ns", "itr_fr", "frames", "deliv", "interrupts", "frames/irq", "irq/sim_s", "sim_cycles"
    );
    for r in irq {
        println!(
            "{:<18} {:>5} {:>7} {:>6} {:>6} {:>6} {:>10} {:>10.2} {:>11.0} {:>10}",
            r.capture,
            r.line_rate_gbps,
            r.itr_ns,
            r.itr_frames,
            r.frames,
            r.delivered,
            r.interrupts,
            r.frames_per_interrupt,
            r.interrupts_per_sim_second,
            r.sim_cycles
        );
    }
}

/// One harness run, recorded, and its bare replay.
struct Pair {
    wall: f64,
    bare_wall: f64,
    cycles: u64,
    delivered: u64,
    dropped: u64,
    recorded_cycles: u64,
    recorded_frames: u64,
    tlps: (u64, u64),
    activity: Activity,
}

fn once(args: &Args, cfg: &ReplayConfig, len: usize) -> Result<Pair, String> {
    // Full harness, recorded from right after reset (before probe/open).
    let mut sim = Sim::new(cfg.sim_config()).map_err(|e| e.to_string())?;
    sim.start_recording();
    let mut rp = Replayer::with_sim(cfg.clone(), sim).map_err(|e| e.to_string())?;
    let c0 = rp.sim().cycle();
    let t0 = Instant::now();
    rp.run(synth::stimuli(synth::frames(0, args.frames, len)), |_, _| {}).map_err(|e| e.to_string())?;
    let wall = t0.elapsed().as_secs_f64().max(1e-9);
    let rec = rp.sim().take_recording().ok_or("no recording")?;
    let cycles = rp.sim().cycle() - c0;
    let r = rp.report().map_err(|e| e.to_string())?;
    if !r.is_clean() {
        return Err(format!(
            "harness run not clean: {} in, {} delivered, {} dropped, {} corrupt, {} TLP violations",
            r.frames_in, r.frames_delivered, r.frames_dropped.total, r.corrupt_frames.count, r.tlp_violations.count
        ));
    }
    drop(rp);

    // Bare: a fresh model, same config, same reset; replay the recording.
    // Probe/open (before c0) untimed, then the same window as the harness.
    let mut bare = Sim::new(cfg.sim_config()).map_err(|e| e.to_string())?;
    bare.load_recording(&rec).map_err(|e| e.to_string())?;
    while bare.cycle() < c0 {
        let left = c0 - bare.cycle();
        bare.replay_bare(left);
    }
    let end = rec.end().cycle;
    let t1 = Instant::now();
    while bare.cycle() < end {
        let left = end - bare.cycle();
        bare.replay_bare(left);
    }
    let bare_wall = t1.elapsed().as_secs_f64().max(1e-9);
    let activity = bare.activity();
    rec.check(&activity).map_err(|e| format!("bare replay is not faithful: {e}"))?;
    Ok(Pair {
        wall,
        bare_wall,
        cycles,
        delivered: r.frames_delivered,
        dropped: r.frames_dropped.total,
        recorded_cycles: rec.cycles(),
        recorded_frames: rec.frames(),
        tlps: rec.tlps(),
        activity,
    })
}

fn scenario(args: &Args, len: usize) -> Result<Scenario, String> {
    let mode = if args.poll { RxMode::Poll } else { RxMode::Msix };
    // No TCP reassembly in the speed runs: they measure the simulator and the
    // driver, comparable with the figures recorded before reassembly existed.
    let cfg = ReplayConfig {
        chunk_cycles: args.chunk_cycles,
        mode,
        streams: nic_testbench::streams::StreamData::Off,
        ..ReplayConfig::default()
    };
    let mut runs: Vec<Pair> = Vec::new();
    for i in 0..args.repeat {
        let p = once(args, &cfg, len)?;
        if let Some(first) = runs.first() {
            // The simulation is deterministic: every repetition must do the same.
            if (p.cycles, p.delivered, p.dropped, p.activity)
                != (first.cycles, first.delivered, first.dropped, first.activity)
            {
                return Err(format!("run {} differs from run 1: the simulation is not deterministic", i + 1));
            }
        }
        runs.push(p);
    }
    let wall = runs.iter().map(|p| p.wall).fold(f64::INFINITY, f64::min);
    let bare_wall = runs.iter().map(|p| p.bare_wall).fold(f64::INFINITY, f64::min);
    let p = &runs[0];
    let cps = p.cycles as f64 / wall;
    let bare_cps = p.cycles as f64 / bare_wall;
    Ok(Scenario {
        frame_len: len,
        frames: args.frames,
        delivered: p.delivered,
        dropped: p.dropped,
        sim_cycles: p.cycles,
        wall_seconds: wall,
        cycles_per_second: cps,
        frames_per_second: p.delivered as f64 / wall,
        bare_wall_seconds: bare_wall,
        bare_cycles_per_second: bare_cps,
        harness_over_bare: cps / bare_cps,
        identical: true,
        repeats: args.repeat,
        harness_runs: runs.iter().map(|p| p.wall).collect(),
        bare_runs: runs.iter().map(|p| p.bare_wall).collect(),
        recorded_cycles: p.recorded_cycles,
        recorded_frames: p.recorded_frames,
        recorded_mmio_tlps: p.tlps.0,
        recorded_completion_tlps: p.tlps.1,
        activity: p.activity.into(),
    })
}
