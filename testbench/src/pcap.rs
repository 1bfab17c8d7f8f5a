//! Capture files in and out: a streaming reader for classic pcap and pcapng
//! (Ethernet only) and a classic pcap writer.
//!
//! The reader never trusts a length field: every size is checked against a
//! fixed limit before anything is allocated, and every malformed input is an
//! error that names the file, the record (or block) number and the byte offset
//! where the problem is, for example
//! `vectors/x.pcap: record 17 at byte offset 5234: caplen 2147483647 exceeds 262144`.

use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// Largest captured frame accepted (libpcap's and Wireshark's limit).
pub const MAX_CAPLEN: u32 = 262_144;
/// Largest pcapng block the reader loads into memory (packet blocks, IDBs,
/// SHBs); larger blocks of unknown types are skipped without loading them.
pub const MAX_BLOCK_LEN: u32 = MAX_CAPLEN + 64 * 1024;
/// Ethernet link type (LINKTYPE_ETHERNET).
pub const LINKTYPE_ETHERNET: u32 = 1;

/// One captured frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// 0-based index of the frame in the file (packets only, all interfaces).
    pub index: u64,
    /// Capture timestamp: seconds since the epoch.
    pub ts_sec: u64,
    /// Capture timestamp: nanoseconds within the second.
    pub ts_nsec: u32,
    /// Length of the frame on the wire (may exceed `data.len()` if the
    /// capture was truncated by a snap length).
    pub orig_len: u32,
    /// The captured bytes.
    pub data: Vec<u8>,
}

/// Which container the file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Classic pcap; `nanos` for the nanosecond-resolution magic.
    Pcap {
        big_endian: bool,
        nanos: bool,
    },
    PcapNg,
}

/// Where in the file a problem is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    /// The file header (classic pcap global header, or before any block).
    Header,
    /// A classic pcap record (0-based).
    Record(u64),
    /// A pcapng block (0-based over the file), and the frame number if it is
    /// a packet block.
    Block { block: u64, frame: Option<u64> },
}

/// A malformed or unreadable capture file.
#[derive(Debug)]
pub struct PcapError {
    pub file: PathBuf,
    pub place: Place,
    /// Byte offset of the start of the header, record or block at fault.
    pub offset: u64,
    pub message: String,
}

impl fmt::Display for PcapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.file.display())?;
        match &self.place {
            Place::Header => write!(f, "file header at byte offset {}", self.offset)?,
            Place::Record(r) => write!(f, "record {} at byte offset {}", r, self.offset)?,
            Place::Block { block, frame: Some(n) } => {
                write!(f, "block {} (frame {}) at byte offset {}", block, n, self.offset)?
            }
            Place::Block { block, frame: None } => write!(f, "block {} at byte offset {}", block, self.offset)?,
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for PcapError {}

/// Link type names for error messages.
pub fn linktype_name(lt: u32) -> &'static str {
    match lt {
        0 => "NULL",
        1 => "ETHERNET",
        6 => "IEEE802_5",
        9 => "PPP",
        12 | 14 | 101 => "RAW",
        105 => "IEEE802_11",
        113 => "LINUX_SLL",
        127 => "IEEE802_11_RADIOTAP",
        228 => "IPV4",
        229 => "IPV6",
        276 => "LINUX_SLL2",
        _ => "unknown",
    }
}

/// Reads exactly `buf.len()` bytes unless the stream ends first; returns the
/// number of bytes read.
fn read_full<R: Read>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[derive(Clone, Copy, Debug)]
struct Endian {
    big: bool,
}

impl Endian {
    fn u16(self, b: &[u8]) -> u16 {
        let a = [b[0], b[1]];
        if self.big {
            u16::from_be_bytes(a)
        } else {
            u16::from_le_bytes(a)
        }
    }
    fn u32(self, b: &[u8]) -> u32 {
        let a = [b[0], b[1], b[2], b[3]];
        if self.big {
            u32::from_be_bytes(a)
        } else {
            u32::from_le_bytes(a)
        }
    }
    fn u64(self, b: &[u8]) -> u64 {
        let mut a = [0u8; 8];
        a.copy_from_slice(&b[..8]);
        if self.big {
            u64::from_be_bytes(a)
        } else {
            u64::from_le_bytes(a)
        }
    }
}

/// Timestamp resolution of a pcapng interface.
#[derive(Clone, Copy, Debug)]
enum TsRes {
    Pow10(u8),
    Pow2(u8),
}

