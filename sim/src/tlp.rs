//! TLP header fields: builders and accessors over the four header DWs
//! (`hdr[0]` is DW0), using the encodings of `nic_spec::tlp`.

use nic_spec::tlp::{FMT_3DW_DATA, FMT_3DW_NO_DATA, FMT_4DW_DATA, FMT_4DW_NO_DATA, PAGE_BOUNDARY, TYPE_CPL, TYPE_MEM};

/// A TLP header, DW0 first.
pub type Header = [u32; 4];

pub fn fmt(h: &Header) -> u32 {
    h[0] >> 29
}
pub fn typ(h: &Header) -> u32 {
    (h[0] >> 24) & 0x1F
}
/// Fmt says a payload follows.
pub fn has_data(h: &Header) -> bool {
    fmt(h) & 0b010 != 0
}
/// Fmt says 4-DW header.
pub fn is_4dw(h: &Header) -> bool {
    fmt(h) & 0b001 != 0
}
/// Length in DW (a field value of 0 means 1024).
pub fn length_dw(h: &Header) -> u32 {
    match h[0] & 0x3FF {
        0 => 1024,
        n => n,
    }
}
pub fn tc(h: &Header) -> u32 {
    (h[0] >> 20) & 7
}
/// DW0 bits carrying TC and Attr (IDO [18], RO/NS [13:12]), copied into completions.
pub fn tc_attr_bits(h: &Header) -> u32 {
    h[0] & ((7 << 20) | (1 << 18) | (3 << 12))
}
pub fn td(h: &Header) -> bool {
    h[0] >> 15 & 1 == 1
}
pub fn ep(h: &Header) -> bool {
    h[0] >> 14 & 1 == 1
}
pub fn th(h: &Header) -> bool {
    h[0] >> 16 & 1 == 1
}
/// Reserved/unsupported DW0 bits: T9 [23], T8 [19], LN [17], AT [11:10].
pub fn dw0_reserved(h: &Header) -> u32 {
    h[0] & ((1 << 23) | (1 << 19) | (1 << 17) | (3 << 10))
}

/// Is a memory request (MemRd/MemWr, 3 or 4 DW)?
pub fn is_mem(h: &Header) -> bool {
    typ(h) == TYPE_MEM && fmt(h) <= FMT_4DW_DATA
}
/// Is a completion (Cpl/CplD)?
pub fn is_cpl(h: &Header) -> bool {
    typ(h) == TYPE_CPL && (fmt(h) == FMT_3DW_NO_DATA || fmt(h) == FMT_3DW_DATA)
}

// Memory request fields.
pub fn requester_id(h: &Header) -> u16 {
    (h[1] >> 16) as u16
}
pub fn tag(h: &Header) -> u8 {
    (h[1] >> 8) as u8
}
pub fn last_be(h: &Header) -> u8 {
    ((h[1] >> 4) & 0xF) as u8
}
pub fn first_be(h: &Header) -> u8 {
    (h[1] & 0xF) as u8
}
/// Byte address (bits [1:0] of the last address DW are excluded).
pub fn address(h: &Header) -> u64 {
    if is_4dw(h) {
        (u64::from(h[2]) << 32) | u64::from(h[3] & !3)
    } else {
        u64::from(h[2] & !3)
    }
}
/// The PH/reserved bits [1:0] of the last address DW.
pub fn address_low_bits(h: &Header) -> u32 {
    if is_4dw(h) {
        h[3] & 3
    } else {
        h[2] & 3
    }
}

/// Builds a memory request header: 3-DW below 4 GiB, 4-DW otherwise.
pub fn mem_request(
    write: bool,
    addr: u64,
    len_dw: u32,
    first_be: u8,
    last_be: u8,
    requester_id: u16,
    tag: u8,
) -> Header {
    let four = addr >> 32 != 0;
    let fmt = match (write, four) {
        (false, false) => FMT_3DW_NO_DATA,
        (false, true) => FMT_4DW_NO_DATA,
        (true, false) => FMT_3DW_DATA,
        (true, true) => FMT_4DW_DATA,
    };
    let dw0 = (fmt << 29) | (TYPE_MEM << 24) | (len_dw & 0x3FF);
    let dw1 = (u32::from(requester_id) << 16)
        | (u32::from(tag) << 8)
        | (u32::from(last_be & 0xF) << 4)
        | u32::from(first_be & 0xF);
    if four {
        [dw0, dw1, (addr >> 32) as u32, addr as u32 & !3]
    } else {
        [dw0, dw1, addr as u32 & !3, 0]
    }
}

