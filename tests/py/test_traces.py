"""Trace-shape tests in the style of PyPy's test_pypy_c: run a snippet
under the JIT, capture the compiled loop through the compile hook, and
match its operations against an expected listing.

Listing syntax (one op per line; debug_merge_point ops are ignored):
  ``...``        any number of operations
  ``_``          any single argument
  names          variables (i3, f7, p0) bind to the loop's own names
                 consistently; literals must match exactly
  ``descr=...``  any descriptor
Fail arguments of guards are not compared.
"""
import json
import re
import textwrap

from jitrun import run

CAPTURE = """
import json as _json, sys as _sys, pypyjit as _pj
_loops = []
def _hook(info):
    if info.operations is not None:
        _loops.append({"name": info.greenkey[0].co_name if info.greenkey else None,
                       "type": info.type,
                       "ops": [repr(op) for op in info.operations
                               if not repr(op).startswith("debug_merge_point")]})
_pj.set_compile_hook(_hook)
"""
DUMP = """
print("LOOPS=" + _json.dumps(_loops))
"""

OP_RE = re.compile(r"^(?:(\w+) = )?(\w+)\((.*?)\)(?: \[.*\])?$")


def split_args(text):
    args, depth, cur = [], 0, ""
    for ch in text:
        if ch == "," and depth == 0:
            args.append(cur.strip())
            cur = ""
            continue
        depth += ch in "(<[" 
        depth -= ch in ")>]"
        cur += ch
    if cur.strip():
        args.append(cur.strip())
    return args


def parse(line):
    m = OP_RE.match(line.strip())
    assert m, f"cannot parse op {line!r}"
    res, name, args = m.groups()
    return res, name, split_args(args)


def match_op(expected, actual, env):
    eres, ename, eargs = parse(expected)
    ares, aname, aargs = parse(actual)
    if ename != aname or len(eargs) != len(aargs):
        return False
    pairs = list(zip(eargs, aargs))
    if eres or ares:
        if not (eres and ares):
            return False
        pairs.append((eres, ares))
    new = dict(env)
    for e, a in pairs:
        if e == "_" or e == "descr=...":
            continue
        if re.fullmatch(r"[ipf]\d+", e):
            if e in new and new[e] != a:
                return False
            if e not in new and a in new.values():
                return False
            new[e] = a
        elif e != a:
            return False
    env.clear()
    env.update(new)
    return True


def match(expected_text, ops):
    """True when ops (reprs) match the listing; backtracks over `...`."""
    expected = [l.strip() for l in textwrap.dedent(expected_text).splitlines()
                if l.strip() and not l.strip().startswith("#")]

    def go(i, j, env):
        if i == len(expected):
            return j == len(ops)
        if expected[i] == "...":
            return any(go(i + 1, k, dict(env)) for k in range(j, len(ops) + 1))
        if j < len(ops):
            e = dict(env)
            if match_op(expected[i], ops[j], e):
                return go(i + 1, j + 1, e)
        return False

    return go(0, 0, {})


def loops_of(code, params="threshold=200"):
    """Runs `code` with the JIT on and off (outputs must be equal) and
    returns the loops compiled, by function name."""
    src = CAPTURE + textwrap.dedent(code) + DUMP
    on = run(src, jit=True, params=params)
    off = run(src.replace("_pj.set_compile_hook(_hook)", "pass"), jit=False)
    assert on.returncode == 0, on
    on_out = [l for l in on.stdout.splitlines() if not l.startswith("LOOPS=")]
    off_out = [l for l in off.stdout.splitlines() if not l.startswith("LOOPS=")]
    assert on_out == off_out
    line = next(l for l in on.stdout.splitlines() if l.startswith("LOOPS="))
    return json.loads(line[len("LOOPS="):])


def body(loop):
    """The ops after the label, up to and including the jump."""
    ops = loop["ops"]
    start = next(i for i, op in enumerate(ops) if op.startswith("label("))
    return ops[start + 1:]


