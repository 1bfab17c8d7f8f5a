//! Zero-copy delivery: data buffers lent to the application.
//!
//! With [`Delivery::ZeroCopy`] the driver does not copy a frame's data
//! buffers: it pins each one ([`nic_hal::Hal::dma_pin`]) and hands the
//! callback an [`RxBuf`] per buffer, an owned, reference-counted handle
//! that may be cloned, narrowed ([`RxBuf::slice`]), sent to other threads
//! and kept as long as the application likes. The buffer goes back to the
//! pool only when the last handle is dropped: the drop puts its id on the
//! queue's return list, and the next poll (or [`crate::Nic::post_free_buffers`])
//! unpins it and makes it postable again. So a buffer is never posted to
//! the NIC while a handle to it is alive (the simulator's DMA guard reports
//! `PinnedBufferPosted` and refuses device writes into pinned memory, which
//! the tests check).
//!
//! An application that holds buffers starves the queue: once the free pool
//! is empty nothing is posted, the NIC drops frames and counts them
//! (`Q_DROP_NO_DESC`), and traffic resumes when handles are released. While
//! a queue is short of buffers, the last drop of a handle also wakes the
//! queue's NAPI task (so it re-posts without waiting for an interrupt that
//! cannot come).
//!
//! Header buffers never leave the driver: their bytes are copied (they are
//! small) and the buffer recycled when the completion is processed.
//!
//! Cost per lent buffer: one pin (a bitmap update in a simulation, nothing
//! on hardware), an `Arc` clone and, when the last handle drops, a short
//! lock to put the id on the return list. No allocation.

use std::fmt;
use std::ops::{Deref, Range};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use nic_hal::DmaPin;
use tokio::sync::Notify;

/// How [`crate::Nic::poll`] hands a frame's data-buffer bytes to the callback.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Delivery {
    /// Copy header and data bytes into a per-queue scratch buffer
    /// ([`FrameBytes::Copied`]) and recycle the buffers at once.
    #[default]
    Copy,
    /// Lend the data buffers ([`FrameBytes::Lent`], [`RxBuf`]); they come
    /// back when the last handle drops. Needs a transport with
    /// [`nic_hal::Hal::dma_pin`].
    ZeroCopy,
}

impl Delivery {
    /// The CLI spelling: `copy`, `zero-copy`.
    pub fn name(self) -> &'static str {
        match self {
            Delivery::Copy => "copy",
            Delivery::ZeroCopy => "zero-copy",
        }
    }
}

impl std::str::FromStr for Delivery {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "copy" => Ok(Delivery::Copy),
            "zero-copy" | "zerocopy" => Ok(Delivery::ZeroCopy),
            _ => Err(format!("unknown delivery {s:?} (expected copy or zero-copy)")),
        }
    }
}

/// A frame's bytes as the callback sees them: the header buffer's part and
/// the data buffers' part, copied or lent.
#[derive(Clone, Copy, Debug)]
pub enum FrameBytes<'a> {
    /// The whole frame, contiguous in the queue's scratch buffer (valid
    /// during the callback).
    Copied(&'a [u8]),
    /// `header`: the header buffer's bytes, copied (empty without a header
    /// buffer); `bufs`: one handle per data buffer written, in frame order.
    Lent {
        /// The header buffer's bytes (copied).
        header: &'a [u8],
        /// The data buffers, lent.
        bufs: &'a [RxBuf],
    },
}

impl<'a> FrameBytes<'a> {
    /// Frame length.
    pub fn len(&self) -> usize {
        match self {
            FrameBytes::Copied(d) => d.len(),
            FrameBytes::Lent { header, bufs } => header.len() + bufs.iter().map(|b| b.len()).sum::<usize>(),
        }
    }

    /// Is the frame empty?
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The frame as contiguous pieces, in order (no copy).
    pub fn segments(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        let (first, bufs): (&'a [u8], &'a [RxBuf]) = match *self {
            FrameBytes::Copied(d) => (d, &[]),
            FrameBytes::Lent { header, bufs } => (header, bufs),
        };
        std::iter::once(first).chain(bufs.iter().map(RxBuf::bytes)).filter(|s| !s.is_empty())
    }

