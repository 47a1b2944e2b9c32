"""tools/refleak.py can fail: it reports a leak the JIT makes, and only that.

Runs under Debian's python3.11-dbg (sys.gettotalrefcount exists only in a
Py_DEBUG build) with the debug extension; skipped where either is missing.
`make test-refleak` runs the full check over all workloads.
"""
import os
import subprocess
import sysconfig

import pytest

from jitrun import REPO

PYTHON_DBG = "/usr/bin/python3.11-dbg"
DBG_EXT = os.path.join(REPO, "src", "pypyjit", "_pypyjit.cpython-311d-"
                       + sysconfig.get_config_var("MULTIARCH") + ".so")

# Planted workloads: one clean, one that keeps objects under plain CPython
# too (CPython's growth, not the JIT's), one that keeps them only while the
# JIT is on (stands in for a JIT leak).
PROBE = r"""
import sys
sys.path.insert(0, %r)
import refleak
refleak.behaviour_snippets = dict
refleak.WORKLOADS = {
    "clean": "def f():\n    return [i * 2 for i in range(50)]\nf()",
    "cpython_grows": "import builtins\nbuiltins.__dict__.setdefault('_kept', []).append([1])",
    "jit_grows": "import builtins, pypyjit._pypyjit as j\n"
                 "if j.is_enabled():\n    builtins.__dict__.setdefault('_kept2', []).append([2])",
}
sys.exit(refleak.main(sys.argv[1:]))
"""


@pytest.mark.skipif(not (os.path.exists(PYTHON_DBG) and os.path.exists(DBG_EXT)),
                    reason="needs python3.11-dbg and `make build-dbg`")
@pytest.mark.parametrize("select, status", [("grows", 1), ("c", 0)])
def test_refleak_reports_only_jit_growth(select, status):
    env = dict(os.environ, PYTHONPATH=os.path.join(REPO, "src"))
    p = subprocess.run([PYTHON_DBG, "-c", PROBE % os.path.join(REPO, "tools"),
                        "-k", select, "--warmup", "5"],
                       capture_output=True, text=True, env=env, timeout=300)
    out = p.stdout + p.stderr
    assert p.returncode == status, out
    assert ("LEAK jit_grows" in out) == (status == 1), out
    assert "LEAK cpython_grows" not in out and "LEAK clean" not in out, out
    assert "note: cpython_grows grows under plain CPython too" in out, out
