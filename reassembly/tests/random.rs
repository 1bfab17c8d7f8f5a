//! Randomized tests (fixed seeds, printed; override with `REASM_SEED=<n>`).
//!
//! 1. A random byte stream is cut into random segments, which are shuffled,
//!    duplicated and overlapped (identical data) and fed with random ISNs
//!    (many near 2^32): the stream must come out exactly.
//! 2. Segments with *different* data for the same ranges are fed both to the
//!    reassembler and to a direct model of Linux's receive path
//!    (tcp_data_queue / tcp_data_queue_ofo / tcp_ofo_queue, see the crate
//!    docs): the delivered bytes must be identical.

use std::net::{IpAddr, Ipv6Addr};
use tcp_reassembly::*;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            v.swap(i, j);
        }
    }
}

fn seed() -> u64 {
    let s = std::env::var("REASM_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed_1234_abcd_0001);
    println!("REASM_SEED={s}");
    s
}

fn key(n: u16) -> StreamKey {
    StreamKey {
        src: IpAddr::V6(Ipv6Addr::LOCALHOST),
        dst: IpAddr::V6(Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 1)),
        sport: n,
        dport: 443,
        vlan: VlanTags { outer: Some(5), inner: None },
    }
}

fn drain(s: &mut Stream<SharedBytes>, out: &mut Vec<u8>) {
    while let Some(c) = s.pop_chunk() {
        match c {
            Chunk::Data(p) => out.extend_from_slice(p.bytes()),
            Chunk::Gap(n) => panic!("unexpected gap of {n} bytes"),
        }
    }
}

#[test]
fn random_segments_identical_overlaps() {
    let mut rng = Rng(seed() | 1);
    let mut ooo = 0;
    for round in 0..300 {
        let len = 1 + rng.below(if round % 10 == 0 { 200_000 } else { 5000 }) as usize;
        let data: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let isn = if round % 2 == 0 { u32::MAX - rng.below(len as u64 + 10) as u32 } else { rng.next() as u32 };
        // A base partition (so everything is covered) plus random extra
        // overlapping/duplicate segments.
        let mut segs: Vec<(usize, usize)> = Vec::new();
        let mut at = 0;
        while at < len {
            let n = (1 + rng.below(1500) as usize).min(len - at);
            segs.push((at, at + n));
            at += n;
        }
        let extra = rng.below(segs.len() as u64 * 2 + 1);
        for _ in 0..extra {
            let a = rng.below(len as u64) as usize;
            let b = (a + 1 + rng.below(3000) as usize).min(len);
            segs.push((a, b));
        }
        // Duplicates.
        for _ in 0..rng.below(segs.len() as u64 / 4 + 1) {
            let i = rng.below(segs.len() as u64) as usize;
            segs.push(segs[i]);
        }
        // Mostly in order with local reordering, or fully shuffled.
        if round % 3 == 0 {
            rng.shuffle(&mut segs);
        } else {
            segs.sort();
            for i in 0..segs.len() {
                let j = (i + rng.below(8) as usize).min(segs.len() - 1);
                segs.swap(i, j);
            }
        }
        let buf = SharedBytes::from(data.clone());
        let mut r: Reassembler<SharedBytes> = Reassembler::default();
        let k = key(round as u16);
        r.push(k, SegmentMeta { seq: isn, flags: TcpFlags(TcpFlags::SYN) }, SharedBytes::from(Vec::new()));
        let mut out = Vec::new();
        for (a, b) in &segs {
            let seq = isn.wrapping_add(1).wrapping_add(*a as u32);
            let o = r.push(k, SegmentMeta { seq, flags: TcpFlags(TcpFlags::ACK) }, buf.slice(*a..*b));
            assert_ne!(o.class, SegmentClass::DroppedByLimit);
            assert_ne!(o.class, SegmentClass::OutOfWindow);
            if rng.below(4) == 0 {
                drain(r.stream_mut(&k).unwrap(), &mut out);
            }
        }
        r.push(
            k,
            SegmentMeta { seq: isn.wrapping_add(1 + len as u32), flags: TcpFlags(TcpFlags::FIN) },
            SharedBytes::from(Vec::new()),
        );
        let s = r.stream_mut(&k).unwrap();
        drain(s, &mut out);
        assert_eq!(s.end(), Some(StreamEnd::Fin), "round {round}");
        assert_eq!(out.len(), data.len(), "round {round}");
        assert!(out == data, "round {round}: stream differs");
        let c = *s.counters();
        assert_eq!(c.conflict_bytes, 0);
        assert_eq!(c.gaps, 0);
        assert_eq!(r.held(), (0, 0));
        ooo += c.ooo_segments;
    }
    assert!(ooo > 1000, "{ooo}");
}

