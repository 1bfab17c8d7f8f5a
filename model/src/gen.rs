//! Random and malformed frames for the differential test: every rule of
//! docs/rss.md gets hit, near its edges.
//!
//! [`FrameGen::next_into`] writes one frame into a caller's buffer (no
//! allocation once the buffer has grown). Frames are 14..=[`MAX_LEN`]
//! bytes: random VLAN stacks of 0..=3 tags with both TPIDs; IPv4 with
//! options, IHL below 5, wrong versions, inconsistent total lengths and
//! fragments; IPv6 with extension chains of random length (including past
//! the parse limit), fragment headers and inconsistent payload lengths; TCP
//! with data offsets 0..=15; UDP; other protocols; ARP and random
//! ethertypes; Ethernet padding past the IP length; truncation anywhere.

/// Longest frame generated.
pub const MAX_LEN: usize = 600;

/// SplitMix64: small, fast, good enough, and reproducible from a `u64` seed.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below((hi - lo + 1) as u64) as usize
    }

    /// True with probability `percent` / 100.
    pub fn pct(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// A random byte.
    pub fn byte(&mut self) -> u8 {
        self.next_u64() as u8
    }

    /// Appends `n` random bytes.
    pub fn fill(&mut self, out: &mut Vec<u8>, n: usize) {
        let mut left = n;
        while left > 0 {
            let x = self.next_u64().to_le_bytes();
            let k = left.min(8);
            out.extend_from_slice(&x[..k]);
            left -= k;
        }
    }

    /// Picks one element.
    pub fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[self.below(from.len() as u64) as usize]
    }
}

/// Generates random frames; see the module docs.
#[derive(Clone, Debug)]
pub struct FrameGen {
    rng: Rng,
    /// Addresses and ports come from small pools so that flows repeat.
    pool: u64,
}

