"""Exceptions in the own interpreter: an exception raised in a frame it runs
is unwound there, with the code's exception table (traceback entry,
handler, `finally`, `with` exits, `raise`, `raise from`, bare `raise`,
re-raise keeping the first line), and the frame stays in the own
interpreter -- it is no longer handed to CPython at its first exception.
Tracebacks, `sys.exc_info()`, chaining and messages are compared with plain
CPython (JIT off vs on, low thresholds); the counters show the frames
stayed ours."""
import json

import pytest

from jitrun import compare, run, LOW

SNIPPETS = {
    "keyerror_caught_in_a_loop": """
        def f(d, keys):
            n = 0
            last = None
            for k in keys:
                try:
                    n += d[k]
                except KeyError as e:
                    n -= 1
                    last = e
                except (TypeError, ValueError):
                    n += 100
                else:
                    n += 10
                finally:
                    n += 1000
            return n, repr(last), last.__traceback__.tb_lineno
        print(f({1: 2}, [1, 2, 3, 1, "x", [0]] * 60))
    """,
    "raise_from_and_chaining": """
        def g(x):
            try:
                try:
                    raise KeyError(x)
                except KeyError:
                    raise ValueError(x) from (TypeError("c") if x % 2 else None)
            except ValueError as e:
                return (repr(e), repr(e.__cause__), repr(e.__context__),
                        e.__suppress_context__)
        for i in range(40):
            r = g(i)
            if i > 37:
                print(r)
    """,
    "tracebacks_through_inline_calls": """
        import sys, traceback
        def deep(n):
            if n == 0:
                raise IndexError("bottom")
            return deep(n - 1) + 1
        def middle(n):
            try:
                return deep(n)
            finally:
                print("finally", n)
        for i in range(6):
            try:
                middle(i)
            except IndexError:
                traceback.print_exc(file=sys.stdout)
    """,
    "reraise_keeps_the_first_line": """
        import sys, traceback
        def reraise(i):
            try:
                1 / (i - i)
            except ZeroDivisionError:
                if i > 1:
                    raise
                return "kept"
        def in_finally(i):
            try:
                return {}[i]
            finally:
                i += 1
        for i in range(5):
            for fn in (reraise, in_finally):
                try:
                    print(fn(i))
                except Exception:
                    traceback.print_exc(file=sys.stdout)
    """,
    "with_statement_exits": """
        import sys, traceback
        class M:
            def __init__(self, swallow):
                self.swallow = swallow
            def __enter__(self):
                return self
            def __exit__(self, t, v, tb):
                print("exit", t, v, tb is not None)
                return self.swallow
        def use(i):
            with M(i % 2 == 0) as m:
                if i > 2:
                    raise KeyError(i)
                return i
            return "swallowed"
        for i in range(8):
            try:
                print(use(i))
            except KeyError:
                traceback.print_exc(file=sys.stdout)
    """,
    "exc_info_inside_and_after_handlers": """
        import sys
        def info(i):
            seen = []
            try:
                raise KeyError(i)
            except KeyError:
                seen.append(sys.exc_info()[0])
                try:
                    raise ValueError(i)
                except ValueError:
                    seen.append(sys.exc_info()[0])
                seen.append(sys.exc_info()[0])
            seen.append(sys.exc_info())
            return seen
        for i in range(30):
            r = info(i)
        print(r)
    """,
    "bad_raises_and_bad_excepts": """
        def bare():
            raise
        def nonexc():
            raise 5
        def cls():
            raise StopIteration
        def badcls():
            class NotExc(Exception):
                def __new__(cls):
                    return 3
            raise NotExc
        def badcause():
            raise KeyError from 7
        def badexcept():
            try:
                1 / 0
            except 3:
                pass
        def badtuple():
            try:
                1 / 0
            except (ZeroDivisionError, "x"):
                pass
        for fn in (bare, nonexc, cls, badcls, badcause, badexcept, badtuple) * 4:
            try:
                fn()
            except BaseException as e:
                print(fn.__name__, repr(e), repr(e.__context__), repr(e.__cause__))
    """,
    "exception_groups_still_correct": """
        def eg(i):
            try:
                raise ExceptionGroup("g", [KeyError(i), ValueError(i)])
            except* KeyError as e:
                print("key", repr(e.exceptions))
            except* ValueError as e:
                print("value", repr(e.exceptions))
        for i in range(4):
            eg(i)
    """,
    "return_in_finally_swallows": """
        def f(i):
            try:
                raise KeyError(i)
            finally:
                if i % 2:
                    return "swallowed"
        out = []
        for i in range(20):
            try:
                out.append(f(i))
            except KeyError as e:
                out.append(repr(e))
        print(out)
    """,
    "compiled_loop_call_raises": """
        def risky(i):
            if i % 97 == 96:
                raise ValueError(i)
            return i
        def loop(n):
            total = 0
            errors = 0
            for i in range(n):
                try:
                    total += risky(i)
                except ValueError:
                    errors += 1
            return total, errors
        print(loop(5000))
    """,
    "uncaught_traceback": """
        def a(i):
            return {}[i]
        def b(i):
            return a(i) + 1
        for i in range(10):
            try:
                b(i)
            except KeyError:
                pass
        b("last")
    """,
}


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_exceptions_match_cpython(name):
    compare(SNIPPETS[name])


COUNT = """
import sys, json
def parse(items):
    out = []
    for s in items:
        try:
            out.append(int(s))
        except ValueError:
            out.append(-1)
    return out
m = sys.modules.get("pypyjit._pypyjit")
before = m.counters()
r = parse(["1", "x", "3", "y"] * 500)
after = m.counters()
print(json.dumps([sum(r), after["HANDOFFS"] - before["HANDOFFS"]]))
"""


def test_caught_exceptions_keep_the_frame_in_the_own_interpreter():
    """A loop that catches an exception every other iteration stays in the
    own interpreter: no frame is handed to CPython."""
    out = run(COUNT, jit=True, params=LOW)
    assert out.returncode == 0, out.stderr
    total, handoffs = json.loads(out.stdout)
    assert total == (1 - 1 + 3 - 1) * 500
    assert handoffs == 0


def test_tracing_still_sees_exception_events():
    """With sys.settrace on, CPython unwinds (so that the 'exception'
    events are reported as without the JIT)."""
    compare("""
        import sys
        events = []
        def tracer(frame, event, arg):
            if frame.f_code.co_name == "f":
                events.append((event, frame.f_lineno))
            return tracer
        def f(i):
            try:
                raise KeyError(i)
            except KeyError:
                return i
        for i in range(5):
            f(i)
        sys.settrace(tracer)
        f(9)
        sys.settrace(None)
        print(events)
    """)
