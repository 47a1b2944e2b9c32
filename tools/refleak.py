"""Reference-leak check of the JIT, run under a Py_DEBUG interpreter.

usage: python3.11-dbg tools/refleak.py [-k SUBSTRING] [--warmup N] [--runs SMALL,LARGE]
                                       [--tolerance REFS] [--jit PARAMS] [--list] [-v]
       python3.11-dbg tools/refleak.py [--jit PARAMS] --regrtest test_x [test_y ...]

Every workload (our own WORKLOADS below plus the SNIPPETS of
tests/py/test_behaviour.py, test_inlining.py, test_function_traces.py, test_attr_stores.py,
test_containers_inline.py, test_nested_loops.py, test_module_loops.py and test_exceptions_own.py
when those files import) is compiled once and
exec'd in this process, in a fresh globals dict, with its output thrown away
and any exception (SystemExit included) swallowed.  After a warm-up that
fills every cache (interned strings, type caches, import state, jitcells),
sys.gettotalrefcount() is read around SMALL and then LARGE more runs, after
gc.collect().  A leak is growth that scales with the number of runs:
LARGE-run growth minus SMALL-run growth above the tolerance, on three
attempts in a row (a one-off cache resize passes on the next attempt).  Every
leaked object holds at least one reference, so the total sees it; the count
of allocated blocks is shown alongside but decides nothing, as it wanders by
hundreds under plain CPython (free lists, dict key caches).

CPython is the specification: each workload is first measured with the JIT
off.  A workload that grows under plain CPython too is reported as such and
not counted against the JIT, unless the JIT grows it by more.

Exit status: 0 no leak, 1 leak(s) under the JIT, 2 wrong interpreter or build
(not Py_DEBUG, or the debug extension is not the one loaded).
"""
import argparse
import atexit
import builtins
import gc
import importlib.util
import os
import sys
import sysconfig
import textwrap
import time
import warnings

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOW = "threshold=3,function_threshold=3,trace_eagerness=2"   # as tests/py/jitrun.py

