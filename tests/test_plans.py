"""The seed plans as built: counts, structure, specific task → unit facts, metadata, provenance."""

from __future__ import annotations

import pytest

from sciplan.query import rows, run

BASE = "https://w3id.org/sciplan/"
NANSHA, HUADU, JIANGMEN = BASE + "plan/440115/2022-2025", BASE + "plan/440114/2022-2025", BASE + "plan/440700/2016-2020"
PREFIXES = f"""
PREFIX sp: <{BASE}def/>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
"""


def select(store, body: str) -> list[list[str]]:
    return rows(run(store, PREFIXES + body))[1]


def ask(store, body: str) -> bool:
    return bool(run(store, PREFIXES + body))


@pytest.mark.parametrize("plan, tasks, sections", [(NANSHA, 39, 11), (HUADU, 38, 11), (JIANGMEN, 36, 10)])
def test_task_and_section_counts(kg_store, plan, tasks, sections):
    got = select(kg_store, f"""
        SELECT (COUNT(DISTINCT ?t) AS ?tasks) (COUNT(DISTINCT ?s) AS ?sections) WHERE {{
          <{plan}> eli:has_part/eli:has_part ?s . ?s a sp:Section ; eli:has_part ?t . ?t a sp:TaskPoint }}""")
    assert got == [[str(tasks), str(sections)]]


def units_of(store, holder: str, prop: str) -> set[str]:
    return {r[0] for r in select(store, f"SELECT ?n WHERE {{ <{holder}> sp:{prop}/skos:prefLabel ?n FILTER(LANG(?n) = 'zh') }}")}


@pytest.mark.parametrize("task, lead, cooperating", [
    # 南沙 (一)5 建立校内外科学教育资源有效衔接机制
    (NANSHA + "/part/actions/section/1/point/5", {"区教育局"},
     {"区科技局", "区文化广电旅游体育局", "区国资局", "区卫生健康局", "团区委", "区妇联", "区科协"}),
    # 南沙 (四)1 实施智慧助老行动: a branch of a city bureau cooperates
    (NANSHA + "/part/actions/section/4/point/1", {"区委组织部"}, {"市公安局南沙区分局", "区民政局", "区科协"}),
    # 南沙 重点工程 (四)1 建立应急科普宣教协同机制
    (NANSHA + "/part/projects/section/4/point/1", {"区应急管理局"},
     {"区委宣传部", "区教育局", "区水务局", "区文化广电旅游体育局", "区卫生健康局", "区气象局", "区科协"}),
    # 花都 (一)6 实施教师科学素质提升工程: no cooperating unit
    (HUADU + "/part/actions/section/1/point/6", {"区教育局"}, set()),
    # 花都 重点工程 (一)1: the merged bureau leads
    (HUADU + "/part/projects/section/1/point/1", {"区科技工业商务信息化局"}, {"区教育局", "区人力资源社会保障局", "区科协"}),
    # 花都 (三)3: 区委政法委（区来穗人员服务管理局） is the 区委政法委 body
    (HUADU + "/part/actions/section/3/point/3", {"区人力资源社会保障局"},
     {"区委政法委", "区教育局", "区卫生健康局", "区应急管理局", "区总工会", "团区委", "区妇联", "区科协"}),
])
def test_task_units(kg_store, task, lead, cooperating):
    assert units_of(kg_store, task, "leadUnit") == lead
    assert units_of(kg_store, task, "cooperatingUnit") == cooperating


def test_jiangmen_units_are_stated_per_section_not_copied_onto_tasks(kg_store):
    section = JIANGMEN + "/part/key-tasks/section/3"
    assert units_of(kg_store, section, "leadUnit") == {"市人力资源社会保障局", "市总工会", "市安全监管局", "市科协"}
    assert "市经济和信息化局" in units_of(kg_store, section, "cooperatingUnit")
    assert not ask(kg_store, f"ASK {{ <{JIANGMEN}> (eli:has_part)+ ?t . ?t a sp:TaskPoint ; sp:leadUnit ?u }}")
    assert select(kg_store, f"""SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{
        <{JIANGMEN}> eli:has_part/eli:has_part ?s . ?s a sp:Section ; sp:leadUnit ?u ; sp:cooperatingUnit ?c }}""") == [["10"]]


