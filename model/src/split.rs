//! Header/data split, scatter and VLAN stripping, as docs/split.md specifies
//! them: which frames are delivered, in how many descriptors, and exactly
//! which bytes land in the header buffer and in each data buffer.
//!
//! Written from the rule book, not from `rtl/nic_rx_dma_wr.v`: the decision
//! is three plain steps ([`layout`]: strip and split point; [`plan`] /
//! [`receive`]: descriptors), and the buffer contents are byte ranges of the
//! *delivered* frame (the received one without the outer tag), mapped back
//! to received-frame ranges by [`Delivery::received_ranges`] for people.

use std::ops::Range;

use nic_spec::{l3_type, l4_type, limits, parse_flags, rx_cfg, split_mode};

use crate::Parsed;

/// A queue's `Q_RX_CFG`, decoded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SplitConfig {
    /// `split_mode` value as programmed (0..=3; 3 is reserved and acts as NEVER).
    pub mode: u32,
    /// `rx_cfg::HDR_LOG_SIZE` as programmed (0..=15; clamped to 6..=10 in use).
    pub hdr_log_size: u32,
    /// `rx_cfg::THRESH` (12 bits; 0 disables the small-frame rule).
    pub thresh: u32,
    /// `rx_cfg::SCATTER`.
    pub scatter: bool,
    /// `rx_cfg::VLAN_STRIP`.
    pub vlan_strip: bool,
}

impl SplitConfig {
    /// Decodes a `Q_RX_CFG` register value.
    pub fn from_rx_cfg(v: u32) -> Self {
        SplitConfig {
            mode: (v >> rx_cfg::MODE_SHIFT) & rx_cfg::MODE_MASK,
            hdr_log_size: (v >> rx_cfg::HDR_LOG_SIZE_SHIFT) & rx_cfg::HDR_LOG_SIZE_MASK,
            thresh: (v >> rx_cfg::THRESH_SHIFT) & rx_cfg::THRESH_MASK,
            scatter: v & rx_cfg::SCATTER != 0,
            vlan_strip: v & rx_cfg::VLAN_STRIP != 0,
        }
    }

    /// The `Q_RX_CFG` register value (fields masked to their widths).
    pub fn rx_cfg(&self) -> u32 {
        rx_cfg::value(self.mode, self.scatter, self.vlan_strip, self.hdr_log_size, self.thresh)
    }

    /// Header buffer size in bytes: `2^clamp(HDR_LOG_SIZE, 6, 10)`.
    pub fn hdr_size(&self) -> usize {
        rx_cfg::hdr_buf_bytes(self.rx_cfg()) as usize
    }

    /// The mode in effect: the reserved value 3 behaves as NEVER.
    pub fn effective_mode(&self) -> u32 {
        match self.mode & rx_cfg::MODE_MASK {
            m @ (split_mode::ALWAYS | split_mode::TCP_UDP) => m,
            _ => split_mode::NEVER,
        }
    }
}

/// Where a delivered frame's bytes go (docs/split.md, "Placement").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Placement {
    /// Whole frame in data buffers, header buffer unused.
    Unsplit,
    /// Whole frame in the header buffer (`L' <= THRESH`), no data buffer.
    Small,
    /// Headers in the header buffer, payload from data buffer offset 0.
    Split,
    /// Split was due but the headers exceed the header buffer: unsplit, HDR_OVERFLOW.
    Overflow,
}

impl Placement {
    /// Lower-case name (for reports and vector files).
    pub fn name(self) -> &'static str {
        match self {
            Placement::Unsplit => "unsplit",
            Placement::Small => "small",
            Placement::Split => "split",
            Placement::Overflow => "overflow",
        }
    }
}

/// The per-frame decision that does not depend on descriptors (steps 1..3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Layout {
    /// Length as received (`L`).
    pub len_in: usize,
    /// The outer VLAN tag is removed from the delivered bytes.
    pub strip: bool,
    /// `cpl::VLAN_TCI`: bytes 14..15 when a tag was parsed, else 0.
    pub vlan_tci: u16,
    /// Delivered length `L' = L - 4*strip` (`cpl::LEN`).
    pub len: usize,
    /// The split point as received (`payload_offset`), when there is one.
    pub split_point: Option<usize>,
    /// The split point is eligible under the mode.
    pub eligible: bool,
    /// Where the bytes go.
    pub placement: Placement,
    /// Bytes for the header buffer (`cpl::HDR_LEN`).
    pub hdr_len: usize,
    /// Bytes for the data buffers.
    pub data_len: usize,
}

impl Layout {
    /// `cpl::SPLIT`.
    pub fn split(&self) -> bool {
        self.placement == Placement::Split
    }

    /// `cpl::HDR_OVERFLOW`.
    pub fn hdr_overflow(&self) -> bool {
        self.placement == Placement::Overflow
    }
}

