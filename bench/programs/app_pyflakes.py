"""Application: pyflakes (Debian python3-pyflakes) checking stdlib modules.

Runs pyflakes' checker over a fixed list of CPython 3.11 standard library
source files read from /usr/lib/python3.11 (the same text on every
machine with Debian's python3.11).  Exercises real static-analysis code:
ast.parse, then pyflakes' recursive AST visitor with getattr-based
dispatch per node type, scope stacks of dict subclasses, binding objects,
deferred functions and message formatting.

Prints the number of messages per file and a crc32 of all messages.
"""

import io
import sys
import zlib

if sys.implementation.name == "pypy":  # Debian's python3-* are CPython-only
    sys.path.append("/usr/lib/python3/dist-packages")

from pyflakes import api, reporter

STDLIB = "/usr/lib/python3.11/"
# Chosen to parse under Python 3.9 too and to use no builtin newer than 3.9
# (pyflakes reports e.g. EncodingWarning as undefined on PyPy 3.9), so that
# PyPy's output matches CPython's.
FILES = ["argparse.py", "datetime.py", "tarfile.py", "inspect.py", "typing.py",
         "zipfile.py", "enum.py", "ast.py", "statistics.py", "threading.py"]
PASSES = 1       # how many times the whole list is checked


def main():
    sources = []
    for name in FILES:
        with open(STDLIB + name, encoding="utf-8") as f:
            sources.append((name, f.read()))
    total = 0
    crc = 0
    counts = {}
    for _ in range(PASSES):
        for name, text in sources:
            out, err = io.StringIO(), io.StringIO()
            counts[name] = api.check(text, name, reporter.Reporter(out, err))
            report = out.getvalue() + err.getvalue()
            crc = zlib.crc32(report.encode(), crc)
            total += counts[name]
    for name, text in sources:
        print("%-16s %5d lines %3d messages" % (name, text.count("\n"), counts[name]))
    print("files=%d passes=%d messages=%d" % (len(FILES), PASSES, total))
    print("crc32=%08x" % crc)


if __name__ == "__main__":
    main()
