"""Function traces: a function without loops called function_threshold
times gets a trace from its first instruction to its return (`finish`;
so does a loop whose traced iteration returns),
which the evaluator runs at the frame's start; recursive calls in it call
the function again (through the same trace), they are not unrolled.
Behaviour stays exactly CPython's: results and identities of returned
objects, exceptions and tracebacks from any depth, frames seen from inside
and after the return, globals and builtins rebound while the trace runs,
recursion limits. JIT off vs on, thresholds low enough that every function
called a few times is compiled."""
import textwrap

import pytest

from jitrun import LOW, compare, run

CHECK_FUNCTION_TRACE = """
import sys as _sys
_pj = _sys.modules.get("pypyjit")
if _pj is not None:
    _c = _pj.get_stats_snapshot().counters
    assert _c["TOTAL_COMPILED_LOOPS"] >= 1 and _c["LOOP_ENTRIES"] >= 1, _c
"""

SNIPPETS = {
    "recursion_fib_tree": """
        def fib(n):
            if n < 2:
                return n
            return fib(n - 1) + fib(n - 2)
        def build(d):
            if d == 0:
                return None
            return (build(d - 1), d, build(d - 1))
        def total(node):
            if node is None:
                return 0
            left, v, right = node
            return total(left) + v + total(right)
        print(fib(18), total(build(10)))
        print([fib(k) for k in range(12)])
    """,
    "arguments_change_type": """
        def scale(x, k=2):
            return x * k + 1
        out = []
        for v in [1, 2, 3, 4, 5, 2.5, 3.5, "ab", 10 ** 30, -7, True, None]:
            try:
                out.append(scale(v))
            except TypeError as e:
                out.append(str(e))
        out.append(scale(3, 0.5))
        out.append(scale(k=3, x=4))
        print(out)
    """,
    "returned_objects_keep_identity": """
        def same(x):
            return x
        def pick(a, b, first):
            if first:
                return a
            return b
        big = 10 ** 20
        f = 1.5
        objs = [big, f, 12345678901, -3.25, "s", (1, 2)]
        print([same(o) is o for o in objs for _ in range(3)])
        print([pick(big, f, k % 2 == 0) is (big if k % 2 == 0 else f) for k in range(10)])
    """,
    "exceptions_at_every_depth": """
        import traceback
        def level(n, bad):
            if n == bad:
                return 1 // 0
            if n == 0:
                return 0
            return level(n - 1, bad) + 1
        results = []
        for bad in [-1, -1, -1, -1, 3, 0, 5, -1, 2]:
            try:
                results.append(level(5, bad))
            except ZeroDivisionError:
                tb = traceback.extract_tb(__import__("sys").exc_info()[2])
                results.append([(f.name, f.lineno) for f in tb])
        print(results)
    """,
    "frames_seen_from_callees_and_after": """
        import sys
        def peek():
            f = sys._getframe(1)
            return f.f_code.co_name, f.f_lineno, sorted(f.f_locals)
        def work(a, b):
            c = a + b
            info = peek()
            d = c * 2
            return info, d
        kept = []
        def keep(a):
            b = a * 3
            kept.append(sys._getframe())
            b = b + 1
            return b
        print([work(i, 1) for i in range(6)])
        print([keep(i) for i in range(6)])
        print([(fr.f_lineno, fr.f_locals) for fr in kept])
    """,
    "globals_and_builtins_rebound": """
        def helper(x):
            return x + 1
        def use(x):
            return helper(x) + len([x])
        out = [use(i) for i in range(6)]
        def helper(x):
            return x + 100
        out += [use(i) for i in range(6)]
        len = lambda s: -1
        out += [use(i) for i in range(6)]
        del len
        out += [use(i) for i in range(6)]
        del helper
        try:
            use(1)
        except NameError as e:
            out.append(str(e))
        print(out)
    """,
    "module_loop_writes_globals": """
        def sq(x):
            return x * x + OFFSET
        OFFSET = 1
        total = 0
        for i in range(3000):
            total += sq(i)
            if i == 2000:
                OFFSET = 2
        print(total)
    """,
    "recursion_limit": """
        import sys
        def down(n):
            if n == 0:
                return 0
            return down(n - 1) + 1
        print([down(k) for k in range(20)])
        print(down(900))
        try:
            down(10 ** 5)
        except RecursionError as e:
            print("RecursionError", e)
    """,
    "guard_fails_inside_call_inlined_into_a_directly_called_trace": """
        def helper(x, k):
            if k % 37 == 0:
                return [x, k]          # the rare path: a guard inside the inlined call
            return x + k
        def rec(n, x):
            if n == 0:
                return 0
            y = helper(x, n)
            return rec(n - 1, x) + (y if type(y) is int else len(y))
        print([rec(60, i) for i in range(40)])
    """,
    "loops_whose_traced_iteration_returns": """
        import sys
        def find(xs, target):
            for i, x in enumerate(xs):
                if x == target:
                    return i
            return -1
        def first_big(xs, lim):
            i = 0
            while i < len(xs):
                if xs[i] > lim:
                    f = sys._getframe()
                    return xs[i] * 2.0, f.f_lineno, sorted(f.f_locals)
                i += 1
            return None
        data = list(range(50))
        print(sum(find(data, t) for t in range(60)), [first_big(data, t) for t in range(0, 60, 7)])
        for k in range(300):
            a = find(data, k % 55)
            b = first_big(data, k % 53)
        print(a, b)
    """,
    "methods_and_init": """
        class V:
            def __init__(self, x, y):
                self.x = x
                self.y = y
            def add(self, o):
                return V(self.x + o.x, self.y + o.y)
            def norm1(self):
                return abs(self.x) + abs(self.y)
        acc = V(0, 0)
        for i in range(50):
            acc = acc.add(V(i, -i))
        print(acc.norm1(), acc.x, acc.y)
    """,
}


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_function_traces_match_cpython(name):
    compare(textwrap.dedent(SNIPPETS[name]) + CHECK_FUNCTION_TRACE)


