"""Run a benchmark program and dump the JIT's statistics when it exits.

Used by bench/run.py as ``python -m pypyjit [--jit PARAMS] _stats_wrapper.py
prog.py [args...]``.  At exit it writes JSON to the file named by the
environment variable PYPYJIT_BENCH_STATS::

    {"counters": {name: int, ...},          # get_stats_snapshot().counters
     "counter_times": {name: float, ...},   # e.g. TRACING, BACKEND seconds
     "asmmemmgr": [total_allocated, in_use],  # get_stats_asmmemmgr(), bytes
     "errors": [str, ...]}                  # whatever could not be read

Missing pieces are simply left out (and noted in "errors"); the runner
shows '-' for them.
"""

import atexit
import json
import os
import runpy
import sys


def _dump_stats(path):
    """Write whatever statistics the pypyjit module offers to *path*."""
    data = {"errors": []}
    try:
        import pypyjit
    except Exception as exc:  # pragma: no cover - depends on the build
        data["errors"].append("import pypyjit: %r" % (exc,))
    else:
        try:
            snapshot = pypyjit.get_stats_snapshot()
            data["counters"] = {str(k): int(v) for k, v in dict(snapshot.counters).items()}
            data["counter_times"] = {str(k): float(v)
                                     for k, v in dict(snapshot.counter_times).items()}
        except Exception as exc:
            data["errors"].append("get_stats_snapshot: %r" % (exc,))
        try:
            data["asmmemmgr"] = [int(x) for x in pypyjit.get_stats_asmmemmgr()]
        except Exception as exc:
            data["errors"].append("get_stats_asmmemmgr: %r" % (exc,))
    with open(path, "w") as f:
        json.dump(data, f)


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: _stats_wrapper.py PROGRAM [ARGS...]")
    path = os.environ.get("PYPYJIT_BENCH_STATS")
    if path:
        atexit.register(_dump_stats, path)
    prog = sys.argv[1]
    sys.argv = sys.argv[1:]
    sys.path[0] = os.path.dirname(os.path.abspath(prog))
    runpy.run_path(prog, run_name="__main__")


if __name__ == "__main__":
    main()
