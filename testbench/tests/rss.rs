//! Receive-side scaling end to end: frames through the verilated RTL and the
//! driver, every completion checked against the independent reference model
//! (`nic-model`): the Microsoft verification suite bit-exact, a differential
//! run over 100 000 random and malformed frames, a real multi-flow capture
//! and minimum-size frames back to back.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use nic_hal::Hal;
use nic_model::{build, gen, suite, Classified};
use nic_spec::{global, rss, rss_type};
use nic_testbench::pcap::{self, PcapWriter};
use nic_testbench::replay::{Delivered, ReplayConfig, Replayer, Report, Stimulus};

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors")
}

/// The model's view of what the replayer programmed: the key, types and
/// default queue from the config, the table as the driver expanded it, the
/// device's queue count (steering masks to it).
fn model_config(rp: &mut Replayer) -> nic_model::RssConfig {
    let cfg = rp.config().clone();
    let (nic, _) = rp.parts();
    assert!(nic.caps().rss_reta_size >= 128, "the device has RSS: {:?}", nic.caps());
    nic_model::RssConfig {
        key: cfg.rss_key,
        hash_types: cfg.rss_types,
        reta: nic.reta().to_vec(),
        default_queue: cfg.default_queue,
        queues: nic.caps().rx_queues,
    }
}

/// Everything the completion says about RSS, parsing and checksums, as the
/// model says it for `data`.
fn expected(c: &Classified, data: &[u8]) -> [u64; N] {
    let p = &c.parsed;
    let k = nic_model::csum::checksums(data, p);
    [
        c.hash.into(),
        c.rss_type.into(),
        c.queue.into(),
        p.l3_type.into(),
        p.l4_type.into(),
        p.flags.into(),
        p.vlan_count.into(),
        p.l3_offset.into(),
        p.l4_offset.into(),
        p.payload_offset.into(),
        k.ip.into(),
        k.l4.into(),
        k.complete.into(),
    ]
}

const N: usize = 13;

fn got(d: &Delivered) -> [u64; N] {
    [
        d.rss_hash.into(),
        d.rss_type.into(),
        d.queue as u64,
        d.l3_type.into(),
        d.l4_type.into(),
        d.flags.into(),
        d.vlan_count.into(),
        d.l3_offset.into(),
        d.l4_offset.into(),
        d.payload_offset.into(),
        d.ip_csum.into(),
        d.l4_csum.into(),
        d.csum_complete.into(),
    ]
}

const FIELDS: [&str; N] = [
    "rss_hash",
    "rss_type",
    "queue",
    "l3_type",
    "l4_type",
    "flags",
    "vlan_count",
    "l3_offset",
    "l4_offset",
    "payload_offset",
    "ip_csum",
    "l4_csum",
    "csum_complete",
];

