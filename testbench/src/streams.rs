//! TCP stream reassembly of the delivered frames (issue #6, copy path).
//!
//! The replayer hands every frame the driver delivered, in delivery order
//! per queue, to a [`StreamCollector`], which pushes it into the driver's
//! [`TcpReceiver`] as an application would: the payload lent (zero-copy) or
//! copied, see [`nic_driver::tcp`]; its [`DeliveryCounters`] become the
//! summary's `payload_bytes_zero_copy` and `payload_bytes_copied`. RSS
//! keeps a flow on one queue, so each flow is seen in the order the NIC
//! delivered it. Frames that are not parsable TCP segments are counted
//! (`non_tcp_frames`) and otherwise ignored. Chunks are consumed (hashed,
//! and kept with [`StreamData::Keep`]) as soon as they are in order, which
//! returns their lent buffers to the NIC.
//!
//! VLAN: when the NIC stripped the outer tag, the stream key still carries
//! it (from the completion's TCI), so the key is the one the original,
//! tagged frame gives: `outer` = the stripped VID, `inner` = the tag still
//! in the frame, if any.
//!
//! Per stream (direction of a connection, keyed by 5-tuple and VLAN tags)
//! the collector keeps a running SHA-256, the byte count and the bytes
//! missing in gaps; with [`StreamData::Keep`] also the bytes themselves (in
//! memory, for `streams/*.bin`). Gaps are not filled: a stream's data is
//! what was delivered, back to back, and `gaps` says how many bytes are
//! missing.
//!
//! Memory: with [`StreamData::Count`], a stream that ended (FIN delivered
//! or RST) is evicted from the [`Reassembler`] once [`LINGER_STREAMS`] more
//! streams have ended after it (a TIME_WAIT by count: a final ACK or late
//! retransmission still finds the ended stream). Only its output record
//! (counts and the running SHA-256) stays, so state per closed connection
//! is that record, not the reassembly state. If an evicted key shows up
//! again (port reuse), its record is taken back and the stream goes on from
//! it; the outputs are those without eviction, except that data segments
//! arriving for an ended stream after its eviction start a new stream
//! (mid-stream) instead of being counted as retransmitted or after-FIN.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::Path;

use nic_driver::tcp::{DeliveryCounters, TcpReceiver};
use nic_driver::FrameBytes;
use serde::Serialize;
use tcp_reassembly::sha256::Sha256;
use tcp_reassembly::{Chunk, Counters, Payload, StreamKey};

/// Whether the replayer reassembles, and whether it keeps stream bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StreamData {
    /// No reassembly (the counters stay 0).
    Off,
    /// Reassemble, count and hash; stream bytes are not kept.
    #[default]
    Count,
    /// Also keep every stream's bytes (for `streams/*.bin`).
    Keep,
}

/// Reassembly counters of a replay (`summary.json` `reassembly`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ReassemblyStats {
    /// Stream directions seen (5-tuple + VLAN).
    pub streams: u64,
    /// TCP segments pushed.
    pub segments: u64,
    /// Delivered frames that were not parsable TCP segments.
    pub non_tcp_frames: u64,
    pub out_of_order_segments: u64,
    pub retransmitted_segments: u64,
    pub retransmitted_bytes: u64,
    pub overlap_bytes: u64,
    pub conflict_segments: u64,
    pub conflict_bytes: u64,
    /// Holes skipped (at the end of the replay or on RST) and their bytes.
    pub gaps: u64,
    pub gap_bytes: u64,
    pub out_of_window_segments: u64,
    pub dropped_by_limit_segments: u64,
    pub dropped_by_limit_bytes: u64,
    /// Bytes delivered in order, all streams.
    pub delivered_bytes: u64,
}

impl From<&Counters> for ReassemblyStats {
    /// The counters of one stream, or the totals, under their
    /// `summary.json` names; `streams` and `non_tcp_frames` are not
    /// reassembler counters and stay 0.
    fn from(c: &Counters) -> Self {
        ReassemblyStats {
            streams: 0,
            segments: c.segments,
            non_tcp_frames: 0,
            out_of_order_segments: c.ooo_segments,
            retransmitted_segments: c.retransmitted_segments,
            retransmitted_bytes: c.retransmitted_bytes,
            overlap_bytes: c.overlap_bytes,
            conflict_segments: c.conflict_segments,
            conflict_bytes: c.conflict_bytes,
            gaps: c.gaps,
            gap_bytes: c.gap_bytes,
            out_of_window_segments: c.out_of_window_segments,
            dropped_by_limit_segments: c.dropped_by_limit_segments,
            dropped_by_limit_bytes: c.dropped_by_limit_bytes,
            delivered_bytes: c.delivered_bytes,
        }
    }
}

