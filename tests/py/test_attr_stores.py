"""Attribute stores compiled inline (instance values, __slots__ members,
materialised __dict__s, split or combined, as 3.11's *_WITH_HINT):
the same results as CPython when the class or the instance changes under the
loop -- attributes added (insertion order of vars()), deleted, a class
attribute turned into a data descriptor, `__setattr__` defined, `__class__`
assigned, `__dict__` written directly. JIT off vs on, a loop compiled."""
import re
import textwrap

import pytest

from jitrun import CHECK_COMPILED, compare
from test_traces import body, the_loop

SNIPPETS = {
    "values_and_slots": """
        class P:
            def __init__(self, x):
                self.x = x
                self.y = 0.5
        class S:
            __slots__ = ('a', 'b')
        def f(n):
            p = P(1)
            s = S()
            s.a = 0
            for i in range(n):
                p.x = p.x + i
                p.y *= 1.0001
                s.a = s.a + 1
                s.b = i
            return p.x, p.y, s.a, s.b, vars(p)
        print(f(3000))
    """,
    "attribute_added_and_deleted_mid_loop": """
        class P:
            pass
        def f(n):
            p = P()
            p.a = 0
            for i in range(n):
                p.a = i
                if i == n - 10:
                    p.z = 5
                if i == n - 5:
                    del p.a
                    p.a = 3
            return list(vars(p).items())
        print(f(300))
    """,
    "first_store_keeps_insertion_order": """
        class Q:
            pass
        def f(n):
            qs = [Q() for _ in range(n)]
            for i in range(n):
                q = qs[i]
                if i % 2:
                    q.b = i
                    q.a = -i
                else:
                    q.a = i
                    q.b = -i
            return [list(vars(q).items()) for q in qs[-4:]]
        print(f(300))
    """,
    "descriptor_and_setattr_added_mid_loop": """
        log = []
        class P:
            pass
        def f(n):
            p = P()
            p.v = 0
            for i in range(n):
                p.v = i
                if i == 100:
                    P.v = property(lambda self: -1, lambda self, val: log.append(val))
                if i == 200:
                    del P.v
                    P.__setattr__ = lambda self, k, val: log.append((k, val))
            return vars(p), log[:3], len(log)
        print(f(300))
    """,
    "class_assigned_and_dict_written": """
        class A:
            pass
        class B:
            pass
        def f(n):
            p = A()
            p.x = 0
            for i in range(n):
                p.x = i
                if i == 100:
                    p.__dict__['x'] = 'direct'
                    p.__dict__['y'] = 1
                if i == 200:
                    p.__class__ = B
            return type(p).__name__, vars(p)
        print(f(300))
    """,
    "old_value_finalizer_runs_at_the_store": """
        import sys
        log = []
        class D:
            def __init__(self, k):
                self.k = k
            def __del__(self):
                fr = sys._getframe(1)
                log.append((self.k, fr.f_code.co_name, fr.f_lineno))
        class Box:
            pass
        def f(n):
            b = Box()
            b.d = D(-1)
            for i in range(n):
                t = i * 2
                b.d = D(i) if i % 50 == 0 else b.d
            return log[-3:], len(log)
        print(f(300))
    """,
    "materialised_dicts_split_and_combined": """
        class A:
            def __init__(self, i):
                self.x = i
                self.y = i * 2
                self.__dict__["z"] = i * 3      # split dict: shares the class's keys
            def get(self):
                return self.x + self.y + self.z
        class C:
            def __init__(self, i):
                self.x = i
                d = self.__dict__
                d[1] = "int key"                 # general keys: not specialised
                del d[1]
                self.y = i
                self.z = -i
            def get(self):
                return self.z
        class B(A):
            def get(self):
                return self.z
        def f(objs):
            t = 0
            for o in objs:
                t += o.x + o.get() + o.z
                o.y = o.y + 1
                o.x = t % 7
            return t
        objs = [A(i) for i in range(50)] + [B(i) for i in range(20)]
        objs += [C(i) for i in range(10)]
        for k in range(40):
            r = f(objs)
        print(r, [o.y for o in objs[:5]], vars(objs[0]), vars(objs[-1]))
        combined = A(5)
        for n in range(40):
            setattr(combined, "extra%d" % n, n)   # grows into a combined dict
        objs.append(combined)
        print(f(objs), vars(combined)["extra7"])
        objs[3].get = lambda: 1000               # the instance shadows the method
        print(f(objs))
        A.z = property(lambda self: -1)          # a data descriptor now wins
        print(f(objs))
        del objs[0].__dict__["x"]
        try:
            f(objs)
        except AttributeError as e:
            print("AE", e)
        objs[2].__dict__ = {"x": 1, "y": 2}      # a new dict, without z
        try:
            f(objs[1:])
        except AttributeError as e:
            print("AE", e)
        print(f(objs[3:]))
    """,
}


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_attribute_stores_match_cpython(name):
    compare(textwrap.dedent(SNIPPETS[name]) + CHECK_COMPILED)


def test_store_attr_has_no_call():
    """An instance attribute store in a loop: guarded stores into the
    values array, no setattr call."""
    loop = the_loop("""
        class P:
            def __init__(self):
                self.x = 0
                self.s = 0.0
        def f(n):
            p = P()
            for i in range(n):
                p.x = i
                p.s = p.s + 1.5
            return p.x, p.s
        print(f(1000))
    """, "f")
    ops = body(loop)
    assert not [op for op in ops if "setattr" in op], ops
    assert [op for op in ops if re.match(r"setfield_gc\(p\d+, .*values\[", op)], ops
