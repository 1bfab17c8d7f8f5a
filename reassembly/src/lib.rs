//! TCP stream reassembly over zero-copy payload handles (issue #6).
//!
//! # Model
//!
//! A [`Reassembler`] owns one [`Stream`] per *direction* of a TCP connection,
//! keyed by [`StreamKey`]: source and destination address ([`IpAddr`]), ports,
//! and the VLAN tags the frame carried (outer and inner, see [`VlanTags`]).
//! The protocol is always TCP. [`StreamKey::reversed`] gives the other
//! direction, [`StreamKey::canonical`] a direction-independent connection key.
//!
//! Segments are pushed with [`Reassembler::push`]: the key, a [`SegmentMeta`]
//! (sequence number and flags) and the payload as a handle implementing
//! [`Payload`]. The reassembler never copies payload bytes: in-order data is
//! appended to the stream's ready queue as a slice of the handle
//! ([`Payload::slice`]), trimmed if part of it was already delivered. The
//! reader takes it with [`Stream::pop_chunk`], which yields
//! [`Chunk::Data`] slices in stream order and [`Chunk::Gap`] markers where
//! bytes were skipped (see *Limits*). [`PushOutcome::readable`] and
//! [`Stream::is_readable`] are the readiness notion an async reader wakes on.
//!
//! Sequence numbers are mapped to 64-bit stream offsets (offset 0 is the byte
//! after the SYN, or the first byte seen for a mid-stream flow) with
//! serial-number arithmetic (RFC 1982, [`seq_lt`] / [`seq_diff`]), so streams
//! longer than 4 GiB and wrap-around across 2^32 are handled.
//!
//! * **SYN**: the ISN sets the start; the SYN consumes one sequence number,
//!   so the first data byte is ISN+1 (data on a SYN, as with TCP Fast Open,
//!   starts there too). A SYN with a different ISN on a stream that already
//!   ended (FIN delivered or RST), or on a stream first seen mid-stream,
//!   starts a new incarnation: the stream state is reset (counters are kept
//!   and keep accumulating, `restarts` counts it); unread chunks of the old
//!   incarnation stay in front of the new one's in the ready queue. A SYN
//!   with a different ISN on a live stream that began with a SYN is counted
//!   as out-of-window and ignored (Linux answers a SYN in ESTABLISHED with a
//!   challenge ACK, RFC 5961, and does not reset).
//! * **Mid-stream start** (capture began late, no SYN seen): the first
//!   segment seen sets the start. Limitation: data *before* that segment that
//!   arrives later (the first segment seen was itself out of order) is behind
//!   the start and is counted as retransmitted, not delivered. Data-less
//!   segments (pure ACKs) also set the start; if the SYN of a new connection
//!   follows before any data, its ISN is adopted.
//! * **FIN**: marks the stream end at `seq + len` (of the segment carrying
//!   it). The first FIN accepted fixes the end; payload beyond it (on any
//!   later segment, or held out of order) is discarded and counted in
//!   `after_fin_*`. Once all bytes up to the FIN are delivered the stream ends
//!   with [`StreamEnd::Fin`].
//! * **RST**: closes the stream ([`StreamEnd::Reset`]). What was delivered
//!   stays readable; data still held out of order is released behind gap
//!   markers (like [`Reassembler::finish`]), so a capture consumer sees
//!   everything that was on the wire. Payload on the RST itself is ignored
//!   (as Linux does) and counted in `rst_payload_bytes`. An RST whose
//!   sequence number is out of window is counted and ignored.
//!
//! # Example
//!
//! ```
//! use tcp_reassembly::{parse, Chunk, Payload, Reassembler, SharedBytes};
//! # fn frames() -> Vec<Vec<u8>> { Vec::new() }
//! let mut r: Reassembler<SharedBytes> = Reassembler::default();
//! for frame in frames() {
//!     let buf: std::sync::Arc<[u8]> = frame.into();
//!     let Ok(seg) = parse::parse_ethernet(&buf) else { continue };
//!     // Zero-copy: the payload handle is a window into the frame buffer.
//!     let payload = SharedBytes::from_range(buf.clone(), seg.payload.clone());
//!     let out = r.push(seg.key, seg.meta(), payload);
//!     if out.readable {
//!         let stream = r.stream_mut(&seg.key).unwrap();
//!         while let Some(chunk) = stream.pop_chunk() {
//!             match chunk {
//!                 Chunk::Data(p) => { let _bytes: &[u8] = p.bytes(); }
//!                 Chunk::Gap(n) => { let _missing = n; }
//!             }
//!         }
//!     }
//! }
//! r.finish_all(); // end of input: skip remaining holes, deliver held data
//! ```
//!
//! # Window
//!
//! Let `d = seq - rcv_nxt` (serial arithmetic, as `i32`). A segment is
//! *out of window*, counted in `out_of_window_segments` and otherwise
//! ignored, if `d > Config::window_ahead` (default 1 GiB, the largest window
//! TCP window scaling allows) or if its end is behind `rcv_nxt` by more than
//! `Config::window_behind` (default 1 GiB). Anything behind by up to
//! `window_behind` is a retransmission. (Linux drops segments starting at or
//! beyond `rcv_nxt + rcv_wnd`, "Out of window" in `tcp_data_queue()`; a
//! passive observer does not know the advertised window, hence the
//! configurable bound.)
//!
//! # Overlap rule (which copy wins), checked against Linux
//!
//! When copies of the same sequence range differ, the reassembler delivers
//! what Linux's receive path would deliver to `recv()`:
//!
//! (Read in torvalds/linux `net/ipv4/tcp_input.c`, 6.x: `tcp_data_queue()`,
//! `tcp_data_queue_ofo()`, `tcp_ofo_queue()`; `tests/random.rs` models that
//! code directly and checks the reassembler against it on random segments
//! with conflicting data.)
//!
//! 1. **Bytes already delivered in order never change** ("old data wins"
//!    in sequence). Linux `tcp_data_queue()` (net/ipv4/tcp_input.c): a
//!    segment with `!after(end_seq, rcv_nxt)` is a pure duplicate, dropped
//!    (D-SACK); a segment with `seq < rcv_nxt < end_seq` ("Partial packet")
//!    is queued but `rcv_nxt` only advances to `end_seq`, and `tcp_recvmsg()`
//!    starts copying at `copied_seq - TCP_SKB_CB(skb)->seq`, so its
//!    already-received prefix is skipped. Likewise an in-order segment beats
//!    data held out of order: after queueing it, `tcp_ofo_queue()` drops ofo
//!    skbs with `!after(end_seq, rcv_nxt)` and the head of a partially
//!    covered one is skipped the same way.
//! 2. **Among data held out of order, the copy from the segment with the
//!    lowest starting sequence number wins; with equal starts the longer
//!    segment wins; with equal start and end the copy received first wins.**
//!    This is the effect of `tcp_data_queue_ofo()`'s rbtree insertion: a new
//!    skb fully inside its predecessor (the node with the largest `seq` not
//!    after the new `seq`) is dropped ("All the bits are present. Drop.",
//!    `LINUX_MIB_TCPOFOMERGE`); a new skb with the same `seq` that covers an
//!    existing one replaces it (`rb_replace_node`); a new skb starting inside
//!    an existing one and extending past it is inserted whole next to it
//!    ("Partial overlap", D-SACK for the overlap); then the `merge_right` loop
//!    erases following skbs the new one fully covers and stops at the first
//!    one that extends beyond it. When the hole fills, `tcp_ofo_queue()`
//!    walks the tree in `seq` order, so of two overlapping skbs the one with
//!    the lower `seq` reaches the receive queue first and the other one's
//!    prefix is skipped as in rule 1.
//!
//! The reassembler stores held data as non-overlapping slices, each tagged
//! with the start and end of the segment it came from, and applies rule 2 per
//! byte range: this gives the same bytes as Linux without keeping the
//! overlapping copies. Overlapping bytes are counted (`overlap_bytes`), and
//! bytes that differ between the copies in `conflict_bytes` (only data still
//! held can be compared: delivered bytes may already have been popped).
//!
//! # Limits (bounded memory)
//!
//! Out-of-order data is bounded per stream ([`Config::max_ooo_bytes_per_flow`],
//! [`Config::max_ooo_segments_per_flow`]) and in total
//! ([`Config::max_ooo_bytes_total`], [`Config::max_ooo_segments_total`]);
//! "segments" counts stored slices. Policy when a new out-of-order segment
//! would exceed any limit: **the new segment is dropped whole** and counted in
//! `dropped_by_limit_segments` / `_bytes`; held data is never evicted and
//! memory never grows beyond the limit (the check is exact: it is made on
//! what the insertion would add after overlap resolution, so duplicates of
//! held data are never dropped by the limit). In-order data is always
//! accepted (it goes to the reader's ready queue, which the reader drains;
//! [`Stream::ready_bytes`] tells how much is waiting).
//!
//! A hole that is never filled (its data was dropped by the limit, never
//! captured, or the sender gave up) is skipped only when the stream ends:
//! on RST, on [`Reassembler::finish`] / [`Reassembler::finish_all`] (end of
//! capture, eviction). Then each hole before held data becomes a
//! [`Chunk::Gap`] in the stream and is counted in `gaps` / `gap_bytes`, and
//! the held data is delivered. Data held past a FIN is discarded instead
//! (counted as after-FIN). A hole at the very end (nothing held after it) is
//! not a gap, because its size is unknown, unless a FIN fixed the end: then
//! the missing bytes up to the FIN are reported as a gap.
//!
//! # Counters
//!
//! [`Counters`] exist per stream ([`Stream::counters`]) and in total
//! ([`Reassembler::totals`]); see the field docs. Every pushed segment is
//! counted in `segments` and is classified ([`SegmentClass`], returned in
//! [`PushOutcome`]) as exactly one of: in order (`in_order_segments`), out of
//! order (`ooo_segments`), fully duplicate (`retransmitted_segments` /
//! `retransmitted_bytes`), out of window (`out_of_window_segments`), dropped
//! by limit (`dropped_by_limit_*`), after the end (`after_fin_*`), or control
//! (no payload; RST payload goes to `rst_payload_bytes`). In addition a
//! segment partly beyond the FIN counts in `after_fin_*` for that part;
//! `overlap_bytes` counts the already-received part of partly new segments,
//! `conflict_bytes` / `conflict_segments` overlapping bytes that differed
//! from the held copy, and `gaps` / `gap_bytes` skipped holes.
//!
//! # Allocation
//!
//! Steady state is allocation-free except: creating a stream (hash-map
//! entry, first use of its queues), inserting held out-of-order data
//! (`BTreeMap` nodes), and growth of a stream's ready queue (`VecDeque`,
//! which keeps its capacity once the reader keeps up). Overlap resolution
//! uses a scratch vector owned by the [`Reassembler`] and reused.
//!
//! # Segment parser
//!
//! [`parse::parse_ethernet`] extracts key, sequence, flags and the payload
//! range from an Ethernet frame (up to two VLAN tags, IPv4 with options,
//! IPv6 with extension headers, TCP with options), honouring the IP length
//! so that Ethernet padding is never payload. Malformed frames give a
//! [`parse::ParseError`], never a panic.
//!
//! # Utility
//!
//! [`sha256`]: a small dependency-free streaming SHA-256, to compare
//! reassembled streams with oracle digests (the testbench's
//! `streams/index.json` uses it).

