//! Driver behaviour against a mock transport; the test plays the NIC.

mod mock;

use mock::{qreg, MockHal, Rx};
use nic_driver::{CplFault, DriverError, Nic, RxConfig};
use nic_spec::{cpl, cpl_status, ctrl, err, global, id, limits, qctrl, rxq};

const DESC_PROD: u32 = rxq::BASE + rxq::DESC_PROD;
const CPL_CONS: u32 = rxq::BASE + rxq::CPL_CONS;

fn frame(n: u32, len: usize) -> Vec<u8> {
    (0..len).map(|i| (n as usize * 7 + i) as u8).collect()
}

fn open(cfg: RxConfig) -> (MockHal, Nic) {
    let mut hal = MockHal::new();
    let mut nic = Nic::probe(&mut hal).expect("probe");
    nic.open(&mut hal, &cfg).expect("open");
    (hal, nic)
}

fn cfg(desc_log: u32, cpl_log: u32, bufs: usize, batch: usize) -> RxConfig {
    RxConfig {
        desc_ring_log: desc_log,
        cpl_ring_log: cpl_log,
        bufs_per_queue: bufs,
        repost_batch: batch,
        ..Default::default()
    }
}

/// Polls once, collecting (buf_id, data) of delivered frames.
fn poll(hal: &mut MockHal, nic: &mut Nic, budget: usize) -> (usize, Vec<(u16, Vec<u8>)>) {
    let mut got = Vec::new();
    let n = nic.poll(hal, 0, budget, |f| got.push((f.buf_id, f.bytes.to_vec()))).expect("poll");
    (n, got)
}

fn conserved(hal: &mut MockHal, nic: &mut Nic, nbufs: usize) {
    let s = nic.stats(hal).unwrap();
    assert_eq!(s.queues[0].free_buffers + s.queues[0].buffers_in_flight, nbufs, "buffers leaked or duplicated");
}

#[test]
fn probe_checks_identity_resets_and_reads_caps() {
    let mut hal = MockHal::new();
    let nic = Nic::probe(&mut hal).unwrap();
    assert_eq!(hal.writes_to(global::CTRL), vec![ctrl::RESET]);
    let caps = nic.caps();
    assert_eq!((caps.rx_queues, caps.max_log_ring, caps.desc_fetch_max, caps.rx_fifo_bytes), (1, 15, 8, 32768));

    let mut hal = MockHal::new();
    hal.set_reg(global::ID, 0xFFFF_FFFF);
    assert_eq!(Nic::probe(&mut hal).err(), Some(DriverError::BadId { found: 0xFFFF_FFFF }));

    let mut hal = MockHal::new();
    let other_major = id::VERSION + (1 << 16);
    hal.set_reg(global::VERSION, other_major);
    let e = Nic::probe(&mut hal).err().unwrap();
    assert!(matches!(e, DriverError::VersionMismatch { found, .. } if found == other_major));
    assert!(e.to_string().contains("incompatible"));

    let mut hal = MockHal::new();
    hal.set_reg(global::VERSION, id::VERSION + 5); // patch differs: fine
    Nic::probe(&mut hal).unwrap();

    let mut hal = MockHal::new();
    hal.reset_stuck = true;
    assert!(matches!(Nic::probe(&mut hal), Err(DriverError::ResetTimeout { .. })));
}

