"""`python3 -m pypyjit PROGRAM` must run PROGRAM exactly as `python3 PROGRAM`.

Each case runs both in subprocesses and compares returncode, stdout and
stderr byte for byte: sys.argv, __main__, sys.path, exit statuses and
tracebacks (which must not show the runner's frames).  The programs have
module-level loops, so their first frame already runs in the JIT's
interpreter.
"""
import os
import py_compile
import subprocess
import textwrap

import pytest

from jitrun import env

PY = "/usr/bin/python3"
JIT = "threshold=3"

# Prints what a program can see of how it was started; the atexit handler
# shows that python3 removes __main__.__file__ once a file has run.
INFO = """\
import atexit, sys
total = 0
for i in range(100):
    total += i
print(total, sys.argv, __name__, sys.path)
print(list(globals()))
print(type(__loader__).__name__, getattr(__spec__, "name", __spec__), globals().get("__file__"), globals().get("__cached__"))
print(sys.modules["__main__"].__dict__ is globals(), sys._getframe().f_code.co_filename)
atexit.register(lambda: print("at exit:", "__file__" in vars(sys.modules["__main__"])))
"""

RAISE = """\
def inner(n):
    try:
        return 1 // n
    except ZeroDivisionError as e:
        raise ValueError(f"bad {n}") from e
def outer():
    for i in range(10, -1, -1):
        try:
            inner(i)
        except ValueError:
            {}["missing"]
outer()
"""

PROGRAMS = {
    "info": INFO,
    "exit_0": INFO + "sys.exit(0)\n",
    "exit_3": INFO + "for i in range(50):\n    if i == 40:\n        sys.exit(3)\n",
    "exit_msg": INFO + "sys.exit('msg')\n",
    "exit_none": INFO + "sys.exit()\n",
    "exit_object": INFO + "raise SystemExit([1, 'two'])\n",
    "exit_caught": INFO + "try:\n    sys.exit(5)\nexcept SystemExit as e:\n    print('caught', e.code)\n",
    "uncaught_chained": INFO + RAISE,
    "syntax_error": INFO + "x = (1,\n",
    "bad_indent": "if True:\nprint(1)\n",
    "keyboard_interrupt": INFO + """\
atexit.register(lambda: print(sys.last_type.__name__, sys.last_traceback.tb_frame.f_code.co_name))
for i in range(100):
    if i == 90:
        raise KeyboardInterrupt
""",
    "keyboard_interrupt_subclass": "class Stop(KeyboardInterrupt):\n    pass\nraise Stop('x')\n",
    "excepthook": INFO + """\
import traceback
def hook(t, v, tb):
    print("hook", t.__name__, v.__traceback__ is tb, sys.exc_info(), sys.last_value is v)
    print([f.name for f in traceback.extract_tb(tb)])
    print([f.name for f in traceback.extract_tb(v.__context__.__traceback__)])
sys.excepthook = hook
""" + RAISE,
    "excepthook_raises": "import sys\ndef hook(*a):\n    1 / 0\nsys.excepthook = hook\nraise ValueError(1)\n",
    "excepthook_exits": "import sys\ndef hook(*a):\n    sys.exit(7)\nsys.excepthook = hook\nraise ValueError(1)\n",
    "excepthook_missing": "import sys\ndel sys.excepthook\nraise ValueError(1)\n",
    "latin1_source": "# -*- coding: latin-1 -*-\nprint('\xe9t\xe9')\nraise ValueError('\xe9')\n",
}


def run(cmd, cwd=None, stdin=None):
    p = subprocess.run(cmd, cwd=cwd, input=stdin, capture_output=True, env=env(), timeout=120)
    return p.returncode, p.stdout, p.stderr


def both(args, cwd=None, stdin=None, jit=JIT):
    """Run `python3 ARGS` and `python3 -m pypyjit --jit JIT ARGS`; assert identical."""
    plain = run([PY, *args], cwd, stdin)
    on = run([PY, "-m", "pypyjit", "--jit", jit, *args], cwd, stdin)
    assert on == plain, (f"pypyjit differs from python3\n--- python3:\n{fmt(plain)}"
                         f"\n--- pypyjit:\n{fmt(on)}")
    return on