# Varied programs whose work happens inside loops (so their frames run in the
# own interpreter) and which leave the interpreter in every way it can: calls
# into CPython-run frames, errors caught in the loop (unwound by the own
# interpreter, or by CPython under tracing),
# generators, returns from inside try/with, break/continue through finally.
WORKLOADS = {
    "arith_loop": """
def f(n):
    t, x = 0, 1.5
    for i in range(n):
        t += i * 3 - (i // 7) % 5 + (i << 2 >> 1) ^ i
        x = x * 1.0001 + i / 3
    return t, x
f(300)
""",
    "bigint_loop": """
def f():
    x = 1
    for i in range(60):
        x = x * 7 + 2 ** 64 - i
    return x % 1000003
f()
""",
    "while_break_else": """
def f():
    out = 0
    for i in range(30):
        j = 0
        while j < i:
            j += 3
            if j == 12:
                break
        else:
            out += 1
    return out
f()
""",
    "calls_kwargs_star": """
def g(a, b=2, *args, c, d=4, **kw):
    return a + b + len(args) + c + d + len(kw)
def f():
    t = 0
    for i in range(50):
        t += g(i, c=1) + g(i, i, 1, 2, c=3, e=5) + g(*[i, 1], **{'c': 2, 'z': 0})
    return t
f()
""",
    "closures_nonlocal": """
def make():
    n = 0
    def inc(k):
        nonlocal n
        n += k
        return n
    return inc
def f():
    fs = [make() for _ in range(5)]
    for i in range(40):
        for g in fs:
            g(i)
    return [g(0) for g in fs]
f()
""",
    "recursion_in_loop": """
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
def f():
    return [fib(i) for i in range(15)]
for _ in range(3):
    f()
""",
    "exc_caught_in_loop": """
def f():
    t = 0
    for i in range(60):
        try:
            t += 10 // (i % 7)
        except ZeroDivisionError as e:
            t -= len(str(e))
    return t
f()
""",
    "exc_from_callee": """
class E(Exception):
    pass
def bad(i):
    if i % 3 == 0:
        raise E(i, [i] * 3)
    return i
def f():
    caught = []
    for i in range(40):
        try:
            bad(i)
        except E as e:
            caught.append(e.args[0])
    return caught
f()
""",
    "exc_kept_with_traceback": """
def f():
    kept = []
    for i in range(20):
        try:
            {}[i]
        except KeyError as e:
            kept.append(e)        # traceback -> frame -> kept: a cycle for the GC
    return len(kept)
f()
""",
    "exc_uncaught_leaves_frame": """
def f(n):
    d = {'x': [1, 2]}
    for i in range(n):
        d['x'].append(i)
        if i == n - 1:
            raise ValueError(d)
for k in range(10):
    try:
        f(k + 1)
    except ValueError:
        pass
""",
    "raise_from_and_reraise": """
def f():
    n = 0
    for i in range(20):
        try:
            try:
                int('x%d' % i)
            except ValueError as e:
                raise RuntimeError('wrapped') from e
        except RuntimeError as e:
            n += e.__cause__ is not None
    try:
        for i in range(5):
            try:
                raise KeyError(i)
            except KeyError:
                if i == 4:
                    raise
    except KeyError:
        n += 1
    return n
f()
""",
    "except_star": """
def f():
    seen = 0
    for i in range(10):
        try:
            raise ExceptionGroup('g', [ValueError(i), TypeError(i)])
        except* ValueError:
            seen += 1
        except* TypeError:
            seen += 2
    return seen
f()
""",
    "finally_break_continue_return": """
def g(i):
    for j in range(5):
        try:
            if j == i:
                return j
            if j % 2:
                continue
        finally:
            i += 0
    return -1
def f():
    t = 0
    for i in range(30):
        try:
            t += g(i % 6)
            if i == 25:
                break
        finally:
            t += 1
    return t
f()
""",
    "generators": """
def gen(n):
    for i in range(n):
        yield i * i
def outer(n):
    yield from gen(n)
    yield -1
def f():
    t = 0
    for k in range(20):
        t += sum(outer(k))
        g = gen(10)
        next(g)
        g.close()             # GeneratorExit into a suspended generator
    return t
f()
""",
    "generator_send_throw": """
def acc():
    total = 0
    while True:
        try:
            v = yield total
        except ValueError:
            v = 0
        total += v
def f():
    for k in range(10):
        a = acc()
        next(a)
        for i in range(20):
            a.send(i)
            if i % 5 == 0:
                a.throw(ValueError)
f()
""",
    "comprehensions": """
def f():
    out = []
    for i in range(20):
        out.append([x * i for x in range(10) if x % 2])
        out.append({x: str(x) for x in range(i)})
        out.append({x % 3 for x in range(i)})
        out.append(sum(x for x in range(i)))
    return len(out)
f()
""",
    "imports_in_loop": """
def f():
    t = 0
    for i in range(20):
        import math
        from os import path
        from collections import OrderedDict as OD
        t += math.floor(i / 2) + len(path.sep) + len(OD(a=i))
        try:
            import no_such_module_for_refleak
        except ImportError:
            t -= 1
    return t
f()
""",
    "with_statements": """
class CM:
    def __init__(self, swallow):
        self.swallow = swallow
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        return self.swallow
def g(i):
    with CM(False):
        if i % 4 == 0:
            return i
    return 0
def f():
    t = 0
    for i in range(40):
        with CM(True) as c:
            if i % 3 == 0:
                raise ValueError(i)
            t += g(i)
        with open(__import__('os').devnull) as fh:
            t += len(fh.read())
    return t
f()
""",
    "string_building": """
def f():
    s = ''
    parts = []
    for i in range(200):
        s += str(i)
        parts.append(f'{i:>5}|{i!r}|{i * 1.5:.2f}')
        parts.append('%d-%s' % (i, 'x' * (i % 5)))
    return len(s), len(' '.join(parts)), s[10:40:3], s.upper().count('1')
f()
""",
    "dict_list_work": """
def f():
    d = {}
    lst = []
    for i in range(300):
        d[i % 17] = d.get(i % 17, 0) + i
        lst.append((i, str(i)))
        if len(lst) > 50:
            del lst[:10]
        lst.sort(key=lambda t: -t[0])
    for k, v in sorted(d.items()):
        d.pop(k) if k % 2 else d.setdefault(k * 100, v)
    a, *rest, b = lst
    return len(d), a, b, len(rest)
f()
""",
    "classes_methods_properties": """
class P:
    __slots__ = ('x',)
    def __init__(self, x):
        self.x = x
class Q(P):
    __slots__ = ()
    @property
    def double(self):
        return self.x * 2
    def __add__(self, o):
        return Q(self.x + o.x)
    def __getattr__(self, name):
        return len(name)
def f():
    q = Q(0)
    for i in range(100):
        q = q + Q(i)
        q.double
        q.missing_attribute
        super(Q, q).__init__(q.x)
    return q.x
f()
""",
    "class_creation_in_loop": """
def f():
    out = []
    for i in range(15):
        class C:
            k = i
            def m(self):
                return self.k
        out.append(C().m())
    return out
f()
""",
    "custom_iterator": """
class It:
    def __init__(self, n):
        self.i, self.n = 0, n
    def __iter__(self):
        return self
    def __next__(self):
        if self.i >= self.n:
            raise StopIteration
        self.i += 1
        return self.i
def f():
    return [sum(It(k)) for k in range(30)] + [x for x in It(50)]
f()
""",
    "globals_and_del": """
G = 0
def f():
    global G
    for i in range(100):
        G += i
        tmp = [i]
        del tmp
    return G
f()
""",
    "lambda_sorted_map_filter": """
def f():
    data = [(i * 37) % 101 for i in range(100)]
    for i in range(10):
        data = sorted(data, key=lambda v: (v % (i + 2), v))
        m = list(map(lambda v: v + i, filter(lambda v: v % 3, data)))
    return m[:5]
f()
""",
    "sets_bytes_slices": """
def f():
    s, b = set(), bytearray()
    for i in range(100):
        s |= {i % 13}
        s ^= {i % 5}
        b += bytes([i % 256])
        b[0:1] = b'x'
    return len(s), bytes(b[::7]), b.find(b'x')
f()
""",
    "assert_and_isinstance": """
def f():
    n = 0
    for i in range(30):
        try:
            assert i % 4, 'div by four: %d' % i
            n += isinstance(i, (int, str))
        except AssertionError as e:
            n -= len(e.args)
    return n
f()
""",
    "exc_info_in_loop": """
import sys
def f():
    t = 0
    for i in range(20):
        try:
            raise IndexError(i)
        except IndexError:
            t += sys.exc_info()[1].args[0]
    return t
f()
""",
    "stop_iteration_in_generator": """
def g():
    yield 1
    raise StopIteration      # becomes RuntimeError (PEP 479)
def f():
    n = 0
    for i in range(10):
        try:
            list(g())
        except RuntimeError:
            n += 1
    return n
f()
""",
    "deep_recursion_error": """
def down(n):
    for _ in range(1):
        return down(n + 1)
def f():
    n = 0
    for i in range(3):
        try:
            down(0)
        except RecursionError:
            n += 1
    return n
f()
""",
    "threads": """
import threading
def work(out):
    for i in range(200):
        out.append(i)
def f():
    out = []
    ts = [threading.Thread(target=work, args=(out,)) for _ in range(3)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return len(out)
f()
""",
    "sys_exit_from_loop": """
for i in range(10):
    if i == 5:
        raise SystemExit(i)
""",
}

