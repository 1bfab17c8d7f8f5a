//! Well-formed frames for tests, serialized by `etherparse`'s packet builder
//! (real headers, lengths and checksums).

use etherparse::{IpNumber, Ipv4Header, Ipv6Header, PacketBuilder};

/// Source MAC of built frames (locally administered).
pub const SRC_MAC: [u8; 6] = [0x02, 0x4e, 0x49, 0x43, 0x00, 0x01];
/// Destination MAC of built frames.
pub const DST_MAC: [u8; 6] = [0x02, 0x4e, 0x49, 0x43, 0x00, 0x02];

fn finish<B>(size: usize, write: impl FnOnce(&mut Vec<u8>) -> Result<(), B>) -> Vec<u8>
where
    B: std::fmt::Debug,
{
    let mut out = Vec::with_capacity(size.max(60));
    write(&mut out).expect("writing to a Vec cannot fail");
    out
}

/// Ethernet / IPv4 / TCP (flags ACK|PSH) carrying `payload`.
pub fn tcp4(src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let b = PacketBuilder::ethernet2(SRC_MAC, DST_MAC).ipv4(src, dst, 64).tcp(sport, dport, 1, 65535).ack(1).psh();
    finish(b.size(payload.len()), |o| b.write(o, payload))
}

/// Ethernet / IPv4 / UDP carrying `payload`.
pub fn udp4(src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let b = PacketBuilder::ethernet2(SRC_MAC, DST_MAC).ipv4(src, dst, 64).udp(sport, dport);
    finish(b.size(payload.len()), |o| b.write(o, payload))
}

fn eth(ethertype: u16, cap: usize) -> Vec<u8> {
    let mut f = Vec::with_capacity(cap.max(60));
    f.extend_from_slice(&DST_MAC);
    f.extend_from_slice(&SRC_MAC);
    f.extend_from_slice(&ethertype.to_be_bytes());
    f
}

/// Ethernet / IPv4 with protocol `proto` and `payload` as its data, taken
/// as is (so `payload` may hold anything, headers included).
pub fn ip4(src: [u8; 4], dst: [u8; 4], proto: u8, payload: &[u8]) -> Vec<u8> {
    let hdr = Ipv4Header::new(payload.len() as u16, 64, IpNumber(proto), src, dst).expect("payload fits");
    let mut f = eth(0x0800, 34 + payload.len());
    let mut h = hdr.clone();
    h.header_checksum = hdr.calc_header_checksum();
    h.write(&mut f).expect("writing to a Vec cannot fail");
    f.extend_from_slice(payload);
    f
}

/// Ethernet / IPv6 / TCP carrying `payload`.
pub fn tcp6(src: [u8; 16], dst: [u8; 16], sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let b = PacketBuilder::ethernet2(SRC_MAC, DST_MAC).ipv6(src, dst, 64).tcp(sport, dport, 1, 65535).ack(1).psh();
    finish(b.size(payload.len()), |o| b.write(o, payload))
}

/// Ethernet / IPv6 / UDP carrying `payload`.
pub fn udp6(src: [u8; 16], dst: [u8; 16], sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let b = PacketBuilder::ethernet2(SRC_MAC, DST_MAC).ipv6(src, dst, 64).udp(sport, dport);
    finish(b.size(payload.len()), |o| b.write(o, payload))
}

/// Ethernet / IPv6 with next header `next` and `payload` as its data, taken
/// as is (extension headers included).
pub fn ip6(src: [u8; 16], dst: [u8; 16], next: u8, payload: &[u8]) -> Vec<u8> {
    let hdr = Ipv6Header {
        traffic_class: 0,
        flow_label: Default::default(),
        payload_length: payload.len() as u16,
        next_header: IpNumber(next),
        hop_limit: 64,
        source: src,
        destination: dst,
    };
    let mut f = eth(0x86DD, 54 + payload.len());
    hdr.write(&mut f).expect("writing to a Vec cannot fail");
    f.extend_from_slice(payload);
    f
}

/// Pads `frame` with zeros to the 60-byte Ethernet minimum (no FCS), as a
/// MAC would deliver a short frame.
pub fn pad60(mut frame: Vec<u8>) -> Vec<u8> {
    if frame.len() < 60 {
        frame.resize(60, 0);
    }
    frame
}
