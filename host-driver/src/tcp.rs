//! TCP byte streams out of received frames, for applications.
//!
//! [`TcpReceiver`] is the synchronous core: each delivered frame
//! ([`RxFrame`]) is parsed ([`tcp_reassembly::parse`]) and its TCP payload
//! pushed into a [`Reassembler`] as an [`RxPayload`]:
//!
//! * **lent** ([`crate::Delivery::ZeroCopy`]): a slice of the data buffer the
//!   NIC wrote ([`RxBuf`]). The buffer returns to the NIC's pool when the
//!   application drops the last chunk that refers to it; out-of-order data
//!   held by the reassembler keeps its buffers lent, so the reassembler's
//!   limits ([`Config`]) also bound how much of the pool a hole can pin
//!   ([`TcpReceiver::for_pool`]). When full, a new out-of-order segment is
//!   dropped and counted (`dropped_by_limit_*`); TCP retransmits it.
//! * **copied**: the driver copied the frame ([`crate::Delivery::Copy`]), or
//!   the payload is not inside one data buffer (it is in the header buffer,
//!   which never leaves the driver: frames under the split threshold, header
//!   overflow; or it spans scatter buffers, while a reassembler payload is
//!   one contiguous slice): it is copied once into a [`SharedBytes`].
//!
//! [`DeliveryCounters`] counts the payload bytes of each kind.
//!
//! [`TcpStreams`] is the async (tokio) face, for one thread (a `LocalSet`,
//! like [`crate::napi`]): the NAPI task's deliver callback calls
//! [`TcpStreams::deliver`]; applications [`TcpStreams::accept`] new stream
//! directions and read each one as zero-copy chunks
//! ([`TcpStream::next_chunk`]) or into their own buffer through
//! [`tokio::io::AsyncRead`] (the copy path, counted in
//! [`DeliveryCounters::read_bytes_copied`]).

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::future::poll_fn;
use std::io;
use std::ops::Range;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use tcp_reassembly::parse::{parse_ethernet, parse_ethernet_prefix, ParseError, ParsedSegment};
use tcp_reassembly::{Chunk, Config, Payload, PushOutcome, Reassembler, SharedBytes, StreamKey, VlanTags};

use crate::lend::{FrameBytes, RxBuf};
use crate::queue::RxFrame;

/// A stream chunk's bytes as the application holds them.
#[derive(Clone, Debug)]
pub enum RxPayload {
    /// A slice of a data buffer lent by the driver (no copy).
    Lent(RxBuf),
    /// Bytes copied out of the driver's buffers.
    Copied(SharedBytes),
}

impl Payload for RxPayload {
    fn bytes(&self) -> &[u8] {
        match self {
            RxPayload::Lent(b) => b.bytes(),
            RxPayload::Copied(b) => b.bytes(),
        }
    }
    fn slice(&self, range: Range<usize>) -> Self {
        match self {
            RxPayload::Lent(b) => RxPayload::Lent(b.slice(range)),
            RxPayload::Copied(b) => RxPayload::Copied(b.slice(range)),
        }
    }
}

/// How received payload reached the application.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct DeliveryCounters {
    /// TCP payload bytes pushed as lent buffer slices.
    pub payload_bytes_zero_copy: u64,
    /// TCP payload bytes copied before the push (see the module docs).
    pub payload_bytes_copied: u64,
    /// Delivered frames that were not parsable TCP segments.
    pub non_tcp_frames: u64,
    /// Stream bytes copied into readers' buffers ([`tokio::io::AsyncRead`]).
    pub read_bytes_copied: u64,
}

/// Frames in, reassembled streams out; see the module docs.
pub struct TcpReceiver {
    r: Reassembler<RxPayload>,
    /// A frame in pieces whose headers span pieces: the pieces gathered so far.
    parse_buf: Vec<u8>,
    empty: RxPayload,
    counters: DeliveryCounters,
}

impl Default for TcpReceiver {
    fn default() -> Self {
        Self::new(Config::default())
    }
}

impl TcpReceiver {
    /// A receiver with the reassembler limits `cfg`.
    pub fn new(cfg: Config) -> Self {
        TcpReceiver {
            r: Reassembler::new(cfg),
            parse_buf: Vec::new(),
            empty: RxPayload::Copied(SharedBytes::from(Vec::new())),
            counters: DeliveryCounters::default(),
        }
    }

    /// Limits for zero-copy delivery from queues of `bufs_per_queue`
    /// buffers of `buf_size` bytes: held out-of-order data may pin at most
    /// half of one queue's pool per stream and in total, so a hole never
    /// starves the NIC; other limits as [`Config::default`].
    pub fn for_pool(bufs_per_queue: usize, buf_size: usize) -> Self {
        let half = (bufs_per_queue / 2).max(1);
        Self::new(Config {
            max_ooo_segments_per_flow: half,
            max_ooo_segments_total: half,
            max_ooo_bytes_per_flow: half * buf_size,
            max_ooo_bytes_total: half * buf_size,
            ..Config::default()
        })
    }

