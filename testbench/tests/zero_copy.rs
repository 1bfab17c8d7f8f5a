//! Zero-copy delivery against the real RTL (issue #6, ownership rules): a
//! data buffer lent to the application is never posted to the NIC again
//! while a handle to it lives. Holding handles exhausts the pool, the NIC
//! drops and counts what it cannot place, the held bytes stay intact (the
//! root complex refuses device writes into pinned memory and the DMA guard
//! reports a pinned buffer posted; neither happens), and releasing the
//! handles lets traffic resume. Handles outlive the callback and are read
//! on another thread while the NIC keeps receiving.

use nic_driver::{Delivery, FrameBytes, Nic, RxBuf, RxConfig};
use nic_hal::Hal;
use nic_sim::{Sim, SimConfig, ViolationKind};
use nic_spec::{desc, rxq};
use nic_testbench::synth::frame;

const LEN: usize = 600;
/// Cycles for a burst to drain through MAC, FIFO and DMA.
const SETTLE: u64 = 40_000;

/// One queue, 16-entry rings, `bufs` buffers of 2 KiB, lending.
fn open(bufs: usize) -> (Sim, Nic) {
    let mut sim = Sim::new(SimConfig::default()).unwrap();
    let mut nic = Nic::probe(&mut sim).unwrap();
    let cfg = RxConfig {
        queues: 1,
        desc_ring_log: 4,
        cpl_ring_log: 4,
        bufs_per_queue: bufs,
        repost_batch: 4,
        delivery: Delivery::ZeroCopy,
        ..RxConfig::default()
    };
    nic.open(&mut sim, &cfg).unwrap();
    (sim, nic)
}

/// A frame held by the test: its sequence number and the lent buffers.
struct Held {
    seq: u64,
    bufs: Vec<RxBuf>,
}

impl Held {
    fn bytes(&self) -> Vec<u8> {
        self.bufs.iter().flat_map(|b| b.bytes().iter().copied()).collect()
    }
}

/// Sends frames `seqs`, lets them land, polls; keeps every delivered frame's
/// handles if `keep`. Returns the frames delivered (checked against what
/// was sent: in order, intact).
/// Frames go in groups of 8 (half the ring) with a poll after each, so
/// only a lack of buffers makes the NIC drop.
fn burst(sim: &mut Sim, nic: &mut Nic, seqs: std::ops::Range<u64>, keep: bool, held: &mut Vec<Held>) -> Vec<u64> {
    let mut got = Vec::new();
    let mut next = seqs.start;
    let groups: Vec<u64> = seqs.clone().step_by(8).collect();
    for (g, first) in groups.into_iter().chain([seqs.end]).enumerate() {
        if g > 0 {
            for _ in 0..4 {
                sim.run(SETTLE / 4);
                nic.poll(sim, 0, 64, |f| deliver(f, &mut next, &seqs, &mut got, keep, held)).unwrap();
            }
        }
        for s in first..(first + 8).min(seqs.end) {
            sim.mac_push(&frame(s, LEN), false, 0);
        }
    }
    got
}

/// One delivered frame: must be the next one sent (or a later one: drops), lent, intact.
fn deliver(
    f: nic_driver::RxFrame<'_>,
    next: &mut u64,
    seqs: &std::ops::Range<u64>,
    got: &mut Vec<u64>,
    keep: bool,
    held: &mut Vec<Held>,
) {
    let FrameBytes::Lent { header, bufs } = f.bytes else { panic!("zero-copy delivery copied a frame") };
    assert!(header.is_empty(), "no header split configured");
    let data = f.bytes.to_vec();
    // Frames are dropped, never reordered: find the one delivered.
    let seq = (*next..seqs.end).find(|&s| data == frame(s, LEN)).expect("a delivered frame matches one sent");
    *next = seq + 1;
    got.push(seq);
    if keep {
        held.push(Held { seq, bufs: bufs.to_vec() });
    }
}

fn assert_intact(held: &[Held]) {
    for h in held {
        assert_eq!(h.bytes(), frame(h.seq, LEN), "held frame {} changed under its handles", h.seq);
    }
}

fn assert_no_violations(sim: &Sim) {
    let v = sim.violations();
    assert!(v.is_empty(), "{v:#?}");
}

