//! PCI configuration space: the capability walk that finds the MSI-X
//! capability, its decoding, and the Command register.
//!
//! Configuration space is reached through [`Hal::cfg_read32`] and
//! [`Hal::cfg_write32`], whole dwords only, so 16-bit registers are read out
//! of their dword and written back with the neighbouring half chosen so the
//! write changes nothing else.

use nic_hal::Hal;
use nic_spec::{limits, msix, pci};

use crate::error::DriverError;

/// First byte after the standard header: capabilities live in `0x40..0x100`.
const CAP_AREA_START: u16 = 0x40;
/// Capabilities the standard area can hold (one per dword of `0x40..0x100`):
/// a walk visiting more than this has looped.
const CAP_AREA_DWORDS: usize = (0x100 - CAP_AREA_START as usize) / 4;

/// The decoded MSI-X capability.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MsixInfo {
    /// Configuration-space offset of the capability.
    pub cap_offset: u16,
    /// MSI-X table entries (Message Control table size + 1).
    pub table_size: u16,
    /// BAR holding the table.
    pub table_bir: u8,
    /// Byte offset of the table in that BAR.
    pub table_offset: u32,
    /// BAR holding the Pending Bit Array.
    pub pba_bir: u8,
    /// Byte offset of the PBA in that BAR.
    pub pba_offset: u32,
}

/// Walks the capability list from `CAP_PTR` and returns the offset of the
/// first capability with ID `id`, or `None` if the list has none (or there is
/// no list: `STATUS_CAP_LIST` clear).
///
/// The walk is bounded: pointers must lie in `0x40..0x100` (the low two bits
/// are reserved and ignored), and a pointer to a capability already visited
/// is reported as [`DriverError::BadCapabilityList`] instead of looping, so
/// at most 48 capabilities are read.
pub fn find_capability<H: Hal>(hal: &mut H, id: u8) -> Result<Option<u16>, DriverError> {
    let status = (hal.cfg_read32(pci::COMMAND)? >> 16) as u16;
    if status & pci::STATUS_CAP_LIST == 0 {
        return Ok(None);
    }
    let mut ptr = (hal.cfg_read32(pci::CAP_PTR)? & 0xFC) as u16;
    let mut visited = [false; CAP_AREA_DWORDS];
    while ptr != 0 {
        if ptr < CAP_AREA_START {
            return Err(DriverError::BadCapabilityList { offset: ptr, why: "points into the configuration header" });
        }
        let slot = usize::from((ptr - CAP_AREA_START) / 4);
        if std::mem::replace(&mut visited[slot], true) {
            return Err(DriverError::BadCapabilityList { offset: ptr, why: "points back to a visited capability" });
        }
        let header = hal.cfg_read32(ptr)?;
        if header as u8 == id {
            return Ok(Some(ptr));
        }
        ptr = ((header >> 8) & 0xFC) as u16;
    }
    Ok(None)
}

/// Finds and decodes the MSI-X capability, and checks it against the
/// register map: table and PBA in BAR0 (`BIR 0`), at `nic_spec::msix`'s
/// offsets, inside BAR0, with at most `msix::MAX_VECTORS` entries.
/// Reads configuration space only.
pub fn discover_msix<H: Hal>(hal: &mut H) -> Result<MsixInfo, DriverError> {
    let cap = find_capability(hal, pci::CAP_ID_MSIX)?.ok_or(DriverError::NoMsixCapability)?;
    let msg_ctrl = (hal.cfg_read32(cap)? >> 16) as u16;
    let table = hal.cfg_read32(cap + pci::MSIX_TABLE)?;
    let pba = hal.cfg_read32(cap + pci::MSIX_PBA)?;
    let entries = u32::from(msg_ctrl & pci::MSIX_CTRL_TABLE_SIZE) + 1;
    if entries > msix::MAX_VECTORS {
        return Err(DriverError::BadMsixTableSize { entries });
    }
    let info = MsixInfo {
        cap_offset: cap,
        table_size: entries as u16,
        table_bir: (table & pci::MSIX_BIR_MASK) as u8,
        table_offset: table & !pci::MSIX_BIR_MASK,
        pba_bir: (pba & pci::MSIX_BIR_MASK) as u8,
        pba_offset: pba & !pci::MSIX_BIR_MASK,
    };
    let check = |structure, bir: u8, spec_bir: u32, offset: u32, expected: u32, len: u32| {
        let end = u64::from(offset) + u64::from(len);
        if u32::from(bir) != spec_bir || offset != expected || end > limits::BAR0_SIZE {
            return Err(DriverError::BadMsixLocation { structure, bir, offset, expected });
        }
        Ok(())
    };
    check("table", info.table_bir, msix::TABLE_BIR, info.table_offset, msix::TABLE_OFFSET, entries * msix::ENTRY_SIZE)?;
    check("PBA", info.pba_bir, msix::PBA_BIR, info.pba_offset, msix::PBA_OFFSET, entries.div_ceil(64) * 8)?;
    Ok(info)
}

/// Makes sure PCI Command has Memory Space and Bus Master enabled, setting
/// them if not, and checks they took. The write leaves Status (the upper
/// half of the dword) alone: its bits are read-only or write-1-to-clear, so
/// zeros change nothing.
pub(crate) fn ensure_command<H: Hal>(hal: &mut H) -> Result<(), DriverError> {
    let want = pci::COMMAND_MEMORY | pci::COMMAND_BUS_MASTER;
    let command = hal.cfg_read32(pci::COMMAND)? as u16;
    if command & want == want {
        return Ok(());
    }
    hal.cfg_write32(pci::COMMAND, u32::from(command | want))?;
    let found = hal.cfg_read32(pci::COMMAND)? as u16;
    if found & want != want {
        return Err(DriverError::PciCommand { found });
    }
    Ok(())
}

/// Sets and clears bits of MSI-X Message Control, the upper half of the
/// capability's first dword (read-modify-write; the lower half, ID and next
/// pointer, is read-only and written back as read).
pub(crate) fn update_msg_ctrl<H: Hal>(hal: &mut H, info: &MsixInfo, set: u16, clear: u16) -> Result<(), DriverError> {
    let header = hal.cfg_read32(info.cap_offset)?;
    let ctrl = ((header >> 16) as u16 & !clear) | set;
    hal.cfg_write32(info.cap_offset, (u32::from(ctrl) << 16) | (header & 0xFFFF))?;
    Ok(())
}

/// BAR0 offset of dword `reg` (`msix::ENTRY_*`) of table entry `vector`.
pub(crate) fn entry_reg(vector: u16, reg: u32) -> u32 {
    msix::TABLE_OFFSET + u32::from(vector) * msix::ENTRY_SIZE + reg
}
