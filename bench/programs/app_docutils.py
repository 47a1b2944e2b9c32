"""Application: Docutils (Debian python3-docutils) rendering reST to HTML.

Generates a reStructuredText document (sections, paragraphs with inline
markup, bullet/enumerated/definition/field lists, literal blocks, simple
and grid tables, footnotes, hyperlink targets, admonitions, substitutions)
and renders it with docutils.core.publish_string to HTML5.  Exercises a
large real code base: the state-machine parser (regex transitions,
nested state machines per block), the node tree (many small objects,
list-of-children walks), transforms, and the visitor-based HTML writer.

Prints sizes, element counts and a crc32 of the HTML.
"""

import sys
import zlib

if sys.implementation.name == "pypy":  # Debian's python3-* are CPython-only
    sys.path.append("/usr/lib/python3/dist-packages")

from docutils.core import publish_string

SECTIONS = 80     # top-level sections in the generated document

SETTINGS = {
    "_disable_config": True,      # ignore /etc/docutils.conf and ~/.docutils
    "embed_stylesheet": False,
    "stylesheet_path": "",
    "report_level": 5,            # no system messages on stderr
    "halt_level": 5,
    "datestamp": None,
    "generator": False,
    "input_encoding": "unicode",
    "output_encoding": "unicode",
}


def make_document(sections):
    out = ["=======================",
           "Benchmark Document",
           "=======================",
           "",
           ":Author: Nobody",
           ":Version: 1.0",
           "",
           ".. |proj| replace:: *Project Example*",
           "",
           ".. contents:: Table of Contents",
           "   :depth: 2",
           ""]
    for s in range(sections):
        title = "Section %d: topic %s" % (s, "abcdefghij"[s % 10] * (s % 4 + 1))
        out += [title, "=" * len(title), ""]
        for p in range(3):
            out.append("Paragraph %d of section %d with *emphasis*, **strong text**, "
                       "``inline literal``, a reference to |proj|, a link to "
                       "`target %d`_ and a footnote [#f%d_%d]_. Some more words follow "
                       "here to make the paragraph wrap over a few lines of text."
                       % (p, s, s, s, p))
            out.append("")
        out += [".. _target %d: https://example.org/section/%d" % (s, s), ""]
        for p in range(3):
            out += [".. [#f%d_%d] Footnote %d of section %d." % (s, p, p, s), ""]
        sub = "Subsection %d.1" % s
        out += [sub, "-" * len(sub), ""]
        out += ["- bullet item %d with ``code``" % k for k in range(5)] + [""]
        out += ["%d. enumerated item *%d*" % (k + 1, k) for k in range(4)] + [""]
        out += ["term %d\n   Definition of term %d, with a `role`:code: reference.\n"
                % (k, k) for k in range(3)]
        out += [":field %d: value %d" % (k, s * k) for k in range(3)] + [""]
        out += ["Example code::", "",
                "    def f%d(x):" % s,
                "        return x * %d + 1" % s, ""]
        out += [".. note::", "", "   A note about section %d." % s, ""]
        out += ["=====  =====  ======",
                "A      B      A or B",
                "=====  =====  ======"]
        for a in (0, 1):
            for b in (0, 1):
                out.append("%-5s  %-5s  %-6s" % (bool(a), bool(b), bool(a or b)))
        out += ["=====  =====  ======", ""]
        out += ["+------------+------------+",
                "| Header %-3d | Header 2   |" % s,
                "+============+============+",
                "| cell       | cell %-5d |" % (s * 7),
                "+------------+------------+",
                "| spans both columns %-4d |" % s,
                "+-------------------------+", ""]
    return "\n".join(out) + "\n"


def main():
    source = make_document(SECTIONS)
    html = publish_string(source, writer_name="html5", settings_overrides=SETTINGS)
    print("source: %d lines, %d chars" % (source.count("\n"), len(source)))
    print("html: %d chars" % len(html))
    for tag in ("<h1", "<h2", "<h3", "<p>", "<li>", "<table", "<pre", "<a ", "footnote"):
        print("%-9s %d" % (tag, html.count(tag)))
    print("crc32=%08x" % zlib.crc32(html.encode()))


if __name__ == "__main__":
    main()
