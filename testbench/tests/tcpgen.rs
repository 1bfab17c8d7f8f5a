//! The synthetic TCP capture generator (`nic_testbench::tcpgen`,
//! `gen-tcp-capture`): a generated capture replayed through the RTL and the
//! driver reassembles to exactly the streams the generator expects, the
//! generator is deterministic, and the reassembly's eviction of closed
//! streams (counting mode) changes no output.

use std::collections::BTreeMap;
use std::net::IpAddr;

use nic_driver::FrameBytes;
use nic_testbench::pcap::{PcapReader, PcapWriter};
use nic_testbench::replay::{ReplayConfig, Replayer, Stimulus};
use nic_testbench::streams::{StreamCollector, StreamData, StreamResult, LINGER_STREAMS};
use nic_testbench::tcpgen::{generate, ExpectWriter, ExpectedStream, GenConfig, GenStats};

type Key = (IpAddr, u16, IpAddr, u16, Option<u16>);

/// Generates into memory: the capture's bytes, the expected streams by key, the stats.
fn gen(cfg: &GenConfig) -> (Vec<u8>, BTreeMap<Key, ExpectedStream>, GenStats) {
    let mut w = PcapWriter::new(Vec::new()).unwrap();
    let mut want = BTreeMap::new();
    let stats = generate(cfg, &mut w, |e| {
        let prev = want.insert((e.src, e.sport, e.dst, e.dport, e.vlan), e.clone());
        assert!(prev.is_none(), "one expectation per stream direction: {e:?}");
        Ok(())
    })
    .unwrap();
    assert_eq!(stats.frames, cfg.frames);
    (w.finish().unwrap(), want, stats)
}

fn frames(pcap: &[u8]) -> impl Iterator<Item = Vec<u8>> + '_ {
    PcapReader::new("generated.pcap", pcap).unwrap().map(|f| f.unwrap().data)
}

/// Every stream equals its expectation (bytes, digest, gap bytes), and
/// there is no other stream.
fn check_streams(tag: &str, got: &[StreamResult], want: &BTreeMap<Key, ExpectedStream>) {
    assert_eq!(got.len(), want.len(), "{tag}: one stream per expected direction");
    for s in got {
        let k = (s.key.src, s.key.sport, s.key.dst, s.key.dport, s.key.vlan.outer);
        assert_eq!(s.key.vlan.inner, None, "{tag}: {k:?}");
        let e = want.get(&k).unwrap_or_else(|| panic!("{tag}: stream {k:?} not expected"));
        assert_eq!((s.bytes, s.sha256.as_str(), s.gaps), (e.bytes, e.sha256.as_str(), e.gaps), "{tag}: {k:?}");
    }
}

#[test]
fn generated_capture_replays_to_the_expected_streams() {
    let cfg = GenConfig { frames: 3000, seed: 7, loss: 0.03, ..GenConfig::default() };
    let (pcap, want, stats) = gen(&cfg);
    assert!(stats.lost_segments > 0 && stats.duplicates > 0 && stats.connections_closed > 0, "{stats:?}");
    assert!(stats.ipv6_connections > 0 && stats.vlan_connections > 0, "{stats:?}");
    let mut rp = Replayer::new(ReplayConfig { streams: StreamData::Count, ..ReplayConfig::default() }).unwrap();
    let input = PcapReader::new("generated.pcap", &pcap[..]).unwrap().map(|r| r.map(Stimulus::from));
    rp.run(input, |_, _| {}).unwrap_or_else(|e| panic!("replay failed: {e}"));
    let streams = rp.finish_streams();
    let r = rp.report().unwrap();
    rp.close().unwrap();
    assert!(r.is_clean(), "{r:#?}");
    assert_eq!((r.frames_in, r.frames_delivered), (3000, 3000));
    check_streams("replay", &streams, &want);
    let ra = &r.reassembly;
    assert_eq!(ra.streams, want.len() as u64);
    assert_eq!(ra.non_tcp_frames, 0);
    assert!(ra.out_of_order_segments > 0 && ra.retransmitted_segments > 0, "{ra:?}");
    assert_eq!(ra.gap_bytes, want.values().map(|e| e.gaps).sum::<u64>());
    assert_eq!(ra.delivered_bytes, want.values().map(|e| e.bytes).sum::<u64>());
}

