"""The set-at-a-time engine: what it cannot compile goes to pyshacl and is named; --engine is checked."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import ROOT
from sciplan.cli import main
from sciplan.config import Settings
from sciplan.engine.sparql_text import Uncompilable, not_exists_to_minus, set_at_a_time
from sciplan.validate import validate_built

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

# sh:equals is not translated by the compiler: the shape is validated by pyshacl.
EQUALS_SHAPE = """
@prefix sps: <shapes/> .
@prefix sp:  <def/> .
@prefix sh:  <http://www.w3.org/ns/shacl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

sps:PeriodEqualsShape a sh:NodeShape ;
    rdfs:label "期限起止相同"@zh , "a one-year period"@en ;
    sh:targetClass sp:Plan ;
    sh:property [ sh:path sp:periodStart ; sh:equals sp:periodEnd ; sh:message "起止年份不同。"@zh ] .
"""


@pytest.fixture(scope="module")
def root_with_equals(tmp_path_factory):
    """A data root: the repository's, with one more shape in shapes/."""
    root = tmp_path_factory.mktemp("root")
    for name in ("ontology", "data", "queries"):
        (root / name).symlink_to(ROOT / name)
    shutil.copytree(ROOT / "shapes", root / "shapes")
    (root / "shapes" / "equals.ttl").write_text(EQUALS_SHAPE, encoding="utf-8")
    return root


def test_an_uncompilable_shape_is_validated_by_pyshacl_and_named(kg_store_path, root_with_equals, tmp_path, capsys):
    settings = Settings(store=kg_store_path, shapes_dir=root_with_equals / "shapes")
    sets = validate_built(settings, plan="nansha-2022-2025")
    assert set(sets.fallback) == {"PeriodEqualsShape"} and "shacl#equals" in sets.fallback["PeriodEqualsShape"]
    found = [f for f in sets.findings if f.rule.id == "PeriodEqualsShape"]
    assert [f.component for f in found] == ["EqualsConstraintComponent"] * 2  # 2022 ≠ 2025, both ways
    reference = validate_built(settings, plan="nansha-2022-2025", engine="pyshacl")
    key = sorted((f.focus, f.rule.id, f.component, f.path, f.value, f.message) for f in reference.findings)
    assert sorted((f.focus, f.rule.id, f.component, f.path, f.value, f.message) for f in sets.findings) == key

    out = tmp_path / "report.json"
    args = ["--root", str(root_with_equals), "--store", str(kg_store_path), "validate", "--plan", "nansha-2022-2025"]
    assert main(args + ["--format", "json", "--output", str(out)]) == 1
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["engine"] == "sets" and doc["pyshaclShapes"] == ["PeriodEqualsShape"]
    assert main(args) == 1
    assert "由 pyshacl 校验的规则（引擎未能编译）：PeriodEqualsShape" in capsys.readouterr().out


