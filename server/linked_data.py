"""Every IRI under the base resolves: GET <path> describes <base><path>.

The answer is direct (200, no 303 redirect), negotiated between an HTML page
and Turtle, JSON-LD, N-Triples and RDF/XML (Accept, or ?format=). The RDF
answer holds the triples with the resource as subject or object; for a
named graph with no such triples, the graph's own triples. 404 when the IRI
occurs nowhere.

The HTML page is generic (label, types, properties, incoming links) plus
the views of the resource's types (see server/views.py).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from functools import partial
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, render_template, request
from markupsafe import Markup
from werkzeug.exceptions import NotAcceptable

from sciplan.describe import ORDER_PROPERTY

from . import negotiation as neg
from .display import LABEL_PROPERTIES, RDF_TYPE, Display
from .errors import QueryFailed
from .safety import bind_this
from .state import current
from .views import columns

bp = Blueprint("linked_data", __name__)

OFFERED = (neg.HTML,) + neg.RDF
DESCRIBE = "CONSTRUCT { ?this ?p ?o . ?s ?q ?this } WHERE { { ?this ?p ?o } UNION { ?s ?q ?this } }"
GRAPH_CONTENT = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?this { ?s ?p ?o } }"
TYPES = "SELECT ?o WHERE { ?this a ?o }"
LABELS = " ".join(f"<{p}>" for p in LABEL_PROPERTIES)
LINKS = f"""
SELECT ?dir ?p ?o ?plabel ?olabel ?oorder WHERE {{
  {{ ?this ?p ?o . BIND("out" AS ?dir) }} UNION {{ ?o ?p ?this . BIND("in" AS ?dir) }}
  OPTIONAL {{ VALUES ?lp {{ {LABELS} }} ?p ?lp ?plabel }}
  OPTIONAL {{ VALUES ?lo {{ {LABELS} }} ?o ?lo ?olabel }}
  OPTIONAL {{ ?o <{ORDER_PROPERTY}> ?oorder }}
}}"""


@bp.route("/<path:path>")
def resource(path: str):
    state = current()
    iri = state.settings.base + request_iri_path()
    if "figure" in request.args:
        return figure(iri, request.args["figure"])
    fmt = neg.choose(request.accept_mimetypes, OFFERED, request.args.get("format"))
    if fmt is None:
        raise NotAcceptable(f"resources are available as {neg.describe_offer(OFFERED)}")
    this = partial(bind_this, iri=iri)
    try:
        if fmt is neg.HTML:
            response = Response(render_page(iri, this), mimetype="text/html")
        else:
            response = Response(rdf_description(iri, this, fmt), mimetype=fmt.media_type)
    except QueryFailed as exc:
        if exc.status == 400:  # the path does not make a usable IRI
            abort(404, f"no resource {iri}")
        raise
    response.vary.add("Accept")
    response.headers["Link"] = ", ".join(
        f'<?format={f.name}>; rel="alternate"; type="{f.media_type}"' for f in neg.RDF  # relative: ASCII only
    )
    return response


_ESCAPES = re.compile(r"(?:%[0-9A-Fa-f]{2})+")


def request_iri_path() -> str:
    """The request path as an IRI path (RFC 3987, 3.2), without the leading '/'.

    Escaped UTF-8 of non-ASCII characters is decoded (區 arrives as %E5%8D%80);
    escaped ASCII stays escaped, since the data's IRIs keep it so (e.g. %28).
    The raw path is used, because the decoded one cannot tell %28 from '('.
    """
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    path = urlsplit(raw).path if raw else request.path
    root = request.script_root
    if root and path.startswith(root):
        path = path[len(root):]
    return _ESCAPES.sub(_decode_escapes, path).lstrip("/")


def _decode_escapes(match: re.Match) -> str:
    text = bytes.fromhex(match.group().replace("%", "")).decode("utf-8", errors="surrogateescape")
    return "".join(
        ch if ord(ch) > 127 and not 0xDC80 <= ord(ch) <= 0xDCFF else "%%%02X" % (ord(ch) & 0xFF)
        for ch in text
    )


def rdf_description(iri: str, this, fmt: neg.Format) -> bytes:
    """The triples about the resource; for a named graph's IRI without any, the graph itself
    (as Turtle, the file `sciplan build` published for it, when there is one)."""
    state = current()
    outcome = state.run(this(DESCRIBE), trusted=True, rdf_format=fmt.ox_name)
    if outcome.count:
        return outcome.data
    if fmt is neg.TURTLE and (published := state.published().graph_turtle(iri)) is not None:
        return published
    outcome = state.run(this(GRAPH_CONTENT), trusted=True, rdf_format=fmt.ox_name)
    if outcome.count:
        return outcome.data
    abort(404, f"nothing is known about {iri}")


def figure(iri: str, name: str) -> Response:
    """?figure=<name>: an SVG figure of one of the resource's types (see server/views.py)."""
    state = current()
    types = [row["o"]["value"] for row in state.run(bind_this(TYPES, iri=iri), trusted=True).rows]
    chosen = next((f for f in state.views.figures_for(types) if f.name == name), None)
    if chosen is None:
        abort(404, f"no figure {name!r} for {iri}")
    svg, problem = draw_figure(chosen, iri)
    if svg is None:
        abort(503, problem)
    if not svg:
        abort(404, f"figure {name!r} is not drawn for {iri}")
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def draw_figure(chosen, iri: str) -> tuple[str | None, str]:
    """(SVG, "") or (None, why not): a figure is an extra, its failure never breaks the page."""
    state = current()
    display = Display(state.settings.base, state.prefixes(), state.options.label_languages, request.script_root)
    try:
        svg = state.cached(("figure", chosen.name, iri, request.script_root),
                           lambda: chosen.draw(state.store(), state.settings, iri, display.href))
    except Exception as exc:  # say why it is missing, never a stack trace
        current_app.logger.warning("figure %s of %s failed: %s", chosen.name, iri, exc)
        return None, f"figure {chosen.name!r} cannot be drawn here: {exc}"
    return svg, ""


