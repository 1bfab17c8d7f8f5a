//! Segment parser: Ethernet (up to two VLAN tags) / IPv4 (options) or IPv6
//! (extension headers) / TCP (options) to a [`ParsedSegment`].
//!
//! Every length is checked before use; a malformed or unsupported frame is a
//! [`ParseError`], never a panic. The payload range honours the IP length
//! (IPv4 total length, IPv6 payload length), so Ethernet padding and
//! trailers are never payload.
//!
//! The parser reads header bytes only. [`parse_ethernet_prefix`] takes the
//! frame's first bytes and its full length separately, for a frame whose
//! payload lies elsewhere (a header/data split or scattered receive buffer):
//! lengths are checked against the full length, header reads against the
//! prefix, and a header running past the prefix is
//! [`ParseError::HeaderBeyondPrefix`] (the caller gathers more and retries).

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
    /// [`parse_ethernet_prefix`]: a header byte at or beyond this offset was
    /// needed but the prefix ends before it (the frame itself is long enough).
    HeaderBeyondPrefix(usize),
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

/// The frame as the parser sees it: its first bytes (`head`) and its full
/// length (`len >= head.len()`). Header fields are read through [`Self::bytes`],
/// which names a read past `head` instead of indexing out of bounds.
#[derive(Clone, Copy)]
struct Frame<'a> {
    head: &'a [u8],
    len: usize,
}

