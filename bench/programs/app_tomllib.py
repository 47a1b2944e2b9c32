"""Application: the stdlib TOML parser (tomllib) on a generated document.

Parses a large generated TOML document several times with Python 3.11's
pure-Python tomllib: nested [a.b.c] tables, arrays of tables ([[...]]),
dotted keys, inline tables, arrays, basic/literal/multi-line strings with
escapes, integers in several bases, floats, booleans and dates.  Exercises
real parser code nobody in this project wrote: a character-at-a-time
scanner, many small function calls, string slicing, regex matches for
numbers and dates, and NestedDict.get_or_create_nest's dict walking.

Prints key counts and a crc32 of a canonical JSON dump of the result.
"""

import json
import tomllib
import zlib

PYPY = False  # tomllib is new in Python 3.11; PyPy 3.9 has none

SERVICES = 120   # [service.<name>...] table groups in the document
PARSES = 30      # how many times the document is parsed


def make_document(services):
    """A deterministic TOML document with *services* service sections."""
    out = ['# generated benchmark document',
           'title = "TOML \\"benchmark\\" \\u00e9 doc"',
           'version = 3',
           'owner.name = "Tom Preston-Werner"',
           'owner.dob = 1979-05-27T07:32:00-08:00',
           'owner.meta.tags = ["a", "b", \'c\']',
           '']
    for i in range(services):
        name = "svc%03d" % i
        out.append("[service.%s]" % name)
        out.append('enabled = %s' % ("true" if i % 3 else "false"))
        out.append('port = %d' % (8000 + i))
        out.append('weight = %d.%03d' % (i % 17, (i * 37) % 1000))
        out.append('mask = 0x%04X' % (i * 2654435761 % 65536))
        out.append('perm = 0o%o' % (i % 512))
        out.append('flags = 0b%s' % bin(i * 7 + 1)[2:])
        out.append('big = %s' % format(i * 1000003, "_"))
        out.append('ratio = %de-%d' % (i + 1, i % 5 + 1))
        out.append('started = 2023-%02d-%02d' % (i % 12 + 1, i % 28 + 1))
        out.append('at = %02d:%02d:%02d.%03d' % (i % 24, i % 60, (i * 7) % 60, i % 1000))
        out.append("path = 'C:\\Users\\svc\\%s'" % name)
        out.append('desc.short = "service \\t%d"' % i)
        out.append('desc.long.text = """\nLine one of %s\\\n    continued\nline "two"\n"""' % name)
        out.append('limits = { cpu = %d, mem = "%dMi", burst = { on = %s, n = %d } }'
                   % (i % 8 + 1, 64 * (i % 16 + 1), "true" if i % 2 else "false", i))
        out.append('ports = [ %s ]' % ", ".join(str(9000 + i * 10 + k) for k in range(i % 7 + 1)))
        out.append('matrix = [[1, 2], [%d, %d], ["x", "y"]]' % (i, -i))
        out.append('')
        out.append("[service.%s.env.vars]" % name)
        for k in range(6):
            out.append('VAR_%d = "value-%d-%d"' % (k, i, k))
        out.append('nested.deep.er.key%d = %d' % (i % 4, i))
        out.append('')
        for k in range(i % 4 + 1):
            out.append("[[service.%s.endpoint]]" % name)
            out.append('url = "https://example.org/%s/%d"' % (name, k))
            out.append('timeout = %d.5' % (k + 1))
            out.append('retry.count = %d' % k)
            out.append('retry.backoff = [%s]' % ", ".join("%d.25" % j for j in range(k + 2)))
            out.append("[service.%s.endpoint.headers]" % name)
            out.append('Accept = "text/plain"')
            out.append('"X-Id" = "%s-%d"' % (name, k))
            out.append('')
    for i in range(services // 2):
        out.append("[[group]]")
        out.append('id = %d' % i)
        out.append('members = [%s]' % ", ".join('"svc%03d"' % j for j in range(i % 5, services, 23)))
        out.append("[[group.rule]]")
        out.append('allow = true')
        out.append('cidr = "10.%d.0.0/16"' % (i % 256))
        out.append('')
    return "\n".join(out) + "\n"


def count(value):
    """(tables, leaves) in a parsed TOML value."""
    if isinstance(value, dict):
        tables, leaves = 1, 0
        for v in value.values():
            t, l = count(v)
            tables += t
            leaves += l
        return tables, leaves
    if isinstance(value, list):
        tables = leaves = 0
        for v in value:
            t, l = count(v)
            tables += t
            leaves += l
        return tables, leaves
    return 0, 1


def main():
    doc = make_document(SERVICES)
    data = None
    for _ in range(PARSES):
        data = tomllib.loads(doc)
    tables, leaves = count(data)
    canon = json.dumps(data, sort_keys=True, default=str)
    print("document: %d lines, %d chars" % (doc.count("\n"), len(doc)))
    print("parsed %d times: %d tables, %d leaves" % (PARSES, tables, leaves))
    print("services=%d groups=%d" % (len(data["service"]), len(data["group"])))
    print("svc007.desc.long.text=%r" % data["service"]["svc007"]["desc"]["long"]["text"])
    print("json crc32=%08x len=%d" % (zlib.crc32(canon.encode()), len(canon)))


if __name__ == "__main__":
    main()
