//! The NIC's host-visible formats, defined once.
//!
//! Everything the RTL and the driver must agree on lives here: the BAR0
//! register map, the RX descriptor and the RX completion record, and the few
//! PCIe TLP encodings both sides use. The Verilog side never hand-copies these
//! numbers: `cargo run -p nic-spec --bin gen-verilog` renders
//! `rtl/nic_spec.vh` from this file, and the `generated_header_is_current`
//! test fails when the committed header drifts from it.
//!
//! Conventions:
//! * all registers are 32 bits wide and must be accessed as single aligned
//!   dwords (a PCIe MemRd/MemWr of length 1);
//! * in-memory records (descriptor, completion) are little-endian dwords, the
//!   byte order a PCIe payload has in host memory;
//! * ring indices are free-running 16-bit counters; the slot is
//!   `index & (size - 1)`, sizes are powers of two up to `2^MAX_LOG_RING`, so
//!   `prod - cons` (mod 2^16) is the fill level and full and empty differ.

#![forbid(unsafe_code)]

use std::fmt::Write as _;

/// How software may access a register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Read-only; writes are ignored.
    Ro,
    /// Read/write.
    Rw,
    /// Read; writing 1 to a bit clears it.
    Rw1c,
}

/// One 32-bit register.
#[derive(Clone, Copy, Debug)]
pub struct Reg {
    pub name: &'static str,
    pub offset: u32,
    pub access: Access,
    pub doc: &'static str,
}

/// A bit field of an in-memory record made of little-endian dwords.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    /// Bit position counted from bit 0 of dword 0 (`dword * 32 + bit`).
    pub lsb: u32,
    pub width: u32,
    pub doc: &'static str,
}

impl Field {
    const fn new(name: &'static str, dword: u32, bit: u32, width: u32, doc: &'static str) -> Self {
        Field { name, lsb: dword * 32 + bit, width, doc }
    }

    /// The record bytes the field touches and its shift in the first.
    fn span(&self) -> (std::ops::RangeInclusive<usize>, u32) {
        let first = (self.lsb / 8) as usize;
        let last = ((self.lsb + self.width.max(1) - 1) / 8) as usize;
        (first..=last, self.lsb % 8)
    }

    fn mask(&self) -> u128 {
        (1u128 << self.width) - 1
    }

    /// Reads the field from a record laid out as in host memory (one
    /// little-endian load of the bytes it spans, not bit by bit: this is
    /// on the driver's per-frame path).
    pub fn get(&self, record: &[u8]) -> u64 {
        let (bytes, shift) = self.span();
        let mut buf = [0u8; 16];
        buf[..bytes.end() - bytes.start() + 1].copy_from_slice(&record[bytes]);
        ((u128::from_le_bytes(buf) >> shift) & self.mask()) as u64
    }

    /// Writes the field into a record laid out as in host memory.
    /// Bits of `value` above the field's width are an error in the caller.
    pub fn set(&self, record: &mut [u8], value: u64) {
        debug_assert!(self.width == 64 || value >> self.width == 0, "{} overflows", self.name);
        let (bytes, shift) = self.span();
        let n = bytes.end() - bytes.start() + 1;
        let mut buf = [0u8; 16];
        buf[..n].copy_from_slice(&record[bytes.clone()]);
        let m = self.mask() << shift;
        let v = (u128::from_le_bytes(buf) & !m) | ((u128::from(value) << shift) & m);
        record[bytes].copy_from_slice(&v.to_le_bytes()[..n]);
    }
}

/// Identification values.
pub mod id {
    /// `ID` register value: ASCII "NIC1".
    pub const MAGIC: u32 = 0x4E49_4331;
    pub const VERSION_MAJOR: u32 = 0;
    pub const VERSION_MINOR: u32 = 1;
    pub const VERSION_PATCH: u32 = 0;
    /// `VERSION` register value.
    pub const VERSION: u32 = (VERSION_MAJOR << 16) | (VERSION_MINOR << 8) | VERSION_PATCH;
}

/// Limits shared by RTL and driver.
pub mod limits {
    /// Largest ring is `2^MAX_LOG_RING` entries (indices are 16-bit free-running).
    pub const MAX_LOG_RING: u32 = 15;
    /// Descriptor and completion rings must start on this boundary.
    pub const RING_ALIGN: u64 = 4096;
    /// RX buffers must start on this boundary (the DMA engine writes whole
    /// 16-byte beats from the buffer start).
    pub const BUF_ALIGN: u64 = 16;
    /// Frames shorter than this (no Ethernet header) are dropped as runts.
    pub const MIN_FRAME_LEN: u32 = 14;
    /// Frames longer than this are dropped as oversize (jumbo up to 9216).
    pub const MAX_FRAME_LEN: u32 = 9216;
    /// BAR0 size in bytes.
    pub const BAR0_SIZE: u64 = 64 * 1024;
    /// Largest useful `ivec::ITR_NS` (24 bits, about 16.8 ms).
    pub const ITR_MAX_NS: u32 = (1 << 24) - 1;
    /// Most descriptors (data buffers) one frame may use; a frame that would
    /// need more is dropped as `Q_DROP_BUF_TOO_SMALL`.
    pub const MAX_SCATTER_BUFS: u32 = 255;
    /// Header buffers are `2^n` bytes, n clamped to this range (`rx_cfg::HDR_LOG_SIZE`).
    pub const HDR_LOG_SIZE_MIN: u32 = 6;
    pub const HDR_LOG_SIZE_MAX: u32 = 10;
}

