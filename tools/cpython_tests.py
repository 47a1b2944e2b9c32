#!/usr/bin/env python3
"""Run CPython's own regression tests with the JIT on and off, and compare them test by test.

Each module of the list runs twice through regrtest (Debian's libpython3.11-testsuite):

    plain:  /usr/bin/python3 -m test -v --fail-env-changed --junit-xml F <module>
    jit:    /usr/bin/python3 -m pypyjit --jit threshold=2,trace_eagerness=2 -m test -v ... <module>

(the jit side goes through a tiny ``-c`` driver that runs ``pypyjit``'s ``__main__`` unchanged and
dumps the JIT's counters at exit).  The outcome of every test (ok, skipped, FAIL, ERROR, expected
failure, unexpected success, per subTest for failures) and the module's verdict are compared.  A
test that fails under plain CPython is fine as long as it fails the same way under the JIT.
Modules that differ are run again on both sides once, so that each difference is labelled
"reproduced" or "flaky" (the JIT is never meant to be flaky, so both count as differences).

    usage: cpython_tests.py [--only m1,m2] [--quick] [--jobs N] [--timeout S] [--logdir DIR]
                            [--jit-params P] [--testdir DIR] [--no-rerun]

Prints one table and the JIT's counters summed over all modules; exits 1 if any module differs.
The logs (full -v output and junit xml of each side) stay in --logdir for the investigation.
"""
import argparse
import concurrent.futures
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

PYTHON = "/usr/bin/python3"  # Debian's CPython, the one the JIT is built for (not pyenv's)
SRC = Path(__file__).resolve().parent.parent / "src"
JIT_PARAMS = "threshold=2,trace_eagerness=2"  # low thresholds so that as much as possible goes hot

MODULES = """test_grammar test_int test_long test_float test_complex test_bool test_list test_tuple
test_dict test_set test_unicode test_bytes test_string test_unicode_identifiers test_slice
test_range test_enumerate test_iter test_itertools test_functools test_operator test_math
test_cmath test_sort test_bisect test_heapq test_collections test_exceptions test_raise
test_exception_group test_scope test_class test_descr test_super test_with test_contextlib
test_builtin test_sys test_traceback test_frame test_sys_settrace test_sys_setprofile
test_threading test_signal test_generators test_json test_re""".split()

# --quick: modules that take under a second each under the JIT yet cover the interpreter broadly
# (arithmetic, containers, iteration, exceptions, classes, tracing, generators, frames).
QUICK = """test_grammar test_int test_float test_list test_tuple test_iter test_raise
test_exception_group test_scope test_class test_with test_contextlib test_builtin test_generators
test_frame test_sys_setprofile""".split()

REPORTED_COUNTERS = ("INTERP_FRAMES", "CPYTHON_FRAMES", "HANDOFFS", "HOT_LOOPS",
                     "TOTAL_COMPILED_LOOPS")

# Runs `python -m pypyjit --jit P -m test ARGS` unchanged in this process and writes the JIT's
# counters to a JSON file at exit.  Registered first, so it runs after regrtest's own atexit
# work; the pid check keeps forked children (os.fork tests) from overwriting the file.
JIT_DRIVER = """\
import atexit, json, os, runpy, sys
stats, params, *args = sys.argv[1:]
pid = os.getpid()
def dump():
    if os.getpid() == pid:
        import pypyjit._pypyjit as c
        with open(stats, 'w') as f:
            json.dump(c.counters(), f)
atexit.register(dump)
sys.argv = ['pypyjit', '--jit', params, '-m', 'test'] + args
runpy.run_module('pypyjit', run_name='__main__', alter_sys=True)
"""

# "FAIL: test_x (test.test_mod.Class.test_x) (i=1)" in unittest's closing error list; subTest
# failures appear only here (the junit xml leaves such a test without a name).
ERROR_HEADER = re.compile(r"^(FAIL|ERROR|UNEXPECTED SUCCESS): \S+ \(([\w.]+)\)(?: (.+))?$", re.M)
# "test_x (test.test_mod.Class.test_x) ... " as -v prints it when a test starts.
TEST_START = re.compile(r"^\S+ \(([\w.]+)\)(?: \S.*)? \.\.\. ", re.M)
VERDICT = re.compile(r"^Tests result: (.+)$", re.M)