/// Steps 1..3 of docs/split.md for `frame` (FCS stripped, at least 14
/// bytes) parsed as `p` under `cfg`.
pub fn layout(frame: &[u8], p: &Parsed, cfg: &SplitConfig) -> Layout {
    let l = frame.len();
    let tagged = p.vlan_count >= 1;
    // 1. VLAN strip.
    let strip = cfg.vlan_strip && tagged && l >= 18;
    let d = if strip { 4 } else { 0 };
    let len = l - d;
    let vlan_tci = if tagged && l >= 16 { u16::from_be_bytes([frame[14], frame[15]]) } else { 0 };
    // 2. Split point, as received.
    let po = usize::from(p.payload_offset);
    let split_point = (!p.has(parse_flags::MALFORMED | parse_flags::DEPTH_LIMIT)
        && u32::from(p.l3_type) != l3_type::NONE
        && po != 0
        && po <= l)
        .then_some(po);
    let mode = cfg.effective_mode();
    let l4 = u32::from(p.l4_type);
    let eligible = split_point.is_some()
        && (mode == split_mode::ALWAYS || (mode == split_mode::TCP_UDP && (l4 == l4_type::TCP || l4 == l4_type::UDP)));
    // 3. Placement.
    let hdr_size = cfg.hdr_size();
    let thresh = (cfg.thresh & rx_cfg::THRESH_MASK) as usize;
    let (placement, hdr_len) = if mode != split_mode::NEVER && thresh != 0 && len <= thresh && len <= hdr_size {
        (Placement::Small, len)
    } else if eligible {
        // H - D: H >= l3_offset + 20 > 16 whenever a tag was stripped.
        let h = split_point.expect("eligible has a split point").saturating_sub(d);
        if h <= hdr_size {
            (Placement::Split, h)
        } else {
            (Placement::Overflow, 0)
        }
    } else {
        (Placement::Unsplit, 0)
    };
    Layout { len_in: l, strip, vlan_tci, len, split_point, eligible, placement, hdr_len, data_len: len - hdr_len }
}

/// One posted RX descriptor, as the model needs it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Desc {
    /// `desc::ADDR`.
    pub addr: u64,
    /// `desc::LEN`.
    pub len: u16,
    /// `desc::HDR_IDX`.
    pub hdr_idx: u16,
}

impl Desc {
    fn aligned(&self) -> bool {
        self.addr.is_multiple_of(limits::BUF_ALIGN)
    }
}

/// What happens to a frame (step 4/5).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// No descriptor posted: `Q_DROP_NO_DESC`, no completion.
    NoDesc,
    /// The posted buffers cannot hold it: `Q_DROP_BUF_TOO_SMALL`, no
    /// completion, descriptors kept.
    TooSmall(TooSmall),
    /// A malformed descriptor: one completion with `cpl_status::BAD_DESC`,
    /// `LEN = 0`, `DESC_COUNT = desc_count` (the bad one included);
    /// `Q_DROP_BAD_DESC`.
    BadDesc {
        /// Descriptors consumed.
        desc_count: usize,
        /// Index (0-based, within the frame) of the malformed descriptor.
        bad: usize,
    },
    /// Delivered.
    Deliver(Delivery),
}

/// Why a frame was too small for its buffers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TooSmall {
    /// Longer than the head buffer and SCATTER is off.
    NoScatter,
    /// The head buffer is shorter than 16 bytes: `cap = 0`.
    CapZero,
    /// More than `MAX_SCATTER_BUFS` descriptors needed.
    TooManyBufs(usize),
    /// Fewer descriptors posted than needed: (needed, posted).
    TooFewPosted(usize, usize),
}

/// A delivered frame: its layout plus the data-buffer split.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Delivery {
    /// Steps 1..3.
    pub layout: Layout,
    /// Descriptors used (`cpl::DESC_COUNT`, >= 1).
    pub n: usize,
    /// Bytes in every data buffer but the last (`C0 & !15`; meaningless for n = 1).
    pub cap: usize,
    /// `cpl::LAST_LEN`.
    pub last_len: usize,
}

impl Delivery {
    /// `cpl::DESC_COUNT`.
    pub fn desc_count(&self) -> usize {
        self.n
    }

    /// Data buffers written (0 when `data_len = 0`).
    pub fn data_bufs(&self) -> usize {
        if self.layout.data_len == 0 {
            0
        } else {
            self.n
        }
    }

    /// Delivered-frame range of the header buffer.
    pub fn hdr_range(&self) -> Range<usize> {
        0..self.layout.hdr_len
    }

    /// Delivered-frame range of data buffer `k` (`k < data_bufs()`).
    pub fn data_range(&self, k: usize) -> Range<usize> {
        let h = self.layout.hdr_len;
        let dl = self.layout.data_len;
        if self.n == 1 {
            return h..h + dl;
        }
        h + k * self.cap..h + ((k + 1) * self.cap).min(dl)
    }

