"""Pages for reading: the home page's lists (/) and the source texts with line anchors (/sources/<file>).

A record's provenance cites a line of a file in data/sources (the views link
`<base>sources/<file>#L<n>`); this page shows that file as it is, one anchor per
line, with its SHA-256 computed from the bytes served, so a reader can check it
against the fingerprint the graph records. Machines get the bytes themselves
(Accept: text/plain, or ?format=text).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for

from sciplan.vocab import DCTERMS, DCTERMS_TITLE

from .display import Display
from .state import current

bp = Blueprint("browse", __name__)

# Which resources describe a file: the generic dcterms:identifier of the file's path in the data root.
DESCRIBED_BY = f"""
SELECT ?doc ?title WHERE {{
  ?doc <{DCTERMS}identifier> ?id .
  OPTIONAL {{ ?doc <{DCTERMS_TITLE}> ?title }}
  FILTER(STR(?id) = ?path)
}}"""


def source_files(directory: Path) -> list[Path]:
    """The readable text files of the sources folder, by name."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.is_file() and not p.name.startswith("."))


def source_listing() -> list[dict]:
    """Each source file with its size, SHA-256 and page (for /downloads)."""
    state = current()
    root = request.script_root.rstrip("/")
    return [
        {"name": p.name, "href": f"{root}/sources/{p.name}", "size": p.stat().st_size,
         "sha256": hashlib.sha256(p.read_bytes()).hexdigest()}
        for p in source_files(state.settings.sources_dir)
    ]


@bp.route("/sources/<name>")
def source_text(name: str):
    state = current()
    found = {p.name: p for p in source_files(state.settings.sources_dir)}
    if name not in found:
        abort(404, f"no source file {name!r}; the source files are listed on /downloads")
    data = found[name].read_bytes()
    if request.args.get("format") == "text" or (
        request.accept_mimetypes.best_match(["text/html", "text/plain"]) == "text/plain"
    ):
        response = Response(data, mimetype="text/plain")
    else:
        response = Response(render_source(name, data), mimetype="text/html")
    response.vary.add("Accept")
    return response


def render_source(name: str, data: bytes) -> str:
    state = current()
    display = Display(state.settings.base, state.prefixes(), state.options.label_languages, request.script_root)
    try:
        relative = state.settings.sources_dir.resolve().relative_to(state.settings.root.resolve()) / name
    except ValueError:  # the sources live outside the data root: cite them as the layout does
        relative = Path("data/sources") / name
    path_literal = '"' + relative.as_posix().replace("\\", "\\\\").replace('"', '\\"') + '"'
    rows = state.run(DESCRIBED_BY.replace("?path)", path_literal + ")"), trusted=True).rows
    described = [display.cell(row["doc"], row.get("title", {}).get("value")) for row in rows]
    text = data.decode("utf-8", errors="replace")
    return render_template(
        "source.html",
        name=name,
        path=relative.as_posix(),
        lines=text.splitlines(),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        described=described,
    )


# ---- the home page: lists to browse, and a search by title or name ----------------------------

HOME = "_home"  # sciplan/views/_home/*.rq: the home page's lists (views with `# nest:`, no ?this)


def home_lists(query: str) -> tuple[list[dict], int]:
    """The home page's lists, each filtered to the entries whose text holds `query` (with the
    groups they stand in); and how many entries matched. The lists are the views' answers, so the
    search needs no knowledge of what a plan or a body is: it reads what the page would show."""
    from .linked_data import run_view

    state = current()
    display = Display(state.settings.base, state.prefixes(), state.options.label_languages, request.script_root)
    lists, matches = [], 0
    for view in state.views.by_type.get(HOME, []):
        shown = run_view(view, _unbound, display) | {"folded": view.folded}
        if query and shown.get("tree") is not None:
            shown["tree"], found = search(shown["tree"], query.casefold())
            matches += found
        lists.append(shown)
    return lists, matches


def _unbound(query: str) -> str:
    return query  # the home page's views are about no one resource


def search(nodes: list[dict], needle: str) -> tuple[list[dict], int]:
    """The nodes whose own text (label or details) holds `needle`, whole, and the groups holding such
    nodes, cut down to them; with the number of nodes that matched."""
    kept, found = [], 0
    for node in nodes:
        if needle in node_text(node):
            kept.append(node)
            found += 1
            continue
        children, below = search(node["children"], needle)
        if children:
            kept.append(node | {"children": children})
            found += below
    return kept, found


def node_text(node: dict) -> str:
    texts = [node["cell"].get("text", "")] + [c.get("text", "") for _, cells in node["details"] for c in cells]
    return " ".join(texts).casefold()



@bp.route("/")
def home():
    """The home page: plans by level, places and bodies to browse; ?q= keeps the entries whose title or name holds it.

    /?query= is a shared link of the query page that lived here first: it goes on to the editor at /query.
    """
    if "query" in request.args:
        return redirect(url_for("query_page.editor", **request.args), code=302)
    query = request.args.get("q", "").strip()
    lists, matches = home_lists(query)
    return render_template("home.html", lists=lists, q=query, matches=matches)


@bp.route("/browse")
def browse():
    """Where the home page's lists were before they became the home page: links to it keep working."""
    return redirect(url_for("browse.home", **request.args), code=301)
