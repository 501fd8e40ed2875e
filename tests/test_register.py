"""The register of plans into the graph (sciplan/extract/register.py, shapes/register.ttl).

Everything here runs on tests/fixtures/register/register.yaml (made-up pages around the
issue's examples) put beside a copy of the repository's curated data, so the tests do not
depend on what the real register holds. The expected values are read from the fixture
YAML in Python, not from the graph.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS, XSD

from conftest import ROOT, ValidateKG
from sciplan.config import Settings
from sciplan.errors import CurationError
from sciplan.extract import write_all
from sciplan.extract.register import normalize_number
from sciplan.iris import PLACEHOLDER
from sciplan.store import build

FIXTURE = ROOT / "tests" / "fixtures" / "register" / "register.yaml"
SP = Namespace(PLACEHOLDER + "def/")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
PROV = Namespace("http://www.w3.org/ns/prov#")


def fixture_doc() -> dict:
    return yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))


def make_root(root: Path, register_text: str | None = None) -> Settings:
    """A data root: a copy of the repository's data/ with the fixture as data/curation/register.yaml."""
    shutil.copytree(ROOT / "data", root / "data")
    (root / "data" / "curation" / "register.yaml").write_text(register_text or FIXTURE.read_text(encoding="utf-8"),
                                                              encoding="utf-8")
    return Settings.at(root).with_(ontology_dir=ROOT / "ontology", shapes_dir=ROOT / "shapes", queries_dir=ROOT / "queries")


@pytest.fixture(scope="session")
def reg_settings(tmp_path_factory) -> Settings:
    settings = make_root(tmp_path_factory.mktemp("register-root"))
    write_all(settings, with_register=True)
    return settings


@pytest.fixture(scope="session")
def reg_kg(reg_settings, tmp_path_factory) -> ValidateKG:
    settings = reg_settings.with_(store=tmp_path_factory.mktemp("register-store") / "store")
    build(settings)
    return ValidateKG(settings.store, settings)


def ttl(settings: Settings, name: str) -> Graph:
    return Graph().parse(settings.data_dir / f"{name}.ttl", format="turtle", publicID=PLACEHOLDER)


def node(path: str) -> URIRef:
    return URIRef(PLACEHOLDER + path)


def registered(settings: Settings, ident: str) -> Graph:
    """A registered plan's triples in data/ttl/register.ttl: the plan's and those of the nodes below its IRI."""
    g = ttl(settings, "register")
    [plan] = g.subjects(DCTERMS.identifier, Literal(ident))
    out = Graph()
    for t in g:
        if t[0] == plan or str(t[0]).startswith(str(plan) + "/"):
            out.add(t)
    return out


# ---------------------------------------------------------------- extract

def test_every_entry_becomes_a_plan_or_joins_the_plan_it_is(reg_settings):
    doc = fixture_doc()
    existing = {"city-guangzhou-2022"}  # 穗府〔2022〕4号 is guangzhou-2022-2025 of plans.yaml
    curated = {p["id"] for p in yaml.safe_load((ROOT / "data" / "curation" / "plans.yaml").read_text(encoding="utf-8"))["plans"]}
    made = {p.stem for p in (reg_settings.data_dir / "plans").glob("*.ttl")} - curated  # the real register's are gone
    assert made == set(), "registered plans share data/ttl/register.ttl"
    g = ttl(reg_settings, "register")
    ids = {str(i) for p in g.subjects(RDF.type, SP.Plan) for i in g.objects(p, DCTERMS.identifier)}
    assert ids == {e["id"] for e in doc["plans"]} - existing
    gz = ttl(reg_settings, "plans/guangzhou-2022-2025")
    plan = node("plan/440100/2022-2025")
    assert (plan, ELI.date_document, Literal("2022-02-11", datatype=XSD.date)) in gz  # plans.yaml had no date
    statements = [s for s in gz.subjects(RDF.type, SP.SourcedStatement) if (s, PROV.wasDerivedFrom, node("source/register")) in gz]
    assert len(statements) == len(next(e for e in doc["plans"] if e["id"] == "city-guangzhou-2022")["facts"])
    assert not (reg_settings.data_dir / "plans" / "city-guangzhou-2022.ttl").exists()


