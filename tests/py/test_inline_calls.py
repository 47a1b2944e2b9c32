"""Inline calls and specialised attribute sites of the own interpreter
(issue 13), compared with plain CPython.

A Python function called from a frame the own interpreter runs is run
there too, in a frame pushed on the thread's data stack (frames.c), and
attribute sites are specialised after CPython 3.11's rules
(specialize.c). Each snippet runs with the JIT off and on -- once with
compilation disabled (the interpreter alone) and once with low thresholds
-- and everything must be identical: results, exceptions, tracebacks with
their carets, frames seen through sys._getframe, trace events. Calls sit
in loops so that the calling frame runs in the own interpreter whatever
the evaluator's policy for frames without loops.
"""
import pytest

from jitrun import compare, run, LOW

INTERP_ONLY = "threshold=1000000000"

SNIPPETS = {}


def snippet(name, code):
    assert name not in SNIPPETS, name
    SNIPPETS[name] = code


snippet("argument_shapes", """
def pos(a, b):
    return a - b
def dflt(a, b=10, c=(1, 2)):
    return a + b + len(c)
def kwonly(a, *, k=3):
    return a * k
def posonly(a, b, /, c=1):
    return a + b + c
def star(*args, **kw):
    return len(args), sorted(kw)
def closure(n):
    def inner(x):
        return x + n
    return inner
def nested(n):
    return pos(n, 1) + dflt(n) + dflt(n, 2) + dflt(n, 2, ())
add5 = closure(5)
out = []
for i in range(60):
    out.append((pos(i, 2), dflt(i), dflt(i, 1), dflt(i, c=()), kwonly(i), kwonly(i, k=1),
                posonly(i, 2), star(i, i, x=1), add5(i), nested(i), (lambda q: q * 2)(i)))
print(out[-3:], sum(x[0] for x in out))
""")

snippet("argument_errors", """
def f(a, b=1):
    return a + b
def g(a, *, k):
    return a
def h(a, /):
    return a
calls = [lambda: f(), lambda: f(1, 2, 3), lambda: f(1, c=2), lambda: g(1),
         lambda: g(1, 2), lambda: h(a=1), lambda: f(*[1, 2, 3, 4])]
for i in range(12):
    for c in calls:
        try:
            c()
        except TypeError as e:
            print(i, e)
""")

snippet("keyword_and_star_binding", """
import sys
class Key(str):
    pass
def kw(a, b=2, *args, c, d=4, **rest):
    return a, b, args, c, d, sorted(rest.items()), list(rest)
def po(a, b, /, c=3, **kw):
    return a, b, c, kw
def only_kw(*, x, y=1):
    return x, y
def star(*args):
    return args, args is ()
def where():
    return sys._getframe(1).f_code.co_name, sys._getframe(0).f_lineno
class C:
    def m(self, *a, **k):
        return a, k
    def n(self, x, y=0):
        return x - y
c = C()
out = []
for i in range(40):
    out.append(kw(i, c=5))
    out.append(kw(i, 7, 8, 9, c=1, z=2, y=3))
    out.append(kw(c=0, a=i))
    out.append(po(1, 2, a=i, b=5))          # positional-only names go to **kw
    out.append(only_kw(x=i))
    out.append(only_kw(y=2, x=i))
    out.append(star())
    out.append(star(i, i))
    t, d = (i, 1), {'c': 3, 'q': i}
    out.append(kw(*t, **d))
    out.append(c.m(*t, **d))
    out.append(c.n(*t))
    out.append(c.n(**{'x': i, 'y': 2}))
    out.append(kw(*t, **{Key('c'): 1}))     # a str subclass as a keyword
    out.append(where())
    if i == 20:
        only_kw.__kwdefaults__ = {'y': 'new'}
    if i == 30:
        only_kw.__kwdefaults__ = None
    for bad in (lambda: kw(1), lambda: kw(1, c=1, a=2), lambda: po(a=1, b=2),
                lambda: only_kw(), lambda: only_kw(1), lambda: kw(1, c=1, **{1: 2}),
                lambda: c.n(x=1, z=2), lambda: c.n(*t, x=1)):
        try:
            out.append(bad())
        except TypeError as e:
            out.append(str(e))
print(len(out))
for o in out[:30] + out[-30:]:
    print(o)
""")

