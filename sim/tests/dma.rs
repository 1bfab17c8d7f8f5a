//! End-to-end DMA through the root-complex model: descriptor reads (MemRd ->
//! CplD split at the RCB), frame and completion writes (MemWr), against the
//! verilated NIC.

use nic_hal::{DmaRegion, Hal};
use nic_sim::{Sim, SimConfig};
use nic_spec::{cpl, ctrl, desc, global, qctrl, rxq};

const LOG: u32 = 4;
const N: usize = 1 << LOG;
const BUF: usize = 2048;

struct Rings {
    cpl: DmaRegion,
    bufs: Vec<DmaRegion>,
}

fn setup(sim: &mut Sim) -> Rings {
    let d = sim.dma_alloc(N * desc::SIZE, 4096).unwrap();
    let c = sim.dma_alloc(N * cpl::SIZE, 4096).unwrap();
    let mut bufs = Vec::new();
    for i in 0..N {
        let b = sim.dma_alloc(BUF, 16).unwrap();
        let mut rec = [0u8; desc::SIZE];
        desc::ADDR.set(&mut rec, b.bus_addr);
        desc::LEN.set(&mut rec, BUF as u64);
        desc::BUF_ID.set(&mut rec, 0x100 + i as u64);
        sim.dma_write(d.bus_addr + (i * desc::SIZE) as u64, &rec).unwrap();
        bufs.push(b);
    }
    let q = rxq::BASE;
    sim.mmio_write32(q + rxq::DESC_BASE_LO, d.bus_addr as u32);
    sim.mmio_write32(q + rxq::DESC_BASE_HI, (d.bus_addr >> 32) as u32);
    sim.mmio_write32(q + rxq::DESC_LOG_SIZE, LOG);
    sim.mmio_write32(q + rxq::CPL_BASE_LO, c.bus_addr as u32);
    sim.mmio_write32(q + rxq::CPL_BASE_HI, (c.bus_addr >> 32) as u32);
    sim.mmio_write32(q + rxq::CPL_LOG_SIZE, LOG);
    sim.mmio_write32(q + rxq::Q_CTRL, qctrl::ENABLE);
    sim.mmio_write32(global::CTRL, ctrl::RX_ENABLE);
    sim.mmio_write32(q + rxq::DESC_PROD, (N - 1) as u32);
    // Posted writes: read back so they have landed before any frame arrives.
    sim.mmio_read32(global::CTRL).unwrap();
    Rings { cpl: c, bufs }
}

fn cpl_record(sim: &Sim, r: &Rings, i: usize) -> [u8; cpl::SIZE] {
    let mut rec = [0u8; cpl::SIZE];
    sim.dma_read(r.cpl.bus_addr + (i * cpl::SIZE) as u64, &mut rec).unwrap();
    rec
}

fn frame(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
}

fn receive_frames(cfg: SimConfig) {
    let mut sim = Sim::new(cfg).unwrap();
    let rings = setup(&mut sim);
    let lens = [60usize, 64, 65, 1514, 14, 333, 1500, 9];
    for (k, &len) in lens.iter().enumerate() {
        sim.mac_push(&frame(len, k as u8), false, if k % 2 == 0 { 0 } else { 7 });
        if k == 2 {
            sim.mac_push(&frame(200, 0xEE), true, 0); // MAC-flagged bad frame: dropped
        }
    }
    // 7 deliverable frames (the 9-byte one is a runt).
    let want = lens.iter().filter(|&&l| l >= 14).count();
    let r = sim.run_until(|s| cpl::PHASE.get(&cpl_record(s, &rings, want - 1)) == 1, 200_000);
    if r.is_err() {
        let recs: Vec<_> = (0..N)
            .map(|i| (cpl::LEN.get(&cpl_record(&sim, &rings, i)), cpl::PHASE.get(&cpl_record(&sim, &rings, i))))
            .collect();
        let regs: Vec<_> = [
            global::RX_FRAMES_IN,
            global::RX_DROP_FIFO_FULL,
            global::RX_DROP_RUNT,
            global::RX_DROP_DISABLED,
            global::ERR_STATUS,
            rxq::BASE + rxq::CPL_PROD,
            rxq::BASE + rxq::DESC_CONS,
            rxq::BASE + rxq::Q_STATUS,
            rxq::BASE + rxq::Q_DROP_NO_DESC,
            rxq::BASE + rxq::Q_DROP_BUF_TOO_SMALL,
        ]
        .iter()
        .map(|&o| (o, sim.mmio_read32(o)))
        .collect();
        panic!(
            "completions did not arrive: records {recs:?}\nregs {regs:x?}\nviolations {:#?}\nstats {:?}",
            sim.violations(),
            sim.stats()
        );
    }
    for (slot, (k, &len)) in lens.iter().enumerate().filter(|(_, &l)| l >= 14).enumerate() {
        let rec = cpl_record(&sim, &rings, slot);
        assert_eq!(cpl::LEN.get(&rec), len as u64, "slot {slot}");
        assert_eq!(cpl::BUF_ID.get(&rec), 0x100 + slot as u64);
        assert_eq!(cpl::STATUS.get(&rec), 0);
        let mut got = vec![0u8; len];
        sim.dma_read(rings.bufs[slot].bus_addr, &mut got).unwrap();
        assert_eq!(got, frame(len, k as u8), "frame {k} in buffer {slot}");
    }
    sim.run(2_000);
    assert_eq!(sim.mmio_read32(rxq::BASE + rxq::CPL_PROD).unwrap(), want as u32);
    assert_eq!(sim.mmio_read32(global::RX_DROP_RUNT).unwrap(), 1);
    assert_eq!(sim.mmio_read32(global::RX_DROP_MAC_ERROR).unwrap(), 1);
    assert_eq!(sim.mmio_read32(global::RX_FRAMES_IN).unwrap(), lens.len() as u32 + 1);
    assert_eq!(sim.frames_sent(), lens.len() as u64 + 1);
    assert_eq!(sim.mac_pending(), 0);
    assert!(sim.violations().is_empty(), "{:#?}", sim.violations());
    let st = sim.stats();
    assert!(st.mem_rd_tlps > 0 && st.cpl_tlps >= st.mem_rd_tlps && st.mem_wr_tlps > want as u64, "{st:?}");
}