#![forbid(unsafe_code)]

pub mod parse;
pub mod sha256;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::IpAddr;
use std::ops::Range;
use std::sync::Arc;

// ---------------------------------------------------------------------------
// Payload handles

/// A cheaply clonable handle to immutable payload bytes that can be sliced
/// without copying, e.g. a driver's reference-counted page slice or
/// `bytes::Bytes`.
pub trait Payload: Clone {
    /// The bytes this handle refers to.
    fn bytes(&self) -> &[u8];
    /// A handle to `self.bytes()[range]` (same backing storage, no copy).
    /// `range` is always within `0..self.len()`.
    fn slice(&self, range: Range<usize>) -> Self;
    /// Length in bytes.
    fn len(&self) -> usize {
        self.bytes().len()
    }
    /// True if empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A simple shared-buffer payload: an `Arc<[u8]>` and a window into it.
#[derive(Clone, Debug)]
pub struct SharedBytes {
    buf: Arc<[u8]>,
    start: usize,
    end: usize,
}

impl SharedBytes {
    /// Wraps a whole buffer.
    pub fn new(buf: Arc<[u8]>) -> Self {
        let end = buf.len();
        SharedBytes { buf, start: 0, end }
    }
    /// Wraps `buf[range]` (panics if out of bounds, like slicing).
    pub fn from_range(buf: Arc<[u8]>, range: Range<usize>) -> Self {
        assert!(range.start <= range.end && range.end <= buf.len());
        SharedBytes { buf, start: range.start, end: range.end }
    }
    /// True if both handles share the same backing buffer (no copy was made).
    pub fn same_buffer(&self, other: &SharedBytes) -> bool {
        Arc::ptr_eq(&self.buf, &other.buf)
    }
}

impl From<Vec<u8>> for SharedBytes {
    fn from(v: Vec<u8>) -> Self {
        SharedBytes::new(v.into())
    }
}

impl From<&[u8]> for SharedBytes {
    fn from(v: &[u8]) -> Self {
        SharedBytes::new(v.into())
    }
}

impl Payload for SharedBytes {
    fn bytes(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }
    fn slice(&self, range: Range<usize>) -> Self {
        assert!(range.start <= range.end && range.end <= self.end - self.start);
        SharedBytes { buf: self.buf.clone(), start: self.start + range.start, end: self.start + range.end }
    }
}

// ---------------------------------------------------------------------------
// Sequence arithmetic (RFC 1982 serial numbers, as Linux before()/after())

/// `a - b` as a signed distance (RFC 1982 serial-number arithmetic).
#[inline]
pub fn seq_diff(a: u32, b: u32) -> i32 {
    a.wrapping_sub(b) as i32
}
/// `a` is before `b` (Linux `before()`).
#[inline]
pub fn seq_lt(a: u32, b: u32) -> bool {
    seq_diff(a, b) < 0
}
/// `a` is before or equal to `b`.
#[inline]
pub fn seq_le(a: u32, b: u32) -> bool {
    seq_diff(a, b) <= 0
}
/// `a` is after `b` (Linux `after()`).
#[inline]
pub fn seq_gt(a: u32, b: u32) -> bool {
    seq_diff(a, b) > 0
}
/// `a` is after or equal to `b`.
#[inline]
pub fn seq_ge(a: u32, b: u32) -> bool {
    seq_diff(a, b) >= 0
}

// ---------------------------------------------------------------------------
// Keys and segment metadata

/// The VLAN tags a frame carried (VLAN IDs, 12 bits), outer first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VlanTags {
    pub outer: Option<u16>,
    pub inner: Option<u16>,
}