// Completion fields.
pub fn completer_id(h: &Header) -> u16 {
    (h[1] >> 16) as u16
}
pub fn cpl_status(h: &Header) -> u32 {
    (h[1] >> 13) & 7
}
pub fn bcm(h: &Header) -> bool {
    h[1] >> 12 & 1 == 1
}
/// Byte Count (a field value of 0 means 4096).
pub fn byte_count(h: &Header) -> u32 {
    match h[1] & 0xFFF {
        0 => 4096,
        n => n,
    }
}
pub fn cpl_requester_id(h: &Header) -> u16 {
    (h[2] >> 16) as u16
}
pub fn cpl_tag(h: &Header) -> u8 {
    (h[2] >> 8) as u8
}
pub fn lower_address(h: &Header) -> u32 {
    h[2] & 0x7F
}

/// Builds a completion header; `len_dw == 0` means a Cpl without data.
#[allow(clippy::too_many_arguments)]
pub fn completion(
    tc_attr: u32,
    len_dw: u32,
    completer_id: u16,
    status: u32,
    byte_count: u32,
    requester_id: u16,
    tag: u8,
    lower_addr: u32,
) -> Header {
    let fmt = if len_dw == 0 { FMT_3DW_NO_DATA } else { FMT_3DW_DATA };
    [
        (fmt << 29) | (TYPE_CPL << 24) | tc_attr | (len_dw & 0x3FF),
        (u32::from(completer_id) << 16) | ((status & 7) << 13) | (byte_count & 0xFFF),
        (u32::from(requester_id) << 16) | (u32::from(tag) << 8) | (lower_addr & 0x7F),
        0,
    ]
}

/// Bytes disabled at the start of the request (by First DW BE) and at its
/// end (by Last DW BE, or First DW BE for a 1-DW request).
pub fn be_trim(len_dw: u32, first_be: u8, last_be: u8) -> (u64, u64) {
    let f = u32::from(first_be & 0xF);
    if f == 0 {
        return (0, 0); // zero-length request (only legal with length 1)
    }
    let lead = u64::from(f.trailing_zeros());
    let end_be = if len_dw == 1 { f } else { u32::from(last_be & 0xF) };
    let trail = if end_be == 0 { 0 } else { u64::from(end_be.leading_zeros() - 28) };
    (lead, trail)
}

/// Checks the byte-enable rules of PCIe Base Spec 2.2.5; `Err` says why not.
pub fn check_byte_enables(addr: u64, len_dw: u32, first_be: u8, last_be: u8) -> Result<(), &'static str> {
    let contiguous_high = |be: u8| matches!(be, 0b1111 | 0b1110 | 0b1100 | 0b1000);
    let contiguous_low = |be: u8| matches!(be, 0b1111 | 0b0111 | 0b0011 | 0b0001);
    if len_dw == 1 {
        return if last_be == 0 { Ok(()) } else { Err("Last DW BE must be 0000b for a 1-DW request") };
    }
    if first_be == 0 {
        return Err("First DW BE must not be 0000b for a request longer than 1 DW");
    }
    if last_be == 0 {
        return Err("Last DW BE must not be 0000b for a request longer than 1 DW");
    }
    // Non-contiguous enables are only allowed for a QW-aligned 2-DW request.
    let qw_aligned_2dw = len_dw == 2 && addr & 7 == 0;
    let contiguous = contiguous_high(first_be) && contiguous_low(last_be);
    if !qw_aligned_2dw && !contiguous {
        return Err("byte enables must be contiguous (only a QW-aligned 2-DW request may have holes)");
    }
    Ok(())
}

/// Does `[addr, addr + len)` cross a 4 KiB boundary?
pub fn crosses_page(addr: u64, len: u64) -> bool {
    // A request running past the top of the address space crosses too.
    len > 0 && addr.checked_add(len - 1).is_none_or(|last| addr / PAGE_BOUNDARY != last / PAGE_BOUNDARY)
}
