//! Multi-queue open and RSS programming against the mock transport.

mod mock;

use mock::{qreg, MockHal};
use nic_driver::{DriverError, Nic, RssConfig, RxConfig};
use nic_spec::{cpl, ctrl, global, l3_type, l4_type, parse_flags, qctrl, rss, rss_type, rxq};

fn open(hal: &mut MockHal, cfg: &RxConfig) -> Nic {
    let mut nic = Nic::probe(hal).expect("probe");
    nic.open(hal, cfg).expect("open");
    nic
}

/// The key as the device holds it, from the ten key registers.
fn key_regs(hal: &MockHal) -> [u8; rss::KEY_BYTES] {
    let mut k = [0u8; rss::KEY_BYTES];
    for n in 0..rss::KEY_DWORDS as usize {
        k[4 * n..4 * n + 4].copy_from_slice(&hal.reg(global::RSS_KEY + 4 * n as u32).to_le_bytes());
    }
    k
}

fn reta_regs(hal: &MockHal, size: usize) -> Vec<u8> {
    (0..size / 4).flat_map(|n| hal.reg(global::RSS_RETA + 4 * n as u32).to_le_bytes()).collect()
}

#[test]
fn default_open_uses_every_queue_and_programs_rss_first() {
    let mut hal = MockHal::with_queues(8, 128);
    let nic = open(&mut hal, &RxConfig::default());
    assert_eq!(nic.caps().rss_reta_size, 128);
    assert_eq!(nic.num_queues(), 8);
    for q in 0..8 {
        assert_eq!(hal.reg(qreg(q, rxq::Q_CTRL)), qctrl::ENABLE, "queue {q} enabled");
        assert_ne!(hal.desc_ring(q).0, 0, "queue {q} has its own ring");
    }
    let rings: std::collections::HashSet<u64> = (0..8).map(|q| hal.desc_ring(q).0).collect();
    assert_eq!(rings.len(), 8);
    // Defaults: Microsoft key, all six types, even spread, default queue 0.
    assert_eq!(key_regs(&hal), rss::MS_KEY);
    assert_eq!(hal.reg(global::RSS_KEY), 0xda56_5a6d, "key byte 0 in bits [7:0]");
    assert_eq!(hal.reg(global::RSS_HASH_TYPES), rss_type::ALL_ENABLED);
    assert_eq!(hal.reg(global::RSS_DEFAULT_QUEUE), 0);
    let reta = reta_regs(&hal, 128);
    assert_eq!(reta, (0..128).map(|i| (i % 8) as u8).collect::<Vec<_>>());
    assert_eq!(nic.reta(), reta.as_slice());
    assert_eq!(nic.rss(), Some(&RssConfig::default()));
    // All of it before any queue is enabled or reception starts; types last.
    let pos = |off: u32| hal.writes.iter().position(|w| w.0 == off).unwrap();
    let first_enable = pos(qreg(0, rxq::Q_CTRL));
    let types = pos(global::RSS_HASH_TYPES);
    assert!(pos(global::RSS_KEY) < types && pos(global::RSS_RETA) < types && pos(global::RSS_DEFAULT_QUEUE) < types);
    assert!(types < first_enable);
    assert!(hal.writes.iter().position(|w| *w == (global::CTRL, ctrl::RX_ENABLE)).unwrap() > types);
}

#[test]
fn fewer_queues_spread_over_those_only() {
    let mut hal = MockHal::with_queues(8, 256);
    let nic = open(&mut hal, &RxConfig { queues: 3, ..Default::default() });
    assert_eq!(nic.num_queues(), 3);
    assert_eq!(hal.reg(qreg(3, rxq::Q_CTRL)), 0, "queue 3 stays closed");
    assert_eq!(reta_regs(&hal, 256), (0..256).map(|i| (i % 3) as u8).collect::<Vec<_>>());
}

#[test]
fn custom_rss_and_set_rss_later() {
    let mut hal = MockHal::with_queues(4, 128);
    let key: [u8; 40] = std::array::from_fn(|i| i as u8 * 3 + 1);
    let cfg = RxConfig {
        rss: RssConfig {
            key,
            hash_types: rss_type::enable_bit(rss_type::IPV4) | rss_type::enable_bit(rss_type::IPV6_UDP),
            reta: vec![3, 2],
            default_queue: 1,
        },
        ..Default::default()
    };
    let mut nic = open(&mut hal, &cfg);
    assert_eq!(key_regs(&hal), key);
    assert_eq!(hal.reg(global::RSS_HASH_TYPES), 0b10_0001);
    assert_eq!(hal.reg(global::RSS_DEFAULT_QUEUE), 1);
    // A 2-entry table repeated: steers like a table indexed by hash & 1.
    assert_eq!(reta_regs(&hal, 128), [3, 2].repeat(64));

    hal.clear_log();
    let new = RssConfig { reta: (0..128).map(|i| (127 - i) as u8 % 4).collect(), ..RssConfig::default() };
    nic.set_rss(&mut hal, &new).unwrap();
    assert_eq!(reta_regs(&hal, 128), new.reta);
    assert_eq!(key_regs(&hal), rss::MS_KEY);
    assert_eq!(hal.reg(global::RSS_HASH_TYPES), rss_type::ALL_ENABLED);
    assert_eq!(hal.writes.last().unwrap().0, global::RSS_HASH_TYPES, "enables written last");
    assert!(hal.mmio_reads >= 1, "flushed by a read-back");
    assert_eq!(nic.rss(), Some(&new));
    // Queues and rings are untouched by set_rss.
    assert!(hal.writes.iter().all(|w| w.0 < rxq::BASE));
}

