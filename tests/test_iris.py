"""sciplan/iris.py mints every IRI pattern and parses them back; every IRI of the graph follows one."""

from __future__ import annotations

import pytest

from sciplan import iris

NANSHA = iris.plan("440115", 2022, 2025)
PART = iris.part(NANSHA, "actions")
SECTION = iris.section(PART, 4, "实施银龄科普行动")
TASK = iris.task(SECTION, 3, "x")


@pytest.mark.parametrize("path, kind, fields", [
    (NANSHA, "plan", {"jurisdiction": "440115", "start": "2022", "end": "2025"}),
    (PART, "part", {"part": "actions"}),
    (SECTION, "section", {"part": "actions", "section": "4"}),
    (iris.section(PART, None, "科普 (基地)"), "section", {"section": "科普%20%28基地%29"}),
    (TASK, "task", {"section": "4", "point": "3"}),
    (iris.assignment(TASK, "lead", 2), "assignment", {"role": "lead", "position": "2", "holder": "/part/actions/section/4/point/3"}),
    (iris.assignment(SECTION, "cooperating", 1), "assignment", {"role": "cooperating"}),
    (iris.quantity(NANSHA, "target", 3), "target", {"kind": "target", "number": "3"}),
    (iris.quantity(TASK, "target", 1), "target", {"holder": "/part/actions/section/4/point/3"}),
    (iris.quantity(iris.plan("cn", 2021, 2035), "baseline", 2), "target", {"kind": "baseline", "jurisdiction": "cn"}),
    (iris.statement(NANSHA, 1), "statement", {"number": "1"}),
    (iris.org("440115", "区教育局"), "org", {"jurisdiction": "440115", "name": "区教育局"}),
    (iris.place("cn"), "place", {"jurisdiction": "cn"}),
    (iris.concept("function", "education"), "concept", {"scheme": "function", "slug": "education"}),
    (iris.concept("flag"), "concept", {"scheme": "flag"}),
    (iris.source("seed-nansha"), "source", {"ident": "seed-nansha"}),
    (iris.term("TaskPoint"), "term", {"name": "TaskPoint"}),
    (iris.graph("plans/nansha-2022-2025"), "graph", {"path": "plans/nansha-2022-2025"}),
    (iris.proposal("a~b"), "proposal", {"ident": "a~b"}),
    (iris.derivation("a~b"), "derivation", {"ident": "a~b"}),
])
def test_what_is_minted_parses_back(path, kind, fields):
    parsed = iris.parse(path)
    assert parsed is not None and parsed.kind == kind and parsed.path == path
    assert fields.items() <= parsed.fields.items()
    assert iris.parse(iris.PLACEHOLDER + path) == parsed, "absolute under the placeholder base, the same"
    assert iris.parse("https://w3id.org/sciplan/" + path, "https://w3id.org/sciplan/") == parsed


def test_readings_used_by_the_alignment():
    assert iris.plan_of(TASK) == NANSHA and iris.plan_of(NANSHA) == NANSHA
    assert iris.short(TASK) == "440115/2022-2025/actions/4/3" and iris.short(SECTION) == "440115/2022-2025/actions/4"
    assert iris.slug(iris.concept("part-kind", "projects")) == "projects"
    for bad, reading in [("org/440115/x", iris.plan_of), ("plan/440115/2022-2025", iris.slug), ("org/1/x", iris.short)]:
        with pytest.raises(ValueError):
            reading(bad)
    assert iris.parse("nothing/we/mint") is None and iris.parse("http://example.org/plan/1/2000-2001") is None


def test_readings_used_by_the_import_summary():
    assert iris.below_plan(TASK) == "part/actions/section/4/point/3"
    assert iris.below_plan(iris.PLACEHOLDER + SECTION) == "part/actions/section/4"
    assert iris.below_plan(iris.assignment(TASK, "lead", 2)) == "part/actions/section/4/point/3/lead/2"
    assert iris.slug(iris.PLACEHOLDER + iris.concept("flag", "unreviewed-body")) == "unreviewed-body"
    for bad in (NANSHA, iris.org("440115", "区教育局")):
        with pytest.raises(ValueError):
            iris.below_plan(bad)


def test_every_iri_of_the_graph_follows_a_pattern(kg_store, repo_settings):
    base = repo_settings.base
    ours = set()
    for quad in kg_store.quads_for_pattern(None, None, None):
        for term in (quad.subject, quad.object, quad.graph_name):
            value = getattr(term, "value", "")
            if isinstance(value, str) and value.startswith(base) and "#" not in value[len(base):]:
                ours.add(value)
    assert len(ours) > 1000
    unknown = sorted(i for i in ours if iris.parse(i, base) is None)
    assert not unknown, unknown[:20]
