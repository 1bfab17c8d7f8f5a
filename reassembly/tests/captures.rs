//! Real captures: every `vectors/tcp/<name>.pcap` with a `<name>.streams.json`
//! (per direction: src, sport, dst, dport, bytes, sha256, made by
//! `tshark -z follow,tcp,raw,N`) is parsed frame by frame with
//! [`parse::parse_ethernet`], reassembled, and every stream's length and
//! SHA-256 must match the JSON exactly.
//!
//! Skips (with a message) only if the `vectors/tcp` directory is absent.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tcp_reassembly::parse::{parse_ethernet, parse_ip};
use tcp_reassembly::*;

// --- Minimal classic pcap reader (LE/BE, usec/nsec). -----------------------

struct Pcap {
    linktype: u32,
    frames: Vec<Vec<u8>>,
}

fn read_pcap(path: &Path) -> Pcap {
    let b = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(b.len() >= 24, "{}: short header", path.display());
    let magic = u32::from_le_bytes(b[0..4].try_into().unwrap());
    let be = match magic {
        0xa1b2c3d4 | 0xa1b23c4d => false,
        0xd4c3b2a1 | 0x4d3cb2a1 => true,
        m => panic!("{}: not a classic pcap (magic {m:#x}; pcapng is not read here)", path.display()),
    };
    let u32at = |at: usize| {
        let a: [u8; 4] = b[at..at + 4].try_into().unwrap();
        if be {
            u32::from_be_bytes(a)
        } else {
            u32::from_le_bytes(a)
        }
    };
    let linktype = u32at(20) & 0x0fff_ffff;
    let mut frames = Vec::new();
    let mut off = 24;
    while off < b.len() {
        assert!(off + 16 <= b.len(), "{}: truncated record header at {off}", path.display());
        let caplen = u32at(off + 8) as usize;
        let origlen = u32at(off + 12) as usize;
        assert!(caplen <= 262_144 && off + 16 + caplen <= b.len(), "{}: bad record at {off}", path.display());
        assert_eq!(caplen, origlen, "{}: truncated frame at {off} (snaplen)", path.display());
        frames.push(b[off + 16..off + 16 + caplen].to_vec());
        off += 16 + caplen;
    }
    Pcap { linktype, frames }
}

// --- SHA-256 (FIPS 180-4), enough for the test. ----------------------------

fn sha256(data: &[u8]) -> String {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
        0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
        0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
        0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
        0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
        0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
        0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] =
        [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    let mut msg = data.to_vec();
    let bits = (data.len() as u64) * 8;
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bits.to_be_bytes());
    for block in msg.chunks(64) {
        let mut w = [0u32; 64];
        for i in 0..16 {
            w[i] = u32::from_be_bytes(block[i * 4..i * 4 + 4].try_into().unwrap());
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16].wrapping_add(s0).wrapping_add(w[i - 7]).wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh.wrapping_add(s1).wrapping_add(ch).wrapping_add(K[i]).wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *x = x.wrapping_add(y);
        }
    }
    h.iter().map(|x| format!("{x:08x}")).collect()
}

