"""The evaluator's contract with CPython: threads, signals, async
exceptions, frame introspection, tracing/profiling, deep recursion and the
GC, compared between the JIT on and off.

Snippets that depend on a function really running in the own interpreter
check it through the evaluator's counters: ``own(fn, *args)`` (defined in
PRELUDE) calls fn and records how many frames the evaluator gave the own
interpreter meanwhile (and, under "NAME:inline", how many calls the
interpreter made inline); the JIT run writes the records to a file named by argv[1], and
the test asserts on them after comparing the two runs' outputs. With the
JIT off the records are not written, so the outputs stay comparable.

Frames of the ``python3 -m pypyjit`` runner sit below the program's module
frame and are visible to introspection (a documented difference of the
runner): stack walks here stop at the first frame not from "<string>".
"""
import json
import os
import sys
import textwrap

import pytest

from jitrun import compare, run, LOW

# These tests are about which frames the evaluator gives the own
# interpreter, counted by INTERP_FRAMES: functions without loops stay
# below function_threshold here (no function traces, which run in the own
# interpreter too), so that the counts are those of the loops.
LOOPS_ONLY = LOW.replace("function_threshold=3", "function_threshold=1000000")
assert LOOPS_ONLY != LOW

PRELUDE = """\
import sys as _sys
from functools import partial as _partial
_own_log = []
def own(fn, *args, **kw):
    # (called through a C function, so that fn's frame comes to the
    # evaluator, not inline from the own interpreter running the caller)
    m = _sys.modules.get('pypyjit._pypyjit')
    c = m.counters() if m and m.is_enabled() else None
    try:
        return _partial(fn, *args, **kw)()
    finally:
        if c:
            d = m.counters()
            _own_log.append((fn.__name__, d['INTERP_FRAMES'] - c['INTERP_FRAMES'],
                             d['INLINE_CALLS'] - c['INLINE_CALLS']))
def _dump():
    m = _sys.modules.get('pypyjit._pypyjit')
    if m and m.is_enabled():
        import json
        with open(_sys.argv[1], 'w') as fh:
            json.dump(_own_log, fh)
import atexit as _atexit
_atexit.register(_dump)
"""


def compare_own(code, tmp_path, **kw):
    """compare() a snippet (PRELUDE prepended); return the JIT run's outcome
    and its own() records {function name: frames the evaluator gave the own
    interpreter; "name:inline": calls the interpreter made inline; summed
    over calls}."""
    log = tmp_path / "own.json"
    off_log = tmp_path / "off.json"
    src = PRELUDE + textwrap.dedent(code)
    off = run(src, jit=False, args=(str(off_log),), **kw)
    on = run(src, jit=True, params=LOOPS_ONLY, args=(str(log),), **kw)
    assert on == off, f"JIT differs from CPython\n--- CPython:\n{off}\n--- JIT:\n{on}"
    assert not off_log.exists()
    records = {}
    for name, n, inline in json.loads(log.read_text()):
        records[name] = records.get(name, 0) + n
        records[name + ":inline"] = records.get(name + ":inline", 0) + inline
    return on, records


# ---------------------------------------------------------------- threads

def test_threads_progress_while_own_loop_spins(tmp_path):
    """The own interpreter's loop gives the GIL away at backward jumps:
    without that the worker never runs and the spin never ends."""
    out, own_frames = compare_own("""
        import threading
        count = [0]
        def worker():
            for i in range(20000):
                count[0] += 1
        def spin():
            spins = 0
            while count[0] < 20000:
                spins += 1
            return 'finished'
        t = threading.Thread(target=worker)
        t.start()
        print(own(spin))
        t.join()
        print(count)
    """, tmp_path, timeout=120)
    assert out.stdout == "finished\n[20000]\n"
    assert own_frames["spin"] >= 1


def test_many_threads_in_own_interpreter(tmp_path):
    out, own_frames = compare_own("""
        import threading
        results = {}
        lock = threading.Lock()
        def work(k):
            total = 0
            for i in range(30000):
                total += i % (k + 1)
            with lock:
                results[k] = total
        def main():
            ts = [threading.Thread(target=own, args=(work, k)) for k in range(6)]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
            return sorted(results.items())
        print(main())
    """, tmp_path, timeout=120)
    assert own_frames["work"] >= 6


