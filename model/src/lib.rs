//! Independent reference model of the NIC's receive-side scaling (and its
//! header split, scatter and VLAN stripping: [`split`]), used only
//! to check the RTL.
//!
//! It implements `docs/rss.md` (the contract) a second time, written from
//! the text and not from the Verilog, and deliberately in a different style:
//!
//! * the **parser** ([`parse`]) walks the headers with `etherparse` slices
//!   (which do their own length, version and IHL/data-offset validation) and
//!   adds the contract's own bounds on top: `l3_end` from the IP length
//!   field, the [`LIMIT`] window the hardware reads, and the exact order in
//!   which MALFORMED and DEPTH_LIMIT are decided;
//! * the **Toeplitz hash** ([`toeplitz`]) is the bit-string formulation with
//!   `bitvec`: for every set input bit `i`, XOR in the 32 key bits starting at
//!   bit `i`. The RTL uses a shift/table structure; agreeing bit-exact on the
//!   Microsoft verification suite and on random input is the point;
//! * **steering** ([`classify`]) picks the hash type from the enables, indexes
//!   the indirection table with the low hash bits and masks the queue the
//!   way `rtl/nic_rss.v` documents ([`steer`]).
//!
//! Nothing here is fast on purpose, but nothing allocates per frame either:
//! the differential test runs it on a few hundred thousand frames.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use bitvec::prelude::*;
use etherparse::{
    EtherType, Ethernet2HeaderSlice, IpNumber, Ipv4HeaderSlice, Ipv6FragmentHeaderSlice, Ipv6HeaderSlice,
    Ipv6RawExtHeaderSlice, SingleVlanHeaderSlice, TcpHeaderSlice, UdpHeaderSlice,
};
use nic_spec::{l3_type, l4_type, parse_flags, rss, rss_type};

/// The parser reads only bytes below this offset (`rss::PARSE_LIMIT`).
pub const LIMIT: usize = rss::PARSE_LIMIT as usize;

/// VLAN tags the parser strips at most.
pub const MAX_VLAN_TAGS: u8 = 2;

/// The L3 addresses of a parsed IP header, in network byte order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Addrs {
    /// IPv4 source, destination.
    V4([u8; 4], [u8; 4]),
    /// IPv6 source, destination.
    V6([u8; 16], [u8; 16]),
}

/// The fields the hash may cover.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Tuple {
    /// Source and destination address (present for any IP header that is not
    /// MALFORMED at L3).
    pub addrs: Addrs,
    /// Source and destination port, when the L4 rule produced them (TCP or
    /// UDP, not a fragment, not MALFORMED or DEPTH_LIMIT at L4).
    pub ports: Option<(u16, u16)>,
}

impl Tuple {
    /// The Toeplitz input bytes: source address, destination address, then
    /// the ports if `with_ports`. Returns the buffer and the length used.
    pub fn hash_input(&self, with_ports: bool) -> ([u8; 36], usize) {
        let mut buf = [0u8; 36];
        let mut n = 0;
        let mut put = |b: &[u8]| {
            buf[n..n + b.len()].copy_from_slice(b);
            n += b.len();
        };
        match &self.addrs {
            Addrs::V4(s, d) => {
                put(s);
                put(d);
            }
            Addrs::V6(s, d) => {
                put(s);
                put(d);
            }
        }
        if with_ports {
            if let Some((sp, dp)) = self.ports {
                put(&sp.to_be_bytes());
                put(&dp.to_be_bytes());
            }
        }
        (buf, n)
    }
}

/// The parser's result for one frame (docs/rss.md, "Parser").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Parsed {
    /// `nic_spec::l3_type`.
    pub l3_type: u8,
    /// `nic_spec::l4_type`.
    pub l4_type: u8,
    /// Byte offset of the L3 header (0 after a truncated VLAN tag).
    pub l3_offset: u16,
    /// Byte offset of the L4 header, 0 if L4 parsing stopped.
    pub l4_offset: u16,
    /// Byte offset of the L4 payload, 0 if not parsed.
    pub payload_offset: u16,
    /// VLAN tags parsed (0..=2).
    pub vlan_count: u8,
    /// `nic_spec::parse_flags` bits.
    pub flags: u8,
    /// The hash tuple, `None` when there is no usable L3 header.
    pub tuple: Option<Tuple>,
}

impl Parsed {
    fn flag(&mut self, f: u32) {
        self.flags |= f as u8;
    }

    /// Whether a `parse_flags` bit is set.
    pub fn has(&self, f: u32) -> bool {
        u32::from(self.flags) & f != 0
    }
}

