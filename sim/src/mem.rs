//! Sparse host memory of the root-complex model.
//!
//! Each allocation is one zeroed `Vec<u8>` keyed by its bus address in a
//! `BTreeMap`. Allocations are handed out by a bump pointer starting at
//! `SimConfig::dma_base`, page aligned (or more, if asked), with an
//! unallocated guard page after each one, so a DMA that runs past the end
//! of a buffer hits unallocated memory and is reported instead of silently
//! landing in the neighbouring buffer. Addresses are never reused.
//! Address ranges that are not memory (BAR0, the MSI window) are
//! [`HostMemory::reserve`]d: the bump pointer jumps over them.
//!
//! Each allocation is a [`DmaBuffer`], so ranges can be pinned for the
//! driver's zero-copy reads ([`HostMemory::pin`]); a write into a pinned
//! range fails (the root-complex model reports the device's attempt).

use std::collections::BTreeMap;

use nic_hal::{DmaBuffer, DmaPin, DmaRegion, HalError};

/// Smallest alignment of an allocation, and the guard gap between two.
pub const PAGE: u64 = 4096;

#[derive(Debug)]
pub struct HostMemory {
    regions: BTreeMap<u64, DmaBuffer>,
    next: u64,
    limit: usize,
    used: usize,
    /// Ranges no allocation may overlap: (start, length).
    holes: Vec<(u64, u64)>,
}

impl HostMemory {
    /// Memory whose first allocation starts at `base`, holding at most `limit` bytes at once.
    pub fn new(base: u64, limit: usize) -> Self {
        HostMemory { regions: BTreeMap::new(), next: base.next_multiple_of(PAGE), limit, used: 0, holes: Vec::new() }
    }

    /// Keeps every later allocation out of `[start, start + len)` (an
    /// address range that is something else on the bus).
    pub fn reserve(&mut self, start: u64, len: u64) {
        if len != 0 {
            self.holes.push((start, len));
        }
    }

    /// Allocates `len` zeroed bytes aligned to `max(align, PAGE)`.
    pub fn alloc(&mut self, len: usize, align: usize) -> Result<DmaRegion, HalError> {
        let align = (align.max(1) as u64).next_power_of_two().max(PAGE);
        match self.used.checked_add(len) {
            Some(u) if u <= self.limit => {}
            _ => return Err(HalError::OutOfDmaMemory { len }),
        }
        let mut start = self.next.checked_next_multiple_of(align).ok_or(HalError::OutOfDmaMemory { len })?;
        let mut end = start.checked_add(len as u64).ok_or(HalError::OutOfDmaMemory { len })?;
        while let Some(&(hs, hl)) =
            self.holes.iter().find(|&&(hs, hl)| start < hs.saturating_add(hl) && hs < end.max(start + 1))
        {
            start = hs.saturating_add(hl).checked_next_multiple_of(align).ok_or(HalError::OutOfDmaMemory { len })?;
            end = start.checked_add(len as u64).ok_or(HalError::OutOfDmaMemory { len })?;
        }
        self.next = end.next_multiple_of(PAGE) + PAGE;
        self.regions.insert(start, DmaBuffer::zeroed(len));
        self.used += len;
        Ok(DmaRegion { bus_addr: start, len })
    }

    /// Frees an allocation; false if `region` is not one.
    pub fn free(&mut self, region: DmaRegion) -> bool {
        match self.regions.get(&region.bus_addr) {
            Some(v) if v.len() == region.len => {
                // Pins keep their bytes alive; the bus range is gone.
                self.used -= region.len;
                self.regions.remove(&region.bus_addr);
                true
            }
            _ => false,
        }
    }

    /// The allocation containing `addr`: (its start, its bytes).
    pub fn region_of(&self, addr: u64) -> Option<(u64, &[u8])> {
        let (&start, v) = self.regions.range(..=addr).next_back()?;
        (addr - start < v.len() as u64).then(|| (start, v.bytes(0, v.len()).unwrap_or(&[])))
    }

    /// The allocation containing `addr` and `addr`'s offset in it.
    fn locate(&self, addr: u64) -> Option<(&DmaBuffer, usize)> {
        let (&start, v) = self.regions.range(..=addr).next_back()?;
        Some((v, usize::try_from(addr - start).ok()?))
    }

    /// Is `[addr, addr + len)` inside one allocation? (`len == 0` checks `addr` alone.)
    pub fn contains(&self, addr: u64, len: usize) -> bool {
        self.slice(addr, len.max(1)).is_some()
    }

