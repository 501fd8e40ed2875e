"""VoID linksets of the dataset, with their sizes counted in the built store by SPARQL.

    owl:sameAs to Wikidata            jurisdictions → Wikidata items (verified ones only)
    skos:exactMatch / skos:closeMatch task points ↔ task points of other plans (confirmed alignments)
    eli:based_on (subdivisions)       sections and task points → those of higher-level plans
    eli:based_on (plans)              plans → the plans they are based on

Each linkset is a void:Linkset with void:linkPredicate, void:subjectsTarget,
void:objectsTarget and void:triples; the named graph holding the links lists it as a
void:subset. `linksets(store, settings)` returns an rdflib Graph; `as_oxigraph` turns it
into pyoxigraph triples for sciplan/describe.py.
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, SKOS, VOID, XSD

from ..config import Settings

ELI = Namespace("http://data.europa.eu/eli/ontology#")
WIKIDATA_ENTITY = "http://www.wikidata.org/entity/"

PREFIXES = """
PREFIX sp: <{base}def/>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
"""

# name: (link predicate, title, description, count query (?n), query of the graphs holding the links (?g), external)
LINKSETS = {
    "wikidata-sameas": (
        OWL.sameAs, "Jurisdictions → Wikidata (owl:sameAs)",
        "Jurisdictions of the graph linked to their Wikidata items, only where the item was verified.",
        'SELECT (COUNT(*) AS ?n) WHERE { ?s owl:sameAs ?o . ?s a sp:Jurisdiction . '
        'FILTER(STRSTARTS(STR(?o), "' + WIKIDATA_ENTITY + '")) }',
        'SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s owl:sameAs ?o } ?s a sp:Jurisdiction . '
        'FILTER(STRSTARTS(STR(?o), "' + WIKIDATA_ENTITY + '")) }',
        True,
    ),
    "task-exact-match": (
        SKOS.exactMatch, "Task points ↔ task points (skos:exactMatch)",
        "Confirmed exact matches between task points of different plans (identical titles in corresponding "
        "sections), each with its reason on an sp:AlignmentProposal.",
        "SELECT (COUNT(*) AS ?n) WHERE { ?s skos:exactMatch ?o . ?s a sp:TaskPoint . ?o a sp:TaskPoint }",
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s skos:exactMatch ?o } ?s a sp:TaskPoint }",
        False,
    ),
    "task-close-match": (
        SKOS.closeMatch, "Task points ↔ task points (skos:closeMatch)",
        "Confirmed close matches between task points of sibling plans and of plans of different generations, "
        "each with its reason on an sp:AlignmentProposal.",
        "SELECT (COUNT(*) AS ?n) WHERE { ?s skos:closeMatch ?o . ?s a sp:TaskPoint . ?o a sp:TaskPoint }",
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s skos:closeMatch ?o } ?s a sp:TaskPoint }",
        False,
    ),
    "derivation-subdivisions": (
        ELI.based_on, "Sections and task points → higher-level ones (eli:based_on)",
        "Curated derivation of sections and task points from those of city, provincial and national plans, "
        "each with its reason on an sp:CuratedLink.",
        "SELECT (COUNT(*) AS ?n) WHERE { ?s eli:based_on ?o . FILTER NOT EXISTS { ?s a sp:Plan } }",
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s eli:based_on ?o } FILTER NOT EXISTS { ?s a sp:Plan } }",
        False,
    ),
    "derivation-plans": (
        ELI.based_on, "Plans → the plans they are based on (eli:based_on)",
        "The basis each plan cites, or is inferred to have (see the flagged sp:SourcedStatement).",
        "SELECT (COUNT(*) AS ?n) WHERE { ?s eli:based_on ?o . ?s a sp:Plan }",
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s eli:based_on ?o } ?s a sp:Plan }",
        False,
    ),
}


def dataset_iri(settings: Settings) -> str:
    try:
        from ..describe import dataset_iri as described
    except ImportError:  # describe.py not present
        return settings.base + "void#dataset"
    return described(settings)


def _select(store: ox.Store, query: str, settings: Settings) -> list:
    text = PREFIXES.format(base=settings.base) + query
    return [row[0] for row in store.query(text, use_default_graph_as_union=True)]


def linksets(store: ox.Store, settings: Settings) -> Graph:
    """The linksets of the dataset in `store`, sizes counted there."""
    g = Graph()
    g.bind("void", VOID)
    g.bind("dcterms", DCTERMS)
    ds = URIRef(dataset_iri(settings))
    wikidata = URIRef(settings.base + "void#wikidata")
    g.add((wikidata, RDF.type, VOID.Dataset))
    g.add((wikidata, DCTERMS.title, Literal("Wikidata", lang="en")))
    g.add((wikidata, FOAF.homepage, URIRef("https://www.wikidata.org/")))
    g.add((wikidata, VOID.sparqlEndpoint, URIRef("https://query.wikidata.org/sparql")))
    g.add((wikidata, VOID.uriSpace, Literal(WIKIDATA_ENTITY)))
    for name, (predicate, title, description, count, graphs, external) in LINKSETS.items():
        ls = URIRef(settings.base + f"void#linkset-{name}")
        size = int(_select(store, count, settings)[0].value)
        g.add((ls, RDF.type, VOID.Linkset))
        g.add((ls, DCTERMS.title, Literal(title, lang="en")))
        g.add((ls, DCTERMS.description, Literal(description, lang="en")))
        g.add((ls, VOID.linkPredicate, predicate))
        g.add((ls, VOID.subjectsTarget, ds))
        g.add((ls, VOID.objectsTarget, wikidata if external else ds))
        g.add((ls, VOID.triples, Literal(size, datatype=XSD.integer)))
        for graph in _select(store, graphs, settings):
            g.add((URIRef(graph.value), VOID.subset, ls))
    return g


def as_oxigraph(graph: Graph) -> list[ox.Triple]:
    """The triples of an rdflib Graph as pyoxigraph Triples (blank nodes are not used here)."""
    def term(t):
        if isinstance(t, URIRef):
            return ox.NamedNode(str(t))
        if isinstance(t, BNode):
            return ox.BlankNode(str(t))
        if t.language:
            return ox.Literal(str(t), language=t.language)
        return ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype or XSD.string)))
    return [ox.Triple(term(s), term(p), term(o)) for s, p, o in sorted(graph)]
