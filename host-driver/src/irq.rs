//! MSI-X interrupts on a [`Nic`]: setup and teardown, routing, moderation,
//! re-arming and the synchronous NAPI poll (the crate docs, "Interrupts",
//! describe the handshake; [`crate::napi`] runs it on tokio).

use std::ops::Range;
use std::sync::Arc;

use nic_hal::Hal;
use nic_spec::{global, ivec, ivec_ctrl, ivec_layout, limits, msix as msix_spec, pci, rxq};

use crate::error::DriverError;
use crate::msix::{discover_msix, ensure_command, entry_reg, update_msg_ctrl, MsixInfo};
use crate::queue::{qreg, RxFrame};
use crate::stats::{IrqCounts, VectorCounters};
use crate::Nic;

/// BAR0 offset of register `reg` (`ivec::*`) of vector `v`.
pub(crate) fn ivreg(v: u16, reg: u32) -> u32 {
    ivec::BASE + u32::from(v) * ivec_layout::STRIDE + reg
}

/// Interrupt settings for [`Nic::enable_interrupts`].
///
/// The default turns moderation off (a vector fires as soon as it is armed
/// and has work) with a NAPI budget of 64.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IrqConfig {
    /// Moderation interval for every vector (`ivec::ITR_NS`), in ns,
    /// `0..=limits::ITR_MAX_NS`: a vector with work waits until this long
    /// has passed since its previous message. 0: no interval.
    pub itr_ns: u32,
    /// Completions that make a vector due before the interval ends
    /// (`ivec::ITR_FRAMES`). 0: no count threshold.
    pub itr_frames: u16,
    /// NAPI budget: completions one poll may consume on one queue before the
    /// NAPI task yields to other tasks and polls again (the vector stays
    /// disarmed meanwhile). At least 1.
    pub budget: usize,
}

impl Default for IrqConfig {
    fn default() -> Self {
        IrqConfig { itr_ns: 0, itr_frames: 0, budget: 64 }
    }
}

/// The outcome of one [`Nic::poll_vector`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VectorPoll {
    /// Completion records consumed over the vector's queues.
    pub completions: usize,
    /// Some queue used its whole budget and may hold more: poll again before
    /// re-arming. When false, every queue of the vector was found empty (its
    /// next record not yet the driver's) and `CPL_CONS` is published, so the
    /// vector may be re-armed.
    pub budget_exhausted: bool,
}

/// The MSI-X Pending Bit Array as read by [`Nic::pending_bits`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PendingBits {
    /// Bit `v % 64` of word `v / 64` is vector `v`'s pending bit.
    pub words: [u64; (msix_spec::MAX_VECTORS / 64) as usize],
}

impl PendingBits {
    /// Whether `vector` has a message pending (it fired while masked).
    pub fn is_pending(&self, vector: u16) -> bool {
        self.words.get(usize::from(vector / 64)).is_some_and(|w| w >> (vector % 64) & 1 == 1)
    }

    /// Whether any vector has a message pending.
    pub fn any(&self) -> bool {
        self.words.iter().any(|&w| w != 0)
    }
}

/// The interrupt setup while enabled.
#[derive(Clone, Copy, Debug)]
pub(crate) struct IrqState {
    info: MsixInfo,
    /// Vectors in use: `0..vectors`.
    vectors: u16,
    cfg: IrqConfig,
}

fn check_itr(itr_ns: u32) -> Result<(), DriverError> {
    if itr_ns > limits::ITR_MAX_NS {
        return Err(DriverError::InvalidConfig(format!(
            "itr_ns {itr_ns} exceeds the {} ns the interval register holds",
            limits::ITR_MAX_NS
        )));
    }
    Ok(())
}