SINK = open(os.devnull, "w")
atexit.register(SINK.close)


def test_snippets(filename, prefix):
    """SNIPPETS of tests/py/FILENAME, or {} if that file is missing or broken
    (it may be being written concurrently; this check must not depend on it)."""
    path = os.path.join(REPO, "tests", "py", filename)
    sys.path.insert(0, os.path.dirname(path))
    try:
        spec = importlib.util.spec_from_file_location("_refleak_" + prefix, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return {prefix + ":" + k: v for k, v in module.SNIPPETS.items()}
    except BaseException as e:   # noqa: B036 -- any failure just means "no extra workloads"
        print(f"note: no snippets from {path}: {type(e).__name__}: {e}")
        return {}
    finally:
        sys.path.remove(os.path.dirname(path))


def run_once(code):
    """exec `code` as a fresh __main__; restore whatever it may change of sys."""
    g = {"__name__": "__main__", "__builtins__": builtins}
    saved = sys.stdout, sys.stderr, sys.getrecursionlimit(), sys.gettrace(), sys.getprofile()
    sys.stdout = sys.stderr = SINK
    try:
        exec(code, g)
    except BaseException:   # noqa: B036 -- SystemExit, KeyboardInterrupt and uncaught errors are workload outcomes
        pass
    finally:
        SINK.flush()           # TextIOWrapper keeps pending text: growth that is not a leak
        sys.stdout, sys.stderr = saved[0], saved[1]
        sys.setrecursionlimit(saved[2])
        sys.settrace(saved[3])
        sys.setprofile(saved[4])
        g.clear()              # functions reference g: break that cycle now


def growth(code, runs):
    """(refs, blocks) gained by `runs` runs of `code`, garbage collected."""
    gc.collect()
    refs, blocks = sys.gettotalrefcount(), sys.getallocatedblocks()
    for _ in range(runs):
        run_once(code)
    gc.collect()
    return sys.gettotalrefcount() - refs, sys.getallocatedblocks() - blocks


def measure(code, args):
    """Per-run growth (refs, blocks) that scales with the number of runs, or
    None if the references stayed within the tolerance on some attempt."""
    small, large = args.runs
    for _ in range(args.warmup):
        run_once(code)
    worst = None
    for _ in range(3):
        (r1, b1), (r2, b2) = growth(code, small), growth(code, large)
        extra_refs, extra_blocks = r2 - r1, b2 - b1
        if extra_refs <= args.tolerance:
            return None
        worst = (extra_refs / (large - small), extra_blocks / (large - small))
    return worst


def check_build():
    """The loaded _pypyjit must be the Py_DEBUG build, not the release .so
    (python3.11-dbg also accepts the release suffix) nor the pure-Python fallback."""
    if not hasattr(sys, "gettotalrefcount"):
        sys.exit(f"refleak: {sys.executable} is not a Py_DEBUG interpreter; use python3.11-dbg")
    try:
        import pypyjit._pypyjit as c
    except ImportError as e:
        sys.exit(f"refleak: the C extension does not import ({e}); run `make test-refleak`")
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    if not c.__file__.endswith(suffix):
        sys.exit(f"refleak: loaded {c.__file__}, not the {suffix} debug build")
    return c


def regrtest(c, params, modules):
    """regrtest -R runs each test module 3 times to warm up and 3 times
    measured, and fails it if references, blocks or fds grow every time."""
    import pypyjit
    from test.libregrtest import main as regrtest_main
    pypyjit.set_param(params)
    atexit.register(lambda: print(f"refleak: own-interpreter frames {c.counters()['INTERP_FRAMES']}"))
    sys.argv[1:] = ["-R", "3:3", *modules]
    regrtest_main()              # exits with regrtest's status


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-k", dest="select", default="", help="only workloads whose name contains this")
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--runs", default="10,40", help="SMALL,LARGE numbers of measured runs")
    ap.add_argument("--tolerance", type=int, default=10,
                    help="allowed extra references of LARGE over SMALL runs (caches)")
    ap.add_argument("--jit", default=LOW, help="JIT parameters for the measured runs")
    ap.add_argument("--regrtest", metavar="MODULE", nargs="+",
                    help="instead: CPython's own leak hunt (regrtest -R 3:3) over these "
                         "test modules, under the JIT")
    ap.add_argument("--list", action="store_true", help="list the workloads and exit")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    args.runs = tuple(int(x) for x in args.runs.split(","))
    if len(args.runs) != 2 or not 0 < args.runs[0] < args.runs[1]:
        ap.error("--runs needs SMALL,LARGE with 0 < SMALL < LARGE")

    c = check_build()
    import pypyjit
    if args.regrtest:
        return regrtest(c, args.jit, args.regrtest)
    pypyjit.set_param("off")            # importing pypyjit switches the JIT on
    workloads = {**WORKLOADS, **test_snippets("test_behaviour.py", "behaviour"),
                 **test_snippets("test_inlining.py", "inlining"),
                 **test_snippets("test_function_traces.py", "function_traces"),
                 **test_snippets("test_attr_stores.py", "attr_stores"),
                 **test_snippets("test_containers_inline.py", "containers"),
                 **test_snippets("test_nested_loops.py", "nested_loops"),
                 **test_snippets("test_module_loops.py", "module_loops"),
                 **test_snippets("test_exceptions_own.py", "exceptions"),
                 **test_snippets("test_inline_calls.py", "inline_calls")}
    names = [n for n in workloads if args.select in n]
    if args.list:
        print("\n".join(names))
        return 0
    print(f"refleak: {len(names)} workloads, {sys.executable}, {c.__file__}, "
          f"warm-up {args.warmup}, runs {args.runs[0]} vs {args.runs[1]}, tolerance {args.tolerance}")

    leaks, cpython_growth, skipped = [], [], []
    start = time.monotonic()
    before = c.counters()
    for name in names:
        try:
            with warnings.catch_warnings():     # SyntaxWarnings some snippets provoke on purpose
                warnings.simplefilter("ignore")
                code = compile(textwrap.dedent(workloads[name]), f"<{name}>", "exec")
        except SyntaxError as e:
            skipped.append(name)
            print(f"SKIP {name}: {e}")
            continue
        t0 = time.monotonic()
        pypyjit.set_param("off")
        off = measure(code, args)
        frames0 = c.counters()["INTERP_FRAMES"]
        pypyjit.set_param(args.jit)
        on = measure(code, args)
        pypyjit.set_param("off")
        own = c.counters()["INTERP_FRAMES"] - frames0
        if off:
            cpython_growth.append((name, off))
        verdict = "ok"
        if on and (not off or on[0] > off[0] + 1):
            leaks.append((name, on, off))
            verdict = "LEAK"
        if verdict != "ok" or args.verbose:
            detail = f" refs/run {on[0]:.1f} blocks/run {on[1]:.1f} (JIT off: {off})" if on else ""
            print(f"{verdict:4} {name}: {time.monotonic() - t0:.1f}s, own-interpreter frames {own}{detail}",
                  flush=True)
    after = c.counters()
    print(f"refleak: {len(names) - len(skipped)} workloads in {time.monotonic() - start:.0f}s; "
          f"own-interpreter frames {after['INTERP_FRAMES'] - before['INTERP_FRAMES']}, "
          f"handoffs to CPython {after['HANDOFFS'] - before['HANDOFFS']}, "
          f"loops compiled {after['TOTAL_COMPILED_LOOPS'] - before['TOTAL_COMPILED_LOOPS']}")
    for name, (refs, blocks) in cpython_growth:
        print(f"note: {name} grows under plain CPython too: {refs:.1f} refs, {blocks:.1f} blocks per run")
    for name, (refs, blocks), off in leaks:
        print(f"LEAK {name}: {refs:.1f} refs, {blocks:.1f} blocks per run under the JIT"
              f" (JIT off: {'%.1f refs, %.1f blocks' % off if off else 'none'})")
    print(f"refleak: {'FAIL, %d leaking workload(s)' % len(leaks) if leaks else 'OK, no leak'}")
    return 1 if leaks else 0


if __name__ == "__main__":
    sys.exit(main())
