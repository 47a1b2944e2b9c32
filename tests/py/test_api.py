"""The public API of the `pypyjit` package, against PyPy's.

PyPy 7.3.11's own `pypyjit` module (/usr/bin/pypy3) is the reference: the
probe script PROBE runs under pypy3 and under CPython with our package, and
both must print the same lines. What PyPy does not have, or where we
deliberately differ (hooks must be callable, clearer errors, no negative
parameters), is tested on our side only. Behaviour of the jitcell functions
and of the parameters is checked on real loops. Everything runs in
subprocesses: importing pypyjit switches the JIT on for the whole process,
and the counters are global.
"""
import ast
import os
import subprocess
import sys
import textwrap

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import jitrun  # noqa: E402

PYPY = "/usr/bin/pypy3"
BLOCK_C = "import sys; sys.modules['pypyjit._pypyjit'] = None\n"


def run_py(code, exe=sys.executable, fallback=False):
    """Run `code` in a fresh interpreter; return the CompletedProcess.
    fallback=True makes the C module unimportable, so pypyjit has to use
    its pure-Python stand-in."""
    code = (BLOCK_C if fallback else "") + textwrap.dedent(code)
    env = jitrun.env() if exe != PYPY else {k: v for k, v in os.environ.items()
                                             if k != "PYTHONPATH"}
    p = subprocess.run([exe, "-c", code], capture_output=True, text=True, env=env,
                       timeout=120)
    assert p.returncode == 0, f"exit {p.returncode}\n{p.stdout}\n{p.stderr}"
    return p


def values(code, **kw):
    """Run `code`, which prints one Python literal; return its value."""
    return ast.literal_eval(run_py(code, **kw).stdout)


def need_pypy():
    if not os.access(PYPY, os.X_OK):
        pytest.skip("PyPy (/usr/bin/pypy3) is not installed")


# ---------------------------------------------------------------------------
# The probe: every line it prints must be the same under PyPy and under us.
# Outcomes are the value's repr or the exception's type (the messages are
# compared only where we chose to match PyPy's word for word).