def test_every_fact_is_a_statement_with_its_page_and_quote(reg_settings):
    doc = fixture_doc()
    for entry in doc["plans"]:
        if entry["id"] == "city-guangzhou-2022":
            continue
        g = registered(reg_settings, entry["id"])
        # a fact is a sourced statement; a target or baseline is an sp:Target/sp:Baseline with its page and quote
        quotes = sorted(str(q) for _, q in g.subject_objects(SP.verbatim))
        assert quotes == sorted(" ".join(f["quote"].split()) for f in entry["facts"]), entry["id"]
        for s in g.subjects(SP.verbatim, None):
            [page] = g.objects(s, DCTERMS.source)
            assert str(page) in {src["url"] for src in doc["sources"].values()}


def test_extract_check_covers_the_register(reg_settings):
    assert write_all(reg_settings, check=True, with_register=True) == []
    path = reg_settings.data_dir / "register.ttl"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("洪府发", "洪府办"), encoding="utf-8")
    try:
        assert write_all(reg_settings, check=True, with_register=True) == [path]
    finally:
        path.write_text(text, encoding="utf-8")


def test_jurisdictions_get_their_gb_code_or_the_no_gb_code_flag(reg_settings):
    g = ttl(reg_settings, "register")
    codes = {str(g.value(p, SP.gbCode)) for p in g.subjects(RDF.type, SP.Jurisdiction) if g.value(p, SP.gbCode)}
    # by hand from GB/T 2260: 江西 南昌, 湖南 长沙 浏阳, 贵州, 宁夏 (广东 and 广州 are in jurisdictions.yaml)
    assert codes == {"360000", "360100", "430000", "430100", "430181", "520000", "640000"}
    flagged = [p for p in g.subjects(SP.flag, node("scheme/flag/no-gb-code"))]
    assert flagged == [node("place/430100-湘江新区")]
    assert (flagged[0], SP.gbCode, None) not in g
    assert g.value(node("place/430181"), SKOS.broader) == node("place/430100")
    revision = g.value(node("source/gb2260"), DCTERMS.identifier)
    assert str(revision) == "GB2260==0.4.1"


def test_a_name_that_is_not_exactly_the_standard_one_gets_no_code(tmp_path):
    text = FIXTURE.read_text(encoding="utf-8").replace("jurisdiction: 宁夏回族自治区", "jurisdiction: 宁夏")
    settings = make_root(tmp_path, text)
    write_all(settings, with_register=True)
    g = ttl(settings, "register")
    assert (node("place/cn-宁夏"), SP.flag, node("scheme/flag/no-gb-code")) in g
    assert not list(g.subjects(SP.gbCode, Literal("640000")))


def test_a_curated_standard_name_gets_the_code_and_keeps_the_printed_one(tmp_path):
    text = FIXTURE.read_text(encoding="utf-8").replace(
        "jurisdiction: 宁夏回族自治区", "jurisdiction: 寧夏回族自治區\n    jurisdiction_normalized: 宁夏回族自治区")
    text = text.replace("    jurisdiction: 湘江新区\n    province: 湖南省\n",
                        "    jurisdiction: 湘江新区\n    province: 湖南\n    province_normalized: 湖南省\n")
    settings = make_root(tmp_path, text)
    write_all(settings, with_register=True)
    g = ttl(settings, "register")
    place = node("place/640000")
    assert g.value(place, SP.gbCode) == Literal("640000") and (place, SP.flag, None) not in g
    assert g.value(place, SKOS.altLabel) == Literal("寧夏回族自治區", lang="zh")
    assert g.value(node("place/430100-湘江新区"), SKOS.broader) == node("place/430100")
    assert g.value(node("place/430000"), SKOS.altLabel) == Literal("湖南", lang="zh")


