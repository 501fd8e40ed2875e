"""Which representation to send: the `format` parameter, else the Accept header.

Accept is read through werkzeug's parsed `request.accept_mimetypes`, which
weighs q-values and wildcards; no hand parsing here. Each list of formats is
in order of preference, so its first entry is the answer to `*/*` or to a
request without an Accept header.
"""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import BadRequest


@dataclass(frozen=True)
class Format:
    name: str                      # the value of ?format=
    media_type: str                # what the response says it is
    also: tuple[str, ...] = ()     # other media types that select it
    ox_name: str = ""              # pyoxigraph RdfFormat or QueryResultsFormat name

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type,) + self.also


JSON = Format("json", "application/sparql-results+json", ("application/json",), "JSON")
XML = Format("xml", "application/sparql-results+xml", ("application/xml",), "XML")
CSV = Format("csv", "text/csv", (), "CSV")
TSV = Format("tsv", "text/tab-separated-values", (), "TSV")
TURTLE = Format("turtle", "text/turtle", ("application/x-turtle",), "TURTLE")
NTRIPLES = Format("ntriples", "application/n-triples", ("text/plain",), "N_TRIPLES")
RDFXML = Format("rdfxml", "application/rdf+xml", (), "RDF_XML")
JSONLD = Format("jsonld", "application/ld+json", (), "JSON_LD")
HTML = Format("html", "text/html", ("application/xhtml+xml",))

RESULTS = (JSON, XML, CSV, TSV)
RDF = (TURTLE, JSONLD, NTRIPLES, RDFXML)
ALL = {f.name: f for f in RESULTS + RDF + (HTML,)}


def choose(accept: MIMEAccept, offered: tuple[Format, ...], format_param: str | None = None) -> Format | None:
    """The format to answer with, or None when nothing offered is acceptable (406)."""
    if format_param:
        wanted = ALL.get(format_param.strip().lower())
        if wanted is None:
            raise BadRequest(f"parameter 'format': unknown value {format_param!r}; use one of {', '.join(ALL)}")
        return wanted if wanted in offered else None
    if not accept:  # no Accept header: anything goes
        return offered[0]
    best = accept.best_match([mt for f in offered for mt in f.media_types])
    return next((f for f in offered if best in f.media_types), None)


def describe_offer(offered: tuple[Format, ...]) -> str:
    return ", ".join(f.media_type for f in offered)
