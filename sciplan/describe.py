"""VoID and DCAT description of the dataset: what it is, its licence, sources and size.

The server publishes it at <base>void and links it from the downloads page;
the download locations it names (DISTRIBUTIONS) are the ones the server serves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from . import iris
from .align.linksets import as_oxigraph, linksets
from .config import Settings
from .vocab import COMMON_PREFIXES, DCAT, DCTERMS, LICENSE, MEDIA_TYPES, RDF, VOID, XSD, solutions

PREFIXES = COMMON_PREFIXES  # of the description in Turtle

TITLE = {"zh": "全民科学素质行动规划知识图谱", "en": "Knowledge graph of China's science-literacy action plans"}
DESCRIPTION = {
    "zh": "国家《全民科学素质行动规划纲要》及省、市、区实施方案的任务要点、牵头与配合单位，附来源原文。",
    "en": "The national science-literacy plan and provincial, municipal and district implementation plans: "
          "their task points, lead and cooperating units, and the source text of every record.",
}


# Below the base: the property that gives a subdivision its printed place among its siblings,
# so that generic pages list children as the document prints them, not by their names.
ORDER_PROPERTY = "def/order"


@dataclass(frozen=True)
class Distribution:
    path: str          # below the base IRI
    media_type: str
    title: str
    rdf_format: ox.RdfFormat | None = None   # None: not a dump of the store


DISTRIBUTIONS = (
    Distribution("downloads/sciplan.trig", "application/trig", "TriG (all named graphs)", ox.RdfFormat.TRIG),
    Distribution("downloads/sciplan.nq", "application/n-quads", "N-Quads (all named graphs)", ox.RdfFormat.N_QUADS),
    Distribution("downloads/tasks.csv", "text/csv", "CSV task table"),
)


def dataset_iri(settings: Settings) -> str:
    return settings.base + iris.dataset()


def counts(store: ox.Store, settings: Settings) -> dict[str, int]:
    """triples, graphs, entities (IRIs under the base used as subjects), classes, properties."""
    query = f"""
    SELECT (COUNT(DISTINCT ?s) AS ?entities) WHERE {{
      ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{settings.base}"))
    }}"""
    def value(q: str) -> int:
        return int(next(iter(solutions(store, q, use_default_graph_as_union=True)))[0].value)

    return {
        "triples": len(store),
        "graphs": sum(1 for _ in store.named_graphs()),
        "entities": value(query),
        "classes": value("SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }"),
        "properties": value("SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?s ?p ?o }"),
    }


def sources(store: ox.Store, settings: Settings) -> list[str]:
    query = f"SELECT DISTINCT ?doc WHERE {{ ?doc a <{settings.base}{iris.term('SourceDocument')}> }} ORDER BY ?doc"
    return [row[0].value for row in solutions(store, query, use_default_graph_as_union=True) if isinstance(row[0], ox.NamedNode)]


def graph_sizes(store: ox.Store) -> list[tuple[str, int]]:
    query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    return [(row[0].value, int(row[1].value)) for row in solutions(store, query)]


def describe(store: ox.Store, settings: Settings, built: str | None = None, counted: dict[str, int] | None = None,
             sizes: list[tuple[str, int]] | None = None) -> list[ox.Triple]:
    """VoID + DCAT triples for the dataset in `store`; `built` is an xsd:dateTime. `counted` (what `counts` gives) and
    `sizes` (what `graph_sizes` gives) when the caller has them already: the build counts them in its one pass over
    the store (sciplan/publish.py), where `counts` alone took 25 s at national size."""
    base = settings.base
    iri, lit = ox.NamedNode, ox.Literal

    def integer(number: int) -> ox.Literal:
        return lit(str(number), datatype=iri(XSD + "integer"))

    a = iri(RDF + "type")
    ds = iri(dataset_iri(settings))
    endpoint = iri(base + "sparql")
    n = counts(store, settings) if counted is None else counted
    triples: list[tuple[Any, Any, Any]] = [
        (ds, a, iri(VOID + "Dataset")),
        (ds, a, iri(DCAT + "Dataset")),
        *[(ds, iri(DCTERMS + "title"), lit(text, language=lang)) for lang, text in TITLE.items()],
        *[(ds, iri(DCTERMS + "description"), lit(text, language=lang)) for lang, text in DESCRIPTION.items()],
        (ds, iri(DCTERMS + "license"), iri(LICENSE)),
        (ds, iri(DCAT + "landingPage"), iri(base)),
        (ds, iri(VOID + "uriSpace"), lit(base)),
        (ds, iri(VOID + "vocabulary"), iri(base + "def/")),
        (ds, iri(VOID + "sparqlEndpoint"), endpoint),
        (ds, iri(VOID + "triples"), integer(n["triples"])),
        (ds, iri(VOID + "entities"), integer(n["entities"])),
        (ds, iri(VOID + "classes"), integer(n["classes"])),
        (ds, iri(VOID + "properties"), integer(n["properties"])),
        (endpoint, a, iri(DCAT + "DataService")),
        (endpoint, iri(DCAT + "endpointURL"), endpoint),
        (endpoint, iri(DCAT + "servesDataset"), ds),
        *[(ds, iri(DCTERMS + "source"), iri(doc)) for doc in sources(store, settings)],
    ]
    if built:
        triples.append((ds, iri(DCTERMS + "modified"), lit(built, datatype=iri(XSD + "dateTime"))))
    for dist in DISTRIBUTIONS:
        node = iri(base + dist.path)
        triples += [
            (ds, iri(DCAT + "distribution"), node),
            (node, a, iri(DCAT + "Distribution")),
            (node, iri(DCTERMS + "title"), lit(dist.title, language="en")),
            (node, iri(DCAT + "downloadURL"), node),
            (node, iri(DCAT + "mediaType"), iri(MEDIA_TYPES + dist.media_type)),
            (node, iri(DCTERMS + "license"), iri(LICENSE)),
        ]
        if dist.rdf_format is not None:
            triples.append((ds, iri(VOID + "dataDump"), node))
    for name, size in graph_sizes(store) if sizes is None else sizes:
        graph = iri(name)
        triples += [
            (ds, iri(VOID + "subset"), graph),
            (graph, a, iri(VOID + "Dataset")),
            (graph, iri(VOID + "triples"), integer(size)),
        ]
    return [ox.Triple(*t) for t in triples] + as_oxigraph(linksets(store, settings))
