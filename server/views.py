"""Optional tables on resource pages, written as SPARQL files beside the data model.

A view is sciplan/views/<ClassLocalName>/<name>.rq: a SELECT with a
`# title: ...` header line that uses ?this for the resource being shown.
The server picks the views by the local names of the resource's rdf:types,
so the web layer never needs to know what a plan or a body is.

In a view's answer, a column ?x with a companion ?xLabel is shown as one
column of links to ?x with the label as text. `# column x: words` lines give
the columns their headings (otherwise the variable's name, split into words).
`# nest: a b | c d | e` shows the answer as a nested, foldable list instead of
a table: rows are grouped by ?a, within it by ?c, within it by ?e (in the order
the query gives them); the other names of a level (?b, ?d) are its details,
each a list of its distinct values in the order they come.

A figure is sciplan/views/<ClassLocalName>/<name>.figure: `# title:` and
`# render: module:function` header lines naming a domain function
(store, settings, iri, href) → SVG text, href mapping an IRI to the link a node
gets. The page embeds it inline (its nodes are links to this server's pages);
one that cannot be drawn shows as a sentence saying why, never a broken image;
one whose function returns "" is not this resource's and is left out (the register's
tree is drawn on national plans only).
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from pathlib import Path

import sciplan

DEFAULT_DIR = Path(sciplan.__file__).resolve().parent / "views"


@dataclass(frozen=True)
class View:
    type_name: str
    name: str
    title: str
    query: str
    headings: tuple[tuple[str, str], ...] = ()
    nest: tuple[tuple[str, ...], ...] = ()
    folded: bool = False  # `# folded: yes`: a nested list starts closed

    def heading(self, variable: str) -> str:
        return dict(self.headings).get(variable) or words(variable)


def words(variable: str) -> str:
    """A variable's name as words: statedOn → "stated on"."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", variable).replace("_", " ").lower()


def read_headings(text: str) -> tuple[tuple[str, str], ...]:
    """The `# column <variable>: <heading>` lines of a view's leading comments."""
    found = []
    for line in leading_comments(text):
        name, _, value = line.partition(":")
        key = name.split()
        if len(key) == 2 and key[0].lower() == "column" and value.strip():
            found.append((key[1].lstrip("?$"), value.strip()))
    return tuple(found)


def read_nest(text: str) -> tuple[tuple[str, ...], ...]:
    spec = read_header(text, "nest")
    if not spec:
        return ()
    return tuple(tuple(v.lstrip("?$") for v in level.split()) for level in spec.split("|") if level.split())


def local_name(iri: str) -> str:
    return iri.rstrip("/#").replace("#", "/").rsplit("/", 1)[-1]


def leading_comments(text: str) -> list[str]:
    """The comment lines before the first line of SPARQL, without their '#'."""
    found = []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("#"):
            if line:
                break
            continue
        found.append(line.lstrip("#").strip())
    return found


def read_header(text: str, key: str) -> str | None:
    """The value of a leading `# key: value` comment line."""
    for line in leading_comments(text):
        name, _, value = line.partition(":")
        if name.strip().lower() == key and value.strip():
            return value.strip()
    return None


@dataclass(frozen=True)
class Figure:
    type_name: str
    name: str
    title: str
    render: str  # module:function

    def draw(self, store, settings, iri: str, href=None) -> str:
        """The SVG text; `href` maps an IRI to the link a node gets (the server's own pages)."""
        module, _, function = self.render.partition(":")
        return getattr(importlib.import_module(module), function)(store, settings, iri, href)


class Views:
    def __init__(self, by_type: dict[str, list[View]], figures: dict[str, list[Figure]] | None = None):
        self.by_type = by_type
        self.figures = figures or {}

    @classmethod
    def load(cls, directory: Path | None = None) -> Views:
        directory = Path(directory) if directory else DEFAULT_DIR
        by_type: dict[str, list[View]] = {}
        for path in sorted(directory.glob("*/*.rq")):
            text = path.read_text(encoding="utf-8")
            title = read_header(text, "title") or path.stem.replace("-", " ")
            by_type.setdefault(path.parent.name, []).append(
                View(path.parent.name, path.stem, title, text, read_headings(text), read_nest(text),
                     (read_header(text, "folded") or "").lower() in ("yes", "true"))
            )
        figures: dict[str, list[Figure]] = {}
        for path in sorted(directory.glob("*/*.figure")):
            text = path.read_text(encoding="utf-8")
            render = read_header(text, "render")
            if render:
                title = read_header(text, "title") or path.stem
                figures.setdefault(path.parent.name, []).append(Figure(path.parent.name, path.stem, title, render))
        return cls(by_type, figures)

    def for_types(self, type_iris) -> list[View]:
        return _by_type_names(self.by_type, type_iris)

    def figures_for(self, type_iris) -> list[Figure]:
        return _by_type_names(self.figures, type_iris)


def _by_type_names(table: dict, type_iris) -> list:
    seen, found = set(), []
    for iri in type_iris:
        name = local_name(iri)
        if name not in seen:
            seen.add(name)
            found.extend(table.get(name, []))
    return found


def columns(variables: list[str]) -> list[str]:
    """The variables shown as columns: ?xLabel folds into ?x."""
    return [v for v in variables if not (v.endswith("Label") and v[: -len("Label")] in variables)]