/// One direction of a TCP connection: 5-tuple (protocol is TCP) plus VLAN.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StreamKey {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub sport: u16,
    pub dport: u16,
    pub vlan: VlanTags,
}

/// Which direction of a connection a [`StreamKey`] is, relative to
/// [`StreamKey::canonical`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// `(src, sport) <= (dst, dport)`: the key is its own canonical form.
    Forward,
    /// The canonical form is the reversed key.
    Reverse,
}

impl StreamKey {
    /// The opposite direction of the same connection.
    pub fn reversed(&self) -> StreamKey {
        StreamKey { src: self.dst, dst: self.src, sport: self.dport, dport: self.sport, vlan: self.vlan }
    }
    /// A direction-independent key for the connection (the direction with the
    /// smaller `(address, port)` as source) and this key's direction.
    pub fn canonical(&self) -> (StreamKey, Direction) {
        if (self.src, self.sport) <= (self.dst, self.dport) {
            (*self, Direction::Forward)
        } else {
            (self.reversed(), Direction::Reverse)
        }
    }
}

/// TCP flags (the low 8 bits of the flags field).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TcpFlags(pub u8);

impl TcpFlags {
    pub const FIN: u8 = 0x01;
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const PSH: u8 = 0x08;
    pub const ACK: u8 = 0x10;
    pub fn fin(self) -> bool {
        self.0 & Self::FIN != 0
    }
    pub fn syn(self) -> bool {
        self.0 & Self::SYN != 0
    }
    pub fn rst(self) -> bool {
        self.0 & Self::RST != 0
    }
    pub fn ack(self) -> bool {
        self.0 & Self::ACK != 0
    }
}

