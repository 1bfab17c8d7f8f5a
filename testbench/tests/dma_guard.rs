//! The root complex's DMA guard against the real RTL and driver: real
//! captures replayed under several buffer and ring sizes raise nothing, and
//! a host that changes a posted descriptor behind the driver's back (so the
//! NIC writes where the driver did not post) is caught, with the guard's
//! kinds only.
//!
//! Not here: the guard's completion-ring overwrite check
//! (`CompletionOverwrite`) and its descriptor-read check
//! (`UnpostedDescriptorRead`) cannot be provoked end to end with a correct
//! RTL. Every `CPL_CONS` and `DESC_PROD` the NIC can have seen went through
//! the guard's MMIO snoop first, and the guard judges with the newest value
//! sent, so any host-side change (zeroing `CPL_CONS`, writing it ahead, a
//! smaller completion ring) changes the NIC's view and the guard's alike:
//! only an RTL bug can break those rules. They are covered by the unit tests
//! in `sim/src/monitor.rs` with synthetic TLPs.

use std::path::{Path, PathBuf};

use nic_driver::{SplitConfig, SplitMode};
use nic_hal::Hal;
use nic_sim::{SimConfig, Violation, ViolationKind};
use nic_spec::{desc, rxq, rxq_layout};
use nic_testbench::pcap;
use nic_testbench::replay::{ReplayConfig, Replayer, Report, RxMode, Stimulus};
use nic_testbench::synth;

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors")
}

fn qreg(q: usize, reg: u32) -> u32 {
    rxq::BASE + q as u32 * rxq_layout::STRIDE + reg
}

/// Replays `input` and checks: no violation of any kind, every frame
/// accounted for and intact, and the guard followed every completion the
/// device wrote on every queue.
fn replay_clean(what: &str, cfg: ReplayConfig, input: &[Stimulus]) -> Report {
    let mut rp = Replayer::new(cfg.clone()).unwrap_or_else(|e| panic!("{what}: {e}"));
    rp.run(input.iter().cloned().map(Ok), |_, _| {}).unwrap_or_else(|e| panic!("{what}: replay failed: {e}"));
    let r = rp.report().unwrap();
    assert_eq!(r.tlp_violations.count, 0, "{what}: {:#?}", r.tlp_violations.list);
    assert!(r.is_clean(), "{what}: {r:#?}");
    let queues = rp.queues();
    let (nic, sim) = rp.parts();
    let st = nic.stats(sim).unwrap();
    let guard = sim.dma_guard().expect("the guard is on by default");
    for q in 0..queues {
        let g = guard.queue(q);
        let written = st.queues[q].frames + st.queues[q].drop_bad_desc;
        assert_eq!(u64::from(g.cpl_prod), written % (1 << 16), "{what}: queue {q}: {g:?}");
        assert_eq!(g.state, nic_sim::QueueState::Enabled, "{what}: queue {q}");
    }
    rp.close().unwrap();
    let v = rp.sim().violations();
    assert!(v.is_empty(), "{what}: violations at close: {v:#?}");
    eprintln!(
        "{what}: {} delivered, {} dropped ({} buffer too small, {} no descriptor), {} cycles",
        r.frames_delivered,
        r.frames_dropped.total,
        r.frames_dropped.buf_too_small,
        r.frames_dropped.no_desc,
        r.sim_cycles
    );
    r
}

fn capture(name: &str) -> Vec<Stimulus> {
    let frames = pcap::read_all(vectors().join(name)).unwrap_or_else(|e| panic!("{e}"));
    assert!(!frames.is_empty());
    frames.into_iter().map(Stimulus::from).collect()
}

/// (buffer size, ring log, polling?, host stalls)
const SHAPES: [(usize, u32, bool, f64); 4] =
    [(2048, 8, false, 0.0), (1000, 4, false, 0.3), (16384, 2, true, 0.0), (9216, 6, false, 0.5)];

/// Whole frames in one buffer: without scatter, the small buffers turn frames away.
const NO_SCATTER: SplitConfig =
    SplitConfig { mode: SplitMode::Never, hdr_buf: 256, thresh: 0, scatter: false, vlan_strip: false };