#[test]
fn open_programs_rings_then_posts_with_one_doorbell() {
    let (hal, nic) = open(cfg(4, 5, 0, 32));
    assert_eq!(nic.num_queues(), 1);
    // Ring registers, all written before the enable.
    let (desc_base, desc_log) = hal.desc_ring(0);
    let (cpl_base, cpl_log) = hal.cpl_ring(0);
    assert_eq!((desc_log, cpl_log), (4, 5));
    assert_eq!(desc_base % limits::RING_ALIGN, 0);
    assert_eq!(cpl_base % limits::RING_ALIGN, 0);
    assert!(desc_base >> 32 != 0, "high half programmed");
    let pos = |off: u32, v: u32| hal.writes.iter().position(|w| *w == (off, v)).unwrap();
    let enable = pos(rxq::BASE + rxq::Q_CTRL, qctrl::ENABLE);
    assert!(pos(rxq::BASE + rxq::DESC_BASE_LO, desc_base as u32) < enable);
    assert!(pos(rxq::BASE + rxq::CPL_LOG_SIZE, 5) < enable);
    // Default pool = ring size - 1 = 15 buffers, posted with one doorbell, then RX enabled.
    assert_eq!(hal.writes_to(DESC_PROD), vec![15]);
    assert!(enable < pos(DESC_PROD, 15));
    assert_eq!(hal.writes.last(), Some(&(global::CTRL, ctrl::RX_ENABLE)));
    // The descriptors: aligned buffers, distinct, full length, ids in order.
    let mut addrs = Vec::new();
    for i in 0..15u16 {
        let (addr, len, buf_id) = hal.descriptor(0, i);
        assert_eq!((len, buf_id), (2048, i));
        assert_eq!(addr % limits::BUF_ALIGN, 0);
        addrs.push(addr);
    }
    addrs.dedup();
    assert_eq!(addrs.len(), 15);
}

#[test]
fn doorbells_are_batched() {
    let (mut hal, mut nic) = open(cfg(6, 6, 0, 8)); // 63 buffers
    hal.clear_log();
    for n in 0..20 {
        assert!(matches!(hal.nic_rx(0, &frame(n, 64)), Rx::Completed { .. }));
    }
    let (done, got) = poll(&mut hal, &mut nic, 64);
    assert_eq!((done, got.len()), (20, 20));
    // 20 recycled in batches of 8: two doorbells, the 4 left wait (ring well above low water).
    assert_eq!(hal.writes_to(DESC_PROD), vec![63 + 8, 63 + 16]);
    assert_eq!(hal.writes_to(CPL_CONS), vec![20]);
    assert_eq!(hal.mmio_reads, 0, "the hot path reads no register");

    // An idle poll touches no register at all.
    hal.clear_log();
    assert_eq!(poll(&mut hal, &mut nic, 64).0, 0);
    assert!(hal.writes.is_empty());

    let s = nic.stats(&mut hal).unwrap().queues[0].clone();
    assert_eq!((s.desc_doorbells, s.cpl_doorbells, s.buffers_posted, s.completions), (3, 1, 63 + 16, 20));
    assert_eq!((s.free_buffers, s.buffers_in_flight), (4, 59));
}

#[test]
fn budget_bounds_a_poll() {
    let (mut hal, mut nic) = open(cfg(4, 4, 0, 32));
    for n in 0..10 {
        hal.nic_rx(0, &frame(n, 60));
    }
    hal.clear_log();
    assert_eq!(poll(&mut hal, &mut nic, 4).0, 4);
    assert_eq!(hal.writes_to(CPL_CONS), vec![4]);
    assert_eq!(poll(&mut hal, &mut nic, 0).0, 0);
    let (n, got) = poll(&mut hal, &mut nic, 100);
    assert_eq!(n, 6);
    assert_eq!(got[0].1, frame(4, 60));
    assert_eq!(hal.writes_to(CPL_CONS), vec![4, 10]);
}

#[test]
fn low_water_refill_keeps_a_small_ring_fed() {
    // The batch (32) exceeds the ring: it is capped at 15, and the
    // end-of-poll top-up posts once fewer than half the buffers are out.
    let (mut hal, mut nic) = open(cfg(4, 4, 0, 32));
    hal.clear_log();
    for n in 0..5 {
        hal.nic_rx(0, &frame(n, 60));
    }
    poll(&mut hal, &mut nic, 64);
    assert!(hal.writes_to(DESC_PROD).is_empty(), "10 still posted: above low water");
    for n in 5..10 {
        hal.nic_rx(0, &frame(n, 60));
    }
    poll(&mut hal, &mut nic, 64);
    assert_eq!(hal.writes_to(DESC_PROD), vec![15 + 10], "5 left < 7: everything free posted at once");
}

