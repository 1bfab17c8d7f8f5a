//! TCP reassembly golden vectors (`vectors/tcp/synthetic/*.yaml`, issue #6).
//!
//! A vector file is one *case*: one TCP connection between a `client` and a
//! `server` endpoint (IPv4 or IPv6, optionally VLAN-tagged), the segments
//! either side sends, in wire order, and for each stream direction the bytes
//! the reassembler must deliver, the bytes it must skip as gaps and the
//! counters that matter for the case. The format is documented in
//! `vectors/tcp/synthetic/README.md`:
//!
//! ```yaml
//! description: two segments swapped on the wire
//! endpoints:
//!   client: { addr: 192.0.2.1, port: 40000 }
//!   server: { addr: 198.51.100.2, port: 80 }
//! isn: { client: 1000 }
//! segments:
//!   - { seq: 0, flags: [syn] }
//!   - { seq: 4, text: "defg" }
//!   - { seq: 1, text: "abc" }
//! expect:
//!   client:
//!     text: "abcdefg"
//!     counters: { out_of_order_segments: 1 }
//! ```
//!
//! [`TcpVector::load`] parses a file and builds one Ethernet frame per
//! segment (real IPv4 header and TCP checksums: the NIC verifies them);
//! anything malformed is a [`CaseError`] naming the file, with the line and
//! column when the YAML parser knows them. [`TcpVector::replay`] sends the
//! frames in file order through the simulated RTL and the driver with the
//! [`Replayer`] and collects the streams it reassembled;
//! [`TcpVector::reassemble_directly`] pushes the same frames straight into a
//! [`tcp_reassembly::Reassembler`] as a cross-check. [`TcpVector::check`]
//! compares either result with the expectation and returns one message per
//! difference.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use etherparse::TcpHeader;
use serde::Deserialize;
use tcp_reassembly::parse::parse_ethernet;
use tcp_reassembly::sha256::sha256_hex;
use tcp_reassembly::{Chunk, Payload, Reassembler, SharedBytes, StreamKey, TcpFlags, VlanTags};

use nic_spec::csum;

use crate::replay::{ReplayConfig, ReplayError, Replayer, Report};
use crate::streams::{ReassemblyStats, StreamData, StreamResult};
use crate::synth::stimuli;
use crate::vectors::{parse_hex, CaseError};

/// Window advertised by every built segment (the reassembler ignores it).
const WINDOW: u16 = 65535;

/// [`ReassemblyStats`] fields that are not per-stream reassembler counters
/// and so cannot be expected of one direction.
const NOT_PER_STREAM: [&str; 2] = ["streams", "non_tcp_frames"];

// ------------------------------------------------------------------ schema

/// One side of the connection; a stream direction is named by its sender.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    #[default]
    Client,
    Server,
}

impl Side {
    pub fn peer(self) -> Side {
        match self {
            Side::Client => Side::Server,
            Side::Server => Side::Client,
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Client => "client",
            Side::Server => "server",
        })
    }
}

/// An address and a port.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    pub addr: IpAddr,
    pub port: u16,
}

/// The two endpoints, of one address family.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(try_from = "RawEndpoints")]
pub struct Endpoints {
    pub client: Endpoint,
    pub server: Endpoint,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEndpoints {
    client: Endpoint,
    server: Endpoint,
}

impl TryFrom<RawEndpoints> for Endpoints {
    type Error = String;
    fn try_from(r: RawEndpoints) -> Result<Self, String> {
        if r.client.addr.is_ipv4() != r.server.addr.is_ipv4() {
            return Err(format!(
                "endpoints: {} and {} are of different address families",
                r.client.addr, r.server.addr
            ));
        }
        Ok(Endpoints { client: r.client, server: r.server })
    }
}

impl Endpoints {
    pub fn of(&self, side: Side) -> Endpoint {
        match side {
            Side::Client => self.client,
            Side::Server => self.server,
        }
    }
}

/// Initial sequence numbers; relative `seq` offsets count from them.
#[derive(Clone, Copy, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Isn {
    #[serde(default)]
    pub client: u32,
    #[serde(default)]
    pub server: u32,
}

