//! Deterministic synthetic TCP captures for long replays (issue #6, memory
//! bench): many concurrent connections, IPv4 and IPv6, some VLAN-tagged,
//! with losses seen from behind a lossy link, and the streams the
//! reassembly must produce from them.
//!
//! # Traffic
//!
//! [`generate`] keeps [`GenConfig::concurrency`] connections open; each
//! frame goes to one of them, picked at random, and a connection that closes
//! is replaced by a new one, so thousands open and close over a long capture
//! while the live set stays bounded. A connection (unique addresses and
//! ports, never reused) does a SYN handshake, then 1 to 3 request/response
//! rounds (client request of 30 B to 20 kB, server response of 100 B to
//! 600 kB; data in MSS segments, 1460 bytes over IPv4 and 1440 over IPv6,
//! the last one short, and now and then a small segment of 1 to 200 bytes),
//! the receiver ACKing every second segment, then a FIN exchange (either
//! side first) and a last ACK. Payload bytes are a function of (seed,
//! connection, direction, stream offset), so nothing is kept to hash them.
//!
//! # Losses
//!
//! Each new data segment is "lost" with probability [`GenConfig::loss`]: it
//! is not in the capture, the next ones are (out of order at the
//! receiver, whose ACKs stop at the hole), and its retransmission comes 2
//! to 10 segments of that direction later, or once the rest of the message
//! is sent, whichever is first (so before the FIN). Three times in ten the
//! retransmission is followed by a copy of the segment after it, which the
//! capture already had (a retransmitted duplicate). SYN, FIN and pure ACKs
//! are never lost.
//!
//! # Expected streams
//!
//! For every stream direction in the capture, [`ExpectedStream`]: its key,
//! the bytes a reassembler delivers (all data if the connection completed;
//! at the end of the capture, the data sent minus the still-missing
//! segments, which are gaps when data after them was seen) and their
//! SHA-256. The generator's memory does not grow with the number of frames:
//! frames are written as they are made and a connection's expectation is
//! handed out when it closes.

use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use nic_model::build;
use nic_model::csum::{complement, pseudo_sum, sum_words};
use serde::Serialize;
use tcp_reassembly::sha256::Sha256;

use crate::pcap::PcapWriter;

/// Settings of [`generate`].
#[derive(Clone, Debug)]
pub struct GenConfig {
    /// Frames to write.
    pub frames: u64,
    /// Seed of every random choice (same seed, same capture).
    pub seed: u64,
    /// Probability that a new data segment is lost (retransmitted later).
    pub loss: f64,
    /// Connections open at a time.
    pub concurrency: usize,
    /// Share of connections over IPv6.
    pub ipv6: f64,
    /// Share of connections with a VLAN tag (VID 100..=103).
    pub vlan: f64,
}

impl Default for GenConfig {
    fn default() -> Self {
        GenConfig { frames: 1_000_000, seed: 1, loss: 0.01, concurrency: 64, ipv6: 0.3, vlan: 0.2 }
    }
}

impl GenConfig {
    /// Checks the settings; the error names the bad one.
    pub fn validate(&self) -> Result<(), String> {
        for (name, p) in [("loss", self.loss), ("ipv6", self.ipv6), ("vlan", self.vlan)] {
            if !(0.0..=1.0).contains(&p) {
                return Err(format!("{name} must be a probability in 0..=1, not {p}"));
            }
        }
        if self.loss > 0.5 {
            return Err(format!("loss must be at most 0.5, not {}", self.loss));
        }
        if self.concurrency == 0 || self.concurrency > 1 << 16 {
            return Err(format!("concurrency must be in 1..=65536, not {}", self.concurrency));
        }
        Ok(())
    }
}

/// What [`generate`] wrote.
#[derive(Clone, Debug, Default, Serialize)]
pub struct GenStats {
    pub frames: u64,
    /// Connections opened, and those that completed (FIN both ways, last ACK).
    pub connections: u64,
    pub connections_closed: u64,
    pub ipv6_connections: u64,
    pub vlan_connections: u64,
    /// Data segments in the capture (first transmissions and retransmissions).
    pub data_segments: u64,
    /// Segments lost (missing from the capture until retransmitted).
    pub lost_segments: u64,
    /// Retransmissions of lost segments in the capture.
    pub retransmissions: u64,
    /// Copies of segments the capture already had.
    pub duplicates: u64,
    /// Payload bytes of first transmissions (lost ones included).
    pub payload_bytes: u64,
}