#[derive(Clone, Copy, Debug)]
struct Interface {
    linktype: u32,
    snaplen: u32,
    res: TsRes,
    offset_sec: i64,
}

/// Splits a timestamp in interface units into (seconds, nanoseconds).
fn ts_to_sec_nsec(ts: u64, res: TsRes, offset_sec: i64) -> (u64, u32) {
    let ns: u128 = match res {
        TsRes::Pow10(r) if r <= 9 => u128::from(ts) * 10u128.pow(u32::from(9 - r)),
        TsRes::Pow10(r) => u128::from(ts) / 10u128.pow(u32::from(r.min(38) - 9)),
        TsRes::Pow2(r) => (u128::from(ts) * 1_000_000_000u128) >> r.min(127),
    };
    let sec = (ns / 1_000_000_000) as i128 + i128::from(offset_sec);
    let sec = sec.clamp(0, i128::from(u64::MAX)) as u64;
    (sec, (ns % 1_000_000_000) as u32)
}

enum State {
    Pcap { endian: Endian, nanos: bool, fcs_bytes: u32 },
    PcapNg { endian: Endian, interfaces: Vec<Interface> },
}

/// A streaming reader of Ethernet frames from a pcap or pcapng file.
///
/// Iterate it: each item is a frame or the first error, after which the
/// iterator ends.
pub struct PcapReader<R: Read> {
    file: PathBuf,
    inner: R,
    state: State,
    /// Bytes consumed so far.
    pos: u64,
    /// Next record (pcap) or block (pcapng) number.
    unit: u64,
    /// Next frame index.
    frame: u64,
    done: bool,
    format: Format,
}

impl PcapReader<BufReader<File>> {
    /// Opens `path` and reads its file header.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, PcapError> {
        let path = path.as_ref();
        let f = File::open(path).map_err(|e| PcapError {
            file: path.to_path_buf(),
            place: Place::Header,
            offset: 0,
            message: format!("cannot open: {e}"),
        })?;
        PcapReader::new(path, BufReader::with_capacity(1 << 16, f))
    }
}

impl<R: Read> PcapReader<R> {
    /// Reads the file header from `inner`; `file` names it in errors.
    pub fn new(file: impl AsRef<Path>, mut inner: R) -> Result<Self, PcapError> {
        let file = file.as_ref().to_path_buf();
        let err =
            |offset: u64, message: String| PcapError { file: file.clone(), place: Place::Header, offset, message };
        let mut magic = [0u8; 4];
        let n = read_full(&mut inner, &mut magic).map_err(|e| err(0, format!("read error: {e}")))?;
        if n == 0 {
            return Err(err(0, "empty file (no pcap or pcapng header)".into()));
        }
        if n < 4 {
            return Err(err(0, format!("truncated file header: file is only {n} bytes")));
        }
        let m = u32::from_le_bytes(magic);
        match m {
            0xA1B2_C3D4 | 0xD4C3_B2A1 | 0xA1B2_3C4D | 0x4D3C_B2A1 => {
                let big = matches!(m, 0xD4C3_B2A1 | 0x4D3C_B2A1);
                let nanos = matches!(m, 0xA1B2_3C4D | 0x4D3C_B2A1);
                let e = Endian { big };
                let mut h = [0u8; 20];
                let n = read_full(&mut inner, &mut h).map_err(|e| err(0, format!("read error: {e}")))?;
                if n < 20 {
                    return Err(err(0, format!("truncated pcap global header: {} of 24 bytes", n + 4)));
                }
                let (major, minor) = (e.u16(&h[0..]), e.u16(&h[2..]));
                if major != 2 {
                    return Err(err(0, format!("unsupported pcap version {major}.{minor} (expected 2.x)")));
                }
                let network = e.u32(&h[16..]);
                let linktype = network & 0xFFFF;
                if linktype != LINKTYPE_ETHERNET {
                    return Err(err(
                        0,
                        format!(
                            "link type {} ({}) is not supported, only Ethernet (1)",
                            linktype,
                            linktype_name(linktype)
                        ),
                    ));
                }
                // Bit 26 (F) says the frames carry an FCS of (bits 31:28) * 2 bytes.
                let fcs_bytes = if network & (1 << 26) != 0 { (network >> 28) * 2 } else { 0 };
                Ok(PcapReader {
                    file,
                    inner,
                    state: State::Pcap { endian: e, nanos, fcs_bytes },
                    pos: 24,
                    unit: 0,
                    frame: 0,
                    done: false,
                    format: Format::Pcap { big_endian: big, nanos },
                })
            }
            0x0A0D_0D0A => {
                let mut r = PcapReader {
                    file,
                    inner,
                    state: State::PcapNg { endian: Endian { big: false }, interfaces: Vec::new() },
                    pos: 0,
                    unit: 0,
                    frame: 0,
                    done: false,
                    format: Format::PcapNg,
                };
                // The first block must be a Section Header Block; it is parsed
                // by the block reader with the type already consumed.
                r.read_shb(0, true)?;
                Ok(r)
            }
            _ => Err(err(
                0,
                format!(
                    "not a pcap or pcapng file (magic {:02x} {:02x} {:02x} {:02x})",
                    magic[0], magic[1], magic[2], magic[3]
                ),
            )),
        }
    }