impl Isn {
    pub fn of(&self, side: Side) -> u32 {
        match side {
            Side::Client => self.client,
            Side::Server => self.server,
        }
    }
}

/// A TCP flag by name.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    Syn,
    Fin,
    Rst,
    Psh,
    Ack,
}

/// Where a segment starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeqSpec {
    /// Offset from the sender's ISN (wrapping; the SYN is at 0, its first
    /// data byte at 1).
    Relative(i64),
    /// The sequence number on the wire.
    Absolute(u32),
}

impl SeqSpec {
    /// The sequence number on the wire, for a sender with this ISN.
    pub fn wire(self, isn: u32) -> u32 {
        match self {
            // Offsets are within ±2^32 (checked on load): truncating is
            // addition modulo 2^32.
            SeqSpec::Relative(off) => isn.wrapping_add(off as u32),
            SeqSpec::Absolute(seq) => seq,
        }
    }
}

/// `repeat: { byte, count }`: `count` copies of `byte`.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Repeat {
    pub byte: u8,
    pub count: usize,
}

/// Bytes given as `text`, `hex` or `repeat` (at most one); `None` if none.
fn bytes_of(text: Option<String>, hex: Option<&str>, repeat: Option<Repeat>) -> Result<Option<Vec<u8>>, String> {
    match (text, hex, repeat) {
        (None, None, None) => Ok(None),
        (Some(t), None, None) => Ok(Some(t.into_bytes())),
        (None, Some(h), None) => parse_hex(h).map(Some).map_err(|e| format!("hex: {e}")),
        (None, None, Some(r)) => Ok(Some(vec![r.byte; r.count])),
        _ => Err("give the bytes as one of `text`, `hex` or `repeat`".into()),
    }
}

/// One segment, as sent on the wire.
#[derive(Clone, Debug, Deserialize)]
#[serde(try_from = "RawSegment")]
pub struct Segment {
    /// The sender.
    pub from: Side,
    pub seq: SeqSpec,
    pub flags: TcpFlags,
    pub payload: Vec<u8>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSegment {
    #[serde(default)]
    from: Side,
    seq: Option<i64>,
    abs_seq: Option<u32>,
    flags: Option<Vec<Flag>>,
    text: Option<String>,
    hex: Option<String>,
    repeat: Option<Repeat>,
}

impl TryFrom<RawSegment> for Segment {
    type Error = String;
    fn try_from(r: RawSegment) -> Result<Self, String> {
        const SPAN: i64 = 1 << 32;
        let seq = match (r.seq, r.abs_seq) {
            (Some(off), None) if off > -SPAN && off < SPAN => SeqSpec::Relative(off),
            (Some(off), None) => return Err(format!("seq {off}: an offset within ±2^32")),
            (None, Some(abs)) => SeqSpec::Absolute(abs),
            _ => return Err("a segment needs exactly one of `seq` (offset from the ISN) or `abs_seq`".into()),
        };
        let names = r.flags.unwrap_or_else(|| vec![Flag::Ack]);
        let flags = names.iter().fold(0, |bits, f| {
            bits | match f {
                Flag::Syn => TcpFlags::SYN,
                Flag::Fin => TcpFlags::FIN,
                Flag::Rst => TcpFlags::RST,
                Flag::Psh => TcpFlags::PSH,
                Flag::Ack => TcpFlags::ACK,
            }
        });
        let payload = bytes_of(r.text, r.hex.as_deref(), r.repeat)?.unwrap_or_default();
        Ok(Segment { from: r.from, seq, flags: TcpFlags(flags), payload })
    }
}

/// What one stream direction must deliver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Content {
    /// These bytes exactly (gaps are not in the stream).
    Bytes(Vec<u8>),
    /// Bytes with this SHA-256 (hex) and length.
    Digest { sha256: String, length: u64 },
}

