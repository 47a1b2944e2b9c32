"""Differential fuzzing (tools/fuzz): random programs behave the same under the JIT.

A fixed batch of generated programs runs under plain /usr/bin/python3 and
under ``python3 -m pypyjit`` with low thresholds; exit status, stdout and
stderr must be identical.  The other tests check the fuzzer itself: that the
batch exercises every construct the generator knows, and that a difference is
detected, saved and minimised (with a fake "JIT" command, so the test does
not depend on the JIT having a bug).
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "tools", "fuzz"))
import fuzzgen  # noqa: E402
import run as fuzzrun  # noqa: E402

# The CI batch: about 15 s on 2 cores; it catches wrong-fold mutants of the
# interpreter (see tools/fuzz/README.md).  Changing the generator changes what
# these seeds mean, so keep test_batch_covers_every_construct passing.
CI_SEEDS = range(200)

# A fake JIT: runs the program with plain python3 (same output, same
# tracebacks), then diverges if the program contains a while loop.
FAKE_JIT = [sys.executable, "-c", """
import subprocess, sys
rc = subprocess.run([sys.executable, sys.argv[1]]).returncode
if 'while ' in open(sys.argv[1]).read():
    print('diverged', flush=True)
sys.exit(rc)
"""]


def test_no_difference_on_ci_batch(tmp_path):
    results = fuzzrun.run_batch(CI_SEEDS, fuzzrun.Runner(), jobs=2, keep=str(tmp_path),
                                 minimise_limit=1)
    bad = [r for r in results if r.ref != r.jit]
    assert not bad, "JIT differs from CPython:\n" + "\n".join(
        f"seed {r.seed} (reproduce: python3 tools/fuzz/run.py --seed {r.seed} --count 1; "
        f"minimised: {r.minimised})\n{fuzzrun.describe(r.ref, r.jit)}" for r in bad)
    # the batch is not trivial: some programs end with an uncaught exception
    assert any(r.ref.returncode != 0 and b"Traceback" in r.ref.stderr for r in results)


def test_batch_covers_every_construct():
    used = set()
    for seed in CI_SEEDS:
        source, constructs = fuzzgen.generate(seed)
        compile(source, f"seed{seed}", "exec")
        used |= constructs
    assert used <= fuzzgen.CONSTRUCTS, used - fuzzgen.CONSTRUCTS
    assert used == fuzzgen.CONSTRUCTS, f"never generated: {sorted(fuzzgen.CONSTRUCTS - used)}"


def test_generator_is_deterministic():
    assert fuzzgen.generate(7) == fuzzgen.generate(7)
    assert fuzzgen.generate(7)[0] != fuzzgen.generate(8)[0]


def test_difference_is_saved_and_minimised(tmp_path):
    seed = next(s for s in CI_SEEDS if "while " in fuzzgen.generate(s)[0])
    runner = fuzzrun.Runner(jit_cmd=FAKE_JIT)
    r = fuzzrun.check_seed(seed, runner, keep=str(tmp_path))
    assert r.ref != r.jit and r.jit.stdout.endswith(b"diverged\n")
    with open(r.reproducer) as f:
        assert f.read().startswith(fuzzgen.generate(seed)[0])
    with open(r.minimised) as f:
        small = f.read()
    compile(small, "min", "exec")
    assert "while " in small
    # what is left: the loop and at most its enclosing def and its first body lines
    assert len(small.splitlines()) <= 5, small
    # the minimised program still shows the difference
    assert runner.differs(small, str(tmp_path / "check.py"))


def test_minimiser_keeps_program_valid():
    source = "def f(n):\n    for i in range(n):\n        x = i  # MARK\n        y = 2\n    return 1\nprint(f(3))\n"
    small = fuzzrun.minimise(source, lambda text: "MARK" in text)
    assert small == "def f(n):\n        x = i  # MARK\n"   # deeper indentation is valid


def test_jit_hang_is_a_failure(tmp_path):
    path = tmp_path / "p.py"
    path.write_text("print(1)\n")
    runner = fuzzrun.Runner(timeout=2, jit_cmd=[sys.executable, "-c", "import time; time.sleep(60)"])
    ref, jit = runner.run_both(str(path))
    assert ref == (0, b"1\n", b"") and jit.returncode == "timeout"


def test_cli_summary(capsys, tmp_path):
    assert fuzzrun.main(["--count", "2", "--seed", "5", "--keep", str(tmp_path)]) == 0
    assert "2 programs (seeds 5..6" in capsys.readouterr().out