def test_bases_resolve_by_number_and_the_rest_stay_literal_flagged(reg_settings):
    doc = fixture_doc()
    numbers = {normalize_number(f["value"]): e["id"] for e in doc["plans"] for f in e["facts"] if f["field"] == "number"}
    numbers |= {"国发〔2021〕9号": "national-2021-2035", "粤府办〔2016〕64号": "guangdong-2016-2020"}
    for entry in doc["plans"]:
        if entry["id"] == "city-guangzhou-2022":
            continue
        g = registered(reg_settings, entry["id"])
        [plan] = g.subjects(RDF.type, SP.Plan)
        cited = [f["value"] for f in entry["facts"] if f["field"] == "basis"]
        resolved = set(g.objects(plan, ELI.based_on))
        literal = {str(v) for v in g.objects(plan, SP.citedBasis)}
        assert literal == {c for c in cited if normalize_number(c) not in numbers}, entry["id"]
        assert len(resolved) == len([c for c in cited if normalize_number(c) in numbers]), entry["id"]
    nanchang = registered(reg_settings, "city-nanchang-2021")
    [st] = nanchang.subjects(RDF.predicate, SP.citedBasis)
    assert (st, SP.flag, node("scheme/flag/unresolved-basis")) in nanchang
    assert (node("plan/360100/2021-2025"), ELI.based_on, node("plan/cn/2021-2035")) in nanchang
    liuyang = registered(reg_settings, "county-liuyang-2022")
    assert set(liuyang.objects(node("plan/430181/2022-2025"), ELI.based_on)) == {node("plan/430000/2021-2025"), node("plan/430100/2021-2025")}


def test_conflicting_sources_are_both_kept_none_asserted_and_the_mirror_is_flagged(reg_settings):
    g = registered(reg_settings, "province-ningxia-2021")
    plan = node("plan/640000/2021-2025")
    assert (plan, ELI.date_document, None) not in g
    dates = {str(g.value(s, RDF.object)): s for s in g.subjects(RDF.predicate, ELI.date_document)}
    assert set(dates) == {"2021-11-05", "2021-11-08"}
    assert all((s, SP.flag, node("scheme/flag/conflicting-sources")) in g for s in dates.values())
    assert (dates["2021-11-08"], SP.flag, node("scheme/flag/mirror-source")) in g
    assert (dates["2021-11-05"], SP.flag, node("scheme/flag/mirror-source")) not in g
    assert (plan, SP.flag, node("scheme/flag/conflicting-sources")) in g


def test_targets_and_baselines_keep_value_year_comparator_and_quote(reg_settings):
    g = registered(reg_settings, "province-guizhou-2021")
    [t] = g.objects(node("plan/520000/2021-2025"), SP.hasTarget)
    assert g.value(t, SP.value).toPython() == Decimal("12")
    assert g.value(t, SP.targetYear) == Literal("2025", datatype=XSD.gYear)
    assert g.value(t, SP.comparator) == node("scheme/comparator/more-than")
    assert str(g.value(t, SP.verbatim)) == "公民具备科学素质的比例超过12%"
    nx = registered(reg_settings, "province-ningxia-2021")
    [t] = nx.objects(node("plan/640000/2021-2025"), SP.hasTarget)
    assert nx.value(t, SP.comparator) == node("scheme/comparator/reach")
    [b] = nx.objects(node("plan/640000/2021-2025"), SP.hasBaseline)
    assert nx.value(b, SP.measurementYear) == Literal("2020", datatype=XSD.gYear)
    assert (b, SP.flag, node("scheme/flag/mirror-source")) in nx