/// The expectation for one stream direction.
#[derive(Clone, Debug, Deserialize)]
#[serde(try_from = "RawStreamExpect")]
pub struct StreamExpect {
    pub content: Content,
    /// Bytes skipped as gaps (holes never filled).
    pub gap_bytes: u64,
    /// Counters of this direction by [`ReassemblyStats`] name; only the
    /// ones stated are checked.
    pub counters: BTreeMap<String, u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStreamExpect {
    text: Option<String>,
    hex: Option<String>,
    sha256: Option<String>,
    length: Option<u64>,
    #[serde(default)]
    gap_bytes: u64,
    #[serde(default)]
    counters: BTreeMap<String, u64>,
}

impl TryFrom<RawStreamExpect> for StreamExpect {
    type Error = String;
    fn try_from(r: RawStreamExpect) -> Result<Self, String> {
        let content = match (bytes_of(r.text, r.hex.as_deref(), None)?, r.sha256, r.length) {
            (Some(b), None, None) => Content::Bytes(b),
            (None, Some(sha256), Some(length)) => {
                if sha256.len() != 64 || !sha256.bytes().all(|c| c.is_ascii_hexdigit()) {
                    return Err(format!("sha256 `{sha256}`: 64 hex digits"));
                }
                Content::Digest { sha256: sha256.to_ascii_lowercase(), length }
            }
            _ => return Err("give the stream as `text`, `hex`, or `sha256` with `length`".into()),
        };
        let known = counter_names();
        for name in r.counters.keys() {
            if !known.contains(name) {
                return Err(format!("counters: `{name}` is not a per-stream counter; one of {}", known.join(", ")));
            }
        }
        Ok(StreamExpect { content, gap_bytes: r.gap_bytes, counters: r.counters })
    }
}

/// The [`ReassemblyStats`] field names a direction's expectation may state.
fn counter_names() -> Vec<String> {
    stats_fields(&ReassemblyStats::default()).into_keys().filter(|k| !NOT_PER_STREAM.contains(&k.as_str())).collect()
}

/// `ReassemblyStats` as name → value (its `summary.json` form).
fn stats_fields(s: &ReassemblyStats) -> BTreeMap<String, u64> {
    let v = serde_json::to_value(s).expect("ReassemblyStats serializes");
    v.as_object()
        .expect("ReassemblyStats is a struct")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().expect("counters are integers")))
        .collect()
}

/// A vector file as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VectorFile {
    description: String,
    endpoints: Endpoints,
    #[serde(default)]
    vlan: Vec<u16>,
    #[serde(default)]
    isn: Isn,
    segments: Vec<Segment>,
    expect: BTreeMap<Side, StreamExpect>,
}

// ------------------------------------------------------------------ frames

/// The connection: endpoints and the VLAN IDs its frames carry.
#[derive(Clone, Debug)]
pub struct Flow {
    pub endpoints: Endpoints,
    /// VLAN IDs, outer first (0..=2 tags, TPID 0x8100).
    pub vlan: Vec<u16>,
    pub isn: Isn,
}

impl Flow {
    /// The stream key of the direction `from` sends.
    pub fn key(&self, from: Side) -> StreamKey {
        let (src, dst) = (self.endpoints.of(from), self.endpoints.of(from.peer()));
        StreamKey {
            src: src.addr,
            dst: dst.addr,
            sport: src.port,
            dport: dst.port,
            vlan: VlanTags { outer: self.vlan.first().copied(), inner: self.vlan.get(1).copied() },
        }
    }

