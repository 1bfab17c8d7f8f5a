//! The NIC function's PCI configuration space, as the PCIe hard block exposes it.
//!
//! Pure Rust and immediate: configuration requests never reach `nic_core`
//! as TLPs (the hard block answers them), so [`ConfigSpace::read32`] and
//! [`ConfigSpace::write32`] take no simulated time. What the space exports
//! to the core (Bus Master Enable, MSI-X Enable and Function Mask) is read
//! back by [`crate::Sim`] after each write and driven onto the `cfg_*`
//! inputs; what the core exports (`cfg_msix_table_size`) is fed in with
//! [`ConfigSpace::set_msix_table_size`].
//!
//! Layout (type-0 header, 4 KiB):
//!
//! | offset | register | model |
//! | --- | --- | --- |
//! | 0x00 | Vendor ID, Device ID | `nic_spec::pci::NIC_VENDOR_ID` / `NIC_DEVICE_ID`, read-only |
//! | 0x04 | Command, Status | Command: Memory Space (bit 1) and Bus Master Enable (bit 2) writable, the rest 0; Status: Capabilities List (bit 4) only, read-only |
//! | 0x08 | Revision ID, Class Code | revision 0, class `nic_spec::pci::NIC_CLASS` |
//! | 0x0C | Cache Line, Latency, Header Type, BIST | 0 (header type 0, single function) |
//! | 0x10 | BAR0 | 32-bit non-prefetchable memory BAR of `limits::BAR0_SIZE`; a 64-bit one (with BAR1 as its upper half) when `bar0_base` is at or above 4 GiB |
//! | 0x14..0x28 | BAR1..BAR5 | 0 (unimplemented), except BAR1 of a 64-bit BAR0 |
//! | 0x34 | Capabilities Pointer | [`MSIX_CAP`] |
//! | 0x3C | Interrupt Line, Interrupt Pin | line writable (a scratch byte for software), pin 0: no INTx |
//! | [`MSIX_CAP`] | MSI-X capability | next [`PCIE_CAP`]; Message Control: table size from the RTL, Enable (bit 15) and Function Mask (bit 14) writable; Table/PBA Offset+BIR from `nic_spec::msix` |
//! | [`PCIE_CAP`] | PCI Express capability (v2, endpoint) | next 0; Device Capabilities: Max Payload Size Supported 4096, role-based error reporting; Device Control: MPS and MRRS of the configuration, **read-only in the model**; every other register 0 (no link is modelled) |
//! | anything else | | reads 0, writes ignored (so extended space at 0x100 starts with an empty header: no extended capabilities) |
//!
//! BAR0 follows the standard sizing protocol (write all-ones, read back the
//! size mask), and keeps whatever address software writes, but **relocation
//! is not modelled**: MMIO is always sent to `SimConfig::bar0_base`.

use nic_hal::HalError;
use nic_spec::{limits, msix, pci};

/// Where the MSI-X capability starts.
pub const MSIX_CAP: u16 = 0x40;
/// Where the PCI Express capability starts (a v2 endpoint's takes 0x3C bytes).
pub const PCIE_CAP: u16 = 0x50;
/// Size of the function's configuration space.
pub const CONFIG_SPACE_BYTES: u16 = 4096;

const INTERRUPT_LINE: u16 = 0x3C;
const BAR1: u16 = pci::BAR0 + 4;
/// Command bits software may change.
const COMMAND_WRITABLE: u16 = pci::COMMAND_MEMORY | pci::COMMAND_BUS_MASTER;
/// Message Control bits software may change.
const MSIX_CTRL_WRITABLE: u16 = pci::MSIX_CTRL_ENABLE | pci::MSIX_CTRL_FUNCTION_MASK;
/// BAR0 address bits software may change (the rest encode the size).
const BAR0_ADDR_MASK: u32 = !(limits::BAR0_SIZE as u32 - 1);
/// BAR type field (bits [2:1]): 64-bit.
const BAR_TYPE_64: u32 = 0b10 << 1;
/// PCI Express Capabilities register: capability version 2, device/port type 0 (endpoint).
const PCIE_CAPS_REG: u32 = 0x0002;
/// Device Capabilities: Max_Payload_Size Supported (bits [2:0]) = 5 (4096 bytes), Role-Based Error Reporting (bit 15).
const PCIE_DEVCAP: u32 = 5 | (1 << 15);
/// Device Control: Max_Payload_Size in bits [7:5], Max_Read_Request_Size in bits [14:12].
const DEVCTL_MPS_SHIFT: u32 = 5;
const DEVCTL_MRRS_SHIFT: u32 = 12;