def fmt(outcome):
    rc, out, err = outcome
    return f"returncode {rc}\nstdout:\n{out.decode(errors='replace')}stderr:\n{err.decode(errors='replace')}"


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("latin-1" if "latin-1" in text else "utf-8"))
    return path


@pytest.mark.parametrize("name", PROGRAMS)
def test_script(tmp_path, name):
    write(tmp_path / "sub" / "prog.py", PROGRAMS[name])
    # Options after the program belong to it.
    both(["sub/prog.py", "a", "--jit", "off", "-c", "-h"], cwd=tmp_path)


def test_expected_outcomes(tmp_path):
    """Guard against both sides failing alike: the cases do what they claim."""
    expect = {"info": 0, "exit_3": 3, "exit_msg": 1, "exit_object": 1,
              "uncaught_chained": 1, "syntax_error": 1, "keyboard_interrupt": -2,
              "keyboard_interrupt_subclass": 1, "excepthook_exits": 7}
    for name, status in expect.items():
        path = write(tmp_path / f"{name}.py", PROGRAMS[name])
        rc, out, err = run([PY, "-m", "pypyjit", "--jit", JIT, str(path)])
        assert rc == status, (name, err)
    rc, out, err = run([PY, "-m", "pypyjit", str(tmp_path / "uncaught_chained.py")])
    assert b"__main__.py" not in err and b"runpy" not in err
    assert err.count(b"Traceback (most recent call last):") == 3


@pytest.mark.parametrize("name", ["info", "uncaught_chained", "keyboard_interrupt"])
def test_absolute_and_symlinked_script(tmp_path, name):
    script = write(tmp_path / "real" / "prog.py", PROGRAMS[name])
    link = tmp_path / "links" / "link.py"
    link.parent.mkdir()
    link.symlink_to(os.path.join("..", "real", "prog.py"))
    both([str(script), "x"])
    both(["links/link.py", "x"], cwd=tmp_path)    # sys.path[0] is real/


@pytest.mark.parametrize("name", ["info", "uncaught_chained", "exit_msg", "keyboard_interrupt"])
def test_command(tmp_path, name):
    both(["-c", PROGRAMS[name], "a", "-m", "b"], cwd=tmp_path)


def test_command_syntax_error(tmp_path):
    both(["-c", "print(1)\nx = (1,"], cwd=tmp_path)
    both(["-cprint(2)", "z"], cwd=tmp_path)


@pytest.mark.parametrize("name", ["info", "uncaught_chained", "exit_3", "syntax_error"])
def test_stdin(tmp_path, name):
    both(["-", "a", "b"], cwd=tmp_path, stdin=PROGRAMS[name].encode())


@pytest.mark.parametrize("name", ["info", "uncaught_chained", "exit_msg", "keyboard_interrupt"])
def test_module(tmp_path, name):
    write(tmp_path / "pkg" / "__init__.py", "import sys\nprint('init', sys.argv)\n")
    write(tmp_path / "pkg" / "mod.py", PROGRAMS[name])
    write(tmp_path / "pkg" / "__main__.py", PROGRAMS[name])
    both(["-m", "pkg.mod", "a", "--jit", "x"], cwd=tmp_path)
    both(["-m", "pkg"], cwd=tmp_path)
    both(["-mpkg.mod"], cwd=tmp_path)


def test_module_errors(tmp_path):
    write(tmp_path / "pkg" / "__init__.py", "raise ImportError('no')\n")
    both(["-m", "nosuchmodule"], cwd=tmp_path)
    both(["-m", "pkg.mod"], cwd=tmp_path)


@pytest.mark.parametrize("name", ["info", "uncaught_chained"])
def test_directory_with_main(tmp_path, name):
    write(tmp_path / "app" / "__main__.py", PROGRAMS[name])
    both(["app", "arg"], cwd=tmp_path)
    (tmp_path / "empty").mkdir()
    both(["empty"], cwd=tmp_path)


@pytest.mark.parametrize("name", ["info", "uncaught_chained"])
def test_pyc(tmp_path, name):
    src = write(tmp_path / "prog.py", PROGRAMS[name])
    py_compile.compile(str(src), cfile=str(tmp_path / "prog.pyc"), doraise=True)
    src.unlink()
    both(["prog.pyc"], cwd=tmp_path)