    /// `len` bytes at `addr`, if inside one allocation.
    pub fn slice(&self, addr: u64, len: usize) -> Option<&[u8]> {
        let (v, off) = self.locate(addr)?;
        v.bytes(off, len)
    }

    /// `len` bytes at `addr`, mutable, if inside one allocation and not pinned.
    pub fn slice_mut(&mut self, addr: u64, len: usize) -> Option<&mut [u8]> {
        let (&start, v) = self.regions.range_mut(..=addr).next_back()?;
        let off = usize::try_from(addr - start).ok()?;
        v.bytes_mut(off, len)
    }

    /// Does a pin cover any byte of `[addr, addr + len)`?
    pub fn is_pinned(&self, addr: u64, len: usize) -> bool {
        self.locate(addr).is_some_and(|(v, off)| v.is_pinned(off, len))
    }

    /// Pins `[addr, addr + len)`, inside one allocation (see [`DmaBuffer::pin`]).
    pub fn pin(&mut self, addr: u64, len: usize) -> Result<DmaPin, HalError> {
        let bad = HalError::BadDmaAddress { addr, len };
        let (&start, v) = self.regions.range_mut(..=addr).next_back().ok_or(bad.clone())?;
        v.pin(usize::try_from(addr - start).map_err(|_| bad)?, len, addr)
    }

    pub fn read(&self, addr: u64, buf: &mut [u8]) -> Result<(), HalError> {
        let s = self.slice(addr, buf.len()).ok_or(HalError::BadDmaAddress { addr, len: buf.len() })?;
        buf.copy_from_slice(s);
        Ok(())
    }

    /// Fails with [`HalError::Pinned`] for a range a pin covers.
    pub fn write(&mut self, addr: u64, data: &[u8]) -> Result<(), HalError> {
        let len = data.len();
        if self.is_pinned(addr, len) && self.contains(addr, len) {
            return Err(HalError::Pinned { addr, len });
        }
        let s = self.slice_mut(addr, len).ok_or(HalError::BadDmaAddress { addr, len })?;
        s.copy_from_slice(data);
        Ok(())
    }

    /// Live allocations in address order.
    pub fn regions(&self) -> impl Iterator<Item = DmaRegion> + '_ {
        self.regions.iter().map(|(&bus_addr, v)| DmaRegion { bus_addr, len: v.len() })
    }

    /// Bytes currently allocated.
    pub fn used(&self) -> usize {
        self.used
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alloc_aligns_and_guards() {
        let mut m = HostMemory::new(0x8000_0000, 1 << 20);
        let a = m.alloc(100, 16).unwrap();
        assert_eq!(a.bus_addr, 0x8000_0000);
        let b = m.alloc(8192, 8192).unwrap();
        assert_eq!(b.bus_addr % 8192, 0);
        assert!(b.bus_addr >= a.bus_addr + 2 * PAGE, "guard page between allocations");
        assert!(m.contains(a.bus_addr + 99, 1));
        assert!(!m.contains(a.bus_addr + 99, 2));
        assert!(!m.contains(a.bus_addr + 100, 1));
        m.write(b.bus_addr + 8190, &[1, 2]).unwrap();
        assert!(m.write(b.bus_addr + 8191, &[1, 2]).is_err());
        assert!(m.free(a));
        assert!(!m.contains(a.bus_addr, 1));
        assert!(m.alloc(2 << 20, 1).is_err());
    }

    #[test]
    fn alloc_skips_reserved_ranges() {
        let mut m = HostMemory::new(0x1000_0000, 1 << 24);
        m.reserve(0x1000_3000, 0x1000);
        m.reserve(0x1000_7000, 0x10_0000);
        let a = m.alloc(0x2000, 1).unwrap(); // 0x1000_0000..0x1000_2000, guard page up to 0x1000_3000
        let b = m.alloc(0x1000, 1).unwrap(); // would start in the first hole
        assert_eq!((a.bus_addr, b.bus_addr), (0x1000_0000, 0x1000_4000));
        let c = m.alloc(0x1001, 1).unwrap(); // would start at 0x1000_6000 and run into the second hole
        assert_eq!(c.bus_addr, 0x1010_7000);
        let d = m.alloc(100, 0x20_0000).unwrap();
        assert_eq!(d.bus_addr, 0x1020_0000);
    }
}