def test_same_name_in_two_districts_is_two_bodies(kg_store):
    bodies = select(kg_store, """SELECT ?b ?place WHERE { ?b a sp:Body ; skos:prefLabel "区教育局"@zh ; sp:jurisdiction/sp:gbCode ?place } ORDER BY ?place""")
    assert [p for _, p in bodies] == ["440114", "440115"]
    assert bodies[0][0] != bodies[1][0]


def test_branch_offices_are_sub_organizations_of_the_city_body(kg_store):
    got = select(kg_store, """SELECT ?parent ?place WHERE {
        ?b skos:prefLabel "市生态环境局南沙分局"@zh ; org:subOrganizationOf/skos:prefLabel ?parent ; sp:jurisdiction/sp:gbCode ?place FILTER(LANG(?parent) = "zh") }""")
    assert got == [["市生态环境局", "440115"]]
    assert ask(kg_store, """ASK { ?city skos:prefLabel "市生态环境局"@zh ; sp:jurisdiction/sp:gbCode "440100" }""")


def test_function_scheme_compares_education_leads_across_plans(kg_store):
    got = select(kg_store, f"""SELECT DISTINCT ?plan ?name WHERE {{
        ?plan a sp:Plan ; (eli:has_part)+ ?x . ?x sp:leadUnit ?b .
        ?b org:classification <{BASE}scheme/function/education> ; skos:prefLabel ?name FILTER(LANG(?name) = "zh") }} ORDER BY ?plan""")
    assert got == [[HUADU, "区教育局"], [NANSHA, "区教育局"], [JIANGMEN, "市教育局"]]


def test_nansha_metadata_as_printed(kg_store):
    got = select(kg_store, f"""SELECT ?number ?normal ?signed ?issued ?by ?office ?start ?end WHERE {{
        <{NANSHA}> eli:id_local ?number ; sp:documentNumberNormalized ?normal ; eli:date_document ?signed ;
            sp:dateIssued ?issued ; eli:passed_by/skos:prefLabel ?by ; sp:issuedBy/skos:prefLabel ?office ;
            sp:periodStart ?start ; sp:periodEnd ?end FILTER(LANG(?by) = "zh" && LANG(?office) = "zh") }}""")
    assert got == [["穗南府[2022]7号", "穗南府〔2022〕7号", "2022-12-09", "2022-12-12",
                    "广州市南沙区人民政府", "广州市南沙区人民政府办公室", "2022", "2025"]]


def test_nansha_bases_as_the_text_says(kg_store):
    got = select(kg_store, f"SELECT ?n WHERE {{ <{NANSHA}> eli:based_on/eli:id_local ?n }} ORDER BY ?n")
    assert [n for (n,) in got] == sorted(["国发〔2021〕9号", "粤府〔2021〕76号", "穗府〔2022〕4号"])


def test_huadu_has_no_number_date_or_issuer(kg_store):
    for prop in ("eli:id_local", "eli:date_document", "eli:passed_by", "sp:dateIssued", "sp:issuedBy"):
        assert not ask(kg_store, f"ASK {{ <{HUADU}> {prop} ?x }}"), prop


def test_jiangmen_metadata(kg_store):
    got = select(kg_store, f"""SELECT ?number ?date ?by ?basis WHERE {{
        <{JIANGMEN}> eli:id_local ?number ; eli:date_document ?date ; eli:passed_by/skos:prefLabel ?by ;
                     eli:based_on/eli:id_local ?basis FILTER(LANG(?by) = "zh") }}""")
    assert got == [["江府办〔2017〕9号", "2017-03-02", "江门市人民政府办公室", "粤府办〔2016〕64号"]]


def test_derivation_chains_reach_the_national_plans(kg_store):
    nansha = select(kg_store, f"SELECT DISTINCT ?n WHERE {{ <{NANSHA}> eli:based_on+ ?p . ?p eli:id_local ?n }}")
    assert {"国发〔2021〕9号", "粤府〔2021〕76号", "穗府〔2022〕4号"} == {n for (n,) in nansha}
    jiangmen = select(kg_store, f"SELECT DISTINCT ?n WHERE {{ <{JIANGMEN}> eli:based_on+ ?p . ?p eli:id_local ?n }}")
    assert {"粤府办〔2016〕64号", "国办发〔2016〕10号", "国发〔2006〕7号"} == {n for (n,) in jiangmen}


