"""Soak: compile and release thousands of loops in a row; code memory and
the process's memory must come back to a steady level (issue: measure and
prove, section 4)."""
import os

from jitrun import run


def test_compile_release_thousands_of_loops():
    out = run("""
        import gc, resource, pypyjit
        SRC = "def f(n):\\n    t = 0\\n    for i in range(n):\\n        t += i * K\\n    return t\\n"
        def rss_kib():
            with open("/proc/self/statm") as fh:
                return int(fh.read().split()[1]) * resource.getpagesize() // 1024
        def one_round(k):
            ns = {"K": k}
            exec(SRC, ns)
            assert ns["f"](50) == k * sum(range(50))
        snap = pypyjit.get_stats_snapshot
        marks = []
        for rnd in range(6):
            for k in range(400):
                one_round(k)
            pypyjit.releaseall()
            gc.collect()
            gc.collect()
            marks.append((pypyjit.get_stats_asmmemmgr()[1], rss_kib()))
        c = snap().counters
        print(c["TOTAL_COMPILED_LOOPS"], c["TOTAL_FREED_LOOPS"], marks)
    """, params="threshold=10")
    assert out.returncode == 0, out
    head, marks = out.stdout.split(" [", 1)
    compiled, freed = map(int, head.split())
    marks = eval("[" + marks)
    # (nearly) every f's loop compiles: not one whose loop gets hot while
    # the module-level loop around it is being recorded (one trace at a time)
    assert compiled >= 2390 and freed >= compiled - 2, (compiled, freed)
    in_use = [m[0] for m in marks]
    rss = [m[1] for m in marks]
    assert max(in_use) == min(in_use), in_use     # code memory back to the same level
    # after the first round warms everything up, RSS stays within 2 MiB --
    # except under AddressSanitizer, whose quarantine holds freed memory
    # back on purpose (make test-asan), so RSS says nothing there
    if "ASAN_OPTIONS" not in os.environ:
        assert max(rss[1:]) - min(rss[1:]) < 2048, rss
