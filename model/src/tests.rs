use super::*;
use crate::build;
use nic_spec::rss::MS_KEY;

use crate::suite::{ms_v6, MS_V4};

#[test]
fn toeplitz_microsoft_suite_ipv4() {
    for (dst, dport, src, sport, h2, h4) in MS_V4 {
        let mut input = Vec::new();
        input.extend_from_slice(&src);
        input.extend_from_slice(&dst);
        assert_eq!(toeplitz(&MS_KEY, &input), h2, "2-tuple {src:?} -> {dst:?}");
        input.extend_from_slice(&sport.to_be_bytes());
        input.extend_from_slice(&dport.to_be_bytes());
        assert_eq!(toeplitz(&MS_KEY, &input), h4, "4-tuple {src:?}:{sport} -> {dst:?}:{dport}");
    }
}

#[test]
fn toeplitz_microsoft_suite_ipv6() {
    for (dst, dport, src, sport, h2, h4) in ms_v6() {
        let mut input = Vec::new();
        input.extend_from_slice(&src);
        input.extend_from_slice(&dst);
        assert_eq!(toeplitz(&MS_KEY, &input), h2);
        input.extend_from_slice(&sport.to_be_bytes());
        input.extend_from_slice(&dport.to_be_bytes());
        assert_eq!(toeplitz(&MS_KEY, &input), h4);
    }
}