/// Linux's receive path on stream offsets, modelled directly.
#[derive(Default)]
struct LinuxModel {
    rcv: u64,
    out: Vec<u8>,
    /// The out-of-order rbtree as a sorted list: (seq, end_seq, data).
    ofo: Vec<(u64, u64, Vec<u8>)>,
}

impl LinuxModel {
    fn push(&mut self, s: u64, e: u64, data: &[u8]) {
        if e <= self.rcv {
            return; // tcp_data_queue: !after(end_seq, rcv_nxt): duplicate.
        }
        if s <= self.rcv {
            // In sequence or "partial packet": queued, recvmsg skips the old prefix.
            self.out.extend_from_slice(&data[(self.rcv - s) as usize..]);
            self.rcv = e;
            self.ofo_queue();
            return;
        }
        // tcp_data_queue_ofo: search by seq; the predecessor decides.
        let pred = self.ofo.iter().rposition(|n| n.0 <= s);
        let mut at = match pred {
            Some(i) => {
                let (ps, pe, _) = self.ofo[i];
                if s < pe && e <= pe {
                    return; // "All the bits are present. Drop."
                }
                if s < pe && s == ps {
                    self.ofo[i] = (s, e, data.to_vec()); // rb_replace_node
                    i
                } else {
                    self.ofo.insert(i + 1, (s, e, data.to_vec()));
                    i + 1
                }
            }
            None => {
                self.ofo.insert(0, (s, e, data.to_vec()));
                0
            }
        };
        // merge_right: erase following skbs fully covered by the new one.
        at += 1;
        while at < self.ofo.len() {
            let (ns, ne, _) = self.ofo[at];
            if e <= ns || e < ne {
                break;
            }
            self.ofo.remove(at);
        }
    }
    fn ofo_queue(&mut self) {
        while let Some(&(s, e, _)) = self.ofo.first() {
            if s > self.rcv {
                break;
            }
            let (_, _, d) = self.ofo.remove(0);
            if e <= self.rcv {
                continue;
            }
            self.out.extend_from_slice(&d[(self.rcv - s) as usize..]);
            self.rcv = e;
        }
    }
}

#[test]
fn conflicting_overlaps_match_linux_model() {
    let mut rng = Rng(seed() ^ 0x9e37_79b9_7f4a_7c15);
    let mut totals = Counters::default();
    for round in 0..2000 {
        let len = 1 + rng.below(if round % 50 == 0 { 3000 } else { 60 });
        let n = 1 + rng.below(40);
        let isn = rng.next() as u32;
        let mut segs: Vec<(u64, u64, Vec<u8>)> = Vec::new();
        for _ in 0..n {
            let a = rng.below(len);
            let b = (a + 1 + rng.below(len / 2 + 1)).min(len);
            // Small alphabet so that some overlaps agree and some differ.
            let d: Vec<u8> = (a..b).map(|_| b'a' + rng.below(3) as u8).collect();
            segs.push((a, b, d));
        }
        let mut model = LinuxModel::default();
        let mut r: Reassembler<SharedBytes> = Reassembler::default();
        let k = key(1);
        r.push(k, SegmentMeta { seq: isn, flags: TcpFlags(TcpFlags::SYN) }, SharedBytes::from(Vec::new()));
        let mut out = Vec::new();
        for (a, b, d) in &segs {
            model.push(*a, *b, d);
            let seq = isn.wrapping_add(1).wrapping_add(*a as u32);
            r.push(k, SegmentMeta { seq, flags: TcpFlags(TcpFlags::ACK) }, SharedBytes::from(d.clone()));
            drain(r.stream_mut(&k).unwrap(), &mut out);
            assert_eq!(out, model.out, "round {round} after segment {a}..{b}: segments {segs:?}");
        }
        assert_eq!(r.stream(&k).unwrap().next_offset(), model.rcv);
        let c = r.totals();
        totals.conflict_bytes += c.conflict_bytes;
        totals.ooo_segments += c.ooo_segments;
        totals.overlap_bytes += c.overlap_bytes;
    }
    println!("{totals:?}");
    assert!(totals.conflict_bytes > 1000 && totals.ooo_segments > 1000 && totals.overlap_bytes > 1000);
}