/// What the configuration space starts with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConfigInit {
    /// Address the host assigned to BAR0 (`SimConfig::bar0_base`).
    pub bar0_base: u64,
    /// Initial Command.Bus Master Enable (`SimConfig::bus_master_enable`).
    pub bus_master_enable: bool,
    /// Device Control Max_Payload_Size code (`128 << n` bytes) the NIC is given.
    pub mps_code: u8,
    /// Device Control Max_Read_Request_Size code.
    pub mrrs_code: u8,
    /// MSI-X table size minus one, as `nic_core` reports it (`cfg_msix_table_size`).
    pub msix_table_size: u16,
}

/// The NIC function's configuration space (see the module docs for the layout).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigSpace {
    command: u16,
    bar0: u32,
    bar1: u32,
    bar64: bool,
    interrupt_line: u8,
    msix_ctrl: u16,
    msix_table_size: u16,
    mps_code: u8,
    mrrs_code: u8,
}

impl ConfigSpace {
    /// The space after enumeration: BAR0 assigned, Memory Space enabled,
    /// Bus Master Enable as configured, MSI-X disabled and not masked.
    pub fn new(init: ConfigInit) -> Self {
        let bme = if init.bus_master_enable { pci::COMMAND_BUS_MASTER } else { 0 };
        ConfigSpace {
            command: pci::COMMAND_MEMORY | bme,
            bar0: init.bar0_base as u32 & BAR0_ADDR_MASK,
            bar1: (init.bar0_base >> 32) as u32,
            bar64: init.bar0_base >> 32 != 0,
            interrupt_line: 0,
            msix_ctrl: 0,
            msix_table_size: init.msix_table_size & pci::MSIX_CTRL_TABLE_SIZE,
            mps_code: init.mps_code & 7,
            mrrs_code: init.mrrs_code & 7,
        }
    }

    fn check(offset: u16) -> Result<(), HalError> {
        if !offset.is_multiple_of(4) || offset >= CONFIG_SPACE_BYTES {
            return Err(HalError::BadConfigOffset { offset });
        }
        Ok(())
    }

    fn message_control(&self) -> u16 {
        self.msix_ctrl | self.msix_table_size
    }

    /// The dword at `offset` (dword aligned, below 4096).
    pub fn read32(&self, offset: u16) -> Result<u32, HalError> {
        Self::check(offset)?;
        let v = match offset {
            pci::VENDOR_ID => u32::from(pci::NIC_VENDOR_ID) | u32::from(pci::NIC_DEVICE_ID) << 16,
            pci::COMMAND => u32::from(self.command) | u32::from(pci::STATUS_CAP_LIST) << 16,
            pci::CLASS_REV => pci::NIC_CLASS << 8,
            pci::BAR0 => self.bar0 | if self.bar64 { BAR_TYPE_64 } else { 0 },
            BAR1 if self.bar64 => self.bar1,
            pci::CAP_PTR => u32::from(MSIX_CAP),
            INTERRUPT_LINE => u32::from(self.interrupt_line),
            MSIX_CAP => {
                u32::from(pci::CAP_ID_MSIX) | u32::from(PCIE_CAP) << 8 | u32::from(self.message_control()) << 16
            }
            o if o == MSIX_CAP + pci::MSIX_TABLE => msix::TABLE_OFFSET | msix::TABLE_BIR,
            o if o == MSIX_CAP + pci::MSIX_PBA => msix::PBA_OFFSET | msix::PBA_BIR,
            PCIE_CAP => u32::from(pci::CAP_ID_PCIE) | PCIE_CAPS_REG << 16,
            o if o == PCIE_CAP + 4 => PCIE_DEVCAP,
            o if o == PCIE_CAP + 8 => {
                u32::from(self.mps_code) << DEVCTL_MPS_SHIFT | u32::from(self.mrrs_code) << DEVCTL_MRRS_SHIFT
            }
            _ => 0,
        };
        Ok(v)
    }