/// What the reassembler needs from a TCP header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SegmentMeta {
    pub seq: u32,
    pub flags: TcpFlags,
}

// ---------------------------------------------------------------------------
// Configuration and counters

/// Limits. See the crate docs, *Window* and *Limits*.
#[derive(Clone, Debug)]
pub struct Config {
    /// Held out-of-order bytes per stream.
    pub max_ooo_bytes_per_flow: usize,
    /// Held out-of-order slices per stream.
    pub max_ooo_segments_per_flow: usize,
    /// Held out-of-order bytes over all streams.
    pub max_ooo_bytes_total: usize,
    /// Held out-of-order slices over all streams.
    pub max_ooo_segments_total: usize,
    /// A segment starting more than this many bytes after `rcv_nxt` is out of
    /// window. Distances are signed 32-bit (serial arithmetic), so a value of
    /// 2^31 or more here (or in `window_behind`) disables that side's check.
    pub window_ahead: u32,
    /// A segment ending more than this many bytes before `rcv_nxt` is out of window.
    pub window_behind: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_ooo_bytes_per_flow: 4 << 20,
            max_ooo_segments_per_flow: 4096,
            max_ooo_bytes_total: 256 << 20,
            max_ooo_segments_total: 1 << 18,
            window_ahead: 1 << 30,
            window_behind: 1 << 30,
        }
    }
}

/// Counters, per stream and in total. All are cumulative.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Segments pushed.
    pub segments: u64,
    /// Segments that carried new data at `rcv_nxt` (possibly partly duplicate).
    pub in_order_segments: u64,
    /// Segments that arrived ahead of `rcv_nxt` and were held (possibly partly duplicate).
    pub ooo_segments: u64,
    /// Segments whose payload was entirely already received (delivered or held).
    pub retransmitted_segments: u64,
    /// Payload bytes of those fully duplicate segments.
    pub retransmitted_bytes: u64,
    /// Bytes of partly new segments that overlapped data already received.
    pub overlap_bytes: u64,
    /// Overlapping bytes (of any segment) that differed from the held copy.
    pub conflict_bytes: u64,
    /// Segments with at least one conflicting byte.
    pub conflict_segments: u64,
    /// Holes skipped (see crate docs, *Limits*).
    pub gaps: u64,
    /// Bytes in skipped holes.
    pub gap_bytes: u64,
    /// Segments ignored as out of window (including bad SYN/RST).
    pub out_of_window_segments: u64,
    /// Out-of-order segments dropped because a memory limit was reached.
    pub dropped_by_limit_segments: u64,
    /// Their payload bytes.
    pub dropped_by_limit_bytes: u64,
    /// Segments with payload beyond the FIN (wholly or partly), or arriving after the stream ended.
    pub after_fin_segments: u64,
    /// Payload bytes beyond the FIN (including held data discarded when the FIN became known).
    pub after_fin_bytes: u64,
    /// Payload bytes carried by RST segments (ignored).
    pub rst_payload_bytes: u64,
    /// Bytes appended to the stream (data, not gaps).
    pub delivered_bytes: u64,
    /// New incarnations (SYN on an ended stream with a new ISN).
    pub restarts: u64,
}

impl Counters {
    fn add(&mut self, o: &Counters) {
        self.segments += o.segments;
        self.in_order_segments += o.in_order_segments;
        self.ooo_segments += o.ooo_segments;
        self.retransmitted_segments += o.retransmitted_segments;
        self.retransmitted_bytes += o.retransmitted_bytes;
        self.overlap_bytes += o.overlap_bytes;
        self.conflict_bytes += o.conflict_bytes;
        self.conflict_segments += o.conflict_segments;
        self.gaps += o.gaps;
        self.gap_bytes += o.gap_bytes;
        self.out_of_window_segments += o.out_of_window_segments;
        self.dropped_by_limit_segments += o.dropped_by_limit_segments;
        self.dropped_by_limit_bytes += o.dropped_by_limit_bytes;
        self.after_fin_segments += o.after_fin_segments;
        self.after_fin_bytes += o.after_fin_bytes;
        self.rst_payload_bytes += o.rst_payload_bytes;
        self.delivered_bytes += o.delivered_bytes;
        self.restarts += o.restarts;
    }
}

// ---------------------------------------------------------------------------
// Streams

/// One piece of a reassembled stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Chunk<P> {
    /// Stream bytes, a zero-copy slice of a pushed payload.
    Data(P),
    /// This many bytes are missing here (hole skipped, see crate docs).
    Gap(u64),
}

/// How a stream ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamEnd {
    /// All bytes up to the FIN were delivered.
    Fin,
    /// RST received.
    Reset,
    /// [`Reassembler::finish`] was called (end of input / eviction).
    Finished,
}

/// What kind of segment a push was (for tracing and tests).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SegmentClass {
    /// New data at `rcv_nxt` (possibly with a duplicate prefix).
    InOrder,
    /// Held for later.
    OutOfOrder,
    /// Entirely already received.
    Duplicate,
    /// No payload (pure ACK, SYN, FIN only, RST).
    Control,
    /// Ignored: out of window.
    OutOfWindow,
    /// Ignored: out-of-order memory limit.
    DroppedByLimit,
    /// Ignored: beyond the FIN or stream already ended.
    AfterEnd,
}

