"""Run SPARQL against the built store and render results for a terminal or a file."""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from pathlib import Path

import pyoxigraph as ox

from . import vocab
from .backend import Backend
from .errors import InputError, QueryError, SciplanError, UsageError

__all__ = ["FORMATS", "QueryError", "read_query", "render", "run"]

FORMATS = ("table", "csv", "tsv", "json")


EMPTY = "the query is empty: give a SPARQL query, e.g. 'SELECT * WHERE { ?s ?p ?o } LIMIT 10', or the path of a .rq file"


def read_query(text_or_path: str) -> str:
    """A query is given inline or as a path to a .rq/.sparql file.

    A file that cannot be read is an input error and an empty query a usage error (both exit 2).
    """
    candidate = Path(text_or_path)
    if candidate.suffix in {".rq", ".sparql"} or (len(text_or_path) < 250 and candidate.is_file()):
        try:
            text = candidate.read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot read query file {text_or_path}: {exc.strerror}") from None
        except UnicodeDecodeError as exc:
            raise InputError(f"cannot read query file {text_or_path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
        if not text.strip() or not strip_comments(text).strip():
            raise UsageError(f"{text_or_path}: {EMPTY}")
        return text
    if not strip_comments(text_or_path).strip():
        raise UsageError(EMPTY)
    return text_or_path


def strip_comments(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


_OXIGRAPH_POSITION = re.compile(r"error at (\d+):(\d+): (.*)", re.S)


def syntax_message(sparql: str, engine_message: str) -> str:
    """A syntax error in the endpoint's words (server/evaluate.py): the engine's position as
    "SPARQL syntax error at line L, column C: ...", so a user sees one position whichever way
    they run the query."""
    found = _OXIGRAPH_POSITION.search(engine_message)
    if found:
        return f"SPARQL syntax error at line {found[1]}, column {found[2]}: {found[3]}"
    return f"SPARQL syntax error {engine_message}"


def run(store: Backend, sparql: str, union_default_graph: bool = True):
    """Evaluate a query; the default graph is the union of all named graphs."""
    try:
        return store.query(sparql, use_default_graph_as_union=union_default_graph)
    except SciplanError:  # a remote store's failure says what it is itself
        raise
    except SyntaxError as exc:
        raise QueryError(syntax_message(sparql, str(exc))) from None
    except (OSError, ValueError, RuntimeError) as exc:
        raise QueryError(f"query failed: {exc}") from None


def rows(results: ox.QuerySolutions) -> tuple[list[str], list[list[str]]]:
    """Column names and the cells of a SELECT answer as text (empty where unbound)."""
    names = [v.value for v in results.variables]
    return names, [[row[n] or "" for n in names] for row in vocab.rows(results)]


def render(results, fmt: str = "table") -> str:
    """Render SELECT/ASK/CONSTRUCT results; CONSTRUCT always renders as Turtle."""
    if fmt not in FORMATS:
        raise QueryError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if isinstance(results, ox.QueryBoolean):
        return json.dumps({"boolean": bool(results)}) if fmt == "json" else str(bool(results)).lower()
    if isinstance(results, (ox.QueryTriples, list)):  # a list of triples from a remote store (sciplan.backend)
        return (ox.serialize(results, format=ox.RdfFormat.TURTLE) or b"").decode("utf-8")
    if fmt == "json":
        return results.serialize(format=ox.QueryResultsFormat.JSON).decode("utf-8")
    names, table = rows(results)
    if fmt in ("csv", "tsv"):
        out = io.StringIO()
        writer = csv.writer(out, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        writer.writerow(names)
        writer.writerows(table)
        return out.getvalue()
    return format_table(names, table)


def display_width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def format_table(names: list[str], table: list[list[str]], limit: int = 60) -> str:
    def clip(text: str) -> str:
        text = text.replace("\n", " ")
        while display_width(text) > limit:
            text = text[:-2] + "…"
        return text

    cells = [[clip(c) for c in row] for row in [names] + table]
    widths = [max(display_width(row[i]) for row in cells) for i in range(len(names))]
    lines = []
    for n, row in enumerate(cells):
        lines.append(" | ".join(c + " " * (w - display_width(c)) for c, w in zip(row, widths)).rstrip())
        if n == 0:
            lines.append("-+-".join("-" * w for w in widths))
    lines.append(f"({len(table)} row{'s' if len(table) != 1 else ''})")
    return "\n".join(lines) + "\n"
