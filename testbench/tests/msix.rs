//! MSI-X end to end: the verilated NIC's interrupt block, the root complex's
//! interrupt decoding and the driver's NAPI handshake together.
//!
//! The low-level tests drive a synchronous NAPI loop by hand (run the model
//! to the next interrupt, take it, poll the vector's queues, re-arm), so they
//! can mask, unmask and reprogram between any two steps; the replay tests
//! use the tokio NAPI tasks through [`Replayer`].

use std::path::{Path, PathBuf};

use nic_driver::{find_capability, IrqConfig, Nic, RxConfig};
use nic_hal::Hal;
use nic_model::gen::Rng;
use nic_sim::{Sim, SimConfig};
use nic_spec::{ivec, ivec_layout, msix, pci};
use nic_testbench::pcap;
use nic_testbench::replay::{ReplayConfig, Replayer, Report, RxMode, Stimulus};
use nic_testbench::synth;

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors")
}

fn up(queues: usize, irq: IrqConfig) -> (Sim, Nic) {
    let mut sim = Sim::new(SimConfig::default()).expect("simulator");
    let mut nic = Nic::probe(&mut sim).expect("probe");
    nic.open(&mut sim, &RxConfig { queues, ..RxConfig::default() }).expect("open");
    nic.enable_interrupts(&mut sim, &irq).expect("enable interrupts");
    (sim, nic)
}

/// A UDP/IPv4 frame of flow `flow` (RSS spreads flows over the queues).
fn flow_frame(flow: u16, seq: u32, len: usize) -> Vec<u8> {
    let mut payload = seq.to_be_bytes().to_vec();
    payload.resize(len.saturating_sub(42).max(4), (seq as u8) ^ 0x5A);
    nic_model::build::udp4([10, 0, 0, 1], [10, 0, 1, (flow % 200) as u8], 1000 + flow, 2000 + flow * 7, &payload)
}

/// MSI-X Message Control: (offset of the capability's first dword, its value).
fn msg_ctrl(sim: &mut Sim) -> (u16, u32) {
    let cap = find_capability(sim, pci::CAP_ID_MSIX).unwrap().expect("MSI-X capability");
    (cap, sim.cfg_read32(cap).unwrap())
}

fn set_msix_enable(sim: &mut Sim, on: bool) {
    let (cap, dw) = msg_ctrl(sim);
    let bit = u32::from(pci::MSIX_CTRL_ENABLE) << 16;
    sim.cfg_write32(cap, if on { dw | bit } else { dw & !bit }).unwrap();
}

/// What the synchronous NAPI loop saw.
#[derive(Default, Debug)]
struct Napi {
    interrupts: u64,
    /// Interrupts whose poll found no completion: must stay 0 (ordering rule).
    empty: u64,
    frames: u64,
}

impl Napi {
    /// Runs `cycles` cycles, servicing interrupts as they arrive: the model
    /// stops right after each interrupt write, and every vector that took
    /// interrupts is polled to empty, published and re-armed.
    fn step(&mut self, sim: &mut Sim, nic: &mut Nic, cycles: u64) {
        let end = sim.cycle() + cycles;
        loop {
            let now = sim.cycle();
            if now >= end {
                break;
            }
            let _ = sim.run_until(|s| s.interrupts_pending(), end - now);
            self.service(sim, nic);
        }
    }

    fn service(&mut self, sim: &mut Sim, nic: &mut Nic) {
        for v in 0..nic.num_vectors() as u16 {
            let n = nic.take_interrupts(sim, v);
            if n == 0 {
                continue;
            }
            self.interrupts += u64::from(n);
            let mut first = true;
            loop {
                let frames = &mut self.frames;
                let p = nic.poll_vector(sim, v, 16, |_| *frames += 1).unwrap();
                if first && p.completions == 0 && nic.error_vector() != Some(v) {
                    self.empty += 1;
                }
                first = false;
                if !p.budget_exhausted {
                    break;
                }
            }
            nic.rearm_vector(sim, v).unwrap();
        }
    }
}

fn assert_clean(sim: &Sim) {
    assert!(sim.violations().is_empty(), "violations: {:#?}", &sim.violations()[..sim.violations().len().min(10)]);
}

