# Entry points. The two that matter:
#   make demo   replay the bundled real capture through the verilated NIC and the driver
#   make test   everything CI checks (lint, spec freshness, per-module RTL tests, yosys synth check, cargo test)
# Both install missing tools first (scripts/deps.sh).

SHELL := bash
CARGO ?= cargo
PCAP ?= vectors/ns-mixed.pcap
OUT ?= out/$(basename $(notdir $(PCAP)))
ARGS ?=

RTL_SRC := $(filter-out rtl/tb/%,$(wildcard rtl/*.v))
RTL_TB := $(wildcard rtl/tb/tb_*.v)
# MAC, RGMII and board-level tests also compile the board and Ethernet sources.
RTL_EXT_SRC := $(filter-out rtl/board/nic_rgmii_sim_top.v,$(wildcard rtl/eth/*.v rtl/board/*.v))
RTL_EXT_TB := $(wildcard rtl/eth/tb/tb_*.v rtl/board/tb/tb_*.v)

.PHONY: all deps demo replay test lint gen gen-check rtl-test cargo-test sim-params-check bench mem-bench clean synth-deps synth synth-check

all: test

deps:
	@scripts/deps.sh

## Main job: replay the bundled capture and print its summary.
demo: deps
	$(CARGO) run --release -q -p nic-testbench --bin replay -- $(PCAP) --out $(OUT) $(ARGS)

## Replay any capture: make replay PCAP=file.pcap OUT=dir ARGS='--line-rate-gbps 10'
replay: deps
	$(CARGO) run --release -q -p nic-testbench --bin replay -- $(PCAP) --out $(OUT) $(ARGS)

test: deps lint gen-check rtl-test synth-check cargo-test sim-params-check

## verilator -Wall on the synthesizable RTL: must be silent.
lint: deps
	verilator --lint-only -Wall -Irtl --top-module nic_core $(RTL_SRC)
	@echo "lint: clean"

## Regenerate rtl/nic_spec.vh from spec/src/lib.rs.
gen:
	$(CARGO) run -q -p nic-spec --bin gen-verilog

gen-check:
	$(CARGO) run -q -p nic-spec --bin gen-verilog -- --check

## Each RTL module's own self-checking Icarus test bench (rtl/tb/tb_<module>.v).
rtl-test: deps
	@scripts/rtl-test.sh "$(RTL_SRC)" "$(RTL_EXT_SRC)" $(RTL_TB) $(RTL_EXT_TB)

cargo-test: deps
	$(CARGO) test --workspace

## A reduced model (NIC_SIM_PARAMS, one queue) replays the bundled capture
## like the default one (same streams, every frame delivered).
sim-params-check: deps
	scripts/sim-params-check.sh

## Simulation speed: harness vs bare C++ clock loop (figures go in BENCHMARKS.md).
bench: deps
	$(CARGO) run --release -q -p nic-testbench --bin bench

## Memory bound (issue #6): generate MEM_FRAMES frames of synthetic TCP
## (gen-tcp-capture), replay them through the RTL and the driver with streams
## counted, not kept, and print VmRSS every MEM_EVERY frames and the peak
## (VmHWM). Figures go in BENCHMARKS.md.
MEM_FRAMES ?= 1000000
MEM_EVERY ?= 100000
MEM_DIR ?= build/mem-bench
mem-bench: deps
	@mkdir -p $(MEM_DIR)
	$(CARGO) run --release -q -p nic-testbench --bin gen-tcp-capture -- $(MEM_DIR)/tcp-$(MEM_FRAMES).pcap \
		--frames $(MEM_FRAMES) --expect $(MEM_DIR)/tcp-$(MEM_FRAMES).streams.json
	time $(CARGO) run --release -q -p nic-testbench --bin replay -- $(MEM_DIR)/tcp-$(MEM_FRAMES).pcap \
		--out $(MEM_DIR)/out-$(MEM_FRAMES) --no-streams --quiet --mem-report --mem-every $(MEM_EVERY) $(ARGS)

clean:
	$(CARGO) clean
	rm -rf out build/mem-bench

## FPGA synthesis (docs/synthesis.md). Tools: YoWASP yosys/nextpnr in $(SYNTH_VENV).
SYNTH_VENV ?= .venv-synth
BOARD ?= ecp5-core
SEEDS ?= 3
JOBS ?= 1
VARIANT ?=
PNR_ARGS ?=
REUSE_YOSYS ?=
FIRST_SEED ?=

## Install the FPGA toolchain into $(SYNTH_VENV) (idempotent).
synth-deps:
	@synth/deps.sh $(SYNTH_VENV)

## Full flow: make synth BOARD=ecp5-core|ecp5-rss|colorlight-i5|versa-ecp5|ice40|all|block:<module> [SEEDS=3 (0: yosys only)] [JOBS=1] [VARIANT=name]
##   [PNR_ARGS='--placer static' (extra nextpnr arguments)] [REUSE_YOSYS=1 (place and route the last netlist again)]
##   [FIRST_SEED=4 (seeds 4..3+SEEDS: more seeds for a median)]
## -> build/synth/$(BOARD)/report.md, report.json, bitstream.
synth: synth-deps
	$(SYNTH_VENV)/bin/python synth/synth.py run --board $(BOARD) --seeds $(SEEDS)$(if $(FIRST_SEED), --first-seed $(FIRST_SEED)) --jobs $(JOBS)$(if $(VARIANT), --variant $(VARIANT))$(if $(REUSE_YOSYS), --reuse-yosys)$(if $(PNR_ARGS), --nextpnr-args "$(PNR_ARGS)")

## CI gate without place and route: lint + yosys of every board top and nic_core.
synth-check: deps synth-deps
	$(SYNTH_VENV)/bin/python synth/synth.py check
