"""Run a Python program with the JIT active from its first line.

usage: python3 -m pypyjit [-h] [--jit PARAMS] (script | -m module | -c command | -) [arg ...]

The program runs exactly as ``python3 script``, ``python3 -m module``,
``python3 -c command`` or ``python3 -`` (program read from stdin) would run
it: same ``sys.argv``, fresh ``__main__`` module, ``sys.path[0]``, exit
status (``sys.exit(...)``, uncaught exceptions, KeyboardInterrupt) and
byte-identical tracebacks -- the runner's own frames are cut off before the
traceback is printed.  A script may also be a directory or zip file holding a
``__main__.py``, or a ``.pyc`` file, as with python3.

Options (only before the program; everything after it belongs to the program):
  -h, --help     print this help and exit
  --jit PARAMS   passed to ``pypyjit.set_param``: ``NAME=VALUE,...``, ``off``
                 (run without the JIT) or ``default``; may be repeated

Not supported: python3's own interpreter options (-i, -X, -O, -u, ...; give
them to python3 itself: ``python3 -X dev -m pypyjit ...``) and the
interactive prompt (``-`` always reads the whole program from stdin).
Known difference: frame introspection (``sys._getframe``, ``inspect.stack``,
``warnings.warn(stacklevel=...)`` beyond the program's first frame) still
sees the runner's frames.
"""
import builtins
import importlib.machinery
import importlib.util
import marshal
import os
import runpy
import sys

import pypyjit

PROG = "python3 -m pypyjit"
USAGE = f"usage: {PROG} [-h] [--jit PARAMS] (script | -m module | -c command | -) [arg ...]"
HELP = USAGE + "\n\n" + __doc__.split("\n\n", 2)[2]


class UsageError(Exception):
    """A bad command line: reported as one line, exit status 2."""


MISSING = object()   # sys.excepthook deleted (not merely None)


def parse(argv):
    """Return (jit_params, mode, target, program_args); mode is 'script', '-m', '-c' or '-'."""
    jit = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        i += 1
        if arg in ("-h", "--help"):
            sys.stdout.write(HELP)
            sys.exit(0)
        if arg == "--jit" or arg.startswith("--jit="):
            if arg == "--jit":
                if i == len(argv):
                    raise UsageError("argument --jit: expected one argument")
                arg, i = argv[i], i + 1
            else:
                arg = arg[len("--jit="):]
            jit.append(arg)
        elif arg[:2] in ("-c", "-m"):        # python3 also accepts "-cCODE", "-mMOD"
            if len(arg) > 2:
                return jit, arg[:2], arg[2:], argv[i:]
            if i == len(argv):
                raise UsageError(f"argument {arg}: expected one argument")
            return jit, arg, argv[i], argv[i + 1:]
        elif arg == "-":
            return jit, "-", None, argv[i:]
        elif arg == "--":
            if i == len(argv):
                break
            return jit, "script", argv[i], argv[i + 1:]
        elif arg.startswith("-"):
            raise UsageError(f"unrecognized option {arg!r}")
        else:
            return jit, "script", arg, argv[i:]
    raise UsageError("no program given (script, -m module, -c command or -)")


def apply_jit(text):
    """Apply one --jit value; its errors name the bad parameter."""
    try:
        pypyjit.set_param(text)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"argument --jit: {exc}") from None


def new_main_module():
    """Install a fresh __main__ like the one python3 starts with (ours is the runner)."""
    main = type(sys)("__main__")
    main.__annotations__ = {}
    main.__builtins__ = builtins
    main.__loader__ = importlib.machinery.BuiltinImporter
    sys.modules["__main__"] = main
    return main.__dict__


def set_path0(path0):
    """Replace the sys.path[0] that `python3 -m pypyjit` added (the cwd) by the program's."""
    if not sys.flags.safe_path:
        sys.path[0] = path0


def script_path0(argv0):
    """sys.path[0] for a script: its directory, after resolving symlinks (as python3)."""
    path0 = argv0
    try:
        link = os.readlink(argv0)
    except (OSError, ValueError):
        link = ""
    if link.startswith("/"):
        path0 = link
    elif "/" in link:
        path0 = argv0[:argv0.rfind("/") + 1] + link
    try:
        path0 = os.path.realpath(path0, strict=True)
    except (OSError, ValueError):
        pass
    sep = path0.rfind("/")
    return "" if sep < 0 else path0[:sep] or "/"


def c_abspath(path):
    """python3's absolute script name: the cwd joined without normalisation."""
    if path in ("", "."):
        return os.getcwd()
    return path if path.startswith("/") else os.getcwd() + "/" + path


def flush_io():
    """What python3 does after running a file, before printing its error."""
    for f in (sys.stderr, sys.stdout):
        try:
            f.flush()
        except Exception:
            pass


def run_file(source, filename, globals_, pyc=False):
    """Compile and run a program file's contents in `globals_`."""
    if pyc:
        if source[:4] != importlib.util.MAGIC_NUMBER:
            raise RuntimeError("Bad magic number in .pyc file")
        code = marshal.loads(source[16:])
        if type(code) is not type(run_file.__code__):
            raise RuntimeError("Bad code object in .pyc file")
    else:
        code = compile(source, filename, "exec", dont_inherit=True)
    exec(code, globals_)