PROBE = r'''
import inspect, pypyjit

def show(label, f, message=False):
    try:
        r = f()
    except Exception as e:
        print(label, "raises", type(e).__name__, str(e) if message else "")
    else:
        print(label, "->", repr(r))

ours_only = ("enable_debug", "disable_debug", "JitInfoSnapshot")
names = sorted(n for n in dir(pypyjit) if not n.startswith("_") and n not in ours_only)
print("names", names)
for n in names:
    obj = getattr(pypyjit, n)
    if callable(obj) and not isinstance(obj, type):
        print("signature", n, inspect.signature(obj))
print("defaults", sorted(pypyjit.defaults.items()))
print("docs", sorted(pypyjit.PARAMETER_DOCS.items()))
for n in ("ResOperation", "GuardOp", "DebugMergePoint", "JitLoopInfo", "not_from_assembler"):
    cls = getattr(pypyjit, n)
    print("class", n, cls.__name__, [c.__name__ for c in cls.__mro__])
    show("subclass " + n, lambda: type("X", (cls,), {}), message=True)

# set_param: the cases where PyPy and we agree
P = pypyjit.set_param
for label, call in [
        ("kw", lambda: P(threshold=500, decay=10)), ("none", lambda: P()),
        ("string", lambda: P("threshold=400,trace_eagerness=7")),
        ("string blanks", lambda: P(" threshold=3000 , decay=5")),
        ("string and kw", lambda: P("threshold=3000", decay=5)),
        ("opts string", lambda: P("enable_opts=intbounds:heap")),
        ("opts kw", lambda: P(enable_opts="all")), ("opts empty", lambda: P(enable_opts="")),
        ("off", lambda: P("off")), ("off kw", lambda: P("off", threshold=5000)),
        ("default", lambda: P("default")),
        ("int arg", lambda: P(3)), ("None arg", lambda: P(None)),
        ("bytes arg", lambda: P(b"threshold=3")), ("two args", lambda: P("a=1", "b=2")),
        ("unknown kw", lambda: P(bogus=3)), ("unknown kw 2", lambda: P(threshold=5, bogus=1)),
        ("str for int", lambda: P(threshold="3")), ("float", lambda: P(threshold=3.0)),
        ("int for str", lambda: P(enable_opts=3)),
        ("bad int", lambda: P("threshold=abc")), ("unknown name", lambda: P("bogus=3")),
        ("no value", lambda: P("threshold")), ("trailing comma", lambda: P("threshold=3,")),
        ("empty", lambda: P("")), ("a=b=c", lambda: P("a=b=c")), ("OFF", lambda: P("OFF"))]:
    show("set_param " + label, call, message=label == "unknown kw")
pypyjit.set_param("default")

# hooks
def hook(*a):
    pass
for label, call in [
        ("compile", lambda: pypyjit.set_compile_hook(hook)),
        ("compile ops 0", lambda: pypyjit.set_compile_hook(hook, 0)),
        ("compile ops kw", lambda: pypyjit.set_compile_hook(hook, operations=False)),
        ("compile ops str", lambda: pypyjit.set_compile_hook(hook, "x")),
        ("compile none", lambda: pypyjit.set_compile_hook(None)),
        ("compile noarg", lambda: pypyjit.set_compile_hook()),
        ("abort", lambda: pypyjit.set_abort_hook(hook)),
        ("abort none", lambda: pypyjit.set_abort_hook(None)),
        ("too long", lambda: pypyjit.set_trace_too_long_hook(hook)),
        ("too long none", lambda: pypyjit.set_trace_too_long_hook(None))]:
    show("hook " + label, call)

# calls
calls = []
def f(*a, **k):
    calls.append((a, k))
    return 42
n = pypyjit.not_from_assembler(f)
show("nfa call returns itself", lambda: n(1, x=2) is n)
show("nfa calls", lambda: calls)
show("nfa noarg", lambda: pypyjit.not_from_assembler())
show("nfa kw", lambda: pypyjit.not_from_assembler(callable=f)() is not None)
show("nfa two", lambda: pypyjit.not_from_assembler(f, f))
show("nfa raises", lambda: pypyjit.not_from_assembler(lambda: 1 / 0)())
show("nfa not callable", lambda: pypyjit.not_from_assembler(3)(1))
show("residual", lambda: pypyjit.residual_call(f, 1, 2, k=3))
show("residual kw", lambda: pypyjit.residual_call(callable=f))
show("residual noarg", lambda: pypyjit.residual_call())
show("asmmemmgr types", lambda: [type(x).__name__ for x in pypyjit.get_stats_asmmemmgr()])
show("releaseall", pypyjit.releaseall)

# jitcells (pypyjit.trace_next_iteration is tested apart: we differ)
code = f.__code__
show("cell fresh", lambda: pypyjit.get_jitcell_at_key(0, False, code))
show("cell kw", lambda: pypyjit.get_jitcell_at_key(next_instr=0, is_being_profiled=0, pycode=code))
show("cell not code", lambda: pypyjit.get_jitcell_at_key(0, False, f), message=True)
show("cell str instr", lambda: pypyjit.get_jitcell_at_key("0", False, code))
show("cell float instr", lambda: pypyjit.get_jitcell_at_key(0.0, False, code))
show("cell str profiled", lambda: pypyjit.get_jitcell_at_key(0, "x", code))
show("dont_trace_here", lambda: pypyjit.dont_trace_here(2, False, code))
show("cell after dont_trace_here", lambda: pypyjit.get_jitcell_at_key(2, False, code))
show("mark_as_being_traced", lambda: pypyjit.mark_as_being_traced(4, 0, code))
show("cell after mark_as_being_traced", lambda: pypyjit.get_jitcell_at_key(4, False, code))
show("dont_trace_here bad", lambda: pypyjit.dont_trace_here(2, False, None))
show("mark_as_being_traced bad", lambda: pypyjit.mark_as_being_traced(2, None, code))
show("trace_next_iteration bad", lambda: pypyjit.trace_next_iteration("2", False, code))
show("trace_next_iteration_hash", lambda: pypyjit.trace_next_iteration_hash(12345))
show("trace_next_iteration_hash max", lambda: pypyjit.trace_next_iteration_hash(2**64 - 1))
show("trace_next_iteration_hash neg", lambda: pypyjit.trace_next_iteration_hash(-1), message=True)
show("trace_next_iteration_hash big", lambda: pypyjit.trace_next_iteration_hash(2**64))
show("trace_next_iteration_hash str", lambda: pypyjit.trace_next_iteration_hash("1"))

# ResOperation, GuardOp, DebugMergePoint
R, G, D, J = pypyjit.ResOperation, pypyjit.GuardOp, pypyjit.DebugMergePoint, pypyjit.JitLoopInfo
r = R("int_add", 5, "i2 = int_add(i0, i1)")
show("R", lambda: (repr(r), str(r), r.name, r.offset))
show("R defaults", lambda: (repr(R("n")), R("n").offset))
show("R kw", lambda: repr(R(name="n", offset=7, repr="rr")))
show("R noarg", lambda: R())
show("R too many", lambda: R("n", 1, "r", 4))
show("R bad name", lambda: R(1))
show("R bad offset", lambda: R("n", "x"))
show("R bool offset", lambda: R("n", True).offset)
show("R bad repr", lambda: R("n", 1, None))
show("R no repr attribute", lambda: r.repr)
show("R set name", lambda: setattr(r, "name", "x"))
show("R set offset", lambda: setattr(r, "offset", 3))
show("R new attribute", lambda: setattr(r, "foo", 3))
show("R equality", lambda: R("n") == R("n"))
g = G("guard_true", 3, "guard_true(i1) [i0]", 12345)
show("G", lambda: (repr(g), g.name, g.offset, g.hash))
show("G defaults", lambda: (repr(G("n")), G("n").offset, G("n").hash))
show("G kw", lambda: G(name="n", offset=1, repr="r", hash=7).hash)
show("G max hash", lambda: G("n", 1, "r", 2**64 - 1).hash)
show("G negative hash", lambda: G("n", 1, "r", -1))
show("G huge hash", lambda: G("n", 1, "r", 2**64))
show("G str hash", lambda: G("n", 1, "r", "x"))
show("G is not a ResOperation", lambda: isinstance(g, R))
show("G set hash", lambda: setattr(g, "hash", 1))
d = D("debug_merge_point", "dmp repr", "pypyjit", 2, 9, (code, 14, False))
show("D", lambda: (repr(d), d.name, d.offset, d.jitdriver_name, d.call_depth, d.call_id,
                   d.bytecode_no, d.pycode is code, d.greenkey[1:], isinstance(d, R)))
d2 = D("dmp", "r2", "other", 0, 1, "some string")
show("D other driver pycode", lambda: d2.pycode, message=True)
show("D other driver bytecode_no", lambda: d2.bytecode_no, message=True)
show("D other driver greenkey", lambda: (d2.greenkey, d2.jitdriver_name))
show("D kw", lambda: D(name="n", repr="r", jd_name="pypyjit", call_depth=1, call_id=2,
                       greenkey=("a", "b", "c")).bytecode_no)
show("D noarg", lambda: D())
show("D short greenkey", lambda: D("n", "r", "pypyjit", 1, 2, ("a",)).bytecode_no)
show("D None greenkey", lambda: D("n", "r", "pypyjit", 1, 2, None).pycode)
show("D list greenkey", lambda: D("n", "r", "pypyjit", 1, 2, [5, 6]).bytecode_no)
show("D bad call_depth", lambda: D("n", "r", "pypyjit", "x", 2, None))
show("D bad jd_name", lambda: D("n", "r", None, 1, 2, None))
show("D set call_depth", lambda: setattr(d, "call_depth", 3))
show("D set pycode", lambda: setattr(d, "pycode", 3))

# JitLoopInfo
ops = [R("x", 0, "a"), G("guard_true", 1, "b", 3)]
j = J(("k", 1, False), ops, 3, 4, 5, 6, "loop", "pypyjit")
for a in ["jitdriver_name", "greenkey", "operations", "loop_no", "bridge_no", "type",
          "asmaddr", "asmlen", "loopno"]:
    show("J." + a, lambda: getattr(j, a), message=a == "bridge_no")
show("J repr", lambda: (repr(j), str(j)))
show("J kw", lambda: repr(J(greenkey=("k", 1, False), ops=[1, 2], loopno=3, asmaddr=4,
                            asmlen=5, loop_no=6, type="loop", jd_name="pypyjit")))
b = J(None, [1, 2, 3], 3, 4, 5, 6, "bridge", "pypyjit", 17)
show("J bridge", lambda: (repr(b), b.bridge_no, b.greenkey))
b2 = J(None, [1, 2, 3], 3, 4, 5, 6, "bridge", "pypyjit")
show("J bridge default no", lambda: (repr(b2), b2.bridge_no))
e = J(("k",), [], 3, 4, 5, 6, "entry bridge", "other", 17)
show("J entry bridge", lambda: repr(e))
show("J entry bridge_no", lambda: e.bridge_no)
show("J None greenkey loop", lambda: (repr(J(None, [], 1, 2, 3, 4, "loop", "x", 5)),
                                      J(None, [], 1, 2, 3, 4, "loop", "x", 5).bridge_no))
show("J ops tuple", lambda: repr(J("gk", (1, 2), 3, 4, 5, 6, "loop", "pypyjit")))
show("J ops None repr", lambda: repr(J("gk", None, 3, 4, 5, 6, "loop", "pypyjit")))
show("J ops None", lambda: J("gk", None, 3, 4, 5, 6, "loop", "pypyjit").operations)
show("J ops kept as given", lambda: J("gk", ops, 3, 4, 5, 6, "loop", "pypyjit").operations is ops)
show("J noarg", lambda: J())
show("J too many", lambda: J("gk", [], 1, 4, 5, 6, "loop", "x", 1, 2))
show("J bad loopno", lambda: J("gk", [], "x", 4, 5, 6, "loop", "pypyjit"))
show("J bad asmaddr", lambda: J("gk", [], 1, 4.5, 5, 6, "loop", "x"))
show("J bad type", lambda: J("gk", [], 1, 4, 5, 6, 3, "pypyjit"))
show("J bad jd_name", lambda: J("gk", [], 1, 4, 5, 6, "loop", None))
show("J bad bridge_no", lambda: J(None, [], 1, 4, 5, 6, "bridge", "x", "7"))
show("J set type", lambda: setattr(j, "type", "x"))
show("J del type", lambda: delattr(j, "type"))
show("J new attribute", lambda: setattr(j, "foo", "x"))
show("J has __dict__", lambda: hasattr(j, "__dict__"))
'''


