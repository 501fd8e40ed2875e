"""Mutation tests of shapes/: each rule stays quiet on the shipped data and fires on a broken copy.

The broken copies are made from the real graphs (tests/conftest.py: ValidateKG), so they stay
in step with data/ttl; most validate one plan (`plan=`), which is what `--plan` does.
"""

from __future__ import annotations

from rdflib import Literal, Namespace, URIRef
from rdflib.namespace import ORG, RDF, RDFS, XSD

import pytest

HUADU, NANSHA, JIANGMEN = "plans/huadu-2022-2025", "plans/nansha-2022-2025", "plans/jiangmen-2016-2020"
HUADU_TASK = "plan/440114/2022-2025/part/actions/section/1/point/6"
NANSHA_PLAN, HUADU_PLAN = "plan/440115/2022-2025", "plan/440114/2022-2025"
JIANGMEN_S1 = "plan/440700/2016-2020/part/key-tasks/section/1"
ELI = Namespace("http://data.europa.eu/eli/ontology#")


def fired(v, rule: str, severity: str | None = "Violation") -> list:
    return [f for f in v.findings if f.rule.id == rule and (severity is None or f.severity == severity)]


def quiet_on_shipped(kg, rule: str, plan: str | None) -> None:
    assert not fired(kg.baseline(plan), rule, None), f"{rule} fires on the shipped data"


def test_the_shipped_data_breaks_no_rule_and_warns_only_about_its_sources(validate_kg):
    v = validate_kg.baseline(None)
    assert not v.failed() and v.rules and len({r.id for r in v.rules}) == len(v.rules)
    assert {f.rule.id for f in v.findings} == {"FlaggedRecordShape", "DuplicateUnitShape", "DocumentNumberVariantShape"}


# ---------------------------------------------------------------- lead units

def test_task_without_lead_unit_fails_and_the_message_names_it(validate_kg):
    kg = validate_kg
    quiet_on_shipped(kg, "LeadUnitShape", "huadu-2022-2025")
    g = kg.graph(HUADU)
    task = kg.node(HUADU_TASK)
    kg.drop_unit(g, task, kg.node("org/440114/区教育局"), "lead")
    v = kg.validate({HUADU: g}, plan="huadu-2022-2025")
    [f] = fired(v, "LeadUnitShape")
    assert v.failed() and f.focus == str(task)
    assert "实施教师科学素质提升工程" in f.message and "实施青少年科学素质提升行动" in f.message
    assert "广州市花都区全民科学素质行动规划纲要实施方案" in f.message and "第6项" in f.message
    assert (f.task_title, f.section_title, f.task_number) == ("实施教师科学素质提升工程", "实施青少年科学素质提升行动", 6)
    assert [x.rule.id for x in v.failing()] == ["LeadUnitShape"]  # a clean removal breaks one rule only


def test_section_level_lead_units_of_jiangmen_cover_the_tasks_until_the_last_is_removed(validate_kg):
    kg = validate_kg
    section = kg.node(JIANGMEN_S1)
    leads = [kg.node(f"org/440700/{name}") for name in ("市教育局", "团市委", "市科协")]
    g = kg.graph(JIANGMEN)
    assert set(g.objects(section, kg.SP.leadUnit)) == set(leads)
    kg.drop_unit(g, section, leads[0], "lead")
    assert not kg.validate({JIANGMEN: g}, plan="jiangmen-2016-2020").failed()
    for body in leads[1:]:
        kg.drop_unit(g, section, body, "lead")
    v = kg.validate({JIANGMEN: g}, plan="jiangmen-2016-2020")
    found = fired(v, "LeadUnitShape")
    assert {f.focus for f in found} == {str(t) for t in g.objects(section, ELI.has_part)}
    assert {f.section for f in found} == {str(section)}
    assert [f.task_number for f in found] == [1, 2, 3, 4, 5]


