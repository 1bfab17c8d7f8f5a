//! Golden vectors for header/data split, scatter and VLAN stripping
//! (docs/split.md), run at register level against the simulated RTL.
//!
//! A vector file (`vectors/split/*.yaml`) is one *case*: a queue
//! configuration, a list of steps (frames, described compactly or as raw
//! hex, each with what must come out; and `post` steps that hand the NIC more
//! descriptors) and the queue's counters at the end. [`Case::load`] parses
//! it, builds the frames, and runs the reference model
//! (`nic_model::split`) over the whole case, descriptor ring included: any
//! expectation the model disagrees with is an error naming the file, the
//! line and the field, before any RTL runs. [`run_case`] then sets queue 0
//! up by hand through MMIO and DMA (no driver: ring, header pool, `Q_RX_CFG`,
//! exactly the descriptors the case posts), sends the frames one at a time,
//! and reads back each completion, the header buffer, every data buffer and
//! the counters; [`Observed::check`] compares everything with the file *and*
//! with the model, and [`Observed::render`] gives the deterministic text the
//! test snapshots.
//!
//! ```yaml
//! description: TCP over IPv4, split after the TCP header
//! queue: { mode: always, hdr_log_size: 7, buf_len: 2048, posted: 4 }
//! steps:
//!   - name: tcp4-100
//!     build: { l3: ipv4, l4: tcp, payload: 100 }
//!     expect:
//!       len: 154
//!       hdr_len: 54
//!       split: true
//!       desc_count: 1
//!       last_len: 100
//!       hdr: "[0, 54)"          # received-frame bytes, half-open
//!       data: ["[54, 154)"]     # one entry per data buffer written
//!   - post: 2                   # two more descriptors
//! counters: { frames: 1, split_frames: 1 }
//! ```
//!
//! Byte specs: `[a, b)` is received-frame bytes a..b (so with VLAN
//! stripping a header is `[0, 12) + [16, 58)`), `hex: 00 11 ..` literal bytes,
//! `+` concatenates, `""` is nothing.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};

use nic_hal::Hal;
use nic_model::split::{self, Desc, Outcome, SplitConfig};
use nic_sim::{Sim, SimConfig};
use nic_spec::{cpl, cpl_status, csum, ctrl, desc, global, limits, qctrl, rxq, split_mode};
use serde::{Deserialize, Serialize};

// ------------------------------------------------------------------ schema

/// A vector file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFile {
    /// What the case is about.
    #[serde(default)]
    pub description: String,
    pub queue: QueueSpec,
    pub steps: Vec<Step>,
    /// The queue's counters after the last step (each one stated is checked).
    #[serde(default)]
    pub counters: Counters,
}

/// Queue 0's configuration.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct QueueSpec {
    /// `never`, `always`, `tcp-udp`, or a raw 0..=3 (3 is reserved).
    #[serde(default = "mode_never")]
    pub mode: ModeSpec,
    /// `rx_cfg::HDR_LOG_SIZE` as written (0..=15, clamped to 6..=10 by the NIC).
    #[serde(default = "default_hdr_log")]
    pub hdr_log_size: u32,
    /// `rx_cfg::THRESH` (0..=4095).
    #[serde(default)]
    pub thresh: u32,
    #[serde(default)]
    pub scatter: bool,
    #[serde(default)]
    pub vlan_strip: bool,
    /// Data buffer length of every descriptor (`desc::LEN`) unless overridden.
    #[serde(default = "default_buf_len")]
    pub buf_len: u16,
    /// Descriptor and completion rings hold `2^ring_log` entries.
    #[serde(default = "default_ring_log")]
    pub ring_log: u32,
    /// `Q_HDR_COUNT` (default: the ring size).
    #[serde(default)]
    pub hdr_count: Option<u16>,
    /// Descriptors posted before the first step (default: the ring size).
    #[serde(default)]
    pub posted: Option<u16>,
    /// Per-descriptor overrides, by free-running ring index.
    #[serde(default)]
    pub descriptors: Vec<DescSpec>,
}

fn mode_never() -> ModeSpec {
    ModeSpec::Name("never".into())
}
fn default_hdr_log() -> u32 {
    8
}
fn default_buf_len() -> u16 {
    2048
}
fn default_ring_log() -> u32 {
    4
}

/// A split mode by name or raw value.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(untagged)]
pub enum ModeSpec {
    Raw(u32),
    Name(String),
}

/// A descriptor that differs from the default (bad ones included).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DescSpec {
    /// Free-running ring index (0 = first descriptor posted).
    pub index: u16,
    /// `desc::LEN` (0 is malformed).
    #[serde(default)]
    pub len: Option<u16>,
    /// Added to the (page-aligned) buffer address: not a multiple of 16 is malformed.
    #[serde(default)]
    pub misalign: u8,
    /// `desc::HDR_IDX` (default: index % hdr_count).
    #[serde(default)]
    pub hdr_idx: Option<u16>,
}

/// One step: a frame, or posting descriptors.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Unique within the file (frames need one).
    #[serde(default)]
    pub name: Option<String>,
    /// Post this many more descriptors (`DESC_PROD += post`).
    #[serde(default)]
    pub post: Option<u16>,
    /// The frame, described.
    #[serde(default)]
    pub build: Option<FrameSpec>,
    /// The frame as hex (whitespace ignored).
    #[serde(default)]
    pub hex: Option<String>,
    #[serde(default)]
    pub expect: Expect,
}

/// A frame, compactly: Ethernet, 0..=2 VLAN tags, IPv4 (options, fragment)
/// or IPv6 (extension headers) or another ethertype, TCP (options), UDP,
/// ICMP or another protocol, a payload, and deliberate checksum errors.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FrameSpec {
    /// VLAN tags, outer first: a TCI (TPID 0x8100) or `{tpid, tci}`.
    #[serde(default)]
    pub vlan: Vec<TagSpec>,
    /// `ipv4` (default), `ipv6` or `none`.
    #[serde(default)]
    pub l3: Option<String>,
    /// Ethertype when `l3: none` (default 0x88B5).
    #[serde(default)]
    pub ethertype: Option<u16>,
    /// IPv4 option bytes (a multiple of 4, at most 40).
    #[serde(default)]
    pub ip_options: usize,
    /// IPv4 fragment: `{offset: <8-byte units>, more: bool}`.
    #[serde(default)]
    pub fragment: Option<FragSpec>,
    /// IPv6 extension headers in order.
    #[serde(default)]
    pub ext: Vec<ExtSpec>,
    /// `tcp` (default), `udp`, `icmp`, or a protocol number.
    #[serde(default)]
    pub l4: Option<L4Spec>,
    /// TCP option bytes (a multiple of 4, at most 40).
    #[serde(default)]
    pub tcp_options: usize,
    /// Payload bytes after the L4 header (exclusive with `len`).
    #[serde(default)]
    pub payload: Option<usize>,
    /// Total frame length; the payload fills up to it.
    #[serde(default)]
    pub len: Option<usize>,
    /// Payload bytes: `seq` (i mod 251, the default), `zero`, or a byte value.
    #[serde(default)]
    pub pattern: Option<PatternSpec>,
    /// Ethernet padding (zeros) after the IP datagram up to this length.
    #[serde(default)]
    pub pad_to: Option<usize>,
    /// Spoil the IPv4 header checksum.
    #[serde(default)]
    pub bad_ip_csum: bool,
    /// Spoil the TCP/UDP checksum.
    #[serde(default)]
    pub bad_l4_csum: bool,
    /// Send UDP with checksum 0 (none over IPv4, bad over IPv6).
    #[serde(default)]
    pub udp_zero_csum: bool,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(untagged)]
pub enum TagSpec {
    Tci(u16),
    Full { tpid: u16, tci: u16 },
}

#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FragSpec {
    #[serde(default)]
    pub offset: u16,
    #[serde(default)]
    pub more: bool,
}

/// An IPv6 extension header.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExtSpec {
    /// `hop`, `routing`, `dest` or `frag`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Bytes (a multiple of 8, 8..=2048; `frag` is always 8).
    #[serde(default)]
    pub len: Option<usize>,
    /// Fragment offset in 8-byte units (`frag`).
    #[serde(default)]
    pub offset: u16,
    /// More fragments (`frag`).
    #[serde(default)]
    pub more: bool,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(untagged)]
pub enum L4Spec {
    Proto(u8),
    Name(String),
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(untagged)]
pub enum PatternSpec {
    Byte(u8),
    Name(String),
}

/// What must come out for one frame; every field stated is checked.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// `no_desc` or `too_small`: no completion, the counter moves.
    #[serde(default)]
    pub drop: Option<String>,
    /// `ok` or `bad_desc`.
    #[serde(default)]
    pub status: Option<String>,
    pub len: Option<u32>,
    pub hdr_len: Option<u32>,
    /// `len - hdr_len`: bytes in data buffers.
    pub payload_len: Option<u32>,
    pub split: Option<bool>,
    pub hdr_overflow: Option<bool>,
    pub desc_count: Option<u32>,
    pub last_len: Option<u32>,
    pub vlan_tci: Option<u16>,
    pub vlan_stripped: Option<bool>,
    /// `none`, `good` or `bad`.
    pub ip_csum: Option<String>,
    pub l4_csum: Option<String>,
    pub buf_id: Option<u16>,
    pub desc_idx: Option<u16>,
    /// Header buffer contents (byte spec).
    pub hdr: Option<String>,
    /// Data buffer contents, one byte spec per buffer written.
    pub data: Option<Vec<String>>,
}