def probe(exe=sys.executable, fallback=False):
    return run_py(PROBE, exe=exe, fallback=fallback).stdout.splitlines()


def test_probe_matches_pypy():
    need_pypy()
    ours, pypy = probe(), probe(PYPY)
    assert len(ours) > 150
    assert ours == pypy


def test_fallback_matches_c_module():
    """Without the C module, the pure-Python stand-in answers the same."""
    assert probe(fallback=True) == probe()


# ---------------------------------------------------------------------------
# Names, tables, docstrings

PYPY_COUNTERS = [
    "TRACING", "BACKEND", "OPS", "HEAPCACHED_OPS", "RECORDED_OPS", "GUARDS", "OPT_OPS",
    "OPT_GUARDS", "OPT_GUARDS_SHARED", "OPT_FORCINGS", "OPT_VECTORIZE_TRY", "OPT_VECTORIZED",
    "ABORT_TOO_LONG", "ABORT_BRIDGE", "ABORT_BAD_LOOP", "ABORT_ESCAPE",
    "ABORT_FORCE_QUASIIMMUT", "ABORT_SEGMENTED_TRACE", "FORCE_VIRTUALIZABLES", "NVIRTUALS",
    "NVHOLES", "NVREUSED", "TOTAL_COMPILED_LOOPS", "TOTAL_COMPILED_BRIDGES",
    "TOTAL_FREED_LOOPS", "TOTAL_FREED_BRIDGES"]
