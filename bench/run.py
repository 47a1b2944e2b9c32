"""Benchmark runner: CPython vs the pypyjit extension vs PyPy.

Usage::

    /usr/bin/python3 bench/run.py [-n RUNS] [--quick] [--only NAME,...]
                                  [--jit PARAMS] [--python EXE] [--pypy EXE]
                                  [--skip jit,pypy] [--markdown FILE]

Every program in bench/programs/ is run as a whole process RUNS times under
each interpreter (runs are interleaved to spread out machine noise):

* ``cpython``: ``<python> prog.py``
* ``jit``:     ``<python> -m pypyjit [--jit PARAMS] bench/_stats_wrapper.py
  prog.py`` with ``src/`` first on PYTHONPATH and PYPYJIT_BENCH_STATS naming
  a file the wrapper fills with the JIT's counters at exit;
* ``pypy``:    ``pypy3 prog.py``, when pypy3 is on PATH.

Wall time, peak RSS (ru_maxrss from os.wait4) and stdout are recorded for
each run.  Every run's stdout must equal CPython's; a difference or a failed
run is flagged in the table and makes the runner exit with status 1.

Programs named ``app_*.py`` are application benchmarks: real code from the
standard library or from Debian's python3-* packages (which ``make bench``
installs), driven by a generated workload.  Debian installs those packages
for CPython only (/usr/lib/python3/dist-packages), so a program that needs
one appends that directory to sys.path itself when
``sys.implementation.name == "pypy"``.  A program that cannot run under PyPy
at all (PyPy 3.9 lacks a module it needs, or it uses 3.10+ syntax) says so
with a top-level assignment::

    PYPY = False

The runner reads that marker from the source (without importing it), does
not run the program under pypy3 and shows ``n/a`` in its PyPy cells; that is
not a failure.  Programs without the marker run under every interpreter.
"""

import argparse
import ast
import datetime
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROGRAMS_DIR = BENCH_DIR / "programs"
WRAPPER = BENCH_DIR / "_stats_wrapper.py"
SRC_DIR = BENCH_DIR.parent / "src"
LABELS = {"cpython": "CPython", "jit": "JIT", "pypy": "PyPy"}


class Run:
    """The outcome of one process: wall time, peak RSS, output, JIT stats."""

    def __init__(self, seconds, maxrss_kb, returncode, stdout, stderr, stats=None):
        self.seconds = seconds
        self.maxrss_kb = maxrss_kb
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.stats = stats