/// One stream direction the reassembly must produce (the shape of
/// `vectors/tcp/*.streams.json`, plus `vlan` and `gaps`).
#[derive(Clone, Debug, Serialize)]
pub struct ExpectedStream {
    /// Connection number (0-based, in opening order).
    pub stream: u64,
    pub src: IpAddr,
    pub sport: u16,
    pub dst: IpAddr,
    pub dport: u16,
    pub vlan: Option<u16>,
    pub bytes: u64,
    pub sha256: String,
    /// Bytes missing (segments lost and not retransmitted before the capture ended).
    pub gaps: u64,
}

/// Writes `cfg.frames` frames to `pcap` and hands each stream direction's
/// expectation to `expect` (when its connection closes, or at the end).
pub fn generate<W: Write>(
    cfg: &GenConfig,
    pcap: &mut PcapWriter<W>,
    mut expect: impl FnMut(&ExpectedStream) -> io::Result<()>,
) -> io::Result<GenStats> {
    cfg.validate().map_err(io::Error::other)?;
    let mut g = Gen { rng: Rng(cfg.seed), loss: cfg.loss, stats: GenStats::default(), tcp: Vec::with_capacity(1600) };
    let mut active: Vec<Conn> = Vec::with_capacity(cfg.concurrency);
    let mut next_id = 0u64;
    let mut ts_ns: u64 = 1_700_000_000 * 1_000_000_000;
    let mut payload = vec![0u8; 1500];
    while g.stats.frames < cfg.frames {
        while active.len() < cfg.concurrency {
            active.push(Conn::new(next_id, cfg, &mut g));
            next_id += 1;
        }
        let i = g.rng.below(active.len() as u64) as usize;
        let c = &mut active[i];
        let seg = c.step(&mut g);
        let frame = c.frame(&seg, &mut payload, &mut g.tcp);
        pcap.write(ts_ns / 1_000_000_000, (ts_ns % 1_000_000_000) as u32, frame.len() as u32, &frame)?;
        // Wire time at 1 Gb/s (preamble and gap included).
        ts_ns += (frame.len() as u64 + 24) * 8;
        g.stats.frames += 1;
        if c.phase == Phase::Done {
            g.stats.connections_closed += 1;
            let c = active.swap_remove(i);
            c.expect(&mut expect)?;
        }
    }
    for c in &active {
        c.expect(&mut expect)?;
    }
    Ok(g.stats)
}

/// Writes [`ExpectedStream`]s as a JSON array, one object per line.
pub struct ExpectWriter<W: Write> {
    out: W,
    n: u64,
}

impl<W: Write> ExpectWriter<W> {
    pub fn new(mut out: W) -> io::Result<Self> {
        out.write_all(b"[")?;
        Ok(ExpectWriter { out, n: 0 })
    }

    pub fn write(&mut self, e: &ExpectedStream) -> io::Result<()> {
        self.out.write_all(if self.n == 0 { b"\n" } else { b",\n" })?;
        serde_json::to_writer(&mut self.out, e)?;
        self.n += 1;
        Ok(())
    }