    /// Every data buffer's delivered-frame range.
    pub fn data_ranges(&self) -> Vec<Range<usize>> {
        (0..self.data_bufs()).map(|k| self.data_range(k)).collect()
    }

    /// The received-frame ranges making up delivered range `r` (two when it
    /// straddles a stripped tag).
    pub fn received_ranges(&self, r: Range<usize>) -> Vec<Range<usize>> {
        received_ranges(self.layout.strip, r)
    }

    /// The delivered bytes (`frame` without bytes 12..15 when stripped).
    pub fn delivered(&self, frame: &[u8]) -> Vec<u8> {
        delivered(frame, self.layout.strip)
    }

    /// What the header buffer must hold from offset 0.
    pub fn header_bytes(&self, frame: &[u8]) -> Vec<u8> {
        self.delivered(frame)[self.hdr_range()].to_vec()
    }

    /// What each data buffer must hold from offset 0 (empty when none is written).
    pub fn data_bytes(&self, frame: &[u8]) -> Vec<Vec<u8>> {
        let d = self.delivered(frame);
        self.data_ranges().into_iter().map(|r| d[r].to_vec()).collect()
    }
}

/// `frame` as delivered: without bytes 12..15 when `strip`.
pub fn delivered(frame: &[u8], strip: bool) -> Vec<u8> {
    if strip {
        let mut v = Vec::with_capacity(frame.len() - 4);
        v.extend_from_slice(&frame[..12]);
        v.extend_from_slice(&frame[16..]);
        v
    } else {
        frame.to_vec()
    }
}

/// Received-frame ranges of the delivered range `r`.
#[allow(clippy::single_range_in_vec_init)]
pub fn received_ranges(strip: bool, r: Range<usize>) -> Vec<Range<usize>> {
    if r.is_empty() {
        return Vec::new();
    }
    if !strip || r.end <= 12 {
        return vec![r];
    }
    if r.start >= 12 {
        return vec![r.start + 4..r.end + 4];
    }
    vec![r.start..12, 16..r.end + 4]
}

/// Step 4 for well-formed descriptors: the head buffer is `c0` bytes and
/// `posted` descriptors are posted (`DESC_PROD - DESC_CONS`); every
/// scatter buffer is assumed to be as long as its share.
pub fn plan(frame: &[u8], p: &Parsed, cfg: &SplitConfig, c0: u16, posted: usize) -> Outcome {
    let descs: Vec<Desc> =
        (0..posted.min(limits::MAX_SCATTER_BUFS as usize + 1)).map(|_| Desc { addr: 0, len: c0, hdr_idx: 0 }).collect();
    receive_with(layout(frame, p, cfg), cfg, u16::MAX as u32 + 1, &descs, posted)
}

/// Steps 4 and 5 with real descriptors: `posted` are the descriptors from
/// `DESC_CONS` on (all of them that are posted), `hdr_count` is `Q_HDR_COUNT`.
pub fn receive(frame: &[u8], p: &Parsed, cfg: &SplitConfig, hdr_count: u16, posted: &[Desc]) -> Outcome {
    receive_with(layout(frame, p, cfg), cfg, u32::from(hdr_count), posted, posted.len())
}

