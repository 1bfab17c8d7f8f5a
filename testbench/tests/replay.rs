//! End-to-end tests: frames through the verilated RTL (nic-sim) and the real
//! driver (nic-driver), checked byte for byte.

use std::path::{Path, PathBuf};

use nic_hal::Hal;
use nic_sim::ViolationKind;
use nic_spec::{desc, rxq, rxq_layout};
use nic_testbench::pcap::{self, Frame};
use nic_testbench::replay::{Delivered, ReplayConfig, Replayer, Report, Stimulus};
use nic_testbench::synth;

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors")
}

/// What the driver delivered, in delivery order.
type Got = Vec<(Delivered, Vec<u8>)>;

/// Replays `stimuli` on a fresh replayer and drains it.
fn replay(cfg: ReplayConfig, stimuli: Vec<Stimulus>) -> (Report, Got) {
    let mut rp = Replayer::new(cfg).expect("simulator and driver come up");
    let mut got = Vec::new();
    rp.run(stimuli.into_iter().map(Ok), |d, data| got.push((d.clone(), data.to_vec())))
        .unwrap_or_else(|e| panic!("replay failed: {e}"));
    let r = rp.report().unwrap();
    rp.close().unwrap();
    (r, got)
}

fn synthetic(frames: impl IntoIterator<Item = Vec<u8>>) -> Vec<Stimulus> {
    frames.into_iter().map(Stimulus::synthetic).collect()
}

/// Every delivered frame is byte-identical to the input frame it was
/// matched to, indices strictly increase on each queue (across queues the
/// order is free), and nothing was corrupt.
fn assert_in_order_identical(input: &[Stimulus], got: &Got, r: &Report) {
    assert_eq!(r.corrupt_frames.count, 0, "corrupt frames: {:#?}", r.corrupt_frames.list);
    let mut last = std::collections::HashMap::new();
    for (d, data) in got {
        let want = &input[d.frame as usize].frame.data;
        assert_eq!(data, want, "frame {} differs", d.frame);
        assert_eq!(d.len, want.len());
        let prev = last.insert(d.queue, d.frame);
        assert!(prev.is_none_or(|l| d.frame > l), "queue {}: frame {} delivered after {prev:?}", d.queue, d.frame);
    }
    assert_eq!(r.frames_delivered, got.len() as u64);
}

fn assert_accounted(r: &Report) {
    assert_eq!(r.frames_delivered + r.frames_dropped.total, r.frames_in, "delivered + dropped != frames_in: {r:#?}");
    assert_eq!(r.device_frames_in, r.frames_in);
}

fn assert_no_violations(r: &Report) {
    assert_eq!(r.tlp_violations.count, 0, "violations: {:#?}", r.tlp_violations.list);
    assert_eq!(r.driver_device_faults, 0);
}

fn snapshot_settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("snapshots");
    s.set_prepend_module_to_snapshot(false);
    s
}

fn replay_capture(name: &str) {
    let path = vectors().join(name);
    let frames = pcap::read_all(&path).unwrap_or_else(|e| panic!("{e}"));
    assert!(!frames.is_empty());
    let input: Vec<Stimulus> = frames.into_iter().map(Stimulus::from).collect();
    let mut rp = Replayer::new(ReplayConfig::default()).expect("simulator and driver come up");
    let (nic, _) = rp.parts();
    let model =
        nic_model::RssConfig { reta: nic.reta().to_vec(), ..nic_model::RssConfig::even(nic.caps().rx_queues, 0) };
    let mut got = Vec::new();
    rp.run(input.clone().into_iter().map(Ok), |d, data| got.push((d.clone(), data.to_vec()))).unwrap();
    let r = rp.report().unwrap();
    rp.close().unwrap();
    assert_in_order_identical(&input, &got, &r);
    // RSS: every completion as the reference model predicts it.
    for (d, data) in &got {
        let c = nic_model::classify(&model, data);
        assert_eq!(
            (d.queue, d.rss_hash, d.rss_type, d.l3_type, d.l4_type, d.flags, d.l4_offset, d.payload_offset),
            (
                usize::from(c.queue),
                c.hash,
                c.rss_type,
                c.parsed.l3_type,
                c.parsed.l4_type,
                c.parsed.flags,
                c.parsed.l4_offset,
                c.parsed.payload_offset
            ),
            "frame {}",
            d.frame
        );
    }
    assert_no_violations(&r);
    assert_accounted(&r);
    assert_eq!(r.frames_delivered, r.frames_in, "every frame of the capture is delivered: {r:#?}");
    assert!(r.sim_cycles > 0 && r.rx_fifo_peak > 0);
    snapshot_settings().bind(|| {
        insta::assert_json_snapshot!(name, r, {
            ".wall_seconds" => "[wall]",
            ".sim_cycles" => "[cycles]",
            ".rx_fifo_peak" => "[peak]",
            // Interrupt counts follow the cycle timing: checked by tests/msix.rs, not pinned here.
            ".interrupts[].count" => "[count]",
            ".interrupt_stats.total" => "[count]",
            ".interrupt_stats.device_messages" => "[count]",
            ".interrupt_stats.frames_per_interrupt" => "[ratio]",
            ".interrupt_stats.per_sim_second" => "[rate]",
            // Pool levels follow the interrupt timing too.
            ".pools[].data_free" => "[free]",
            ".pools[].data_free_min" => "[free]",
            ".pools[].hdr_free" => "[free]",
            ".pools[].hdr_free_min" => "[free]",
        });
    });
}

#[test]
fn ns_mixed_pcap_delivered_intact() {
    replay_capture("ns-mixed.pcap");
}

#[test]
fn ns_mixed_pcapng_delivered_intact() {
    replay_capture("ns-mixed.pcapng");
}

#[test]
fn pcap_and_pcapng_hold_the_same_frames() {
    let a = pcap::read_all(vectors().join("ns-mixed.pcap")).unwrap();
    let b = pcap::read_all(vectors().join("ns-mixed.pcapng")).unwrap();
    let strip = |v: Vec<Frame>| v.into_iter().map(|f| f.data).collect::<Vec<_>>();
    assert_eq!(strip(a), strip(b));
}