/// Result of [`Reassembler::push`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PushOutcome {
    pub class: SegmentClass,
    /// The stream has chunks to pop (or has ended and the reader should see EOF).
    pub readable: bool,
    /// Bytes appended to the ready queue by this push.
    pub delivered: u64,
    /// Set when this push ended the stream.
    pub ended: Option<StreamEnd>,
    /// The segment created the stream.
    pub new_stream: bool,
}

#[derive(Clone, Debug)]
struct Piece<P> {
    end: u64,
    /// Start and end offset of the segment this piece came from (overlap rule 2).
    orig_start: u64,
    orig_end: u64,
    data: P,
}

/// One direction's reassembly state and ready queue.
#[derive(Debug)]
pub struct Stream<P> {
    started: bool,
    /// Sequence number of stream offset 0.
    base_seq: u32,
    /// Offset of the next expected byte (`rcv_nxt`).
    rcv: u64,
    /// Offset of the FIN, once known.
    fin: Option<u64>,
    end: Option<StreamEnd>,
    saw_syn: bool,
    ready: VecDeque<Chunk<P>>,
    ready_bytes: u64,
    ooo: BTreeMap<u64, Piece<P>>,
    ooo_bytes: usize,
    counters: Counters,
}

impl<P: Payload> Stream<P> {
    fn new() -> Self {
        Stream {
            started: false,
            base_seq: 0,
            rcv: 0,
            fin: None,
            end: None,
            saw_syn: false,
            ready: VecDeque::new(),
            ready_bytes: 0,
            ooo: BTreeMap::new(),
            ooo_bytes: 0,
            counters: Counters::default(),
        }
    }

    /// Next chunk in stream order, zero-copy. `None` when nothing is ready;
    /// then [`Stream::end`] tells whether the stream is over (EOF) or more may come.
    pub fn pop_chunk(&mut self) -> Option<Chunk<P>> {
        let c = self.ready.pop_front()?;
        if let Chunk::Data(p) = &c {
            self.ready_bytes -= p.len() as u64;
        }
        Some(c)
    }
    /// Chunks waiting, without removing them.
    pub fn ready(&self) -> impl Iterator<Item = &Chunk<P>> {
        self.ready.iter()
    }
    /// Data bytes waiting in the ready queue.
    pub fn ready_bytes(&self) -> u64 {
        self.ready_bytes
    }
    /// A reader would make progress: chunks are waiting, or the stream ended (EOF).
    pub fn is_readable(&self) -> bool {
        !self.ready.is_empty() || self.end.is_some()
    }
    /// How the stream ended, once all of it is in the ready queue.
    pub fn end(&self) -> Option<StreamEnd> {
        self.end
    }
    /// Per-stream counters.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }
    /// Stream offset of the next expected byte (bytes delivered plus gap bytes).
    pub fn next_offset(&self) -> u64 {
        self.rcv
    }
    /// Sequence number of the next expected byte (`rcv_nxt`), once started.
    pub fn rcv_nxt(&self) -> Option<u32> {
        self.started.then(|| self.base_seq.wrapping_add(self.rcv as u32))
    }
    /// Out-of-order bytes and slices held.
    pub fn held(&self) -> (usize, usize) {
        (self.ooo_bytes, self.ooo.len())
    }

    fn deliver(&mut self, data: P, d: &mut Counters) {
        let n = data.len() as u64;
        if n == 0 {
            return;
        }
        self.rcv += n;
        self.ready_bytes += n;
        d.delivered_bytes += n;
        self.ready.push_back(Chunk::Data(data));
    }

    fn gap(&mut self, n: u64, d: &mut Counters) {
        if n == 0 {
            return;
        }
        self.rcv += n;
        d.gaps += 1;
        d.gap_bytes += n;
        self.ready.push_back(Chunk::Gap(n));
    }

    /// Remove held piece at `key`, with global accounting.
    fn take_piece(&mut self, key: u64, g: &mut Global) -> Piece<P> {
        let p = self.ooo.remove(&key).expect("piece");
        let n = (p.end - key) as usize;
        self.ooo_bytes -= n;
        g.bytes -= n;
        g.segs -= 1;
        p
    }

    fn put_piece(&mut self, start: u64, p: Piece<P>, g: &mut Global) {
        let n = (p.end - start) as usize;
        debug_assert_eq!(n, p.data.len());
        if n == 0 {
            return;
        }
        self.ooo_bytes += n;
        g.bytes += n;
        g.segs += 1;
        let old = self.ooo.insert(start, p);
        debug_assert!(old.is_none());
    }

    /// After `rcv` advanced: trim held pieces it overlaps (in-order data wins,
    /// rule 1), then deliver held pieces that became contiguous.
    fn drain_ooo(&mut self, g: &mut Global, d: &mut Counters, new: Option<(&P, u64)>) {
        while let Some((&k, _)) = self.ooo.iter().next() {
            if k > self.rcv {
                break;
            }
            let p = self.take_piece(k, g);
            if k < self.rcv {
                // Overlaps data just delivered by `new` (covering [new_start, rcv)).
                let ov_end = p.end.min(self.rcv);
                if let Some((nd, ns)) = new {
                    let a = &nd.bytes()[(k - ns) as usize..(ov_end - ns) as usize];
                    let b = &p.data.bytes()[..(ov_end - k) as usize];
                    let diff = count_diff(a, b);
                    if diff > 0 {
                        d.conflict_bytes += diff;
                    }
                }
                if p.end > self.rcv {
                    let cut = (self.rcv - k) as usize;
                    let len = p.data.len();
                    let rest = p.data.slice(cut..len);
                    self.deliver(rest, d);
                }
            } else {
                self.deliver(p.data, d);
            }
        }
        self.check_fin_reached();
    }

