//! MSI-X discovery, interrupt setup and teardown, re-arming, masking and
//! the per-vector statistics, against the mock transport.

mod mock;

use mock::{entry, ivreg, platform_msg, qreg, MockHal, MSIX_CAP, PCIE_CAP};
use nic_driver::{discover_msix, find_capability, DriverError, IrqConfig, MsixInfo, Nic, RxConfig, VectorPoll};
use nic_spec::{err, global, ivec, ivec_ctrl, limits, msix, pci, rxq};

fn frame(n: u32, len: usize) -> Vec<u8> {
    (0..len).map(|i| (n as usize * 13 + i) as u8).collect()
}

fn rx_cfg() -> RxConfig {
    RxConfig { desc_ring_log: 5, cpl_ring_log: 5, ..Default::default() }
}

fn open(queues: u32, table: u16) -> (MockHal, Nic) {
    let mut hal = MockHal::with_msix(queues, 0, table);
    let mut nic = Nic::probe(&mut hal).unwrap();
    nic.open(&mut hal, &rx_cfg()).unwrap();
    (hal, nic)
}

fn enabled(queues: u32, table: u16, cfg: IrqConfig) -> (MockHal, Nic) {
    let (mut hal, mut nic) = open(queues, table);
    nic.enable_interrupts(&mut hal, &cfg).unwrap();
    (hal, nic)
}

fn dw(off: u16) -> usize {
    usize::from(off / 4)
}

#[test]
fn discovery_decodes_the_msix_capability() {
    let mut hal = MockHal::new();
    let info = discover_msix(&mut hal).unwrap();
    assert_eq!(
        info,
        MsixInfo {
            cap_offset: MSIX_CAP,
            table_size: 16,
            table_bir: 0,
            table_offset: msix::TABLE_OFFSET,
            pba_bir: 0,
            pba_offset: msix::PBA_OFFSET
        }
    );
    assert!(hal.cfg_writes.is_empty(), "discovery only reads");
    assert_eq!(find_capability(&mut hal, pci::CAP_ID_PCIE).unwrap(), Some(PCIE_CAP));
    assert_eq!(find_capability(&mut hal, 0x05).unwrap(), None);
    // Reserved pointer bits are ignored.
    hal.cfg[dw(pci::CAP_PTR)] = u32::from(PCIE_CAP) | 0x3;
    assert_eq!(discover_msix(&mut hal).unwrap().cap_offset, MSIX_CAP);
    // The largest table the map has room for.
    let mut hal = MockHal::with_msix(1, 0, msix::MAX_VECTORS as u16);
    assert_eq!(discover_msix(&mut hal).unwrap().table_size, msix::MAX_VECTORS as u16);
}

#[test]
fn discovery_without_msix() {
    let mut hal = MockHal::new();
    hal.cfg[dw(pci::COMMAND)] &= 0xFFFF; // Status: no capability list
    assert_eq!(discover_msix(&mut hal), Err(DriverError::NoMsixCapability));

    let mut hal = MockHal::new();
    hal.cfg[dw(PCIE_CAP)] &= !0xFF00; // the list ends after the PCIe capability
    assert_eq!(discover_msix(&mut hal), Err(DriverError::NoMsixCapability));

    let mut hal = MockHal::new();
    hal.cfg_supported = false;
    assert!(matches!(discover_msix(&mut hal), Err(DriverError::Hal(nic_hal::HalError::Unsupported { .. }))));
}