/// Frames spaced wider than the driver's reaction, moderation off: exactly one
/// interrupt per frame, each announcing a completion, counted alike by the
/// root complex, the driver and the device.
#[test]
fn unmasked_delivery_one_interrupt_per_frame() {
    let (mut sim, mut nic) = up(1, IrqConfig::default());
    let mut napi = Napi::default();
    for i in 0..40u64 {
        sim.mac_push(&synth::frame(i, 60 + i as usize * 7), false, 0);
        napi.step(&mut sim, &mut nic, 4000);
        napi.step(&mut sim, &mut nic, 500);
    }
    assert_eq!(napi.frames, 40);
    assert_eq!(napi.interrupts, 40, "{napi:?}");
    assert_eq!(napi.empty, 0);
    let v = nic.vector_of_queue(0).unwrap();
    assert_eq!(sim.interrupt_count(v), 40);
    let s = nic.stats(&mut sim).unwrap();
    let vs = s.vectors.iter().find(|x| x.vector == v).unwrap();
    assert_eq!((vs.msgs, vs.interrupts), (40, 40), "{vs:?}");
    // Each interrupt came after the frame's completion record was written.
    let log = sim.interrupt_log().to_vec();
    assert_eq!(log.len(), 40);
    assert!(log.iter().all(|i| i.vector == v));
    assert_clean(&sim);
}

/// A masked vector sets its pending bit instead of sending; unmasking sends
/// the message and clears the bit.
#[test]
fn vector_mask_sets_pba_and_delivers_on_unmask() {
    let (mut sim, mut nic) = up(1, IrqConfig::default());
    let v = nic.vector_of_queue(0).unwrap();
    nic.mask_vector(&mut sim, v).unwrap();
    sim.mac_push(&synth::frame(1, 200), false, 0);
    sim.run(3000);
    assert_eq!(sim.interrupt_count(v), 0, "masked vector sent a message");
    assert!(nic.pending_bits(&mut sim).unwrap().is_pending(v), "PBA bit not set");
    nic.unmask_vector(&mut sim, v).unwrap();
    sim.run_until(|s| s.interrupts_pending(), 2000).expect("message after unmask");
    assert_eq!(sim.interrupt_count(v), 1);
    assert!(!nic.pending_bits(&mut sim).unwrap().any(), "PBA still set after the message");
    let mut napi = Napi::default();
    napi.service(&mut sim, &mut nic);
    assert_eq!((napi.interrupts, napi.frames, napi.empty), (1, 1, 0));
    assert_clean(&sim);
}

/// The function mask holds every vector's message; clearing it releases them.
#[test]
fn function_mask_holds_all_vectors() {
    let (mut sim, mut nic) = up(4, IrqConfig::default());
    nic.set_function_mask(&mut sim, true).unwrap();
    for f in 0..64u16 {
        sim.mac_push(&flow_frame(f, u32::from(f), 100), false, 0);
    }
    sim.run(8000);
    assert!(sim.interrupt_log().is_empty(), "message under the function mask");
    let pba = nic.pending_bits(&mut sim).unwrap();
    let busy: Vec<u16> = (0..4).filter_map(|q| nic.vector_of_queue(q)).filter(|&v| pba.is_pending(v)).collect();
    assert!(busy.len() >= 2, "flows spread over queues, pending bits {pba:?}");
    nic.set_function_mask(&mut sim, false).unwrap();
    let mut napi = Napi::default();
    for _ in 0..20 {
        napi.step(&mut sim, &mut nic, 1000);
    }
    assert_eq!(napi.frames, 64);
    assert_eq!(napi.empty, 0);
    assert!(napi.interrupts >= busy.len() as u64);
    assert!(!nic.pending_bits(&mut sim).unwrap().any());
    assert_clean(&sim);
}

/// With MSI-X disabled in config space the device writes nothing at all
/// (and sets no pending bit); enabling it again sends what is due.
#[test]
fn msix_disabled_sends_nothing() {
    // Never enabled: a polling-mode replay of a real capture.
    let frames = pcap::read_all(vectors().join("ns-mixed.pcap")).unwrap();
    let n = frames.len() as u64;
    let cfg = ReplayConfig { mode: RxMode::Poll, ..ReplayConfig::default() };
    let mut rp = Replayer::new(cfg).unwrap();
    rp.run(frames.into_iter().map(|f| Ok(Stimulus::from(f))), |_, _| {}).unwrap();
    let r = rp.report().unwrap();
    assert_eq!(r.frames_delivered, n);
    assert!(r.interrupts.is_empty() && r.interrupt_stats.total == 0, "{:?}", r.interrupts);
    assert!(rp.sim().interrupt_log().is_empty());
    assert_eq!(r.tlp_violations.count, 0, "{:?}", r.tlp_violations);

    // Enabled, then switched off under traffic.
    let (mut sim, mut nic) = up(1, IrqConfig::default());
    set_msix_enable(&mut sim, false);
    for i in 0..20 {
        sim.mac_push(&synth::frame(i, 300), false, 50);
    }
    sim.run(20_000);
    assert!(sim.interrupt_log().is_empty(), "message while MSI-X is disabled");
    assert!(!nic.pending_bits(&mut sim).unwrap().any(), "pending bits while MSI-X is disabled");
    set_msix_enable(&mut sim, true);
    let mut napi = Napi::default();
    for _ in 0..5 {
        napi.step(&mut sim, &mut nic, 2000);
    }
    assert_eq!(napi.frames, 20);
    assert!(napi.interrupts >= 1);
    assert_eq!(napi.empty, 0);
    assert_clean(&sim);
}

