"""The query editor (/query), the examples gallery (/queries) and what the editor loads.

The editor is YASGUI's (Yasqe + Yasr from @zazuko/yasgui, installed by `npm ci` into
node_modules/ and served from here, so the page works offline); without those files the page
is a plain textarea that still runs queries, and says so. Completion uses this server's own
prefix table and ontology terms (/query/completions.json), never a remote service.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from flask import Blueprint, abort, jsonify, render_template, request, send_from_directory, url_for

from sciplan import reference
from sciplan.errors import ConfigError

from . import negotiation as neg
from .display import LABEL_PROPERTIES, Display
from .state import current, found_at_start
from .views import leading_comments

bp = Blueprint("query_page", __name__)

# Where `npm ci` puts the editor (package.json at the repository root).
EDITOR_ASSETS = Path(__file__).resolve().parent.parent / "node_modules" / "@zazuko" / "yasgui" / "build"
EDITOR_FILES = ("yasgui.min.js", "yasgui.min.css")
GALLERY_FILE = "gallery.yaml"
OTHER_GROUP = {"id": "other", "zh": "其他", "en": "Other"}
TITLE_SPLIT = re.compile(r"^(\S*?[^\x00-\x7f])(?:\s+|(?=[A-Za-z0-9]))(.*)$")
# `# Question: …`, `# Answer for 南沙 …: …`, `# Answer (excerpt): …` start a field; other comment lines continue it
HEADER_KEY = re.compile(r"^(title|Question|Answer|service)\b[^:]{0,80}:\s*(.*)$")  # on a comment without its "#"
LABELS_MAX = 2000  # IRIs per /query/labels request: a page of results asks for far fewer


def editor_installed() -> bool:
    """Whether `npm ci` installed the editor: looked at once, by create_app (`installed`)."""
    return all((EDITOR_ASSETS / name).is_file() for name in EDITOR_FILES)


def installed() -> bool:
    """editor_installed, as create_app found it."""
    return found_at_start("SCIPLAN_EDITOR", EDITOR_ASSETS, editor_installed)


@bp.route("/query")
def editor():
    state = current()
    return render_template(
        "query.html",
        query=request.args.get("query", ""),
        run=request.args.get("run", "1") != "0",
        editor=installed(),
        base=state.settings.base,
        max_rows=state.options.max_rows,
        formats={"results": [f.name for f in neg.RESULTS], "graph": [f.name for f in neg.RDF]},
    )


@bp.route("/query/assets/<path:name>")
def assets(name: str):
    """The editor's files from node_modules (404 when `npm ci` has not been run)."""
    if not installed():
        abort(404, "the query editor's files are not installed: run `npm ci` in the repository")
    return send_from_directory(EDITOR_ASSETS, name, max_age=86400)


@bp.route("/query/completions.json")
def completions():
    """What the editor completes: the prefix table and the ontology's classes and properties."""
    state = current()

    def compute() -> dict:
        reader = reference.Reader(state.store(), state.settings)
        triples = reader.term_triples(reader.ontology_graphs())
        terms = []
        for iri, fields in sorted(triples.items()):
            kinds = {reference.KINDS[t.value] for t in fields.get("type", []) if t.value in reference.KINDS}
            if not kinds:
                continue
            labels = reference.languages(fields.get("label", []))
            terms.append({"iri": iri, "kind": "class" if "class" in kinds else "property",
                          "short": reader.short(iri), "label": labels})
        return {"prefixes": state.prefixes(), "terms": terms}

    return jsonify(state.cached("completions", compute))


@bp.route("/query/labels", methods=["POST"])
def labels():
    """Labels for the IRIs of a result table: a JSON list of IRIs in, {iri: label} out."""
    iris = request.get_json(silent=True)
    if not isinstance(iris, list) or not all(isinstance(i, str) for i in iris):
        abort(400, "the body must be a JSON list of IRI strings")
    if len(iris) > LABELS_MAX:
        abort(400, f"at most {LABELS_MAX} IRIs per request; {len(iris)} were sent")
    wanted = sorted({i for i in iris if i and not re.search(r'[\s<>"{}|\\^`]', i)})
    if not wanted:
        return jsonify({})
    state = current()
    display = Display(state.settings.base, state.prefixes(), state.options.label_languages, request.script_root)
    values = " ".join(f"<{i}>" for i in wanted)
    props = " ".join(f"<{p}>" for p in LABEL_PROPERTIES)
    query = f"SELECT ?s ?l WHERE {{ VALUES ?s {{ {values} }} VALUES ?p {{ {props} }} ?s ?p ?l FILTER(isLiteral(?l)) }}"
    found: dict[str, list[dict]] = {}
    for row in state.run(query, trusted=True, max_rows=20 * len(wanted)).rows:
        found.setdefault(row["s"]["value"], []).append(row["l"])
    return jsonify({iri: display.pick(terms) for iri, terms in found.items()})


@dataclass
class Example:
    name: str
    zh: str
    en: str
    question: str
    query: str
    service: str = ""


@dataclass
class Group:
    id: str
    zh: str
    en: str
    examples: list[Example] = field(default_factory=list)


def read_example(path: Path) -> Example:
    """A query file and what its header says (queries/README.md: `# title:`, `# Question:` …)."""
    text = path.read_text(encoding="utf-8")
    fields: dict[str, list[str]] = {}
    current_key = None
    for comment in leading_comments(text):
        match = HEADER_KEY.match(comment)
        if match:
            current_key = match.group(1).lower()
            fields.setdefault(current_key, []).append(match.group(2).strip())
        elif current_key:
            fields[current_key].append(comment)
    title = " ".join(fields.get("title", [])) or path.stem
    split = TITLE_SPLIT.match(title)
    zh, en = (split.group(1), split.group(2).strip()) if split else (title, "")
    return Example(name=path.stem, zh=zh, en=en, question=" ".join(fields.get("question", [])),
                   query=text, service=" ".join(fields.get("service", [])))


def gallery(directory: Path) -> list[Group]:
    """queries/*.rq grouped as queries/gallery.yaml says; the unlisted ones last, under "Other"."""
    examples = {p.stem: read_example(p) for p in sorted(Path(directory).glob("*.rq"))}
    layout_file = Path(directory) / GALLERY_FILE
    layout = yaml.safe_load(layout_file.read_text(encoding="utf-8")) if layout_file.is_file() else {}
    groups: list[Group] = []
    placed: set[str] = set()
    for entry in (layout or {}).get("groups", []):
        group = Group(entry["id"], entry.get("zh", ""), entry.get("en", ""))
        for name in entry.get("queries", []):
            if name not in examples:
                raise ConfigError(f"{layout_file}: group {entry['id']!r} lists {name!r}, but there is no {name}.rq")
            group.examples.append(examples[name])
            placed.add(name)
        groups.append(group)
    rest = [e for name, e in examples.items() if name not in placed]
    if rest:
        groups.append(Group(**OTHER_GROUP, examples=rest))
    return groups


@bp.route("/queries")
def examples_gallery():
    state = current()
    groups = gallery(state.settings.queries_dir)
    return render_template("gallery.html", groups=groups, editor_url=url_for("query_page.editor"))
