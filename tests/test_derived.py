"""The derived graph (sciplan/derived.py): every shortcut equals what the curated graphs give by the
documented path, the build adds it atomically with the sources, and validation sees no noise from it."""

from __future__ import annotations

import shutil

import pyoxigraph as ox
import pytest

from conftest import ROOT
from sciplan import derived, vocab
from sciplan.config import DEFAULT_BASE, Settings
from sciplan.store import build, build_info, open_store

SP = vocab.sp(DEFAULT_BASE)
DERIVED = derived.graph_iri(DEFAULT_BASE)

# The documented (slow) path of each shortcut, over the curated graphs only (FROM NAMED excludes nothing:
# the derived graph holds none of the predicates these paths walk).
BY_PATH = {
    "inPlan": """SELECT DISTINCT ?s ?o WHERE {
        ?o a sp:Plan .
        { ?s eli:is_part_of+ ?o } UNION { ?o (eli:has_part|sp:assignment|sp:hasTarget|sp:hasBaseline)+ ?s }
        FILTER NOT EXISTS { ?s a sp:Plan } }""",
    "jurisdictionCode": "SELECT DISTINCT ?s ?o WHERE { ?s a sp:Plan ; eli:jurisdiction/sp:gbCode ?o }",
    "effectiveLeadUnit": """SELECT DISTINCT ?s ?o WHERE {
        ?s a sp:TaskPoint ; eli:is_part_of? ?holder . ?holder sp:leadUnit ?o .
        FILTER(?holder = ?s || NOT EXISTS { ?s sp:leadUnit ?own }) }""",
    "derivesFrom": "SELECT DISTINCT ?s ?o WHERE { ?s eli:based_on+ ?o FILTER(?s != ?o) }",
}


def in_derived(store, name: str) -> set[tuple[str, str]]:
    return {(q.subject.value, q.object.value)
            for q in store.quads_for_pattern(None, ox.NamedNode(SP + name), None, ox.NamedNode(DERIVED))}


def by_path(store, name: str) -> set[tuple[str, str]]:
    return {(r["s"], r["o"]) for r in vocab.select(store, BY_PATH[name], DEFAULT_BASE)}  # type: ignore[misc]


@pytest.mark.parametrize("name", sorted(BY_PATH))
def test_each_shortcut_is_what_the_documented_path_gives(kg_store, name):
    shortcut = in_derived(kg_store, name)
    assert shortcut, f"sp:{name}: no triple in the derived graph"
    assert shortcut == by_path(kg_store, name)


def test_every_part_section_task_and_assignment_has_its_plan(kg_store):
    missing = vocab.column(kg_store, """SELECT ?s WHERE {
        VALUES ?type { sp:Part sp:Section sp:TaskPoint sp:UnitAssignment sp:Target sp:Baseline }
        ?s a ?type FILTER NOT EXISTS { ?s sp:inPlan ?plan } }""", DEFAULT_BASE)
    assert missing == []


def test_known_answers_of_the_shortcuts(kg_store):
    tasks = vocab.column(kg_store, """SELECT ?t WHERE {
        ?plan sp:jurisdictionCode "440115" . ?t a sp:TaskPoint ; sp:inPlan ?plan }""", DEFAULT_BASE)
    assert len(tasks) == 39  # 南沙's task points (queries/tasks-per-plan.rq)
    # 江门 states its units per section: a task point of its first section is led by the section's units.
    jiangmen = vocab.column(kg_store, """SELECT DISTINCT ?name WHERE {
        ?t a sp:TaskPoint ; sp:inPlan/dcterms:identifier "jiangmen-2016-2020" ; sp:effectiveLeadUnit/skos:prefLabel ?name
        FILTER NOT EXISTS { ?t sp:leadUnit ?own } FILTER(LANG(?name) = "zh") }""", DEFAULT_BASE)
    assert "市科协" in jiangmen
    chain = vocab.column(kg_store, """SELECT ?title WHERE {
        <plan/440115/2022-2025/part/projects/section/3> sp:derivesFrom ?s . ?s dcterms:title ?title
        } ORDER BY ?title""".replace("<plan/", f"<{DEFAULT_BASE}plan/"), DEFAULT_BASE)
    assert "科普基础设施建设工程" in chain and "科普基础设施工程" in chain  # 广州, then national


