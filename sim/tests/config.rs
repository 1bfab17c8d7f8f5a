//! Configuration space and MSI-X through the `Hal` of the verilated NIC.

use nic_hal::{Hal, HalError};
use nic_sim::cfg::{MSIX_CAP, PCIE_CAP};
use nic_sim::{Sim, SimConfig, SimError};
use nic_spec::{global, limits, msix, pci, rxq};

const LOG: u32 = 4;

/// Queue 0 with N descriptors, RX enabled; returns the completion ring's bus address.
fn setup(sim: &mut Sim) -> u64 {
    nic_sim::raw_queue0(sim, LOG, None).unwrap().1
}

fn completions(sim: &mut Sim) -> u32 {
    sim.mmio_read32(rxq::BASE + rxq::CPL_PROD).unwrap()
}

#[test]
fn capability_walk_and_identity() {
    let cfg = SimConfig { max_payload_size: 512, max_read_request_size: 1024, ..SimConfig::default() };
    let mut sim = Sim::new(cfg).unwrap();
    let id = sim.cfg_read32(pci::VENDOR_ID).unwrap();
    assert_eq!((id as u16, (id >> 16) as u16), (pci::NIC_VENDOR_ID, pci::NIC_DEVICE_ID));
    assert_eq!(sim.cfg_read32(pci::CLASS_REV).unwrap() >> 8, pci::NIC_CLASS);
    assert_ne!(sim.cfg_read32(pci::COMMAND).unwrap() >> 16 & u32::from(pci::STATUS_CAP_LIST), 0);

    // 0x34 -> MSI-X -> PCI Express -> end.
    let mut caps = Vec::new();
    let mut at = (sim.cfg_read32(pci::CAP_PTR).unwrap() & 0xFC) as u16;
    while at != 0 && caps.len() < 48 {
        let dw = sim.cfg_read32(at).unwrap();
        caps.push((at, dw as u8, (dw >> 16) as u16));
        at = ((dw >> 8) & 0xFC) as u16;
    }
    assert_eq!(caps.iter().map(|c| c.1).collect::<Vec<_>>(), [pci::CAP_ID_MSIX, pci::CAP_ID_PCIE]);
    // The RTL's table size (MSIX_VECTORS = 16 by default): field 15.
    let msg_ctrl = caps[0].2;
    assert_eq!(msg_ctrl & pci::MSIX_CTRL_TABLE_SIZE, sim.msix_table_size());
    assert_eq!(sim.msix_table_size(), 15);
    assert_eq!(msg_ctrl & (pci::MSIX_CTRL_ENABLE | pci::MSIX_CTRL_FUNCTION_MASK), 0);
    let table = sim.cfg_read32(caps[0].0 + pci::MSIX_TABLE).unwrap();
    assert_eq!((table & !pci::MSIX_BIR_MASK, table & pci::MSIX_BIR_MASK), (msix::TABLE_OFFSET, msix::TABLE_BIR));
    let pba = sim.cfg_read32(caps[0].0 + pci::MSIX_PBA).unwrap();
    assert_eq!((pba & !pci::MSIX_BIR_MASK, pba & pci::MSIX_BIR_MASK), (msix::PBA_OFFSET, msix::PBA_BIR));
    // Device Control reflects the configuration.
    assert_eq!(caps[1].0, PCIE_CAP);
    let devctl = sim.cfg_read32(PCIE_CAP + 8).unwrap();
    assert_eq!((128 << (devctl >> 5 & 7), 128 << (devctl >> 12 & 7)), (512, 1024));

    // BAR0 sizing.
    let bar = sim.cfg_read32(pci::BAR0).unwrap();
    assert_eq!(u64::from(bar), sim.config().bar0_base);
    sim.cfg_write32(pci::BAR0, u32::MAX).unwrap();
    assert_eq!(u64::from(!(sim.cfg_read32(pci::BAR0).unwrap() & !0xF)) + 1, limits::BAR0_SIZE);
    sim.cfg_write32(pci::BAR0, bar).unwrap();
    assert_eq!(sim.cfg_read32(pci::BAR0).unwrap(), bar);

    for off in [2u16, 0x1000, 0xFFFE] {
        assert_eq!(sim.cfg_read32(off), Err(HalError::BadConfigOffset { offset: off }));
        assert_eq!(sim.cfg_write32(off, 0), Err(HalError::BadConfigOffset { offset: off }));
    }
    assert!(sim.violations().is_empty());
}

