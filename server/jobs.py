"""A query job and its answer, as plain data that crosses the process boundary.

SELECT rows travel as SPARQL JSON bindings (one binding per distinct term, so
pickle sends each once), ASK as a bool, CONSTRUCT/DESCRIBE already serialized;
for the /sparql endpoint (job.results_format) SELECT and ASK answers are
written in the query process too (server/results.py) and travel as bytes.
`package` turns a pyoxigraph answer into an Outcome, cut at the job's row limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice

import pyoxigraph as ox

from sciplan.vocab import RDF_LANG_STRING, XSD_STRING


@dataclass(frozen=True)
class Job:
    query: str
    base_iri: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    rdf_format: str = "TURTLE"          # ox.RdfFormat name for CONSTRUCT/DESCRIBE answers
    results_format: str = ""            # ox.QueryResultsFormat name: SELECT/ASK answers as a body (server/results.py)
    prefixes: tuple[tuple[str, str], ...] = ()
    max_rows: int = 10_000
    trusted: bool = False               # the server's own queries skip the safety check
    allowed_services: frozenset[str] = frozenset()
    time_limit: float = 0.0             # seconds left of the request's deadline; the worker ends itself past it


@dataclass
class Outcome:
    kind: str                           # "select", "ask" or "graph"
    variables: list[str] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)
    boolean: bool = False
    data: bytes = b""
    count: int = 0
    truncated: bool = False
    sent: str = ""                      # written to the client by the query process: "whole" or "cut" (server/direct_send.py)
    sent_bytes: int = 0                 # the body's length then


def package(result, job: Job) -> Outcome:
    if isinstance(result, ox.QueryBoolean):
        return Outcome("ask", boolean=bool(result), count=1)
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        memo: dict = {}  # one binding per distinct term: rows repeat terms, and pickle then sends each once

        def bound(term):
            found = memo.get(term)
            if found is None:
                found = memo[term] = binding(term)
            return found

        rows = [
            {n: bound(term) for n in names if (term := sol[n]) is not None}
            for sol in islice(result, job.max_rows + 1)
        ]
        truncated = len(rows) > job.max_rows
        del rows[job.max_rows:]
        return Outcome("select", variables=names, rows=rows, count=len(rows), truncated=truncated)
    triples = list(islice(result, job.max_rows + 1))
    truncated = len(triples) > job.max_rows
    del triples[job.max_rows:]
    fmt = getattr(ox.RdfFormat, job.rdf_format)
    prefixes = dict(job.prefixes) if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None
    data = ox.serialize(triples, format=fmt, prefixes=prefixes) or b""
    return Outcome("graph", data=data, count=len(triples), truncated=truncated)


def binding(term) -> dict:
    """A term as a SPARQL 1.1 JSON results binding."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {k: binding(getattr(term, k)) for k in ("subject", "predicate", "object")}}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value not in (XSD_STRING, RDF_LANG_STRING):
        out["datatype"] = term.datatype.value
    return out