    /// The container format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The file name used in errors.
    pub fn file(&self) -> &Path {
        &self.file
    }

    fn error(&self, place: Place, offset: u64, message: impl Into<String>) -> PcapError {
        PcapError { file: self.file.clone(), place, offset, message: message.into() }
    }

    /// Reads exactly `buf.len()` bytes or fails with a truncation error that
    /// says what was being read.
    fn read_exact_at(&mut self, buf: &mut [u8], place: &Place, start: u64, what: &str) -> Result<(), PcapError> {
        let n = read_full(&mut self.inner, buf)
            .map_err(|e| self.error(place.clone(), start, format!("read error: {e}")))?;
        self.pos += n as u64;
        if n < buf.len() {
            return Err(self.error(
                place.clone(),
                start,
                format!("truncated {what}: needs {} bytes, file ends after {n}", buf.len()),
            ));
        }
        Ok(())
    }

    fn next_pcap(&mut self) -> Result<Option<Frame>, PcapError> {
        let State::Pcap { endian: e, nanos, fcs_bytes } = self.state else { unreachable!() };
        let start = self.pos;
        let place = Place::Record(self.unit);
        let mut h = [0u8; 16];
        let n = read_full(&mut self.inner, &mut h)
            .map_err(|er| self.error(place.clone(), start, format!("read error: {er}")))?;
        self.pos += n as u64;
        if n == 0 {
            return Ok(None);
        }
        if n < 16 {
            return Err(self.error(
                place,
                start,
                format!("truncated record header: needs 16 bytes, file ends after {n}"),
            ));
        }
        let ts_sec = e.u32(&h[0..]);
        let frac = e.u32(&h[4..]);
        let caplen = e.u32(&h[8..]);
        let orig_len = e.u32(&h[12..]);
        if caplen > MAX_CAPLEN {
            return Err(self.error(place, start, format!("caplen {caplen} exceeds {MAX_CAPLEN}")));
        }
        let mut data = vec![0u8; caplen as usize];
        self.read_exact_at(&mut data, &place, start, &format!("packet data (caplen {caplen})"))?;
        let ts_nsec = if nanos { frac } else { frac.saturating_mul(1000) };
        if ts_nsec >= 1_000_000_000 {
            return Err(self.error(
                place,
                start,
                format!("timestamp fraction {frac} is not below one second ({})", if nanos { "ns" } else { "us" }),
            ));
        }
        let mut orig_len = orig_len;
        if fcs_bytes > 0 {
            // The NIC's MAC stream carries no FCS: strip it.
            let keep = data.len().saturating_sub(fcs_bytes as usize);
            data.truncate(keep);
            orig_len = orig_len.saturating_sub(fcs_bytes);
        }
        self.unit += 1;
        let index = self.frame;
        self.frame += 1;
        Ok(Some(Frame { index, ts_sec: u64::from(ts_sec), ts_nsec, orig_len, data }))
    }