OUR_COUNTERS = ["INTERP_FRAMES", "CPYTHON_FRAMES", "HANDOFFS", "HOT_LOOPS",
                "ABORT_UNSUPPORTED", "LOOP_ENTRIES", "GUARD_FAILURES", "INLINE_CALLS",
                "INLINED_CALLS", "INLINE_DEOPTS"]


def test_public_names():
    public = values("""
        import pypyjit
        print(sorted(n for n in dir(pypyjit) if not n.startswith("_")))
    """)
    expected = sorted([
        "set_param", "residual_call", "not_from_assembler", "get_jitcell_at_key",
        "dont_trace_here", "mark_as_being_traced", "trace_next_iteration",
        "trace_next_iteration_hash", "releaseall", "set_compile_hook", "set_abort_hook",
        "set_trace_too_long_hook", "get_stats_snapshot", "get_stats_asmmemmgr",
        "enable_debug", "disable_debug", "JitLoopInfo", "ResOperation", "GuardOp",
        "DebugMergePoint", "JitInfoSnapshot", "defaults", "PARAMETER_DOCS"])
    assert public == expected


def test_signatures():
    # PyPy 7.3.11's, as inspect.signature() shows them (the probe also
    # compares with a live pypy3); the two debug switches are ours.
    sigs = values("""
        import inspect, pypyjit
        print({n: str(inspect.signature(getattr(pypyjit, n))) for n in pypyjit.__all__
               if callable(getattr(pypyjit, n)) and not n[0].isupper()
               and n != "not_from_assembler"})
    """)
    cell = "(next_instr, is_being_profiled, pycode)"
    assert sigs == {
        "set_param": "(*args, **keywords)", "residual_call": "(callable, *args, **keywords)",
        "get_jitcell_at_key": cell, "dont_trace_here": cell, "mark_as_being_traced": cell,
        "trace_next_iteration": cell, "trace_next_iteration_hash": "(hash)",
        "releaseall": "()", "set_compile_hook": "(hook, operations=1)",
        "set_abort_hook": "(hook)", "set_trace_too_long_hook": "(hook)",
        "get_stats_snapshot": "()", "get_stats_asmmemmgr": "()",
        "enable_debug": "()", "disable_debug": "()"}


def test_defaults_match_pypy_values():
    # Known values of PyPy 7.3.11 (the probe also compares with a live pypy3).
    d = values("import pypyjit; print(pypyjit.defaults)")
    assert d == {
        "threshold": 1039, "function_threshold": 1619, "trace_eagerness": 200, "decay": 40,
        "trace_limit": 6000, "inlining": 1, "loop_longevity": 1000, "retrace_limit": 0,
        "pureop_historylength": 16, "max_retrace_guards": 15, "max_unroll_loops": 0,
        "disable_unrolling": 200, "enable_opts": "all", "max_unroll_recursion": 7,
        "vec": 0, "vec_all": 0, "vec_cost": 0}


