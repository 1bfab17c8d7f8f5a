//! The driver's whole view of a device: BAR0 MMIO and DMA-able host memory.
//!
//! The same driver runs over several transports: the Verilator model (Rust
//! owns the clock), cocotb (Python owns the clock) and a real board behind a
//! host bridge. So nothing here says who advances time: a blocking
//! [`Hal::mmio_read32`] returns once the device has answered, exactly as a CPU
//! load from a BAR stalls until the completion comes back, and the transport
//! decides how that wait happens.
//!
//! Interrupts are MSI-X messages. The platform (an OS, the root-complex
//! model) assigns each vector a message with [`Hal::irq_alloc`]; the driver
//! writes it into the device's MSI-X table; the transport counts the
//! interrupts that arrive per vector and the driver collects them with
//! [`Hal::irq_take`], like reading a VFIO eventfd. Who wakes the driver
//! when a count goes up is the transport's business (a tokio task over an
//! eventfd on hardware, the clock task in a simulation).
//!
//! Host memory is addressed by *bus address*, the address the device uses in
//! its DMA TLPs. The driver reads and writes it through the transport because
//! in a simulation it lives inside the root-complex model.
//!
//! Zero-copy: [`Hal::dma_pin`] lends a range of DMA memory for reading in
//! place ([`DmaPin`]), so a driver can hand received payload to an
//! application without copying it. [`mem::DmaBuffer`] is the software
//! memory a simulated transport keeps, with the pin bookkeeping that makes
//! such reads sound.

// `unsafe` only in `mem`, which explains each use.
#![deny(unsafe_code)]

pub mod mem;

use std::fmt;

pub use mem::{DmaBuffer, DmaPin};

/// Why a transport could not do what was asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HalError {
    /// No DMA memory left for an allocation of this many bytes.
    OutOfDmaMemory { len: usize },
    /// The bus address range is not inside memory the driver allocated.
    BadDmaAddress { addr: u64, len: usize },
    /// The device did not answer an MMIO read (a real CPU would read all-ones).
    MmioTimeout { offset: u32 },
    /// The transport does not offer this (config space, interrupts).
    Unsupported { what: &'static str },
    /// A configuration-space access outside the function's 4 KiB or not dword aligned.
    BadConfigOffset { offset: u16 },
    /// No interrupt could be assigned to this MSI-X vector.
    NoInterrupt { vector: u16 },
    /// The range is pinned ([`Hal::dma_pin`]): lent out for reading in place,
    /// so neither the device nor the driver may write it, nor pin it again.
    Pinned { addr: u64, len: usize },
}

impl fmt::Display for HalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HalError::OutOfDmaMemory { len } => write!(f, "out of DMA memory allocating {len} bytes"),
            HalError::BadDmaAddress { addr, len } => {
                write!(f, "bus range {addr:#x}+{len} is not allocated DMA memory")
            }
            HalError::MmioTimeout { offset } => write!(f, "MMIO read of BAR0+{offset:#x} got no completion"),
            HalError::Unsupported { what } => write!(f, "the transport does not support {what}"),
            HalError::BadConfigOffset { offset } => {
                write!(f, "config space offset {offset:#x} is not a dword inside the function's 4 KiB")
            }
            HalError::NoInterrupt { vector } => write!(f, "no interrupt available for MSI-X vector {vector}"),
            HalError::Pinned { addr, len } => {
                write!(f, "bus range {addr:#x}+{len} is pinned (lent out for zero-copy reads)")
            }
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

/// The MSI-X message a platform assigned to a vector: the device raises the
/// interrupt by a 32-bit memory write of `data` to `addr`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MsiMessage {
    pub addr: u64,
    pub data: u32,
}

/// MMIO, config space, DMA memory and interrupts: the narrow trait between
/// driver and device.
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

    /// Lends `[bus_addr, bus_addr + len)` (inside one allocation) for
    /// reading in place: the returned [`DmaPin`] reads the bytes without a
    /// copy, from any thread, until it is dropped. While pinned, the range
    /// must not be written: the driver does not post it to the device, and
    /// a transport that can (a simulation) refuses and reports device writes
    /// into it. A range is pinned at most once at a time. The default: a
    /// transport without in-place access (the driver then copies).
    fn dma_pin(&mut self, bus_addr: u64, len: usize) -> Result<DmaPin, HalError> {
        let _ = (bus_addr, len);
        Err(HalError::Unsupported { what: "in-place DMA memory (zero-copy)" })
    }

    /// Reads the dword at `offset` of the function's PCI configuration space.
    /// The default: a transport without config access.
    fn cfg_read32(&mut self, offset: u16) -> Result<u32, HalError> {
        let _ = offset;
        Err(HalError::Unsupported { what: "configuration space" })
    }

    /// Writes the dword at `offset` of the function's configuration space
    /// (read-only bits keep their value, as on a real function).
    fn cfg_write32(&mut self, offset: u16, value: u32) -> Result<(), HalError> {
        let _ = (offset, value);
        Err(HalError::Unsupported { what: "configuration space" })
    }

    /// Assigns an interrupt to MSI-X table entry `vector` and returns the
    /// message the device must send for it. Allocating a vector again
    /// returns its current message.
    fn irq_alloc(&mut self, vector: u16) -> Result<MsiMessage, HalError> {
        let _ = vector;
        Err(HalError::Unsupported { what: "interrupts" })
    }

    /// Releases the interrupt of `vector`; a message arriving for it later is
    /// the device's fault.
    fn irq_free(&mut self, vector: u16) {
        let _ = vector;
    }

    /// Interrupts that arrived on `vector` since the previous call (0 for a
    /// vector without an interrupt).
    fn irq_take(&mut self, vector: u16) -> u32 {
        let _ = vector;
        0
    }
}
