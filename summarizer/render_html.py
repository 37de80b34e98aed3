"""The minutes as HTML (jinja2, autoescaped): a fragment for the server's page, or a standalone file.

Every piece of text — names, captions, what the recorder typed — is escaped by jinja2; the only markup is
what the templates write, and links point only at anchors inside the document (``#c-SEQ``: the transcript
line of log event SEQ).
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import jinja2
from markupsafe import Markup

from .blocks import Block, Span, parse
from .document import STATUS_LABELS, Document
from .fmt import clock, cn_date


@dataclasses.dataclass
class ListNode:
    kind: ClassVar[str] = "list"
    ordered: bool
    items: list[ItemNode] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class ItemNode:
    spans: tuple[Span, ...]
    children: list[ListNode] = dataclasses.field(default_factory=list)


def nodes(blocks: list[Block]) -> list[Block | ListNode]:
    """Blocks with consecutive list items folded into nested lists."""
    out: list[Block | ListNode] = []
    stack: list[ListNode] = []
    for b in blocks:
        if b.kind != "item":
            stack.clear()
            out.append(b)
            continue
        depth = min(b.level, len(stack))  # a jump of two levels is read as one
        del stack[depth + 1 :]
        if len(stack) == depth:
            lst = ListNode(ordered=b.number is not None)
            if depth == 0:
                out.append(lst)
            else:
                parent = stack[depth - 1]
                if not parent.items:
                    parent.items.append(ItemNode(()))
                parent.items[-1].children.append(lst)
            stack.append(lst)
        stack[depth].items.append(ItemNode(b.spans))
    return out


_TEMPLATES = {
    "macros": """
{%- macro spans(ss) -%}
{%- for s in ss -%}
{%- if s.href -%}<a href="{{ s.href }}">{% endif -%}
{%- if s.bold -%}<strong>{{ s.text }}</strong>{%- else -%}{{ s.text }}{%- endif -%}
{%- if s.href -%}</a>{%- endif -%}
{%- endfor -%}
{%- endmacro -%}
{%- macro list(node) -%}
<{{ 'ol' if node.ordered else 'ul' }}>
{%- for item in node.items %}<li>{{ spans(item.spans) }}
{%- for child in item.children %}{{ list(child) }}{% endfor %}</li>
{%- endfor %}</{{ 'ol' if node.ordered else 'ul' }}>
{%- endmacro -%}
{%- macro blocks(items) -%}
{%- for b in items -%}
{%- if b.kind == 'list' %}{{ list(b) }}
{%- elif b.kind == 'heading' %}{% set h = 3 if b.level <= 3 else 4 %}<h{{ h }}>{{ spans(b.spans) }}</h{{ h }}>
{%- elif b.kind == 'table' %}<table>{% for row in b.rows %}{% set header = loop.first %}<tr>
{%- for cell in row %}{% if header %}<th>{{ spans(cell) }}</th>{% else %}<td>{{ spans(cell) }}</td>{% endif %}
{%- endfor %}</tr>{% endfor %}</table>
{%- elif b.kind == 'note' %}<p class="note">{{ spans(b.spans) }}</p>
{%- else %}<p>{{ spans(b.spans) }}</p>
{%- endif %}
{% endfor -%}
{%- endmacro -%}
""",
    "fragment": """{% import 'macros' as m -%}
<article class="minutes" data-status="{{ doc.status }}">
<header><h1>{{ doc.heading }}</h1>
<p class="status status-{{ doc.status }}">{{ status }}（{{ date }}）</p></header>
{% for s in sections %}<section id="s-{{ s.id }}" data-section="{{ s.id }}"><h2>{{ s.title }}</h2>
{{ m.blocks(s.nodes) }}</section>
{% endfor %}<section id="s-record"><h2>记录核验</h2>{{ m.blocks(record) }}</section>
<section id="s-transcript"><h2>附录：会议记录全文</h2>
{% if doc.transcript %}<ol class="transcript">
{% for c in doc.transcript -%}
<li id="c-{{ c.seq }}"><time>{{ clock(c.start) }}</time> <b>{{ c.speaker }}</b>：{{ c.text }}</li>
{% endfor %}</ol>{% else %}<p>（无字幕记录）</p>{% endif %}</section>
</article>""",
    "standalone": """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ doc.heading }}</title>
<style>
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;
max-width:52rem;margin:2rem auto;padding:0 1rem;line-height:1.7;color:#222}
h1{font-size:1.6rem}h2{border-bottom:1px solid #ccc;margin-top:2rem}table{border-collapse:collapse}
th,td{border:1px solid #bbb;padding:.2rem .6rem}.note,.status{color:#555}.transcript{font-size:.95rem}
.transcript time{color:#666;font-variant-numeric:tabular-nums}code{word-break:break-all}
</style></head><body>
{{ body }}
</body></html>""",
}

_ENV = jinja2.Environment(
    loader=jinja2.DictLoader(_TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=False,
    lstrip_blocks=False,
)


def _context(doc: Document) -> dict[str, Any]:
    return {
        "doc": doc,
        "status": STATUS_LABELS.get(doc.status, doc.status),
        "date": cn_date(doc.date),
        "sections": [
            {"id": s.section_id, "title": s.title, "nodes": nodes(parse(body))} for s, body in doc.bodies()
        ],
        "record": nodes(parse("\n".join(f"- {line}" for line in doc.record))),
        "clock": clock,
    }


def fragment(doc: Document) -> Markup:
    """The minutes as an ``<article>`` to place in a page."""
    return Markup(_ENV.get_template("fragment").render(**_context(doc)))


def render_html(doc: Document) -> str:
    """A standalone HTML file of the minutes (styles inline, no scripts, no external resources)."""
    return _ENV.get_template("standalone").render(doc=doc, body=fragment(doc))
