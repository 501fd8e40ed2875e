"""`sciplan synth --with-real`: the real KB beside the synthetic plans, at a small scale.

No IRI of the real data is minted again by the synthetic part (and the check that says so finds the
clashes of a plain synthetic directory); every competency query gives the real KB's answer on the
combined store — the same rows where it names real plans, and the real rows unchanged beside the
synthetic ones where it ranges over all plans; validation finds the real KB's findings and exactly
the injected defects of the manifest.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from itertools import groupby
from pathlib import Path

import pytest

from conftest import ROOT
from sciplan import iris
from sciplan.cli import main
from sciplan.config import Settings
from sciplan.errors import UsageError
from sciplan.query import rows, run
from sciplan.store import build, open_store
from sciplan.synth import SYNTHETIC_DIR, RealKeys, generate, jurisdictions, subjects_of

QUERIES = sorted(p for p in (ROOT / "queries").glob("*.rq") if "SERVICE" not in p.read_text(encoding="utf-8"))
# The queries that name real plans, tasks or bodies: the combined store gives exactly the real answer.
SELECTIVE = {"alignment-proposals", "flagged-records", "generations-jiangmen-to-2022", "jiangmen-targets-by-unit",
             "literacy-rate-by-level", "matched-tasks-lead-units-differ", "tasks-without-counterpart",
             "trace-task-to-national"}
# Two of the register's queries read what only the register states (literacy targets, the register's cities):
# the synthetic plans state none of it. (Lags and skipped levels have synthetic rows too.)
SELECTIVE |= {"register-targets-by-province", "register-cities-without-province-plan"}
# A total over all plans with no plan in its rows: the synthetic part adds to its counts.
ADDITIVE = {"tasks-led-by-function": ("function", "functionLabel")}
RATES = {"missing-lead": 0.005, "foreign-body": 0.005, "bad-basis": 0.2}


@pytest.fixture(scope="module")
def with_real(tmp_path_factory, repo_settings):
    home = tmp_path_factory.mktemp("with-real")
    out = home / "data"
    manifest = generate(repo_settings, out, scale=0.006, seed=5, rates=RATES, real=repo_settings.data_dir)
    settings = repo_settings.with_(data_dir=out, store=home / "store")
    build(settings)
    return out, manifest, settings


@pytest.fixture(scope="module")
def synthetic_only(tmp_path_factory, repo_settings, with_real):
    """The synthetic part alone (with the ontology and the schemes), for the totals it adds."""
    out, _, _ = with_real
    settings = repo_settings.with_(data_dir=out, store=tmp_path_factory.mktemp("synthetic-only") / "store")
    files = sorted(settings.ontology_dir.glob("*.ttl")) + [out / "schemes.ttl"] + sorted((out / SYNTHETIC_DIR).rglob("*.ttl"))
    build(settings, files=files)
    return open_store(settings.store)


def answer(store, path: Path) -> tuple[list[str], list[tuple[str, ...]]]:
    names, table = rows(run(store, path.read_text(encoding="utf-8")))
    return names, [tuple(row) for row in table]


def test_no_iri_of_the_real_data_is_minted_again(with_real, repo_settings, tmp_path):
    out, manifest, settings = with_real
    real, synthetic = subjects_of(repo_settings.data_dir), subjects_of(out / SYNTHETIC_DIR)
    assert len(synthetic) > 2000 and not real & synthetic
    # The real files are there as they are, at their own paths (so their named graphs are the real build's).
    for path in repo_settings.data_dir.rglob("*.ttl"):
        assert (out / path.relative_to(repo_settings.data_dir)).read_bytes() == path.read_bytes()
    # The check can fail: a plain synthetic directory (scale 0.003) mints the national plan and its parts again.
    generate(repo_settings, tmp_path / "plain", scale=0.003, seed=5)
    assert "plan/cn/2021-2035" in real & subjects_of(tmp_path / "plain")
    # No synthetic GB/T 2260 code is a real one, so a query naming a real code finds only the real plan.
    store = open_store(settings.store)
    codes = "SELECT ?code (COUNT(?place) AS ?n) WHERE { ?place <https://w3id.org/sciplan/def/gbCode> ?code } GROUP BY ?code HAVING (COUNT(?place) > 1)"
    assert not list(store.query(codes, use_default_graph_as_union=True))
    assert manifest["with_real"] == {"synthetic_dir": SYNTHETIC_DIR, "real_plans": 9, "root_plan": "plan/cn/2021-2035"}
    assert manifest["jurisdictions"]["national"] == 0 and manifest["plans"] == 20


def test_the_synthetic_provinces_leave_the_real_prefixes_to_the_real_data():
    provinces = [p.code[:2] for p in jurisdictions(1.0, {"44"}) if p.level == "provincial"]
    assert len(provinces) == 31 and "44" not in provinces and provinces[-1] == "90"


def test_a_clash_is_refused_naming_the_iri(repo_settings, tmp_path):
    known = RealKeys(subjects={"org/110000/省教育局"}, codes=set())  # a real body of a place the generator would use
    assert known.clashes(jurisdictions(0.003)) == ["org/110000/省教育局"]
    import sciplan.synth as synth

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(synth, "real_keys", lambda real: known)
        with pytest.raises(UsageError, match="org/110000/"):
            generate(repo_settings, tmp_path / "out", scale=0.003, real=repo_settings.data_dir)
    assert not (tmp_path / "out").exists()  # refused before anything was written


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem)
def test_each_competency_query_gives_the_real_answer(path, with_real, kg_store, synthetic_only, repo_settings):
    out, _, settings = with_real
    base = repo_settings.base
    synthetic = {base + s for s in subjects_of(out / SYNTHETIC_DIR)}
    names, real = answer(kg_store, path)
    names_w, combined = answer(open_store(settings.store), path)
    assert names_w == names and real, path.stem
    if path.stem in SELECTIVE:
        assert combined == real
        return
    if path.stem in ADDITIVE:
        keys = [names.index(k) for k in ADDITIVE[path.stem]]
        _, extra = answer(synthetic_only, path)

        def totals(table):
            out = defaultdict(lambda: Counter())
            for row in table:
                out[tuple(row[i] for i in keys)].update({n: int(row[i]) for i, n in enumerate(names) if i not in keys})
            return out

        expected = totals(real)
        for key, counts in totals(extra).items():
            expected[key].update(counts)
        assert totals(combined) == expected and extra
        return
    own = [row for row in combined if not synthetic & set(row)]
    assert Counter(own) == Counter(real)
    assert len(combined) > len(real), f"{path.stem}: the synthetic plans add no rows, so it is not measured at scale"


@pytest.mark.parametrize("name, key", [
    ("lead-units-per-plan", lambda r: (r["plan"],)),
    ("lead-units-by-function", lambda r: (r["function"], r["plan"])),
])
def test_the_tally_listings_follow_the_plans_iris(name, key, with_real):
    """The listings sort by the plan IRI's path after /plan/ instead of the IRI (cheaper at national size): the
    same order. Checked over the real and synthetic plans."""
    _, _, settings = with_real
    names, table = answer(open_store(settings.store), ROOT / "queries" / f"{name}.rq")
    keys = [key(dict(zip(names, row))) for row in table]
    assert len({k[-1] for k in keys}) > 10 and keys == sorted(keys)


def test_validation_finds_the_real_findings_and_exactly_the_injected_defects(with_real, kg_settings):
    from sciplan.validate import validate_built

    _, manifest, settings = with_real
    assert all(manifest["defects"][kind] >= 2 for kind in RATES)
    shapes = {"missing-lead": "LeadUnitShape", "foreign-body": "UnitJurisdictionShape", "bad-basis": "BasisShape"}

    def found(s):
        out = defaultdict(set)
        for finding in validate_built(s).findings:
            out[finding.rule.id].add(finding.focus)
        return out

    real, combined = found(kg_settings), found(settings)
    for kind, shape in shapes.items():
        real[shape] |= {settings.base + iri for iri in manifest["defective"][kind]}
    assert dict(combined) == dict(real)


def test_the_synth_command_takes_with_real(tmp_path, capsys, kg_store):
    out = tmp_path / "nat"
    assert main(["--store", str(tmp_path / "store"), "synth", "--scale", "0.003", "--with-real", "--output", str(out), "--build"]) == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["with_real"]["real_plans"] == 9
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?p a <https://w3id.org/sciplan/def/Plan> }"
    def plans(store) -> int:
        return int(next(iter(store.query(count, use_default_graph_as_union=True)))["n"].value)

    assert plans(open_store(tmp_path / "store")) == plans(kg_store) + manifest["plans"]
    assert "built" in capsys.readouterr().out


def test_the_settings_of_a_with_real_directory_build_it_whole(with_real):
    """Everything under the output is one data directory: a plain `sciplan build` of it loads both parts."""
    out, manifest, _ = with_real
    assert Settings(data_dir=out).data_dir == out
    assert len(list((out / SYNTHETIC_DIR / "plans").glob("*.ttl"))) == manifest["plans"]
    assert len(list((out / "plans").glob("*.ttl"))) == manifest["with_real"]["real_plans"]


# The direct formulations of two whole-graph queries (sp:inPlan, the plan IRI in ORDER BY, a GROUP BY over every
# section): the named queries are rewritten for speed at national size and must give what these give.
PREFIXES = """PREFIX sp: <https://w3id.org/sciplan/def/>
PREFIX level: <https://w3id.org/sciplan/scheme/level/>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
DIRECT = {
    "section-derivation": PREFIXES + """
SELECT ?jurisdiction ?part ?number ?section ?title ?basisLevel ?basisPlanNumber ?basis ?basisTitle ?reason WHERE {
  ?plan sp:level ?levelNode ; eli:jurisdiction/skos:prefLabel ?jurisdiction . FILTER(LANG(?jurisdiction) = "zh")
  ?section sp:inPlan ?plan ; a sp:Section ; dcterms:title ?title ; eli:is_part_of/dcterms:title ?part .
  OPTIONAL { ?section sp:order ?order } OPTIONAL { ?section sp:number ?printed } BIND(COALESCE(?printed, ?order) AS ?number)
  BIND(IF(?levelNode = level:county, 1, IF(?levelNode = level:prefectural, 2, IF(?levelNode = level:provincial, 3, ?none))) AS ?rank)
  FILTER(BOUND(?rank))
  OPTIONAL {
    ?section eli:based_on ?basis .
    ?basis a sp:Section ; dcterms:title ?basisTitle ; sp:inPlan ?basisPlan .
    ?basisPlan sp:level/skos:prefLabel ?basisLevel . FILTER(lang(?basisLevel) = "en")
    OPTIONAL { ?basisPlan eli:id_local ?basisPlanNumber }
    OPTIONAL { ?link rdf:subject ?section ; rdf:predicate eli:based_on ; rdf:object ?basis ; sp:reason ?reason }
  }
} ORDER BY ?rank ?plan ?part ?number ?basisLevel""",
    "sections-introduced-below-national": PREFIXES + """
SELECT ?title ?level ?plan ?planNumber ?section (COUNT(DISTINCT ?basis) = 0 AS ?origin)
       (GROUP_CONCAT(DISTINCT STR(?basis); separator=" ") AS ?derivesFrom) WHERE {
  VALUES (?levelNode ?rank) { (level:provincial 1) (level:prefectural 2) (level:county 3) }
  ?plan sp:level ?levelNode ; sp:derivesFrom ?national . ?national sp:level level:national .
  ?levelNode skos:prefLabel ?level . FILTER(lang(?level) = "en")
  ?plan eli:has_part ?planPart . ?planPart sp:partKind ?kind ; eli:has_part ?section . ?section dcterms:title ?title .
  FILTER EXISTS { ?national eli:has_part ?nationalPart . ?nationalPart sp:partKind ?kind ; eli:has_part ?nationalSection }
  FILTER NOT EXISTS { ?section sp:derivesFrom ?ancestor . ?ancestor sp:inPlan ?ancestorPlan . ?ancestorPlan sp:level level:national }
  OPTIONAL { ?plan eli:id_local ?planNumber }
  OPTIONAL { ?section eli:based_on ?basis }
} GROUP BY ?title ?level ?plan ?planNumber ?section ?rank ORDER BY ?rank ?plan""",
}