def test_fallback_tables_match_c_module():
    t = values("""
        from pypyjit import _pypyjit as c, _fallback as f
        pub = lambda m: sorted(n for n in dir(m) if not n.startswith("_"))
        print((c.param_table() == f.param_table(), c.COUNTER_NAMES == f.COUNTER_NAMES,
               pub(c), pub(f)))
    """)
    assert t[:2] == (True, True)
    assert t[2] == t[3]


def test_docstrings():
    docs = values("""
        import pypyjit
        print({n: getattr(pypyjit, n).__doc__ for n in pypyjit.__all__
               if n not in ("defaults", "PARAMETER_DOCS")})
    """)
    assert all(len(d or "") > 40 for d in docs.values()), docs
    # Loops are compiled: no docstring may still say that nothing is.
    for name, doc in docs.items():
        for stale in ("never fires", "nothing to release", "stays empty", "0 until",
                      "not yet compiled", "once the compiler exists"):
            assert stale not in doc, (name, stale)
    # What is not honoured yet is said so.
    assert "Not honoured yet" in docs["not_from_assembler"]


# ---------------------------------------------------------------------------
# Import, fallback

def test_import_turns_jit_on_and_keeps_parameters():
    r = values("""
        import gc, importlib
        import pypyjit
        from pypyjit import _pypyjit
        on = _pypyjit.is_enabled()
        pypyjit.set_param(threshold=7)
        pypyjit.set_param("off")
        off = _pypyjit.is_enabled()
        importlib.reload(pypyjit)           # a second import: on again, values kept
        # nothing of ours is visible to the program's gc (decay runs in C)
        print((on, off, _pypyjit.is_enabled(), pypyjit._get_params()["threshold"], gc.callbacks))
    """)
    assert r == (True, False, True, 7, [])


def test_import_is_silent_when_supported():
    p = run_py("import warnings; warnings.simplefilter('error'); import pypyjit")
    assert p.stderr == ""


def test_fallback_warns_once_and_api_works():
    r = values("""
        import warnings
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            import pypyjit
        pypyjit.set_param("threshold=5")
        s = pypyjit.get_stats_snapshot()
        print(([(x.category.__name__, str(x.message)) for x in w],
               pypyjit._pypyjit.__name__, pypyjit._get_params()["threshold"],
               list(s.counters) == list(pypyjit._pypyjit.COUNTER_NAMES),
               pypyjit._pypyjit.is_enabled()))
    """, fallback=True)
    (warnings,), module, threshold, counters_ok, enabled = r
    assert warnings[0] == "RuntimeWarning"
    assert "JIT is off" in warnings[1] and "could not be imported" in warnings[1]
    assert (module, threshold, counters_ok, enabled) == ("pypyjit._fallback", 5, True, False)


# ---------------------------------------------------------------------------
# Parameters: our messages, validation, off/default

def outcome(call):
    """Code printing (exception type, message) or ('ok', params)."""
    return f"""
        import pypyjit
        try:
            {call}
        except Exception as e:
            print((type(e).__name__, str(e)))
        else:
            print(("ok", pypyjit._get_params()))
    """


@pytest.mark.parametrize("call, exc, words", [
    ("pypyjit.set_param('threshold=abc')", "ValueError",
     ["error in JIT parameters string 'threshold=abc'", "bad value for 'threshold'"]),
    ("pypyjit.set_param('bogus=3')", "ValueError", ["'bogus=3'", "no JIT parameter 'bogus'"]),
    ("pypyjit.set_param('threshold')", "ValueError", ["'threshold'", "name=value"]),
    ("pypyjit.set_param('threshold=-1')", "ValueError", ["'threshold=-1'", "threshold"]),
    ("pypyjit.set_param(bogus=3)", "TypeError", ["no JIT parameter 'bogus'"]),
    ("pypyjit.set_param(threshold='3')", "TypeError", ["threshold", "int"]),
    ("pypyjit.set_param(threshold=True)", "TypeError", ["threshold", "bool"]),
    ("pypyjit.set_param(decay=-5)", "ValueError", ["decay", ">= 0"]),
    ("pypyjit.set_param(threshold=2**70)", "ValueError", ["threshold"]),
    ("pypyjit.set_param(enable_opts=3)", "TypeError", ["enable_opts", "str"]),
    ("pypyjit.set_param(enable_opts='bogus')", "ValueError",
     ["enable_opts", "'bogus'", "intbounds:rewrite:virtualize:string:pure:earlyforce:heap:unroll"]),
    ("pypyjit.set_param(enable_opts='heap:unroll:vectorize')", "ValueError", ["'vectorize'"]),
    ("pypyjit.set_param('enable_opts=heap:nope')", "ValueError",
     ["error in JIT parameters string", "'nope'"]),
    ("pypyjit.set_param(3)", "TypeError", ["str"]),
    ("pypyjit.set_param('threshold=1', 'decay=2')", "TypeError", ["at most 1"]),
])
def test_set_param_errors_name_the_culprit(call, exc, words):
    kind, message = values(outcome(call))
    assert kind == exc
    for w in words:
        assert w in message