#[test]
fn nic_mps_override_shows_in_device_control() {
    let cfg = SimConfig { nic_max_payload_size: Some(128), ..SimConfig::default() };
    let mut sim = Sim::new(cfg).unwrap();
    let devctl = sim.cfg_read32(PCIE_CAP + 8).unwrap();
    assert_eq!(128 << (devctl >> 5 & 7), 128);
}

#[test]
fn bus_master_enable_via_command_reaches_rc_and_rtl() {
    let mut sim = Sim::new(SimConfig::default()).unwrap();
    let cmd = sim.cfg_read32(pci::COMMAND).unwrap();
    assert_eq!(cmd as u16 & pci::COMMAND_BUS_MASTER, pci::COMMAND_BUS_MASTER);
    sim.cfg_write32(pci::COMMAND, u32::from(pci::COMMAND_MEMORY)).unwrap();
    assert!(!sim.config().bus_master_enable && !sim.config_space().bus_master_enable());
    let _ = setup(&mut sim);
    sim.mac_push(&[0x42; 200], false, 0);
    sim.run(20_000);
    // The NIC saw the bit: it fetched and wrote nothing, so the RC had nothing to object to.
    assert_eq!((sim.stats().mem_rd_tlps, sim.stats().mem_wr_tlps), (0, 0));
    assert!(sim.violations().is_empty(), "{:#?}", sim.violations());
    assert_eq!(completions(&mut sim), 0);

    // Back on: descriptors are fetched and the next frame is delivered, which the RC accepts.
    sim.cfg_write32(pci::COMMAND, u32::from(pci::COMMAND_MEMORY | pci::COMMAND_BUS_MASTER)).unwrap();
    assert!(sim.config().bus_master_enable);
    sim.mac_push(&[0x43; 200], false, 0);
    sim.run_until(|s| s.stats().mem_wr_tlps >= 2, 50_000).unwrap();
    sim.run(2_000);
    assert!(completions(&mut sim) >= 1);
    assert!(sim.violations().is_empty(), "{:#?}", sim.violations());

    // Sim::set_bus_master_enable keeps config space in step.
    sim.set_bus_master_enable(false);
    assert_eq!(sim.cfg_read32(pci::COMMAND).unwrap() as u16 & pci::COMMAND_BUS_MASTER, 0);
}

#[test]
fn memory_space_disable_keeps_mmio_from_the_nic() {
    let mut sim = Sim::new(SimConfig::default()).unwrap();
    sim.mmio_write32(global::SCRATCH, 0x1234);
    sim.cfg_write32(pci::COMMAND, u32::from(pci::COMMAND_BUS_MASTER)).unwrap();
    assert_eq!(sim.mmio_read32(global::ID).unwrap(), u32::MAX);
    sim.mmio_write32(global::SCRATCH, 0x5678);
    assert_eq!(sim.stats().mmio_unclaimed, 2);
    sim.cfg_write32(pci::COMMAND, u32::from(pci::COMMAND_MEMORY | pci::COMMAND_BUS_MASTER)).unwrap();
    assert_eq!(sim.mmio_read32(global::SCRATCH).unwrap(), 0x1234);
    assert!(sim.violations().is_empty());
}