#[test]
fn held_buffers_starve_the_queue_and_traffic_resumes_on_release() {
    let (mut sim, mut nic) = open(24);
    let mut held = Vec::new();

    // 24 frames fill every buffer of the pool; all are kept.
    let got = burst(&mut sim, &mut nic, 0..24, true, &mut held);
    assert_eq!(got, (0..24).collect::<Vec<_>>());
    let st = nic.stats(&mut sim).unwrap().queues[0].clone();
    assert_eq!((st.lent_buffers, st.free_buffers, st.buffers_in_flight), (24, 0, 0), "{st:#?}");
    assert_eq!(st.bytes_copied, 0);
    assert_eq!(st.bytes_lent, 24 * LEN as u64);

    // Nothing is posted: the NIC drops and counts the next frames; the held
    // bytes do not change.
    let got = burst(&mut sim, &mut nic, 100..120, true, &mut held);
    assert!(got.is_empty(), "delivered {got:?} with every buffer held");
    let st = nic.stats(&mut sim).unwrap().queues[0].clone();
    assert_eq!(st.drop_no_desc, 20, "{st:#?}");
    assert!(st.pool_exhausted > 0);
    assert_intact(&held);
    assert_no_violations(&sim);

    // Clones and slices keep a buffer lent: drop the originals of the
    // first 8 frames but keep a slice of frame 0.
    let slice = held[0].bufs[0].slice(14..22);
    assert_eq!(&slice[..], &0u64.to_be_bytes());
    held.drain(..8);
    // The next poll takes the returned buffers back; post them now (what
    // the NAPI task does when the return wakes it).
    assert_eq!(nic.post_free_buffers(&mut sim, 0).unwrap(), 7);
    let got = burst(&mut sim, &mut nic, 200..220, true, &mut held);
    // Seven buffers came back (frame 0's stays with the slice).
    assert_eq!(got, (200..207).collect::<Vec<_>>(), "traffic resumes with the returned buffers only");
    assert_eq!(&slice[..], &0u64.to_be_bytes());
    assert_eq!(nic.stats(&mut sim).unwrap().queues[0].lent_buffers, 24);
    assert_intact(&held);

    // Release everything: full traffic again, nothing kept.
    drop(slice);
    held.clear();
    assert_eq!(nic.post_free_buffers(&mut sim, 0).unwrap(), 16, "a full ring again");
    let got = burst(&mut sim, &mut nic, 300..340, false, &mut held);
    assert_eq!(got, (300..340).collect::<Vec<_>>());
    let st = nic.stats(&mut sim).unwrap().queues[0].clone();
    assert_eq!(st.lent_buffers, 0, "{st:#?}");
    assert_eq!(st.lent_peak, 24);
    assert_eq!(st.device_faults, 0);
    assert_no_violations(&sim);
    nic.close(&mut sim).unwrap();
}

/// Handles are `Send`: another thread reads them while the NIC keeps
/// writing other buffers; they come back when that thread drops them.
#[test]
fn handles_outlive_the_callback_on_another_thread() {
    let (mut sim, mut nic) = open(64);
    let mut held = Vec::new();
    assert_eq!(burst(&mut sim, &mut nic, 0..16, true, &mut held).len(), 16);
    let reader = std::thread::spawn(move || {
        for h in &held {
            assert_eq!(h.bytes(), frame(h.seq, LEN));
        }
        held.len()
    });
    let got = burst(&mut sim, &mut nic, 16..56, false, &mut Vec::new());
    assert_eq!(got, (16..56).collect::<Vec<_>>());
    assert_eq!(reader.join().unwrap(), 16);
    let got = burst(&mut sim, &mut nic, 56..120, false, &mut Vec::new());
    assert_eq!(got.len(), 64);
    assert_eq!(nic.stats(&mut sim).unwrap().queues[0].lent_buffers, 0);
    assert_no_violations(&sim);
}

