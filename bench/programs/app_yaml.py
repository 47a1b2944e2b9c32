"""Application: PyYAML (Debian python3-yaml) dumping and loading a document.

Builds a generated configuration-like document (nested mappings and
sequences, strings needing quoting, multi-line strings, ints, floats,
booleans, nulls, dates, anchors/aliases from shared objects) and round-trips
it through PyYAML's pure-Python implementation: yaml.dump with yaml.Dumper
(emitter, serializer, representer) and yaml.load with yaml.Loader (reader,
scanner, parser, composer, constructor) -- never the libyaml C versions.
Exercises a deep stack of small methods, many attribute accesses on
self, isinstance-heavy dispatch, regexes for implicit resolvers, and
string building character by character.

Prints sizes, node counts and crc32 checksums of the YAML text.
"""

import datetime
import sys
import zlib

if sys.implementation.name == "pypy":  # Debian's python3-* are CPython-only
    sys.path.append("/usr/lib/python3/dist-packages")

import yaml

ITEMS = 140      # records in the generated document
ROUNDS = 5       # dump + load round trips


def make_document(items):
    shared = {"region": "eu-west", "tier": "gold", "limits": [1, 2, 3]}
    records = []
    for i in range(items):
        records.append({
            "id": i,
            "name": "record-%04d" % i,
            "title": "Item #%d: 'quoted' & \"double\" %s" % (i, "x" * (i % 9)),
            "enabled": i % 3 != 0,
            "ratio": i / 7.0,
            "big": 10 ** (i % 25),
            "neg": -i * 31,
            "none": None,
            "when": datetime.date(2020 + i % 5, i % 12 + 1, i % 28 + 1),
            "tags": ["t%d" % (i % k) for k in range(2, 2 + i % 6)],
            "text": "line one of %d\nline two: with colon\n  indented three\n" % i,
            "yesno": ["yes", "no", "on", "off", "null", "~", "1e3", "0x1F"][i % 8],
            "nested": {"level1": {"level2": {"values": list(range(i % 10)),
                                             "pair": [i, str(i)]}}},
            "shared": shared,  # the same object every time: an anchor + aliases
        })
    return {"version": 1, "generated": "benchmark", "records": records,
            "index": {"r%04d" % i: i * i for i in range(items)}}


def count_nodes(node):
    if isinstance(node, dict):
        return 1 + sum(count_nodes(k) + count_nodes(v) for k, v in node.items())
    if isinstance(node, list):
        return 1 + sum(count_nodes(v) for v in node)
    return 1


def main():
    doc = make_document(ITEMS)
    crc = 0
    for _ in range(ROUNDS):
        text = yaml.dump(doc, Dumper=yaml.Dumper, default_flow_style=False, width=72)
        crc = zlib.crc32(text.encode(), crc)
        loaded = yaml.load(text, Loader=yaml.Loader)
        assert loaded == doc
        flow = yaml.dump(loaded["records"][:ITEMS // 4], Dumper=yaml.Dumper,
                         default_flow_style=True)
        crc = zlib.crc32(flow.encode(), crc)
        again = yaml.load(flow, Loader=yaml.Loader)
        assert again == doc["records"][:ITEMS // 4]
    print("block text: %d lines, %d chars" % (text.count("\n"), len(text)))
    print("flow text: %d chars" % len(flow))
    print("nodes=%d anchors=%d aliases=%d" % (count_nodes(loaded), text.count("&id"),
                                              text.count("*id")))
    print("record 5 text=%r yesno=%r" % (loaded["records"][5]["text"],
                                         loaded["records"][5]["yesno"]))
    print("crc32=%08x" % crc)


if __name__ == "__main__":
    main()
