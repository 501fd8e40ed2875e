"""The derived graph (sciplan/derived.py): every shortcut equals what the curated graphs give by the
documented path, the build adds it atomically with the sources, and validation sees no noise from it."""

from __future__ import annotations

import shutil
from collections import defaultdict

import pyoxigraph as ox
import pytest

from conftest import ROOT
from sciplan import derived, iris, vocab
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
    "sectionNumber": """SELECT DISTINCT ?s ?o WHERE {
        ?s a sp:Section . OPTIONAL { ?s sp:number ?printed } OPTIONAL { ?s sp:order ?order }
        BIND(COALESCE(?printed, ?order) AS ?o) FILTER(BOUND(?o)) }""",
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


def test_a_section_number_is_the_printed_number_else_the_order():
    """The printed number wins over the position; a section without a printed number has its position; a task
    point's or a part's number is not a section number; a section with neither has none."""
    store = _store("""
        <s/1> a sp:Section ; sp:number 3 ; sp:order 1 .
        <s/2> a sp:Section ; sp:order 2 .
        <s/3> a sp:Section .
        <t/1> a sp:TaskPoint ; sp:number 5 ; sp:order 5 .
        <p/1> a sp:Part ; sp:number 1 .
    """)
    got = {(q.subject.value.removeprefix(DEFAULT_BASE), q.object) for q in derived.quads(store, DEFAULT_BASE)
           if q.predicate.value == SP + "sectionNumber"}
    assert got == {("s/1", ox.Literal(3)), ("s/2", ox.Literal(2))}


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


# ---------------------------------------------------------------- tallies

# What each tally counts, at query time over every task point (the texts the named queries used before the tallies).
COUNTED = {
    "plan": """SELECT ?plan (COUNT(DISTINCT ?task) AS ?n) WHERE { ?task a sp:TaskPoint ; sp:inPlan ?plan } GROUP BY ?plan""",
    "lead": """SELECT ?plan ?key (COUNT(DISTINCT ?task) AS ?n) WHERE { ?task sp:effectiveLeadUnit ?key ; sp:inPlan ?plan }
               GROUP BY ?plan ?key""",
    "function": """SELECT ?plan ?key (COUNT(DISTINCT ?task) AS ?n) WHERE {
                       ?task sp:effectiveLeadUnit ?unit ; sp:inPlan ?plan . ?unit org:classification ?key } GROUP BY ?plan ?key""",
}
TALLIED = {
    "plan": "SELECT ?plan ?n WHERE { ?plan a sp:Plan ; sp:taskPointCount ?n FILTER(?n > 0) }",
    "lead": "SELECT ?node ?plan ?key ?n WHERE { ?node a sp:LeadTally ; sp:tallyPlan ?plan ; sp:tallyUnit ?key ; sp:taskPointCount ?n }",
    "function": """SELECT ?node ?plan ?key ?n WHERE {
                       ?node a sp:FunctionTally ; sp:tallyPlan ?plan ; sp:tallyFunction ?key ; sp:taskPointCount ?n }""",
}


def _counts(store, query: str) -> set[tuple]:
    return {(r["plan"], r.get("key"), int(r["n"])) for r in vocab.select(store, query, DEFAULT_BASE)}  # type: ignore[misc]


@pytest.mark.parametrize("kind", sorted(COUNTED))
def test_each_tally_is_what_counting_every_task_point_gives(kg_store, kind):
    tallied = _counts(kg_store, TALLIED[kind])
    assert tallied, f"no {kind} tally in the derived graph"
    assert tallied == _counts(kg_store, COUNTED[kind])
    if kind == "plan":  # one count on every plan, 0 where it has no task point
        assert vocab.column(kg_store, """SELECT ?plan WHERE { ?plan a sp:Plan
            FILTER NOT EXISTS { ?plan sp:taskPointCount ?n } }""", DEFAULT_BASE) == []


