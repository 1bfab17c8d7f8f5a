//! DMA memory a transport keeps in software, readable in place while pinned.
//!
//! A simulated or bridged device writes host memory through the transport
//! (the root-complex model applies each MemWr TLP), while a zero-copy driver
//! lends parts of the same memory to applications, possibly on other
//! threads. [`DmaBuffer`] makes that sound: the owner writes only through
//! `&mut self`, and never into a *pinned* range; a [`DmaPin`] is an owned,
//! `Send + Sync` read-only view of a pinned range that unpins when dropped.
//! So a device that writes into a buffer the driver has lent out (a driver
//! or RTL bug) is refused and reported by the transport, instead of racing
//! with a reader.
//!
//! Pins are tracked in [`PIN_GRANULE`]-byte granules (one bit each); a pin
//! covers every granule its range touches. Driver buffers are laid out at
//! that alignment, so pinning one never blocks writes to its neighbour.
//!
//! On real hardware the same guarantee comes from the driver's ownership
//! protocol alone (a lent buffer is not posted to the device); a transport
//! there implements [`crate::Hal::dma_pin`] over its mapped memory and
//! cannot refuse device writes. This module is the one place in the
//! workspace's transports with `unsafe` code for memory.

#![allow(unsafe_code)]

use std::cell::UnsafeCell;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::HalError;

/// Bytes per pin-tracking granule (the NIC's buffer alignment).
pub const PIN_GRANULE: usize = 16;

/// The shared storage: bytes written by the owner only, plus the pin bitmap.
struct Storage {
    bytes: Box<[UnsafeCell<u8>]>,
    /// Bit `g` set: granule `g` is pinned (read by [`DmaPin`]s, not writable).
    pins: Box<[AtomicU64]>,
}

// SAFETY: the bytes are only written through `DmaBuffer::bytes_mut` (which
// needs `&mut DmaBuffer`, the unique owner, and refuses pinned granules) and
// read through `&DmaBuffer` (excluded from writes by the borrow) or through
// a `DmaPin`, whose granules stay pinned (so unwritten) until it drops. A
// pin is set only through `&mut DmaBuffer`, so no write is in progress when
// a range becomes readable by another thread; it is cleared with `Release`
// and checked with `Acquire`, so a pin's last reads happen before any later
// write to the range.
unsafe impl Sync for Storage {}

impl Storage {
    fn granules(off: usize, len: usize) -> std::ops::Range<usize> {
        off / PIN_GRANULE..(off + len.max(1)).div_ceil(PIN_GRANULE)
    }

    /// Is any granule of `g` pinned?
    fn any_pinned(&self, g: std::ops::Range<usize>) -> bool {
        for_each_word(g, |w, mask| self.pins[w].load(Ordering::Acquire) & mask != 0)
    }

    /// Clears the pin bits of `g`.
    fn unpin(&self, g: std::ops::Range<usize>) {
        for_each_word(g, |w, mask| {
            self.pins[w].fetch_and(!mask, Ordering::Release);
            false
        });
    }

    fn ptr(&self) -> *mut u8 {
        // UnsafeCell<u8> has the layout of u8; a slice of them is contiguous.
        UnsafeCell::raw_get(self.bytes.as_ptr())
    }
}

/// Calls `f(word, mask)` for the bitmap words covering granules `g`; stops
/// and returns true at the first `true`.
fn for_each_word(g: std::ops::Range<usize>, mut f: impl FnMut(usize, u64) -> bool) -> bool {
    let mut i = g.start;
    while i < g.end {
        let w = i / 64;
        let lo = i % 64;
        let hi = (g.end - w * 64).min(64);
        let mask = if hi - lo == 64 { u64::MAX } else { ((1u64 << (hi - lo)) - 1) << lo };
        if f(w, mask) {
            return true;
        }
        i = w * 64 + hi;
    }
    false
}

/// One zeroed block of host memory owned by a transport. See the module docs.
pub struct DmaBuffer {
    storage: Arc<Storage>,
}

impl fmt::Debug for DmaBuffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DmaBuffer").field("len", &self.len()).finish()
    }
}

impl DmaBuffer {
    /// `len` zero bytes.
    pub fn zeroed(len: usize) -> Self {
        let bytes: Box<[u8]> = vec![0u8; len].into_boxed_slice();
        // SAFETY: UnsafeCell<u8> is repr(transparent) over u8, so the slice
        // has the same layout; ownership moves from one box to the other.
        let bytes = unsafe { Box::from_raw(Box::into_raw(bytes) as *mut [UnsafeCell<u8>]) };
        let words = len.div_ceil(PIN_GRANULE).div_ceil(64);
        let pins = (0..words).map(|_| AtomicU64::new(0)).collect();
        DmaBuffer { storage: Arc::new(Storage { bytes, pins }) }
    }

