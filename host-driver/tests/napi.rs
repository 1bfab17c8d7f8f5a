//! The tokio NAPI layer against the mock transport: a clock task plays the
//! device (injects frames, runs its interrupt logic, dispatches interrupts)
//! beside the queue tasks, on one thread, as with a simulation.

mod mock;

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::Rc;

use mock::MockHal;
use nic_driver::napi::{run_queue, run_vector, watch_errors, IrqHub, Shared};
use nic_driver::{DriverError, IrqConfig, Nic, RxConfig};
use nic_spec::err;
use tokio::sync::watch;
use tokio::task::{spawn_local, JoinHandle, LocalSet};

fn frame(n: u32, len: usize) -> Vec<u8> {
    (0..len).map(|i| (n as usize * 31 + i) as u8).collect()
}

/// A probed, opened NIC with interrupts on, shared, and its hub.
fn setup(queues: u32, table: u16, budget: usize) -> (Rc<Shared<MockHal>>, Rc<IrqHub>) {
    let mut hal = MockHal::with_msix(queues, 0, table);
    let mut nic = Nic::probe(&mut hal).unwrap();
    nic.open(&mut hal, &RxConfig { desc_ring_log: 6, cpl_ring_log: 6, ..Default::default() }).unwrap();
    nic.enable_interrupts(&mut hal, &IrqConfig { budget, ..Default::default() }).unwrap();
    let hub = Rc::new(IrqHub::new(&nic).unwrap());
    (Rc::new(Shared::new(nic, hal)), hub)
}

fn run<F: Future>(f: F) -> F::Output {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    LocalSet::new().block_on(&rt, f)
}

/// A stop signal: completes once `true` is sent.
fn stopper(rx: &watch::Receiver<bool>) -> impl Future<Output = ()> + 'static {
    let mut rx = rx.clone();
    async move {
        let _ = rx.wait_for(|s| *s).await;
    }
}

/// One step of the device's clock: `f` plays the device, then its interrupt
/// logic runs and the interrupts are dispatched.
fn step(shared: &Shared<MockHal>, hub: &IrqHub, f: impl FnOnce(&mut MockHal)) -> u32 {
    shared
        .with_hal(|hal| {
            f(hal);
            hal.irq_eval();
            hub.dispatch(hal)
        })
        .unwrap()
}

type Got = Rc<RefCell<Vec<(usize, u32, Vec<u8>)>>>;

fn spawn_queue(
    shared: &Rc<Shared<MockHal>>,
    hub: &Rc<IrqHub>,
    queue: usize,
    stop: &watch::Receiver<bool>,
    got: &Got,
    tick: &Rc<Cell<u32>>,
) -> JoinHandle<Result<(), DriverError>> {
    let (shared, hub, got, tick, stop) = (shared.clone(), hub.clone(), got.clone(), tick.clone(), stopper(stop));
    spawn_local(async move {
        run_queue(&shared, &hub, queue, stop, |f| got.borrow_mut().push((f.queue, tick.get(), f.bytes.to_vec()))).await
    })
}

#[test]
fn queue_tasks_deliver_everything_within_budget_and_rearm_only_when_drained() {
    let (shared, hub) = setup(2, 16, 4);
    let got: Got = Rc::default();
    let tick = Rc::new(Cell::new(0u32));
    let (stop_tx, stop_rx) = watch::channel(false);
    // Bursts: (clock step, queue, frames).
    let script = [(0u32, 0usize, 10u32), (0, 1, 3), (6, 0, 20), (6, 1, 1), (12, 1, 9)];
    let total: u32 = script.iter().map(|s| s.2).sum();
    let mut sent = [Vec::new(), Vec::new()];
    run(async {
        let tasks: Vec<_> = (0..2).map(|q| spawn_queue(&shared, &hub, q, &stop_rx, &got, &tick)).collect();
        let mut n = 0u32;
        for t in 0..200 {
            tick.set(t);
            step(&shared, &hub, |hal| {
                for &(_, q, k) in script.iter().filter(|s| s.0 == t) {
                    for _ in 0..k {
                        let f = frame(n, 60 + n as usize % 40);
                        hal.nic_rx(q, &f);
                        sent[q].push(f);
                        n += 1;
                    }
                }
            });
            tokio::task::yield_now().await;
            if got.borrow().len() == total as usize {
                break;
            }
        }
        stop_tx.send_replace(true);
        for t in tasks {
            assert_eq!(t.await.unwrap(), Ok(()), "the stop signal ends the task");
        }
    });

    let got = got.borrow();
    assert_eq!(got.len(), total as usize, "every frame delivered");
    for (q, want) in sent.iter().enumerate() {
        let frames: Vec<_> = got.iter().filter(|g| g.0 == q).map(|g| g.2.clone()).collect();
        assert_eq!(&frames, want, "queue {q} in order");
    }
    // The first burst (10 on queue 0, budget 4) took three polls with a clock
    // step between each: the task yielded instead of draining in one go.
    let q0_ticks: Vec<u32> = got.iter().filter(|g| g.0 == 0).map(|g| g.1).take(10).collect();
    assert_eq!(q0_ticks, [0, 0, 0, 0, 1, 1, 1, 1, 2, 2]);

    let (nic, hal) = Rc::try_unwrap(shared).ok().unwrap().into_inner();
    drop(hub);
    assert_eq!(hal.arms_with_work, 0, "re-armed only with the rings drained");
    assert_eq!(hal.stray_msgs, 0);
    let mut nic = nic;
    let mut hal = hal;
    let s = nic.stats(&mut hal).unwrap();
    let (v0, v1) = (&s.vectors[0], &s.vectors[1]);
    // One interrupt per burst on each vector: none while a task was polling.
    assert_eq!((v0.msgs, v0.interrupts, v0.rearms, v0.completions), (2, 2, 2, 30));
    assert_eq!((v1.msgs, v1.interrupts, v1.rearms, v1.completions), (3, 3, 3, 13));
    assert!(v0.polls > v0.interrupts, "the budget made queue 0 poll again");
    assert_eq!(v0.frames_per_interrupt, 15.0);
    assert_eq!(s.vectors[2].interrupts, 0, "no error");
}