impl Nic {
    /// Switches the open NIC to interrupt-driven reception (MSI-X).
    ///
    /// Makes sure PCI Command has Memory Space and Bus Master enabled,
    /// finds the MSI-X capability ([`crate::discover_msix`]), then uses
    /// vector `q` for queue `q` and vector [`Nic::num_queues`] for errors.
    /// If the table is smaller than that, queues and the error events share
    /// the vectors round-robin: queue `q` gets vector `q % n` and the errors
    /// vector `num_queues % n`, for a table of `n` entries (see
    /// [`Nic::vector_of_queue`], [`Nic::error_vector`]); a shared vector
    /// needs one NAPI task polling all its queues ([`crate::napi::run_vector`]).
    ///
    /// In order: for each vector, mask its table entry, get its message
    /// from [`Hal::irq_alloc`], write address and data, write moderation
    /// (`ITR_NS`, `ITR_FRAMES`); route the queues (`Q_IRQ_VECTOR`) and the
    /// errors (`IRQ_ERR_VECTOR`); unmask the entries; set MSI-X Enable and
    /// clear Function Mask; arm every vector; flush with a register read.
    /// Arming a vector whose queue already holds completions makes it fire
    /// at once, so nothing received before is stranded.
    ///
    /// On error nothing stays allocated and MSI-X stays disabled. Polling
    /// with [`Nic::poll`] keeps working with interrupts on; closing or
    /// resetting the NIC disables them.
    pub fn enable_interrupts<H: Hal>(&mut self, hal: &mut H, cfg: &IrqConfig) -> Result<(), DriverError> {
        if self.queues.is_empty() {
            return Err(DriverError::NotOpen);
        }
        if self.irq.is_some() {
            return Err(DriverError::InterruptsAlreadyEnabled);
        }
        check_itr(cfg.itr_ns)?;
        if cfg.budget == 0 {
            return Err(DriverError::InvalidConfig("the NAPI budget must be at least 1".into()));
        }
        ensure_command(hal)?;
        let info = discover_msix(hal)?;
        self.msix = Some(info);
        if self.irq_counts.as_ref().is_none_or(|c| c.len() < usize::from(info.table_size)) {
            self.irq_counts = Some(Arc::new(IrqCounts::new(usize::from(info.table_size))));
        }
        let nq = self.queues.len();
        let vectors = (nq + 1).min(usize::from(info.table_size)) as u16;
        for v in 0..vectors {
            hal.mmio_write32(entry_reg(v, msix_spec::ENTRY_CTRL), msix_spec::CTRL_MASKED);
            let msg = match hal.irq_alloc(v) {
                Ok(m) => m,
                Err(e) => {
                    (0..v).for_each(|u| hal.irq_free(u));
                    return Err(e.into());
                }
            };
            hal.mmio_write32(entry_reg(v, msix_spec::ENTRY_ADDR_LO), msg.addr as u32);
            hal.mmio_write32(entry_reg(v, msix_spec::ENTRY_ADDR_HI), (msg.addr >> 32) as u32);
            hal.mmio_write32(entry_reg(v, msix_spec::ENTRY_DATA), msg.data);
            hal.mmio_write32(ivreg(v, ivec::ITR_NS), cfg.itr_ns);
            hal.mmio_write32(ivreg(v, ivec::ITR_FRAMES), u32::from(cfg.itr_frames));
        }
        for q in 0..nq {
            hal.mmio_write32(qreg(q, rxq::Q_IRQ_VECTOR), (q % usize::from(vectors)) as u32);
        }
        hal.mmio_write32(global::IRQ_ERR_VECTOR, (nq % usize::from(vectors)) as u32);
        for v in 0..vectors {
            hal.mmio_write32(entry_reg(v, msix_spec::ENTRY_CTRL), 0);
        }
        let state = IrqState { info, vectors, cfg: *cfg };
        if let Err(e) = update_msg_ctrl(hal, &info, pci::MSIX_CTRL_ENABLE, pci::MSIX_CTRL_FUNCTION_MASK) {
            self.irq = Some(state);
            let _ = self.disable_interrupts(hal);
            return Err(e);
        }
        for v in 0..vectors {
            hal.mmio_write32(ivreg(v, ivec::CTRL), ivec_ctrl::ARM);
        }
        if self.vcounters.len() < usize::from(vectors) {
            self.vcounters.resize_with(usize::from(vectors), VectorCounters::default);
        }
        self.irq = Some(state);
        // Posted writes: read back so the device has the whole setup before we return.
        if let Err(e) = hal.mmio_read32(ivreg(0, ivec::CTRL)) {
            let _ = self.disable_interrupts(hal);
            return Err(e.into());
        }
        Ok(())
    }

    /// Back to polling only: masks every vector in use, clears MSI-X Enable
    /// (and Function Mask), flushes, and releases the interrupts
    /// ([`Hal::irq_free`]). Disabling disabled interrupts does nothing.
    /// Called by [`Nic::close`] and [`Nic::reset`].
    ///
    /// A NAPI task waiting on a vector is not woken: stop it with its stop
    /// signal. The interrupts are released and the driver forgets the setup
    /// even if the configuration-space write fails (the entries are masked
    /// by then, so the device sends nothing); that error is returned.
    pub fn disable_interrupts<H: Hal>(&mut self, hal: &mut H) -> Result<(), DriverError> {
        let Some(st) = self.irq.take() else {
            return Ok(());
        };
        for v in 0..st.vectors {
            hal.mmio_write32(entry_reg(v, msix_spec::ENTRY_CTRL), msix_spec::CTRL_MASKED);
        }
        let ctrl = update_msg_ctrl(hal, &st.info, 0, pci::MSIX_CTRL_ENABLE | pci::MSIX_CTRL_FUNCTION_MASK);
        // The masks reach the device before the platform forgets the vectors.
        let flush = hal.mmio_read32(entry_reg(0, msix_spec::ENTRY_CTRL));
        for v in 0..st.vectors {
            hal.irq_free(v);
        }
        ctrl?;
        flush?;
        Ok(())
    }