/// Queue counters (`Q_*`), as read at the end.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Counters {
    pub frames: Option<u32>,
    pub bytes: Option<u32>,
    pub split_frames: Option<u32>,
    pub hdr_overflow: Option<u32>,
    pub drop_no_desc: Option<u32>,
    pub drop_buf_too_small: Option<u32>,
    pub drop_bad_desc: Option<u32>,
}

// ------------------------------------------------------------------ errors

/// A vector file that cannot be used: where and why.
#[derive(Clone, Debug)]
pub struct CaseError {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub msg: String,
}

impl std::fmt::Display for CaseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{}: {}", self.file.display(), l, self.msg),
            None => write!(f, "{}: {}", self.file.display(), self.msg),
        }
    }
}

impl std::error::Error for CaseError {}

// ------------------------------------------------------------------ frames

/// Fixed addresses and ports of built frames.
const SRC4: [u8; 4] = [192, 0, 2, 1];
const DST4: [u8; 4] = [198, 51, 100, 2];
const SRC6: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const DST6: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];
const SPORT: u16 = 40000;
const DPORT: u16 = 80;

/// Builds the frame a [`FrameSpec`] describes (checksums right unless spoiled).
pub fn build_frame(s: &FrameSpec) -> Result<Vec<u8>, String> {
    use nic_model::csum::{complement, pseudo_sum, sum_words};
    let mut f = Vec::with_capacity(128);
    f.extend_from_slice(&nic_model::build::DST_MAC);
    f.extend_from_slice(&nic_model::build::SRC_MAC);
    if s.vlan.len() > 2 {
        return Err(format!("vlan: {} tags; at most 2", s.vlan.len()));
    }
    for t in &s.vlan {
        let (tpid, tci) = match *t {
            TagSpec::Tci(tci) => (0x8100, tci),
            TagSpec::Full { tpid, tci } => (tpid, tci),
        };
        f.extend_from_slice(&tpid.to_be_bytes());
        f.extend_from_slice(&tci.to_be_bytes());
    }
    let l3 = s.l3.as_deref().unwrap_or("ipv4");
    let proto: u8 = match &s.l4 {
        None => 6,
        Some(L4Spec::Proto(p)) => *p,
        Some(L4Spec::Name(n)) => match n.as_str() {
            "tcp" => 6,
            "udp" => 17,
            "icmp" => {
                if l3 == "ipv6" {
                    58
                } else {
                    1
                }
            }
            other => return Err(format!("l4: `{other}`: tcp, udp, icmp or a protocol number")),
        },
    };
    let l4_hdr_len = match proto {
        6 => {
            if !s.tcp_options.is_multiple_of(4) || s.tcp_options > 40 {
                return Err(format!("tcp_options: {}: a multiple of 4 up to 40", s.tcp_options));
            }
            20 + s.tcp_options
        }
        17 => 8,
        1 | 58 => 8,
        _ => 0,
    };
    if proto != 6 && s.tcp_options != 0 {
        return Err("tcp_options without l4: tcp".into());
    }
    let pattern = |i: usize| -> u8 {
        match &s.pattern {
            None => (i % 251) as u8,
            Some(PatternSpec::Byte(b)) => *b,
            Some(PatternSpec::Name(n)) if n == "zero" => 0,
            Some(PatternSpec::Name(_)) => (i % 251) as u8,
        }
    };
    if let Some(PatternSpec::Name(n)) = &s.pattern {
        if n != "seq" && n != "zero" {
            return Err(format!("pattern: `{n}`: seq, zero or a byte value"));
        }
    }
    match l3 {
        "none" => {
            if s.ip_options != 0 || !s.ext.is_empty() || s.fragment.is_some() || s.l4.is_some() {
                return Err("l3: none takes no IP or L4 fields".into());
            }
            f.extend_from_slice(&s.ethertype.unwrap_or(0x88B5).to_be_bytes());
            let n = match (s.payload, s.len) {
                (Some(_), Some(_)) => return Err("payload and len are exclusive".into()),
                (Some(p), None) => p,
                (None, Some(l)) => l.checked_sub(f.len()).ok_or(format!("len {l}: shorter than the headers"))?,
                (None, None) => 46,
            };
            f.extend((0..n).map(pattern));
        }
        "ipv4" | "ipv6" => {
            let v6 = l3 == "ipv6";
            if s.ethertype.is_some() {
                return Err("ethertype is for l3: none".into());
            }
            f.extend_from_slice(&(if v6 { 0x86DDu16 } else { 0x0800 }).to_be_bytes());
            let l3_off = f.len();
            // L3 header with length fields patched below.
            let mut ext_bytes = Vec::new();
            if v6 {
                if s.ip_options != 0 || s.fragment.is_some() {
                    return Err("ip_options/fragment are IPv4; use ext for IPv6".into());
                }
                let mut next_types = Vec::new();
                for e in &s.ext {
                    next_types.push(match e.kind.as_str() {
                        "hop" => 0u8,
                        "routing" => 43,
                        "dest" => 60,
                        "frag" => 44,
                        k => return Err(format!("ext type `{k}`: hop, routing, dest or frag")),
                    });
                }
                f.extend_from_slice(&[0x60, 0, 0, 0, 0, 0, next_types.first().copied().unwrap_or(proto), 64]);
                f.extend_from_slice(&SRC6);
                f.extend_from_slice(&DST6);
                for (i, e) in s.ext.iter().enumerate() {
                    let next = next_types.get(i + 1).copied().unwrap_or(proto);
                    if e.kind == "frag" {
                        if e.len.is_some_and(|l| l != 8) {
                            return Err("ext frag: always 8 bytes".into());
                        }
                        if e.offset > 0x1FFF {
                            return Err("ext frag offset: 13 bits".into());
                        }
                        let fo = (e.offset << 3) | u16::from(e.more);
                        ext_bytes.extend_from_slice(&[next, 0]);
                        ext_bytes.extend_from_slice(&fo.to_be_bytes());
                        ext_bytes.extend_from_slice(&[0, 0, 0x12, 0x34]);
                    } else {
                        if e.offset != 0 || e.more {
                            return Err(format!("ext {}: offset/more are for frag", e.kind));
                        }
                        let len = e.len.unwrap_or(8);
                        if !len.is_multiple_of(8) || !(8..=2048).contains(&len) {
                            return Err(format!("ext {} len {len}: a multiple of 8 in 8..=2048", e.kind));
                        }
                        ext_bytes.extend_from_slice(&[next, (len / 8 - 1) as u8]);
                        // PadN option filling the rest.
                        ext_bytes.push(1);
                        ext_bytes.push((len - 4) as u8);
                        ext_bytes.extend(std::iter::repeat_n(0u8, len - 4));
                        if e.kind == "routing" {
                            // Routing type 0xFD (experimental), segments left 0.
                            let at = ext_bytes.len() - len;
                            ext_bytes[at + 2] = 0xFD;
                            ext_bytes[at + 3] = 0;
                        }
                    }
                }
                f.extend_from_slice(&ext_bytes);
            } else {
                if !s.ext.is_empty() {
                    return Err("ext is IPv6; use ip_options for IPv4".into());
                }
                if !s.ip_options.is_multiple_of(4) || s.ip_options > 40 {
                    return Err(format!("ip_options: {}: a multiple of 4 up to 40", s.ip_options));
                }
                let ihl = 5 + s.ip_options / 4;
                let frag = s.fragment.unwrap_or_default();
                if frag.offset > 0x1FFF {
                    return Err("fragment offset: 13 bits".into());
                }
                let fo = frag.offset | if frag.more { 0x2000 } else { 0 };
                f.extend_from_slice(&[0x40 | ihl as u8, 0, 0, 0, 0x12, 0x34]);
                f.extend_from_slice(&fo.to_be_bytes());
                f.extend_from_slice(&[64, proto, 0, 0]);
                f.extend_from_slice(&SRC4);
                f.extend_from_slice(&DST4);
                // Options: NOPs ending in End of Option List.
                for i in 0..s.ip_options {
                    f.push(if i + 1 == s.ip_options { 0 } else { 1 });
                }
            }
            let l4_off = f.len();
            let payload = match (s.payload, s.len) {
                (Some(_), Some(_)) => return Err("payload and len are exclusive".into()),
                (Some(p), None) => p,
                (None, Some(l)) => l
                    .checked_sub(l4_off + l4_hdr_len)
                    .ok_or(format!("len {l}: shorter than the {} header bytes", l4_off + l4_hdr_len))?,
                (None, None) => 0,
            };
            match proto {
                6 => {
                    f.extend_from_slice(&SPORT.to_be_bytes());
                    f.extend_from_slice(&DPORT.to_be_bytes());
                    f.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 1]);
                    f.push(((5 + s.tcp_options / 4) as u8) << 4);
                    f.push(0x18); // PSH|ACK
                    f.extend_from_slice(&[0xFF, 0xFF, 0, 0, 0, 0]);
                    for i in 0..s.tcp_options {
                        f.push(if i + 1 == s.tcp_options { 0 } else { 1 });
                    }
                }
                17 => {
                    f.extend_from_slice(&SPORT.to_be_bytes());
                    f.extend_from_slice(&DPORT.to_be_bytes());
                    f.extend_from_slice(&[0, 0, 0, 0]);
                }
                1 => f.extend_from_slice(&[8, 0, 0, 0, 0, 1, 0, 1]),
                58 => f.extend_from_slice(&[128, 0, 0, 0, 0, 1, 0, 1]),
                _ => {}
            }
            f.extend((0..payload).map(pattern));
            let end = f.len();
            // Length fields.
            if v6 {
                let pl = end - l3_off - 40;
                if pl > 0xFFFF {
                    return Err("IPv6 payload too long".into());
                }
                f[l3_off + 4..l3_off + 6].copy_from_slice(&(pl as u16).to_be_bytes());
            } else {
                let tot = end - l3_off;
                f[l3_off + 2..l3_off + 4].copy_from_slice(&(tot as u16).to_be_bytes());
                let c = complement(sum_words(&f[l3_off..l4_off]));
                f[l3_off + 10..l3_off + 12].copy_from_slice(&c.to_be_bytes());
                if s.bad_ip_csum {
                    f[l3_off + 10] ^= 0x5A;
                }
            }
            if v6 && s.bad_ip_csum {
                return Err("bad_ip_csum: IPv6 has no header checksum".into());
            }
            let l4_len = end - l4_off;
            if s.udp_zero_csum && proto != 17 {
                return Err("udp_zero_csum needs l4: udp".into());
            }
            match proto {
                6 | 17 => {
                    if proto == 17 {
                        f[l4_off + 4..l4_off + 6].copy_from_slice(&(l4_len as u16).to_be_bytes());
                    }
                    let at = l4_off + if proto == 17 { 6 } else { 16 };
                    let ps = pseudo_sum(&f, l3_off, v6, proto, l4_len).ok_or("pseudo header")?;
                    let mut c = complement(ps + sum_words(&f[l4_off..end]));
                    if proto == 17 && c == 0 {
                        c = 0xFFFF;
                    }
                    if s.udp_zero_csum {
                        c = 0;
                    } else if s.bad_l4_csum {
                        c ^= 0x5A5A;
                    }
                    f[at..at + 2].copy_from_slice(&c.to_be_bytes());
                }
                1 | 58 => {
                    let mut sum = sum_words(&f[l4_off..end]);
                    if proto == 58 {
                        sum += pseudo_sum(&f, l3_off, true, 58, l4_len).ok_or("pseudo header")?;
                    }
                    let c = complement(sum);
                    f[l4_off + 2..l4_off + 4].copy_from_slice(&c.to_be_bytes());
                    if s.bad_l4_csum {
                        return Err("bad_l4_csum: only TCP/UDP checksums are checked".into());
                    }
                }
                _ => {
                    if s.bad_l4_csum {
                        return Err("bad_l4_csum needs TCP or UDP".into());
                    }
                }
            }
        }
        other => return Err(format!("l3: `{other}`: ipv4, ipv6 or none")),
    }
    if let Some(p) = s.pad_to {
        if p > f.len() {
            f.resize(p, 0);
        }
    }
    if f.len() < limits::MIN_FRAME_LEN as usize || f.len() > limits::MAX_FRAME_LEN as usize {
        return Err(format!("{} bytes: frames are {}..={}", f.len(), limits::MIN_FRAME_LEN, limits::MAX_FRAME_LEN));
    }
    Ok(f)
}

