"""List iteration, list item stores, float-vs-int comparisons and class
attribute loads compiled inline (and f-strings, dict displays, `del x[i]`,
star calls and nested functions as residual calls): the same results as CPython when the list
changes while it is iterated, items change type, a store's old item has a
finalizer, a class attribute is rebound, and around NaN and large ints.
JIT off vs on, a loop compiled."""
import re
import textwrap

import pytest

from jitrun import CHECK_COMPILED, compare
from test_traces import body, the_loop

SNIPPETS = {
    "nested_list_reads": """
        import sys
        def matmul(A, B, n):
            C = []
            for i in range(n):
                row = []
                for j in range(n):
                    s = 0.0
                    for k in range(n):
                        s += A[i][k] * B[k][j]
                    row.append(s)
                C.append(row)
            return C
        def fresh(n):
            t = 0
            for i in range(n):
                t += [[i, i + 1], [i * 2]][i % 2][0]   # the only reference: freed after
                t += list(range(3))[i % 3]
            return t
        def augmented(n):
            A = [[0] * 5 for _ in range(5)]
            for i in range(n):
                A[i % 5][i % 3] += i            # the row copied on the stack (COPY)
                A[i % 5][4] -= 1
                x = [[i, 2]][0]
                x[0] += 1
            return A, x
        def rows_replaced(rows, n):
            t = 0
            for i in range(n):
                t += rows[i % 4][i % 3]
                if i % 50 == 0:
                    rows[i % 4] = [i, i, i]         # the old row's last reference goes
            return t
        n = 30
        A = [[(i * j) % 7 + 0.5 for j in range(n)] for i in range(n)]
        B = [[(i + j) % 5 - 1.5 for j in range(n)] for i in range(n)]
        C = matmul(A, B, n)
        print(sum(map(sum, C)), C[3][:4])
        print(fresh(500), rows_replaced([[1, 2, 3] for _ in range(4)], 1000), augmented(1000))
        print(sys.getrefcount(A[0]) == sys.getrefcount(B[0]))
    """,
    "set_and_dict_comprehensions": """
        class K:
            def __init__(self, v):
                self.v = v
            def __hash__(self):
                return hash(self.v % 7)
            def __eq__(self, o):
                return isinstance(o, K) and o.v % 7 == self.v % 7
            def __repr__(self):
                return "K(%d)" % self.v
        import sys
        class Noisy:
            def __init__(self, k):
                self.k = k
            def __del__(self):
                # released by MAP_ADD (a repeated key): the comprehension's
                # frame is the caller, its loop variable as CPython has it
                log.append((self.k, sys._getframe(1).f_locals.get("i")))
        log = []
        def f(n):
            a = {i % 97 for i in range(n)}
            b = {i: i * i for i in range(n)}
            c = {str(i % 13): [i] for i in range(n)}
            d = {K(i) for i in range(n)}
            e = {K(i): i for i in range(n)}
            g = {i % 5: Noisy(i) for i in range(n)}
            h = {x: y for x, y in zip("abcabc", range(n))}
            bad = None
            try:
                {[i]: 1 for i in range(n)}
            except TypeError as ex:
                bad = str(ex)
            return (len(a), sum(b.values()), sorted(c.items())[:3], sorted(d, key=lambda k: k.v),
                    sorted(e.values())[:5], sorted(g), h, bad)
        for n in (10, 100, 3000):
            print(f(n), len(log), log[-3:])
    """,
    "for_over_list_mutated_while_iterated": """
        def f(n):
            xs = list(range(n))
            t = 0
            for x in xs:
                t += x
                if x == 10:
                    xs.append(-1)
                if x == 50:
                    del xs[-20:]
            seen = []
            ys = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] * 20
            for y in ys:
                seen.append(y)
                if len(seen) == 100:
                    ys.clear()
            return t, len(xs), len(seen)
        print(f(300))
    """,
    "for_over_list_items_change_type": """
        def f(n):
            xs = [i for i in range(n)] + [0.5, "s", None, 7]
            t = 0
            out = []
            for x in xs:
                if type(x) is int:
                    t += x
                else:
                    out.append(x)
            return t, out
        print(f(300))
    """,
    "list_item_stores": """
        def f(n):
            a = [0] * 10
            b = [0.0] * 10
            c = [None] * 10
            for i in range(n):
                k = i % 10
                a[k] = a[k] + i
                b[k] += 0.5
                c[k] = i if i % 3 else "x"
                if i == n - 3:
                    a[-1] = -1
            try:
                for i in range(n):
                    a[i] = i
            except IndexError as e:
                err = str(e)
            return a, b, c, err
        print(f(300))
    """,
    "list_store_releases_object_with_finalizer": """
        import sys
        log = []
        class D:
            def __init__(self, k):
                self.k = k
            def __del__(self):
                log.append((self.k, sys._getframe(1).f_code.co_name))
        def f(n):
            slots = [D(-1), D(-2)]
            for i in range(n):
                j = i * 3
                slots[i % 2] = D(i) if i % 40 == 0 else slots[i % 2]
            return log[-3:], len(log)
        print(f(300))
    """,
    "float_compared_with_int_constants": """
        def f(n):
            xs = [0.5 * i - 50.0 for i in range(n)] + [float("nan"), 1e300, -0.0]
            a = b = c = 0
            for x in xs:
                if x < 0:
                    a += 1
                if x >= 100:
                    b += 1
                if x == 3:
                    c += 1
                if x != 9007199254740993:
                    c += 2
            return a, b, c
        print(f(300))
    """,
    "class_attributes_and_methods_through_the_class": """
        class Base:
            scale = 2
            def twice(self, x):
                return x * self.scale
        class Sub(Base):
            def twice(self, x):
                return Base.twice(self, x) + Sub.scale
        def f(n):
            s = Sub()
            t = 0
            for i in range(n):
                t += Sub.scale + s.twice(i)
                if i == 150:
                    Base.scale = 3
                if i == 200:
                    Sub.scale = 1
            return t
        print(f(300))
    """,
    "nested_loop_outer_given_up_inner_compiled": """
        def f(n):
            t = 0
            for i in range(n):
                for j in [1, 2, 3, 4, 5, 6, 7, 8]:
                    t += i * j
                t -= len(str(i))
            return t
        print(f(500))
    """,
    "quiet_operations_on_builtin_types": """
        def f(words, n):
            counts = {}
            out = []
            total = 0
            for i in range(n):
                w = words[i % len(words)]
                key = w.lower()
                counts[key] = counts.get(key, 0) + 1
                if "a" in w and w != "banana":
                    out.append(w.upper() + str(i % 7))
                total += ord(w[0]) + len(w) + abs(i - 50) + max(i, 3) - min(i, 9)
                total += len(out) + hash(i * 3) % 7
            return counts, out[-3:], total
        print(f(["Apple", "banana", "Cherry", "date", "Avocado"], 400))
    """,
    "quiet_operations_raise_as_cpython": """
        import traceback
        def f(d, xs, n):
            t = 0
            for i in range(n):
                t += d["k%d" % (i % 4)] + xs[i % 6] + len("ab" * i)
            return t
        try:
            f({"k0": 1, "k1": 2, "k2": 3}, [1, 2, 3, 4, 5, 6], 300)
        except KeyError:
            traceback.print_exc()
        try:
            f({"k0": 1, "k1": 2, "k2": 3, "k3": 4}, [1, 2, 3, 4, 5], 300)
        except IndexError:
            traceback.print_exc()
        def g(n):
            t = 0
            for i in range(n):
                t += max(i, 5) if i < 290 else max(i, "s")
            return t
        try:
            g(300)
        except TypeError:
            traceback.print_exc()
    """,
    "str_keyed_dict_gets_a_key_with_python_eq": """
        import sys
        log = []
        class K:
            def __init__(self, s):
                self.s = s
            def __hash__(self):
                return hash(self.s)
            def __eq__(self, other):
                log.append(sys._getframe(1).f_code.co_name)
                return other == self.s
        def f(d, n):
            t = 0
            for i in range(n):
                t += d.get("a", 0) + d["b"] + ("c" in d)
                if i == 200:
                    d[K("zz")] = 5
                    del d["a"]
                    d[K("a")] = 7
            return t, len(log)
        print(f({"a": 1, "b": 2}, 300))
    """,
    "keyword_and_many_argument_calls": """
        import traceback
        def g(a, b=1, *, c=2, d=3):
            return a + b * c - d
        def h(a, b, c, d, e, f):
            return a * b + c - d + e * f
        def f(n):
            t = 0
            for i in range(n):
                t += g(i, c=3) + g(i, 2, d=i) + h(i, 1, 2, 3, 4, 5)
            return t
        print(f(300))
        def k(n):
            t = 0
            for i in range(n):
                t += g(i, c=3, e=5) if i > 290 else 1
            return t
        try:
            k(300)
        except TypeError:
            traceback.print_exc()
    """,
    "slices": """
        def f(n, s):
            out = []
            xs = list(s)
            for i in range(n):
                out.append(s[i % 5: i % 5 + 3])
                out.append(s[::2][i % 3])
                out.append(xs[i % 3:])
                out.append(s[-3:None])
            return out[-8:], len(out)
        print(f(300, "abcdefghij"))
        class Idx:
            def __index__(self):
                return 2
        def g(n, s):
            out = []
            for i in range(n):
                out.append(s[Idx() if i > 280 else 1:])
            return out[-3:]
        print(g(300, "abcdef"))
    """,
    "list_displays_of_constants_and_extend": """
        def f(n, extra):
            t = 0
            for i in range(n):
                xs = [1, 2, 3, 4]
                ys = [*extra, i]
                t += xs[i % 4] + len(ys) + ys[0]
            return t
        print(f(300, (5, 6)))
        def g(n):
            out = []
            for i in range(n):
                out.append([*(range(2) if i > 280 else [i, i])])
            return out[-3:]
        print(g(300))
    """,
    "list_comprehensions": """
        class Box:
            def __init__(self, v):
                self.v = v
        def f(n):
            t = 0
            for k in range(5):
                xs = [i * 2 for i in range(n)]
                ys = [x for x in xs if x % 3]
                zs = [Box(x).v + 0.5 for x in ys]
                t += len(xs) + sum(ys) + len(zs)
            return t, zs[:3]
        print(f(300))
    """,
    "items_and_results_keep_their_identity": """
        def ident(x):
            for _ in ():
                pass
            return x
        def f(n):
            fs = [float(i) + 0.5 for i in range(n)]
            pairs = [(0, x) for x in fs]
            got = [p[1] for p in pairs]
            via_call = [ident(x) for x in fs]
            direct = []
            for i in range(n):
                direct.append(fs[i])
            return (all(a is b for a, b in zip(got, fs)),
                    all(a is b for a, b in zip(via_call, fs)),
                    all(a is b for a, b in zip(direct, fs)))
        print(f(300))
    """,
    "truth_of_objects_in_branches_and_or": """
        class P:
            pass
        class L:
            def __init__(self, n):
                self.n = n
            def __len__(self):
                return self.n
        def count(items):
            c = 0
            for x in items:
                if x:
                    c += 1
                y = x or 5
                z = x and 7
                if not x:
                    c += 100
                c += (1 if y else 2) + (3 if z else 4)
            return c
        kinds = [[0, 1, 2], [0.0, 2.5], ["", "a"], [b"", b"x"], [(), (1,)], [[], [1]],
                 [{}, {1: 2}], [set(), {3}], [None, None], [True, False], [P(), P()],
                 [10 ** 30, -10 ** 30, 0], [frozenset(), frozenset([1])], [L(0), L(2)]]
        out = [count(k * 50) for k in kinds]
        L.__bool__ = lambda self: False
        P.__len__ = lambda self: 0
        out += [count(k * 50) for k in kinds]
        print(out, count(sum(kinds, [])))
    """,
    "fstrings_dict_displays_del_star_calls_lambdas": """
        class R:
            def __repr__(self):
                return "R!"
            def __format__(self, spec):
                return "F" + spec
        def fstrings(n):
            out = []
            for i in range(n):
                s = "x" * (i % 3)
                out.append(f"{i}:{i * 0.5:.2f}|{s!r}|{i:>4}|{i % 2 == 0}|{None}")
            return out
        def fobjects(n, r):
            out = []
            for i in range(n):
                out.append(f"{r!r}{r:spec}{i}")
            return out
        def dicts(n):
            t = 0
            for i in range(n):
                d = {"a": i, "b": i * 2, 3: "three"}
                e = {**d}
                del e["a"]
                t += len(d) + len(e)
            return t
        def star(n):
            def h(a, b, c=0, **kw):
                return a + b + c + len(kw)
            t = 0
            args = (1, 2)
            kw = {"c": 3, "z": 4}
            for i in range(n):
                t += h(*args, **kw)
            for i in range(n):
                t += h(*args)
            return t
        def lambdas(n):
            t = 0
            for i in range(n):
                g = lambda y, k=i: y + k
                t += g(1)
            return t
        def errors(n):
            out = []
            for i in range(n):
                try:
                    d = {"k": i}
                    del d["nope" if i % 50 == 49 else "k"]
                    out.append(f"{i:{'d' if i % 70 else 'q'}}")
                except (KeyError, ValueError) as e:
                    out.append((type(e).__name__, str(e)))
            return out
        print(fstrings(300)[-3:], fobjects(300, R())[-1], dicts(300), star(300), lambdas(300))
        print(errors(300)[-10:])
    """,
}


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_inline_containers_match_cpython(name):
    compare(textwrap.dedent(SNIPPETS[name]) + CHECK_COMPILED)


def test_list_iteration_and_store_have_no_call():
    """`for x in lst` and `lst[i] = v` of floats: no iternext or setitem
    call in the loop."""
    loop = the_loop("""
        def f(xs, out):
            k = 0
            for x in xs:
                out[k] = x * 2.0
                k += 1
            return out
        print(sum(f([0.5] * 1000, [0.0] * 1000)))
    """, "f")
    ops = body(loop)
    assert not [op for op in ops if re.search(r"iternext|setitem", op)], ops
    assert [op for op in ops if op.startswith("setarrayitem_gc(")], ops


def test_truth_of_objects_has_no_call():
    """`if x`, `x or y` on strs, lists and instances of a class without
    __bool__/__len__: fields and class guards, no truth call."""
    loop = the_loop("""
        class P:
            pass
        def f(words, objs):
            c = 0
            for i in range(len(words)):
                w = words[i]
                o = objs[i]
                if w and o:
                    c += 1
                v = w or "default"
                c += len(v)
            return c
        print(f(["a", "", "bc"] * 1000, [P()] * 3000))
    """, "f")
    ops = body(loop)
    assert not [op for op in ops if "truth" in op], ops
