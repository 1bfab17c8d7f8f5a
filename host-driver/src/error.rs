//! Driver errors and the decoded device error state.

use std::fmt;

use nic_hal::HalError;
use nic_spec::err;
use serde::Serialize;

/// Why a driver call failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DriverError {
    /// `ID` did not read `nic_spec::id::MAGIC`: wrong BAR, no device, or a dead bus.
    BadId {
        /// The value read.
        found: u32,
    },
    /// The device's major version differs from the one this driver was built against.
    VersionMismatch {
        /// The raw `VERSION` register.
        found: u32,
        /// `nic_spec::id::VERSION`, what the driver speaks.
        expected: u32,
    },
    /// `CTRL.RESET` still read 1 after this many polls.
    ResetTimeout {
        /// Polls made.
        polls: u32,
    },
    /// A queue did not report `Q_STATUS.ENABLED` as asked within the poll limit.
    QueueStateTimeout {
        /// The queue.
        queue: usize,
        /// The state the driver waited for.
        enable: bool,
    },
    /// The [`crate::RxConfig`] cannot be honoured by this device.
    InvalidConfig(String),
    /// [`crate::Nic::open`] on a NIC that is already open.
    AlreadyOpen,
    /// The call needs an open NIC.
    NotOpen,
    /// `RSS_RETA_SIZE` is neither 0 nor a power of two up to
    /// `nic_spec::rss::RETA_MAX_ENTRIES`.
    BadRetaSize {
        /// The value read.
        found: u32,
    },
    /// A driver invariant broke (a bug in the driver, not the device).
    Internal(&'static str),
    /// The queue index is not an open queue.
    NoSuchQueue {
        /// The queue asked for.
        queue: usize,
    },
    /// The transport has no DMA memory left for an allocation of `len` bytes.
    OutOfDmaMemory {
        /// Bytes asked for.
        len: usize,
    },
    /// The transport failed (bad bus address, MMIO timeout).
    Hal(HalError),
    /// `ERR_STATUS` reports an error (DMA completion failures, bad MMIO).
    Device(ErrStatus),
    /// The queue halted on a DMA error; reset the NIC to recover.
    QueueHalted {
        /// The halted queue.
        queue: usize,
    },
    /// The function has no MSI-X capability: `STATUS_CAP_LIST` is clear, or
    /// no capability in the list has ID `nic_spec::pci::CAP_ID_MSIX`.
    NoMsixCapability,
    /// The configuration-space capability list is malformed: a pointer into
    /// the 64-byte header, or a pointer back to a capability already visited.
    BadCapabilityList {
        /// The offending pointer.
        offset: u16,
        /// What is wrong with it.
        why: &'static str,
    },
    /// The MSI-X table or PBA is not in BAR0 at the offset `nic_spec::msix`
    /// defines, or does not fit inside BAR0.
    BadMsixLocation {
        /// `"table"` or `"PBA"`.
        structure: &'static str,
        /// The BAR indicator found (the driver needs 0).
        bir: u8,
        /// The offset found.
        offset: u32,
        /// The offset `nic_spec::msix` defines.
        expected: u32,
    },
    /// The MSI-X table is larger than `nic_spec::msix::MAX_VECTORS` entries.
    BadMsixTableSize {
        /// Entries the capability announces.
        entries: u32,
    },
    /// PCI Command still lacks Memory Space or Bus Master enable after the
    /// driver set them.
    PciCommand {
        /// The Command register as read back.
        found: u16,
    },
    /// The call needs interrupts enabled ([`crate::Nic::enable_interrupts`]).
    InterruptsNotEnabled,
    /// [`crate::Nic::enable_interrupts`] while interrupts are enabled.
    InterruptsAlreadyEnabled,
    /// The MSI-X vector is not one of the vectors in use.
    NoSuchVector {
        /// The vector asked for.
        vector: u16,
    },
    /// A per-queue or error task was asked to serve a vector that other
    /// queues (or the error events) share; serve it with
    /// [`crate::napi::run_vector`], one task per vector.
    SharedVector {
        /// The shared vector.
        vector: u16,
    },
    /// [`crate::napi::Shared`]: the NIC or the transport was already
    /// borrowed (a borrow held across an `.await`, or a `deliver` callback
    /// calling back into the driver).
    SharedBusy,
}

