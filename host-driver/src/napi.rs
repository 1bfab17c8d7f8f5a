//! Interrupt-driven reception on tokio, NAPI style.
//!
//! Linux's NAPI turns an interrupt into a poll: the interrupt only wakes a
//! poller, which consumes completions up to a budget with the interrupt
//! off, and turns it back on once the ring is drained. Here:
//!
//! * [`IrqHub`] turns interrupts into wake-ups. Whoever receives
//!   interrupts calls [`IrqHub::dispatch`], which collects each vector's
//!   count from [`Hal::irq_take`] and wakes that vector's task: the clock
//!   task of a simulation after each chunk of cycles, an eventfd task on
//!   hardware. A wake-up that finds no task waiting is kept (a
//!   [`tokio::sync::Notify`] permit), so none is lost; several coalesce.
//! * [`run_vector`] (and [`run_queue`] for a queue with a vector of its
//!   own) is the poller: wait for the vector; poll its queues up to the
//!   budget ([`Nic::poll_vector`]); while a queue used its whole budget,
//!   [`tokio::task::yield_now`] and poll again, the vector still disarmed (no
//!   interrupts while polling); once every queue is drained, re-arm
//!   ([`Nic::rearm_vector`]) and wait again. It ends when its stop signal
//!   completes, or returns the first error. It never sleeps and starts no
//!   timer: the driver does not assume who advances time.
//! * [`watch_errors`] waits on the error vector and returns the device
//!   error it announces.
//!
//! # Sharing the NIC and the transport
//!
//! A simulated transport is not `Send` (the model is C++ behind a pointer)
//! and the task advancing its clock must run beside the pollers, so the
//! pattern is a current-thread runtime with a [`tokio::task::LocalSet`],
//! the NIC and the transport in one [`Shared`] behind an `Rc`, and
//! [`tokio::task::spawn_local`] for the tasks. [`Shared::with`] lends both
//! to a synchronous closure, so a borrow can never be held across an
//! `.await`; a nested borrow (a `deliver` callback calling back into the
//! driver) is reported as [`DriverError::SharedBusy`], not a panic.
//!
//! ```no_run
//! use std::{cell::Cell, rc::Rc};
//!
//! use nic_driver::napi::{run_queue, IrqHub, Shared};
//! use nic_driver::{DriverError, IrqConfig, Nic, RxConfig};
//! use nic_hal::Hal;
//!
//! /// Receives `want` frames with interrupts. `advance` runs the device for
//! /// a while: a simulation's clock (on hardware, an eventfd task would call
//! /// `dispatch` instead).
//! fn receive<H: Hal + 'static>(
//!     mut hal: H,
//!     mut advance: impl FnMut(&mut H) + 'static,
//!     want: u64,
//! ) -> Result<(Nic, H), DriverError> {
//!     let mut nic = Nic::probe(&mut hal)?;
//!     nic.open(&mut hal, &RxConfig::default())?;
//!     nic.enable_interrupts(&mut hal, &IrqConfig { itr_ns: 20_000, itr_frames: 32, ..Default::default() })?;
//!     let queues = nic.num_queues();
//!     let hub = Rc::new(IrqHub::new(&nic)?);
//!     let shared = Rc::new(Shared::new(nic, hal));
//!     let (stop, stopped) = tokio::sync::watch::channel(false);
//!     let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
//!     let local = tokio::task::LocalSet::new();
//!     local.block_on(&rt, async {
//!         let frames = Rc::new(Cell::new(0u64));
//!         let mut tasks = Vec::new();
//!         for q in 0..queues {
//!             let (shared, hub, frames, mut stopped) = (shared.clone(), hub.clone(), frames.clone(), stopped.clone());
//!             tasks.push(tokio::task::spawn_local(async move {
//!                 let stop = async move { let _ = stopped.wait_for(|s| *s).await; };
//!                 run_queue(&shared, &hub, q, stop, |_frame| frames.set(frames.get() + 1)).await
//!             }));
//!         }
//!         // The clock task: run the device, hand out its interrupts, let the pollers run.
//!         while frames.get() < want {
//!             shared.with_hal(|hal| {
//!                 advance(hal);
//!                 hub.dispatch(hal)
//!             })?;
//!             tokio::task::yield_now().await;
//!         }
//!         stop.send_replace(true);
//!         for t in tasks {
//!             t.await.expect("a queue task panicked")?;
//!         }
//!         Ok::<_, DriverError>(())
//!     })?;
//!     drop(hub);
//!     let shared = Rc::try_unwrap(shared).ok().expect("tasks done");
//!     Ok(shared.into_inner())
//! }
//! ```

use std::cell::RefCell;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;

use nic_hal::Hal;
use tokio::sync::Notify;

use crate::error::DriverError;
use crate::queue::RxFrame;
use crate::stats::IrqCounts;
use crate::Nic;