/// Reprogramming table entries (mask, new message, unmask) while frames
/// flow loses no interrupt and sends none to a stale address.
#[test]
fn table_writes_while_traffic_flows() {
    let (mut sim, mut nic) = up(2, IrqConfig::default());
    let mut napi = Napi::default();
    let mut sent = 0u32;
    for round in 0..30u32 {
        for k in 0..8 {
            sim.mac_push(&flow_frame((round * 8 + k) as u16 % 32, sent, 64 + (k as usize) * 90), false, 20);
            sent += 1;
        }
        napi.step(&mut sim, &mut nic, 300);
        let v = (round % 2) as u16;
        nic.mask_vector(&mut sim, v).unwrap();
        // Flush the mask and take what was already on its way.
        nic.pending_bits(&mut sim).unwrap();
        napi.step(&mut sim, &mut nic, 200);
        sim.irq_free(v);
        let m = sim.irq_alloc(v).unwrap();
        let e = msix::TABLE_OFFSET + u32::from(v) * msix::ENTRY_SIZE;
        sim.mmio_write32(e + msix::ENTRY_ADDR_LO, m.addr as u32);
        sim.mmio_write32(e + msix::ENTRY_ADDR_HI, (m.addr >> 32) as u32);
        sim.mmio_write32(e + msix::ENTRY_DATA, m.data);
        assert_eq!(sim.mmio_read32(e + msix::ENTRY_DATA).unwrap(), m.data);
        nic.unmask_vector(&mut sim, v).unwrap();
        napi.step(&mut sim, &mut nic, 500);
    }
    for _ in 0..20 {
        napi.step(&mut sim, &mut nic, 2000);
    }
    let s = nic.stats(&mut sim).unwrap();
    assert_eq!(napi.frames, u64::from(sent), "{napi:?} {s:#?}");
    assert_eq!(napi.empty, 0);
    assert_clean(&sim);
}

