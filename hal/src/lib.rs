//! The driver's whole view of a device: BAR0 MMIO and DMA-able host memory.
//!
//! The same driver runs over several transports: the Verilator model (Rust
//! owns the clock), cocotb (Python owns the clock) and a real board behind a
//! host bridge. So nothing here says who advances time: a blocking
//! [`Hal::mmio_read32`] returns once the device has answered, exactly as a CPU
//! load from a BAR stalls until the completion comes back, and the transport
//! decides how that wait happens.
//!
//! Host memory is addressed by *bus address*, the address the device uses in
//! its DMA TLPs. The driver reads and writes it through the transport because
//! in a simulation it lives inside the root-complex model.

#![forbid(unsafe_code)]

use std::fmt;

/// Why a transport could not do what was asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HalError {
    /// No DMA memory left for an allocation of this many bytes.
    OutOfDmaMemory { len: usize },
    /// The bus address range is not inside memory the driver allocated.
    BadDmaAddress { addr: u64, len: usize },
    /// The device did not answer an MMIO read (a real CPU would read all-ones).
    MmioTimeout { offset: u32 },
}

impl fmt::Display for HalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HalError::OutOfDmaMemory { len } => write!(f, "out of DMA memory allocating {len} bytes"),
            HalError::BadDmaAddress { addr, len } => {
                write!(f, "bus range {addr:#x}+{len} is not allocated DMA memory")
            }
            HalError::MmioTimeout { offset } => write!(f, "MMIO read of BAR0+{offset:#x} got no completion"),
        }
    }
}

impl std::error::Error for HalError {}

/// A block of DMA-able host memory: its bus address and length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DmaRegion {
    pub bus_addr: u64,
    pub len: usize,
}

/// MMIO and DMA memory, the narrow trait between driver and device.
pub trait Hal {
    /// Reads the 32-bit register at `offset` in BAR0. Returns once the
    /// device's completion arrived.
    fn mmio_read32(&mut self, offset: u32) -> Result<u32, HalError>;

    /// Writes the 32-bit register at `offset` in BAR0 (a posted write:
    /// it may reach the device after this returns, but before any later
    /// MMIO access does).
    fn mmio_write32(&mut self, offset: u32, value: u32);

    /// Allocates zeroed DMA memory aligned to `align` (a power of two).
    fn dma_alloc(&mut self, len: usize, align: usize) -> Result<DmaRegion, HalError>;

    /// Returns memory from [`Hal::dma_alloc`].
    fn dma_free(&mut self, region: DmaRegion);

    /// Copies host memory at `bus_addr` into `buf`.
    fn dma_read(&self, bus_addr: u64, buf: &mut [u8]) -> Result<(), HalError>;

    /// Copies `data` into host memory at `bus_addr`.
    fn dma_write(&mut self, bus_addr: u64, data: &[u8]) -> Result<(), HalError>;
}