#[test]
fn same_seed_same_capture() {
    let cfg = GenConfig { frames: 2000, seed: 3, ..GenConfig::default() };
    let (a, ea, _) = gen(&cfg);
    let (b, eb, _) = gen(&cfg);
    assert!(a == b, "same seed, same bytes");
    assert_eq!(ea.values().map(|e| &e.sha256).collect::<Vec<_>>(), eb.values().map(|e| &e.sha256).collect::<Vec<_>>());
    let (c, _, _) = gen(&GenConfig { seed: 4, ..cfg });
    assert!(a != c, "another seed, another capture");
}

#[test]
fn expectations_are_a_json_array() {
    let cfg = GenConfig { frames: 500, ..GenConfig::default() };
    let mut w = ExpectWriter::new(Vec::new()).unwrap();
    let mut n = 0;
    generate(&cfg, &mut PcapWriter::new(std::io::sink()).unwrap(), |e| {
        n += 1;
        w.write(e)
    })
    .unwrap();
    let text = String::from_utf8(w.finish().unwrap()).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let a = v.as_array().unwrap();
    assert_eq!(a.len(), n);
    for key in ["stream", "src", "sport", "dst", "dport", "bytes", "sha256", "vlan", "gaps"] {
        assert!(a[0].get(key).is_some(), "{key} in {}", a[0]);
    }
}

#[test]
fn bad_settings_name_themselves() {
    let e = GenConfig { loss: 1.5, ..GenConfig::default() }.validate().unwrap_err();
    assert!(e.starts_with("loss"), "{e}");
    let e = GenConfig { concurrency: 0, ..GenConfig::default() }.validate().unwrap_err();
    assert!(e.starts_with("concurrency"), "{e}");
    let e = GenConfig { vlan: -0.1, ..GenConfig::default() }.validate().unwrap_err();
    assert!(e.starts_with("vlan"), "{e}");
}

/// Counting mode evicts closed streams once `LINGER_STREAMS` more have
/// ended; keeping mode evicts nothing. Both give the same streams and
/// counters, and those the generator expects (no RTL: the frames go to the
/// collector directly).
#[test]
fn evicting_closed_streams_changes_no_output() {
    let cfg = GenConfig { frames: 100_000, seed: 11, loss: 0.02, ..GenConfig::default() };
    let (pcap, want, stats) = gen(&cfg);
    assert!(stats.connections_closed * 2 > LINGER_STREAMS as u64 + 500, "enough closed streams to evict: {stats:?}");
    let mut count = StreamCollector::new(false);
    let mut keep = StreamCollector::new(true);
    for f in frames(&pcap) {
        count.push(&FrameBytes::Copied(&f), false, 0);
        keep.push(&FrameBytes::Copied(&f), false, 0);
    }
    // Held: the open connections' streams and the last LINGER_STREAMS ended ones.
    let held = count.live_streams();
    assert!(held <= 2 * cfg.concurrency + LINGER_STREAMS, "{held} of {} streams still held", want.len());
    assert!(held + 500 < want.len(), "{held} of {} streams still held", want.len());
    assert_eq!(keep.live_streams(), want.len());
    let (a, b) = (count.finish(), keep.finish());
    check_streams("count", &a, &want);
    check_streams("keep", &b, &want);
    assert_eq!(count.stats(), keep.stats());
    let keys = |v: &[StreamResult]| v.iter().map(|s| s.key).collect::<Vec<_>>();
    assert_eq!(keys(&a), keys(&b), "same order");
}