/// Hex digits as bytes; whitespace and `:` separators are ignored.
pub(crate) fn parse_hex(s: &str) -> Result<Vec<u8>, String> {
    let digits: String = s.chars().filter(|c| !c.is_whitespace() && *c != ':').collect();
    if !digits.len().is_multiple_of(2) {
        return Err("odd number of hex digits".into());
    }
    (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).map_err(|_| format!("bad hex `{}`", &digits[i..i + 2])))
        .collect()
}

/// A byte spec, evaluated against the received frame.
pub fn eval_bytes(spec: &str, frame: &[u8]) -> Result<Vec<u8>, String> {
    let spec = spec.trim();
    let mut out = Vec::new();
    if spec.is_empty() || spec == "empty" {
        return Ok(out);
    }
    for term in spec.split('+') {
        let t = term.trim();
        if let Some(h) = t.strip_prefix("hex:") {
            out.extend(parse_hex(h)?);
        } else if let Some(r) = t.strip_prefix('[').and_then(|r| r.strip_suffix(')')) {
            let (a, b) = r.split_once(',').ok_or(format!("`{t}`: [a, b)"))?;
            let a: usize = a.trim().parse().map_err(|_| format!("`{t}`: bad start"))?;
            let b: usize = b.trim().parse().map_err(|_| format!("`{t}`: bad end"))?;
            if a > b || b > frame.len() {
                return Err(format!("`{t}` is not within the {}-byte frame", frame.len()));
            }
            out.extend_from_slice(&frame[a..b]);
        } else {
            return Err(format!("`{t}`: a range `[a, b)` or `hex: ..`"));
        }
    }
    Ok(out)
}

/// Received-frame ranges as a byte spec.
pub fn ranges_spec(ranges: &[Range<usize>]) -> String {
    if ranges.is_empty() {
        return String::new();
    }
    ranges.iter().map(|r| format!("[{}, {})", r.start, r.end)).collect::<Vec<_>>().join(" + ")
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

// ------------------------------------------------------------------ cases

/// A loaded, model-checked case.
#[derive(Clone, Debug)]
pub struct Case {
    pub path: PathBuf,
    pub name: String,
    pub file: CaseFile,
    pub cfg: SplitConfig,
    /// Frame bytes per step (`None` for post steps).
    pub frames: Vec<Option<Vec<u8>>>,
    /// What the model says per frame step, given the ring as the case drives it.
    pub model: Vec<Option<ModelFrame>>,
    /// The model's counters at the end.
    pub model_counters: CounterValues,
}

/// The model's verdict on one frame, with the ring position it starts at.
#[derive(Clone, Debug)]
pub struct ModelFrame {
    pub outcome: Outcome,
    /// Free-running index of the frame's first descriptor.
    pub first_desc: u16,
    pub hdr_idx: u16,
    pub ip_csum: u8,
    pub l4_csum: u8,
    pub parsed: nic_model::Parsed,
    pub csum_complete: u16,
}

/// Counter values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CounterValues {
    pub frames: u32,
    pub bytes: u32,
    pub split_frames: u32,
    pub hdr_overflow: u32,
    pub drop_no_desc: u32,
    pub drop_buf_too_small: u32,
    pub drop_bad_desc: u32,
}

impl CounterValues {
    fn named(&self) -> [(&'static str, u32); 7] {
        [
            ("frames", self.frames),
            ("bytes", self.bytes),
            ("split_frames", self.split_frames),
            ("hdr_overflow", self.hdr_overflow),
            ("drop_no_desc", self.drop_no_desc),
            ("drop_buf_too_small", self.drop_buf_too_small),
            ("drop_bad_desc", self.drop_bad_desc),
        ]
    }
}

impl Counters {
    fn named(&self) -> [(&'static str, Option<u32>); 7] {
        [
            ("frames", self.frames),
            ("bytes", self.bytes),
            ("split_frames", self.split_frames),
            ("hdr_overflow", self.hdr_overflow),
            ("drop_no_desc", self.drop_no_desc),
            ("drop_buf_too_small", self.drop_buf_too_small),
            ("drop_bad_desc", self.drop_bad_desc),
        ]
    }
}

/// The descriptor ring as a case drives it: which descriptors exist, how
/// far the producer and the consumer are.
#[derive(Clone, Debug)]
pub struct RingPlan {
    pub size: u16,
    pub hdr_count: u16,
    pub buf_len: u16,
    pub overrides: BTreeMap<u16, DescSpec>,
}

impl RingPlan {
    /// The descriptor with free-running index `i`; `addr` is the offset
    /// from its (page-aligned) buffer base, i.e. the misalignment.
    pub fn desc(&self, i: u16) -> Desc {
        let o = self.overrides.get(&i);
        Desc {
            addr: u64::from(o.map_or(0, |o| o.misalign)),
            len: o.and_then(|o| o.len).unwrap_or(self.buf_len),
            hdr_idx: o.and_then(|o| o.hdr_idx).unwrap_or(i % self.hdr_count.max(1)),
        }
    }

    /// The posted descriptors from `cons` to `prod`.
    pub fn posted(&self, cons: u16, prod: u16) -> Vec<Desc> {
        let n = prod.wrapping_sub(cons);
        (0..n).map(|k| self.desc(cons.wrapping_add(k))).collect()
    }