# ---------------------------------------------------------------- signals

SIGINT_SPIN = textwrap.dedent("""
    import os, signal, threading
    counter = [0]
    def interrupter():
        while counter[0] < 50000:
            pass
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
    def spin():
        while True:
            counter[0] += 1
    threading.Thread(target=interrupter, daemon=True).start()
""")


def test_sigint_uncaught_traceback(tmp_path):
    """SIGINT during an own-interpreter loop: the same KeyboardInterrupt
    traceback as CPython (raised at the loop's backward jump, whose line
    is the loop body's only line) and the same death by SIGINT."""
    out, own_frames = compare_own(SIGINT_SPIN + "own(spin)\n", tmp_path, timeout=120)
    assert out.returncode == -2
    assert out.stderr.startswith("Traceback (most recent call last):")
    assert out.stderr.endswith(", in spin\nKeyboardInterrupt\n")
    assert own_frames["spin"] == 1


def test_sigint_caught_in_looping_function(tmp_path):
    out, own_frames = compare_own(SIGINT_SPIN + """
def guarded():
    try:
        while True:
            counter[0] += 1
    except KeyboardInterrupt:
        import traceback
        print('caught at line', traceback.extract_tb(_sys.exc_info()[2])[-1].lineno)
    return 'after'
print(own(guarded))
""", tmp_path, timeout=120)
    assert out.returncode == 0 and "caught at line" in out.stdout and out.stdout.endswith("after\n")
    assert own_frames["guarded"] >= 1


def test_python_signal_handler_sees_own_frame(tmp_path):
    """A Python-level handler runs at the loop's back edge with the looping
    frame as its f_back, at the right line; its exception unwinds the loop."""
    out, own_frames = compare_own("""
        import signal, threading
        counter = [0]
        class Stop(Exception):
            pass
        def handler(signum, frame):
            print('handler', signum == signal.SIGUSR1, frame.f_code.co_name, frame.f_lineno,
                  _sys._getframe(1) is frame)
            raise Stop('from handler')
        signal.signal(signal.SIGUSR1, handler)
        def interrupter():
            while counter[0] < 30000:
                pass
            signal.pthread_kill(threading.main_thread().ident, signal.SIGUSR1)
        def spin():
            while True:
                counter[0] += 1
        threading.Thread(target=interrupter, daemon=True).start()
        try:
            own(spin)
        except Stop as e:
            import traceback
            print('stopped:', e, [(f.name, f.lineno) for f in traceback.extract_tb(e.__traceback__)][-3:])
    """, tmp_path, timeout=120)
    assert "handler True spin" in out.stdout and "stopped: from handler" in out.stdout
    assert own_frames["spin"] == 1


def test_async_exception_interrupts_loop_in_other_thread(tmp_path):
    out, own_frames = compare_own("""
        import ctypes, threading, time
        state = [0]
        class Interrupt(Exception):
            pass
        def worker():
            try:
                while True:
                    state[0] += 1
            except Interrupt:
                print('worker interrupted', state[0] > 0)
            return 'worker done'
        def runner():
            print(own(worker))
        t = threading.Thread(target=runner)
        t.start()
        while state[0] < 1000:
            time.sleep(0.001)
        n = ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(t.ident),
                                                       ctypes.py_object(Interrupt))
        t.join()
        print('set', n)
    """, tmp_path, timeout=120)
    assert out.stdout == "worker interrupted True\nworker done\nset 1\n"
    assert own_frames["worker"] == 1


def test_async_exception_uncaught_traceback(tmp_path):
    """The async exception's traceback (printed by threading.excepthook)
    names the loop's line, as in CPython."""
    out, own_frames = compare_own("""
        import ctypes, threading, time
        state = [0]
        def spin():
            while True:
                state[0] += 1
        t = threading.Thread(target=own, args=(spin,))
        t.start()
        while state[0] < 1000:
            time.sleep(0.001)
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(t.ident),
                                                   ctypes.py_object(SystemError))
        t.join()
    """, tmp_path, timeout=120)
    assert out.stderr.endswith(", in spin\nSystemError\n")
    assert own_frames["spin"] == 1


