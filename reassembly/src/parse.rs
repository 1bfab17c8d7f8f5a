//! Segment parser: Ethernet (up to two VLAN tags) / IPv4 (options) or IPv6
//! (extension headers) / TCP (options) to a [`ParsedSegment`].
//!
//! Every length is checked before use; a malformed or unsupported frame is a
//! [`ParseError`], never a panic. The payload range honours the IP length
//! (IPv4 total length, IPv6 payload length), so Ethernet padding and
//! trailers are never payload.

use crate::{Direction, SegmentMeta, StreamKey, TcpFlags, VlanTags};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::ops::Range;

/// Why a frame is not a parsable TCP segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// The frame ended inside the named header.
    Truncated(&'static str),
    /// Ethertype is neither IPv4 nor IPv6 (after VLAN tags).
    NotIp(u16),
    /// More than two VLAN tags.
    TooManyVlanTags,
    /// IP version field does not match the ethertype.
    BadIpVersion(u8),
    /// IPv4 IHL below 5 or beyond the total length.
    BadIpv4HeaderLength(u8),
    /// IP length field inconsistent with the header or beyond the frame.
    BadIpLength,
    /// A fragment (not reassembled here).
    Fragment,
    /// Transport protocol is not TCP (protocol / next header value).
    NotTcp(u8),
    /// IPv6 jumbogram (payload length 0) or ESP: not supported.
    Unsupported(&'static str),
    /// TCP data offset below 5 or beyond the segment.
    BadTcpHeaderLength(u8),
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::error::Error for ParseError {}

/// A parsed TCP segment. `payload` indexes the frame bytes passed in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedSegment {
    pub key: StreamKey,
    /// Direction of `key` relative to [`StreamKey::canonical`].
    pub direction: Direction,
    pub seq: u32,
    pub ack: u32,
    pub flags: TcpFlags,
    pub window: u16,
    /// TCP payload, as a range into the frame.
    pub payload: Range<usize>,
}

impl ParsedSegment {
    pub fn meta(&self) -> SegmentMeta {
        SegmentMeta { seq: self.seq, flags: self.flags }
    }
}

const ETH_IPV4: u16 = 0x0800;
const ETH_IPV6: u16 = 0x86dd;
const ETH_VLAN: [u16; 3] = [0x8100, 0x88a8, 0x9100];

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}
fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Parses an Ethernet II frame (without FCS).
pub fn parse_ethernet(frame: &[u8]) -> Result<ParsedSegment, ParseError> {
    if frame.len() < 14 {
        return Err(ParseError::Truncated("ethernet"));
    }
    let mut ethertype = be16(frame, 12);
    let mut off = 14;
    let mut vlan = VlanTags::default();
    let mut tags = 0;
    while ETH_VLAN.contains(&ethertype) {
        if tags == 2 {
            return Err(ParseError::TooManyVlanTags);
        }
        if frame.len() < off + 4 {
            return Err(ParseError::Truncated("vlan"));
        }
        let vid = be16(frame, off) & 0x0fff;
        if tags == 0 {
            vlan.outer = Some(vid);
        } else {
            vlan.inner = Some(vid);
        }
        tags += 1;
        ethertype = be16(frame, off + 2);
        off += 4;
    }
    parse_ip(frame, off, ethertype, vlan)
}