def test_a_bracket_variant_number_is_kept_as_printed_beside_its_normal_form(reg_settings):
    g = registered(reg_settings, "city-guangzhou-2016")
    plan = node("plan/440100/2016-2020")
    assert g.value(plan, ELI.id_local) == Literal("穗府办[2016]29号")
    assert g.value(plan, SP.documentNumberNormalized) == Literal("穗府办〔2016〕29号")
    assert (plan, SP.flag, node("scheme/flag/nonstandard-number")) in g


def test_a_garbled_number_is_kept_as_printed_flagged_and_not_asserted(tmp_path):
    text = FIXTURE.read_text(encoding="utf-8").replace(
        "value: 洪府发〔2021〕27号, source: nc-gov, quote: \"洪府发〔2021〕27号\"", "value: 洪府发〔202127, source: nc-gov, quote: \"洪府发〔202127\"")
    settings = make_root(tmp_path, text)
    write_all(settings, with_register=True)
    g = registered(settings, "city-nanchang-2021")
    plan = node("plan/360100/2021-2025")
    assert (plan, ELI.id_local, None) not in g
    [st] = g.subjects(RDF.predicate, ELI.id_local)
    assert g.value(st, RDF.object) == Literal("洪府发〔202127")
    assert (st, SP.flag, node("scheme/flag/garbled")) in g and (plan, SP.flag, node("scheme/flag/garbled")) in g


def test_printed_variants_of_numbers_dates_and_titles_resolve_and_check(tmp_path):
    text = FIXTURE.read_text(encoding="utf-8")
    text = text.replace("{field: number, value: 湘政办发〔2021〕74号, source: hn-gov, quote: \"湘政办发〔2021〕74号\"}",
                        "{field: number, value: 湘政辦發﹝2021﹞74號, normalized: 湘政办发〔2021〕74号, source: hn-gov, quote: \"湘政辦發﹝2021﹞74號\"}")
    text = text.replace("{field: date_issued, value: 2021-12-30, source: cs-gov, quote: \"2021年12月30日\"}",
                        "{field: date_issued, value: 2021-12-30, source: cs-gov, quote: \"发布日期: 2021- 12- 30\"}")
    text = text.replace("{field: basis, value: 湘政办发〔2021〕74号, source: cs-gov",
                        "{field: basis, value: 湖南省人民政府办公厅关于印发湖南省全民科学素质行动规划纲要实施方案(2021年—2025年)的通知, source: cs-gov")
    text = text.replace("quote: \"根据《湖南省全民科学素质行动规划纲要实施方案（2021—2025年）》（湘政办发〔2021〕74号）\"}\n  - id: county-liuyang",
                        "quote: \"根据《湖南省人民政府办公厅关于印发湖南省全民科学素质行动规划纲要实施方案(2021年—2025年)的通知》\"}\n  - id: county-liuyang", 1)
    settings = make_root(tmp_path, text)
    write_all(settings, with_register=True)
    hunan = registered(settings, "province-hunan-2021")
    plan = node("plan/430000/2021-2025")
    assert hunan.value(plan, ELI.id_local) == Literal("湘政辦發﹝2021﹞74號")
    assert hunan.value(plan, SP.documentNumberNormalized) == Literal("湘政办发〔2021〕74号")
    changsha = registered(settings, "city-changsha-2021")
    assert changsha.value(node("plan/430100/2021-2025"), ELI.date_document) == Literal("2021-12-30", datatype=XSD.date)
    assert changsha.value(node("plan/430100/2021-2025"), ELI.based_on) == plan  # by the notice's title
    liuyang = registered(settings, "county-liuyang-2022")  # cites 湘政办发〔2021〕74号: resolved by the normalized number
    assert plan in set(liuyang.objects(node("plan/430181/2022-2025"), ELI.based_on))


