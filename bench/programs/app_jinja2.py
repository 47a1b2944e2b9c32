"""Application: Jinja2 (Debian python3-jinja2) rendering templates.

Compiles a small set of templates (a base layout, a child template that
extends it, an included partial and a macro library) from a DictLoader
with autoescaping on, then renders the page many times with generated
data.  Exercises real template-engine code: Jinja's generated Python
render functions (generators yielding string pieces joined at the end),
its runtime Context/LoopContext/Macro objects, filters (escape, format,
join, title, truncate, default, sum, groupby, ...), attribute lookups
through Environment.getattr, and markupsafe.Markup escaping.

Prints counts and a crc32 of all the rendered output.
"""

import sys
import zlib

if sys.implementation.name == "pypy":  # Debian's python3-* are CPython-only
    sys.path.append("/usr/lib/python3/dist-packages")

import jinja2

RENDERS = 700     # how many pages are rendered
ROWS = 60         # table rows per page

TEMPLATES = {
    "base.html": """<!doctype html>
<html><head><title>{% block title %}Site{% endblock %} - {{ site.name|e }}</title></head>
<body>
<nav>{% for item in site.menu %}<a href="{{ item.url }}"{% if item.active %} class="active"{% endif %}>{{ item.label|title }}</a>{% if not loop.last %} | {% endif %}{% endfor %}</nav>
<main>{% block content %}{% endblock %}</main>
<footer>{% include "footer.html" %}</footer>
</body></html>
""",
    "footer.html": """&copy; {{ site.year }} {{ site.owner|default("nobody") }} -- page {{ page.number }} of {{ page.total }}""",
    "macros.html": """{% macro cell(value, kind="text") -%}
<td class="{{ kind }}">{% if kind == "money" %}{{ "%.2f"|format(value) }}{% elif kind == "flag" %}{{ "yes" if value else "no" }}{% else %}{{ value }}{% endif %}</td>
{%- endmacro %}
{% macro row(item, loop) -%}
<tr class="{{ loop.cycle('odd', 'even') }}" id="row-{{ loop.index }}">{{ cell(item.name) }}{{ cell(item.price, "money") }}{{ cell(item.stock > 0, "flag") }}{{ cell(item.tags|join(", ")) }}</tr>
{%- endmacro %}
""",
    "page.html": """{% extends "base.html" %}
{% from "macros.html" import row %}
{% block title %}{{ page.title|truncate(30) }}{% endblock %}
{% block content %}
<h1>{{ page.title }}</h1>
<p>{{ page.intro }}</p>
<table>
{% for item in items %}{{ row(item, loop) }}
{% else %}<tr><td>no items</td></tr>
{% endfor %}</table>
<p>Total value: {{ "%.2f"|format(items|sum(attribute="price")) }}; in stock: {{ items|selectattr("stock")|list|length }}</p>
<ul>{% for group in items|groupby("category") %}
<li>{{ group.grouper|upper }}: {{ group.list|map(attribute="name")|join(", ") }}</li>{% endfor %}
</ul>
{% set ns = namespace(total=0) %}{% for item in items if item.stock > 5 %}{% set ns.total = ns.total + item.stock %}{% endfor %}
<p>Well stocked units: {{ ns.total }}</p>
{% endblock %}
""",
}


class Item:
    def __init__(self, i, page):
        self.name = "Item <%d> & \"%s\"" % (i, "abc"[i % 3] * (i % 5 + 1))
        self.price = (i * 37 + page * 11) % 1000 / 7.0
        self.stock = (i * page) % 13
        self.tags = ["t%d" % (i % k) for k in range(2, 2 + i % 4)]
        self.category = "cat%d" % (i % 6)


def main():
    env = jinja2.Environment(loader=jinja2.DictLoader(TEMPLATES), autoescape=True,
                             trim_blocks=True)
    template = env.get_template("page.html")
    site = {"name": "Bench & Co", "year": 2024,
            "menu": [{"url": "/%s" % label, "label": label, "active": i == 2}
                     for i, label in enumerate(["home", "about us", "products", "contact"])]}
    crc = 0
    chars = 0
    for n in range(RENDERS):
        items = [Item(i, n) for i in range(ROWS + n % 7)]
        page = {"title": "Product listing number %d of the catalogue" % n,
                "intro": "Prices <b>include</b> tax & shipping.", "number": n + 1,
                "total": RENDERS}
        html = template.render(site=site, page=page, items=items)
        crc = zlib.crc32(html.encode(), crc)
        chars += len(html)
    print("rendered %d pages, %d chars" % (RENDERS, chars))
    print("last page: %d rows, %d lines" % (html.count("<tr"), html.count("\n")))
    print(html[html.index("<p>Total"):html.index("</p>", html.index("<p>Total")) + 4])
    print("crc32=%08x" % crc)


if __name__ == "__main__":
    main()