fn replay_shapes(name: &str) {
    let input = capture(name);
    let mut delivered = 0;
    for (buf_size, ring_log, poll, stall) in SHAPES {
        let cfg = ReplayConfig {
            buf_size,
            split: NO_SCATTER,
            ring_log,
            mode: if poll { RxMode::Poll } else { RxMode::Msix },
            req_stall_probability: stall,
            seed: ring_log.into(),
            ..ReplayConfig::default()
        };
        let what = format!("{name} buf {buf_size} ring 2^{ring_log} poll {poll} stall {stall}");
        let r = replay_clean(&what, cfg, &input);
        if buf_size < 1514 {
            assert!(r.frames_dropped.buf_too_small > 0, "{what}: the small buffers did turn frames away");
        }
        delivered += r.frames_delivered;
    }
    assert!(delivered > 0);
}

#[test]
fn ns_mixed_has_no_guard_violations() {
    replay_shapes("ns-mixed.pcap");
}

#[test]
fn ns_multiflow_has_no_guard_violations() {
    replay_shapes("ns-multiflow.pcap");
}

/// Header split, scatter into small buffers, a threshold and VLAN
/// stripping, under the same shapes: every byte lands in a header or data
/// buffer of a posted descriptor, completions retire DESC_COUNT at once.
/// Needs the RTL with docs/split.md.
fn replay_split_shapes(name: &str) {
    let input = capture(name);
    let splits = [
        SplitConfig { mode: SplitMode::Always, ..SplitConfig::default() },
        SplitConfig { mode: SplitMode::TcpUdp, hdr_buf: 64, thresh: 64, ..SplitConfig::default() },
        SplitConfig { mode: SplitMode::Always, hdr_buf: 128, vlan_strip: true, ..SplitConfig::default() },
    ];
    for (i, ((_, ring_log, poll, stall), split)) in SHAPES.into_iter().zip(splits.into_iter().cycle()).enumerate() {
        let buf_size = [256, 1000, 512, 2048][i];
        let cfg_ring_log = ring_log.max(4);
        let cfg = ReplayConfig {
            buf_size,
            split,
            ring_log: cfg_ring_log,
            mode: if poll { RxMode::Poll } else { RxMode::Msix },
            req_stall_probability: stall,
            seed: ring_log.into(),
            ..ReplayConfig::default()
        };
        let what = format!("{name} buf {buf_size} split {split:?} poll {poll} stall {stall}");
        let r = replay_clean(&what, cfg, &input);
        if cfg_ring_log >= 6 {
            // (A small ring may hold fewer descriptors than a frame needs at
            // times: dropped whole, counted as too small.)
            assert_eq!(r.frames_dropped.buf_too_small, 0, "{what}: scatter takes every frame");
        }
        let split_frames: u64 = r.pools.iter().map(|p| p.device_split_frames).sum();
        assert!(split_frames > 0, "{what}: {:#?}", r.pools);
    }
}

#[test]
fn ns_mixed_split_has_no_guard_violations() {
    replay_split_shapes("ns-mixed.pcap");
}

#[test]
fn ns_multiflow_split_has_no_guard_violations() {
    replay_split_shapes("ns-multiflow.pcap");
}

// ------------------------------------------------------------ faults

/// Where the faulty test points a posted descriptor after the doorbell.
#[derive(Clone, Copy, Debug)]
enum Fault {
    /// A buffer posted (and outstanding) on queue 1.
    OtherQueue,
    /// Host memory allocated but never posted.
    Unposted,
    /// A buffer of queue 0 that the NIC already completed and the driver
    /// holds (free, not posted again).
    Completed,
}

const LEN: usize = 200;
const RING_LOG: u32 = 4;
const RING: u16 = 1 << RING_LOG;