def call(func, *args):
    """Run func(*args); return the uncaught exception, if any, other than SystemExit.

    SystemExit propagates: python3's top level handles it exactly as it would
    have for the program itself. What the runner uses of the recursion limit
    (its frames and C calls, down to here; plus run_file's frame and its
    exec() call when that runs the program) is given back for the program's
    run: python3 runs a program with none of its own on the stack, and a
    module it runs with -m through runpy, as we do."""
    c = pypyjit._pypyjit
    adjust = getattr(c, "adjust_recursion", None)
    hidden = 0
    if adjust is not None:
        # recursion_depth() counts its own C call: one less
        hidden = c.recursion_depth() - 1 + (2 if func is run_file else 0)
        adjust(hidden)
    try:
        func(*args)
    except SystemExit:
        raise
    except BaseException as exc:
        return exc
    finally:
        if adjust is not None:
            adjust(-hidden)
    return None


def user_traceback(tb):
    """Drop the runner's frames from the head of a traceback."""
    while tb is not None and tb.tb_frame.f_globals is globals():
        tb = tb.tb_next
    return tb


def print_uncaught(exc):
    """Print an uncaught exception as python3's PyErr_Print does.

    Called outside of any `except` block so that the hook runs, as in
    python3, with no exception being handled."""
    tb = exc.__traceback__ = user_traceback(exc.__traceback__)
    typ = type(exc)
    sys.last_type, sys.last_value, sys.last_traceback = typ, exc, tb
    hook = sys.__dict__.get("excepthook", MISSING)
    try:
        sys.audit("sys.excepthook", None if hook is MISSING else hook, typ, exc, tb)
    except RuntimeError:
        return
    if hook is MISSING:
        sys.stderr.write("sys.excepthook is missing\n")
        sys.__excepthook__(typ, exc, tb)
        return
    error = call(hook, typ, exc, tb)
    if error is not None:
        # The display prefers an exception's own __traceback__ to its argument.
        error.__traceback__ = user_traceback(error.__traceback__)
        sys.stderr.write("Error in sys.excepthook:\n")
        sys.__excepthook__(type(error), error, error.__traceback__)
        sys.stderr.write("\nOriginal exception was:\n")
        sys.__excepthook__(typ, exc, tb)


def exit_after(exc):
    """Leave as python3 does after printing an uncaught exception.

    Status 1, except for a KeyboardInterrupt: python3 then kills itself with
    SIGINT after finalisation.  It does so only if the exception reaches its
    top level, so re-raise it there with a one-shot excepthook that restores
    what we printed instead of printing it a second time."""
    if type(exc) is not KeyboardInterrupt:
        sys.exit(1)
    tb = exc.__traceback__
    saved_hook = sys.excepthook

    def silent(typ, value, _tb):
        sys.excepthook = saved_hook
        value.__traceback__ = sys.last_traceback = tb
    sys.excepthook = silent
    raise exc


def path_importer(path_item):
    """The importer sys.path_hooks give a path (a directory or a zip file;
    None for a plain file), as python3 asks for one before running a path:
    pkgutil.get_importer's lookup, without importing pkgutil (and typing,
    which it imports: 10 ms at every start)."""
    try:
        return sys.path_importer_cache[path_item]
    except KeyError:
        pass
    for hook in sys.path_hooks:
        try:
            importer = hook(path_item)
        except ImportError:
            continue
        sys.path_importer_cache.setdefault(path_item, importer)
        return importer
    return None


def run_path_or_stdin(path):
    """Run a script, package directory, zip file or stdin (path None) like python3.

    Return the uncaught exception (or None) and, for a file run directly,
    the __main__ dict whose __file__ is to be removed after the run."""
    if path is None:
        set_path0(script_path0("-"))
        source, filename = sys.stdin.buffer.read(), "<stdin>"
    else:
        filename = c_abspath(path)
        if not sys.flags.safe_path:
            del sys.path[0]
        if path_importer(filename) is not None:  # has a __main__.py
            sys.path.insert(0, filename)
            new_main_module()
            return call(runpy._run_module_as_main, "__main__", False), None
        if not sys.flags.safe_path:
            sys.path.insert(0, script_path0(path))
        try:
            with open(filename, "rb") as f:
                source = f.read()
        except OSError as exc:
            sys.stderr.write(f"{sys.orig_argv[0]}: can't open file {filename!r}: "
                             f"[Errno {exc.errno}] {exc.strerror}\n")
            sys.exit(2)
    globals_ = new_main_module()
    globals_["__file__"], globals_["__cached__"] = filename, None
    # python3 takes a file for a .pyc by its name or its magic number.
    pyc = path is not None and (filename.endswith(".pyc")
                                or source[:2] == importlib.util.MAGIC_NUMBER[:2])
    if path is not None:    # from stdin python3 leaves __loader__ alone
        m = importlib.machinery
        loader = m.SourcelessFileLoader if pyc else m.SourceFileLoader
        globals_["__loader__"] = loader("__main__", filename)
    exc = call(run_file, source, filename, globals_, pyc)
    flush_io()
    return exc, globals_


def main():
    try:
        jit, mode, target, args = parse(sys.argv[1:])
        for text in jit:
            apply_jit(text)
    except UsageError as exc:
        sys.stderr.write(f"{PROG}: error: {exc}\n")
        sys.exit(2)

    file_globals = None
    if mode == "-m":
        sys.argv = ["-m", *args]       # runpy puts the module's path there
        set_path0(os.getcwd())
        new_main_module()
        # python3 -m calls this very function: its frames are in tracebacks.
        exc = call(runpy._run_module_as_main, target)
    elif mode == "-c":
        sys.argv = ["-c", *args]
        set_path0("")
        exc = call(run_file, target, "<string>", new_main_module())
    else:
        sys.argv = [target or "-", *args]
        exc, file_globals = run_path_or_stdin(target)
    if exc is not None:
        print_uncaught(exc)
    if file_globals is not None:    # python3 removes these once the file has run
        file_globals.pop("__file__", None)
        file_globals.pop("__cached__", None)
    if exc is not None:
        exit_after(exc)


if __name__ == "__main__":
    main()
