"""PyPy's ``pypyjit`` module for CPython 3.11.

Importing this package switches the JIT on: from then on, hot loops are
found by counting their back-edges, traced, and run as machine code. The functions and classes here are PyPy's, name for name,
so code written for PyPy's JIT hooks and parameters runs unchanged; on a
platform where the JIT cannot run, the same API is present but nothing is
compiled, and a RuntimeWarning says so once.
"""
import types as _types
import warnings as _warnings

from ._resop import DebugMergePoint, GuardOp, JitInfoSnapshot, JitLoopInfo, ResOperation
from ._resop import _int, _text, _uint

try:
    from . import _pypyjit
except ImportError as exc:
    from . import _fallback as _pypyjit
    _off_reason = f"the C extension could not be imported ({exc})"
else:
    _off_reason = (None if _pypyjit.JIT_SUPPORTED
                   else "this build does not support the machine it runs on")

__all__ = [
    "set_param", "residual_call", "not_from_assembler", "get_jitcell_at_key",
    "dont_trace_here", "mark_as_being_traced", "trace_next_iteration",
    "trace_next_iteration_hash", "releaseall", "set_compile_hook", "set_abort_hook",
    "set_trace_too_long_hook", "get_stats_snapshot", "get_stats_asmmemmgr",
    "enable_debug", "disable_debug", "ResOperation", "GuardOp", "DebugMergePoint",
    "JitLoopInfo", "JitInfoSnapshot", "defaults", "PARAMETER_DOCS",
]

# Parameter names, defaults and docs all come from the C table (params.def).
_TABLE = _pypyjit.param_table()
defaults = {name: default for name, default, _, _ in _TABLE}
PARAMETER_DOCS = {name: doc for name, _, _, doc in _TABLE}
_STR_PARAMS = frozenset(name for name, _, minimum, _ in _TABLE if minimum is None)
# enable_opts accepts "all" or a subset of the names its doc lists after "all = ".
_ALL_OPTS = tuple(PARAMETER_DOCS["enable_opts"].rpartition("all = ")[2].split(":"))


# ---- parameters ----------------------------------------------------------

def _check_enable_opts(value):
    if isinstance(value, str) and value != "all":
        unknown = [n for n in value.split(":") if n and n not in _ALL_OPTS]
        if unknown:
            raise ValueError(
                f"bad value for 'enable_opts': unknown optimization '{unknown[0]}' "
                f"(expected 'all' or a colon-separated subset of {':'.join(_ALL_OPTS)})")


def _parse_param_string(text):
    """'name=value,name=value' -> dict, with PyPy's rules: items are split
    at commas, blanks around an item are ignored, every item is exactly
    one name=value, and every value but enable_opts' is an integer."""
    def error(why):
        return ValueError(f"error in JIT parameters string {text!r}: {why}")
    values = {}
    for item in text.split(","):
        parts = item.strip(" ").split("=")
        if len(parts) != 2:
            raise error(f"expected name=value, got {item!r}")
        name, value = parts
        if name not in defaults:
            raise error(f"no JIT parameter {name!r}")
        if name in _STR_PARAMS:
            try:
                _check_enable_opts(value)
            except ValueError as e:
                raise error(e) from None
        else:
            try:
                value = int(value)
            except ValueError:
                raise error(f"bad value for {name!r}") from None
        values[name] = value
    return values


def set_param(*args, **keywords):
    """Set the JIT's tunable parameters (see ``defaults`` and ``PARAMETER_DOCS``).

    Four forms; keywords may follow a string, and apply after it:
      * set_param(threshold=200, decay=0)    -- keywords
      * set_param("threshold=200,decay=0")   -- one string, e.g. from a command line
      * set_param("off")                     -- switch the JIT off
      * set_param("default")                 -- every parameter back to its default

    Setting any parameter (or "default") switches the JIT on again after
    "off". An unknown name, a value of the wrong type or out of range, or
    a malformed string raises TypeError or ValueError naming the culprit,
    and then nothing is changed.
    """
    if len(args) > 1:
        raise TypeError(f"set_param() takes at most 1 non-keyword argument, "
                        f"{len(args)} given")
    text = _text(args[0]) if args else None
    for name in keywords:
        if name not in defaults:
            raise TypeError(f"no JIT parameter '{name}'")
    _check_enable_opts(keywords.get("enable_opts"))
    from_text = (None if text in (None, "off", "default") else _parse_param_string(text))
    # The C side checks a dict all-or-nothing; string then keywords are two
    # calls, so undo the first if the second fails.
    before, was_on = _pypyjit.get_params(), _pypyjit.is_enabled()
    if text == "default":
        _pypyjit.reset_params()                 # turns the JIT on
    elif from_text:
        try:
            _pypyjit.set_params(from_text)      # turns the JIT on
        except (TypeError, ValueError) as e:
            raise ValueError(f"error in JIT parameters string {text!r}: {e}") from None
    if keywords:
        try:
            _pypyjit.set_params(keywords)
        except BaseException:
            _pypyjit.set_params(before)
            _pypyjit.set_enabled(was_on)
            raise
    elif text == "off":
        _pypyjit.set_enabled(False)


def _get_params():
    """Current value of every parameter (private: PyPy has no such call)."""
    return _pypyjit.get_params()


# ---- calls the JIT treats specially --------------------------------------

def residual_call(callable, *args, **keywords):
    """Call callable(*args, **keywords) and return its result, without the
    JIT following the call into the callee (it stays an opaque call in a
    trace). Meant for tests."""
    return callable(*args, **keywords)