/// A [`Nic`] and its transport, shared by the tasks of one thread.
///
/// Put it in an `Rc`; every access goes through a synchronous closure, so
/// no borrow outlives it or spans an `.await`.
pub struct Shared<H> {
    nic: RefCell<Nic>,
    hal: RefCell<H>,
}

impl<H> Shared<H> {
    /// Shares `nic` and its transport `hal`.
    pub fn new(nic: Nic, hal: H) -> Self {
        Shared { nic: RefCell::new(nic), hal: RefCell::new(hal) }
    }

    /// Runs `f` with the NIC and the transport.
    pub fn with<R>(&self, f: impl FnOnce(&mut Nic, &mut H) -> R) -> Result<R, DriverError> {
        let mut nic = self.nic.try_borrow_mut().map_err(|_| DriverError::SharedBusy)?;
        let mut hal = self.hal.try_borrow_mut().map_err(|_| DriverError::SharedBusy)?;
        Ok(f(&mut nic, &mut hal))
    }

    /// Runs `f` with the NIC only.
    pub fn with_nic<R>(&self, f: impl FnOnce(&mut Nic) -> R) -> Result<R, DriverError> {
        let mut nic = self.nic.try_borrow_mut().map_err(|_| DriverError::SharedBusy)?;
        Ok(f(&mut nic))
    }

    /// Runs `f` with the transport only (to advance a simulation, inject
    /// traffic, or [`IrqHub::dispatch`]).
    pub fn with_hal<R>(&self, f: impl FnOnce(&mut H) -> R) -> Result<R, DriverError> {
        let mut hal = self.hal.try_borrow_mut().map_err(|_| DriverError::SharedBusy)?;
        Ok(f(&mut hal))
    }

    /// Takes the NIC and the transport back.
    pub fn into_inner(self) -> (Nic, H) {
        (self.nic.into_inner(), self.hal.into_inner())
    }
}

/// Per-vector wake-ups: the meeting point of whoever receives interrupts
/// and the NAPI tasks waiting for them.
///
/// Covers the vectors in use when it was made ([`IrqHub::new`]); make a new
/// one after re-enabling interrupts. Interrupts it collects are counted in
/// [`crate::VectorStats::interrupts`] of the NIC it was made from. `Send`
/// and `Sync`: it may also be shared with a thread receiving interrupts.
#[derive(Debug)]
pub struct IrqHub {
    wake: Box<[Notify]>,
    counts: Arc<IrqCounts>,
}

impl IrqHub {
    /// A hub for the vectors `nic` has in use; fails if interrupts are not
    /// enabled.
    pub fn new(nic: &Nic) -> Result<IrqHub, DriverError> {
        let vectors = nic.num_vectors();
        let counts = nic.irq_counts().filter(|_| vectors > 0).ok_or(DriverError::InterruptsNotEnabled)?;
        Ok(IrqHub { wake: (0..vectors).map(|_| Notify::new()).collect(), counts })
    }

    /// Vectors covered: `0..vectors()`.
    pub fn vectors(&self) -> u16 {
        self.wake.len() as u16
    }

    /// Collects the interrupts of every vector from the transport
    /// ([`Hal::irq_take`]), counts them and wakes the task of each vector
    /// that had any. Returns the interrupts collected (0: nothing arrived).
    /// Allocation-free.
    pub fn dispatch<H: Hal>(&self, hal: &mut H) -> u32 {
        (0..self.vectors()).map(|v| self.dispatch_vector(hal, v)).fold(0, u32::saturating_add)
    }

    /// [`IrqHub::dispatch`] for one vector (for a transport with one event
    /// source per vector). A vector the hub does not cover returns 0.
    pub fn dispatch_vector<H: Hal>(&self, hal: &mut H, vector: u16) -> u32 {
        let Some(wake) = self.wake.get(usize::from(vector)) else {
            return 0;
        };
        let n = hal.irq_take(vector);
        if n > 0 {
            self.counts.add(vector, n);
            wake.notify_one();
        }
        n
    }

    /// Wakes `vector`'s task as an interrupt would, without counting one
    /// (e.g. to have it poll once after a reconfiguration).
    pub fn kick(&self, vector: u16) {
        if let Some(wake) = self.wake.get(usize::from(vector)) {
            wake.notify_one();
        }
    }

    /// Waits until `vector` is woken by [`IrqHub::dispatch`] or
    /// [`IrqHub::kick`]; returns at once if it was woken while nobody was
    /// waiting. Only one task should wait on a vector.
    pub async fn wait(&self, vector: u16) -> Result<(), DriverError> {
        let wake = self.wake.get(usize::from(vector)).ok_or(DriverError::NoSuchVector { vector })?;
        wake.notified().await;
        Ok(())
    }
}

