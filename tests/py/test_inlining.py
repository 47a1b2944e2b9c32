"""Python functions called from a compiled loop are inlined into its trace
(the recorder follows the call into the callee, whose locals become values
of the trace). Behaviour must stay exactly CPython's: a guard failing inside
an inlined call rebuilds the calls' frames (f_back, f_locals, f_lineno,
tracebacks), a call that may look at frames from inside an inlined call
finds them pushed with their current contents, and changing a function's
code or defaults, or rebinding it, mid-loop gives CPython's result. JIT off
vs on; under the JIT a loop must have been compiled with inlined calls."""
import re
import textwrap

import pytest

from jitrun import CHECK_COMPILED, LOW, compare, run
from test_traces import body, the_loop

CHECK_INLINED = CHECK_COMPILED + """
if _pj is not None:
    assert _c["INLINED_CALLS"] >= 1, _c
"""

SNIPPETS = {
    "functions_methods_defaults_nested": """
        def add(a, b):
            return a + b
        def clamp(v, lo=0, hi=255):
            if v < lo:
                return lo
            if v > hi:
                return hi
            return v
        def twice(x):
            return add(x, x)
        class P:
            def __init__(self, x):
                self.x = x
            def get(self):
                return self.x
            def scaled(self, k=2.5):
                return self.x * k
        def f(n):
            p = P(3)
            s = 0
            t = 0.0
            for i in range(n):
                s = add(s, clamp(i * 7 - 300)) + twice(p.get())
                t += p.scaled()
            return s, t
        print(f(500))
    """,
    "guard_fails_inside_inlined_call": """
        import sys
        def inner(a, b):
            c = a * b
            if a > 250:
                fr = sys._getframe()
                return (fr.f_code.co_name, fr.f_back.f_code.co_name,
                        fr.f_back.f_back.f_code.co_name, fr.f_lineno, fr.f_back.f_lineno,
                        sorted((k, v) for k, v in fr.f_locals.items() if k != "fr"),
                        sorted(fr.f_back.f_locals.items()))
            return c - a
        def middle(x, y=3):
            t = inner(x, y)
            return t
        def f(n):
            s = 0
            out = []
            for i in range(n):
                r = middle(i)
                if type(r) is tuple:
                    out.append(r)
                else:
                    s += r
            return s, out[:2], len(out)
        print(f(300))
    """,
    "overflow_inside_inlined_call": """
        def mul(a, b):
            return a * b
        def f(n):
            acc = 0
            for i in range(n):
                acc += mul(i, 1 << 61 if i > n - 5 else 2)
            return acc
        print(f(300))
    """,
    "frames_pushed_for_calls_inside_inlined_calls": """
        import sys
        def peek():
            for _ in range(1):   # has a loop: never inlined
                pass
            fr = sys._getframe(1)
            return (fr.f_code.co_name, fr.f_lineno, sorted(fr.f_locals.items()),
                    fr.f_back.f_code.co_name, fr.f_back.f_lineno,
                    fr.f_back.f_back.f_code.co_name)
        def callee(a, b=2):
            c = a + b
            d = len("xyz") + c
            info = peek() if a % 50 == 0 else None
            return info, d
        def middle(x):
            r = callee(x)
            return r
        def f(n):
            out = []
            t = 0
            for i in range(n):
                info, d = middle(i)
                t += d
                if info is not None:
                    out.append(info)
            return t, out
        print(f(300))
    """,
    "exception_from_call_inside_inlined_call": """
        import traceback
        def raiser(v):
            for _ in range(1):
                pass
            if v > 290:
                raise ValueError(v)
            return v
        def callee(a, b=2):
            c = a + b
            e = raiser(c)
            return e
        def middle(x):
            return callee(x) + 1
        def f(n):
            t = 0
            for i in range(n):
                t += middle(i)
            return t
        try:
            f(300)
        except ValueError:
            traceback.print_exc()
    """,
    "code_and_defaults_changed_mid_loop": """
        def g(x, k=1):
            return x + k
        def other(x, k=1):
            return x * k
        def f(n):
            t = 0
            for i in range(n):
                t += g(i)
                if i == 100:
                    g.__defaults__ = (10,)
                if i == 200:
                    g.__code__ = other.__code__
            return t
        print(f(300))
    """,
    "global_function_rebound_mid_loop": """
        def h(x):
            return x + 1
        def h2(x):
            return x - 1
        def f(n):
            global h
            t = 0
            for i in range(n):
                t += h(i)
                if i == 150:
                    h = h2
            return t
        print(f(300))
    """,
    "recursion_unrolled_then_called": """
        def fact(k):
            if k <= 1:
                return 1
            return k * fact(k - 1)
        def f(n):
            t = 0
            for i in range(n):
                t += fact(i % 12)
            return t
        print(f(300))
    """,
    "branchy_callee_gets_bridges": """
        def classify(v):
            if v % 3 == 0:
                return 1
            if v % 3 == 1:
                return 10
            return 100
        def f(n):
            t = 0
            for i in range(n):
                t += classify(i)
            return t
        print(f(3000))
    """,
    "tracing_switched_on_inside_inlined_call": """
        import sys
        events = []
        def tracer(frame, event, arg):
            events.append((frame.f_code.co_name, event, frame.f_lineno))
            return tracer
        def switch():
            for _ in range(1):
                pass
            sys.settrace(tracer)
        def callee(i):
            if i == 250:
                switch()
            return i + 1
        def f(n):
            t = 0
            for i in range(n):
                t += callee(i)
            return t
        print(f(300))
        sys.settrace(None)
        print(events[:12], len(events))
    """,
    "class_instantiation_inlined": """
        import sys
        class V:
            def __init__(self, x, y=0.5):
                self.x = x
                self.y = y
            def norm1(self):
                return abs(self.x) + abs(self.y)
        class W(V):
            def __init__(self, x):
                V.__init__(self, x, -1.0)
        def f(n):
            t = 0.0
            last = None
            for i in range(n):
                v = V(i * 0.5)
                t += v.norm1()
                if i > 280:
                    last = vars(V(i, i))   # guard inside __init__ fails: frames rebuilt
            return t, last, vars(W(3))
        print(f(300))
    """,
    "init_frames_rebuilt_and_seen": """
        import sys
        class P:
            def __init__(self, k):
                self.k = k
                if k % 97 == 0:
                    fr = sys._getframe()
                    self.seen = (fr.f_code.co_name, fr.f_back.f_code.co_name, fr.f_back.f_lineno,
                                 sorted(fr.f_locals))
        def f(n):
            out = []
            for i in range(n):
                p = P(i)
                if hasattr(p, "seen"):
                    out.append(p.seen)
            return out
        print(f(400))
    """,
    "init_changed_raising_or_returning_mid_loop": """
        class C:
            def __init__(self, a):
                self.a = a
        def bad_init(self, a):
            return a
        def raising_init(self, a):
            raise KeyError(a)
        def f(n):
            t = 0
            errors = []
            for i in range(n):
                try:
                    t += C(i).a
                except (TypeError, KeyError) as e:
                    errors.append((type(e).__name__, str(e)))
                if i == 100:
                    C.__init__ = raising_init
                if i == 103:
                    C.__init__ = bad_init
                if i == 106:
                    del C.__init__
                    C.__new__ = lambda cls, a: object.__new__(cls)
                if i == 109:
                    del C.__new__
                    C.__init__ = lambda self, a: setattr(self, 'a', -a)
            return t, errors
        print(f(300))
    """,
}


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_inlined_calls_match_cpython(name):
    compare(textwrap.dedent(SNIPPETS[name]) + CHECK_INLINED)