    /// The Ethernet frame of `seg`: IPv4 or IPv6 (by the endpoints'
    /// family), the flow's VLAN tags, TCP with the segment's sequence
    /// number and flags, the ACK number (with ACK set) one past the peer's
    /// ISN, correct checksums, padded to 60 bytes.
    pub fn frame(&self, seg: &Segment) -> Vec<u8> {
        let (src, dst) = (self.endpoints.of(seg.from), self.endpoints.of(seg.from.peer()));
        let mut tcp = TcpHeader::new(src.port, dst.port, seg.seq.wire(self.isn.of(seg.from)), WINDOW);
        let f = seg.flags;
        (tcp.syn, tcp.fin, tcp.rst, tcp.ack) = (f.syn(), f.fin(), f.rst(), f.ack());
        tcp.psh = f.0 & TcpFlags::PSH != 0;
        if tcp.ack {
            tcp.acknowledgment_number = self.isn.of(seg.from.peer()).wrapping_add(1);
        }
        let checksum = match (src.addr, dst.addr) {
            (IpAddr::V4(s), IpAddr::V4(d)) => tcp.calc_checksum_ipv4_raw(s.octets(), d.octets(), &seg.payload),
            (IpAddr::V6(s), IpAddr::V6(d)) => tcp.calc_checksum_ipv6_raw(s.octets(), d.octets(), &seg.payload),
            _ => unreachable!("Endpoints are of one family"),
        };
        tcp.checksum = checksum.expect("the payload fits a frame (checked on load)");
        let mut l4 = tcp.to_bytes().to_vec();
        l4.extend_from_slice(&seg.payload);
        let mut frame = match (src.addr, dst.addr) {
            (IpAddr::V4(s), IpAddr::V4(d)) => nic_model::build::ip4(s.octets(), d.octets(), 6, &l4),
            (IpAddr::V6(s), IpAddr::V6(d)) => nic_model::build::ip6(s.octets(), d.octets(), 6, &l4),
            _ => unreachable!("Endpoints are of one family"),
        };
        // 802.1Q tags go between the MAC addresses and the ethertype.
        let tags: Vec<u8> = self.vlan.iter().flat_map(|vid| [0x81, 0x00, (vid >> 8) as u8, *vid as u8]).collect();
        frame.splice(12..12, tags);
        nic_model::build::pad60(frame)
    }
}

// ------------------------------------------------------------------ cases

/// A loaded vector file, its frames built.
#[derive(Clone, Debug)]
pub struct TcpVector {
    pub file: PathBuf,
    pub description: String,
    pub flow: Flow,
    pub segments: Vec<Segment>,
    /// One Ethernet frame per segment, in file order.
    pub frames: Vec<Vec<u8>>,
    pub expect: BTreeMap<Side, StreamExpect>,
}

/// What came out for one stream direction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObservedStream {
    /// The delivered bytes, gaps left out.
    pub data: Vec<u8>,
    pub gap_bytes: u64,
    /// The direction's counters (`streams` and `non_tcp_frames` are 0).
    pub counters: ReassemblyStats,
}

impl From<StreamResult> for ObservedStream {
    fn from(s: StreamResult) -> Self {
        ObservedStream { data: s.data, gap_bytes: s.gaps, counters: ReassemblyStats::from(&s.counters) }
    }
}

/// The streams of a run, by key.
pub type ObservedStreams = BTreeMap<StreamKey, ObservedStream>;

/// What a replay through the RTL and the driver gave.
#[derive(Clone, Debug)]
pub struct ReplayOutcome {
    pub report: Report,
    pub streams: ObservedStreams,
    /// Frames (0-based, file order) the NIC did not verify as having a
    /// good TCP checksum, or found a bad IPv4 header checksum in.
    pub bad_checksums: Vec<u64>,
}

impl TcpVector {
    /// Reads and parses a vector file and builds its frames.
    pub fn load(path: &Path) -> Result<TcpVector, CaseError> {
        let text = std::fs::read_to_string(path).map_err(|e| CaseError {
            file: path.into(),
            line: None,
            msg: format!("cannot read: {e}"),
        })?;
        TcpVector::parse(path, &text)
    }