    /// The contiguous frame, if it is in one piece.
    pub fn contiguous(&self) -> Option<&'a [u8]> {
        let mut it = self.segments();
        match (it.next(), it.next()) {
            (Some(s), None) => Some(s),
            (None, _) => Some(&[]),
            _ => None,
        }
    }

    /// Copies the frame into the start of `out` (the copy path into a
    /// caller's buffer) and returns the bytes copied: all of them if `out`
    /// is long enough, else as many as fit.
    pub fn copy_to(&self, out: &mut [u8]) -> usize {
        let mut n = 0;
        for s in self.segments() {
            let k = s.len().min(out.len() - n);
            out[n..n + k].copy_from_slice(&s[..k]);
            n += k;
            if n == out.len() {
                break;
            }
        }
        n
    }

    /// `range` of the frame as one slice, if it lies inside one piece.
    pub fn range_slice(&self, range: Range<usize>) -> Option<&'a [u8]> {
        let mut at = 0;
        for s in self.segments() {
            if range.start >= at && range.end <= at + s.len() {
                return s.get(range.start - at..range.end - at);
            }
            at += s.len();
        }
        None
    }

    /// Copies `range` of the frame into `out` (`out.len()` bytes at most;
    /// fewer if the frame ends first); returns the bytes copied.
    pub fn copy_range(&self, range: Range<usize>, out: &mut [u8]) -> usize {
        let (mut at, mut n) = (0, 0);
        let want = range.end.saturating_sub(range.start).min(out.len());
        for s in self.segments() {
            let from = range.start + n;
            if n == want {
                break;
            }
            if from < at + s.len() {
                let off = from.saturating_sub(at);
                let k = (s.len() - off).min(want - n);
                out[n..n + k].copy_from_slice(&s[off..off + k]);
                n += k;
            }
            at += s.len();
        }
        n
    }

    /// The frame as a new vector (convenience for tests).
    pub fn to_vec(&self) -> Vec<u8> {
        let mut v = vec![0; self.len()];
        self.copy_to(&mut v);
        v
    }
}

impl PartialEq<[u8]> for FrameBytes<'_> {
    fn eq(&self, other: &[u8]) -> bool {
        if self.len() != other.len() {
            return false;
        }
        let mut at = 0;
        self.segments().all(|s| {
            let ok = other[at..at + s.len()] == *s;
            at += s.len();
            ok
        })
    }
}

/// Ids of data buffers whose last handle dropped, waiting for the driver.
pub(crate) struct Returns {
    ids: Mutex<Vec<u16>>,
    /// Set while the queue could not keep its ring filled: a return wakes `notify`.
    starving: AtomicBool,
    notify: Mutex<Option<Arc<Notify>>>,
}

impl Returns {
    fn push(&self, id: u16) {
        // The vector has room for every buffer of the pool: no allocation.
        self.ids.lock().unwrap_or_else(|e| e.into_inner()).push(id);
        if self.starving.load(Ordering::Acquire) {
            if let Some(n) = &*self.notify.lock().unwrap_or_else(|e| e.into_inner()) {
                n.notify_one();
            }
        }
    }
}

/// One data buffer's lending state. The driver holds one `Arc` per buffer
/// for good; the [`RxBuf`]s lent out hold the others.
pub(crate) struct Lent {
    /// The pinned buffer while lent; `None` while the driver owns it.
    pin: Option<DmaPin>,
    id: u16,
    /// Live [`RxBuf`]s (the driver's own `Arc` not counted).
    handles: AtomicU32,
    returns: Arc<Returns>,
}

/// An owned handle to the bytes the NIC wrote into one data buffer, lent
/// by [`Delivery::ZeroCopy`]; see the module docs. Derefs to the bytes.
pub struct RxBuf {
    lent: Arc<Lent>,
    range: Range<u32>,
}

impl RxBuf {
    /// The bytes (no copy).
    pub fn bytes(&self) -> &[u8] {
        let all = self.lent.pin.as_ref().map_or(&[][..], DmaPin::bytes);
        all.get(self.range.start as usize..self.range.end as usize).unwrap_or(&[])
    }

