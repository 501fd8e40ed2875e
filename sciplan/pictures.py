"""Pictures of a plan as SVG, laid out here in Python.

    chain   the plan and every plan it is based on, up to the national level
            (eli:based_on; a basis that is inferred, not printed, is dashed)
    tree    the plan's parts, sections and task points, with their lead units
            (units stated per section, as in 江门, are shown on the section)

Both read the built store with SPARQL and return SVG text; `render` picks one.

Why not Graphviz: both pictures are a chain and a tree, whose layout is a column and an
indented list — nothing a graph-layout engine is needed for — and Graphviz is a system
package that a fresh machine lacks (the pages showed broken images there). Laid out here,
every figure renders wherever the package installs, in one narrow column (WIDTH user units,
text at FONT_SIZE) that a phone shows at full width with legible text, Chinese wrapped by
its display width. Each node is a link: to the resource's IRI, or through `href` to a local
page (the server passes its own mapping, so a self-hosted server's figures stay on it).
"""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from collections.abc import Callable
from html import escape

import pyoxigraph as ox

from . import vocab
from .config import Settings
from .errors import PictureError

KINDS = ("chain", "tree", "derived", "register")
FONT = "Noto Sans CJK SC, Noto Sans SC, sans-serif"
WIDTH = 360       # user units; a phone 390 px wide shows it at about 1:1
FONT_SIZE = 13
LINE = 18         # line height
LEVEL_COLOURS = {"national": "#fbe9e7", "provincial": "#fff4e0", "prefectural": "#eaf6ea", "county": "#eef4fb"}


Href = Callable[[str], str]


