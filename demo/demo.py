"""`make run`: runs demo/workload.py with and without the JIT and shows
the result, both times, and what the JIT did."""
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOAD = os.path.join(HERE, "workload.py")

# Run under the JIT, then dump the JIT's statistics as JSON to argv[1].
JIT_DRIVER = """
import json, runpy, sys, pypyjit
out = sys.argv[1]
sys.argv = [sys.argv[2]]
runpy.run_path(sys.argv[0], run_name="__main__")
snap = pypyjit.get_stats_snapshot()
with open(out, "w") as f:
    json.dump({"counters": snap.counters, "times": snap.counter_times,
               "asm": list(pypyjit.get_stats_asmmemmgr())}, f)
"""


def timed(what, cmd):
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit(f"demo: the {what} run failed:\n{p.stderr}")
    return p.stdout, elapsed


def main():
    plain_out, plain_t = timed("CPython", [sys.executable, WORKLOAD])
    with tempfile.TemporaryDirectory() as tmp:
        stats_file = os.path.join(tmp, "stats.json")
        jit_out, jit_t = timed("JIT", [sys.executable, "-c", JIT_DRIVER, stats_file, WORKLOAD])
        with open(stats_file) as f:
            stats = json.load(f)
    c, times = stats["counters"], stats["times"]
    print("result (JIT):")
    print("  " + jit_out.strip().replace("\n", "\n  "))
    print("same output as plain CPython:", "yes" if jit_out == plain_out else "NO")
    print(f"time: CPython {plain_t:.2f} s, with pypyjit {jit_t:.2f} s "
          f"({plain_t / jit_t:.2f}x)")
    print("what the JIT did:")
    print(f"  frames run by the JIT's interpreter: {c.get('INTERP_FRAMES', 0)}")
    print(f"  loops that became hot:               {c.get('HOT_LOOPS', 0)}")
    print(f"  loops compiled / bridges:            {c['TOTAL_COMPILED_LOOPS']} / "
          f"{c['TOTAL_COMPILED_BRIDGES']}")
    aborts = {k: v for k, v in c.items() if k.startswith("ABORT_") and v}
    print(f"  tracing aborts:                      {aborts or 'none'}")
    print(f"  entries into machine code / exits:   {c.get('LOOP_ENTRIES', 0)} / "
          f"{c.get('GUARD_FAILURES', 0)}")
    print(f"  time tracing / in the backend:       {times['TRACING'] * 1000:.2f} ms / "
          f"{times['BACKEND'] * 1000:.2f} ms")
    print(f"  machine code in use:                 {stats['asm'][1]} bytes")
    if c["TOTAL_COMPILED_LOOPS"] == 0:
        print("  Nothing was compiled: this version has no tracer or backend yet, so hot")
        print("  loops keep running in the JIT's own interpreter (see README).")


if __name__ == "__main__":
    main()