    /// A handle to `self.bytes()[range]` (same buffer, no copy).
    ///
    /// Panics if `range` is not within `0..self.len()`.
    pub fn slice(&self, range: Range<usize>) -> RxBuf {
        assert!(range.start <= range.end && range.end <= self.len(), "RxBuf::slice out of range");
        let mut b = self.clone();
        b.range = self.range.start + range.start as u32..self.range.start + range.end as u32;
        b
    }

    /// The data buffer's id (`desc::BUF_ID`).
    pub fn buf_id(&self) -> u16 {
        self.lent.id
    }

    /// Bus address of the first byte.
    pub fn bus_addr(&self) -> u64 {
        self.lent.pin.as_ref().map_or(0, DmaPin::bus_addr) + u64::from(self.range.start)
    }
}

impl Clone for RxBuf {
    fn clone(&self) -> Self {
        self.lent.handles.fetch_add(1, Ordering::Relaxed);
        RxBuf { lent: self.lent.clone(), range: self.range.clone() }
    }
}

impl Drop for RxBuf {
    fn drop(&mut self) {
        // The last handle: the buffer goes home (the driver unpins it).
        if self.lent.handles.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.lent.returns.push(self.lent.id);
        }
    }
}

impl Deref for RxBuf {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.bytes()
    }
}

impl AsRef<[u8]> for RxBuf {
    fn as_ref(&self) -> &[u8] {
        self.bytes()
    }
}

impl fmt::Debug for RxBuf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RxBuf(id {}, {:?})", self.lent.id, self.range)
    }
}

impl tcp_reassembly::Payload for RxBuf {
    fn bytes(&self) -> &[u8] {
        RxBuf::bytes(self)
    }
    fn slice(&self, range: Range<usize>) -> Self {
        RxBuf::slice(self, range)
    }
}

/// A queue's lending side: one [`Lent`] per data buffer and the return list.
pub(crate) struct Lender {
    slots: Vec<Arc<Lent>>,
    returns: Arc<Returns>,
    /// Returned ids whose last `RxBuf` was still being torn down; retried.
    deferred: Vec<u16>,
    /// Buffers lent and not yet back.
    pub(crate) outstanding: usize,
    /// Handles of the frame being delivered.
    pub(crate) frame: Vec<RxBuf>,
}

impl Lender {
    pub(crate) fn new(nbufs: usize) -> Self {
        let returns = Arc::new(Returns {
            ids: Mutex::new(Vec::with_capacity(nbufs)),
            starving: AtomicBool::new(false),
            notify: Mutex::new(None),
        });
        let slots = (0..nbufs)
            .map(|id| Arc::new(Lent { pin: None, id: id as u16, handles: AtomicU32::new(0), returns: returns.clone() }))
            .collect();
        Lender {
            slots,
            returns,
            deferred: Vec::with_capacity(nbufs),
            outstanding: 0,
            frame: Vec::with_capacity(nbufs.min(nic_spec::limits::MAX_SCATTER_BUFS as usize)),
        }
    }

    /// Lends buffer `id`, pinned as `pin`: a handle to its first `len` bytes.
    /// The buffer must be the driver's (not posted, not lent).
    pub(crate) fn lend(&mut self, id: u16, pin: DmaPin, len: usize) -> Option<RxBuf> {
        let slot = self.slots.get_mut(usize::from(id))?;
        let lent = Arc::get_mut(slot)?;
        lent.pin = Some(pin);
        lent.handles.store(1, Ordering::Relaxed);
        self.outstanding += 1;
        Some(RxBuf { lent: slot.clone(), range: 0..len as u32 })
    }

    /// Takes back every buffer whose last handle dropped (unpinning it) and
    /// calls `free(id)` for each.
    pub(crate) fn reclaim(&mut self, mut free: impl FnMut(u16)) {
        {
            let mut ids = self.returns.ids.lock().unwrap_or_else(|e| e.into_inner());
            self.deferred.append(&mut ids);
        }
        let slots = &mut self.slots;
        let mut back = 0;
        self.deferred.retain(|&id| match slots.get_mut(usize::from(id)).and_then(Arc::get_mut) {
            Some(lent) => {
                lent.pin = None; // unpins
                free(id);
                back += 1;
                false
            }
            None => true,
        });
        self.outstanding -= back;
    }