    fn check_fin_reached(&mut self) {
        if self.end.is_none() && self.fin.is_some_and(|f| self.rcv >= f) {
            self.end = Some(StreamEnd::Fin);
        }
    }

    /// Skip holes: release held data behind gap markers; end the stream.
    fn flush(&mut self, g: &mut Global, d: &mut Counters, how: StreamEnd) {
        while let Some((&k, _)) = self.ooo.iter().next() {
            let p = self.take_piece(k, g);
            if self.fin.is_some_and(|f| k >= f) {
                d.after_fin_bytes += p.end - k;
                continue;
            }
            if k > self.rcv {
                self.gap(k - self.rcv, d);
            }
            self.deliver(p.data, d);
        }
        if let Some(f) = self.fin {
            if f > self.rcv {
                self.gap(f - self.rcv, d);
            }
        }
        if self.end.is_none() {
            self.end = Some(how);
        }
    }

    /// Discard held data at or beyond a newly known FIN offset.
    fn discard_beyond(&mut self, f: u64, g: &mut Global, d: &mut Counters) {
        while let Some((&k, p)) = self.ooo.iter().next_back() {
            if p.end <= f {
                break;
            }
            let p = self.take_piece(k, g);
            if k < f {
                let keep = (f - k) as usize;
                d.after_fin_bytes += p.end - f;
                let data = p.data.slice(0..keep);
                self.put_piece(k, Piece { end: f, orig_start: p.orig_start, orig_end: p.orig_end, data }, g);
            } else {
                d.after_fin_bytes += p.end - k;
            }
        }
    }
}

fn count_diff(a: &[u8], b: &[u8]) -> u64 {
    a.iter().zip(b).filter(|(x, y)| x != y).count() as u64
}

#[derive(Debug, Default)]
struct Global {
    bytes: usize,
    segs: usize,
}

/// Overlap of a new out-of-order segment with one held piece.
#[derive(Clone, Copy, Debug)]
struct Overlap {
    key: u64,
    ov_start: u64,
    ov_end: u64,
    new_wins: bool,
}

// ---------------------------------------------------------------------------
// The reassembler

/// Reassembles many TCP streams. See the crate docs.
#[derive(Debug)]
pub struct Reassembler<P> {
    cfg: Config,
    streams: HashMap<StreamKey, Stream<P>>,
    totals: Counters,
    global: Global,
    scratch: Vec<Overlap>,
}

impl<P: Payload> Default for Reassembler<P> {
    fn default() -> Self {
        Self::new(Config::default())
    }
}

impl<P: Payload> Reassembler<P> {
    pub fn new(cfg: Config) -> Self {
        Reassembler {
            cfg,
            streams: HashMap::new(),
            totals: Counters::default(),
            global: Global::default(),
            scratch: Vec::new(),
        }
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }
    /// Counters summed over all streams (including removed ones).
    pub fn totals(&self) -> &Counters {
        &self.totals
    }
    /// Out-of-order bytes and slices held over all streams.
    pub fn held(&self) -> (usize, usize) {
        (self.global.bytes, self.global.segs)
    }
    pub fn stream(&self, key: &StreamKey) -> Option<&Stream<P>> {
        self.streams.get(key)
    }
    pub fn stream_mut(&mut self, key: &StreamKey) -> Option<&mut Stream<P>> {
        self.streams.get_mut(key)
    }
    pub fn streams(&self) -> impl Iterator<Item = (&StreamKey, &Stream<P>)> {
        self.streams.iter()
    }
    pub fn streams_mut(&mut self) -> impl Iterator<Item = (&StreamKey, &mut Stream<P>)> {
        self.streams.iter_mut()
    }
    /// Forget a stream (its held data is released; totals keep its counts).
    pub fn remove(&mut self, key: &StreamKey) -> Option<Stream<P>> {
        let s = self.streams.remove(key)?;
        self.global.bytes -= s.ooo_bytes;
        self.global.segs -= s.ooo.len();
        Some(s)
    }

    /// Forget every stream that has ended and whose chunks were all read
    /// (eviction of closed connections). Returns how many were removed.
    pub fn remove_finished(&mut self) -> usize {
        let before = self.streams.len();
        self.streams.retain(|_, s| !(s.end.is_some() && s.ready.is_empty() && s.ooo.is_empty()));
        before - self.streams.len()
    }

    /// End one stream now: holes are skipped as gaps, held data delivered
    /// (see crate docs, *Limits*). Returns true if the stream exists.
    pub fn finish(&mut self, key: &StreamKey) -> bool {
        let Some(s) = self.streams.get_mut(key) else { return false };
        let mut d = Counters::default();
        s.flush(&mut self.global, &mut d, StreamEnd::Finished);
        s.counters.add(&d);
        self.totals.add(&d);
        true
    }

    /// [`Reassembler::finish`] for every stream (end of capture).
    pub fn finish_all(&mut self) {
        let mut d_all = Counters::default();
        for s in self.streams.values_mut() {
            let mut d = Counters::default();
            s.flush(&mut self.global, &mut d, StreamEnd::Finished);
            s.counters.add(&d);
            d_all.add(&d);
        }
        self.totals.add(&d_all);
    }