def run_once(argv, env=None, stats_file=None):
    """Spawn *argv*, wait for it with os.wait4 and return a Run."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        actions = [(os.POSIX_SPAWN_DUP2, out.fileno(), 1),
                   (os.POSIX_SPAWN_DUP2, err.fileno(), 2)]
        start = time.perf_counter()
        pid = os.posix_spawnp(argv[0], argv, env or os.environ, file_actions=actions)
        _, status, usage = os.wait4(pid, 0)
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    stats = None
    if stats_file and os.path.getsize(stats_file):
        with open(stats_file) as f:
            stats = json.load(f)
        os.truncate(stats_file, 0)
    return Run(seconds, usage.ru_maxrss, os.waitstatus_to_exitcode(status),
               stdout, stderr, stats)


class Interpreter:
    """How to run a program under one of cpython / jit / pypy."""

    def __init__(self, name, exe, jit_params=None):
        self.name = name
        self.exe = exe
        self.jit_params = jit_params
        self.env = None
        if name == "jit":
            self.env = dict(os.environ)
            path = self.env.get("PYTHONPATH")
            self.env["PYTHONPATH"] = str(SRC_DIR) + (os.pathsep + path if path else "")
            # An installed package has its bytecode cached, as the stdlib
            # that CPython's runs import has: compile the package's files
            # once, so that no JIT run compiles them at its start (which
            # PYTHONDONTWRITEBYTECODE would otherwise make every run do).
            subprocess.run([exe, "-m", "compileall", "-q", str(SRC_DIR / "pypyjit")],
                           check=False, stdout=subprocess.DEVNULL)

    def run(self, prog, stats_file):
        """Run *prog* once and return a Run."""
        if self.name != "jit":
            return run_once([self.exe, str(prog)])
        argv = [self.exe, "-m", "pypyjit"]
        if self.jit_params:
            argv += ["--jit", self.jit_params]
        argv += [str(WRAPPER), str(prog)]
        self.env["PYPYJIT_BENCH_STATS"] = stats_file
        return run_once(argv, self.env, stats_file)

    def version(self):
        """One-line version string of the interpreter."""
        code = "import sys; print(sys.version.replace(chr(10), ' '))"
        try:
            return subprocess.run([self.exe, "-c", code], capture_output=True,
                                  text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError) as exc:
            return "unavailable (%s)" % exc


def runs_under_pypy(prog):
    """False if *prog* has a top-level ``PYPY = False`` (see the docstring)."""
    tree = ast.parse(prog.read_text(encoding="utf-8"), str(prog))
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name) and node.targets[0].id == "PYPY"
                and isinstance(node.value, ast.Constant) and node.value.value is False):
            return False
    return True


def measure(progs, interps, runs):
    """Run every program *runs* times per interpreter: {prog: {name: [Run]}}.

    An interpreter the program is not meant for (``PYPY = False``) gets None
    instead of a list of runs.
    """
    results = {}
    fd, stats_file = tempfile.mkstemp(prefix="pypyjit-stats-", suffix=".json")
    os.close(fd)
    try:
        for prog in progs:
            per = results[prog.stem] = {i.name: [] for i in interps}
            if "pypy" in per and not runs_under_pypy(prog):
                per["pypy"] = None
                print("%-16s %-8s n/a (PYPY = False)" % (prog.stem, "pypy"),
                      file=sys.stderr, flush=True)
            for n in range(runs):
                for interp in interps:
                    done = per[interp.name]
                    if done is None:
                        continue  # not applicable
                    if done and done[-1].returncode != 0:
                        continue  # no point in repeating a crash
                    print("%-16s %-8s run %d/%d" % (prog.stem, interp.name, n + 1, runs),
                          file=sys.stderr, flush=True)
                    done.append(interp.run(prog, stats_file))
    finally:
        os.unlink(stats_file)
    return results


def fmt_time(runs, reference):
    """Return (cell text, median seconds or None, problem text or None)."""
    if runs is None:
        return "n/a", None, None
    bad = [r for r in runs if r.returncode != 0]
    if bad:
        lines = bad[0].stderr.decode(errors="replace").strip().splitlines()
        reason = "rc=%d: %s" % (bad[0].returncode, lines[-1] if lines else "no stderr")
        return "FAIL " + reason[:40], None, reason
    times = [r.seconds for r in runs]
    med = statistics.median(times)
    cell = "%.3f" % med if len(times) == 1 else "%.3f (%.3f-%.3f)" % (med, min(times), max(times))
    if any(r.stdout != reference for r in runs):
        return cell + " OUTPUT MISMATCH", med, "stdout differs from reference"
    return cell, med, None


def jit_figures(runs):
    """Loops, bridges, aborts, tracing/backend s, code memory of the median run."""
    ok = sorted((r for r in runs if r.returncode == 0), key=lambda r: r.seconds)
    stats = ok[len(ok) // 2].stats if ok else None
    stats = stats or {}
    counters = stats.get("counters") or {}
    times = stats.get("counter_times") or {}
    mem = stats.get("asmmemmgr")

    def count(name):
        return str(counters[name]) if name in counters else "-"

    def secs(name):
        return "%.3f" % times[name] if name in times else "-"

    if counters:
        aborts = " ".join("%s:%d" % (k[len("ABORT_"):], v) for k, v in sorted(counters.items())
                          if k.startswith("ABORT_") and v) or "0"
    else:
        aborts = "-"
    code = "%d/%d" % (mem[1] // 1024, mem[0] // 1024) if mem else "-"
    return [count("TOTAL_COMPILED_LOOPS"), count("TOTAL_COMPILED_BRIDGES"), aborts,
            secs("TRACING"), secs("BACKEND"), code]


def build_table(results, names):
    """Return (header, rows, problems) for the results of measure()."""
    header = ["program"] + ["%s s" % LABELS[n] for n in names]
    if "jit" in names:
        header.append("JIT speed-up")
        if "pypy" in names:
            header.append("JIT/PyPy")
    header += ["%s RSS MiB" % LABELS[n] for n in names]
    if "jit" in names:
        header += ["loops", "bridges", "aborts", "tracing s", "backend s",
                   "code KiB used/alloc"]
    rows, problems = [], []
    for prog, per in results.items():
        good = [rs[0].stdout for rs in per.values() if rs and rs[0].returncode == 0]
        reference = good[0] if good else b""
        cells, med = [], {}
        for n in names:
            cell, med[n], problem = fmt_time(per[n], reference)
            cells.append(cell)
            if problem:
                problems.append("%s under %s: %s" % (prog, LABELS[n], problem))
        if "jit" in names:
            ratio = med["cpython"] / med["jit"] if med["cpython"] and med["jit"] else None
            cells.append("%.2fx" % ratio if ratio else "-")
            if "pypy" in names:
                ratio = med["jit"] / med["pypy"] if med["jit"] and med["pypy"] else None
                cells.append("%.2f" % ratio if ratio else "-")
        for n in names:
            if per[n] is None:
                cells.append("n/a")
                continue
            rss = [r.maxrss_kb for r in per[n] if r.returncode == 0]
            cells.append("%.1f" % (max(rss) / 1024) if rss else "-")
        if "jit" in names:
            cells += jit_figures(per["jit"])
        rows.append([prog] + cells)
    return header, rows, problems


def text_table(header, rows):
    """Render an aligned plain-text table."""
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in [header] + rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(header, rows):
    """Render a GitHub-flavoured Markdown table."""
    out = ["| " + " | ".join(header) + " |",
           "|" + "|".join(["---"] + ["--:"] * (len(header) - 1)) + "|"]
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
    return "\n".join(out)


def cpu_model():
    """CPU model name from /proc/cpuinfo, or platform.processor()."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def markdown_document(table, problems, interps, args, runs):
    """The whole Markdown report written by --markdown."""
    names = [i.name for i in interps]
    lines = [
        "# Benchmarks",
        "",
        "Generated by `bench/run.py`; do not edit by hand. Regenerate with `make bench`,",
        "which runs `/usr/bin/python3 bench/run.py --markdown docs/benchmarks.md`",
        "(`--help` lists the options: `-n`, `--quick`, `--only`, `--jit PARAMS`, ...).",
        "",
        "Each program in `bench/programs/` is run as a whole process, so times include",
        "interpreter start-up and JIT warm-up. Runs are interleaved across interpreters,",
        "and every run's stdout must match CPython's (mismatches and crashes are listed",
        "under *Problems* and make the runner exit non-zero). JIT runs go through",
        "`bench/_stats_wrapper.py`, which records the JIT's own counters at exit.",
        "",
        "- Date: %s" % datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "- Machine: %s, %d cores, %s %s" % (cpu_model(), os.cpu_count() or 0,
                                            platform.system(), platform.release()),
    ]
    lines += ["- %s: `%s` %s" % (LABELS[i.name], i.exe, i.version())
              for i in interps if i.name != "jit"]
    if "jit" in names:
        lines.append("- JIT: `%s -m pypyjit%s` with `src/` on PYTHONPATH"
                     % (interps[0].exe, " --jit " + args.jit if args.jit else ""))
    lines.append("- Runs per program and interpreter: %d" % runs)
    lines.append("- Command: `%s`" % shlex.join([sys.executable] + sys.argv))
    if "jit" not in names:
        lines += ["", "**Note: the JIT was not measured in this run; this is a CPython"
                  + (" vs PyPy" if "pypy" in names else "") + " baseline only.**"]
    lines += [
        "",
        "Times are wall-clock seconds, median (min-max) over the runs."
        " RSS is the largest peak resident set size over the runs.",
    ]
    if "pypy" in names:
        lines.append("The `app_*` programs run real library code (the stdlib or Debian"
                     " python3-* packages); n/a marks one that cannot run under PyPy"
                     " (`PYPY = False` in the program).")
    if "jit" in names:
        lines.append("JIT speed-up is CPython/JIT time (higher is better); JIT/PyPy is"
                     " JIT/PyPy time (lower is better). The JIT figures (loops, bridges,"
                     " non-zero ABORT_* counters, TRACING and BACKEND seconds, machine"
                     " code memory) come from the median-time JIT run.")
    lines += ["", table, ""]
    if problems:
        lines += ["**Problems:**", ""] + ["- %s" % p for p in problems] + [""]
    return "\n".join(lines)