    /// Is a return pending (cheap check before [`Lender::reclaim`])?
    pub(crate) fn has_returns(&self) -> bool {
        !self.deferred.is_empty() || !self.returns.ids.lock().unwrap_or_else(|e| e.into_inner()).is_empty()
    }

    pub(crate) fn set_starving(&self, on: bool) {
        self.returns.starving.store(on, Ordering::Release);
    }

    pub(crate) fn set_notify(&self, n: Option<Arc<Notify>>) {
        *self.returns.notify.lock().unwrap_or_else(|e| e.into_inner()) = n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nic_hal::DmaBuffer;

    /// Buffers 0..n of 64 bytes, buffer k filled with k*64.. (mod 256).
    fn memory(n: usize) -> DmaBuffer {
        let mut m = DmaBuffer::zeroed(n * 64);
        for (i, b) in m.bytes_mut(0, n * 64).unwrap().iter_mut().enumerate() {
            *b = i as u8;
        }
        m
    }

    #[test]
    fn lent_frame_pieces_ranges_and_copies() {
        let mut m = memory(3);
        let mut l = Lender::new(3);
        let bufs: Vec<RxBuf> =
            (0..3u16).map(|id| l.lend(id, m.pin(usize::from(id) * 64, 64, 0).unwrap(), 64).unwrap()).collect();
        let bufs = [bufs[0].clone(), bufs[1].slice(0..10)];
        let header = [0xAAu8; 4];
        let f = FrameBytes::Lent { header: &header, bufs: &bufs };
        assert_eq!(f.len(), 78);
        assert!(f.contiguous().is_none());
        let flat = f.to_vec();
        assert_eq!(&flat[..4], &header);
        assert_eq!(flat[4..68], (0..64).collect::<Vec<u8>>()[..]);
        assert_eq!(flat[68..], (64..74).collect::<Vec<u8>>()[..]);
        assert!(f == *flat.as_slice());
        assert_eq!(f.range_slice(10..20), Some(&flat[10..20]));
        assert_eq!(f.range_slice(60..70), None, "spans two pieces");
        let mut out = [0u8; 12];
        assert_eq!(f.copy_range(60..72, &mut out), 12);
        assert_eq!(out[..], flat[60..72]);
        assert_eq!(f.copy_range(74..100, &mut out), 4, "the frame ends first");
        let mut short = [0u8; 5];
        assert_eq!(f.copy_to(&mut short), 5);
        assert_eq!(short[..], flat[..5]);
    }

    #[test]
    fn a_buffer_comes_back_after_its_last_handle() {
        let mut m = memory(2);
        let mut l = Lender::new(2);
        let a = l.lend(0, m.pin(0, 64, 0).unwrap(), 64).unwrap();
        let b = l.lend(1, m.pin(64, 64, 64).unwrap(), 64).unwrap();
        let other = DmaBuffer::zeroed(16).pin(0, 8, 0).unwrap();
        assert!(l.lend(0, other, 8).is_none(), "a lent buffer is not lent twice");
        let a2 = a.slice(8..16);
        assert_eq!(a2.bus_addr(), 8);
        drop(a);
        assert!(!l.has_returns(), "a slice still holds buffer 0");
        let mut back = Vec::new();
        drop(b);
        l.reclaim(|id| back.push(id));
        assert_eq!((back.as_slice(), l.outstanding), (&[1u16][..], 1));
        assert!(m.is_pinned(0, 64) && !m.is_pinned(64, 64), "reclaiming unpins");
        let t = std::thread::spawn(move || a2.bytes().to_vec());
        assert_eq!(t.join().unwrap(), (8..16).collect::<Vec<u8>>());
        l.reclaim(|id| back.push(id));
        assert_eq!((back.as_slice(), l.outstanding), (&[1u16, 0][..], 0));
        assert!(!m.is_pinned(0, 128));
    }
}