/// A host that posts a lent buffer behind the driver's back (what a buggy
/// driver would do) is caught: the guard reports the post, the root complex
/// refuses the NIC's writes into the pinned buffer, the held bytes survive.
#[test]
fn posting_a_lent_buffer_is_caught_and_refused() {
    let (mut sim, mut nic) = open(16);
    let mut held = Vec::new();
    assert_eq!(burst(&mut sim, &mut nic, 0..16, true, &mut held).len(), 16);
    let victim = held[3].bufs[0].bus_addr();
    // Post one descriptor by hand: the slot after the driver's last one.
    let q = |reg| rxq::BASE + reg; // queue 0
    let base = u64::from(sim.mmio_read32(q(rxq::DESC_BASE_LO)).unwrap())
        | u64::from(sim.mmio_read32(q(rxq::DESC_BASE_HI)).unwrap()) << 32;
    let prod = sim.mmio_read32(q(rxq::DESC_PROD)).unwrap() as u16;
    let mut rec = [0u8; desc::SIZE];
    desc::ADDR.set(&mut rec, victim);
    desc::LEN.set(&mut rec, 2048);
    desc::BUF_ID.set(&mut rec, 3);
    sim.dma_write(base + u64::from(prod & 15) * desc::SIZE as u64, &rec).unwrap();
    sim.mmio_write32(q(rxq::DESC_PROD), u32::from(prod.wrapping_add(1)));
    sim.mac_push(&frame(999, LEN), false, 0);
    sim.run(SETTLE);
    let kinds: Vec<ViolationKind> = sim.violations().iter().map(|v| v.kind).collect();
    assert!(kinds.contains(&ViolationKind::PinnedBufferPosted), "{kinds:?}");
    assert!(kinds.contains(&ViolationKind::PinnedWrite), "{kinds:?}");
    assert_intact(&held);
}

/// Interrupt-driven: the NAPI task keeps every frame's buffers; once the
/// pool is gone the queue gets no frame and so no interrupt, and it is the
/// buffers' return that wakes the task to re-post them (nobody polls here
/// but the task).
#[test]
fn napi_task_reposts_when_held_buffers_come_back() {
    use std::cell::RefCell;
    use std::rc::Rc;

    use nic_driver::napi::{run_queue, IrqHub, Shared};
    use nic_driver::IrqConfig;

    let (mut sim, mut nic) = open(16);
    nic.enable_interrupts(&mut sim, &IrqConfig::default()).unwrap();
    let hub = IrqHub::new(&nic).unwrap();
    let shared = Shared::new(nic, sim);
    let held: Rc<RefCell<Vec<Held>>> = Rc::default();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    tokio::task::LocalSet::new().block_on(&rt, async {
        let task = {
            let (shared, hub, held) = (&shared, &hub, held.clone());
            let mut stop_rx = stop_rx.clone();
            let stop = async move {
                let _ = stop_rx.wait_for(|s| *s).await;
            };
            let mut next = 0u64;
            async move {
                run_queue(shared, hub, 0, stop, |f| {
                    let FrameBytes::Lent { bufs, .. } = f.bytes else { panic!("copied") };
                    let data = f.bytes.to_vec();
                    let seq = (next..1000).find(|&s| data == frame(s, LEN)).expect("a frame sent");
                    next = seq + 1;
                    held.borrow_mut().push(Held { seq, bufs: bufs.to_vec() });
                })
                .await
            }
        };
        let clock = async {
            // Advances the device, hands its interrupts to the task, lets it run.
            let tick = |frames: std::ops::Range<u64>| {
                shared
                    .with_hal(|sim| {
                        for s in frames {
                            sim.mac_push(&frame(s, LEN), false, 0);
                        }
                        sim.run(SETTLE / 4);
                        hub.dispatch(sim)
                    })
                    .unwrap()
            };
            for g in [0..8, 8..16, 100..108, 108..108] {
                tick(g);
                for _ in 0..4 {
                    tokio::task::yield_now().await;
                }
            }
            let seqs = |h: &Vec<Held>| h.iter().map(|h| h.seq).collect::<Vec<_>>();
            assert_eq!(seqs(&held.borrow()), (0..16).collect::<Vec<_>>(), "100.. dropped: no buffer");
            let st = shared.with(|nic, sim| nic.stats(sim)).unwrap().unwrap().queues[0].clone();
            assert_eq!((st.drop_no_desc, st.buffers_in_flight, st.lent_buffers), (8, 0, 16), "{st:#?}");
            assert_intact(&held.borrow());
            // The application lets go; only the task can re-post.
            held.borrow_mut().clear();
            for _ in 0..4 {
                tokio::task::yield_now().await;
            }
            let st = shared.with(|nic, sim| nic.stats(sim)).unwrap().unwrap().queues[0].clone();
            assert_eq!(st.buffers_in_flight, 16, "the return woke the task, which re-posted: {st:#?}");
            for g in [200..208, 208..216, 216..216] {
                tick(g);
                for _ in 0..4 {
                    tokio::task::yield_now().await;
                }
            }
            assert_eq!(seqs(&held.borrow()), (200..216).collect::<Vec<_>>(), "traffic resumed");
            stop_tx.send_replace(true);
        };
        let (r, ()) = tokio::join!(task, clock);
        r.unwrap();
    });
    let (_, sim) = shared.into_inner();
    assert_no_violations(&sim);
}