    pub fn len(&self) -> usize {
        self.storage.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn in_range(&self, off: usize, len: usize) -> bool {
        off.checked_add(len).is_some_and(|end| end <= self.len())
    }

    /// `len` bytes at `off`, if inside the buffer.
    pub fn bytes(&self, off: usize, len: usize) -> Option<&[u8]> {
        if !self.in_range(off, len) {
            return None;
        }
        // SAFETY: in range; no `&mut` to these bytes can exist while `self`
        // is borrowed shared (writes need `&mut self`), and pins only read.
        Some(unsafe { std::slice::from_raw_parts(self.storage.ptr().add(off), len) })
    }

    /// `len` bytes at `off`, writable, if inside the buffer and not pinned.
    pub fn bytes_mut(&mut self, off: usize, len: usize) -> Option<&mut [u8]> {
        if !self.in_range(off, len) || self.is_pinned(off, len) {
            return None;
        }
        // SAFETY: in range; `&mut self` excludes every other owner borrow, and
        // no `DmaPin` covers these granules (checked above; a new pin needs
        // `&mut self`, so none can appear while this borrow lives).
        Some(unsafe { std::slice::from_raw_parts_mut(self.storage.ptr().add(off), len) })
    }

    /// Does any pin cover a byte of `[off, off + len)` (`len` 0: byte `off`)?
    /// Bytes outside the buffer are never pinned.
    pub fn is_pinned(&self, off: usize, len: usize) -> bool {
        let end = off.saturating_add(len.max(1)).min(self.len());
        off < end && self.storage.any_pinned(Storage::granules(off, end - off))
    }

    /// Pins `[off, off + len)` and returns the read-only view. `bus_addr` is
    /// the range's bus address, kept for [`DmaPin::bus_addr`]. Fails if the
    /// range is outside the buffer, empty, or touches a granule already
    /// pinned (a range is lent once at a time).
    pub fn pin(&mut self, off: usize, len: usize, bus_addr: u64) -> Result<DmaPin, HalError> {
        if len == 0 || !self.in_range(off, len) {
            return Err(HalError::BadDmaAddress { addr: bus_addr, len });
        }
        let g = Storage::granules(off, len);
        if self.storage.any_pinned(g.clone()) {
            return Err(HalError::Pinned { addr: bus_addr, len });
        }
        for_each_word(g, |w, mask| {
            self.storage.pins[w].fetch_or(mask, Ordering::Release);
            false
        });
        Ok(DmaPin { storage: self.storage.clone(), off, len, bus_addr })
    }
}

/// An owned, read-only view of a pinned range of DMA memory: the device
/// cannot write it until this is dropped. Cheap to move between threads;
/// not `Clone` (a range is pinned once; share it behind an `Arc`).
pub struct DmaPin {
    storage: Arc<Storage>,
    off: usize,
    len: usize,
    bus_addr: u64,
}

impl DmaPin {
    /// The pinned bytes.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: `off..off + len` was checked in range at pin time; its
        // granules stay pinned (never written) until `self` drops.
        unsafe { std::slice::from_raw_parts(self.storage.ptr().add(self.off), self.len) }
    }

    /// Bus address of the first pinned byte.
    pub fn bus_addr(&self) -> u64 {
        self.bus_addr
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Drop for DmaPin {
    fn drop(&mut self) {
        self.storage.unpin(Storage::granules(self.off, self.len));
    }
}

impl fmt::Debug for DmaPin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DmaPin({:#x}+{})", self.bus_addr, self.len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_block_writes_to_their_granules_only() {
        let mut b = DmaBuffer::zeroed(4096);
        b.bytes_mut(100, 4).unwrap().copy_from_slice(&[1, 2, 3, 4]);
        let p = b.pin(96, 32, 0x1000 + 96).unwrap(); // granules 6 and 7
        assert_eq!(&p.bytes()[4..8], &[1, 2, 3, 4]);
        assert!(b.bytes_mut(127, 1).is_none());
        assert!(b.bytes_mut(95, 2).is_none(), "a write touching a pinned granule is refused");
        assert!(b.bytes_mut(128, 16).is_some() && b.bytes_mut(80, 16).is_some());
        assert!(matches!(b.pin(112, 64, 0), Err(HalError::Pinned { .. })));
        let t = std::thread::spawn(move || p.bytes().to_vec());
        assert_eq!(&t.join().unwrap()[4..8], &[1, 2, 3, 4]);
        assert!(!b.is_pinned(0, 4096), "dropping the pin on another thread unpins");
        b.bytes_mut(96, 32).unwrap().fill(9);
    }

    #[test]
    fn bitmap_words_across_boundaries() {
        let mut b = DmaBuffer::zeroed(64 * PIN_GRANULE * 3);
        let p = b.pin(60 * PIN_GRANULE, 70 * PIN_GRANULE, 0).unwrap();
        assert!(b.is_pinned(60 * PIN_GRANULE, 1) && b.is_pinned(129 * PIN_GRANULE, 1));
        assert!(!b.is_pinned(59 * PIN_GRANULE, PIN_GRANULE) && !b.is_pinned(130 * PIN_GRANULE, 1));
        drop(p);
        assert!(!b.is_pinned(0, b.len()));
        assert!(b.pin(0, b.len(), 0).is_ok());
        assert!(b.pin(0, 0, 0).is_err() && b.pin(1, b.len(), 0).is_err());
        assert!(!b.is_pinned(b.len(), 100) && !b.is_pinned(usize::MAX, 2), "outside: never pinned, no panic");
    }

    #[test]
    fn memory_outlives_its_owner_while_pinned() {
        let mut b = DmaBuffer::zeroed(64);
        b.bytes_mut(0, 3).unwrap().copy_from_slice(b"abc");
        let p = b.pin(0, 3, 0).unwrap();
        drop(b);
        assert_eq!(p.bytes(), b"abc");
    }
}