    /// As [`TcpVector::load`], from text (`path` names it in errors).
    pub fn parse(path: &Path, text: &str) -> Result<TcpVector, CaseError> {
        let err = |line: Option<usize>, msg: String| CaseError { file: path.into(), line, msg };
        // The parser's message ends in "at line L column C".
        let file: VectorFile = serde_yaml::from_str(text)
            .map_err(|e| err(e.location().map(|l| l.line()), format!("malformed TCP vector file: {e}")))?;
        if file.vlan.len() > 2 || file.vlan.iter().any(|&vid| vid > 0x0fff) {
            return Err(err(None, format!("vlan {:?}: at most 2 VLAN IDs of 12 bits, outer first", file.vlan)));
        }
        if file.expect.is_empty() {
            return Err(err(None, "expect: state at least one stream direction".into()));
        }
        let flow = Flow { endpoints: file.endpoints, vlan: file.vlan, isn: file.isn };
        let max = nic_spec::limits::MAX_FRAME_LEN as usize;
        let frames: Vec<Vec<u8>> = file
            .segments
            .iter()
            .enumerate()
            .map(|(i, seg)| {
                // Headers: Ethernet 14 + VLAN 8 + IPv6 40 + TCP 20 at most.
                if seg.payload.len() > max - 82 {
                    return Err(err(
                        None,
                        format!("segment {}: {} payload bytes; at most {}", i + 1, seg.payload.len(), max - 82),
                    ));
                }
                Ok(flow.frame(seg))
            })
            .collect::<Result<_, _>>()?;
        Ok(TcpVector {
            file: path.into(),
            description: file.description,
            flow,
            segments: file.segments,
            frames,
            expect: file.expect,
        })
    }

    /// The case's name for messages: file and description.
    pub fn name(&self) -> String {
        format!("{} ({})", self.file.display(), self.description)
    }

    /// Sends the frames in file order through the simulated RTL and the
    /// driver (default [`ReplayConfig`], keeping stream bytes) and returns
    /// what came out.
    pub fn replay(&self) -> Result<ReplayOutcome, ReplayError> {
        let cfg = ReplayConfig { streams: StreamData::Keep, ..ReplayConfig::default() };
        let mut r = Replayer::new(cfg)?;
        let mut bad_checksums = Vec::new();
        r.run(stimuli(self.frames.clone()), |d, _| {
            if d.l4_csum != csum::GOOD as u8 || d.ip_csum == csum::BAD as u8 {
                bad_checksums.push(d.frame);
            }
        })?;
        let streams = r.finish_streams();
        let report = r.report()?;
        r.close()?;
        let streams = streams.into_iter().map(|s| (s.key, ObservedStream::from(s))).collect();
        Ok(ReplayOutcome { report, streams, bad_checksums })
    }

    /// Pushes the frames, parsed, straight into a default
    /// [`Reassembler`] (no RTL, no driver), ends every stream
    /// ([`Reassembler::finish_all`]) and reads them out.
    pub fn reassemble_directly(&self) -> Result<ObservedStreams, String> {
        let mut r: Reassembler<SharedBytes> = Reassembler::default();
        for (i, frame) in self.frames.iter().enumerate() {
            let seg =
                parse_ethernet(frame).map_err(|e| format!("segment {}: built frame does not parse: {e}", i + 1))?;
            r.push(seg.key, seg.meta(), SharedBytes::from(&frame[seg.payload.clone()]));
        }
        r.finish_all();
        let mut out = ObservedStreams::new();
        for (key, stream) in r.streams_mut() {
            let o = out.entry(*key).or_default();
            o.counters = ReassemblyStats::from(stream.counters());
            while let Some(chunk) = stream.pop_chunk() {
                match chunk {
                    Chunk::Data(p) => o.data.extend_from_slice(p.bytes()),
                    Chunk::Gap(n) => o.gap_bytes += n,
                }
            }
        }
        Ok(out)
    }