    /// Largest buffer any descriptor needs (+ misalignment).
    pub fn max_buf(&self) -> usize {
        let m = self.overrides.values().map(|o| usize::from(o.len.unwrap_or(0)) + usize::from(o.misalign));
        m.chain(std::iter::once(usize::from(self.buf_len))).max().unwrap_or(0).max(16)
    }
}

fn mode_value(m: &ModeSpec) -> Result<u32, String> {
    match m {
        ModeSpec::Raw(v) if *v <= 3 => Ok(*v),
        ModeSpec::Raw(v) => Err(format!("mode {v}: 0..=3")),
        ModeSpec::Name(n) => split_mode::NAMES
            .iter()
            .position(|x| x == n)
            .map(|i| i as u32)
            .ok_or(format!("mode `{n}`: never, always, tcp-udp or 0..=3")),
    }
}

fn csum_name(v: u8) -> &'static str {
    csum::NAMES.get(usize::from(v)).copied().unwrap_or("?")
}

/// Locates lines for messages: a step's first line, then a field below it.
struct Lines<'a> {
    text: &'a str,
}

impl Lines<'_> {
    /// The line of the `index`-th item under `steps:`.
    fn step(&self, index: usize) -> Option<usize> {
        // The index-th "- " item under steps:.
        let mut in_steps = false;
        let mut k = 0;
        let mut indent = None;
        for (i, l) in self.text.lines().enumerate() {
            if l.starts_with("steps:") {
                in_steps = true;
                continue;
            }
            if !in_steps {
                continue;
            }
            let ind = l.len() - l.trim_start().len();
            if l.trim_start().starts_with("- ") && indent.is_none_or(|x| x == ind) {
                indent = Some(ind);
                if k == index {
                    return Some(i + 1);
                }
                k += 1;
            } else if !l.trim().is_empty() && ind == 0 {
                break;
            }
        }
        None
    }

    fn field(&self, from: Option<usize>, field: &str) -> Option<usize> {
        let from = from?;
        let key = format!("{field}:");
        for (i, l) in self.text.lines().enumerate().skip(from - 1) {
            let t = l.trim_start().trim_start_matches("- ").trim_start_matches('{');
            if i + 1 > from && (l.trim_start().starts_with("- name:") || l.trim_start().starts_with("- post:")) {
                break;
            }
            if t.starts_with(&key) || l.contains(&format!(" {key}")) || l.contains(&format!("{{{key}")) {
                return Some(i + 1);
            }
        }
        Some(from)
    }

    fn top(&self, key: &str) -> Option<usize> {
        self.text.lines().position(|l| l.starts_with(&format!("{key}:"))).map(|i| i + 1)
    }
}

impl Case {
    /// Reads, parses, builds and model-checks a vector file.
    pub fn load(path: &Path) -> Result<Case, CaseError> {
        let text = std::fs::read_to_string(path).map_err(|e| CaseError {
            file: path.into(),
            line: None,
            msg: format!("cannot read: {e}"),
        })?;
        Case::parse(path, &text)
    }

    /// As [`Case::load`], from text (`path` names it in errors).
    pub fn parse(path: &Path, text: &str) -> Result<Case, CaseError> {
        let err = |line: Option<usize>, msg: String| CaseError { file: path.into(), line, msg };
        let file: CaseFile = serde_yaml::from_str(text).map_err(|e| {
            let line = e.location().map(|l| l.line());
            err(line, format!("malformed vector file: {e}"))
        })?;
        let lines = Lines { text };
        let q = &file.queue;
        let ql = lines.top("queue");
        let mode = mode_value(&q.mode).map_err(|m| err(lines.field(ql, "mode"), format!("queue.mode: {m}")))?;
        if q.hdr_log_size > 15 {
            return Err(err(lines.field(ql, "hdr_log_size"), "queue.hdr_log_size: 0..=15 (4 bits)".into()));
        }
        if q.thresh > 0xFFF {
            return Err(err(lines.field(ql, "thresh"), "queue.thresh: 0..=4095 (12 bits)".into()));
        }
        if !(1..=limits::MAX_LOG_RING.min(12)).contains(&q.ring_log) {
            return Err(err(lines.field(ql, "ring_log"), "queue.ring_log: 1..=12".into()));
        }
        let size = 1u16 << q.ring_log;
        let hdr_count = q.hdr_count.unwrap_or(size);
        let posted = q.posted.unwrap_or(size);
        if posted > size {
            return Err(err(lines.field(ql, "posted"), format!("queue.posted: {posted} > ring size {size}")));
        }
        let mut overrides = BTreeMap::new();
        for d in &q.descriptors {
            if overrides.insert(d.index, d.clone()).is_some() {
                return Err(err(lines.field(ql, "descriptors"), format!("queue.descriptors: index {} twice", d.index)));
            }
        }
        let cfg = SplitConfig {
            mode,
            hdr_log_size: q.hdr_log_size,
            thresh: q.thresh,
            scatter: q.scatter,
            vlan_strip: q.vlan_strip,
        };
        let ring = RingPlan { size, hdr_count, buf_len: q.buf_len, overrides };
        // Frames.
        let mut frames = Vec::new();
        let mut names = BTreeMap::new();
        for (i, s) in file.steps.iter().enumerate() {
            let at = lines.step(i);
            let what = format!("step {} ({})", i + 1, s.name.as_deref().unwrap_or("unnamed"));
            if let Some(n) = &s.name {
                if names.insert(n.clone(), i).is_some() {
                    return Err(err(at, format!("{what}: name `{n}` used twice")));
                }
            }
            match (s.post, &s.build, &s.hex) {
                (Some(_), None, None) => {
                    let e = &s.expect;
                    if e.drop.is_some() || e.len.is_some() || e.hdr.is_some() || e.data.is_some() || e.status.is_some()
                    {
                        return Err(err(at, format!("{what}: a post step has no expectations")));
                    }
                    frames.push(None);
                }
                (None, Some(b), None) => {
                    if s.name.is_none() {
                        return Err(err(at, format!("{what}: a frame needs a name")));
                    }
                    let f = build_frame(b).map_err(|m| err(lines.field(at, "build"), format!("{what}: build: {m}")))?;
                    frames.push(Some(f));
                }
                (None, None, Some(h)) => {
                    if s.name.is_none() {
                        return Err(err(at, format!("{what}: a frame needs a name")));
                    }
                    let f = parse_hex(h).map_err(|m| err(lines.field(at, "hex"), format!("{what}: hex: {m}")))?;
                    if f.len() < 14 || f.len() > limits::MAX_FRAME_LEN as usize {
                        return Err(err(at, format!("{what}: hex: {} bytes: frames are 14..=9216", f.len())));
                    }
                    frames.push(Some(f));
                }
                _ => return Err(err(at, format!("{what}: exactly one of post, build, hex"))),
            }
        }
        // The model over the whole case.
        let mut prod = posted;
        let mut cons = 0u16;
        let mut model = Vec::new();
        let mut c = CounterValues::default();
        for (i, s) in file.steps.iter().enumerate() {
            let at = lines.step(i);
            let what = format!("step {} ({})", i + 1, s.name.as_deref().unwrap_or("unnamed"));
            if let Some(n) = s.post {
                if u32::from(prod.wrapping_sub(cons)) + u32::from(n) > u32::from(size) {
                    return Err(err(at, format!("{what}: posting {n} overfills the {size}-entry ring")));
                }
                prod = prod.wrapping_add(n);
                model.push(None);
                continue;
            }
            let f = frames[i].as_ref().expect("frame step");
            let p = nic_model::parse(f);
            let k = nic_model::csum::checksums(f, &p);
            let descs = ring.posted(cons, prod);
            let outcome = split::receive(f, &p, &cfg, hdr_count, &descs);
            let m = ModelFrame {
                first_desc: cons,
                hdr_idx: ring.desc(cons).hdr_idx,
                outcome: outcome.clone(),
                ip_csum: k.ip,
                l4_csum: k.l4,
                parsed: p,
                csum_complete: k.complete,
            };
            match &outcome {
                Outcome::NoDesc => c.drop_no_desc += 1,
                Outcome::TooSmall(_) => c.drop_buf_too_small += 1,
                Outcome::BadDesc { desc_count, .. } => {
                    c.drop_bad_desc += 1;
                    cons = cons.wrapping_add(*desc_count as u16);
                }
                Outcome::Deliver(d) => {
                    c.frames += 1;
                    c.bytes = c.bytes.wrapping_add(d.layout.len as u32);
                    c.split_frames += u32::from(d.layout.split());
                    c.hdr_overflow += u32::from(d.layout.hdr_overflow());
                    cons = cons.wrapping_add(d.n as u16);
                }
            }
            // The file's expectations must agree with the model.
            let want = expected_fields(&m, f);
            for (field, stated) in stated_fields(&s.expect, f)
                .map_err(|(fld, m)| err(lines.field(at, fld), format!("{what}: expect.{fld}: {m}")))?
            {
                let model_says = want.get(field).cloned().unwrap_or_else(|| "(not applicable)".into());
                if stated != model_says {
                    return Err(err(
                        lines.field(at, field),
                        format!(
                            "{what}: expect.{field} is {stated} but the reference model (docs/split.md) says {model_says}"
                        ),
                    ));
                }
            }
            model.push(Some(m));
        }
        let cl = lines.top("counters");
        for ((name, stated), (_, model_says)) in file.counters.named().iter().zip(c.named()) {
            if let Some(v) = stated {
                if *v != model_says {
                    return Err(err(
                        lines.field(cl, name),
                        format!("counters.{name} is {v} but the reference model says {model_says}"),
                    ));
                }
            }
        }
        let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        Ok(Case { path: path.into(), name, file, cfg, frames, model, model_counters: c })
    }