/// Ring full: with re-posting paused the NIC runs out of descriptors and
/// counts `no_desc`; once re-posting resumes, traffic flows again intact.
#[test]
fn ring_full_drops_no_desc_then_recovers() {
    // Poll often: 15 buffers last only ~500 cycles of 256-byte frames.
    let cfg = ReplayConfig { ring_log: 4, chunk_cycles: 128, ..ReplayConfig::default() };
    let bufs = (1usize << cfg.ring_log) - 1; // driver default: ring size - 1
    let mut rp = Replayer::new(cfg).unwrap();
    rp.parts().0.set_repost(0, false).unwrap();
    let phase1 = synthetic(synth::frames(0, 40, 128));
    let mut got: Got = Vec::new();
    rp.run(phase1.clone().into_iter().map(Ok), |d, data| got.push((d.clone(), data.to_vec()))).unwrap();
    let r = rp.report().unwrap();
    assert_eq!(r.frames_delivered, bufs as u64, "{r:#?}");
    assert_eq!(r.frames_dropped.no_desc, 40 - bufs as u64, "{r:#?}");
    assert_eq!(r.frames_dropped.total, r.frames_dropped.no_desc);
    assert_accounted(&r);
    assert_in_order_identical(&phase1, &got, &r);
    assert_eq!(got.iter().map(|(d, _)| d.frame).collect::<Vec<_>>(), (0..bufs as u64).collect::<Vec<_>>());

    // Resume: post the buffers that piled up, send more.
    let (nic, sim) = rp.parts();
    nic.set_repost(0, true).unwrap();
    assert_eq!(nic.post_free_buffers(sim, 0).unwrap(), bufs);
    let phase2 = synthetic(synth::frames(1000, 100, 256));
    let mut got2: Got = Vec::new();
    rp.run(phase2.clone().into_iter().map(Ok), |d, data| got2.push((d.clone(), data.to_vec()))).unwrap();
    let r2 = rp.report().unwrap();
    assert_eq!(r2.frames_delivered, bufs as u64 + 100, "{r2:#?}");
    assert_eq!(r2.frames_dropped.no_desc, 40 - bufs as u64, "no new drops after resuming: {r2:#?}");
    assert_accounted(&r2);
    assert_no_violations(&r2);
    assert_eq!(got2.len(), 100);
    for (k, (d, data)) in got2.iter().enumerate() {
        assert_eq!(d.frame, 40 + k as u64);
        assert_eq!(data, &phase2[k].frame.data);
    }
}

/// Every size from the minimum to the largest jumbo frame.
#[test]
fn frame_sizes_60_to_9018() {
    let mut sizes: Vec<usize> = (60..=130).collect();
    sizes.extend((131..9018).step_by(97));
    sizes.extend([
        255, 256, 257, 511, 512, 513, 1514, 1518, 1522, 2047, 2048, 2049, 4095, 4096, 4097, 8191, 8192, 9000, 9017,
        9018,
    ]);
    let input = synthetic(sizes.iter().enumerate().map(|(i, &n)| synth::frame(i as u64, n)));
    let cfg = ReplayConfig { buf_size: 16384, ..ReplayConfig::default() };
    let (r, got) = replay(cfg, input.clone());
    assert_in_order_identical(&input, &got, &r);
    assert_no_violations(&r);
    assert_accounted(&r);
    assert_eq!(r.frames_delivered, input.len() as u64, "{r:#?}");
    assert_eq!(r.queues[0].bytes, sizes.iter().map(|&n| n as u64).sum::<u64>());
}

/// 2000 minimum-size frames back to back (gap 0): nothing dropped.
#[test]
fn back_to_back_minimum_frames() {
    let input = synthetic(synth::frames(0, 2000, 60));
    let (r, got) = replay(ReplayConfig::default(), input.clone());
    assert_in_order_identical(&input, &got, &r);
    assert_no_violations(&r);
    assert_accounted(&r);
    assert_eq!(r.frames_dropped.total, 0, "{r:#?}");
    assert_eq!(r.frames_delivered, 2000);
}

/// Line-rate pacing stretches the schedule as computed.
#[test]
fn line_rate_pacing() {
    let input = synthetic(synth::frames(0, 400, 60));
    let cfg = ReplayConfig { line_rate_gbps: Some(10.0), ..ReplayConfig::default() };
    let mut rp = Replayer::new(cfg).unwrap();
    let start = rp.sim().cycle();
    let mut got: Got = Vec::new();
    rp.run(input.clone().into_iter().map(Ok), |d, data| got.push((d.clone(), data.to_vec()))).unwrap();
    let r = rp.report().unwrap();
    assert_in_order_identical(&input, &got, &r);
    assert_eq!(r.frames_delivered, 400);
    // 400 slots of 10.5 cycles at 10G / 156.25 MHz.
    assert!(r.sim_cycles - start >= 4190, "{} cycles", r.sim_cycles - start);
}

/// Slow host: long DMA read latency and a stalled request stream back up
/// the RX FIFO. Whatever comes out is intact and in order; drops are counted.
#[test]
fn host_backpressure_fills_fifo() {
    let sizes = [1514usize, 60, 1000, 300, 1514, 128];
    let input = synthetic((0..600u64).map(|i| synth::frame(i, sizes[i as usize % sizes.len()])));
    let cfg = ReplayConfig { dma_latency_cycles: 4000, req_stall_probability: 0.6, seed: 7, ..ReplayConfig::default() };
    let (r, got) = replay(cfg, input.clone());
    assert_in_order_identical(&input, &got, &r);
    assert_no_violations(&r);
    assert_accounted(&r);
    assert!(
        r.rx_fifo_peak as u64 > 8 * 1514,
        "FIFO peak {} of {}: no back-pressure seen",
        r.rx_fifo_peak,
        r.rx_fifo_bytes
    );
    assert!(r.frames_delivered > 0);
    // The host drains slower than the MAC fills: the FIFO overflows, and
    // that is the only reason anything is dropped.
    assert!(r.frames_dropped.fifo_full > 0, "{r:#?}");
    assert_eq!(r.frames_dropped.total, r.frames_dropped.fifo_full, "{r:#?}");
    eprintln!(
        "backpressure: peak {} / {}, delivered {}, dropped {:?}",
        r.rx_fifo_peak, r.rx_fifo_bytes, r.frames_delivered, r.frames_dropped
    );
}