#[test]
fn phase_tracks_ring_wraps() {
    for (desc_log, cpl_log) in [(0, 0), (1, 1), (2, 2), (2, 3), (3, 5)] {
        let (mut hal, mut nic) = open(cfg(desc_log, cpl_log, 0, 1));
        let per_round = ((1usize << desc_log) - 1).max(1) as u32;
        let mut n = 0;
        // Enough rounds to wrap the completion ring several times and the
        // 16-bit index too for the small rings.
        for _ in 0..(70_000 / per_round as usize).min(3000) {
            let sent: Vec<_> = (n..n + per_round).map(|k| frame(k, 14 + (k as usize % 50))).collect();
            n += per_round;
            for f in &sent {
                assert!(matches!(hal.nic_rx(0, f), Rx::Completed { .. }), "ring {desc_log}/{cpl_log}");
            }
            let (done, got) = poll(&mut hal, &mut nic, 1000);
            assert_eq!(done, sent.len(), "ring {desc_log}/{cpl_log}");
            assert_eq!(got.into_iter().map(|g| g.1).collect::<Vec<_>>(), sent);
            // Stale records of the previous pass must not be taken again.
            assert_eq!(poll(&mut hal, &mut nic, 1000).0, 0);
        }
        let s = nic.stats(&mut hal).unwrap().queues[0].clone();
        assert_eq!((s.frames_delivered, s.device_faults), (u64::from(n), 0));
    }
}

#[test]
fn full_index_wrap_on_the_largest_ring() {
    // The 16-bit indices wrap (65535 -> 0) twice as the biggest ring wraps
    // four times: phase and slot must stay consistent.
    let (mut hal, mut nic) = open(RxConfig { buf_size: 64, ..cfg(15, 15, 0, 64) });
    let mut total = 0u32;
    while total < 140_000 {
        for _ in 0..1000 {
            hal.nic_rx(0, &frame(total, 20));
            total += 1;
        }
        let (done, got) = poll(&mut hal, &mut nic, 2000);
        assert_eq!(done, 1000);
        assert_eq!(got[999].1, frame(total - 1, 20));
    }
}

#[test]
fn bad_desc_completion_returns_the_buffer() {
    let (mut hal, mut nic) = open(cfg(3, 3, 0, 1));
    hal.nic_rx_with(0, &[], |rec| cpl::STATUS.set(rec, cpl_status::BAD_DESC.into()));
    hal.nic_rx(0, &frame(1, 100));
    let (done, got) = poll(&mut hal, &mut nic, 10);
    assert_eq!(done, 2);
    assert_eq!(got.len(), 1, "a BAD_DESC completion carries no frame");
    assert_eq!(got[0].1, frame(1, 100));
    let s = nic.stats(&mut hal).unwrap().queues[0].clone();
    assert_eq!((s.bad_desc_completions, s.device_faults, s.frames_delivered), (1, 0, 1));
    conserved(&mut hal, &mut nic, 7);
}

#[test]
fn pool_larger_than_ring_cycles_every_buffer() {
    let (mut hal, mut nic) = open(cfg(3, 4, 40, 4));
    let mut seen = [false; 40];
    let mut n = 0u32;
    for round in 0..300 {
        let burst = 1 + round % 8;
        for _ in 0..burst {
            match hal.nic_rx(0, &frame(n, 14 + n as usize % 2000)) {
                Rx::Completed { .. } => n += 1,
                other => panic!("round {round}: {other:?}"),
            }
        }
        let mut ok = true;
        let mut expect = n - burst;
        nic.poll(&mut hal, 0, 64, |f| {
            ok &= f.bytes == *frame(expect, 14 + expect as usize % 2000);
            expect += 1;
            seen[usize::from(f.buf_id)] = true;
        })
        .unwrap();
        assert!(ok && expect == n);
        conserved(&mut hal, &mut nic, 40);
    }
    assert!(seen.iter().all(|&s| s), "every buffer of the pool was used");
}

