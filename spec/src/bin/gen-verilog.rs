//! Writes `rtl/nic_spec.vh` from the spec (or checks it with `--check`).
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../rtl/nic_spec.vh");
    let want = nic_spec::verilog_header();
    if std::env::args().any(|a| a == "--check") {
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        if have != want {
            eprintln!("{} is stale: run `cargo run -p nic-spec --bin gen-verilog`", path.display());
            return ExitCode::FAILURE;
        }
        return ExitCode::SUCCESS;
    }
    if let Err(e) = std::fs::write(&path, want) {
        eprintln!("cannot write {}: {e}", path.display());
        return ExitCode::FAILURE;
    }
    println!("wrote {}", path.display());
    ExitCode::SUCCESS
}