#[test]
fn a_transport_error_ends_the_task_with_the_error() {
    let (shared, hub) = setup(1, 16, 64);
    let (_stop_tx, stop_rx) = watch::channel(false);
    let got: Got = Rc::default();
    let tick = Rc::new(Cell::new(0));
    let result = run(async {
        let task = spawn_queue(&shared, &hub, 0, &stop_rx, &got, &tick);
        step(&shared, &hub, |hal| {
            hal.nic_rx(0, &frame(0, 64));
            hal.dma_fail = true;
        });
        task.await.unwrap()
    });
    assert!(matches!(result, Err(DriverError::Hal(nic_hal::HalError::BadDmaAddress { .. }))), "{result:?}");
}

#[test]
fn stop_ends_an_idle_task_at_once() {
    let (shared, hub) = setup(1, 16, 64);
    let (stop_tx, stop_rx) = watch::channel(false);
    let got: Got = Rc::default();
    let tick = Rc::new(Cell::new(0));
    run(async {
        let task = spawn_queue(&shared, &hub, 0, &stop_rx, &got, &tick);
        tokio::task::yield_now().await;
        stop_tx.send_replace(true);
        assert_eq!(task.await.unwrap(), Ok(()));
    });
    let s = shared.with(|nic, hal| nic.stats(hal)).unwrap().unwrap();
    assert_eq!(s.vectors[0].polls, 0);
}

#[test]
fn shared_vectors_need_a_vector_task_which_also_watches_errors() {
    // Three queues on a two-entry table: vector 0 has queues 0 and 2,
    // vector 1 has queue 1 and the error events.
    let (shared, hub) = setup(3, 2, 4);
    let (stop_tx, stop_rx) = watch::channel(false);
    let got: Got = Rc::default();
    let tick = Rc::new(Cell::new(0));
    run(async {
        let e = spawn_queue(&shared, &hub, 0, &stop_rx, &got, &tick).await.unwrap();
        assert_eq!(e, Err(DriverError::SharedVector { vector: 0 }));
        let e = watch_errors(&shared, &hub, stopper(&stop_rx)).await;
        assert_eq!(e, Err(DriverError::SharedVector { vector: 1 }));

        let spawn_vector = |v: u16| {
            let (shared, hub, got, stop) = (shared.clone(), hub.clone(), got.clone(), stopper(&stop_rx));
            spawn_local(async move {
                run_vector(&shared, &hub, v, stop, |f| got.borrow_mut().push((f.queue, 0, f.bytes.to_vec()))).await
            })
        };
        let (t0, t1) = (spawn_vector(0), spawn_vector(1));
        step(&shared, &hub, |hal| {
            for n in 0..6 {
                hal.nic_rx(n as usize % 3, &frame(n, 64));
            }
        });
        for _ in 0..10 {
            tokio::task::yield_now().await;
            step(&shared, &hub, |_| ());
        }
        assert_eq!(got.borrow().len(), 6);
        // An error wakes vector 1, whose task reports it.
        step(&shared, &hub, |hal| hal.raise_error(err::DMA_CPL_STATUS));
        let e = t1.await.unwrap();
        assert!(matches!(e, Err(DriverError::Device(s)) if s.dma_cpl_status), "{e:?}");
        stop_tx.send_replace(true);
        assert_eq!(t0.await.unwrap(), Ok(()));
    });
    let mut queues: Vec<_> = got.borrow().iter().map(|g| g.0).collect();
    queues.sort();
    assert_eq!(queues, [0, 0, 1, 1, 2, 2]);
}