fn describe(want: &[u64; N], have: &[u64; N]) -> String {
    FIELDS
        .iter()
        .zip(want.iter().zip(have))
        .filter(|(_, (w, h))| w != h)
        .map(|(n, (w, h))| format!("{n}: rtl {h:#x} model {w:#x}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes `frame` as a one-frame pcap under target/ and returns the path.
fn dump_pcap(name: &str, frame: &[u8]) -> PathBuf {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let mut w = PcapWriter::create(&path).expect("create pcap");
    w.write(0, 0, frame.len() as u32, frame).expect("write pcap");
    w.finish().expect("finish pcap");
    path
}

/// Frames of each queue are in input order.
fn assert_per_queue_order(got: &[(Delivered, Vec<u8>)]) {
    let mut last: HashMap<usize, u64> = HashMap::new();
    for (d, _) in got {
        if let Some(&l) = last.get(&d.queue) {
            assert!(d.frame > l, "queue {}: frame {} delivered after {l}", d.queue, d.frame);
        }
        last.insert(d.queue, d.frame);
    }
}

/// No corrupt frame, no TLP violation, no device fault.
fn assert_clean(r: &Report) {
    assert_eq!(r.corrupt_frames.count, 0, "corrupt frames: {:#?}", r.corrupt_frames.list);
    assert_eq!(r.tlp_violations.count, 0, "violations: {:#?}", r.tlp_violations.list);
    assert_eq!(r.driver_device_faults, 0);
}

fn assert_clean_and_complete(r: &Report) {
    assert_clean(r);
    assert_eq!(r.frames_dropped.total, 0, "{:#?}", r.frames_dropped);
    assert_eq!(r.frames_delivered, r.frames_in, "every frame delivered: {r:#?}");
}

/// Replays `frames` and returns what came out plus the model's configuration.
fn replay(cfg: ReplayConfig, frames: &[Vec<u8>]) -> (Report, Vec<(Delivered, Vec<u8>)>, nic_model::RssConfig) {
    let mut rp = Replayer::new(cfg).expect("simulator and driver come up");
    let model = model_config(&mut rp);
    let mut out = Vec::new();
    rp.run(frames.iter().map(|f| Ok(Stimulus::synthetic(f.clone()))), |d, data| out.push((d.clone(), data.to_vec())))
        .unwrap_or_else(|e| panic!("replay failed: {e}"));
    let r = rp.report().unwrap();
    rp.close().unwrap();
    (r, out, model)
}

/// A frame with the (hash, type) expected with every type enabled and with
/// only the two address-only types enabled.
type SuiteCase = (Vec<u8>, (u32, u32), (u32, u32));

/// The suite's frames.
fn suite_frames() -> Vec<SuiteCase> {
    use rss_type::*;
    let mut v = Vec::new();
    for (dst, dport, src, sport, h2, h4) in suite::MS_V4 {
        v.push((build::pad60(build::tcp4(src, dst, sport, dport, b"tcp")), (h4, IPV4_TCP), (h2, IPV4)));
        v.push((build::pad60(build::udp4(src, dst, sport, dport, b"udp")), (h4, IPV4_UDP), (h2, IPV4)));
        // ICMP echo: not TCP or UDP, so the address-only hash whatever is enabled.
        v.push((build::pad60(build::ip4(src, dst, 1, &[8, 0, 0xf7, 0xff, 0, 0, 0, 0])), (h2, IPV4), (h2, IPV4)));
    }
    for (dst, dport, src, sport, h2, h4) in suite::ms_v6() {
        v.push((build::tcp6(src, dst, sport, dport, b"tcp"), (h4, IPV6_TCP), (h2, IPV6)));
        v.push((build::udp6(src, dst, sport, dport, b"udp"), (h4, IPV6_UDP), (h2, IPV6)));
        // ICMPv6 echo request.
        v.push((build::ip6(src, dst, 58, &[128, 0, 0, 0, 0, 0, 0, 0]), (h2, IPV6), (h2, IPV6)));
    }
    v
}

/// The Microsoft RSS verification suite through the RTL: the completion's
/// hash is the suite's value, bit-exact, for every row, IPv4 and IPv6, with
/// and without ports; types and queues follow.
#[test]
fn microsoft_suite_through_the_rtl() {
    let cases = suite_frames();
    let frames: Vec<Vec<u8>> = cases.iter().map(|c| c.0.clone()).collect();
    let l3_only = rss_type::enable_bit(rss_type::IPV4) | rss_type::enable_bit(rss_type::IPV6);
    for (types, label) in [(rss_type::ALL_ENABLED, "all types"), (l3_only, "ipv4,ipv6 only")] {
        let cfg = ReplayConfig { rss_types: types, ..ReplayConfig::default() };
        let (r, out, model) = replay(cfg, &frames);
        assert_clean_and_complete(&r);
        assert_eq!(out.len(), cases.len());
        for (d, data) in &out {
            let (_, all, l3) = &cases[d.frame as usize];
            let (hash, t) = if types == rss_type::ALL_ENABLED { *all } else { *l3 };
            assert_eq!(
                (d.rss_hash, u32::from(d.rss_type)),
                (hash, t),
                "{label}: frame {} ({}): hash {:#010x} type {}, suite says {hash:#010x} {}",
                d.frame,
                hex(data),
                d.rss_hash,
                rss_type::NAMES[usize::from(d.rss_type)],
                rss_type::NAMES[t as usize]
            );
            let reta = &model.reta;
            assert_eq!(d.queue, usize::from(reta[hash as usize & (reta.len() - 1)]), "frame {} queue", d.frame);
            let c = nic_model::classify(&model, data);
            assert_eq!(
                got(d),
                expected(&c, data),
                "{label}: frame {}: {}",
                d.frame,
                describe(&expected(&c, data), &got(d))
            );
        }
    }
}

/// One segment of the differential run: its RSS settings.
struct Segment {
    rss: nic_driver::RssConfig,
    /// Raw RETA and default queue written straight to the registers
    /// (entries past the queue count, to exercise the masking rule).
    raw: Option<(Vec<u8>, u8)>,
}

fn random_segment(r: &mut gen::Rng, k: usize, queues: usize, reta_size: usize) -> Segment {
    let mut rss = nic_driver::RssConfig::default();
    if k == 0 {
        return Segment { rss, raw: None };
    }
    if r.pct(60) {
        rss.key = std::array::from_fn(|_| r.byte());
    }
    rss.hash_types = match r.below(4) {
        0 => rss_type::ALL_ENABLED,
        _ => r.below(64) as u32,
    };
    let len = reta_size >> r.below(4);
    rss.reta = (0..len).map(|_| r.below(queues as u64) as u8).collect();
    rss.default_queue = r.below(queues as u64) as u8;
    let raw = (k % 3 == 2).then(|| ((0..reta_size).map(|_| r.byte()).collect(), r.byte()));
    Segment { rss, raw }
}

/// One configuration of the differential run: data buffer size and the
/// queue's split settings.
struct DiffConfig {
    label: &'static str,
    buf_size: usize,
    split: nic_driver::SplitConfig,
}

fn diff_configs() -> Vec<DiffConfig> {
    use nic_driver::{SplitConfig, SplitMode};
    let s = |mode, hdr_buf, thresh, scatter, vlan_strip| SplitConfig { mode, hdr_buf, thresh, scatter, vlan_strip };
    vec![
        // The plain RSS run: whole frames, one buffer each.
        DiffConfig { label: "never/1024", buf_size: 1024, split: s(SplitMode::Never, 256, 0, false, false) },
        // Split everything IP into 128-byte header buffers, payload scattered over 256-byte buffers.
        DiffConfig { label: "always/hdr128/buf256", buf_size: 256, split: s(SplitMode::Always, 128, 0, true, false) },
        // TCP/UDP only, 64-byte header buffers (many overflow), a threshold, 128-byte buffers, VLAN strip.
        DiffConfig {
            label: "tcp-udp/hdr64/thresh96/buf128/strip",
            buf_size: 128,
            split: s(SplitMode::TcpUdp, 64, 96, true, true),
        },
        // Big header buffers, a threshold above the header buffer size of some frames, VLAN strip.
        DiffConfig {
            label: "always/hdr256/thresh200/buf400/strip",
            buf_size: 400,
            split: s(SplitMode::Always, 256, 200, true, true),
        },
        // No split, scatter over 160-byte buffers, VLAN strip.
        DiffConfig { label: "never/buf160/strip", buf_size: 160, split: s(SplitMode::Never, 256, 0, true, true) },
    ]
}

/// The model's split configuration for the driver's.
fn model_split(c: &nic_driver::SplitConfig) -> nic_model::split::SplitConfig {
    nic_model::split::SplitConfig {
        mode: c.mode.raw(),
        hdr_log_size: u32::from(c.hdr_buf).trailing_zeros(),
        thresh: u32::from(c.thresh),
        scatter: c.scatter,
        vlan_strip: c.vlan_strip,
    }
}

const SPLIT_FIELDS: [&str; 11] = [
    "len",
    "hdr_len",
    "payload_len",
    "split",
    "hdr_overflow",
    "desc_count",
    "bufs",
    "last_len",
    "vlan_tci",
    "vlan_stripped",
    "status",
];

/// The split fields the model predicts for input frame `input` (None: the
/// model does not deliver it).
fn expected_split(input: &[u8], c: &Classified, cfg: &nic_model::split::SplitConfig, buf: usize) -> Option<[u64; 11]> {
    use nic_model::split::{plan, Outcome};
    let Outcome::Deliver(d) = plan(input, &c.parsed, cfg, buf as u16, 1 << 15) else {
        return None;
    };
    let l = &d.layout;
    Some([
        l.len as u64,
        l.hdr_len as u64,
        l.data_len as u64,
        l.split().into(),
        l.hdr_overflow().into(),
        d.n as u64,
        d.data_bufs() as u64,
        d.last_len as u64,
        l.vlan_tci.into(),
        l.strip.into(),
        0,
    ])
}

fn got_split(d: &Delivered) -> [u64; 11] {
    [
        d.len as u64,
        d.hdr_len.into(),
        d.payload_len.into(),
        d.split.into(),
        d.hdr_overflow.into(),
        d.desc_count.into(),
        d.bufs.into(),
        d.last_len.into(),
        d.vlan_tci.into(),
        d.vlan_stripped.into(),
        d.status.into(),
    ]
}

fn describe_split(want: &Option<[u64; 11]>, have: &[u64; 11]) -> String {
    let Some(want) = want else {
        return "the model drops this frame".into();
    };
    SPLIT_FIELDS
        .iter()
        .zip(want.iter().zip(have))
        .filter(|(_, (w, h))| w != h)
        .map(|(n, (w, h))| format!("{n}: rtl {h} model {w}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Differential test: at least 100 000 random and malformed frames (VLAN
/// stacks 0..=3 with both TPIDs, IPv4 options, IHL < 5, bad versions,
/// truncation at every depth, fragments, IPv6 extension chains past the
/// parse limit, TCP data-offset edges, padding, ARP and other ethertypes,
/// 14..=600 bytes) in segments with random keys, hash-type enables and
/// indirection tables, through the RTL and through the model, shared out
/// over five queue configurations (`diff_configs`: split never / always /
/// tcp-udp, 64..256-byte header buffers, thresholds, data buffers of
/// 128..1024 bytes with scatter, VLAN stripping on and off): no field of
/// any completion may differ, RSS, parse and checksum fields as well as
/// header length, split, overflow, descriptor and buffer counts, last
/// length and VLAN fields; the delivered bytes are the frame without the
/// stripped tag. `NIC_DIFF_SEED` fixes the seed (it is printed);
/// `NIC_DIFF_FRAMES` changes the count.
#[test]
fn differential_random_frames_match_the_model() {
    let seed = std::env::var("NIC_DIFF_SEED").ok().map(|s| {
        let s = s.trim();
        s.strip_prefix("0x").map_or_else(|| s.parse(), |h| u64::from_str_radix(h, 16)).expect("NIC_DIFF_SEED: a u64")
    });
    let seed = seed.unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1)
    });
    let total: usize = std::env::var("NIC_DIFF_FRAMES").ok().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    eprintln!("differential: seed {seed:#x} (NIC_DIFF_SEED={seed}), {total} frames");
    let started = Instant::now();

    let configs = diff_configs();
    let mut frames = gen::FrameGen::new(seed);
    let mut choose = gen::Rng::new(seed ^ 0x05EE_D0FC_0F16_u64);
    let segments = 10usize;
    let per_segment = total.div_ceil(segments);
    let per_config = segments.div_ceil(configs.len());
    let mut sent = 0usize;
    let mut checked = 0u64;
    let mut mismatches = 0u64;
    let mut first: Option<(String, u64, String, Vec<u8>)> = None;
    // verdict counts: [ip, l4][none, good, bad]
    let mut tally = [[0u64; 3]; 2];
    // split outcomes: [split, overflow, small, stripped, multi-buffer]
    let mut shapes = [0u64; 5];
    let mut queues_used = 0usize;
    let mut queue_use_all: Vec<u64> = Vec::new();
    let mut buf = Vec::with_capacity(gen::MAX_LEN);
    let mut k = 0usize;
    for dc in &configs {
        let cfg = ReplayConfig {
            ring_log: 10,
            buf_size: dc.buf_size,
            split: dc.split,
            chunk_cycles: 2048,
            mac_window: 1024,
            poll_budget: 1024,
            ..ReplayConfig::default()
        };
        let msplit = model_split(&dc.split);
        let mut rp = Replayer::new(cfg).unwrap_or_else(|e| panic!("{}: simulator and driver come up: {e}", dc.label));
        let mut model = model_config(&mut rp);
        let queues = rp.queues();
        queue_use_all.resize(queues, 0);
        let reta_size = model.reta.len();
        let mut last_on_queue = vec![None::<u64>; queues];
        let mut fed = 0u64; // frames fed to this replayer
        let mut delivered_here = 0u64;
        for _ in 0..per_config {
            let n = per_segment.min(total - sent);
            if n == 0 {
                break;
            }
            let seg = random_segment(&mut choose, k, queues, reta_size);
            k += 1;
            {
                let (nic, sim) = rp.parts();
                nic.set_rss(sim, &seg.rss).unwrap();
                model.key = seg.rss.key;
                model.hash_types = seg.rss.hash_types;
                model.default_queue = seg.rss.default_queue;
                model.reta = nic.reta().to_vec();
                if let Some((reta, dq)) = &seg.raw {
                    for (i, e) in reta.chunks(4).enumerate() {
                        sim.mmio_write32(global::RSS_RETA + 4 * i as u32, u32::from_le_bytes([e[0], e[1], e[2], e[3]]));
                    }
                    sim.mmio_write32(global::RSS_DEFAULT_QUEUE, u32::from(*dq));
                    let back = sim.mmio_read32(global::RSS_DEFAULT_QUEUE).unwrap();
                    assert_eq!(back, u32::from(*dq), "RSS_DEFAULT_QUEUE reads back");
                    model.reta = reta.clone();
                    model.default_queue = *dq;
                }
            }
            // The segment's frames, kept for the model (the delivered bytes lack stripped tags).
            let inputs: Vec<Vec<u8>> = (0..n)
                .map(|_| {
                    frames.next_into(&mut buf);
                    buf.clone()
                })
                .collect();
            let base = fed;
            let m = &model;
            rp.run(inputs.iter().map(|f| Ok(Stimulus::synthetic(f.clone()))), |d, data| {
                checked += 1;
                delivered_here += 1;
                queue_use_all[d.queue] += 1;
                if let Some(l) = last_on_queue[d.queue] {
                    assert!(d.frame > l, "{}: queue {}: frame {} after {l}", dc.label, d.queue, d.frame);
                }
                last_on_queue[d.queue] = Some(d.frame);
                tally[0][usize::from(d.ip_csum.min(2))] += 1;
                tally[1][usize::from(d.l4_csum.min(2))] += 1;
                let input = &inputs[(d.frame - base) as usize];
                let c = nic_model::classify(m, input);
                let want = expected(&c, input);
                let have = got(d);
                let want_split = expected_split(input, &c, &msplit, dc.buf_size);
                let have_split = got_split(d);
                let strip = want_split.is_some_and(|w| w[9] == 1);
                let want_bytes = nic_model::split::delivered(input, strip);
                let bytes_ok = data == want_bytes.as_slice();
                if let Some(w) = &want_split {
                    shapes[0] += w[3];
                    shapes[1] += w[4];
                    shapes[2] += u64::from(w[1] > 0 && w[3] == 0);
                    shapes[3] += w[9];
                    shapes[4] += u64::from(w[6] > 1);
                }
                if want != have || want_split != Some(have_split) || !bytes_ok {
                    mismatches += 1;
                    let mut what = describe(&want, &have);
                    let sd = describe_split(&want_split, &have_split);
                    for part in [sd, if bytes_ok { String::new() } else { "delivered bytes differ".into() }] {
                        if !part.is_empty() {
                            if !what.is_empty() {
                                what.push_str(", ");
                            }
                            what.push_str(&part);
                        }
                    }
                    if mismatches <= 10 {
                        eprintln!(
                            "MISMATCH {} frame {} (segment {}, {} bytes): {what}\n  {}",
                            dc.label,
                            d.frame,
                            k - 1,
                            input.len(),
                            hex(input)
                        );
                    }
                    if first.is_none() {
                        first = Some((dc.label.to_string(), d.frame, what, input.clone()));
                    }
                }
            })
            .unwrap_or_else(|e| panic!("seed {seed:#x}: {}: replay failed: {e}", dc.label));
            fed += n as u64;
            sent += n;
        }
        let r = rp.report().unwrap();
        rp.close().unwrap();
        eprintln!(
            "differential: {}: {} frames, {delivered_here} delivered, {} sim cycles",
            dc.label, fed, r.sim_cycles
        );
        if first.is_none() {
            assert_clean_and_complete(&r);
        }
        queues_used = queues_used.max(queues);
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "differential: seed {seed:#x}: {checked} frames compared in {secs:.1} s, {mismatches} mismatches; per queue {queue_use_all:?}"
    );
    eprintln!(
        "differential: split {}, hdr_overflow {}, small {}, vlan stripped {}, multi-buffer {}",
        shapes[0], shapes[1], shapes[2], shapes[3], shapes[4]
    );
    if let Some((label, frame, what, data)) = first {
        let path = dump_pcap(&format!("rss-diff-{seed:x}-frame{frame}.pcap"), &data);
        panic!(
            "seed {seed:#x} (rerun with NIC_DIFF_SEED={seed}): {mismatches} of {checked} frames differ from the model; first: {label} frame {frame}: {what}\n  frame: {}\n  pcap: {}",
            hex(&data),
            path.display()
        );
    }
    eprintln!("differential: checksum verdicts [none, good, bad]: ip {:?}, l4 {:?}", tally[0], tally[1]);
    assert_eq!(checked, total as u64);
    // The generator spoils a good share of checksums: both verdicts occur often.
    for t in tally {
        assert!(t[1] * 20 > checked && t[2] * 50 > checked, "verdicts {tally:?} of {checked}");
    }
    // Every split outcome occurs often enough to matter.
    assert!(shapes.iter().all(|&n| n * 200 > checked), "split shapes {shapes:?} of {checked}");
    assert!(queue_use_all.iter().all(|&n| n > 0), "every queue got frames: {queue_use_all:?}");
    let _ = queues_used;
}

/// Real kernel traffic carries valid checksums: every IPv4 header the
/// parser accepted is `good`, every TCP/UDP segment that is not a fragment
/// (nor cut short) is `good` (or `none` for an IPv4 UDP datagram without
/// checksum). Returns how many L4 verdicts were `good`.
fn assert_real_checksums(name: &str, out: &[(Delivered, Vec<u8>)]) -> usize {
    use nic_spec::{csum, l3_type};
    let mut good = 0;
    for (d, data) in out {
        let p = nic_model::parse(data);
        if u32::from(p.l3_type) == l3_type::IPV4 && p.l4_offset != 0 {
            assert_eq!(u32::from(d.ip_csum), csum::GOOD, "{name} frame {}: ip_csum {}", d.frame, hex(data));
        }
        if nic_model::csum::l4_checked(&p) {
            let zero_udp4 =
                u32::from(d.l4_csum) == csum::NONE && nic_model::csum::checksums(data, &p).l4 == csum::NONE as u8;
            assert!(
                u32::from(d.l4_csum) == csum::GOOD || zero_udp4,
                "{name} frame {}: l4_csum {} ({})",
                d.frame,
                csum::NAMES[usize::from(d.l4_csum.min(2))],
                hex(data)
            );
            good += usize::from(u32::from(d.l4_csum) == csum::GOOD);
        }
    }
    good
}

/// The mixed real capture: good verdicts everywhere they apply.
#[test]
fn real_capture_checksums_are_good() {
    let path = vectors().join("ns-mixed.pcap");
    let frames: Vec<Vec<u8>> =
        pcap::read_all(&path).unwrap_or_else(|e| panic!("{e}")).into_iter().map(|f| f.data).collect();
    let (r, out, _) = replay(ReplayConfig::default(), &frames);
    assert_clean_and_complete(&r);
    let good = assert_real_checksums("ns-mixed", &out);
    eprintln!("ns-mixed: {} frames, {good} TCP/UDP checksums good", out.len());
    assert!(good > 100, "{good} good L4 verdicts");
}

/// The multi-flow capture over 8 queues: every queue gets traffic, every
/// flow stays on one queue, each queue's frames are in capture order and
/// byte-identical, and every frame's queue, hash and type are the model's.
#[test]
fn multiflow_capture_spreads_flows_over_queues() {
    let path = vectors().join("ns-multiflow.pcap");
    let frames: Vec<Vec<u8>> =
        pcap::read_all(&path).unwrap_or_else(|e| panic!("{e}")).into_iter().map(|f| f.data).collect();
    assert!(frames.len() > 1000, "{} frames", frames.len());
    let cfg = ReplayConfig { queues: Some(8), ring_log: 10, ..ReplayConfig::default() };
    let (r, out, model) = replay(cfg, &frames);
    assert_clean_and_complete(&r);
    assert_per_queue_order(&out);
    assert_eq!(model.queues, 8, "the device has 8 queues");
    let mut flow_queue: HashMap<nic_model::Tuple, usize> = HashMap::new();
    let mut per_queue = [0u64; 8];
    let mut hashed = 0;
    for (d, data) in &out {
        assert_eq!(data, &frames[d.frame as usize], "frame {} differs", d.frame);
        let c = nic_model::classify(&model, data);
        assert_eq!(got(d), expected(&c, data), "frame {}: {}", d.frame, describe(&expected(&c, data), &got(d)));
        per_queue[d.queue] += 1;
        if let Some(t) = c.parsed.tuple.filter(|_| c.rss_type != 0) {
            hashed += 1;
            // One queue per flow; both directions of a connection are two flows.
            let q = *flow_queue.entry(t).or_insert(d.queue);
            assert_eq!(q, d.queue, "flow {t:?} on queues {q} and {}", d.queue);
        }
    }
    let good = assert_real_checksums("ns-multiflow", &out);
    assert!(good > 1000, "{good} good L4 verdicts");
    eprintln!("multiflow: {} frames, {} flows, {hashed} hashed, per queue {per_queue:?}", out.len(), flow_queue.len());
    assert!(flow_queue.len() >= 100, "{} flows", flow_queue.len());
    assert!(per_queue.iter().all(|&n| n > 0), "every queue gets traffic: {per_queue:?}");
}

/// `n` 60-byte TCP and UDP frames over 512 flows.
fn minimum_frames_of_many_flows(n: u32) -> Vec<Vec<u8>> {
    let frames: Vec<Vec<u8>> = (0..n)
        .map(|i| {
            let flow = i % 512;
            let src = [10, 1, (flow >> 8) as u8, flow as u8];
            let dst = [10, 2, 0, (flow % 7) as u8];
            let f = if flow % 2 == 0 {
                build::tcp4(src, dst, 1024 + flow as u16, 80, &[])
            } else {
                build::udp4(src, dst, 5000 + flow as u16, 53, &(i as u16).to_be_bytes())
            };
            // 60 bytes: the Ethernet minimum without FCS.
            build::pad60(f)
        })
        .collect();
    assert!(frames.iter().all(|f| f.len() == 60));
    frames
}

/// Every delivered frame's fields are what the model says; returns the
/// frames per queue.
fn assert_each_frame_as_model(model: &nic_model::RssConfig, out: &[(Delivered, Vec<u8>)], queues: usize) -> Vec<u64> {
    let mut per_queue = vec![0u64; queues];
    for (d, data) in out {
        let c = nic_model::classify(model, data);
        assert_eq!(got(d), expected(&c, data), "frame {}: {}", d.frame, describe(&expected(&c, data), &got(d)));
        per_queue[d.queue] += 1;
    }
    per_queue
}

/// Minimum-size frames of many flows at a 10 Gb/s line's full rate (84
/// wire bytes each: 10.5 cycles per frame at 156.25 MHz), spread over every
/// queue: nothing is dropped, and each frame lands where the model says.
/// (The unpaced MAC stream, one 60-byte frame per 8 cycles, is faster than
/// any line and than the datapath's 8.0 cycles per minimum frame: see
/// `minimum_frames_faster_than_the_line_drop_only_at_the_fifo`.)
#[test]
fn minimum_frames_of_many_flows_at_line_rate() {
    let n = 20_000u32;
    let frames = minimum_frames_of_many_flows(n);
    let cfg = ReplayConfig {
        ring_log: 10,
        chunk_cycles: 1024,
        poll_budget: 1024,
        line_rate_gbps: Some(10.0),
        ..ReplayConfig::default()
    };
    let (r, out, model) = replay(cfg, &frames);
    assert_clean_and_complete(&r);
    assert_per_queue_order(&out);
    let per_queue = assert_each_frame_as_model(&model, &out, r.queues.len());
    eprintln!("line rate: {} frames in {} cycles, per queue {per_queue:?}", out.len(), r.sim_cycles);
    assert!(per_queue.iter().all(|&q| q > 0), "spread over every queue: {per_queue:?}");
    // 10.5 cycles per frame on the line; the whole run is not much longer than the line needs.
    assert!(r.sim_cycles < u64::from(n) * 21 / 2 * 5 / 4, "{} cycles", r.sim_cycles);
}

/// Minimum-size frames with no inter-frame gap at all (faster than a line):
/// a sustained overload. Frames the FIFO cannot take are counted as
/// fifo_full and dropped whole; every other frame is delivered intact and in
/// order, and nothing else goes wrong.
#[test]
fn minimum_frames_faster_than_the_line_drop_only_at_the_fifo() {
    let n = 20_000u32;
    let frames = minimum_frames_of_many_flows(n);
    let cfg = ReplayConfig { ring_log: 10, chunk_cycles: 1024, poll_budget: 1024, ..ReplayConfig::default() };
    let (r, out, model) = replay(cfg, &frames);
    assert_clean(&r);
    assert_eq!(r.frames_dropped.total, r.frames_dropped.fifo_full, "{:#?}", r.frames_dropped);
    // 8 cycles per frame in, 8.0 at best out, and descriptor reads and
    // interrupts share the request channel: the FIFO overflows.
    assert!(
        r.frames_dropped.fifo_full > 0,
        "no overload (does the engine now outrun the unpaced MAC?): {:#?}",
        r.frames_dropped
    );
    assert_eq!(r.frames_delivered + r.frames_dropped.total, r.frames_in, "{r:#?}");
    assert_per_queue_order(&out);
    assert_each_frame_as_model(&model, &out, r.queues.len());
    eprintln!("overload: {} of {n} frames delivered, {} dropped at the FIFO", out.len(), r.frames_dropped.fifo_full);
}

/// `set_rss` while open re-steers later frames: a table that sends every
/// hash to queue 3, then one that sends every hash to queue 5.
#[test]
fn set_rss_resteers_later_frames() {
    let frames: Vec<Vec<u8>> = (0..64u8)
        .map(|i| build::pad60(build::udp4([10, 0, 0, i], [10, 0, 1, 1], 1000 + u16::from(i), 53, b"")))
        .collect();
    let mut rp = Replayer::new(ReplayConfig { queues: Some(8), ..ReplayConfig::default() }).unwrap();
    for q in [3u8, 5] {
        let (nic, sim) = rp.parts();
        nic.set_rss(sim, &nic_driver::RssConfig { reta: vec![q], ..Default::default() }).unwrap();
        let mut queues = Vec::new();
        rp.run(frames.iter().map(|f| Ok(Stimulus::synthetic(f.clone()))), |d, _| queues.push(d.queue)).unwrap();
        assert_eq!(queues, vec![usize::from(q); 64]);
    }
    let (nic, sim) = rp.parts();
    // The table reads back as programmed.
    let size = nic.caps().rss_reta_size as usize;
    let back: Vec<u8> =
        (0..size / 4).flat_map(|n| sim.mmio_read32(global::RSS_RETA + 4 * n as u32).unwrap().to_le_bytes()).collect();
    assert_eq!(back, vec![5u8; size]);
    let key: Vec<u8> =
        (0..rss::KEY_DWORDS).flat_map(|n| sim.mmio_read32(global::RSS_KEY + 4 * n).unwrap().to_le_bytes()).collect();
    assert_eq!(key, rss::MS_KEY);
    rp.close().unwrap();
}