# ------------------------------------------------------- frame introspection

def test_getframe_lineno_lasti_locals_back(tmp_path):
    out, own_frames = compare_own("""
        def describe(f):
            out = []
            while f is not None and f.f_code.co_filename == '<string>':
                loc = {k: v for k, v in f.f_locals.items()
                       if isinstance(v, (int, str, tuple)) and f.f_code.co_name != 'own'}
                out.append((f.f_code.co_name, f.f_lineno, f.f_lasti, sorted(loc.items())))
                f = f.f_back
            return out
        def inner(n):
            seen = []
            for i in range(n):
                x = i * 2
                seen.append(describe(_sys._getframe()))
            return seen
        def outer():
            result = []
            for k in range(2):
                label = 'k%d' % k
                result.append(inner(k + 1))
            return result
        for row in own(outer):
            for entry in row:
                print(entry)
        print(describe(_sys._getframe()))
    """, tmp_path)
    # outer through the evaluator, inner called inline by the interpreter
    assert "inner" in out.stdout and own_frames["outer"] + own_frames["outer:inline"] >= 3


def test_traceback_stack_helpers(tmp_path):
    out, own_frames = compare_own("""
        import traceback, inspect
        def ours(stack):
            return [e for e in stack if e.filename == '<string>']
        def leaf():
            for i in range(2):
                st = ours(traceback.extract_stack())
                fs = traceback.format_list(ours(traceback.extract_stack()))
                ins = [(fi.function, fi.lineno, fi.code_context) for fi in inspect.stack()
                       if fi.filename == '<string>']
            return [(e.name, e.lineno, e.line) for e in st], fs, ins
        def middle():
            res = None
            for i in range(1):
                res = leaf()
            return res
        st, fs, ins = own(middle)
        print(st)
        print(''.join(fs))
        print(ins)
        print(traceback.extract_stack(_sys._getframe(), limit=1))
    """, tmp_path)
    assert own_frames["middle"] >= 2


def test_current_frames_from_other_thread(tmp_path):
    out, own_frames = compare_own("""
        import threading
        ready = threading.Event()
        done = [False]
        def spin():
            ready.set()
            while not done[0]:
                pass
            return 'spun'
        t = threading.Thread(target=own, args=(spin,))
        t.start()
        ready.wait()
        f = _sys._current_frames()[t.ident]
        while f.f_code.co_name != 'spin':
            f = f.f_back
        print(f.f_code.co_name, f.f_lineno - f.f_code.co_firstlineno in (2, 3), sorted(f.f_locals))
        done[0] = True
        t.join()
    """, tmp_path, timeout=120)
    assert out.stdout == "spin True []\n"
    assert own_frames["spin"] >= 1  # counters are per process: the main thread runs loops too


def test_frame_locals_after_frame_finished(tmp_path):
    """A frame object that outlives its frame keeps the final locals
    (copied at exit from localsplus[0..stacktop))."""
    out, own_frames = compare_own("""
        import gc
        def f(arg):
            frames = []
            for i in range(4):
                x = [i, arg]
                cell_user = lambda: x
                frames.append(_sys._getframe())
                gc.collect()
            y = 'end'
            return _sys._getframe(), frames
        fr, frames = own(f, 'A')
        print(sorted(k for k in fr.f_locals), fr.f_locals['x'], fr.f_locals['y'], fr.f_locals['i'])
        print(fr.f_lineno, fr.f_lasti, fr.f_back is None, all(g is fr for g in frames))
        print(fr.f_locals['cell_user']())
        del fr, frames
        print(gc.collect() >= 0)
    """, tmp_path)
    assert own_frames["f"] == 1


def test_frame_of_caller_after_callee_returns(tmp_path):
    out, own_frames = compare_own("""
        def get_caller_frame():
            return _sys._getframe(1)
        def looping():
            keep = []
            for i in range(3):
                value = i * 10
                keep.append(get_caller_frame())
            return keep
        frames = own(looping)
        f = frames[0]
        print(all(g is f for g in frames), f.f_code.co_name, f.f_lineno, f.f_locals['value'],
              f.f_locals['i'], len(f.f_locals['keep']))
        f.clear()
        print(f.f_locals)
    """, tmp_path)
    assert own_frames["looping"] == 1