    /// Closes the array and flushes.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.write_all(b"\n]\n")?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// SplitMix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }
    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Stream bytes `[off, off + buf.len())` of the direction with content seed `seed`.
fn fill(seed: u64, off: u64, buf: &mut [u8]) {
    for (i, b) in buf.iter_mut().enumerate() {
        let o = off + i as u64;
        *b = mix(seed ^ (o / 8).wrapping_mul(0x9E37_79B9_7F4A_7C15)).to_le_bytes()[(o % 8) as usize];
    }
}

struct Gen {
    rng: Rng,
    loss: f64,
    stats: GenStats,
    /// TCP header and payload of the frame being built (reused).
    tcp: Vec<u8>,
}

const FIN: u8 = 0x01;
const SYN: u8 = 0x02;
const PSH: u8 = 0x08;
const ACK: u8 = 0x10;

/// A segment still missing from the capture.
struct Lost {
    off: u64,
    len: u64,
    /// Retransmitted once the direction has sent this many segments.
    due: u64,
}

/// One direction of a connection.
struct Dir {
    isn: u32,
    seed: u64,
    /// Data bytes sent (stream offset of the next new byte).
    sent: u64,
    /// Data bytes the application has written so far.
    queued: u64,
    lost: std::collections::VecDeque<Lost>,
    /// End of the highest data segment in the capture.
    max_end: u64,
    /// Data segments sent (lost ones included).
    segs: u64,
    /// Segments the peer received since it last ACKed.
    unacked: u32,
    fin: bool,
    /// Some frame of this direction is in the capture.
    seen: bool,
    /// A duplicate to send next: (offset, length).
    dup: Option<(u64, u64)>,
}

impl Dir {
    fn new(g: &mut Gen) -> Self {
        Dir {
            isn: g.rng.next() as u32,
            seed: g.rng.next(),
            sent: 0,
            queued: 0,
            lost: Default::default(),
            max_end: 0,
            segs: 0,
            unacked: 0,
            fin: false,
            seen: false,
            dup: None,
        }
    }

    fn seq(&self, off: u64) -> u32 {
        self.isn.wrapping_add(1).wrapping_add(off as u32)
    }

