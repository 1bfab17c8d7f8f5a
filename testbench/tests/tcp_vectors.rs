//! TCP reassembly golden vectors (`vectors/tcp/synthetic/*.yaml`, format in
//! `nic_testbench::tcp_vectors` and the directory's README): every file's
//! frames go through the simulated RTL and the driver (the `Replayer`,
//! frames in file order, streams kept), and every stream direction must
//! deliver exactly the expected bytes, gap bytes and counters. The same
//! frames pushed straight into `tcp_reassembly` must give the same result.
//! Malformed files are reported with the file, line and column.

use std::path::{Path, PathBuf};

use nic_testbench::tcp_vectors::TcpVector;
use nic_testbench::vectors::case_files;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors/tcp/synthetic")
}

fn load(name: &str) -> TcpVector {
    TcpVector::load(&dir().join(format!("{name}.yaml"))).unwrap_or_else(|e| panic!("{e}"))
}

/// Replays one file through the RTL and the driver and checks it.
fn run(name: &str) {
    let v = load(name);
    let run = v.replay().unwrap_or_else(|e| panic!("{}: replay failed: {e}", v.name()));
    let mut errs = v.check_replay(&run);
    errs.extend(v.check(&run.streams));
    assert!(
        errs.is_empty(),
        "{}: {} mismatch(es) through the RTL and the driver:\n  {}",
        v.name(),
        errs.len(),
        errs.join("\n  ")
    );
}

macro_rules! vector_tests {
    ($($test:ident => $file:literal),* $(,)?) => {
        $( #[test] fn $test() { run($file); } )*
        const ALL: &[&str] = &[$($file),*];
    };
}

vector_tests!(
    bulk_sha256 => "bulk-sha256",
    duplicate => "duplicate",
    gaps => "gaps",
    ipv6 => "ipv6",
    mid_stream => "mid-stream",
    out_of_order => "out-of-order",
    out_of_window => "out-of-window",
    overlap_conflict => "overlap-conflict",
    overlap_held => "overlap-held",
    overlap_span => "overlap-span",
    qinq => "qinq",
    rst => "rst",
    syn_fin => "syn-fin",
    vlan => "vlan",
    wrap_around => "wrap-around",
);

/// Every file has a test above; every file's frames, pushed straight into
/// `tcp_reassembly` (no RTL, no driver), give the expected streams too.
#[test]
fn every_file_is_tested_and_matches_direct_reassembly() {
    let files = case_files(&dir());
    assert!(files.len() >= ALL.len(), "{} files in {}", files.len(), dir().display());
    let mut failures = Vec::new();
    for f in &files {
        let stem = f.file_stem().unwrap().to_string_lossy().into_owned();
        assert!(ALL.contains(&stem.as_str()), "{}: add `{stem}` to vector_tests! in {}", f.display(), file!());
        let v = TcpVector::load(f).unwrap_or_else(|e| panic!("{e}"));
        match v.reassemble_directly() {
            Ok(streams) => failures.extend(v.check(&streams).into_iter().map(|e| format!("{}: {e}", v.name()))),
            Err(e) => failures.push(format!("{}: {e}", v.name())),
        }
    }
    assert!(failures.is_empty(), "direct reassembly:\n  {}", failures.join("\n  "));
}

/// The example in vectors/tcp/synthetic/README.md is a valid file.
#[test]
fn readme_example_is_a_valid_file() {
    let readme = std::fs::read_to_string(dir().join("README.md")).unwrap();
    let start = readme.find("```yaml\n").expect("a yaml block") + 8;
    let end = start + readme[start..].find("```").unwrap();
    let v = TcpVector::parse(&dir().join("README.md"), &readme[start..end]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v.frames.len(), 1);
    let streams = v.reassemble_directly().unwrap();
    assert_eq!(v.check(&streams), Vec::<String>::new());
}

/// Parses `text` as a vector file named `bad.yaml` and returns the error.
fn parse_error(text: &str) -> String {
    match TcpVector::parse(Path::new("vectors/malformed/bad.yaml"), text) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.to_string(),
    }
}

const HEAD: &str =
    "description: x\nendpoints:\n  client: { addr: 192.0.2.1, port: 1 }\n  server: { addr: 192.0.2.2, port: 2 }\n";

#[test]
fn malformed_files_name_the_file_line_and_column() {
    // YAML syntax: an unclosed flow mapping.
    let e = parse_error(&format!("{HEAD}segments:\n  - {{ seq: 0, flags: [syn]\nexpect: {{}}\n"));
    assert!(e.starts_with("vectors/malformed/bad.yaml:"), "{e}");
    assert!(e.contains("line ") && e.contains("column "), "{e}");
    // A misspelt flag, on line 6.
    let e =
        parse_error(&format!("{HEAD}segments:\n  - {{ seq: 0, flags: [sin] }}\nexpect:\n  client: {{ text: \"\" }}\n"));
    assert!(e.starts_with("vectors/malformed/bad.yaml:6: ") && e.contains("unknown variant `sin`"), "{e}");
    assert!(e.contains("line 6 column"), "{e}");
    // A bad address, on line 3.
    let e = parse_error(&HEAD.replace("192.0.2.1", "192.0.2.300"));
    assert!(e.starts_with("vectors/malformed/bad.yaml:3: ") && e.contains("line 3 column"), "{e}");
    // Two payloads in one segment, on line 6.
    let e = parse_error(&format!(
        "{HEAD}segments:\n  - {{ seq: 1, text: a, hex: \"62\" }}\nexpect:\n  client: {{ text: a }}\n"
    ));
    assert!(e.contains(":6: ") && e.contains("one of `text`, `hex` or `repeat`"), "{e}");
    // seq and abs_seq both.
    let e = parse_error(&format!("{HEAD}segments:\n  - {{ seq: 1, abs_seq: 2 }}\nexpect:\n  client: {{ text: a }}\n"));
    assert!(e.contains(":6: ") && e.contains("exactly one of `seq`"), "{e}");
    // A counter that does not exist, on line 8.
    let e = parse_error(&format!(
        "{HEAD}segments: []\nexpect:\n  client:\n    text: a\n    counters: {{ ooo_segments: 1 }}\n"
    ));
    assert!(e.contains("`ooo_segments` is not a per-stream counter") && e.contains("out_of_order_segments"), "{e}");
    assert!(e.contains("line ") && e.contains("column "), "{e}");
    // Endpoints of different families.
    let e = parse_error(&HEAD.replace("192.0.2.2", "\"2001:db8::2\""));
    assert!(e.contains("different address families"), "{e}");
    // An unknown field.
    let e = parse_error(&format!("{HEAD}segments: []\nexpect:\n  client: {{ txt: a }}\n"));
    assert!(e.contains(":7: ") && e.contains("unknown field `txt`"), "{e}");
}

/// A difference is reported with the side, the bytes and the counter.
#[test]
fn check_reports_what_differs() {
    let v = load("out-of-order");
    let mut streams = v.reassemble_directly().unwrap();
    let key = v.flow.key(nic_testbench::tcp_vectors::Side::Client);
    let s = streams.get_mut(&key).unwrap();
    s.data[4] = b'X';
    s.counters.out_of_order_segments += 1;
    let errs = v.check(&streams);
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(errs[0].starts_with("client stream: 16 bytes, expected 16; first difference at offset 4"), "{errs:?}");
    assert!(errs[1].contains("out_of_order_segments = 3, expected 2"), "{errs:?}");
    streams.remove(&key);
    assert_eq!(v.check(&streams), ["client stream (192.0.2.11:40002 -> 198.51.100.21:80): missing"]);
}