def run_side(module, side, opts, outdir, tag=""):
    """Run one module on one side; return a dict with its wall time, verdict and test outcomes."""
    base = outdir / f"{module}.{side}{tag}"
    log, xml, stats = (Path(f"{base}.{ext}") for ext in ("log", "xml", "stats.json"))
    for p in (xml, stats):
        p.unlink(missing_ok=True)
    timeout = opts.timeout
    # --fail-env-changed: a test that leaves the process altered (an unraisable exception, a
    # dangling thread, a modified sys attribute...) changes the verdict instead of a log line.
    # regrtest's own --timeout dumps every thread's traceback shortly before our hard kill.
    test_args = ["-v", "--fail-env-changed", "--junit-xml", str(xml),
                 "--timeout", str(int(timeout * 0.9)), module]
    if opts.testdir:
        test_args[:0] = ["--testdir", opts.testdir]
    env = dict(os.environ)
    if side == "jit":
        cmd = [PYTHON, "-c", JIT_DRIVER, str(stats), opts.jit_params] + test_args
        path = [str(SRC)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
        env["PYTHONPATH"] = os.pathsep.join(path)
    else:
        cmd = [PYTHON, "-m", "test"] + test_args
    t0 = time.monotonic()
    with open(log, "wb") as out:
        # Own session so that a timeout kills the test's children too.
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=env, start_new_session=True)
        try:
            rc = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            rc = "timeout"
    wall = time.monotonic() - t0
    text = log.read_text(errors="replace")
    res = {"module": module, "side": side, "rc": rc, "wall": wall, "log": str(log),
           "tests": parse_outcomes(xml, text), "complete": xml.exists(), "counters": None}
    verdicts = VERDICT.findall(text)
    if verdicts:
        res["verdict"] = verdicts[-1]
    elif rc == "timeout" or re.search(r"Timeout \(\d+:\d\d:\d\d\)!", text):  # ours or faulthandler's
        res["verdict"] = f"timeout ({timeout:.0f}s)"
    else:
        res["verdict"] = f"died (rc={rc})"
    if not verdicts:  # killed or crashed: say in which test
        started = TEST_START.findall(text)
        res["verdict"] += f", last test started: {started[-1]}" if started else ""
    if stats.exists():
        res["counters"] = json.loads(stats.read_text())
    return res


def parse_outcomes(xml, text):
    """Map test id (plus subTest text) to its outcome, from the junit xml and the -v log."""
    tests = {}
    if xml.exists():
        try:
            root = ET.parse(xml).getroot()
        except ET.ParseError:
            root = ET.Element("none")
        for case in root.iter("testcase"):
            name = case.get("name")
            if not name:  # a test whose subTests failed: its subTests come from the text below
                continue
            if case.find("error") is not None:
                outcome = "ERROR " + case.find("error").get("type", "")
            elif case.find("failure") is not None:
                outcome = "FAIL"
            elif case.find("skipped") is not None:
                outcome = "skipped"
            elif case.find("output") is not None:
                outcome = "expected failure"
            elif case.find("outcome") is not None:
                outcome = "unexpected success"
            else:
                outcome = "ok"
            tests[name] = outcome
    else:  # no xml (crash, timeout): only the tests -v saw starting are known, outcome unknown
        for name in TEST_START.findall(text):
            tests.setdefault(name, "?")
    for kind, name, sub in ERROR_HEADER.findall(text):
        if sub:
            tests[f"{name} {sub}"] = kind
            tests.setdefault(name, "subTest failed")
        elif tests.get(name, "?") == "?":
            tests[name] = kind
    return tests


def differences(plain, jit):
    """Human-readable differences between the two sides of one module ([] if identical)."""
    out = []
    if plain["verdict"] != jit["verdict"]:
        out.append(f"verdict: plain {plain['verdict']!r}, jit {jit['verdict']!r}")
    a, b = plain["tests"], jit["tests"]
    # A side that died has no list of the tests it would have run: compare what both saw.
    names = a.keys() | b.keys() if plain["complete"] and jit["complete"] else a.keys() & b.keys()
    for name in sorted(names):
        missing = "passed" if " " in name else "not run"  # subTests show up only when failing
        oa, ob = a.get(name, missing), b.get(name, missing)
        if oa != ob and "?" not in (oa, ob):
            out.append(f"{name}: plain {oa}, jit {ob}")
    return out