    /// The ring as this case drives it.
    pub fn ring(&self) -> RingPlan {
        let q = &self.file.queue;
        let size = 1u16 << q.ring_log;
        RingPlan {
            size,
            hdr_count: q.hdr_count.unwrap_or(size),
            buf_len: q.buf_len,
            overrides: q.descriptors.iter().map(|d| (d.index, d.clone())).collect(),
        }
    }
}

/// Expectation fields as comparable strings: what the model says.
fn expected_fields(m: &ModelFrame, frame: &[u8]) -> BTreeMap<&'static str, String> {
    let mut w = BTreeMap::new();
    match &m.outcome {
        Outcome::NoDesc => {
            w.insert("drop", "no_desc".to_string());
        }
        Outcome::TooSmall(_) => {
            w.insert("drop", "too_small".to_string());
        }
        Outcome::BadDesc { desc_count, .. } => {
            w.insert("status", "bad_desc".into());
            w.insert("len", "0".into());
            w.insert("desc_count", desc_count.to_string());
            w.insert("buf_id", m.first_desc.to_string());
            w.insert("desc_idx", m.first_desc.to_string());
        }
        Outcome::Deliver(d) => {
            let l = &d.layout;
            w.insert("status", "ok".into());
            w.insert("len", l.len.to_string());
            w.insert("hdr_len", l.hdr_len.to_string());
            w.insert("payload_len", l.data_len.to_string());
            w.insert("split", l.split().to_string());
            w.insert("hdr_overflow", l.hdr_overflow().to_string());
            w.insert("desc_count", d.n.to_string());
            w.insert("last_len", d.last_len.to_string());
            w.insert("vlan_tci", l.vlan_tci.to_string());
            w.insert("vlan_stripped", l.strip.to_string());
            w.insert("ip_csum", csum_name(m.ip_csum).into());
            w.insert("l4_csum", csum_name(m.l4_csum).into());
            w.insert("buf_id", m.first_desc.to_string());
            w.insert("desc_idx", m.first_desc.to_string());
            w.insert("hdr", hex(&d.header_bytes(frame)));
            let data: Vec<String> = d.data_bytes(frame).iter().map(|b| hex(b)).collect();
            w.insert("data", data.join("|"));
        }
    }
    w
}

type Stated = Vec<(&'static str, String)>;

/// The fields an [`Expect`] states, as comparable strings.
fn stated_fields(e: &Expect, frame: &[u8]) -> Result<Stated, (&'static str, String)> {
    let mut v: Stated = Vec::new();
    if let Some(d) = &e.drop {
        if d != "no_desc" && d != "too_small" {
            return Err(("drop", format!("`{d}`: no_desc or too_small")));
        }
        v.push(("drop", d.clone()));
        let others =
            e.status.is_some() || e.len.is_some() || e.hdr_len.is_some() || e.hdr.is_some() || e.data.is_some();
        if others {
            return Err(("drop", "a dropped frame has no completion fields or buffers".into()));
        }
    }
    if let Some(s) = &e.status {
        if s != "ok" && s != "bad_desc" {
            return Err(("status", format!("`{s}`: ok or bad_desc")));
        }
        v.push(("status", s.clone()));
    }
    let mut num = |k: &'static str, x: Option<u32>| {
        if let Some(x) = x {
            v.push((k, x.to_string()));
        }
    };
    num("len", e.len);
    num("hdr_len", e.hdr_len);
    num("payload_len", e.payload_len);
    num("desc_count", e.desc_count);
    num("last_len", e.last_len);
    num("vlan_tci", e.vlan_tci.map(u32::from));
    num("buf_id", e.buf_id.map(u32::from));
    num("desc_idx", e.desc_idx.map(u32::from));
    if let (Some(l), Some(h), Some(p)) = (e.len, e.hdr_len, e.payload_len) {
        if l != h + p {
            return Err(("payload_len", format!("{p} != len {l} - hdr_len {h}")));
        }
    }
    for (k, b) in [("split", e.split), ("hdr_overflow", e.hdr_overflow), ("vlan_stripped", e.vlan_stripped)] {
        if let Some(b) = b {
            v.push((k, b.to_string()));
        }
    }
    for (k, c) in [("ip_csum", &e.ip_csum), ("l4_csum", &e.l4_csum)] {
        if let Some(c) = c {
            if !csum::NAMES.contains(&c.as_str()) {
                return Err((k, format!("`{c}`: none, good or bad")));
            }
            v.push((k, c.clone()));
        }
    }
    if let Some(h) = &e.hdr {
        v.push(("hdr", hex(&eval_bytes(h, frame).map_err(|m| ("hdr", m))?)));
    }
    if let Some(d) = &e.data {
        let mut parts = Vec::new();
        for s in d {
            parts.push(hex(&eval_bytes(s, frame).map_err(|m| ("data", m))?));
        }
        v.push(("data", parts.join("|")));
    }
    Ok(v)
}

// ------------------------------------------------------------------ the rig

/// Byte every buffer is filled with before it is posted: what is still
/// there afterwards was not written.
pub const FILL: u8 = 0xA5;

/// Queue 0 of a simulated NIC, set up by hand.
pub struct Rig {
    pub sim: Sim,
    pub ring: RingPlan,
    pub cfg: SplitConfig,
    desc_base: u64,
    cpl_base: u64,
    hdr_base: u64,
    /// Bytes between header buffers (the clamped size).
    hdr_stride: usize,
    /// Data buffer (page-aligned base) per ring slot.
    bufs: Vec<u64>,
    buf_bytes: usize,
    log: u32,
    /// Free-running indices.
    pub prod: u16,
    pub cons: u16,
    pub cpl_cons: u16,
}

/// A completion record, decoded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Cpl {
    pub status: u8,
    pub len: u16,
    pub buf_id: u16,
    pub desc_idx: u16,
    pub queue: u8,
    pub hdr_len: u16,
    pub desc_count: u8,
    pub last_len: u16,
    pub split: bool,
    pub hdr_overflow: bool,
    pub vlan_stripped: bool,
    pub vlan_tci: u16,
    pub ip_csum: u8,
    pub l4_csum: u8,
    pub l3_type: u8,
    pub l4_type: u8,
    pub flags: u8,
    pub vlan_count: u8,
    pub l3_offset: u16,
    pub l4_offset: u16,
    pub payload_offset: u16,
    pub csum_complete: u16,
}

impl Cpl {
    pub fn decode(r: &[u8]) -> Cpl {
        let g = |f: nic_spec::Field| f.get(r);
        Cpl {
            status: g(cpl::STATUS) as u8,
            len: g(cpl::LEN) as u16,
            buf_id: g(cpl::BUF_ID) as u16,
            desc_idx: g(cpl::DESC_IDX) as u16,
            queue: g(cpl::QUEUE) as u8,
            hdr_len: g(cpl::HDR_LEN) as u16,
            desc_count: g(cpl::DESC_COUNT) as u8,
            last_len: g(cpl::LAST_LEN) as u16,
            split: g(cpl::SPLIT) != 0,
            hdr_overflow: g(cpl::HDR_OVERFLOW) != 0,
            vlan_stripped: g(cpl::VLAN_STRIPPED) != 0,
            vlan_tci: g(cpl::VLAN_TCI) as u16,
            ip_csum: g(cpl::IP_CSUM) as u8,
            l4_csum: g(cpl::L4_CSUM) as u8,
            l3_type: g(cpl::L3_TYPE) as u8,
            l4_type: g(cpl::L4_TYPE) as u8,
            flags: g(cpl::PARSE_FLAGS) as u8,
            vlan_count: g(cpl::VLAN_COUNT) as u8,
            l3_offset: g(cpl::L3_OFFSET) as u16,
            l4_offset: g(cpl::L4_OFFSET) as u16,
            payload_offset: g(cpl::PAYLOAD_OFFSET) as u16,
            csum_complete: g(cpl::CSUM_COMPLETE) as u16,
        }
    }
}

fn q(reg: u32) -> u32 {
    rxq::BASE + reg
}