#[test]
fn discovery_rejects_a_table_or_pba_elsewhere() {
    let table = dw(MSIX_CAP + pci::MSIX_TABLE);
    let pba = dw(MSIX_CAP + pci::MSIX_PBA);
    let cases: [(usize, u32, DriverError); 4] = [
        (
            table,
            msix::TABLE_OFFSET | 2,
            DriverError::BadMsixLocation { structure: "table", bir: 2, offset: 0x8000, expected: 0x8000 },
        ),
        (table, 0x8100, DriverError::BadMsixLocation { structure: "table", bir: 0, offset: 0x8100, expected: 0x8000 }),
        (pba, 0x9000 | 1, DriverError::BadMsixLocation { structure: "PBA", bir: 1, offset: 0x9000, expected: 0x9000 }),
        (pba, 0x1_0000, DriverError::BadMsixLocation { structure: "PBA", bir: 0, offset: 0x1_0000, expected: 0x9000 }),
    ];
    for (at, value, want) in cases {
        let mut hal = MockHal::new();
        hal.cfg[at] = value;
        assert_eq!(discover_msix(&mut hal), Err(want));
    }
    let mut hal = MockHal::new();
    hal.cfg[dw(MSIX_CAP + pci::MSIX_TABLE)] = msix::TABLE_OFFSET | 2;
    let e = discover_msix(&mut hal).unwrap_err().to_string();
    assert!(e.contains("table") && e.contains("BIR 2"), "{e}");

    let mut hal = MockHal::new();
    hal.cfg[dw(MSIX_CAP)] = u32::from(pci::CAP_ID_MSIX) | 511 << 16;
    assert_eq!(discover_msix(&mut hal), Err(DriverError::BadMsixTableSize { entries: 512 }));
}

#[test]
fn discovery_survives_broken_lists() {
    // PCIe -> 0x50 -> back to PCIe: a loop without MSI-X.
    let mut hal = MockHal::new();
    hal.cfg[dw(PCIE_CAP)] = (hal.cfg[dw(PCIE_CAP)] & !0xFF00) | 0x50 << 8;
    hal.cfg[dw(0x50)] = 0x05 | u32::from(PCIE_CAP) << 8;
    assert!(matches!(
        discover_msix(&mut hal),
        Err(DriverError::BadCapabilityList { offset, .. }) if offset == PCIE_CAP
    ));
    // A capability pointing at itself.
    let mut hal = MockHal::new();
    hal.cfg[dw(PCIE_CAP)] = (hal.cfg[dw(PCIE_CAP)] & !0xFF00) | u32::from(PCIE_CAP) << 8;
    assert!(matches!(discover_msix(&mut hal), Err(DriverError::BadCapabilityList { offset: 0x40, .. })));
    // A pointer into the header.
    let mut hal = MockHal::new();
    hal.cfg[dw(pci::CAP_PTR)] = 0x20;
    let e = discover_msix(&mut hal).unwrap_err();
    assert!(matches!(e, DriverError::BadCapabilityList { offset: 0x20, .. }));
    assert!(e.to_string().contains("header"), "{e}");
    // The longest possible list (a capability in every dword) ends.
    let mut hal = MockHal::new();
    for off in (0x40u16..0x100).step_by(4) {
        let next = if off == 0xFC { 0 } else { off + 4 };
        hal.cfg[dw(off)] = 0x09 | u32::from(next) << 8;
    }
    assert_eq!(discover_msix(&mut hal), Err(DriverError::NoMsixCapability));
}

