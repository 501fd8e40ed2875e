"""VoID linksets of the dataset, with their sizes counted in the built store by SPARQL.

    owl:sameAs to Wikidata            jurisdictions → Wikidata items (verified ones only)
    skos:exactMatch / skos:closeMatch task points ↔ task points of other plans (confirmed alignments)
    eli:based_on (subdivisions)       sections and task points → those of higher-level plans
    eli:based_on (plans)              plans → the plans they are based on

Each linkset is a void:Linkset with void:linkPredicate, void:subjectsTarget,
void:objectsTarget and void:triples; the named graph holding the links lists it as a
void:subset. `linksets(store, settings)` returns an rdflib Graph; `as_oxigraph` turns it
into pyoxigraph triples for sciplan/describe.py, which builds the whole description (this
module does not import it: the dataset's IRI comes from sciplan/iris.py).
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, SKOS, VOID, XSD

from .. import iris, vocab
from ..config import Settings

ELI = Namespace(vocab.ELI)
WIKIDATA_ENTITY = vocab.WD

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




def linksets(store: ox.Store, settings: Settings) -> Graph:
    """The linksets of the dataset in `store`, sizes counted there."""
    g = Graph()
    g.bind("void", VOID)
    g.bind("dcterms", DCTERMS)
    ds = URIRef(settings.base + iris.dataset())
    wikidata = URIRef(settings.base + iris.dataset("wikidata"))
    g.add((wikidata, RDF.type, VOID.Dataset))
    g.add((wikidata, DCTERMS.title, Literal("Wikidata", lang="en")))
    g.add((wikidata, FOAF.homepage, URIRef(vocab.WIKIDATA_HOME)))
    g.add((wikidata, VOID.sparqlEndpoint, URIRef(vocab.WIKIDATA_SPARQL)))
    g.add((wikidata, VOID.uriSpace, Literal(WIKIDATA_ENTITY)))
    for name, (predicate, title, description, count, graphs, external) in LINKSETS.items():
        ls = URIRef(settings.base + iris.dataset(f"linkset-{name}"))
        size = int(vocab.column(store, count, settings.base)[0])
        g.add((ls, RDF.type, VOID.Linkset))
        g.add((ls, DCTERMS.title, Literal(title, lang="en")))
        g.add((ls, DCTERMS.description, Literal(description, lang="en")))
        g.add((ls, VOID.linkPredicate, predicate))
        g.add((ls, VOID.subjectsTarget, ds))
        g.add((ls, VOID.objectsTarget, wikidata if external else ds))
        g.add((ls, VOID.triples, Literal(size, datatype=XSD.integer)))
        for graph in vocab.column(store, graphs, settings.base):
            g.add((URIRef(graph), VOID.subset, ls))
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