/// Parses `frame` (the bytes from the MAC, no FCS) exactly as docs/rss.md
/// says. Frames shorter than 14 bytes never reach the parser's consumers
/// (the NIC drops them as runts); they parse as "nothing".
pub fn parse(frame: &[u8]) -> Parsed {
    let mut p = Parsed::default();
    let len = frame.len();
    // 1. Ethernet.
    let Ok(eth) = Ethernet2HeaderSlice::from_slice(frame) else {
        return p;
    };
    let mut ethertype = eth.ether_type();
    let mut off = eth.slice().len();
    // 2. VLAN tags (802.1Q and 802.1ad alike), at most two.
    while (ethertype == EtherType::VLAN_TAGGED_FRAME || ethertype == EtherType::PROVIDER_BRIDGING)
        && p.vlan_count < MAX_VLAN_TAGS
    {
        match SingleVlanHeaderSlice::from_slice(&frame[off..]) {
            Ok(tag) => {
                ethertype = tag.ether_type();
                off += tag.slice().len();
                p.vlan_count += 1;
            }
            Err(_) => {
                p.flag(parse_flags::MALFORMED);
                return p;
            }
        }
    }
    // 3.
    p.l3_offset = off as u16;
    // 4./5. L3; yields (l3_end, proto, l4_offset) when L4 parsing goes on.
    let l4 = if ethertype == EtherType::IPV4 {
        p.l3_type = l3_type::IPV4 as u8;
        parse_ipv4(frame, off, &mut p)
    } else if ethertype == EtherType::IPV6 {
        p.l3_type = l3_type::IPV6 as u8;
        parse_ipv6(frame, off, &mut p)
    } else {
        // 7. Unknown ethertype, ARP, a third VLAN tag.
        None
    };
    // 6. L4.
    if let Some((l3_end, proto, l4_off)) = l4 {
        parse_l4(frame, l3_end, proto, l4_off, &mut p);
    }
    debug_assert!(len >= 14);
    p
}

/// Step 4. Returns `None` when parsing stops (MALFORMED at L3).
fn parse_ipv4(b: &[u8], off: usize, p: &mut Parsed) -> Option<(usize, IpNumber, usize)> {
    // etherparse checks: 20 bytes present, version 4, IHL >= 5, IHL*4 bytes present.
    let Ok(ip) = Ipv4HeaderSlice::from_slice(&b[off..]) else {
        p.flag(parse_flags::MALFORMED);
        return None;
    };
    let hdr_len = ip.slice().len();
    let tot = usize::from(ip.total_len());
    if tot < hdr_len || off + tot > b.len() {
        p.flag(parse_flags::MALFORMED);
        return None;
    }
    if ip.ihl() > 5 {
        p.flag(parse_flags::IP_OPTIONS);
    }
    if ip.more_fragments() || ip.fragments_offset().value() != 0 {
        p.flag(parse_flags::FRAGMENT);
    }
    p.tuple = Some(Tuple { addrs: Addrs::V4(ip.source(), ip.destination()), ports: None });
    Some((off + tot, ip.protocol(), off + hdr_len))
}

/// Step 5. Returns `None` when L3 or the extension chain stops parsing.
fn parse_ipv6(b: &[u8], off: usize, p: &mut Parsed) -> Option<(usize, IpNumber, usize)> {
    let Ok(ip) = Ipv6HeaderSlice::from_slice(&b[off..]) else {
        p.flag(parse_flags::MALFORMED);
        return None;
    };
    let l3_end = off + 40 + usize::from(ip.payload_length());
    if l3_end > b.len() {
        p.flag(parse_flags::MALFORMED);
        return None;
    }
    // The addresses are good from here on: the 2-tuple hash applies even if
    // the extension chain stops L4 parsing.
    p.tuple = Some(Tuple { addrs: Addrs::V6(ip.source(), ip.destination()), ports: None });
    let mut next = ip.next_header();
    let mut pos = off + 40;
    while is_ipv6_ext(next) {
        p.flag(parse_flags::IP_OPTIONS);
        // The header's first two bytes (next header, length) must be readable.
        if pos + 2 > LIMIT {
            p.flag(parse_flags::DEPTH_LIMIT);
            return None;
        }
        // Every header is at least 8 bytes: one whose length byte lies past
        // l3_end (maybe past the frame) is MALFORMED whatever that byte says.
        let h = match () {
            _ if next == IpNumber::IPV6_FRAGMENTATION_HEADER => 8,
            _ if pos + 2 > l3_end => 8,
            _ => 8 * (usize::from(b[pos + 1]) + 1),
        };
        if pos + h > l3_end {
            p.flag(parse_flags::MALFORMED);
            return None;
        }
        if pos + h > LIMIT {
            p.flag(parse_flags::DEPTH_LIMIT);
            return None;
        }
        // The header lies within the packet and the window: let etherparse
        // read it (and agree on its length).
        let hdr = &b[pos..pos + h];
        next = if next == IpNumber::IPV6_FRAGMENTATION_HEADER {
            p.flag(parse_flags::FRAGMENT);
            Ipv6FragmentHeaderSlice::from_slice(hdr).expect("8 bytes present").next_header()
        } else {
            let raw = Ipv6RawExtHeaderSlice::from_slice(hdr).expect("length checked above");
            debug_assert_eq!(raw.slice().len(), h);
            raw.next_header()
        };
        pos += h;
    }
    Some((l3_end, next, pos))
}