def test_the_build_records_the_derived_graph_beside_the_sources(kg_store, kg_store_path):
    info = build_info(kg_store_path)
    assert info["derived"]["graph"] == DERIVED
    assert info["derived"]["triples"] == len(list(kg_store.quads_for_pattern(None, None, None, ox.NamedNode(DERIVED))))
    assert DERIVED not in info["graphs"] or "file" not in info["graphs"][DERIVED]
    assert not any(p.stem == derived.GRAPH for p in (ROOT / "data" / "ttl").rglob("*.ttl")), "the derived graph is never curated"


def test_the_derived_graph_follows_the_sources_on_rebuild(tmp_path):
    """Drop 南沙 (一)1's lead unit from a copy: after the rebuild its effective lead unit is gone too."""
    shutil.copytree(ROOT / "ontology", tmp_path / "ontology")
    shutil.copytree(ROOT / "data" / "ttl", tmp_path / "data" / "ttl")
    settings = Settings(ontology_dir=tmp_path / "ontology", data_dir=tmp_path / "data" / "ttl", store=tmp_path / "store")
    task = f"{DEFAULT_BASE}plan/440115/2022-2025/part/actions/section/1/point/1"
    build(settings, published=False)
    assert any(s == task for s, _ in in_derived(open_store(settings.store), "effectiveLeadUnit"))
    path = tmp_path / "data" / "ttl" / "plans" / "nansha-2022-2025.ttl"
    text = path.read_text(encoding="utf-8")
    old = "    sp:leadUnit <org/440115/区教育局> ;\n    sp:leadUnitsText \"区教育局\"@zh ;\n    sp:number 1 ;"
    assert old in text
    path.write_text(text.replace(old, "    sp:leadUnitsText \"区教育局\"@zh ;\n    sp:number 1 ;", 1), encoding="utf-8")
    build(settings, published=False)
    assert not any(s == task for s, _ in in_derived(open_store(settings.store), "effectiveLeadUnit"))


def _store(turtle: str) -> ox.Store:
    store = ox.Store()
    prologue = vocab.turtle_prologue(DEFAULT_BASE)
    store.load(input=(prologue + turtle).encode(), format=ox.RdfFormat.TURTLE, base_iri=DEFAULT_BASE,
               to_graph=ox.NamedNode(DEFAULT_BASE + "graph/t"))
    return store


def test_a_cycle_of_based_on_ends_and_an_orphan_gets_no_plan():
    """Bad curated data must not hang the build nor invent a plan: a based_on cycle gives each member
    the others (not itself); a section whose chain reaches no plan gets no sp:inPlan."""
    store = _store("""
        <a> eli:based_on <b> . <b> eli:based_on <c> . <c> eli:based_on <a> .
        <plan/x> a sp:Plan . <plan/x/part/p> eli:is_part_of <plan/x> .
        <orphan> a sp:Section ; eli:is_part_of <nowhere> .
        <s> a sp:Section ; eli:is_part_of <plan/x/part/p> .
    """)
    quads = list(derived.quads(store, DEFAULT_BASE))
    got = {(q.subject.value.removeprefix(DEFAULT_BASE), q.predicate.value.removeprefix(SP), q.object.value.removeprefix(DEFAULT_BASE))
           for q in quads}
    assert {(s, o) for s, p, o in got if p == "derivesFrom"} == {
        ("a", "b"), ("a", "c"), ("b", "c"), ("b", "a"), ("c", "a"), ("c", "b")}
    assert {(s, o) for s, p, o in got if p == "inPlan"} == {("plan/x/part/p", "plan/x"), ("s", "plan/x")}
    assert all(q.graph_name.value == DERIVED for q in quads)


def test_validation_of_the_built_store_finds_what_validation_of_the_sources_finds(kg_store, repo_settings):
    """The derived graph adds no finding: the built store (with it) and the curated files (without)
    give the same results, so the shapes need not know about it."""
    from sciplan.validate import validate_files, validate_store

    def found(v):
        return sorted((f.severity, f.rule.id, f.focus, f.path or "", f.value or "") for f in v.findings)

    with_derived = validate_store(kg_store, repo_settings)
    without = validate_files([repo_settings.data_dir], repo_settings)
    assert with_derived.data_triples > without.data_triples
    assert found(with_derived) == found(without)
