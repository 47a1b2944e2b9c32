"""Nested loops: the inner loop compiles, and the guard that leaves it
(its iterator exhausted, its condition false) grows a bridge that runs the
outer loop's body -- round the outer loop's back-edge, through its header
and into the inner loop's header again, where it jumps to the inner loop's
label. The whole nest then runs in machine code, entered once. Behaviour
stays CPython's: results, iterators seen from outside (exhausted ones stay
exhausted), frames seen from calls in either loop, exceptions, break /
continue / else at every level. JIT off vs on, low thresholds."""
import textwrap

import pytest

from jitrun import LOW, compare, run

SNIPPETS = {
    "range_in_range": """
        def pairs(n):
            total = 0
            for i in range(n):
                for j in range(i + 1, n):
                    total += i * j - (j >> 1)
            return total
        print([pairs(k) for k in (0, 1, 2, 7, 40)], pairs(300))
    """,
    "float_lists_math": """
        import math
        def step(xs, ys, vs):
            n = len(xs)
            for i in range(n):
                for j in range(i + 1, n):
                    dx = xs[j] - xs[i]
                    dy = ys[j] - ys[i]
                    d = math.sqrt(dx * dx + dy * dy + 0.01)
                    vs[i] += dx / d
                    vs[j] -= dy / (d * d)
            for i in range(n):
                xs[i] += vs[i] * 0.001
        xs = [0.1 * k for k in range(9)]
        ys = [0.2 * k * k for k in range(9)]
        vs = [0.0] * 9
        for _ in range(300):
            step(xs, ys, vs)
        print(xs, vs)
    """,
    "list_iterators_nested": """
        rows = [[k * 3 + c for c in range(k % 4)] for k in range(50)]
        out = []
        for rep in range(20):
            for row in rows:
                s = 0
                for v in row:
                    s += v
                out.append(s)
        print(sum(out), out[:12])
    """,
    "while_in_for_and_for_in_while": """
        def collatz_lengths(n):
            res = []
            for k in range(1, n):
                x, steps = k, 0
                while x != 1:
                    x = x // 2 if x % 2 == 0 else 3 * x + 1
                    steps += 1
                res.append(steps)
            return res
        def triangle(n):
            i, acc = 0, 0
            while i < n:
                for j in range(i):
                    acc += j ^ i
                i += 1
            return acc
        print(sum(collatz_lengths(400)), triangle(200))
    """,
    "three_deep": """
        def cube(n):
            c = 0
            for a in range(n):
                for b in range(a):
                    for d in range(b):
                        c += (a + b * d) % 7
            return c
        print(cube(25), cube(3), cube(0))
    """,
    "break_continue_else": """
        def search(n):
            found = []
            for i in range(2, n):
                for j in range(2, i):
                    if i % j == 0:
                        break
                    if j * j > i:
                        found.append(i)
                        break
                else:
                    found.append(-i)
                if i % 5 == 0:
                    continue
                for k in range(3):
                    if k == i % 3:
                        continue
                    found.append(k)
            return found
        r = search(300)
        print(len(r), sum(r), r[:20])
    """,
    "inner_loop_with_branches_and_types": """
        def mix(n):
            out = []
            for i in range(n):
                acc = 0 if i % 3 else 0.5
                for j in range(i % 6):
                    if j % 2:
                        acc += j
                    else:
                        acc -= 1.5
                out.append(acc)
            return out
        r = mix(500)
        print(sum(r), r[:14])
    """,
    "empty_and_changing_inner_ranges": """
        def f(n):
            t = 0
            for i in range(n):
                for j in range(i % 4, 3):
                    t += j
                for j in range(0):
                    t += 1000
                for j in range(5, i % 7, -1):
                    t -= j
            return t
        print(f(700))
    """,
    "exhausted_list_iterator_stays_exhausted": """
        lst = list(range(4))
        its = []
        for rep in range(60):
            it = iter(lst)
            for x in it:
                pass
            its.append(it)
        lst.append(99)
        print([next(i, "done") for i in its[:5]], next(iter(lst)))
    """,
    "frames_seen_from_inner_calls": """
        import sys
        def peek():
            f = sys._getframe(1)
            return (f.f_locals.get("i"), f.f_locals.get("j"), f.f_lineno)
        def g(n):
            seen = []
            for i in range(n):
                for j in range(2):
                    if i % 37 == 0 and j == 1:
                        seen.append(peek())
            return seen
        print(g(300))
    """,
    "generic_inner_iterators": """
        d = {k: k * k for k in range(6)}
        def f(n):
            t = 0
            for i in range(n):
                for k, v in d.items():
                    t += k * v + i
                for p, q in enumerate("abc"):
                    t += p
                for z in reversed(range(i % 5)):
                    t += z
            return t
        print(f(400))
    """,
    "exceptions_in_inner_loop": """
        def f(n):
            errs = 0
            t = 0
            for i in range(n):
                try:
                    for j in range(4):
                        t += 100 // (j - i % 4)
                except ZeroDivisionError:
                    errs += 1
            return t, errs
        print(f(400))
    """,
    "outer_loop_ends_in_bridge": """
        def f(n):
            t = 0
            for i in range(n):
                for j in range(3):
                    t += i - j
            return t, i, j
        print([f(k) for k in range(1, 40)])
    """,
    "unwritten_locals_keep_identity": """
        class C:
            def __init__(self, s):
                self.s = s
            def __iter__(self):
                return iter(self.s)
            def __contains__(self, x):
                return True
        def run():
            nan = float("nan")
            big = 10 ** 12
            keep = (nan, big)
            containers = [C([1, 2, 3]), C([4, 5]), C([6, 7, 8])]
            for container in containers:
                for elem in container:
                    assert elem in container
            return nan is keep[0], big is keep[1]
        print([run() for _ in range(6)])
    """,
    "math_functions_and_domain_errors": """
        import math
        def f(xs):
            out = []
            for x in xs:
                try:
                    out.append((math.sqrt(x), math.log(x), math.exp(x / 50.0)))
                except (ValueError, OverflowError) as e:
                    out.append(type(e).__name__ + ": " + str(e))
            return out
        data = [1.0, 2, 0.5, 3, -1.0, 0, 40000, float("inf"), float("nan"), 2 ** 80] * 20
        r = f(data)
        print(r[:12], len(r))
        def g(n):
            s = 0.0
            for i in range(1, n):
                s += math.atan2(i, 7.0) - math.pow(1.001, i) + math.fabs(math.sin(i)) + math.cos(i)
            return s
        print(g(3000))
    """,
}


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_nested_loops_match_cpython(name):
    compare(textwrap.dedent(SNIPPETS[name]))


