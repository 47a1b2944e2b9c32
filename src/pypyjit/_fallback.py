"""Pure-Python stand-in for the C module ``pypyjit._pypyjit``.

Used when the extension cannot be imported (another Python version, an
unsupported machine, a broken build). It offers the same primitives with
the same checks, so the ``pypyjit`` API behaves identically -- except that
nothing ever runs under the JIT: ``JIT_SUPPORTED`` is false, the evaluator
is never installed and every counter stays 0.

The two tables below mirror ``src/jit/runtime/params.def`` and
``counters.def``; a test compares them with the C module's so they cannot
drift apart.
"""

JIT_SUPPORTED = False
DECAY_PERIOD = 65536

_ALL_OPTS = "intbounds:rewrite:virtualize:string:pure:earlyforce:heap:unroll"

# (name, default, minimum or None for a str parameter, doc)
_PARAM_TABLE = (
    ("threshold", 1039, 0, "number of times a loop has to run for it to become hot"),
    ("function_threshold", 1619, 0,
     "number of times a function must run for it to become traced from start"),
    ("trace_eagerness", 200, 0,
     "number of times a guard has to fail before we start compiling a bridge"),
    ("decay", 40, 0, "amount to regularly decay counters by (0=none, 1000=max)"),
    ("trace_limit", 6000, 0,
     "number of recorded operations before we abort tracing with ABORT_TOO_LONG"),
    ("inlining", 1, 0, "inline python functions or not (1/0)"),
    ("loop_longevity", 1000, 0,
     "a parameter controlling how long loops will be kept before being freed, an estimate"),
    ("retrace_limit", 0, 0, "how many times we can try retracing before giving up"),
    ("pureop_historylength", 16, 0,
     "how many pure operations the optimizer should remember for CSE (internal)"),
    ("max_retrace_guards", 15, 0, "number of extra guards a retrace can cause"),
    ("max_unroll_loops", 0, 0, "number of extra unrollings a loop can cause"),
    ("disable_unrolling", 200, 0, "after how many operations we should not unroll"),
    ("enable_opts", "all", None,
     "INTERNAL USE ONLY (MAY NOT WORK OR LEAD TO CRASHES): optimizations to enable, "
     "or all = " + _ALL_OPTS),
    ("max_unroll_recursion", 7, 0, "how many levels deep to unroll a recursive function"),
    ("vec", 0, 0, "turn on the vectorization optimization (vecopt). "
     "Supports x86 (SSE 4.1), powerpc (SVX), s390x SIMD"),
    ("vec_all", 0, 0, "try to vectorize trace loops that occur outside of the numpypy library"),
    ("vec_cost", 0, 0, "threshold for which traces to bail. "
     "Unpacking increases the counter, vector operation decrease the cost"),
)

COUNTER_NAMES = (
    "TRACING", "BACKEND", "OPS", "HEAPCACHED_OPS", "RECORDED_OPS", "GUARDS", "OPT_OPS",
    "OPT_GUARDS", "OPT_GUARDS_SHARED", "OPT_FORCINGS", "OPT_VECTORIZE_TRY", "OPT_VECTORIZED",
    "ABORT_TOO_LONG", "ABORT_BRIDGE", "ABORT_BAD_LOOP", "ABORT_ESCAPE",
    "ABORT_FORCE_QUASIIMMUT", "ABORT_SEGMENTED_TRACE", "FORCE_VIRTUALIZABLES", "NVIRTUALS",
    "NVHOLES", "NVREUSED", "TOTAL_COMPILED_LOOPS", "TOTAL_COMPILED_BRIDGES",
    "TOTAL_FREED_LOOPS", "TOTAL_FREED_BRIDGES",
    "INTERP_FRAMES", "CPYTHON_FRAMES", "HANDOFFS", "HOT_LOOPS", "ABORT_UNSUPPORTED",
    "LOOP_ENTRIES", "GUARD_FAILURES", "INLINE_CALLS", "INLINED_CALLS", "INLINE_DEOPTS",
)

_ROWS = {row[0]: row for row in _PARAM_TABLE}
_params = {row[0]: row[1] for row in _PARAM_TABLE}
_hooks = [None, None, None]        # compile, abort, trace_too_long
_hook_operations = False
_cells = set()                     # (code, next_instr) given a jitcell by the API


def param_table():
    return _PARAM_TABLE


def _check(name, value):
    """The C side's rt_param_set() checks, without storing."""
    if name not in _ROWS:
        raise TypeError(f"no JIT parameter '{name}'")
    minimum = _ROWS[name][2]
    if minimum is None:
        if not isinstance(value, str):
            raise TypeError(f"JIT parameter '{name}' must be a str, "
                            f"not {type(value).__name__}")
        return
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"JIT parameter '{name}' must be an int, not {type(value).__name__}")
    if not -2**63 <= value < 2**63:
        raise ValueError(f"JIT parameter '{name}' is out of range")
    if value < minimum:
        raise ValueError(f"JIT parameter '{name}' must be >= {minimum}, got {value}")


def set_params(values):
    if not isinstance(values, dict):
        raise TypeError("set_params() takes a dict")
    for name, value in values.items():
        _check(name, value)
    _params.update(values)


def get_params():
    return dict(_params)


def reset_params():
    _params.update((row[0], row[1]) for row in _PARAM_TABLE)


def set_enabled(on):
    bool(on)    # the JIT cannot run here: never enabled


def is_enabled():
    return False


def _set_hook(kind, hook):
    if hook is not None and not callable(hook):
        raise TypeError(f"hook must be callable or None, not {type(hook).__name__}")
    _hooks[kind] = hook


def set_compile_hook(hook, operations=True):
    global _hook_operations
    _set_hook(0, hook)
    _hook_operations = bool(operations)


def set_abort_hook(hook):
    _set_hook(1, hook)


def set_trace_too_long_hook(hook):
    _set_hook(2, hook)


def get_hooks():
    return (*_hooks, _hook_operations)


def counters():
    return dict.fromkeys(COUNTER_NAMES, 0)


def counter_times():
    return {"TRACING": 0.0, "BACKEND": 0.0}


def loop_run_times():
    return {}


def asmmemmgr():
    return (0, 0)


def get_jitcell_at_key(next_instr, is_being_profiled, code):
    return (code, next_instr) in _cells


def dont_trace_here(next_instr, is_being_profiled, code):
    _cells.add((code, next_instr))


def mark_as_being_traced(next_instr, is_being_profiled, code):
    _cells.add((code, next_instr))


def trace_next_iteration(next_instr, is_being_profiled, code):
    pass    # as in PyPy, this only primes the counter; it creates no jitcell


def trace_next_iteration_hash(hash):
    pass


def greenkey_hash(code, offset, profiled=False):
    return hash((code, offset, bool(profiled))) & (2**64 - 1)


def releaseall():
    pass


def set_debug(on):
    bool(on)


def adjust_recursion(k):
    int(k)  # pure Python cannot move the recursion counter: the runner's frames stay counted


def recursion_depth():
    return 1


def last_abort_detail():
    return ""


def decay():
    pass