def test_a_known_tally_equals_a_direct_count(kg_store):
    """南沙's plan and its 区科协: the tally and the count over the curated graphs by the documented path."""
    plan, unit = f"{DEFAULT_BASE}plan/440115/2022-2025", f"{DEFAULT_BASE}org/440115/区科协"
    direct = vocab.column(kg_store, f"""SELECT (COUNT(DISTINCT ?task) AS ?n) WHERE {{
        ?task a sp:TaskPoint ; eli:is_part_of+ <{plan}> ; sp:leadUnit <{unit}> }}""", DEFAULT_BASE)
    node = DEFAULT_BASE + iris.tally(iris.relative(plan, DEFAULT_BASE), "lead", iris.relative(unit, DEFAULT_BASE))
    assert node == f"{plan}/lead-tally/440115/区科协"
    tally = vocab.column(kg_store, f"SELECT ?n WHERE {{ <{node}> sp:tallyPlan <{plan}> ; sp:tallyUnit <{unit}> ; sp:taskPointCount ?n }}",
                         DEFAULT_BASE)
    assert int(direct[0]) > 0 and tally == direct
    points = vocab.column(kg_store, f"SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE {{ ?t a sp:TaskPoint ; eli:is_part_of+ <{plan}> }}", DEFAULT_BASE)
    assert vocab.column(kg_store, f"SELECT ?n WHERE {{ <{plan}> sp:taskPointCount ?n }}", DEFAULT_BASE) == points


def test_every_tally_node_is_named_after_its_plan_and_key(kg_store):
    rows = [r for kind in ("lead", "function") for r in vocab.select(kg_store, TALLIED[kind], DEFAULT_BASE)]  # type: ignore[misc]
    assert rows
    for r in rows:
        kind = "lead" if "/lead-tally/" in r["node"] else "function"
        rel = iris.relative
        assert r["node"] == DEFAULT_BASE + iris.tally(rel(r["plan"], DEFAULT_BASE), kind, rel(r["key"], DEFAULT_BASE))
        assert iris.plan_of(r["node"], DEFAULT_BASE) == rel(r["plan"], DEFAULT_BASE)


TALLY_FIXTURE = """
    <plan/440000/2021-2025> a sp:Plan .
    <plan/440000/2021-2025/part/p> eli:is_part_of <plan/440000/2021-2025> .
    <plan/440000/2021-2025/part/p/section/1> a sp:Section ; eli:is_part_of <plan/440000/2021-2025/part/p> ;
        sp:leadUnit <org/440000/a> , <org/440000/b> .
    <plan/440000/2021-2025/part/p/section/1/point/1> a sp:TaskPoint ; eli:is_part_of <plan/440000/2021-2025/part/p/section/1> .
    <plan/440000/2021-2025/part/p/section/1/point/2> a sp:TaskPoint ; eli:is_part_of <plan/440000/2021-2025/part/p/section/1> ;
        sp:leadUnit <org/440000/a> .
    <org/440000/a> org:classification <scheme/function/f> .
    <org/440000/b> org:classification <scheme/function/f> .
    <plan/440000/2026-2030> a sp:Plan .
"""


def _tallies(turtle: str) -> dict[tuple[str, str], int]:
    """(subject, key) → count: the plan's own count under key "", a tally under its tallied unit or function."""
    quads = [q for q in derived.quads(_store(turtle), DEFAULT_BASE)]
    rel = {q.subject: q.object.value.removeprefix(DEFAULT_BASE) for q in quads
           if q.predicate.value in (SP + "tallyUnit", SP + "tallyFunction")}
    return {(q.subject.value.removeprefix(DEFAULT_BASE), rel.get(q.subject, "")): int(q.object.value)
            for q in quads if q.predicate.value == SP + "taskPointCount"}