def test_each_percentage_of_a_target_phrase_is_a_target_with_its_comparator():
    from sciplan.extract.register import percentages

    assert percentages("超过14%,力争达到15%") == [("14", "more-than"), ("15", "reach")]
    assert percentages("达到 15%以上") == [("15", "at-least")]
    assert percentages("不低于16%") == [("16", "at-least")]
    assert percentages("达到28%左右") == [("28", None)]
    assert percentages("有望达17%") == [("17", None)]
    assert percentages("10.56%") == [("10.56", None)]
    assert percentages("达到或超过全国平均水平") == []


# ---------------------------------------------------------------- malformed entries: exit 2, nothing written

BROKEN = [
    ("    level: province\n    jurisdiction: 湖南省", "    level: state\n    jurisdiction: 湖南省", r"plan 1 \(province-hunan-2021\): level 'state'"),
    ("- id: city-changsha-2021", "- id: City Changsha", r"plan 2: id 'City Changsha'"),
    ("- id: city-changsha-2021", "- id: province-hunan-2021", r"province-hunan-2021\): the id is used twice"),
    ("source: hn-gov, quote: \"2021年12月1日\"", "source: hn-gov, quote: \"2021年12月2日\"",
     r"province-hunan-2021\): fact 4: the quote does not print the date 2021-12-01"),
    ("value: 湘政办发〔2021〕74号, source: hn-gov, quote: \"湘政办发〔2021〕74号\"", "value: 湘政办发〔2021〕74号, source: hn-gov, quote: \"湘政办发〔2021〕47号\"",
     r"fact 2: the quote does not contain the number"),
    ("{field: target, value: \"超过13%\", year: 2025,", "{field: target, value: \"超过13%\",", r"fact 6: a target needs its year"),
    ("source: nx-gov, quote: \"公民具备", "source: nx-nowhere, quote: \"公民具备", r"source 'nx-nowhere' is not in the file's `sources`"),
    ("{field: date_issued, value: 2021-12-30", "{field: date_issued, value: 2021-12-32", r"city-changsha-2021\): fact 3: date_issued"),
    ("    level: city\n    jurisdiction: 南昌市\n    province: 江西省\n", "    level: city\n    jurisdiction: 南昌市\n",
     r"city-nanchang-2021\): a city plan needs its province"),
    ("kind: news", "kind: blog", r"source 'gz-news': kind 'blog'"),
    ("url: \"https://example.org/guizhou/news\"", "url: \"example.org/guizhou/news\"", r"source 'gz-news' needs an http\(s\) url"),
    ("{field: basis, value: 粤府办〔2016〕64号,", "{field: bases, value: 粤府办〔2016〕64号,", r"field 'bases' is not one of"),
    ("      - {field: basis, value: 国发〔2021〕9号, source: xj-gov, quote: \"（国发〔2021〕9号）\"}",
     "      - {field: basis, value: 湘江新区全民科学素质实施方案, source: xj-gov, quote: \"湘江新区全民科学素质实施方案\"}",
     r"county-xiangjiang-2022.*is the plan itself"),
    ("    jurisdiction: 贵州省", "    jurisdiction: 湖南省", r"province-guizhou-2021\): the same jurisdiction and period as province-hunan-2021"),
    ("sources:\n", "sources: [a, b]\nx:\n", r"expected a mapping with `sources`"),
    ("plans:\n  - id: province-hunan-2021", "plans:\n  - id: province-hunan-2021\n   bad: [", r"register.yaml"),
]


@pytest.mark.parametrize("old,new,match", BROKEN, ids=[b[2][:40] for b in BROKEN])
def test_a_malformed_entry_is_refused_naming_file_and_entry_and_nothing_is_written(tmp_path, old, new, match):
    text = FIXTURE.read_text(encoding="utf-8")
    assert old in text, old
    settings = make_root(tmp_path, text.replace(old, new, 1))
    before = {p: p.read_bytes() for p in settings.data_dir.rglob("*.ttl")}
    with pytest.raises(CurationError, match=match) as info:
        write_all(settings, with_register=True)
    assert "register.yaml" in str(info.value) or match == r"register.yaml"
    assert {p: p.read_bytes() for p in settings.data_dir.rglob("*.ttl")} == before