def test_locals_builtin_in_loops(tmp_path):
    compare_own("""
        def f():
            snapshots = []
            for i in range(3):
                a = i
                snap = locals()
                snap['a'] = 'changed'      # does not write back without tracing
                snapshots.append((a, sorted(k for k in snap)))
            return snapshots
        print(own(f))
    """, tmp_path)


def test_gc_collect_inside_loops(tmp_path):
    out, own_frames = compare_own("""
        import gc, weakref
        class Node:
            def __init__(self, i):
                self.i = i
                self.me = self      # cycle: only the GC frees it
            def __del__(self):
                print('del', self.i)
        def f():
            refs = []
            for i in range(4):
                n = Node(i)
                refs.append(weakref.ref(n))
                n = None
                print('collected', gc.collect() > 0, list(map(lambda r: r() is None, refs)))
            stack_values = [Node(10), gc.collect(), Node(11)]
            print(len(stack_values))
            return len(refs)
        print(own(f))
        gc.collect()
        print('end')
    """, tmp_path)
    assert own_frames["f"] == 1


def test_gc_sees_frame_objects_of_running_own_frames(tmp_path):
    compare_own("""
        import gc
        def f():
            out = []
            for i in range(3):
                fr = _sys._getframe()
                out.append(fr in gc.get_referrers(_sys._getframe().f_code) or True)
                gc.collect()
                out.append(fr.f_locals['i'])
            return out
        print(own(f))
    """, tmp_path)


# ----------------------------------------------------- tracing and profiling

TRACER = """
events = []
def tracer(frame, event, arg):
    if frame.f_code.co_filename == '<string>' and frame.f_code.co_name not in ('own', 'tracer'):
        events.append((event, frame.f_code.co_name, frame.f_lineno,
                       arg if event == 'return' and isinstance(arg, int) else None))
    return tracer
def helper(x):
    y = x + 1
    return y
"""


def test_settrace_turned_on_inside_loop(tmp_path):
    out, own_frames = compare_own(TRACER + """
def loop():
    total = 0
    for i in range(6):
        if i == 2:
            _sys.settrace(tracer)
        total += helper(i)
        if i == 4:
            _sys.settrace(None)
    return total
print(own(loop))
for e in events:
    print(e)
""", tmp_path)
    assert "('call', 'helper'" in out.stdout
    assert own_frames["loop"] == 1


def test_settrace_with_frame_trace_like_pdb(tmp_path):
    """The tracer also installs itself on the looping frame (as pdb's
    set_trace does): from then on CPython reports that frame's lines."""
    compare_own(TRACER + """
def loop():
    total = 0
    for i in range(5):
        if i == 1:
            _sys._getframe().f_trace = tracer
            _sys.settrace(tracer)
        total += helper(i)
        if i == 3:
            _sys.settrace(None)
            _sys._getframe().f_trace = None
    return total
print(own(loop))
for e in events:
    print(e)
""", tmp_path)


def test_settrace_turned_on_in_callee(tmp_path):
    """The callee turns tracing on and returns: the caller (own interpreter)
    must stop at the next instruction and let CPython trace the rest."""
    compare_own(TRACER + """
def enable():
    _sys.settrace(tracer)
    _sys._getframe(1).f_trace = tracer
def loop():
    acc = []
    for i in range(4):
        if i == 1:
            enable()
        acc.append(helper(i))
    _sys.settrace(None)
    return acc
print(own(loop))
for e in events:
    print(e)
""", tmp_path)


def test_settrace_before_call_runs_traced(tmp_path):
    compare_own(TRACER + """
def loop(n):
    total = 0
    for i in range(n):
        total += helper(i)
    return total
_sys.settrace(tracer)
r = loop(3)
_sys.settrace(None)
print(r)
for e in events:
    print(e)
""", tmp_path)


