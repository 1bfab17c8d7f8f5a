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

use std::time::Instant;

use clap::Parser;
use nic_sim::{Activity, Sim};
use nic_testbench::pcap;
use nic_testbench::replay::{ReplayConfig, Replayer, RxMode, Stimulus};
use nic_testbench::synth;
use serde::Serialize;

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
    if args.json {
        #[derive(Serialize)]
        struct Out<'a> {
            scenarios: &'a [Scenario],
            interrupts: &'a [IrqRow],
            split: &'a [SplitRow],
        }
        println!(
            "{}",
            serde_json::to_string_pretty(&Out { scenarios: &out, interrupts: &irq, split: &split }).unwrap()
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
    if irq.is_empty() {
        return;
    }
    println!();
    println!(
        "{:<18} {:>5} {:>7} {:>6} {:>6} {:>6} {:>10} {:>10} {:>11} {:>10}",
        "capture", "Gb/s", "itr_ns", "itr_fr", "frames", "deliv", "interrupts", "frames/irq", "irq/sim_s", "sim_cycles"
    );
    for r in &irq {
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
