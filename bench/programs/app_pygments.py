"""Application: Pygments (Debian python3-pygments) highlighting to HTML.

Highlights a fixed list of CPython 3.11 standard library source files
(read from /usr/lib/python3.11) with Pygments' PythonLexer and formats
them with HtmlFormatter (line numbers in a table, CSS classes).  Exercises
real library code: the RegexLexer state machine (a generator driving
compiled regexes over the text, callbacks, state stacks), token type
lookups, the formatter's per-token escaping and span building, and a long
chain of generators between lexer, filters and formatter.

Prints token and size counts and a crc32 of the HTML produced.
"""

import sys
import zlib

if sys.implementation.name == "pypy":  # Debian's python3-* are CPython-only
    sys.path.append("/usr/lib/python3/dist-packages")

from pygments import highlight, lex
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

STDLIB = "/usr/lib/python3.11/"
FILES = ["argparse.py", "difflib.py", "enum.py", "shutil.py", "pathlib.py",
         "threading.py", "configparser.py", "textwrap.py", "tarfile.py",
         "functools.py"]


def main():
    lexer = PythonLexer()
    formatter = HtmlFormatter(linenos="table", cssclass="source", lineanchors="L")
    total_tokens = total_html = 0
    crc = 0
    for name in FILES:
        with open(STDLIB + name, encoding="utf-8") as f:
            text = f.read()
        tokens = sum(1 for _ in lex(text, lexer))
        html = highlight(text, lexer, formatter)
        crc = zlib.crc32(html.encode(), crc)
        total_tokens += tokens
        total_html += len(html)
        print("%-16s %5d lines %6d tokens %7d html chars" % (name, text.count("\n"),
                                                               tokens, len(html)))
    style = formatter.get_style_defs(".source")
    crc = zlib.crc32(style.encode(), crc)
    print("files=%d tokens=%d html=%d" % (len(FILES), total_tokens, total_html))
    print("crc32=%08x" % crc)


if __name__ == "__main__":
    main()