class not_from_assembler:
    """Wrap a callable so that it runs from the interpreter and while the
    JIT traces or leaves machine code, but never from inside compiled
    machine code.

    Calling the wrapper calls the callable (or, from machine code, does
    not) and returns the wrapper itself, never the callable's result,
    because there would be nothing sensible to return when the call is
    skipped. That makes ``sys.settrace(not_from_assembler(f))`` work for
    coverage-like tracers. (Not honoured yet: a call from a compiled loop
    is a residual call that still runs the callable.)
    """
    __slots__ = ("_callable",)

    def __init__(self, callable):
        self._callable = callable

    def __call__(self, *args, **keywords):
        self._callable(*args, **keywords)
        return self

    def __init_subclass__(cls, **kwargs):
        raise TypeError("type 'not_from_assembler' is not an acceptable base type")


# ---- jitcells ----------------------------------------------------------
# A jitcell belongs to a greenkey (next_instr, is_being_profiled, code):
# next_instr is the bytecode offset, in bytes, of a loop header (the target
# of a backward jump).

def _cell_args(next_instr, is_being_profiled, pycode, profiled_as_int=True):
    if not isinstance(pycode, _types.CodeType):
        raise TypeError(f"'code' object expected, got '{type(pycode).__name__}' instead")
    return (_int(next_instr),
            bool(_int(is_being_profiled) if profiled_as_int else is_being_profiled),
            pycode)


def get_jitcell_at_key(next_instr, is_being_profiled, pycode):
    """True if the JIT keeps a jitcell (state beyond a bare counter) for
    this place: after the loop got hot, or after dont_trace_here() or
    mark_as_being_traced() was called for it."""
    return _pypyjit.get_jitcell_at_key(*_cell_args(next_instr, is_being_profiled, pycode))


def dont_trace_here(next_instr, is_being_profiled, pycode):
    """Never start a trace at this place, and do not inline it into other
    traces. For a loop header, the loop is left to CPython from then on.
    (For not tracing a loop for now, see mark_as_being_traced().)"""
    _pypyjit.dont_trace_here(*_cell_args(next_instr, is_being_profiled, pycode))


def mark_as_being_traced(next_instr, is_being_profiled, pycode):
    """Flag this place as being traced already, so that no new trace
    starts here."""
    _pypyjit.mark_as_being_traced(*_cell_args(next_instr, is_being_profiled, pycode))


def trace_next_iteration(next_instr, is_being_profiled, pycode):
    """Make this place count as hot at its next iteration, whatever its
    counter says (tracing starts there once the tracer exists)."""
    _pypyjit.trace_next_iteration(
        *_cell_args(next_instr, is_being_profiled, pycode, profiled_as_int=False))


def trace_next_iteration_hash(hash):
    """Like trace_next_iteration(), for the place (or guard, see
    GuardOp.hash) whose JIT hash is `hash`, an unsigned 64-bit integer."""
    _pypyjit.trace_next_iteration_hash(_uint(hash))


def releaseall():
    """Mark all machine code as free to release at the next garbage
    collection (code some thread is running is kept), which returns the
    JIT roughly to its state at start-up: ``releaseall(); gc.collect()``."""
    _pypyjit.releaseall()


# ---- hooks --------------------------------------------------------------

def set_compile_hook(hook, operations=1):
    """Call hook(info) after each loop or bridge is compiled, with a
    JitLoopInfo describing it; None removes the hook. With a false
    `operations`, info.operations is None (cheaper).

    The hook is not reentrant: code the hook itself causes to be compiled
    does not call it again. A hook that raises is reported as unraisable
    and the JIT goes on.
    """
    _pypyjit.set_compile_hook(hook, bool(_int(operations)))


def set_abort_hook(hook):
    """Call hook(jitdriver_name, greenkey, reason, operations) whenever a
    trace is abandoned; reason is a string such as "ABORT_TOO_LONG", the
    other arguments are as on JitLoopInfo. None removes the hook."""
    _pypyjit.set_abort_hook(hook)


def set_trace_too_long_hook(hook):
    """Call hook(jitdriver_name, greenkey) whenever a trace is abandoned
    for exceeding trace_limit. None removes the hook."""
    _pypyjit.set_trace_too_long_hook(hook)


# ---- statistics ---------------------------------------------------------

def get_stats_snapshot():
    """Return a JitInfoSnapshot of the JIT's counters and timers now. It is
    a copy: call again for newer numbers. loop_run_times is filled only
    under enable_debug()."""
    return JitInfoSnapshot(_pypyjit.loop_run_times(), _pypyjit.counters(),
                           _pypyjit.counter_times())


def get_stats_asmmemmgr():
    """Return (bytes of machine-code memory allocated, bytes in use): the
    executable memory the JIT reserved and the part its loops and bridges
    occupy now."""
    return _pypyjit.asmmemmgr()


def enable_debug():
    """Count how often each compiled loop and bridge runs (see
    JitInfoSnapshot.loop_run_times); this slows the smallest loops a
    little. PyPy has this function but does not export it."""
    _pypyjit.set_debug(True)


def disable_debug():
    """Stop counting loop runs (see enable_debug())."""
    _pypyjit.set_debug(False)


# ---- start-up -----------------------------------------------------------

if _off_reason is None:
    # On, with the parameters as they are (a second import changes nothing).
    _pypyjit.set_enabled(True)
else:
    _warnings.warn(f"pypyjit: the JIT is off because {_off_reason}; the pypyjit API "
                   f"works, but nothing will be compiled", RuntimeWarning, stacklevel=2)