    /// Pushes one delivered frame. Returns the stream direction and what
    /// the push did, or `None` for a frame that is not a TCP segment.
    pub fn push_frame(&mut self, f: &RxFrame<'_>) -> Option<(StreamKey, PushOutcome)> {
        self.push(&f.bytes, f.vlan_stripped, f.vlan_tci)
    }

    /// [`TcpReceiver::push_frame`] from the frame's bytes and its
    /// completion's VLAN fields (`vlan_stripped`: the outer tag with TCI
    /// `vlan_tci` was removed from the frame; the stream key keeps it).
    pub fn push(
        &mut self,
        frame: &FrameBytes<'_>,
        vlan_stripped: bool,
        vlan_tci: u16,
    ) -> Option<(StreamKey, PushOutcome)> {
        let Ok(mut seg) = self.parse(frame) else {
            self.counters.non_tcp_frames += 1;
            return None;
        };
        if vlan_stripped {
            if seg.key.vlan.inner.is_some() {
                // Three tags on the wire: the original frame does not parse.
                self.counters.non_tcp_frames += 1;
                return None;
            }
            seg.key.vlan = VlanTags { outer: Some(vlan_tci & 0x0fff), inner: seg.key.vlan.outer };
        }
        let len = seg.payload.len() as u64;
        let payload = if len == 0 {
            self.empty.clone()
        } else if let Some(b) = lent_range(frame, seg.payload.clone()) {
            self.counters.payload_bytes_zero_copy += len;
            RxPayload::Lent(b)
        } else {
            self.counters.payload_bytes_copied += len;
            // One allocation and one copy of the payload (the copy path).
            RxPayload::Copied(match frame.range_slice(seg.payload.clone()) {
                Some(b) => SharedBytes::from(b),
                None => {
                    let mut v: Arc<[u8]> = vec![0; seg.payload.len()].into();
                    let out = Arc::get_mut(&mut v).expect("a new Arc is unique");
                    frame.copy_range(seg.payload.clone(), out);
                    SharedBytes::new(v)
                }
            })
        };
        Some((seg.key, self.r.push(seg.key, seg.meta(), payload)))
    }

    fn parse(&mut self, frame: &FrameBytes<'_>) -> Result<ParsedSegment, ParseError> {
        if let Some(d) = frame.contiguous() {
            return parse_ethernet(d);
        }
        // Split or scattered: the headers are normally all in the first piece
        // (the NIC splits after the L4 header) and the payload is only
        // measured. Headers running past it (a scatter buffer shorter than
        // the headers) are gathered piece by piece, never more than needed.
        let beyond = |r: &Result<ParsedSegment, ParseError>| matches!(r, Err(ParseError::HeaderBeyondPrefix(_)));
        let mut pieces = frame.segments();
        let first = pieces.next().unwrap_or(&[]);
        let mut parsed = parse_ethernet_prefix(first, frame.len());
        if !beyond(&parsed) {
            return parsed;
        }
        self.parse_buf.clear();
        self.parse_buf.extend_from_slice(first);
        // with every piece gathered the prefix is the whole frame (len() is
        // their sum), so the last parse cannot ask for more
        for piece in pieces {
            self.parse_buf.extend_from_slice(piece);
            parsed = parse_ethernet_prefix(&self.parse_buf, frame.len());
            if !beyond(&parsed) {
                break;
            }
        }
        parsed
    }

    /// The reassembler (streams, counters, limits).
    pub fn reassembler(&self) -> &Reassembler<RxPayload> {
        &self.r
    }

    /// The reassembler, to pop chunks, finish or forget streams.
    pub fn reassembler_mut(&mut self) -> &mut Reassembler<RxPayload> {
        &mut self.r
    }

    /// How payload reached the reassembler so far.
    pub fn counters(&self) -> DeliveryCounters {
        self.counters
    }
}

/// `range` of the frame as a slice of one lent data buffer, if it lies in one.
fn lent_range(frame: &FrameBytes<'_>, range: Range<usize>) -> Option<RxBuf> {
    let FrameBytes::Lent { header, bufs } = frame else { return None };
    let mut at = header.len();
    for b in bufs.iter() {
        if range.start >= at && range.end <= at + b.len() {
            return Some(b.slice(range.start - at..range.end - at));
        }
        at += b.len();
    }
    None
}

struct Hub {
    rx: TcpReceiver,
    accept: VecDeque<StreamKey>,
    acceptor: Option<Waker>,
    readers: HashMap<StreamKey, Waker>,
    closed: bool,
}

impl Hub {
    fn wake_reader(&mut self, key: &StreamKey) {
        if let Some(w) = self.readers.remove(key) {
            w.wake();
        }
    }
}

/// The async face of a [`TcpReceiver`]; see the module docs. Cheap to
/// clone (shared state on one thread).
#[derive(Clone)]
pub struct TcpStreams {
    hub: Rc<RefCell<Hub>>,
}