    /// Parses a Section Header Block whose 4-byte type was already consumed
    /// (it is the same in both byte orders).
    fn read_shb(&mut self, start: u64, first: bool) -> Result<(), PcapError> {
        let place = Place::Block { block: self.unit, frame: None };
        if first {
            self.pos = 4;
        }
        let mut h = [0u8; 8];
        self.read_exact_at(&mut h, &place, start, "section header block")?;
        let e = match u32::from_le_bytes([h[4], h[5], h[6], h[7]]) {
            0x1A2B_3C4D => Endian { big: false },
            0x4D3C_2B1A => Endian { big: true },
            other => {
                return Err(self.error(
                    place,
                    start,
                    format!("bad section header byte-order magic {other:#010x} (expected 0x1a2b3c4d)"),
                ))
            }
        };
        let len = e.u32(&h[0..]);
        if len < 28 || len % 4 != 0 || len > MAX_BLOCK_LEN {
            return Err(self.error(place, start, format!("bad section header block length {len}")));
        }
        let mut body = vec![0u8; len as usize - 12];
        self.read_exact_at(&mut body, &place, start, &format!("section header block (length {len})"))?;
        let major = e.u16(&body[0..]);
        if major != 1 {
            let minor = e.u16(&body[2..]);
            return Err(self.error(place, start, format!("unsupported pcapng version {major}.{minor} (expected 1.x)")));
        }
        let trailer = e.u32(&body[body.len() - 4..]);
        if trailer != len {
            return Err(self.error(place, start, format!("block length {len} at start but {trailer} at end")));
        }
        self.state = State::PcapNg { endian: e, interfaces: Vec::new() };
        self.unit += 1;
        Ok(())
    }

    fn next_pcapng(&mut self) -> Result<Option<Frame>, PcapError> {
        loop {
            let start = self.pos;
            let place = Place::Block { block: self.unit, frame: None };
            let mut t = [0u8; 4];
            let n = read_full(&mut self.inner, &mut t)
                .map_err(|er| self.error(place.clone(), start, format!("read error: {er}")))?;
            self.pos += n as u64;
            if n == 0 {
                return Ok(None);
            }
            if n < 4 {
                return Err(self.error(
                    place,
                    start,
                    format!("truncated block header: needs 8 bytes, file ends after {n}"),
                ));
            }
            if u32::from_le_bytes(t) == 0x0A0D_0D0A {
                self.read_shb(start, false)?;
                continue;
            }
            let State::PcapNg { endian: e, .. } = self.state else { unreachable!() };
            let btype = e.u32(&t);
            let mut l = [0u8; 4];
            self.read_exact_at(&mut l, &place, start, "block header")?;
            let len = e.u32(&l);
            if len < 12 || len % 4 != 0 {
                return Err(self.error(
                    place,
                    start,
                    format!("bad block length {len} for block type {btype:#x} (must be a multiple of 4, at least 12)"),
                ));
            }
            let is_packet = matches!(btype, 2 | 3 | 6);
            let known = is_packet || btype == 1;
            if !known {
                // Skip unknown blocks without loading them.
                let skip = u64::from(len) - 12;
                let copied = io::copy(&mut (&mut self.inner).take(skip), &mut io::sink())
                    .map_err(|er| self.error(place.clone(), start, format!("read error: {er}")))?;
                self.pos += copied;
                if copied < skip {
                    return Err(self.error(
                        place,
                        start,
                        format!(
                            "truncated block (type {btype:#x}, length {len}): file ends after {} bytes",
                            copied + 8
                        ),
                    ));
                }
                let mut tr = [0u8; 4];
                self.read_exact_at(&mut tr, &place, start, "block trailer")?;
                let trailer = e.u32(&tr);
                if trailer != len {
                    return Err(self.error(place, start, format!("block length {len} at start but {trailer} at end")));
                }
                self.unit += 1;
                continue;
            }
            let place = Place::Block { block: self.unit, frame: if is_packet { Some(self.frame) } else { None } };
            if len > MAX_BLOCK_LEN {
                return Err(self.error(place, start, format!("block length {len} exceeds {MAX_BLOCK_LEN}")));
            }
            let mut body = vec![0u8; len as usize - 8];
            self.read_exact_at(&mut body, &place, start, &format!("block (type {btype:#x}, length {len})"))?;
            let trailer = e.u32(&body[body.len() - 4..]);
            if trailer != len {
                return Err(self.error(place, start, format!("block length {len} at start but {trailer} at end")));
            }
            let body = &body[..body.len() - 4];
            self.unit += 1;
            match btype {
                1 => {
                    let iface = self.parse_idb(e, body, &place, start)?;
                    if let State::PcapNg { interfaces, .. } = &mut self.state {
                        interfaces.push(iface);
                    }
                }
                _ => return self.parse_packet(e, btype, body, place, start).map(Some),
            }
        }
    }

