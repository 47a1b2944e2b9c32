"""Differential fuzzing: random programs under plain CPython and under the JIT.

usage: run.py [--count N] [--seed S] [--jobs J] [--params P] [--keep DIR] [--timeout T]
              [--python EXE] [--minimise M]

For each seed S..S+N-1, fuzzgen writes a program to a temporary file, which
runs as ``/usr/bin/python3 prog.py`` (the reference) and as
``/usr/bin/python3 -m pypyjit --jit P prog.py`` (PYTHONPATH=<repo>/src); both
use the same path, so tracebacks are comparable byte for byte.  Exit status,
stdout and stderr must be identical; a JIT run that exceeds the timeout is a
failure too.  Each failing program is saved as DIR/seed_S.py, then minimised
by delta debugging (removing line ranges, statements and tuple elements while
the program still compiles and still differs in the same way) into
DIR/seed_S.min.py (the first M failures only: one bug often fails many seeds).  Exits 1 if any program differed.
"""
import argparse
import ast
import concurrent.futures
import copy
import difflib
import os
import subprocess
import sys
import tempfile
import time
from collections import namedtuple

import fuzzgen

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PYTHON = "/usr/bin/python3"
LOW = "threshold=3,function_threshold=3,trace_eagerness=2"

Outcome = namedtuple("Outcome", "returncode stdout stderr")
Result = namedtuple("Result", "seed ref jit constructs reproducer minimised")


def env():
    """The same environment for both runs; a fixed hash seed keeps str-keyed orders equal."""
    e = dict(os.environ)
    # PYPYJIT_SRC: where the package comes from (make test-asan points it
    # at the sanitized build), as in tests/py/jitrun.py
    e["PYTHONPATH"] = os.environ.get("PYPYJIT_SRC", os.path.join(REPO, "src"))
    e["PYTHONHASHSEED"] = "0"
    for k in ("PYTHONSTARTUP", "PYTHONWARNINGS", "PYTHONDEVMODE", "PYTHONINSPECT"):
        e.pop(k, None)
    return e