def test_the_engines_are_chosen_by_name(kg_store_path, tmp_path, capsys):
    out = tmp_path / "report.json"
    assert main(["--store", str(kg_store_path), "validate", "--plan", "nansha-2022-2025", "--engine", "pyshacl",
                 "--format", "json", "--output", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["engine"] == "pyshacl"
    assert main(["--store", str(kg_store_path), "validate", "--engine", "fast"]) == 2
    err = capsys.readouterr().err
    assert "--engine" in err and "'fast'" in err and "sets, pyshacl" in err


# ---------------------------------------------------------------- rewriting SPARQL constraints

FOCUS = "{ SELECT DISTINCT ?this WHERE { ?this a <C> } }"


def test_filter_not_exists_becomes_minus_only_where_the_solutions_stay_the_same():
    safe = "SELECT ?value WHERE { $this <p> ?value . FILTER NOT EXISTS { ?value a <B> ; <q> ?x . FILTER (?x > 1) } }"
    text = set_at_a_time(safe, FOCUS)
    assert "MINUS { ?value a <B> ; <q> ?x . FILTER (?x > 1) }" in text and "NOT EXISTS" not in text
    assert text.startswith("SELECT DISTINCT ?this ?value WHERE {\n" + FOCUS)  # ?this projected, the target first
    outer_filter = "SELECT $this WHERE { $this <p> ?n . OPTIONAL { $this <r> ?m } FILTER NOT EXISTS { $this <p> ?o . FILTER (?o = ?m) } }"
    assert "FILTER NOT EXISTS" in set_at_a_time(outer_filter, FOCUS)  # ?m of an OPTIONAL: not decorrelated
    bound_later = "SELECT $this WHERE { FILTER NOT EXISTS { ?v <q> ?w } $this <p> ?v }"
    assert "FILTER NOT EXISTS" in not_exists_to_minus(bound_later)  # ?v is bound after the filter
    optional = "SELECT $this WHERE { $this <p> ?x . OPTIONAL { $this <r> ?v } FILTER NOT EXISTS { ?v <q> ?w } }"
    assert "FILTER NOT EXISTS" in not_exists_to_minus(optional)  # ?v may be unbound
    unrelated = "SELECT $this WHERE { $this <p> ?x . FILTER NOT EXISTS { ?a <q> ?b } }"
    assert "FILTER NOT EXISTS" in not_exists_to_minus(unrelated)  # MINUS without a shared variable removes nothing
    union = ("SELECT $this WHERE { { $this <p> ?v . FILTER NOT EXISTS { ?v <q> ?a } } UNION { $this <r> ?a } }")
    assert "MINUS { ?v <q> ?a }" in not_exists_to_minus(union)  # ?a of the other branch is another scope
    strings = 'SELECT $this WHERE { $this <p> "{ FILTER NOT EXISTS {" . FILTER NOT EXISTS { $this <q> "}" } }'
    assert not_exists_to_minus(strings).count("MINUS") == 1 and '"{ FILTER NOT EXISTS {"' in not_exists_to_minus(strings)


@pytest.mark.parametrize("select", [
    "SELECT $this WHERE { $this <p> ?v } LIMIT 1",
    "SELECT $this (COUNT(?v) AS ?n) WHERE { $this <p> ?v } GROUP BY $this",
    "SELECT $this WHERE { { SELECT ?v WHERE { ?v <p> ?w } } $this <q> ?v }",
    "SELECT $this WHERE { $this <p> ?v MINUS { $this <q> ?v } }",
    "ASK { $this <p> ?v }",
])
def test_texts_that_depend_on_one_focus_node_at_a_time_are_not_compiled(select):
    with pytest.raises(Uncompilable):
        set_at_a_time(select, FOCUS)


DATA = """
<s1> <in-of> <p> . <t1> <in> <s1> ; <num> 1 . <t3> <in> <s1> ; <num> 3 . <t4> <in> <s1> ; <num> 4 .
<tx> <in> <s1> ; <num> "x" . <s2> <in-of> <p> . <u2> <in> <s2> ; <num> 2 . <u1> <in> <s2> ; <num> 1 .
"""


@pytest.mark.parametrize("query", [
    # a gap in the numbers: the inner FILTER uses ?m, which a BIND assigns (unbound for "x")
    "SELECT ?this ?n WHERE { ?t <in> ?this ; <num> ?n . BIND (?n - 1 AS ?m) "
    "FILTER NOT EXISTS { ?o <in> ?this ; <num> ?on . FILTER (?on = ?m) } }",
    # the same, where an unbound ?m must match only an unbound one
    "SELECT ?this ?n WHERE { ?t <in> ?this ; <num> ?n . BIND (?n - 1 AS ?m) "
    "FILTER NOT EXISTS { ?o <in> ?this ; <num> ?on . FILTER (!BOUND(?m) || ?on = ?m) } }",
    # the inner FILTER uses a variable of the triple patterns before it
    "SELECT ?this ?t WHERE { ?t <in> ?this ; <num> ?n . ?this <in-of> ?p . "
    "FILTER NOT EXISTS { ?o <in> ?this ; <num> ?on . FILTER (?on > ?n) } }",
])
def test_a_correlated_filter_not_exists_is_decorrelated_with_the_same_solutions(query):
    import pyoxigraph as ox

    store = ox.Store()
    store.load(DATA.encode(), format=ox.RdfFormat.TURTLE, base_iri="http://x/")
    rewritten = not_exists_to_minus(query)
    assert "NOT EXISTS" not in rewritten and "MINUS { SELECT DISTINCT" in rewritten

    def answer(q):
        return sorted(tuple(str(t) for t in row) for row in store.query(q, base_iri="http://x/"))
    assert answer(rewritten) == answer(query) and answer(query)


def test_a_shape_without_focus_nodes_runs_no_check(repo_settings):
    """Each shape's target is asked first (a SPARQL target's few nodes selected): none, no query."""
    import pyoxigraph as ox
    from rdflib import URIRef
    from rdflib.namespace import SH

    from sciplan.engine import run
    from sciplan.store import graph_iri
    from sciplan.validate import load_files, load_shapes, rules_of

    shapes = load_shapes(repo_settings, repo_settings.base)
    rules = rules_of(shapes)
    store = load_files([], repo_settings)  # the ontology alone: no plan, task, body, flag, …
    assert run(store, shapes, rules, repo_settings.base).queries == 0
    # one task point without a lead unit: the shapes that target task points run, and find it
    task = ox.NamedNode(repo_settings.base + "plan/x/point/1")
    g = ox.NamedNode(graph_iri(repo_settings, repo_settings.data_dir / "plans" / "x.ttl"))
    store.add(ox.Quad(task, ox.NamedNode(str(RDF_TYPE)), ox.NamedNode(repo_settings.base + "def/TaskPoint"), g))
    store.add(ox.Quad(task, ox.NamedNode(repo_settings.base + "def/number"), ox.Literal("1", datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#integer")), g))
    outcome = run(store, shapes, rules, repo_settings.base)
    report = outcome.report
    sources = {str(report.value(r, SH.sourceShape)) for r in report.subjects(SH.focusNode, URIRef(task.value))}
    assert repo_settings.base + "shapes/LeadUnitShape" in sources
    assert 0 < outcome.queries < 20  # the checks of the shapes of task points (and of every subject), not all ~60


def test_sps_candidates_is_read_under_the_configured_base(repo_settings):
    """sps:candidates (vocab.sps) narrows DuplicateUnitShape's focus nodes, with any base the shapes load with."""
    from rdflib import URIRef

    from sciplan import vocab
    from sciplan.engine.compile import Compiler
    from sciplan.validate import load_files, load_shapes

    for base in (repo_settings.base, "http://example.org/kg/"):
        shapes = load_shapes(repo_settings, base)
        [check] = Compiler(shapes, load_files([], repo_settings), base).compile(
            [URIRef(vocab.sps(base) + "DuplicateUnitShape")]).checks
        assert check.core is not None and "HAVING (COUNT(DISTINCT ?a) > 1)" in check.core