    /// Writes the dword at `offset`; read-only bits (and registers) keep their value.
    pub fn write32(&mut self, offset: u16, value: u32) -> Result<(), HalError> {
        Self::check(offset)?;
        match offset {
            pci::COMMAND => self.command = (self.command & !COMMAND_WRITABLE) | (value as u16 & COMMAND_WRITABLE),
            pci::BAR0 => self.bar0 = value & BAR0_ADDR_MASK,
            BAR1 if self.bar64 => self.bar1 = value,
            INTERRUPT_LINE => self.interrupt_line = value as u8,
            MSIX_CAP => self.msix_ctrl = (value >> 16) as u16 & MSIX_CTRL_WRITABLE,
            _ => {}
        }
        Ok(())
    }

    /// Command.Memory Space Enable: BAR0 accesses reach the NIC.
    pub fn memory_space_enable(&self) -> bool {
        self.command & pci::COMMAND_MEMORY != 0
    }

    /// Command.Bus Master Enable (`cfg_bus_master_enable`).
    pub fn bus_master_enable(&self) -> bool {
        self.command & pci::COMMAND_BUS_MASTER != 0
    }

    /// Sets Command.Bus Master Enable (for `Sim::set_bus_master_enable`, which keeps both in step).
    pub fn set_bus_master_enable(&mut self, on: bool) {
        self.command = (self.command & !pci::COMMAND_BUS_MASTER) | if on { pci::COMMAND_BUS_MASTER } else { 0 };
    }

    /// MSI-X Message Control.Enable (`cfg_msix_enable`).
    pub fn msix_enable(&self) -> bool {
        self.msix_ctrl & pci::MSIX_CTRL_ENABLE != 0
    }

    /// MSI-X Message Control.Function Mask (`cfg_msix_function_mask`).
    pub fn msix_function_mask(&self) -> bool {
        self.msix_ctrl & pci::MSIX_CTRL_FUNCTION_MASK != 0
    }

    /// MSI-X table size minus one, as advertised.
    pub fn msix_table_size(&self) -> u16 {
        self.msix_table_size
    }

    /// Updates the advertised table size from `cfg_msix_table_size`.
    pub fn set_msix_table_size(&mut self, size_minus_one: u16) {
        self.msix_table_size = size_minus_one & pci::MSIX_CTRL_TABLE_SIZE;
    }