@pytest.mark.parametrize("name", sorted(DIRECT))
def test_the_fast_queries_give_the_direct_answer(name, with_real):
    """Row for row for section-derivation (its order is total); the same rows, plan by plan in the same order, for
    sections-introduced-below-national, which orders a plan's sections by part kind and number where the direct
    query leaves them in no order."""
    out, _, settings = with_real
    store = open_store(settings.store)
    names, fast = answer(store, ROOT / "queries" / f"{name}.rq")
    direct_names, table = rows(run(store, DIRECT[name]))
    direct = [tuple(row) for row in table]
    synthetic = {settings.base + s for s in subjects_of(out / SYNTHETIC_DIR)}
    assert names == direct_names and sum(r[names.index("section")] in synthetic for r in fast) > 10  # synthetic rows too
    if name == "section-derivation":
        assert fast == direct
        return
    assert Counter(fast) == Counter(direct)
    plan = names.index("plan")
    assert [r[plan] for r in fast] == [r[plan] for r in direct]
    # Within a plan, the document's order: the part kind's sp:order, then the section's number (else its sp:order).
    order = {r["section"]: (r["kind"], int(r["number"])) for r in select_rows(store, SECTION_ORDER)}
    section = names.index("section")
    for _, group in groupby(fast, key=lambda r: r[plan]):
        keys = [order[r[section]] for r in group]
        assert keys == sorted(keys)