def render_page(iri: str, this) -> str:
    state = current()
    display = Display(state.settings.base, state.prefixes(), state.options.label_languages, request.script_root)
    links = state.run(this(LINKS), trusted=True)
    graph_size = dict(state.graph_sizes()).get(iri, 0)
    if not links.rows and not graph_size:
        abort(404, f"nothing is known about {iri}")
    outgoing, incoming, own_labels, types = group_links(links.rows, display)
    views = [run_view(view, this, display) for view in state.views.for_types(types)]
    figures = []
    for chosen in state.views.figures_for(types):
        svg, problem = draw_figure(chosen, iri)
        if svg == "":  # the figure is not one of this resource's (the register's tree: national plans only)
            continue
        figures.append({"name": chosen.name, "title": chosen.title, "svg": Markup(svg) if svg else None, "problem": problem})
    return render_template(
        "resource.html",
        iri=iri,
        label=display.pick(own_labels) or display.short(iri),
        types=[display.cell({"type": "uri", "value": t}, outgoing_label(outgoing, t)) for t in types],
        outgoing=outgoing.values(),
        incoming=incoming.values(),
        truncated=links.truncated,
        views=views,
        figures=figures,
        graph_size=graph_size,
        formats=neg.RDF,
    )


def group_links(rows: list[dict], display: Display):
    """Rows of LINKS grouped by direction and property, each value with its best label."""
    groups: dict[str, OrderedDict[str, dict]] = {"out": OrderedDict(), "in": OrderedDict()}
    plabels: dict[str, list[dict]] = {}
    olabels: dict[tuple, tuple[dict, list[dict]]] = {}
    orders: dict[str, float] = {}
    for row in rows:
        if "oorder" in row:
            orders[row["o"]["value"]] = _number(row["oorder"]["value"])
        key = (row["dir"]["value"], row["p"]["value"], _term_key(row["o"]))
        plabels.setdefault(row["p"]["value"], []).extend([row["plabel"]] if "plabel" in row else [])
        olabels.setdefault(key, (row["o"], []))[1].extend([row["olabel"]] if "olabel" in row else [])
    own_labels, types = [], []
    for (direction, prop, _), (term, labels) in sorted(olabels.items(), key=lambda kv: kv[0]):
        if direction == "out" and prop in LABEL_PROPERTIES and term["type"] == "literal":
            own_labels.append(term)
        if direction == "out" and prop == RDF_TYPE and term["type"] == "uri":
            types.append(term["value"])
        group = groups[direction].setdefault(
            prop, {"property": display.cell({"type": "uri", "value": prop}, display.pick(_unique(plabels[prop]))), "values": []}
        )
        group["values"].append(display.cell(term, display.pick(_unique(labels))))
    for group in list(groups["out"].values()) + list(groups["in"].values()):
        # printed order first (the ORDER_PROPERTY of the value, when it has one), then by name
        group["values"].sort(key=lambda cell: (orders.get(cell.get("iri", ""), float("inf")), cell["text"]))
    ordered = {d: OrderedDict(sorted(g.items(), key=lambda kv: kv[1]["property"]["text"])) for d, g in groups.items()}
    return ordered["out"], ordered["in"], own_labels, types


