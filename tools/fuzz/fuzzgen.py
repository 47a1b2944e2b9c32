"""Generator of random, deterministic Python programs for differential fuzzing.

``generate(seed)`` returns ``(source, constructs)``: the program text and the
set of construct tags (see CONSTRUCTS) that it contains.  Everything comes
from one ``random.Random(seed)``, so a seed is a complete reproducer.

The programs stress what a tracing JIT gets wrong: hot loops (the JIT runs
with thresholds of a few iterations) over ints near the machine-word and
bignum boundaries, floats with -0.0/inf/nan, bools, lists, dicts, strings and
a small class; branches, comparison chains, and/or values; calls to helpers
and builtins; break/continue/return inside loops; exceptions raised and caught
inside loops; and, in some programs, an uncaught exception (or SystemExit)
raised from a hot loop, so that tracebacks are compared too.

Programs are valid, deterministic and bounded by construction:
* every loop iterates a bounded number of times (constant ranges, lists whose
  appends are guarded by a length check, while loops whose counter is bumped
  on the first line of the body so ``continue`` cannot skip it) and a budget
  caps the product of nested loop bounds;
* expressions that can raise appear only inside ``try`` blocks that end with
  ``except Exception``, or in the deliberately failing tail;
* ints are wrapped with ``%`` or grown at most by a bounded number of bits
  per operation, and the printed digest (``dg``) condenses bignums, long
  strings and long lists, so output stays small and ``str(int)`` stays under
  CPython's digit limit;
* nothing prints ids, addresses or string-hash-dependent orders.
"""
import random

# Every construct the generator can emit; tests assert a batch covers them all.
CONSTRUCTS = frozenset("""
    int float bool list dict str obj bigint int_boundary counter
    neg_zero inf nan float_overflow
    if elif else and_or cmp_chain ternary
    call_helper call_builtin method_call attr alloc recursion listcomp unpack
    for_range range_step range_neg_step for_list for_dict_items enumerate
    while while_true nested_loop module_loop
    break continue return_in_loop
    try_except try_else try_finally zerodiv indexerror keyerror valueerror
    custom_raise raise_in_helper
    str_concat fstring join
    uncaught exc_chain system_exit
""".split())

PRELUDE = '''\
import zlib


class FuzzError(Exception):
    pass


class Obj:
    count = 0

    def __init__(self, a, b):
        self.a = a
        self.b = b
        Obj.count += 1

    def step(self, k):
        self.a = (self.a + k) % 1000003
        self.b = self.b * 0.5 + k
        return self.a - k

    def scale(self, f):
        return self.b * f


def dg(v):
    """Printable digest: bignums, long strings and long lists condensed."""
    if isinstance(v, bool) or v is None or isinstance(v, float):
        return v
    if isinstance(v, int):
        if -10 ** 30 < v < 10 ** 30:
            return v
        return ('big', v.bit_length(), v % 1000000007)
    if isinstance(v, str):
        if len(v) <= 80:
            return v
        return ('str', len(v), v[:30], v[-30:], zlib.crc32(v.encode()))
    if isinstance(v, Obj):
        return ('Obj', dg(v.a), dg(v.b))
    if isinstance(v, dict):
        return ('dict', dg(list(v.items())))
    items = [dg(e) for e in v]
    if len(items) > 24:
        return ('seq', len(items), items[:8], items[-8:], zlib.crc32(repr(items).encode()))
    return items if isinstance(v, list) else tuple(items)
'''

INT_VARS = ["a0", "a1", "a2", "a3"]
FLOAT_VARS = ["x0", "x1"]
BOOL_VARS = ["b0", "b1"]
# Values around CPython's 30-bit digit and the 64-bit machine word.
BOUNDARY = ["2 ** 30 - 1", "2 ** 30", "-(2 ** 30)", "2 ** 31 - 1", "2 ** 62", "2 ** 63 - 1",
            "-(2 ** 63)", "2 ** 64 + 1", "4611686018427387903"]
FLOAT_CONSTS = ["0.5", "1.5", "-2.25", "3.0", "1e-300", "7.0"]
CMP = ["<", "<=", ">", ">=", "==", "!="]
# Digest of a function's state (all locals that every f-function defines).
STATE = "(tk, a0, a1, a2, a3, big, x0, x1, b0, b1, L0, L1, D0, T0, s0, o0, objs, Obj.count, caught)"
FUNC_BUDGET = 2500      # max product of nested loop bounds in one function