/// MAC-flagged errors, runts and oversize frames are dropped and counted;
/// the good frames around them are delivered intact.
#[test]
fn mac_errors_runts_and_oversize_dropped() {
    let mut input = Vec::new();
    let (mut errors, mut runts, mut oversize) = (0, 0, 0);
    for i in 0..120u64 {
        let mut s = Stimulus::synthetic(synth::frame(i, 60 + (i as usize * 37) % 1400));
        match i % 6 {
            1 => {
                s.mac_error = true;
                errors += 1;
            }
            3 => {
                s = Stimulus::synthetic(synth::frame(i, 1 + (i as usize % 13)));
                runts += 1;
            }
            5 if i % 4 == 1 => {
                s = Stimulus::synthetic(synth::frame(i, 9217 + i as usize));
                oversize += 1;
            }
            _ => {}
        }
        input.push(s);
    }
    let cfg = ReplayConfig { buf_size: 16384, ..ReplayConfig::default() };
    let (r, got) = replay(cfg, input.clone());
    assert_in_order_identical(&input, &got, &r);
    assert_no_violations(&r);
    assert_accounted(&r);
    assert_eq!(r.frames_dropped.mac_error, errors, "{r:#?}");
    assert_eq!(r.frames_dropped.runt, runts, "{r:#?}");
    assert_eq!(r.frames_dropped.oversize, oversize, "{r:#?}");
    assert_eq!(r.frames_dropped.total, errors + runts + oversize);
    let good: Vec<u64> = (0..120u64)
        .filter(|&i| !input[i as usize].mac_error && (14..=9216).contains(&input[i as usize].frame.data.len()))
        .collect();
    assert_eq!(got.iter().map(|(d, _)| d.frame).collect::<Vec<_>>(), good);
}

/// A descriptor pointing at memory the host never allocated: the NIC's
/// frame write is a rule violation the root complex must report.
#[test]
fn bogus_descriptor_is_reported_as_violation() {
    let cfg = ReplayConfig { ring_log: 4, bufs_per_queue: 4, ..ReplayConfig::default() };
    let mut rp = Replayer::new(cfg).unwrap();
    rp.parts().0.set_repost(0, false).unwrap();
    let bogus: u64 = 0x4000_0000; // below the DMA window, never allocated
    {
        let sim = rp.sim();
        let q = |reg: u32| rxq::BASE + reg; // queue 0
        let _ = rxq_layout::STRIDE;
        let base = u64::from(sim.mmio_read32(q(rxq::DESC_BASE_LO)).unwrap())
            | (u64::from(sim.mmio_read32(q(rxq::DESC_BASE_HI)).unwrap()) << 32);
        let prod = sim.mmio_read32(q(rxq::DESC_PROD)).unwrap();
        assert_eq!(prod, 4, "the driver posted its 4 buffers");
        let mut rec = [0u8; desc::SIZE];
        desc::ADDR.set(&mut rec, bogus);
        desc::LEN.set(&mut rec, 2048);
        desc::BUF_ID.set(&mut rec, 0x7777);
        sim.dma_write(base + 4 * desc::SIZE as u64, &rec).unwrap();
        sim.mmio_write32(q(rxq::DESC_PROD), 5);
    }
    let input = synthetic(synth::frames(0, 5, 200));
    let mut got: Got = Vec::new();
    rp.run(input.clone().into_iter().map(Ok), |d, data| got.push((d.clone(), data.to_vec()))).unwrap();
    let r = rp.report().unwrap();
    assert_in_order_identical(&input, &got, &r);
    assert_eq!(got.len(), 4);
    let v = rp.sim().violations().to_vec();
    assert!(
        v.iter().any(|v| v.kind == ViolationKind::UnallocatedWrite),
        "expected an UnallocatedWrite violation, got {v:#?}"
    );
    assert!(r.tlp_violations.count > 0);
    assert!(r.tlp_violations.list.iter().any(|s| s.contains("UnallocatedWrite")), "{:#?}", r.tlp_violations.list);
    assert!(!r.is_clean());
}

/// A host that enforces a smaller Max Payload Size than it programmed into
/// the NIC's config space: every frame write larger than the enforced size
/// breaks a TLP rule the NIC cannot know about, and the root complex must
/// say so (and discard the write rather than apply it).
#[test]
fn payload_larger_than_enforced_mps_is_reported() {
    let sim_cfg = nic_sim::SimConfig {
        max_payload_size: 128,
        nic_max_payload_size: Some(256),
        ..ReplayConfig::default().sim_config()
    };
    let mut rp = Replayer::with_sim_config(ReplayConfig::default(), sim_cfg).unwrap();
    // 100 bytes fit in 128-byte TLPs; 1000 bytes make 256-byte TLPs.
    let input = synthetic([synth::frame(0, 100), synth::frame(1, 1000)]);
    let mut got: Got = Vec::new();
    let _ = rp.run(input.clone().into_iter().map(Ok), |d, data| got.push((d.clone(), data.to_vec())));
    let v = rp.sim().violations().to_vec();
    assert!(
        v.iter()
            .any(|v| v.kind == ViolationKind::PayloadTooLarge && v.detail.contains("256 bytes > Max Payload Size 128")),
        "expected a PayloadTooLarge violation, got {v:#?}"
    );
    assert!(v.iter().all(|v| v.kind == ViolationKind::PayloadTooLarge), "only MPS violations: {v:#?}");
    // The small frame is intact; the large one's data never reached memory.
    assert_eq!(got.first().map(|(d, data)| (d.frame, data.as_slice())), Some((0, input[0].frame.data.as_slice())));
    let r = rp.report().unwrap();
    assert!(!r.is_clean());
}

/// Expected error text (after "<file>: ") for each malformed vector; files
/// not listed must still fail with the file name and a byte offset.
const MALFORMED: &[(&str, &str)] = &[
    ("bad-linktype.pcap", "file header at byte offset 0: link type 101 (RAW) is not supported, only Ethernet (1)"),
    ("bad-magic.pcap", "file header at byte offset 0: not a pcap or pcapng file (magic de ad be ef)"),
    ("oversized-caplen.pcap", "record 1 at byte offset 100: caplen 2147483647 exceeds 262144"),
    ("truncated-header.pcap", "file header at byte offset 0: truncated pcap global header: 12 of 24 bytes"),
    ("truncated-record-header.pcap", "record 1 at byte offset 100: truncated record header: needs 16 bytes, file ends after 8"),
    ("truncated-record.pcap", "record 3 at byte offset 252: truncated packet data (caplen 1514): needs 1514 bytes, file ends after 100"),
    ("truncated.pcapng", "block 5 (frame 3) at byte offset 324: truncated block (type 0x6, length 1548): needs 1540 bytes, file ends after 32"),
];

/// Every capture in vectors/malformed/ fails with an error that names the
/// file and the place (`empty.pcap`, a header with no records, is valid).
#[test]
fn malformed_captures_name_file_and_place() {
    let dir = vectors().join("malformed");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("pcap" | "pcapng")))
        .collect();
    files.sort();
    assert!(files.len() >= MALFORMED.len(), "missing captures in {}", dir.display());
    for f in &files {
        let name = f.file_name().unwrap().to_str().unwrap();
        if name == "empty.pcap" {
            assert_eq!(pcap::read_all(f).unwrap().len(), 0);
            continue;
        }
        let err = match pcap::read_all(f) {
            Ok(frames) => panic!("{}: read {} frames without error", f.display(), frames.len()),
            Err(e) => e.to_string(),
        };
        let prefix = format!("{}: ", f.display());
        assert!(err.starts_with(&prefix), "{err}");
        match MALFORMED.iter().find(|(n, _)| *n == name) {
            Some((_, want)) => assert_eq!(&err[prefix.len()..], *want, "{name}"),
            None => assert!(err.contains("byte offset"), "{err}"),
        }
    }
}