snippet("methods_super_classes", """
class Base:
    def __init__(self, v):
        self.v = v
    def get(self):
        return self.v
    def twice(self):
        return self.get() * 2
    @classmethod
    def make(cls, v):
        return cls(v)
    @staticmethod
    def stat(x):
        return -x
class Sub(Base):
    def get(self):
        return super().get() + 100
class Slotted:
    __slots__ = ('a', 'b')
    def __init__(self, a):
        self.a = a
    def total(self):
        return self.a + self.b
t = 0
for i in range(200):
    o = Base(i) if i % 3 else Sub(i)
    t += o.twice() + Base.make(i).get() + Sub.make(1).twice() + o.stat(i) + Base.stat(1)
    s = Slotted(i)
    s.b = 2
    t += s.total()
    try:
        Slotted(1).total()
    except AttributeError as e:
        err = str(e)
print(t, err)
""")

snippet("raising_at_every_depth", """
import traceback
def d3(x):
    return 10 // x
def d2(x):
    return d3(x - 1) + 1
def d1(x):
    y = d2(x)
    return y
for i in range(4):
    try:
        print(d1(i))
    except ZeroDivisionError:
        traceback.print_exc()
def catches(x):
    try:
        return d2(x)
    except ZeroDivisionError as e:
        return repr(e)
for i in range(4):
    print(catches(i))
""")

snippet("frames_seen_from_callees", """
import sys, inspect
def where():
    f = sys._getframe(1)
    return f.f_code.co_name, f.f_lineno, f.f_back.f_code.co_name, sorted(f.f_locals)
def middle(a):
    b = a * 2
    return where(), [fi.function for fi in inspect.stack() if fi.filename == '<string>']
def keep():
    return sys._getframe()
for i in range(3):
    print(middle(i), [fi.function for fi in inspect.stack() if fi.filename == '<string>'])
kept = [keep() for i in range(3)]
for i in range(3):
    fr = keep()
print(fr.f_code.co_name, fr.f_back.f_code.co_name, fr.f_lineno, fr.f_locals)
print([k.f_back is not None for k in kept])
""")

snippet("recursion", """
import sys, traceback
def down(n):
    return 0 if n == 0 else 1 + down(n - 1)
def forever(n):
    return forever(n + 1)
for i in range(3):
    print(down(300))
    try:
        forever(0)
    except RecursionError as e:
        tb = traceback.extract_tb(e.__traceback__)
        print(e, len(tb), tb[-1].name, tb[-1].lineno)
""")

snippet("specialisation_invalidated", """
import math
class P:
    def __init__(self, x):
        self.x = x
    def m(self):
        return 1
class Q(P):
    pass
def read(o):
    return o.x, o.m()
out = []
for i in range(120):
    o = P(i)
    if i == 30:
        P.m = lambda self: 2                 # class changed
    if i == 50:
        o.__dict__['x'] = -1                # dict materialised and written
    if i == 60:
        o.m = lambda: 3                     # instance attribute shadows the method
    if i == 70:
        o.__class__ = Q                     # class assigned
    if i == 80:
        P.x = property(lambda self: 'prop') # data descriptor shadows the attribute
    if i == 90:
        del P.x
        o.y = 5                             # shared keys grow
    if i == 100:
        math.pi = 3                         # module attribute rebound
    try:
        out.append((read(o), math.pi, len('ab')))
    except AttributeError as e:
        out.append(str(e))
print(out[::7])
""")

snippet("store_attr_shapes", """
class A:
    pass
class S:
    __slots__ = ('v',)
class Ro:
    __slots__ = ()
    @property
    def v(self):
        return 1
out = []
for i in range(80):
    a = A()
    if i % 2:
        a.first = i
    a.v = i
    a.v += 1
    s = S()
    s.v = i * 2
    try:
        Ro().v = 3
    except AttributeError as e:
        out.append(str(e)[:30])
    out.append((sorted(vars(a).items()), s.v))
    del a.v
    try:
        a.v
    except AttributeError as e:
        out.append(str(e))
print(out[-6:], len(out))
""")

