"""The home page (/; /?query= goes on to the editor at /query), the downloads page and its files, and the VoID description.

The files and the description are read from what `sciplan build` published beside the store
(sciplan/publish.py); nothing here computes them.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from werkzeug.exceptions import NotAcceptable

from sciplan.describe import DISTRIBUTIONS, PREFIXES

from . import negotiation as neg
from .display import Display
from .state import current
from .views import read_header

bp = Blueprint("pages", __name__)

EXPORT_MISSING = "the CSV task table is not available yet: sciplan.export is not installed in this version"


@bp.route("/")
def index():
    if "query" in request.args:  # shared links of the old query page: the editor is at /query now
        return redirect(url_for("query_page.editor", **request.args), code=302)
    state = current()
    return render_template(
        "index.html",
        examples=examples(state.settings.queries_dir),
        query=request.args.get("query", ""),
        base=state.settings.base,
        max_rows=state.options.max_rows,
    )


def examples(directory: Path) -> list[dict]:
    """The repository's example queries: queries/*.rq, titled by their `# title:` line."""
    found = []
    for path in sorted(Path(directory).glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        found.append({"name": path.stem, "title": read_header(text, "title") or path.stem, "query": text})
    return found


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
    return render_template("downloads.html", files=files, graphs=graphs, export_missing=EXPORT_MISSING)


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
    fmt = neg.choose(request.accept_mimetypes, neg.RDF, request.args.get("format"))
    if fmt is None:
        raise NotAcceptable(f"the dataset description is available as {neg.describe_offer(neg.RDF)}")
    data = ox.serialize(
        state.published().void(), format=getattr(ox.RdfFormat, fmt.ox_name), prefixes=PREFIXES if fmt is neg.TURTLE else None
    )
    response = Response(data, mimetype=fmt.media_type)
    response.vary.add("Accept")
    return response
