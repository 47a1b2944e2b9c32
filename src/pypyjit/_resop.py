"""The value types of the pypyjit API, shaped like PyPy's.

PyPy builds these in RPython (pypy/module/pypyjit/interp_resop.py); here
they are small Python classes with the same constructors, read-only
attributes, reprs and errors: no instance __dict__, attributes cannot be
set or deleted, and the classes cannot be subclassed ("not an acceptable
base type"), so code written against PyPy's objects sees the same thing.
"""

_MAIN_JITDRIVER = "pypyjit"
_UINT_LIMIT = 2**64


def _int(value):
    """An argument PyPy unwraps as a machine int: int or bool, nothing else."""
    if not isinstance(value, int):
        raise TypeError(f"expected integer, got {type(value).__name__} object")
    return int(value)


def _uint(value):
    """An argument PyPy unwraps as an unsigned machine word (a hash)."""
    value = _int(value)
    if value < 0:
        raise ValueError("cannot convert negative integer to unsigned")
    if value >= _UINT_LIMIT:
        raise OverflowError("int too large to convert to unsigned int")
    return value


def _text(value):
    if not isinstance(value, str):
        raise TypeError(f"expected str, got {type(value).__name__} object")
    return value


def _seal(cls):
    """Refuse subclasses from now on, with PyPy's message."""
    def __init_subclass__(sub, **kwargs):
        raise TypeError(f"type '{cls.__name__}' is not an acceptable base type")
    cls.__init_subclass__ = classmethod(__init_subclass__)
    return cls


class ResOperation:
    """One operation of a compiled trace, as handed to the compile hook.

    ``name`` is the operation's name (``int_add``, ``guard_true``, ...),
    ``offset`` its position in the machine code (-1 when unknown), and the
    repr is the operation in PyPy's textual trace format.
    """
    __slots__ = ("_name", "_offset", "_repr")
    __module__ = "pypyjit"

    def __init__(self, name, offset=-1, repr=""):
        self._name = _text(name)
        self._offset = _int(offset)
        self._repr = _text(repr)

    name = property(lambda self: self._name, doc="Name of the operation.")
    offset = property(lambda self: self._offset,
                      doc="Offset of the operation in the machine code, or -1.")

    def __repr__(self):
        return self._repr


@_seal
class GuardOp:
    """A guard of a compiled trace: a ResOperation-like object that also
    carries ``hash``, the number that ``trace_next_iteration_hash()`` takes
    to ask for a bridge to be traced from this guard.

    Like PyPy's, it is not a subclass of ResOperation.
    """
    __slots__ = ("_name", "_offset", "_repr", "_hash")
    __module__ = "pypyjit"

    def __init__(self, name, offset=-1, repr="", hash=0):
        self._name = _text(name)
        self._offset = _int(offset)
        self._repr = _text(repr)
        self._hash = _uint(hash)

    name = ResOperation.name
    offset = ResOperation.offset
    hash = property(lambda self: self._hash, doc="Hash identifying this guard.")
    __repr__ = ResOperation.__repr__


@_seal
class DebugMergePoint(ResOperation):
    """The marker a trace carries where one bytecode of the interpreted
    program begins; the first one is where the loop is entered.

    For the main jitdriver ("pypyjit") ``greenkey`` is the triple
    ``(code, bytecode_offset, is_profiled)`` and ``pycode`` and
    ``bytecode_no`` read its first two items; for another jitdriver those
    two raise AttributeError.
    """
    __slots__ = ("_jd_name", "_call_depth", "_call_id", "_greenkey")
    __module__ = "pypyjit"

    def __init__(self, name, repr, jd_name, call_depth, call_id, greenkey):
        super().__init__(name, -1, repr)
        self._jd_name = _text(jd_name)
        self._call_depth = _int(call_depth)
        self._call_id = _int(call_id)
        self._greenkey = greenkey

    def _greenkey_item(self, index):
        if self._jd_name != _MAIN_JITDRIVER:
            raise AttributeError("This DebugMergePoint doesn't belong to the main "
                                 "Python JitDriver")
        return self._greenkey[index]

    greenkey = property(lambda self: self._greenkey,
                        doc="Where this point is: (code, offset, is_profiled) for the "
                            "main interpreter loop.")
    pycode = property(lambda self: self._greenkey_item(0),
                      doc="The code object this point belongs to.")
    bytecode_no = property(lambda self: self._greenkey_item(1),
                           doc="Offset of the bytecode in pycode.")
    call_depth = property(lambda self: self._call_depth,
                          doc="How deep in inlined calls this point is.")
    call_id = property(lambda self: self._call_id,
                       doc="Which inlined function call of the trace this point is in.")
    jitdriver_name = property(lambda self: self._jd_name,
                              doc="Name of the jitdriver, 'pypyjit' for the interpreter loop.")