impl FrameGen {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        let mut rng = Rng::new(seed);
        let pool = rng.next_u64();
        FrameGen { rng, pool }
    }

    /// The underlying random source (for the caller's own choices).
    pub fn rng(&mut self) -> &mut Rng {
        &mut self.rng
    }

    fn addr4(&mut self) -> [u8; 4] {
        if self.rng.pct(50) {
            let k = self.rng.below(16) ^ self.pool;
            [10, (k >> 8) as u8, (k >> 16) as u8, k as u8 & 15]
        } else {
            (self.rng.next_u64() as u32).to_be_bytes()
        }
    }

    fn addr6(&mut self, out: &mut Vec<u8>) {
        if self.rng.pct(50) {
            let k = self.rng.below(16) ^ self.pool;
            out.extend_from_slice(&[0xfd, 0x00, 0, 0, 0, 0, 0, 0]);
            out.extend_from_slice(&k.to_be_bytes()[..7]);
            out.push(k as u8 & 15);
        } else {
            self.rng.fill(out, 16);
        }
    }

    fn port(&mut self) -> [u8; 2] {
        let p = if self.rng.pct(50) {
            self.rng.pick(&[80u16, 443, 53, 4739, 1766, 0, 65535])
        } else {
            (self.rng.byte() as u16 * 257) ^ self.rng.byte() as u16
        };
        p.to_be_bytes()
    }

    /// Writes the next frame into `out` (cleared first).
    pub fn next_into(&mut self, out: &mut Vec<u8>) {
        out.clear();
        let r = &mut self.rng;
        // Ethernet: unicast destination, source, then the VLAN stack.
        out.extend_from_slice(&[0x02, 0x4e, 0x49, 0x43, 0x00, 0x02, 0x02, 0x4e, 0x49, 0x43, 0x00, 0x01]);
        let tags = match r.below(10) {
            0..=4 => 0,
            5..=6 => 1,
            7..=8 => 2,
            _ => 3,
        };
        for _ in 0..tags {
            let tpid: u16 = r.pick(&[0x8100, 0x88A8]);
            out.extend_from_slice(&tpid.to_be_bytes());
            out.push(r.byte());
            out.push(r.byte());
        }
        let kind = r.below(100);
        match kind {
            0..=39 => {
                out.extend_from_slice(&0x0800u16.to_be_bytes());
                self.ipv4(out);
            }
            40..=79 => {
                out.extend_from_slice(&0x86DDu16.to_be_bytes());
                self.ipv6(out);
            }
            80..=86 => {
                // ARP request-ish.
                out.extend_from_slice(&0x0806u16.to_be_bytes());
                out.extend_from_slice(&[0, 1, 8, 0, 6, 4, 0, 1]);
                self.rng.fill(out, 20);
            }
            87..=90 => {
                // A VLAN TPID right where the L3 ethertype goes (a tag past the second).
                let t: u16 = self.rng.pick(&[0x8100, 0x88A8]);
                out.extend_from_slice(&t.to_be_bytes());
                let n = self.rng.range(0, 80);
                self.rng.fill(out, n);
            }
            _ => {
                let t = self.rng.pick(&[0x88B5u16, 0x0801, 0x86DC, 0x0000, 0xFFFF, 0x8847, 0x88CC]);
                out.extend_from_slice(&t.to_be_bytes());
                let n = self.rng.range(0, 80);
                self.rng.fill(out, n);
            }
        }
        if kind < 80 {
            self.checksums(out);
        }
        let r = &mut self.rng;
        // Ethernet padding after the IP datagram (the IP length says where it ends).
        if r.pct(15) {
            let n = r.range(1, 40);
            r.fill(out, n);
        }
        if out.len() < 60 && r.pct(50) {
            out.resize(60, 0);
        }
        // Truncation anywhere at or after the Ethernet header.
        if r.pct(20) && out.len() > 14 {
            let cut = r.range(14, out.len() - 1);
            out.truncate(cut);
        }
        out.truncate(MAX_LEN);
    }

    /// Makes most IPv4 header and TCP/UDP checksums right (they start out
    /// random), then spoils some: an IP header byte, an L4 header or payload
    /// byte, or the checksum field; some UDP datagrams get checksum 0.
    fn checksums(&mut self, out: &mut [u8]) {
        use crate::csum;
        let p = crate::parse(out);
        let l3 = usize::from(p.l3_offset);
        let l4 = usize::from(p.l4_offset);
        let v4 = u32::from(p.l3_type) == nic_spec::l3_type::IPV4;
        if csum::l4_checked(&p) && self.rng.pct(85) {
            if let Some(end) = csum::ip_end(out, &p).filter(|&e| e <= out.len()) {
                let udp = u32::from(p.l4_type) == nic_spec::l4_type::UDP;
                let at = l4 + if udp { 6 } else { 16 };
                if at + 2 <= end {
                    out[at..at + 2].fill(0);
                    let proto = if udp { 17 } else { 6 };
                    if let Some(ps) = csum::pseudo_sum(out, l3, !v4, proto, end - l4) {
                        let mut c = csum::complement(ps + csum::sum_words(&out[l4..end]));
                        if udp && c == 0 {
                            c = 0xFFFF;
                        }
                        if udp && self.rng.pct(8) {
                            c = 0;
                        }
                        out[at..at + 2].copy_from_slice(&c.to_be_bytes());
                    }
                    if self.rng.pct(15) {
                        let i = match self.rng.below(3) {
                            0 => at + self.rng.range(0, 1),
                            1 => self.rng.range(l4, l4 + 7),
                            _ => self.rng.range(l4, end - 1),
                        };
                        out[i] ^= 1 << self.rng.below(8);
                    }
                }
            }
        }
        if v4 && l4 != 0 && self.rng.pct(85) {
            out[l3 + 10..l3 + 12].fill(0);
            let c = csum::complement(csum::sum_words(&out[l3..l4]));
            out[l3 + 10..l3 + 12].copy_from_slice(&c.to_be_bytes());
            if self.rng.pct(10) {
                let i = self.rng.range(l3, l4 - 1);
                out[i] ^= 1 << self.rng.below(8);
            }
        }
    }

    fn payload(&mut self, out: &mut Vec<u8>) {
        let n = match self.rng.below(10) {
            0..=3 => self.rng.range(0, 16),
            4..=7 => self.rng.range(0, 200),
            _ => self.rng.range(0, 500),
        };
        self.rng.fill(out, n);
    }

    /// An L4 header (and payload) for `proto`.
    fn l4(&mut self, out: &mut Vec<u8>, proto: u8) {
        match proto {
            6 => {
                let doff: u8 = match self.rng.below(20) {
                    0..=13 => 5,
                    14..=17 => self.rng.range(6, 15) as u8,
                    _ => self.rng.range(0, 4) as u8,
                };
                let p = self.port();
                out.extend_from_slice(&p);
                let p = self.port();
                out.extend_from_slice(&p);
                self.rng.fill(out, 8); // seq, ack
                out.push(doff << 4 | (self.rng.byte() & 0x0f));
                out.push(self.rng.byte()); // flags
                self.rng.fill(out, 6); // window, checksum, urgent
                if doff > 5 {
                    let n = 4 * (usize::from(doff) - 5);
                    self.rng.fill(out, n);
                }
                self.payload(out);
            }
            17 => {
                let p = self.port();
                out.extend_from_slice(&p);
                let p = self.port();
                out.extend_from_slice(&p);
                self.rng.fill(out, 4);
                self.payload(out);
            }
            _ => self.payload(out),
        }
    }

    fn l4_proto(&mut self) -> u8 {
        match self.rng.below(100) {
            0..=44 => 6,
            45..=79 => 17,
            80..=84 => 1,
            85..=87 => 58,
            88..=89 => 59,
            _ => self.rng.byte(),
        }
    }

    fn ipv4(&mut self, out: &mut Vec<u8>) {
        let start = out.len();
        let r = &mut self.rng;
        let version: u8 = if r.pct(5) { r.pick(&[0, 6, 5, 15]) } else { 4 };
        let ihl: u8 = match r.below(20) {
            0..=13 => 5,
            14..=17 => r.range(6, 15) as u8,
            _ => r.range(0, 4) as u8,
        };
        out.push(version << 4 | ihl);
        out.push(r.byte()); // DSCP/ECN
        out.extend_from_slice(&[0, 0]); // total length, fixed below
        out.push(r.byte());
        out.push(r.byte()); // identification
        let frag: u16 = match r.below(20) {
            0..=11 => 0,
            12..=14 => 0x4000,                        // DF only
            15 => 0x2000,                             // MF, offset 0 (first fragment)
            16 => r.range(1, 0x1FFF) as u16,          // offset only
            17 => 0x2000 | r.range(1, 0x1FFF) as u16, // middle fragment
            18 => 0x8000,                             // reserved bit only
            _ => 0x4000 | 0x2000,                     // DF + MF
        };
        out.extend_from_slice(&frag.to_be_bytes());
        out.push(r.byte()); // TTL
        let proto = self.l4_proto();
        out.push(proto);
        let r = &mut self.rng;
        out.extend_from_slice(&[r.byte(), r.byte()]); // checksum (the NIC does not check it)
        let a = self.addr4();
        out.extend_from_slice(&a);
        let a = self.addr4();
        out.extend_from_slice(&a);
        if ihl > 5 {
            let n = 4 * (usize::from(ihl) - 5);
            self.rng.fill(out, n);
        }
        self.l4(out, proto);
        let r = &mut self.rng;
        let real = out.len() - start;
        let tot = match r.below(20) {
            0..=15 => real,
            16 => real + r.range(1, 64),
            17 => real.saturating_sub(r.range(1, 64)),
            18 => r.range(0, 40),
            _ => r.below(65536) as usize,
        };
        out[start + 2..start + 4].copy_from_slice(&(tot as u16).to_be_bytes());
    }

    fn ipv6(&mut self, out: &mut Vec<u8>) {
        let start = out.len();
        let r = &mut self.rng;
        let version: u8 = if r.pct(5) { r.pick(&[4, 0, 7, 15]) } else { 6 };
        out.push(version << 4 | r.byte() & 15);
        out.push(r.byte());
        out.push(r.byte());
        out.push(r.byte()); // flow label
        out.extend_from_slice(&[0, 0]); // payload length, fixed below
        let next_at = out.len();
        out.push(0);
        out.push(r.byte()); // hop limit
        self.addr6(out);
        self.addr6(out);
        // Extension chain: usually short, sometimes long enough to pass the limit.
        let r = &mut self.rng;
        let n_ext = match r.below(10) {
            0..=4 => 0,
            5..=7 => r.range(1, 3),
            _ => r.range(4, 24),
        };
        let mut prev = next_at;
        for _ in 0..n_ext {
            let r = &mut self.rng;
            let t: u8 = r.pick(&[0, 43, 60, 44]);
            out[prev] = t;
            prev = out.len();
            out.push(0);
            if t == 44 {
                out.push(0);
                let frag: u16 = if r.pct(50) { 0 } else { ((r.byte() as u16 * 257) & 0xFFF9) | r.below(2) as u16 };
                out.extend_from_slice(&frag.to_be_bytes());
                r.fill(out, 4);
            } else {
                let hlen: u8 = match r.below(10) {
                    0..=6 => 0,
                    7..=8 => r.range(1, 4) as u8,
                    _ => r.byte(),
                };
                out.push(hlen);
                let n = 8 * (usize::from(hlen) + 1) - 2;
                r.fill(out, n.min(MAX_LEN));
            }
        }
        let proto = self.l4_proto();
        out[prev] = proto;
        self.l4(out, proto);
        let r = &mut self.rng;
        let real = out.len() - start - 40;
        let pl = match r.below(20) {
            0..=15 => real,
            16 => real + r.range(1, 64),
            17 => real.saturating_sub(r.range(1, 64)),
            18 => r.range(0, 40),
            _ => r.below(65536) as usize,
        };
        out[start + 4..start + 6].copy_from_slice(&(pl as u16).to_be_bytes());
    }
}