def test_nest_runs_in_machine_code():
    """A loop nest is entered once and stays in machine code: the inner
    loop's exit has a bridge that ends in a jump to the inner loop's own
    label, so loop entries stay far below the outer loop's iterations."""
    out = run("""
        import pypyjit
        shapes = []
        def hook(info):
            if info.type == "bridge":
                ops = [op.name for op in info.operations]
                shapes.append((ops[-1], ops.count("debug_merge_point") > 3))
        pypyjit.set_compile_hook(hook)
        def f(n):
            t = 0
            for i in range(n):
                for j in range(5):
                    t += i ^ j
            return t
        before = pypyjit.get_stats_snapshot().counters["LOOP_ENTRIES"]
        print(f(3000))
        entries = pypyjit.get_stats_snapshot().counters["LOOP_ENTRIES"] - before
        print(("jump", True) in shapes, entries < 300, entries)
    """)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.split("\n")
    assert lines[0] == str(sum(i ^ j for i in range(3000) for j in range(5)))
    assert lines[1].startswith("True True"), out.stdout


def test_bridges_jump_between_loops():
    """Where the outer loop has a trace of its own (a path that skips the
    inner loop), the bridge into the inner loop jumps to the inner loop's
    label and the inner loop's exit bridge jumps back to the outer loop's:
    the nest is entered a few times only, and gives CPython's result."""
    code = """
        import pypyjit
        def sieve(limit):
            flags = [True] * (limit + 1)
            flags[0] = flags[1] = False
            i = 2
            while i * i <= limit:
                if flags[i]:
                    j = i * i
                    while j <= limit:
                        flags[j] = False
                        j += i
                i += 1
            return flags
        before = pypyjit.get_stats_snapshot().counters["LOOP_ENTRIES"]
        for _ in range(3):
            f = sieve(200000)
        entries = pypyjit.get_stats_snapshot().counters["LOOP_ENTRIES"] - before
        print(sum(f), entries < 100, entries)
    """
    out = run(code, params="threshold=50,trace_eagerness=5")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[:2] == ["17984", "True"], out.stdout


def test_math_call_is_a_direct_call():
    """math.sqrt of a float in a loop is a call of the C function on the
    unboxed value (call_f), no call into CPython."""
    out = run("""
        import math, pypyjit
        seen = []
        def hook(info):
            names = [op.name for op in info.operations]
            seen.append(("call_f" in names, "call_r" in names))
        pypyjit.set_compile_hook(hook)
        def f(n):
            s = 0.0
            for i in range(n):
                s += math.sqrt(i * 0.5)
            return s
        print(f(1000))
        print(seen[-1] if seen else None)
    """)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[1] == "(True, False)", out.stdout