@pytest.mark.parametrize("call", [
    "pypyjit.set_param(threshold=5, decay=-1)",
    "pypyjit.set_param(threshold=5, bogus=1)",
    "pypyjit.set_param('threshold=5,decay=x')",
    "pypyjit.set_param('threshold=5', decay=-1)",      # string applied, then undone
    "pypyjit.set_param('default', decay=-1)",
    "pypyjit.set_param('threshold=5', enable_opts='nope')",
])
def test_set_param_all_or_nothing(call):
    r = values(f"""
        import pypyjit
        from pypyjit import _pypyjit
        pypyjit.set_param(threshold=77, decay=3, enable_opts="heap")
        pypyjit.set_param("off")
        before = pypyjit._get_params()
        try:
            {call}
        except (TypeError, ValueError):
            pass
        print((pypyjit._get_params() == before, _pypyjit.is_enabled()))
    """)
    assert r == (True, False)


def test_set_param_forms():
    r = values("""
        import pypyjit
        from pypyjit import _pypyjit
        out = []
        def note():
            p = pypyjit._get_params()
            out.append((_pypyjit.is_enabled(), p["threshold"], p["decay"], p["enable_opts"]))
        note()
        pypyjit.set_param(threshold=200, decay=0); note()
        pypyjit.set_param("off"); note()
        pypyjit.set_param(); note()                            # no change: stays off
        pypyjit.set_param(trace_eagerness=3); note()           # any change: on again
        pypyjit.set_param("off"); pypyjit.set_param("default"); note()
        pypyjit.set_param("threshold=9 , enable_opts=heap:unroll"); note()
        pypyjit.set_param("off", decay=7); note()              # keywords after "off": on
        pypyjit.set_param("default", threshold=11); note()     # keywords after "default"
        pypyjit.set_param(enable_opts="all"); note()
        print(out)
    """)
    assert r == [
        (True, 1039, 40, "all"), (True, 200, 0, "all"), (False, 200, 0, "all"),
        (False, 200, 0, "all"), (True, 200, 0, "all"), (True, 1039, 40, "all"),
        (True, 9, 40, "heap:unroll"), (True, 9, 7, "heap:unroll"), (True, 11, 40, "all"),
        (True, 11, 40, "all")]


def test_off_stops_counting_frames():
    r = values("""
        import pypyjit
        from pypyjit import _pypyjit
        def f(k):
            s = 0
            for i in range(k):
                s += i
            return s
        frames = lambda: _pypyjit.counters()["INTERP_FRAMES"]
        a = frames(); r1 = f(10); b = frames()
        pypyjit.set_param("off")      # (its own frame may count: it has a loop)
        b = frames(); r2 = f(10); c = frames()
        print((b - a >= 1, c - b, _pypyjit.is_enabled(), r1 == r2 == 45))
    """)
    assert r == (True, 0, False, True)


# ---------------------------------------------------------------------------
# Hooks, statistics, debug (ours only: PyPy accepts any hook object and its
# get_stats_snapshot() crashes 7.3.11 with a segmentation fault)

def test_hooks_must_be_callable_or_none():
    r = values("""
        import pypyjit
        from pypyjit import _pypyjit
        out = []
        for setter in (pypyjit.set_compile_hook, pypyjit.set_abort_hook,
                       pypyjit.set_trace_too_long_hook):
            try:
                setter(42)
            except TypeError as e:
                out.append(str(e))
        print((out, _pypyjit.get_hooks()))
    """)
    assert r == (["hook must be callable or None, not int"] * 3, (None, None, None, False))


def test_abort_hook_keeps_the_exception_being_raised():
    """A trace aborted because an exception is being raised calls the
    abort hook while the exception is pending: building the hook's
    arguments and running it must leave that exception as it was (it used
    to be lost: SystemError "error return without exception set")."""
    code = """
        import os, sys
        seen = []
        pj = sys.modules.get("pypyjit")
        if pj is not None:
            pj.set_abort_hook(lambda *a: seen.append(a[2]))
            pj.set_compile_hook(lambda info: seen.append(len(info.operations)))
        def g(p):
            return os.stat(p)
        def probe(paths):
            for p in paths:
                g(p)
        res = []
        for k in range(30):
            try:
                probe(["/"] * (k % 7) + ["/nonexistent-pypyjit-test"])
            except FileNotFoundError as e:
                res.append((e.errno, e.filename))
        print(res)
        print(pj is None or "ABORT_UNSUPPORTED" in seen)
    """
    jitrun.compare(code)