def the_loop(code, name):
    found = [l for l in loops_of(code) if l["name"] == name]
    assert len(found) == 1, found
    return found[0]


def assert_unboxed(ops):
    """No allocation or boxing call inside the loop."""
    for op in ops:
        assert not re.search(r"\b(new\w*|call_r|call_may_force\w*)\(", op), op


def test_matcher_has_teeth():
    ops = ["i3 = int_add(i1, i2)", "guard_true(i3) [i1]", "jump(p0, i3, descr=TargetToken(1))"]
    assert match("i5 = int_add(i6, _)\n...\njump(p0, i5, descr=...)", ops)
    assert not match("i5 = int_sub(i6, _)\n...", ops)
    assert not match("i5 = int_add(i6, i6)\n...", ops)     # i6 bound twice differently
    assert not match("i5 = int_add(i6, _)\njump(p0, i5, descr=...)", ops)  # missing guard


def test_int_accumulator_loop():
    loop = the_loop("""
        def f(n):
            total = 0
            for i in range(n):
                total += i
            return total
        print(f(10000))
    """, "f")
    ops = body(loop)
    assert match("""
        i1 = getfield_raw_i(_, descr=...)
        guard_false(i1)
        guard_class(p2, ConstClass(range_iterator))
        i3 = getfield_gc_i(p2, descr=...)
        i4 = getfield_gc_i(p2, descr=...)
        i5 = int_lt(i3, i4)
        guard_true(i5)
        ...
        i9 = int_add_ovf(i7, i8)
        guard_no_overflow()
        jump(...)
    """.replace("jump(...)", "jump(p0, _, _, i9, i8, p2, descr=...)"), ops), "\n".join(ops)
    assert_unboxed(ops)


def test_float_recurrence():
    loop = the_loop("""
        def g(n):
            x = 0.0
            i = 0
            while i < n:
                x = x * 0.5 + 1.0
                i += 1
            return x
        print(g(10000))
    """, "g")
    ops = body(loop)
    assert match("""
        ...
        f1 = float_mul(f0, 0.500000)
        f2 = float_add(f1, 1.000000)
        i3 = int_add_ovf(i4, 1)
        guard_no_overflow()
        i5 = int_lt(i3, i6)
        guard_true(i5)
        jump(p0, _, i6, f2, i3, descr=...)
    """, ops), "\n".join(ops)
    assert_unboxed(ops)


def test_while_with_if_elif():
    loop = the_loop("""
        def h(n):
            i = a = b = 0
            while i < n:
                if i % 3 == 0:
                    a += 1
                elif i % 3 == 1:
                    b += 2
                i += 1
            return a, b
        print(h(3000))
    """, "h")
    ops = body(loop)
    # threshold=200: the recorded iteration is i == 200, where i % 3 == 2,
    # so the trace follows the path past both tests.
    assert match("""
        ...
        i1 = int_py_mod(i2, 3)
        i3 = int_eq(i1, 0)
        guard_false(i3)
        ...
        i5 = int_eq(_, 1)
        guard_false(i5)
        i6 = int_add_ovf(i2, 1)
        guard_no_overflow()
        i7 = int_lt(i6, i8)
        guard_true(i7)
        jump(p0, _, i8, i6, _, _, descr=...)
    """, ops), "\n".join(ops)
    assert_unboxed(ops)


def test_range_with_step():
    loop = the_loop("""
        def s(n):
            t = 0
            for i in range(n, 0, -3):
                t += i
            return t
        print(s(30000))
    """, "s")
    ops = body(loop)
    assert match("""
        ...
        i1 = getfield_gc_i(p2, descr=...)
        i3 = getfield_gc_i(p2, descr=...)
        i4 = int_mul(_, i3)
        i5 = int_add(i1, i4)
        ...
        jump(...)
    """.replace("jump(...)", "jump(p0, _, _, _, _, p2, descr=...)"), ops), "\n".join(ops)