def run_all(modules, args, outdir, tag=""):
    """Run both sides of every module on `args.jobs` workers; return {module: (plain, jit)}."""
    done = {}
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        # jit sides first: they are the slow ones, so the pool drains evenly.
        futs = {pool.submit(run_side, m, side, args, outdir, tag): (m, side)
                for side in ("jit", "plain") for m in modules}
        for fut in concurrent.futures.as_completed(futs):
            res = fut.result()
            done.setdefault(res["module"], {})[res["side"]] = res
            print(f"  {res['side']:5} {res['module']:26} {res['wall']:7.1f}s  {res['verdict']}",
                  flush=True)
    return {m: (done[m]["plain"], done[m]["jit"]) for m in modules}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", help="comma-separated modules (default: the full list)")
    ap.add_argument("--quick", action="store_true", help=f"the {len(QUICK)} fast modules for CI")
    ap.add_argument("--jobs", type=int, default=2, help="parallel processes (default 2)")
    ap.add_argument("--timeout", type=float, default=900, help="seconds per module and side")
    ap.add_argument("--jit-params", default=JIT_PARAMS, help=f"--jit value (default {JIT_PARAMS})")
    ap.add_argument("--logdir", help="where logs go (default: a new directory under /tmp)")
    ap.add_argument("--testdir", help="take the test modules from DIR (regrtest's --testdir)")
    ap.add_argument("--no-rerun", action="store_true", help="do not re-run differing modules")
    args = ap.parse_args()
    modules = args.only.split(",") if args.only else QUICK if args.quick else MODULES
    outdir = Path(args.logdir or tempfile.mkdtemp(prefix="cpython_tests."))
    outdir.mkdir(parents=True, exist_ok=True)

    t0 = time.monotonic()
    print(f"{len(modules)} modules, {args.jobs} jobs, jit params {args.jit_params}, logs in {outdir}")
    results = run_all(modules, args, outdir)
    diffs = {m: differences(*results[m]) for m in modules}
    flaky = {}
    if not args.no_rerun and any(diffs.values()):
        again = [m for m in modules if diffs[m]]
        print(f"re-running {len(again)} differing module(s) on both sides: {' '.join(again)}")
        rerun = run_all(again, args, outdir, tag=".rerun")
        for m in again:
            second = set(differences(*rerun[m]))
            flaky[m] = [d for d in diffs[m] if d not in second]
    total = time.monotonic() - t0

    print(f"\n{'module':26} {'tests':>5} {'plain s':>8} {'jit s':>8}  result")
    sums = {"plain": 0.0, "jit": 0.0}
    counters = dict.fromkeys(REPORTED_COUNTERS, 0)
    missing_counters = []
    for m in modules:
        plain, jit = results[m]
        sums["plain"] += plain["wall"]
        sums["jit"] += jit["wall"]
        if jit["counters"] is None:
            missing_counters.append(m)
        else:
            for k in counters:
                counters[k] += jit["counters"].get(k, 0)
        if diffs[m]:
            n_flaky = len(flaky.get(m, ()))
            status = f"DIFFERS ({len(diffs[m])}" + (f", {n_flaky} flaky)" if n_flaky else ")")
        else:
            status = "same" + (f" ({plain['verdict']})" if plain["verdict"] != "SUCCESS" else "")
        print(f"{m:26} {len(plain['tests']):5} {plain['wall']:8.1f} {jit['wall']:8.1f}  {status}")
    print(f"{'sum of wall times':26} {'':5} {sums['plain']:8.1f} {sums['jit']:8.1f}"
          f"  wall clock {total:.0f}s with {args.jobs} jobs")

    for m in modules:
        for d in diffs[m]:
            label = "" if m not in flaky else "flaky: " if d in flaky[m] else "reproduced: "
            print(f"DIFF {m}: {label}{d}")
        if diffs[m]:
            print(f"     logs: {results[m][0]['log']}  {results[m][1]['log']}")

    print("\nJIT activity summed over the jit runs: "
          + ", ".join(f"{k}={v}" for k, v in counters.items()))
    if counters["TOTAL_COMPILED_LOOPS"] == 0:
        print("(TOTAL_COMPILED_LOOPS is 0: no loop was compiled -- expected while the JIT has no "
              "compiler; HOT_LOOPS counts the loops that reached the threshold)")
    if missing_counters:
        print(f"no counters from (died before exit): {' '.join(missing_counters)}")
    bad = [m for m in modules if diffs[m]]
    print(f"\n{len(modules) - len(bad)}/{len(modules)} modules same" +
          (f"; differ: {' '.join(bad)}" if bad else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
