#!/usr/bin/env bash
# Installs what the build and tests need, only when it is missing.
# Idempotent and quiet when everything is already there.
#   scripts/deps.sh          # everything for `make demo` and `make test`
set -euo pipefail

say() { printf 'deps: %s\n' "$*" >&2; }

# Minimum Verilator the simulator is built and tested with (Debian 12 ships 5.006).
VERILATOR_MIN=5.006

version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }

need_apt=()

if command -v verilator >/dev/null 2>&1; then
    have=$(verilator --version | awk '{print $2}')
    if ! version_ge "$have" "$VERILATOR_MIN"; then
        say "Verilator $have is older than $VERILATOR_MIN; will install Debian's verilator package."
        need_apt+=(verilator)
    fi
else
    say "Verilator not found; it simulates the NIC RTL. Installing Debian's verilator package."
    need_apt+=(verilator)
fi
command -v iverilog >/dev/null 2>&1 || { say "Icarus Verilog not found (runs the per-module RTL tests); installing iverilog."; need_apt+=(iverilog); }
command -v g++ >/dev/null 2>&1 || { say "g++ not found (compiles the verilated model); installing g++."; need_apt+=(g++); }
command -v make >/dev/null 2>&1 || need_apt+=(make)
# The synthesis check installs YoWASP's yosys/nextpnr from PyPI into a venv.
command -v python3 >/dev/null 2>&1 || { say "python3 not found (runs the FPGA synthesis tools); installing python3."; need_apt+=(python3 python3-venv); }
if command -v python3 >/dev/null 2>&1 && ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    say "python3 cannot create venvs (for the FPGA synthesis tools); installing python3-venv."
    need_apt+=(python3-venv)
fi
# zlib is what Verilator's FST waveform writer links against.
[ -e /usr/include/zlib.h ] || { say "zlib headers not found (FST waveforms); installing zlib1g-dev."; need_apt+=(zlib1g-dev); }

if [ ${#need_apt[@]} -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        say "need root to run: apt-get install -y ${need_apt[*]}  (no sudo found). Install them and re-run."
        exit 1
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        say "this is not a Debian-like system; please install: ${need_apt[*]} (Verilator >= $VERILATOR_MIN)."
        exit 1
    fi
    say "running: ${SUDO:+$SUDO }apt-get install -y ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
    have=$(verilator --version | awk '{print $2}')
    version_ge "$have" "$VERILATOR_MIN" || { say "Verilator $have is still older than $VERILATOR_MIN; install a newer one (see docs/README)."; exit 1; }
fi

if ! command -v cargo >/dev/null 2>&1; then
    say "cargo not found. Install Rust with rustup (https://rustup.rs): curl -sSf https://sh.rustup.rs | sh"
    exit 1
fi