def test_loop_calling_a_builtin():
    # A residual call: the frame is synced first (prev_instr, and the
    # locals the loop stores to, boxed), the builtin is called through
    # CPython, its argument released (CPython's order), an exception (a NULL
    # result) leaves at once, and the int result is guarded, unboxed and
    # released; the accumulator stays unboxed. (pow is not among the
    # builtins known to run no Python code: see the next test.)
    loop = the_loop("""
        def c(n):
            t = 0
            for i in range(n):
                t += pow(i - 50, 1)
            return t
        print(c(1000))
    """, "c")
    ops = body(loop)
    assert match("""
        ...
        i1 = int_sub_ovf(i2, 50)
        guard_no_overflow()
        p3 = call_r(ConstClass(box_int), i1, descr=...)
        p8 = call_r(ConstClass(box_int), 1, descr=...)
        setfield_gc(p0, _, descr=...)
        ...
        p4 = call_r(ConstClass(call), _, p3, p8, descr=...)
        py_decref(p3)
        py_decref(p8)
        guard_nonnull(p4)
        ...
        guard_class(p4, ConstClass(int))
        ...
        i5 = int_mul(_, _)
        py_decref(p4)
        i6 = int_add_ovf(i7, i5)
        guard_no_overflow()
        jump(p0, _, _, i6, i2, _, descr=...)
    """, ops), "\n".join(ops)


def test_quiet_builtin_call_needs_no_frame_sync():
    # abs() of an int runs no Python code: the call is made without syncing
    # the frame (no prev_instr store, no boxing of the accumulator) and
    # without the check for tracing switched on after it.
    loop = the_loop("""
        def c(n):
            t = 0
            for i in range(n):
                t += abs(i - 50)
            return t
        print(c(1000))
    """, "c")
    ops = body(loop)
    assert match("""
        ...
        i1 = int_sub_ovf(i2, 50)
        guard_no_overflow()
        p3 = call_r(ConstClass(box_int), i1, descr=...)
        p4 = call_r(ConstClass(call), _, p3, descr=...)
        py_decref(p3)
        guard_nonnull(p4)
        guard_class(p4, ConstClass(int))
        ...
        jump(p0, _, _, _, _, _, descr=...)
    """, ops), "\n".join(ops)
    assert not [op for op in ops if "prev_instr" in op or "use_tracing" in op], ops


def test_compile_hook_info_is_real():
    out = run("""
        import pypyjit, ctypes
        seen = []
        def hook(info):
            seen.append((info.jitdriver_name, info.greenkey[0].co_name, info.greenkey[1],
                         info.greenkey[2], info.type, info.loop_no, info.asmaddr > 0,
                         info.asmlen > 0, len(info.operations) > 5,
                         sorted({type(op).__name__ for op in info.operations})))
        pypyjit.set_compile_hook(hook)
        def f(n):
            t = 0
            for i in range(n):
                t += i
            return t
        f(1000)
        print(seen)
    """, params="threshold=100")
    assert out.returncode == 0, out
    seen = eval(out.stdout)
    assert len(seen) == 1
    jd, name, offset, profiled, typ, loop_no, addr_ok, len_ok, many, kinds = seen[0]
    assert (jd, name, profiled, typ, addr_ok, len_ok, many) == \
        ("pypyjit", "f", False, "loop", True, True, True)
    assert kinds == ["DebugMergePoint", "GuardOp", "ResOperation"]
    assert offset > 0 and loop_no >= 0


def test_raising_hook_is_reported_and_program_goes_on():
    out = run("""
        import sys, pypyjit
        def bad(info):
            raise ValueError("boom")
        pypyjit.set_compile_hook(bad)
        pypyjit.set_abort_hook(lambda *a: 1 / 0)
        def f(n):
            t = 0
            for i in range(n):
                t += i
            return t
        def g(n):
            t = 0
            for i in range(n):
                t += i + len({})   # a dict display: tracing aborts
            return t
        print(f(1000), g(1000))
    """, params="threshold=100")
    assert out.returncode == 0, out
    assert out.stdout.strip() == f"{sum(range(1000))} {sum(range(1000))}"
    assert "in jit hook" in out.stderr and "ValueError: boom" in out.stderr
    assert "ZeroDivisionError" in out.stderr