class Runner:
    """Runs one program both ways.  The commands are injectable (tests use a fake JIT);
    the program's path is appended to each."""

    def __init__(self, params=LOW, timeout=60.0, ref_cmd=None, jit_cmd=None, python=PYTHON):
        self.ref_cmd = list(ref_cmd or [python])
        self.jit_cmd = list(jit_cmd or [python, "-m", "pypyjit", "--jit", params])
        self.timeout = timeout
        self.env = env()

    def _run(self, cmd, path, timeout):
        try:
            p = subprocess.run(cmd + [path], capture_output=True, env=self.env, timeout=timeout,
                               cwd=os.path.dirname(path), stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return Outcome("timeout", b"", f"timed out after {timeout:.0f}s".encode())
        return Outcome(p.returncode, p.stdout, p.stderr)

    def run_both(self, path, jit_timeout=None):
        """(reference, jit) outcomes of the program at `path`."""
        ref = self._run(self.ref_cmd, path, self.timeout)
        jit = self._run(self.jit_cmd, path, jit_timeout or self.timeout)
        return ref, jit

    def differs(self, source, path, like=None):
        """Write `source` to `path` and run it both ways.  True when the reference
        terminates and the runs differ -- and, given `like` (the original pair of
        outcomes), differ in the same way (see kind()), so that minimising does not
        drift to another difference, e.g. a program whose deletions made CPython
        raise NameError."""
        with open(path, "w") as f:
            f.write(source)
        # Deleting a line can make a loop endless (CPython's run then says the
        # candidate is invalid) or make the JIT hang: generated programs run in
        # well under a second, so neither needs the full timeout.
        t = time.monotonic()
        ref = self._run(self.ref_cmd, path, min(self.timeout, 5.0))
        if ref.returncode == "timeout" or (like and kind(ref, ref) != kind(like[0], like[0])):
            return False
        limit = min(self.timeout, max(2.0, 20 * (time.monotonic() - t)))
        jit = self._run(self.jit_cmd, path, limit)
        return jit != ref and (not like or kind(ref, jit) == kind(*like))


def kind(ref, jit):
    """What characterises a difference: the reference's exit status and exception
    type (last line of stderr up to the colon), and which streams differ."""
    last = ref.stderr.strip().splitlines()[-1:] or [b""]
    return (ref.returncode, last[0].split(b":")[0],
            tuple(a != b for a, b in zip(ref, jit)))


def compiles(source):
    try:
        compile(source, "<fuzz>", "exec")
    except (SyntaxError, ValueError):
        return False
    return True


CLAUSES = ("elif ", "elif(", "else:", "except", "finally:")


def block_end(lines, i):
    """End (exclusive) of the statement starting at line i: the lines indented below
    it and, for if/try, its elif/else/except/finally clauses."""
    ind = len(lines[i]) - len(lines[i].lstrip())
    j = i + 1
    while j < len(lines):
        line = lines[j]
        deeper = len(line) - len(line.lstrip()) > ind
        clause = len(line) - len(line.lstrip()) == ind and line.lstrip().startswith(CLAUSES)
        if line.strip() and not deeper and not (clause and not lines[i].lstrip().startswith(CLAUSES)):
            break
        j += 1
    return j


def minimise(source, interesting, max_tests=2000):
    """Delta debugging over lines.  Keeps each removal after which the program still
    compiles and is still `interesting` (differs in the same way): first blank and
    comment lines, then ranges of lines of halving size (ddmin), then, top-down, each
    statement with its body and clauses (a whole def, loop, if/else, try/except),
    then single lines, then elements of tuple/list displays; repeats until nothing
    more can go.  Returns the smallest source found."""
    lines = source.splitlines()
    seen = {}
    tests = 0

    def attempt(cand):
        nonlocal tests
        text = "\n".join(cand) + "\n"
        if text not in seen:
            if not cand or not compiles(text) or tests >= max_tests:
                seen[text] = False
            else:
                tests += 1
                seen[text] = interesting(text)
        return seen[text]

    def chunks(lines, smallest):
        size = len(lines) // 2
        while size >= smallest:
            i = 0
            while i < len(lines):
                cand = lines[:i] + lines[i + size:]
                if attempt(cand):
                    lines = cand
                else:
                    i += size
            size //= 2
        return lines

    code = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if attempt(code):
        lines = code
    while tests < max_tests:
        before = lines
        lines = chunks(lines, 2)
        i = 0
        while i < len(lines):
            cand = lines[:i] + lines[block_end(lines, i):]
            if attempt(cand):
                lines = cand
            else:
                i += 1
        lines = chunks(lines, 1)
        lines = shrink_sequences(lines, attempt)
        if lines == before:
            break
    return "\n".join(lines) + "\n"


def shrink_sequences(lines, attempt):
    """Remove elements of tuple and list displays (the digest tuples that tie every
    variable to the end of a function), one at a time, through the AST.  The
    program is re-printed by ast.unparse, so only once an element can go."""
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return lines
    k = 0
    while True:
        seqs = [n for n in ast.walk(tree) if isinstance(n, (ast.Tuple, ast.List)) and len(n.elts) > 1]
        if k >= sum(len(n.elts) for n in seqs):
            return lines
        cand = copy.deepcopy(tree)
        seqs2 = [n for n in ast.walk(cand) if isinstance(n, (ast.Tuple, ast.List)) and len(n.elts) > 1]
        j = k
        for n in seqs2:
            if j < len(n.elts):
                del n.elts[j]
                break
            j -= len(n.elts)
        text = ast.unparse(cand).splitlines()
        if attempt(text):
            tree, lines = cand, text
        else:
            k += 1


def describe(ref, jit, limit=60):
    """A short unified diff of the first differing part of the two outcomes."""
    out = []
    for name, a, b in zip(Outcome._fields, ref, jit):
        if a == b:
            continue
        if name == "returncode":
            out.append(f"exit status: CPython {a}, JIT {b}")
            continue
        a = a.decode(errors="replace").splitlines()
        b = b.decode(errors="replace").splitlines()
        d = list(difflib.unified_diff(a, b, f"CPython {name}", f"JIT {name}", lineterm="", n=1))
        out += d[:limit] + (["..."] if len(d) > limit else [])
    return "\n".join(out)


def check_seed(seed, runner, keep=None, minimise_failures=True):
    """Generate, run and compare the program for `seed`; if it differs, save it
    under `keep` and (minimise_failures) minimise it beside."""
    source, constructs = fuzzgen.generate(seed)
    with tempfile.TemporaryDirectory(prefix="pypyjit-fuzz-") as tmp:
        path = os.path.join(tmp, f"fuzz_{seed}.py")
        with open(path, "w") as f:
            f.write(source)
        ref, jit = runner.run_both(path)
    r = Result(seed, ref, jit, constructs, None, None)
    if ref != jit and keep:
        os.makedirs(keep, exist_ok=True)
        repro = os.path.join(keep, f"seed_{seed}.py")
        note = "".join(f"# {line}\n" for line in describe(ref, jit, 20).splitlines())
        with open(repro, "w") as f:
            f.write(source + "\n# Difference found by tools/fuzz/run.py:\n" + note)
        r = r._replace(reproducer=repro)
        if minimise_failures:
            r = minimise_result(r, runner, keep)
    return r


def minimise_result(r, runner, keep):
    """Minimise the failing program of Result `r` into keep/seed_S.min.py."""
    with tempfile.TemporaryDirectory(prefix="pypyjit-fuzz-") as tmp:
        path = os.path.join(tmp, f"fuzz_{r.seed}.py")   # the path of the original run
        small = minimise(fuzzgen.generate(r.seed)[0],
                         lambda text: runner.differs(text, path, (r.ref, r.jit)))
    mini = os.path.join(keep, f"seed_{r.seed}.min.py")
    with open(mini, "w") as f:
        f.write(small)
    return r._replace(minimised=mini)


def run_batch(seeds, runner=None, jobs=2, keep=None, minimise_limit=5, log=None):
    """Check every seed in parallel, then minimise the first `minimise_limit`
    failures (a systematic bug fails many seeds; a few reproducers are enough).
    Returns the Results in seed order."""
    runner = runner or Runner()
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(lambda s: check_seed(s, runner, keep, False), seeds))
        bad = [i for i, r in enumerate(results) if r.ref != r.jit]
        if keep:
            todo = bad[:minimise_limit]
            for i, r in zip(todo, pool.map(lambda i: minimise_result(results[i], runner, keep), todo)):
                results[i] = r
    for i in bad:
        r = results[i]
        if log:
            log(f"seed {r.seed}: DIFFERS\n{describe(r.ref, r.jit)}\n"
                f"  reproducer: {r.reproducer}\n  minimised:  {r.minimised}\n")
    return results


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=100, help="number of programs (default 100)")
    ap.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    ap.add_argument("--jobs", type=int, default=2, help="programs run in parallel (default 2)")
    ap.add_argument("--params", default=LOW, help=f"JIT parameters (default {LOW})")
    ap.add_argument("--keep", default=os.path.join(HERE, "failures"),
                    help="where failing programs are saved (default tools/fuzz/failures)")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per run (default 60)")
    ap.add_argument("--python", default=PYTHON, help=f"the CPython 3.11 to test (default {PYTHON})")
    ap.add_argument("--minimise", type=int, default=5, metavar="M",
                    help="minimise the first M failing programs (default 5)")
    args = ap.parse_args(argv)
    seeds = range(args.seed, args.seed + args.count)
    t = time.monotonic()
    results = run_batch(seeds, Runner(args.params, args.timeout, python=args.python), args.jobs, args.keep,
                        args.minimise, log=lambda s: print(s, flush=True))
    bad = [r.seed for r in results if r.ref != r.jit]
    exits = sum(1 for r in results if r.ref.returncode != 0)
    print(f"{len(results)} programs (seeds {args.seed}..{args.seed + args.count - 1}, "
          f"{exits} ending with an exception), {len(bad)} failures"
          + (f": seeds {' '.join(map(str, bad))}" if bad else "")
          + f" [{time.monotonic() - t:.0f}s]")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
