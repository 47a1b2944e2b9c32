"""The recorder's model of the frame agrees with the frame (issue 14).

While a trace is recorded, the recorder keeps a model of the frame (stack
depth, the path the recorded instructions take, each slot's kind and
constants). Before every recorded instruction it compares the model with the
frame; a disagreement is a recorder bug and aborts the trace with
ABORT_BAD_LOOP "the recorder lost track of the frame". With
PYPYJIT_DEBUG_RECORDER=1 every slot is compared as well and each disagreement
is printed to stderr -- so these programs, and any behaviour test or fuzz
batch run with the variable set, show one as a difference from CPython.

Each program runs with the JIT off and on (low thresholds, check mode on):
identical outcomes, and no abort of the kind above (collected through the
abort hook and the detail the C module keeps of the last abort).
"""
import pytest

from jitrun import compare, run

# Appended to each program: the abort details the JIT reported, on stderr
# only under the JIT (plain CPython prints nothing), so that the comparison
# with CPython fails if any is a lost-track abort.
ABORTS = """
import sys as _sys
_pj = _sys.modules.get("pypyjit")
if _pj is not None:
    _bad = [d for d in _details if "lost track" in d]
    if _bad:
        print("lost track:", _bad, file=_sys.stderr)
"""
HOOK = """
import sys as _sys
_details = []
_pj = _sys.modules.get("pypyjit")
if _pj is not None:
    _pj.set_abort_hook(lambda *a: _details.append(_pj._pypyjit.last_abort_detail()))
"""

PROGRAMS = {
    # The program (tomllib's NestedDict.get_or_create_nest): a for
    # loop over a 3-tuple, hot when its iterator is about to end.
    "nested_dict": """
def get(d, key):
    cont = d
    for k in key:
        if k not in cont:
            cont[k] = {}
        cont = cont[k]
        if not isinstance(cont, dict):
            raise KeyError("x")
    return cont

d = {}
n = 0
for i in range(3000):
    c = get(d, ("a", "b%d" % (i % 7), "c"))
    n += len(c)
print(n, len(d["a"]))
""",
    # Short loops over every kind of iterator, so that tracing often starts
    # at the last iteration: builtin iterators (known exhausted before the
    # trace starts) and others (found exhausted by FOR_ITER).
    "short_iterators": """
def gen(n):
    for i in range(n):
        yield i

class Countdown:
    def __init__(self, n):
        self.n = n
    def __iter__(self):
        return self
    def __next__(self):
        if self.n <= 0:
            raise StopIteration
        self.n -= 1
        return self.n

def f(k):
    t = 0
    for x in (k, 1, 2):
        t += x
    for x in [k, 3]:
        t += x
    for x in gen(k % 4):
        t += x
    for x in Countdown(k % 3):
        t += x
    for a, b in zip((1, 2), (k, 4)):
        t += a * b
    for i, x in enumerate("ab"):
        t += i
    for x in {1: 2, k: 3}.values():
        t += x
    for x in map(abs, (-k, 2)):
        t += x
    for x in reversed((k, 5)):
        t += x
    for x in b"xy":
        t += x
    return t

print(sum(f(k) for k in range(2000)))
""",
    # `s += t` on a str: the interpreter appends in place and empties the
    # local before STORE_FAST; the trace calls the generic operation.
    "str_append": """
def f(n):
    s = ""
    for i in range(n):
        s += "ab"[i % 2]
        s = s + "c"
    return s

print(len(f(5000)), f(7))
""",
    # A recursive walk, the loop running inside itself through a residual
    # call. In docutils' Node.walk (bench/programs/app_docutils.py) the
    # check found a bridge started from an exit left pending while the loop
    # was busy on the stack, with the snapshot of a later exit; this small
    # program keeps the shape but does not reproduce that interleaving.
    "recursive_walk": """
class Node:
    def __init__(self, kids):
        self.kids = kids
def walk(node, depth, out):
    for k in node.kids:
        if walk(k, depth + 1, out):
            out.append(depth)
            return True
        if depth > 2:
            out.append(-depth)
    return len(node.kids) == 0 and depth % 3 == 0
def build(d, w):
    return Node([] if d == 0 else [build(d - 1, w) for _ in range(w)])
out = []
for i in range(40):
    walk(build(4 + i % 2, 3), 0, out)
print(len(out), sum(out))
""",
    # Loops left by break, by return and by an exception while hot.
    "loop_exits": """
def first_big(xs, lim):
    for x in xs:
        if x > lim:
            break
    else:
        return None
    return x

def find(xs, v):
    for i, x in enumerate(xs):
        if x == v:
            return i
    return -1

def checked(xs):
    out = 0
    for x in xs:
        if x < 0:
            raise ValueError(x)
        out += x
    return out

t = 0
for k in range(1500):
    t += first_big([1, 5, k % 9, 3], 4) or 0
    t += find((3, 1, k % 5), 4)
    try:
        t += checked([1, 2, -(k % 2)])
    except ValueError:
        t += 100
print(t)
""",
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_model_agrees(name, monkeypatch):
    monkeypatch.setenv("PYPYJIT_DEBUG_RECORDER", "1")
    compare(HOOK + PROGRAMS[name] + ABORTS)


def test_check_mode_reports_to_a_file(tmp_path, monkeypatch):
    """PYPYJIT_DEBUG_RECORDER=FILE is opened (for appending) at import, and
    a run whose model always agrees leaves it empty."""
    log = tmp_path / "recorder.log"
    monkeypatch.setenv("PYPYJIT_DEBUG_RECORDER", str(log))
    out = run(PROGRAMS["nested_dict"])
    assert out.returncode == 0, out.stderr
    assert log.exists()
    assert log.read_text() == ""


def test_loop_left_by_return_is_not_given_up():
    """A loop that is often left by a `return` (an escape-time loop) is
    traced again until an iteration that stays in the loop is recorded:
    leaving it while tracing does not count towards giving up."""
    code = """
        import sys
        pj = sys.modules.get("pypyjit")
        names = []
        if pj:
            pj.set_compile_hook(lambda info: names.append(info.greenkey[0].co_name
                                                          if info.greenkey else None))
        def escape(c):
            z = 0.0
            for i in range(40):
                z = z * z + c
                if z > 2.0:
                    return i
            return 40
        t = 0
        for k in range(400):   # nine calls leave at once, then a long one
            t += escape(0.1 if k % 10 == 9 else 1.5)
        print(t)
        if pj:
            print("escape compiled:", "escape" in names, file=sys.stderr)
    """
    off = run(code, jit=False)
    on = run(code, params="threshold=3,trace_eagerness=2")
    assert (on.returncode, on.stdout) == (off.returncode, off.stdout) and off.stderr == ""
    assert on.stderr == "escape compiled: True\n"