/// The small valid files in every on-disk flavour read the same 4 frames.
#[test]
fn capture_variants_read_alike() {
    let dir = vectors().join("variants");
    let reference = pcap::read_all(dir.join("small.pcap")).unwrap();
    assert_eq!(reference.iter().map(|f| f.data.len()).collect::<Vec<_>>(), vec![60, 60, 60, 1514]);
    for name in ["small-be.pcap", "small-nsec.pcap", "small.pcapng"] {
        let frames = pcap::read_all(dir.join(name)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(frames, reference, "{name}");
    }
}

/// The CLI writes the output contract and exits 0 on a clean replay.
#[test]
fn cli_writes_output_contract() {
    let out = std::env::temp_dir().join(format!("nic-tb-cli-{}", std::process::id()));
    let input = vectors().join("ns-mixed.pcap");
    let st = std::process::Command::new(env!("CARGO_BIN_EXE_replay"))
        .arg(&input)
        .arg("--out")
        .arg(&out)
        .args(["--max-frames", "200", "--quiet"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&st.stdout);
    assert!(st.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&st.stderr));
    assert!(stdout.contains("200 frames in, 200 delivered, 0 dropped"), "{stdout}");

    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["frames_in"], 200);
    assert_eq!(summary["frames_delivered"], 200);
    assert_eq!(summary["frames_dropped"]["total"], 0);
    for k in [
        "fifo_full",
        "mac_error",
        "runt",
        "oversize",
        "disabled",
        "no_desc",
        "buf_too_small",
        "bad_desc",
        "queue_disabled",
    ] {
        assert_eq!(summary["frames_dropped"][k], 0, "{k}");
    }
    let queues = summary["queues"].as_array().unwrap();
    assert!(!queues.is_empty());
    for (i, q) in queues.iter().enumerate() {
        assert_eq!(q["queue"], i as u64);
    }
    assert_eq!(queues.iter().map(|q| q["frames"].as_u64().unwrap()).sum::<u64>(), 200);
    assert!(summary["sim_cycles"].as_u64().unwrap() > 0);
    assert!(summary["wall_seconds"].as_f64().unwrap() > 0.0);
    assert_eq!(summary["tlp_violations"]["count"], 0);
    assert_eq!(summary["pcap"], input.display().to_string());
    assert_eq!(summary["config"]["buf_size"], 2048);
    assert_eq!(summary["config"]["queues"], serde_json::Value::Null);
    assert_eq!(summary["config"]["rss_key"], nic_testbench::rss::key_hex(&nic_spec::rss::MS_KEY));
    assert_eq!(
        summary["config"]["rss_types"],
        serde_json::json!(["ipv4", "ipv4_tcp", "ipv4_udp", "ipv6", "ipv6_tcp", "ipv6_udp"])
    );
    assert_eq!(summary["config"]["reta"], serde_json::json!([]));
    assert_eq!(summary["config"]["default_queue"], 0);
    assert_eq!(summary["config"]["mode"], "msix");
    // One entry per MSI-X vector in use (8 queues + errors), counts summing to the total.
    let irqs = summary["interrupts"].as_array().unwrap();
    assert_eq!(irqs.len(), 9, "{irqs:?}");
    for (v, e) in irqs.iter().enumerate() {
        assert_eq!(e["vector"], v as u64);
        assert!(e["count"].is_u64());
    }
    let total: u64 = irqs.iter().map(|e| e["count"].as_u64().unwrap()).sum();
    assert!(total > 0);
    assert_eq!(summary["interrupt_stats"]["total"], total);
    assert_eq!(summary["interrupt_stats"]["device_messages"], total);

    let input_frames: Vec<Frame> = pcap::read_all(&input).unwrap().into_iter().take(200).collect();
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(out.join("completions.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 200);
    // Every frame once; in order within each queue.
    let mut frames: Vec<u64> = lines.iter().map(|l| l["frame"].as_u64().unwrap()).collect();
    frames.sort_unstable();
    assert_eq!(frames, (0..200).collect::<Vec<_>>());
    let mut per_queue: Vec<Vec<u64>> = vec![Vec::new(); queues.len()];
    let mut hashed = 0;
    for l in &lines {
        let i = l["frame"].as_u64().unwrap() as usize;
        let q = l["queue"].as_u64().unwrap() as usize;
        per_queue[q].push(i as u64);
        assert_eq!(l["len"], input_frames[i].data.len() as u64);
        assert_eq!(l["status"], 0);
        assert!(l["buf_id"].is_u64() && l["desc_idx"].is_u64());
        // RSS and parser fields (additive): names for enums, numbers otherwise.
        assert!(l["rss_hash"].is_u64());
        let t = l["rss_type"].as_str().unwrap();
        assert!(nic_spec::rss_type::NAMES.contains(&t), "{t}");
        hashed += usize::from(t != "none");
        assert!(["none", "ipv4", "ipv6"].contains(&l["l3_type"].as_str().unwrap()));
        assert!(["none", "tcp", "udp", "other"].contains(&l["l4_type"].as_str().unwrap()));
        for k in ["l3_offset", "l4_offset", "payload_offset", "flags", "vlan_count"] {
            assert!(l[k].is_u64(), "{k}: {l}");
        }
        // The real capture is Ethernet + IP: an L3 header right after the MAC header.
        assert_eq!(l["l3_offset"], 14, "{l}");
    }
    assert!(hashed > 150, "{hashed} of 200 frames hashed");
    // Each queue's capture holds that queue's frames, in order, with their timestamps.
    for (q, idx) in per_queue.iter().enumerate() {
        assert!(idx.windows(2).all(|w| w[0] < w[1]), "queue {q} out of order: {idx:?}");
        let cap = pcap::read_all(out.join(format!("queues/q{q}.pcap"))).unwrap();
        assert_eq!(cap.len(), idx.len());
        for (a, &i) in cap.iter().zip(idx) {
            let b = &input_frames[i as usize];
            assert_eq!((&a.data, a.ts_sec, a.ts_nsec, a.orig_len), (&b.data, b.ts_sec, b.ts_nsec, b.orig_len));
        }
    }
    std::fs::remove_dir_all(&out).unwrap();
}

/// `--itr-ns`/`--itr-frames` reach the device and the summary; `--poll`
/// replays without interrupts.
#[test]
fn cli_interrupt_options() {
    let input = vectors().join("ns-mixed.pcap");
    let run = |tag: &str, args: &[&str]| -> serde_json::Value {
        let out = std::env::temp_dir().join(format!("nic-tb-cli-irq-{tag}-{}", std::process::id()));
        let st = std::process::Command::new(env!("CARGO_BIN_EXE_replay"))
            .arg(&input)
            .arg("--out")
            .arg(&out)
            .args(["--quiet", "--line-rate-gbps", "1"])
            .args(args)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&st.stdout);
        assert!(st.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&st.stderr));
        let s = serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
        std::fs::remove_dir_all(&out).ok();
        s
    };
    let off = run("off", &[]);
    let on = run("on", &["--itr-ns", "50000", "--itr-frames", "64"]);
    let poll = run("poll", &["--poll"]);
    for s in [&off, &on, &poll] {
        assert_eq!(s["frames_delivered"], 534);
        assert_eq!(s["tlp_violations"]["count"], 0);
    }
    assert_eq!(on["config"]["itr_ns"], 50000);
    assert_eq!(on["config"]["itr_frames"], 64);
    let total = |s: &serde_json::Value| s["interrupt_stats"]["total"].as_u64().unwrap();
    assert!(total(&on) < total(&off) && total(&on) < 534, "on {} off {}", total(&on), total(&off));
    assert_eq!(poll["config"]["mode"], "poll");
    assert_eq!(total(&poll), 0);
    assert_eq!(poll["interrupts"], serde_json::json!([]));
    let st = std::process::Command::new(env!("CARGO_BIN_EXE_replay"))
        .arg(&input)
        .args(["--out", "/nonexistent/x", "--itr-ns", "99999999"])
        .output()
        .unwrap();
    assert!(!st.status.success());
    assert!(String::from_utf8_lossy(&st.stderr).contains("--itr-ns"), "{}", String::from_utf8_lossy(&st.stderr));
}