/// Two queues (every synthetic frame goes to queue 0: no hash type applies),
/// 16-entry rings and 24 buffers per queue, so that the driver holds free
/// buffers while the ring is full. The driver receives 4 frames with
/// re-posting paused, then posts 4 buffers (indices 16..19); right after that
/// doorbell, before the NIC can fetch them, the test rewrites the ADDR of
/// index 16 in host memory. 16 more frames then fill indices 4..19.
fn faulty_run(fault: Fault, dma_guard: bool) -> (Vec<Violation>, Report, u64) {
    let cfg = ReplayConfig { queues: Some(2), ring_log: RING_LOG, bufs_per_queue: 24, ..ReplayConfig::default() };
    let sim_cfg = SimConfig { dma_guard, ..cfg.sim_config() };
    let mut rp = Replayer::with_sim_config(cfg, sim_cfg).unwrap();
    rp.parts().0.set_repost(0, false).unwrap();
    rp.run(synth::stimuli(synth::frames(0, 4, LEN)), |_, _| {}).unwrap();
    assert_eq!(rp.report().unwrap().frames_delivered, 4);

    // Everything the fault needs is read before the doorbell: an MMIO read
    // lets the simulation run, and the NIC would fetch the new descriptors.
    let (nic, sim) = rp.parts();
    let ring_base = |sim: &mut nic_sim::Sim, q: usize| {
        u64::from(sim.mmio_read32(qreg(q, rxq::DESC_BASE_LO)).unwrap())
            | u64::from(sim.mmio_read32(qreg(q, rxq::DESC_BASE_HI)).unwrap()) << 32
    };
    let (ring0, ring1) = (ring_base(sim, 0), ring_base(sim, 1));
    assert_eq!(sim.mmio_read32(qreg(0, rxq::DESC_PROD)).unwrap(), u32::from(RING), "the driver filled the ring");
    let addr_at = |sim: &nic_sim::Sim, ring: u64, slot: u64| {
        let mut rec = [0u8; desc::SIZE];
        sim.dma_read(ring + slot * desc::SIZE as u64, &mut rec).unwrap();
        desc::ADDR.get(&rec)
    };
    let target = match fault {
        Fault::OtherQueue => addr_at(sim, ring1, 0),
        Fault::Unposted => sim.dma_alloc(4096, 4096).unwrap().bus_addr,
        // Index 0's buffer, completed above; the driver posts its FIFO of
        // free buffers (ids 16..23 first), so this one stays with the driver.
        Fault::Completed => addr_at(sim, ring0, 0),
    };
    assert_eq!(nic.post_free_buffers(sim, 0).unwrap(), 4, "indices 16..19");
    let slot0 = ring0; // index 16 lives in slot 0
    let mut rec = [0u8; desc::SIZE];
    sim.dma_read(slot0, &mut rec).unwrap();
    let posted = desc::ADDR.get(&rec);
    assert_ne!(posted, target);
    desc::ADDR.set(&mut rec, target);
    sim.host_memory_mut().write(slot0, &rec).unwrap();

    rp.run(synth::stimuli(synth::frames(100, 16, LEN)), |_, _| {}).unwrap();
    let r = rp.report().unwrap();
    let v = rp.sim().violations().to_vec();
    // The frame of index 16 did land at `target`.
    let mut got = vec![0u8; LEN];
    rp.sim().dma_read(target, &mut got).unwrap();
    let landed = got == synth::frame(100 + 12, LEN);
    rp.close().unwrap();
    (v, r, u64::from(landed) * target)
}

fn kinds(v: &[Violation]) -> Vec<ViolationKind> {
    v.iter().map(|v| v.kind).collect()
}

/// Every violation is the guard's, and names queue 0's completion 16.
fn assert_only_guard(v: &[Violation]) {
    assert!(!v.is_empty());
    assert!(v.iter().all(|v| v.kind.is_dma_guard()), "only guard kinds: {v:#?}");
}

#[test]
fn frame_into_another_queues_buffer_is_caught() {
    let (v, r, landed) = faulty_run(Fault::OtherQueue, true);
    assert_only_guard(&v);
    // The write itself is into a posted buffer (queue 1's): legal as a write,
    // applied. Queue 0's record 16 then says descriptor 16 got a frame it never got.
    assert_eq!(kinds(&v), [ViolationKind::MisplacedFrame], "{v:#?}");
    let d = &v[0].detail;
    assert!(d.contains("queue 0 completion record 16") && d.contains("descriptor 16"), "{d}");
    assert!(d.contains("received 0 byte(s)") && d.contains("went to queue 1 descriptor 0"), "{d}");
    assert_ne!(landed, 0, "the frame was written into queue 1's buffer");
    // The driver delivered its own (unwritten) buffer: one corrupt frame.
    assert_eq!(r.corrupt_frames.count, 1, "{r:#?}");
    assert_eq!(r.tlp_violations.count, 1);
}

#[test]
fn frame_into_unposted_memory_is_caught() {
    let (v, r, landed) = faulty_run(Fault::Unposted, true);
    assert_only_guard(&v);
    assert_eq!(kinds(&v), [ViolationKind::UnpostedWrite, ViolationKind::MisplacedFrame], "{v:#?}");
    assert!(v[0].detail.contains("lands in no buffer posted") && v[0].detail.contains("not applied"), "{}", v[0]);
    assert!(v[1].detail.contains("queue 0 completion record 16") && v[1].detail.contains("received 0 byte(s)"));
    assert_eq!(landed, 0, "the guard discarded the write");
    assert_eq!(r.corrupt_frames.count, 1, "{r:#?}");
}

