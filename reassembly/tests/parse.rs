//! Segment parser: hand-built frames, and malformed input never panics.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use tcp_reassembly::parse::*;
use tcp_reassembly::*;

fn tcp_header(sport: u16, dport: u16, seq: u32, flags: u8, opts: &[u8]) -> Vec<u8> {
    assert_eq!(opts.len() % 4, 0);
    let mut t = Vec::new();
    t.extend_from_slice(&sport.to_be_bytes());
    t.extend_from_slice(&dport.to_be_bytes());
    t.extend_from_slice(&seq.to_be_bytes());
    t.extend_from_slice(&7u32.to_be_bytes());
    t.push((((20 + opts.len()) / 4) as u8) << 4);
    t.push(flags);
    t.extend_from_slice(&[0xff, 0xff, 0, 0, 0, 0]);
    t.extend_from_slice(opts);
    t
}

fn eth(vlans: &[u16], ethertype: u16) -> Vec<u8> {
    let mut f = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2];
    for (i, v) in vlans.iter().enumerate() {
        f.extend_from_slice(&(if i == 0 && vlans.len() == 2 { 0x88a8u16 } else { 0x8100 }).to_be_bytes());
        f.extend_from_slice(&v.to_be_bytes());
    }
    f.extend_from_slice(&ethertype.to_be_bytes());
    f
}

fn ipv4_frame(vlans: &[u16], ip_opts: &[u8], tcp: &[u8], payload: &[u8], pad: usize) -> Vec<u8> {
    let mut f = eth(vlans, 0x0800);
    let hlen = 20 + ip_opts.len();
    let total = hlen + tcp.len() + payload.len();
    f.push(0x40 | (hlen / 4) as u8);
    f.push(0);
    f.extend_from_slice(&(total as u16).to_be_bytes());
    f.extend_from_slice(&[0, 0, 0x40, 0, 64, 6, 0, 0]);
    f.extend_from_slice(&[192, 0, 2, 1, 198, 51, 100, 7]);
    f.extend_from_slice(ip_opts);
    f.extend_from_slice(tcp);
    f.extend_from_slice(payload);
    f.extend(std::iter::repeat_n(0xee, pad));
    f
}

#[test]
fn ipv4_qinq_options_padding() {
    let tcp = tcp_header(1234, 80, 0xdead_beef, TcpFlags::ACK | TcpFlags::PSH, &[1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2]);
    let f = ipv4_frame(&[100, 200], &[1, 1, 1, 0], &tcp, b"hi", 30);
    let s = parse_ethernet(&f).unwrap();
    assert_eq!(&f[s.payload.clone()], b"hi", "padding is not payload");
    assert_eq!(s.seq, 0xdead_beef);
    assert_eq!(s.ack, 7);
    assert_eq!(s.key.src, IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)));
    assert_eq!(s.key.dst, IpAddr::V4(Ipv4Addr::new(198, 51, 100, 7)));
    assert_eq!((s.key.sport, s.key.dport), (1234, 80));
    assert_eq!(s.key.vlan, VlanTags { outer: Some(100), inner: Some(200) });
    assert_eq!(s.direction, Direction::Forward);
    // Small frame padded to 60 bytes: no payload.
    let f = ipv4_frame(&[], &[], &tcp_header(80, 1234, 1, TcpFlags::ACK, &[]), b"", 6);
    let s = parse_ethernet(&f).unwrap();
    assert!(s.payload.is_empty());
    assert_eq!(s.direction, Direction::Forward, "ordered by address first");
    assert_eq!(s.key.reversed().canonical().1, Direction::Reverse);
    assert_eq!(s.key.reversed().canonical().0, s.key.canonical().0);
}

fn ipv6_frame(ext: &[(u8, Vec<u8>)], tcp: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut f = eth(&[42], 0x86dd);
    let ext_len: usize = ext.iter().map(|e| e.1.len()).sum();
    f.extend_from_slice(&[0x60, 0, 0, 0]);
    f.extend_from_slice(&((ext_len + tcp.len() + payload.len()) as u16).to_be_bytes());
    f.push(ext.first().map_or(6, |e| e.0));
    f.push(64);
    f.extend_from_slice(&Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 1).octets());
    f.extend_from_slice(&Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 2).octets());
    for e in ext {
        f.extend_from_slice(&e.1);
    }
    f.extend_from_slice(tcp);
    f.extend_from_slice(payload);
    f
}