def test_inferred_bases_are_flagged_with_a_reason(kg_store):
    got = select(kg_store, f"""SELECT DISTINCT ?subject WHERE {{
        ?st a sp:SourcedStatement ; rdf:subject ?subject ; rdf:predicate eli:based_on ;
            sp:flag <{BASE}scheme/flag/inferred> ; sp:flagNote ?why }} ORDER BY ?subject""")
    assert [s for (s,) in got] == [BASE + "plan/440000/2016-2020", BASE + "plan/440114/2022-2025", BASE + "plan/cn/2016-2020"]


def test_parent_facts_carry_their_source_address(kg_store):
    got = select(kg_store, f"""SELECT ?date ?src WHERE {{
        ?st a sp:SourcedStatement ; rdf:subject <{BASE}plan/cn/2021-2035> ;
            rdf:predicate eli:date_document ; rdf:object ?date ; dcterms:source ?src }} ORDER BY ?src""")
    assert got == [["2021-06-03", "http://xnxyyjy.cn/index.php?ac=Article&at=Read&did=189"],
                   ["2021-06-03", "https://economicdaily.com.cn/archives/m365rneoxjn5dlqgd7z0.html"]]


def test_every_seed_task_links_its_source_and_verbatim_row(kg_store):
    missing = select(kg_store, f"""SELECT ?t WHERE {{
        VALUES ?plan {{ <{NANSHA}> <{HUADU}> <{JIANGMEN}> }}
        ?plan eli:has_part/eli:has_part/eli:has_part ?t .
        FILTER NOT EXISTS {{ ?t prov:wasDerivedFrom ?src . ?src a sp:SourceDocument ; sp:sha256 ?h }}
        FILTER NOT EXISTS {{ ?t sp:sourceRow ?row }} FILTER NOT EXISTS {{ ?t sp:sourceParagraph ?p }} }}""")
    assert missing == []
    with_row = select(kg_store, f"""SELECT (COUNT(?t) AS ?n) WHERE {{
        VALUES ?plan {{ <{NANSHA}> <{HUADU}> }} ?plan eli:has_part/eli:has_part/eli:has_part ?t . ?t sp:sourceRow ?r }}""")
    with_paragraph = select(kg_store, f"""SELECT (COUNT(?t) AS ?n) WHERE {{
        VALUES ?plan {{ <{NANSHA}> <{JIANGMEN}> }} ?plan eli:has_part/eli:has_part/eli:has_part ?t . ?t sp:sourceParagraph ?r ; sp:text ?x }}""")
    assert with_row == [["77"]] and with_paragraph == [["75"]]


def test_body_title_kept_where_it_differs_from_the_table(kg_store):
    got = select(kg_store, f"""SELECT ?title ?body WHERE {{
        <{NANSHA}> eli:has_part/eli:has_part/eli:has_part ?t . ?t dcterms:title ?title ; sp:bodyTitle ?body }} ORDER BY ?title""")
    assert got == [["加强健康科普服务", "加强老年人健康科普服务"],
                   ["加强对科普产业发展的宏观指导和政策扶持", "加强对科普产业的宏观指导和政策扶持"]]


def test_garbled_cells_keep_only_legible_names_and_raw_text(kg_store):
    task = NANSHA + "/part/actions/section/2/point/4"
    assert units_of(kg_store, task, "cooperatingUnit") == {"区委宣传部", "区教育局"}
    raw = select(kg_store, f"SELECT ?raw WHERE {{ <{task}> sp:cooperatingUnitsText ?raw }}")[0][0]
    assert "区域局局" in raw and "区政局局" in raw
    assert ask(kg_store, f"ASK {{ <{task}> sp:flag <{BASE}scheme/flag/garbled> ; sp:flagNote ?n }}")
    truncated = NANSHA + "/part/projects/section/3/point/2"
    assert "区住房城乡建设局" in units_of(kg_store, truncated, "cooperatingUnit")
    assert not ask(kg_store, """ASK { ?b skos:prefLabel ?n FILTER(CONTAINS(?n, "建商局") || CONTAINS(?n, "下规划")) }""")