def test_hooks_flags():
    p = run_py("""
        import pypyjit
        from pypyjit import _pypyjit
        pypyjit.set_compile_hook(print, operations=0)
        pypyjit.set_abort_hook(len)
        print(_pypyjit.get_hooks() == (print, len, None, False))
        pypyjit.set_compile_hook(print)
        pypyjit.set_trace_too_long_hook(abs)
        print(_pypyjit.get_hooks() == (print, len, abs, True))
        pypyjit.set_compile_hook(None); pypyjit.set_abort_hook(None)
        print(_pypyjit.get_hooks() == (None, None, abs, True))
    """)
    assert p.stdout.split() == ["True"] * 3


def test_stats_snapshot():
    r = values("""
        import pypyjit
        def f(k):
            s = 0
            for i in range(k):
                s += i
            return s
        s1 = pypyjit.get_stats_snapshot()
        f(3)
        s2 = pypyjit.get_stats_snapshot()
        print((list(s1.counters), sorted(s1.counter_times), s1.loop_run_times,
               s2.counters["INTERP_FRAMES"] - s1.counters["INTERP_FRAMES"],
               s1 is not s2 and s1.counters is not s2.counters,
               type(s1).__name__, s1.counter_times["TRACING"] >= 0.0,
               pypyjit.get_stats_asmmemmgr()))
    """)
    names, times, runs, frames, fresh, typename, time_ok, asm = r
    assert names == PYPY_COUNTERS + OUR_COUNTERS
    assert times == ["BACKEND", "TRACING"]
    assert runs == {}
    assert frames == 1 and fresh and time_ok
    assert typename == "JitInfoSnapshot"
    assert asm == (0, 0)


def test_snapshot_is_read_only():
    r = values("""
        import pypyjit
        s = pypyjit.get_stats_snapshot()
        out = []
        for attr in ("counters", "counter_times", "loop_run_times", "other"):
            try:
                setattr(s, attr, {})
            except AttributeError:
                out.append(attr)
        try:
            type("X", (pypyjit.JitInfoSnapshot,), {})
        except TypeError as e:
            out.append(str(e))
        print(out)
    """)
    assert r == ["counters", "counter_times", "loop_run_times", "other",
                 "type 'JitInfoSnapshot' is not an acceptable base type"]


def test_enable_disable_debug_reach_the_c_module():
    r = values("""
        import pypyjit
        seen = []
        pypyjit._pypyjit.set_debug = seen.append
        print((pypyjit.enable_debug(), pypyjit.disable_debug(), seen))
    """)
    assert r == (None, None, [True, False])


# ---------------------------------------------------------------------------
# The jitcell functions and the parameters act on real loops. Each snippet
# builds its loops from source with exec, so every call gets a fresh code
# object (and fresh jitcells). The snippets run far fewer back-edges than
# DECAY_PERIOD, so the periodic decay does not touch their counters unless a
# test spins on purpose.

LOOPS = """
import dis, gc, pypyjit
from pypyjit import _pypyjit
FOR = '''
def f(k):
    s = 0
    for i in range(k):
        s += i
    return s
'''
WHILE = '''
def f(k):
    i = 0
    while i < k:
        i += 1
    return i
'''
def fresh(src=FOR):
    ns = {}
    exec(src, ns)
    return ns["f"]
def header(f):
    # The loop header is the target of the loop's backward jump; a
    # greenkey's next_instr is its offset in bytes, as dis reports it.
    return next(i.argval for i in dis.get_instructions(f) if "BACKWARD" in i.opname)
def count(name):
    return _pypyjit.counters()[name]
"""


def test_jitcell_exists_after_dont_trace_here_and_mark():
    r = values(LOOPS + textwrap.dedent("""
        out = []
        for mark in (pypyjit.dont_trace_here, pypyjit.mark_as_being_traced):
            f = fresh(); f(3)                 # runs: its jitcode and cells exist
            key = (header(f), False, f.__code__)
            before = pypyjit.get_jitcell_at_key(*key)
            mark(*key)
            out.append((before, pypyjit.get_jitcell_at_key(*key)))
        print(out)
    """))
    assert r == [(False, True), (False, True)]


def test_jitcell_exists_after_loop_gets_hot():
    r = values(LOOPS + textwrap.dedent("""
        pypyjit.set_param(threshold=5)
        f = fresh()
        key = (header(f), False, f.__code__)
        f(4); cold = pypyjit.get_jitcell_at_key(*key)
        f(5); hot = pypyjit.get_jitcell_at_key(*key)
        print((cold, hot))
    """))
    assert r == (False, True)


def test_jitcell_like_pypy_after_trace_next_iteration():
    code = """
        import pypyjit
        def f(k):
            for i in range(k):
                pass
        c = f.__code__
        pypyjit.trace_next_iteration(4, False, c)
        pypyjit.dont_trace_here(8, False, c)
        print((pypyjit.get_jitcell_at_key(4, False, c), pypyjit.get_jitcell_at_key(8, True, c)))
    """
    assert values(code) == (False, False)   # what PyPy 7.3.11 answers