def test_missing_script(tmp_path):
    both(["nosuch.py", "a"], cwd=tmp_path)
    both([str(tmp_path / "nosuch.py")])


# A module-level hot loop calling a function with a loop.  Under pypyjit the
# program also reports, last, whether frames ran in the JIT's own interpreter
# (in total, and during the program's own run).
HOT = """\
import sys
jit = sys.modules.get("pypyjit")
def own_frames():  # entered through the evaluator, or called inline by the interpreter
    c = jit._pypyjit.counters()
    return c["INTERP_FRAMES"] + c["INLINE_CALLS"]
start = own_frames() if jit else None
def triangle(n):
    s = 0
    for i in range(n):
        s += i
    return s
total = 0
for i in range(300):
    total += triangle(i)
print(total, sys.argv[1:])
if jit:
    now = own_frames()
    print("interp frames:", now > 0)
    print("during the program:", now - start > 0)
"""


@pytest.mark.parametrize("jit, report", [
    ("threshold=3", "interp frames: True\nduring the program: True\n"),
    ("threshold=3,trace_eagerness=2", "interp frames: True\nduring the program: True\n"),
    ("default", "interp frames: True\nduring the program: True\n"),
    # The runner's own frames may have run in the JIT before it was turned off.
    ("off", "during the program: False\n"),
])
def test_jit_active_from_first_line(tmp_path, jit, report):
    write(tmp_path / "hot.py", HOT)
    plain = run([PY, "hot.py", "x"], tmp_path)
    on = run([PY, "-m", "pypyjit", "--jit", jit, "hot.py", "x"], tmp_path)
    assert plain[0] == 0 and plain[2] == b"" and b"interp" not in plain[1]
    assert (on[0], on[2]) == (0, b"")
    assert on[1].startswith(plain[1]) and on[1].endswith(report.encode()), on[1]


def test_jit_off_then_default(tmp_path):
    write(tmp_path / "hot.py", HOT)
    on = run([PY, "-m", "pypyjit", "--jit", "off", "--jit=default", "hot.py"], tmp_path)
    assert on[1].endswith(b"during the program: True\n")


@pytest.mark.parametrize("value, culprit", [
    ("nosuch=3", "nosuch"),
    ("threshold=abc", "threshold"),
    ("threshold=3,trace_eagerness=x", "trace_eagerness"),
    ("threshold=-1", "threshold"),
    ("threshold", "threshold"),
])
def test_bad_jit_value(value, culprit):
    rc, out, err = run([PY, "-m", "pypyjit", "--jit", value, "-c", "print('ran')"])
    lines = err.decode().splitlines()
    assert (rc, out, len(lines)) == (2, b"", 1), err
    assert lines[0].startswith("python3 -m pypyjit: error: ") and culprit in lines[0], lines


@pytest.mark.parametrize("args", [[], ["--jit"], ["--jit", "off"], ["-O", "x.py"], ["-c"], ["-m"]])
def test_usage_errors(args):
    rc, out, err = run([PY, "-m", "pypyjit", *args])
    assert (rc, out) == (2, b""), err
    assert err.decode().startswith("python3 -m pypyjit: error: ") and err.count(b"\n") == 1


@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_help(flag):
    rc, out, err = run([PY, "-m", "pypyjit", flag, "-c", "print('ran')"])
    assert (rc, err) == (0, b"")
    assert out.startswith(b"usage: python3 -m pypyjit ") and b"--jit" in out and b"ran" not in out


RECURSE = "def d(n):\n    for i in range(1):\n        return d(n + 1)\nd(0)\n"


@pytest.mark.parametrize("jit", [JIT, "off"])
def test_recursion_limit_reached_at_the_same_depth(tmp_path, jit):
    # The runner's own frames and calls are given back to the recursion
    # limit: the RecursionError and its "[Previous line repeated N more
    # times]" are python3's, for a script, -c and -m.
    write(tmp_path / "rec.py", RECURSE)
    both(["rec.py"], cwd=tmp_path, jit=jit)
    both(["-c", RECURSE], cwd=tmp_path, jit=jit)
    both(["-m", "rec"], cwd=tmp_path, jit=jit)