SECTION_ORDER = PREFIXES + """SELECT ?section ?kind ?number WHERE {
  ?part sp:partKind/sp:order ?kind ; eli:has_part ?section .
  OPTIONAL { ?section sp:number ?printed } OPTIONAL { ?section sp:order ?order } BIND(COALESCE(?printed, ?order) AS ?number) }"""


def select_rows(store, text: str) -> list[dict]:
    names, table = rows(run(store, text))
    return [dict(zip(names, row)) for row in table]


def test_the_listings_give_what_the_longer_path_gives_beside_the_synthetic_plans(with_real):
    """The two lead-unit listings read what the lead tallies carry (name, functions, position): over the real and
    synthetic plans, the same rows in the same order as the longer path (tests/test_derived.py)."""
    from test_derived import listings_agree

    _, _, settings = with_real
    assert listings_agree(open_store(settings.store), settings.base) > 300  # the real KB alone: 66


# ---- sections and task points derive as 南沙's do --------------------------------------------------

NANSHA_INDUSTRY = "part/projects/section/5"  # 实施科普产业繁荣工程: from 广州 and 广东, not from the national plan
BASES = PREFIXES + """SELECT ?record ?basis WHERE { GRAPH ?g { ?record eli:based_on ?basis } }"""


def based_on(settings) -> dict[str, set[str]]:
    """Every eli:based_on in the store, relative to the base: record → what it is based on."""
    found: dict[str, set[str]] = defaultdict(set)
    for row in select_rows(open_store(settings.store), BASES):
        found[row["record"].removeprefix(settings.base)].add(row["basis"].removeprefix(settings.base))
    return found


