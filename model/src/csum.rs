//! RX checksum offload, as docs/checksum.md specifies it: the IPv4 header
//! verdict, the TCP/UDP verdict (pseudo-header included) and the raw
//! CHECKSUM_COMPLETE-style sum.
//!
//! Written from the contract, not from `rtl/nic_rx_csum.v`: the header
//! fields come from `etherparse` slices and the sums are plain byte loops
//! over whole ranges (the RTL sums eight masked words per beat).

use etherparse::{Ipv4HeaderSlice, Ipv6HeaderSlice, UdpHeaderSlice};
use nic_spec::{csum, l3_type, l4_type, parse_flags};

use crate::Parsed;

/// The checksum fields of a completion record.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Checksums {
    /// `nic_spec::csum` verdict of the IPv4 header checksum.
    pub ip: u8,
    /// `nic_spec::csum` verdict of the TCP/UDP checksum.
    pub l4: u8,
    /// Ones'-complement sum of frame bytes `[14, len)`.
    pub complete: u16,
}

/// Sum of the big-endian 16-bit words of `b` (a trailing odd byte is the
/// high byte of a word whose low byte is 0), not folded.
pub fn sum_words(b: &[u8]) -> u64 {
    b.chunks(2).map(|c| (u64::from(c[0]) << 8) | u64::from(c.get(1).copied().unwrap_or(0))).sum()
}

/// Folds a sum to 16 bits with end-around carry (0 only for a zero sum).
pub fn fold(mut s: u64) -> u16 {
    while s > 0xFFFF {
        s = (s & 0xFFFF) + (s >> 16);
    }
    s as u16
}

/// The checksum of `data` to store in a zeroed checksum field:
/// the complement of the folded sum.
pub fn complement(s: u64) -> u16 {
    !fold(s)
}

/// Pseudo-header sum for an L4 segment of `l4_len` bytes of protocol `proto`
/// in the IP header at `frame[l3..]` (IPv4 or IPv6 per `v6`), or `None` when
/// the header cannot be read.
pub fn pseudo_sum(frame: &[u8], l3: usize, v6: bool, proto: u8, l4_len: usize) -> Option<u64> {
    let addrs = if v6 {
        let ip = Ipv6HeaderSlice::from_slice(frame.get(l3..)?).ok()?;
        sum_words(&ip.source()) + sum_words(&ip.destination())
    } else {
        let ip = Ipv4HeaderSlice::from_slice(frame.get(l3..)?).ok()?;
        sum_words(&ip.source()) + sum_words(&ip.destination())
    };
    Some(addrs + u64::from(proto) + l4_len as u64)
}

/// Where the IP datagram ends (`l3` + IPv4 total length, or `l3 + 40` + IPv6
/// payload length), for a header the parser accepted.
pub fn ip_end(frame: &[u8], p: &Parsed) -> Option<usize> {
    let l3 = usize::from(p.l3_offset);
    if u32::from(p.l3_type) == l3_type::IPV4 {
        let ip = Ipv4HeaderSlice::from_slice(frame.get(l3..)?).ok()?;
        Some(l3 + usize::from(ip.total_len()))
    } else if u32::from(p.l3_type) == l3_type::IPV6 {
        let ip = Ipv6HeaderSlice::from_slice(frame.get(l3..)?).ok()?;
        Some(l3 + 40 + usize::from(ip.payload_length()))
    } else {
        None
    }
}

/// Whether the TCP/UDP checksum is checked for a frame parsed as `p`.
pub fn l4_checked(p: &Parsed) -> bool {
    let l4 = u32::from(p.l4_type);
    (l4 == l4_type::TCP || l4 == l4_type::UDP)
        && !p.has(parse_flags::FRAGMENT | parse_flags::MALFORMED | parse_flags::DEPTH_LIMIT)
}

/// The checksum fields for `frame`, parsed as `p` (docs/checksum.md).
pub fn checksums(frame: &[u8], p: &Parsed) -> Checksums {
    let complete = fold(sum_words(frame.get(14..).unwrap_or(&[])));
    let mut c = Checksums { ip: csum::NONE as u8, l4: csum::NONE as u8, complete };
    let l3 = usize::from(p.l3_offset);
    let l4 = usize::from(p.l4_offset);
    let v6 = u32::from(p.l3_type) == l3_type::IPV6;
    // IPv4 header: the parser accepted it exactly when it set an L4 offset.
    if u32::from(p.l3_type) == l3_type::IPV4 && l4 != 0 {
        if let Some(h) = frame.get(l3..l4) {
            c.ip = verdict(sum_words(h));
        }
    }
    if !l4_checked(p) {
        return c;
    }
    let Some(end) = ip_end(frame, p) else {
        return c;
    };
    let Some(seg) = frame.get(l4..end) else {
        return c;
    };
    let udp = u32::from(p.l4_type) == l4_type::UDP;
    if udp {
        let Ok(h) = UdpHeaderSlice::from_slice(seg) else {
            return c;
        };
        if h.checksum() == 0 {
            // RFC 768: no checksum over IPv4; RFC 8200: not allowed over IPv6.
            c.l4 = if v6 { csum::BAD as u8 } else { csum::NONE as u8 };
            return c;
        }
    }
    let proto = if udp { 17 } else { 6 };
    if let Some(ps) = pseudo_sum(frame, l3, v6, proto, seg.len()) {
        c.l4 = verdict(ps + sum_words(seg));
    }
    c
}

fn verdict(s: u64) -> u8 {
    if fold(s) == 0xFFFF {
        csum::GOOD as u8
    } else {
        csum::BAD as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{build, parse};

    #[test]
    fn built_frames_are_good() {
        let f = build::pad60(build::tcp4([10, 0, 0, 1], [10, 0, 0, 2], 1, 2, b"abc"));
        let c = checksums(&f, &parse(&f));
        assert_eq!((c.ip, c.l4), (csum::GOOD as u8, csum::GOOD as u8));
        let f = build::udp6([1; 16], [2; 16], 3, 4, b"hello");
        let c = checksums(&f, &parse(&f));
        assert_eq!((c.ip, c.l4), (csum::NONE as u8, csum::GOOD as u8));
        assert_eq!(c.complete, fold(sum_words(&f[14..])));
    }

    #[test]
    fn corruption_and_zero_udp() {
        let mut f = build::udp4([10, 0, 0, 1], [10, 0, 0, 2], 1, 2, b"xyz");
        f[14 + 8] ^= 1; // TTL: IP header bad, UDP (pseudo-header has no TTL) still good
        let c = checksums(&f, &parse(&f));
        assert_eq!((c.ip, c.l4), (csum::BAD as u8, csum::GOOD as u8));
        f[34 + 6] = 0;
        f[34 + 7] = 0;
        assert_eq!(checksums(&f, &parse(&f)).l4, csum::NONE as u8);
        let mut f = build::udp6([1; 16], [2; 16], 3, 4, b"hello");
        f[54 + 6] = 0;
        f[54 + 7] = 0;
        assert_eq!(checksums(&f, &parse(&f)).l4, csum::BAD as u8);
        let mut f = build::tcp6([1; 16], [2; 16], 3, 4, b"hello");
        let n = f.len();
        f[n - 1] ^= 0x80;
        assert_eq!(checksums(&f, &parse(&f)).l4, csum::BAD as u8);
    }

    #[test]
    fn fold_representation() {
        assert_eq!(fold(0), 0);
        assert_eq!(fold(0x1_0000), 1);
        assert_eq!(fold(0xFFFF), 0xFFFF);
        assert_eq!(fold(0x2_FFFD), 0xFFFF);
    }
}