#[test]
fn enable_programs_exactly_the_table_routing_and_control() {
    let (mut hal, mut nic) = open(3, 16);
    hal.clear_log();
    let cfg = IrqConfig { itr_ns: 5000, itr_frames: 8, budget: 16 };
    nic.enable_interrupts(&mut hal, &cfg).unwrap();

    let mut want = Vec::new();
    for v in 0..4u16 {
        let m = platform_msg(v);
        want.extend([
            (entry(v, msix::ENTRY_CTRL), msix::CTRL_MASKED),
            (entry(v, msix::ENTRY_ADDR_LO), m.addr as u32),
            (entry(v, msix::ENTRY_ADDR_HI), (m.addr >> 32) as u32),
            (entry(v, msix::ENTRY_DATA), m.data),
            (ivreg(v, ivec::ITR_NS), 5000),
            (ivreg(v, ivec::ITR_FRAMES), 8),
        ]);
    }
    want.extend((0..3).map(|q| (qreg(q, rxq::Q_IRQ_VECTOR), q as u32)));
    want.push((global::IRQ_ERR_VECTOR, 3));
    want.extend((0..4).map(|v| (entry(v, msix::ENTRY_CTRL), 0)));
    let before_arm = want.len();
    want.extend((0..4).map(|v| (ivreg(v, ivec::CTRL), ivec_ctrl::ARM)));
    assert_eq!(hal.writes, want);

    // Config space: Command first (the mock function starts with it clear),
    // then MSI-X Enable with Function Mask clear, after the unmasks and before arming.
    let command = u32::from(pci::COMMAND_MEMORY | pci::COMMAND_BUS_MASTER);
    let msg_ctrl = (u32::from(pci::MSIX_CTRL_ENABLE) | 15) << 16 | u32::from(pci::CAP_ID_MSIX);
    assert_eq!(hal.cfg_writes, vec![(pci::COMMAND, command, 0), (MSIX_CAP, msg_ctrl, before_arm)]);
    assert_eq!(hal.msix_ctrl() & (pci::MSIX_CTRL_ENABLE | pci::MSIX_CTRL_FUNCTION_MASK), pci::MSIX_CTRL_ENABLE);
    // Flushed: a register read after the last write.
    assert_eq!(hal.read_log.last().map(|r| r.1), Some(hal.writes.len()));
    assert_eq!(hal.irq_allocs, vec![0, 1, 2, 3]);
    assert!((0..4).all(|v| hal.ivec[v].armed) && !hal.ivec[4].armed);
    // Entries beyond those used stay masked and untouched.
    assert!((4..16).all(|v| hal.reg(entry(v, msix::ENTRY_CTRL)) == msix::CTRL_MASKED));

    assert_eq!((0..4).map(|q| nic.vector_of_queue(q)).collect::<Vec<_>>(), [Some(0), Some(1), Some(2), None]);
    assert_eq!((nic.error_vector(), nic.num_vectors(), nic.irq_config()), (Some(3), 4, Some(cfg)));
    assert_eq!(nic.msix_info().unwrap().table_size, 16);
    assert_eq!(nic.queues_of_vector(1).collect::<Vec<_>>(), [1]);
    assert_eq!(nic.queues_of_vector(3).count(), 0);

    // Command already enabled: left alone.
    let (mut hal, mut nic) = open(1, 16);
    hal.cfg[dw(pci::COMMAND)] |= command;
    nic.enable_interrupts(&mut hal, &IrqConfig::default()).unwrap();
    assert!(hal.cfg_writes.iter().all(|w| w.0 != pci::COMMAND));
}

#[test]
fn a_small_table_is_shared_round_robin() {
    let (hal, nic) = enabled(3, 2, IrqConfig::default());
    assert_eq!((0..3).map(|q| hal.reg(qreg(q, rxq::Q_IRQ_VECTOR))).collect::<Vec<_>>(), [0, 1, 0]);
    assert_eq!(hal.reg(global::IRQ_ERR_VECTOR), 1);
    assert_eq!((nic.num_vectors(), nic.error_vector()), (2, Some(1)));
    assert_eq!(nic.queues_of_vector(0).collect::<Vec<_>>(), [0, 2]);
    assert_eq!(hal.irq_allocs, vec![0, 1]);

    let (hal, nic) = enabled(4, 1, IrqConfig::default());
    assert!((0..4).all(|q| hal.reg(qreg(q, rxq::Q_IRQ_VECTOR)) == 0));
    assert_eq!((nic.num_vectors(), nic.error_vector()), (1, Some(0)));
}