impl<'a> Frame<'a> {
    /// `n` header bytes at `at`; the caller has checked `at + n <= len`.
    fn bytes(&self, at: usize, n: usize) -> Result<&'a [u8], ParseError> {
        self.head.get(at..at + n).ok_or(ParseError::HeaderBeyondPrefix(self.head.len()))
    }
    fn u8(&self, at: usize) -> Result<u8, ParseError> {
        Ok(self.bytes(at, 1)?[0])
    }
    fn be16(&self, at: usize) -> Result<u16, ParseError> {
        let b = self.bytes(at, 2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
}

/// Parses an Ethernet II frame (without FCS).
pub fn parse_ethernet(frame: &[u8]) -> Result<ParsedSegment, ParseError> {
    eth(Frame { head: frame, len: frame.len() })
}

/// Parses an Ethernet II frame of `frame_len` bytes (without FCS) of which
/// only the first bytes, `head`, are given: enough for the headers (the
/// payload is only measured, never read). A header past `head` is
/// [`ParseError::HeaderBeyondPrefix`]; every other outcome is the one
/// [`parse_ethernet`] gives for the whole frame. `frame_len < head.len()` is
/// taken as `head.len()`.
pub fn parse_ethernet_prefix(head: &[u8], frame_len: usize) -> Result<ParsedSegment, ParseError> {
    eth(Frame { head, len: frame_len.max(head.len()) })
}

fn eth(f: Frame<'_>) -> Result<ParsedSegment, ParseError> {
    if f.len < 14 {
        return Err(ParseError::Truncated("ethernet"));
    }
    let mut ethertype = f.be16(12)?;
    let mut off = 14;
    let mut vlan = VlanTags::default();
    let mut tags = 0;
    while ETH_VLAN.contains(&ethertype) {
        if tags == 2 {
            return Err(ParseError::TooManyVlanTags);
        }
        if f.len < off + 4 {
            return Err(ParseError::Truncated("vlan"));
        }
        let vid = f.be16(off)? & 0x0fff;
        if tags == 0 {
            vlan.outer = Some(vid);
        } else {
            vlan.inner = Some(vid);
        }
        tags += 1;
        ethertype = f.be16(off + 2)?;
        off += 4;
    }
    ip(f, off, ethertype, vlan)
}

/// Parses an IP packet starting at `frame[off..]` with the given ethertype
/// (for link types without an Ethernet header, e.g. Linux cooked capture).
pub fn parse_ip(frame: &[u8], off: usize, ethertype: u16, vlan: VlanTags) -> Result<ParsedSegment, ParseError> {
    ip(Frame { head: frame, len: frame.len() }, off, ethertype, vlan)
}

fn ip(f: Frame<'_>, off: usize, ethertype: u16, vlan: VlanTags) -> Result<ParsedSegment, ParseError> {
    // `avail`: bytes of the frame from the IP header on
    let (src, dst, l4, l4_end) = match ethertype {
        ETH_IPV4 => {
            let avail = f.len.checked_sub(off).ok_or(ParseError::Truncated("ipv4"))?;
            if avail < 20 {
                return Err(ParseError::Truncated("ipv4"));
            }
            let h = f.bytes(off, 20)?;
            let ver = h[0] >> 4;
            if ver != 4 {
                return Err(ParseError::BadIpVersion(ver));
            }
            let ihl = h[0] & 0x0f;
            let hlen = ihl as usize * 4;
            let total = u16::from_be_bytes([h[2], h[3]]) as usize;
            if ihl < 5 || hlen > total {
                return Err(ParseError::BadIpv4HeaderLength(ihl));
            }
            if total > avail {
                return Err(ParseError::BadIpLength);
            }
            let frag = u16::from_be_bytes([h[6], h[7]]);
            if frag & 0x3fff != 0 {
                // MF set or non-zero fragment offset.
                return Err(ParseError::Fragment);
            }
            if h[9] != 6 {
                return Err(ParseError::NotTcp(h[9]));
            }
            let src = Ipv4Addr::new(h[12], h[13], h[14], h[15]);
            let dst = Ipv4Addr::new(h[16], h[17], h[18], h[19]);
            (IpAddr::V4(src), IpAddr::V4(dst), off + hlen, off + total)
        }
        ETH_IPV6 => {
            let avail = f.len.checked_sub(off).ok_or(ParseError::Truncated("ipv6"))?;
            if avail < 40 {
                return Err(ParseError::Truncated("ipv6"));
            }
            let h = f.bytes(off, 40)?;
            let ver = h[0] >> 4;
            if ver != 6 {
                return Err(ParseError::BadIpVersion(ver));
            }
            let plen = u16::from_be_bytes([h[4], h[5]]) as usize;
            if plen == 0 {
                return Err(ParseError::Unsupported("ipv6 jumbogram or empty payload"));
            }
            if 40 + plen > avail {
                return Err(ParseError::BadIpLength);
            }
            let end = 40 + plen;
            let mut nh = h[6];
            let mut p = 40;
            loop {
                match nh {
                    6 => break,
                    // Hop-by-hop, routing, destination options: (len + 1) * 8.
                    0 | 43 | 60 => {
                        if p + 8 > end {
                            return Err(ParseError::Truncated("ipv6 extension header"));
                        }
                        let l = (f.u8(off + p + 1)? as usize + 1) * 8;
                        if p + l > end {
                            return Err(ParseError::Truncated("ipv6 extension header"));
                        }
                        nh = f.u8(off + p)?;
                        p += l;
                    }
                    44 => {
                        if p + 8 > end {
                            return Err(ParseError::Truncated("ipv6 fragment header"));
                        }
                        let fo = f.be16(off + p + 2)?;
                        if fo & 0xfff9 != 0 {
                            // Offset non-zero or M set: a real fragment.
                            return Err(ParseError::Fragment);
                        }
                        nh = f.u8(off + p)?;
                        p += 8;
                    }
                    51 => {
                        // AH: (len + 2) * 4.
                        if p + 8 > end {
                            return Err(ParseError::Truncated("ipv6 AH"));
                        }
                        let l = (f.u8(off + p + 1)? as usize + 2) * 4;
                        if p + l > end {
                            return Err(ParseError::Truncated("ipv6 AH"));
                        }
                        nh = f.u8(off + p)?;
                        p += l;
                    }
                    50 => return Err(ParseError::Unsupported("ESP")),
                    other => return Err(ParseError::NotTcp(other)),
                }
            }
            let mut s = [0u8; 16];
            s.copy_from_slice(&h[8..24]);
            let mut dd = [0u8; 16];
            dd.copy_from_slice(&h[24..40]);
            (IpAddr::V6(Ipv6Addr::from(s)), IpAddr::V6(Ipv6Addr::from(dd)), off + p, off + end)
        }
        other => return Err(ParseError::NotIp(other)),
    };
    let tcp_len = l4_end - l4;
    if tcp_len < 20 {
        return Err(ParseError::Truncated("tcp"));
    }
    let t = f.bytes(l4, 20)?;
    let doff = t[12] >> 4;
    let thl = doff as usize * 4;
    if doff < 5 || thl > tcp_len {
        return Err(ParseError::BadTcpHeaderLength(doff));
    }
    let be16 = |at: usize| u16::from_be_bytes([t[at], t[at + 1]]);
    let be32 = |at: usize| u32::from_be_bytes([t[at], t[at + 1], t[at + 2], t[at + 3]]);
    let key = StreamKey { src, dst, sport: be16(0), dport: be16(2), vlan };
    Ok(ParsedSegment {
        direction: key.canonical().1,
        key,
        seq: be32(4),
        ack: be32(8),
        flags: TcpFlags(t[13]),
        window: be16(14),
        payload: l4 + thl..l4_end,
    })
}