impl fmt::Display for DriverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DriverError::BadId { found } => {
                write!(f, "device ID {found:#010x} is not the NIC's {:#010x}", nic_spec::id::MAGIC)
            }
            DriverError::VersionMismatch { found, expected } => write!(
                f,
                "device version {}.{}.{} is incompatible with driver version {}.{}.{}",
                (found >> 16) & 0xFF,
                (found >> 8) & 0xFF,
                found & 0xFF,
                (expected >> 16) & 0xFF,
                (expected >> 8) & 0xFF,
                expected & 0xFF
            ),
            DriverError::ResetTimeout { polls } => write!(f, "CTRL.RESET did not clear after {polls} polls"),
            DriverError::QueueStateTimeout { queue, enable } => {
                write!(f, "RX queue {queue} did not become {} in time", if *enable { "enabled" } else { "disabled" })
            }
            DriverError::InvalidConfig(why) => write!(f, "invalid RX configuration: {why}"),
            DriverError::AlreadyOpen => write!(f, "the NIC is already open"),
            DriverError::NotOpen => write!(f, "the NIC is not open"),
            DriverError::BadRetaSize { found } => {
                write!(f, "RSS_RETA_SIZE reads {found}, not a power of two up to {}", nic_spec::rss::RETA_MAX_ENTRIES)
            }
            DriverError::NoSuchQueue { queue } => write!(f, "RX queue {queue} is not open"),
            DriverError::Internal(what) => write!(f, "driver bug: {what}"),
            DriverError::OutOfDmaMemory { len } => write!(f, "out of DMA memory allocating {len} bytes"),
            DriverError::Hal(e) => write!(f, "transport error: {e}"),
            DriverError::Device(s) => write!(f, "device reports errors: {s}"),
            DriverError::QueueHalted { queue } => write!(f, "RX queue {queue} halted on a DMA error"),
            DriverError::NoMsixCapability => write!(f, "the PCI function has no MSI-X capability"),
            DriverError::BadCapabilityList { offset, why } => {
                write!(f, "PCI capability list is malformed at pointer {offset:#x}: {why}")
            }
            DriverError::BadMsixLocation { structure, bir, offset, expected } => write!(
                f,
                "MSI-X {structure} is at BIR {bir} offset {offset:#x}; the driver needs BAR0 offset {expected:#x}"
            ),
            DriverError::BadMsixTableSize { entries } => write!(
                f,
                "MSI-X table of {entries} entries exceeds the {} the register map has room for",
                nic_spec::msix::MAX_VECTORS
            ),
            DriverError::PciCommand { found } => {
                write!(f, "PCI Command reads {found:#06x}: Memory Space or Bus Master would not enable")
            }
            DriverError::InterruptsNotEnabled => write!(f, "interrupts are not enabled"),
            DriverError::InterruptsAlreadyEnabled => write!(f, "interrupts are already enabled"),
            DriverError::NoSuchVector { vector } => write!(f, "MSI-X vector {vector} is not in use"),
            DriverError::SharedVector { vector } => write!(
                f,
                "MSI-X vector {vector} is shared with other queues or the error events: serve it with run_vector"
            ),
            DriverError::SharedBusy => write!(f, "the shared NIC or transport is already borrowed"),
        }
    }
}

impl std::error::Error for DriverError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DriverError::Hal(e) => Some(e),
            _ => None,
        }
    }
}

impl From<HalError> for DriverError {
    fn from(e: HalError) -> Self {
        match e {
            HalError::OutOfDmaMemory { len } => DriverError::OutOfDmaMemory { len },
            other => DriverError::Hal(other),
        }
    }
}

/// `ERR_STATUS` decoded. The bits are sticky until cleared with
/// [`crate::Nic::clear_error_status`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ErrStatus {
    /// The raw register.
    pub raw: u32,
    /// A BAR0 request that was not a 1-dword memory access.
    pub mmio_bad_request: bool,
    /// A DMA read completion came back unsuccessful.
    pub dma_cpl_status: bool,
    /// A DMA completion matched no outstanding read.
    pub dma_cpl_unexpected: bool,
    /// A DMA read timed out (the queue halts).
    pub dma_cpl_timeout: bool,
}

impl ErrStatus {
    /// Decodes the raw register value.
    pub fn from_raw(raw: u32) -> Self {
        ErrStatus {
            raw,
            mmio_bad_request: raw & err::MMIO_BAD_REQUEST != 0,
            dma_cpl_status: raw & err::DMA_CPL_STATUS != 0,
            dma_cpl_unexpected: raw & err::DMA_CPL_UNEXPECTED != 0,
            dma_cpl_timeout: raw & err::DMA_CPL_TIMEOUT != 0,
        }
    }

    /// No error bit is set.
    pub fn is_clear(&self) -> bool {
        self.raw == 0
    }
}

impl fmt::Display for ErrStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = [
            (self.mmio_bad_request, "MMIO_BAD_REQUEST"),
            (self.dma_cpl_status, "DMA_CPL_STATUS"),
            (self.dma_cpl_unexpected, "DMA_CPL_UNEXPECTED"),
            (self.dma_cpl_timeout, "DMA_CPL_TIMEOUT"),
        ];
        write!(f, "{:#x}", self.raw)?;
        let mut sep = " (";
        for (set, name) in names {
            if set {
                write!(f, "{sep}{name}")?;
                sep = ", ";
            }
        }
        if sep != " (" {
            write!(f, ")")?;
        }
        Ok(())
    }
}