/// The NAPI task of `vector`: delivers the frames of every queue routed to
/// it until `stop` completes (then returns `Ok(())`), or returns the first
/// error (a transport error, [`DriverError::Device`] when this is also the
/// error vector and the device reports an error, ...).
///
/// Each round: wait for the vector's interrupt; on the error vector, check
/// the device's health; [`Nic::poll_vector`] with the budget of
/// [`crate::IrqConfig::budget`]; while the budget was used up,
/// [`tokio::task::yield_now`] and poll again (the vector stays disarmed, so
/// the device sends nothing meanwhile); then [`Nic::rearm_vector`], after
/// the poll published `CPL_CONS`. `stop` is checked while waiting and
/// between polls; stopping leaves the vector as it is (disarmed if it
/// fired). Run one task per vector.
pub async fn run_vector<H: Hal, S: Future<Output = ()>, F: FnMut(RxFrame<'_>)>(
    shared: &Shared<H>,
    hub: &IrqHub,
    vector: u16,
    stop: S,
    mut deliver: F,
) -> Result<(), DriverError> {
    let (budget, errors_too) = shared.with_nic(|nic| {
        let cfg = nic.irq_config().ok_or(DriverError::InterruptsNotEnabled)?;
        if usize::from(vector) >= nic.num_vectors() || vector >= hub.vectors() {
            return Err(DriverError::NoSuchVector { vector });
        }
        Ok((cfg.budget, nic.error_vector() == Some(vector)))
    })??;
    // Zero-copy: a queue whose buffers the application holds gets no frames
    // and so no interrupt; the buffers' return wakes this task instead.
    let returned = Arc::new(tokio::sync::Notify::new());
    shared.with_nic(|nic| {
        let queues: Vec<usize> = nic.queues_of_vector(vector).collect();
        queues.into_iter().try_for_each(|q| nic.set_return_notify(q, Some(returned.clone())))
    })??;
    let mut stop = pin!(stop);
    loop {
        tokio::select! {
            biased;
            () = &mut stop => return Ok(()),
            woken = hub.wait(vector) => woken?,
            () = returned.notified() => {}
        }
        if errors_too {
            shared.with(|nic, hal| nic.check_health(hal))??;
        }
        while shared.with(|nic, hal| nic.poll_vector(hal, vector, budget, &mut deliver))??.budget_exhausted {
            tokio::select! {
                biased;
                () = &mut stop => return Ok(()),
                () = tokio::task::yield_now() => {}
            }
        }
        shared.with(|nic, hal| nic.rearm_vector(hal, vector))??;
    }
}

/// The NAPI task of `queue`: [`run_vector`] on the queue's vector, which
/// must serve this queue only (else [`DriverError::SharedVector`]: with a
/// table smaller than the queues plus one, use [`run_vector`] once per vector).
pub async fn run_queue<H: Hal, S: Future<Output = ()>, F: FnMut(RxFrame<'_>)>(
    shared: &Shared<H>,
    hub: &IrqHub,
    queue: usize,
    stop: S,
    deliver: F,
) -> Result<(), DriverError> {
    let vector = shared.with_nic(|nic| {
        let vector = match nic.vector_of_queue(queue) {
            Some(v) => v,
            None if nic.num_vectors() == 0 => return Err(DriverError::InterruptsNotEnabled),
            None => return Err(DriverError::NoSuchQueue { queue }),
        };
        if nic.queues_of_vector(vector).count() > 1 || nic.error_vector() == Some(vector) {
            return Err(DriverError::SharedVector { vector });
        }
        Ok(vector)
    })??;
    run_vector(shared, hub, vector, stop, deliver).await
}

/// Waits on the error vector until `stop` completes (`Ok(())`) or the
/// device reports an error, which is returned ([`DriverError::Device`] or
/// [`DriverError::QueueHalted`], from [`Nic::check_health`]) with the vector
/// left disarmed and `ERR_STATUS` as it is: clear it and
/// [`Nic::rearm_vector`], or reset the NIC. A wake-up without an error (a
/// software trigger) re-arms and waits again. If the error vector also
/// serves queues ([`DriverError::SharedVector`]), its [`run_vector`] task
/// checks for errors instead.
pub async fn watch_errors<H: Hal, S: Future<Output = ()>>(
    shared: &Shared<H>,
    hub: &IrqHub,
    stop: S,
) -> Result<(), DriverError> {
    let vector = shared.with_nic(|nic| {
        let vector = nic.error_vector().ok_or(DriverError::InterruptsNotEnabled)?;
        if nic.queues_of_vector(vector).next().is_some() {
            return Err(DriverError::SharedVector { vector });
        }
        Ok(vector)
    })??;
    let mut stop = pin!(stop);
    loop {
        tokio::select! {
            biased;
            () = &mut stop => return Ok(()),
            woken = hub.wait(vector) => woken?,
        }
        shared.with(|nic, hal| nic.check_health(hal))??;
        shared.with(|nic, hal| nic.rearm_vector(hal, vector))??;
    }
}