/// One reassembled stream direction, after [`StreamCollector::finish`].
#[derive(Clone, Debug)]
pub struct StreamResult {
    pub key: StreamKey,
    pub bytes: u64,
    /// SHA-256 of the delivered bytes (gaps not included), hex.
    pub sha256: String,
    /// Bytes missing (skipped holes).
    pub gaps: u64,
    /// The bytes, with [`StreamData::Keep`]; empty otherwise.
    pub data: Vec<u8>,
    /// The reassembler's counters of this stream direction.
    pub counters: Counters,
}

struct StreamOut {
    bytes: u64,
    gaps: u64,
    sha: Sha256,
    data: Vec<u8>,
}

impl StreamOut {
    fn new() -> Self {
        StreamOut { bytes: 0, gaps: 0, sha: Sha256::new(), data: Vec::new() }
    }
}

/// Ended streams kept in the reassembler before eviction
/// ([`StreamData::Count`]; see the module docs).
pub const LINGER_STREAMS: usize = 1024;

/// The reassembler limits the collector runs with (reported by
/// [`crate::mem::ReassemblyLimits`]).
pub fn reassembly_config() -> tcp_reassembly::Config {
    tcp_reassembly::Config::default()
}

/// Reassembles the delivered frames; see the module docs.
pub struct StreamCollector {
    rx: TcpReceiver,
    outs: HashMap<StreamKey, StreamOut>,
    /// Records of streams evicted from the reassembler (never also in
    /// `outs`). A B-tree grows one node at a time (no rehash doubling).
    done: BTreeMap<StreamKey, StreamOut>,
    /// Streams that ended, oldest first, waiting for eviction (Count mode).
    ended: VecDeque<StreamKey>,
    keep: bool,
}

impl StreamCollector {
    pub fn new(keep: bool) -> Self {
        StreamCollector {
            rx: TcpReceiver::new(reassembly_config()),
            outs: HashMap::new(),
            done: BTreeMap::new(),
            ended: VecDeque::new(),
            keep,
        }
    }

    /// Feeds one delivered frame: its bytes as delivered, and the
    /// completion's VLAN fields (`vlan_stripped`: the outer tag with TCI
    /// `vlan_tci` was removed from the frame).
    pub fn push(&mut self, frame: &FrameBytes<'_>, vlan_stripped: bool, vlan_tci: u16) {
        let Some((key, out)) = self.rx.push(frame, vlan_stripped, vlan_tci) else { return };
        if out.new_stream || out.readable {
            self.drain(key);
        }
        if !self.keep && out.ended.is_some() {
            self.ended.push_back(key);
            if self.ended.len() > LINGER_STREAMS {
                self.evict();
            }
        }
    }

    /// How payload reached the reassembler (lent or copied).
    pub fn delivery(&self) -> DeliveryCounters {
        self.rx.counters()
    }

    /// Evicts the oldest ended stream if it is still ended and drained
    /// (a SYN may have restarted it): its record moves to `done`.
    fn evict(&mut self) {
        let Some(k) = self.ended.pop_front() else { return };
        let r = self.rx.reassembler_mut();
        let idle = r.stream(&k).is_some_and(|s| s.end().is_some() && s.ready().next().is_none() && s.held() == (0, 0));
        if idle {
            r.remove(&k);
            if let Some(o) = self.outs.remove(&k) {
                self.done.insert(k, o);
            }
        }
    }

    fn drain(&mut self, key: StreamKey) {
        let keep = self.keep;
        let o = self.outs.entry(key).or_insert_with(|| self.done.remove(&key).unwrap_or_else(StreamOut::new));
        let Some(s) = self.rx.reassembler_mut().stream_mut(&key) else { return };
        while let Some(c) = s.pop_chunk() {
            match c {
                Chunk::Data(p) => {
                    let b = p.bytes();
                    o.bytes += b.len() as u64;
                    o.sha.update(b);
                    if keep {
                        o.data.extend_from_slice(b);
                    }
                }
                Chunk::Gap(n) => o.gaps += n,
            }
        }
    }

    /// Out-of-order bytes and segments held (all streams).
    pub fn held_ooo(&self) -> (usize, usize) {
        self.rx.reassembler().held()
    }

    /// Per-stream output records (live and evicted streams).
    pub fn records(&self) -> usize {
        self.outs.len() + self.done.len()
    }

    /// Streams whose reassembly state is held (the others were evicted,
    /// see the module docs).
    pub fn live_streams(&self) -> usize {
        self.rx.reassembler().streams().count()
    }