/// Parses an IP packet starting at `frame[off..]` with the given ethertype
/// (for link types without an Ethernet header, e.g. Linux cooked capture).
pub fn parse_ip(frame: &[u8], off: usize, ethertype: u16, vlan: VlanTags) -> Result<ParsedSegment, ParseError> {
    let (src, dst, l4, l4_end) = match ethertype {
        ETH_IPV4 => {
            let ip = frame.get(off..).ok_or(ParseError::Truncated("ipv4"))?;
            if ip.len() < 20 {
                return Err(ParseError::Truncated("ipv4"));
            }
            let ver = ip[0] >> 4;
            if ver != 4 {
                return Err(ParseError::BadIpVersion(ver));
            }
            let ihl = ip[0] & 0x0f;
            let hlen = ihl as usize * 4;
            let total = be16(ip, 2) as usize;
            if ihl < 5 || hlen > total {
                return Err(ParseError::BadIpv4HeaderLength(ihl));
            }
            if total > ip.len() {
                return Err(ParseError::BadIpLength);
            }
            let frag = be16(ip, 6);
            if frag & 0x3fff != 0 {
                // MF set or non-zero fragment offset.
                return Err(ParseError::Fragment);
            }
            if ip[9] != 6 {
                return Err(ParseError::NotTcp(ip[9]));
            }
            let src = Ipv4Addr::new(ip[12], ip[13], ip[14], ip[15]);
            let dst = Ipv4Addr::new(ip[16], ip[17], ip[18], ip[19]);
            (IpAddr::V4(src), IpAddr::V4(dst), off + hlen, off + total)
        }
        ETH_IPV6 => {
            let ip = frame.get(off..).ok_or(ParseError::Truncated("ipv6"))?;
            if ip.len() < 40 {
                return Err(ParseError::Truncated("ipv6"));
            }
            let ver = ip[0] >> 4;
            if ver != 6 {
                return Err(ParseError::BadIpVersion(ver));
            }
            let plen = be16(ip, 4) as usize;
            if plen == 0 {
                return Err(ParseError::Unsupported("ipv6 jumbogram or empty payload"));
            }
            if 40 + plen > ip.len() {
                return Err(ParseError::BadIpLength);
            }
            let end = 40 + plen;
            let mut nh = ip[6];
            let mut p = 40;
            loop {
                match nh {
                    6 => break,
                    // Hop-by-hop, routing, destination options: (len + 1) * 8.
                    0 | 43 | 60 => {
                        if p + 8 > end {
                            return Err(ParseError::Truncated("ipv6 extension header"));
                        }
                        let l = (ip[p + 1] as usize + 1) * 8;
                        if p + l > end {
                            return Err(ParseError::Truncated("ipv6 extension header"));
                        }
                        nh = ip[p];
                        p += l;
                    }
                    44 => {
                        if p + 8 > end {
                            return Err(ParseError::Truncated("ipv6 fragment header"));
                        }
                        let fo = be16(ip, p + 2);
                        if fo & 0xfff9 != 0 {
                            // Offset non-zero or M set: a real fragment.
                            return Err(ParseError::Fragment);
                        }
                        nh = ip[p];
                        p += 8;
                    }
                    51 => {
                        // AH: (len + 2) * 4.
                        if p + 8 > end {
                            return Err(ParseError::Truncated("ipv6 AH"));
                        }
                        let l = (ip[p + 1] as usize + 2) * 4;
                        if p + l > end {
                            return Err(ParseError::Truncated("ipv6 AH"));
                        }
                        nh = ip[p];
                        p += l;
                    }
                    50 => return Err(ParseError::Unsupported("ESP")),
                    other => return Err(ParseError::NotTcp(other)),
                }
            }
            let mut s = [0u8; 16];
            s.copy_from_slice(&ip[8..24]);
            let mut dd = [0u8; 16];
            dd.copy_from_slice(&ip[24..40]);
            (IpAddr::V6(Ipv6Addr::from(s)), IpAddr::V6(Ipv6Addr::from(dd)), off + p, off + end)
        }
        other => return Err(ParseError::NotIp(other)),
    };
    let tcp = &frame[l4..l4_end];
    if tcp.len() < 20 {
        return Err(ParseError::Truncated("tcp"));
    }
    let doff = tcp[12] >> 4;
    let thl = doff as usize * 4;
    if doff < 5 || thl > tcp.len() {
        return Err(ParseError::BadTcpHeaderLength(doff));
    }
    let key = StreamKey { src, dst, sport: be16(tcp, 0), dport: be16(tcp, 2), vlan };
    Ok(ParsedSegment {
        direction: key.canonical().1,
        key,
        seq: be32(tcp, 4),
        ack: be32(tcp, 8),
        flags: TcpFlags(tcp[13]),
        window: be16(tcp, 14),
        payload: l4 + thl..l4_end,
    })
}