macro_rules! registers {
    ($(#[$m:meta])* $vis:vis mod $module:ident, base $base:expr, { $($name:ident = $off:expr, $acc:ident, $doc:expr;)* }) => {
        $(#[$m])*
        $vis mod $module {
            use super::{Access, Reg};
            /// Offset of this block in BAR0.
            pub const BASE: u32 = $base;
            $( #[doc = $doc] pub const $name: u32 = $off; )*
            /// Every register of the block, offsets relative to `BASE`.
            pub const ALL: &[Reg] = &[ $( Reg { name: stringify!($name), offset: $off, access: Access::$acc, doc: $doc }, )* ];
        }
    };
}

registers! {
    /// Global registers (offsets are absolute in BAR0).
    pub mod global, base 0x0000, {
        ID = 0x0000, Ro, "Identification, always `id::MAGIC`.";
        VERSION = 0x0004, Ro, "Version: major [23:16], minor [15:8], patch [7:0].";
        CTRL = 0x0008, Rw, "Control: see `ctrl`.";
        ERR_STATUS = 0x000C, Rw1c, "Sticky error causes: see `err`.";
        CAPS = 0x0010, Ro, "Capabilities: see `caps`.";
        SCRATCH = 0x0014, Rw, "Scratch register with no effect, for bus tests.";
        RX_FIFO_BYTES = 0x0018, Ro, "RX FIFO capacity in bytes.";
        RX_FIFO_PEAK = 0x001C, Ro, "Highest RX FIFO fill seen, in bytes (cleared by reset).";
        CLK_PERIOD_PS = 0x0020, Ro, "Core clock period in picoseconds: `ivec::ITR_NS` is converted to cycles with it.";
        IRQ_ERR_VECTOR = 0x0024, Rw, "MSI-X vector raised when an `ERR_STATUS` bit becomes set (reset: `RX_QUEUES`, clamped to the table).";
        RX_FRAMES_IN = 0x0100, Ro, "Frames seen on the MAC stream, dropped or not (wraps).";
        RX_DROP_FIFO_FULL = 0x0104, Ro, "Frames dropped because the RX FIFO had no room (wraps).";
        RX_DROP_MAC_ERROR = 0x0108, Ro, "Frames dropped because the MAC flagged an error in tuser (wraps).";
        RX_DROP_RUNT = 0x010C, Ro, "Frames shorter than `limits::MIN_FRAME_LEN`, dropped (wraps).";
        RX_DROP_OVERSIZE = 0x0110, Ro, "Frames longer than `limits::MAX_FRAME_LEN`, dropped (wraps).";
        RX_DROP_DISABLED = 0x0114, Ro, "Frames dropped because `CTRL.RX_ENABLE` was clear (wraps).";
        RSS_HASH_TYPES = 0x0200, Rw, "Enabled RSS hash types: bit `rss_type::X - 1` enables type X (see `rss_type`).";
        RSS_DEFAULT_QUEUE = 0x0204, Rw, "Queue for frames with no enabled hash type (masked to the queue count).";
        RSS_RETA_SIZE = 0x0208, Ro, "Indirection table entries (a power of two, 128..=`rss::RETA_MAX_ENTRIES`).";
        RSS_KEY = 0x0240, Rw, "First of `rss::KEY_DWORDS` key registers: key byte 4n+k is bits [8k+7:8k] of RSS_KEY+4n.";
        RSS_RETA = 0x0400, Rw, "First of RSS_RETA_SIZE/4 table registers: entry 4n+k (a queue) is bits [8k+7:8k] of RSS_RETA+4n.";
    }
}

registers! {
    /// Per-RX-queue registers; queue `q` lives at `BASE + q * STRIDE`.
    pub mod rxq, base 0x1000, {
        DESC_BASE_LO = 0x00, Rw, "Descriptor ring bus address [31:0] (4 KiB aligned; writable only while the queue is disabled).";
        DESC_BASE_HI = 0x04, Rw, "Descriptor ring bus address [63:32].";
        DESC_LOG_SIZE = 0x08, Rw, "Descriptor ring holds 2^n descriptors, n <= `limits::MAX_LOG_RING`.";
        DESC_PROD = 0x0C, Rw, "Doorbell: index one past the last descriptor the driver posted (16-bit, free-running).";
        DESC_CONS = 0x10, Ro, "Index of the next descriptor the NIC will consume.";
        CPL_BASE_LO = 0x14, Rw, "Completion ring bus address [31:0] (4 KiB aligned; writable only while the queue is disabled).";
        CPL_BASE_HI = 0x18, Rw, "Completion ring bus address [63:32].";
        CPL_LOG_SIZE = 0x1C, Rw, "Completion ring holds 2^n records, n <= `limits::MAX_LOG_RING`.";
        CPL_PROD = 0x20, Ro, "Index one past the last completion the NIC wrote.";
        CPL_CONS = 0x24, Rw, "Doorbell: index of the next completion the driver will read; frees ring space.";
        Q_CTRL = 0x28, Rw, "Queue control: see `qctrl`. Enabling zeroes all four ring indices.";
        Q_STATUS = 0x2C, Ro, "Queue status: see `qstatus`.";
        Q_FRAMES = 0x30, Ro, "Frames delivered on this queue (wraps).";
        Q_BYTES = 0x34, Ro, "Bytes delivered on this queue (wraps).";
        Q_DROP_NO_DESC = 0x38, Ro, "Frames dropped because no descriptor was posted (wraps).";
        Q_DROP_BUF_TOO_SMALL = 0x3C, Ro, "Frames dropped because the posted buffers cannot hold them (head buffer too short without `rx_cfg::SCATTER`, or fewer descriptors posted than the frame needs); descriptors are kept (wraps).";
        Q_DROP_BAD_DESC = 0x40, Ro, "Frames dropped on a malformed descriptor, which is completed with `cpl_status::BAD_DESC` (wraps).";
        Q_DROP_DISABLED = 0x44, Ro, "Frames dropped because the queue was disabled (wraps).";
        Q_IRQ_VECTOR = 0x48, Rw, "MSI-X vector this queue's completions raise (reset: the queue's index, clamped to the table).";
        Q_HDR_BASE_LO = 0x4C, Rw, "Header pool bus address [31:0]; bits [3:0] read 0 (writable only while the queue is disabled). Header buffer i is at base + i * (header buffer size, HDR_LOG_SIZE clamped).";
        Q_HDR_BASE_HI = 0x50, Rw, "Header pool bus address [63:32] (writable only while the queue is disabled).";
        Q_HDR_COUNT = 0x54, Rw, "Header buffers in the pool, 16 bits: a descriptor whose header buffer is used needs `desc::HDR_IDX` below it (writable only while the queue is disabled).";
        Q_RX_CFG = 0x58, Rw, "Header split, scatter and VLAN stripping: see `rx_cfg` and docs/split.md (writable only while the queue is disabled).";
        Q_SPLIT_FRAMES = 0x5C, Ro, "Frames delivered split into a header buffer and data buffers (wraps).";
        Q_HDR_OVERFLOW = 0x60, Ro, "Frames delivered unsplit because their headers were longer than a header buffer (wraps).";
    }
}

/// Per-queue block layout.
pub mod rxq_layout {
    /// Distance between two queues' register blocks.
    pub const STRIDE: u32 = 0x80;
    /// Queue blocks reserved in the map (room for the multi-queue NIC).
    pub const MAX_QUEUES: u32 = 64;
}

registers! {
    /// Per-MSI-X-vector interrupt control; vector `v` lives at `BASE + v * ivec_layout::STRIDE`.
    ///
    /// Moderation (docs/interrupts.md): a vector *fires* when it is armed, has
    /// work (an unconsumed completion on a queue mapped to it, `CPL_PROD !=
    /// CPL_CONS`; a new error for the error vector; a software trigger) and is
    /// due: `ITR_NS` is 0, or at least `ITR_NS` ns have passed since its
    /// previous message, or `ITR_FRAMES` is non-zero and that many completions
    /// were written on its queues since its previous message (whichever comes
    /// first). Firing sends the MSI-X message and disarms the vector; while the
    /// vector or the function is masked it stays armed and its PBA bit is set
    /// instead, and the message goes out when it is unmasked.
    pub mod ivec, base 0xA000, {
        ITR_NS = 0x0, Rw, "Moderation interval in ns, 0..=`limits::ITR_MAX_NS` (0: no interval; larger values saturate).";
        ITR_FRAMES = 0x4, Rw, "Completions that make the vector due before the interval ends, 16 bits (0: no count threshold).";
        CTRL = 0x8, Rw, "See `ivec_ctrl`: write ARM to arm, TRIGGER to raise a software event; reads the armed state.";
        MSGS = 0xC, Ro, "MSI-X messages sent on this vector (wraps).";
    }
}

/// Per-vector block layout.
pub mod ivec_layout {
    /// Distance between two vectors' blocks.
    pub const STRIDE: u32 = 0x10;
}

/// `ivec::CTRL` bits.
pub mod ivec_ctrl {
    /// Write 1: arm the vector (NAPI re-enable); reads 1 while armed. Firing
    /// disarms it. Writing 0 does not disarm.
    pub const ARM: u32 = 1 << 0;
    /// Write 1: a software event on the vector (work until it fires; for
    /// tests and link-style events). Reads 0.
    pub const TRIGGER: u32 = 1 << 1;
}

/// MSI-X structures in BAR0 (PCIe Base Specification, MSI-X capability).
pub mod msix {
    /// The MSI-X table: one `ENTRY_SIZE`-byte entry per vector.
    pub const TABLE_BIR: u32 = 0;
    pub const TABLE_OFFSET: u32 = 0x8000;
    pub const ENTRY_SIZE: u32 = 16;
    /// Entry dwords: message address [31:0] (bits [1:0] read 0), [63:32], message data, vector control.
    pub const ENTRY_ADDR_LO: u32 = 0x0;
    pub const ENTRY_ADDR_HI: u32 = 0x4;
    pub const ENTRY_DATA: u32 = 0x8;
    pub const ENTRY_CTRL: u32 = 0xC;
    /// Vector control bit 0: the vector is masked (set at reset).
    pub const CTRL_MASKED: u32 = 1 << 0;
    /// The Pending Bit Array: bit `v % 64` of qword `v / 64`.
    pub const PBA_BIR: u32 = 0;
    pub const PBA_OFFSET: u32 = 0x9000;
    /// Most vectors the BAR0 map has room for (table, PBA and `ivec` blocks).
    pub const MAX_VECTORS: u32 = 256;
}

/// PCI configuration space, as the root complex exposes the NIC's function
/// (standard offsets; the MSI-X capability is how the driver finds the table).
pub mod pci {
    pub const VENDOR_ID: u16 = 0x00;
    pub const DEVICE_ID: u16 = 0x02;
    pub const COMMAND: u16 = 0x04;
    pub const STATUS: u16 = 0x06;
    pub const CLASS_REV: u16 = 0x08;
    pub const BAR0: u16 = 0x10;
    pub const CAP_PTR: u16 = 0x34;
    /// `COMMAND` bits.
    pub const COMMAND_MEMORY: u16 = 1 << 1;
    pub const COMMAND_BUS_MASTER: u16 = 1 << 2;
    /// `STATUS` bit: a capability list starts at `CAP_PTR`.
    pub const STATUS_CAP_LIST: u16 = 1 << 4;
    /// Capability IDs.
    pub const CAP_ID_PCIE: u8 = 0x10;
    pub const CAP_ID_MSIX: u8 = 0x11;
    /// MSI-X capability: Message Control (at +2), Table Offset/BIR (+4), PBA Offset/BIR (+8).
    pub const MSIX_MSG_CTRL: u16 = 0x2;
    pub const MSIX_TABLE: u16 = 0x4;
    pub const MSIX_PBA: u16 = 0x8;
    pub const MSIX_CTRL_ENABLE: u16 = 1 << 15;
    pub const MSIX_CTRL_FUNCTION_MASK: u16 = 1 << 14;
    /// Table size minus one.
    pub const MSIX_CTRL_TABLE_SIZE: u16 = 0x7FF;
    /// Offset/BIR registers: BIR in [2:0], offset in the rest.
    pub const MSIX_BIR_MASK: u32 = 0x7;
    /// The model's IDs (not PCI-SIG assigned; a simulation device).
    pub const NIC_VENDOR_ID: u16 = 0x1DED;
    pub const NIC_DEVICE_ID: u16 = 0x4E49;
    /// Class code: network controller, Ethernet.
    pub const NIC_CLASS: u32 = 0x02_0000;
}

/// `global::CTRL` bits.
pub mod ctrl {
    /// Write 1 to reset the datapath, rings and counters; reads 1 until done.
    pub const RESET: u32 = 1 << 0;
    /// Accept frames from the MAC; while clear, frames are dropped and counted.
    pub const RX_ENABLE: u32 = 1 << 1;
}

/// `global::ERR_STATUS` bits (sticky, write 1 to clear).
pub mod err {
    /// A BAR0 request the NIC does not support (not a 1-dword memory access).
    pub const MMIO_BAD_REQUEST: u32 = 1 << 0;
    /// A DMA read completion came back with a status other than Successful.
    pub const DMA_CPL_STATUS: u32 = 1 << 1;
    /// A completion matched no outstanding read, or disagreed with it.
    pub const DMA_CPL_UNEXPECTED: u32 = 1 << 2;
    /// A DMA read got no completion in time; the queue halts.
    pub const DMA_CPL_TIMEOUT: u32 = 1 << 3;
}

/// `global::CAPS` fields.
pub mod caps {
    pub const RX_QUEUES_SHIFT: u32 = 0;
    pub const MAX_LOG_RING_SHIFT: u32 = 8;
    pub const DESC_FETCH_MAX_SHIFT: u32 = 16;
    pub const FIELD_MASK: u32 = 0xFF;
}

/// `rxq::Q_CTRL` bits.
pub mod qctrl {
    pub const ENABLE: u32 = 1 << 0;
}

/// `rxq::Q_RX_CFG` fields (docs/split.md has the rules).
pub mod rx_cfg {
    /// Split mode, see `split_mode`.
    pub const MODE_SHIFT: u32 = 0;
    pub const MODE_MASK: u32 = 0x3;
    /// A frame longer than the head data buffer continues in the next
    /// descriptors' buffers (else it is dropped as too small).
    pub const SCATTER: u32 = 1 << 2;
    /// Remove the outer VLAN tag from delivered frames (`cpl::VLAN_TCI` keeps it).
    pub const VLAN_STRIP: u32 = 1 << 3;
    /// Header buffer size is `2^HDR_LOG_SIZE` bytes, clamped to
    /// `limits::HDR_LOG_SIZE_MIN..=HDR_LOG_SIZE_MAX`.
    pub const HDR_LOG_SIZE_SHIFT: u32 = 4;
    pub const HDR_LOG_SIZE_MASK: u32 = 0xF;
    /// Frames of at most this many bytes (as delivered) go whole into the
    /// header buffer when the mode is not NEVER; 0 disables.
    pub const THRESH_SHIFT: u32 = 16;
    pub const THRESH_MASK: u32 = 0xFFF;
    /// Every bit that belongs to a field; the others read 0.
    pub const DEFINED: u32 = (MODE_MASK << MODE_SHIFT)
        | SCATTER
        | VLAN_STRIP
        | (HDR_LOG_SIZE_MASK << HDR_LOG_SIZE_SHIFT)
        | (THRESH_MASK << THRESH_SHIFT);

    /// Header buffer size in bytes a `Q_RX_CFG` value selects:
    /// `2^HDR_LOG_SIZE`, the exponent clamped to
    /// `limits::HDR_LOG_SIZE_MIN..=HDR_LOG_SIZE_MAX` (what the NIC uses).
    pub const fn hdr_buf_bytes(cfg: u32) -> u32 {
        let log = (cfg >> HDR_LOG_SIZE_SHIFT) & HDR_LOG_SIZE_MASK;
        let log = if log < super::limits::HDR_LOG_SIZE_MIN {
            super::limits::HDR_LOG_SIZE_MIN
        } else if log > super::limits::HDR_LOG_SIZE_MAX {
            super::limits::HDR_LOG_SIZE_MAX
        } else {
            log
        };
        1 << log
    }

    /// Builds a `Q_RX_CFG` value.
    pub const fn value(mode: u32, scatter: bool, vlan_strip: bool, hdr_log_size: u32, thresh: u32) -> u32 {
        ((mode & MODE_MASK) << MODE_SHIFT)
            | if scatter { SCATTER } else { 0 }
            | if vlan_strip { VLAN_STRIP } else { 0 }
            | ((hdr_log_size & HDR_LOG_SIZE_MASK) << HDR_LOG_SIZE_SHIFT)
            | ((thresh & THRESH_MASK) << THRESH_SHIFT)
    }
}

/// `rx_cfg` split modes.
pub mod split_mode {
    /// Whole frames into data buffers; header buffers are never used.
    pub const NEVER: u32 = 0;
    /// Split every IP frame the parser understood: after the TCP/UDP header,
    /// or after the L3 header (options and extension headers included) for
    /// other IP traffic and fragments.
    pub const ALWAYS: u32 = 1;
    /// Split TCP and UDP only (not fragments).
    pub const TCP_UDP: u32 = 2;
    /// Names as the CLI and the replay contract spell them, indexed by value.
    pub const NAMES: [&str; 3] = ["never", "always", "tcp-udp"];
}

/// `rxq::Q_STATUS` bits.
pub mod qstatus {
    /// Set while the queue is enabled, and after `Q_CTRL.ENABLE` is cleared
    /// until the last DMA write already on the bus has left the NIC: poll for
    /// 0 before freeing the queue's rings or buffers.
    pub const ENABLED: u32 = 1 << 0;
    /// The queue halted on a DMA error (see `ERR_STATUS`); disable and
    /// re-enable it, or reset the NIC, to recover.
    pub const HALTED: u32 = 1 << 1;
}

/// The RX descriptor the driver posts: one data buffer and, for header
/// split, the index of a header buffer in the queue's header pool.
pub mod desc {
    use super::Field;
    pub const SIZE: usize = 16;
    pub const ADDR: Field = Field::new("ADDR", 0, 0, 64, "Data buffer bus address, `limits::BUF_ALIGN` aligned.");
    pub const LEN: Field = Field::new("LEN", 2, 0, 16, "Data buffer length in bytes, non-zero.");
    pub const BUF_ID: Field = Field::new("BUF_ID", 2, 16, 16, "Driver's cookie, echoed in the completion.");
    pub const HDR_IDX: Field = Field::new(
        "HDR_IDX",
        3,
        0,
        16,
        "Header buffer (index into the pool at `Q_HDR_BASE`), used when this descriptor heads a frame that uses one.",
    );
    pub const ALL: &[Field] = &[ADDR, LEN, BUF_ID, HDR_IDX];
}

/// The RX completion record the NIC writes: one per consumed descriptor.
pub mod cpl {
    use super::Field;
    pub const SIZE: usize = 32;
    pub const LEN: Field =
        Field::new("LEN", 0, 0, 16, "Frame bytes delivered (header buffer + data buffers; after VLAN stripping).");
    pub const BUF_ID: Field = Field::new("BUF_ID", 0, 16, 16, "`desc::BUF_ID` of the first consumed descriptor.");
    pub const STATUS: Field = Field::new("STATUS", 1, 0, 8, "See `cpl_status`.");
    pub const QUEUE: Field = Field::new("QUEUE", 1, 8, 8, "Queue the frame was steered to.");
    pub const DESC_IDX: Field = Field::new(
        "DESC_IDX",
        1,
        16,
        16,
        "Ring index of the first consumed descriptor; the frame used DESC_COUNT consecutive ones.",
    );
    pub const RSS_HASH: Field = Field::new("RSS_HASH", 2, 0, 32, "RSS hash (0 until RSS is enabled).");
    pub const RSS_TYPE: Field = Field::new("RSS_TYPE", 3, 0, 4, "RSS hash type (0 = none).");
    pub const L3_TYPE: Field = Field::new("L3_TYPE", 3, 4, 2, "See `l3_type` (docs/rss.md).");
    pub const L4_TYPE: Field = Field::new("L4_TYPE", 3, 6, 2, "See `l4_type` (docs/rss.md).");
    pub const PARSE_FLAGS: Field = Field::new("PARSE_FLAGS", 3, 8, 8, "See `parse_flags` (docs/rss.md).");
    pub const VLAN_COUNT: Field = Field::new("VLAN_COUNT", 3, 16, 2, "VLAN tags parsed (0..=2).");
    pub const L3_OFFSET: Field = Field::new("L3_OFFSET", 4, 0, 10, "Byte offset of the L3 header (docs/rss.md).");
    pub const L4_OFFSET: Field = Field::new("L4_OFFSET", 4, 10, 10, "Byte offset of the L4 header, 0 if none.");
    pub const PAYLOAD_OFFSET: Field =
        Field::new("PAYLOAD_OFFSET", 4, 20, 10, "Byte offset of the L4 payload, 0 if not parsed.");
    pub const IP_CSUM: Field =
        Field::new("IP_CSUM", 5, 0, 2, "IPv4 header checksum verdict, see `csum` (docs/checksum.md).");
    pub const L4_CSUM: Field =
        Field::new("L4_CSUM", 5, 2, 2, "TCP/UDP checksum verdict, see `csum` (docs/checksum.md).");
    pub const DESC_COUNT: Field = Field::new(
        "DESC_COUNT",
        5,
        4,
        8,
        "Descriptors consumed (>= 1): data buffers used, or 1 when no data buffer was written.",
    );
    pub const CSUM_COMPLETE: Field = Field::new(
        "CSUM_COMPLETE",
        5,
        16,
        16,
        "Ones'-complement sum of frame bytes [14, length as received) (docs/checksum.md), like CHECKSUM_COMPLETE.",
    );
    pub const HDR_LEN: Field =
        Field::new("HDR_LEN", 6, 0, 12, "Bytes written to the header buffer (0: header buffer not used).");
    pub const VLAN_TCI: Field =
        Field::new("VLAN_TCI", 6, 16, 16, "Outer VLAN tag control information (0 when VLAN_COUNT is 0).");
    pub const LAST_LEN: Field =
        Field::new("LAST_LEN", 7, 0, 16, "Bytes in the last data buffer (0 when no data buffer was written).");
    pub const SPLIT: Field =
        Field::new("SPLIT", 7, 16, 1, "Headers in the header buffer, payload from data buffer offset 0.");
    pub const HDR_OVERFLOW: Field = Field::new(
        "HDR_OVERFLOW",
        7,
        17,
        1,
        "Split was due but the headers exceed a header buffer: delivered unsplit.",
    );
    pub const VLAN_STRIPPED: Field =
        Field::new("VLAN_STRIPPED", 7, 18, 1, "The outer VLAN tag was removed from the delivered bytes.");
    pub const PHASE: Field =
        Field::new("PHASE", 7, 31, 1, "1 on the ring's first pass, flipped on every wrap; the record's last bit.");
    pub const ALL: &[Field] = &[
        LEN,
        BUF_ID,
        STATUS,
        QUEUE,
        DESC_IDX,
        RSS_HASH,
        RSS_TYPE,
        L3_TYPE,
        L4_TYPE,
        PARSE_FLAGS,
        VLAN_COUNT,
        L3_OFFSET,
        L4_OFFSET,
        PAYLOAD_OFFSET,
        IP_CSUM,
        L4_CSUM,
        DESC_COUNT,
        CSUM_COMPLETE,
        HDR_LEN,
        VLAN_TCI,
        LAST_LEN,
        SPLIT,
        HDR_OVERFLOW,
        VLAN_STRIPPED,
        PHASE,
    ];
}

/// Receive-side scaling constants (docs/rss.md has the rules).
pub mod rss {
    /// Toeplitz secret key length.
    pub const KEY_BYTES: usize = 40;
    pub const KEY_DWORDS: u32 = 10;
    /// Largest indirection table the register map has room for.
    pub const RETA_MAX_ENTRIES: u32 = 512;
    /// The parser reads headers only within the first this-many bytes.
    pub const PARSE_LIMIT: u32 = 256;
    /// The Microsoft RSS verification key (also the 82599's example key).
    pub const MS_KEY: [u8; KEY_BYTES] = [
        0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca,
        0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b,
        0xbe, 0xac, 0x01, 0xfa,
    ];
}

/// `cpl::RSS_TYPE` values; hash type X is enabled by bit X-1 of `RSS_HASH_TYPES`.
pub mod rss_type {
    pub const NONE: u32 = 0;
    pub const IPV4: u32 = 1;
    pub const IPV4_TCP: u32 = 2;
    pub const IPV4_UDP: u32 = 3;
    pub const IPV6: u32 = 4;
    pub const IPV6_TCP: u32 = 5;
    pub const IPV6_UDP: u32 = 6;
    /// Names as the replay contract prints them, indexed by value.
    pub const NAMES: [&str; 7] = ["none", "ipv4", "ipv4_tcp", "ipv4_udp", "ipv6", "ipv6_tcp", "ipv6_udp"];
    /// `RSS_HASH_TYPES` value enabling every type.
    pub const ALL_ENABLED: u32 = 0x3F;
    /// The `RSS_HASH_TYPES` bit enabling hash type `t` (1..=6).
    pub const fn enable_bit(t: u32) -> u32 {
        1 << (t - 1)
    }
}

/// `cpl::L3_TYPE` values.
pub mod l3_type {
    pub const NONE: u32 = 0;
    pub const IPV4: u32 = 1;
    pub const IPV6: u32 = 2;
}

/// `cpl::L4_TYPE` values.
pub mod l4_type {
    pub const NONE: u32 = 0;
    pub const TCP: u32 = 1;
    pub const UDP: u32 = 2;
    /// Another protocol (ICMP, an unknown IPv6 next header, ...).
    pub const OTHER: u32 = 3;
}

/// `cpl::PARSE_FLAGS` bits.
pub mod parse_flags {
    /// An IPv4 fragment (MF set or offset non-zero) or an IPv6 Fragment header.
    pub const FRAGMENT: u32 = 1 << 0;
    /// IPv4 options (IHL > 5) or IPv6 extension headers present.
    pub const IP_OPTIONS: u32 = 1 << 1;
    /// A header is inconsistent or runs past the packet (docs/rss.md says which).
    pub const MALFORMED: u32 = 1 << 2;
    /// A header needed ends beyond `rss::PARSE_LIMIT`; parsing stopped there.
    pub const DEPTH_LIMIT: u32 = 1 << 3;
}

/// `cpl::IP_CSUM` and `cpl::L4_CSUM` values (docs/checksum.md has the rules).
pub mod csum {
    /// Not checked (no such header, a fragment, a malformed header, an IPv4
    /// UDP datagram without checksum, ...): software must verify.
    pub const NONE: u32 = 0;
    /// Verified correct, like Linux's `CHECKSUM_UNNECESSARY`.
    pub const GOOD: u32 = 1;
    /// Verified wrong (or an IPv6 UDP datagram with checksum 0).
    pub const BAD: u32 = 2;
    /// Names as the replay contract prints them, indexed by value.
    pub const NAMES: [&str; 3] = ["none", "good", "bad"];
}

/// `cpl::STATUS` bits.
pub mod cpl_status {
    /// A descriptor was malformed (misaligned address, zero length, a header
    /// index beyond `Q_HDR_COUNT` when the header buffer is used, or a
    /// scatter descriptor shorter than its share): the frame is dropped, `LEN`
    /// is 0 and the DESC_COUNT descriptors are the driver's again (buffers
    /// of a scatter may hold partial data; docs/split.md).
    pub const BAD_DESC: u32 = 1 << 0;
}

/// Phase bit the NIC writes into the completion at free-running `index`.
pub fn cpl_phase(index: u16, log_size: u32) -> bool {
    (u32::from(index) >> log_size) & 1 == 0
}

/// PCIe transaction-layer encodings (PCIe Base Specification, TLP header DW0).
pub mod tlp {
    pub const FMT_3DW_NO_DATA: u32 = 0b000;
    pub const FMT_4DW_NO_DATA: u32 = 0b001;
    pub const FMT_3DW_DATA: u32 = 0b010;
    pub const FMT_4DW_DATA: u32 = 0b011;
    pub const TYPE_MEM: u32 = 0b0_0000;
    pub const TYPE_CPL: u32 = 0b0_1010;
    pub const CPL_STATUS_SC: u32 = 0b000;
    pub const CPL_STATUS_UR: u32 = 0b001;
    pub const CPL_STATUS_CA: u32 = 0b100;
    /// No memory TLP may cross a multiple of this address.
    pub const PAGE_BOUNDARY: u64 = 4096;
}

/// Renders the Verilog header the RTL includes (`rtl/nic_spec.vh`).
pub fn verilog_header() -> String {
    let mut out = String::new();
    out.push_str(
        "// Generated from spec/src/lib.rs by: cargo run -p nic-spec --bin gen-verilog. Do not edit.\n\
         // Included inside module bodies: it only declares localparams.\n\n",
    );
    // Backticks are Verilog's macro sigil: keep them out of generated comments.
    let mut p = |name: String, width: u32, value: u64, doc: &str| {
        let doc = doc.replace('`', "");
        let _ = writeln!(out, "localparam [{}:0] {} = {}'h{:X}; // {}", width - 1, name, width, value, doc);
    };
    p("NIC_ID_MAGIC".into(), 32, id::MAGIC.into(), "ID register value");
    p("NIC_VERSION".into(), 32, id::VERSION.into(), "VERSION register value");
    p("MAX_LOG_RING".into(), 32, limits::MAX_LOG_RING.into(), "largest ring is 2^MAX_LOG_RING entries");
    p("MIN_FRAME_LEN".into(), 32, limits::MIN_FRAME_LEN.into(), "shorter frames are runts");
    p("MAX_FRAME_LEN".into(), 32, limits::MAX_FRAME_LEN.into(), "longer frames are oversize");
    p("MAX_SCATTER_BUFS".into(), 32, limits::MAX_SCATTER_BUFS.into(), "most descriptors per frame");
    p("HDR_LOG_SIZE_MIN".into(), 32, limits::HDR_LOG_SIZE_MIN.into(), "smallest header buffer (log2)");
    p("HDR_LOG_SIZE_MAX".into(), 32, limits::HDR_LOG_SIZE_MAX.into(), "largest header buffer (log2)");
    p("RX_CFG_DEFINED".into(), 32, rx_cfg::DEFINED.into(), "Q_RX_CFG bits that hold a field");
    for r in global::ALL {
        p(format!("REG_{}", r.name), 16, (global::BASE + r.offset).into(), r.doc);
    }
    p("ITR_MAX_NS".into(), 32, limits::ITR_MAX_NS.into(), "largest moderation interval");
    p("RXQ_BASE".into(), 16, rxq::BASE.into(), "first RX queue register block");
    p("RXQ_STRIDE".into(), 16, rxq_layout::STRIDE.into(), "distance between RX queue blocks");
    for r in rxq::ALL {
        p(format!("RXQ_{}", r.name), 16, r.offset.into(), r.doc);
    }
    p("IVEC_BASE".into(), 16, ivec::BASE.into(), "first interrupt vector block");
    p("IVEC_STRIDE".into(), 16, ivec_layout::STRIDE.into(), "distance between vector blocks");
    for r in ivec::ALL {
        p(format!("IVEC_{}", r.name), 16, r.offset.into(), r.doc);
    }
    p("MSIX_TABLE_OFFSET".into(), 16, msix::TABLE_OFFSET.into(), "MSI-X table in BAR0");
    p("MSIX_ENTRY_SIZE".into(), 16, msix::ENTRY_SIZE.into(), "bytes per MSI-X table entry");
    p("MSIX_ENTRY_ADDR_LO".into(), 16, msix::ENTRY_ADDR_LO.into(), "MSI-X entry: message address [31:0]");
    p("MSIX_ENTRY_ADDR_HI".into(), 16, msix::ENTRY_ADDR_HI.into(), "MSI-X entry: message address [63:32]");
    p("MSIX_ENTRY_DATA".into(), 16, msix::ENTRY_DATA.into(), "MSI-X entry: message data");
    p("MSIX_ENTRY_CTRL".into(), 16, msix::ENTRY_CTRL.into(), "MSI-X entry: vector control");
    p("MSIX_PBA_OFFSET".into(), 16, msix::PBA_OFFSET.into(), "MSI-X pending bit array in BAR0");
    p("MSIX_MAX_VECTORS".into(), 32, msix::MAX_VECTORS.into(), "vectors the map has room for");
    let bits: &[(&str, u32, &str)] = &[
        ("CTRL_RESET_BIT", ctrl::RESET, "CTRL: soft reset"),
        ("CTRL_RX_ENABLE_BIT", ctrl::RX_ENABLE, "CTRL: accept frames"),
        ("ERR_MMIO_BAD_REQUEST_BIT", err::MMIO_BAD_REQUEST, "ERR_STATUS"),
        ("ERR_DMA_CPL_STATUS_BIT", err::DMA_CPL_STATUS, "ERR_STATUS"),
        ("ERR_DMA_CPL_UNEXPECTED_BIT", err::DMA_CPL_UNEXPECTED, "ERR_STATUS"),
        ("ERR_DMA_CPL_TIMEOUT_BIT", err::DMA_CPL_TIMEOUT, "ERR_STATUS"),
        ("QCTRL_ENABLE_BIT", qctrl::ENABLE, "Q_CTRL"),
        ("QSTATUS_ENABLED_BIT", qstatus::ENABLED, "Q_STATUS"),
        ("QSTATUS_HALTED_BIT", qstatus::HALTED, "Q_STATUS"),
        ("CPL_STATUS_BAD_DESC_BIT", cpl_status::BAD_DESC, "completion STATUS"),
        ("IVEC_CTRL_ARM_BIT", ivec_ctrl::ARM, "ivec CTRL: arm"),
        ("IVEC_CTRL_TRIGGER_BIT", ivec_ctrl::TRIGGER, "ivec CTRL: software event"),
        ("MSIX_CTRL_MASKED_BIT", msix::CTRL_MASKED, "MSI-X vector control: masked"),
    ];
    for (name, mask, doc) in bits {
        let _ = writeln!(out, "localparam integer {} = {}; // {}", name, mask.trailing_zeros(), doc);
    }
    for (name, v) in [
        ("RSS_KEY_DWORDS", rss::KEY_DWORDS),
        ("RSS_RETA_MAX_ENTRIES", rss::RETA_MAX_ENTRIES),
        ("PARSE_LIMIT", rss::PARSE_LIMIT),
        ("RSS_TYPE_NONE", rss_type::NONE),
        ("RSS_TYPE_IPV4", rss_type::IPV4),
        ("RSS_TYPE_IPV4_TCP", rss_type::IPV4_TCP),
        ("RSS_TYPE_IPV4_UDP", rss_type::IPV4_UDP),
        ("RSS_TYPE_IPV6", rss_type::IPV6),
        ("RSS_TYPE_IPV6_TCP", rss_type::IPV6_TCP),
        ("RSS_TYPE_IPV6_UDP", rss_type::IPV6_UDP),
        ("L3_TYPE_NONE", l3_type::NONE),
        ("L3_TYPE_IPV4", l3_type::IPV4),
        ("L3_TYPE_IPV6", l3_type::IPV6),
        ("L4_TYPE_NONE", l4_type::NONE),
        ("L4_TYPE_TCP", l4_type::TCP),
        ("L4_TYPE_UDP", l4_type::UDP),
        ("L4_TYPE_OTHER", l4_type::OTHER),
        ("CSUM_NONE", csum::NONE),
        ("CSUM_GOOD", csum::GOOD),
        ("CSUM_BAD", csum::BAD),
        ("SPLIT_NEVER", split_mode::NEVER),
        ("SPLIT_ALWAYS", split_mode::ALWAYS),
        ("SPLIT_TCP_UDP", split_mode::TCP_UDP),
        ("RX_CFG_MODE_SHIFT", rx_cfg::MODE_SHIFT),
        ("RX_CFG_MODE_W", rx_cfg::MODE_MASK.count_ones()),
        ("RX_CFG_HDR_LOG_SIZE_SHIFT", rx_cfg::HDR_LOG_SIZE_SHIFT),
        ("RX_CFG_HDR_LOG_SIZE_W", rx_cfg::HDR_LOG_SIZE_MASK.count_ones()),
        ("RX_CFG_THRESH_SHIFT", rx_cfg::THRESH_SHIFT),
        ("RX_CFG_THRESH_W", rx_cfg::THRESH_MASK.count_ones()),
    ] {
        let _ = writeln!(out, "localparam integer {name} = {v};");
    }
    for (name, mask) in [
        ("PARSE_FRAGMENT_BIT", parse_flags::FRAGMENT),
        ("PARSE_IP_OPTIONS_BIT", parse_flags::IP_OPTIONS),
        ("PARSE_MALFORMED_BIT", parse_flags::MALFORMED),
        ("PARSE_DEPTH_LIMIT_BIT", parse_flags::DEPTH_LIMIT),
        ("RX_CFG_SCATTER_BIT", rx_cfg::SCATTER),
        ("RX_CFG_VLAN_STRIP_BIT", rx_cfg::VLAN_STRIP),
    ] {
        let _ = writeln!(out, "localparam integer {name} = {};", mask.trailing_zeros());
    }
    let _ = writeln!(out, "localparam integer CAPS_RX_QUEUES_SHIFT = {};", caps::RX_QUEUES_SHIFT);
    let _ = writeln!(out, "localparam integer CAPS_MAX_LOG_RING_SHIFT = {};", caps::MAX_LOG_RING_SHIFT);
    let _ = writeln!(out, "localparam integer CAPS_DESC_FETCH_MAX_SHIFT = {};", caps::DESC_FETCH_MAX_SHIFT);
    let mut fields = |prefix: &str, size: usize, all: &[Field]| {
        let _ = writeln!(out, "localparam integer {}_BYTES = {};", prefix, size);
        for f in all {
            let doc = f.doc.replace('`', "");
            let _ = writeln!(out, "localparam integer {}_{}_LSB = {}; // {}", prefix, f.name, f.lsb, doc);
            let _ = writeln!(out, "localparam integer {}_{}_W = {};", prefix, f.name, f.width);
        }
    };
    fields("DESC", desc::SIZE, desc::ALL);
    fields("CPL", cpl::SIZE, cpl::ALL);
    let tlp_consts: &[(&str, u32, u32)] = &[
        ("TLP_FMT_3DW_NO_DATA", 3, tlp::FMT_3DW_NO_DATA),
        ("TLP_FMT_4DW_NO_DATA", 3, tlp::FMT_4DW_NO_DATA),
        ("TLP_FMT_3DW_DATA", 3, tlp::FMT_3DW_DATA),
        ("TLP_FMT_4DW_DATA", 3, tlp::FMT_4DW_DATA),
        ("TLP_TYPE_MEM", 5, tlp::TYPE_MEM),
        ("TLP_TYPE_CPL", 5, tlp::TYPE_CPL),
        ("TLP_CPL_STATUS_SC", 3, tlp::CPL_STATUS_SC),
        ("TLP_CPL_STATUS_UR", 3, tlp::CPL_STATUS_UR),
        ("TLP_CPL_STATUS_CA", 3, tlp::CPL_STATUS_CA),
    ];
    for (name, width, value) in tlp_consts {
        let _ =
            writeln!(out, "localparam [{}:0] {} = {}'b{:0w$b};", width - 1, name, width, value, w = *width as usize);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_header_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rtl/nic_spec.vh");
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == verilog_header(),
            "{} is stale: run `cargo run -p nic-spec --bin gen-verilog`",
            path.display()
        );
    }

    /// Word-wise get/set agree with the bit-by-bit definition, and set
    /// leaves every other bit alone.
    #[test]
    fn field_access_matches_the_bitwise_definition() {
        let bit = |r: &[u8], b: u32| (r[(b / 8) as usize] >> (b % 8)) & 1;
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let odd = Field::new("ODD", 1, 5, 64, "64 bits at an odd offset");
        for f in desc::ALL.iter().chain(cpl::ALL).chain([&odd]) {
            for _ in 0..200 {
                let mut rec = [0u8; 48];
                rec.iter_mut().for_each(|b| *b = next() as u8);
                let want = (0..f.width).fold(0u64, |v, i| v | u64::from(bit(&rec, f.lsb + i)) << i);
                assert_eq!(f.get(&rec), want, "{}", f.name);
                let before = rec;
                let value = if f.width == 64 { next() } else { next() & ((1 << f.width) - 1) };
                f.set(&mut rec, value);
                assert_eq!(f.get(&rec), value, "{}", f.name);
                for b in (0..48 * 8).filter(|b| !(f.lsb..f.lsb + f.width).contains(b)) {
                    assert_eq!(bit(&rec, b), bit(&before, b), "{}: bit {b} changed", f.name);
                }
            }
        }
    }

    #[test]
    fn register_offsets_are_unique_aligned_and_fit() {
        for block in [global::ALL, rxq::ALL, ivec::ALL] {
            let mut seen = std::collections::HashSet::new();
            for r in block {
                assert_eq!(r.offset % 4, 0, "{} unaligned", r.name);
                assert!(seen.insert(r.offset), "{} overlaps", r.name);
            }
        }
        let last = rxq::ALL.iter().map(|r| r.offset).max().unwrap();
        assert!(last < rxq_layout::STRIDE);
        assert!(u64::from(rxq::BASE + rxq_layout::MAX_QUEUES * rxq_layout::STRIDE) <= limits::BAR0_SIZE);
        assert!(global::ALL.iter().all(|r| r.offset < rxq::BASE));
        // The two register arrays must not run into anything else.
        let key = global::RSS_KEY..global::RSS_KEY + 4 * rss::KEY_DWORDS;
        let reta = global::RSS_RETA..global::RSS_RETA + rss::RETA_MAX_ENTRIES;
        assert!(reta.end <= rxq::BASE);
        for r in global::ALL.iter().filter(|r| r.offset != global::RSS_KEY && r.offset != global::RSS_RETA) {
            assert!(!key.contains(&r.offset) && !reta.contains(&r.offset), "{} inside an RSS array", r.name);
        }
        assert!(key.end <= reta.start);
        // MSI-X table, PBA and vector blocks: after the queues, apart, inside BAR0.
        let queues_end = rxq::BASE + rxq_layout::MAX_QUEUES * rxq_layout::STRIDE;
        let table_end = msix::TABLE_OFFSET + msix::MAX_VECTORS * msix::ENTRY_SIZE;
        let pba_end = msix::PBA_OFFSET + msix::MAX_VECTORS.div_ceil(64) * 8;
        let ivec_end = ivec::BASE + msix::MAX_VECTORS * ivec_layout::STRIDE;
        assert!(queues_end <= msix::TABLE_OFFSET && table_end <= msix::PBA_OFFSET);
        assert!(pba_end <= ivec::BASE && u64::from(ivec_end) <= limits::BAR0_SIZE);
        assert!(ivec::ALL.iter().all(|r| r.offset < ivec_layout::STRIDE));
        assert_eq!(msix::TABLE_OFFSET & msix::TABLE_BIR, 0);
    }

    #[test]
    fn record_fields_do_not_overlap() {
        for (size, all) in [(desc::SIZE, desc::ALL), (cpl::SIZE, cpl::ALL)] {
            let mut used = vec![false; size * 8];
            for f in all {
                for b in f.lsb..f.lsb + f.width {
                    assert!(!used[b as usize], "{} overlaps", f.name);
                    used[b as usize] = true;
                }
            }
        }
        // The phase bit must be the record's very last bit, written last.
        assert_eq!(cpl::PHASE.lsb, (cpl::SIZE * 8 - 1) as u32);
    }

    #[test]
    fn field_round_trip() {
        let mut rec = [0u8; desc::SIZE];
        desc::ADDR.set(&mut rec, 0x1234_5678_9ABC_DEF0);
        desc::LEN.set(&mut rec, 2048);
        desc::BUF_ID.set(&mut rec, 0xBEEF);
        assert_eq!(desc::ADDR.get(&rec), 0x1234_5678_9ABC_DEF0);
        assert_eq!(desc::LEN.get(&rec), 2048);
        assert_eq!(desc::BUF_ID.get(&rec), 0xBEEF);
        assert_eq!(&rec[8..12], &[0x00, 0x08, 0xEF, 0xBE]);
    }

    #[test]
    fn phase_flips_each_pass() {
        assert!(cpl_phase(0, 4));
        assert!(cpl_phase(15, 4));
        assert!(!cpl_phase(16, 4));
        assert!(cpl_phase(32, 4));
        assert!(!cpl_phase(0xFFFF, 15));
    }
}