def test_hooks_are_not_reentrant():
    # A loop inside the compile hook gets compiled too, but the hook is not
    # called for it while it runs.
    out = run("""
        import pypyjit
        calls = []
        def hook(info):
            calls.append(info.greenkey[0].co_name)
            t = 0
            for i in range(1000):
                t += i
        pypyjit.set_compile_hook(hook)
        def f(n):
            t = 0
            for i in range(n):
                t += i
            return t
        f(1000)
        print(calls, pypyjit.get_stats_snapshot().counters["TOTAL_COMPILED_LOOPS"])
    """, params="threshold=100")
    assert out.returncode == 0, out
    calls, compiled = eval(out.stdout.strip().rsplit(" ", 1)[0]), int(out.stdout.split()[-1])
    assert calls == ["f"] and compiled == 2


def test_enable_debug_counts_loop_iterations():
    out = run("""
        import pypyjit
        pypyjit.enable_debug()
        def f(n):
            t = 0
            for i in range(n):
                t += i
            return t
        f(1000)
        print(pypyjit.get_stats_snapshot().loop_run_times)
    """, params="threshold=100")
    assert out.returncode == 0, out
    runs = eval(out.stdout)
    assert list(runs) == [("loop", 0)]
    # the 100th back-edge makes it hot, the 101st iteration is recorded,
    # the rest run as machine code (the last one exits at FOR_ITER's guard)
    assert 880 <= runs[("loop", 0)] <= 900


def test_guard_failing_often_grows_a_bridge():
    # The `if` goes one way for two iterations in three: the guard recorded
    # for the other way fails often and gets a bridge back to the loop.
    src = CAPTURE + textwrap.dedent("""
        def b(n):
            a = c = 0
            for i in range(n):
                if i % 3 == 0:
                    a += i
                else:
                    c += 1
            return a, c
        print(b(3000))
        _bridges = [l for l in _loops if l["type"] == "bridge"]
    """) + DUMP
    out = run(src, params="threshold=200,trace_eagerness=5")
    assert out.returncode == 0, out
    assert out.stdout.splitlines()[0] == str((sum(range(0, 3000, 3)), 2000))
    loops = json.loads(next(l for l in out.stdout.splitlines() if l.startswith("LOOPS="))[6:])
    kinds = [l["type"] for l in loops if l["name"] == "b" or l["type"] == "bridge"]
    assert kinds[0] == "loop" and "bridge" in kinds, kinds
    bridge = next(l for l in loops if l["type"] == "bridge")
    # the bridge does the other branch's work unboxed and jumps to the loop
    assert match("""
        ...
        i1 = int_add_ovf(_, _)
        guard_no_overflow()
        ...
        jump(p0, _, _, _, _, _, _, descr=...)
    """, bridge["ops"]), "\n".join(bridge["ops"])
    assert_unboxed(bridge["ops"])


def test_instance_attributes_and_methods_inline():
    """Attribute loads of instance values and __slots__, module attributes
    and method lookups are guarded loads in the trace: no getattr call;
    and the method, a small Python function, is inlined: no call at all."""
    loop = the_loop("""
        import math
        class P:
            def __init__(self):
                self.x = 1.5
                self.n = 3
            def get(self):
                return 1
        class S:
            __slots__ = ('v',)
        def f(n):
            p = P()
            s = S()
            s.v = 2
            t = 0.0
            for i in range(n):
                t += p.x * p.n + s.v + math.pi + p.get()
            return t
        print(f(1000))
    """, "f")
    ops = body(loop)
    calls = [op for op in ops if re.search(r"\bcall_[ir]\(", op)]
    assert calls == [], calls
    assert not any("getattr" in op for op in ops), ops
    # class and type-version guards, then loads from the values array
    assert any("tp_version_tag" in op for op in ops), ops
    assert any("values[" in op for op in ops), ops