def test_tallies_follow_the_task_points_and_count_each_once():
    """Two task points, one led by its section's two units of one function, the other by one of them; a plan with
    none counts 0. An extra task point led by b changes the plan's count and b's and f's tallies, not a's."""
    plan = "plan/440000/2021-2025"
    got = _tallies(TALLY_FIXTURE)
    assert got == {
        (plan, ""): 2, ("plan/440000/2026-2030", ""): 0,
        (f"{plan}/lead-tally/440000/a", "org/440000/a"): 2, (f"{plan}/lead-tally/440000/b", "org/440000/b"): 1,
        (f"{plan}/function-tally/f", "scheme/function/f"): 2}
    extra = TALLY_FIXTURE + """
    <plan/440000/2021-2025/part/p/section/1/point/3> a sp:TaskPoint ; eli:is_part_of <plan/440000/2021-2025/part/p/section/1> ;
        sp:leadUnit <org/440000/b> ."""
    changed = _tallies(extra)
    assert changed[(plan, "")] == 3 and changed[(f"{plan}/lead-tally/440000/b", "org/440000/b")] == 2
    assert changed[(f"{plan}/function-tally/f", "scheme/function/f")] == 3
    assert changed[(f"{plan}/lead-tally/440000/a", "org/440000/a")] == 2


# ---------------------------------------------------------------- what a lead tally carries for the listings

# The two listings as they were before the lead tally carried its unit's name, functions and position: the
# longer path (every body's labels and classifications joined, GROUP_CONCAT, a sort on the plan's IRI path).
FORMER_LISTINGS = {
    "lead-units-by-function": """SELECT DISTINCT ?function ?jurisdiction ?plan ?unit ?unitName ?tasksLed WHERE {
        { SELECT ?tally ?unit WHERE { ?tally sp:tallyUnit ?unit } }
        { SELECT ?tally ?plan WHERE { ?tally sp:tallyPlan ?plan } }
        { SELECT ?tally ?tasksLed WHERE { ?tally sp:taskPointCount ?tasksLed } }
        { SELECT ?unit ?unitName WHERE { ?unit skos:prefLabel ?unitName . FILTER(LANG(?unitName) = "zh") } }
        { SELECT ?unit ?fn WHERE { ?unit org:classification ?fn } }
        { SELECT ?fn ?function (COUNT(?before) AS ?functionRank) WHERE {
            ?fn skos:inScheme scheme:function ; skos:notation ?function .
            OPTIONAL { ?other skos:inScheme scheme:function ; skos:notation ?before . FILTER(?before < ?function) }
          } GROUP BY ?fn ?function }
        { SELECT ?plan ?jurisdiction ?planKey WHERE {
            ?plan eli:jurisdiction/skos:prefLabel ?jurisdiction . FILTER(LANG(?jurisdiction) = "zh")
            BIND(STRAFTER(STR(?plan), "/plan/") AS ?planKey) } }
        } ORDER BY ?functionRank ?planKey ?unitName ?unit""",
    "lead-units-per-plan": """SELECT ?plan ?unit ?unitName ?tasksLed
            (GROUP_CONCAT(DISTINCT ?function; separator=", ") AS ?functions) WHERE {
        ?tally sp:tallyUnit ?unit ; sp:tallyPlan ?plan ; sp:taskPointCount ?tasksLed .
        ?unit skos:prefLabel ?unitName . FILTER(LANG(?unitName) = "zh")
        OPTIONAL { ?unit org:classification/skos:notation ?function }
        } GROUP BY ?plan ?unit ?unitName ?tasksLed ORDER BY ?plan DESC(?tasksLed) ?unitName ?unit""",
}


def listings_agree(store, base: str) -> int:
    """The named listings give the former texts' rows in the former order (a body's functions compared as a set:
    GROUP_CONCAT's order is not fixed; the tally's is the notations' order). Returns the rows compared."""
    compared = 0
    for name, former in FORMER_LISTINGS.items():
        text = (ROOT / "queries" / f"{name}.rq").read_text(encoding="utf-8")
        old, new = vocab.select(store, f"PREFIX scheme: <{base}scheme/>\n" + former, base), vocab.select(store, text, base)
        assert [list(r) for r in new[:1]] == [list(r) for r in old[:1]], name  # the same columns
        if name == "lead-units-per-plan":
            assert all(r["functions"] == ", ".join(sorted(r["functions"].split(", "))) for r in new if r["functions"])
            old = [{**r, "functions": sorted(r["functions"].split(", "))} for r in old]
            new = [{**r, "functions": sorted(r["functions"].split(", "))} for r in new]
        assert new == old, name
        compared += len(new)
    return compared


