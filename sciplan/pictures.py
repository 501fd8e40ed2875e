"""Pictures of a plan as SVG, drawn by Graphviz (`dot -Tsvg`).

    chain   the plan and every plan it is based on, up to the national level
            (eli:based_on; a basis that is inferred, not printed, is dashed)
    tree    the plan's parts, sections and task points, with their lead units
            (units stated per section, as in 江门, are shown on the section)
    derived the plans derived from the plan (every plan whose eli:based_on chain reaches it),
            level by level: on the national plan's page, the derivation tree of the register
    register every plan of the graph and its bases (no --plan): docs/img/register-tree.svg

Both read the built store with SPARQL and return SVG text; `render` picks one.
Graphviz is a system package (Debian: graphviz); without `dot` a PictureError says so.
"""

from __future__ import annotations

import shutil
import subprocess

import pyoxigraph as ox

from . import vocab
from .config import Settings
from .errors import PictureError

KINDS = ("chain", "tree", "derived", "register")
FONT = "Noto Sans CJK SC, sans-serif"
STYLE = f"""
  graph [fontname="{FONT}", fontsize=11, nodesep=0.3, ranksep=0.45];
  node  [shape=box, style="rounded,filled", fillcolor="#eef4fb", color="#4a78a8", fontname="{FONT}", fontsize=10];
  edge  [fontname="{FONT}", fontsize=9, color="#555555"];
"""
LEVEL_COLOURS = {"national": "#fbe9e7", "provincial": "#fff4e0", "prefectural": "#eaf6ea", "county": "#eef4fb"}