def test_a_garbled_record_that_lost_its_units_only_warns(validate_kg):
    kg = validate_kg
    g = kg.graph(NANSHA)
    task = kg.node(f"{NANSHA_PLAN}/part/actions/section/2/point/4")  # flagged garbled, cooperating cell garbled
    for body in list(g.objects(task, kg.SP.cooperatingUnit)):
        kg.drop_unit(g, task, body, "cooperating")
    kg.drop_unit(g, task, kg.node("org/440115/区科协"), "lead")  # the printed lead cell stays in sp:leadUnitsText
    v = kg.validate({NANSHA: g}, plan="nansha-2022-2025")
    assert not v.failed()
    [f] = fired(v, "LeadUnitIllegibleShape", "Warning")
    assert f.focus == str(task) and "区科协" in f.message
    g.remove((task, kg.SP.flag, None))  # without the flag it is an unled task again
    assert [f.focus for f in fired(kg.validate({NANSHA: g}, plan="nansha-2022-2025"), "LeadUnitShape")] == [str(task)]


def test_assignments_and_unit_lists_must_agree(validate_kg):
    kg = validate_kg
    quiet_on_shipped(kg, "AssignmentConsistencyShape", "huadu-2022-2025")
    g = kg.graph(HUADU)
    task = kg.node(HUADU_TASK)
    g.remove((task, kg.SP.leadUnit, None))  # the lead assignment stays
    v = kg.validate({HUADU: g}, plan="huadu-2022-2025")
    [f] = fired(v, "AssignmentConsistencyShape")
    assert f.focus == str(task) and f.value == str(kg.node("org/440114/区教育局")) and "sp:leadUnit" in f.message
    g = kg.graph(HUADU)  # the other way round: the unit listed, its assignment detached from the task
    g.remove((task, kg.SP.assignment, kg.node(HUADU_TASK + "/lead/1")))
    [f] = fired(kg.validate({HUADU: g}, plan="huadu-2022-2025"), "AssignmentConsistencyShape")
    assert f.focus == str(task) and f.value == str(kg.node("org/440114/区教育局")) and "sp:assignment" in f.message


def test_an_assignment_needs_a_role(validate_kg):
    kg = validate_kg
    quiet_on_shipped(kg, "UnitAssignmentShape", "huadu-2022-2025")
    g = kg.graph(HUADU)
    assignment = kg.node(HUADU_TASK + "/lead/1")
    g.remove((assignment, kg.SP.role, None))
    v = kg.validate({HUADU: g}, plan="huadu-2022-2025")
    [f] = fired(v, "UnitAssignmentShape")
    assert f.focus == str(assignment) and f.path == str(kg.SP.role) and f.task == str(kg.node(HUADU_TASK))



def test_an_assignment_broken_in_several_ways_gives_one_result_per_constraint(validate_kg):
    """The engine checks a property shape's value tests in one query and its counts in one: a value
    that fails two tests, and a count below and another above its bounds, each give their own result."""
    kg = validate_kg
    g = kg.graph(HUADU)
    assignment = kg.node(HUADU_TASK + "/lead/1")
    g.remove((assignment, kg.SP.position, None))
    g.add((assignment, kg.SP.position, Literal("0")))  # not an integer, and not ≥ 1
    g.add((assignment, kg.SP.role, kg.node("scheme/role/cooperating")))  # a second role
    g.remove((assignment, kg.SP.nameAsWritten, None))
    v = kg.validate({HUADU: g}, plan="huadu-2022-2025")
    found = sorted((f.path.rsplit("/", 1)[-1], f.component) for f in fired(v, "UnitAssignmentShape"))
    assert found == [("nameAsWritten", "MinCountConstraintComponent"), ("position", "DatatypeConstraintComponent"),
                     ("position", "MinInclusiveConstraintComponent"), ("role", "MaxCountConstraintComponent")]


# ---------------------------------------------------------------- bodies of the jurisdiction

