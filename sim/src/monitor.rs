//! The DMA guard: a bus monitor inside the root complex that knows the NIC's
//! RX ring protocol and checks that every DMA write lands inside a buffer
//! the driver posted to that queue and has not yet been completed.
//!
//! It sees two things and nothing else:
//!
//! * the BAR0 MMIO writes the root complex sends to the NIC
//!   ([`DmaGuard::mmio_write`]; the RC builds them, so it knows offset and
//!   value). From them it keeps, per queue, the ring registers as the NIC
//!   holds them (and the header pool: `Q_HDR_BASE`, `Q_HDR_COUNT`,
//!   `Q_RX_CFG`), the queue's enable bit, `DESC_PROD` and `CPL_CONS`. On
//!   each `DESC_PROD` doorbell it snapshots the newly posted descriptors from
//!   host memory: they become *outstanding*, with their data buffer and
//!   their header buffer (`HDR_IDX`, if below `Q_HDR_COUNT`).
//! * the NIC's DMA requests ([`DmaGuard::check_write`],
//!   [`DmaGuard::check_read`]), after the root complex's general TLP checks
//!   and outside the MSI window (interrupts are checked elsewhere).
//!
//! The rules, exactly as implemented, are in docs/interfaces.md ("DMA
//! guard"), with these for header split and scatter (docs/split.md): a data
//! write may land in the data buffer *or the header buffer* of an
//! outstanding descriptor; a completion retires `DESC_COUNT` descriptors at
//! once (more than are outstanding is a violation), and must match what was
//! written where: `HDR_LEN` bytes in the first descriptor's header buffer
//! and none in the others', the data in buffers `DESC_IDX..+DESC_COUNT`
//! (`cap` bytes in each but the last, `LAST_LEN` in the last), `LEN =
//! HDR_LEN + data`. Work is per TLP and per doorbell, never per cycle; after a
//! queue is enabled (which reserves its deques at ring size) the checks do
//! not allocate unless they report a violation.
//!
//! Timing. MMIO writes are posted: the guard sees them when the RC sends
//! them, the NIC some cycles later. Every rule is written so that this
//! order can only make the guard more lenient, never wrong about a correct
//! device: descriptors can only be fetched after their doorbell reached the
//! NIC (so the snapshot at send time is what the NIC will read, unless the
//! host changes memory behind the driver's back, which is what the guard is
//! for); the completion ring's free space is judged with the newest
//! `CPL_CONS` sent, and the NIC can only hold an older, smaller one; a queue
//! disabled by `Q_CTRL` or `CTRL.RESET` keeps its outstanding buffers and
//! rings legal ("draining") until it is enabled again, so DMA already on its
//! way still lands.

use std::collections::VecDeque;
use std::fmt::Write as _;

use nic_spec::{cpl, cpl_phase, cpl_status, ctrl, desc, global, limits, qctrl, rx_cfg, rxq, rxq_layout};

use crate::mem::HostMemory;
use crate::rc::{Violation, ViolationKind};

/// Bytes of a completion record and of a descriptor.
const REC: usize = cpl::SIZE;
const DESC: usize = desc::SIZE;
const _: () = assert!(REC <= 32 && REC.is_power_of_two() && DESC.is_power_of_two());
/// `rec_mask` of a record whose every byte was written.
const REC_FULL: u32 = u32::MAX >> (32 - REC);
/// The record's byte holding `PHASE` (its last bit, written last).
const PHASE_BYTE: usize = (cpl::PHASE.lsb / 8) as usize;

/// What the guard knows of a queue's enable bit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum QueueState {
    /// Not enabled since the NIC (or the guard) was reset: nothing is
    /// outstanding and no ring is checked.
    #[default]
    Off,
    /// Enabled (`Q_CTRL.ENABLE` written while disabled): doorbells post.
    Enabled,
    /// Disabled again (`Q_CTRL` or `CTRL.RESET`): DMA already on its way may
    /// still land in the outstanding buffers and the completion ring, which
    /// stay as they were; doorbells post nothing. Enabling clears it all.
    Draining,
}

/// The guard's view of one queue (for tests and diagnostics).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueueView {
    pub state: QueueState,
    /// Descriptors posted and not yet completed.
    pub outstanding: usize,
    /// The last `DESC_PROD` the guard accepted (this enable period).
    pub desc_prod: u16,
    /// Completion records seen (the guard's completion producer index).
    pub cpl_prod: u16,
    /// The last `CPL_CONS` sent.
    pub cpl_cons: u16,
}

/// One MemWr's enabled bytes, as the guard sees them.
#[derive(Clone, Copy, Debug)]
pub struct WriteBytes<'a> {
    /// Bus address of the first enabled byte.
    pub addr: u64,
    /// The payload from the first to the last enabled byte.
    pub data: &'a [u8],
    /// A write of 1 or 2 DW may have holes: bit `i` is set when `data[i]`
    /// is written. `None`: every byte of `data` is.
    pub enabled: Option<u8>,
}

impl WriteBytes<'_> {
    fn is_enabled(&self, i: usize) -> bool {
        match self.enabled {
            None => true,
            Some(m) => i < 8 && (m >> i) & 1 == 1,
        }
    }

    fn count(&self) -> u32 {
        match self.enabled {
            None => u32::try_from(self.data.len()).unwrap_or(u32::MAX),
            Some(m) => (0..self.data.len().min(8)).filter(|&i| (m >> i) & 1 == 1).count() as u32,
        }
    }

    fn end(&self) -> u64 {
        self.addr.saturating_add(self.data.len() as u64)
    }
}

#[derive(Clone, Copy, Debug, Default)]
struct Ring {
    base: u64,
    log: u32,
}

impl Ring {
    fn entries(&self) -> u64 {
        1 << self.log
    }
    fn mask(&self) -> u64 {
        self.entries() - 1
    }
    /// One past the ring's last byte, for `rec`-byte entries.
    fn end(&self, rec: usize) -> u64 {
        self.base.saturating_add(self.entries() * rec as u64)
    }
}

/// Ring registers as the NIC holds them (writable only while disabled).
#[derive(Clone, Copy, Debug, Default)]
struct Regs {
    desc: Ring,
    cpl: Ring,
    hdr: HdrPool,
}

/// The header pool registers (`Q_HDR_BASE`, `Q_HDR_COUNT`, `Q_RX_CFG`'s
/// HDR_LOG_SIZE and SCATTER), docs/split.md.
#[derive(Clone, Copy, Debug, Default)]
struct HdrPool {
    base: u64,
    count: u16,
    /// `Q_RX_CFG` as written.
    rx_cfg: u32,
}

impl HdrPool {
    /// Header buffer size: `2^HDR_LOG_SIZE`, clamped.
    fn size(&self) -> u64 {
        u64::from(rx_cfg::hdr_buf_bytes(self.rx_cfg))
    }
    /// Bus address of header buffer `idx`, if the pool has it.
    fn buf(&self, idx: u16) -> Option<u64> {
        (idx < self.count).then(|| self.base.wrapping_add(u64::from(idx) * self.size()))
    }
    fn scatter(&self) -> bool {
        self.rx_cfg & rx_cfg::SCATTER != 0
    }
}

/// A posted, not yet completed descriptor, as it was when posted.
#[derive(Clone, Copy, Debug)]
struct Posted {
    idx: u16,
    addr: u64,
    len: u16,
    buf_id: u16,
    /// `desc::HDR_IDX`.
    hdr_idx: u16,
    /// The header buffer's address (`None`: the index is beyond `Q_HDR_COUNT`).
    hdr_addr: Option<u64>,
    /// The descriptor was in allocated memory when posted.
    readable: bool,
    /// Bytes written into the buffer since it was posted.
    written: u32,
    /// One past the highest buffer offset written.
    end: u64,
    /// Bytes written into the header buffer since it was posted.
    hdr_written: u32,
    /// One past the highest header buffer offset written.
    hdr_end: u64,
}

impl Posted {
    fn buf_end(&self) -> u64 {
        self.addr.saturating_add(u64::from(self.len))
    }
    fn contains(&self, start: u64, end: u64) -> bool {
        self.addr <= start && end <= self.buf_end()
    }
    fn overlaps(&self, start: u64, end: u64) -> bool {
        start < self.buf_end() && self.addr < end
    }
    fn hdr_contains(&self, start: u64, end: u64, size: u64) -> bool {
        self.hdr_addr.is_some_and(|a| a <= start && end <= a.saturating_add(size))
    }
}

/// A completed descriptor, kept (the last ring-size of them) to explain a
/// write into a buffer that is no longer outstanding.
#[derive(Clone, Copy, Debug)]
struct Retired {
    idx: u16,
    addr: u64,
    len: u16,
    buf_id: u16,
    hdr_idx: u16,
    hdr_addr: Option<u64>,
    cpl_idx: u16,
    cycle: u64,
}

#[derive(Debug, Default)]
struct Queue {
    regs: Regs,
    state: QueueState,
    /// Geometry taken from `regs` when the queue was enabled.
    desc: Ring,
    cpl: Ring,
    hdr: HdrPool,
    desc_prod: u16,
    /// Outstanding descriptors, oldest first: indices `desc_prod - len .. desc_prod`.
    posted: VecDeque<Posted>,
    retired: VecDeque<Retired>,
    cpl_prod: u16,
    cpl_cons: u16,
    /// The record being written at `cpl_prod` and which of its bytes were.
    rec: [u8; REC],
    rec_mask: u32,
}