def test_the_error_is_an_input_error_exit_2(tmp_path):
    text = FIXTURE.read_text(encoding="utf-8").replace("kind: news", "kind: blog")
    settings = make_root(tmp_path, text)
    with pytest.raises(CurationError) as info:
        write_all(settings, with_register=True)
    assert info.value.exit_code == 2 and "gz-news" in str(info.value)


def test_a_register_source_may_not_reuse_a_plans_yaml_name_for_another_page(tmp_path):
    text = FIXTURE.read_text(encoding="utf-8").replace("  gz-news: {", "  gdos: {").replace("source: gz-news", "source: gdos")
    settings = make_root(tmp_path, text)
    with pytest.raises(CurationError, match="source 'gdos' is also a source of plans.yaml"):
        write_all(settings, with_register=True)


# ---------------------------------------------------------------- shapes (mutation tests)

def fired(v, rule: str, severity: str | None = "Violation") -> list:
    return [f for f in v.findings if f.rule.id == rule and (severity is None or f.severity == severity)]


NEW_RULES = ["RegisterFactShape", "PlanLevelShape", "BasisLevelShape", "JurisdictionCodeShape", "BasisShape", "DocumentNumberShape"]


def test_the_fixture_register_breaks_no_rule(reg_kg):
    v = reg_kg.baseline(None)
    assert not v.failed()
    assert {f.rule.id for f in v.findings} <= {"FlaggedRecordShape", "DocumentNumberVariantShape", "DuplicateUnitShape"}
    assert {f.value for f in fired(v, "DocumentNumberVariantShape", "Warning")} == {"穗府办[2016]29号", "穗南府[2022]7号"}


def statement_of(kg, g: Graph, predicate: URIRef, plan: str) -> URIRef:
    """The first statement of `predicate` about the plan (plan/… path)."""
    return sorted(s for s in g.subjects(RDF.predicate, predicate) if (s, RDF.subject, kg.node(plan)) in g)[0]


@pytest.mark.parametrize("predicate, plan, validated, quote", [
    (ELI.id_local, "plan/360100/2021-2025", "city-nanchang-2021", "洪府发〔2021〕72号"),  # not the number stated
    (ELI.based_on, "plan/430100/2021-2025", "city-changsha-2021", "根据省里的方案"),  # names no basis
], ids=["number", "basis"])
def test_a_quote_that_does_not_print_the_fact_fails(reg_kg, predicate, plan, validated, quote):
    kg = reg_kg
    g = kg.graph("register")
    st = statement_of(kg, g, predicate, plan)
    g.set((st, kg.SP.verbatim, Literal(quote, lang="zh")))
    [f] = fired(kg.validate({"register": g}, plan=validated), "RegisterFactShape")
    assert f.focus == str(st) and quote in f.message


def test_a_date_quote_must_print_the_date_with_or_without_zeros(reg_kg):
    kg = reg_kg
    g = kg.graph("register")
    st = statement_of(kg, g, ELI.date_document, "plan/440100/2016-2020")
    g.set((st, kg.SP.verbatim, Literal("二〇一六年十二月二十日", lang="zh")))
    [f] = fired(kg.validate({"register": g}, plan="city-guangzhou-2016"), "RegisterFactShape")
    assert f.focus == str(st)
    g.set((st, kg.SP.verbatim, Literal("2016年12月20日", lang="zh")))
    assert not fired(kg.validate({"register": g}, plan="city-guangzhou-2016"), "RegisterFactShape")
    hunan = kg.graph("register")
    st = statement_of(kg, hunan, ELI.date_document, "plan/430000/2021-2025")
    hunan.set((st, kg.SP.verbatim, Literal("2021年12月01日", lang="zh")))  # zero-padded: still the date
    assert not fired(kg.validate({"register": hunan}, plan="province-hunan-2021"), "RegisterFactShape")