/// A bad capture: exit status 1 and a message naming the file and place.
#[test]
fn cli_rejects_malformed_capture() {
    let out = std::env::temp_dir().join(format!("nic-tb-cli-bad-{}", std::process::id()));
    let input = vectors().join("malformed/oversized-caplen.pcap");
    let st = std::process::Command::new(env!("CARGO_BIN_EXE_replay"))
        .arg(&input)
        .arg("--out")
        .arg(&out)
        .arg("--quiet")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&st.stderr);
    assert_eq!(st.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("{}: record 1 at byte offset 100: caplen 2147483647 exceeds 262144", input.display())),
        "{stderr}"
    );
    // The frame before the bad record was still replayed and reported.
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["frames_in"], 1);
    assert_eq!(summary["frames_delivered"], 1);
    assert!(summary["error"].as_str().unwrap().contains("caplen 2147483647"));
    std::fs::remove_dir_all(&out).unwrap();
}

/// A device that stops making progress ends the replay with a clear error
/// after the idle timeout, never a hang.
#[test]
fn stalled_device_times_out() {
    // Descriptor reads that take ten million cycles to complete: the frames
    // wait in the FIFO and nothing moves for far longer than the timeout.
    let cfg = ReplayConfig { idle_timeout_cycles: 20_000, dma_latency_cycles: 10_000_000, ..ReplayConfig::default() };
    let mut rp = Replayer::new(cfg).unwrap();
    let res = rp.run(synth::stimuli(synth::frames(0, 10, 100)), |_, _| {});
    let err = match res {
        Ok(()) => panic!("replay finished with bus mastering off: {:#?}", rp.report().unwrap()),
        Err(e) => e,
    };
    let msg = err.to_string();
    assert!(msg.starts_with("replay stalled: "), "{msg}");
    assert!(msg.contains("10 frames sent"), "{msg}");
    let r = rp.report().unwrap();
    assert_eq!(r.frames_delivered, 0);
    assert_eq!(r.frames_dropped.total, 0);
    assert_no_violations(&r);
}

/// A longer mixed run with a jittery host: random sizes up to jumbo, DMA
/// read latency, back-pressure on both NIC output streams. Everything that
/// comes out is intact and in order, and every frame is accounted for.
#[test]
fn mixed_soak_with_host_jitter() {
    let mut x: u64 = 0x1234_5678_9ABC_DEF1;
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let input = synthetic((0..4000u64).map(|i| {
        let len = match rnd() % 10 {
            0 => 9000 + (rnd() % 19) as usize,
            1..=4 => 60 + (rnd() % 64) as usize,
            _ => 60 + (rnd() % 1455) as usize,
        };
        synth::frame(i, len)
    }));
    let cfg = ReplayConfig {
        buf_size: 9216,
        dma_latency_cycles: 600,
        req_stall_probability: 0.25,
        seed: 3,
        ..ReplayConfig::default()
    };
    let sim_cfg = nic_sim::SimConfig { cpl_stall_probability: 0.25, ..cfg.sim_config() };
    let mut rp = Replayer::with_sim_config(cfg, sim_cfg).unwrap();
    let mut got: Got = Vec::new();
    rp.run(input.clone().into_iter().map(Ok), |d, data| got.push((d.clone(), data.to_vec()))).unwrap();
    let r = rp.report().unwrap();
    assert_in_order_identical(&input, &got, &r);
    assert_no_violations(&r);
    assert_accounted(&r);
    assert_eq!(r.frames_dropped.total, r.frames_dropped.fifo_full, "only FIFO overflow may drop: {r:#?}");
    assert!(r.frames_delivered > 0);
    eprintln!("soak: {} delivered, {} dropped, {} cycles", r.frames_delivered, r.frames_dropped.total, r.sim_cycles);
}

/// Closing the driver while full-size frames stream in and the host stalls
/// the NIC's writes: `close` disables the queue, waits until the NIC reports
/// it quiet (`Q_STATUS.ENABLED` covers the write already on the bus) and
/// only then frees rings and buffers. Any write landing after that would be
/// DMA into freed memory, which the root complex reports.
#[test]
fn close_under_traffic_leaves_no_dma_into_freed_memory() {
    use nic_driver::{Nic, RxConfig};
    use nic_sim::{Sim, SimConfig};
    for seed in 1..=8u64 {
        let mut sim =
            Sim::new(SimConfig { req_stall_probability: 0.7, stall_seed: seed, ..SimConfig::default() }).unwrap();
        let mut nic = Nic::probe(&mut sim).unwrap();
        nic.open(&mut sim, &RxConfig::default()).unwrap();
        for i in 0..32 {
            sim.mac_push(&synth::frame(i, 1514), false, 0);
        }
        let mut delivered = 0;
        // Stop at a cycle that varies with the seed, somewhere mid-stream.
        for _ in 0..(4 + seed) {
            sim.run(97 + 13 * seed);
            delivered += nic.poll(&mut sim, 0, 64, |_| {}).unwrap();
        }
        assert!(sim.mac_pending() > 0, "seed {seed}: traffic still flowing at close");
        nic.close(&mut sim).unwrap();
        sim.run(20_000);
        let v = sim.violations();
        assert!(v.is_empty(), "seed {seed}: DMA after close ({delivered} delivered before): {v:#?}");
    }
}