def parse_args(argv=None):
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-n", "--runs", type=int, default=5, help="runs per program (default 5)")
    p.add_argument("--quick", action="store_true", help="one run each (smoke test)")
    p.add_argument("--only", help="comma-separated program names (without .py)")
    p.add_argument("--jit", metavar="PARAMS", help="passed as `-m pypyjit --jit PARAMS`")
    p.add_argument("--python", default=sys.executable, help="CPython to use (default: this one)")
    p.add_argument("--pypy", default=shutil.which("pypy3"), help="PyPy to use (default: pypy3 on PATH)")
    p.add_argument("--skip", default="", help="comma-separated interpreters to leave out: jit,pypy")
    p.add_argument("--markdown", metavar="FILE", help="also write the table as Markdown")
    return p.parse_args(argv)


def main(argv=None):
    """Run the suite, print the table, return the exit status."""
    args = parse_args(argv)
    runs = 1 if args.quick else args.runs
    progs = sorted(PROGRAMS_DIR.glob("*.py"))
    if args.only:
        wanted = args.only.split(",")
        unknown = set(wanted) - {p.stem for p in progs}
        if unknown:
            sys.exit("unknown program(s): %s" % ", ".join(sorted(unknown)))
        progs = [p for p in progs if p.stem in wanted]
    skip = set(filter(None, args.skip.split(",")))
    if skip - {"jit", "pypy"}:
        sys.exit("--skip takes jit and/or pypy")
    interps = [Interpreter("cpython", args.python)]
    if "jit" not in skip:
        interps.append(Interpreter("jit", args.python, args.jit))
    if args.pypy and "pypy" not in skip:
        interps.append(Interpreter("pypy", args.pypy))

    results = measure(progs, interps, runs)
    header, rows, problems = build_table(results, [i.name for i in interps])
    print(text_table(header, rows))
    for problem in problems:
        print("PROBLEM: " + problem)
    if args.markdown:
        doc = markdown_document(markdown_table(header, rows), problems, interps, args, runs)
        Path(args.markdown).write_text(doc)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