    fn parse_idb(&self, e: Endian, body: &[u8], place: &Place, start: u64) -> Result<Interface, PcapError> {
        if body.len() < 8 {
            return Err(self.error(place.clone(), start, "interface description block too short"));
        }
        let linktype = u32::from(e.u16(&body[0..]));
        let snaplen = e.u32(&body[4..]);
        let mut iface = Interface { linktype, snaplen, res: TsRes::Pow10(6), offset_sec: 0 };
        let mut opts = &body[8..];
        while opts.len() >= 4 {
            let code = e.u16(&opts[0..]);
            let olen = usize::from(e.u16(&opts[2..]));
            let padded = (olen + 3) & !3;
            if 4 + padded > opts.len() {
                return Err(self.error(
                    place.clone(),
                    start,
                    format!("interface option {code} of length {olen} overruns the block"),
                ));
            }
            let v = &opts[4..4 + olen];
            match code {
                0 => break,
                9 if olen >= 1 => {
                    let r = v[0];
                    iface.res = if r & 0x80 != 0 { TsRes::Pow2(r & 0x7F) } else { TsRes::Pow10(r) };
                }
                14 if olen >= 8 => iface.offset_sec = e.u64(v) as i64,
                _ => {}
            }
            opts = &opts[4 + padded..];
        }
        Ok(iface)
    }

    fn parse_packet(
        &mut self,
        e: Endian,
        btype: u32,
        body: &[u8],
        place: Place,
        start: u64,
    ) -> Result<Frame, PcapError> {
        let State::PcapNg { interfaces, .. } = &self.state else { unreachable!() };
        let (iface_id, ts, caplen, orig_len, data_off) = match btype {
            6 | 2 => {
                if body.len() < 20 {
                    return Err(self.error(place, start, "packet block too short"));
                }
                let iface_id = if btype == 6 { e.u32(&body[0..]) } else { u32::from(e.u16(&body[0..])) };
                let ts = (u64::from(e.u32(&body[4..])) << 32) | u64::from(e.u32(&body[8..]));
                (iface_id, Some(ts), e.u32(&body[12..]), e.u32(&body[16..]), 20usize)
            }
            _ => {
                // Simple Packet Block: interface 0, no timestamp; the captured
                // length is what the block holds, capped by the snap length.
                if body.len() < 4 {
                    return Err(self.error(place, start, "simple packet block too short"));
                }
                let orig = e.u32(&body[0..]);
                let room = (body.len() - 4) as u32;
                let snap = interfaces.first().map(|i| i.snaplen).filter(|&s| s != 0).unwrap_or(u32::MAX);
                (0, None, orig.min(room).min(snap), orig, 4usize)
            }
        };
        let Some(iface) = interfaces.get(iface_id as usize).copied() else {
            return Err(self.error(
                place,
                start,
                format!("packet refers to interface {iface_id} but the section has {} interface(s)", interfaces.len()),
            ));
        };
        if iface.linktype != LINKTYPE_ETHERNET {
            return Err(self.error(
                place,
                start,
                format!(
                    "interface {iface_id} has link type {} ({}), only Ethernet (1) is supported",
                    iface.linktype,
                    linktype_name(iface.linktype)
                ),
            ));
        }
        if caplen > MAX_CAPLEN {
            return Err(self.error(place, start, format!("caplen {caplen} exceeds {MAX_CAPLEN}")));
        }
        if data_off + caplen as usize > body.len() {
            return Err(self.error(
                place,
                start,
                format!("caplen {caplen} overruns the block (room for {} bytes)", body.len() - data_off),
            ));
        }
        let data = body[data_off..data_off + caplen as usize].to_vec();
        let (ts_sec, ts_nsec) = match ts {
            Some(ts) => ts_to_sec_nsec(ts, iface.res, iface.offset_sec),
            None => (0, 0),
        };
        let index = self.frame;
        self.frame += 1;
        Ok(Frame { index, ts_sec, ts_nsec, orig_len, data })
    }

    /// The next frame, `Ok(None)` at the end of the file.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, PcapError> {
        if self.done {
            return Ok(None);
        }
        let r = match self.state {
            State::Pcap { .. } => self.next_pcap(),
            State::PcapNg { .. } => self.next_pcapng(),
        };
        if !matches!(r, Ok(Some(_))) {
            self.done = true;
        }
        r
    }
}

impl<R: Read> Iterator for PcapReader<R> {
    type Item = Result<Frame, PcapError>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_frame().transpose()
    }
}

/// Reads a whole file into memory (for tests and small captures).
pub fn read_all(path: impl AsRef<Path>) -> Result<Vec<Frame>, PcapError> {
    PcapReader::open(path)?.collect()
}

