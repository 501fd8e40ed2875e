"""Exports of the built store: the task table as CSV, and the whole graph as RDF.

The task table has one row per numbered task point (the rows of the plans'
任务分工表; the national plan's task points are unnumbered quotations and are
not rows). Unit names are as printed, in printed order: a unit listed twice
appears twice, a typo stays, a garbled cell gives only its legible names, and
the `flags` column says which. Units stated once per section (江门) are given
on each of the section's rows, and `units_stated_on` says so.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, cast

import pyoxigraph as ox

from . import vocab
from .config import Settings

if TYPE_CHECKING:
    from .backend import Backend  # the built store or a remote one (sciplan/backend.py)

TASK_COLUMNS = [
    "task", "plan_number", "plan_title", "level", "jurisdiction", "part", "section_number", "section_title",
    "task_number", "task_title", "lead_units", "cooperating_units", "units_stated_on", "flags",
]

# Each pattern (the plan's, together) in its own block: Oxigraph hash-joins the blocks, one scan of a property each,
# where one pattern after another is a lookup per row (national size: 17.8 → 7.4 s, the same rows in the same order).
TASK_TABLE = """
SELECT ?task ?plan_number ?plan_title ?level ?jurisdiction ?part ?section_number ?section_title
       ?task_number ?task_title ?section ?plan_start
WHERE {
  { SELECT ?task WHERE { ?task a sp:TaskPoint } }
  { SELECT ?task ?task_number WHERE { ?task sp:number ?task_number } }
  { SELECT ?task ?task_title WHERE { ?task dcterms:title ?task_title } }
  { SELECT ?task ?section WHERE { ?task eli:is_part_of ?section } }
  { SELECT ?section ?section_number WHERE { ?section sp:number ?section_number } }
  { SELECT ?section ?section_title WHERE { ?section dcterms:title ?section_title } }
  { SELECT ?section ?partNode WHERE { ?section eli:is_part_of ?partNode } }
  { SELECT ?partNode ?part WHERE { ?partNode dcterms:title ?part } }
  { SELECT ?partNode ?plan WHERE { ?partNode eli:is_part_of ?plan } }
  { SELECT ?plan ?plan_title ?level ?plan_start ?jurisdiction ?plan_number WHERE {
      ?plan dcterms:title ?plan_title ; sp:level/skos:prefLabel ?level ; sp:periodStart ?plan_start ;
            eli:jurisdiction/skos:prefLabel ?jurisdiction .
      FILTER(lang(?level) = "en" && lang(?jurisdiction) = "zh")
      OPTIONAL { ?plan eli:id_local ?plan_number }
  } }
}
ORDER BY ?plan_start ?jurisdiction ?partNode ?section_number ?task_number
"""

UNITS = """
SELECT ?holder ?role ?position ?name WHERE {
  { SELECT ?holder ?a WHERE { ?holder sp:assignment ?a } }
  { SELECT ?a ?roleNode WHERE { ?a sp:role ?roleNode } }
  { SELECT ?a ?position WHERE { ?a sp:position ?position } }
  { SELECT ?a ?name WHERE { ?a sp:nameAsWritten ?name } }
  BIND(STRAFTER(STR(?roleNode), "/scheme/role/") AS ?role)
}
"""

FLAGS = """
SELECT ?holder ?flag WHERE { ?holder sp:flag ?f . BIND(STRAFTER(STR(?f), "/scheme/flag/") AS ?flag) }
"""


def _select(store: Backend, query: str, settings: Settings) -> list[dict[str, str]]:
    """The rows of a query (with the prologue); unbound values are empty strings, as in the CSV."""
    return [{n: v or "" for n, v in row.items()} for row in vocab.select(store, query, settings.base)]


def _units_by_holder(store: Backend, settings: Settings) -> dict[tuple[str, str], list[str]]:
    """The names of each cell as printed, in printed order (duplicates and typos kept)."""
    cells: dict[tuple[str, str], list[tuple[int, str]]] = {}
    # 600,000 rows at national size: read from the solutions, not made into rows first
    for row in vocab.solutions(store, vocab.prologue(settings.base) + UNITS, use_default_graph_as_union=True):
        cells.setdefault((row["holder"].value, row["role"].value), []).append((int(row["position"].value), row["name"].value))
    return {key: [name for _, name in sorted(values)] for key, values in cells.items()}


def task_rows(store: Backend, settings: Settings) -> list[dict]:
    units = _units_by_holder(store, settings)
    flags: dict[str, list[str]] = {}
    for row in _select(store, FLAGS, settings):
        flags.setdefault(row["holder"], []).append(row["flag"])
    rows = []
    for row in _select(store, TASK_TABLE, settings):
        holder = row["task"] if (row["task"], "lead") in units else row["section"]
        out = {k: row[k] for k in TASK_COLUMNS if k in row}
        out["lead_units"] = "|".join(units.get((holder, "lead"), []))
        out["cooperating_units"] = "|".join(units.get((holder, "cooperating"), []))
        out["units_stated_on"] = "task" if holder == row["task"] else ("section" if out["lead_units"] else "")
        out["flags"] = "|".join(sorted(flags.get(row["task"], [])))
        rows.append(out)
    return rows


def task_table_csv(store: Backend, settings: Settings) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=TASK_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(task_rows(store, settings))
    return out.getvalue().encode("utf-8")


def prefixes(settings: Settings) -> dict[str, str]:
    return vocab.prefixes(settings.base)


def dump(store: Backend, fmt: ox.RdfFormat, settings: Settings, output: Path | None = None) -> bytes:
    """Every named graph, in TriG or N-Quads; into the file `output` if given (then b"" is returned)."""
    found = store.dump(output, format=fmt, prefixes=prefixes(settings) if fmt == ox.RdfFormat.TRIG else None)
    return found or b""


def union_turtle(store: Backend, settings: Settings) -> bytes:
    """The union of all graphs as one Turtle document."""
    triples = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
    return ox.serialize(cast(Iterable[ox.Triple], triples), format=ox.RdfFormat.TURTLE, prefixes=prefixes(settings)) or b""


EXPORTERS = {
    "csv": task_table_csv,
    "trig": lambda store, settings: dump(store, ox.RdfFormat.TRIG, settings),
    "nquads": lambda store, settings: dump(store, ox.RdfFormat.N_QUADS, settings),
    "turtle": union_turtle,
}


def export(store: Backend, fmt: str, settings: Settings) -> bytes:
    return EXPORTERS[fmt](store, settings)
