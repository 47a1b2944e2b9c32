"""Module-level loops: LOAD_NAME / STORE_NAME on the module's dict (the
frame's locals and globals at once) compile. A name the module stores to
is read from its dict entry at every use, guarded by the dict's keys
version and the value's class; other names keep their object, guarded;
stores go through the dict's own store. Behaviour stays CPython's when the
dict changes from elsewhere: a function rebinding a module variable, a
name added or deleted while the loop runs, builtins shadowed, the same
code run by exec() with other namespaces. JIT off vs on, low thresholds."""
import textwrap

import pytest

from jitrun import CHECK_COMPILED, compare

SNIPPETS = {
    "counters_and_floats": """
        import math
        total = 0
        x = 0.5
        best = None
        for i in range(3000):
            total += i * 3 % 7
            x = x * 0.999 + math.sqrt(i)
            if best is None or x > best:
                best = x
        print(total, x, best, i)
    """,
    "rebound_by_a_function": """
        count = 0
        def bump(k):
            global count
            count += k
        for i in range(2000):
            bump(i % 3)
            if i % 500 == 0:
                count = -count
        print(count)
    """,
    "names_added_and_deleted_while_looping": """
        acc = 0
        for i in range(1500):
            acc += i
            if i == 700:
                globals()["late_name"] = i
            if i > 700:
                acc += late_name
            if i == 1200:
                del late_name
                late_name = -1
        print(acc, late_name)
    """,
    "builtins_shadowed_mid_loop": """
        out = 0
        for i in range(1200):
            out += len("abc")
            if i == 600:
                len = lambda s: 100
        del len
        print(out, len("xy"))
    """,
    "same_code_other_namespaces": """
        src = '''
        t = 0
        for i in range(400):
            t += i * k
        '''
        code = compile(src, "<mod>", "exec")
        results = []
        for k in range(1, 6):
            ns = {"k": k}
            exec(code, ns)
            results.append(ns["t"])
        g = {"k": 3}
        loc = {}
        exec(code, g, loc)
        results.append((loc["t"], "t" in g))
        print(results)
    """,
    "global_stores_in_functions": """
        import sys
        hits = 0
        seen = []
        def hit(k):
            global hits
            hits += k
            if hits % 97 == 0:
                seen.append((sys._getframe(1).f_code.co_name, sys._getframe(1).f_locals.get("i")))
        def run(n):
            for i in range(n):
                hit(i % 5)
            return hits
        print(run(3000), run(10), seen[:6], len(seen))
    """,
    "class_body_loop": """
        class Table:
            rows = []
            for i in range(300):
                rows.append(i * i % 11)
            total = sum(rows)
        print(Table.total, Table.i)
    """,
    "nested_module_loops_and_types": """
        grid = []
        for y in range(40):
            row = 0
            for x in range(30):
                row += (x * y) % 5
                if x == 20 and y % 7 == 0:
                    row = row * 1.5
            grid.append(row)
        s = ""
        for ch in "abcdefghij" * 200:
            s = ch + s[:5]
        print(sum(grid), grid[:9], s)
    """,
}


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_module_loops_match_cpython(name):
    code = textwrap.dedent(SNIPPETS[name])
    if name == "counters_and_floats":
        code += CHECK_COMPILED
    compare(code)