def test_a_register_fact_needs_its_page_and_one_quote(reg_kg):
    kg = reg_kg
    g = kg.graph("register")
    st = statement_of(kg, g, DCTERMS.title, "plan/520000/2021-2025")
    g.remove((st, DCTERMS.source, None))
    g.add((st, kg.SP.verbatim, Literal("另一段原文", lang="zh")))
    found = fired(kg.validate({"register": g}, plan="province-guizhou-2021"), "RegisterFactShape")
    assert {f.path for f in found} >= {str(DCTERMS.source), str(kg.SP.verbatim)}


def test_a_plan_level_must_be_its_jurisdictions(reg_kg):
    kg = reg_kg
    assert not fired(kg.baseline(None), "PlanLevelShape", None)
    g = kg.graph("register")
    plan = kg.node("plan/430100/2021-2025")
    g.set((plan, kg.SP.level, kg.node("scheme/level/county")))
    [f] = fired(kg.validate({"register": g}, plan="city-changsha-2021"), "PlanLevelShape")
    assert f.focus == str(plan) and "长沙市" in f.message and "county" in f.message


def test_a_basis_of_a_lower_level_fails(reg_kg):
    kg = reg_kg
    assert not fired(kg.baseline(None), "BasisLevelShape", None)
    g = kg.graph("register")
    plan = kg.node("plan/430000/2021-2025")
    g.add((plan, ELI.based_on, kg.node("plan/430100/2021-2025")))
    v = kg.validate({"register": g}, plan="province-hunan-2021")
    [f] = fired(v, "BasisLevelShape")
    assert f.focus == str(plan) and "长沙市" in f.message and "prefectural" in f.message
    assert fired(v, "BasisShape")  # and 长沙 does not contain 湖南 either


def test_a_jurisdiction_without_code_must_be_flagged(reg_kg):
    kg = reg_kg
    assert not fired(kg.baseline(None), "JurisdictionCodeShape", None)
    g = kg.graph("register")
    place = kg.node("place/430100-湘江新区")
    g.remove((place, kg.SP.flag, None))
    [f] = fired(kg.validate({"register": g}), "JurisdictionCodeShape")
    assert f.focus == str(place) and "湘江新区" in f.message


@pytest.mark.parametrize("place,code,words", [
    ("place/430181", "430100", "层级"),          # a prefecture's code on a county
    ("place/430000", "430001", "层级"),          # not a province's form
    ("place/360100", "430100", "不相承"),        # 南昌's code must begin with 江西's 36
    ("place/430181", "36018", "层级"),           # five digits
])
def test_a_code_must_fit_the_level_and_the_parent(reg_kg, place, code, words):
    kg = reg_kg
    g = kg.graph("register")
    g.set((kg.node(place), kg.SP.gbCode, Literal(code)))
    found = fired(kg.validate({"register": g}), "JurisdictionCodeShape")
    assert [f.focus for f in found if words in f.message] == [str(kg.node(place))]


def test_the_existing_basis_and_number_rules_hold_register_plans_too(reg_kg):
    kg = reg_kg
    g = kg.graph("register")
    plan = kg.node("plan/430100/2021-2025")
    g.set((plan, ELI.date_document, Literal("2021-11-30", datatype=XSD.date)))  # before 湖南's 2021-12-01
    [f] = fired(kg.validate({"register": g}, plan="city-changsha-2021"), "BasisShape")
    assert "2021-12-01" in f.message and "2021-11-30" in f.message
    g = kg.graph("register")
    g.set((kg.node("plan/360100/2021-2025"), ELI.id_local, Literal("洪府发〔二〇二一〕27号")))
    assert fired(kg.validate({"register": g}, plan="city-nanchang-2021"), "DocumentNumberShape")
