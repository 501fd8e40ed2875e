"""The downloads page and its files, and the VoID description.

The files and the description are read from what `sciplan build` published beside the store
(sciplan/publish.py); nothing here computes them.
"""

from __future__ import annotations


import pyoxigraph as ox
from flask import Blueprint, Response, abort, render_template, request
from werkzeug.exceptions import NotAcceptable

from sciplan.describe import DISTRIBUTIONS, PREFIXES

from . import negotiation as neg
from .browse import source_listing
from .display import Display
from .state import current
from .views import local_name, words

bp = Blueprint("pages", __name__)

EXPORT_MISSING = "the CSV task table is not available yet: sciplan.export is not installed in this version"


@bp.route("/downloads")
def downloads():
    state = current()
    display = Display(state.settings.base, state.prefixes(), state.options.label_languages, request.script_root)
    graphs = [
        {"cell": display.cell({"type": "uri", "value": name}), "size": size, "local": name.startswith(state.settings.base)}
        for name, size in state.graph_sizes()
    ]
    files = [
        {"dist": d, "href": display.href(state.settings.base + d.path), "available": d.rdf_format or export_function()}
        for d in DISTRIBUTIONS
    ]
    return render_template("downloads.html", files=files, graphs=graphs, export_missing=EXPORT_MISSING,
                           sources=source_listing())


@bp.route("/downloads/<name>")
def download(name: str):
    state = current()
    dist = next((d for d in DISTRIBUTIONS if d.path == f"downloads/{name}"), None)
    if dist is None:
        abort(404, f"no download named {name!r}; see /downloads")
    if dist.rdf_format is None and export_function() is None:
        abort(404, EXPORT_MISSING)
    response = Response(state.published().download(dist.path), mimetype=dist.media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def export_function():
    """sciplan.export.export if this version has it (the task table comes from there)."""
    try:
        from sciplan.export import export
    except ModuleNotFoundError as exc:
        if exc.name != "sciplan.export":
            raise
        return None
    return export


@bp.route("/void")
def void():
    state = current()
    offered = neg.RDF + (neg.HTML,)  # RDF first: a client that accepts anything gets Turtle, a browser a page
    fmt = neg.choose(request.accept_mimetypes, offered, request.args.get("format"))
    if fmt is None:
        raise NotAcceptable(f"the dataset description is available as {neg.describe_offer(offered)}")
    if fmt is neg.HTML:
        response = Response(void_page(state.published().void()), mimetype="text/html")
        response.vary.add("Accept")
        return response
    data = ox.serialize(
        state.published().void(), format=getattr(ox.RdfFormat, fmt.ox_name), prefixes=PREFIXES if fmt is neg.TURTLE else None
    )
    response = Response(data, mimetype=fmt.media_type)
    response.vary.add("Accept")
    return response


def void_page(triples) -> str:
    """The dataset description for a browser: one table per described thing, properties in words."""
    state = current()
    display = Display(state.settings.base, state.prefixes(), state.options.label_languages, request.script_root)
    subjects: dict[str, list[tuple[str, dict]]] = {}
    for triple in triples:
        subject = triple.subject.value if isinstance(triple.subject, ox.NamedNode) else "_:" + triple.subject.value
        subjects.setdefault(subject, []).append((words(local_name(triple.predicate.value)), display.cell(_json_term(triple.object))))
    things = [
        {"cell": display.cell({"type": "uri", "value": s}) if not s.startswith("_:") else {"text": s},
         "rows": sorted(rows, key=lambda r: (r[0], r[1]["text"]))}
        for s, rows in sorted(subjects.items(), key=lambda kv: (kv[0] != state.settings.base + "void", kv[0]))
    ]
    return render_template("void.html", things=things, formats=neg.RDF)


def _json_term(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    found = {"type": "literal", "value": term.value, "datatype": term.datatype.value}
    return found | ({"xml:lang": term.language} if term.language else {})