impl Rig {
    /// Brings queue 0 up: rings of `ring.size`, the header pool of
    /// `ring.hdr_count` buffers, `Q_RX_CFG` from `cfg`, RX enabled, nothing
    /// posted yet.
    pub fn new(sim_cfg: SimConfig, ring: RingPlan, cfg: SplitConfig) -> Result<Rig, String> {
        let mut sim = Sim::new(sim_cfg).map_err(|e| e.to_string())?;
        let e = |x: nic_hal::HalError| x.to_string();
        let n = usize::from(ring.size);
        let log = ring.size.trailing_zeros();
        let desc_base = sim.dma_alloc(n * desc::SIZE, 4096).map_err(e)?.bus_addr;
        let cpl_base = sim.dma_alloc(n * cpl::SIZE, 4096).map_err(e)?.bus_addr;
        let hdr_stride = cfg.hdr_size();
        // Room for the unclamped size too, so a wrong stride shows up as
        // wrong bytes rather than a stray write.
        let raw = 1usize << cfg.hdr_log_size;
        let pool = usize::from(ring.hdr_count).max(1) * hdr_stride.max(raw);
        let hdr_base = sim.dma_alloc(pool, 4096).map_err(e)?.bus_addr;
        sim.dma_write(hdr_base, &vec![FILL; pool]).map_err(e)?;
        let buf_bytes = ring.max_buf().next_multiple_of(16);
        let mut bufs = Vec::with_capacity(n);
        for _ in 0..n {
            bufs.push(sim.dma_alloc(buf_bytes, 4096).map_err(e)?.bus_addr);
        }
        sim.mmio_write32(global::RSS_HASH_TYPES, 0);
        sim.mmio_write32(global::RSS_DEFAULT_QUEUE, 0);
        sim.mmio_write32(q(rxq::DESC_BASE_LO), desc_base as u32);
        sim.mmio_write32(q(rxq::DESC_BASE_HI), (desc_base >> 32) as u32);
        sim.mmio_write32(q(rxq::DESC_LOG_SIZE), log);
        sim.mmio_write32(q(rxq::CPL_BASE_LO), cpl_base as u32);
        sim.mmio_write32(q(rxq::CPL_BASE_HI), (cpl_base >> 32) as u32);
        sim.mmio_write32(q(rxq::CPL_LOG_SIZE), log);
        sim.mmio_write32(q(rxq::Q_HDR_BASE_LO), hdr_base as u32);
        sim.mmio_write32(q(rxq::Q_HDR_BASE_HI), (hdr_base >> 32) as u32);
        sim.mmio_write32(q(rxq::Q_HDR_COUNT), u32::from(ring.hdr_count));
        sim.mmio_write32(q(rxq::Q_RX_CFG), cfg.rx_cfg());
        sim.mmio_write32(q(rxq::Q_CTRL), qctrl::ENABLE);
        sim.mmio_write32(global::CTRL, ctrl::RX_ENABLE);
        sim.mmio_read32(global::CTRL).map_err(|x| x.to_string())?;
        Ok(Rig {
            sim,
            ring,
            cfg,
            desc_base,
            cpl_base,
            hdr_base,
            hdr_stride,
            bufs,
            buf_bytes,
            log,
            prod: 0,
            cons: 0,
            cpl_cons: 0,
        })
    }

    fn slot(&self, i: u16) -> usize {
        usize::from(i) & (usize::from(self.ring.size) - 1)
    }

    /// Bus address of descriptor `i`'s data buffer (misalignment included).
    pub fn buf_addr(&self, i: u16) -> u64 {
        self.bufs[self.slot(i)] + self.ring.desc(i).addr
    }

    /// Bus address of header buffer `idx`.
    pub fn hdr_addr(&self, idx: u16) -> u64 {
        self.hdr_base + (usize::from(idx) * self.hdr_stride) as u64
    }

    /// Writes the next `n` descriptors (buffers refilled with [`FILL`],
    /// their header buffers too when `refill`) and rings the doorbell.
    pub fn post(&mut self, n: u16, refill: bool) -> Result<(), String> {
        for _ in 0..n {
            let i = self.prod;
            let d = self.ring.desc(i);
            let addr = self.buf_addr(i);
            let mut rec = [0u8; desc::SIZE];
            desc::ADDR.set(&mut rec, addr);
            desc::LEN.set(&mut rec, u64::from(d.len));
            desc::BUF_ID.set(&mut rec, u64::from(i));
            desc::HDR_IDX.set(&mut rec, u64::from(d.hdr_idx));
            let at = self.desc_base + (self.slot(i) * desc::SIZE) as u64;
            self.sim.dma_write(at, &rec).map_err(|e| e.to_string())?;
            if refill {
                let base = self.bufs[self.slot(i)];
                self.sim.dma_write(base, &vec![FILL; self.buf_bytes]).map_err(|e| e.to_string())?;
                if d.hdr_idx < self.ring.hdr_count {
                    let h = self.hdr_addr(d.hdr_idx);
                    self.sim.dma_write(h, &vec![FILL; self.hdr_stride]).map_err(|e| e.to_string())?;
                }
            }
            self.prod = self.prod.wrapping_add(1);
        }
        self.sim.mmio_write32(q(rxq::DESC_PROD), u32::from(self.prod));
        Ok(())
    }