#[test]
fn bogus_completions_are_counted_not_trusted() {
    let (mut hal, mut nic) = open(cfg(3, 3, 0, 1));
    let posted = |hal: &MockHal, i: u16| hal.descriptor(0, i).2;
    let b0 = posted(&hal, 0);
    hal.nic_rx_with(0, &frame(0, 64), |rec| cpl::BUF_ID.set(rec, 999));
    hal.nic_rx_with(0, &frame(1, 64), |rec| cpl::LEN.set(rec, 2049));
    hal.nic_rx_with(0, &frame(2, 64), |rec| cpl::DESC_IDX.set(rec, 7));
    hal.nic_rx_with(0, &frame(3, 64), |rec| cpl::QUEUE.set(rec, 3));
    hal.nic_rx(0, &frame(4, 64));
    let (done, got) = poll(&mut hal, &mut nic, 10);
    assert_eq!(done, 5);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].1, frame(4, 64));
    assert_eq!(nic.last_fault(0), Some(CplFault::Queue { found: 3 }));
    let s = nic.stats(&mut hal).unwrap().queues[0].clone();
    assert_eq!(s.device_faults, 4);
    conserved(&mut hal, &mut nic, 7);

    // The first fault named the buffer actually posted.
    let (mut hal, mut nic) = open(cfg(3, 3, 0, 1));
    hal.nic_rx_with(0, &frame(0, 64), |rec| cpl::BUF_ID.set(rec, 0xFFFF));
    poll(&mut hal, &mut nic, 10);
    assert_eq!(nic.last_fault(0), Some(CplFault::BufId { expected: b0, found: 0xFFFF }));

    // A completion with nothing outstanding.
    let (mut hal, mut nic) = open(cfg(2, 2, 1, 1));
    nic.set_repost(0, false).unwrap();
    hal.nic_rx(0, &frame(0, 64));
    assert_eq!(poll(&mut hal, &mut nic, 10).0, 1);
    let mut rec = [0u8; cpl::SIZE];
    cpl::LEN.set(&mut rec, 64);
    hal.write_cpl(0, 1, rec);
    let (done, got) = poll(&mut hal, &mut nic, 10);
    assert_eq!((done, got.len()), (1, 0));
    assert_eq!(nic.last_fault(0), Some(CplFault::NoDescriptorOutstanding { cpl_idx: 1 }));
    conserved(&mut hal, &mut nic, 1);
}

#[test]
fn repost_can_be_paused_to_starve_the_nic() {
    let (mut hal, mut nic) = open(cfg(3, 3, 0, 2));
    nic.set_repost(0, false).unwrap();
    hal.clear_log();
    for n in 0..7 {
        hal.nic_rx(0, &frame(n, 64));
    }
    assert_eq!(hal.nic_rx(0, &frame(7, 64)), Rx::DropNoDesc);
    assert_eq!(poll(&mut hal, &mut nic, 64).0, 7);
    assert!(hal.writes_to(DESC_PROD).is_empty());
    assert_eq!(hal.nic_rx(0, &frame(8, 64)), Rx::DropNoDesc);
    assert_eq!(nic.post_free_buffers(&mut hal, 0).unwrap(), 7);
    assert_eq!(hal.writes_to(DESC_PROD), vec![14]);
    nic.set_repost(0, true).unwrap();
    assert!(matches!(hal.nic_rx(0, &frame(9, 64)), Rx::Completed { .. }));
    let s = nic.stats(&mut hal).unwrap().queues[0].clone();
    assert_eq!(s.drop_no_desc, 2);
}

#[test]
fn jumbo_frames_and_too_small_buffers() {
    let (mut hal, mut nic) = open(RxConfig { buf_size: 16384, ..cfg(4, 4, 0, 4) });
    hal.nic_rx(0, &frame(0, 9018));
    let (_, got) = poll(&mut hal, &mut nic, 8);
    assert_eq!(got[0].1, frame(0, 9018));

    let (mut hal, mut nic) = open(cfg(4, 4, 0, 4));
    assert_eq!(hal.nic_rx(0, &frame(0, 9018)), Rx::DropBufTooSmall);
    assert_eq!(nic.stats(&mut hal).unwrap().queues[0].drop_buf_too_small, 1);
}