    /// The counters so far.
    pub fn stats(&self) -> ReassemblyStats {
        let r = self.rx.reassembler();
        ReassemblyStats {
            streams: (r.streams().count() + self.done.len()) as u64,
            non_tcp_frames: self.rx.counters().non_tcp_frames,
            ..ReassemblyStats::from(r.totals())
        }
    }

    /// End of input: skips the remaining holes ([`tcp_reassembly::Reassembler::finish_all`]),
    /// drains every stream and returns them sorted by (src, sport, dst,
    /// dport, outer VLAN, inner VLAN). The collector keeps its counters
    /// (and streams, which are now empty) and can go on.
    pub fn finish(&mut self) -> Vec<StreamResult> {
        self.rx.reassembler_mut().finish_all();
        let keys: Vec<StreamKey> = self.rx.reassembler().streams().map(|(k, _)| *k).collect();
        for k in keys {
            self.drain(k);
        }
        let r = self.rx.reassembler();
        let mut v: Vec<StreamResult> = self
            .outs
            .iter_mut()
            .chain(self.done.iter_mut())
            .map(|(k, o)| StreamResult {
                key: *k,
                bytes: o.bytes,
                sha256: o.sha.clone().finish_hex(),
                gaps: o.gaps,
                data: std::mem::take(&mut o.data),
                counters: r.stream(k).map(|s| *s.counters()).unwrap_or_default(),
            })
            .collect();
        v.sort_by_key(|s| sort_key(&s.key));
        v
    }
}

fn sort_key(k: &StreamKey) -> impl Ord {
    (k.src, k.sport, k.dst, k.dport, k.vlan.outer, k.vlan.inner)
}

/// One entry of `streams/index.json`.
#[derive(Clone, Debug, Serialize)]
pub struct IndexEntry {
    pub src: String,
    pub sport: u16,
    pub dst: String,
    pub dport: u16,
    /// Outer VLAN ID, or null.
    pub vlan: Option<u16>,
    /// Inner VLAN ID (QinQ), or null.
    pub vlan_inner: Option<u16>,
    pub bytes: u64,
    pub sha256: String,
    /// Bytes missing (holes skipped); not in the file.
    pub gaps: u64,
    /// The stream's bytes, relative to the output directory; null when the
    /// stream files were not written (`--no-streams`).
    pub file: Option<String>,
}

/// The file name of stream number `i` (0-based, index order):
/// `NNNN-<src>.<sport>-<dst>.<dport>[-v<outer>[.<inner>]].bin`, IPv6
/// addresses with `_` for `:`.
pub fn file_name(i: usize, k: &StreamKey) -> String {
    let addr = |a: &std::net::IpAddr| a.to_string().replace(':', "_");
    let mut s = format!("{i:04}-{}.{}-{}.{}", addr(&k.src), k.sport, addr(&k.dst), k.dport);
    if let Some(o) = k.vlan.outer {
        let _ = write!(s, "-v{o}");
        if let Some(i) = k.vlan.inner {
            let _ = write!(s, ".{i}");
        }
    }
    s.push_str(".bin");
    s
}

/// Writes `dir/streams/index.json` and, if `files`, one
/// `dir/streams/<file_name>` per stream (stale `*.bin` files there are
/// removed first).
pub fn write_streams(dir: &Path, streams: &[StreamResult], files: bool) -> io::Result<()> {
    let sdir = dir.join("streams");
    fs::create_dir_all(&sdir)?;
    for e in fs::read_dir(&sdir)? {
        let p = e?.path();
        if p.extension().is_some_and(|x| x == "bin") {
            fs::remove_file(&p)?;
        }
    }
    let mut index = Vec::with_capacity(streams.len());
    for (i, s) in streams.iter().enumerate() {
        let file = if files {
            let name = file_name(i, &s.key);
            fs::write(sdir.join(&name), &s.data)?;
            Some(format!("streams/{name}"))
        } else {
            None
        };
        index.push(IndexEntry {
            src: s.key.src.to_string(),
            sport: s.key.sport,
            dst: s.key.dst.to_string(),
            dport: s.key.dport,
            vlan: s.key.vlan.outer,
            vlan_inner: s.key.vlan.inner,
            bytes: s.bytes,
            sha256: s.sha256.clone(),
            gaps: s.gaps,
            file,
        });
    }
    // Streamed: the index of a long capture is large.
    let mut w = io::BufWriter::new(fs::File::create(sdir.join("index.json"))?);
    serde_json::to_writer_pretty(&mut w, &index).map_err(io::Error::other)?;
    io::Write::write_all(&mut w, b"\n")?;
    io::Write::flush(&mut w)
}