    /// The address BAR0 holds now (what software last programmed; the
    /// model keeps decoding at `SimConfig::bar0_base`).
    pub fn bar0_address(&self) -> u64 {
        let hi = if self.bar64 { u64::from(self.bar1) << 32 } else { 0 };
        hi | u64::from(self.bar0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn space() -> ConfigSpace {
        ConfigSpace::new(ConfigInit {
            bar0_base: 0xF000_0000,
            bus_master_enable: true,
            mps_code: 1,
            mrrs_code: 2,
            msix_table_size: 15,
        })
    }

    /// Follows the capability list from 0x34: (offset, ID) of each capability.
    fn walk(s: &ConfigSpace) -> Vec<(u16, u8)> {
        let mut caps = Vec::new();
        let mut at = (s.read32(pci::CAP_PTR).unwrap() & 0xFC) as u16;
        while at != 0 && caps.len() < 48 {
            let dw = s.read32(at).unwrap();
            caps.push((at, dw as u8));
            at = ((dw >> 8) & 0xFC) as u16;
        }
        caps
    }

    #[test]
    fn identity_and_header() {
        let s = space();
        let id = s.read32(pci::VENDOR_ID).unwrap();
        assert_eq!((id as u16, (id >> 16) as u16), (pci::NIC_VENDOR_ID, pci::NIC_DEVICE_ID));
        assert_eq!(s.read32(pci::CLASS_REV).unwrap() >> 8, pci::NIC_CLASS);
        assert_eq!(s.read32(0x0C).unwrap() >> 16 & 0x7F, 0, "header type 0");
        let cmd_status = s.read32(pci::COMMAND).unwrap();
        assert_eq!(cmd_status as u16, pci::COMMAND_MEMORY | pci::COMMAND_BUS_MASTER);
        assert_eq!((cmd_status >> 16) as u16, pci::STATUS_CAP_LIST);
        assert_eq!(s.read32(0x3C).unwrap() >> 8 & 0xFF, 0, "no INTx pin");
        // Unimplemented BARs, reserved and extended space read 0.
        for off in [0x14, 0x18, 0x1C, 0x20, 0x24, 0x30, 0x38, 0x48 + 4, 0x90, 0x100, 0xFFC] {
            assert_eq!(s.read32(off).unwrap(), 0, "offset {off:#x}");
        }
        let s = ConfigSpace::new(ConfigInit { bus_master_enable: false, ..ConfigInit::from(&space()) });
        assert!(!s.bus_master_enable() && s.memory_space_enable());
    }

    impl From<&ConfigSpace> for ConfigInit {
        fn from(s: &ConfigSpace) -> Self {
            ConfigInit {
                bar0_base: s.bar0_address(),
                bus_master_enable: s.bus_master_enable(),
                mps_code: s.mps_code,
                mrrs_code: s.mrrs_code,
                msix_table_size: s.msix_table_size,
            }
        }
    }

    #[test]
    fn capability_walk_finds_msix_then_pcie() {
        let s = space();
        assert_eq!(walk(&s), [(MSIX_CAP, pci::CAP_ID_MSIX), (PCIE_CAP, pci::CAP_ID_PCIE)]);
        // The PCIe capability's structure does not run into anything.
        const { assert!(PCIE_CAP >= MSIX_CAP + 12 && PCIE_CAP + 0x3C <= 0x100) };
    }

    #[test]
    fn msix_capability() {
        let mut s = space();
        let dw = s.read32(MSIX_CAP).unwrap();
        let ctrl = (dw >> 16) as u16;
        assert_eq!(ctrl & pci::MSIX_CTRL_TABLE_SIZE, 15);
        assert_eq!(ctrl & !pci::MSIX_CTRL_TABLE_SIZE, 0, "disabled, unmasked at start");
        let table = s.read32(MSIX_CAP + pci::MSIX_TABLE).unwrap();
        assert_eq!((table & !pci::MSIX_BIR_MASK, table & pci::MSIX_BIR_MASK), (msix::TABLE_OFFSET, msix::TABLE_BIR));
        let pba = s.read32(MSIX_CAP + pci::MSIX_PBA).unwrap();
        assert_eq!((pba & !pci::MSIX_BIR_MASK, pba & pci::MSIX_BIR_MASK), (msix::PBA_OFFSET, msix::PBA_BIR));

        // Enable and Function Mask are writable; the ID, next pointer and table size are not.
        s.write32(MSIX_CAP, 0xFFFF_FFFF).unwrap();
        assert!(s.msix_enable() && s.msix_function_mask());
        assert_eq!(s.read32(MSIX_CAP).unwrap(), dw | u32::from(MSIX_CTRL_WRITABLE) << 16);
        s.write32(MSIX_CAP, u32::from(pci::MSIX_CTRL_ENABLE) << 16).unwrap();
        assert!(s.msix_enable() && !s.msix_function_mask());
        s.write32(MSIX_CAP, u32::from(pci::MSIX_CTRL_FUNCTION_MASK) << 16).unwrap();
        assert!(!s.msix_enable() && s.msix_function_mask());
        s.write32(MSIX_CAP, 0).unwrap();
        assert_eq!(s.read32(MSIX_CAP).unwrap(), dw);
        // Offset/BIR registers are read-only.
        s.write32(MSIX_CAP + pci::MSIX_TABLE, 0x1234_5678).unwrap();
        assert_eq!(s.read32(MSIX_CAP + pci::MSIX_TABLE).unwrap(), table);

        // The table size follows the RTL's output.
        s.set_msix_table_size(255);
        assert_eq!(s.read32(MSIX_CAP).unwrap() >> 16 & 0x7FF, 255);
        s.set_msix_table_size(0xFFFF);
        assert_eq!(s.msix_table_size(), 0x7FF);
    }

    #[test]
    fn pcie_capability_reflects_mps_mrrs_read_only() {
        let mut s = space();
        let caps = s.read32(PCIE_CAP).unwrap();
        assert_eq!(
            (caps as u8, (caps >> 8) as u8, (caps >> 16) & 0xF, (caps >> 20) & 0xF),
            (pci::CAP_ID_PCIE, 0, 2, 0)
        );
        let devcap = s.read32(PCIE_CAP + 4).unwrap();
        assert_eq!(128 << (devcap & 7), 4096, "Max Payload Size Supported");
        let devctl = s.read32(PCIE_CAP + 8).unwrap();
        assert_eq!(128 << ((devctl >> 5) & 7), 256, "MPS");
        assert_eq!(128 << ((devctl >> 12) & 7), 512, "MRRS");
        s.write32(PCIE_CAP + 8, 0).unwrap();
        s.write32(PCIE_CAP + 4, 0).unwrap();
        assert_eq!(s.read32(PCIE_CAP + 8).unwrap(), devctl);
        assert_eq!(s.read32(PCIE_CAP + 4).unwrap(), devcap);
    }

    #[test]
    fn command_bits_and_read_only_registers() {
        let mut s = space();
        // Read-only registers and reserved space ignore writes.
        for off in [0x00u16, 0x08, 0x0C, 0x14, 0x2C, 0x34, 0x4C, PCIE_CAP, PCIE_CAP + 0xC, 0x80, 0x100, 0xFFC] {
            let before = s.read32(off).unwrap();
            s.write32(off, 0xFFFF_FFFF).unwrap();
            s.write32(off, 0x5A5A_5A5A).unwrap();
            assert_eq!(s.read32(off).unwrap(), before, "offset {off:#x}");
        }
        // Command: only Memory Space and Bus Master; Status stays (no RW1C bits ever set).
        s.write32(pci::COMMAND, 0xFFFF_FFFF).unwrap();
        assert_eq!(
            s.read32(pci::COMMAND).unwrap(),
            u32::from(COMMAND_WRITABLE) | u32::from(pci::STATUS_CAP_LIST) << 16
        );
        s.write32(pci::COMMAND, u32::from(pci::COMMAND_MEMORY)).unwrap();
        assert!(s.memory_space_enable() && !s.bus_master_enable());
        s.write32(pci::COMMAND, u32::from(pci::COMMAND_BUS_MASTER)).unwrap();
        assert!(!s.memory_space_enable() && s.bus_master_enable());
        s.set_bus_master_enable(false);
        assert_eq!(s.read32(pci::COMMAND).unwrap() & 0xFFFF, 0);
        // Interrupt Line is a scratch byte; Interrupt Pin stays 0.
        s.write32(0x3C, 0xFFFF_FF0B).unwrap();
        assert_eq!(s.read32(0x3C).unwrap(), 0x0B);
    }

    #[test]
    fn bar0_sizing() {
        let mut s = space();
        assert_eq!(s.read32(pci::BAR0).unwrap(), 0xF000_0000, "32-bit, non-prefetchable memory BAR");
        s.write32(pci::BAR0, 0xFFFF_FFFF).unwrap();
        let mask = s.read32(pci::BAR0).unwrap();
        assert_eq!(u64::from(!(mask & !0xF)) + 1, limits::BAR0_SIZE);
        s.write32(pci::BAR0, 0xF000_0000).unwrap();
        assert_eq!(s.read32(pci::BAR0).unwrap(), 0xF000_0000);
        // Low bits are not address bits.
        s.write32(pci::BAR0, 0xE000_1234).unwrap();
        assert_eq!((s.read32(pci::BAR0).unwrap(), s.bar0_address()), (0xE000_0000, 0xE000_0000));

        // Above 4 GiB: a 64-bit BAR over BAR0/BAR1.
        let mut s = ConfigSpace::new(ConfigInit { bar0_base: 0x40_F000_0000, ..ConfigInit::from(&space()) });
        assert_eq!(s.read32(pci::BAR0).unwrap(), 0xF000_0000 | BAR_TYPE_64);
        assert_eq!(s.read32(BAR1).unwrap(), 0x40);
        s.write32(pci::BAR0, 0xFFFF_FFFF).unwrap();
        s.write32(BAR1, 0xFFFF_FFFF).unwrap();
        let size_mask = u64::from(s.read32(BAR1).unwrap()) << 32 | u64::from(s.read32(pci::BAR0).unwrap() & !0xF);
        assert_eq!(!size_mask + 1, limits::BAR0_SIZE);
        s.write32(pci::BAR0, 0xF000_0000).unwrap();
        s.write32(BAR1, 0x40).unwrap();
        assert_eq!(s.bar0_address(), 0x40_F000_0000);
    }

    #[test]
    fn bad_offsets() {
        let mut s = space();
        for off in [1u16, 2, 3, 0x41, 0x1000, 0x1004, 0xFFFF] {
            assert_eq!(s.read32(off), Err(HalError::BadConfigOffset { offset: off }));
            assert_eq!(s.write32(off, 0), Err(HalError::BadConfigOffset { offset: off }));
        }
        assert!(s.read32(0xFFC).is_ok());
    }
}