    /// Refills the header buffers of the posted descriptors with [`FILL`].
    pub fn refill_headers(&mut self) -> Result<(), String> {
        let n = self.prod.wrapping_sub(self.cons);
        for k in 0..n {
            let d = self.ring.desc(self.cons.wrapping_add(k));
            if d.hdr_idx < self.ring.hdr_count {
                let h = self.hdr_addr(d.hdr_idx);
                self.sim.dma_write(h, &vec![FILL; self.hdr_stride]).map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    }

    pub fn read32(&mut self, reg: u32) -> Result<u32, String> {
        self.sim.mmio_read32(q(reg)).map_err(|e| e.to_string())
    }

    /// The queue's counters.
    pub fn counters(&mut self) -> Result<CounterValues, String> {
        Ok(CounterValues {
            frames: self.read32(rxq::Q_FRAMES)?,
            bytes: self.read32(rxq::Q_BYTES)?,
            split_frames: self.read32(rxq::Q_SPLIT_FRAMES)?,
            hdr_overflow: self.read32(rxq::Q_HDR_OVERFLOW)?,
            drop_no_desc: self.read32(rxq::Q_DROP_NO_DESC)?,
            drop_buf_too_small: self.read32(rxq::Q_DROP_BUF_TOO_SMALL)?,
            drop_bad_desc: self.read32(rxq::Q_DROP_BAD_DESC)?,
        })
    }

    /// Frames the NIC has dealt with in any way (queue 0 and global drops).
    fn settled(&mut self) -> Result<u64, String> {
        let c = self.counters()?;
        let mut n = u64::from(c.frames)
            + u64::from(c.drop_no_desc)
            + u64::from(c.drop_buf_too_small)
            + u64::from(c.drop_bad_desc)
            + u64::from(self.read32(rxq::Q_DROP_DISABLED)?);
        for r in [
            global::RX_DROP_FIFO_FULL,
            global::RX_DROP_MAC_ERROR,
            global::RX_DROP_RUNT,
            global::RX_DROP_OVERSIZE,
            global::RX_DROP_DISABLED,
        ] {
            n += u64::from(self.sim.mmio_read32(r).map_err(|e| e.to_string())?);
        }
        Ok(n)
    }

    /// Completion records written and not yet taken.
    pub fn cpl_ready(&mut self) -> Result<u16, String> {
        Ok((self.read32(rxq::CPL_PROD)? as u16).wrapping_sub(self.cpl_cons))
    }

    /// Takes the next completion record (checks its phase bit).
    pub fn take_cpl(&mut self) -> Result<Cpl, String> {
        let slot = usize::from(self.cpl_cons) & ((1 << self.log) - 1);
        let mut rec = [0u8; cpl::SIZE];
        self.sim.dma_read(self.cpl_base + (slot * cpl::SIZE) as u64, &mut rec).map_err(|e| e.to_string())?;
        let phase = cpl::PHASE.get(&rec) != 0;
        if phase != nic_spec::cpl_phase(self.cpl_cons, self.log) {
            return Err(format!("completion {}: phase bit {} is stale", self.cpl_cons, phase));
        }
        self.cpl_cons = self.cpl_cons.wrapping_add(1);
        self.sim.mmio_write32(q(rxq::CPL_CONS), u32::from(self.cpl_cons));
        Ok(Cpl::decode(&rec))
    }

    pub fn read_mem(&self, addr: u64, len: usize) -> Vec<u8> {
        let mut b = vec![0u8; len];
        self.sim.dma_read(addr, &mut b).expect("host memory");
        b
    }

    /// Sends one frame and runs until the NIC has dealt with it (and, if it
    /// wrote a completion, until the record is visible). Returns the
    /// completion, if any.
    pub fn one_frame(&mut self, frame: &[u8]) -> Result<Option<Cpl>, String> {
        let before = self.settled()?;
        let cpl_before = self.read32(rxq::CPL_PROD)? as u16;
        self.sim.mac_push(frame, false, 0);
        let budget = 400_000 + 40 * frame.len() as u64;
        let start = self.sim.cycle();
        loop {
            self.sim.run(256);
            if self.sim.mac_pending() == 0 && self.settled()? > before {
                break;
            }
            if self.sim.cycle() - start > budget {
                return Err(format!("no outcome after {budget} cycles"));
            }
        }
        // A completion, if one is due, follows the counter within a few hundred cycles.
        let mut waited = 0;
        loop {
            let prod = self.read32(rxq::CPL_PROD)? as u16;
            if prod != cpl_before {
                if prod.wrapping_sub(cpl_before) > 1 {
                    return Err(format!("{} completions for one frame", prod.wrapping_sub(cpl_before)));
                }
                // Let the queue go idle (data writes finished) before reading memory.
                self.sim.run(64);
                return self.take_cpl().map(Some);
            }
            if waited >= 4000 {
                return Ok(None);
            }
            self.sim.run(200);
            waited += 200;
        }
    }
}

// ------------------------------------------------------------------ running

/// What the RTL did with one frame.
#[derive(Clone, Debug, Serialize)]
pub struct FrameResult {
    pub name: String,
    pub frame_len: usize,
    /// Ring index of the frame's first descriptor (as the runner tracks it).
    pub first_desc: u16,
    pub cpl: Option<Cpl>,
    /// Counter deltas (non-zero only).
    pub counted: BTreeMap<&'static str, u32>,
    /// Header buffer bytes `[0, hdr_len)`.
    pub hdr: Vec<u8>,
    /// Data buffers, each as long as the completion says.
    pub data: Vec<Vec<u8>>,
    /// Bytes written outside what the completion accounts for:
    /// (buffer description, offset of the first such byte).
    pub stray: Vec<String>,
    /// `DESC_CONS` after the frame.
    pub desc_cons: u16,
}

/// Everything observed for a case.
#[derive(Clone, Debug)]
pub struct Observed {
    pub rx_cfg_readback: u32,
    pub frames: Vec<Option<FrameResult>>,
    pub counters: CounterValues,
    pub violations: Vec<String>,
}

/// Runs a case through the simulated RTL.
pub fn run_case(case: &Case, sim_cfg: SimConfig) -> Result<Observed, String> {
    let ring = case.ring();
    let mut rig = Rig::new(sim_cfg, ring.clone(), case.cfg)?;
    let rx_cfg_readback = rig.read32(rxq::Q_RX_CFG)?;
    let posted = case.file.queue.posted.unwrap_or(ring.size);
    rig.post(posted, true)?;
    let mut frames = Vec::new();
    let mut before = rig.counters()?;
    for (i, step) in case.file.steps.iter().enumerate() {
        if let Some(n) = step.post {
            rig.post(n, true)?;
            frames.push(None);
            continue;
        }
        let f = case.frames[i].as_ref().expect("frame step");
        let name = step.name.clone().unwrap_or_default();
        let first = rig.cons;
        // The header pool is shared: recycle (refill) every posted
        // descriptor's header buffer, as a driver recycles them at once.
        rig.refill_headers()?;
        let cpl = rig.one_frame(f).map_err(|e| format!("step {} ({name}): {e}", i + 1))?;
        let after = rig.counters()?;
        let mut counted = BTreeMap::new();
        for ((k, a), (_, b)) in after.named().iter().zip(before.named()) {
            if a.wrapping_sub(b) != 0 && *k != "bytes" {
                counted.insert(*k, a.wrapping_sub(b));
            }
        }
        before = after;
        let mut r = FrameResult {
            name,
            frame_len: f.len(),
            first_desc: first,
            cpl,
            counted,
            hdr: Vec::new(),
            data: Vec::new(),
            stray: Vec::new(),
            desc_cons: 0,
        };
        if let Some(c) = cpl {
            read_buffers(&mut rig, &c, first, &mut r);
            rig.cons = rig.cons.wrapping_add(u16::from(c.desc_count.max(1)));
        }
        r.desc_cons = rig.read32(rxq::DESC_CONS)? as u16;
        frames.push(Some(r));
    }
    rig.sim.run(1000);
    let counters = rig.counters()?;
    let violations = rig.sim.take_violations().iter().map(|v| format!("{v:?}")).collect();
    Ok(Observed { rx_cfg_readback, frames, counters, violations })
}

/// Reads the header and data buffers a completion accounts for, and checks
/// that nothing else of the frame's buffers was written.
fn read_buffers(rig: &mut Rig, c: &Cpl, first: u16, r: &mut FrameResult) {
    let hdr_idx = rig.ring.desc(first).hdr_idx;
    let n = usize::from(c.desc_count.max(1));
    let bad = c.status & cpl_status::BAD_DESC as u8 != 0;
    if bad {
        // Buffers of a scatter written before the bad descriptor may hold
        // partial data (docs/split.md): nothing to check.
        return;
    }
    // Header buffer.
    if hdr_idx < rig.ring.hdr_count {
        let h = rig.read_mem(rig.hdr_addr(hdr_idx), rig.hdr_stride);
        let hl = usize::from(c.hdr_len).min(h.len());
        if !bad {
            r.hdr = h[..hl].to_vec();
        }
        if let Some(o) = h[hl..].iter().position(|&b| b != FILL) {
            r.stray.push(format!("header buffer {hdr_idx} written at offset {}", hl + o));
        }
    }
    if bad {
        return;
    }
    // Data buffers: data_len = LEN - HDR_LEN; all but the last hold cap.
    let data_len = usize::from(c.len).saturating_sub(usize::from(c.hdr_len));
    let last = usize::from(c.last_len);
    let cap = if n > 1 { data_len.saturating_sub(last) / (n - 1) } else { 0 };
    for k in 0..n {
        let i = first.wrapping_add(k as u16);
        let d = rig.ring.desc(i);
        let want = if data_len == 0 {
            0
        } else if k + 1 == n {
            last
        } else {
            cap
        };
        let b = rig.read_mem(rig.buf_addr(i), usize::from(d.len));
        let w = want.min(b.len());
        if data_len > 0 {
            r.data.push(b[..w].to_vec());
        }
        if let Some(o) = b[w..].iter().position(|&x| x != FILL) {
            r.stray.push(format!("data buffer of descriptor {i} written at offset {}", w + o));
        }
        // Scatter descriptors' header buffers stay untouched.
        if k > 0 && d.hdr_idx < rig.ring.hdr_count && d.hdr_idx != hdr_idx {
            let h = rig.read_mem(rig.hdr_addr(d.hdr_idx), rig.hdr_stride);
            if let Some(o) = h.iter().position(|&x| x != FILL) {
                r.stray.push(format!("header buffer {} of scatter descriptor {i} written at offset {o}", d.hdr_idx));
            }
        }
    }
}

fn describe_bytes(got: &[u8], want: &[u8], want_spec: &str) -> String {
    if got == want {
        return if want_spec.is_empty() { "\"\"".into() } else { want_spec.to_string() };
    }
    let first = got.iter().zip(want).position(|(a, b)| a != b).unwrap_or(got.len().min(want.len()));
    let show = |b: &[u8]| {
        let lo = first.saturating_sub(8);
        let hi = (first + 24).min(b.len());
        if lo < hi {
            hex(&b[lo..hi])
        } else {
            String::new()
        }
    };
    format!(
        "MISMATCH {} bytes (want {} = {want_spec}), first difference at {first}: got ..{}.., want ..{}..",
        got.len(),
        want.len(),
        show(got),
        show(want)
    )
}

impl Observed {
    /// Every difference from the file's expectations and from the model.
    pub fn check(&self, case: &Case) -> Vec<String> {
        let mut errs = Vec::new();
        let file = case.path.display();
        if self.rx_cfg_readback != case.cfg.rx_cfg() {
            errs.push(format!(
                "{file}: Q_RX_CFG reads back {:#010x}, wrote {:#010x}",
                self.rx_cfg_readback,
                case.cfg.rx_cfg()
            ));
        }
        for (i, (obs, step)) in self.frames.iter().zip(&case.file.steps).enumerate() {
            let Some(o) = obs else { continue };
            let m = case.model[i].as_ref().expect("model for frame step");
            let f = case.frames[i].as_ref().expect("frame");
            let what = format!("{file}: step {} ({})", i + 1, o.name);
            let mut e = |s: String| errs.push(format!("{what}: {s}"));
            // Observed as the same comparable strings.
            let got = observed_fields(o);
            let want = expected_fields(m, f);
            for (k, w) in &want {
                let g = got.get(k).cloned().unwrap_or_else(|| "(absent)".into());
                if &g != w && *k != "hdr" && *k != "data" {
                    e(format!("{k}: RTL {g}, model {w}"));
                }
            }
            if let Ok(stated) = stated_fields(&step.expect, f) {
                for (k, s) in stated {
                    let g = got.get(k).cloned().unwrap_or_else(|| "(absent)".into());
                    if g != s {
                        e(format!("{k}: RTL {}, vector file says {}", short(&g), short(&s)));
                    }
                }
            }
            if let (Some(_), Outcome::Deliver(d)) = (&o.cpl, &m.outcome) {
                let spec = ranges_spec(&d.received_ranges(d.hdr_range()));
                let want = d.header_bytes(f);
                if o.hdr != want {
                    e(format!("header buffer: {}", describe_bytes(&o.hdr, &want, &spec)));
                }
                let want = d.data_bytes(f);
                if o.data.len() != want.len() {
                    e(format!("data buffers: RTL wrote {}, model {}", o.data.len(), want.len()));
                }
                for (k, (g, w)) in o.data.iter().zip(&want).enumerate() {
                    if g != w {
                        let spec = ranges_spec(&d.received_ranges(d.data_range(k)));
                        e(format!("data buffer {k}: {}", describe_bytes(g, w, &spec)));
                    }
                }
            }
            if let (Some(c), Outcome::Deliver(_)) = (&o.cpl, &m.outcome) {
                let p = &m.parsed;
                let pairs: [(&str, u64, u64); 10] = [
                    ("queue", c.queue.into(), 0),
                    ("l3_type", c.l3_type.into(), p.l3_type.into()),
                    ("l4_type", c.l4_type.into(), p.l4_type.into()),
                    ("flags", c.flags.into(), p.flags.into()),
                    ("vlan_count", c.vlan_count.into(), p.vlan_count.into()),
                    ("l3_offset", c.l3_offset.into(), p.l3_offset.into()),
                    ("l4_offset", c.l4_offset.into(), p.l4_offset.into()),
                    ("payload_offset", c.payload_offset.into(), p.payload_offset.into()),
                    ("csum_complete", c.csum_complete.into(), m.csum_complete.into()),
                    ("status", c.status.into(), 0),
                ];
                for (k, g, w) in pairs {
                    if g != w {
                        e(format!("{k}: RTL {g:#x}, model {w:#x}"));
                    }
                }
            }
            for s in &o.stray {
                e(format!("stray write: {s}"));
            }
            // Descriptors consumed: the ring position the model expects next.
            let next = match &m.outcome {
                Outcome::Deliver(d) => m.first_desc.wrapping_add(d.n as u16),
                Outcome::BadDesc { desc_count, .. } => m.first_desc.wrapping_add(*desc_count as u16),
                _ => m.first_desc,
            };
            if o.desc_cons != next {
                e(format!("DESC_CONS {} after the frame, model {next}", o.desc_cons));
            }
        }
        for ((k, g), (_, w)) in self.counters.named().iter().zip(case.model_counters.named()) {
            if *g != w {
                errs.push(format!("{file}: counter {k}: RTL {g}, model {w}"));
            }
        }
        for (k, s) in case.file.counters.named() {
            if let Some(s) = s {
                let g = self.counters.named().iter().find(|x| x.0 == k).map(|x| x.1).unwrap_or(0);
                if g != s {
                    errs.push(format!("{file}: counter {k}: RTL {g}, vector file says {s}"));
                }
            }
        }
        for v in &self.violations {
            errs.push(format!("{file}: bus violation: {v}"));
        }
        errs
    }

    /// The deterministic, readable text the test snapshots.
    pub fn render(&self, case: &Case) -> String {
        let mut s = String::new();
        let q = &case.file.queue;
        let _ = writeln!(s, "# {}", case.file.description.trim().replace('\n', "\n# "));
        let _ = writeln!(
            s,
            "queue: mode {} ({}), hdr {} bytes (log {}), thresh {}, scatter {}, vlan_strip {}, buf_len {}, ring {}, Q_RX_CFG {:#010x} (reads {:#010x})",
            split_mode::NAMES.get(case.cfg.effective_mode() as usize).unwrap_or(&"?"),
            case.cfg.mode,
            case.cfg.hdr_size(),
            q.hdr_log_size,
            q.thresh,
            q.scatter,
            q.vlan_strip,
            q.buf_len,
            1u32 << q.ring_log,
            case.cfg.rx_cfg(),
            self.rx_cfg_readback
        );
        for (i, (obs, step)) in self.frames.iter().zip(&case.file.steps).enumerate() {
            let Some(o) = obs else {
                let _ = writeln!(s, "- post {}", step.post.unwrap_or(0));
                continue;
            };
            let m = case.model[i].as_ref().expect("model");
            let f = case.frames[i].as_ref().expect("frame");
            let _ = writeln!(s, "- {}: {} bytes from descriptor {}", o.name, o.frame_len, o.first_desc);
            let counted: Vec<String> = o.counted.iter().map(|(k, v)| format!("{k} +{v}")).collect();
            let _ = writeln!(s, "    counted: {}", counted.join(", "));
            match &o.cpl {
                None => {
                    let _ = writeln!(s, "    no completion");
                }
                Some(c) if c.status & cpl_status::BAD_DESC as u8 != 0 => {
                    // The rest of a BAD_DESC record is unspecified (docs/split.md).
                    let _ = writeln!(
                        s,
                        "    cpl: status {} (bad_desc) len {} buf_id {} desc_idx {} desc_count {}",
                        c.status, c.len, c.buf_id, c.desc_idx, c.desc_count
                    );
                }
                Some(c) => {
                    let _ = writeln!(
                        s,
                        "    cpl: status {} len {} buf_id {} desc_idx {} desc_count {} hdr_len {} last_len {} split {} hdr_overflow {} vlan_stripped {} vlan_tci {:#06x}",
                        c.status, c.len, c.buf_id, c.desc_idx, c.desc_count, c.hdr_len, c.last_len,
                        u8::from(c.split), u8::from(c.hdr_overflow), u8::from(c.vlan_stripped), c.vlan_tci
                    );
                    let _ = writeln!(
                        s,
                        "    parse: {} {} flags {:#x} vlans {} offsets {}/{}/{} ip_csum {} l4_csum {} csum_complete {:#06x}",
                        ["none", "ipv4", "ipv6", "?"][usize::from(c.l3_type & 3)],
                        ["none", "tcp", "udp", "other"][usize::from(c.l4_type & 3)],
                        c.flags,
                        c.vlan_count,
                        c.l3_offset,
                        c.l4_offset,
                        c.payload_offset,
                        csum_name(c.ip_csum),
                        csum_name(c.l4_csum),
                        c.csum_complete
                    );
                    if let Outcome::Deliver(d) = &m.outcome {
                        let spec = ranges_spec(&d.received_ranges(d.hdr_range()));
                        let _ = writeln!(s, "    hdr: {}", describe_bytes(&o.hdr, &d.header_bytes(f), &spec));
                        let want = d.data_bytes(f);
                        for (k, got) in o.data.iter().enumerate() {
                            let (w, spec) = match want.get(k) {
                                Some(w) => (w.clone(), ranges_spec(&d.received_ranges(d.data_range(k)))),
                                None => (Vec::new(), "nothing".into()),
                            };
                            let _ = writeln!(s, "    data[{k}]: {}", describe_bytes(got, &w, &spec));
                        }
                    } else if !o.hdr.is_empty() || !o.data.is_empty() {
                        let _ = writeln!(s, "    hdr: {} bytes, data: {} buffers", o.hdr.len(), o.data.len());
                    }
                }
            }
            for x in &o.stray {
                let _ = writeln!(s, "    STRAY: {x}");
            }
            let _ = writeln!(s, "    desc_cons: {}", o.desc_cons);
        }
        let c = &self.counters;
        let _ = writeln!(
            s,
            "counters: frames {} bytes {} split_frames {} hdr_overflow {} drop_no_desc {} drop_buf_too_small {} drop_bad_desc {}",
            c.frames, c.bytes, c.split_frames, c.hdr_overflow, c.drop_no_desc, c.drop_buf_too_small, c.drop_bad_desc
        );
        for v in &self.violations {
            let _ = writeln!(s, "VIOLATION: {v}");
        }
        s
    }
}

fn short(s: &str) -> String {
    if s.len() > 80 {
        format!("{}.. ({} chars)", &s[..80], s.len())
    } else {
        s.to_string()
    }
}

/// What the RTL did, as the comparable strings of [`expected_fields`].
fn observed_fields(o: &FrameResult) -> BTreeMap<&'static str, String> {
    let mut g = BTreeMap::new();
    let Some(c) = &o.cpl else {
        let drop = if o.counted.contains_key("drop_no_desc") {
            "no_desc"
        } else if o.counted.contains_key("drop_buf_too_small") {
            "too_small"
        } else {
            "other"
        };
        g.insert("drop", drop.to_string());
        return g;
    };
    let bad = c.status & cpl_status::BAD_DESC as u8 != 0;
    g.insert(
        "status",
        if bad {
            "bad_desc".into()
        } else if c.status == 0 {
            "ok".into()
        } else {
            format!("{:#x}", c.status)
        },
    );
    g.insert("len", c.len.to_string());
    g.insert("desc_count", c.desc_count.to_string());
    g.insert("buf_id", c.buf_id.to_string());
    g.insert("desc_idx", c.desc_idx.to_string());
    if bad {
        return g;
    }
    g.insert("hdr_len", c.hdr_len.to_string());
    g.insert("payload_len", u32::from(c.len).saturating_sub(u32::from(c.hdr_len)).to_string());
    g.insert("split", c.split.to_string());
    g.insert("hdr_overflow", c.hdr_overflow.to_string());
    g.insert("last_len", c.last_len.to_string());
    g.insert("vlan_tci", c.vlan_tci.to_string());
    g.insert("vlan_stripped", c.vlan_stripped.to_string());
    g.insert("ip_csum", csum_name(c.ip_csum).into());
    g.insert("l4_csum", csum_name(c.l4_csum).into());
    g.insert("hdr", hex(&o.hdr));
    g.insert("data", o.data.iter().map(|b| hex(b)).collect::<Vec<_>>().join("|"));
    g
}

/// The vector files under `dir`, sorted.
pub fn case_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "yaml")).collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}
