"""The vocabulary as the data uses it: one literal rule, English labels marked, the model fixes.

    literals      every literal of ontology/ and data/ttl/ takes the form sciplan/literals.py gives its property
    English       bodies, jurisdictions, plans, parts and sections have an English label, marked unofficial
                  unless a source publishes it (then a statement gives the page and the verbatim quote)
    model         a plan's short id is in the data; a baseline's year and a target's year have two names;
                  every subdivision has its position (sp:order) and keeps its printed number (sp:number)
"""

from __future__ import annotations

import pytest
import yaml
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from sciplan import literals
from sciplan.config import Settings
from sciplan.errors import CurationError, PlanNotFound
from sciplan.extract.writer import Bodies
from sciplan.iris import PLACEHOLDER

SETTINGS = Settings()
SP = Namespace(PLACEHOLDER + "def/")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
CURATION = SETTINGS.data_dir.parent / "curation"
UNOFFICIAL, OFFICIAL = URIRef(PLACEHOLDER + "scheme/translation/unofficial"), URIRef(PLACEHOLDER + "scheme/translation/official")


def load(paths) -> Graph:
    g = Graph()
    for path in paths:
        g.parse(path, format="turtle", publicID=PLACEHOLDER)
    return g


def ontology() -> Graph:
    return load(sorted(SETTINGS.ontology_dir.glob("*.ttl")))


def data() -> Graph:
    return load(sorted(SETTINGS.data_dir.rglob("*.ttl")))


def ranges(g: Graph) -> dict[str, str]:
    return {str(s): str(o) for s, o in g.subject_objects(RDFS.range)}


def literal_rows(g: Graph):
    for s, p, o in g:
        if isinstance(o, Literal):
            yield str(s), str(p), str(o), o.language, str(o.datatype) if o.datatype else None


# ---------------------------------------------------------------- the literal rule

@pytest.fixture(scope="module")
def kb() -> Graph:
    return data()


@pytest.fixture(scope="module")
def onto() -> Graph:
    return ontology()


def test_every_literal_of_the_ontology_and_the_data_follows_the_rule(kb, onto):
    rules = ranges(onto)
    assert literals.breaches(literal_rows(onto), rules) == []
    assert literals.breaches(literal_rows(kb), rules) == []


def test_the_rule_knows_every_datatype_property_of_ours(onto):
    rules = ranges(onto)
    props = [p for p in onto.subjects(RDF.type, URIRef("http://www.w3.org/2002/07/owl#DatatypeProperty"))
             if str(p).startswith(str(SP))]
    assert len(props) > 30
    assert [p for p in props if literals.form(str(p), rules) is None] == []


def test_the_rule_can_fail(onto):
    """The pitfall researchers met, and its mirror images, are caught."""
    rules = ranges(onto)
    bad = Graph()
    body, plan, target = URIRef(PLACEHOLDER + "org/440115/区科协"), URIRef(PLACEHOLDER + "plan/x"), URIRef(PLACEHOLDER + "t")
    bad.add((body, SKOS.prefLabel, Literal("区科协")))                       # a name without its tag
    bad.add((plan, ELI.id_local, Literal("穗南府[2022]7号", lang="zh")))      # a code with one
    bad.add((target, SP.targetYear, Literal("2025")))                         # a year untyped
    bad.add((body, SP.nameAsWritten, Literal("区科协", lang="zh")))            # fine
    bad.add((body, SP.gbCode, Literal("440115")))                             # fine
    found = literals.breaches(literal_rows(bad), rules)
    assert len(found) == 3
    assert {w.split(": ", 1)[1].split(" ")[0] for w in found} == {"text", "a", "typed"}


def test_quotations_are_tagged_by_their_script():
    assert literals.language("超过15%") == "zh" and literals.language("国家级科普教育基地 ≥100") == "zh"
    assert literals.language("10.56% in 2020") == "en"


def test_a_name_matches_with_its_tag_and_with_str(kg_store):
    from sciplan.vocab import select

    base = SETTINGS.base
    assert select(kg_store, 'SELECT ?b WHERE { ?b skos:prefLabel "区科协" }', base) == []   # the pitfall, documented
    tagged = select(kg_store, 'SELECT ?b WHERE { ?b skos:prefLabel "区科协"@zh }', base)
    by_str = select(kg_store, 'SELECT ?b WHERE { ?b skos:prefLabel ?n FILTER(STR(?n) = "区科协") }', base)
    assert len(tagged) == 2 and sorted(map(str, tagged)) == sorted(map(str, by_str))
    assert select(kg_store, 'SELECT ?p WHERE { ?p eli:id_local "穗南府[2022]7号" }', base) == [
        {"p": base + "plan/440115/2022-2025"}]