#[test]
fn frame_into_a_completed_buffer_is_caught() {
    let (v, r, landed) = faulty_run(Fault::Completed, true);
    assert_only_guard(&v);
    assert_eq!(kinds(&v), [ViolationKind::UnpostedWrite, ViolationKind::MisplacedFrame], "{v:#?}");
    let d = &v[0].detail;
    assert!(d.contains("queue 0 descriptor 0") && d.contains("completed by record 0"), "{d}");
    assert_eq!(landed, 0);
    assert_eq!(r.corrupt_frames.count, 1, "{r:#?}");
}

/// The same faults with the guard off: the root complex sees nothing wrong
/// (the memory is allocated), only the corrupt frame shows. The guard is
/// what catches them.
#[test]
fn without_the_guard_the_faults_go_unreported() {
    for fault in [Fault::OtherQueue, Fault::Unposted, Fault::Completed] {
        let (v, r, landed) = faulty_run(fault, false);
        assert!(v.is_empty(), "{fault:?}: {v:#?}");
        assert_ne!(landed, 0, "{fault:?}: nothing stops the write");
        assert_eq!(r.corrupt_frames.count, 1, "{fault:?}");
    }
}

/// How the split faulty run rewrites index 16's `HDR_IDX` after its doorbell.
#[derive(Clone, Copy, Debug)]
enum HdrFault {
    /// The header buffer of index 17, also outstanding.
    OtherDescriptor,
    /// An index beyond `Q_HDR_COUNT`: a malformed descriptor the NIC must
    /// complete with BAD_DESC, writing nothing.
    BeyondPool,
}

/// Like [`faulty_run`] with header split on and a threshold that puts each
/// 200-byte synthetic frame wholly into its header buffer (the frames are
/// not IP, so nothing is split at a header boundary): the host rewrites the
/// `HDR_IDX` of index 16 right after its doorbell. Needs the RTL with
/// docs/split.md.
fn faulty_split_run(fault: HdrFault) -> (Vec<Violation>, Report, nic_driver::Stats) {
    let split = SplitConfig { mode: SplitMode::Always, hdr_buf: 256, thresh: 255, ..SplitConfig::default() };
    let cfg =
        ReplayConfig { queues: Some(2), ring_log: RING_LOG, bufs_per_queue: 24, split, ..ReplayConfig::default() };
    let mut rp = Replayer::new(cfg).unwrap();
    rp.parts().0.set_repost(0, false).unwrap();
    rp.run(synth::stimuli(synth::frames(0, 4, LEN)), |_, _| {}).unwrap();
    assert_eq!(rp.report().unwrap().frames_delivered, 4);
    let (nic, sim) = rp.parts();
    let ring0 = u64::from(sim.mmio_read32(qreg(0, rxq::DESC_BASE_LO)).unwrap())
        | u64::from(sim.mmio_read32(qreg(0, rxq::DESC_BASE_HI)).unwrap()) << 32;
    let count = sim.mmio_read32(qreg(0, rxq::Q_HDR_COUNT)).unwrap();
    assert_eq!(count, u32::from(RING), "one header buffer per descriptor in flight");
    assert_eq!(nic.post_free_buffers(sim, 0).unwrap(), 4, "indices 16..19");
    let mut rec = [0u8; desc::SIZE];
    let mut next = [0u8; desc::SIZE];
    sim.dma_read(ring0, &mut rec).unwrap(); // index 16: slot 0
    sim.dma_read(ring0 + desc::SIZE as u64, &mut next).unwrap(); // index 17
    let target = match fault {
        HdrFault::OtherDescriptor => desc::HDR_IDX.get(&next),
        HdrFault::BeyondPool => u64::from(count) + 1,
    };
    assert_ne!(desc::HDR_IDX.get(&rec), target);
    desc::HDR_IDX.set(&mut rec, target);
    sim.host_memory_mut().write(ring0, &rec).unwrap();
    rp.run(synth::stimuli(synth::frames(100, 16, LEN)), |_, _| {}).unwrap();
    let r = rp.report().unwrap();
    let (nic, sim) = rp.parts();
    let st = nic.stats(sim).unwrap();
    let v = rp.sim().violations().to_vec();
    rp.close().unwrap();
    (v, r, st)
}

