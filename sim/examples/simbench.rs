//! Cycles per second of the verilated NIC: bare C++ loop vs the full
//! harness with the root-complex model, idle and under RX traffic.
//!
//! `cargo run --release -p nic-sim --example simbench [cycles]`

use std::time::Instant;

use nic_hal::Hal;
use nic_sim::{Sim, SimConfig};
use nic_spec::{cpl, global, rxq};

const LOG: u32 = 8;
const N: usize = 1 << LOG;
const FRAME: usize = 1514;

fn rate(label: &str, cycles: u64, t: Instant) {
    let s = t.elapsed().as_secs_f64();
    println!("{label:<40} {:>8.3} Mcycles/s ({cycles} cycles in {s:.2} s)", cycles as f64 / s / 1e6);
}

/// Enables queue 0 with N descriptors; returns (desc ring, cpl ring) bus addresses.
fn setup(sim: &mut Sim) -> (u64, u64) {
    nic_sim::raw_queue0(sim, LOG, None).unwrap()
}

fn main() {
    let cycles: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(2_000_000);
    let frame = vec![0x5Au8; FRAME];
    match std::env::args().nth(2).as_deref() {
        Some("idle-bare") => {
            Sim::new(SimConfig::default()).unwrap().bare_loop(cycles);
            return;
        }
        Some("idle-run") => {
            Sim::new(SimConfig::default()).unwrap().run(cycles);
            return;
        }
        _ => {}
    }
    if std::env::args().nth(2).as_deref() == Some("bare") {
        // Only the bare loop under traffic (for comparing builds by CPU time).
        let mut sim = Sim::new(SimConfig::default()).unwrap();
        setup(&mut sim);
        for _ in 0..(cycles / 200) {
            sim.mac_push(&frame, false, 12);
        }
        let t = Instant::now();
        sim.bare_loop(cycles);
        rate("bare loop, RX traffic (no host)", cycles, t);
        return;
    }

    // Idle, alternating so machine load hits both alike.
    let mut sim = Sim::new(SimConfig::default()).unwrap();
    for _ in 0..3 {
        let t = Instant::now();
        sim.bare_loop(cycles / 3);
        rate("bare loop, idle", cycles / 3, t);
        let t = Instant::now();
        sim.run(cycles / 3);
        rate("harness run(), idle", cycles / 3, t);
    }

    // Traffic: back-to-back 1514-byte frames (12-cycle gap), a host that
    // keeps re-posting descriptors and consuming completions.
    let mut sim = Sim::new(SimConfig::default()).unwrap();
    let (_, c) = setup(&mut sim);
    let mut prod = (N - 1) as u32;
    let mut cons = 0u32;
    let t = Instant::now();
    let start = sim.cycle();
    let step = 2_000;
    let mut rec = [0u8; cpl::SIZE];
    while sim.cycle() - start < cycles {
        while sim.mac_pending() < 32 {
            sim.mac_push(&frame, false, 12);
        }
        sim.run(step);
        // Consume completions, re-post their descriptors.
        loop {
            let slot = (cons as usize) & (N - 1);
            sim.dma_read(c + (slot * cpl::SIZE) as u64, &mut rec).unwrap();
            if cpl::PHASE.get(&rec) != u64::from(nic_spec::cpl_phase(cons as u16, LOG)) {
                break;
            }
            cons = cons.wrapping_add(1);
        }
        sim.mmio_write32(rxq::BASE + rxq::CPL_CONS, cons & 0xFFFF);
        prod = cons.wrapping_add(N as u32 - 1);
        sim.mmio_write32(rxq::BASE + rxq::DESC_PROD, prod & 0xFFFF);
    }
    let ran = sim.cycle() - start;
    rate("harness run(), RX traffic + host driver", ran, t);
    let st = sim.stats().clone();
    println!(
        "  frames delivered {cons} (RX_FRAMES_IN {}, FIFO-full drops {}), MemWr {} ({} B), MemRd {}, CplD {}, violations {}",
        sim.mmio_read32(global::RX_FRAMES_IN).unwrap(),
        sim.mmio_read32(global::RX_DROP_FIFO_FULL).unwrap(),
        st.mem_wr_tlps, st.mem_wr_bytes, st.mem_rd_tlps, st.cpl_tlps, st.violations
    );
    let _ = prod;

    // The same traffic into the bare loop (no host: descriptor reads are never answered).
    let mut sim = Sim::new(SimConfig::default()).unwrap();
    setup(&mut sim);
    for _ in 0..(cycles / 200) {
        sim.mac_push(&frame, false, 12);
    }
    let t = Instant::now();
    sim.bare_loop(cycles);
    rate("bare loop, RX traffic (no host)", cycles, t);

    if Sim::fst_supported() {
        let path = std::env::temp_dir().join("simbench.fst");
        let mut sim = Sim::new(SimConfig { fst_path: Some(path.clone()), ..SimConfig::default() }).unwrap();
        let n = cycles / 10;
        let t = Instant::now();
        sim.run(n);
        rate("harness run(), idle, FST tracing", n, t);
        drop(sim);
        let _ = std::fs::remove_file(path);
    }
}
