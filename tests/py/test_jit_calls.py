"""Calls from compiled loops behave exactly like CPython: the callee sees
the caller's frame as CPython shows it (f_locals, f_lineno), exceptions
from callees carry CPython's tracebacks, tracing switched on by a callee
takes effect at once. JIT off vs on (threshold=3, trace_eagerness=2), and
under the JIT a loop must really have been compiled and entered."""
import textwrap

import pytest

from jitrun import CHECK_COMPILED, compare


SNIPPETS = {
    "builtins_and_user_functions": """
        def sq(x):
            return x * x
        def f(n):
            t = 0
            for i in range(n):
                t += abs(i - 50) + sq(i)
            for i in range(n):
                t += max(i, 7) - min(i, 3)
            return t
        print(f(500))
    """,
    "callee_reads_caller_locals_and_line": """
        import sys
        log = []
        def peek():
            fr = sys._getframe(1)
            log.append((fr.f_locals["t"], fr.f_locals["i"], fr.f_lineno))
            return 1
        def f(n):
            t = 0
            for i in range(n):
                t += i
                peek()
                t *= 1
            return t
        print(f(50), log[-3:], len(log))
    """,
    "callee_raises_mid_loop": """
        def check(i):
            if i == 77:
                raise ValueError("bad %d" % i)
            return i
        def f(n):
            t = 0
            for i in range(n):
                t += check(i)
            return t
        print(f(50))
        f(100)
    """,
    "exception_caught_around_the_loop": """
        def check(i):
            if i % 40 == 39:
                raise KeyError(i)
            return 1
        def f(n):
            t = 0
            errors = 0
            for i in range(n):
                try:
                    t += check(i)
                except KeyError:
                    errors += 1
            return t, errors
        print(f(200))
    """,
    "warning_from_callee_has_callers_line": """
        import warnings, sys
        warnings.simplefilter("always")
        warnings.showwarning = lambda m, c, fn, ln, *a: print("warn", c.__name__, ln, m)
        def w(i):
            if i in (20, 40):
                warnings.warn("w%d" % i, stacklevel=2)
            return i
        def f(n):
            t = 0
            for i in range(n):
                t += w(i)
            return t
        print(f(60))
    """,
    "callee_switches_tracing_on": """
        import sys
        events = []
        def tracer(frame, event, arg):
            events.append((event, frame.f_code.co_name, frame.f_lineno))
            return tracer
        def on(i):
            if i == 30:
                sys.settrace(tracer)
            return i
        def f(n):
            t = 0
            for i in range(n):
                t += on(i)
            sys.settrace(None)
            return t
        print(f(40))
        print(events[:12])
        print(len(events))
    """,
    "float_results_and_none": """
        from math import sqrt
        def nothing(x):
            return None
        def f(n):
            s = 0.0
            for i in range(n):
                s += sqrt(i) + 0.5
                nothing(s)
            return s
        print(f(300))
    """,
    "generator_and_bool_results": """
        def even(i):
            return i % 2 == 0
        def f(n):
            c = 0
            for i in range(n):
                if even(i):
                    c += 1
            return c, sum(x for x in range(5))
        print(f(101))
    """,
    "global_function_replaced_while_looping": """
        def g(i):
            return 1
        def f(n):
            t = 0
            for i in range(n):
                t += g(i)
            return t
        print(f(50))
        def g(i):
            return 2
        print(f(50))
    """,
    "result_of_other_type_leaves_the_trace": """
        def h(i):
            return i if i < 60 else [i]
        def f(n):
            out = 0
            for i in range(n):
                r = h(i)
                out += 1
            return out, r
        print(f(80))
    """,
}


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_compiled_loop_with_calls_matches_cpython(name):
    compare(textwrap.dedent(SNIPPETS[name]) + CHECK_COMPILED)