/// Writes a classic pcap file: Ethernet, nanosecond timestamps, little endian.
pub struct PcapWriter<W: Write> {
    out: W,
    frames: u64,
}

impl PcapWriter<BufWriter<File>> {
    /// Creates (truncates) `path` and writes the global header.
    pub fn create(path: impl AsRef<Path>) -> io::Result<Self> {
        let path = path.as_ref();
        let f = File::create(path).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        PcapWriter::new(BufWriter::new(f))
    }
}

impl<W: Write> PcapWriter<W> {
    pub fn new(mut out: W) -> io::Result<Self> {
        let mut h = Vec::with_capacity(24);
        h.extend_from_slice(&0xA1B2_3C4Du32.to_le_bytes()); // nanosecond resolution
        h.extend_from_slice(&2u16.to_le_bytes());
        h.extend_from_slice(&4u16.to_le_bytes());
        h.extend_from_slice(&0i32.to_le_bytes());
        h.extend_from_slice(&0u32.to_le_bytes());
        h.extend_from_slice(&MAX_CAPLEN.to_le_bytes());
        h.extend_from_slice(&LINKTYPE_ETHERNET.to_le_bytes());
        out.write_all(&h)?;
        Ok(PcapWriter { out, frames: 0 })
    }

    /// Appends one frame. Timestamps past 2106 are clamped (32-bit seconds).
    pub fn write(&mut self, ts_sec: u64, ts_nsec: u32, orig_len: u32, data: &[u8]) -> io::Result<()> {
        let caplen = data.len().min(MAX_CAPLEN as usize);
        let mut h = [0u8; 16];
        h[0..4].copy_from_slice(&(ts_sec.min(u64::from(u32::MAX)) as u32).to_le_bytes());
        h[4..8].copy_from_slice(&ts_nsec.min(999_999_999).to_le_bytes());
        h[8..12].copy_from_slice(&(caplen as u32).to_le_bytes());
        h[12..16].copy_from_slice(&orig_len.max(caplen as u32).to_le_bytes());
        self.out.write_all(&h)?;
        self.out.write_all(&data[..caplen])?;
        self.frames += 1;
        Ok(())
    }

    /// Appends a [`Frame`].
    pub fn write_frame(&mut self, f: &Frame) -> io::Result<()> {
        self.write(f.ts_sec, f.ts_nsec, f.orig_len, &f.data)
    }

    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Flushes and returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pcap_header(magic: u32, big: bool, linktype: u32) -> Vec<u8> {
        let mut v = Vec::new();
        let w32 = |v: &mut Vec<u8>, x: u32| v.extend_from_slice(&if big { x.to_be_bytes() } else { x.to_le_bytes() });
        let w16 = |v: &mut Vec<u8>, x: u16| v.extend_from_slice(&if big { x.to_be_bytes() } else { x.to_le_bytes() });
        w32(&mut v, magic);
        w16(&mut v, 2);
        w16(&mut v, 4);
        w32(&mut v, 0);
        w32(&mut v, 0);
        w32(&mut v, 65535);
        w32(&mut v, linktype);
        v
    }

    fn pcap_record(v: &mut Vec<u8>, big: bool, sec: u32, frac: u32, caplen: u32, len: u32, data: &[u8]) {
        for x in [sec, frac, caplen, len] {
            v.extend_from_slice(&if big { x.to_be_bytes() } else { x.to_le_bytes() });
        }
        v.extend_from_slice(data);
    }

    fn frame(n: usize, seed: u8) -> Vec<u8> {
        (0..n).map(|i| (i as u8).wrapping_mul(7).wrapping_add(seed)).collect()
    }

    fn parse(bytes: &[u8]) -> Result<Vec<Frame>, PcapError> {
        PcapReader::new("mem.pcap", bytes)?.collect()
    }

    fn err(bytes: &[u8]) -> String {
        parse(bytes).unwrap_err().to_string()
    }