impl Queue {
    /// `Q_CTRL.ENABLE` while disabled: the NIC zeroes its four indices.
    fn enable(&mut self) {
        self.state = QueueState::Enabled;
        self.desc = self.regs.desc;
        self.cpl = self.regs.cpl;
        self.hdr = self.regs.hdr;
        self.desc_prod = 0;
        self.cpl_prod = 0;
        self.cpl_cons = 0;
        self.rec_mask = 0;
        self.posted.clear();
        self.retired.clear();
        let n = usize::try_from(self.desc.entries()).unwrap_or(0);
        self.posted.reserve(n);
        self.retired.reserve(n);
    }

    /// First outstanding index.
    fn done(&self) -> u16 {
        self.desc_prod.wrapping_sub(self.posted.len() as u16)
    }

    fn doorbell(&mut self, q: usize, cycle: u64, new: u16, mem: &HostMemory, out: &mut Vec<Violation>) {
        if self.state != QueueState::Enabled {
            return; // enabling zeroes DESC_PROD: this doorbell posts nothing
        }
        let n = usize::from(new.wrapping_sub(self.desc_prod));
        let size = usize::try_from(self.desc.entries()).unwrap_or(usize::MAX);
        let room = size.saturating_sub(self.posted.len());
        if n > room {
            out.push(Violation {
                cycle,
                kind: ViolationKind::BadDoorbell,
                detail: format!(
                    "queue {q}: DESC_PROD {new} after {} posts {n} descriptor(s), but the {size}-entry ring \
                     has room for {room} ({} outstanding); the guard ignores this doorbell",
                    self.desc_prod,
                    self.posted.len()
                ),
            });
            return;
        }
        for k in 0..n {
            let idx = self.desc_prod.wrapping_add(k as u16);
            let at = self.desc.base.wrapping_add((u64::from(idx) & self.desc.mask()) * DESC as u64);
            let p = match mem.slice(at, DESC) {
                Some(rec) => {
                    let hdr_idx = desc::HDR_IDX.get(rec) as u16;
                    let (addr, len) = (desc::ADDR.get(rec), desc::LEN.get(rec) as usize);
                    if mem.is_pinned(addr, len) {
                        out.push(Violation {
                            cycle,
                            kind: ViolationKind::PinnedBufferPosted,
                            detail: format!(
                                "queue {q}: descriptor {idx} posts buffer {addr:#x}+{len}, which is pinned \
                                 (lent to the application for zero-copy reads)"
                            ),
                        });
                    }
                    Posted {
                        idx,
                        addr: desc::ADDR.get(rec),
                        len: desc::LEN.get(rec) as u16,
                        buf_id: desc::BUF_ID.get(rec) as u16,
                        hdr_idx,
                        hdr_addr: self.hdr.buf(hdr_idx),
                        readable: true,
                        written: 0,
                        end: 0,
                        hdr_written: 0,
                        hdr_end: 0,
                    }
                }
                None => Posted {
                    idx,
                    addr: 0,
                    len: 0,
                    buf_id: 0,
                    hdr_idx: 0,
                    hdr_addr: None,
                    readable: false,
                    written: 0,
                    end: 0,
                    hdr_written: 0,
                    hdr_end: 0,
                },
            };
            self.posted.push_back(p);
        }
        self.desc_prod = new;
    }

    fn retire(&mut self, d: Posted, cpl_idx: u16, cycle: u64) {
        if self.retired.len() >= usize::try_from(self.desc.entries()).unwrap_or(usize::MAX) {
            self.retired.pop_front();
        }
        self.retired.push_back(Retired {
            idx: d.idx,
            addr: d.addr,
            len: d.len,
            buf_id: d.buf_id,
            hdr_idx: d.hdr_idx,
            hdr_addr: d.hdr_addr,
            cpl_idx,
            cycle,
        });
    }
}

/// The last data write the guard accepted (named when a frame is missing).
#[derive(Clone, Copy, Debug)]
struct DataWrite {
    queue: usize,
    idx: u16,
    addr: u64,
    len: u64,
}

/// Appends `; ` and a reason (only on the violation path).
fn because(why: &mut String, args: std::fmt::Arguments<'_>) {
    if !why.is_empty() {
        why.push_str("; ");
    }
    let _ = why.write_fmt(args);
}

/// The DMA guard (see the module docs).
#[derive(Debug, Default)]
pub struct DmaGuard {
    queues: Vec<Queue>,
    last_write: Option<DataWrite>,
}

impl DmaGuard {
    pub fn new() -> Self {
        DmaGuard::default()
    }

    /// The NIC was reset (`rst`): every queue is off, every register zero.
    pub fn reset(&mut self) {
        self.queues.clear();
        self.last_write = None;
    }

    /// The guard's view of queue `q` (a queue never written is [`QueueState::Off`]).
    pub fn queue(&self, q: usize) -> QueueView {
        self.queues
            .get(q)
            .map(|s| QueueView {
                state: s.state,
                outstanding: s.posted.len(),
                desc_prod: s.desc_prod,
                cpl_prod: s.cpl_prod,
                cpl_cons: s.cpl_cons,
            })
            .unwrap_or_default()
    }

    /// A BAR0 MMIO write the root complex sends to the NIC at `cycle`.
    pub fn mmio_write(&mut self, cycle: u64, offset: u32, value: u32, mem: &HostMemory, out: &mut Vec<Violation>) {
        // The NIC decodes address bits [15:2].
        let off = offset & (limits::BAR0_SIZE as u32 - 1) & !3;
        if off == global::CTRL {
            if value & ctrl::RESET != 0 {
                // Registers zero, queues disabled; what is on its way may still land.
                for q in &mut self.queues {
                    q.regs = Regs::default();
                    if q.state == QueueState::Enabled {
                        q.state = QueueState::Draining;
                    }
                }
            }
            return;
        }
        let Some(rel) = off.checked_sub(rxq::BASE) else { return };
        let q = (rel / rxq_layout::STRIDE) as usize;
        let reg = rel % rxq_layout::STRIDE;
        let tracked = matches!(
            reg,
            rxq::DESC_BASE_LO
                | rxq::DESC_BASE_HI
                | rxq::DESC_LOG_SIZE
                | rxq::DESC_PROD
                | rxq::CPL_BASE_LO
                | rxq::CPL_BASE_HI
                | rxq::CPL_LOG_SIZE
                | rxq::CPL_CONS
                | rxq::Q_CTRL
                | rxq::Q_HDR_BASE_LO
                | rxq::Q_HDR_BASE_HI
                | rxq::Q_HDR_COUNT
                | rxq::Q_RX_CFG
        );
        if q >= rxq_layout::MAX_QUEUES as usize || !tracked {
            return;
        }
        if self.queues.len() <= q {
            self.queues.resize_with(q + 1, Queue::default);
        }
        let s = &mut self.queues[q];
        // Base and size registers take only while the queue is disabled.
        let settable = s.state != QueueState::Enabled;
        let lo = |r: &mut u64| *r = (*r & !0xFFFF_FFFF) | u64::from(value & !0xFFF);
        let hi = |r: &mut u64| *r = (*r & 0xFFFF_FFFF) | (u64::from(value) << 32);
        match reg {
            rxq::DESC_BASE_LO if settable => lo(&mut s.regs.desc.base),
            rxq::DESC_BASE_HI if settable => hi(&mut s.regs.desc.base),
            rxq::DESC_LOG_SIZE if settable => s.regs.desc.log = value.min(limits::MAX_LOG_RING),
            rxq::CPL_BASE_LO if settable => lo(&mut s.regs.cpl.base),
            rxq::CPL_BASE_HI if settable => hi(&mut s.regs.cpl.base),
            rxq::CPL_LOG_SIZE if settable => s.regs.cpl.log = value.min(limits::MAX_LOG_RING),
            // Header pool base: bits [3:0] read 0.
            rxq::Q_HDR_BASE_LO if settable => {
                s.regs.hdr.base = (s.regs.hdr.base & !0xFFFF_FFFF) | u64::from(value & !0xF)
            }
            rxq::Q_HDR_BASE_HI if settable => hi(&mut s.regs.hdr.base),
            rxq::Q_HDR_COUNT if settable => s.regs.hdr.count = value as u16,
            rxq::Q_RX_CFG if settable => s.regs.hdr.rx_cfg = value,
            rxq::DESC_PROD => s.doorbell(q, cycle, value as u16, mem, out),
            rxq::CPL_CONS => s.cpl_cons = value as u16,
            // ENABLE while disabled starts over; clearing it on an enabled queue drains it.
            rxq::Q_CTRL if value & qctrl::ENABLE != 0 && s.state != QueueState::Enabled => s.enable(),
            rxq::Q_CTRL if value & qctrl::ENABLE == 0 && s.state == QueueState::Enabled => {
                s.state = QueueState::Draining
            }
            _ => {}
        }
    }

    /// Judges a DMA MemWr (outside the MSI window); violations are appended
    /// to `out`. Returns false when the write must not be applied (it lands
    /// outside every outstanding buffer, or in the wrong completion slot, or
    /// over an unconsumed record); a record whose *content* is wrong is
    /// still written (true), so the driver sees what the device sent.
    pub fn check_write(&mut self, cycle: u64, w: &WriteBytes<'_>, out: &mut Vec<Violation>) -> bool {
        if w.data.is_empty() {
            return true; // a zero-length write writes nothing
        }
        let (start, end) = (w.addr, w.end());
        let ring =
            self.queues.iter().position(|s| s.state != QueueState::Off && start < s.cpl.end(REC) && s.cpl.base < end);
        match ring {
            Some(q) => self.completion_write(q, cycle, w, out),
            None => self.data_write(cycle, w, out),
        }
    }