#[test]
fn header_into_another_descriptors_header_buffer_is_caught() {
    let (v, r, _) = faulty_split_run(HdrFault::OtherDescriptor);
    assert_only_guard(&v);
    // Both writes are into a posted header buffer (index 17's): applied.
    // Record 16 then claims a header its own header buffer never got, and
    // record 17 one its header buffer got twice.
    assert_eq!(kinds(&v), [ViolationKind::MisplacedFrame; 2], "{v:#?}");
    assert!(v[0].detail.contains("completion record 16") && v[0].detail.contains("descriptor 16's header buffer"));
    assert!(v[1].detail.contains("completion record 17") && v[1].detail.contains("descriptor 17's header buffer"));
    assert!(r.corrupt_frames.count >= 1, "{r:#?}");
}

/// The NIC completes the descriptor with BAD_DESC and writes nothing outside
/// the pool; the guard, which judges against what the driver posted (a
/// valid index), reports the BAD_DESC of a well-formed descriptor, and
/// nothing else.
#[test]
fn header_index_beyond_the_pool_is_a_bad_descriptor() {
    let (v, r, st) = faulty_split_run(HdrFault::BeyondPool);
    assert_only_guard(&v);
    assert_eq!(kinds(&v), [ViolationKind::CompletionRecord], "no write outside the pool: {v:#?}");
    assert!(v[0].detail.contains("STATUS.BAD_DESC is 1 for descriptor 16"), "{}", v[0]);
    assert_eq!(r.frames_dropped.bad_desc, 1, "{r:#?}");
    assert_eq!(st.queues[0].bad_desc_completions, 1);
    assert_eq!(r.corrupt_frames.count, 0);
    assert_eq!(r.frames_delivered, 4 + 15);
}

// ------------------------------------------------------------ edge cases the guard must accept

/// Odd buffer sizes (not multiples of the 16-byte beat) with frames one
/// byte shorter than, exactly as long as, and one byte longer than the
/// buffer: the NIC's last beat must be trimmed by the byte enables, never
/// spill past the posted length.
#[test]
fn exact_fit_frames_in_odd_buffers() {
    for buf_size in [61usize, 255, 1001, 1513] {
        let mut input = Vec::new();
        for (i, len) in [buf_size - 1, buf_size, buf_size + 1, buf_size, 60].into_iter().enumerate() {
            input.push(Stimulus::synthetic(synth::frame(i as u64, len)));
        }
        let cfg = ReplayConfig { buf_size, ring_log: 3, split: NO_SCATTER, ..ReplayConfig::default() };
        let r = replay_clean(&format!("buf {buf_size}"), cfg, &input);
        assert_eq!(r.frames_dropped.buf_too_small, 1, "{r:#?}");
        assert_eq!(r.frames_delivered, 4);
    }
}

/// The same odd buffers with scatter (split into a header buffer, too): the
/// frame one byte too long continues in a second buffer, whose last beat is
/// trimmed likewise. Needs the RTL with docs/split.md.
#[test]
fn exact_fit_frames_in_odd_buffers_scatter() {
    for buf_size in [61usize, 255, 1001, 1513] {
        for mode in [SplitMode::Never, SplitMode::Always] {
            let mut input = Vec::new();
            for (i, len) in [buf_size - 1, buf_size, buf_size + 1, buf_size + 17, 60].into_iter().enumerate() {
                input.push(Stimulus::synthetic(synth::frame(i as u64, len)));
            }
            let split = SplitConfig { mode, hdr_buf: 64, ..SplitConfig::default() };
            let cfg = ReplayConfig { buf_size, ring_log: 3, split, ..ReplayConfig::default() };
            let r = replay_clean(&format!("buf {buf_size} {mode} scatter"), cfg, &input);
            assert_eq!(r.frames_dropped.total, 0, "{r:#?}");
            assert_eq!(r.frames_delivered, 5);
            let scattered: u64 = r.pools.iter().map(|p| p.frames_scattered).sum();
            assert!(scattered >= 1, "{r:#?}");
        }
    }
}