def test_a_unit_of_another_jurisdiction_is_a_violation(validate_kg):
    kg = validate_kg
    quiet_on_shipped(kg, "UnitJurisdictionShape", "nansha-2022-2025")
    g = kg.graph(NANSHA)
    task = kg.node(f"{NANSHA_PLAN}/part/actions/section/1/point/1")
    ours, theirs = kg.node("org/440115/区教育局"), kg.node("org/440114/区教育局")
    for s, p, o in list(g.triples((None, None, ours))):
        if s == task or (task, kg.SP.assignment, s) in g:
            g.remove((s, p, o))
            g.add((s, p, theirs))
    v = kg.validate({NANSHA: g}, plan="nansha-2022-2025")
    [f] = fired(v, "UnitJurisdictionShape")
    assert f.focus == str(task) and f.value == str(theirs) and "南沙区" in f.message and "牵头单位" in f.message


def test_a_branch_must_be_located_in_the_plans_jurisdiction(validate_kg):
    kg = validate_kg
    orgs = kg.graph("organizations")
    branch = kg.node("org/440115/市生态环境局南沙分局")
    orgs.set((branch, kg.SP.jurisdiction, kg.node("place/440100")))  # now a city body, not 南沙's
    v = kg.validate({"organizations": orgs}, plan="nansha-2022-2025")
    found = fired(v, "UnitJurisdictionShape")
    assert found and all(f.value == str(branch) for f in found)
    assert all(f.plan == str(kg.node(NANSHA_PLAN)) for f in found)


def test_a_branch_belongs_to_a_body_of_a_containing_jurisdiction(validate_kg):
    kg = validate_kg
    quiet_on_shipped(kg, "ParentBodyShape", None)
    orgs = kg.graph("organizations")
    branch = kg.node("org/440115/市生态环境局南沙分局")
    orgs.set((branch, ORG.subOrganizationOf, kg.node("org/440114/区教育局")))  # a sibling district's body
    v = kg.validate({"organizations": orgs})
    [f] = fired(v, "ParentBodyShape")
    assert f.focus == str(branch) and f.plan is None and f.graph == kg.base + "graph/organizations"


def test_a_body_needs_one_jurisdiction(validate_kg):
    kg = validate_kg
    orgs = kg.graph("organizations")
    body = kg.node("org/440114/区教育局")
    orgs.remove((body, kg.SP.jurisdiction, None))
    v = kg.validate({"organizations": orgs})
    assert [f.focus for f in fired(v, "BodyShape")] == [str(body)]
    assert {f.value for f in fired(v, "UnitJurisdictionShape")} == {str(body)}  # and 花都 may not use it


# ---------------------------------------------------------------- one role, one listing

def test_a_body_cannot_lead_and_cooperate_on_one_task(validate_kg):
    kg = validate_kg
    quiet_on_shipped(kg, "LeadAndCooperatingShape", None)
    g = kg.graph(HUADU)
    task, body = kg.node(HUADU_TASK), kg.node("org/440114/区教育局")
    a = kg.node(HUADU_TASK + "/cooperating/1")
    g.add((task, kg.SP.cooperatingUnit, body))
    g.add((task, kg.SP.assignment, a))
    for p, o in ((RDF.type, kg.SP.UnitAssignment), (kg.SP.unit, body), (kg.SP.role, kg.node("scheme/role/cooperating")),
                 (kg.SP.position, Literal(1)), (kg.SP.nameAsWritten, Literal("区教育局", lang="zh"))):
        g.add((a, p, o))
    v = kg.validate({HUADU: g}, plan="huadu-2022-2025")
    assert [f.rule.id for f in v.failing()] == ["LeadAndCooperatingShape"]
    assert "区教育局" in v.failing()[0].message


def test_a_unit_listed_twice_is_a_warning(validate_kg):
    kg = validate_kg
    shipped = fired(kg.baseline("nansha-2022-2025"), "DuplicateUnitShape", "Warning")
    assert [f.focus for f in shipped] == [str(kg.node(f"{NANSHA_PLAN}/part/projects/section/5/point/2"))]
    g = kg.graph(NANSHA)
    task = kg.node(f"{NANSHA_PLAN}/part/projects/section/5/point/2")
    second = next(a for a in g.objects(task, kg.SP.assignment) if (a, kg.SP.nameAsWritten, Literal("投资促进局", lang="zh")) in g
                  and (a, kg.SP.position, Literal(5)) in g)
    g.remove((task, kg.SP.assignment, second))
    g.remove((second, None, None))
    v = kg.validate({NANSHA: g}, plan="nansha-2022-2025")
    assert not fired(v, "DuplicateUnitShape", None) and not v.failed()