    /// Judges a DMA MemRd of `nbytes` from `start`; false (a violation was
    /// appended) when it reads descriptor slots the driver has not posted.
    pub fn check_read(&mut self, cycle: u64, start: u64, nbytes: u64, out: &mut Vec<Violation>) -> bool {
        if nbytes == 0 {
            return true;
        }
        let end = start.saturating_add(nbytes);
        let mut ok = true;
        for (q, s) in self.queues.iter().enumerate() {
            let (rb, re) = (s.desc.base, s.desc.end(DESC));
            if s.state == QueueState::Off || end <= rb || re <= start {
                continue;
            }
            let first = (start.max(rb) - rb) / DESC as u64;
            let last = (end.min(re) - 1 - rb) / DESC as u64;
            let n = s.posted.len() as u64;
            let done = u64::from(s.done()) & s.desc.mask();
            let unposted = (first..=last).find(|&slot| (slot.wrapping_sub(done) & s.desc.mask()) >= n);
            if let Some(slot) = unposted {
                let posted = if n == 0 {
                    "none is posted and not completed".to_string()
                } else {
                    format!(
                        "only indices {}..{} (slots {}..={}) are posted and not completed",
                        s.done(),
                        s.desc_prod,
                        done,
                        (done + n - 1) & s.desc.mask()
                    )
                };
                out.push(Violation {
                    cycle,
                    kind: ViolationKind::UnpostedDescriptorRead,
                    detail: format!(
                        "MemRd {start:#x}+{nbytes} reads queue {q}'s descriptor slots {first}..={last} \
                         (ring {rb:#x}, {} entries): slot {slot} is not posted, {posted} (DESC_PROD {}; answered UR)",
                        s.desc.entries(),
                        s.desc_prod
                    ),
                });
                ok = false;
            }
        }
        ok
    }

    /// A write overlapping queue `q`'s completion ring.
    fn completion_write(&mut self, q: usize, cycle: u64, w: &WriteBytes<'_>, out: &mut Vec<Violation>) -> bool {
        let s = &self.queues[q];
        let (start, end) = (w.addr, w.end());
        let (base, ring_end) = (s.cpl.base, s.cpl.end(REC));
        let what = || format!("MemWr {start:#x}+{}", end - start);
        if start < base || end > ring_end {
            out.push(Violation {
                cycle,
                kind: ViolationKind::CompletionSlot,
                detail: format!(
                    "{}: overlaps queue {q}'s completion ring [{base:#x}, {ring_end:#x}) but is not inside it (not applied)",
                    what()
                ),
            });
            return false;
        }
        // Placement first, without changing anything: every record the
        // write touches must be the next one, in a free slot.
        let size = s.cpl.entries();
        let mut idx = s.cpl_prod;
        let mut off = start - base;
        let mut i = 0usize;
        while off < end - base {
            let slot = off / REC as u64;
            let in_rec = (off % REC as u64) as usize;
            let seg = ((REC - in_rec) as u64).min(end - base - off) as usize;
            let want = u64::from(idx) & s.cpl.mask();
            if slot != want {
                out.push(Violation {
                    cycle,
                    kind: ViolationKind::CompletionSlot,
                    detail: format!(
                        "{}: writes bytes {in_rec}..{} of queue {q}'s completion slot {slot} ({:#x}), but the next \
                         record is index {idx} in slot {want} ({:#x}); records are written in order (not applied)",
                        what(),
                        in_rec + seg,
                        base.wrapping_add(slot * REC as u64),
                        base.wrapping_add(want * REC as u64)
                    ),
                });
                return false;
            }
            let fill = u64::from(idx.wrapping_sub(s.cpl_cons));
            if fill >= size {
                out.push(Violation {
                    cycle,
                    kind: ViolationKind::CompletionOverwrite,
                    detail: format!(
                        "{}: writes queue {q}'s completion record {idx} (slot {slot}, {:#x}) while CPL_CONS is {}: \
                         the slot still holds record {}, which the driver has not consumed ({size}-entry ring; not applied)",
                        what(),
                        base.wrapping_add(slot * REC as u64),
                        s.cpl_cons,
                        idx.wrapping_sub(size as u16)
                    ),
                });
                return false;
            }
            if in_rec + seg > PHASE_BYTE && in_rec <= PHASE_BYTE && w.is_enabled(i + PHASE_BYTE - in_rec) {
                idx = idx.wrapping_add(1);
            }
            off += seg as u64;
            i += seg;
        }
        // Assemble the record(s); judge each one whose PHASE byte arrived.
        let mut off = start - base;
        let mut i = 0usize;
        while off < end - base {
            let in_rec = (off % REC as u64) as usize;
            let seg = ((REC - in_rec) as u64).min(end - base - off) as usize;
            let mut phase = false;
            {
                let s = &mut self.queues[q];
                for k in 0..seg {
                    if w.is_enabled(i + k) {
                        s.rec[in_rec + k] = w.data[i + k];
                        s.rec_mask |= 1 << (in_rec + k);
                        phase |= in_rec + k == PHASE_BYTE;
                    }
                }
            }
            if phase {
                self.finish_record(q, cycle, out);
            }
            off += seg as u64;
            i += seg;
        }
        true
    }