    #[test]
    fn classic_both_orders_and_resolutions() {
        for big in [false, true] {
            for nanos in [false, true] {
                let magic = if nanos { 0xA1B2_3C4D } else { 0xA1B2_C3D4 };
                let mut v = pcap_header(magic, big, 1);
                pcap_record(&mut v, big, 100, 5, 60, 60, &frame(60, 1));
                pcap_record(&mut v, big, 101, 7, 1514, 1514, &frame(1514, 2));
                let fr = parse(&v).unwrap();
                assert_eq!(fr.len(), 2);
                assert_eq!(fr[0].data, frame(60, 1));
                assert_eq!(fr[1].data, frame(1514, 2));
                assert_eq!(fr[1].index, 1);
                assert_eq!(fr[1].ts_sec, 101);
                assert_eq!(fr[0].ts_nsec, if nanos { 5 } else { 5000 });
            }
        }
    }

    #[test]
    fn classic_errors_name_place() {
        let mut v = pcap_header(0xA1B2_C3D4, false, 1);
        pcap_record(&mut v, false, 1, 0, 60, 60, &frame(60, 0));
        pcap_record(&mut v, false, 1, 0, 0x7FFF_FFFF, 60, &frame(60, 0));
        assert_eq!(err(&v), "mem.pcap: record 1 at byte offset 100: caplen 2147483647 exceeds 262144");

        let mut v = pcap_header(0xA1B2_C3D4, false, 1);
        pcap_record(&mut v, false, 1, 0, 60, 60, &frame(30, 0));
        assert_eq!(
            err(&v),
            "mem.pcap: record 0 at byte offset 24: truncated packet data (caplen 60): needs 60 bytes, file ends after 30"
        );

        let mut v = pcap_header(0xA1B2_C3D4, false, 1);
        v.extend_from_slice(&[1, 2, 3]);
        assert!(err(&v).contains("record 0 at byte offset 24: truncated record header"));

        let v = pcap_header(0xA1B2_C3D4, false, 113);
        assert_eq!(
            err(&v),
            "mem.pcap: file header at byte offset 0: link type 113 (LINUX_SLL) is not supported, only Ethernet (1)"
        );
        assert!(err(&[0xde, 0xad, 0xbe, 0xef, 0, 0]).contains("not a pcap or pcapng file"));
        assert!(err(&[]).contains("empty file"));
        assert!(err(&pcap_header(0xA1B2_C3D4, false, 1)[..10]).contains("truncated pcap global header"));
        // A header alone is a valid empty capture.
        assert_eq!(parse(&pcap_header(0xA1B2_C3D4, false, 1)).unwrap().len(), 0);
    }

    struct Ng {
        v: Vec<u8>,
        big: bool,
    }

    impl Ng {
        fn u32(&mut self, x: u32) {
            self.v.extend_from_slice(&if self.big { x.to_be_bytes() } else { x.to_le_bytes() });
        }
        fn u16(&mut self, x: u16) {
            self.v.extend_from_slice(&if self.big { x.to_be_bytes() } else { x.to_le_bytes() });
        }
        fn block(&mut self, t: u32, body: impl FnOnce(&mut Ng)) {
            let mut b = Ng { v: Vec::new(), big: self.big };
            body(&mut b);
            while !b.v.len().is_multiple_of(4) {
                b.v.push(0);
            }
            let len = b.v.len() as u32 + 12;
            self.u32(t);
            self.u32(len);
            self.v.extend_from_slice(&b.v);
            self.u32(len);
        }
        fn shb(&mut self) {
            self.block(0x0A0D_0D0A, |b| {
                b.u32(0x1A2B_3C4D);
                b.u16(1);
                b.u16(0);
                b.v.extend_from_slice(&[0xFF; 8]);
            });
        }
        fn idb(&mut self, linktype: u16, tsresol: Option<u8>) {
            self.block(1, |b| {
                b.u16(linktype);
                b.u16(0);
                b.u32(0);
                if let Some(r) = tsresol {
                    b.u16(9);
                    b.u16(1);
                    b.v.extend_from_slice(&[r, 0, 0, 0]);
                    b.u16(0);
                    b.u16(0);
                }
            });
        }
        fn epb(&mut self, iface: u32, ts: u64, data: &[u8]) {
            self.block(6, |b| {
                b.u32(iface);
                b.u32((ts >> 32) as u32);
                b.u32(ts as u32);
                b.u32(data.len() as u32);
                b.u32(data.len() as u32);
                b.v.extend_from_slice(data);
            });
        }
        fn spb(&mut self, data: &[u8]) {
            self.block(3, |b| {
                b.u32(data.len() as u32);
                b.v.extend_from_slice(data);
            });
        }
    }