def test_inlining_zero_calls_instead():
    """`inlining=0`: no call is inlined (the loop, with more residual calls
    than compiled loops take, stays interpreted), results are the same."""
    code = textwrap.dedent(SNIPPETS["functions_methods_defaults_nested"]) + """
import sys as _sys
_pj = _sys.modules.get("pypyjit")
if _pj is not None:
    _c = _pj.get_stats_snapshot().counters
    assert _c["INLINED_CALLS"] == 0 and _c["HOT_LOOPS"] >= 1, _c
"""
    compare(code, params=LOW + ",inlining=0")


def test_bridges_from_inlined_guards():
    """A guard that fails often inside an inlined call grows a bridge that
    starts inside the call."""
    code = textwrap.dedent(SNIPPETS["branchy_callee_gets_bridges"]) + CHECK_INLINED + """
if _pj is not None:
    assert _c["TOTAL_COMPILED_BRIDGES"] >= 1 and _c["INLINE_DEOPTS"] < 100, _c
"""
    compare(code)


def test_inlined_call_has_no_call_op():
    """The trace of a loop calling a small function and a method: no call
    op; the callees' instructions are merge points at call depth 1, whose
    `pycode` is the callee's code."""
    loop = the_loop("""
        def add(a, b):
            return a + b
        class C:
            def __init__(self):
                self.k = 3
            def get(self):
                return self.k
        def f(n):
            c = C()
            t = 0
            for i in range(n):
                t = add(t, i) + c.get()
            return t
        print(f(1000))
    """, "f")
    ops = body(loop)
    assert not [op for op in ops if re.search(r"\bcall_\w*\(", op)], ops
    out = run("""
        import pypyjit
        seen = set()
        def hook(info):
            for op in info.operations:
                if op.name == "debug_merge_point":
                    seen.add((op.call_depth, op.pycode.co_name))
        pypyjit.set_compile_hook(hook)
        def add(a, b):
            return a + b
        def f(n):
            t = 0
            for i in range(n):
                t = add(t, i)
            return t
        f(1000)
        print(sorted(seen))
    """, params="threshold=200")
    assert out.stdout.strip() == "[(0, 'f'), (1, 'add')]", out


def test_inlined_calls_counter_and_deopts():
    """INLINED_CALLS counts calls recorded inline, INLINE_DEOPTS the exits
    that rebuilt their frames."""
    out = run(textwrap.dedent(SNIPPETS["guard_fails_inside_inlined_call"]) + """
import pypyjit
c = pypyjit.get_stats_snapshot().counters
print(c["INLINED_CALLS"] >= 2, c["INLINE_DEOPTS"] >= 1)
""")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1] == "True True", out