#[test]
fn receive_frames_default() {
    receive_frames(SimConfig::default());
}

#[test]
fn receive_frames_above_4g_with_backpressure() {
    receive_frames(SimConfig {
        dma_base: 0x0000_0012_3400_0000,
        req_stall_probability: 0.3,
        cpl_stall_probability: 0.3,
        stall_seed: 99,
        dma_read_latency_cycles: 400,
        max_payload_size: 128,
        max_read_request_size: 128,
        rcb_bytes: 128,
        ..SimConfig::default()
    });
}

#[test]
fn dma_with_bus_master_disabled_is_reported() {
    let mut sim = Sim::new(SimConfig { bus_master_enable: false, ..SimConfig::default() }).unwrap();
    let _rings = setup(&mut sim);
    sim.mac_push(&frame(100, 1), false, 0);
    sim.run(20_000);
    // A NIC that honours the bit sends nothing; anything it sends is a violation.
    assert_eq!((sim.stats().mem_rd_tlps, sim.stats().mem_wr_tlps), (0, 0));
    assert!(sim.violations().is_empty(), "{:#?}", sim.violations());
}

/// Bus Master Enable cleared in the middle of a frame's MemWr TLPs: the TLP
/// already presented finishes, nothing else starts (no BusMasterDisabled),
/// and once the bit is back the rest of the frame and the next one arrive.
fn bus_master_disable_mid_frame(cfg: SimConfig) {
    let mut sim = Sim::new(SimConfig { max_payload_size: 128, ..cfg }).unwrap();
    let rings = setup(&mut sim);
    // 1500 bytes at MPS 128: 12 data MemWr, then the completion record
    sim.mac_push(&frame(1500, 5), false, 0);
    sim.run_until(|s| s.stats().mem_wr_tlps >= 4, 100_000).unwrap();
    sim.set_bus_master_enable(false);
    let wr = sim.stats().mem_wr_tlps;
    let rd = sim.stats().mem_rd_tlps;
    sim.mac_push(&frame(200, 6), false, 0);
    sim.run(20_000);
    assert!(sim.stats().mem_wr_tlps + sim.stats().mem_rd_tlps <= wr + rd + 1, "{:?}", sim.stats());
    assert_eq!(cpl::PHASE.get(&cpl_record(&sim, &rings, 0)), 0, "record written with bus mastering off");
    assert!(sim.violations().is_empty(), "{:#?}", sim.violations());

    sim.set_bus_master_enable(true);
    sim.run_until(|s| cpl::PHASE.get(&cpl_record(s, &rings, 1)) == 1, 100_000).unwrap();
    for (slot, (len, seed)) in [(1500usize, 5u8), (200, 6)].into_iter().enumerate() {
        let rec = cpl_record(&sim, &rings, slot);
        assert_eq!((cpl::LEN.get(&rec), cpl::STATUS.get(&rec)), (len as u64, 0), "slot {slot}");
        let mut got = vec![0u8; len];
        sim.dma_read(rings.bufs[slot].bus_addr, &mut got).unwrap();
        assert_eq!(got, frame(len, seed), "buffer {slot}");
    }
    assert!(sim.violations().is_empty(), "{:#?}", sim.violations());
}

#[test]
fn bus_master_disable_mid_frame_holds_requests() {
    bus_master_disable_mid_frame(SimConfig::default());
}

#[test]
fn bus_master_disable_mid_frame_with_backpressure() {
    for seed in 1..=4 {
        bus_master_disable_mid_frame(SimConfig {
            req_stall_probability: 0.5,
            stall_seed: seed,
            ..SimConfig::default()
        });
    }
}