# ---------------------------------------------------------------- English labels

LABELLED = (SP.Body, SP.Jurisdiction, SP.Plan, SP.Part, SP.Section)


def english(g: Graph, s) -> list[Literal]:
    return [o for o in g.objects(s, RDFS.label) if isinstance(o, Literal) and o.language == "en"]


REGISTER = URIRef(PLACEHOLDER + "source/register")


@pytest.mark.parametrize("cls", LABELLED, ids=lambda c: c.split("/")[-1])
def test_every_body_place_plan_part_and_section_has_an_english_label_beside_the_chinese(kb, cls):
    # the register's plans and places (data/curation/register.yaml) are named as their pages print them; an
    # English label of ours is curated (plans.yaml, jurisdictions.yaml), never made at extract time
    reviewed = [s for s in kb.subjects(RDF.type, cls) if (s, SP.flag, URIRef(PLACEHOLDER + "scheme/flag/unreviewed-body")) not in kb
                and (s, PROV.wasDerivedFrom, REGISTER) not in kb]
    assert len(reviewed) >= 9
    missing = [str(s) for s in reviewed if len(english(kb, s)) != 1 or not any(
        o.language == "zh" for o in kb.objects(s, RDFS.label))]
    assert missing == []
    unmarked = [str(s) for s in reviewed if kb.value(s, SP.englishLabelStatus) not in (UNOFFICIAL, OFFICIAL)]
    assert unmarked == []


def test_task_titles_stay_chinese_only(kb):
    tasks = list(kb.subjects(RDF.type, SP.TaskPoint))
    assert len(tasks) > 100 and [str(t) for t in tasks if english(kb, t)] == []


def test_every_english_label_is_marked(kb):
    """No English label or name slips in unmarked (the quotations of targets aside, which are sp:verbatim)."""
    unmarked = {str(s) for s, o in set(kb.subject_objects(RDFS.label)) | set(kb.subject_objects(SKOS.prefLabel))
                if isinstance(o, Literal) and o.language == "en" and (s, SP.englishLabelStatus, None) not in kb
                and (s, RDF.type, SKOS.Concept) not in kb and (s, RDF.type, SKOS.ConceptScheme) not in kb
                and (s, SP.verbatim, None) not in kb}
    assert unmarked == set()


def test_an_official_english_name_carries_its_page_and_quote(kb):
    official = list(kb.subjects(SP.englishLabelStatus, OFFICIAL))
    assert official == [URIRef(PLACEHOLDER + "org/cn/国务院")]
    for s in official:
        name = english(kb, s)[0]
        [st] = [st for st in kb.subjects(RDF.subject, s) if (st, RDF.object, name) in kb]
        assert (st, RDF.type, SP.SourcedStatement) in kb
        page = kb.value(st, DCTERMS.source)
        assert str(page).startswith("http://english.www.gov.cn/")
        assert str(name) in str(kb.value(st, SP.verbatim))


def test_english_renderings_of_the_national_titles_are_quoted_with_their_source(kb):
    plan = URIRef(PLACEHOLDER + "plan/cn/2021-2035")
    alts = set(kb.objects(plan, SKOS.altLabel))
    assert len(alts) == 2
    for alt in alts:
        [st] = [st for st in kb.subjects(RDF.object, alt) if (st, RDF.subject, plan) in kb]
        assert str(alt) in str(kb.value(st, SP.verbatim)) and kb.value(st, DCTERMS.source) is not None
    notes = [n for n in kb.objects(plan, SKOS.editorialNote) if n.language == "en"]
    assert notes and "No English title published by the State Council was found" in notes[0]
    assert "english.www.gov.cn" in notes[0]


def test_the_glossary_has_no_stale_entries(kb):
    """Every title of translations.yaml is printed somewhere (a renamed title would leave its English behind)."""
    glossary = yaml.safe_load((CURATION / "translations.yaml").read_text(encoding="utf-8"))
    for kind, cls in (("parts", SP.Part), ("sections", SP.Section)):
        titles = {str(kb.value(s, DCTERMS.title)) for s in kb.subjects(RDF.type, cls)}
        assert set(glossary[kind]) <= titles, set(glossary[kind]) - titles


def test_an_official_name_needs_a_known_source():
    curation = {"jurisdictions": {"cn": {"国务院": {"en": "State Council", "en_official": {"source": "nowhere", "verbatim": "x"}}}}}
    with pytest.raises(CurationError, match="nowhere"):
        Bodies(curation).graph({"gov": {"url": "http://example.org/"}})


# ---------------------------------------------------------------- model fixes