# ---------------------------------------------------------------- plans: metadata, basis, numbers

def test_a_plan_needs_its_period(validate_kg):
    kg = validate_kg
    quiet_on_shipped(kg, "PlanShape", None)
    g = kg.graph(HUADU)
    plan = kg.node(HUADU_PLAN)
    g.remove((plan, kg.SP.periodEnd, None))
    assert [f.path for f in fired(kg.validate({HUADU: g}, plan="huadu-2022-2025"), "PlanShape")] == [str(kg.SP.periodEnd)]
    g.add((plan, kg.SP.periodEnd, Literal("2020", datatype=XSD.gYear)))  # before its start, 2022
    [f] = fired(kg.validate({HUADU: g}, plan="huadu-2022-2025"), "PlanShape")
    assert "2022" in f.message and "2020" in f.message


@pytest.mark.parametrize("basis, words", [
    ("plan/440115/2022-2025", "不包含本规划的辖区"),     # a sibling district's plan
    ("plan/440100/2099-2100", "不是已知的规划"),         # no such plan
])
def test_a_basis_must_be_a_known_plan_of_a_containing_jurisdiction(validate_kg, basis, words):
    kg = validate_kg
    quiet_on_shipped(kg, "BasisShape", None)
    g = kg.graph(HUADU)
    g.add((kg.node(HUADU_PLAN), ELI.based_on, kg.node(basis)))
    [f] = fired(kg.validate({HUADU: g}, plan="huadu-2022-2025"), "BasisShape")
    assert words in f.message and f.value == str(kg.node(basis)) and f.plan == str(kg.node(HUADU_PLAN))


def test_a_basis_is_not_dated_after_the_plan(validate_kg):
    kg = validate_kg
    national = kg.graph("plans/national-2021-2035")
    plan = kg.node("plan/cn/2021-2035")
    national.set((plan, ELI.date_document, Literal("2023-01-01", datatype=XSD.date)))
    v = kg.validate({"plans/national-2021-2035": national}, plan="nansha-2022-2025")
    [f] = fired(v, "BasisShape")  # 南沙 is dated 2022-12-09; 广州, without a date, compares by period start
    assert f.value == str(plan) and "2023-01-01" in f.message and "2022-12-09" in f.message
    guangzhou = kg.graph("plans/guangzhou-2022-2025")
    guangzhou.set((kg.node("plan/440100/2022-2025"), kg.SP.periodStart, Literal("2023", datatype=XSD.gYear)))
    guangzhou.set((kg.node("plan/440100/2022-2025"), kg.SP.periodEnd, Literal("2025", datatype=XSD.gYear)))
    [f] = fired(kg.validate({"plans/guangzhou-2022-2025": guangzhou}, plan="huadu-2022-2025"), "BasisShape")
    assert "2023" in f.message and "2022" in f.message


def test_a_basis_chain_has_no_cycle(validate_kg):
    kg = validate_kg
    guangdong = kg.graph("plans/guangdong-2021-2025")
    guangdong.add((kg.node("plan/440000/2021-2025"), ELI.based_on, kg.node("plan/440100/2022-2025")))
    v = kg.validate({"plans/guangdong-2021-2025": guangdong})
    cycles = {f.focus for f in fired(v, "BasisShape") if "循环" in f.message}
    assert cycles == {str(kg.node("plan/440000/2021-2025")), str(kg.node("plan/440100/2022-2025"))}  # the plans on it


def test_a_plan_of_the_same_jurisdiction_is_a_basis_only_if_its_period_covers_the_plan(validate_kg):
    kg = validate_kg
    outline = kg.graph("plans/national-2006-2020")  # national-2016-2020 implements it: same jurisdiction, covered
    outline.set((kg.node("plan/cn/2006-2020"), kg.SP.periodEnd, Literal("2015", datatype=XSD.gYear)))
    [f] = fired(kg.validate({"plans/national-2006-2020": outline}, plan="national-2016-2020"), "BasisShape")
    assert f.focus == str(kg.node("plan/cn/2016-2020")) and "不包含本规划的辖区" in f.message