/// Random moderation, random vector and function masking, MSI-X switched off
/// and on, random frame spacing: every completion is eventually handled,
/// every interrupt finds a completion (the ordering rule), and the device,
/// the root complex and the driver agree on the interrupt counts.
#[test]
fn randomized_moderation_and_masking() {
    let seed = std::env::var("NIC_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x4D53_4958u64);
    println!("randomized_moderation_and_masking: seed {seed} (set NIC_TEST_SEED to rerun)");
    let mut rng = Rng::new(seed);
    let queues = 4;
    let (mut sim, mut nic) = up(queues, IrqConfig::default());
    let nvec = nic.num_vectors() as u16;
    let mut napi = Napi::default();
    let mut sent = 0u32;
    let mut masked = vec![false; usize::from(nvec)];
    let mut fmask = false;
    let mut pba_seen = 0u32;
    for _ in 0..150 {
        for _ in 0..rng.range(0, 12) {
            let len = rng.range(60, 1500);
            sim.mac_push(&flow_frame(rng.below(64) as u16, sent, len), false, rng.range(0, 400) as u32);
            sent += 1;
        }
        match rng.below(10) {
            0 => {
                let v = rng.below(u64::from(nvec)) as u16;
                let ns = [0, 500, 2_000, 10_000, 50_000][rng.below(5) as usize];
                let frames = [0u16, 1, 4, 16][rng.below(4) as usize];
                nic.set_moderation(&mut sim, Some(v), ns, frames).unwrap();
            }
            1 | 2 => {
                let v = rng.below(u64::from(nvec)) as u16;
                let m = !masked[usize::from(v)];
                masked[usize::from(v)] = m;
                if m {
                    nic.mask_vector(&mut sim, v).unwrap();
                } else {
                    nic.unmask_vector(&mut sim, v).unwrap();
                }
            }
            3 => {
                fmask = rng.pct(50);
                nic.set_function_mask(&mut sim, fmask).unwrap();
            }
            4 => set_msix_enable(&mut sim, rng.pct(70)),
            _ => {}
        }
        napi.step(&mut sim, &mut nic, rng.range(50, 3000) as u64);
        if (fmask || masked.iter().any(|&m| m)) && nic.pending_bits(&mut sim).unwrap().any() {
            pba_seen += 1;
        }
    }
    // Release everything and drain.
    for v in 0..nvec {
        nic.unmask_vector(&mut sim, v).unwrap();
    }
    nic.set_function_mask(&mut sim, false).unwrap();
    set_msix_enable(&mut sim, true);
    for _ in 0..200 {
        napi.step(&mut sim, &mut nic, 5000);
        if napi.frames == u64::from(sent) {
            break;
        }
    }
    let s = nic.stats(&mut sim).unwrap();
    let dropped: u64 = s.queues.iter().map(|q| q.drop_no_desc + q.drop_buf_too_small).sum::<u64>() + s.drop_fifo_full;
    assert_eq!(napi.frames + dropped, u64::from(sent), "seed {seed}: frames lost: {napi:?}, {dropped} dropped");
    assert_eq!(napi.empty, 0, "seed {seed}: an interrupt announced no completion");
    println!("seed {seed}: {sent} frames, {napi:?}, pending bits seen in {pba_seen} steps");
    assert!(napi.interrupts > 20 && pba_seen > 0, "seed {seed}: the run did not exercise masking: {napi:?}");
    for vs in &s.vectors {
        assert_eq!(vs.msgs, sim.interrupt_count(vs.vector), "seed {seed}: vector {} device vs root complex", vs.vector);
        assert_eq!(vs.interrupts, vs.msgs, "seed {seed}: vector {} driver vs device", vs.vector);
    }
    assert_clean(&sim);
}

/// Moderation: the interval and the frame threshold set the pace.
#[test]
fn moderation_interval_and_threshold() {
    // Interval: with frames every ~1000 cycles and a 40 us interval (6250
    // cycles), a vector sends at most one message per interval.
    let itr_ns = 40_000u32;
    let (mut sim, mut nic) = up(1, IrqConfig { itr_ns, ..IrqConfig::default() });
    let mut napi = Napi::default();
    for i in 0..60 {
        sim.mac_push(&synth::frame(i, 100), false, 1000);
    }
    for _ in 0..200 {
        napi.step(&mut sim, &mut nic, 1000);
    }
    assert_eq!(napi.frames, 60);
    let log = sim.interrupt_log().to_vec();
    let min_gap = log.windows(2).map(|w| w[1].cycle - w[0].cycle).min().unwrap();
    let period_ps = u64::from(sim.mmio_read32(nic_spec::global::CLK_PERIOD_PS).unwrap());
    let itr_cycles = (u64::from(itr_ns) * 1000).div_ceil(period_ps);
    assert!(min_gap >= itr_cycles, "messages {min_gap} cycles apart, interval {itr_cycles}");
    assert!(log.len() < 20, "{} interrupts for 60 frames", log.len());
    assert_eq!(napi.empty, 0);

    // Threshold: a long interval, but every 8 completions make the vector due.
    let (mut sim, mut nic) = up(1, IrqConfig { itr_ns: 1_000_000, itr_frames: 8, ..IrqConfig::default() });
    // The first frame fires at once (no message yet, the interval has long passed).
    let mut napi = Napi::default();
    sim.mac_push(&synth::frame(0, 100), false, 0);
    napi.step(&mut sim, &mut nic, 3000);
    assert_eq!(napi.interrupts, 1);
    for i in 1..=32 {
        sim.mac_push(&synth::frame(i, 100), false, 100);
    }
    for _ in 0..40 {
        napi.step(&mut sim, &mut nic, 400);
    }
    assert_eq!(napi.frames, 33);
    assert_eq!(napi.interrupts, 1 + 4, "{napi:?}");
    let reg = ivec::BASE + u32::from(nic.vector_of_queue(0).unwrap()) * ivec_layout::STRIDE;
    assert_eq!(sim.mmio_read32(reg + ivec::ITR_FRAMES).unwrap(), 8);
    assert_clean(&sim);
}

/// The error vector: a real device error (a descriptor read answered with
/// Unsupported Request) raises it and only it; a software trigger too.
#[test]
fn error_vector_announces_device_errors() {
    use nic_spec::{err, qctrl, rxq};
    let (mut sim, mut nic) = up(1, IrqConfig::default());
    let ev = nic.error_vector().expect("error vector");
    assert_ne!(Some(ev), nic.vector_of_queue(0));
    nic.trigger_vector(&mut sim, ev).unwrap();
    sim.run_until(|s| s.interrupts_pending(), 1000).expect("a software trigger raises the error vector");
    assert_eq!(nic.take_interrupts(&mut sim, ev), 1);
    nic.rearm_vector(&mut sim, ev).unwrap();
    sim.run(2000);
    assert_eq!(sim.interrupt_count(ev), 1, "the trigger is consumed by its message");

    // Point queue 0's descriptor ring at memory nobody allocated and ring
    // the doorbell: the root complex answers the read with UR.
    let q = |reg: u32| rxq::BASE + reg; // queue 0
    sim.mmio_write32(q(rxq::Q_CTRL), 0);
    sim.mmio_write32(q(rxq::DESC_BASE_LO), 0);
    sim.mmio_write32(q(rxq::DESC_BASE_HI), 0x10);
    sim.mmio_write32(q(rxq::Q_CTRL), qctrl::ENABLE);
    sim.mmio_write32(q(rxq::DESC_PROD), 1);
    sim.run_until(|s| s.interrupts_pending(), 5000).expect("the error raises the error vector");
    assert_eq!(nic.take_interrupts(&mut sim, ev), 1);
    assert_eq!(sim.interrupt_count(0), 0, "the queue's vector stays quiet");
    match nic.check_health(&mut sim) {
        Err(nic_driver::DriverError::Device(st)) => assert!(st.raw & err::DMA_CPL_STATUS != 0, "{st:?}"),
        other => panic!("expected a device error, got {other:?}"),
    }
    let kinds: Vec<_> = sim.violations().iter().map(|v| v.kind).collect();
    assert!(kinds.iter().all(|k| *k == nic_sim::ViolationKind::UnallocatedRead), "{kinds:?}");
}

fn replay_irq(cfg: ReplayConfig, input: Vec<Stimulus>) -> Report {
    let n = input.len() as u64;
    let mut rp = Replayer::new(cfg).unwrap();
    rp.run(input.into_iter().map(Ok), |_, _| {}).unwrap_or_else(|e| panic!("replay: {e}"));
    let r = rp.report().unwrap();
    assert_eq!(r.frames_delivered, n, "{r:#?}");
    assert!(r.is_clean(), "{r:#?}");
    let total: u64 = r.interrupts.iter().map(|v| v.count).sum();
    assert_eq!(total, r.interrupt_stats.total);
    assert_eq!(r.interrupt_stats.device_messages, total, "device and driver disagree");
    let rc: u64 = r.interrupts.iter().map(|v| rp.sim().interrupt_count(v.vector)).sum();
    assert_eq!(rc, total, "root complex and driver disagree");
    rp.close().unwrap();
    r
}

/// The tokio NAPI tasks: frames slower than the driver's reaction get one
/// interrupt each; a real capture with moderation on gets fewer interrupts
/// than frames and loses none.
#[test]
fn replay_interrupts_and_moderation() {
    let input: Vec<Stimulus> = synth::frames(7, 50, 80).map(Stimulus::synthetic).collect();
    // 0.2 Gb/s: one 80-byte frame every ~5000 cycles, chunks of 512.
    let slow = ReplayConfig { line_rate_gbps: Some(0.2), ..ReplayConfig::default() };
    let r = replay_irq(slow, input);
    assert_eq!(r.interrupt_stats.total, 50, "{:?}", r.interrupt_stats);

    let frames = pcap::read_all(vectors().join("ns-mixed.pcap")).unwrap();
    let input: Vec<Stimulus> = frames.into_iter().map(Stimulus::from).collect();
    let base = ReplayConfig { line_rate_gbps: Some(1.0), ..ReplayConfig::default() };
    let off = replay_irq(base.clone(), input.clone());
    let on = replay_irq(ReplayConfig { itr_ns: 50_000, itr_frames: 64, ..base }, input.clone());
    assert!(on.interrupt_stats.total < on.frames_delivered, "{:?}", on.interrupt_stats);
    assert!(
        on.interrupt_stats.total < off.interrupt_stats.total,
        "off {:?} on {:?}",
        off.interrupt_stats,
        on.interrupt_stats
    );
    assert!(on.interrupts.len() > 1, "one vector per queue plus errors: {:?}", on.interrupts);
}