fn receive_with(lay: Layout, cfg: &SplitConfig, hdr_count: u32, descs: &[Desc], posted: usize) -> Outcome {
    // No descriptor.
    let Some(head) = descs.first() else {
        return Outcome::NoDesc;
    };
    // Malformed head descriptor.
    if !head.aligned() || head.len == 0 || (lay.hdr_len > 0 && u32::from(head.hdr_idx) >= hdr_count) {
        return Outcome::BadDesc { desc_count: 1, bad: 0 };
    }
    // Too small / too few posted.
    let c0 = usize::from(head.len);
    let dl = lay.data_len;
    let (n, cap) = if dl <= c0 {
        (1, c0 & !15)
    } else if !cfg.scatter {
        return Outcome::TooSmall(TooSmall::NoScatter);
    } else {
        let cap = c0 & !15;
        if cap == 0 {
            return Outcome::TooSmall(TooSmall::CapZero);
        }
        let n = dl.div_ceil(cap);
        if n > limits::MAX_SCATTER_BUFS as usize {
            return Outcome::TooSmall(TooSmall::TooManyBufs(n));
        }
        (n, cap)
    };
    if n > posted {
        return Outcome::TooSmall(TooSmall::TooFewPosted(n, posted));
    }
    let last_len = if dl == 0 { 0 } else { dl - (n - 1) * cap };
    // Malformed scatter descriptors.
    for (k, d) in descs.iter().enumerate().take(n).skip(1) {
        let need = if k == n - 1 { last_len } else { cap };
        if !d.aligned() || usize::from(d.len) < need {
            return Outcome::BadDesc { desc_count: k + 1, bad: k };
        }
    }
    Outcome::Deliver(Delivery { layout: lay, n, cap, last_len })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{build, parse};

    const A: [u8; 4] = [10, 0, 0, 1];
    const B: [u8; 4] = [10, 0, 0, 2];

    fn cfg(mode: u32, log: u32, thresh: u32, scatter: bool, strip: bool) -> SplitConfig {
        SplitConfig { mode, hdr_log_size: log, thresh, scatter, vlan_strip: strip }
    }

    fn deliver(frame: &[u8], c: &SplitConfig, c0: u16, posted: usize) -> Delivery {
        match plan(frame, &parse(frame), c, c0, posted) {
            Outcome::Deliver(d) => d,
            o => panic!("not delivered: {o:?}"),
        }
    }

    /// Inserts an 802.1Q tag with `tci` after the MAC addresses.
    fn tag(frame: &[u8], tci: u16) -> Vec<u8> {
        let mut f = frame[..12].to_vec();
        f.extend_from_slice(&[0x81, 0x00]);
        f.extend_from_slice(&tci.to_be_bytes());
        f.extend_from_slice(&frame[12..]);
        f
    }

    #[test]
    fn rx_cfg_round_trip_and_clamp() {
        let c = cfg(split_mode::TCP_UDP, 7, 200, true, true);
        assert_eq!(SplitConfig::from_rx_cfg(c.rx_cfg()), c);
        assert_eq!(cfg(0, 0, 0, false, false).hdr_size(), 64);
        assert_eq!(cfg(0, 6, 0, false, false).hdr_size(), 64);
        assert_eq!(cfg(0, 10, 0, false, false).hdr_size(), 1024);
        assert_eq!(cfg(0, 15, 0, false, false).hdr_size(), 1024);
        assert_eq!(cfg(3, 7, 0, false, false).effective_mode(), split_mode::NEVER);
    }

    #[test]
    fn never_is_whole_frame_in_one_buffer() {
        let f = build::tcp4(A, B, 1, 2, &[7; 100]);
        let d = deliver(&f, &cfg(split_mode::NEVER, 8, 500, false, false), 2048, 1);
        assert_eq!(d.layout.placement, Placement::Unsplit);
        assert_eq!((d.layout.hdr_len, d.layout.data_len, d.n, d.last_len), (0, f.len(), 1, f.len()));
        assert_eq!(d.data_bytes(&f), vec![f.clone()]);
        assert!(d.header_bytes(&f).is_empty());
    }

    #[test]
    fn always_splits_tcp_udp_and_other_ip() {
        let c = cfg(split_mode::ALWAYS, 8, 0, false, false);
        let f = build::tcp4(A, B, 1, 2, &[7; 100]);
        let d = deliver(&f, &c, 2048, 1);
        assert_eq!((d.layout.placement, d.layout.hdr_len, d.layout.data_len), (Placement::Split, 54, 100));
        assert_eq!(d.header_bytes(&f), f[..54].to_vec());
        assert_eq!(d.data_bytes(&f), vec![f[54..].to_vec()]);
        let f = build::udp6([1; 16], [2; 16], 1, 2, &[7; 10]);
        assert_eq!(deliver(&f, &c, 2048, 1).layout.hdr_len, 14 + 40 + 8);
        // ICMP: split after the IP header under ALWAYS, not under TCP_UDP.
        let f = build::ip4(A, B, 1, &[8, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3]);
        assert_eq!(deliver(&f, &c, 2048, 1).layout.hdr_len, 34);
        let d = deliver(&f, &cfg(split_mode::TCP_UDP, 8, 0, false, false), 2048, 1);
        assert_eq!((d.layout.placement, d.layout.hdr_len), (Placement::Unsplit, 0));
    }

    #[test]
    fn fragments_split_after_l3_under_always_only() {
        let mut f = build::udp4(A, B, 1, 2, &[5; 40]);
        f[14 + 6] = 0x20; // MF
        let p = parse(&f);
        assert!(p.has(parse_flags::FRAGMENT));
        let d = deliver(&f, &cfg(split_mode::ALWAYS, 8, 0, false, false), 2048, 1);
        assert_eq!((d.layout.placement, d.layout.hdr_len), (Placement::Split, 34));
        let d = deliver(&f, &cfg(split_mode::TCP_UDP, 8, 0, false, false), 2048, 1);
        assert_eq!(d.layout.placement, Placement::Unsplit);
    }

    #[test]
    fn non_ip_malformed_and_depth_limit_never_split() {
        let c = cfg(split_mode::ALWAYS, 10, 0, false, false);
        let mut arp = build::pad60(build::udp4(A, B, 1, 2, b""));
        arp[12] = 0x08;
        arp[13] = 0x06;
        assert_eq!(deliver(&arp, &c, 2048, 1).layout.placement, Placement::Unsplit);
        let mut bad = build::tcp4(A, B, 1, 2, &[1; 20]);
        bad[14 + 3] = 200; // total length past the frame: MALFORMED
        assert!(parse(&bad).has(parse_flags::MALFORMED));
        assert_eq!(deliver(&bad, &c, 2048, 1).layout.split_point, None);
        // A hop-by-hop header that runs past the parse limit: DEPTH_LIMIT.
        let mut ext = vec![6u8, 30];
        ext.resize(8 * 31, 1);
        ext.extend_from_slice(&[0; 20]);
        let f = build::ip6([1; 16], [2; 16], 0, &ext);
        assert!(parse(&f).has(parse_flags::DEPTH_LIMIT));
        assert_eq!(deliver(&f, &c, 2048, 1).layout.placement, Placement::Unsplit);
    }

    /// IPv4 with `words` option words inserted (total length and IHL fixed, checksum not).
    fn with_ip_options(base: &[u8], words: usize) -> Vec<u8> {
        let mut f = base[..14].to_vec();
        let mut ip = base[14..34].to_vec();
        ip[0] = 0x45 + words as u8;
        let tot = u16::from_be_bytes([ip[2], ip[3]]) + 4 * words as u16;
        ip[2..4].copy_from_slice(&tot.to_be_bytes());
        f.extend_from_slice(&ip);
        f.extend(std::iter::repeat_n(1u8, 4 * words));
        f.extend_from_slice(&base[34..]);
        f
    }

    /// Every split point is 2 mod 4 (14 or 18 bytes of Ethernet, IP and L4
    /// headers in 4-byte units), so a header never fills a power-of-two
    /// buffer exactly: the edges are `hdr_size - 2` (split) and `hdr_size + 2`
    /// (overflow). A whole frame of exactly `hdr_size` bytes is the small rule's edge.
    #[test]
    fn header_at_and_over_hdr_size() {
        let base = build::udp4(A, B, 1, 2, &[9; 30]); // H = 42
        let c64 = cfg(split_mode::ALWAYS, 6, 0, false, false);
        let c64s = cfg(split_mode::ALWAYS, 6, 0, false, true);
        let f = with_ip_options(&base, 5); // H = 62
        assert_eq!(parse(&f).payload_offset, 62);
        let d = deliver(&f, &c64, 2048, 1);
        assert_eq!((d.layout.placement, d.layout.hdr_len, d.layout.data_len), (Placement::Split, 62, 30));
        let f = with_ip_options(&base, 6); // H = 66
        let d = deliver(&f, &c64, 2048, 1);
        assert_eq!((d.layout.placement, d.layout.hdr_len, d.layout.data_len), (Placement::Overflow, 0, f.len()));
        assert!(d.layout.hdr_overflow() && !d.layout.split());
        // Tagged: 66 as received, 62 once the tag is stripped.
        let t = tag(&with_ip_options(&base, 5), 0x0123);
        assert_eq!(parse(&t).payload_offset, 66);
        assert_eq!(deliver(&t, &c64, 2048, 1).layout.placement, Placement::Overflow);
        let d = deliver(&t, &c64s, 2048, 1);
        assert_eq!((d.layout.placement, d.layout.hdr_len), (Placement::Split, 62));
        let t = tag(&with_ip_options(&base, 6), 0x0123); // 70, stripped 66
        assert_eq!(deliver(&t, &c64s, 2048, 1).layout.placement, Placement::Overflow);
        // IPv6 TCP: 74 > 64, fits 128.
        let f = build::tcp6([1; 16], [2; 16], 1, 2, &[3; 10]);
        assert_eq!(deliver(&f, &c64, 2048, 1).layout.placement, Placement::Overflow);
        let d = deliver(&f, &cfg(split_mode::ALWAYS, 7, 0, false, false), 2048, 1);
        assert_eq!((d.layout.placement, d.layout.hdr_len), (Placement::Split, 74));
        // Small rule edge: L' == hdr_size goes whole into the header buffer, one more does not.
        let mut f = build::pad60(build::tcp4(A, B, 1, 2, &[3; 2]));
        f.resize(64, 0xEE);
        let d = deliver(&f, &cfg(split_mode::ALWAYS, 6, 64, false, false), 2048, 1);
        assert_eq!((d.layout.placement, d.layout.hdr_len, d.layout.data_len, d.n), (Placement::Small, 64, 0, 1));
        assert_eq!((d.last_len, d.data_bufs()), (0, 0));
        f.push(0xEE);
        let d = deliver(&f, &cfg(split_mode::ALWAYS, 6, 100, false, false), 2048, 1);
        assert_eq!((d.layout.placement, d.layout.hdr_len, d.layout.data_len), (Placement::Split, 54, 11));
    }

    #[test]
    fn small_frames_under_the_threshold() {
        let f = build::pad60(build::tcp4(A, B, 1, 2, b""));
        // THRESH covers it: whole frame in the header buffer.
        let d = deliver(&f, &cfg(split_mode::TCP_UDP, 7, 60, false, false), 2048, 1);
        assert_eq!((d.layout.placement, d.layout.hdr_len, d.layout.data_len), (Placement::Small, 60, 0));
        assert_eq!(d.header_bytes(&f), f);
        assert!(d.data_bytes(&f).is_empty());
        // One byte under: split instead (padding is payload).
        let d = deliver(&f, &cfg(split_mode::TCP_UDP, 7, 59, false, false), 2048, 1);
        assert_eq!((d.layout.placement, d.layout.hdr_len, d.layout.data_len), (Placement::Split, 54, 6));
        // Mode NEVER ignores THRESH; so does the reserved mode 3.
        for m in [split_mode::NEVER, 3] {
            let d = deliver(&f, &cfg(m, 7, 60, false, false), 2048, 1);
            assert_eq!(d.layout.placement, Placement::Unsplit);
        }
        // Non-IP frames are "small" as well.
        let mut arp = f.clone();
        arp[12..14].copy_from_slice(&[0x08, 0x06]);
        let d = deliver(&arp, &cfg(split_mode::ALWAYS, 7, 100, false, false), 2048, 1);
        assert_eq!(d.layout.placement, Placement::Small);
        // THRESH above the header buffer: the header buffer bound wins.
        let big = build::tcp4(A, B, 1, 2, &[1; 100]); // 154
        let d = deliver(&big, &cfg(split_mode::ALWAYS, 7, 4000, false, false), 2048, 1);
        assert_eq!(d.layout.placement, Placement::Split);
        // The threshold compares the delivered length.
        let t = tag(&f, 5); // 64 received, 60 delivered stripped
        let d = deliver(&t, &cfg(split_mode::ALWAYS, 7, 60, false, true), 2048, 1);
        assert_eq!((d.layout.placement, d.layout.hdr_len, d.layout.len), (Placement::Small, 60, 60));
        assert_eq!(d.header_bytes(&t), f);
        let d = deliver(&t, &cfg(split_mode::ALWAYS, 7, 60, false, false), 2048, 1);
        assert_eq!(d.layout.placement, Placement::Split);
    }

    #[test]
    fn zero_payload_split_writes_no_data_buffer() {
        let f = build::tcp4(A, B, 1, 2, b""); // 54 bytes, no padding
        let d = deliver(&f, &cfg(split_mode::ALWAYS, 7, 0, false, false), 2048, 1);
        assert_eq!((d.layout.placement, d.layout.hdr_len, d.layout.data_len), (Placement::Split, 54, 0));
        assert_eq!((d.n, d.last_len, d.data_bufs()), (1, 0, 0));
        assert!(d.data_ranges().is_empty());
    }

    #[test]
    fn vlan_strip_and_tci() {
        let f = tag(&build::udp4(A, B, 1, 2, &[4; 20]), 0xE064);
        let p = parse(&f);
        assert_eq!(p.vlan_count, 1);
        let l = layout(&f, &p, &cfg(0, 7, 0, false, false));
        assert_eq!((l.strip, l.vlan_tci, l.len), (false, 0xE064, f.len()));
        let d = deliver(&f, &cfg(0, 7, 0, false, true), 2048, 1);
        assert_eq!((d.layout.strip, d.layout.vlan_tci, d.layout.len), (true, 0xE064, f.len() - 4));
        let mut want = f[..12].to_vec();
        want.extend_from_slice(&f[16..]);
        assert_eq!(d.data_bytes(&f), vec![want]);
        assert_eq!(d.received_ranges(d.data_range(0)), vec![0..12, 16..f.len()]);
        // Split + strip: header is received [0,12) + [16, H).
        let d = deliver(&f, &cfg(split_mode::ALWAYS, 7, 0, false, true), 2048, 1);
        assert_eq!(d.layout.hdr_len, 42);
        assert_eq!(d.received_ranges(d.hdr_range()), vec![0..12, 16..46]);
        assert_eq!(d.received_ranges(d.data_range(0)), vec![46..f.len()]);
        // Double tag: only the outer one is stripped; the TCI is the outer one's.
        let f2 = tag(&f, 0x0ABC);
        let d = deliver(&f2, &cfg(0, 7, 0, false, true), 2048, 1);
        assert_eq!((d.layout.vlan_tci, d.layout.len), (0x0ABC, f2.len() - 4));
        assert_eq!(d.data_bytes(&f2)[0], f);
        // Untagged: no strip, TCI 0.
        let u = build::udp4(A, B, 1, 2, b"");
        let l = layout(&u, &parse(&u), &cfg(0, 7, 0, false, true));
        assert_eq!((l.strip, l.vlan_tci), (false, 0));
    }

    #[test]
    fn strip_needs_a_whole_tag() {
        // 18 bytes: a tag and an ethertype, stripped down to a bare 14-byte header.
        let mut f = vec![2u8; 12];
        f.extend_from_slice(&[0x81, 0x00, 0x00, 0x05, 0x88, 0xB5]);
        assert_eq!(parse(&f).vlan_count, 1);
        let d = deliver(&f, &cfg(0, 7, 0, false, true), 2048, 1);
        assert_eq!((d.layout.strip, d.layout.len, d.layout.vlan_tci), (true, 14, 5));
        // 17 bytes: TPID but no whole tag: MALFORMED, no tag counted, nothing stripped.
        f.pop();
        let p = parse(&f);
        assert_eq!(p.vlan_count, 0);
        let l = layout(&f, &p, &cfg(0, 7, 0, false, true));
        assert_eq!((l.strip, l.len, l.vlan_tci), (false, 17, 0));
        // 16 bytes likewise.
        f.pop();
        let l = layout(&f, &parse(&f), &cfg(0, 7, 0, false, true));
        assert_eq!((l.strip, l.len), (false, 16));
    }

    #[test]
    fn scatter_and_cap_rounding() {
        // 9018-byte jumbo: over 4096-byte buffers, 3 descriptors; over 2048, 5.
        let f = build::tcp4(A, B, 1, 2, &vec![0x5A; 9018 - 54]);
        assert_eq!(f.len(), 9018);
        let never = cfg(0, 7, 0, true, false);
        let d = deliver(&f, &never, 4096, 3);
        assert_eq!((d.n, d.cap, d.last_len), (3, 4096, 9018 - 8192));
        assert_eq!(d.data_ranges(), vec![0..4096, 4096..8192, 8192..9018]);
        let d = deliver(&f, &never, 2048, 5);
        assert_eq!((d.n, d.last_len), (5, 9018 - 4 * 2048));
        // Split: the payload restarts at 0 of each buffer.
        let d = deliver(&f, &cfg(split_mode::ALWAYS, 7, 0, true, false), 2048, 8);
        assert_eq!((d.layout.hdr_len, d.layout.data_len, d.n), (54, 8964, 5));
        assert_eq!(d.data_range(0), 54..54 + 2048);
        assert_eq!(d.data_range(4), 54 + 4 * 2048..9018);
        assert_eq!(d.last_len, 8964 - 4 * 2048);
        // cap rounding: C0 = 1000 -> cap 992.
        let d = deliver(&f, &never, 1000, 20);
        assert_eq!((d.cap, d.n, d.last_len), (992, 10, 9018 - 9 * 992));
        // With one buffer cap does not matter: data_len <= C0 = 1000 (not a multiple of 16).
        let s = build::tcp4(A, B, 1, 2, &vec![1; 1000 - 54]);
        let d = deliver(&s, &never, 1000, 1);
        assert_eq!((d.n, d.last_len, d.data_range(0)), (1, 1000, 0..1000));
        // Payload exactly filling a buffer: n stays 1; one more byte needs two.
        let e = build::tcp4(A, B, 1, 2, &vec![1; 2048]);
        let sp = cfg(split_mode::ALWAYS, 7, 0, true, false);
        let d = deliver(&e, &sp, 2048, 2);
        assert_eq!((d.n, d.last_len), (1, 2048));
        let e = build::tcp4(A, B, 1, 2, &vec![1; 2049]);
        let d = deliver(&e, &sp, 2048, 2);
        assert_eq!((d.n, d.last_len), (2, 1));
        // Exactly filling two buffers.
        let e = build::tcp4(A, B, 1, 2, &vec![1; 4096]);
        let d = deliver(&e, &sp, 2048, 2);
        assert_eq!((d.n, d.last_len), (2, 2048));
    }

    #[test]
    fn too_small_cases() {
        let f = build::tcp4(A, B, 1, 2, &vec![0; 3000]);
        let p = parse(&f);
        let c = cfg(0, 7, 0, false, false);
        assert_eq!(plan(&f, &p, &c, 2048, 10), Outcome::TooSmall(TooSmall::NoScatter));
        let c = cfg(0, 7, 0, true, false);
        assert_eq!(plan(&f, &p, &c, 15, 255), Outcome::TooSmall(TooSmall::CapZero));
        assert_eq!(plan(&f, &p, &c, 2048, 1), Outcome::TooSmall(TooSmall::TooFewPosted(2, 1)));
        assert!(matches!(plan(&f, &p, &c, 2048, 2), Outcome::Deliver(_)));
        assert_eq!(plan(&f, &p, &c, 2048, 0), Outcome::NoDesc);
        // MAX_SCATTER_BUFS: 16-byte buffers carry 16 bytes each; 255 * 16 = 4080.
        let g = build::tcp4(A, B, 1, 2, &vec![0; 4080 - 54]);
        let pg = parse(&g);
        let d = match plan(&g, &pg, &c, 16, 300) {
            Outcome::Deliver(d) => d,
            o => panic!("{o:?}"),
        };
        assert_eq!((d.n, d.last_len), (255, 16));
        let g = build::tcp4(A, B, 1, 2, &vec![0; 4081 - 54]);
        assert_eq!(plan(&g, &parse(&g), &c, 16, 300), Outcome::TooSmall(TooSmall::TooManyBufs(256)));
        // C0 = 31: cap 16, a 32-byte frame? Frames are >= 14; a 40-byte frame needs 3.
        let h = vec![0u8; 40];
        assert!(matches!(
            plan(&h, &parse(&h), &c, 31, 3),
            Outcome::Deliver(Delivery { n: 3, cap: 16, last_len: 8, .. })
        ));
        // Non-scatter frame that fits exactly.
        let c = cfg(0, 7, 0, false, false);
        assert!(matches!(plan(&f, &p, &c, f.len() as u16, 1), Outcome::Deliver(_)));
        assert_eq!(plan(&f, &p, &c, f.len() as u16 - 1, 1), Outcome::TooSmall(TooSmall::NoScatter));
        // Split frames: only data_len counts against C0.
        let s = cfg(split_mode::ALWAYS, 7, 0, false, false);
        assert!(matches!(plan(&f, &p, &s, (f.len() - 54) as u16, 1), Outcome::Deliver(_)));
    }

    #[test]
    fn malformed_descriptors() {
        let f = build::tcp4(A, B, 1, 2, &vec![0; 5000]);
        let p = parse(&f);
        let good = Desc { addr: 0x1000, len: 2048, hdr_idx: 0 };
        let s = cfg(split_mode::ALWAYS, 7, 0, true, false);
        let ok = receive(&f, &p, &s, 4, &[good; 3]);
        assert!(matches!(ok, Outcome::Deliver(Delivery { n: 3, .. })));
        // Head: misaligned, zero length, header index out of the pool.
        for head in [Desc { addr: 0x1004, ..good }, Desc { len: 0, ..good }, Desc { hdr_idx: 4, ..good }] {
            assert_eq!(receive(&f, &p, &s, 4, &[head, good, good]), Outcome::BadDesc { desc_count: 1, bad: 0 });
        }
        // An out-of-pool header index does not matter when no header is written.
        let n = cfg(split_mode::NEVER, 7, 0, true, false);
        assert!(matches!(receive(&f, &p, &n, 4, &[Desc { hdr_idx: 9, ..good }, good, good]), Outcome::Deliver(_)));
        // Malformed head is found before "too few posted".
        assert_eq!(receive(&f, &p, &s, 4, &[Desc { len: 0, ..good }]), Outcome::BadDesc { desc_count: 1, bad: 0 });
        // Scatter descriptors: misaligned, shorter than cap, shorter than the remainder.
        let short_mid = Desc { len: 2047, ..good };
        assert_eq!(receive(&f, &p, &s, 4, &[good, short_mid, good]), Outcome::BadDesc { desc_count: 2, bad: 1 });
        assert_eq!(
            receive(&f, &p, &s, 4, &[good, good, Desc { addr: 0x2008, ..good }]),
            Outcome::BadDesc { desc_count: 3, bad: 2 }
        );
        let rem = 5000 - 2 * 2048;
        let last = Desc { len: rem as u16, ..good };
        assert!(matches!(receive(&f, &p, &s, 4, &[good, good, last]), Outcome::Deliver(_)));
        let last = Desc { len: rem as u16 - 1, ..good };
        assert_eq!(receive(&f, &p, &s, 4, &[good, good, last]), Outcome::BadDesc { desc_count: 3, bad: 2 });
        // Descriptors past the frame's n are not looked at.
        assert!(matches!(receive(&f, &p, &s, 4, &[good, good, good, Desc { len: 0, ..good }]), Outcome::Deliver(_)));
        // Too few posted.
        assert_eq!(receive(&f, &p, &s, 4, &[good, good]), Outcome::TooSmall(TooSmall::TooFewPosted(3, 2)));
        assert_eq!(receive(&f, &p, &s, 4, &[]), Outcome::NoDesc);
    }

    #[test]
    fn received_range_mapping() {
        assert_eq!(received_ranges(false, 3..40), vec![3..40]);
        assert_eq!(received_ranges(true, 0..12), vec![0..12]);
        assert_eq!(received_ranges(true, 0..13), vec![0..12, 16..17]);
        assert_eq!(received_ranges(true, 12..20), vec![16..24]);
        assert!(received_ranges(true, 5..5).is_empty());
    }
}