#[test]
fn enable_checks_its_preconditions_and_rolls_back() {
    let mut hal = MockHal::new();
    let mut nic = Nic::probe(&mut hal).unwrap();
    assert_eq!(nic.enable_interrupts(&mut hal, &IrqConfig::default()), Err(DriverError::NotOpen));
    nic.open(&mut hal, &rx_cfg()).unwrap();
    for bad in [
        IrqConfig { itr_ns: limits::ITR_MAX_NS + 1, ..Default::default() },
        IrqConfig { budget: 0, ..Default::default() },
    ] {
        assert!(matches!(nic.enable_interrupts(&mut hal, &bad), Err(DriverError::InvalidConfig(_))));
    }
    assert!(hal.irq_allocs.is_empty());

    // The platform runs out of interrupts at vector 1: vector 0 is given back.
    hal.irq_fail = Some(1);
    let e = nic.enable_interrupts(&mut hal, &IrqConfig::default());
    assert_eq!(e, Err(DriverError::Hal(nic_hal::HalError::NoInterrupt { vector: 1 })));
    assert_eq!(hal.irq_frees, vec![0]);
    assert_eq!(hal.msix_ctrl() & pci::MSIX_CTRL_ENABLE, 0);
    assert_eq!(nic.num_vectors(), 0);
    hal.irq_fail = None;
    nic.enable_interrupts(&mut hal, &IrqConfig::default()).unwrap();
    assert_eq!(nic.enable_interrupts(&mut hal, &IrqConfig::default()), Err(DriverError::InterruptsAlreadyEnabled));

    // A function whose Command will not enable.
    let (mut hal, mut nic) = open(1, 16);
    hal.command_writable = false;
    assert_eq!(nic.enable_interrupts(&mut hal, &IrqConfig::default()), Err(DriverError::PciCommand { found: 0 }));

    // A transport without configuration space cannot do interrupts; polling still works.
    let (mut hal, mut nic) = open(1, 16);
    hal.cfg_supported = false;
    assert!(matches!(
        nic.enable_interrupts(&mut hal, &IrqConfig::default()),
        Err(DriverError::Hal(nic_hal::HalError::Unsupported { .. }))
    ));
    hal.nic_rx(0, &frame(0, 60));
    assert_eq!(nic.poll(&mut hal, 0, 8, |_| ()).unwrap(), 1);
}

#[test]
fn rearm_and_moderation_write_only_their_registers() {
    let (mut hal, mut nic) = enabled(2, 16, IrqConfig::default());
    hal.clear_log();
    nic.rearm(&mut hal, 1).unwrap();
    assert_eq!(hal.writes, vec![(ivreg(1, ivec::CTRL), ivec_ctrl::ARM)]);
    assert_eq!(hal.mmio_reads, 0);
    assert_eq!(nic.rearm(&mut hal, 2), Err(DriverError::NoSuchQueue { queue: 2 }));
    assert_eq!(nic.rearm_vector(&mut hal, 3), Err(DriverError::NoSuchVector { vector: 3 }));

    hal.clear_log();
    nic.set_moderation(&mut hal, Some(2), 100, 4).unwrap();
    assert_eq!(hal.writes, vec![(ivreg(2, ivec::ITR_NS), 100), (ivreg(2, ivec::ITR_FRAMES), 4)]);
    assert_eq!(nic.irq_config().unwrap().itr_ns, 0, "one vector: the default stays");
    hal.clear_log();
    nic.set_moderation(&mut hal, None, 7, 9).unwrap();
    assert_eq!(hal.writes.len(), 6);
    assert!((0..3).all(|v| hal.reg(ivreg(v, ivec::ITR_NS)) == 7 && hal.reg(ivreg(v, ivec::ITR_FRAMES)) == 9));
    assert_eq!((nic.irq_config().unwrap().itr_ns, nic.irq_config().unwrap().itr_frames), (7, 9));
    assert!(matches!(
        nic.set_moderation(&mut hal, None, limits::ITR_MAX_NS + 1, 0),
        Err(DriverError::InvalidConfig(_))
    ));
    assert_eq!(nic.set_moderation(&mut hal, Some(3), 1, 1), Err(DriverError::NoSuchVector { vector: 3 }));

    hal.clear_log();
    nic.trigger_vector(&mut hal, 2).unwrap();
    assert_eq!(hal.writes, vec![(ivreg(2, ivec::CTRL), ivec_ctrl::TRIGGER)]);

    nic.disable_interrupts(&mut hal).unwrap();
    assert_eq!(nic.rearm(&mut hal, 0), Err(DriverError::InterruptsNotEnabled));
    assert_eq!(nic.set_moderation(&mut hal, None, 0, 0), Err(DriverError::InterruptsNotEnabled));
    assert_eq!(nic.poll_vector(&mut hal, 0, 8, |_| ()), Err(DriverError::InterruptsNotEnabled));
}