#[test]
fn rss_settings_are_validated() {
    let mut hal = MockHal::with_queues(4, 128);
    let mut nic = Nic::probe(&mut hal).unwrap();
    let bad = [
        RssConfig { default_queue: 4, ..Default::default() },
        RssConfig { hash_types: 0x40, ..Default::default() },
        RssConfig { reta: vec![0, 1, 2], ..Default::default() },
        RssConfig { reta: vec![0; 256], ..Default::default() },
        RssConfig { reta: vec![0, 1, 2, 4], ..Default::default() },
    ];
    assert_eq!(nic.set_rss(&mut hal, &RssConfig::default()), Err(DriverError::NotOpen));
    for rss in &bad {
        let e = nic.open(&mut hal, &RxConfig { rss: rss.clone(), ..Default::default() }).unwrap_err();
        assert!(matches!(e, DriverError::InvalidConfig(_)), "{rss:?}: {e}");
        assert!(hal.live.is_empty());
    }
    let e = nic.open(&mut hal, &RxConfig { rss: bad[4].clone(), ..Default::default() }).unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid RX configuration: indirection table entry 3 is queue 4, but only 4 queues are open"
    );
    // Two queues open: entries and the default queue must be 0 or 1.
    nic.open(&mut hal, &RxConfig { queues: 2, ..Default::default() }).unwrap();
    let before = hal.writes.len();
    for rss in
        [RssConfig { reta: vec![0, 2], ..Default::default() }, RssConfig { default_queue: 2, ..Default::default() }]
    {
        assert!(matches!(nic.set_rss(&mut hal, &rss), Err(DriverError::InvalidConfig(_))));
    }
    assert_eq!(hal.writes.len(), before, "nothing written for a rejected configuration");
    nic.set_rss(&mut hal, &RssConfig { reta: vec![1], default_queue: 1, ..Default::default() }).unwrap();
    assert_eq!(reta_regs(&hal, 128), vec![1; 128]);
}

#[test]
fn device_without_rss_opens_and_refuses_set_rss() {
    let mut hal = MockHal::with_queues(2, 0);
    let mut nic = open(&mut hal, &RxConfig::default());
    assert_eq!(nic.num_queues(), 2);
    assert!(hal.writes_to(global::RSS_HASH_TYPES).is_empty());
    assert_eq!(nic.rss(), None);
    assert!(matches!(nic.set_rss(&mut hal, &RssConfig::default()), Err(DriverError::InvalidConfig(_))));

    for bad in [100, 1024] {
        let mut hal = MockHal::with_queues(2, bad);
        assert_eq!(Nic::probe(&mut hal).err(), Some(DriverError::BadRetaSize { found: bad }));
    }
}

#[test]
fn completion_fields_reach_the_frame_and_queues_are_separate() {
    let mut hal = MockHal::with_queues(4, 128);
    let mut nic = open(&mut hal, &RxConfig::default());
    let frame: Vec<u8> = (0..80).collect();
    for q in [2usize, 0, 2, 3] {
        hal.nic_rx_with(q, &frame, |rec| {
            cpl::RSS_HASH.set(rec, 0xdead_beef);
            cpl::RSS_TYPE.set(rec, rss_type::IPV6_TCP.into());
            cpl::L3_TYPE.set(rec, l3_type::IPV6.into());
            cpl::L4_TYPE.set(rec, l4_type::TCP.into());
            cpl::PARSE_FLAGS.set(rec, (parse_flags::IP_OPTIONS | parse_flags::DEPTH_LIMIT).into());
            cpl::VLAN_COUNT.set(rec, 2);
            cpl::L3_OFFSET.set(rec, 22);
            cpl::L4_OFFSET.set(rec, 1000);
            cpl::PAYLOAD_OFFSET.set(rec, 1023);
        });
    }
    let mut got = Vec::new();
    for q in 0..4 {
        nic.poll(&mut hal, q, 16, |f| {
            got.push((
                f.queue,
                f.rss_hash,
                f.rss_type,
                f.l3_type,
                f.l4_type,
                f.flags,
                f.vlan_count,
                f.l3_offset,
                f.l4_offset,
                f.payload_offset,
            ));
            assert!(f.bytes == *frame.as_slice());
        })
        .unwrap();
    }
    let one = |q| (q, 0xdead_beef, 5, 2, 1, 0b1010, 2, 22, 1000, 1023);
    assert_eq!(got, vec![one(0), one(2), one(2), one(3)]);
    let s = nic.stats(&mut hal).unwrap();
    let per_queue: Vec<u64> = s.queues.iter().map(|q| q.frames_delivered).collect();
    assert_eq!(per_queue, vec![1, 0, 2, 1]);
    assert_eq!(s.queues.iter().map(|q| q.frames).collect::<Vec<_>>(), vec![1, 0, 2, 1]);
}