def test_the_copies_of_nanshas_records_derive_as_nanshas_do(with_real, repo_settings):
    """A copy of a 南沙 record that derivation.ttl bases on another is based on the same record of its plan's
    basis, or, under the real national plan, on the national records 南沙's derives from; the other copies on none."""
    from sciplan.synth import NATIONAL_ROOT, template_derivation

    out, _, settings = with_real
    derives = template_derivation(repo_settings)
    bases = based_on(settings)
    synthetic = subjects_of(out / SYNTHETIC_DIR)
    plans = sorted(s for s in synthetic if iris.parse(s).kind == "plan")
    records = {s.removeprefix(plans[0] + "/") for s in synthetic
               if s.startswith(plans[0] + "/") and iris.parse(s).kind in ("section", "task")}
    assert len(records) == 11 + 39 and len(derives) == 16  # the template's sections and task points; 16 derive
    seen = {"national": 0, "copy": 0, "none": 0}
    for plan in plans:
        (basis,) = bases[plan]
        for record in records:
            found = bases.get(f"{plan}/{record}", set())
            if record not in derives:
                assert found == set(), (plan, record)
                seen["none"] += 1
            elif basis == NATIONAL_ROOT:
                assert found == set(derives[record]), (plan, record)
                seen["national"] += bool(found)
            else:
                assert found == {f"{basis}/{record}"}, (plan, record)
                seen["copy"] += 1
    assert all(seen.values())
    provincial = [p for p in plans if bases[p] == {NATIONAL_ROOT}]
    assert provincial and all(f"{p}/{NANSHA_INDUSTRY}" not in bases for p in provincial)  # introduced at that level