snippet("generators_and_tracing_mid_call", """
import sys
def gen(n):
    for i in range(n):
        yield i * 2
def uses_gen(n):
    return sum(gen(n))
events = []
def tracer(frame, event, arg):
    if frame.f_code.co_name in ('callee', 'uses_gen'):
        events.append((event, frame.f_code.co_name))
    return tracer
def callee(x, switch):
    if switch == 1:
        sys.settrace(tracer)
    if switch == 2:
        sys.settrace(None)
    return x + 1
t = 0
for i in range(30):
    t += uses_gen(i) + callee(i, 1 if i == 10 else 2 if i == 20 else 0)
print(t, events)
""")


snippet("c_functions_called_at_precall", """
import sys, traceback
class S(str):
    pass
class L(list):
    def append(self, x):
        list.append(self, x * 2)
out = []
d = {"a": 1}
for i in range(40):
    s = S("ab") if i % 3 == 0 else "ab"
    l = L() if i % 4 == 0 else []
    l.append(i)
    out.append((len(l), l[0], isinstance(s, str), s.startswith("a"), s.upper(),
                d.get("a"), d.get("b", i), ",".join([s, s]), str.lower(s), divmod(i, 7),
                sorted([3, 1, i]), "{}-{}".format(i, s), max(i, 3), abs(-i), getattr(s, "upper")()))
print(out[-3:])
bad = [lambda: len(), lambda: len(1, 2), lambda: str.upper(5), lambda: [].append(),
       lambda: {}.get(), lambda: "x".startswith(), lambda: isinstance(1), lambda: len(5),
       lambda: list.append([], 1, 2), lambda: divmod(1, 0), lambda: str.join(1, [])]
for i in range(5):
    for f in bad:
        try:
            f()
        except Exception as e:
            if i == 4:
                print(type(e).__name__, e)
def deep(n):
    return len([deep(n - 1)]) if n else 0
sys.setrecursionlimit(200)
try:
    deep(1000)
except RecursionError as e:
    traceback.print_exc(file=sys.stdout)
""")


snippet("call_sites_specialised_and_invalidated", """
import sys
def two(a, b):
    return a + b
def two_dflt(a, b=100):
    return a - b
def other(a, b):
    x = [a, b]
    y = {'k': x}
    return len(y) + a * b
class C:
    def m(self, a, b=7):
        return a * b
    def n(self):
        return 0
out = []
c = C()
for i in range(300):
    out.append(two(i, 1))
    out.append(two_dflt(i))
    out.append(c.m(i))
    f = two if i % 3 else two_dflt       # one site, two functions
    out.append(f(i, 2))
    g = c.m if i % 5 else c.n            # a bound method, then a method of no arguments
    try:
        out.append(g(i))
    except TypeError as e:
        out.append(str(e))
    if i == 100:
        two.__code__ = other.__code__    # more locals, same parameters
    if i == 150:
        two_dflt.__defaults__ = (1000,)
    if i == 200:
        two_dflt.__defaults__ = None     # now a call with one argument fails
    if i == 220:
        C.m = lambda self, a, b=1: a + b
    if i >= 200:
        try:
            out.append(two_dflt(i))
        except TypeError as e:
            out.append(str(e))
print(out[:12], out[-12:], len(out))
def deep(n):
    return 0 if n == 0 else 1 + deep(n - 1)
for limit in (120, 80):
    sys.setrecursionlimit(limit)
    try:
        print(deep(1000))
    except RecursionError as e:
        print("RecursionError", e)
    print(deep(20))
sys.setrecursionlimit(1000)
""")