def test_document_numbers_follow_the_pattern_and_brackets_other_than_the_standard_warn(validate_kg):
    kg = validate_kg
    quiet_on_shipped(kg, "DocumentNumberShape", None)
    variant = fired(kg.baseline("nansha-2022-2025"), "DocumentNumberVariantShape", "Warning")
    assert [f.value for f in variant] == ["穗南府[2022]7号"]
    g = kg.graph(JIANGMEN)
    plan, id_local = kg.node("plan/440700/2016-2020"), ELI.id_local
    g.set((plan, id_local, Literal("江府办【2017】9号")))
    v = kg.validate({JIANGMEN: g}, plan="jiangmen-2016-2020")
    assert not v.failed() and [f.value for f in fired(v, "DocumentNumberVariantShape", "Warning")] == ["江府办【2017】9号"]
    g.set((plan, id_local, Literal("江府办2017年9号")))
    v = kg.validate({JIANGMEN: g}, plan="jiangmen-2016-2020")
    assert [f.value for f in fired(v, "DocumentNumberShape")] == ["江府办2017年9号"]
    g.set((plan, id_local, Literal("江府办〔2017〕9号")))
    g.add((plan, kg.SP.documentNumberNormalized, Literal("江府办[2017]9号")))
    assert [f.path for f in fired(kg.validate({JIANGMEN: g}, plan="jiangmen-2016-2020"), "DocumentNumberShape")] \
        == [str(kg.SP.documentNumberNormalized)]


# ---------------------------------------------------------------- structure

def test_task_numbers_run_from_one_without_gap_or_repeat(validate_kg):
    kg = validate_kg
    quiet_on_shipped(kg, "TaskNumberingShape", None)
    g = kg.graph(HUADU)
    task = kg.node(HUADU_TASK)
    g.set((task, kg.SP.number, Literal(8)))
    [f] = fired(kg.validate({HUADU: g}, plan="huadu-2022-2025"), "TaskNumberingShape")
    assert "第8项" in f.message and "第7项" in f.message and f.section_title == "实施青少年科学素质提升行动"
    g.set((task, kg.SP.number, Literal(5)))
    [f] = fired(kg.validate({HUADU: g}, plan="huadu-2022-2025"), "TaskNumberingShape")
    assert "重复" in f.message and f.value == "5"
    g.set((task, kg.SP.number, Literal("7.5", datatype=XSD.decimal)))  # not an integer: 6.5 is missing
    [f] = fired(kg.validate({HUADU: g}, plan="huadu-2022-2025"), "TaskNumberingShape")
    assert "第7.5项" in f.message and "第6.5项" in f.message


def test_a_task_belongs_to_exactly_one_section_with_both_directions_stated(validate_kg):
    kg = validate_kg
    for rule in ("TaskPointStructureShape", "SectionStructureShape", "PartStructureShape", "PartOfInverseShape"):
        quiet_on_shipped(kg, rule, None)
    g = kg.graph(HUADU)
    task = kg.node(HUADU_TASK)
    section = kg.node("plan/440114/2022-2025/part/actions/section/1")
    g.remove((section, ELI.has_part, task))
    v = kg.validate({HUADU: g}, plan="huadu-2022-2025")
    assert {f.rule.id for f in v.failing()} == {"TaskPointStructureShape", "PartOfInverseShape"}
    assert all(f.focus == str(task) for f in v.failing())
    other = kg.node("plan/440114/2022-2025/part/actions/section/2")
    g.add((section, ELI.has_part, task))
    g.add((task, ELI.is_part_of, other))
    g.add((other, ELI.has_part, task))
    v = kg.validate({HUADU: g}, plan="huadu-2022-2025")
    assert any(f.rule.id == "TaskPointStructureShape" and f.path == str(ELI.is_part_of) for f in v.failing())


