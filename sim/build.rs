//! Verilates the NIC RTL and compiles the model with the C++ harness.
//!
//! * RTL: every `*.v`/`*.sv` in `rtl/` (or `$NIC_RTL_DIR`), top `nic_core`,
//!   include path = that directory.
//! * The Verilator output directory under `OUT_DIR` is wiped on every run,
//!   so renamed or deleted modules never leave stale C++ behind.
//! * All C++ is built at -O3 in every profile: an unoptimised model is
//!   10-50x slower, which no debug build is worth.
//! * Feature `fst` adds `--trace-fst` and the FST writer (see lib.rs docs).
//! * `$NIC_SIM_PARAMS` overrides `nic_core` parameters, e.g.
//!   `NIC_SIM_PARAMS="RX_QUEUES=2 MSIX_VECTORS=4"` (passed as `-G`). The
//!   model's cost per cycle grows with the logic it holds, so a build with
//!   the queues a run needs is faster (figures in BENCHMARKS.md); the driver
//!   reads the queue count and MSI-X table size from the device, and the
//!   test suite expects the default parameters.

use std::env;
use std::fs;
use std::path::PathBuf;
use std::process::Command;

const MISSING: &str =
    "Verilator >= 5.006 not found: install it with `sudo apt-get install -y verilator` (Debian 12) or run `make deps`";
const MIN_VERSION: (u32, u32) = (5, 6);

fn fail(msg: &str) -> ! {
    eprintln!("error: {msg}");
    println!("cargo:warning={msg}");
    std::process::exit(1);
}

mod build_params;
use build_params::{parse_sim_params, parse_version};

/// `$NIC_SIM_PARAMS`, parsed (empty when unset); a malformed list stops the
/// build with a message naming the variable.
fn sim_params() -> Vec<(String, u64)> {
    let Ok(raw) = env::var("NIC_SIM_PARAMS") else { return Vec::new() };
    parse_sim_params(&raw).unwrap_or_else(|e| fail(&e))
}

fn verilator_root(verilator: &str) -> PathBuf {
    let out = Command::new(verilator).args(["--getenv", "VERILATOR_ROOT"]).output();
    match out {
        Ok(o) if o.status.success() => PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()),
        _ => fail(MISSING),
    }
}

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());
    let fst = env::var_os("CARGO_FEATURE_FST").is_some();
    println!("cargo:rerun-if-env-changed=NIC_RTL_DIR");
    println!("cargo:rerun-if-env-changed=VERILATOR");
    println!("cargo:rerun-if-env-changed=NIC_SIM_PARAMS");
    let params = sim_params();
    let params_list = params.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join(" ");
    if !params.is_empty() {
        println!("cargo:warning=building the NIC model with non-default parameters: {params_list}");
    }
    for f in ["build.rs", "build_params.rs", "csrc/harness.h", "csrc/harness.cpp", "src/ffi.rs"] {
        println!("cargo:rerun-if-changed={f}");
    }

    // Verilator present and recent enough?
    let verilator = env::var("VERILATOR").unwrap_or_else(|_| "verilator".into());
    let version = Command::new(&verilator).arg("--version").output();
    match version {
        Ok(o) if o.status.success() => match parse_version(&String::from_utf8_lossy(&o.stdout)) {
            Some(v) if v >= MIN_VERSION => {}
            _ => fail(MISSING),
        },
        _ => fail(MISSING),
    }
    let vroot = verilator_root(&verilator);
    let vinc = vroot.join("include");

    // RTL sources.
    let rtl_dir = env::var_os("NIC_RTL_DIR").map(PathBuf::from).unwrap_or_else(|| manifest.join("../rtl"));
    let rtl_dir = rtl_dir.canonicalize().unwrap_or(rtl_dir);
    println!("cargo:rerun-if-changed={}", rtl_dir.display());
    let mut sources = Vec::new();
    let entries = fs::read_dir(&rtl_dir)
        .unwrap_or_else(|e| fail(&format!("cannot read RTL directory {}: {e}", rtl_dir.display())));
    for entry in entries.flatten() {
        let path = entry.path();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if matches!(ext, "v" | "sv" | "vh" | "svh") {
            println!("cargo:rerun-if-changed={}", path.display());
        }
        if matches!(ext, "v" | "sv") {
            sources.push(path);
        }
    }
    sources.sort();
    let has_top = sources.iter().any(|p| fs::read_to_string(p).map(|s| s.contains("module nic_core")).unwrap_or(false));
    if !has_top {
        fail(&format!(
            "no `module nic_core` in {}/*.v: the simulator needs the top-level NIC (set NIC_RTL_DIR to use another RTL directory)",
            rtl_dir.display()
        ));
    }

    // Verilate into a fresh directory.
    let mdir = out_dir.join("vobj");
    let _ = fs::remove_dir_all(&mdir);
    fs::create_dir_all(&mdir).unwrap();
    let mut cmd = Command::new(&verilator);
    cmd.args(["--cc", "--top-module", "nic_core", "--prefix", "Vnic_core", "-O3"])
        .args(["--x-assign", "fast", "--x-initial", "fast", "--noassert", "--threads", "1"])
        .args(["--no-timing", "-Wno-fatal", "-Wno-lint", "-Wno-style"])
        .arg("--Mdir")
        .arg(&mdir)
        .arg(format!("-I{}", rtl_dir.display()));
    if fst {
        cmd.arg("--trace-fst");
    }
    for (name, value) in &params {
        cmd.arg(format!("-G{name}={value}"));
    }
    cmd.args(&sources);
    let out = cmd.output().unwrap_or_else(|_| fail(MISSING));
    let log = String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    let log_path = out_dir.join("verilator.log");
    let _ = fs::write(&log_path, &log);
    if !out.status.success() {
        let with = if params.is_empty() { String::new() } else { format!(" with NIC_SIM_PARAMS=\"{params_list}\"") };
        fail(&format!("Verilator failed on {}{with}:\n{log}", rtl_dir.display()));
    }
    let warnings = log.lines().filter(|l| l.starts_with("%Warning")).count();
    if warnings > 0 {
        println!("cargo:warning=Verilator reported {warnings} warning(s) on the RTL; see {}", log_path.display());
    }

    // Compile model + runtime + harness.
    let mut generated: Vec<PathBuf> = fs::read_dir(&mdir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "cpp"))
        .collect();
    generated.sort();
    let mut build = cxx_build::bridge("src/ffi.rs");
    build
        .file("csrc/harness.cpp")
        .files(&generated)
        .file(vinc.join("verilated.cpp"))
        .file(vinc.join("verilated_threads.cpp"))
        .include(&vinc)
        .include(vinc.join("vltstd"))
        .include(&mdir)
        .std("c++17")
        .opt_level(3)
        .debug(false)
        .warnings(false)
        .flag_if_supported("-faligned-new")
        .flag_if_supported("-fcf-protection=none")
        .define("VM_COVERAGE", "0")
        .define("VM_SC", "0")
        .define("VM_TRACE", if fst { "1" } else { "0" })
        .define("VM_TRACE_FST", if fst { "1" } else { "0" })
        .define("VM_TRACE_VCD", "0");
    if fst {
        build.file(vinc.join("verilated_fst_c.cpp")).define("NIC_SIM_FST", None);
    }
    build.compile("nic_sim_model");
    println!("cargo:rustc-link-lib=pthread");
    if fst {
        println!("cargo:rustc-link-lib=z");
    }
}
