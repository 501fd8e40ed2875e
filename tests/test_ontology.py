"""The ontology: every term of ours has zh and en labels and a definition, and ties to a reused vocabulary."""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from sciplan.config import Settings
from sciplan.iris import PLACEHOLDER

SETTINGS = Settings()
OWN = PLACEHOLDER + "def/"
KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property)


def ontology() -> Graph:
    g = Graph()
    for path in sorted(SETTINGS.ontology_dir.glob("*.ttl")):
        g.parse(path, format="turtle", publicID=PLACEHOLDER)
    return g


def own_terms(g: Graph) -> list[URIRef]:
    return sorted({s for kind in KINDS for s in g.subjects(RDF.type, kind) if str(s).startswith(OWN)})


def test_there_are_terms():
    terms = own_terms(ontology())
    assert len(terms) > 40
    assert URIRef(OWN + "TaskPoint") in terms and URIRef(OWN + "leadUnit") in terms


@pytest.mark.parametrize("term", own_terms(ontology()), ids=lambda t: t.removeprefix(OWN))
def test_term_is_labelled_and_defined(term):
    g = ontology()
    langs = {label.language for label in g.objects(term, RDFS.label)}
    assert {"zh", "en"} <= langs, f"{term}: labels in {langs}"
    assert any(d.language == "en" for d in g.objects(term, SKOS.definition)), f"{term}: no English definition"


def test_our_classes_specialise_reused_ones():
    g = ontology()
    for cls in ("Plan", "Part", "Section", "TaskPoint", "Body", "Jurisdiction", "SourceDocument", "UnitAssignment"):
        parents = [str(p) for p in g.objects(URIRef(OWN + cls), RDFS.subClassOf)]
        assert any(not p.startswith(OWN) for p in parents), f"{cls} is not tied to a reused vocabulary"