#[test]
fn disable_close_and_reset_mask_and_free() {
    let (mut hal, mut nic) = enabled(2, 16, IrqConfig::default());
    hal.clear_log();
    nic.disable_interrupts(&mut hal).unwrap();
    assert_eq!(hal.writes, (0..3).map(|v| (entry(v, msix::ENTRY_CTRL), msix::CTRL_MASKED)).collect::<Vec<_>>());
    assert_eq!(hal.msix_ctrl() & (pci::MSIX_CTRL_ENABLE | pci::MSIX_CTRL_FUNCTION_MASK), 0);
    assert_eq!(hal.read_log.last().map(|r| r.1), Some(hal.writes.len()), "flushed before freeing");
    assert_eq!(hal.irq_frees, vec![0, 1, 2]);
    assert_eq!((nic.num_vectors(), nic.vector_of_queue(0), nic.error_vector()), (0, None, None));
    hal.clear_log();
    nic.disable_interrupts(&mut hal).unwrap();
    assert!(hal.writes.is_empty() && hal.cfg_writes.is_empty(), "disabling twice does nothing");

    // Enabled again, then closed: close disables too.
    hal.irq_frees.clear();
    nic.enable_interrupts(&mut hal, &IrqConfig::default()).unwrap();
    nic.close(&mut hal).unwrap();
    assert_eq!(hal.irq_frees, vec![0, 1, 2]);
    assert!((0..3).all(|v| hal.reg(entry(v, msix::ENTRY_CTRL)) == msix::CTRL_MASKED));
    assert_eq!(hal.msix_ctrl() & pci::MSIX_CTRL_ENABLE, 0);
    assert!(hal.live.is_empty());
    // Interrupts need an open NIC again.
    assert_eq!(nic.enable_interrupts(&mut hal, &IrqConfig::default()), Err(DriverError::NotOpen));

    // And a reset.
    nic.open(&mut hal, &rx_cfg()).unwrap();
    nic.enable_interrupts(&mut hal, &IrqConfig::default()).unwrap();
    hal.irq_frees.clear();
    nic.reset(&mut hal).unwrap();
    assert_eq!(hal.irq_frees, vec![0, 1, 2]);
    assert_eq!(hal.msix_ctrl() & pci::MSIX_CTRL_ENABLE, 0);
    assert_eq!(nic.num_vectors(), 0);
}