    /// Queue `q`'s record at `cpl_prod` is complete: check it against the
    /// oldest outstanding descriptor, retire that descriptor.
    fn finish_record(&mut self, q: usize, cycle: u64, out: &mut Vec<Violation>) {
        let last_write = self.last_write;
        let s = &mut self.queues[q];
        let idx = s.cpl_prod;
        let rec = s.rec;
        let mask = std::mem::take(&mut s.rec_mask);
        s.cpl_prod = idx.wrapping_add(1);
        let at = s.cpl.base.wrapping_add((u64::from(idx) & s.cpl.mask()) * REC as u64);
        let len = cpl::LEN.get(&rec);
        let buf_id = cpl::BUF_ID.get(&rec);
        let status = cpl::STATUS.get(&rec) as u32;
        let queue = cpl::QUEUE.get(&rec);
        let desc_idx = cpl::DESC_IDX.get(&rec);
        let bad_desc = status & cpl_status::BAD_DESC != 0;
        let mut why = String::new();
        if mask != REC_FULL {
            because(
                &mut why,
                format_args!("PHASE written before record bytes {:#010x} (bit n = byte n)", !mask & REC_FULL),
            );
        }
        let phase = cpl::PHASE.get(&rec) == 1;
        if phase != cpl_phase(idx, s.cpl.log) {
            because(
                &mut why,
                format_args!(
                    "PHASE {} but record {idx} of a {}-entry ring has phase {}",
                    phase as u8,
                    s.cpl.entries(),
                    !phase as u8
                ),
            );
        }
        if queue != q as u64 {
            because(&mut why, format_args!("QUEUE {queue}"));
        }
        let raw_count = cpl::DESC_COUNT.get(&rec) as usize;
        let hdr_len = cpl::HDR_LEN.get(&rec);
        let raw_last = cpl::LAST_LEN.get(&rec);
        let count = raw_count;
        if count == 0 {
            because(&mut why, format_args!("DESC_COUNT 0 (a completion consumes at least one descriptor)"));
        }
        if count > s.posted.len() && !s.posted.is_empty() {
            because(
                &mut why,
                format_args!(
                    "DESC_COUNT {count} retires descriptors {}..{} but only {} ({}..{}) are posted and not completed",
                    s.done(),
                    s.done().wrapping_add(count as u16),
                    s.posted.len(),
                    s.done(),
                    s.desc_prod
                ),
            );
        }
        let hdr_size = s.hdr.size();
        let scatter = s.hdr.scatter();
        match s.posted.front().copied() {
            None => because(&mut why, format_args!("no descriptor is outstanding (DESC_PROD {})", s.desc_prod)),
            Some(d) => {
                let n = count.clamp(1, s.posted.len());
                if desc_idx != u64::from(d.idx) {
                    because(
                        &mut why,
                        format_args!(
                            "DESC_IDX {desc_idx}, but the oldest outstanding descriptor is {} (descriptors complete in order)",
                            d.idx
                        ),
                    );
                }
                if d.readable && buf_id != u64::from(d.buf_id) {
                    because(
                        &mut why,
                        format_args!(
                            "BUF_ID {buf_id:#x}, but descriptor {} was posted with BUF_ID {:#x}",
                            d.idx, d.buf_id
                        ),
                    );
                }
                // Malformed descriptors (docs/split.md rule 5): BAD_DESC ends
                // the frame at the first malformed one, the last it retires.
                let cap = u64::from(d.len) & !(limits::BUF_ALIGN - 1);
                let malformed = |k: usize, p: &Posted| {
                    p.readable
                        && (!p.addr.is_multiple_of(limits::BUF_ALIGN)
                            || p.len == 0
                            || (k == 0 && hdr_len > 0 && p.hdr_addr.is_none()))
                };
                let first_bad = s.posted.iter().take(n).enumerate().position(|(k, p)| malformed(k, p));
                if bad_desc {
                    // The last descriptor retired is the malformed one; the
                    // record does not say how long the frame was, so a
                    // header index beyond Q_HDR_COUNT (when split may use
                    // it) or a scatter buffer shorter than the head's `cap`
                    // are accepted as the reason.
                    let last = n - 1;
                    let p = &s.posted[last];
                    let may_use_hdr = s.hdr.rx_cfg & rx_cfg::MODE_MASK != 0;
                    let plausible = !p.readable
                        || !p.addr.is_multiple_of(limits::BUF_ALIGN)
                        || p.len == 0
                        || (last == 0 && may_use_hdr && p.hdr_addr.is_none())
                        || (last > 0 && u64::from(p.len) < cap);
                    if !plausible || first_bad.is_some_and(|k| k != last) {
                        because(
                            &mut why,
                            format_args!(
                                "STATUS.BAD_DESC is 1 for descriptor {} (ADDR {:#x}, LEN {}, HDR_IDX {}), which is {}",
                                p.idx,
                                p.addr,
                                p.len,
                                p.hdr_idx,
                                if plausible { "not the first malformed one it retires" } else { "well-formed" }
                            ),
                        );
                    }
                    if len != 0 {
                        because(&mut why, format_args!("LEN {len} with STATUS.BAD_DESC (must be 0)"));
                    }
                } else if let Some(k) = first_bad {
                    let p = &s.posted[k];
                    because(
                        &mut why,
                        format_args!(
                            "STATUS.BAD_DESC is 0 but descriptor {} (ADDR {:#x}, LEN {}, HDR_IDX {}) is malformed",
                            p.idx, p.addr, p.len, p.hdr_idx
                        ),
                    );
                }
                // Where the bytes went (not checked for BAD_DESC: a scatter
                // may have left partial data in its buffers).
                let mut misplaced = String::new();
                if !bad_desc {
                    let data_len = len.saturating_sub(hdr_len);
                    let last_len = raw_last;
                    if hdr_len > len {
                        because(&mut why, format_args!("HDR_LEN {hdr_len} > LEN {len}"));
                    }
                    if hdr_len > 0 && (s.hdr.count == 0 || hdr_len > hdr_size) {
                        because(
                            &mut why,
                            format_args!(
                                "HDR_LEN {hdr_len} but the header buffers hold {} bytes (Q_HDR_COUNT {})",
                                if s.hdr.count == 0 { 0 } else { hdr_size },
                                s.hdr.count
                            ),
                        );
                    }
                    let layout_ok = if data_len == 0 {
                        n == 1 && last_len == 0
                    } else if n == 1 {
                        last_len == data_len && data_len <= u64::from(d.len)
                    } else {
                        scatter
                            && cap > 0
                            && last_len >= 1
                            && (n as u64 - 1) * cap + last_len == data_len
                            && s.posted.iter().take(n - 1).skip(1).all(|p| u64::from(p.len) >= cap)
                    };
                    if !layout_ok {
                        because(
                            &mut why,
                            format_args!(
                                "LEN {len}, HDR_LEN {hdr_len}, DESC_COUNT {raw_count}, LAST_LEN {raw_last} do not lay out \
                                 one frame in descriptor {}'s buffers (LEN {}, scatter {}; docs/split.md)",
                                d.idx, d.len, scatter as u8
                            ),
                        );
                    }
                    if raw_last > u64::from(s.posted[n - 1].len) {
                        because(
                            &mut why,
                            format_args!("LAST_LEN {raw_last} > descriptor {}'s buffer length", s.posted[n - 1].idx),
                        );
                    }
                    // Bytes each buffer received since it was posted.
                    let bufs = if data_len == 0 { 0 } else { n };
                    for (k, p) in s.posted.iter().take(n).enumerate() {
                        let want_hdr = if k == 0 { hdr_len } else { 0 };
                        if u64::from(p.hdr_written) != want_hdr || p.hdr_end != want_hdr {
                            let _ = write!(
                                misplaced,
                                "; descriptor {}'s header buffer (HDR_IDX {}) received {} byte(s) up to offset {}, \
                                 expected {want_hdr}",
                                p.idx, p.hdr_idx, p.hdr_written, p.hdr_end
                            );
                        }
                        let want = if k >= bufs {
                            0
                        } else if k + 1 == n {
                            last_len
                        } else {
                            cap
                        };
                        if u64::from(p.written) != want || p.end != want {
                            let _ = write!(
                                misplaced,
                                "; descriptor {} (BUF_ID {:#x}, buffer {:#x}+{}) received {} byte(s) up to offset {}, \
                                 expected {want}",
                                p.idx, p.buf_id, p.addr, p.len, p.written, p.end
                            );
                        }
                    }
                }
                if !misplaced.is_empty() {
                    let last = match last_write {
                        Some(l) => format!(
                            "the last data write accepted went to queue {} descriptor {} ({:#x}+{})",
                            l.queue, l.idx, l.addr, l.len
                        ),
                        None => "no data write was accepted yet".to_string(),
                    };
                    out.push(Violation {
                        cycle,
                        kind: ViolationKind::MisplacedFrame,
                        detail: format!(
                            "queue {q} completion record {idx} ({at:#x}) reports a {len}-byte frame (HDR_LEN {hdr_len}, \
                             DESC_COUNT {raw_count}) from descriptor {} (BUF_ID {:#x}, buffer {:#x}+{}), but{}; {last}",
                            d.idx,
                            d.buf_id,
                            d.addr,
                            d.len,
                            &misplaced[1..]
                        ),
                    });
                }
                for _ in 0..n {
                    if let Some(p) = s.posted.pop_front() {
                        s.retire(p, idx, cycle);
                    }
                }
            }
        }
        if !why.is_empty() {
            out.push(Violation {
                cycle,
                kind: ViolationKind::CompletionRecord,
                detail: format!("queue {q} completion record {idx} ({at:#x}): {why}"),
            });
        }
    }

    /// A write outside every completion ring: it must lie inside one
    /// outstanding buffer.
    fn data_write(&mut self, cycle: u64, w: &WriteBytes<'_>, out: &mut Vec<Violation>) -> bool {
        let (start, end) = (w.addr, w.end());
        let active = |s: &Queue| s.state != QueueState::Off;
        // The device fills each queue's oldest outstanding buffer (or its
        // header buffer): try those first.
        let mut hit = self
            .queues
            .iter()
            .enumerate()
            .find(|(_, s)| active(s) && s.posted.front().is_some_and(|d| d.contains(start, end)))
            .map(|(q, _)| (q, 0, false));
        if hit.is_none() {
            hit = self.queues.iter().enumerate().filter(|(_, s)| active(s)).find_map(|(q, s)| {
                let size = s.hdr.size();
                s.posted.front().filter(|d| d.hdr_contains(start, end, size)).map(|_| (q, 0, true))
            });
        }
        if hit.is_none() {
            // Scatter buffers after the head, or another queue's.
            hit = self
                .queues
                .iter()
                .enumerate()
                .filter(|(_, s)| active(s))
                .find_map(|(q, s)| s.posted.iter().position(|d| d.contains(start, end)).map(|i| (q, i, false)));
        }
        if hit.is_none() {
            hit = self.queues.iter().enumerate().filter(|(_, s)| active(s) && s.hdr.count > 0).find_map(|(q, s)| {
                let size = s.hdr.size();
                s.posted.iter().position(|d| d.hdr_contains(start, end, size)).map(|i| (q, i, true))
            });
        }
        if let Some((q, i, hdr)) = hit {
            let d = &mut self.queues[q].posted[i];
            if hdr {
                let base = d.hdr_addr.unwrap_or(0);
                d.hdr_written = d.hdr_written.saturating_add(w.count());
                d.hdr_end = d.hdr_end.max(end - base);
            } else {
                d.written = d.written.saturating_add(w.count());
                d.end = d.end.max(end - d.addr);
            }
            self.last_write = Some(DataWrite { queue: q, idx: d.idx, addr: start, len: end - start });
            return true;
        }
        let detail = self.explain_unposted(start, end);
        out.push(Violation {
            cycle,
            kind: ViolationKind::UnpostedWrite,
            detail: format!("MemWr {start:#x}+{}: {detail} (not applied)", end - start),
        });
        false
    }