    /// Changes moderation (`ITR_NS`, `ITR_FRAMES`) of one vector, or of every
    /// vector in use with `None` (which also becomes the setting in
    /// [`Nic::irq_config`]). It applies from the vector's next decision to
    /// fire; a pending message is not held back.
    pub fn set_moderation<H: Hal>(
        &mut self,
        hal: &mut H,
        vector: Option<u16>,
        itr_ns: u32,
        itr_frames: u16,
    ) -> Result<(), DriverError> {
        let st = self.irq.as_mut().ok_or(DriverError::InterruptsNotEnabled)?;
        check_itr(itr_ns)?;
        let range = match vector {
            Some(v) if v < st.vectors => v..v + 1,
            Some(v) => return Err(DriverError::NoSuchVector { vector: v }),
            None => {
                st.cfg.itr_ns = itr_ns;
                st.cfg.itr_frames = itr_frames;
                0..st.vectors
            }
        };
        for v in range {
            hal.mmio_write32(ivreg(v, ivec::ITR_NS), itr_ns);
            hal.mmio_write32(ivreg(v, ivec::ITR_FRAMES), u32::from(itr_frames));
        }
        Ok(())
    }

    /// Re-arms the vector of `queue` (writes `ivec::CTRL` = `ARM`), the end
    /// of a NAPI poll: call it once a poll of *every* queue on the vector
    /// came back under budget ([`VectorPoll::budget_exhausted`] false, or
    /// [`Nic::poll`] returning less than its budget), which also published
    /// `CPL_CONS`. A completion that arrived meanwhile leaves `CPL_PROD !=
    /// CPL_CONS`, so the armed vector fires again: no event is lost. Never
    /// re-arm while a queue may still hold completions you are about to
    /// poll (an interrupt would announce work already being handled).
    /// Allocation-free; one MMIO write.
    pub fn rearm<H: Hal>(&mut self, hal: &mut H, queue: usize) -> Result<(), DriverError> {
        let v = self.checked_vector_of_queue(queue)?;
        self.rearm_vector(hal, v)
    }

    /// Re-arms `vector`; see [`Nic::rearm`].
    pub fn rearm_vector<H: Hal>(&mut self, hal: &mut H, vector: u16) -> Result<(), DriverError> {
        self.vector_in_use(vector)?;
        hal.mmio_write32(ivreg(vector, ivec::CTRL), ivec_ctrl::ARM);
        if let Some(c) = self.vcounters.get_mut(usize::from(vector)) {
            c.rearms += 1;
        }
        Ok(())
    }

    /// Raises a software event on `vector` (`ivec::CTRL` = `TRIGGER`): it
    /// counts as work, so the vector fires once armed and due.
    pub fn trigger_vector<H: Hal>(&mut self, hal: &mut H, vector: u16) -> Result<(), DriverError> {
        self.vector_in_use(vector)?;
        hal.mmio_write32(ivreg(vector, ivec::CTRL), ivec_ctrl::TRIGGER);
        Ok(())
    }

    /// Masks `vector` in the MSI-X table: while masked, firing sets its
    /// pending bit ([`Nic::pending_bits`]) instead of sending the message.
    pub fn mask_vector<H: Hal>(&mut self, hal: &mut H, vector: u16) -> Result<(), DriverError> {
        self.vector_in_use(vector)?;
        hal.mmio_write32(entry_reg(vector, msix_spec::ENTRY_CTRL), msix_spec::CTRL_MASKED);
        Ok(())
    }

    /// Unmasks `vector`: a pending message is sent now.
    pub fn unmask_vector<H: Hal>(&mut self, hal: &mut H, vector: u16) -> Result<(), DriverError> {
        self.vector_in_use(vector)?;
        hal.mmio_write32(entry_reg(vector, msix_spec::ENTRY_CTRL), 0);
        Ok(())
    }

    /// Sets (`true`) or clears the MSI-X Function Mask, which masks every
    /// vector at once without touching the table.
    pub fn set_function_mask<H: Hal>(&mut self, hal: &mut H, masked: bool) -> Result<(), DriverError> {
        let st = self.irq.ok_or(DriverError::InterruptsNotEnabled)?;
        let bit = pci::MSIX_CTRL_FUNCTION_MASK;
        let (set, clear) = if masked { (bit, 0) } else { (0, bit) };
        update_msg_ctrl(hal, &st.info, set, clear)
    }