fn is_ipv6_ext(n: IpNumber) -> bool {
    n == IpNumber::IPV6_HEADER_HOP_BY_HOP
        || n == IpNumber::IPV6_ROUTE_HEADER
        || n == IpNumber::IPV6_DESTINATION_OPTIONS
        || n == IpNumber::IPV6_FRAGMENTATION_HEADER
}

/// Step 6.
fn parse_l4(b: &[u8], l3_end: usize, proto: IpNumber, l4: usize, p: &mut Parsed) {
    p.l4_offset = l4 as u16;
    if p.has(parse_flags::FRAGMENT) {
        p.payload_offset = l4 as u16;
        return;
    }
    let ports = if proto == IpNumber::TCP {
        p.l4_type = l4_type::TCP as u8;
        if l4 + 20 > l3_end {
            p.flag(parse_flags::MALFORMED);
            None
        } else if l4 + 20 > LIMIT {
            p.flag(parse_flags::DEPTH_LIMIT);
            None
        } else {
            // etherparse rejects a data offset below 5 or past the slice.
            match TcpHeaderSlice::from_slice(&b[l4..l3_end]) {
                Ok(tcp) => {
                    p.payload_offset = (l4 + tcp.slice().len()) as u16;
                    Some((tcp.source_port(), tcp.destination_port()))
                }
                Err(_) => {
                    p.flag(parse_flags::MALFORMED);
                    None
                }
            }
        }
    } else if proto == IpNumber::UDP {
        p.l4_type = l4_type::UDP as u8;
        if l4 + 8 > l3_end {
            p.flag(parse_flags::MALFORMED);
            None
        } else if l4 + 8 > LIMIT {
            p.flag(parse_flags::DEPTH_LIMIT);
            None
        } else {
            let udp = UdpHeaderSlice::from_slice(&b[l4..l3_end]).expect("8 bytes present");
            p.payload_offset = (l4 + 8) as u16;
            Some((udp.source_port(), udp.destination_port()))
        }
    } else {
        p.l4_type = l4_type::OTHER as u8;
        p.payload_offset = l4 as u16;
        None
    };
    if let Some(t) = p.tuple.as_mut() {
        t.ports = ports;
    }
}

/// The Toeplitz hash of `input` under `key` (docs/rss.md), in the
/// bit-string formulation: the XOR, over every set input bit `i`, of the
/// 32-bit window `key[i..i+32]` (key bit 0 is the MSB of key byte 0).
///
/// Panics if the input is longer than the key minus 4 bytes allows.
pub fn toeplitz(key: &[u8; rss::KEY_BYTES], input: &[u8]) -> u32 {
    let k = key.view_bits::<Msb0>();
    let x = input.view_bits::<Msb0>();
    assert!(input.len() <= rss::KEY_BYTES - 4, "{} input bytes: the key covers at most 36", input.len());
    x.iter_ones().fold(0u32, |h, i| h ^ k[i..i + 32].load_be::<u32>())
}