#[test]
fn counters_accumulate_across_wraps() {
    let (mut hal, mut nic) = open(RxConfig::default());
    hal.set_reg(global::RX_FRAMES_IN, 0xFFFF_FFF0);
    hal.set_reg(qreg(0, rxq::Q_BYTES), 0xFFFF_FF00);
    let s = nic.stats(&mut hal).unwrap();
    assert_eq!((s.frames_in, s.queues[0].bytes), (0xFFFF_FFF0, 0xFFFF_FF00));
    hal.set_reg(global::RX_FRAMES_IN, 0x10);
    hal.set_reg(qreg(0, rxq::Q_BYTES), 0x100);
    let s = nic.stats(&mut hal).unwrap();
    assert_eq!((s.frames_in, s.queues[0].bytes), (0x1_0000_0010, 0x1_0000_0100));
    // A reset zeroes the registers; totals carry on.
    nic.reset(&mut hal).unwrap();
    hal.set_reg(global::RX_FRAMES_IN, 3);
    assert_eq!(nic.stats(&mut hal).unwrap().frames_in, 0x1_0000_0013);
}

#[test]
fn stats_serialize_to_json() {
    let (mut hal, mut nic) = open(RxConfig::default());
    let json = serde_json::to_value(nic.stats(&mut hal).unwrap()).unwrap();
    assert_eq!(json["queues"][0]["drop_no_desc"], 0);
    assert_eq!(json["queues"][0]["buffers_in_flight"], 255);
    assert!(json["frames_in"].is_u64());
}

#[test]
fn config_is_validated() {
    let mut hal = MockHal::new();
    let mut nic = Nic::probe(&mut hal).unwrap();
    for bad in [
        RxConfig { queues: 2, ..Default::default() },
        RxConfig { desc_ring_log: 16, cpl_ring_log: 16, ..Default::default() },
        RxConfig { desc_ring_log: 5, cpl_ring_log: 4, ..Default::default() },
        RxConfig { buf_size: 0, ..Default::default() },
        RxConfig { buf_size: 65536, ..Default::default() },
        RxConfig { bufs_per_queue: 65537, ..Default::default() },
        RxConfig { repost_batch: 0, ..Default::default() },
    ] {
        assert!(matches!(nic.open(&mut hal, &bad), Err(DriverError::InvalidConfig(_))), "{bad:?}");
        assert!(hal.live.is_empty());
    }
    assert!(matches!(nic.poll(&mut hal, 0, 1, |_| ()), Err(DriverError::NoSuchQueue { queue: 0 })));
    nic.open(&mut hal, &RxConfig::default()).unwrap();
    assert_eq!(nic.open(&mut hal, &RxConfig::default()), Err(DriverError::AlreadyOpen));
    assert!(matches!(nic.set_repost(1, false), Err(DriverError::NoSuchQueue { queue: 1 })));
}

#[test]
fn out_of_dma_memory_leaks_nothing() {
    let mut hal = MockHal::new();
    hal.mem_limit = 256 << 10;
    let mut nic = Nic::probe(&mut hal).unwrap();
    let e = nic.open(&mut hal, &RxConfig { buf_size: 16384, ..Default::default() }).unwrap_err();
    assert!(matches!(e, DriverError::OutOfDmaMemory { .. }));
    assert!(hal.live.is_empty());
    assert_eq!(nic.num_queues(), 0);
}

#[test]
fn close_disables_and_frees_and_keeps_totals() {
    let (mut hal, mut nic) = open(RxConfig::default());
    hal.nic_rx(0, &frame(0, 100));
    poll(&mut hal, &mut nic, 8);
    nic.close(&mut hal).unwrap();
    assert!(hal.live.is_empty());
    assert_eq!(hal.reg(rxq::BASE + rxq::Q_CTRL), 0);
    assert_eq!(hal.reg(global::CTRL) & ctrl::RX_ENABLE, 0);
    let s = nic.stats(&mut hal).unwrap();
    assert_eq!((s.queues[0].frames_delivered, s.queues[0].buffers_in_flight), (1, 0));
    nic.close(&mut hal).unwrap();
    // And it opens again from a clean ring.
    nic.open(&mut hal, &RxConfig::default()).unwrap();
    hal.nic_rx(0, &frame(1, 100));
    assert_eq!(poll(&mut hal, &mut nic, 8).1[0].1, frame(1, 100));
}