    /// The ACK number the peer sends for this direction: up to the first
    /// byte it is missing (the FIN comes after every loss is repaired).
    fn acked(&self) -> u32 {
        match self.lost.front() {
            Some(l) => self.seq(l.off),
            None => self.seq(self.sent + u64::from(self.fin)),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Syn,
    SynAck,
    HandshakeAck,
    /// Direction 0 (request) or 1 (response) is sending.
    Transfer(usize),
    Fin1,
    Fin2,
    LastAck,
    Done,
}

/// One frame to build: from direction `dir`, flags, sequence and
/// acknowledgement numbers, data `[off, off + len)` of that direction.
struct Seg {
    dir: usize,
    flags: u8,
    seq: u32,
    ack: u32,
    off: u64,
    len: u64,
}

struct Conn {
    id: u64,
    v6: bool,
    vlan: Option<u16>,
    /// Client (direction 0 sends from it) and server.
    addr: [IpAddr; 2],
    port: [u16; 2],
    d: [Dir; 2],
    mss: u64,
    phase: Phase,
    rounds: u32,
    /// Who sends the first FIN.
    closer: usize,
}

impl Conn {
    fn new(id: u64, cfg: &GenConfig, g: &mut Gen) -> Self {
        let v6 = g.rng.chance(cfg.ipv6);
        let vlan = g.rng.chance(cfg.vlan).then(|| 100 + (id % 4) as u16);
        let server = (id % 8) as u8 + 1;
        let addr = if v6 {
            let c = Ipv6Addr::new(0xfd00, 6, 0, 0, 0, 0, (id >> 16) as u16, id as u16);
            let s = Ipv6Addr::new(0xfd00, 6, 1, 0, 0, 0, 0, u16::from(server));
            [IpAddr::V6(c), IpAddr::V6(s)]
        } else {
            let c = Ipv4Addr::new(10, (id >> 16) as u8, (id >> 8) as u8, id as u8);
            [IpAddr::V4(c), IpAddr::V4(Ipv4Addr::new(192, 0, 2, server))]
        };
        let port = [32768 + (id % 28000) as u16, [80, 443, 8080][(id % 3) as usize]];
        g.stats.connections += 1;
        g.stats.ipv6_connections += u64::from(v6);
        g.stats.vlan_connections += u64::from(vlan.is_some());
        Conn {
            id,
            v6,
            vlan,
            addr,
            port,
            d: [Dir::new(g), Dir::new(g)],
            mss: if v6 { 1440 } else { 1460 },
            phase: Phase::Syn,
            rounds: g.rng.range(1, 3) as u32,
            closer: g.rng.below(2) as usize,
        }
    }

    fn control(&self, dir: usize, flags: u8, seq: u32) -> Seg {
        Seg { dir, flags, seq, ack: if flags & ACK != 0 { self.d[1 - dir].acked() } else { 0 }, off: 0, len: 0 }
    }

    fn data(&mut self, dir: usize, off: u64, len: u64, g: &mut Gen) -> Seg {
        let d = &mut self.d[dir];
        d.max_end = d.max_end.max(off + len);
        d.unacked += 1;
        g.stats.data_segments += 1;
        let seq = d.seq(off);
        Seg { dir, flags: ACK | PSH, seq, ack: self.d[1 - dir].acked(), off, len }
    }

    /// The next frame of this connection (never `Done` before).
    fn step(&mut self, g: &mut Gen) -> Seg {
        loop {
            match self.phase {
                Phase::Syn => {
                    self.phase = Phase::SynAck;
                    return self.control(0, SYN, self.d[0].isn);
                }
                Phase::SynAck => {
                    self.phase = Phase::HandshakeAck;
                    return self.control(1, SYN | ACK, self.d[1].isn);
                }
                Phase::HandshakeAck => {
                    self.phase = Phase::Transfer(0);
                    self.d[0].queued += request_len(g);
                    return self.control(0, ACK, self.d[0].seq(0));
                }
                Phase::Transfer(s) => {
                    let r = 1 - s;
                    if self.d[s].unacked >= 2 {
                        self.d[s].unacked = 0;
                        return self.control(r, ACK, self.d[r].seq(self.d[r].sent));
                    }
                    if let Some((off, len)) = self.d[s].dup.take() {
                        g.stats.duplicates += 1;
                        return self.data(s, off, len, g);
                    }
                    let mss = self.mss;
                    let d = &mut self.d[s];
                    if d.lost.front().is_some_and(|l| l.due <= d.segs) || (d.sent == d.queued && !d.lost.is_empty()) {
                        let l = d.lost.pop_front().expect("checked");
                        d.segs += 1;
                        g.stats.retransmissions += 1;
                        // Go-back: now and then the next segment again, if the capture has it.
                        let (noff, nlen) = (l.off + l.len, mss.min(d.sent - (l.off + l.len)));
                        if nlen > 0
                            && g.rng.chance(0.3)
                            && !d.lost.iter().any(|x| x.off < noff + nlen && x.off + x.len > noff)
                        {
                            d.dup = Some((noff, nlen));
                        }
                        return self.data(s, l.off, l.len, g);
                    }
                    if d.sent < d.queued {
                        let want = if g.rng.chance(0.08) { g.rng.range(1, 200) } else { mss };
                        let len = want.min(d.queued - d.sent);
                        let off = d.sent;
                        d.sent += len;
                        d.segs += 1;
                        g.stats.payload_bytes += len;
                        let p = g.loss;
                        if g.rng.chance(p) {
                            g.stats.lost_segments += 1;
                            let due = d.segs + g.rng.range(2, 10);
                            d.lost.push_back(Lost { off, len, due });
                            continue;
                        }
                        return self.data(s, off, len, g);
                    }
                    // Message complete (nothing lost outstanding).
                    if s == 0 {
                        self.d[1].queued += response_len(g);
                        self.phase = Phase::Transfer(1);
                    } else {
                        self.rounds -= 1;
                        if self.rounds > 0 {
                            self.d[0].queued += request_len(g);
                            self.phase = Phase::Transfer(0);
                        } else {
                            self.phase = Phase::Fin1;
                        }
                    }
                    if self.d[s].unacked > 0 {
                        self.d[s].unacked = 0;
                        return self.control(r, ACK, self.d[r].seq(self.d[r].sent));
                    }
                }
                Phase::Fin1 | Phase::Fin2 => {
                    let c = if self.phase == Phase::Fin1 { self.closer } else { 1 - self.closer };
                    self.phase = if self.phase == Phase::Fin1 { Phase::Fin2 } else { Phase::LastAck };
                    let seg = self.control(c, FIN | ACK, self.d[c].seq(self.d[c].sent));
                    self.d[c].fin = true;
                    return seg;
                }
                Phase::LastAck => {
                    self.phase = Phase::Done;
                    let c = self.closer;
                    return self.control(c, ACK, self.d[c].seq(self.d[c].sent + 1));
                }
                Phase::Done => unreachable!("a closed connection is not stepped"),
            }
        }
    }

    /// Builds the frame of `seg` (checksums right, VLAN tag if any, padded to 60 bytes).
    fn frame(&mut self, seg: &Seg, payload: &mut [u8], tcp: &mut Vec<u8>) -> Vec<u8> {
        let (dir, peer) = (seg.dir, 1 - seg.dir);
        self.d[dir].seen = true;
        tcp.clear();
        tcp.extend_from_slice(&self.port[dir].to_be_bytes());
        tcp.extend_from_slice(&self.port[peer].to_be_bytes());
        tcp.extend_from_slice(&seg.seq.to_be_bytes());
        tcp.extend_from_slice(&seg.ack.to_be_bytes());
        tcp.extend_from_slice(&[0x50, seg.flags, 0xFF, 0xFF, 0, 0, 0, 0]);
        let p = &mut payload[..seg.len as usize];
        fill(self.d[dir].seed, seg.off, p);
        tcp.extend_from_slice(p);
        let mut f = match (self.addr[dir], self.addr[peer]) {
            (IpAddr::V4(s), IpAddr::V4(d)) => build::ip4(s.octets(), d.octets(), 6, tcp),
            (IpAddr::V6(s), IpAddr::V6(d)) => build::ip6(s.octets(), d.octets(), 6, tcp),
            _ => unreachable!("both ends of a connection are the same family"),
        };
        let l4 = if self.v6 { 14 + 40 } else { 14 + 20 };
        let ps = pseudo_sum(&f, 14, self.v6, 6, tcp.len()).expect("a built IP header");
        let c = complement(ps + sum_words(&f[l4..]));
        f[l4 + 16..l4 + 18].copy_from_slice(&c.to_be_bytes());
        if let Some(vid) = self.vlan {
            f.splice(12..12, [0x81, 0x00, (vid >> 8) as u8, vid as u8]);
        }
        build::pad60(f)
    }

    /// Hands out both directions' expectations (those the capture has).
    fn expect(&self, out: &mut impl FnMut(&ExpectedStream) -> io::Result<()>) -> io::Result<()> {
        let mut buf = vec![0u8; 4096];
        for dir in 0..2 {
            let d = &self.d[dir];
            if !d.seen {
                continue;
            }
            let mut sha = Sha256::new();
            let (mut at, mut bytes, mut gaps) = (0u64, 0u64, 0u64);
            let mut hash_to = |sha: &mut Sha256, from: u64, to: u64| {
                let mut o = from;
                while o < to {
                    let n = (to - o).min(buf.len() as u64) as usize;
                    fill(d.seed, o, &mut buf[..n]);
                    sha.update(&buf[..n]);
                    o += n as u64;
                }
            };
            for l in &d.lost {
                hash_to(&mut sha, at, l.off);
                bytes += l.off - at;
                if l.off < d.max_end {
                    gaps += l.len;
                }
                at = l.off + l.len;
            }
            hash_to(&mut sha, at, d.sent);
            bytes += d.sent - at;
            out(&ExpectedStream {
                stream: self.id,
                src: self.addr[dir],
                sport: self.port[dir],
                dst: self.addr[1 - dir],
                dport: self.port[1 - dir],
                vlan: self.vlan,
                bytes,
                sha256: sha.finish_hex(),
                gaps,
            })?;
        }
        Ok(())
    }
}

fn request_len(g: &mut Gen) -> u64 {
    if g.rng.chance(0.8) {
        g.rng.range(30, 1500)
    } else {
        g.rng.range(1500, 20_000)
    }
}

fn response_len(g: &mut Gen) -> u64 {
    match g.rng.below(10) {
        0..=5 => g.rng.range(100, 4000),
        6..=8 => g.rng.range(4000, 64_000),
        _ => g.rng.range(64_000, 600_000),
    }
}