def test_trace_next_iteration_makes_next_iteration_hot():
    r = values(LOOPS + textwrap.dedent("""
        pypyjit.set_param(threshold=1000)
        f = fresh(); f(1)
        pypyjit.trace_next_iteration(header(f), False, f.__code__)
        h = count("HOT_LOOPS"); f(1); once = count("HOT_LOOPS") - h
        h = count("HOT_LOOPS"); f(1); again = count("HOT_LOOPS") - h
        g = fresh(); g(1)
        pypyjit.trace_next_iteration_hash(_pypyjit.greenkey_hash(g.__code__, header(g)))
        h = count("HOT_LOOPS"); g(1); by_hash = count("HOT_LOOPS") - h
        print((once, again, by_hash))
    """))
    assert r == (1, 0, 1)


def test_dont_trace_here_hands_the_loop_to_cpython():
    r = values(LOOPS + textwrap.dedent("""
        f = fresh(); f(2)
        pypyjit.dont_trace_here(header(f), False, f.__code__)
        h = count("HANDOFFS"); result = f(1000); handoffs = count("HANDOFFS") - h
        g = fresh(); g(2)
        h = count("HANDOFFS"); g(1000); plain = count("HANDOFFS") - h
        print((result, handoffs, plain))
    """))
    assert r == (sum(range(1000)), 1, 0)


def test_threshold_counts_back_edges():
    # threshold=N: a loop is hot when its back-edge has run N times. A `for`
    # loop over range(k) takes its back-edge (JUMP_BACKWARD to FOR_ITER) at
    # the end of each of its k iterations, so k=N is the first hot one. A
    # `while i < k` loop is compiled by 3.11 with its test repeated at the
    # bottom (POP_JUMP_BACKWARD_IF_TRUE), so k iterations take the
    # back-edge only k-1 times and k=N+1 is the first hot one. The loops
    # build a dict, which the recorder does not handle yet: tracing aborts,
    # nothing is compiled, and counting goes on (a compiled loop runs as
    # machine code and no longer counts).
    r = values(LOOPS + textwrap.dedent("""
        N = 10
        pypyjit.set_param(threshold=N)
        FOR_CALL = FOR.replace("s += i", "s += i + len({})")
        WHILE_CALL = WHILE.replace("i += 1", "i += 1 + len({})")
        out = []
        for src, k in [(FOR_CALL, N - 1), (FOR_CALL, N), (FOR_CALL, 2 * N - 1),
                       (FOR_CALL, 2 * N), (WHILE_CALL, N), (WHILE_CALL, N + 1)]:
            f = fresh(src)
            h = count("HOT_LOOPS")
            res = f(k)
            out.append((count("HOT_LOOPS") - h, res))
        print(out)
    """))
    assert r == [(0, sum(range(9))), (1, sum(range(10))), (1, sum(range(19))),
                 (2, sum(range(20))), (0, 10), (1, 11)]


def test_hot_loop_compiles_and_runs_as_machine_code():
    # The N-th back-edge makes the loop hot; the next iteration is recorded
    # and compiled, and the iterations after it run as machine code.
    r = values(LOOPS + textwrap.dedent("""
        N = 10
        pypyjit.set_param(threshold=N)
        out = []
        for k in (N - 1, 1000):
            f = fresh(FOR)
            c0, e0 = count("TOTAL_COMPILED_LOOPS"), count("LOOP_ENTRIES")
            res = f(k)
            out.append((res, count("TOTAL_COMPILED_LOOPS") - c0, count("LOOP_ENTRIES") - e0,
                        pypyjit.get_jitcell_at_key(header(f), False, f.__code__)))
        print(out)
    """))
    assert r == [(sum(range(9)), 0, 0, False), (sum(range(1000)), 1, 1, True)]


def test_decay():
    # Two runs of half the threshold make the loop hot together; a decay of
    # 1000 (counters * 0) between them, by hand or by the periodic decay
    # (every DECAY_PERIOD back-edges anywhere), does not.
    r = values(LOOPS + textwrap.dedent("""
        N = 10
        pypyjit.set_param(threshold=N, decay=1000)
        def spin():
            for _ in range(_pypyjit.DECAY_PERIOD):
                pass
        # spin's own loop gets hot too: keep it out of HOT_LOOPS
        pypyjit.mark_as_being_traced(header(spin), False, spin.__code__)
        out = []
        for between in (None, _pypyjit.decay, spin):
            f = fresh()
            h = count("HOT_LOOPS")
            f(N // 2)
            if between:
                between()
            f(N // 2)
            out.append(count("HOT_LOOPS") - h)
        pypyjit.set_param(decay=0)             # 0: counters never decay
        f = fresh(); h = count("HOT_LOOPS")
        f(N // 2); _pypyjit.decay(); spin(); f(N // 2)
        out.append(count("HOT_LOOPS") - h)
        print(out)
    """))
    assert r == [1, 0, 0, 1]