class Ctx:
    """Where code is generated: available names, loop nesting, what may be done."""

    def __init__(self, full=True, ints=None, budget=FUNC_BUDGET, helpers=0):
        self.full = full                    # f-function with the whole state, or a helper
        self.ints = list(ints or INT_VARS)  # readable int names
        self.assignable = list(self.ints)   # int names that may be assigned
        self.loopvars = []                  # int loop variables in scope
        self.loop_depth = 0
        self.budget = budget
        self.frozen = set()                 # dicts iterated over by an enclosing loop
        self.helpers = helpers              # helpers h0..h{helpers-1} are callable
        self.if_depth = 0
        self.risky = False                  # inside a try block: raising expressions allowed
        self.in_finally = False

    def child(self, **kw):
        c = Ctx.__new__(Ctx)
        c.__dict__.update(self.__dict__)
        c.loopvars = list(self.loopvars)
        c.frozen = set(self.frozen)
        c.__dict__.update(kw)
        return c


class Gen:
    def __init__(self, seed):
        self.seed = seed
        self.r = random.Random(seed)
        self.lines = []
        self.ind = 0
        self.used = set()
        self.nloops = 0
        self.helpers = []     # (name, risky)

    # ------------------------------------------------------------ emission
    def emit(self, line):
        self.lines.append("    " * self.ind + line)

    def block(self, header, body):
        """Emit `header:` and the statements that `body()` emits, indented."""
        self.emit(header + ":")
        self.ind += 1
        n = len(self.lines)
        body()
        if len(self.lines) == n:
            self.emit("pass")
        self.ind -= 1

    def use(self, *tags):
        self.used.update(tags)

    def chance(self, p):
        return self.r.random() < p

    def pick(self, seq):
        return self.r.choice(seq)

    # ------------------------------------------------------------ expressions
    def const_int(self):
        if self.chance(0.15):
            self.use("int_boundary")
            return self.pick(BOUNDARY)
        return str(self.r.randint(-9, 25))

    def nz(self):
        """A nonzero constant divisor, sometimes negative."""
        return str(self.pick([2, 3, 5, 7, 10, 97, -3, -7, 1000003, 2 ** 31]))

    def small(self, c, d=0):
        """An int expression of small magnitude (safe to multiply by, to index with)."""
        self.use("int")
        opts = ["const", "const", "mod", "absmod", "minmax"]
        if c.loopvars:
            opts += ["loop"] * 4
        if c.full:
            opts += ["len", "dictget", "attr", "lens", "boolint"]
        if c.helpers and d < 2:
            opts.append("helper")
        k = self.pick(opts)
        if k == "const":
            return str(self.r.randint(-5, 20))
        if k == "loop":
            return self.pick(c.loopvars)
        if k == "mod":
            return f"({self.pick(c.ints + c.loopvars)} % {self.r.randint(2, 50)})"
        if k == "absmod":
            self.use("call_builtin")
            return f"(abs({self.pick(c.ints)}) % {self.r.randint(2, 30)})"
        if k == "minmax":
            self.use("call_builtin")
            return f"{self.pick(['min', 'max'])}({self.small(c, d + 1)}, {self.small(c, d + 1)})"
        if k == "len":
            self.use("call_builtin", "list")
            return f"len({self.pick(['L0', 'L1'])})"
        if k == "lens":
            self.use("call_builtin", "str")
            return "len(s0)"
        if k == "dictget":
            self.use("dict")
            return f"(D0.get({self.small(c, d + 1)}, {self.r.randint(-3, 3)}) % 50)"
        if k == "attr":
            self.use("obj", "attr")
            return f"(o0.a % {self.r.randint(3, 40)})"
        if k == "boolint":
            self.use("bool")
            return self.pick([f"int({self.pick(BOOL_VARS)})", f"({self.pick(BOOL_VARS)} + 1)"])
        return self.call_helper(c, d)

    def call_helper(self, c, d):
        safe = [name for name, risky in self.helpers[:c.helpers] if c.risky or not risky]
        if not safe:
            return str(self.r.randint(0, 9))
        self.use("call_helper")
        return f"({self.pick(safe)}({self.small(c, d + 1)}, {self.small(c, d + 1)}) % {self.r.randint(5, 60)})"

    def int_expr(self, c, d=0):
        if d >= 3:
            return self.pick([self.pick(c.ints + c.loopvars), self.small(c, d)])
        self.use("int")
        k = self.pick(["var", "var", "small", "add", "sub", "mul", "floordiv", "mod", "bit", "shr",
                       "shl", "neg", "abs", "minmax", "ternary", "andor", "boundary"])
        e = lambda: self.int_expr(c, d + 1)
        if k == "var":
            return self.pick(c.ints + c.loopvars)
        if k == "small":
            return self.small(c, d)
        if k == "add":
            return f"({e()} + {e()})"
        if k == "sub":
            return f"({e()} - {e()})"
        if k == "mul":
            # One side small: bits grow additively, never exponentially.
            other = self.const_int() if self.chance(0.3) else self.small(c, d + 1)
            return f"({e()} * {other})"
        if k == "floordiv":
            return f"({e()} // {self.nz()})"
        if k == "mod":
            return f"({e()} % {self.nz()})"
        if k == "bit":
            return f"({e()} {self.pick(['&', '|', '^'])} {e()})"
        if k == "shr":
            return f"({e()} >> {self.r.randint(0, 40)})"
        if k == "shl":
            return f"({self.small(c, d + 1)} << {self.r.randint(0, 70)})"
        if k == "neg":
            return f"(-{e()})"
        if k == "abs":
            self.use("call_builtin")
            return f"abs({e()})"
        if k == "minmax":
            self.use("call_builtin")
            return f"{self.pick(['min', 'max'])}({e()}, {e()})"
        if k == "ternary":
            self.use("ternary")
            return f"({e()} if {self.cond(c, d + 1)} else {e()})"
        if k == "andor":
            self.use("and_or")
            return f"(({e()} {self.pick(['and', 'or'])} {e()}) or {e()})"
        self.use("int_boundary")
        return f"({e()} + {self.pick(BOUNDARY)})"

    def float_expr(self, c, d=0):
        self.use("float")
        if d >= 2 or not c.full:
            if not c.full:
                return f"({self.small(c, d)} * 0.5)"
            return self.pick(FLOAT_VARS + FLOAT_CONSTS)
        k = self.pick(["var", "var", "const", "edge", "mul", "add", "sub", "div", "fromint",
                       "abs", "minmax", "neg", "mixed", "scale"])
        f = lambda: self.float_expr(c, d + 1)
        if k == "var":
            return self.pick(FLOAT_VARS)
        if k == "const":
            return self.pick(FLOAT_CONSTS)
        if k == "edge":
            return self.float_edge()
        if k == "mul":
            return f"({f()} * {f()})"
        if k == "add":
            return f"({f()} + {f()})"
        if k == "sub":
            return f"({f()} - {f()})"
        if k == "div":
            return f"({f()} / {self.pick(['2.0', '-4.0', '0.1', '3'])})"
        if k == "fromint":
            self.use("call_builtin")
            return f"float({self.small(c, d + 1)})"
        if k == "abs":
            self.use("call_builtin")
            return f"abs({f()})"
        if k == "minmax":
            self.use("call_builtin")
            return f"{self.pick(['min', 'max'])}({f()}, {f()})"
        if k == "neg":
            return f"(-{f()})"
        if k == "scale":
            self.use("method_call", "obj")
            return f"o0.scale({f()})"
        return f"({self.small(c, d + 1)} * {f()})"

    def float_edge(self):
        k = self.pick(["negzero", "inf", "ninf", "nan", "overflow", "negzero2"])
        if k in ("negzero", "negzero2"):
            self.use("neg_zero")
            return "-0.0" if k == "negzero" else f"({self.pick(FLOAT_VARS)} * -0.0)"
        if k == "inf":
            self.use("inf")
            return "float('inf')"
        if k == "ninf":
            self.use("inf")
            return "float('-inf')"
        if k == "nan":
            self.use("nan", "inf")
            return "(float('inf') - float('inf'))"
        self.use("float_overflow")
        return f"({self.pick(FLOAT_VARS)} * 1e308 * 10.0)"

    def cond(self, c, d=0):
        if d >= 3:
            return f"{self.pick(c.ints + c.loopvars)} {self.pick(CMP)} {self.small(c, d)}"
        opts = ["icmp", "icmp", "chain", "not", "andor"]
        if c.full:
            opts += ["fcmp", "mixed", "bool", "in_list", "in_dict", "in_str", "attr", "strcmp", "tk"]
        if c.loopvars:
            opts += ["loopcmp"] * 3
        k = self.pick(opts)
        if k == "loopcmp":
            # the everyday `if i == 10:` -- as the loop runs, both sides become equal
            return f"{self.pick(c.loopvars)} {self.pick(CMP)} {self.r.randint(-2, 60)}"
        if k == "tk":
            self.use("counter")
            return f"tk {self.pick(CMP)} {self.r.randint(-20, 1200)}"
        if k == "icmp":
            return f"{self.int_expr(c, d + 1)} {self.pick(CMP)} {self.small(c, d + 1)}"
        if k == "chain":
            self.use("cmp_chain")
            return (f"{self.small(c, d + 1)} {self.pick(CMP)} {self.int_expr(c, d + 1)} "
                    f"{self.pick(CMP)} {self.small(c, d + 1)}")
        if k == "not":
            return f"not ({self.cond(c, d + 1)})"
        if k == "andor":
            self.use("and_or")
            return f"({self.cond(c, d + 1)} {self.pick(['and', 'or'])} {self.cond(c, d + 1)})"
        if k == "fcmp":
            self.use("float")
            return f"{self.float_expr(c, d + 1)} {self.pick(CMP)} {self.float_expr(c, d + 1)}"
        if k == "mixed":
            return f"{self.float_expr(c, d + 1)} {self.pick(CMP)} {self.int_expr(c, d + 1)}"
        if k == "bool":
            self.use("bool")
            return self.pick(BOOL_VARS)
        if k == "in_list":
            self.use("list")
            return f"{self.small(c, d + 1)} {self.pick(['in', 'not in'])} L0"
        if k == "in_dict":
            self.use("dict")
            return f"{self.small(c, d + 1)} in D0"
        if k == "in_str":
            self.use("str")
            return f"'{self.pick('0123456789-')}' in s0"
        if k == "attr":
            self.use("obj", "attr")
            return f"o0.a {self.pick(CMP)} {self.small(c, d + 1)}"
        self.use("str")
        return f"s0 {self.pick(CMP)} '{self.pick(['', '1', '5', 'a'])}'"

    # ------------------------------------------------------------ statements
    def body(self, c, n=None):
        for _ in range(n if n is not None else self.r.randint(2, 5)):
            self.stmt(c)

    def stmt(self, c):
        opts = ["int"] * 4 + ["if"] * 2
        if c.full:
            opts += ["big", "float", "float", "bool", "list", "list", "dict", "str", "str", "obj",
                     "unpack"]
            if not c.risky:
                opts += ["try"] * 3
        if c.loop_depth and not c.in_finally:
            opts += ["exit"] * 2
        if c.loop_depth < 3 and c.budget >= 8:
            opts += ["loop"] * (3 if c.loop_depth == 0 else 1)
        if c.risky:
            opts += ["risky"] * 4
        getattr(self, "s_" + self.pick(opts))(c)

    def s_int(self, c):
        v = self.pick(c.assignable)
        k = self.pick(["wrap", "wrap", "plain", "aug", "andor", "helper"])
        if k == "wrap":
            self.emit(f"{v} = {self.int_expr(c)} % {self.pick(['1000003', '65536', '97', '(2 ** 61 - 1)'])}")
        elif k == "plain":
            self.emit(f"{v} = {self.int_expr(c)}")
        elif k == "aug":
            op = self.pick(["+=", "-=", "*=", "//=", "%=", "^="])
            # a floor division/modulo outside a try needs a constant nonzero divisor
            rhs = self.nz() if op in ("//=", "%=") or self.chance(0.3) else self.small(c)
            self.emit(f"{v} {op} {rhs}")
        elif k == "andor":
            self.use("and_or")
            self.emit(f"{v} = ({self.int_expr(c, 1)} and {self.small(c)}) or {self.int_expr(c, 1)}")
        else:
            self.emit(f"{v} = {self.call_helper(c, 0)}")

    def s_big(self, c):
        self.use("bigint")
        self.emit(f"big = big * {self.r.randint(2, 2 ** self.r.randint(2, 40))} + {self.small(c)}")

    def s_float(self, c):
        v = self.pick(FLOAT_VARS)
        if self.chance(0.25):
            self.emit(f"{v} = {self.float_edge()}")
        elif self.chance(0.3):
            self.emit(f"{v} {self.pick(['+=', '-=', '*='])} {self.float_expr(c, 1)}")
        else:
            self.emit(f"{v} = {self.float_expr(c)}")

    def s_bool(self, c):
        self.use("bool")
        v = self.pick(BOOL_VARS)
        k = self.pick(["cond", "not", "andor"])
        if k == "cond":
            self.emit(f"{v} = {self.cond(c)}")
        elif k == "not":
            self.emit(f"{v} = not {v}")
        else:
            self.use("and_or")
            self.emit(f"{v} = {self.pick(BOOL_VARS)} {self.pick(['and', 'or'])} {self.cond(c, 1)}")

    def s_list(self, c):
        self.use("list")
        k = self.pick(["append", "append", "set", "pop", "sorted", "comp", "sum", "read", "rot"])
        if k == "append":
            self.block("if len(L0) < 40", lambda: self.emit(f"L0.append({self.int_expr(c)})"))
        elif k == "set":
            self.block("if L0", lambda: self.emit(f"L0[{self.small(c)} % len(L0)] = {self.int_expr(c)}"))
        elif k == "pop":
            self.block("if len(L0) > 2", lambda: self.emit(f"{self.pick(c.assignable)} = L0.pop()"))
        elif k == "sorted":
            self.use("call_builtin")
            self.emit(f"L1 = sorted(L0[-{self.r.randint(2, 9)}:])")
        elif k == "comp":
            self.use("listcomp")
            self.emit(f"L1 = [e * {self.small(c)} % 1000 for e in L0 if e % 3 != {self.r.randint(0, 2)}]")
        elif k == "sum":
            self.use("call_builtin")
            self.emit(f"{self.pick(c.assignable)} = sum(L0[:{self.r.randint(1, 6)}]) % 100003")
        elif k == "read":
            self.use("ternary")
            self.emit(f"{self.pick(c.assignable)} = L1[{self.small(c)} % len(L1)] if L1 else -1")
        else:
            self.emit(f"L0 = L0[1:] + [{self.small(c)}]")

    def s_dict(self, c):
        self.use("dict")
        k = self.pick(["set", "inc", "get", "tset", "tget"])
        if "D0" in c.frozen and k in ("set", "inc"):
            k = "get"
        if k == "set":
            self.emit(f"D0[{self.small(c)} % 12] = {self.int_expr(c)}")
        elif k == "inc":
            key = self.small(c)
            self.emit(f"D0[{key} % 12] = D0.get({key} % 12, 0) + {self.small(c)}")
        elif k == "get":
            self.emit(f"{self.pick(c.assignable)} = D0.get({self.small(c)}, {self.r.randint(-2, 2)})")
        elif k == "tset" and "T0" not in c.frozen:
            self.use("str")
            self.emit(f"T0['k' + str({self.small(c)} % 5)] = {self.small(c)}")
        else:
            self.emit(f"{self.pick(c.assignable)} = T0.get('k' + str({self.small(c)}), 0)")

    def piece(self, c):
        k = self.pick(["str", "fstr", "ffloat", "join", "bool", "chr", "slice"])
        if k == "str":
            self.use("call_builtin")
            return f"str({self.small(c)})"
        if k == "fstr":
            self.use("fstring")
            # double quotes: the embedded expressions may contain '...' literals
            return f'f"{{{self.small(c)}}}:{{{self.int_expr(c, 1)} % 1000}};"'
        if k == "ffloat":
            self.use("fstring", "float")
            return f"f'<{{{self.pick(FLOAT_VARS)}:.3f}}|{{{self.pick(FLOAT_VARS)}!r}}>'"
        if k == "join":
            self.use("join")
            return f"'-'.join([str(e % 10) for e in L0[:{self.r.randint(1, 5)}]])"
        if k == "bool":
            return f"str({self.pick(BOOL_VARS)})[0]"
        if k == "chr":
            self.use("call_builtin")
            return f"chr(65 + {self.small(c)} % 26)"
        return f"s0[-{self.r.randint(1, 4)}:]"

    def s_str(self, c):
        self.use("str")
        k = self.pick(["concat", "concat", "trim", "assign", "count"])
        if k == "concat":
            self.use("str_concat")
            self.emit(f"s0 += {self.piece(c)}")
        elif k == "trim":
            self.emit(f"s0 = (s0 + {self.piece(c)})[-{self.r.randint(10, 60)}:]")
        elif k == "assign":
            self.emit(f"s0 = {self.piece(c)} + s0[:{self.r.randint(0, 20)}]")
        else:
            self.emit(f"{self.pick(c.assignable)} = s0.count('{self.pick('0123456789')}') + len(s0) % 7")

    def s_obj(self, c):
        self.use("obj")
        k = self.pick(["seta", "setb", "step", "alloc", "objs"])
        if k == "seta":
            self.use("attr")
            self.emit(f"o0.a = {self.int_expr(c)} % 10007")
        elif k == "setb":
            self.use("attr")
            self.emit(f"o0.b = {self.float_expr(c)}")
        elif k == "step":
            self.use("method_call")
            self.emit(f"{self.pick(c.assignable)} = o0.step({self.small(c)}) % 1000")
        elif k == "alloc":
            self.use("alloc")
            self.emit(f"o0 = Obj({self.small(c)}, {self.float_expr(c, 1)})")
        else:
            self.use("method_call", "attr")
            self.emit(f"{self.pick(c.assignable)} = objs[{self.small(c)} % 3].step({self.small(c)}) + o0.a")

    def s_unpack(self, c):
        self.use("unpack")
        a, b = self.r.sample(c.assignable, 2)
        self.emit(f"{a}, {b} = {b}, ({a} + {b}) % {self.pick(['1000003', '2 ** 64'])}")

    def s_if(self, c):
        if c.if_depth >= 2:
            return self.s_int(c)
        self.use("if")
        cc = c.child(if_depth=c.if_depth + 1)
        self.block(f"if {self.cond(c)}", lambda: self.body(cc, self.r.randint(1, 3)))
        for _ in range(self.r.choice([0, 0, 1, 2])):
            self.use("elif")
            self.block(f"elif {self.cond(c)}", lambda: self.body(cc, self.r.randint(1, 2)))
        if self.chance(0.5):
            self.use("else")
            self.block("else", lambda: self.body(cc, self.r.randint(1, 2)))

    def s_exit(self, c):
        k = self.pick(["break", "continue", "continue", "return"] if c.full else ["break", "continue"])
        if k == "return":
            self.use("return_in_loop")
            line = f"return dg(('early', {self.small(c)}) + {STATE})"
        else:
            self.use(k)
            line = k
        self.block(f"if {self.cond(c)}", lambda: self.emit(line))

    # ---- exceptions
    def s_try(self, c):
        self.use("try_except")
        cr = c.child(risky=True)
        self.block("try", lambda: self.body(cr, self.r.randint(1, 3)))
        handlers = self.r.sample([("ZeroDivisionError", "zerodiv"), ("IndexError", "indexerror"),
                                  ("KeyError", "keyerror"), ("ValueError", "valueerror"),
                                  ("FuzzError", "custom_raise"), ("(IndexError, KeyError)", None),
                                  ("ArithmeticError", None), ("LookupError", None)],
                                 self.r.randint(0, 3))
        record = "caught.append(type(e).__name__ + ': ' + str(e))"
        for exc, _ in handlers:
            def h():
                self.emit(record)
                if self.chance(0.3):
                    self.body(c.child(if_depth=2), 1)
            self.block(f"except {exc} as e", h)
        self.block("except Exception as e", lambda: self.emit("caught.append(('other', type(e).__name__, str(e)))"))
        if self.chance(0.3):
            self.use("try_else")
            self.block("else", lambda: self.body(c.child(if_depth=2), 1))
        if self.chance(0.25):
            self.use("try_finally")
            self.block("finally", lambda: self.body(c.child(if_depth=2, in_finally=True), 1))

    def s_risky(self, c):
        v = self.pick(c.assignable)
        k = self.pick(["zdiv", "zmod", "index", "key", "tkey", "intx", "intf", "raise", "helper",
                       "pop", "min", "del", "fdiv"])
        if k == "zdiv":
            self.use("zerodiv")
            self.emit(f"{v} = {self.int_expr(c, 1)} // ({self.small(c)} % {self.r.randint(2, 4)})")
        elif k == "zmod":
            self.use("zerodiv")
            self.emit(f"{v} = {self.int_expr(c, 1)} % ({self.small(c)} - {self.r.randint(-2, 8)})")
        elif k == "index":
            self.use("indexerror", "list")
            self.emit(f"{v} = L0[{self.small(c)} + {self.r.randint(0, 30)}]")
        elif k == "key":
            self.use("keyerror", "dict")
            self.emit(f"{v} = D0[{self.small(c)}]")
        elif k == "tkey":
            self.use("keyerror", "dict", "str")
            self.emit(f"{v} = T0['k' + str({self.small(c)})]")
        elif k == "intx":
            self.use("valueerror", "call_builtin", "ternary")
            self.emit(f"{v} = int('x' if {self.cond(c)} else str({self.small(c)}))")
        elif k == "intf":
            self.use("valueerror", "call_builtin", "float")
            self.emit(f"{v} = int({self.float_expr(c)}) % 1000")
        elif k == "raise":
            self.use("custom_raise")
            self.block(f"if {self.cond(c)}", lambda: self.emit(f"raise FuzzError(f'bad {{{self.small(c)}}}')"))
        elif k == "helper" and any(r for _, r in self.helpers[:c.helpers]):
            self.use("raise_in_helper", "call_helper")
            h = self.pick([n for n, r in self.helpers[:c.helpers] if r])
            self.emit(f"{v} = {h}({self.small(c)}, {self.small(c)})")
        elif k == "pop":
            self.use("indexerror", "list")
            self.emit(f"{v} = L0.pop({self.small(c)})")
        elif k == "min":
            self.use("valueerror", "call_builtin", "list")
            self.emit(f"{v} = {self.pick(['min', 'max'])}(L0[{self.r.randint(0, 40)}:])")
        elif k == "del" and "D0" not in c.frozen:
            self.use("keyerror", "dict")
            self.emit(f"del D0[{self.small(c)}]")
        else:
            self.use("zerodiv", "float")
            self.emit(f"x0 = {self.float_expr(c, 1)} / ({self.pick(FLOAT_VARS)} * 0.0)")

    # ---- loops
    def s_loop(self, c):
        if c.loop_depth:
            self.use("nested_loop")
        # Outer loops are sometimes long, so that counters pass through every
        # small value (the small-int cache end, round numbers, ...).
        cap = min(c.budget, [400 if self.chance(0.3) else 60, 12, 5][c.loop_depth])
        n = self.nloops
        self.nloops += 1
        kinds = ["range", "range", "step", "negstep", "while", "while_true"]
        if c.full:
            kinds += ["list", "enum", "items"]
        k = self.pick(kinds)
        i = f"i{n}"
        lv = [i]
        frozen = set()
        if k == "range":
            self.use("for_range")
            bound = self.r.randint(1, cap)
            header = f"for {i} in range({bound})"
        elif k == "step":
            self.use("for_range", "range_step")
            s = self.r.randint(2, 4)
            start = self.r.randint(-5, 5)
            bound = self.r.randint(1, cap)
            header = f"for {i} in range({start}, {start + bound * s}, {s})"
        elif k == "negstep":
            self.use("for_range", "range_neg_step")
            s = self.r.randint(1, 3)
            bound = self.r.randint(1, cap)
            header = f"for {i} in range({bound * s}, 0, -{s})"
        elif k == "list":
            self.use("for_list", "list")
            bound = min(41, cap)
            header = f"for {i} in {self.pick(['L0', 'L1'])}" + (f"[:{cap}]" if cap < 41 else "")
        elif k == "enum":
            self.use("for_list", "enumerate", "list")
            bound = min(41, cap)
            e = f"e{n}"
            lv.append(e)
            header = f"for {i}, {e} in enumerate({self.pick(['L0', 'L1'])}[:{cap}])"
        elif k == "items":
            self.use("for_dict_items", "dict")
            bound = 17
            if cap < bound:
                return self.s_int(c)
            v = f"v{n}"
            lv.append(v)
            d = self.pick(["D0", "D0", "T0"])
            frozen.add(d)
            header = f"for {i}, {v} in {d}.items()"
            if d == "T0":        # keys are strings here
                lv = [v]
                header = f"for k{n}, {v} in T0.items()"
        else:
            self.use("while")
            bound = self.r.randint(1, cap)
            w = f"w{n}"
            self.emit(f"{w} = 0")
            lv = [w]
            if k == "while":
                header = f"while {w} < {bound}"
            else:
                self.use("while_true")
                header = "while True"
        inner = c.child(loop_depth=c.loop_depth + 1, budget=c.budget // max(bound, 1),
                        if_depth=0, in_finally=False)
        inner.loopvars += lv
        inner.frozen |= frozen

        def body():
            if k == "while":
                self.emit(f"{w} += 1")
            elif k == "while_true":
                self.emit(f"{w} += 1")
                self.block(f"if {w} > {bound}", lambda: self.emit("break"))
            if c.full and self.chance(0.6):
                self.use("counter")
                self.emit(f"tk {self.pick(['+=', '+=', '+=', '-='])} {self.pick([1, 1, 1, 2, 3, 5, 8])}")
            self.body(inner)
        self.block(header, body)

    # ------------------------------------------------------------ functions
    def helper(self, idx):
        """h{idx}(p, q): branches and returns, may call lower helpers, may loop or raise."""
        name = f"h{idx}"
        risky = self.chance(0.35)
        # Helpers may call only h0, so that the number of calls stays small.
        c0 = Ctx(full=False, ints=["p", "q"], budget=6, helpers=min(idx, 1))
        c = c0.child(ints=["p", "q", "r"], assignable=["p", "q", "r"])

        def body():
            self.emit(f"r = {self.int_expr(c0, 1)}")
            if risky:
                self.use("custom_raise", "raise_in_helper")
                self.block(f"if p % {self.r.randint(3, 9)} == {self.r.randint(0, 2)}",
                           lambda: self.emit(f"raise FuzzError(f'{name} {{p}} {{q}}')"))
            if self.chance(0.4):
                self.use("for_range")
                j = f"j{idx}"

                def loop():
                    self.emit(f"r = (r + {j} * {self.small(c.child(loopvars=[j]))}) % 100003")
                    if self.chance(0.5):
                        self.use("break")
                        self.block(f"if r > {self.r.randint(10, 500)}", lambda: self.emit("break"))
                self.block(f"for {j} in range(q % {self.r.randint(2, 6)})", loop)
            self.use("if")
            self.block(f"if {self.cond(c)}", lambda: self.emit(f"return {self.int_expr(c)}"))
            if self.chance(0.6):
                self.use("elif")
                self.block(f"elif {self.cond(c)}", lambda: self.emit(f"return {self.int_expr(c)}"))
            self.emit(f"return {self.int_expr(c)}")
        self.block(f"def {name}(p, q)", body)
        self.helpers.append((name, risky))
        self.emit("")

    def recursive(self):
        self.use("recursion")
        self.block("def rec(n)", lambda: self.emit("return n if n < 2 else rec(n - 1) + rec(n - 2) % 1000"))
        self.emit("")

    def function(self, idx):
        c = Ctx(helpers=len(self.helpers))

        def body():
            self.emit(f"a0, a1, a2, a3 = n, {self.const_int()}, {self.const_int()}, {self.const_int()}")
            self.emit("big = 1")
            self.emit("tk = 0")
            self.emit(f"x0, x1 = {self.pick(FLOAT_CONSTS)}, {self.pick(FLOAT_CONSTS + ['-0.0'])}")
            self.emit("b0, b1 = True, n > 3")
            self.emit(f"L0 = [{', '.join(self.const_int() for _ in range(self.r.randint(1, 6)))}, n]")
            self.emit("L1 = []")
            self.emit("D0 = {0: 1, 1: n, 5: -2}")
            self.emit("T0 = {'k0': 0, 'k3': n}")
            self.emit("s0 = ''")
            self.emit(f"o0 = Obj(n, {self.pick(FLOAT_CONSTS)})")
            self.emit("objs = [Obj(j, j * 0.5) for j in range(3)]")
            self.emit("caught = []")
            for _ in range(self.r.randint(1, 3)):
                self.s_loop(c)
                if self.chance(0.5):
                    self.stmt(c)
            self.emit(f"return dg({STATE})")
        self.block(f"def f{idx}(n)", body)
        self.emit("")

    def tail(self):
        """A failing end: an exception (or SystemExit) from inside a hot loop."""
        self.use("uncaught")
        k = self.r.randint(8, 40)
        kind = self.pick(["div", "index", "key", "int", "raise", "helper", "chain", "chain_from",
                          "exit", "assert"])

        def body():
            self.emit("acc = 0")
            self.emit(f"L = list(range({k}))")
            self.emit(f"D = {{j: j * 2 for j in range({k})}}")

            def loop():
                self.emit("acc = (acc + i * 3) % 10007")
                if kind == "div":
                    self.use("zerodiv")
                    self.emit(f"acc += 100 // ({k} - i)")
                elif kind == "index":
                    self.use("indexerror")
                    self.emit("acc += L[i]")
                elif kind == "key":
                    self.use("keyerror")
                    self.emit("acc += D[i]")
                elif kind == "int":
                    self.use("valueerror")
                    self.emit(f"acc += int('x' if i == {k} else str(i))")
                elif kind == "raise":
                    self.use("custom_raise")
                    self.block(f"if i == {k}", lambda: self.emit("raise FuzzError(f'boom {acc}')"))
                elif kind == "helper":
                    self.use("raise_in_helper")
                    self.emit("acc += deep(i)")
                elif kind in ("chain", "chain_from"):
                    self.use("exc_chain", "zerodiv")
                    self.block("try", lambda: self.emit(f"acc += 100 // ({k} - i)"))
                    frm = " from e" if kind == "chain_from" else ""
                    self.block("except ZeroDivisionError as e",
                               lambda: self.emit(f"raise ValueError(f'wrapped {{acc}}'){frm}"))
                elif kind == "exit":
                    self.use("system_exit")
                    self.block(f"if i == {k}", lambda: self.emit("raise SystemExit(acc % 5 + 1)"))
                else:
                    self.block(f"if i == {k}", lambda: self.emit("assert acc < 0, acc"))
            self.block("for i in range(n)", loop)
            self.emit("return acc")
        if kind == "helper":
            self.block("def deep(v)", lambda: (
                self.block(f"if v == {k}", lambda: self.emit("raise FuzzError(f'deep {v}')")),
                self.emit("return v * 2")))
            self.emit("")
        self.block("def boom(n)", body)
        self.emit("")
        self.emit(f"print('boom', boom({k + self.r.randint(1, 20)}))")

    def program(self):
        self.emit(f"# pypyjit differential fuzz program, seed {self.seed}")
        self.lines += PRELUDE.splitlines()
        self.emit("")
        for i in range(self.r.randint(1, 4)):
            self.helper(i)
        if self.chance(0.3):
            self.recursive()
        nf = self.r.randint(1, 3)
        for i in range(nf):
            self.function(i)
        for i in range(nf):
            self.emit(f"print('f{i}', f{i}({self.r.randint(-3, 12)}))")
            if self.chance(0.4):
                self.emit(f"print('f{i}b', f{i}({self.r.randint(-3, 12)}))")
        if self.chance(0.6):
            # a hot loop at module level: globals instead of fast locals
            self.use("module_loop", "call_helper", "for_range")
            self.emit("acc = 0")
            h = self.pick([n for n, r in self.helpers if not r] or ["abs"])
            args = "(t)" if h == "abs" else "(t, acc % 7)"
            self.block(f"for t in range({self.r.randint(5, 60)})",
                       lambda: self.emit(f"acc = (acc * 3 + {h}{args}) % 99991"))
            self.emit("print('mod', acc)")
        if "rec(n)" in "\n".join(self.lines):
            self.emit(f"print('rec', [rec(k) for k in range({self.r.randint(3, 14)})])")
        if self.chance(0.25):
            self.tail()
        return "\n".join(self.lines) + "\n"


def generate(seed):
    """Return (source, constructs) of the program for `seed`."""
    g = Gen(seed)
    src = g.program()
    return src, frozenset(g.used)