#[test]
fn ipv6_extension_headers() {
    // Hop-by-hop (8 bytes) -> destination options (16 bytes) -> atomic fragment -> TCP.
    let hbh = vec![60, 0, 1, 4, 0, 0, 0, 0];
    let dst = vec![44, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    let frag = vec![6, 0, 0, 0, 0, 0, 0, 9];
    let tcp = tcp_header(5555, 443, 1, TcpFlags::SYN, &[2, 4, 5, 0xb4]);
    let f = ipv6_frame(&[(0, hbh.clone()), (60, dst.clone()), (44, frag)], &tcp, b"data");
    let s = parse_ethernet(&f).unwrap();
    assert_eq!(&f[s.payload.clone()], b"data");
    assert!(s.flags.syn());
    assert_eq!(s.key.vlan.outer, Some(42));
    // A real fragment is an error.
    let frag = vec![6, 0, 0, 1, 0, 0, 0, 9];
    assert_eq!(parse_ethernet(&ipv6_frame(&[(44, frag)], &tcp, b"")), Err(ParseError::Fragment));
    // UDP.
    let mut f = ipv6_frame(&[], &tcp, b"");
    f[18 + 6] = 17;
    assert_eq!(parse_ethernet(&f), Err(ParseError::NotTcp(17)));
}

#[test]
fn malformed_frames_are_errors_not_panics() {
    let tcp = tcp_header(1, 2, 3, 0, &[1, 1, 1, 1]);
    let good4 = ipv4_frame(&[7, 8], &[1, 1, 1, 0], &tcp, b"payload", 0);
    let good6 = ipv6_frame(&[(0, vec![6, 0, 1, 4, 0, 0, 0, 0])], &tcp, b"payload");
    for good in [&good4, &good6] {
        assert!(parse_ethernet(good).is_ok());
        for n in 0..good.len() {
            let _ = parse_ethernet(&good[..n]);
        }
    }
    // Bit flips and random garbage.
    let mut x = 0x1234_5678_9abc_def0u64;
    let mut rnd = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for _ in 0..200_000 {
        let mut f = if rnd() % 2 == 0 { good4.clone() } else { good6.clone() };
        for _ in 0..1 + rnd() % 4 {
            let i = (rnd() as usize) % f.len();
            f[i] = rnd() as u8;
        }
        let n = (rnd() as usize) % (f.len() + 1);
        if let Ok(s) = parse_ethernet(&f[..n]) {
            assert!(s.payload.start <= s.payload.end && s.payload.end <= n);
        }
    }
    assert_eq!(parse_ethernet(&good4[..10]), Err(ParseError::Truncated("ethernet")));
    let mut bad = good4.clone();
    bad[22] = 0x45; // IHL 5 while options present: TCP header read from the options -> still fine or error, no panic
    let _ = parse_ethernet(&bad);
    let mut bad = good4.clone();
    bad[22] = 0x44;
    assert_eq!(parse_ethernet(&bad), Err(ParseError::BadIpv4HeaderLength(4)));
    let mut three = eth(&[1, 2], 0x8100);
    three.extend_from_slice(&[0, 3, 0x08, 0]);
    assert_eq!(parse_ethernet(&three), Err(ParseError::TooManyVlanTags));
    assert_eq!(parse_ethernet(&eth(&[], 0x0806)), Err(ParseError::NotIp(0x0806)));
}

/// A prefix of the frame plus its length parses like the whole frame as soon
/// as the prefix holds the headers, and says so (never guesses) before.
#[test]
fn prefix_parse_matches_whole_frame() {
    let tcp = tcp_header(1, 2, 3, TcpFlags::ACK, &[1, 1, 1, 1]);
    let frames = [
        ipv4_frame(&[7, 8], &[1, 1, 1, 0], &tcp, &[0x5a; 300], 0),
        ipv4_frame(&[], &[], &tcp, b"", 12),
        ipv6_frame(&[(0, vec![44, 0, 1, 4, 0, 0, 0, 0]), (44, vec![6, 0, 0, 0, 0, 0, 0, 1])], &tcp, &[0xa5; 200]),
    ];
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut rnd = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for good in &frames {
        let whole = parse_ethernet(good).unwrap();
        let hdr_end = whole.payload.start;
        for n in 0..=good.len() {
            match parse_ethernet_prefix(&good[..n], good.len()) {
                Ok(s) => {
                    assert!(n >= hdr_end - 4, "parsed from {n} bytes, headers end at {hdr_end}");
                    assert_eq!(s, whole);
                }
                Err(ParseError::HeaderBeyondPrefix(at)) => {
                    assert_eq!(at, n);
                    assert!(n < hdr_end);
                }
                Err(e) => panic!("prefix {n}: {e}"),
            }
        }
        // Damaged frames: with any prefix, the outcome is the whole frame's or
        // a request for more header bytes.
        for _ in 0..20_000 {
            let mut f = good.clone();
            for _ in 0..1 + rnd() % 3 {
                let i = (rnd() as usize) % hdr_end.max(1);
                f[i] = rnd() as u8;
            }
            let len = (rnd() as usize) % (f.len() + 1);
            let n = (rnd() as usize) % (len + 1);
            let whole = parse_ethernet(&f[..len]);
            match parse_ethernet_prefix(&f[..n], len) {
                Err(ParseError::HeaderBeyondPrefix(at)) => assert_eq!(at, n),
                other => assert_eq!(other, whole, "prefix {n} of {len}"),
            }
        }
    }
}
