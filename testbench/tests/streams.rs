//! TCP reassembly of the delivered frames (issue #6): the real captures in
//! `vectors/tcp` go through the RTL and the driver (the replay CLI), and
//! every stream in `streams/index.json` must equal the `tshark
//! follow,tcp,raw` oracle (`<name>.streams.json`) byte for byte, with no
//! gaps, and every stream file must hash to the same digest. Zero-copy
//! delivery (the default) copies no payload byte and returns every lent
//! buffer; `--delivery copy` copies each one once. Also with header split,
//! with scatter over small data buffers, and with VLAN stripping (the
//! stream keys keep the stripped tag).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use tcp_reassembly::sha256::sha256_hex;

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors")
}

fn read_json(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Runs the replay CLI on `pcap` into a fresh directory; returns the
/// directory, `summary.json` and `streams/index.json`.
fn replay(pcap: &Path, tag: &str, extra: &[&str]) -> (PathBuf, Value, Value) {
    let out = std::env::temp_dir().join(format!("nic-tb-streams-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let st = std::process::Command::new(env!("CARGO_BIN_EXE_replay"))
        .arg(pcap)
        .arg("--out")
        .arg(&out)
        .arg("--quiet")
        .args(extra)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&st.stdout);
    assert!(st.status.success(), "{tag}: {stdout}\n{}", String::from_utf8_lossy(&st.stderr));
    let summary = read_json(&out.join("summary.json"));
    let index = read_json(&out.join("streams/index.json"));
    (out, summary, index)
}

type Tuple = (String, u64, String, u64);

fn tuple(e: &Value) -> Tuple {
    (
        e["src"].as_str().unwrap().to_string(),
        e["sport"].as_u64().unwrap(),
        e["dst"].as_str().unwrap().to_string(),
        e["dport"].as_u64().unwrap(),
    )
}

/// Every stream of the index matches the oracle and vice versa; the files
/// hold the bytes; the summary counters agree.
fn check_against_oracle(name: &str, tag: &str, extra: &[&str]) {
    let pcap = vectors().join(format!("tcp/{name}.pcap"));
    let oracle = read_json(&vectors().join(format!("tcp/{name}.streams.json")));
    let (out, summary, index) = replay(&pcap, tag, extra);
    let mut want: BTreeMap<Tuple, (u64, String)> = BTreeMap::new();
    for e in oracle.as_array().unwrap() {
        let prev = want.insert(tuple(e), (e["bytes"].as_u64().unwrap(), e["sha256"].as_str().unwrap().to_string()));
        assert!(prev.is_none(), "{name}: the oracle has one stream per 4-tuple");
    }
    let entries = index.as_array().unwrap();
    assert_eq!(entries.len(), want.len(), "{tag}: one index entry per oracle stream direction");
    let mut total = 0;
    let mut keys = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let t = tuple(e);
        let (bytes, sha) = want.get(&t).unwrap_or_else(|| panic!("{tag}: {t:?} is not in the oracle"));
        assert_eq!(
            (e["bytes"].as_u64().unwrap(), e["sha256"].as_str().unwrap()),
            (*bytes, sha.as_str()),
            "{tag}: {t:?}"
        );
        assert_eq!(e["gaps"], 0, "{tag}: {t:?}");
        assert_eq!(e["vlan"], Value::Null, "{tag}: {t:?}");
        let file = e["file"].as_str().unwrap();
        assert!(file.starts_with(&format!("streams/{i:04}-")) && file.ends_with(".bin"), "{file}");
        let data = std::fs::read(out.join(file)).unwrap();
        assert_eq!(data.len() as u64, *bytes, "{tag}: {file}");
        assert_eq!(&sha256_hex(&data), sha, "{tag}: {file}");
        total += bytes;
        keys.push(t);
    }
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "{tag}: index sorted by src, sport, dst, dport");
    assert_eq!(summary["frames_delivered"], summary["frames_in"], "{tag}");
    assert_eq!(summary["corrupt_frames"]["count"], 0, "{tag}");
    let pools = summary["pools"].as_array().unwrap();
    let sum = |k: &str| pools.iter().map(|p| p[k].as_u64().unwrap()).sum::<u64>();
    if extra.contains(&"--split") {
        assert!(sum("frames_split") > 0, "{tag}: split happened");
        assert_eq!(sum("frames_scattered") > 0, extra.contains(&"256"), "{tag}: scatter with 256-byte buffers");
    }
    let ra = &summary["reassembly"];
    assert_eq!(ra["streams"], entries.len() as u64, "{tag}: {ra}");
    assert_eq!(ra["delivered_bytes"], total, "{tag}: {ra}");
    assert_eq!((&ra["gaps"], &ra["gap_bytes"]), (&Value::from(0), &Value::from(0)), "{tag}: {ra}");
    assert_eq!(ra["non_tcp_frames"], 4, "{tag}: the 4 ARP/ND frames: {ra}");
    assert!(ra["out_of_order_segments"].as_u64().unwrap() > 0, "{tag}: the captures hold reordered segments: {ra}");
    // Every TCP payload byte of the capture (retransmissions included) went
    // one way or the other, counted independently from the pcap.
    let payload: u64 = nic_testbench::pcap::read_all(&pcap)
        .unwrap()
        .iter()
        .filter_map(|f| tcp_reassembly::parse::parse_ethernet(&f.data).ok())
        .map(|s| s.payload.len() as u64)
        .sum();
    let copied = summary["payload_bytes_copied"].as_u64().unwrap();
    let lent = summary["payload_bytes_zero_copy"].as_u64().unwrap();
    assert_eq!(copied + lent, payload, "{tag}: copied {copied} + lent {lent}");
    if extra.windows(2).any(|w| w == ["--delivery", "copy"]) {
        assert_eq!((lent, sum("driver_bytes_lent"), sum("lent_peak")), (0, 0, 0), "{tag}: copy path");
        assert_eq!(copied, payload, "{tag}: every payload byte copied once");
        assert!(sum("driver_bytes_copied") > 0, "{tag}");
    } else {
        assert_eq!(sum("driver_bytes_copied"), 0, "{tag}: the driver copied nothing");
        assert!(sum("driver_bytes_lent") >= lent && sum("lent_peak") > 0, "{tag}");
        if !extra.contains(&"256") {
            // Every payload lies in one data buffer: nothing is copied.
            assert_eq!((copied, lent), (0, payload), "{tag}: zero-copy");
        }
    }
    // Every lent buffer came back once the streams were consumed.
    assert_eq!(sum("lent_buffers"), 0, "{tag}");
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn drops_capture_streams_match_oracle() {
    check_against_oracle("ns-http-drops", "drops", &[]);
}

#[test]
fn reorder_capture_streams_match_oracle() {
    check_against_oracle("ns-http-reorder", "reorder", &[]);
}

/// The copy path gives the same streams.
#[test]
fn copy_delivery_streams_match_oracle() {
    check_against_oracle("ns-http-drops", "drops-copy", &["--delivery", "copy"]);
}

/// Header split with payload-sized data buffers: headers copied out of the
/// header buffers, payload lent from offset 0 of the data buffers.
#[test]
fn zero_copy_with_split_lends_all_payload() {
    check_against_oracle("ns-http-reorder", "reorder-split-zc", &["--split", "tcp-udp"]);
}

/// Header split into 64-byte header buffers, payload scattered over
/// 256-byte data buffers: the same streams (a payload spanning buffers is
/// copied: a reassembler payload is one contiguous slice).
#[test]
fn streams_match_oracle_with_split_and_scatter() {
    let extra = ["--split", "always", "--hdr-buf", "64", "--data-buf", "256"];
    check_against_oracle("ns-http-reorder", "reorder-split", &extra);
    check_against_oracle("ns-http-drops", "drops-split", &extra);
}

/// VLAN stripping changes the delivered frames but not the streams: the
/// keys keep the stripped tag (index.json identical, tagged streams present).
#[test]
fn vlan_strip_keeps_stream_keys() {
    let pcap = vectors().join("ns-multiflow.pcap");
    let (a_dir, a_sum, a) = replay(&pcap, "vlan-keep", &[]);
    let (b_dir, b_sum, b) = replay(&pcap, "vlan-strip", &["--vlan-strip", "--split", "always"]);
    assert!(b_sum["pools"].as_array().unwrap().iter().any(|p| p["vlan_stripped"].as_u64().unwrap() > 0));
    assert_eq!(a, b, "streams differ with --vlan-strip");
    assert_eq!(a_sum["reassembly"], b_sum["reassembly"]);
    let entries = a.as_array().unwrap();
    assert!(entries.iter().any(|e| e["vlan"].is_u64()), "the capture has tagged TCP flows");
    assert!(entries.iter().any(|e| e["vlan_inner"].is_u64()), "and QinQ TCP flows");
    for e in entries {
        let file = e["file"].as_str().unwrap();
        let x = std::fs::read(a_dir.join(file)).unwrap();
        assert_eq!(x, std::fs::read(b_dir.join(file)).unwrap(), "{file}");
        assert_eq!(sha256_hex(&x), e["sha256"].as_str().unwrap());
    }
    std::fs::remove_dir_all(&a_dir).unwrap();
    std::fs::remove_dir_all(&b_dir).unwrap();
}

/// `--no-streams`: no stream files, the index (with `file` null) and the
/// counters still written.
#[test]
fn no_streams_writes_index_only() {
    let pcap = vectors().join("tcp/ns-http-reorder.pcap");
    let (dir, summary, index) = replay(&pcap, "no-streams", &["--no-streams"]);
    let files: Vec<_> = std::fs::read_dir(dir.join("streams")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(files, ["index.json"]);
    let entries = index.as_array().unwrap();
    assert_eq!(entries.len(), 8);
    assert!(entries.iter().all(|e| e["file"].is_null() && e["sha256"].as_str().unwrap().len() == 64));
    assert_eq!(summary["reassembly"]["streams"], 8);
    std::fs::remove_dir_all(&dir).unwrap();
}