def test_setprofile_turned_on_inside_loop(tmp_path):
    out, own_frames = compare_own("""
        events = []
        def prof(frame, event, arg):
            if frame.f_code.co_filename == '<string>' and frame.f_code.co_name != 'own':
                name = getattr(arg, '__name__', None) if event.startswith('c_') else None
                events.append((event, frame.f_code.co_name, name))
        def helper(x):
            return abs(x) + len([x])
        def loop():
            total = 0
            for i in range(5):
                if i == 2:
                    _sys.setprofile(prof)
                total += helper(-i)
            return total
        print(own(loop))
        _sys.setprofile(None)
        for e in events:
            print(e)
    """, tmp_path)
    assert "('return', 'loop', None)" in out.stdout
    assert own_frames["loop"] == 1


def test_tracing_line_events_with_exceptions(tmp_path):
    compare_own(TRACER + """
def risky(i):
    if i % 2:
        raise ValueError(i)
    return i
def loop():
    out = []
    for i in range(4):
        try:
            out.append(risky(i))
        except ValueError as e:
            out.append(-i)
    return out
_sys.settrace(tracer)
print(loop())
_sys.settrace(None)
for e in events:
    print(e)
""", tmp_path)


def test_settrace_turned_on_in_callee_that_raises(tmp_path):
    """The error reaches the own interpreter with tracing on and is handed
    to CPython's throwflag entry, which would report a 'call' event for
    the (long running) frame; plain CPython reports none."""
    compare_own(TRACER + """
def enable_and_raise():
    _sys.settrace(tracer)
    raise ValueError('x')
def loop():
    acc = []
    for i in range(4):
        try:
            if i == 1:
                enable_and_raise()
            acc.append(helper(i))
        except ValueError:
            acc.append(-1)
    return acc
print(own(loop))
_sys.settrace(None)
for e in events:
    print(e)
""", tmp_path)


def test_setprofile_turned_on_in_callee_that_raises(tmp_path):
    compare_own("""
        events = []
        def prof(frame, event, arg):
            if frame.f_code.co_filename == '<string>' and frame.f_code.co_name != 'own':
                events.append((event, frame.f_code.co_name, getattr(arg, '__name__', None)))
        def enable_and_raise():
            _sys.setprofile(prof)
            raise ValueError('x')
        def loop():
            for i in range(3):
                try:
                    if i == 1:
                        enable_and_raise()
                except ValueError:
                    len('abc')
            return i
        def uncaught():
            for i in range(3):
                if i == 1:
                    enable_and_raise()
        print(own(loop))
        _sys.setprofile(None)
        try:
            own(uncaught)
        except ValueError:
            pass
        _sys.setprofile(None)
        for e in events:
            print(e)
    """, tmp_path)


def test_signal_handler_turns_tracing_on(tmp_path):
    """Tracing switched on at a back edge (by a signal handler): CPython
    takes over at the loop header and reports the frame's lines."""
    compare_own("""
        import signal, threading
        events = []
        def tracer(frame, event, arg):
            if frame.f_code.co_filename == '<string>':
                events.append((event, frame.f_code.co_name, frame.f_lineno - frame.f_code.co_firstlineno))
            return tracer
        counter = [0]
        def handler(signum, frame):
            _sys.settrace(tracer)
            frame.f_trace = tracer
        def interrupter():
            while counter[0] < 20000:
                pass
            signal.pthread_kill(threading.main_thread().ident, signal.SIGUSR1)
        signal.signal(signal.SIGUSR1, handler)
        def spin():
            while _sys.gettrace() is None:
                counter[0] += 1
            x = 1
            return x
        threading.Thread(target=interrupter).start()
        own(spin)
        _sys.settrace(None)
        for e in events:
            print(e)
    """, tmp_path, timeout=120)


# --------------------------------------------------------------- recursion

def test_deep_recursion_raises_instead_of_crashing(tmp_path):
    """With the recursion limit out of the way, deep recursion through the
    own interpreter nests C frames; the evaluator raises RecursionError
    before the C stack runs out. Plain CPython 3.11 does not nest C frames
    for Python-to-Python calls and finishes the recursion, so the two runs
    differ by design: the test asserts that neither crashes and that the
    JIT run, if it cannot finish, raises RecursionError."""
    code = """
        import sys
        sys.setrecursionlimit(10 ** 6)
        def down(n):
            for i in range(1):
                if n == 0:
                    return 0
                return down(n - 1) + 1
        try:
            print('finished', down(200000))
        except RecursionError as e:
            print('RecursionError', e)
        print('alive')
    """
    off = run(code, jit=False, timeout=300)
    on = run(code, jit=True, timeout=300)
    assert off.returncode == 0 and off.stdout == "finished 200000\nalive\n", off
    assert on.returncode == 0, on
    assert on.stdout in ("finished 200000\nalive\n",
                         "RecursionError maximum recursion depth exceeded (C stack exhausted)\nalive\n"), on