/// The CLI's RSS options: queue count, key, hash types, a table file and
/// the default queue reach the device; bad values fail with a clear message.
#[test]
fn cli_rss_options() {
    let dir = std::env::temp_dir().join(format!("nic-tb-cli-rss-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = vectors().join("ns-mixed.pcap");
    let reta = dir.join("reta.txt");
    // Every hash to queue 1; unhashed frames to the default queue 0.
    std::fs::write(&reta, "# all on one queue\n1 1\n1 1\n").unwrap();
    let key = "01".repeat(40);
    let run = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_replay"))
            .arg(&input)
            .arg("--out")
            .arg(dir.join("out"))
            .args(["--max-frames", "100", "--quiet"])
            .args(extra)
            .output()
            .unwrap()
    };
    let reta_arg = reta.display().to_string();
    let st = run(&[
        "--queues",
        "2",
        "--rss-key",
        &key,
        "--rss-types",
        "ipv4,ipv6",
        "--reta",
        &reta_arg,
        "--default-queue",
        "0",
    ]);
    assert!(st.status.success(), "{}", String::from_utf8_lossy(&st.stderr));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("out/summary.json")).unwrap()).unwrap();
    assert_eq!(summary["queues"].as_array().unwrap().len(), 2);
    assert_eq!(summary["config"]["queues"], 2);
    assert_eq!(summary["config"]["rss_key"], key);
    assert_eq!(summary["config"]["rss_types"], serde_json::json!(["ipv4", "ipv6"]));
    assert_eq!(summary["config"]["reta"], serde_json::json!([1, 1, 1, 1]));
    let key_bytes = [1u8; 40];
    for l in std::fs::read_to_string(dir.join("out/completions.jsonl")).unwrap().lines() {
        let l: serde_json::Value = serde_json::from_str(l).unwrap();
        let t = l["rss_type"].as_str().unwrap();
        assert!(["none", "ipv4", "ipv6"].contains(&t), "only address hashes enabled: {l}");
        assert_eq!(l["queue"], if t == "none" { 0 } else { 1 }, "{l}");
        // Spot-check the hash with the key given, through the model.
        let i = l["frame"].as_u64().unwrap() as usize;
        let data = &pcap::read_all(&input).unwrap()[i].data;
        let cfg = nic_model::RssConfig {
            key: key_bytes,
            hash_types: 0b1001,
            reta: vec![1; 128],
            default_queue: 0,
            queues: 8,
        };
        assert_eq!(l["rss_hash"], nic_model::classify(&cfg, data).hash, "{l}");
    }

    // Malformed settings: exit 1, message naming the option (and file and place).
    std::fs::write(&reta, "0 1\n2 q 3\n").unwrap();
    for (args, want) in [
        (
            vec!["--reta", reta_arg.as_str()],
            format!("--reta: {reta_arg}: line 2 column 3: entry 4 \"q\" is not a queue number (0..=255)"),
        ),
        (vec!["--rss-key", "abcd"], "--rss-key: RSS key: 4 hex digits, need 80".to_string()),
        (vec!["--rss-types", "ipv4,sctp"], "--rss-types: RSS hash type \"sctp\" is not one of".to_string()),
        (vec!["--queues", "0"], "--queues must be at least 1".to_string()),
    ] {
        let st = run(&args);
        let stderr = String::from_utf8_lossy(&st.stderr);
        assert_eq!(st.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains(&want), "{args:?}: {stderr}");
    }
    // A delivery mode clap cannot parse: usage error naming the option and the choices.
    let st = run(&["--delivery", "bogus"]);
    let stderr = String::from_utf8_lossy(&st.stderr);
    assert_eq!(st.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--delivery") && stderr.contains("expected copy or zero-copy"), "{stderr}");
    // A table entry naming a queue that is not open: the driver refuses it.
    std::fs::write(&reta, "0 5").unwrap();
    let st = run(&["--queues", "2", "--reta", &reta_arg]);
    let stderr = String::from_utf8_lossy(&st.stderr);
    assert_eq!(st.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("indirection table entry 1 is queue 5, but only 2 queues are open"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

// ------------------------------------------------------------ header split, scatter, VLAN strip
//
// These need the RTL with docs/split.md (completions carrying DESC_COUNT,
// HDR_LEN, LAST_LEN, ...): on an RTL without it, the frames still arrive
// whole and intact, but the placement checks fail.

mod split {
    use std::collections::HashMap;

    use super::*;
    use nic_driver::{SplitConfig, SplitMode};
    use nic_spec::{l3_type, l4_type, parse_flags};

    fn capture(name: &str) -> Vec<Stimulus> {
        pcap::read_all(vectors().join(name)).unwrap().into_iter().map(Stimulus::from).collect()
    }

    /// The frames delivered with split off, by input index (every one).
    fn baseline(name: &str, input: &[Stimulus]) -> HashMap<u64, Vec<u8>> {
        let (r, got) = replay(ReplayConfig::default(), input.to_vec());
        assert_in_order_identical(input, &got, &r);
        assert_no_violations(&r);
        assert_eq!(r.frames_delivered, r.frames_in, "{name}: {r:#?}");
        got.into_iter().map(|(d, data)| (d.frame, data)).collect()
    }

    /// docs/split.md's placement for a delivered frame `d` whose received
    /// bytes were `rx`: (hdr_len, split, hdr_overflow, vlan_stripped).
    fn placement(d: &Delivered, rx: &[u8], c: &SplitConfig) -> (u16, bool, bool, bool) {
        let l = rx.len();
        let strip = c.vlan_strip && d.vlan_count >= 1 && l >= 18;
        let dd = if strip { 4 } else { 0 };
        let lp = l - dd;
        let h = usize::from(d.payload_offset);
        let bad = u32::from(d.flags) & (parse_flags::MALFORMED | parse_flags::DEPTH_LIMIT) != 0;
        let point = !bad && u32::from(d.l3_type) != l3_type::NONE && h != 0 && h <= l;
        let tcp_udp = matches!(u32::from(d.l4_type), l4_type::TCP | l4_type::UDP);
        let eligible = point
            && match c.mode {
                SplitMode::Never => false,
                SplitMode::Always => true,
                SplitMode::TcpUdp => tcp_udp,
            };
        let hdr = usize::from(c.hdr_buf);
        if c.mode != SplitMode::Never && c.thresh != 0 && lp <= usize::from(c.thresh) && lp <= hdr {
            (lp as u16, false, false, strip)
        } else if eligible && h - dd <= hdr {
            ((h - dd) as u16, true, false, strip)
        } else if eligible {
            (0, false, true, strip)
        } else {
            (0, false, false, strip)
        }
    }

    /// Replays `name` with `split` and `buf_size` and checks it against the
    /// split-off baseline, frame by frame: the same frames (the VLAN tag put
    /// back where it was stripped), placed as docs/split.md says, counters
    /// adding up, no violation. Returns the report and what was delivered.
    fn same_as_unsplit(name: &str, split: SplitConfig, buf_size: usize) -> (Report, Got) {
        let input = capture(name);
        let base = baseline(name, &input);
        let cfg = ReplayConfig { split, buf_size, ..ReplayConfig::default() };
        let (r, got) = replay(cfg, input.clone());
        let what = format!("{name} {split:?} data buf {buf_size}");
        assert_no_violations(&r);
        assert_accounted(&r);
        assert_eq!(r.corrupt_frames.count, 0, "{what}: {:#?}", r.corrupt_frames.list);
        assert_eq!(r.frames_delivered, r.frames_in, "{what}: every frame delivered: {r:#?}");
        let cap = buf_size & !15;
        let (mut split_n, mut overflow_n) = (0u64, 0u64);
        for (d, data) in &got {
            let rx = &base[&d.frame];
            let (hdr_len, is_split, overflow, stripped) = placement(d, rx, &split);
            let f = d.frame;
            assert_eq!(
                (d.hdr_len, d.split, d.hdr_overflow, d.vlan_stripped),
                (hdr_len, is_split, overflow, stripped),
                "{what}: frame {f} placement ({d:?})"
            );
            if stripped {
                let mut back = data[..12].to_vec();
                back.extend_from_slice(&rx[12..14]);
                back.extend_from_slice(&d.vlan_tci.to_be_bytes());
                back.extend_from_slice(&data[12..]);
                assert_eq!(&back, rx, "{what}: frame {f} with its tag put back");
            } else {
                assert_eq!(data, rx, "{what}: frame {f}");
            }
            if d.vlan_count > 0 {
                assert_eq!(d.vlan_tci.to_be_bytes(), [rx[14], rx[15]], "{what}: frame {f} VLAN_TCI");
            }
            let data_len = data.len() - usize::from(d.hdr_len);
            assert_eq!(usize::from(d.payload_len), data_len);
            let n = if data_len <= buf_size { 1 } else { data_len.div_ceil(cap) };
            let last = if data_len == 0 { 0 } else { data_len - (n - 1) * cap };
            assert_eq!(
                (usize::from(d.desc_count), usize::from(d.bufs), usize::from(d.last_len)),
                (n, if data_len == 0 { 0 } else { n }, last),
                "{what}: frame {f} buffers"
            );
            split_n += u64::from(d.split);
            overflow_n += u64::from(d.hdr_overflow);
        }
        let sum = |g: fn(&nic_testbench::replay::PoolStats) -> u64| r.pools.iter().map(g).sum::<u64>();
        assert_eq!(sum(|p| p.device_split_frames), split_n, "{what}: Q_SPLIT_FRAMES");
        assert_eq!(sum(|p| p.frames_split), split_n, "{what}");
        assert_eq!(sum(|p| p.device_hdr_overflow), overflow_n, "{what}: Q_HDR_OVERFLOW");
        assert_eq!(sum(|p| p.hdr_overflows), overflow_n, "{what}");
        assert_eq!(sum(|p| p.descs_consumed), got.iter().map(|(d, _)| u64::from(d.desc_count)).sum::<u64>());
        for p in &r.pools {
            assert_eq!(p.hdr_pool_size > 0, split.uses_header_pool(), "{what}: {p:?}");
            assert!(p.data_free_min <= p.data_pool_size && p.hdr_free_min <= p.hdr_pool_size);
        }
        eprintln!("{what}: {split_n} split, {overflow_n} header overflows, {} frames", got.len());
        (r, got)
    }

    fn cfg(mode: SplitMode) -> SplitConfig {
        SplitConfig { mode, ..SplitConfig::default() }
    }

    #[test]
    fn always_delivers_the_same_frames() {
        let (_, got) = same_as_unsplit("ns-mixed.pcap", cfg(SplitMode::Always), 2048);
        // Every IP frame the parser understood is split (no header is longer than 256 bytes here).
        assert!(got.iter().filter(|(d, _)| d.l3_type != 0).all(|(d, _)| d.split || d.hdr_overflow || d.flags != 0));
        assert!(got.iter().any(|(d, _)| d.split && d.payload_len == 0), "bare TCP ACKs split with no payload");
    }

    #[test]
    fn tcp_udp_splits_every_tcp_and_udp_frame_with_payload() {
        let (_, got) = same_as_unsplit("ns-mixed.pcap", SplitConfig { hdr_buf: 128, ..cfg(SplitMode::TcpUdp) }, 2048);
        for (d, _) in &got {
            let tcp_udp = matches!(u32::from(d.l4_type), l4_type::TCP | l4_type::UDP);
            if tcp_udp && d.payload_offset != 0 && d.flags == 0 {
                assert!(d.split, "frame {}: {d:?}", d.frame);
            } else if !tcp_udp {
                assert!(!d.split && d.hdr_len == 0, "frame {}: {d:?}", d.frame);
            }
        }
        assert!(got.iter().filter(|(d, _)| d.l4_type == l4_type::TCP as u8 && d.payload_len > 0).count() > 10);
    }

    #[test]
    fn threshold_puts_small_frames_whole_in_the_header_buffer() {
        let split = SplitConfig { hdr_buf: 128, thresh: 100, ..cfg(SplitMode::Always) };
        let (r, got) = same_as_unsplit("ns-mixed.pcap", split, 2048);
        let small = got.iter().filter(|(d, _)| d.len <= 100).count() as u64;
        assert!(small > 0);
        assert!(got.iter().filter(|(d, _)| d.len <= 100).all(|(d, _)| d.bufs == 0 && !d.split));
        assert_eq!(r.pools.iter().map(|p| p.frames_header_only).sum::<u64>(), small);
    }

    #[test]
    fn small_data_buffers_scatter() {
        for (mode, hdr_buf) in [(SplitMode::Never, 256), (SplitMode::Always, 64)] {
            let split = SplitConfig { hdr_buf, ..cfg(mode) };
            let (r, got) = same_as_unsplit("ns-mixed.pcap", split, 256);
            assert!(got.iter().any(|(d, _)| d.bufs >= 6), "1514-byte frames take 6 buffers");
            assert!(r.pools.iter().map(|p| p.frames_scattered).sum::<u64>() > 0);
            assert_eq!(r.frames_dropped.buf_too_small, 0);
        }
        // An odd buffer size: every buffer but the last holds 240 bytes.
        same_as_unsplit("ns-multiflow.pcap", SplitConfig { hdr_buf: 128, ..cfg(SplitMode::TcpUdp) }, 250);
    }

    #[test]
    fn vlan_strip_delivers_the_same_frames_untagged() {
        for mode in [SplitMode::Never, SplitMode::Always] {
            let split = SplitConfig { vlan_strip: true, ..cfg(mode) };
            let (r, got) = same_as_unsplit("ns-multiflow.pcap", split, 2048);
            let tagged = got.iter().filter(|(d, _)| d.vlan_count > 0).count() as u64;
            assert!(tagged > 0, "the capture has 802.1Q and QinQ frames");
            assert_eq!(r.pools.iter().map(|p| p.vlan_stripped).sum::<u64>(), tagged);
        }
        // Without stripping, the TCI is still reported.
        let (_, got) = same_as_unsplit("ns-multiflow.pcap", cfg(SplitMode::TcpUdp), 2048);
        assert!(got.iter().any(|(d, _)| d.vlan_count > 0 && d.vlan_tci != 0 && !d.vlan_stripped));
    }

    /// A pool too small for the largest frames (3 buffers of 256 bytes in
    /// flight): frames needing more descriptors than are posted are dropped
    /// whole and counted, the rest arrive intact; nothing partial is
    /// delivered.
    #[test]
    fn too_few_buffers_drop_whole_frames() {
        let sizes: Vec<usize> = (0..120).map(|i| [60, 200, 300, 700, 800, 1514][i % 6]).collect();
        let input = synthetic(sizes.iter().enumerate().map(|(i, &n)| synth::frame(i as u64, n)));
        let cfg = ReplayConfig {
            buf_size: 256,
            ring_log: 2,
            queues: Some(1),
            split: SplitConfig { mode: SplitMode::Always, hdr_buf: 64, ..SplitConfig::default() },
            ..ReplayConfig::default()
        };
        let (r, got) = replay(cfg, input.clone());
        assert_in_order_identical(&input, &got, &r);
        assert_no_violations(&r);
        assert_accounted(&r);
        let too_big = sizes.iter().filter(|&&n| n > 3 * 256).count() as u64;
        assert!(got.iter().all(|(d, _)| d.len <= 3 * 256), "a frame needing 4 buffers cannot be delivered");
        assert!(r.frames_dropped.buf_too_small >= too_big, "{r:#?}");
        assert_eq!(r.frames_dropped.total, r.frames_dropped.buf_too_small + r.frames_dropped.no_desc);
        assert!(got.iter().any(|(d, _)| d.bufs >= 2), "300- and 700-byte frames scatter");
        let p = &r.pools[0];
        assert_eq!((p.data_pool_size, p.hdr_pool_size), (3, 3));
    }

    /// The CLI options and the new contract fields.
    #[test]
    fn cli_split_options() {
        let out = std::env::temp_dir().join(format!("nic-tb-cli-split-{}", std::process::id()));
        let input = vectors().join("ns-mixed.pcap");
        let run = |extra: &[&str]| {
            std::process::Command::new(env!("CARGO_BIN_EXE_replay"))
                .arg(&input)
                .arg("--out")
                .arg(&out)
                .args(["--max-frames", "100", "--quiet"])
                .args(extra)
                .output()
                .unwrap()
        };
        for (bad, msg) in [
            (&["--split", "sometimes"][..], "--split"),
            (&["--hdr-buf", "100"][..], "--hdr-buf"),
            (&["--hdr-buf", "2048"][..], "--hdr-buf"),
            (&["--split-thresh", "5000"][..], "--split-thresh"),
            (&["--data-buf", "0"][..], "--data-buf"),
        ] {
            let st = run(bad);
            let err = String::from_utf8_lossy(&st.stderr);
            assert_eq!(st.status.code(), Some(1), "{bad:?}: {err}");
            assert!(err.contains(msg), "{bad:?}: {err}");
        }
        let st = run(&["--split", "tcp-udp", "--hdr-buf", "128", "--data-buf", "512", "--split-thresh", "64"]);
        let stdout = String::from_utf8_lossy(&st.stdout);
        assert!(st.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&st.stderr));
        let summary: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
        let c = &summary["config"];
        assert_eq!(c["buf_size"], 512);
        assert_eq!(
            c["split"],
            serde_json::json!({"mode": "tcp-udp", "hdr_buf": 128, "thresh": 64, "scatter": true, "vlan_strip": false})
        );
        let pools = summary["pools"].as_array().unwrap();
        assert_eq!(pools.len(), summary["queues"].as_array().unwrap().len());
        for k in [
            "data_pool_size",
            "data_free",
            "data_free_min",
            "hdr_pool_size",
            "hdr_free",
            "hdr_free_min",
            "pool_exhausted",
            "descs_consumed",
            "frames_split",
            "hdr_overflows",
            "frames_scattered",
            "frames_header_only",
            "vlan_stripped",
            "device_split_frames",
            "device_hdr_overflow",
        ] {
            assert!(pools[0][k].is_u64(), "{k}");
        }
        assert_eq!(pools[0]["hdr_pool_size"], 255);
        let lines = std::fs::read_to_string(out.join("completions.jsonl")).unwrap();
        let first: serde_json::Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
        for k in ["hdr_len", "payload_len", "bufs", "desc_count", "last_len", "vlan_tci"] {
            assert!(first[k].is_u64(), "{k}: {first}");
        }
        for k in ["split", "hdr_overflow", "vlan_stripped"] {
            assert!(first[k].is_boolean(), "{k}: {first}");
        }
        // --buf-size is the same option; --no-scatter and --vlan-strip parse.
        let st = run(&["--buf-size", "2048", "--no-scatter", "--vlan-strip"]);
        assert!(st.status.success(), "{}", String::from_utf8_lossy(&st.stderr));
        let summary: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
        assert_eq!(summary["config"]["split"]["scatter"], false);
        assert_eq!(summary["config"]["split"]["vlan_strip"], true);
        let _ = std::fs::remove_dir_all(&out);
    }
}