/// The same suite end to end through the model: real frames, classified.
#[test]
fn classify_microsoft_suite_frames() {
    let all = RssConfig::even(8, 128);
    let only_l3 = RssConfig {
        hash_types: rss_type::enable_bit(rss_type::IPV4) | rss_type::enable_bit(rss_type::IPV6),
        ..all.clone()
    };
    for (dst, dport, src, sport, h2, h4) in MS_V4 {
        let tcp = build::tcp4(src, dst, sport, dport, b"x");
        let udp = build::udp4(src, dst, sport, dport, b"x");
        let icmp = build::ip4(src, dst, 1, &[8, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!((classify(&all, &tcp).hash, classify(&all, &tcp).rss_type), (h4, rss_type::IPV4_TCP as u8));
        assert_eq!((classify(&all, &udp).hash, classify(&all, &udp).rss_type), (h4, rss_type::IPV4_UDP as u8));
        assert_eq!((classify(&all, &icmp).hash, classify(&all, &icmp).rss_type), (h2, rss_type::IPV4 as u8));
        assert_eq!((classify(&only_l3, &tcp).hash, classify(&only_l3, &tcp).rss_type), (h2, rss_type::IPV4 as u8));
        let c = classify(&all, &tcp);
        assert_eq!(c.queue, all.reta[h4 as usize & 127]);
    }
    for (dst, dport, src, sport, h2, h4) in ms_v6() {
        let tcp = build::tcp6(src, dst, sport, dport, b"x");
        let udp = build::udp6(src, dst, sport, dport, b"x");
        let other = build::ip6(src, dst, 58, &[128, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!((classify(&all, &tcp).hash, classify(&all, &tcp).rss_type), (h4, rss_type::IPV6_TCP as u8));
        assert_eq!((classify(&all, &udp).hash, classify(&all, &udp).rss_type), (h4, rss_type::IPV6_UDP as u8));
        assert_eq!((classify(&all, &other).hash, classify(&all, &other).rss_type), (h2, rss_type::IPV6 as u8));
        assert_eq!((classify(&only_l3, &udp).hash, classify(&only_l3, &udp).rss_type), (h2, rss_type::IPV6 as u8));
    }
}

/// A different formulation (shift register over the key) must agree with the
/// bit-string one on random input.
#[test]
fn toeplitz_matches_shift_register_formulation() {
    fn shift(key: &[u8; 40], input: &[u8]) -> u32 {
        let mut window = u32::from_be_bytes([key[0], key[1], key[2], key[3]]);
        let mut h = 0;
        for (next, &b) in (4..).zip(input) {
            for bit in (0..8).rev() {
                if b >> bit & 1 == 1 {
                    h ^= window;
                }
                let kb = if next < 40 { key[next] >> bit & 1 } else { 0 };
                window = window << 1 | u32::from(kb);
            }
        }
        h
    }
    let mut r = gen::Rng::new(5);
    for _ in 0..2000 {
        let mut key = [0u8; 40];
        key.iter_mut().for_each(|k| *k = r.byte());
        let n = r.range(0, 36);
        let input: Vec<u8> = (0..n).map(|_| r.byte()).collect();
        assert_eq!(toeplitz(&key, &input), shift(&key, &input));
    }
}

// ---- parser rules -------------------------------------------------------

const A4: [u8; 4] = [10, 0, 0, 1];
const B4: [u8; 4] = [10, 0, 0, 2];

fn flags(p: &Parsed) -> u32 {
    u32::from(p.flags)
}

#[test]
fn plain_tcp_and_udp() {
    let p = parse(&build::tcp4(A4, B4, 1000, 80, &[0; 10]));
    assert_eq!((p.l3_type, p.l4_type), (l3_type::IPV4 as u8, l4_type::TCP as u8));
    assert_eq!((p.l3_offset, p.l4_offset, p.payload_offset, p.vlan_count, p.flags), (14, 34, 54, 0, 0));
    assert_eq!(p.tuple, Some(Tuple { addrs: Addrs::V4(A4, B4), ports: Some((1000, 80)) }));
    let p = parse(&build::udp6([1; 16], [2; 16], 53, 5353, &[0; 3]));
    assert_eq!((p.l3_type, p.l4_type), (l3_type::IPV6 as u8, l4_type::UDP as u8));
    assert_eq!((p.l3_offset, p.l4_offset, p.payload_offset, p.flags), (14, 54, 62, 0));
}

fn vlan(frame: &[u8], tpids: &[u16]) -> Vec<u8> {
    let mut f = frame[..12].to_vec();
    for (i, t) in tpids.iter().enumerate() {
        f.extend_from_slice(&t.to_be_bytes());
        f.extend_from_slice(&(100 + i as u16).to_be_bytes());
    }
    f.extend_from_slice(&frame[12..]);
    f
}

#[test]
fn vlan_tags_both_tpids_at_most_two() {
    let base = build::tcp4(A4, B4, 1, 2, b"");
    for tpids in [&[0x8100u16][..], &[0x88A8], &[0x88A8, 0x8100], &[0x8100, 0x8100]] {
        let p = parse(&vlan(&base, tpids));
        let n = tpids.len() as u16;
        assert_eq!((p.vlan_count as u16, p.l3_offset, p.l4_offset), (n, 14 + 4 * n, 34 + 4 * n));
        assert_eq!(p.l4_type, l4_type::TCP as u8);
    }
    // A third tag is an unknown ethertype: no L3, offset after two tags.
    let p = parse(&vlan(&base, &[0x8100, 0x88A8, 0x8100]));
    assert_eq!((p.vlan_count, p.l3_type, p.l3_offset, p.flags, p.tuple), (2, 0, 22, 0, None));
    // A tag cut short: MALFORMED, l3_offset 0.
    let mut f = vlan(&base, &[0x8100, 0x8100]);
    f.truncate(20);
    let p = parse(&f);
    assert_eq!((p.vlan_count, p.l3_type, p.l3_offset, flags(&p)), (1, 0, 0, parse_flags::MALFORMED));
}

#[test]
fn ipv4_header_checks() {
    let good = build::tcp4(A4, B4, 1, 2, &[7; 20]);
    let mal = |f: &[u8]| {
        let p = parse(f);
        assert_eq!(flags(&p), parse_flags::MALFORMED, "{f:02x?}");
        assert_eq!((p.l3_type, p.l3_offset, p.l4_type, p.l4_offset, p.payload_offset), (1, 14, 0, 0, 0));
        assert_eq!(p.tuple, None);
    };
    mal(&good[..33]); // 20-byte header cut
    let mut f = good.clone();
    f[14] = 0x65; // version 6
    mal(&f);
    f[14] = 0x44; // IHL 4
    mal(&f);
    f[14] = 0x4f; // IHL 15: a 60-byte header in a 46-byte remainder
    mal(&f[..60]);
    // IHL 15 that fits and tot = 60: options consume the TCP header, which is then missing.
    let p = parse(&f);
    assert_eq!(flags(&p), parse_flags::IP_OPTIONS | parse_flags::MALFORMED);
    assert_eq!((p.l4_type, p.l4_offset, p.payload_offset), (l4_type::TCP as u8, 74, 0));
    let mut f = good.clone();
    f[16..18].copy_from_slice(&19u16.to_be_bytes()); // tot < 20
    mal(&f);
    let mut f = good.clone();
    let tot = u16::from_be_bytes([f[16], f[17]]);
    f[16..18].copy_from_slice(&(tot + 1).to_be_bytes()); // past the frame
    mal(&f);
    // Padding past tot is ignored; tot cutting into TCP makes L4 MALFORMED only.
    let mut f = good.clone();
    f.extend_from_slice(&[0; 30]);
    assert_eq!(parse(&f), parse(&good));
    let mut f = good.clone();
    f[16..18].copy_from_slice(&(20u16 + 19).to_be_bytes());
    let p = parse(&f);
    assert_eq!((flags(&p), p.l4_type, p.l4_offset, p.payload_offset), (parse_flags::MALFORMED, 1, 34, 0));
    assert_eq!(p.tuple.unwrap().ports, None);
    assert_eq!(hash_type(&p, rss_type::ALL_ENABLED), rss_type::IPV4 as u8, "L4 MALFORMED keeps the 2-tuple hash");
}

#[test]
fn ipv4_options_and_fragments() {
    // IHL 6 with a 4-byte option: hand-built.
    let mut f = build::tcp4(A4, B4, 1, 2, b"");
    let mut opt = f[..34].to_vec();
    opt[14] = 0x46;
    opt.extend_from_slice(&[1, 1, 1, 0]);
    opt.extend_from_slice(&f[34..]);
    let tot = (opt.len() - 14) as u16;
    opt[16..18].copy_from_slice(&tot.to_be_bytes());
    let p = parse(&opt);
    assert_eq!((flags(&p), p.l4_offset, p.payload_offset, p.l4_type), (parse_flags::IP_OPTIONS, 38, 58, 1));
    for (frag, is_frag) in [(0x2000u16, true), (0x0001, true), (0x4000, false), (0x8000, false), (0x3fff, true)] {
        f[20..22].copy_from_slice(&frag.to_be_bytes());
        let p = parse(&f);
        assert_eq!(p.has(parse_flags::FRAGMENT), is_frag, "{frag:#x}");
        if is_frag {
            assert_eq!((p.l4_type, p.l4_offset, p.payload_offset), (0, 34, 34));
            assert_eq!(hash_type(&p, rss_type::ALL_ENABLED), rss_type::IPV4 as u8);
        }
    }
}

#[test]
fn tcp_data_offset_edges() {
    let mut f = build::tcp4(A4, B4, 1, 2, &[0; 40]);
    for doff in 0..16u8 {
        f[46] = doff << 4;
        let p = parse(&f);
        if doff < 5 {
            assert_eq!((flags(&p), p.payload_offset), (parse_flags::MALFORMED, 0), "doff {doff}");
        } else if 34 + 4 * usize::from(doff) > f.len() {
            assert_eq!(flags(&p), parse_flags::MALFORMED, "doff {doff}");
        } else {
            assert_eq!((flags(&p), p.payload_offset), (0, 34 + 4 * u16::from(doff)), "doff {doff}");
        }
    }
}

/// An IPv6 frame with the given extension headers (type, total length) and a
/// UDP header after them.
fn ipv6_ext(chain: &[(u8, usize)], tail: u8, payload: usize) -> Vec<u8> {
    let mut ext = Vec::new();
    let mut types: Vec<u8> = chain.iter().map(|c| c.0).collect();
    types.push(tail);
    for (i, &(_, len)) in chain.iter().enumerate() {
        let start = ext.len();
        ext.resize(start + len, 0xAB);
        ext[start] = types[i + 1];
        ext[start + 1] = if types[i] == 44 { 0 } else { (len / 8 - 1) as u8 };
        if types[i] == 44 {
            ext[start + 2] = 0;
            ext[start + 3] = 0;
        }
    }
    if tail == 17 {
        ext.extend_from_slice(&[0, 53, 0, 54, 0, 8, 0, 0]);
    }
    ext.resize(ext.len() + payload, 0);
    let first = chain.first().map_or(tail, |c| c.0);
    build::ip6([1; 16], [2; 16], first, &ext)
}

#[test]
fn ipv6_extension_chain() {
    let p = parse(&ipv6_ext(&[(0, 8), (60, 16), (43, 24)], 17, 4));
    assert_eq!(
        (flags(&p), p.l4_type, p.l4_offset, p.payload_offset),
        (parse_flags::IP_OPTIONS, 2, 14 + 40 + 48, 14 + 40 + 56)
    );
    assert_eq!(hash_type(&p, rss_type::ALL_ENABLED), rss_type::IPV6_UDP as u8);
    // Fragment header: FRAGMENT, no L4 even in a first fragment.
    let p = parse(&ipv6_ext(&[(44, 8)], 17, 4));
    assert_eq!(flags(&p), parse_flags::IP_OPTIONS | parse_flags::FRAGMENT);
    assert_eq!((p.l4_type, p.l4_offset, p.payload_offset), (0, 62, 62));
    // Past the parse limit: the last header that fits ends at 256.
    // 14 + 40 = 54; 24 headers of 8 bytes end at 246; one of 16 more ends at 262 > 256.
    let mut chain = vec![(60u8, 8usize); 24];
    chain.push((60, 16));
    let p = parse(&ipv6_ext(&chain, 17, 0));
    assert_eq!(flags(&p), parse_flags::IP_OPTIONS | parse_flags::DEPTH_LIMIT);
    assert_eq!((p.l4_type, p.l4_offset, p.payload_offset), (0, 0, 0));
    assert_eq!(hash_type(&p, rss_type::ALL_ENABLED), rss_type::IPV6 as u8);
    // 25 headers of 8 end at 254; the 26th starts at 254: its two bytes fit, it does not.
    let p = parse(&ipv6_ext(&vec![(0u8, 8usize); 26], 17, 0));
    assert_eq!(flags(&p), parse_flags::IP_OPTIONS | parse_flags::DEPTH_LIMIT);
    // 25 headers of 8 end at 254, then UDP at 254: UDP does not fit the window.
    let p = parse(&ipv6_ext(&vec![(0u8, 8usize); 25], 17, 0));
    assert_eq!(
        (flags(&p), p.l4_type, p.l4_offset, p.payload_offset),
        (parse_flags::IP_OPTIONS | parse_flags::DEPTH_LIMIT, 2, 254, 0)
    );
    // A header starting at 255: its length byte is past the window.
    let mut chain = vec![(60u8, 8usize); 24];
    chain.push((60, 8)); // ends at 254
    let f = ipv6_ext(&chain, 17, 0);
    assert_eq!(parse(&f).l4_offset, 254);
    // A header starting right at l3_end (the frame ends there too): MALFORMED.
    let mut f = ipv6_ext(&[(0, 8)], 17, 0);
    f[14 + 40] = 60; // hop-by-hop says a destination-options header follows
    f.truncate(14 + 40 + 8);
    f[14 + 4..14 + 6].copy_from_slice(&8u16.to_be_bytes());
    let p = parse(&f);
    assert_eq!(flags(&p), parse_flags::IP_OPTIONS | parse_flags::MALFORMED);
    // Chain running past the payload length: MALFORMED.
    let mut f = ipv6_ext(&[(0, 16)], 17, 0);
    f[14 + 4..14 + 6].copy_from_slice(&12u16.to_be_bytes());
    f.truncate(14 + 40 + 12);
    let p = parse(&f);
    assert_eq!(flags(&p), parse_flags::IP_OPTIONS | parse_flags::MALFORMED);
    assert_eq!((p.l4_type, p.l4_offset, p.payload_offset), (0, 0, 0));
}

#[test]
fn ipv6_header_checks() {
    let good = build::tcp6([1; 16], [2; 16], 1, 2, b"abc");
    let p = parse(&good[..53]);
    assert_eq!((flags(&p), p.l3_type, p.tuple), (parse_flags::MALFORMED, 2, None));
    let mut f = good.clone();
    f[14] = 0x40;
    assert_eq!(flags(&parse(&f)), parse_flags::MALFORMED);
    let mut f = good.clone();
    f.pop();
    assert_eq!(flags(&parse(&f)), parse_flags::MALFORMED, "payload length past the frame");
    let p = parse(&build::ip6([1; 16], [2; 16], 59, &[]));
    assert_eq!((flags(&p), p.l4_type, p.l4_offset, p.payload_offset), (0, l4_type::OTHER as u8, 54, 54));
}

#[test]
fn other_ethertypes_have_no_l3() {
    let mut arp = build::tcp4(A4, B4, 1, 2, b"");
    arp[12..14].copy_from_slice(&[0x08, 0x06]);
    let p = parse(&arp);
    assert_eq!((p.l3_type, p.l3_offset, p.flags, p.tuple), (0, 14, 0, None));
    let cfg = RssConfig { default_queue: 3, ..RssConfig::even(4, 128) };
    let c = classify(&cfg, &arp);
    assert_eq!((c.hash, c.rss_type, c.queue), (0, 0, 3));
    let p = parse(&arp[..14]);
    assert_eq!((p.l3_type, p.l3_offset), (0, 14));
}

#[test]
fn hash_types_follow_the_enables() {
    let tcp = build::tcp4(A4, B4, 1, 2, b"");
    let en = |ts: &[u32]| ts.iter().fold(0, |a, &t| a | rss_type::enable_bit(t));
    let cases = [
        (en(&[rss_type::IPV4_TCP]), rss_type::IPV4_TCP),
        (en(&[rss_type::IPV4_UDP, rss_type::IPV4]), rss_type::IPV4),
        (en(&[rss_type::IPV4_UDP]), rss_type::NONE),
        (en(&[rss_type::IPV6, rss_type::IPV6_TCP]), rss_type::NONE),
        (0, rss_type::NONE),
    ];
    let p = parse(&tcp);
    for (e, want) in cases {
        assert_eq!(u32::from(hash_type(&p, e)), want, "enables {e:#x}");
    }
}

/// The generator covers what it promises, and the parser never panics on
/// its output (nor on every prefix of a few frames).
#[test]
fn generator_covers_the_rules() {
    let mut g = gen::FrameGen::new(42);
    let mut buf = Vec::new();
    let mut seen_flags = 0u8;
    let mut seen = std::collections::HashSet::new();
    let cfg = RssConfig::even(8, 128);
    for i in 0..50_000 {
        g.next_into(&mut buf);
        assert!((14..=gen::MAX_LEN).contains(&buf.len()));
        let c = classify(&cfg, &buf);
        seen_flags |= c.parsed.flags;
        seen.insert((c.parsed.l3_type, c.parsed.l4_type, c.parsed.vlan_count, c.rss_type));
        if i < 2000 {
            for n in 14..buf.len() {
                parse(&buf[..n]);
            }
        }
    }
    assert_eq!(seen_flags, 0x0F, "every parse flag appears");
    for t in 0..=6u8 {
        assert!(seen.iter().any(|s| s.3 == t), "rss type {t} appears");
    }
    for v in 0..=2u8 {
        assert!(seen.iter().any(|s| s.2 == v), "{v} VLAN tags appear");
    }
    for l4 in 0..=3u8 {
        for l3 in 1..=2u8 {
            assert!(seen.iter().any(|s| s.0 == l3 && s.1 == l4), "l3 {l3} l4 {l4} appears");
        }
    }
}

#[test]
fn steering_masks_like_the_rtl() {
    // Eight queues: plain masking with 7.
    assert_eq!(steer(true, 13, 0, 8), 5);
    assert_eq!(steer(false, 13, 9, 8), 1);
    // Six queues: QMASK 7; entries 6 and 7 (after masking) fall back to the default queue.
    assert_eq!(steer(true, 5, 3, 6), 5);
    assert_eq!(steer(true, 6, 3, 6), 3);
    assert_eq!(steer(true, 15, 3, 6), 3);
    assert_eq!(steer(true, 14, 7, 6), 0, "default queue 7 is out of range too: 0");
    assert_eq!(steer(false, 0, 6, 6), 0);
    // One queue: everything on queue 0.
    assert_eq!(steer(true, 255, 255, 1), 0);
    let cfg = RssConfig { reta: vec![9; 128], default_queue: 2, ..RssConfig::even(8, 128) };
    let c = classify(&cfg, &build::udp4(A4, B4, 1, 2, b""));
    assert_eq!(c.queue, 1);
}
