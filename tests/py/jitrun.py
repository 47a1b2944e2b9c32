"""Run a Python snippet in a fresh interpreter with the JIT off and on.

Behaviour tests compare the two outcomes; the JIT side runs under
``python -m pypyjit --jit PARAMS -c CODE`` so that it is active from the
first line, exactly as a user would run it.
"""
import os
import subprocess
import sys
import textwrap
from collections import namedtuple

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# PYPYJIT_SRC: where the pypyjit package is taken from (make test-asan points it
# at the sanitized build, so that the normal build in src/ stays untouched).
SRC = os.environ.get("PYPYJIT_SRC", os.path.join(REPO, "src"))

Outcome = namedtuple("Outcome", "returncode stdout stderr")

# Appended to a snippet: under the JIT, a loop must really have been
# compiled and entered (a no-op with the JIT off).
CHECK_COMPILED = """
import sys as _sys
_pj = _sys.modules.get("pypyjit")
if _pj is not None:
    _c = _pj.get_stats_snapshot().counters
    assert _c["TOTAL_COMPILED_LOOPS"] >= 1 and _c["LOOP_ENTRIES"] >= 1, _c
"""

# Low thresholds so that everything the JIT can do, it does.
LOW = "threshold=3,function_threshold=3,trace_eagerness=2"


def env():
    e = dict(os.environ)
    e["PYTHONPATH"] = SRC + (os.pathsep + e["PYTHONPATH"] if e.get("PYTHONPATH") else "")
    e.pop("PYTHONSTARTUP", None)
    return e


def run(code, jit=True, params=LOW, args=(), timeout=120, stdin=None):
    """Run `code` (dedented) and return an Outcome. jit=False runs plain CPython."""
    code = textwrap.dedent(code)
    if jit:
        cmd = [sys.executable, "-m", "pypyjit"]
        if params:
            cmd += ["--jit", params]
        cmd += ["-c", code, *args]
    else:
        cmd = [sys.executable, "-c", code, *args]
    p = subprocess.run(cmd, capture_output=True, text=True, env=env(), timeout=timeout,
                       input=stdin)
    return Outcome(p.returncode, p.stdout, p.stderr)


def compare(code, params=LOW, **kw):
    """Run with the JIT off and on; assert identical outcomes; return the JIT one."""
    off = run(code, jit=False, **kw)
    on = run(code, jit=True, params=params, **kw)
    assert on == off, f"JIT differs from CPython\n--- CPython:\n{off}\n--- JIT:\n{on}"
    return on