_seal(ResOperation)   # only now: DebugMergePoint above is its one subclass


@_seal
class JitLoopInfo:
    """What the compile hook receives about one compiled loop or bridge.

    ``greenkey`` is ``(code, bytecode_offset, is_profiled)`` for a loop of
    the interpreter and None for a bridge; ``operations`` the list of
    ResOperation/GuardOp/DebugMergePoint objects (None when the hook was
    set with ``operations=False``); ``type`` is "loop", "entry bridge" or
    "bridge"; ``loop_no`` the loop's number; ``bridge_no`` a bridge's
    number (TypeError for a loop); ``asmaddr``/``asmlen`` where its machine
    code lies. The constructor's ``loopno`` argument is checked and then
    ignored, as in PyPy.
    """
    __slots__ = ("_greenkey", "_ops", "_asmaddr", "_asmlen", "_loop_no", "_type",
                 "_jd_name", "_bridge_no")
    __module__ = "pypyjit"

    def __init__(self, greenkey, ops, loopno, asmaddr, asmlen, loop_no, type, jd_name,
                 bridge_no=-1):
        _int(loopno)
        self._greenkey = greenkey
        self._ops = ops
        self._asmaddr = _int(asmaddr)
        self._asmlen = _int(asmlen)
        self._loop_no = _int(loop_no)
        self._type = _text(type)
        self._jd_name = _text(jd_name)
        self._bridge_no = _int(bridge_no)

    def _get_bridge_no(self):
        if self._greenkey is not None:
            raise TypeError("not a bridge")
        return self._bridge_no

    jitdriver_name = property(lambda self: self._jd_name,
                              doc="Name of the jitdriver, 'pypyjit' for the interpreter loop.")
    greenkey = property(lambda self: self._greenkey,
                        doc="Where the loop starts: (code, offset, is_profiled) for the "
                            "main interpreter loop, None for a bridge.")
    operations = property(lambda self: self._ops, doc="The operations of the loop.")
    loop_no = property(lambda self: self._loop_no, doc="Number of the loop.")
    bridge_no = property(_get_bridge_no, doc="Number of the bridge (TypeError for a loop).")
    type = property(lambda self: self._type, doc="'loop', 'entry bridge' or 'bridge'.")
    asmaddr = property(lambda self: self._asmaddr, doc="Address of the machine code.")
    asmlen = property(lambda self: self._asmlen, doc="Size of the machine code in bytes.")

    def __repr__(self):
        where = (f"bridge no {self._bridge_no}" if self._type == "bridge"
                 else repr(self._greenkey))
        return (f"<JitLoopInfo {self._jd_name}, {len(self._ops)} operations, "
                f"starting at <{where}>>")


@_seal
class JitInfoSnapshot:
    """The JIT's statistics at one moment, as get_stats_snapshot() returns.

    The values are copied when the snapshot is taken; take a new snapshot
    to see newer numbers.
    """
    __slots__ = ("_loop_run_times", "_counters", "_counter_times")
    __module__ = "pypyjit"

    def __init__(self, loop_run_times, counters, counter_times):
        self._loop_run_times = loop_run_times
        self._counters = counters
        self._counter_times = counter_times

    loop_run_times = property(
        lambda self: self._loop_run_times,
        doc="{(type, number): runs} of every loop and bridge, counted only while "
            "enable_debug() is on.")
    counters = property(lambda self: self._counters,
                        doc="JIT event counters, by name (PyPy's names first, then ours).")
    counter_times = property(lambda self: self._counter_times,
                             doc="Seconds spent tracing ('TRACING') and in the backend "
                                 "('BACKEND').")