snippet("c_call_sites_specialised_and_missed", """
import builtins
class L(list):
    pass
class L2(list):
    def append(self, v):
        list.append(self, v * 10)
class S(str):
    def __len__(self):
        return 99
def shout(s):
    return s.upper()
out = []
real_len = len
for i in range(200):
    l = [] if i % 4 else L()
    l.append(i)                         # list.append, a subclass too
    m = L2() if i % 7 == 0 else []
    m.append(i)                         # overridden append
    x = m.append(i)                     # the result kept: no POP_TOP to skip
    out.append((len(l), len(m), m[-1], x, len("ab" if i % 3 else S("abc"))))
    out.append(isinstance(l, L) + isinstance(i, (str, int)) * 2)
    f = len if i % 5 else abs           # one site, two builtins
    out.append(f(-i if f is abs else [i]))
    d = str.upper if i % 6 else str.lower   # method descriptors, NOARGS
    out.append(d("aB"))
    try:
        out.append(str.upper(i) if i % 50 == 0 else str.strip(" x "))   # wrong self type
    except TypeError as e:
        out.append(str(e))
    out.append("a,b".split(",") + [",".join(["x", str(i)]), "abc".startswith("a", 1)])
    out.append(max(i, 3) + min(i, 3))   # METH_FASTCALL|METH_KEYWORDS builtins
    if i == 120:
        builtins.len = lambda o: -1     # a global lookup of len finds the new one
    if i == 160:
        builtins.len = real_len
    try:
        out.append(len(5) if i % 40 == 0 else len([]))
    except TypeError as e:
        out.append(str(e))
print(out[:20], out[-20:], len(out))
""")


snippet("generator_functions_called_inline", """
import gc, inspect, sys, weakref
def count(n, step=1):
    i = 0
    while i < n:
        got = yield i
        i += step if got is None else got
def outer(k):
    def gen(*extra, scale=1):
        for e in extra:
            yield e * k * scale       # a closure: COPY_FREE_VARS before RETURN_GENERATOR
    return gen
def with_finally(log):
    try:
        yield 1
        yield 2
    finally:
        log.append('finally')
def where():
    yield sys._getframe().f_back.f_code.co_name
    yield sys._getframe().f_code.co_name
class C:
    def items(self, n):
        yield from range(n)
    def __init__(self, bad=False):
        if bad:
            yield 1
out = []
for i in range(60):
    g = count(i % 7 + 2, step=2)
    out.append((g.__name__, g.__qualname__, inspect.getgeneratorstate(g), g.gi_running,
                g.gi_code is count.__code__, g.gi_frame.f_lineno))
    out.append(list(g))
    g = count(10)
    out.append((next(g), g.send(3), g.send(None), inspect.getgeneratorstate(g)))
    try:
        g.throw(ValueError("in"))
    except ValueError as e:
        out.append(repr(e))
    out.append(inspect.getgeneratorstate(g))
    out.append(list(outer(i)(1, 2, 3, scale=2)))
    log = []
    h = with_finally(log)
    next(h)
    h.close()
    out.append(log)
    h = with_finally(log)
    next(h)
    del h                                  # finally at collection
    gc.collect()
    out.append(log)
    out.append(list(where()))
    out.append(list(C().items(3)))
    out.append(sum(x * x for x in range(i)))   # a generator expression
    out.append(list(map(str, (c for c in "ab"))))
    args, kw = (3,), {'step': 1}
    out.append(list(count(*args, **kw)))
    r = weakref.ref(count(1))
    gc.collect()
    out.append(r() is None)
    try:
        C(bad=True)
    except TypeError as e:
        out.append(str(e))
print(out[:16], out[-16:], len(out))
""")


@pytest.mark.parametrize("params", [INTERP_ONLY, LOW])
@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_inline_calls(name, params):
    compare(SNIPPETS[name], params=params)


def test_calls_run_inline():
    """Python functions called from the own interpreter do not go through
    the evaluator: INLINE_CALLS counts them."""
    out = run("""
        import pypyjit._pypyjit as j
        def f(a, b=1):
            return a + b
        def loop():
            t = 0
            for i in range(1000):
                t += f(i)
            return t
        before = j.counters()
        print(loop())
        after = j.counters()
        print(after["INLINE_CALLS"] - before["INLINE_CALLS"] >= 1000)
    """, params=INTERP_ONLY)
    assert out.returncode == 0, out
    assert out.stdout.splitlines()[1] == "True"