/// The NAPI loop by hand, as a synchronous driver would run it.
#[test]
fn napi_by_hand_counts_per_vector() {
    let (mut hal, mut nic) = enabled(1, 16, IrqConfig { budget: 4, ..Default::default() });
    for n in 0..10 {
        hal.nic_rx(0, &frame(n, 64));
    }
    assert_eq!(hal.irq_eval(), 1);
    assert_eq!(nic.take_interrupts(&mut hal, 0), 1);
    let mut got = Vec::new();
    let mut polls = Vec::new();
    loop {
        let p = nic.poll_vector(&mut hal, 0, 4, |f| got.push(f.bytes.to_vec())).unwrap();
        polls.push(p);
        // Disarmed while polling: no interrupt, however many completions wait.
        assert_eq!(hal.irq_eval(), 0);
        if !p.budget_exhausted {
            break;
        }
    }
    let ex = |completions| VectorPoll { completions, budget_exhausted: true };
    assert_eq!(polls, [ex(4), ex(4), VectorPoll { completions: 2, budget_exhausted: false }]);
    nic.rearm_vector(&mut hal, 0).unwrap();
    assert_eq!(hal.irq_eval(), 0, "drained: nothing to announce");
    assert_eq!(got, (0..10).map(|n| frame(n, 64)).collect::<Vec<_>>());

    for n in 10..13 {
        hal.nic_rx(0, &frame(n, 64));
    }
    assert_eq!(hal.irq_eval(), 1);
    assert_eq!(nic.take_interrupts(&mut hal, 0), 1);
    assert_eq!(nic.poll_vector(&mut hal, 0, 4, |_| ()).unwrap().completions, 3);
    nic.rearm(&mut hal, 0).unwrap();
    assert_eq!(hal.arms_with_work, 0);
    assert_eq!(hal.stray_msgs, 0, "every message was one the platform assigned");

    let s = nic.stats(&mut hal).unwrap();
    assert_eq!(s.vectors.len(), 2);
    let v = &s.vectors[0];
    assert_eq!((v.vector, v.msgs, v.interrupts, v.polls, v.completions, v.rearms), (0, 2, 2, 4, 13, 2));
    assert_eq!(v.frames_per_interrupt, 6.5);
    assert_eq!((s.vectors[1].msgs, s.vectors[1].interrupts, s.vectors[1].frames_per_interrupt), (0, 0, 0.0));
    assert_eq!(s.queues[0].frames_delivered, 13);
    // MSGS wraps; the total carries on.
    hal.ivec[0].msgs = 1;
    assert_eq!(nic.stats(&mut hal).unwrap().vectors[0].msgs, (1 << 32) + 1);
    let json = serde_json::to_value(nic.stats(&mut hal).unwrap()).unwrap();
    assert_eq!(json["vectors"][0]["frames_per_interrupt"], 6.5);
}

#[test]
fn nothing_is_lost_around_a_rearm() {
    // Completions waiting before interrupts are enabled: arming announces them.
    let (mut hal, mut nic) = open(1, 16);
    hal.nic_rx(0, &frame(0, 64));
    nic.enable_interrupts(&mut hal, &IrqConfig::default()).unwrap();
    assert_eq!(hal.irq_eval(), 1);
    assert_eq!(nic.take_interrupts(&mut hal, 0), 1);
    assert_eq!(nic.poll_vector(&mut hal, 0, 64, |_| ()).unwrap().completions, 1);
    // A frame lands after the poll's last look but before the re-arm: the
    // armed vector sees CPL_PROD != CPL_CONS and fires again.
    hal.nic_rx(0, &frame(1, 64));
    nic.rearm_vector(&mut hal, 0).unwrap();
    assert_eq!(hal.irq_eval(), 1);
    assert_eq!(nic.take_interrupts(&mut hal, 0), 1);
    let mut got = Vec::new();
    nic.poll_vector(&mut hal, 0, 64, |f| got.push(f.bytes.to_vec())).unwrap();
    assert_eq!(got, [frame(1, 64)]);
}