/// Takes the queues down `rounds` times while frames stream in (and the
/// host stalls the NIC's writes with probability `stall`), by
/// [`nic_driver::Nic::close`] or, with `reset`, by [`nic_driver::Nic::reset`]
/// (`CTRL.RESET`), opens them again each time, and finally checks that a
/// clean batch arrives. What was on its way when the queues went down lands
/// in buffers still outstanding (the guard's draining rule), and nothing of
/// the old rings leaks into the new ones. Returns the violations.
fn down_and_up_under_traffic(seed: u64, stall: f64, reset: bool) -> Vec<Violation> {
    use nic_driver::{Nic, RxConfig};
    use nic_sim::Sim;
    let mut sim =
        Sim::new(SimConfig { req_stall_probability: stall, stall_seed: seed, ..SimConfig::default() }).unwrap();
    let mut nic = Nic::probe(&mut sim).unwrap();
    let rx = RxConfig { queues: 2, desc_ring_log: 4, cpl_ring_log: 4, ..RxConfig::default() };
    let mut seq = 0u64;
    for round in 0..3 {
        nic.open(&mut sim, &rx).unwrap();
        for _ in 0..24 {
            sim.mac_push(&synth::frame(seq, 300 + (seq as usize * 37) % 1200), false, 0);
            seq += 1;
        }
        for _ in 0..(3 + seed + round) {
            sim.run(89 + 17 * seed);
            for q in 0..2 {
                nic.poll(&mut sim, q, 64, |_| {}).unwrap();
            }
        }
        if reset {
            nic.reset(&mut sim).unwrap(); // frees the queues itself
        } else {
            nic.close(&mut sim).unwrap();
        }
        sim.run(5_000);
    }
    nic.open(&mut sim, &rx).unwrap();
    sim.run(30_000); // frames still queued in the MAC drain (dropped or delivered)
    for q in 0..2 {
        while nic.poll(&mut sim, q, 64, |_| {}).unwrap() > 0 {}
    }
    for i in 0..40u64 {
        sim.mac_push(&synth::frame(10_000 + i, 128), false, 100);
    }
    let mut got = 0;
    for _ in 0..1000 {
        sim.run(100);
        for q in 0..2 {
            got += nic.poll(&mut sim, q, 64, |_| {}).unwrap();
        }
        if got >= 40 {
            break;
        }
    }
    let st = nic.stats(&mut sim).unwrap();
    assert_eq!(st.queues.iter().map(|q| q.device_faults).sum::<u64>(), 0, "seed {seed}");
    assert_eq!(got, 40, "seed {seed}: {st:#?}");
    nic.close(&mut sim).unwrap();
    sim.violations().to_vec()
}

#[test]
fn close_and_reopen_under_traffic() {
    for seed in 1..=6u64 {
        let v = down_and_up_under_traffic(seed, 0.6, false);
        assert!(v.is_empty(), "seed {seed}: {v:#?}");
    }
}

/// `CTRL.RESET` while a frame MemWr is on `m_tlp_req` must not cut the TLP
/// short (a bug the guard's tests found: the soft reset used to reset the RX
/// engine and its TLP output mux mid-TLP, and the root complex saw a `sop`
/// before the previous TLP's `eop`). The soft reset now first holds new TLPs
/// and waits for a TLP boundary (nic_csr `tlp_hold`/`tlp_busy`).
///
/// The scenario that hit it, no host back-pressure: 2 queues, 16-entry
/// rings, 24 frames of 1514 bytes, six times 75 cycles + poll, then
/// `Nic::reset` a few beats into a 256-byte MemWr; then the looped variant,
/// with and without back-pressure.
#[test]
fn soft_reset_mid_frame_write() {
    use nic_driver::{Nic, RxConfig};
    use nic_sim::Sim;
    let mut sim = Sim::new(SimConfig::default()).unwrap();
    let mut nic = Nic::probe(&mut sim).unwrap();
    let rx = RxConfig { queues: 2, desc_ring_log: 4, cpl_ring_log: 4, ..RxConfig::default() };
    nic.open(&mut sim, &rx).unwrap();
    for i in 0..24 {
        sim.mac_push(&synth::frame(i, 1514), false, 0);
    }
    for _ in 0..6 {
        sim.run(75);
        for q in 0..2 {
            nic.poll(&mut sim, q, 64, |_| {}).unwrap();
        }
    }
    let sent = sim.cycle();
    nic.reset(&mut sim).unwrap();
    sim.run(5_000);
    nic.open(&mut sim, &rx).unwrap();
    sim.mac_push(&synth::frame(999, 300), false, 0);
    sim.run(5_000);
    let v = sim.violations();
    assert!(v.is_empty(), "CTRL.RESET sent at cycle {sent}: {v:#?}");
    // And the looped variant, with and without back-pressure.
    for (seed, stall) in [(3u64, 0.0), (1, 0.6)] {
        let v = down_and_up_under_traffic(seed, stall, true);
        assert!(v.is_empty(), "seed {seed} stall {stall}: {v:#?}");
    }
}
