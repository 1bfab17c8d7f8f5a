//! MMIO through real TLPs against the verilated NIC.

use nic_hal::Hal;
use nic_sim::{Sim, SimConfig};
use nic_spec::{global, id};

fn check_id_version_scratch(cfg: SimConfig) {
    let mut sim = Sim::new(cfg).expect("sim");
    assert_eq!(sim.mmio_read32(global::ID).unwrap(), id::MAGIC);
    assert_eq!(sim.mmio_read32(global::VERSION).unwrap(), id::VERSION);
    for v in [0xDEAD_BEEF, 0x0000_0000, 0xFFFF_FFFF, 0x1234_5678] {
        sim.mmio_write32(global::SCRATCH, v);
        assert_eq!(sim.mmio_read32(global::SCRATCH).unwrap(), v);
    }
    // Posted writes back to back, then one read: the last write wins.
    for v in 1..=8u32 {
        sim.mmio_write32(global::SCRATCH, v);
    }
    assert_eq!(sim.mmio_read32(global::SCRATCH).unwrap(), 8);
    assert!(sim.violations().is_empty(), "{:#?}", sim.violations());
    let st = sim.stats();
    assert_eq!(st.mmio_reads, st.mmio_cpls);
    assert_eq!(st.mmio_reads, 7);
}

#[test]
fn id_version_scratch_3dw() {
    check_id_version_scratch(SimConfig::default());
}

#[test]
fn id_version_scratch_4dw_bar_latency_backpressure() {
    check_id_version_scratch(SimConfig {
        bar0_base: 0x0000_0040_F000_0000,
        mmio_latency_cycles: 37,
        cpl_stall_probability: 0.5,
        stall_seed: 7,
        ..SimConfig::default()
    });
}

#[test]
fn run_advances_exactly() {
    let mut sim = Sim::new(SimConfig::default()).unwrap();
    let c0 = sim.cycle();
    sim.run(1234);
    assert_eq!(sim.cycle(), c0 + 1234);
    sim.mmio_write32(global::SCRATCH, 5);
    sim.run(10);
    assert_eq!(sim.cycle(), c0 + 1244);
    assert_eq!(sim.mmio_pending(), 0);
    let n = sim.run_until(|s| s.cycle() >= c0 + 2000, 10_000).unwrap();
    assert!(n >= 756 && sim.cycle() >= c0 + 2000);
    assert!(sim.run_until(|_| false, 100).is_err());
}

#[test]
fn bare_loop_counts_cycles() {
    let mut sim = Sim::new(SimConfig::default()).unwrap();
    let c0 = sim.cycle();
    sim.mac_push(&[0x55; 64], false, 0);
    assert_eq!(sim.bare_loop(1000), 1000);
    assert_eq!(sim.cycle(), c0 + 1000);
    assert_eq!(sim.mac_pending(), 0);
    assert_eq!(sim.frames_sent(), 1);
}

#[test]
fn fst_waveform_is_written_when_asked() {
    let path = std::env::temp_dir().join(format!("nic-sim-test-{}.fst", std::process::id()));
    let cfg = SimConfig { fst_path: Some(path.clone()), ..SimConfig::default() };
    if !Sim::fst_supported() {
        assert!(matches!(Sim::new(cfg), Err(nic_sim::SimError::FstUnavailable)));
        return;
    }
    let mut sim = Sim::new(cfg).unwrap();
    assert_eq!(sim.mmio_read32(global::ID).unwrap(), id::MAGIC);
    sim.run(100);
    drop(sim);
    let len = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let _ = std::fs::remove_file(&path);
    assert!(len > 0, "no FST written");
}
