"""The vocabulary: namespaces, the prefix table, the SPARQL prologue, and SELECT answers as rows.

Every namespace IRI the code uses is spelled here and nowhere else
(tests/test_structure.py fails on a namespace string anywhere else in sciplan/
or server/; SPARQL and Turtle files are data and keep their own PREFIX lines).
Like pySHACL's consts.py, the names are plain strings; `prefixes()` is the one
prefix table, with our own namespace `sp:` under the configured base.

IRIs of our own resources (plan/…, org/…, scheme/…) are minted and parsed in
sciplan/iris.py.
"""

from __future__ import annotations

import pyoxigraph as ox

# ---- namespaces of the vocabularies the graph reuses
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
ORG = "http://www.w3.org/ns/org#"
ELI = "http://data.europa.eu/eli/ontology#"
DCAT = "http://www.w3.org/ns/dcat#"
VOID = "http://rdfs.org/ns/void#"
FOAF = "http://xmlns.com/foaf/0.1/"
VANN = "http://purl.org/vocab/vann/"
SH = "http://www.w3.org/ns/shacl#"
WD = "http://www.wikidata.org/entity/"          # Wikidata items (owl:sameAs of jurisdictions)

# ---- namespaces of the SPARQL service
SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
SPARQL_RESULTS = "http://www.w3.org/2005/sparql-results#"

# ---- a few terms used by name
RDF_TYPE = RDF + "type"
RDF_LANG_STRING = RDF + "langString"
RDFS_LABEL = RDFS + "label"
SKOS_PREF_LABEL = SKOS + "prefLabel"
DCTERMS_TITLE = DCTERMS + "title"
XSD_STRING = XSD + "string"
XSD_INTEGER = XSD + "integer"
VOID_TRIPLES = VOID + "triples"
VANN_PREFERRED_PREFIX = VANN + "preferredNamespacePrefix"

# ---- other IRIs the description of the dataset names
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
WIKIDATA_HOME = "https://www.wikidata.org/"
WIKIDATA_SPARQL = "https://query.wikidata.org/sparql"

# The well-known vocabularies: prefixes of Turtle output and of short names on pages.
COMMON_PREFIXES = {
    "rdf": RDF, "rdfs": RDFS, "owl": OWL, "xsd": XSD, "skos": SKOS, "dcterms": DCTERMS, "prov": PROV,
    "org": ORG, "eli": ELI, "dcat": DCAT, "void": VOID, "foaf": FOAF,
}
SERVICE_PREFIXES = {"sd": SD, "formats": FORMATS, "void": VOID}


def sp(base: str) -> str:
    """Our own namespace (the ontology, ontology/sciplan.ttl) under the configured base."""
    return base + "def/"


def sps(base: str) -> str:
    """The shapes' namespace (`sps:` in shapes/*.ttl: the named shapes, and the terms the set-at-a-time
    engine reads beside SHACL, sps:candidates) under the configured base."""
    return base + "shapes/"


SPS_CANDIDATES = "candidates"  # sps:candidates: a SELECT of ?this, a superset of a constraint's focus nodes with a result


def prefixes(base: str) -> dict[str, str]:
    """The prefix table: `sp:` under the base, then the well-known vocabularies."""
    return {"sp": sp(base), **COMMON_PREFIXES}


def prologue(base: str) -> str:
    """PREFIX lines for a SPARQL query: every prefix of the table."""
    return "".join(f"PREFIX {name}: <{ns}>\n" for name, ns in prefixes(base).items())


def turtle_prologue(base: str) -> str:
    """@prefix lines for a Turtle file (base "" gives the relative `sp: <def/>` of generated files)."""
    return "".join(f"@prefix {name}: <{ns}> .\n" for name, ns in prefixes(base).items())


def solutions(store, query: str, **kwargs) -> ox.QuerySolutions:
    """A SELECT's answer (the store's query() answers any form; this says which one is meant)."""
    results = store.query(query, **kwargs)
    if not isinstance(results, ox.QuerySolutions):
        raise TypeError(f"not a SELECT query: {query[:80]!r}")
    return results


def rows(results: ox.QuerySolutions) -> list[dict[str, str | None]]:
    """A SELECT answer as rows: variable → the term's text (IRI, literal value, blank node id); None where unbound."""
    names = [v.value for v in results.variables]
    return [{n: (term.value if (term := solution[n]) is not None else None) for n in names} for solution in results]


def select(store, query: str, base: str) -> list[dict[str, str | None]]:
    """Run a SELECT with the prologue over the union of the graphs; the answer as rows."""
    return rows(solutions(store, prologue(base) + query, use_default_graph_as_union=True))


def column(store, query: str, base: str) -> list[str]:
    """The first variable's values of a SELECT (with the prologue, over the union of the graphs)."""
    results = solutions(store, prologue(base) + query, use_default_graph_as_union=True)
    return [solution[0].value for solution in results if solution[0] is not None]


def declared_prefixes(store) -> dict[str, str]:
    """The prefix table plus the namespaces the data declares (vann:preferredNamespacePrefix); the table wins."""
    query = f"SELECT ?prefix ?ns WHERE {{ ?ns <{VANN_PREFERRED_PREFIX}> ?prefix . FILTER(isIRI(?ns)) }}"
    found = dict(COMMON_PREFIXES)
    for prefix, ns in solutions(store, query, use_default_graph_as_union=True):
        found.setdefault(prefix.value, ns.value)
    return found