#[test]
fn sha256_known_answers() {
    assert_eq!(sha256(b""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_eq!(sha256(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// --- The test. --------------------------------------------------------------

type Tuple = (IpAddr, u16, IpAddr, u16);

/// Reassembles one capture: per 4-tuple, the list of incarnations' bytes.
fn reassemble(pcap: &Pcap, order: &[usize]) -> (HashMap<Tuple, Vec<Vec<u8>>>, Counters, usize) {
    let mut r: Reassembler<SharedBytes> = Reassembler::default();
    let mut out: HashMap<Tuple, Vec<Vec<u8>>> = HashMap::new();
    let mut not_tcp = 0;
    let drain = |r: &mut Reassembler<SharedBytes>, k: StreamKey, out: &mut HashMap<Tuple, Vec<Vec<u8>>>| {
        let s = r.stream_mut(&k).unwrap();
        let incarnations = out.entry((k.src, k.sport, k.dst, k.dport)).or_default();
        while incarnations.len() <= s.counters().restarts as usize {
            incarnations.push(Vec::new());
        }
        let cur = incarnations.last_mut().unwrap();
        while let Some(c) = s.pop_chunk() {
            match c {
                Chunk::Data(p) => cur.extend_from_slice(p.bytes()),
                Chunk::Gap(n) => panic!("{k:?}: gap of {n} bytes"),
            }
        }
    };
    for &i in order {
        let frame = &pcap.frames[i];
        let buf: Arc<[u8]> = frame.as_slice().into();
        let parsed = match pcap.linktype {
            1 => parse_ethernet(&buf),
            // Linux cooked v1: protocol at 14..16, header 16 bytes.
            113 if buf.len() >= 16 => parse_ip(&buf, 16, u16::from_be_bytes([buf[14], buf[15]]), VlanTags::default()),
            // Linux cooked v2: protocol at 0..2, header 20 bytes.
            276 if buf.len() >= 20 => parse_ip(&buf, 20, u16::from_be_bytes([buf[0], buf[1]]), VlanTags::default()),
            lt => panic!("frame {i}: unsupported linktype {lt}"),
        };
        let seg = match parsed {
            Ok(s) => s,
            Err(_) => {
                not_tcp += 1;
                continue;
            }
        };
        let payload = SharedBytes::from_range(buf.clone(), seg.payload.clone());
        r.push(seg.key, seg.meta(), payload);
        drain(&mut r, seg.key, &mut out);
    }
    r.finish_all();
    let keys: Vec<StreamKey> = r.streams().map(|(k, _)| *k).collect();
    for k in keys {
        drain(&mut r, k, &mut out);
    }
    (out, *r.totals(), not_tcp)
}

fn captures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors/tcp")
}

#[test]
fn real_captures_match_tshark_follow() {
    let dir = captures_dir();
    if !dir.is_dir() {
        eprintln!("SKIP: {} is absent (captures not generated yet)", dir.display());
        return;
    }
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pcap"))
        .collect();
    names.sort();
    let mut checked = 0;
    for pcap_path in names {
        let json_path = pcap_path.with_extension("streams.json");
        assert!(json_path.exists(), "{}: no {}", pcap_path.display(), json_path.display());
        let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
        let pcap = read_pcap(&pcap_path);
        let in_order: Vec<usize> = (0..pcap.frames.len()).collect();
        let (streams, totals, not_tcp) = reassemble(&pcap, &in_order);
        println!("{}: {} frames ({not_tcp} not TCP), {totals:?}", pcap_path.display(), pcap.frames.len());
        // The same capture with every data frame duplicated and frames
        // reordered locally (SYN and RST frames stay in place) must give the
        // same streams.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut rnd = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let pinned = |i: usize| {
            parse_ethernet(&pcap.frames[i]).map_or(true, |s| s.flags.syn() || s.flags.rst() || pcap.linktype != 1)
        };
        let mut shaken: Vec<usize> = Vec::new();
        for i in 0..pcap.frames.len() {
            shaken.push(i);
            if !pinned(i) {
                shaken.push(i);
            }
        }
        for w in 0..shaken.len() {
            let j = (w + (rnd() % 12) as usize).min(shaken.len() - 1);
            if !pinned(shaken[w]) && !pinned(shaken[j]) {
                shaken.swap(w, j);
            }
        }
        let (shaken_streams, shaken_totals, _) = reassemble(&pcap, &shaken);
        println!("  shaken: {shaken_totals:?}");
        assert!(shaken_totals.ooo_segments > totals.ooo_segments);
        assert!(shaken_streams == streams, "{}: duplicated/reordered frames changed a stream", pcap_path.display());
        // Expected, per 4-tuple, in tshark stream-index order.
        let mut expected: HashMap<Tuple, Vec<(u64, u64, String)>> = HashMap::new();
        for e in json.as_array().expect("json list") {
            let ip = |f: &str| e[f].as_str().unwrap().parse::<IpAddr>().unwrap();
            let port = |f: &str| e[f].as_u64().unwrap() as u16;
            let t = (ip("src"), port("sport"), ip("dst"), port("dport"));
            let idx = e["stream"].as_u64().unwrap_or(0);
            expected.entry(t).or_default().push((
                idx,
                e["bytes"].as_u64().unwrap(),
                e["sha256"].as_str().unwrap().into(),
            ));
        }
        let mut failures = Vec::new();
        for (t, mut exp) in expected {
            exp.sort();
            // tshark lists directions that sent nothing with 0 bytes; so may we (or not at all).
            let got = streams.get(&t).cloned().unwrap_or_default();
            let got: Vec<&Vec<u8>> = got.iter().filter(|g| !g.is_empty()).collect();
            let exp_nonempty: Vec<_> = exp.iter().filter(|e| e.1 > 0).collect();
            if got.len() != exp_nonempty.len() {
                failures.push(format!("{t:?}: {} incarnations with data, expected {}", got.len(), exp_nonempty.len()));
                continue;
            }
            for (g, (idx, bytes, sha)) in got.iter().zip(exp_nonempty) {
                let gs = sha256(g);
                if g.len() as u64 != *bytes || gs != *sha {
                    failures
                        .push(format!("{t:?} stream {idx}: got {} bytes {gs}, expected {bytes} bytes {sha}", g.len()));
                }
                checked += 1;
            }
        }
        assert!(failures.is_empty(), "{}:\n{}", pcap_path.display(), failures.join("\n"));
    }
    println!("{checked} streams matched");
    assert!(checked > 0, "no streams checked in {}", dir.display());
}