    /// Reads the MSI-X Pending Bit Array (as many dwords as the table has
    /// vectors). Works once interrupts were ever enabled, also after disabling.
    pub fn pending_bits<H: Hal>(&self, hal: &mut H) -> Result<PendingBits, DriverError> {
        let info = self.msix.ok_or(DriverError::InterruptsNotEnabled)?;
        let mut bits = PendingBits::default();
        for dw in 0..u32::from(info.table_size).div_ceil(32) {
            let v = u64::from(hal.mmio_read32(info.pba_offset + 4 * dw)?);
            bits.words[(dw / 2) as usize] |= v << (32 * (dw % 2));
        }
        Ok(bits)
    }

    /// Collects the interrupts that arrived on `vector` since the last call
    /// ([`Hal::irq_take`]) and counts them in [`crate::VectorStats::interrupts`].
    /// For a synchronous interrupt loop; the NAPI layer's
    /// [`crate::napi::IrqHub::dispatch`] does the same for every vector.
    /// Use one or the other: each call takes what the other would see.
    pub fn take_interrupts<H: Hal>(&self, hal: &mut H, vector: u16) -> u32 {
        let n = hal.irq_take(vector);
        if let Some(c) = &self.irq_counts {
            c.add(vector, n);
        }
        n
    }

    /// One NAPI poll of `vector`: polls every open queue routed to it with
    /// up to `budget` completions each (as [`Nic::poll`], frames go to
    /// `deliver`) and counts the poll in the vector's statistics. Does not
    /// re-arm: when the result says the budget was not exhausted, call
    /// [`Nic::rearm_vector`]; otherwise poll again first. Allocation-free.
    pub fn poll_vector<H: Hal, F: FnMut(RxFrame<'_>)>(
        &mut self,
        hal: &mut H,
        vector: u16,
        budget: usize,
        mut deliver: F,
    ) -> Result<VectorPoll, DriverError> {
        let queues = self.queues_of_vector(vector);
        self.vector_in_use(vector)?;
        let mut out = VectorPoll::default();
        let mut result = Ok(());
        for q in queues {
            let (queue, c) = self.queue_mut(q)?;
            match queue.poll(hal, budget, &mut c.sw, &mut deliver) {
                Ok(n) => {
                    out.completions += n;
                    out.budget_exhausted |= n >= budget;
                }
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        if let Some(c) = self.vcounters.get_mut(usize::from(vector)) {
            c.polls += 1;
            c.completions += out.completions as u64;
        }
        result.map(|()| out)
    }

    /// The vector `queue`'s completions raise (`None` while interrupts are
    /// disabled or if the queue is not open).
    pub fn vector_of_queue(&self, queue: usize) -> Option<u16> {
        let st = self.irq.as_ref()?;
        (queue < self.queues.len()).then(|| (queue % usize::from(st.vectors)) as u16)
    }

    /// The vector the device raises when an `ERR_STATUS` bit becomes set
    /// (`None` while interrupts are disabled).
    pub fn error_vector(&self) -> Option<u16> {
        let st = self.irq.as_ref()?;
        Some((self.queues.len() % usize::from(st.vectors)) as u16)
    }

    /// The open queues routed to `vector` (none while interrupts are
    /// disabled or for a vector not in use).
    pub fn queues_of_vector(&self, vector: u16) -> std::iter::StepBy<Range<usize>> {
        match &self.irq {
            Some(st) if vector < st.vectors => {
                (usize::from(vector)..self.queues.len()).step_by(usize::from(st.vectors))
            }
            _ => (0..0).step_by(1),
        }
    }

    /// MSI-X vectors in use, `0..num_vectors()` (0 while interrupts are disabled).
    pub fn num_vectors(&self) -> usize {
        self.irq.as_ref().map_or(0, |st| usize::from(st.vectors))
    }

    /// The interrupt settings in force (`None` while disabled).
    pub fn irq_config(&self) -> Option<IrqConfig> {
        self.irq.as_ref().map(|st| st.cfg)
    }

    /// The MSI-X capability as discovered by [`Nic::enable_interrupts`].
    pub fn msix_info(&self) -> Option<MsixInfo> {
        self.msix
    }

    pub(crate) fn irq_counts(&self) -> Option<Arc<IrqCounts>> {
        self.irq_counts.clone()
    }

    fn vector_in_use(&self, vector: u16) -> Result<(), DriverError> {
        match &self.irq {
            None => Err(DriverError::InterruptsNotEnabled),
            Some(st) if vector >= st.vectors => Err(DriverError::NoSuchVector { vector }),
            Some(_) => Ok(()),
        }
    }

    fn checked_vector_of_queue(&self, queue: usize) -> Result<u16, DriverError> {
        if self.irq.is_none() {
            return Err(DriverError::InterruptsNotEnabled);
        }
        self.vector_of_queue(queue).ok_or(DriverError::NoSuchQueue { queue })
    }
}