def test_the_listings_give_what_the_longer_path_gives(kg_store):
    assert listings_agree(kg_store, DEFAULT_BASE) > 60


# Each property a lead tally carries, by the path it shortens (over the curated graphs).
CARRIED = {
    "tallyUnitName": """SELECT ?s ?o WHERE { ?s a sp:LeadTally ; sp:tallyUnit/skos:prefLabel ?o FILTER(LANG(?o) = "zh") }""",
    "tallyUnitFunction": "SELECT ?s ?o WHERE { ?s a sp:LeadTally ; sp:tallyUnit/org:classification ?o }",
}


@pytest.mark.parametrize("name", sorted(CARRIED))
def test_what_a_lead_tally_carries_is_its_units(kg_store, name):
    got = in_derived(kg_store, name)
    assert got and got == {(r["s"], r["o"]) for r in vocab.select(kg_store, CARRIED[name], DEFAULT_BASE)}  # type: ignore[misc]


def test_a_lead_tally_carries_its_units_names_functions_and_position():
    """Only the Chinese name; every function, and their notations sorted and joined ("" without any); the position
    by plan, most task points first, then the name (丙 before 甲 although org/b comes before org/c)."""
    store = _store("""
        <plan/x> a sp:Plan . <plan/x/part/p> eli:is_part_of <plan/x> . <plan/x/s> a sp:Section ; eli:is_part_of <plan/x/part/p> .
        <plan/w> a sp:Plan . <plan/w/t> a sp:TaskPoint ; eli:is_part_of <plan/w> ; sp:leadUnit <org/c> .
        <t/1> a sp:TaskPoint ; eli:is_part_of <plan/x/s> ; sp:leadUnit <org/a> , <org/b> .
        <t/2> a sp:TaskPoint ; eli:is_part_of <plan/x/s> ; sp:leadUnit <org/a> .
        <t/3> a sp:TaskPoint ; eli:is_part_of <plan/x/s> ; sp:leadUnit <org/c> .
        <org/a> skos:prefLabel "乙局"@zh , "Bureau B"@en ; org:classification <fn/2> , <fn/1> .
        <org/b> skos:prefLabel "甲局"@zh .
        <org/c> skos:prefLabel "丙"@zh ; org:classification <fn/1> .
        <fn/1> skos:notation "education" . <fn/2> skos:notation "commerce" .
    """)
    carried: dict = defaultdict(lambda: defaultdict(set))
    quads = list(derived.quads(store, DEFAULT_BASE))
    unit_of = {q.subject: q.object.value.removeprefix(DEFAULT_BASE) for q in quads if q.predicate.value == SP + "tallyUnit"}
    plan_of = {q.subject: q.object.value.removeprefix(DEFAULT_BASE) for q in quads if q.predicate.value == SP + "tallyPlan"}
    for q in quads:
        if q.subject in unit_of:
            value = q.object.value.removeprefix(DEFAULT_BASE) if isinstance(q.object, ox.NamedNode) else q.object
            carried[plan_of[q.subject], unit_of[q.subject]][q.predicate.value.removeprefix(SP)].add(value)
    zh = lambda text: ox.Literal(text, language="zh")  # noqa: E731
    assert carried[("plan/x", "org/a")]["tallyUnitName"] == {zh("乙局")}
    assert carried[("plan/x", "org/a")]["tallyUnitFunction"] == {"fn/1", "fn/2"}
    assert carried[("plan/x", "org/a")]["tallyUnitFunctions"] == {ox.Literal("commerce, education")}
    assert carried[("plan/x", "org/b")]["tallyUnitFunctions"] == {ox.Literal("")}
    assert "tallyUnitFunction" not in carried[("plan/x", "org/b")]
    positions = {key: props["tallyPosition"] for key, props in carried.items()}
    assert positions == {("plan/w", "org/c"): {ox.Literal(1)}, ("plan/x", "org/a"): {ox.Literal(2)},
                         ("plan/x", "org/c"): {ox.Literal(3)}, ("plan/x", "org/b"): {ox.Literal(4)}}