/// A completion record that disagrees with what the driver posted: a device
/// bug. The driver never trusts such a record: it does not deliver it, it
/// takes back the buffer it knows it posted in that descriptor slot (so the
/// pool never leaks), counts it in `QueueStats::device_faults` and keeps the
/// latest one for [`crate::Nic::last_fault`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum CplFault {
    /// A completion arrived while the driver had no descriptor outstanding.
    NoDescriptorOutstanding {
        /// Completion ring index of the record.
        cpl_idx: u16,
    },
    /// `BUF_ID` is not the buffer posted in the consumed slot (or names no buffer).
    BufId {
        /// The buffer the driver posted.
        expected: u16,
        /// The record's `BUF_ID`.
        found: u16,
    },
    /// `DESC_IDX` is not the next descriptor in order.
    DescIdx {
        /// The index the driver expected.
        expected: u16,
        /// The record's `DESC_IDX`.
        found: u16,
    },
    /// `QUEUE` names another queue than the ring the record was found in.
    Queue {
        /// The record's `QUEUE`.
        found: u8,
    },
    /// `LEN` is larger than the buffer.
    Len {
        /// The record's `LEN`.
        len: u16,
        /// The buffer size posted.
        buf_len: u16,
    },
    /// `DESC_COUNT` is 0, more than `limits::MAX_SCATTER_BUFS`, or more than
    /// the descriptors in flight (the record would retire unposted ones).
    DescCount {
        /// The record's `DESC_COUNT`.
        found: u8,
        /// Descriptors the driver had in flight.
        in_flight: u16,
    },
    /// `HDR_LEN` exceeds the header buffer (or a header buffer was written
    /// on a queue without a header pool).
    HdrLen {
        /// The record's `HDR_LEN`.
        hdr_len: u16,
        /// The header buffer size posted (0: no header pool).
        hdr_buf: u16,
    },
    /// `LEN`, `HDR_LEN`, `DESC_COUNT` and `LAST_LEN` do not describe one
    /// frame laid out as docs/split.md says: `LEN = HDR_LEN + (DESC_COUNT-1)
    /// x cap + LAST_LEN`, `LAST_LEN` at most the buffer length, more than
    /// one descriptor only with scatter, and so on.
    Layout {
        /// The record's `LEN`.
        len: u16,
        /// The record's `HDR_LEN`.
        hdr_len: u16,
        /// The record's `DESC_COUNT`.
        desc_count: u8,
        /// The record's `LAST_LEN`.
        last_len: u16,
    },
    /// The `SPLIT`, `HDR_OVERFLOW` and `VLAN_STRIPPED` flags contradict each
    /// other, `HDR_LEN` or the queue's configuration.
    Flags {
        /// `SPLIT`.
        split: bool,
        /// `HDR_OVERFLOW`.
        hdr_overflow: bool,
        /// `VLAN_STRIPPED`.
        vlan_stripped: bool,
        /// The record's `HDR_LEN`.
        hdr_len: u16,
    },
}

impl fmt::Display for CplFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CplFault::NoDescriptorOutstanding { cpl_idx } => {
                write!(f, "completion {cpl_idx} with no descriptor outstanding")
            }
            CplFault::BufId { expected, found } => write!(f, "BUF_ID {found}, posted {expected}"),
            CplFault::DescIdx { expected, found } => write!(f, "DESC_IDX {found}, expected {expected}"),
            CplFault::Queue { found } => write!(f, "QUEUE {found} in another queue's ring"),
            CplFault::Len { len, buf_len } => write!(f, "LEN {len} exceeds the {buf_len}-byte buffer"),
            CplFault::DescCount { found, in_flight } => {
                write!(f, "DESC_COUNT {found} with {in_flight} descriptors in flight")
            }
            CplFault::HdrLen { hdr_len, hdr_buf } => {
                write!(f, "HDR_LEN {hdr_len} exceeds the {hdr_buf}-byte header buffer")
            }
            CplFault::Layout { len, hdr_len, desc_count, last_len } => write!(
                f,
                "LEN {len}, HDR_LEN {hdr_len}, DESC_COUNT {desc_count}, LAST_LEN {last_len} describe no valid layout"
            ),
            CplFault::Flags { split, hdr_overflow, vlan_stripped, hdr_len } => write!(
                f,
                "flags SPLIT {split} HDR_OVERFLOW {hdr_overflow} VLAN_STRIPPED {vlan_stripped} with HDR_LEN {hdr_len} contradict"
            ),
        }
    }
}