#[test]
fn health_reports_device_errors_and_halted_queues() {
    let (mut hal, nic) = open(RxConfig::default());
    nic.check_health(&mut hal).unwrap();
    hal.set_reg(global::ERR_STATUS, err::DMA_CPL_TIMEOUT | err::MMIO_BAD_REQUEST);
    let st = nic.error_status(&mut hal).unwrap();
    assert!(st.dma_cpl_timeout && st.mmio_bad_request && !st.dma_cpl_status);
    assert_eq!(st.to_string(), "0x9 (MMIO_BAD_REQUEST, DMA_CPL_TIMEOUT)");
    assert_eq!(nic.check_health(&mut hal), Err(DriverError::Device(st)));
    nic.clear_error_status(&mut hal, st);
    assert!(nic.error_status(&mut hal).unwrap().is_clear());
    hal.nic[0].halted = true;
    assert_eq!(nic.check_health(&mut hal), Err(DriverError::QueueHalted { queue: 0 }));
}

#[test]
fn reset_recovers_an_open_nic() {
    let (mut hal, mut nic) = open(RxConfig::default());
    nic.reset(&mut hal).unwrap();
    assert_eq!(nic.num_queues(), 0);
    assert!(hal.live.is_empty());
    nic.open(&mut hal, &RxConfig::default()).unwrap();
    hal.nic_rx(0, &frame(5, 70));
    assert_eq!(poll(&mut hal, &mut nic, 8).1[0].1, frame(5, 70));
}

mod split {
    use super::*;
    use nic_driver::{SplitConfig, SplitMode};

    fn split_cfg(buf_size: usize, hdr_buf: u16) -> RxConfig {
        RxConfig {
            buf_size,
            split: SplitConfig { mode: SplitMode::Always, hdr_buf, ..SplitConfig::default() },
            ..cfg(3, 3, 0, 1)
        }
    }

    #[derive(Debug, PartialEq)]
    struct Got {
        data: Vec<u8>,
        header: Vec<u8>,
        hdr_len: u16,
        payload_len: u16,
        desc_count: u8,
        bufs: u8,
        last_len: u16,
        split: bool,
    }

    fn poll_all(hal: &mut MockHal, nic: &mut Nic) -> Vec<Got> {
        let mut got = Vec::new();
        nic.poll(hal, 0, 64, |f| {
            got.push(Got {
                data: f.bytes.to_vec(),
                header: f.header.to_vec(),
                hdr_len: f.hdr_len,
                payload_len: f.payload_len,
                desc_count: f.desc_count,
                bufs: f.bufs,
                last_len: f.last_len,
                split: f.split,
            })
        })
        .unwrap();
        got
    }

    #[test]
    fn open_programs_the_header_pool_before_enabling() {
        let (hal, nic) = open(split_cfg(2048, 128));
        let w = &hal.writes;
        let pos = |reg| w.iter().position(|(o, _)| *o == qreg(0, reg)).unwrap();
        let enable = w.iter().rposition(|(o, v)| *o == qreg(0, rxq::Q_CTRL) && *v == qctrl::ENABLE).unwrap();
        for r in [rxq::Q_HDR_BASE_LO, rxq::Q_HDR_BASE_HI, rxq::Q_HDR_COUNT, rxq::Q_RX_CFG] {
            assert!(pos(r) < enable);
        }
        assert_eq!(hal.reg(qreg(0, rxq::Q_HDR_COUNT)), 7, "one header buffer per descriptor in flight");
        assert_eq!(hal.reg(qreg(0, rxq::Q_HDR_BASE_LO)) % 16, 0);
        assert_eq!(hal.reg(qreg(0, rxq::Q_RX_CFG)), SplitConfig { hdr_buf: 128, ..split_cfg(1, 128).split }.rx_cfg());
        // Distinct header buffers on the posted descriptors.
        let mut idx: Vec<u16> = (0..7).map(|i| hal.descriptor_hdr_idx(0, i)).collect();
        idx.sort();
        assert_eq!(idx, (0..7).collect::<Vec<_>>());
        let _ = nic;

        // No header pool without split or threshold.
        let (hal, _) = open(cfg(3, 3, 0, 1));
        assert_eq!(hal.reg(qreg(0, rxq::Q_HDR_COUNT)), 0);
        assert_eq!(hal.reg(qreg(0, rxq::Q_RX_CFG)), SplitConfig::default().rx_cfg());
    }

