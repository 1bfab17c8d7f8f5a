//! Header/data split, scatter and VLAN stripping golden vectors
//! (`vectors/split/*.yaml`, format in `nic_testbench::vectors`): every file
//! is checked against the reference model (`nic_model::split`) when it is
//! loaded, then run at register level through the RTL; every expectation
//! of the file and every field and byte the model predicts must match, and
//! the whole observed result is snapshotted (one snapshot per file).

use std::path::{Path, PathBuf};

use nic_sim::SimConfig;
use nic_testbench::vectors::{self, Case};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors/split")
}

fn run(name: &str) {
    let path = dir().join(format!("{name}.yaml"));
    let case = Case::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let obs = vectors::run_case(&case, SimConfig::default()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = obs.render(&case);
    let errs = obs.check(&case);
    if !errs.is_empty() {
        panic!("{} mismatch(es):\n  {}\n\nobserved:\n{text}", errs.len(), errs.join("\n  "));
    }
    insta::assert_snapshot!(name, text);
}

macro_rules! vector_tests {
    ($($name:ident),* $(,)?) => {
        $( #[test] fn $name() { run(stringify!($name)); } )*
        const ALL: &[&str] = &[$(stringify!($name)),*];
    };
}

vector_tests!(
    always,
    bad_desc,
    cap_rounding,
    checksums,
    hdr_clamp,
    hdr_clamp_low,
    hdr_overflow,
    jumbo_2048,
    jumbo_4096,
    max_scatter,
    never,
    no_scatter,
    overflow_strip,
    reserved_mode,
    ring_wrap,
    strip_small_scatter,
    tcp_udp,
    thresh,
    too_few_posted,
    vlan_strip,
);

/// Every file in the directory has a test above, and every file loads and
/// agrees with the model (no RTL involved).
#[test]
fn every_vector_file_loads_and_agrees_with_the_model() {
    let files = vectors::case_files(&dir());
    assert!(files.len() >= ALL.len(), "{} files", files.len());
    let mut frames = 0;
    for f in &files {
        let stem = f.file_stem().unwrap().to_string_lossy().into_owned();
        assert!(ALL.contains(&stem.as_str()), "{}: add `{stem}` to vector_tests! in {}", f.display(), file!());
        let c = Case::load(f).unwrap_or_else(|e| panic!("{e}"));
        frames += c.frames.iter().flatten().count();
    }
    assert!(frames >= 60, "{frames} frames");
}

/// The example in vectors/split/README.md is a valid case.
#[test]
fn readme_example_is_a_valid_case() {
    let readme = std::fs::read_to_string(dir().join("README.md")).unwrap();
    let start = readme.find("```yaml\n").expect("a yaml block") + 8;
    let end = start + readme[start..].find("```").unwrap();
    let case = Case::parse(&dir().join("README.md"), &readme[start..end]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(case.frames.iter().flatten().count(), 3);
}

fn err_of(text: &str) -> String {
    match Case::parse(Path::new("vectors/split/t.yaml"), text) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.to_string(),
    }
}

/// Malformed YAML and cases the model disagrees with are errors that name
/// the file, the line and the field.
#[test]
fn malformed_and_inconsistent_vectors_are_clear_errors() {
    // Not YAML at all.
    let e = err_of("queue: { mode: always\nsteps: [");
    assert!(e.starts_with("vectors/split/t.yaml:") && e.contains("malformed"), "{e}");
    // Unknown field (a typo), with its line.
    let e = err_of("queue: { mode: always }\nsteps:\n  - name: a\n    build: { l4: tcp, payload: 10 }\n    expect: { hdr_lne: 54 }\n");
    assert!(e.contains("t.yaml:5") && e.contains("hdr_lne"), "{e}");
    // Bad mode.
    let e = err_of("queue: { mode: sometimes }\nsteps: []\n");
    assert!(e.contains("t.yaml:1") && e.contains("queue.mode") && e.contains("sometimes"), "{e}");
    // An expectation the model disagrees with: file, line of the field, both values.
    let text = "\
queue: { mode: always, hdr_log_size: 8 }
steps:
  - name: ok
    build: { l4: tcp, payload: 10 }
    expect: { hdr_len: 54 }
  - name: wrong
    build: { l4: tcp, payload: 100 }
    expect:
      len: 154
      hdr_len: 58
";
    let e = err_of(text);
    assert!(
        e.contains("t.yaml:10") && e.contains("step 2 (wrong)") && e.contains("hdr_len is 58") && e.contains("says 54"),
        "{e}"
    );
    // Wrong bytes.
    let e = err_of(&text.replace("hdr_len: 58", "hdr: \"[0, 50)\""));
    assert!(e.contains("t.yaml:10") && e.contains("expect.hdr"), "{e}");
    // A range outside the frame.
    let e = err_of(&text.replace("hdr_len: 58", "data: [\"[54, 999)\"]"));
    assert!(e.contains("t.yaml:10") && e.contains("not within the 154-byte frame"), "{e}");
    // Inconsistent numbers within the file.
    let e = err_of(&text.replace("hdr_len: 58", "hdr_len: 54\n      payload_len: 99"));
    assert!(e.contains("payload_len") && e.contains("99"), "{e}");
    // A drop the model does not predict.
    let e = err_of(&text.replace("len: 154\n      hdr_len: 58", "drop: too_small"));
    assert!(e.contains("t.yaml:9") && e.contains("drop"), "{e}");
    // Counters.
    let e = err_of("queue: { mode: never }\nsteps:\n  - name: a\n    build: { payload: 1 }\ncounters:\n  frames: 2\n");
    assert!(e.contains("t.yaml:6") && e.contains("counters.frames is 2") && e.contains("says 1"), "{e}");
    // Frame descriptions that cannot be built.
    let e = err_of("queue: {}\nsteps:\n  - name: a\n    build: { l3: ipv6, ip_options: 8 }\n");
    assert!(e.contains("t.yaml:4") && e.contains("build") && e.contains("IPv4"), "{e}");
    let e = err_of("queue: {}\nsteps:\n  - name: a\n    build: { vlan: [1, 2, 3] }\n");
    assert!(e.contains("at most 2"), "{e}");
    // A step that is neither a frame nor a post; duplicate names; overfilled ring.
    let e = err_of("queue: {}\nsteps:\n  - name: a\n");
    assert!(e.contains("t.yaml:3") && e.contains("exactly one of"), "{e}");
    let e = err_of("queue: {}\nsteps:\n  - name: a\n    hex: \"00\"\n");
    assert!(e.contains("14..=9216"), "{e}");
    let e = err_of("queue: {}\nsteps:\n  - name: a\n    build: {}\n  - name: a\n    build: {}\n");
    assert!(e.contains("t.yaml:5") && e.contains("used twice"), "{e}");
    let e = err_of("queue: { ring_log: 2 }\nsteps:\n  - post: 1\n");
    assert!(e.contains("t.yaml:3") && e.contains("overfills"), "{e}");
}

/// The frame builder makes what it is asked for (the model parses it so).
#[test]
fn built_frames_parse_as_described() {
    use nic_spec::{l3_type, l4_type, parse_flags};
    let y = |s: &str| -> vectors::FrameSpec { serde_yaml::from_str(s).unwrap() };
    let cases: [(&str, usize, u32, u32, u8, u16); 7] = [
        ("{ l4: tcp, payload: 10 }", 64, l3_type::IPV4, l4_type::TCP, 0, 54),
        ("{ vlan: [1, 2], l4: udp, ip_options: 12 }", 62, l3_type::IPV4, l4_type::UDP, 2, 62),
        (
            "{ l3: ipv6, ext: [{type: hop}, {type: dest, len: 24}], l4: tcp, tcp_options: 8 }",
            114,
            l3_type::IPV6,
            l4_type::TCP,
            0,
            114,
        ),
        ("{ l3: ipv6, ext: [{type: frag, offset: 3}], l4: udp, payload: 2 }", 72, l3_type::IPV6, l4_type::NONE, 0, 62),
        ("{ l4: icmp, payload: 2 }", 44, l3_type::IPV4, l4_type::OTHER, 0, 34),
        ("{ l4: 47, payload: 5 }", 39, l3_type::IPV4, l4_type::OTHER, 0, 34),
        ("{ l3: none, len: 100 }", 100, l3_type::NONE, l4_type::NONE, 0, 0),
    ];
    for (spec, len, l3, l4, vlans, po) in cases {
        let f = vectors::build_frame(&y(spec)).unwrap();
        let p = nic_model::parse(&f);
        assert_eq!(
            (f.len(), u32::from(p.l3_type), u32::from(p.l4_type), p.vlan_count, p.payload_offset),
            (len, l3, l4, vlans, po),
            "{spec}"
        );
        assert!(!p.has(parse_flags::MALFORMED | parse_flags::DEPTH_LIMIT), "{spec}: {p:?}");
        let k = nic_model::csum::checksums(&f, &p);
        if nic_model::csum::l4_checked(&p) {
            assert_eq!(k.l4, nic_spec::csum::GOOD as u8, "{spec}");
        }
        if u32::from(p.l3_type) == l3_type::IPV4 {
            assert_eq!(k.ip, nic_spec::csum::GOOD as u8, "{spec}");
        }
    }
    let f = vectors::build_frame(&y("{ l4: udp, fragment: { more: true }, payload: 4 }")).unwrap();
    assert!(nic_model::parse(&f).has(parse_flags::FRAGMENT));
    let f = vectors::build_frame(&y("{ l4: tcp, len: 9018 }")).unwrap();
    assert_eq!(f.len(), 9018);
}