def test_one_query_lists_every_gap(kg_store):
    flagged = select(kg_store, f"""SELECT ?x ?f WHERE {{ ?x sp:flag ?flag . BIND(STRAFTER(STR(?flag), "/flag/") AS ?f)
        FILTER(STRSTARTS(STR(?x), "{NANSHA}/part/") || STRSTARTS(STR(?x), "{HUADU}/part/")) }} ORDER BY ?x ?f""")
    assert flagged == [
        [HUADU + "/part/projects/section/2/point/1", "typo"],
        [NANSHA + "/part/actions/section/2/point/4", "garbled"],
        [NANSHA + "/part/projects/section/3/point/2", "garbled"],
        [NANSHA + "/part/projects/section/3/point/2", "truncated"],
        [NANSHA + "/part/projects/section/5/point/1", "garbled"],
        [NANSHA + "/part/projects/section/5/point/1", "truncated"],
        [NANSHA + "/part/projects/section/5/point/2", "duplicate-unit"],
    ]


def test_listing_garbled_records_finds_every_damaged_cell_with_a_note_on_what_it_shows(kg_store):
    got = select(kg_store, f"""SELECT ?x ?raw ?note WHERE {{ ?x sp:flag <{BASE}scheme/flag/garbled> ; sp:cooperatingUnitsText ?raw ;
        sp:flagNote ?note FILTER(langMatches(lang(?note), "en")) }} ORDER BY ?x""")
    assert [x for x, _, _ in got] == [NANSHA + "/part/actions/section/2/point/4", NANSHA + "/part/projects/section/3/point/2",
                                     NANSHA + "/part/projects/section/5/point/1"]
    for _, raw, note in got[1:]:  # each note quotes the nonsense fragment the cell prints
        fragment = next(f for f in ("区住房城乡建 商局", "下规划和自然资源局") if f in raw)
        assert fragment in note and "garbled" in note


def test_duplicate_unit_is_kept_as_two_listings(kg_store):
    got = select(kg_store, f"""SELECT ?pos WHERE {{ <{NANSHA}/part/projects/section/5/point/2> sp:assignment ?a .
        ?a sp:nameAsWritten "投资促进局"@zh ; sp:position ?pos }} ORDER BY ?pos""")
    assert got == [["4"], ["5"]]


def test_typo_stays_as_written_beside_the_normalized_body(kg_store):
    got = select(kg_store, f"""SELECT ?written ?body WHERE {{ <{HUADU}/part/projects/section/2/point/1> sp:assignment ?a .
        ?a sp:nameAsWritten ?written ; sp:unit/skos:prefLabel ?body FILTER(STR(?written) != STR(?body) && LANG(?body) = "zh") }}""")
    assert got == [["区科技工业商务信息化局区", "区科技工业商务信息化局"]]


def test_jiangmen_targets(kg_store):
    got = select(kg_store, f"""SELECT ?value ?unit ?cmp ?year ?measure WHERE {{
        <{JIANGMEN}> (eli:has_part)* ?x . ?x sp:hasTarget ?t . ?t sp:value ?value ; sp:unitOfMeasure ?unit ; sp:measure ?measure ; sp:verbatim ?v .
        OPTIONAL {{ ?t sp:comparator ?c BIND(STRAFTER(STR(?c), "/comparator/") AS ?cmp) }}
        OPTIONAL {{ ?t sp:targetYear ?year }} }}""")
    assert len(got) == 26
    assert ["10.8", "%", "at-least", "2020", "全市公民具备科学素质的比例达到10.8%以上"] in got
    assert ["1", "元", "at-least", "2020", "各市、区年人均科普经费达到1.0元以上"] in got  # xsd:decimal 1.0 is 1
    assert ["3", "个", "", "2020", "力争建成国家级科普教育基地3个"] in got
    assert ["500", "人次", "at-least", "", "培训500人次以上的科技辅导教师和骨干科学教师"] in got


def test_literacy_rate_baselines_and_targets(kg_store):
    got = select(kg_store, f"""SELECT DISTINCT ?plan ?kind ?value ?year WHERE {{
        ?plan ?link ?q . ?q sp:indicator <{BASE}scheme/indicator/literacy-rate> ; sp:value ?value ;
            sp:targetYear|sp:measurementYear ?year ; dcterms:source|prov:wasDerivedFrom ?src .
        BIND(IF(?link = sp:hasTarget, "target", "baseline") AS ?kind) }} ORDER BY ?plan ?year""")
    national = [r[1:] for r in got if r[0] == BASE + "plan/cn/2021-2035"]
    assert national == [["baseline", "10.56", "2020"], ["target", "15", "2025"], ["target", "25", "2035"]]
    assert [BASE + "plan/440100/2022-2025", "target", "24.5", "2025"] in got