def test_function_trace_shape():
    """fib gets a trace of its own, reported with the greenkey of its first
    instruction: it ends in `finish`, inlines its own recursive calls three
    levels deep (merge points at call depths 0 to 3) and calls fib below
    that, and its other paths are bridges."""
    out = run("""
        import pypyjit
        seen = []
        def hook(info):
            if info.greenkey and info.greenkey[0].co_name == "fib":
                ops = [op.name for op in info.operations]
                depths = {op.call_depth for op in info.operations
                          if op.name == "debug_merge_point"}
                seen.append((info.type, info.greenkey[1], ops[-1], ops.count("call_r") >= 1,
                             sorted(depths)))
            elif info.type == "bridge":
                seen.append(("bridge", info.operations[-1].name))
        pypyjit.set_compile_hook(hook)
        def fib(n):
            if n < 2:
                return n
            return fib(n - 1) + fib(n - 2)
        print(fib(20))
        for s in seen:
            print(s)
    """)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "6765"
    # (the third call, fib(18), is traced: the recursive path)
    assert lines[1] == "('loop', 0, 'finish', True, [0, 1, 2, 3])", lines
    assert "('bridge', 'finish')" in lines[2:], lines


def test_function_threshold_counts_calls():
    """Below function_threshold a function runs in CPython; at the threshold
    it is traced (HOT_LOOPS counts it, as PyPy counts function entries)."""
    code = """
        import pypyjit
        def f(x):
            return x + 1
        for i in range(%d):
            f(i)
        c = pypyjit.get_stats_snapshot().counters
        print(c["TOTAL_COMPILED_LOOPS"])
    """
    assert run(code % 9, params="function_threshold=10").stdout == "0\n"
    assert run(code % 11, params="function_threshold=10").stdout == "1\n"


def test_module_loop_global_writes_do_not_grow_bridges():
    """A module-level loop storing to its globals (its own loop variable)
    does not make a function trace's global lookups fail: they guard the
    globals' keys and the value read, not the dict's version."""
    out = run(textwrap.dedent(SNIPPETS["module_loop_writes_globals"]) + """
import pypyjit
c = pypyjit.get_stats_snapshot().counters
print(c["TOTAL_COMPILED_BRIDGES"] <= 3, c["GUARD_FAILURES"] < 100)
""")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1] == "True True", out


def test_global_rebound_at_every_call_is_read_not_guarded():
    """A global rebound at every call (a module-level loop's current object)
    stops being a constant for traces after a few rebindings: read from
    the globals, its value not guarded, so no bridge per value."""
    out = run("""
        import pypyjit
        class O:
            def __init__(self, x):
                self.x = x
        def f(k):
            return cur.x + k
        cur = O(0)
        for i in range(10):
            f(1)                      # traced while `cur` stays
        c0 = pypyjit.get_stats_snapshot().counters
        total = 0
        for i in range(3000):
            cur = O(i)
            total += f(1)
        c1 = pypyjit.get_stats_snapshot().counters
        print(total, c1["TOTAL_COMPILED_BRIDGES"] - c0["TOTAL_COMPILED_BRIDGES"] <= 5,
              c1["GUARD_FAILURES"] - c0["GUARD_FAILURES"] < 100)
    """)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "4501500 True True\n", out


def test_function_without_locals_gets_a_trace():
    """A function without arguments or locals (snapshots of a frame without
    slots) is traced and compiled like any other."""
    out = run("""
        import pypyjit
        K = 41
        def answer():
            return K + 1
        c0 = pypyjit.get_stats_snapshot().counters
        print(sum(answer() for _ in range(100)))
        c1 = pypyjit.get_stats_snapshot().counters
        print(c1["TOTAL_COMPILED_LOOPS"] - c0["TOTAL_COMPILED_LOOPS"] >= 1)
    """)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "4200\nTrue\n", out


def test_loop_traced_on_its_returning_iteration_gets_bridges():
    """A loop whose traced iteration returns is compiled with `finish`; the
    iterations that go on are a bridge back to its label (which such a
    loop keeps for them), not a guard failing at every iteration."""
    code = """
        import sys
        def find(xs, target):
            n = 0
            for x in xs:
                n += 1
                if x == target:
                    return x, n
            return None, n
        xs = list(range(100))
        out = [find(xs, 4)]     # hot on the iteration that returns
        for t in list(range(4, 100, 7)) * 20:
            out.append(find(xs, t))
        out.append(find(xs, -1))
        print(out[:5], out[-3:], len(out))
        pj = sys.modules.get("pypyjit")
        if pj:
            c = pj.get_stats_snapshot().counters
            assert c["ABORT_BRIDGE"] == 0 and c["TOTAL_COMPILED_BRIDGES"] >= 1, c
            assert c["GUARD_FAILURES"] < 50, c
    """
    compare(code)