/// Tight memory limits: the held data never exceeds them, and whatever comes
/// out (data and gaps, after `finish`) lines up byte for byte with the
/// original stream.
#[test]
fn random_under_memory_limits() {
    let mut rng = Rng(seed() ^ 0x1111);
    let mut dropped = 0;
    let mut gaps = 0;
    for round in 0..300 {
        let cfg = Config {
            max_ooo_bytes_per_flow: 1 + rng.below(4000) as usize,
            max_ooo_segments_per_flow: 1 + rng.below(6) as usize,
            max_ooo_bytes_total: 1 + rng.below(6000) as usize,
            max_ooo_segments_total: 1 + rng.below(10) as usize,
            ..Config::default()
        };
        let mut r: Reassembler<SharedBytes> = Reassembler::new(cfg.clone());
        let nflows = 1 + rng.below(4) as u16;
        let mut flows = Vec::new();
        let mut segs = Vec::new();
        for f in 0..nflows {
            let len = 1 + rng.below(8000) as usize;
            let data: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            let isn = rng.next() as u32;
            r.push(key(f), SegmentMeta { seq: isn, flags: TcpFlags(TcpFlags::SYN) }, SharedBytes::from(Vec::new()));
            for _ in 0..1 + rng.below(30) {
                let a = rng.below(len as u64) as usize;
                let b = (a + 1 + rng.below(1500) as usize).min(len);
                segs.push((f, a, b));
            }
            flows.push((SharedBytes::from(data), isn));
        }
        rng.shuffle(&mut segs);
        for &(f, a, b) in &segs {
            let (buf, isn) = &flows[f as usize];
            let seq = isn.wrapping_add(1 + a as u32);
            r.push(key(f), SegmentMeta { seq, flags: TcpFlags(TcpFlags::ACK) }, buf.slice(a..b));
            let (hb, hs) = r.held();
            assert!(hb <= cfg.max_ooo_bytes_total && hs <= cfg.max_ooo_segments_total, "round {round}");
            let (fb, fs) = r.stream(&key(f)).unwrap().held();
            assert!(fb <= cfg.max_ooo_bytes_per_flow && fs <= cfg.max_ooo_segments_per_flow, "round {round}");
        }
        r.finish_all();
        assert_eq!(r.held(), (0, 0));
        for f in 0..nflows {
            let (buf, _) = &flows[f as usize];
            let s = r.stream_mut(&key(f)).unwrap();
            let mut at = 0usize;
            while let Some(c) = s.pop_chunk() {
                match c {
                    Chunk::Data(p) => {
                        assert_eq!(p.bytes(), &buf.bytes()[at..at + p.len()], "round {round} flow {f} at {at}");
                        at += p.len();
                    }
                    Chunk::Gap(n) => at += n as usize,
                }
            }
            assert!(at <= buf.len());
            assert_eq!(s.end(), Some(StreamEnd::Finished));
        }
        dropped += r.totals().dropped_by_limit_segments;
        gaps += r.totals().gaps;
    }
    assert!(dropped > 100 && gaps > 100, "{dropped} {gaps}");
}