    /// Compares the streams of a run with the expectation: the same stream
    /// directions, and for each the bytes, the gap bytes and every counter
    /// stated. Returns one message per difference (empty: all match).
    pub fn check(&self, observed: &ObservedStreams) -> Vec<String> {
        let mut errs = Vec::new();
        let expected: BTreeMap<StreamKey, Side> = self.expect.keys().map(|&side| (self.flow.key(side), side)).collect();
        for key in observed.keys().filter(|k| !expected.contains_key(k)) {
            errs.push(format!("unexpected stream {}", describe_key(key)));
        }
        for (key, side) in &expected {
            let want = &self.expect[side];
            let Some(got) = observed.get(key) else {
                errs.push(format!("{side} stream ({}): missing", describe_key(key)));
                continue;
            };
            if let Some(diff) = compare_content(&want.content, &got.data) {
                errs.push(format!("{side} stream: {diff}"));
            }
            if got.gap_bytes != want.gap_bytes {
                errs.push(format!("{side} stream: {} gap bytes, expected {}", got.gap_bytes, want.gap_bytes));
            }
            let counters = stats_fields(&got.counters);
            for (name, &value) in &want.counters {
                if counters[name] != value {
                    errs.push(format!("{side} stream: {name} = {}, expected {value}", counters[name]));
                }
            }
        }
        errs
    }

    /// The replay-level checks: every frame delivered intact, its checksums
    /// verified good by the NIC, all of them parsed as TCP, and the
    /// report's totals equal to the sum of the streams' counters.
    pub fn check_replay(&self, run: &ReplayOutcome) -> Vec<String> {
        let (report, observed) = (&run.report, &run.streams);
        let mut errs = Vec::new();
        if !run.bad_checksums.is_empty() {
            errs.push(format!(
                "replay: the NIC did not verify the checksums of frames {:?} (0-based)",
                run.bad_checksums
            ));
        }
        let sent = self.frames.len() as u64;
        if !report.is_clean() || report.frames_delivered != sent {
            errs.push(format!(
                "replay: {} of {sent} frames delivered, {} dropped, {} corrupt, {} TLP violations, {} device faults",
                report.frames_delivered,
                report.frames_dropped.total,
                report.corrupt_frames.count,
                report.tlp_violations.count,
                report.driver_device_faults
            ));
        }
        let totals = stats_fields(&report.reassembly);
        let mut sums: BTreeMap<String, u64> = BTreeMap::new();
        for o in observed.values() {
            for (name, v) in stats_fields(&o.counters) {
                *sums.entry(name).or_default() += v;
            }
        }
        sums.insert("streams".into(), observed.len() as u64);
        if totals != sums {
            errs.push(format!("replay totals {totals:?} differ from the sum over the streams {sums:?}"));
        }
        errs
    }
}

fn describe_key(k: &StreamKey) -> String {
    let mut s = format!("{}:{} -> {}:{}", k.src, k.sport, k.dst, k.dport);
    for vid in [k.vlan.outer, k.vlan.inner].into_iter().flatten() {
        s.push_str(&format!(" vlan {vid}"));
    }
    s
}

/// `None` if `got` is what `want` describes; else what differs.
fn compare_content(want: &Content, got: &[u8]) -> Option<String> {
    match want {
        Content::Bytes(w) if w.as_slice() == got => None,
        Content::Bytes(w) => {
            let at = w.iter().zip(got).position(|(a, b)| a != b).unwrap_or(w.len().min(got.len()));
            Some(format!(
                "{} bytes, expected {}; first difference at offset {at}\n    got:      \"{}\"\n    expected: \"{}\"",
                got.len(),
                w.len(),
                shown(got),
                shown(w)
            ))
        }
        Content::Digest { sha256, length } => {
            let digest = sha256_hex(got);
            (digest != *sha256 || got.len() as u64 != *length).then(|| {
                format!("{} bytes with sha256 {digest}, expected {length} bytes with sha256 {sha256}", got.len())
            })
        }
    }
}

/// Bytes escaped for a message, long ones shortened.
fn shown(b: &[u8]) -> String {
    const MAX: usize = 200;
    let s = b[..b.len().min(MAX)].escape_ascii().to_string();
    if b.len() > MAX {
        format!("{s}... ({} more)", b.len() - MAX)
    } else {
        s
    }
}