def test_a_section_belongs_to_exactly_one_part(validate_kg):
    kg = validate_kg
    g = kg.graph(HUADU)
    section = kg.node("plan/440114/2022-2025/part/actions/section/2")
    g.add((section, ELI.is_part_of, kg.node("plan/440114/2022-2025/part/projects")))
    g.add((kg.node("plan/440114/2022-2025/part/projects"), ELI.has_part, section))
    v = kg.validate({HUADU: g}, plan="huadu-2022-2025")
    assert {(f.rule.id, f.focus) for f in v.failing()} == {("SectionStructureShape", str(section))}
    assert {f.path for f in v.failing()} == {str(ELI.is_part_of), "^" + str(ELI.has_part)}


def test_a_part_belongs_to_a_plan(validate_kg):
    kg = validate_kg
    g = kg.graph(HUADU)
    part = kg.node("plan/440114/2022-2025/part/projects")
    g.remove((part, ELI.is_part_of, None))
    v = kg.validate({HUADU: g}, plan="huadu-2022-2025")
    assert "PartStructureShape" in {f.rule.id for f in v.failing()}


# ---------------------------------------------------------------- vocabulary and labels

@pytest.mark.parametrize("graph, subject, term, kind", [
    (HUADU, HUADU_TASK, "def/leadUnti", "属性"),
    ("organizations", "org/440114/区教育局", "http://www.w3.org/2004/02/skos/core#preflabel", "属性"),
])
def test_an_undeclared_term_fails(validate_kg, graph, subject, term, kind):
    kg = validate_kg
    quiet_on_shipped(kg, "DeclaredTermsShape", None)
    g = kg.graph(graph)
    predicate = URIRef(term) if term.startswith("http") else kg.node(term)
    g.add((kg.node(subject), predicate, Literal("x")))
    v = kg.validate({graph: g})
    [f] = fired(v, "DeclaredTermsShape")
    assert f.focus == str(kg.node(subject)) and f.value == str(predicate) and kind in f.message


def test_an_undeclared_class_fails(validate_kg):
    kg = validate_kg
    g = kg.graph(HUADU)
    g.add((kg.node(HUADU_TASK), RDF.type, kg.SP.Tsakpoint))
    [f] = fired(kg.validate({HUADU: g}, plan="huadu-2022-2025"), "DeclaredTermsShape")
    assert f.value == str(kg.SP.Tsakpoint) and "类" in f.message


def test_tasks_need_a_chinese_label(validate_kg):
    kg = validate_kg
    quiet_on_shipped(kg, "ChineseLabelShape", None)
    g = kg.graph(HUADU)
    task = kg.node(HUADU_TASK)
    g.remove((task, RDFS.label, None))
    g.add((task, RDFS.label, Literal("Improve teachers' science literacy", lang="en")))
    [f] = fired(kg.validate({HUADU: g}, plan="huadu-2022-2025"), "ChineseLabelShape")
    assert f.focus == str(task)


# ---------------------------------------------------------------- flags

def test_flagged_records_warn_and_unflagged_ones_do_not(validate_kg):
    kg = validate_kg
    task = kg.node(f"{NANSHA_PLAN}/part/actions/section/2/point/4")
    flagged = {f.focus for f in fired(kg.baseline("nansha-2022-2025"), "FlaggedRecordShape", "Warning")}
    assert str(task) in flagged
    g = kg.graph(NANSHA)
    g.remove((task, kg.SP.flag, None))
    g.remove((task, kg.SP.flagNote, None))
    v = kg.validate({NANSHA: g}, plan="nansha-2022-2025")
    assert {f.focus for f in fired(v, "FlaggedRecordShape", "Warning")} == flagged - {str(task)}


def test_an_unknown_flag_is_a_violation(validate_kg):
    kg = validate_kg
    quiet_on_shipped(kg, "FlagValueShape", None)
    g = kg.graph(HUADU)
    g.add((kg.node(HUADU_TASK), kg.SP.flag, kg.node("scheme/flag/garbeld")))
    v = kg.validate({HUADU: g}, plan="huadu-2022-2025")
    assert [f.focus for f in fired(v, "FlagValueShape")] == [str(kg.node(HUADU_TASK))]