impl TcpStreams {
    /// Streams over `rx`.
    pub fn new(rx: TcpReceiver) -> Self {
        TcpStreams {
            hub: Rc::new(RefCell::new(Hub {
                rx,
                accept: VecDeque::new(),
                acceptor: None,
                readers: HashMap::new(),
                closed: false,
            })),
        }
    }

    /// Takes one delivered frame (call it from the NAPI deliver callback):
    /// a new stream direction is queued for [`TcpStreams::accept`], a
    /// stream with data to read (or just ended) wakes its reader.
    pub fn deliver(&self, f: &RxFrame<'_>) {
        let mut h = self.hub.borrow_mut();
        let Some((key, out)) = h.rx.push_frame(f) else { return };
        if out.new_stream {
            h.accept.push_back(key);
            if let Some(w) = h.acceptor.take() {
                w.wake();
            }
        }
        if out.readable {
            h.wake_reader(&key);
        }
    }

    /// The next new stream direction; `None` once [`TcpStreams::close`]d
    /// and every stream was accepted.
    pub async fn accept(&self) -> Option<TcpStream> {
        poll_fn(|cx| {
            let mut h = self.hub.borrow_mut();
            if let Some(key) = h.accept.pop_front() {
                return Poll::Ready(Some(TcpStream { key, hub: self.hub.clone(), partial: None }));
            }
            if h.closed {
                return Poll::Ready(None);
            }
            h.acceptor = Some(cx.waker().clone());
            Poll::Pending
        })
        .await
    }

    /// End of input: every stream ends ([`Reassembler::finish_all`]: holes
    /// become gaps, held data is released) and every reader and the
    /// acceptor wake up.
    pub fn close(&self) {
        let mut h = self.hub.borrow_mut();
        h.closed = true;
        h.rx.reassembler_mut().finish_all();
        for (_, w) in h.readers.drain() {
            w.wake();
        }
        if let Some(w) = h.acceptor.take() {
            w.wake();
        }
    }

    /// How payload reached the streams and the readers so far.
    pub fn counters(&self) -> DeliveryCounters {
        self.hub.borrow().rx.counters()
    }

    /// Runs `f` on the receiver (reassembly counters, limits, streams).
    pub fn with_receiver<R>(&self, f: impl FnOnce(&mut TcpReceiver) -> R) -> R {
        f(&mut self.hub.borrow_mut().rx)
    }
}

/// One direction of a TCP connection, read by the application.
pub struct TcpStream {
    key: StreamKey,
    hub: Rc<RefCell<Hub>>,
    /// The rest of a chunk an [`tokio::io::AsyncRead`] read did not take.
    partial: Option<RxPayload>,
}

impl TcpStream {
    /// Addresses, ports and VLAN tags of this direction.
    pub fn key(&self) -> &StreamKey {
        &self.key
    }

    fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Option<Chunk<RxPayload>>> {
        if let Some(p) = self.partial.take() {
            return Poll::Ready(Some(Chunk::Data(p)));
        }
        let mut h = self.hub.borrow_mut();
        let closed = h.closed;
        let ended = match h.rx.reassembler_mut().stream_mut(&self.key) {
            Some(s) => match s.pop_chunk() {
                Some(c) => return Poll::Ready(Some(c)),
                None => s.end().is_some(),
            },
            None => true, // forgotten
        };
        if ended || closed {
            return Poll::Ready(None);
        }
        h.readers.insert(self.key, cx.waker().clone());
        Poll::Pending
    }

    /// The next chunk, zero-copy: stream bytes ([`Chunk::Data`], a lent
    /// buffer slice or copied bytes, see [`RxPayload`]) or a skipped hole
    /// ([`Chunk::Gap`]). `None` at the end (FIN, RST, or
    /// [`TcpStreams::close`]). Dropping the chunk returns its buffer.
    pub async fn next_chunk(&mut self) -> Option<Chunk<RxPayload>> {
        poll_fn(|cx| self.poll_chunk(cx)).await
    }
}

/// The copy path: stream bytes copied into the caller's buffer. A skipped
/// hole is an `InvalidData` error (once; reading goes on after it); the end
/// of the stream reads 0 bytes.
impl tokio::io::AsyncRead for TcpStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        match self.poll_chunk(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(None) => Poll::Ready(Ok(())),
            Poll::Ready(Some(Chunk::Gap(n))) => {
                Poll::Ready(Err(io::Error::new(io::ErrorKind::InvalidData, format!("{n} stream bytes missing (hole)"))))
            }
            Poll::Ready(Some(Chunk::Data(p))) => {
                let b = p.bytes();
                let n = b.len().min(buf.remaining());
                buf.put_slice(&b[..n]);
                if n < b.len() {
                    self.partial = Some(p.slice(n..b.len()));
                }
                self.hub.borrow_mut().rx.counters.read_bytes_copied += n as u64;
                Poll::Ready(Ok(()))
            }
        }
    }
}