#[test]
fn the_error_task_rearms_after_a_trigger_and_returns_an_error() {
    let (shared, hub) = setup(1, 16, 64);
    let (_stop_tx, stop_rx) = watch::channel(false);
    let error_vector = shared.with_nic(|nic| nic.error_vector()).unwrap().unwrap();
    assert_eq!(error_vector, 1);
    let result = run(async {
        let (s, h, stop) = (shared.clone(), hub.clone(), stopper(&stop_rx));
        let task = spawn_local(async move { watch_errors(&s, &h, stop).await });
        // A software event: no error, so the task re-arms and waits on.
        shared.with(|nic, hal| nic.trigger_vector(hal, error_vector)).unwrap().unwrap();
        assert_eq!(step(&shared, &hub, |_| ()), 1);
        for _ in 0..3 {
            tokio::task::yield_now().await;
        }
        assert!(!task.is_finished());
        assert_eq!(shared.with_hal(|hal| hal.arms.clone()).unwrap(), [0, 1, 1]);
        step(&shared, &hub, |hal| hal.raise_error(err::DMA_CPL_TIMEOUT));
        task.await.unwrap()
    });
    assert!(matches!(result, Err(DriverError::Device(s)) if s.dma_cpl_timeout), "{result:?}");
}

#[test]
fn the_hub_keeps_a_wakeup_for_a_late_waiter() {
    let (shared, hub) = setup(1, 16, 64);
    assert_eq!(hub.vectors(), 2);
    // The interrupt arrives before anyone waits.
    let taken = step(&shared, &hub, |hal| {
        hal.nic_rx(0, &frame(0, 64));
    });
    assert_eq!(taken, 1);
    run(async {
        hub.wait(0).await.unwrap();
        hub.kick(1);
        hub.wait(1).await.unwrap();
        assert_eq!(hub.wait(5).await, Err(DriverError::NoSuchVector { vector: 5 }));
    });
    assert_eq!(shared.with_hal(|hal| hub.dispatch_vector(hal, 9)).unwrap(), 0);
    let s = shared.with(|nic, hal| nic.stats(hal)).unwrap().unwrap();
    assert_eq!((s.vectors[0].interrupts, s.vectors[1].interrupts), (1, 0), "a kick is not an interrupt");
}

#[test]
fn a_reentrant_callback_gets_an_error_not_a_panic() {
    let (shared, hub) = setup(1, 16, 64);
    let (stop_tx, stop_rx) = watch::channel(false);
    let seen = Rc::new(RefCell::new(Vec::new()));
    run(async {
        let (s, h, seen2, stop) = (shared.clone(), hub.clone(), seen.clone(), stopper(&stop_rx));
        let task = spawn_local(async move {
            let s2 = s.clone();
            run_queue(&s, &h, 0, stop, move |_| seen2.borrow_mut().push(s2.with_nic(|n| n.num_queues()))).await
        });
        step(&shared, &hub, |hal| {
            hal.nic_rx(0, &frame(0, 64));
        });
        for _ in 0..3 {
            tokio::task::yield_now().await;
        }
        stop_tx.send_replace(true);
        assert_eq!(task.await.unwrap(), Ok(()));
    });
    assert_eq!(*seen.borrow(), [Err(DriverError::SharedBusy)]);
}

#[test]
fn tasks_need_interrupts_enabled() {
    let mut hal = MockHal::new();
    let mut nic = Nic::probe(&mut hal).unwrap();
    nic.open(&mut hal, &RxConfig::default()).unwrap();
    assert_eq!(IrqHub::new(&nic).err(), Some(DriverError::InterruptsNotEnabled));
    nic.enable_interrupts(&mut hal, &IrqConfig::default()).unwrap();
    let hub = IrqHub::new(&nic).unwrap();
    nic.disable_interrupts(&mut hal).unwrap();
    let shared = Shared::new(nic, hal);
    run(async {
        let r = run_queue(&shared, &hub, 0, std::future::pending(), |_| ()).await;
        assert_eq!(r, Err(DriverError::InterruptsNotEnabled));
        let r = run_vector(&shared, &hub, 0, std::future::pending(), |_| ()).await;
        assert_eq!(r, Err(DriverError::InterruptsNotEnabled));
    });
}