def test_deep_recursion_mixed_with_cpython_frames(tmp_path):
    """Frames without loops run in CPython but still nest C frames under an
    eval-frame hook; alternating them with own frames must not crash
    either, in the main thread and in a thread with a small stack."""
    code = """
        import sys, threading
        sys.setrecursionlimit(10 ** 6)
        def plain(n):
            return looping(n - 1) if n else 0
        def looping(n):
            for i in range(1):
                return plain(n - 1) + 1 if n > 0 else 0
        def attempt(n):
            try:
                return 'finished %d' % looping(n)
            except RecursionError as e:
                return 'RecursionError'
        print(attempt(150000))
        threading.stack_size(512 * 1024)
        res = []
        t = threading.Thread(target=lambda: res.append(attempt(150000)))
        t.start()
        t.join()
        print(res[0] if res else 'no result')
        print(attempt(100))
    """
    off = run(code, jit=False, timeout=300)
    on = run(code, jit=True, timeout=300)
    assert on.returncode == 0, on
    assert on.stdout.splitlines()[-1] == off.stdout.splitlines()[-1] == "finished 50", (on, off)
    for line in on.stdout.splitlines()[:2]:
        assert line in ("finished 75000", "RecursionError"), on


def test_recursion_limit_counts_like_cpython(tmp_path):
    """At the normal limit both runs fail at the same depth (checked in a
    thread, whose stack has no runner frames below it)."""
    compare_own("""
        import threading
        depth = [0]
        def down(n):
            depth[0] = n
            for i in range(1):
                return down(n + 1)
        def attempt():
            for limit in (100, 1000, 300):
                _sys.setrecursionlimit(limit)
                try:
                    down(0)
                except RecursionError as e:
                    print(limit, depth[0], e)
        t = threading.Thread(target=attempt)
        t.start()
        t.join()
    """, tmp_path)


# -------------------------------------------------------------- counters

def test_counters_show_own_interpreter_and_handoffs(tmp_path):
    """A looping function runs in the own interpreter; a function without a
    loop (below function_threshold), and a generator, run in CPython; an
    exception raised and caught inside the loop keeps the frame in the own
    interpreter; an `except*` handler (left to CPython) hands it over once."""
    out = run(params=LOOPS_ONLY, code="""
        import pypyjit._pypyjit as j
        def c():
            return j.counters()
        def looping():
            t = 0
            for i in range(10):
                t += i
            return t
        def straight():
            return 1
        def gen():
            for i in range(3):
                yield i
        def raising():
            for i in range(3):
                try:
                    1 / 0
                except ZeroDivisionError:
                    pass
        def grouped():
            for i in range(3):
                try:
                    raise ExceptionGroup("g", [KeyError(i)])
                except* KeyError:
                    pass
        def delta(fn):
            a = c()
            fn()
            b = c()
            return {k: b[k] - a[k] for k in ('INTERP_FRAMES', 'CPYTHON_FRAMES', 'HANDOFFS')}
        print(delta(looping))
        print(delta(straight))
        print(delta(lambda: list(gen())))
        print(delta(raising))
        print(delta(grouped))
    """)
    assert out.returncode == 0, out
    lines = [eval(l) for l in out.stdout.splitlines()]
    assert lines[0]["INTERP_FRAMES"] == 1 and lines[0]["HANDOFFS"] == 0
    assert lines[1]["INTERP_FRAMES"] == 0
    assert lines[2]["INTERP_FRAMES"] == 0
    assert lines[3]["INTERP_FRAMES"] == 1 and lines[3]["HANDOFFS"] == 0
    assert lines[4]["INTERP_FRAMES"] == 1 and lines[4]["HANDOFFS"] == 1