def render(store: ox.Store, settings: Settings, plan: str, kind: str, href: Href | None = None) -> str:
    if kind not in KINDS:
        raise PictureError(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
    return {"chain": chain_svg, "tree": tree_svg, "derived": derived_svg, "register": register_svg}[kind](store, settings, plan, href)


def plan_iri(settings: Settings, plan: str) -> str:
    """An absolute plan IRI from an absolute one or one relative to the base."""
    return plan if plan.startswith(("http://", "https://")) else settings.base + plan.lstrip("/")


def chain_svg(store: ox.Store, settings: Settings, plan: str, href: Href | None = None) -> str:
    return chain_layout(store, settings, plan, href or _same)


def tree_svg(store: ox.Store, settings: Settings, plan: str, href: Href | None = None) -> str:
    return tree_layout(store, settings, plan, href or _same)


def _same(iri: str) -> str:
    return iri


# ---------------------------------------------------------------- queries

CHAIN_PLANS = """
SELECT ?plan ?title ?number ?level ?start ?end WHERE {
  <{plan}> eli:based_on* ?plan .
  ?plan a sp:Plan ; dcterms:title ?title ; sp:level/skos:notation ?level .
  OPTIONAL { ?plan eli:id_local ?number }
  OPTIONAL { ?plan sp:periodStart ?start ; sp:periodEnd ?end }
}
"""

CHAIN_EDGES = """
SELECT ?from ?to ?inferred WHERE {
  <{plan}> eli:based_on* ?from .
  ?from a sp:Plan ; eli:based_on ?to .
  BIND(EXISTS {
    ?st rdf:subject ?from ; rdf:predicate eli:based_on ; rdf:object ?to ; sp:flag/skos:notation "inferred"
  } AS ?inferred)
}
"""

TREE = """
SELECT ?part ?partTitle ?partOrder ?section ?sectionTitle ?sectionNo ?sectionOrder ?task ?taskTitle ?taskNo ?taskOrder
WHERE {
  <{plan}> eli:has_part ?part .
  ?part dcterms:title ?partTitle .
  OPTIONAL { ?part sp:order ?partOrder }
  OPTIONAL {
    ?part eli:has_part ?section .
    ?section dcterms:title ?sectionTitle .
    OPTIONAL { ?section sp:number ?sectionNo }
    OPTIONAL { ?section sp:order ?sectionOrder }
    OPTIONAL {
      ?section eli:has_part ?task .
      ?task dcterms:title ?taskTitle .
      OPTIONAL { ?task sp:number ?taskNo }
      OPTIONAL { ?task sp:order ?taskOrder }
    }
  }
}
"""

LEADS = """
SELECT ?holder ?position ?name WHERE {
  <{plan}> eli:has_part/eli:has_part/eli:has_part? ?holder .
  ?holder sp:assignment ?a .
  ?a sp:role/skos:notation "lead" ; sp:position ?position ; sp:nameAsWritten ?name .
}
"""


def _rows(store: ox.Store, settings: Settings, query: str, plan: str) -> list[dict]:
    return vocab.select(store, query.replace("{plan}", plan), settings.base)


def _check_plan(store: ox.Store, settings: Settings, plan: str) -> str:
    iri = plan_iri(settings, plan)
    if "<" in iri or ">" in iri or " " in iri:
        raise PictureError(f"not an IRI: {plan!r}")
    ask = vocab.prologue(settings.base) + f"ASK {{ <{iri}> a sp:Plan }}"
    if not bool(store.query(ask, use_default_graph_as_union=True)):
        raise PictureError(f"no plan <{iri}> in the store")
    return iri


# ---------------------------------------------------------------- layout

def text_width(text: str, size: float = FONT_SIZE) -> float:
    """Rendered width estimate: CJK and full-width characters take 1 em, others about 0.6 em."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else size * 0.6 for ch in text)


def wrap(text: str, width: float, size: float = FONT_SIZE) -> list[str]:
    """Lines of `text` no wider than `width` user units (Chinese has no spaces to break at:
    break anywhere, but keep Latin words and numbers whole where they fit)."""
    lines, line = [], ""
    for token in _tokens(text):
        if line and text_width(line + token, size) > width:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
        while text_width(line, size) > width and len(line) > 1:  # a token longer than a line
            cut = len(line)
            while cut > 1 and text_width(line[:cut], size) > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


def _tokens(text: str) -> list[str]:
    tokens: list[str] = []
    for ch in text.replace("\n", " "):
        wide = unicodedata.east_asian_width(ch) in "WF"
        if tokens and not wide and ch != " " and tokens[-1][-1:].isascii() and tokens[-1][-1:] != " " \
                and unicodedata.east_asian_width(tokens[-1][-1]) not in "WF":
            tokens[-1] += ch
        else:
            tokens.append(ch)
    return tokens


def _text(x: float, y: float, content: str, size: float = FONT_SIZE, cls: str = "", weight: str = "") -> str:
    extra = (f' class="{cls}"' if cls else "") + (f' font-weight="{weight}"' if weight else "")
    return f'<text x="{x:.0f}" y="{y:.0f}" font-size="{size}"{extra}>{escape(content)}</text>'


def _document(height: float, title: str, body: list[str], arrows: bool = False) -> str:
    marker = ('<defs><marker id="chain-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
              'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555555"/></marker></defs>') if arrows else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0f}" width="{WIDTH}" '
        f'height="{height:.0f}" font-family="{FONT}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>" + marker
        + "".join(body) + "</svg>\n"
    )


def chain_layout(store: ox.Store, settings: Settings, plan: str, href: Href) -> str:
    """One column, the national plan on top and this plan at the bottom; an arrow points from a
    plan to each plan it is based on (straight to the box above it, round the right side to one
    further up); an inferred basis is dashed and says so."""
    iri = _check_plan(store, settings, plan)
    plans = _rows(store, settings, CHAIN_PLANS, iri)
    rank = {level: n for n, level in enumerate(("national", "provincial", "prefectural", "county"))}
    plans.sort(key=lambda p: (rank.get(p["level"], 9), p["start"] or "", p["plan"]))
    edges = sorted(_rows(store, settings, CHAIN_EDGES, iri), key=lambda r: (r["from"], r["to"]))
    box_width, pad, gap, lane = WIDTH - 60, 8, 34, 12
    body, boxes, y = [], {}, 6.0
    for p in plans:
        period = f"{p['start']}–{p['end']}" if p["start"] else ""
        lines = wrap(p["title"], box_width - 2 * pad)
        small = [x for x in (p["number"] or "", period) if x]
        height = pad * 2 + LINE * len(lines) + (LINE - 2) * len(small)
        boxes[p["plan"]] = (y, height)
        stroke = ' stroke-width="2.5"' if p["plan"] == iri else ' stroke-width="1"'
        parts = [f'<g class="node"><a href="{escape(href(p["plan"]))}">',
                 f'<title>{escape(p["plan"])}</title>',
                 f'<rect x="4" y="{y:.0f}" width="{box_width}" height="{height:.0f}" rx="6" '
                 f'fill="{LEVEL_COLOURS.get(p["level"], "#eef4fb")}" stroke="#4a78a8"{stroke}/>']
        line_y = y + pad + FONT_SIZE
        for line in lines:
            parts.append(_text(4 + pad, line_y, line, weight="600" if p["plan"] == iri else ""))
            line_y += LINE
        for line in small:
            parts.append(_text(4 + pad, line_y, line, FONT_SIZE - 2, "muted"))
            line_y += LINE - 2
        parts.append("</a></g>")
        body.extend(parts)
        y += height + gap
    centre, lanes = 4 + box_width / 2, 0
    for e in edges:
        if e["from"] not in boxes or e["to"] not in boxes:
            continue
        (fy, fh), (ty, th) = boxes[e["from"]], boxes[e["to"]]
        dash = ' stroke-dasharray="5,4"' if e["inferred"] == "true" else ""
        label = "推断 inferred" if e["inferred"] == "true" else "依据 based on"
        adjacent = not any(ty + th < oy < fy for oy, _ in boxes.values())
        if adjacent:
            path = f"M{centre:.0f},{fy:.0f} L{centre:.0f},{ty + th + 1:.0f}"
            label_at = (centre + 6, (fy + ty + th) / 2 + 4)
        else:
            lanes += 1
            x = 4 + box_width + lane * lanes
            path = (f"M{4 + box_width:.0f},{fy + fh / 2:.0f} L{x:.0f},{fy + fh / 2:.0f} "
                    f"L{x:.0f},{ty + th / 2:.0f} L{4 + box_width + 1:.0f},{ty + th / 2:.0f}")
            label_at = None
        body.append(f'<g class="edge"><path d="{path}" fill="none" stroke="#555555" stroke-width="1.2"{dash} '
                    f'marker-end="url(#chain-arrow)"/>'
                    + (_text(label_at[0], label_at[1], label, FONT_SIZE - 3, "muted") if label_at else
                       f"<title>{escape(label)}</title>") + "</g>")
    title = "派生链 derivation chain: " + next((p["title"] for p in plans if p["plan"] == iri), iri)
    return _document(y - gap + 8, title, body, arrows=True)


def _sort_key(number, order, title):
    return (int(order) if order else 10_000, int(number) if number else 10_000, title or "")


def tree_layout(store: ox.Store, settings: Settings, plan: str, href: Href) -> str:
    """An indented list: the plan, its parts, sections and task points in printed order (sp:order),
    each with its lead units as printed, joined to its parent by a line."""
    iri = _check_plan(store, settings, plan)
    rows = _rows(store, settings, TREE, iri)
    printed: dict[str, list[tuple[int, str]]] = {}
    for r in _rows(store, settings, LEADS, iri):
        printed.setdefault(r["holder"], []).append((int(r["position"]), r["name"]))
    leads = {holder: "、".join(name for _, name in sorted(names)) for holder, names in printed.items()}
    title = _rows(store, settings, "SELECT ?t WHERE { <{plan}> dcterms:title ?t }", iri)[0]["t"]
    parts: dict[str, dict] = {}
    for r in rows:
        part = parts.setdefault(r["part"], {"title": r["partTitle"], "key": _sort_key(None, r.get("partOrder"), r["partTitle"]),
                                            "sections": {}})
        if r["section"]:
            sec = part["sections"].setdefault(r["section"], {
                "title": r["sectionTitle"], "key": _sort_key(r["sectionNo"], r["sectionOrder"], r["sectionTitle"]),
                "number": r["sectionNo"], "lead": leads.get(r["section"]), "tasks": {}})
            if r["task"]:
                sec["tasks"][r["task"]] = {"title": r["taskTitle"], "number": r["taskNo"], "lead": leads.get(r["task"]),
                                           "key": _sort_key(r["taskNo"], r["taskOrder"], r["taskTitle"])}
    indent, body = 16, []
    y = 4.0
    parents: list[tuple[float, float]] = []  # (x, y) of the open ancestors' connector, by depth

    def node(depth: int, url: str, text: str, lead: str | None, weight: str = "") -> None:
        nonlocal y
        x = 6 + depth * indent
        size = FONT_SIZE if depth < 3 else FONT_SIZE - 1
        lines = wrap(text, WIDTH - x - 6, size)
        lead_lines = wrap("牵头: " + lead, WIDTH - x - 6, size - 2) if lead else []
        top = y
        out = [f'<g class="node"><a href="{escape(href(url))}"><title>{escape(url)}</title>']
        line_y = y + size
        for line in lines:
            out.append(_text(x, line_y, line, size, weight=weight))
            line_y += LINE
        for line in lead_lines:
            out.append(_text(x, line_y - 2, line, size - 2, "muted"))
            line_y += LINE - 3
        out.append("</a></g>")
        if depth:
            px, py = parents[depth - 1]
            out.insert(0, f'<path d="M{px:.0f},{py:.0f} L{px:.0f},{top + size / 2 + 1:.0f} L{x - 3:.0f},{top + size / 2 + 1:.0f}" '
                          'fill="none" stroke="#b8c2d0" stroke-width="1"/>')
        del parents[depth:]
        parents.append((x + 4, line_y - LINE + 6))
        body.extend(out)
        y = line_y - LINE + 10 + (2 if depth < 2 else 0)

    node(0, iri, title, None, "700")
    for part_iri, part in sorted(parts.items(), key=lambda kv: kv[1]["key"]):
        node(1, part_iri, part["title"], None, "600")
        for sec_iri, sec in sorted(part["sections"].items(), key=lambda kv: kv[1]["key"]):
            head = f"({sec['number']}) " if sec["number"] else ""
            node(2, sec_iri, head + sec["title"], sec["lead"])
            for task_iri, task in sorted(sec["tasks"].items(), key=lambda kv: kv[1]["key"]):
                head = f"{task['number']}. " if task["number"] else "—— "
                node(3, task_iri, head + task["title"], task["lead"])
    return _document(y + 6, "结构 structure: " + title, body)


# ---------------------------------------------------------------- the register's derivation tree
# Up to ~100 plans across four levels is a graph with many crossings, which a layout engine draws
# well and a column does not: these two figures use Graphviz when `dot` is installed; without it
# render() raises PictureError, and the page shows the figure as a sentence.

def derived_svg(store: ox.Store, settings: Settings, plan: str, href: Href | None = None) -> str:
    return svg(derivation_dot(store, settings, _check_plan(store, settings, plan)))


def register_svg(store: ox.Store, settings: Settings, plan: str | None = None, href: Href | None = None) -> str:
    """Every plan of the graph with its bases (`plan` is not used)."""
    return svg(derivation_dot(store, settings, None, href))


def register_figure(store: ox.Store, settings: Settings, plan: str, href: Href | None = None) -> str:
    """The register's tree (every plan and its bases) on a national plan's page, the root of every
    derivation; "" — no figure — on any other plan's page, where the derived tree shows its own part."""
    iri = _check_plan(store, settings, plan)
    ask = vocab.prologue(settings.base) + f'ASK {{ <{iri}> sp:level/skos:notation "national" }}'
    if not bool(store.query(ask, use_default_graph_as_union=True)):
        return ""
    return register_svg(store, settings, None, href)


DOT_FONT = "Noto Sans CJK SC, sans-serif"
STYLE = f"""
  graph [fontname="{DOT_FONT}", fontsize=11, nodesep=0.3, ranksep=0.45];
  node  [shape=box, style="rounded,filled", fillcolor="#eef4fb", color="#4a78a8", fontname="{DOT_FONT}", fontsize=10];
  edge  [fontname="{DOT_FONT}", fontsize=9, color="#555555"];
"""
# The plans below a plan (or every plan), and the eli:based_on links among them. A plan's label is
# its jurisdiction, document number (standard form where printed otherwise) and date: titles of 80
# plans would not fit one picture. A plan whose sources conflict is drawn dashed.
DERIVED_PLANS = """
SELECT ?plan ?place ?number ?date ?level ?start ?end ?conflict WHERE {
  {plans}
  ?plan a sp:Plan ; sp:level/skos:notation ?level ; eli:jurisdiction/skos:prefLabel ?place .
  FILTER(LANG(?place) = "zh")
  OPTIONAL { ?plan sp:documentNumberNormalized ?normal }
  OPTIONAL { ?plan eli:id_local ?printed }
  BIND(COALESCE(?normal, ?printed) AS ?number)
  OPTIONAL { ?plan eli:date_document ?date }
  OPTIONAL { ?plan sp:periodStart ?start ; sp:periodEnd ?end }
  BIND(EXISTS { ?plan sp:flag/skos:notation "conflicting-sources" } AS ?conflict)
}
"""

DERIVED_EDGES = """
SELECT DISTINCT ?from ?to WHERE { {plans} ?plan eli:based_on ?to . BIND(?plan AS ?from) }
"""


def derivation_dot(store: ox.Store, settings: Settings, root: str | None, href: Href | None = None) -> str:
    scope = f"?plan eli:based_on* <{root}> ." if root else "?plan a sp:Plan ."
    plans: dict[str, dict] = {}
    for r in vocab.select(store, DERIVED_PLANS.replace("{plans}", scope), settings.base):
        plans.setdefault(str(r["plan"]), r)  # a plan with two zh names of its place: one node
    edges = sorted((r["from"], r["to"]) for r in vocab.select(store, DERIVED_EDGES.replace("{plans}", scope), settings.base)
                   if r["from"] in plans and r["to"] in plans)
    ids = {iri: f"p{i}" for i, iri in enumerate(sorted(plans))}
    # levels as columns, left to right: with some 40 plans at one level a row would be many metres wide
    lines = ["digraph derived {", STYLE, "  rankdir=LR;", "  ranksep=1.2;", "  node [fontsize=9];"]
    for level in ("national", "provincial", "prefectural", "county"):
        members = sorted((p for p in plans.values() if p["level"] == level), key=lambda p: (p["place"], p["plan"]))
        if not members:
            continue
        lines.append("  { rank=same;")
        for p in members:
            period = f"{p['start']}–{p['end']}" if p["start"] else ""
            label = "\n".join(x for x in (p["place"], p["number"] or "", p["date"] or period) if x)
            extra = (', penwidth=2' if p["plan"] == root else "") + (', style="rounded,filled,dashed"' if p["conflict"] == "true" else "")
            lines.append(f"    {ids[p['plan']]} [label={quote(label)}, fillcolor=\"{LEVEL_COLOURS[level]}\", "
                         f"URL={quote(href(p['plan']) if href else p['plan'])}, tooltip={quote(p['plan'])}{extra}];")
        lines.append("  }")
    for a, b in edges:
        lines.append(f"  {ids[b]} -> {ids[a]};")  # from the basis down to the plan derived from it
    lines.append("}")
    return "\n".join(lines) + "\n"


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def svg(dot_source: str) -> str:
    """Run `dot -Tsvg` on DOT text."""
    dot = shutil.which("dot")
    if dot is None:
        raise PictureError("Graphviz `dot` is not installed (Debian: apt-get install graphviz)")
    done = subprocess.run([dot, "-Tsvg"], input=dot_source.encode("utf-8"), capture_output=True, timeout=120)
    if done.returncode != 0:
        raise PictureError(f"dot failed: {done.stderr.decode('utf-8', 'replace').strip()}")
    text = done.stdout.decode("utf-8")
    # from <svg on: the XML declaration, DOCTYPE and Graphviz's version comment before it would sit inside
    # the page's HTML where the figure is inline, and the version would make the file differ between machines
    return text[text.index("<svg"):]