    #[test]
    fn pcapng_sections_interfaces_and_unknown_blocks() {
        for big in [false, true] {
            let mut g = Ng { v: Vec::new(), big };
            g.shb();
            g.idb(1, None);
            g.idb(1, Some(9));
            g.block(0xBAD, |b| b.u32(42)); // unknown: skipped
            g.epb(0, 1_500_000_123, &frame(61, 1));
            g.epb(1, 20_000_000_005, &frame(62, 2));
            g.spb(&frame(63, 3));
            g.shb(); // new section: interfaces reset
            g.idb(1, Some(0x80 | 10));
            g.epb(0, 3 * 1024 + 512, &frame(64, 4));
            let fr = parse(&g.v).unwrap();
            assert_eq!(fr.len(), 4);
            assert_eq!(fr[0].data, frame(61, 1));
            assert_eq!((fr[0].ts_sec, fr[0].ts_nsec), (1500, 123_000));
            assert_eq!((fr[1].ts_sec, fr[1].ts_nsec), (20, 5));
            assert_eq!(fr[2].data, frame(63, 3));
            assert_eq!((fr[3].ts_sec, fr[3].ts_nsec), (3, 500_000_000));
            assert_eq!(fr.iter().map(|f| f.index).collect::<Vec<_>>(), vec![0, 1, 2, 3]);
        }
    }

    #[test]
    fn pcapng_errors_name_place() {
        let mut g = Ng { v: Vec::new(), big: false };
        g.shb();
        g.idb(113, None);
        let shb_len = 28u64;
        let idb_len = 20u64;
        g.epb(0, 0, &frame(60, 0));
        assert_eq!(
            err(&g.v),
            format!(
                "mem.pcap: block 2 (frame 0) at byte offset {}: interface 0 has link type 113 (LINUX_SLL), only Ethernet (1) is supported",
                shb_len + idb_len
            )
        );

        let mut g = Ng { v: Vec::new(), big: false };
        g.shb();
        g.epb(3, 0, &frame(60, 0));
        assert!(err(&g.v).contains("block 1 (frame 0) at byte offset 28: packet refers to interface 3"));

        let mut g = Ng { v: Vec::new(), big: false };
        g.shb();
        g.idb(1, None);
        g.u32(6);
        g.u32(0x7FFF_FFF0);
        assert!(err(&g.v).contains("block 2 (frame 0) at byte offset 48: block length 2147483632 exceeds"));

        let mut g = Ng { v: Vec::new(), big: false };
        g.shb();
        g.idb(1, None);
        g.u32(6);
        g.u32(13);
        assert!(err(&g.v).contains("bad block length 13"));

        let mut g = Ng { v: Vec::new(), big: false };
        g.shb();
        g.idb(1, None);
        g.epb(0, 0, &frame(60, 0));
        let n = g.v.len();
        g.v[n - 1] ^= 1; // trailer mismatch
        assert!(err(&g.v).contains("block 2 (frame 0) at byte offset 48: block length 92 at start but"));

        let mut g = Ng { v: Vec::new(), big: false };
        g.shb();
        g.idb(1, None);
        g.epb(0, 0, &frame(60, 0));
        let n = g.v.len();
        assert!(err(&g.v[..n - 10]).contains("truncated block"));

        // Huge unknown block that the file does not hold: truncation, no allocation.
        let mut g = Ng { v: Vec::new(), big: false };
        g.shb();
        g.u32(0x1234);
        g.u32(0x7FFF_FFF0);
        assert!(err(&g.v).contains("block 1 at byte offset 28: truncated block (type 0x1234"));

        let mut g = Ng { v: Vec::new(), big: false };
        g.shb();
        g.v[8] = 0x11;
        assert!(err(&g.v).contains("bad section header byte-order magic"));
    }

    #[test]
    fn writer_round_trip() {
        let mut w = PcapWriter::new(Vec::new()).unwrap();
        w.write(1_700_000_000, 123_456_789, 60, &frame(60, 9)).unwrap();
        w.write(1_700_000_001, 1, 9018, &frame(9018, 8)).unwrap();
        let bytes = w.finish().unwrap();
        let fr = parse(&bytes).unwrap();
        assert_eq!(fr.len(), 2);
        assert_eq!((fr[0].ts_sec, fr[0].ts_nsec), (1_700_000_000, 123_456_789));
        assert_eq!(fr[1].data, frame(9018, 8));
        assert_eq!(PcapReader::new("x", &bytes[..]).unwrap().format(), Format::Pcap { big_endian: false, nanos: true });
    }
}