#[test]
fn msix_enable_without_an_interrupt_source_is_quiet() {
    let mut sim = Sim::new(SimConfig::default()).unwrap();
    let msgs: Vec<_> = (0..=sim.msix_table_size()).map(|v| sim.irq_alloc(v).unwrap()).collect();
    assert_eq!(msgs[0].addr, sim.config().msi_base);
    assert_eq!(sim.irq_alloc(3).unwrap(), msgs[3]);
    assert_eq!(sim.irq_message(3), Some(msgs[3]));
    // Beyond the NIC's table.
    let past = sim.msix_table_size() + 1;
    assert_eq!(sim.irq_alloc(past), Err(HalError::NoInterrupt { vector: past }));

    sim.cfg_write32(MSIX_CAP, u32::from(pci::MSIX_CTRL_ENABLE) << 16).unwrap();
    assert!(sim.config_space().msix_enable() && !sim.config_space().msix_function_mask());
    let ctrl = sim.cfg_read32(MSIX_CAP).unwrap() >> 16;
    assert_eq!(ctrl as u16, pci::MSIX_CTRL_ENABLE | 15);
    let _ = setup(&mut sim);
    for i in 0..6u8 {
        sim.mac_push(&[i; 300], false, 3);
    }
    assert!(sim.run_until(|s| s.interrupts_pending(), 30_000).is_err());
    assert_eq!(completions(&mut sim), 6);
    // Masked, then disabled: still nothing.
    sim.cfg_write32(MSIX_CAP, u32::from(pci::MSIX_CTRL_ENABLE | pci::MSIX_CTRL_FUNCTION_MASK) << 16).unwrap();
    sim.mac_push(&[9; 100], false, 0);
    sim.run(5_000);
    sim.cfg_write32(MSIX_CAP, 0).unwrap();
    sim.run(1_000);
    assert!(sim.violations().is_empty(), "{:#?}", sim.violations());
    assert!(!sim.interrupts_pending() && sim.interrupt_log().is_empty() && sim.stats().interrupts == 0);
    assert!((0..16).all(|v| sim.irq_take(v) == 0 && sim.interrupt_count(v) == 0));
    sim.irq_free(3);
    assert_eq!(sim.irq_message(3), None);
    assert_eq!(sim.irq_take(3), 0);
}

#[test]
fn address_map_is_validated() {
    let bad = [
        SimConfig { msi_base: 0xFEE0_0002, ..SimConfig::default() },
        SimConfig { msi_window_bytes: 0, ..SimConfig::default() },
        SimConfig { msi_window_bytes: 6, ..SimConfig::default() },
        SimConfig { msi_base: 0xFFFF_0000, msi_window_bytes: 0x2_0000, ..SimConfig::default() },
        SimConfig { msi_base: 0x1_0000_0000, ..SimConfig::default() },
        SimConfig { msi_base: 0xF000_8000, msi_window_bytes: 0x100, ..SimConfig::default() },
        SimConfig { msi_base: 0x9000_0000, ..SimConfig::default() },
        SimConfig { bar0_base: 0xF000_1000, ..SimConfig::default() },
        SimConfig { bar0_base: 0x8010_0000, ..SimConfig::default() },
    ];
    for cfg in bad {
        let what = format!("msi {:#x}+{:#x} bar0 {:#x}", cfg.msi_base, cfg.msi_window_bytes, cfg.bar0_base);
        assert!(matches!(Sim::new(cfg), Err(SimError::InvalidConfig(_))), "{what}");
    }
    // A small window elsewhere below 4 GiB is fine; DMA memory is never handed out inside it.
    let cfg = SimConfig {
        dma_base: 0x1000_0000,
        host_memory_bytes: 1 << 20,
        msi_base: 0x1010_0000,
        msi_window_bytes: 0x1000,
        ..SimConfig::default()
    };
    let mut sim = Sim::new(cfg).unwrap();
    let mut last = 0;
    for _ in 0..200 {
        let r = sim.dma_alloc(4096, 4096).unwrap();
        assert!(r.bus_addr + 4096 <= 0x1010_0000 || r.bus_addr >= 0x1010_1000, "{:#x}", r.bus_addr);
        sim.dma_free(r);
        last = r.bus_addr;
    }
    assert!(last > 0x1010_1000);
}