    /// Why `[start, end)` is in no outstanding buffer (the violation path).
    fn explain_unposted(&self, start: u64, end: u64) -> String {
        for (q, s) in self.queues.iter().enumerate().filter(|(_, s)| s.state != QueueState::Off) {
            if let Some(d) = s.posted.iter().find(|d| d.overlaps(start, end)) {
                return format!(
                    "runs outside queue {q} descriptor {}'s buffer {:#x}+{} (BUF_ID {:#x})",
                    d.idx, d.addr, d.len, d.buf_id
                );
            }
        }
        for (q, s) in self.queues.iter().enumerate().filter(|(_, s)| s.state != QueueState::Off && s.hdr.count > 0) {
            let size = s.hdr.size();
            if let Some(d) = s.posted.iter().find(|d| d.hdr_addr.is_some_and(|a| a < end && start < a + size)) {
                return format!(
                    "runs outside queue {q} descriptor {}'s header buffer {} ({:#x}+{size})",
                    d.idx,
                    d.hdr_idx,
                    d.hdr_addr.unwrap_or(0)
                );
            }
            let pool_end = s.hdr.base.saturating_add(u64::from(s.hdr.count) * size);
            if s.hdr.base < end && start < pool_end {
                let i = (start.max(s.hdr.base) - s.hdr.base) / size;
                let retired = s.retired.iter().rev().find(|r| r.hdr_addr.is_some() && u64::from(r.hdr_idx) == i);
                let why = match retired {
                    Some(r) => format!(
                        "; it went with descriptor {}, completed by record {} at cycle {} and not posted again",
                        r.idx, r.cpl_idx, r.cycle
                    ),
                    None => String::new(),
                };
                return format!(
                    "lands in queue {q}'s header buffer {i} ({:#x}+{size}), which no descriptor posted and not yet \
                     completed carries{why}",
                    s.hdr.base + i * size
                );
            }
        }
        for (q, s) in self.queues.iter().enumerate() {
            if let Some(r) =
                s.retired.iter().rev().find(|r| r.addr < end && start < r.addr.saturating_add(u64::from(r.len)))
            {
                return format!(
                    "lands in the buffer of queue {q} descriptor {} (BUF_ID {:#x}, {:#x}+{}), completed by record {} \
                     at cycle {} and not posted again",
                    r.idx, r.buf_id, r.addr, r.len, r.cpl_idx, r.cycle
                );
            }
        }
        let posted: usize = self.queues.iter().map(|s| s.posted.len()).sum();
        format!("lands in no buffer posted and not yet completed ({posted} outstanding on all queues)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rc::{NicTlp, RcConfig, RootComplex, Stream};
    use crate::tlp;
    use nic_spec::tlp::CPL_STATUS_UR;

    const NIC_ID: u16 = 0x0100;
    /// Both rings of every queue hold 8 entries.
    const LOG: u32 = 3;
    const N: u16 = 1 << LOG;
    /// Buffers are allocated this long; descriptors post `BUF_LEN`.
    const ALLOC: usize = 512;
    const BUF_LEN: u16 = 256;

    struct Bench {
        rc: RootComplex,
        desc: Vec<u64>,
        cpl: Vec<u64>,
        /// Per queue, per ring slot: the buffer posted there.
        bufs: Vec<Vec<u64>>,
        prod: Vec<u16>,
        cycle: u64,
    }

    fn cfg(dma_guard: bool) -> RcConfig {
        RcConfig {
            requester_id: NIC_ID,
            bus_master_enable: true,
            max_payload_size: 256,
            max_read_request_size: 512,
            rcb_bytes: 64,
            dma_read_latency_cycles: 100,
            bar0_base: 0xF000_0000,
            msi_base: 0xFEE0_0000,
            msi_window_bytes: 0x10_0000,
            dma_guard,
        }
    }

    /// Two queues programmed and enabled, nothing posted.
    fn bench() -> Bench {
        bench_with(true)
    }

    fn bench_with(dma_guard: bool) -> Bench {
        let mut rc = RootComplex::new(cfg(dma_guard), HostMemory::new(0x8000_0000, 1 << 24));
        let mut b = Bench {
            rc: RootComplex::new(cfg(false), HostMemory::new(0, 0)),
            desc: vec![],
            cpl: vec![],
            bufs: vec![],
            prod: vec![0; 2],
            cycle: 1,
        };
        for _ in 0..2 {
            b.desc.push(rc.mem.alloc(usize::from(N) * DESC, 4096).unwrap().bus_addr);
            b.cpl.push(rc.mem.alloc(usize::from(N) * REC, 4096).unwrap().bus_addr);
            b.bufs.push((0..N).map(|_| rc.mem.alloc(ALLOC, 16).unwrap().bus_addr).collect());
        }
        b.rc = rc;
        for q in 0..2 {
            let (d, c) = (b.desc[q], b.cpl[q]);
            b.mmio(q, rxq::DESC_BASE_LO, d as u32);
            b.mmio(q, rxq::DESC_BASE_HI, (d >> 32) as u32);
            b.mmio(q, rxq::DESC_LOG_SIZE, LOG);
            b.mmio(q, rxq::CPL_BASE_LO, c as u32);
            b.mmio(q, rxq::CPL_BASE_HI, (c >> 32) as u32);
            b.mmio(q, rxq::CPL_LOG_SIZE, LOG);
            b.mmio(q, rxq::Q_CTRL, qctrl::ENABLE);
        }
        b
    }

    impl Bench {
        fn mmio(&mut self, q: usize, reg: u32, value: u32) {
            self.cycle += 1;
            let off = rxq::BASE + q as u32 * rxq_layout::STRIDE + reg;
            let _ = self.rc.mmio_write_request(off, value, self.cycle);
        }

        /// Writes descriptors for the next `n` indices (slot buffer, `len`, BUF_ID `0x100 * (q + 1) + idx`) and rings.
        fn post_len(&mut self, q: usize, n: u16, len: u16) {
            for k in 0..n {
                let idx = self.prod[q].wrapping_add(k);
                let slot = usize::from(idx % N);
                let mut rec = [0u8; DESC];
                desc::ADDR.set(&mut rec, self.bufs[q][slot]);
                desc::LEN.set(&mut rec, u64::from(len));
                desc::BUF_ID.set(&mut rec, 0x100 * (q as u64 + 1) + u64::from(idx));
                self.rc.mem.write(self.desc[q] + (slot * DESC) as u64, &rec).unwrap();
            }
            self.prod[q] = self.prod[q].wrapping_add(n);
            let p = self.prod[q];
            self.mmio(q, rxq::DESC_PROD, u32::from(p));
        }

        fn post(&mut self, q: usize, n: u16) {
            self.post_len(q, n, BUF_LEN);
        }

        fn buf(&self, q: usize, idx: u16) -> u64 {
            self.bufs[q][usize::from(idx % N)]
        }

        /// A MemWr of `bytes` at the DW-aligned `addr` (byte enables trim the last DW).
        fn write(&mut self, addr: u64, bytes: &[u8]) -> Vec<u32> {
            assert!(addr.is_multiple_of(4) && !bytes.is_empty());
            let len_dw = bytes.len().div_ceil(4) as u32;
            let tail = bytes.len() % 4;
            let last = if tail == 0 { 0xF } else { (1u8 << tail) - 1 };
            let (fbe, lbe) = if len_dw == 1 { (last, 0) } else { (0xF, last) };
            let mut data: Vec<u32> = bytes
                .chunks(4)
                .map(|c| {
                    let mut w = [0u8; 4];
                    w[..c.len()].copy_from_slice(c);
                    u32::from_le_bytes(w)
                })
                .collect();
            let beats = len_dw.div_ceil(4);
            data.resize(beats as usize * 4, 0xDEAD_BEEF);
            let hdr = tlp::mem_request(true, addr, len_dw, fbe, lbe, NIC_ID, 0);
            self.send(hdr, &data, beats)
        }

        fn send(&mut self, hdr: tlp::Header, data: &[u32], beats: u32) -> Vec<u32> {
            self.cycle += 10;
            // Every completion sent so far was accepted: tags are free.
            let accepted = self.rc.stats().cpl_tlps as u32;
            let t = NicTlp {
                stream: Stream::Request,
                cycle: self.cycle,
                cpl_accepted: accepted,
                flags: 0,
                beats,
                hdr,
                data,
            };
            let mut out = Vec::new();
            self.rc.handle(&t, &mut out);
            out
        }

        /// A frame of `len` bytes (pattern `seed`) into `addr`, in TLPs of at most 128 bytes.
        fn frame_at(&mut self, addr: u64, len: usize, seed: u8) {
            let f: Vec<u8> = (0..len).map(|i| (i as u8).wrapping_mul(7).wrapping_add(seed)).collect();
            for (k, c) in f.chunks(128).enumerate() {
                self.write(addr + 128 * k as u64, c);
            }
        }

        /// The completion record the NIC writes for queue `q`'s completion `idx`.
        fn record(&self, q: usize, idx: u16, desc_idx: u16, buf_id: u16, len: u16, status: u32) -> [u8; REC] {
            let mut r = [0u8; REC];
            cpl::LEN.set(&mut r, u64::from(len));
            cpl::BUF_ID.set(&mut r, u64::from(buf_id));
            cpl::STATUS.set(&mut r, u64::from(status));
            cpl::QUEUE.set(&mut r, q as u64);
            cpl::DESC_IDX.set(&mut r, u64::from(desc_idx));
            // one whole frame in one buffer (split off), as the RTL writes it
            cpl::DESC_COUNT.set(&mut r, 1);
            if status == 0 {
                cpl::LAST_LEN.set(&mut r, u64::from(len));
            }
            cpl::PHASE.set(&mut r, u64::from(cpl_phase(idx, LOG)));
            r
        }

        fn cpl_addr(&self, q: usize, idx: u16) -> u64 {
            self.cpl[q] + u64::from(idx % N) * REC as u64
        }

        /// Queue `q`'s completion `idx` of the frame in descriptor `idx` (the usual case).
        fn complete(&mut self, q: usize, idx: u16, len: u16) {
            let r = self.record(q, idx, idx, 0x100 * (q as u16 + 1) + idx, len, 0);
            let at = self.cpl_addr(q, idx);
            self.write(at, &r);
        }

        /// Frame into descriptor `idx`'s buffer, then its completion.
        fn receive(&mut self, q: usize, idx: u16, len: u16) {
            let a = self.buf(q, idx);
            self.frame_at(a, usize::from(len), idx as u8);
            self.complete(q, idx, len);
        }

        fn read(&mut self, addr: u64, len_dw: u32, tag: u8) -> Vec<u32> {
            let hdr = tlp::mem_request(false, addr, len_dw, 0xF, if len_dw == 1 { 0 } else { 0xF }, NIC_ID, tag);
            self.send(hdr, &[0; 4], 1)
        }

        fn kinds(&self) -> Vec<ViolationKind> {
            self.rc.violations().iter().map(|v| v.kind).collect()
        }

        fn guard(&self, q: usize) -> QueueView {
            self.rc.dma_guard().unwrap().queue(q)
        }

        fn assert_clean(&self) {
            assert!(self.rc.violations().is_empty(), "{:#?}", self.rc.violations());
        }

        fn last(&self) -> &Violation {
            self.rc.violations().last().expect("a violation")
        }
    }

    #[test]
    fn legal_traffic_passes() {
        let mut b = bench();
        b.post(0, 7);
        b.post(1, 4);
        assert_eq!(
            b.guard(0),
            QueueView { state: QueueState::Enabled, outstanding: 7, desc_prod: 7, cpl_prod: 0, cpl_cons: 0 }
        );
        // Descriptor reads of what was posted, as the NIC prefetches them.
        let d0 = b.desc[0];
        let c = b.read(d0, 4 * 4, 1);
        assert_eq!(c.len(), crate::ffi::IN_HDR_WORDS + 16, "answered with data");
        b.read(d0 + 64, 3 * 4, 2);
        b.read(b.desc[1], 4 * 4, 3);
        // Frames on both queues, interleaved; one record split in two TLPs, PHASE half last.
        b.receive(0, 0, 60);
        b.receive(1, 0, 1514.min(BUF_LEN));
        let a = b.buf(0, 1);
        b.frame_at(a, 129, 1);
        let r = b.record(0, 1, 1, 0x101, 129, 0);
        let at = b.cpl_addr(0, 1);
        b.write(at, &r[..16]);
        b.write(at + 16, &r[16..]);
        b.assert_clean();
        assert_eq!(b.guard(0).outstanding, 5);
        assert_eq!(b.guard(0).cpl_prod, 2);
        // Around both rings twice: the driver consumes, releases and re-posts as it goes.
        for idx in 2..40u16 {
            b.receive(0, idx, 64 + idx);
            b.mmio(0, rxq::CPL_CONS, u32::from(idx + 1));
            b.post(0, 1);
        }
        b.assert_clean();
        assert_eq!(
            b.guard(0),
            QueueView { state: QueueState::Enabled, outstanding: 5, desc_prod: 45, cpl_prod: 40, cpl_cons: 40 }
        );
        // BAD_DESC on a well-formed descriptor is a device bug.
        let r = b.record(0, 40, 40, 0x100 + 40, 0, cpl_status::BAD_DESC);
        let at = b.cpl_addr(0, 40);
        b.write(at, &r);
        assert_eq!(b.kinds(), [ViolationKind::CompletionRecord]);
        assert!(
            b.last().detail.contains("STATUS.BAD_DESC is 1 for descriptor 40")
                && b.last().detail.contains("well-formed")
        );
    }

    #[test]
    fn bad_desc_completion_of_a_malformed_descriptor_passes() {
        let mut b = bench();
        // Descriptor 0 misaligned, descriptor 1 of length 0, descriptor 2 fine.
        let mut rec = [0u8; DESC];
        desc::ADDR.set(&mut rec, b.buf(0, 0) + 8);
        desc::LEN.set(&mut rec, 100);
        desc::BUF_ID.set(&mut rec, 7);
        b.rc.mem.write(b.desc[0], &rec).unwrap();
        desc::ADDR.set(&mut rec, b.buf(0, 1));
        desc::LEN.set(&mut rec, 0);
        desc::BUF_ID.set(&mut rec, 8);
        b.rc.mem.write(b.desc[0] + DESC as u64, &rec).unwrap();
        desc::ADDR.set(&mut rec, b.buf(0, 2));
        desc::LEN.set(&mut rec, 256);
        desc::BUF_ID.set(&mut rec, 9);
        b.rc.mem.write(b.desc[0] + 2 * DESC as u64, &rec).unwrap();
        b.mmio(0, rxq::DESC_PROD, 3);
        for (idx, id) in [(0u16, 7u16), (1, 8)] {
            let r = b.record(0, idx, idx, id, 0, cpl_status::BAD_DESC);
            let at = b.cpl_addr(0, idx);
            b.write(at, &r);
        }
        let a = b.buf(0, 2);
        b.frame_at(a, 200, 3);
        let r = b.record(0, 2, 2, 9, 200, 0);
        let at = b.cpl_addr(0, 2);
        b.write(at, &r);
        b.assert_clean();
        assert_eq!(b.guard(0).outstanding, 0);
    }

    #[test]
    fn write_outside_any_buffer_is_reported_and_dropped() {
        let mut b = bench();
        b.post(0, 2);
        let stray = b.rc.mem.alloc(4096, 4096).unwrap().bus_addr;
        b.write(stray, &[0xAA; 64]);
        assert_eq!(b.kinds(), [ViolationKind::UnpostedWrite]);
        assert!(b.last().detail.contains("no buffer posted"), "{}", b.last());
        assert_eq!(b.rc.mem.slice(stray, 64).unwrap(), &[0u8; 64], "not applied");
        assert_eq!(b.rc.stats().dropped_writes, 1);
        // A buffer allocated for a slot but not posted yet (slot 5): the same.
        let a = b.buf(0, 5);
        b.write(a, &[1; 16]);
        assert_eq!(b.kinds(), [ViolationKind::UnpostedWrite; 2]);
        // A queue that is off has nothing posted.
        b.mmio(0, rxq::Q_CTRL, 0);
        b.mmio(0, rxq::Q_CTRL, qctrl::ENABLE);
        let a = b.buf(0, 0);
        b.write(a, &[1; 16]);
        assert_eq!(b.kinds(), [ViolationKind::UnpostedWrite; 3]);
    }

    #[test]
    fn write_to_a_completed_buffer_is_reported() {
        let mut b = bench();
        b.post(0, 3);
        b.receive(0, 0, 100);
        b.assert_clean();
        let a = b.buf(0, 0);
        b.write(a + 16, &[5; 32]);
        assert_eq!(b.kinds(), [ViolationKind::UnpostedWrite]);
        let d = &b.last().detail;
        assert!(d.contains("queue 0 descriptor 0") && d.contains("completed by record 0"), "{d}");
        // Posted again (index 8 reuses slot 0): legal again.
        for idx in 1..3 {
            b.receive(0, idx, 60);
        }
        b.post(0, 6);
        b.write(a, &[5; 32]);
        assert_eq!(b.rc.violations().len(), 1, "{:#?}", b.rc.violations());
    }

    #[test]
    fn write_past_the_buffer_end_is_reported() {
        let mut b = bench();
        b.post_len(0, 1, 200); // the allocation is 512 bytes: only the guard can tell
        let a = b.buf(0, 0);
        b.write(a + 128, &[9; 72]); // ends exactly at 200: fine
        b.assert_clean();
        b.write(a + 192, &[9; 12]); // 192..204
        assert_eq!(b.kinds(), [ViolationKind::UnpostedWrite]);
        assert!(b.last().detail.contains("runs outside queue 0 descriptor 0's buffer"), "{}", b.last());
        assert_eq!(b.rc.mem.slice(a + 200, 4).unwrap(), &[0; 4]);
        // Byte enables decide: a last DW with only 1 byte enabled ending at 200 is fine.
        b.write(a + 196, &[1, 2, 3, 4]);
        assert_eq!(b.rc.violations().len(), 1);
    }

    #[test]
    fn completion_out_of_order_is_reported() {
        let mut b = bench();
        b.post(0, 2);
        let (a0, a1) = (b.buf(0, 0), b.buf(0, 1));
        b.frame_at(a0, 64, 0);
        b.frame_at(a1, 64, 1);
        // Record for descriptor 1 first, in the right slot (0).
        let r = b.record(0, 0, 1, 0x101, 64, 0);
        let at = b.cpl_addr(0, 0);
        b.write(at, &r);
        assert_eq!(b.kinds(), [ViolationKind::CompletionRecord]);
        let d = &b.last().detail;
        assert!(d.contains("DESC_IDX 1") && d.contains("oldest outstanding descriptor is 0"), "{d}");
        assert!(d.contains("BUF_ID 0x101") && d.contains("0x100"), "{d}");
        assert_eq!(b.rc.mem.slice(at, REC).unwrap(), &r, "content faults are written through");
        // A record in slot 2 when slot 1 is next: wrong slot, dropped.
        let r = b.record(0, 2, 1, 0x101, 64, 0);
        let at = b.cpl_addr(0, 2);
        b.write(at, &r);
        assert_eq!(b.last().kind, ViolationKind::CompletionSlot);
        assert!(b.last().detail.contains("next record is index 1 in slot 1"), "{}", b.last());
        assert_eq!(b.rc.mem.slice(at, REC).unwrap(), &[0; REC]);
        assert_eq!(b.guard(0).cpl_prod, 1);
    }

    #[test]
    fn wrong_buf_id_queue_len_and_phase_are_reported() {
        let mut b = bench();
        b.post(0, 4);
        let a = b.buf(0, 0);
        b.frame_at(a, 80, 0);
        let r = b.record(0, 0, 0, 0x999, 80, 0);
        b.write(b.cpl[0], &r);
        assert_eq!(b.kinds(), [ViolationKind::CompletionRecord]);
        assert!(
            b.last().detail.contains("BUF_ID 0x999, but descriptor 0 was posted with BUF_ID 0x100"),
            "{}",
            b.last()
        );
        // QUEUE wrong, LEN beyond the buffer (and so not what was written), PHASE wrong.
        let a = b.buf(0, 1);
        b.frame_at(a, 80, 1);
        let mut r = b.record(0, 1, 1, 0x101, 300, 0);
        cpl::QUEUE.set(&mut r, 1);
        cpl::PHASE.set(&mut r, 0);
        let at = b.cpl_addr(0, 1);
        b.write(at, &r);
        let d = &b
            .rc
            .violations()
            .iter()
            .find(|v| v.kind == ViolationKind::CompletionRecord && v.detail.contains("record 1"))
            .unwrap()
            .detail;
        assert!(
            d.contains("QUEUE 1") && d.contains("LAST_LEN 300 > descriptor 1's buffer length") && d.contains("PHASE 0"),
            "{d}"
        );
        assert!(b.kinds().contains(&ViolationKind::MisplacedFrame));
        // PHASE dword before the rest of the record.
        let a = b.buf(0, 2);
        b.frame_at(a, 80, 2);
        let r = b.record(0, 2, 2, 0x102, 80, 0);
        let at = b.cpl_addr(0, 2);
        b.write(at + 16, &r[16..]);
        assert!(b.last().detail.contains("PHASE written before record bytes 0x0000ffff"), "{}", b.last());
    }

    #[test]
    fn overwriting_an_unconsumed_record_is_reported() {
        let mut b = bench();
        b.post(0, N);
        for idx in 0..N {
            b.receive(0, idx, 60);
        }
        b.assert_clean();
        // The ring is full of records the driver has not released (CPL_CONS 0).
        b.post(0, 1);
        let a = b.buf(0, N);
        b.frame_at(a, 60, 0);
        let r = b.record(0, N, N, 0x100 + N, 60, 0);
        let at = b.cpl_addr(0, N);
        let before = b.rc.mem.slice(at, REC).unwrap().to_vec();
        b.write(at, &r);
        assert_eq!(b.kinds(), [ViolationKind::CompletionOverwrite]);
        let d = &b.last().detail;
        assert!(d.contains("record 8") && d.contains("CPL_CONS is 0") && d.contains("still holds record 0"), "{d}");
        assert_eq!(b.rc.mem.slice(at, REC).unwrap(), &before[..], "the unconsumed record survives");
        // Released one: the same record is now legal.
        b.mmio(0, rxq::CPL_CONS, 1);
        b.write(at, &r);
        assert_eq!(b.rc.violations().len(), 1, "{:#?}", b.rc.violations());
        assert_eq!(b.guard(0).cpl_prod, N + 1);
    }

    #[test]
    fn descriptor_read_beyond_the_doorbell_is_reported() {
        let mut b = bench();
        b.post(0, 2);
        let d0 = b.desc[0];
        b.read(d0, 8, 1); // slots 0..=1
        b.assert_clean();
        let c = b.read(d0, 16, 2); // slots 0..=3
        assert_eq!(b.kinds(), [ViolationKind::UnpostedDescriptorRead]);
        let d = &b.last().detail;
        assert!(d.contains("slots 0..=3") && d.contains("slot 2 is not posted") && d.contains("indices 0..2"), "{d}");
        let h = [c[4], c[5], c[6], c[7]];
        assert_eq!(tlp::cpl_status(&h), CPL_STATUS_UR, "answered with UR");
        // A completed descriptor's slot is not posted any more either.
        b.receive(0, 0, 60);
        b.read(d0, 4, 3);
        assert_eq!(b.kinds(), [ViolationKind::UnpostedDescriptorRead; 2]);
        b.read(d0 + DESC as u64, 4, 4); // slot 1 still is
        assert_eq!(b.rc.violations().len(), 2);
        // Nothing posted on queue 1.
        b.read(b.desc[1], 4, 5);
        assert!(b.last().detail.contains("none is posted"), "{}", b.last());
        // Reads elsewhere are not the guard's business.
        let a = b.buf(1, 3);
        b.read(a, 8, 6);
        assert_eq!(b.rc.violations().len(), 3);
    }

    #[test]
    fn frame_in_another_queues_buffer_is_reported_at_its_completion() {
        let mut b = bench();
        b.post(0, 2);
        b.post(1, 2);
        // Queue 0's frame goes into queue 1's posted buffer: legal as a write...
        let a = b.buf(1, 0);
        b.frame_at(a, 100, 0);
        b.assert_clean();
        // ...but queue 0's record says descriptor 0 got it.
        b.complete(0, 0, 100);
        assert_eq!(b.kinds(), [ViolationKind::MisplacedFrame]);
        let d = &b.last().detail;
        assert!(d.contains("queue 0 completion record 0") && d.contains("received 0 byte(s)"), "{d}");
        assert!(d.contains("last data write accepted went to queue 1 descriptor 0"), "{d}");
        // Queue 1's own frame then lands on top: its buffer got too many bytes.
        b.receive(1, 0, 60);
        assert_eq!(b.kinds(), [ViolationKind::MisplacedFrame; 2]);
        assert!(
            b.last().detail.contains("queue 1 completion record 0") && b.last().detail.contains("received 160 byte(s)")
        );
        // A frame cut short is caught the same way.
        b.frame_at(b.buf(0, 1), 64, 0);
        b.complete(0, 1, 100);
        assert_eq!(b.kinds(), [ViolationKind::MisplacedFrame; 3]);
    }

    #[test]
    fn disabled_queue_drains_until_enabled_again() {
        let mut b = bench();
        b.post(0, 3);
        b.mmio(0, rxq::Q_CTRL, 0);
        assert_eq!(b.guard(0).state, QueueState::Draining);
        // Base registers take while disabled, but the rings in use stay until enabled.
        let other = b.rc.mem.alloc(4096, 4096).unwrap().bus_addr;
        b.mmio(0, rxq::CPL_BASE_LO, other as u32);
        b.mmio(0, rxq::CPL_BASE_HI, (other >> 32) as u32);
        // What was on its way lands legally: the frame and its record.
        b.receive(0, 0, 90);
        b.assert_clean();
        // A doorbell while disabled posts nothing.
        b.mmio(0, rxq::DESC_PROD, 5);
        assert_eq!(b.guard(0).outstanding, 2);
        // Enabling starts over: indices zero, nothing outstanding, the new completion ring.
        b.mmio(0, rxq::Q_CTRL, qctrl::ENABLE);
        assert_eq!(b.guard(0), QueueView { state: QueueState::Enabled, ..QueueView::default() });
        let a = b.buf(0, 1);
        b.write(a, &[1; 16]);
        assert_eq!(b.kinds(), [ViolationKind::UnpostedWrite]);
        b.prod[0] = 0;
        b.post(0, 1);
        b.frame_at(b.buf(0, 0), 60, 0);
        b.write(other, &b.record(0, 0, 0, 0x100, 60, 0));
        assert_eq!(b.rc.violations().len(), 1, "{:#?}", b.rc.violations());
        // While enabled, base register writes are ignored (as by the NIC).
        b.mmio(0, rxq::CPL_BASE_LO, b.cpl[0] as u32);
        b.post(0, 1);
        b.frame_at(b.buf(0, 1), 60, 0);
        b.write(other + REC as u64, &b.record(0, 1, 1, 0x101, 60, 0));
        assert_eq!(b.rc.violations().len(), 1, "{:#?}", b.rc.violations());
    }

    #[test]
    fn soft_reset_drains_every_queue_and_zeroes_the_registers() {
        let mut b = bench();
        b.post(0, 2);
        b.post(1, 2);
        b.rc.mmio_write_request(global::CTRL, ctrl::RESET | ctrl::RX_ENABLE, 50);
        assert_eq!(b.guard(0).state, QueueState::Draining);
        assert_eq!(b.guard(1).state, QueueState::Draining);
        b.receive(1, 0, 70); // was on its way
        b.assert_clean();
        // Enabled again without reprogramming: the registers are zero, so is the ring base.
        b.mmio(1, rxq::Q_CTRL, qctrl::ENABLE);
        assert_eq!(b.guard(1).outstanding, 0);
        b.frame_at(b.buf(1, 1), 60, 0);
        assert_eq!(b.kinds(), [ViolationKind::UnpostedWrite]);
        // A hard reset forgets everything.
        b.rc.device_reset();
        assert_eq!(b.guard(0), QueueView::default());
    }

    #[test]
    fn doorbell_beyond_the_ring_is_reported() {
        let mut b = bench();
        b.post(0, 6);
        b.mmio(0, rxq::DESC_PROD, 9); // 3 more with 6 outstanding on 8 entries
        assert_eq!(b.kinds(), [ViolationKind::BadDoorbell]);
        assert_eq!(b.guard(0).desc_prod, 6);
        b.mmio(0, rxq::DESC_PROD, 5); // backwards
        assert_eq!(b.kinds(), [ViolationKind::BadDoorbell; 2]);
        assert!(b.kinds().iter().all(|k| k.is_dma_guard()));
    }

    #[test]
    fn guard_off_checks_nothing() {
        let mut b = bench_with(false);
        assert!(b.rc.dma_guard().is_none());
        b.write(b.buf(0, 3), &[1; 64]);
        b.read(b.desc[0], 16, 1);
        b.write(b.cpl[0] + 3 * REC as u64, &[0xFF; REC]);
        b.assert_clean();
    }

    #[test]
    fn hostile_registers_and_records_do_not_panic() {
        let mut b = bench();
        // Rings at the top of the address space, absurd sizes, garbage descriptors.
        b.mmio(0, rxq::Q_CTRL, 0);
        b.mmio(0, rxq::DESC_BASE_LO, 0xFFFF_F000);
        b.mmio(0, rxq::DESC_BASE_HI, 0xFFFF_FFFF);
        b.mmio(0, rxq::DESC_LOG_SIZE, 99);
        b.mmio(0, rxq::CPL_BASE_LO, 0xFFFF_F000);
        b.mmio(0, rxq::CPL_BASE_HI, 0xFFFF_FFFF);
        b.mmio(0, rxq::CPL_LOG_SIZE, u32::MAX);
        b.mmio(0, rxq::Q_CTRL, qctrl::ENABLE);
        b.mmio(0, rxq::DESC_PROD, 0xFFFF);
        let mut rec = [0xFFu8; DESC];
        desc::LEN.set(&mut rec, 0xFFFF);
        b.rc.mem.write(b.desc[1], &rec).unwrap();
        b.mmio(1, rxq::DESC_PROD, 1);
        b.write(b.buf(1, 0), &[1; 64]);
        b.read(u64::MAX - 63, 16, 1);
        let hdr = tlp::mem_request(true, u64::MAX - 3, 1, 0xF, 0, NIC_ID, 0);
        b.send(hdr, &[0; 4], 1);
        let hdr = tlp::mem_request(true, b.cpl[1], 8, 0xF, 0xF, NIC_ID, 0);
        b.send(hdr, &[0; 4], 1); // Length 8 in 1 beat: short payload
        assert!(!b.rc.violations().is_empty());
    }

    /// Header buffers of the split tests: 8 of 128 bytes.
    const HDR_LOG: u32 = 7;
    const HDR_COUNT: u16 = 8;

    /// Queue 0 re-enabled with a header pool, header split ALWAYS and
    /// scatter; returns the pool's base.
    fn split_bench() -> (Bench, u64) {
        let mut b = bench();
        let pool = b.rc.mem.alloc(usize::from(HDR_COUNT) << HDR_LOG, 16).unwrap().bus_addr;
        b.mmio(0, rxq::Q_CTRL, 0);
        b.mmio(0, rxq::Q_HDR_BASE_LO, pool as u32);
        b.mmio(0, rxq::Q_HDR_BASE_HI, (pool >> 32) as u32);
        b.mmio(0, rxq::Q_HDR_COUNT, u32::from(HDR_COUNT));
        b.mmio(0, rxq::Q_RX_CFG, rx_cfg::value(nic_spec::split_mode::ALWAYS, true, false, HDR_LOG, 0));
        b.mmio(0, rxq::Q_CTRL, qctrl::ENABLE);
        (b, pool)
    }

    impl Bench {
        /// Posts the next `n` descriptors of queue 0 (buffer length `BUF_LEN`)
        /// with header buffer `7 - idx % 8`.
        fn post_split(&mut self, n: u16) {
            for k in 0..n {
                let idx = self.prod[0].wrapping_add(k);
                let slot = usize::from(idx % N);
                let mut rec = [0u8; DESC];
                desc::ADDR.set(&mut rec, self.bufs[0][slot]);
                desc::LEN.set(&mut rec, u64::from(BUF_LEN));
                desc::BUF_ID.set(&mut rec, 0x100 + u64::from(idx));
                desc::HDR_IDX.set(&mut rec, u64::from(7 - idx % 8));
                self.rc.mem.write(self.desc[0] + (slot * DESC) as u64, &rec).unwrap();
            }
            self.prod[0] = self.prod[0].wrapping_add(n);
            let p = self.prod[0];
            self.mmio(0, rxq::DESC_PROD, u32::from(p));
        }

        fn hdr_buf(pool: u64, idx: u16) -> u64 {
            pool + (u64::from(7 - idx % 8) << HDR_LOG)
        }

        /// The split record for queue 0's completion `cpl_idx` of a frame
        /// starting at descriptor `desc_idx`.
        #[allow(clippy::too_many_arguments)]
        fn split_record(
            &self,
            cpl_idx: u16,
            desc_idx: u16,
            len: u16,
            hdr_len: u16,
            count: u8,
            last_len: u16,
        ) -> [u8; REC] {
            let mut r = self.record(0, cpl_idx, desc_idx, 0x100 + desc_idx, len, 0);
            cpl::HDR_LEN.set(&mut r, u64::from(hdr_len));
            cpl::DESC_COUNT.set(&mut r, u64::from(count));
            cpl::LAST_LEN.set(&mut r, u64::from(last_len));
            cpl::SPLIT.set(&mut r, u64::from(hdr_len > 0 && len > hdr_len));
            r
        }

        fn complete_split(&mut self, cpl_idx: u16, desc_idx: u16, len: u16, hdr_len: u16, count: u8, last_len: u16) {
            let r = self.split_record(cpl_idx, desc_idx, len, hdr_len, count, last_len);
            let at = self.cpl_addr(0, cpl_idx);
            self.write(at, &r);
        }
    }

    #[test]
    fn split_and_scatter_traffic_passes() {
        let (mut b, pool) = split_bench();
        b.post_split(7);
        // 54 header bytes, 600 payload bytes over descriptors 0..=2 (256, 256, 88).
        b.frame_at(Bench::hdr_buf(pool, 0), 54, 1);
        b.frame_at(b.buf(0, 0), 256, 2);
        b.frame_at(b.buf(0, 1), 256, 3);
        b.frame_at(b.buf(0, 2), 88, 4);
        b.complete_split(0, 0, 654, 54, 3, 88);
        b.assert_clean();
        assert_eq!((b.guard(0).outstanding, b.guard(0).cpl_prod), (4, 1));
        // A small frame wholly in descriptor 3's header buffer.
        b.frame_at(Bench::hdr_buf(pool, 3), 60, 5);
        b.complete_split(1, 3, 60, 60, 1, 0);
        // An unsplit frame in descriptor 4's data buffer.
        b.frame_at(b.buf(0, 4), 200, 6);
        b.complete_split(2, 4, 200, 0, 1, 200);
        b.assert_clean();
        assert_eq!(b.guard(0).outstanding, 2);
        // Re-posted: header buffers go round with the descriptors.
        b.mmio(0, rxq::CPL_CONS, 3);
        b.post_split(5);
        for i in 0..6u16 {
            let idx = 5 + i;
            b.frame_at(Bench::hdr_buf(pool, idx), 42, 7);
            b.frame_at(b.buf(0, idx), 100, 8);
            b.complete_split(3 + i, idx, 142, 42, 1, 100);
        }
        b.assert_clean();
    }

    #[test]
    fn header_write_without_a_posted_descriptor_is_reported() {
        let (mut b, pool) = split_bench();
        b.post_split(3); // header buffers 7, 6, 5
        b.write(pool, &[0xAB; 32]); // header buffer 0: no posted descriptor carries it
        assert_eq!(b.kinds(), [ViolationKind::UnpostedWrite]);
        assert!(b.last().detail.contains("header buffer 0"), "{}", b.last());
        assert_eq!(b.rc.mem.slice(pool, 32).unwrap(), &[0; 32], "not applied");
        // Past the end of a posted header buffer.
        b.write(Bench::hdr_buf(pool, 2) + 96, &[1; 64]);
        assert_eq!(b.kinds().len(), 2, "{:#?}", b.rc.violations());
        assert!(b.last().detail.contains("runs outside queue 0 descriptor 1's header buffer 6"), "{}", b.last());
        // Into the header buffer of a descriptor already completed.
        b.frame_at(Bench::hdr_buf(pool, 0), 40, 1);
        b.frame_at(b.buf(0, 0), 20, 2);
        b.complete_split(0, 0, 60, 40, 1, 20);
        assert_eq!(b.kinds().len(), 2, "{:#?}", b.rc.violations());
        b.write(Bench::hdr_buf(pool, 0), &[3; 16]);
        assert_eq!(b.kinds().len(), 3);
        assert!(b.last().detail.contains("completed by record 0"), "{}", b.last());
    }

    #[test]
    fn desc_count_retiring_unposted_descriptors_is_reported() {
        let (mut b, pool) = split_bench();
        b.post_split(2);
        b.frame_at(Bench::hdr_buf(pool, 0), 54, 1);
        b.frame_at(b.buf(0, 0), 256, 2);
        b.frame_at(b.buf(0, 1), 256, 3);
        b.complete_split(0, 0, 54 + 512 + 10, 54, 3, 10);
        assert!(b.kinds().contains(&ViolationKind::CompletionRecord), "{:#?}", b.rc.violations());
        let d = &b.rc.violations().iter().find(|v| v.kind == ViolationKind::CompletionRecord).unwrap().detail;
        assert!(d.contains("DESC_COUNT 3 retires descriptors 0..3 but only 2"), "{d}");
        assert_eq!(b.guard(0).outstanding, 0);
    }

    #[test]
    fn header_bytes_in_the_wrong_header_buffer_are_reported() {
        let (mut b, pool) = split_bench();
        b.post_split(3);
        // The header goes to descriptor 1's header buffer, the record claims descriptor 0's.
        b.frame_at(Bench::hdr_buf(pool, 1), 54, 1);
        b.frame_at(b.buf(0, 0), 100, 2);
        b.complete_split(0, 0, 154, 54, 1, 100);
        assert_eq!(b.kinds(), [ViolationKind::MisplacedFrame]);
        assert!(
            b.last().detail.contains("descriptor 0's header buffer (HDR_IDX 7) received 0 byte(s)"),
            "{}",
            b.last()
        );
        // Data of a scatter frame missing from its second buffer.
        let (mut b, pool) = split_bench();
        b.post_split(3);
        b.frame_at(Bench::hdr_buf(pool, 0), 54, 1);
        b.frame_at(b.buf(0, 0), 256, 2);
        b.complete_split(0, 0, 54 + 300, 54, 2, 44);
        assert_eq!(b.kinds(), [ViolationKind::MisplacedFrame]);
        assert!(b.last().detail.contains("descriptor 1 (BUF_ID 0x101"), "{}", b.last());
    }

    #[test]
    fn inconsistent_split_lengths_are_reported() {
        let (mut b, pool) = split_bench();
        b.post_split(4);
        b.frame_at(Bench::hdr_buf(pool, 0), 54, 1);
        b.frame_at(b.buf(0, 0), 256, 2);
        b.frame_at(b.buf(0, 1), 44, 3);
        // LAST_LEN says 40, the sum says 44.
        b.complete_split(0, 0, 54 + 300, 54, 2, 40);
        assert!(b.kinds().contains(&ViolationKind::CompletionRecord), "{:#?}", b.rc.violations());
        // HDR_LEN larger than a header buffer.
        b.frame_at(b.buf(0, 2), 100, 4);
        b.complete_split(1, 2, 300, 200, 1, 100);
        let d = &b.rc.violations().iter().rev().find(|v| v.kind == ViolationKind::CompletionRecord).unwrap().detail;
        assert!(d.contains("HDR_LEN 200 but the header buffers hold 128 bytes"), "{d}");
    }
}