/// Which hash type `docs/rss.md`'s table chooses for `p` under the enables
/// `hash_types` (`RSS_HASH_TYPES`), and whether it covers the ports.
pub fn hash_type(p: &Parsed, hash_types: u32) -> u8 {
    let en = |t: u32| hash_types & rss_type::enable_bit(t) != 0;
    let Some(tuple) = &p.tuple else {
        return rss_type::NONE as u8;
    };
    let has_ports = tuple.ports.is_some();
    let l4 = u32::from(p.l4_type);
    let t = match tuple.addrs {
        Addrs::V4(..) if has_ports && l4 == l4_type::TCP && en(rss_type::IPV4_TCP) => rss_type::IPV4_TCP,
        Addrs::V4(..) if has_ports && l4 == l4_type::UDP && en(rss_type::IPV4_UDP) => rss_type::IPV4_UDP,
        Addrs::V4(..) if en(rss_type::IPV4) => rss_type::IPV4,
        Addrs::V6(..) if has_ports && l4 == l4_type::TCP && en(rss_type::IPV6_TCP) => rss_type::IPV6_TCP,
        Addrs::V6(..) if has_ports && l4 == l4_type::UDP && en(rss_type::IPV6_UDP) => rss_type::IPV6_UDP,
        Addrs::V6(..) if en(rss_type::IPV6) => rss_type::IPV6,
        _ => rss_type::NONE,
    };
    t as u8
}

/// What the NIC is programmed with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RssConfig {
    /// `RSS_KEY`.
    pub key: [u8; rss::KEY_BYTES],
    /// `RSS_HASH_TYPES`: bit `t - 1` enables `rss_type` `t`.
    pub hash_types: u32,
    /// The whole indirection table, `RSS_RETA_SIZE` entries (a power of two).
    pub reta: Vec<u8>,
    /// `RSS_DEFAULT_QUEUE`.
    pub default_queue: u8,
    /// The device's queue count, which steering masks to (see [`steer`]).
    pub queues: u32,
}

impl RssConfig {
    /// Microsoft key, every type enabled, `reta_size` entries spread evenly
    /// (`i % queues`), default queue 0.
    pub fn even(queues: u32, reta_size: usize) -> Self {
        RssConfig {
            key: rss::MS_KEY,
            hash_types: rss_type::ALL_ENABLED,
            reta: (0..reta_size).map(|i| (i % queues.max(1) as usize) as u8).collect(),
            default_queue: 0,
            queues,
        }
    }
}

/// The queue the NIC steers to, by the rule `rtl/nic_rss.v` documents:
/// with `QMASK = 2^ceil(log2(queues)) - 1` (0 for one queue), the default
/// queue is `dq = default_queue & QMASK`, replaced by 0 if it is not below
/// `queues`; a frame with no hash type goes to `dq`; otherwise the RETA
/// entry `e = entry & QMASK` if it is below `queues`, else `dq`. For a
/// power-of-two queue count this is plain masking. `queues` is the
/// device's queue count (`CAPS`), not the number the driver opened.
pub fn steer(hashed: bool, reta_entry: u8, default_queue: u8, queues: u32) -> u8 {
    let queues = queues.clamp(1, 256);
    let qmask = queues.next_power_of_two() - 1;
    let dq = u32::from(default_queue) & qmask;
    let dq = if dq < queues { dq } else { 0 };
    if !hashed {
        return dq as u8;
    }
    let e = u32::from(reta_entry) & qmask;
    (if e < queues { e } else { dq }) as u8
}

/// The full result for one frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Classified {
    /// `cpl::RSS_HASH` (0 for type NONE).
    pub hash: u32,
    /// `cpl::RSS_TYPE`.
    pub rss_type: u8,
    /// `cpl::QUEUE`.
    pub queue: u8,
    /// The parser's outputs.
    pub parsed: Parsed,
}

/// Parses, hashes and steers one frame.
pub fn classify(cfg: &RssConfig, frame: &[u8]) -> Classified {
    let parsed = parse(frame);
    let t = hash_type(&parsed, cfg.hash_types);
    let hash = match (&parsed.tuple, u32::from(t)) {
        (_, rss_type::NONE) | (None, _) => 0,
        (Some(tuple), t) => {
            let with_ports =
                matches!(t, rss_type::IPV4_TCP | rss_type::IPV4_UDP | rss_type::IPV6_TCP | rss_type::IPV6_UDP);
            let (buf, n) = tuple.hash_input(with_ports);
            toeplitz(&cfg.key, &buf[..n])
        }
    };
    let hashed = u32::from(t) != rss_type::NONE && !cfg.reta.is_empty();
    let entry = if hashed {
        debug_assert!(cfg.reta.len().is_power_of_two());
        cfg.reta[hash as usize & (cfg.reta.len() - 1)]
    } else {
        0
    };
    Classified { hash, rss_type: t, queue: steer(hashed, entry, cfg.default_queue, cfg.queues), parsed }
}

pub mod build;
pub mod csum;
pub mod gen;
pub mod split;
pub mod suite;

#[cfg(test)]
mod tests;