def test_every_plan_has_its_short_id(kb):
    plans = {str(p).removeprefix(PLACEHOLDER): str(kb.value(p, DCTERMS.identifier)) for p in kb.subjects(RDF.type, SP.Plan)}
    assert len(set(plans.values())) == len(plans)  # one id per plan
    files = {p.stem for p in (SETTINGS.data_dir / "plans").glob("*.ttl")}
    curated = {p["id"] for p in yaml.safe_load((SETTINGS.curation_dir / "plans.yaml").read_text(encoding="utf-8"))["plans"]}
    assert files == curated and files <= set(plans.values())  # the register's plans share data/ttl/register.ttl
    assert plans["plan/440114/2022-2025"] == "huadu-2022-2025"


def test_the_short_id_is_what_validate_takes(kg_store, repo_settings):
    from sciplan.validate import plan_by_id, plan_graphs, resolve_plan
    from sciplan.vocab import select

    plans = plan_graphs(kg_store, repo_settings.base, titles=False)
    base = repo_settings.base
    for row in select(kg_store, "SELECT ?plan ?id WHERE { ?plan a sp:Plan ; dcterms:identifier ?id }", base):
        # as `validate --plan` resolves it: by id first (a register plan shares its graph with the others)
        assert resolve_plan(plan_by_id(kg_store, row["id"], base) or row["id"], plans, base) == row["plan"]
    with pytest.raises(PlanNotFound):
        resolve_plan(plan_by_id(kg_store, "city-nowhere-2022", base) or "city-nowhere-2022", plans, base)


def test_a_baseline_has_a_measurement_year_and_a_target_a_target_year(kb):
    baselines, targets = set(kb.subjects(RDF.type, SP.Baseline)), set(kb.subjects(RDF.type, SP.Target))
    assert len(baselines) >= 6 and len(targets) > 30  # 6 of plans.yaml, the rest from the register
    assert all(kb.value(b, SP.measurementYear) is not None and kb.value(b, SP.targetYear) is None for b in baselines)
    assert all(kb.value(t, SP.measurementYear) is None for t in targets)
    assert kb.value(URIRef(PLACEHOLDER + "plan/cn/2021-2035/baseline/1"), SP.measurementYear) == Literal("2020", datatype=XSD.gYear)


def test_every_subdivision_has_its_position_and_positions_run_one_to_n(kb):
    for parent in set(kb.subjects(ELI.has_part, None)):
        orders = sorted(int(kb.value(c, SP.order)) for c in kb.objects(parent, ELI.has_part))
        assert orders == list(range(1, len(orders) + 1)), parent


def test_the_printed_number_stays_where_printed(kb):
    section = URIRef(PLACEHOLDER + "plan/440000/2021-2025/part/projects/section/5")  # （五） is the only section known
    assert kb.value(section, SP.number) == Literal(5) and kb.value(section, SP.order) == Literal(1)
    national = [s for s in kb.subjects(RDF.type, SP.Section) if str(s).startswith(PLACEHOLDER + "plan/cn/2021-2035/")]
    assert len(national) == 10 and all(kb.value(s, SP.number) is None for s in national)


def test_concepts_are_ordered_and_bilingual(kb):
    concepts = list(kb.subjects(RDF.type, SKOS.Concept))
    assert len(concepts) > 70
    for c in concepts:
        labels = {o.language for o in kb.objects(c, SKOS.prefLabel)}
        definitions = {o.language for o in kb.objects(c, SKOS.definition)}
        assert labels == definitions == {"zh", "en"}, c
        assert kb.value(c, SP.order) is not None, c
    for scheme in kb.subjects(RDF.type, SKOS.ConceptScheme):
        assert {o.language for o in kb.objects(scheme, SKOS.definition)} == {"zh", "en"}, scheme


def test_the_ontology_defines_each_term_in_both_languages(onto):
    own = {s for s in onto.subjects(RDF.type, None) if str(s).startswith(str(SP)) and str(s) != str(SP)
           and (s, RDFS.label, None) in onto}
    assert len(own) > 60
    assert [str(t) for t in own if {d.language for d in onto.objects(t, SKOS.definition)} != {"zh", "en"}] == []


def test_the_english_names_source_quotes_what_the_graph_says(kb):
    text = (SETTINGS.sources_dir / "english-names.md").read_text(encoding="utf-8")
    for verbatim in kb.objects(None, SP.verbatim):
        st = next(kb.subjects(SP.verbatim, verbatim))
        # the register's statements quote its pages (tests/test_faithful.py checks them against register.yaml)
        if (st, RDF.type, SP.SourcedStatement) in kb and (st, PROV.wasDerivedFrom, REGISTER) not in kb:
            assert str(verbatim) in " ".join(text.split()), verbatim