    #[test]
    fn split_and_scatter_reassemble_the_frame_and_recycle_everything() {
        let (mut hal, mut nic) = open(split_cfg(256, 128));
        let f = frame(1, 1000);
        assert!(matches!(hal.nic_rx_split(0, &f, 54, |_| {}), Rx::Completed { .. }));
        let g = poll_all(&mut hal, &mut nic);
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].data, f);
        assert_eq!(g[0].header, &f[..54]);
        // 946 payload bytes: 3 * 256 + 178.
        assert_eq!((g[0].hdr_len, g[0].payload_len, g[0].desc_count, g[0].bufs, g[0].last_len), (54, 946, 4, 4, 178));
        assert!(g[0].split);
        // Header-only frame: one descriptor, no data buffer written.
        hal.nic_rx_split(0, &frame(2, 60), 60, |_| {});
        let g = poll_all(&mut hal, &mut nic);
        assert_eq!((g[0].hdr_len, g[0].payload_len, g[0].desc_count, g[0].bufs, g[0].split), (60, 0, 1, 0, false));
        assert_eq!(g[0].data, frame(2, 60));
        // Unsplit frame.
        hal.nic_rx_split(0, &frame(3, 200), 0, |_| {});
        let g = poll_all(&mut hal, &mut nic);
        assert_eq!((g[0].hdr_len, g[0].payload_len, g[0].bufs, g[0].last_len), (0, 200, 1, 200));
        assert!(g[0].header.is_empty());
        let s = nic.stats(&mut hal).unwrap().queues[0].clone();
        assert_eq!((s.frames_split, s.frames_scattered, s.frames_header_only, s.descs_consumed), (1, 1, 1, 6));
        assert_eq!((s.hdr_pool_size, s.data_pool_size), (7, 7));
        assert_eq!(s.hdr_free + s.buffers_in_flight, 7, "header buffers leaked");
        conserved(&mut hal, &mut nic, 7);
        // Many more frames than buffers: everything keeps cycling.
        for n in 0..100u32 {
            let f = frame(n, 100 + (n as usize * 37) % 1200);
            let h = [0, 14, 54, 100][n as usize % 4];
            let r = hal.nic_rx_split(0, &f, h, |_| {});
            assert!(matches!(r, Rx::Completed { .. }), "{n}: {r:?} {:?}", nic.stats(&mut hal).unwrap().queues[0]);
            let g = poll_all(&mut hal, &mut nic);
            assert_eq!(g[0].data, f, "{n}");
        }
        let s = nic.stats(&mut hal).unwrap().queues[0].clone();
        assert_eq!(s.device_faults, 0);
        assert_eq!(s.hdr_free + s.buffers_in_flight, 7);
    }

    #[test]
    fn too_few_descriptors_drop_the_frame_whole() {
        let (mut hal, mut nic) = open(split_cfg(64, 64));
        nic.set_repost(0, false).unwrap();
        // 7 descriptors of 64 bytes: 7 * 64 = 448 bytes of payload at most.
        assert_eq!(hal.nic_rx_split(0, &frame(0, 500), 40, |_| {}), Rx::DropBufTooSmall);
        assert!(matches!(hal.nic_rx_split(0, &frame(1, 400), 40, |_| {}), Rx::Completed { .. }));
        let g = poll_all(&mut hal, &mut nic);
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].data, frame(1, 400));
        let s = nic.stats(&mut hal).unwrap().queues[0].clone();
        assert_eq!(s.drop_buf_too_small, 1);
        // Every buffer is free and the ring is empty: a post finding none is an exhaustion.
        assert_eq!(nic.post_free_buffers(&mut hal, 0).unwrap(), 6);
        assert_eq!(nic.post_free_buffers(&mut hal, 0).unwrap(), 0);
        assert_eq!(nic.stats(&mut hal).unwrap().queues[0].pool_exhausted, 1);
    }

    #[test]
    fn inconsistent_split_records_are_faults() {
        type Tamper = fn(&mut [u8; cpl::SIZE]);
        type Want = fn(CplFault) -> bool;
        let cases: [(Tamper, Want); 6] = [
            (|r| cpl::DESC_COUNT.set(r, 200), |f| matches!(f, CplFault::DescCount { found: 200, .. })),
            (|r| cpl::HDR_LEN.set(r, 129), |f| matches!(f, CplFault::HdrLen { hdr_len: 129, hdr_buf: 128 })),
            (|r| cpl::LAST_LEN.set(r, 1), |f| matches!(f, CplFault::Layout { .. })),
            (|r| cpl::LEN.set(r, 999), |f| matches!(f, CplFault::Layout { .. })),
            (|r| cpl::HDR_OVERFLOW.set(r, 1), |f| matches!(f, CplFault::Flags { .. })),
            (|r| cpl::VLAN_STRIPPED.set(r, 1), |f| matches!(f, CplFault::Flags { .. })),
        ];
        for (i, (tamper, want)) in cases.into_iter().enumerate() {
            let (mut hal, mut nic) = open(split_cfg(256, 128));
            hal.nic_rx_split(0, &frame(0, 600), 54, tamper);
            let g = poll_all(&mut hal, &mut nic);
            assert!(g.is_empty(), "case {i}");
            let f = nic.last_fault(0).unwrap();
            assert!(want(f), "case {i}: {f:?}");
            assert_eq!(nic.stats(&mut hal).unwrap().queues[0].device_faults, 1);
        }
        // A record retiring more descriptors than are in flight.
        let (mut hal, mut nic) = open(split_cfg(256, 128));
        hal.nic_rx_split(0, &frame(0, 100), 54, |r| cpl::DESC_COUNT.set(r, 8));
        poll_all(&mut hal, &mut nic);
        assert_eq!(nic.last_fault(0), Some(CplFault::DescCount { found: 8, in_flight: 7 }));
        conserved(&mut hal, &mut nic, 7);
    }

    #[test]
    fn bad_desc_returns_every_descriptor_it_covers() {
        let (mut hal, mut nic) = open(split_cfg(256, 128));
        nic.set_repost(0, false).unwrap();
        hal.nic_rx_split(0, &frame(0, 700), 54, |r| {
            cpl::STATUS.set(r, cpl_status::BAD_DESC.into());
            cpl::LEN.set(r, 0);
        });
        assert!(poll_all(&mut hal, &mut nic).is_empty());
        let s = nic.stats(&mut hal).unwrap().queues[0].clone();
        assert_eq!((s.bad_desc_completions, s.device_faults, s.descs_consumed), (1, 0, 3));
        assert_eq!((s.free_buffers, s.hdr_free), (3, 3));
    }

    #[test]
    fn split_config_is_validated() {
        let mut hal = MockHal::new();
        let mut nic = Nic::probe(&mut hal).unwrap();
        let e = nic.open(&mut hal, &split_cfg(2048, 100)).unwrap_err();
        assert!(matches!(e, DriverError::InvalidConfig(ref w) if w.contains("power of two")), "{e}");
        assert!(hal.live.is_empty());
    }
}

/// Zero-copy needs a transport that can pin DMA memory; the mock cannot:
/// `open` says so and frees everything it had allocated.
#[test]
fn zero_copy_on_a_transport_without_pinning_is_refused_cleanly() {
    let mut hal = MockHal::new();
    let mut nic = Nic::probe(&mut hal).expect("probe");
    let live = hal.live.len();
    let e = nic.open(&mut hal, &RxConfig { delivery: nic_driver::Delivery::ZeroCopy, ..cfg(4, 4, 8, 4) }).unwrap_err();
    assert!(e.to_string().contains("zero-copy"), "{e}");
    assert_eq!(hal.live.len(), live, "nothing stays allocated");
    nic.open(&mut hal, &cfg(4, 4, 8, 4)).expect("copy delivery still opens");
}