def outgoing_label(outgoing, type_iri: str) -> str | None:
    group = outgoing.get(RDF_TYPE)
    for cell in group["values"] if group else []:
        if cell.get("iri") == type_iri:
            return cell["text"]
    return None


def run_view(view, this, display: Display) -> dict:
    state = current()
    try:
        outcome = state.run(this(view.query), trusted=True)
    except QueryFailed as exc:  # a broken view must not take the page down
        return {"name": view.name, "title": view.title, "error": exc.message, "columns": [], "rows": []}
    shown = columns(outcome.variables)
    cells = [{v: display.cell(row.get(v), row.get(v + "Label", {}).get("value")) for v in shown} for row in outcome.rows]
    found = {"name": view.name, "title": view.title, "truncated": outcome.truncated}
    if view.nest:
        return found | {"tree": nest(cells, view.nest), "headings": {v: view.heading(v) for v in shown}}
    return found | {"columns": [view.heading(v) for v in shown], "rows": [[row[v] for v in shown] for row in cells]}


def nest(rows: list[dict], levels: tuple[tuple[str, ...], ...]) -> list[dict]:
    """Rows grouped level by level (see server/views.py): a list of nodes, each
    {"cell", "details": [(variable, [cells])], "children": [nodes]}, in the rows' order."""
    if not levels:
        return []
    key, *detail_names = levels[0]
    groups: OrderedDict[str, tuple[dict, list[dict]]] = OrderedDict()
    for row in rows:
        cell = row.get(key) or {"text": ""}
        if not cell.get("text"):
            continue  # e.g. a section without task points: nothing at this level
        groups.setdefault(cell.get("iri") or cell["text"], (cell, []))[1].append(row)
    nodes = []
    for cell, members in groups.values():
        details = []
        for name in detail_names:
            values: OrderedDict[str, dict] = OrderedDict()
            for row in members:
                value = row.get(name) or {"text": ""}
                if value.get("text"):
                    values.setdefault(value.get("iri") or value["text"], value)
            details.append((name, list(values.values())))
        nodes.append({"cell": cell, "details": details, "children": nest(members, levels[1:])})
    return nodes


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return float("inf")


def _term_key(term: dict) -> tuple:
    return (term["type"], str(term["value"]), term.get("xml:lang", ""), term.get("datatype", ""))


def _unique(labels: list[dict]) -> list[dict]:
    return list({_term_key(t): t for t in labels}.values())
