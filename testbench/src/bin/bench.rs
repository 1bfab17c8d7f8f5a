//! `bench`: how fast does the simulated system run?
//!
//! For each frame size (1514 and 60 bytes) it replays N synthetic frames
//! back to back through the simulator and the driver (the full harness:
//! root complex, MMIO, polling, matching) and reports simulated cycles and
//! frames per wall-clock second. Then, on a fresh model with the NIC opened
//! the same way, it runs the simulator's `bare_loop` (C++ only: the same
//! frame stream, TLP outputs accepted and discarded, no root complex) for
//! the same number of cycles, and prints the harness/bare speed ratio: the
//! share of the raw model speed the harness keeps.

use std::time::Instant;

use clap::Parser;
use nic_driver::Nic;
use nic_hal::Hal;
use nic_sim::Sim;
use nic_testbench::replay::{ReplayConfig, Replayer};
use nic_testbench::synth;
use serde::Serialize;

#[derive(Parser, Debug)]
#[command(about = "Benchmark the simulation harness against the bare model loop")]
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
}

#[derive(Serialize)]
struct Scenario {
    frame_len: usize,
    frames: u64,
    delivered: u64,
    dropped: u64,
    sim_cycles: u64,
    wall_seconds: f64,
    cycles_per_second: f64,
    frames_per_second: f64,
    bare_wall_seconds: f64,
    bare_cycles_per_second: f64,
    /// cycles_per_second / bare_cycles_per_second.
    harness_over_bare: f64,
}

fn main() {
    let args = Args::parse();
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
    if args.json {
        #[derive(Serialize)]
        struct Out<'a> {
            scenarios: &'a [Scenario],
        }
        println!("{}", serde_json::to_string_pretty(&Out { scenarios: &out }).unwrap());
        return;
    }
    println!(
        "{:>6} {:>8} {:>9} {:>8} {:>12} {:>8} {:>10} {:>12} {:>9} {:>13}",
        "bytes",
        "frames",
        "delivered",
        "dropped",
        "sim_cycles",
        "wall_s",
        "Mcycles/s",
        "kframes/s",
        "bare_s",
        "harness/bare"
    );
    for s in &out {
        println!(
            "{:>6} {:>8} {:>9} {:>8} {:>12} {:>8.3} {:>10.3} {:>12.1} {:>9.3} {:>13.3}",
            s.frame_len,
            s.frames,
            s.delivered,
            s.dropped,
            s.sim_cycles,
            s.wall_seconds,
            s.cycles_per_second / 1e6,
            s.frames_per_second / 1e3,
            s.bare_wall_seconds,
            s.harness_over_bare
        );
    }
}

fn scenario(args: &Args, len: usize) -> Result<Scenario, String> {
    let cfg = ReplayConfig { chunk_cycles: args.chunk_cycles, ..ReplayConfig::default() };

    // Full harness.
    let mut rp = Replayer::new(cfg.clone()).map_err(|e| e.to_string())?;
    let c0 = rp.sim().cycle();
    let t0 = Instant::now();
    rp.run(synth::stimuli(synth::frames(0, args.frames, len)), |_, _| {}).map_err(|e| e.to_string())?;
    let wall = t0.elapsed().as_secs_f64();
    let cycles = rp.sim().cycle() - c0;
    let r = rp.report().map_err(|e| e.to_string())?;

    // Bare loop: same device set-up, same frames, same cycle count.
    let mut sim = Sim::new(cfg.sim_config()).map_err(|e| e.to_string())?;
    let mut nic = Nic::probe(&mut sim).map_err(|e| e.to_string())?;
    let queues = (nic.caps().rx_queues as usize).max(1);
    nic.open(&mut sim, &cfg.rx_config(queues)).map_err(|e| e.to_string())?;
    sim.mmio_read32(nic_spec::global::CTRL).map_err(|e| e.to_string())?;
    for f in synth::frames(0, args.frames, len) {
        sim.mac_push(&f, false, 0);
    }
    let t1 = Instant::now();
    let bare_cycles = sim.bare_loop(cycles).max(1);
    let bare_wall = t1.elapsed().as_secs_f64().max(1e-9);

    let cps = cycles as f64 / wall.max(1e-9);
    let bare_cps = bare_cycles as f64 / bare_wall;
    Ok(Scenario {
        frame_len: len,
        frames: args.frames,
        delivered: r.frames_delivered,
        dropped: r.frames_dropped.total,
        sim_cycles: cycles,
        wall_seconds: wall,
        cycles_per_second: cps,
        frames_per_second: r.frames_delivered as f64 / wall.max(1e-9),
        bare_wall_seconds: bare_wall,
        bare_cycles_per_second: bare_cps,
        harness_over_bare: cps / bare_cps,
    })
}