    /// Feed one segment. `payload` is the TCP payload (may be empty).
    pub fn push(&mut self, key: StreamKey, meta: SegmentMeta, payload: P) -> PushOutcome {
        let mut new_stream = false;
        let s = self.streams.entry(key).or_insert_with(|| {
            new_stream = true;
            Stream::new()
        });
        let mut d = Counters { segments: 1, ..Counters::default() };
        let end_before = s.end;
        let (class, delivered) = push_inner(&self.cfg, &mut self.global, &mut self.scratch, s, meta, payload, &mut d);
        s.counters.add(&d);
        self.totals.add(&d);
        PushOutcome {
            class,
            readable: s.is_readable(),
            delivered,
            ended: if end_before.is_none() || d.restarts > 0 { s.end } else { None },
            new_stream,
        }
    }
}

fn push_inner<P: Payload>(
    cfg: &Config,
    g: &mut Global,
    scratch: &mut Vec<Overlap>,
    s: &mut Stream<P>,
    meta: SegmentMeta,
    payload: P,
    d: &mut Counters,
) -> (SegmentClass, u64) {
    let flags = meta.flags;
    let mut seq = meta.seq;
    let mut payload = payload;
    let delivered_before = d.delivered_bytes;

    // --- SYN: sets / checks the start.
    if flags.syn() {
        let start = seq.wrapping_add(1);
        if !s.started {
            s.started = true;
            s.saw_syn = true;
            s.base_seq = start;
        } else if start == s.base_seq {
            // Retransmitted SYN, or the SYN of a flow first seen mid-stream
            // that turns out to start where we started it.
            s.saw_syn = true;
        } else if !s.saw_syn && s.rcv == 0 && s.ooo.is_empty() {
            // Mid-stream start set only by data-less segments (e.g. the last
            // ACK of an earlier connection): adopt the SYN's ISN.
            s.saw_syn = true;
            s.base_seq = start;
        } else if s.end.is_some() || !s.saw_syn {
            // New incarnation of the 4-tuple: after the old stream ended, or
            // replacing a flow first seen mid-stream. What the old one
            // delivered (and any held data, behind gaps) stays readable in
            // front of the new stream's data.
            s.flush(g, d, StreamEnd::Finished);
            let counters = s.counters;
            let ready = std::mem::take(&mut s.ready);
            let ready_bytes = s.ready_bytes;
            *s = Stream::new();
            s.counters = counters;
            s.ready = ready;
            s.ready_bytes = ready_bytes;
            s.started = true;
            s.saw_syn = true;
            s.base_seq = start;
            d.restarts += 1;
        } else {
            d.out_of_window_segments += 1;
            return (SegmentClass::OutOfWindow, 0);
        }
        // Payload on a SYN starts after the SYN's sequence number.
        seq = start;
    }

    if !s.started {
        // Mid-stream start: the first segment seen sets the start.
        s.started = true;
        s.base_seq = seq;
    }

    let len = payload.len() as u64;
    let rcv_nxt = s.base_seq.wrapping_add(s.rcv as u32);
    let dseq = seq_diff(seq, rcv_nxt) as i64;

    // --- Window check.
    if dseq > cfg.window_ahead as i64 || dseq + (len as i64) < -(cfg.window_behind as i64) {
        d.out_of_window_segments += 1;
        return (SegmentClass::OutOfWindow, 0);
    }

    // Offsets of the segment in the stream (may start before 0 for data
    // before a mid-stream start or before the ISN).
    let start = s.rcv as i64 + dseq;
    let end = start + len as i64;

    // --- RST: close. Payload ignored.
    if flags.rst() {
        d.rst_payload_bytes += len;
        if s.end.is_none() {
            s.flush(g, d, StreamEnd::Reset);
            s.end = Some(StreamEnd::Reset);
        }
        return (SegmentClass::Control, d.delivered_bytes - delivered_before);
    }

    if s.end.is_some() {
        if len == 0 {
            return (SegmentClass::Control, 0);
        }
        if end <= s.rcv as i64 {
            d.retransmitted_segments += 1;
            d.retransmitted_bytes += len;
            return (SegmentClass::Duplicate, 0);
        }
        d.after_fin_segments += 1;
        d.after_fin_bytes += len;
        return (SegmentClass::AfterEnd, 0);
    }

    // --- FIN: fixes the end.
    let mut after_fin = false;
    if flags.fin() && end >= s.rcv as i64 {
        let f = end as u64;
        if s.fin.is_none_or(|old| f < old) {
            s.fin = Some(f);
            s.discard_beyond(f, g, d);
        }
    }
    // Trim payload beyond a known FIN.
    let mut end = end;
    if let Some(f) = s.fin {
        if end > f as i64 && len > 0 {
            // (A data-less segment at f + 1, e.g. the ACK after the FIN,
            // which consumes one sequence number, is not "after FIN".)
            let cut = (end - f as i64).min(len as i64) as u64;
            d.after_fin_bytes += cut;
            after_fin = true;
            end -= cut as i64;
            let keep = (len - cut) as usize;
            payload = payload.slice(0..keep);
        }
    }
    let len = (end - start).max(0) as u64;
    if after_fin {
        d.after_fin_segments += 1;
    }

    if len == 0 {
        s.check_fin_reached();
        let class = if after_fin { SegmentClass::AfterEnd } else { SegmentClass::Control };
        return (class, d.delivered_bytes - delivered_before);
    }

    let rcv = s.rcv as i64;
    if end <= rcv {
        // Entirely already delivered (rule 1: old data wins).
        d.retransmitted_segments += 1;
        d.retransmitted_bytes += len;
        s.check_fin_reached();
        return (SegmentClass::Duplicate, 0);
    }

    if start <= rcv {
        // In order: deliver [rcv, end), trimming the already-delivered prefix.
        d.in_order_segments += 1;
        let skip = (rcv - start) as usize;
        d.overlap_bytes += skip as u64;
        let new = payload.slice(skip..payload.len());
        let new_start = s.rcv;
        s.deliver(new.clone(), d);
        let before = d.conflict_bytes;
        // Held pieces overlapping [new_start, end) count as overlap too.
        let held_overlap: u64 =
            s.ooo.range(..end as u64).map(|(&k, p)| p.end.min(end as u64).saturating_sub(k.max(new_start))).sum();
        d.overlap_bytes += held_overlap;
        s.drain_ooo(g, d, Some((&new, new_start)));
        if d.conflict_bytes > before {
            d.conflict_segments += 1;
        }
        return (SegmentClass::InOrder, d.delivered_bytes - delivered_before);
    }

    // --- Out of order: resolve against held pieces (rule 2), then store.
    let (s0, e0) = (start as u64, end as u64);
    scratch.clear();
    if let Some((&k, p)) = s.ooo.range(..s0).next_back() {
        if p.end > s0 {
            scratch.push(Overlap { key: k, ov_start: s0, ov_end: p.end.min(e0), new_wins: false });
        }
    }
    for (&k, p) in s.ooo.range(s0..e0) {
        scratch.push(Overlap { key: k, ov_start: k, ov_end: p.end.min(e0), new_wins: false });
    }
    let mut won_by_held = 0u64; // bytes of the new segment lost to held pieces
    let mut freed = 0u64; // held bytes the new segment replaces
    let mut removed_pieces = 0usize;
    let mut overlap = 0u64;
    let mut conflicts = 0u64;
    for o in scratch.iter_mut() {
        let p = &s.ooo[&o.key];
        o.new_wins = s0 < p.orig_start || (s0 == p.orig_start && e0 > p.orig_end);
        let n = o.ov_end - o.ov_start;
        overlap += n;
        let a = &payload.bytes()[(o.ov_start - s0) as usize..(o.ov_end - s0) as usize];
        let b = &p.data.bytes()[(o.ov_start - o.key) as usize..(o.ov_end - o.key) as usize];
        conflicts += count_diff(a, b);
        if o.new_wins {
            freed += n;
            if o.ov_start == o.key && o.ov_end == p.end {
                removed_pieces += 1;
            }
        } else {
            won_by_held += n;
        }
    }
    // New fragments: runs of [s0, e0) not covered by winning held pieces.
    let mut frags = 0usize;
    let mut c = s0;
    for o in scratch.iter().filter(|o| !o.new_wins) {
        if o.ov_start > c {
            frags += 1;
        }
        c = c.max(o.ov_end);
    }
    if c < e0 {
        frags += 1;
    }
    let count_conflicts = |d: &mut Counters| {
        if conflicts > 0 {
            d.conflict_bytes += conflicts;
            d.conflict_segments += 1;
        }
    };
    let stored_new = len - won_by_held;
    if stored_new == 0 {
        count_conflicts(d);
        // Entirely covered by held data: a retransmission.
        d.retransmitted_segments += 1;
        d.retransmitted_bytes += len;
        return (SegmentClass::Duplicate, 0);
    }
    // Exact limit check on what the insertion adds.
    let flow_bytes = s.ooo_bytes as u64 - freed + stored_new;
    let flow_segs = s.ooo.len() - removed_pieces + frags;
    let tot_bytes = g.bytes as u64 - freed + stored_new;
    let tot_segs = g.segs - removed_pieces + frags;
    let grows_bytes = stored_new > freed;
    let grows_segs = frags > removed_pieces;
    if (grows_bytes && (flow_bytes > cfg.max_ooo_bytes_per_flow as u64 || tot_bytes > cfg.max_ooo_bytes_total as u64))
        || (grows_segs && (flow_segs > cfg.max_ooo_segments_per_flow || tot_segs > cfg.max_ooo_segments_total))
    {
        d.dropped_by_limit_segments += 1;
        d.dropped_by_limit_bytes += len;
        return (SegmentClass::DroppedByLimit, 0);
    }
    count_conflicts(d);
    d.ooo_segments += 1;
    d.overlap_bytes += overlap;
    // Apply: trim/remove losing held pieces.
    for o in scratch.iter().copied() {
        if !o.new_wins {
            continue;
        }
        let p = s.take_piece(o.key, g);
        if o.key < o.ov_start {
            let data = p.data.slice(0..(o.ov_start - o.key) as usize);
            s.put_piece(o.key, Piece { end: o.ov_start, orig_start: p.orig_start, orig_end: p.orig_end, data }, g);
        }
        if o.ov_end < p.end {
            let data = p.data.slice((o.ov_end - o.key) as usize..(p.end - o.key) as usize);
            s.put_piece(o.ov_end, Piece { end: p.end, orig_start: p.orig_start, orig_end: p.orig_end, data }, g);
        }
    }
    // Insert the new fragments.
    let mut c = s0;
    let mut emit = |s: &mut Stream<P>, a: u64, b: u64| {
        let data = payload.slice((a - s0) as usize..(b - s0) as usize);
        s.put_piece(a, Piece { end: b, orig_start: s0, orig_end: e0, data }, g);
    };
    for o in scratch.iter().copied() {
        if o.new_wins {
            continue;
        }
        if o.ov_start > c {
            emit(s, c, o.ov_start);
        }
        c = c.max(o.ov_end);
    }
    if c < e0 {
        emit(s, c, e0);
    }
    (SegmentClass::OutOfOrder, 0)
}