#[test]
fn masked_vectors_leave_pending_bits() {
    let (mut hal, mut nic) = enabled(1, 16, IrqConfig::default());
    assert!(!nic.pending_bits(&mut hal).unwrap().any());
    nic.mask_vector(&mut hal, 0).unwrap();
    hal.nic_rx(0, &frame(0, 64));
    assert_eq!(hal.irq_eval(), 1);
    assert_eq!(nic.take_interrupts(&mut hal, 0), 0, "masked: no message");
    let pba = nic.pending_bits(&mut hal).unwrap();
    assert!(pba.is_pending(0) && !pba.is_pending(1) && pba.words[0] == 1);
    nic.unmask_vector(&mut hal, 0).unwrap();
    hal.irq_eval();
    assert_eq!(nic.take_interrupts(&mut hal, 0), 1, "the pending message goes out on unmask");
    assert!(!nic.pending_bits(&mut hal).unwrap().any());
    nic.poll_vector(&mut hal, 0, 64, |_| ()).unwrap();
    nic.rearm_vector(&mut hal, 0).unwrap();

    // The same with the function mask.
    nic.set_function_mask(&mut hal, true).unwrap();
    assert_ne!(hal.msix_ctrl() & pci::MSIX_CTRL_FUNCTION_MASK, 0);
    hal.nic_rx(0, &frame(1, 64));
    hal.irq_eval();
    assert!(nic.pending_bits(&mut hal).unwrap().is_pending(0));
    assert_eq!(nic.take_interrupts(&mut hal, 0), 0);
    nic.set_function_mask(&mut hal, false).unwrap();
    assert_eq!(hal.msix_ctrl() & pci::MSIX_CTRL_FUNCTION_MASK, 0);
    assert_ne!(hal.msix_ctrl() & pci::MSIX_CTRL_ENABLE, 0, "enable kept");
    hal.irq_eval();
    assert_eq!(nic.take_interrupts(&mut hal, 0), 1);
    assert_eq!(nic.mask_vector(&mut hal, 2), Err(DriverError::NoSuchVector { vector: 2 }));

    // PBA beyond the first word, on a large table.
    let (mut hal, mut nic) = enabled(1, 100, IrqConfig::default());
    hal.pba[1] = 1 << (70 - 64);
    assert!(nic.pending_bits(&mut hal).unwrap().is_pending(70));
    nic.disable_interrupts(&mut hal).unwrap();
    assert!(nic.pending_bits(&mut hal).unwrap().is_pending(70), "readable after disabling");
}

#[test]
fn moderation_holds_interrupts_back() {
    let (mut hal, mut nic) = enabled(1, 16, IrqConfig { itr_ns: 1_000_000, itr_frames: 4, budget: 64 });
    let serve = |hal: &mut MockHal, nic: &mut Nic| {
        let n = nic.take_interrupts(hal, 0);
        if n > 0 {
            nic.poll_vector(hal, 0, 64, |_| ()).unwrap();
            nic.rearm_vector(hal, 0).unwrap();
        }
        n
    };
    hal.nic_rx(0, &frame(0, 64));
    hal.irq_eval();
    assert_eq!(serve(&mut hal, &mut nic), 1, "the first message is due at once");
    for n in 1..4 {
        hal.nic_rx(0, &frame(n, 64));
        hal.irq_eval();
        assert_eq!(serve(&mut hal, &mut nic), 0, "{n} frames: not due yet");
    }
    hal.nic_rx(0, &frame(4, 64));
    hal.irq_eval();
    assert_eq!(serve(&mut hal, &mut nic), 1, "ITR_FRAMES reached");
    hal.nic_rx(0, &frame(5, 64));
    hal.irq_eval();
    assert_eq!(serve(&mut hal, &mut nic), 0);
    hal.now_ns += 1_000_000;
    hal.irq_eval();
    assert_eq!(serve(&mut hal, &mut nic), 1, "ITR_NS elapsed");
    let v = nic.stats(&mut hal).unwrap().vectors[0].clone();
    assert_eq!((v.interrupts, v.completions, v.frames_per_interrupt), (3, 6, 2.0));
}

#[test]
fn errors_raise_the_error_vector() {
    let (mut hal, mut nic) = enabled(2, 16, IrqConfig::default());
    hal.raise_error(err::DMA_CPL_TIMEOUT);
    assert_eq!(hal.irq_eval(), 1);
    assert_eq!((nic.take_interrupts(&mut hal, 0), nic.take_interrupts(&mut hal, 2)), (0, 1));
    assert!(matches!(nic.check_health(&mut hal), Err(DriverError::Device(s)) if s.dma_cpl_timeout));
    // A dedicated error vector has no queues to poll.
    assert_eq!(nic.poll_vector(&mut hal, 2, 64, |_| ()).unwrap(), VectorPoll::default());
}