def render(store: ox.Store, settings: Settings, plan: str, kind: str) -> str:
    if kind not in KINDS:
        raise PictureError(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
    return {"chain": chain_svg, "tree": tree_svg, "derived": derived_svg, "register": register_svg}[kind](store, settings, plan)


def plan_iri(settings: Settings, plan: str) -> str:
    """An absolute plan IRI from an absolute one or one relative to the base."""
    return plan if plan.startswith(("http://", "https://")) else settings.base + plan.lstrip("/")


def chain_svg(store: ox.Store, settings: Settings, plan: str) -> str:
    return svg(chain_dot(store, settings, plan))


def tree_svg(store: ox.Store, settings: Settings, plan: str) -> str:
    return svg(tree_dot(store, settings, plan))


def derived_svg(store: ox.Store, settings: Settings, plan: str) -> str:
    return svg(derivation_dot(store, settings, _check_plan(store, settings, plan)))


def register_svg(store: ox.Store, settings: Settings, plan: str | None = None) -> str:
    """Every plan of the graph with its bases (`plan` is not used)."""
    return svg(derivation_dot(store, settings, None))


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
SELECT ?part ?partTitle ?section ?sectionTitle ?sectionNo ?sectionOrder ?task ?taskTitle ?taskNo ?taskOrder
WHERE {
  <{plan}> eli:has_part ?part .
  ?part dcterms:title ?partTitle .
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


def derivation_dot(store: ox.Store, settings: Settings, root: str | None) -> str:
    scope = f"?plan eli:based_on* <{root}> ." if root else "?plan a sp:Plan ."
    plans: dict[str, dict] = {}
    for r in vocab.select(store, DERIVED_PLANS.replace("{plans}", scope), settings.base):
        plans.setdefault(str(r["plan"]), r)  # a plan with two zh names of its place: one node
    edges = sorted((r["from"], r["to"]) for r in vocab.select(store, DERIVED_EDGES.replace("{plans}", scope), settings.base)
                   if r["from"] in plans and r["to"] in plans)
    ids = {iri: f"p{i}" for i, iri in enumerate(sorted(plans))}
    lines = ["digraph derived {", STYLE, "  rankdir=TB;", "  ranksep=0.6;", "  node [fontsize=9];"]
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
                         f"URL={quote(p['plan'])}, tooltip={quote(p['plan'])}{extra}];")
        lines.append("  }")
    for a, b in edges:
        lines.append(f"  {ids[b]} -> {ids[a]};")  # from the basis down to the plan derived from it
    lines.append("}")
    return "\n".join(lines) + "\n"


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


# ---------------------------------------------------------------- DOT

def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def wrap(text: str, width: int = 16) -> str:
    """Break a (Chinese) label every `width` characters (Chinese has no spaces to break at)."""
    return "\n".join(text[i:i + width] for i in range(0, len(text), width)) or text


def chain_dot(store: ox.Store, settings: Settings, plan: str) -> str:
    iri = _check_plan(store, settings, plan)
    plans = sorted(_rows(store, settings, CHAIN_PLANS, iri), key=lambda r: r["plan"])
    edges = sorted(_rows(store, settings, CHAIN_EDGES, iri), key=lambda r: (r["from"], r["to"]))
    ids = {p["plan"]: f"p{i}" for i, p in enumerate(plans)}
    lines = ["digraph chain {", STYLE, "  rankdir=BT;"]
    for level in ("county", "prefectural", "provincial", "national"):
        members = [p for p in plans if p["level"] == level]
        if not members:
            continue
        lines.append("  { rank=same;")
        for p in members:
            period = f"{p['start']}–{p['end']}" if p["start"] else ""
            label = "\n".join(x for x in (wrap(p["title"], 18), p["number"] or "", period) if x)
            extra = ', penwidth=2' if p["plan"] == iri else ""
            lines.append(f"    {ids[p['plan']]} [label={quote(label)}, fillcolor=\"{LEVEL_COLOURS[level]}\", "
                         f"URL={quote(p['plan'])}, tooltip={quote(p['plan'])}{extra}];")
        lines.append("  }")
    for e in edges:
        if e["from"] in ids and e["to"] in ids:
            style = ' [style=dashed, label="inferred"]' if e["inferred"] == "true" else ' [label="eli:based_on"]'
            lines.append(f"  {ids[e['from']]} -> {ids[e['to']]}{style};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _sort_key(number, order, title):
    return (int(number) if number else 10_000, int(order) if order else 10_000, title or "")


def tree_dot(store: ox.Store, settings: Settings, plan: str) -> str:
    iri = _check_plan(store, settings, plan)
    rows = _rows(store, settings, TREE, iri)
    printed: dict[str, list[tuple[int, str]]] = {}
    for r in _rows(store, settings, LEADS, iri):
        printed.setdefault(r["holder"], []).append((int(r["position"]), r["name"]))
    leads = {holder: "、".join(name for _, name in sorted(names)) for holder, names in printed.items()}
    title = _rows(store, settings, "SELECT ?t WHERE { <{plan}> dcterms:title ?t }", iri)[0]["t"]
    parts: dict[str, dict] = {}
    for r in rows:
        part = parts.setdefault(r["part"], {"title": r["partTitle"], "sections": {}})
        if r["section"]:
            sec = part["sections"].setdefault(r["section"], {
                "title": r["sectionTitle"], "key": _sort_key(r["sectionNo"], r["sectionOrder"], r["sectionTitle"]),
                "number": r["sectionNo"], "lead": leads.get(r["section"]), "tasks": {}})
            if r["task"]:
                sec["tasks"][r["task"]] = {"title": r["taskTitle"], "number": r["taskNo"], "lead": leads.get(r["task"]),
                                           "key": _sort_key(r["taskNo"], r["taskOrder"], r["taskTitle"])}
    lines = ["digraph tree {", STYLE, "  rankdir=LR;", "  ranksep=0.3;"]
    lines.append(f"  plan [label={quote(wrap(title, 14))}, penwidth=2, fillcolor=\"#fbe9e7\", URL={quote(iri)}];")

    def add(parent: str, nid: str, url: str, text: str, lead: str | None, width: int, fill: str, extra: str = "") -> str:
        label = wrap(text, width) + ("\n牵头: " + wrap(lead, width) if lead else "")
        lines.append(f"  {nid} [label={quote(label)}, fillcolor=\"{fill}\", URL={quote(url)}{extra}];")
        lines.append(f"  {parent} -> {nid};")
        return nid

    ids = (f"n{i}" for i in range(1, 100_000))
    for part_iri, part in sorted(parts.items()):
        pid = add("plan", next(ids), part_iri, part["title"], None, 14, "#fff4e0")
        for sec_iri, sec in sorted(part["sections"].items(), key=lambda kv: kv[1]["key"]):
            head = f"({sec['number']}) " if sec["number"] else ""
            sid = add(pid, next(ids), sec_iri, head + sec["title"], sec["lead"], 14, "#eaf6ea")
            for task_iri, task in sorted(sec["tasks"].items(), key=lambda kv: kv[1]["key"]):
                head = f"{task['number']}. " if task["number"] else "—— "
                add(sid, next(ids), task_iri, head + task["title"], task["lead"], 18, "#ffffff", ", fontsize=9")
    lines.append("}")
    return "\n".join(lines) + "\n"


def svg(dot_source: str) -> str:
    """Run `dot -Tsvg` on DOT text."""
    dot = shutil.which("dot")
    if dot is None:
        raise PictureError("Graphviz `dot` is not installed (Debian: apt-get install graphviz)")
    done = subprocess.run([dot, "-Tsvg"], input=dot_source.encode("utf-8"), capture_output=True, timeout=120)
    if done.returncode != 0:
        raise PictureError(f"dot failed: {done.stderr.decode('utf-8', 'replace').strip()}")
    return done.stdout.decode("utf-8")
