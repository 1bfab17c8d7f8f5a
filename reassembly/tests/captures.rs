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

fn sha256(data: &[u8]) -> String {
    tcp_reassembly::sha256::sha256_hex(data)
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