def test_the_synthetic_provinces_introduce_the_industry_project_as_guangdong_did(with_real):
    """sections-introduced-below-national over the combined store: the real rows, and of the synthetic plans only
    the copies of 科普产业繁荣工程, first (?origin) in the plans based on the national plan."""
    from sciplan.synth import NATIONAL_ROOT

    out, _, settings = with_real
    names, table = answer(open_store(settings.store), ROOT / "queries" / "sections-introduced-below-national.rq")
    synthetic = {settings.base + s for s in subjects_of(out / SYNTHETIC_DIR)}
    found = [dict(zip(names, row)) for row in table if row[names.index("section")] in synthetic]
    bases = based_on(settings)
    assert found and {r["section"].removeprefix(settings.base).split("/", 3)[3] for r in found} == {NANSHA_INDUSTRY}
    origins = {r["plan"].removeprefix(settings.base) for r in found if r["origin"] == "true"}
    assert origins == {p.removeprefix(settings.base) for p in (r["plan"] for r in found)
                       if bases[p.removeprefix(settings.base)] == {NATIONAL_ROOT}}


def test_the_template_derivation_follows_the_links_to_the_national_plan(tmp_path, repo_settings):
    """Read from data/ttl/alignment/derivation.ttl: a link to the national plan, one through a city record, one
    that never reaches it, and a cycle; records of other plans are not the template's."""
    from sciplan.synth import template_derivation

    (tmp_path / "alignment").mkdir()
    n, gz, cn = "<plan/440115/2022-2025/part/", "<plan/440100/2022-2025/part/", "<plan/cn/2021-2035/part/"
    (tmp_path / "alignment" / "derivation.ttl").write_text(
        "@prefix eli: <http://data.europa.eu/eli/ontology#> .\n"
        f"{n}actions/section/1> eli:based_on {cn}actions/section/A> .\n"
        f"{n}actions/section/2> eli:based_on {gz}actions/section/B> .\n"
        f"{gz}actions/section/B> eli:based_on {cn}actions/section/C>, {cn}actions/section/A> .\n"
        f"{n}projects/section/5> eli:based_on {gz}projects/section/X> .\n"
        f"{gz}projects/section/X> eli:based_on {n}projects/section/5> .\n"
        f"{gz}actions/section/9> eli:based_on {cn}actions/section/A> .\n", encoding="utf-8")
    assert template_derivation(repo_settings.with_(data_dir=tmp_path)) == {
        "part/actions/section/1": ("plan/cn/2021-2035/part/actions/section/A",),
        "part/actions/section/2": ("plan/cn/2021-2035/part/actions/section/A", "plan/cn/2021-2035/part/actions/section/C"),
        "part/projects/section/5": (),
    }
