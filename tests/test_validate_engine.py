"""The validation engine: its speed-ups change nothing, the base is configurable, broken shapes are reported."""

from __future__ import annotations

from pathlib import Path

import pyshacl
import pytest
from pyshacl.graph_abstraction import OxigraphDataGraph
from rdflib import URIRef
from rdflib.namespace import SH

from conftest import ROOT
from sciplan.config import Settings
from sciplan.store import BuildError, build
from sciplan.shacl import _StoreGraph
from sciplan.validate import load_files, load_shapes, top_level, validate_built, validate_store

FIXTURES = Path(__file__).parent / "fixtures" / "validate"
IRI = "<https://w3id.org/sciplan/plan/x>"


def test_the_focus_node_is_written_into_the_query():
    query = "PREFIX sp: <d/>\nSELECT $this ?value ?thisName WHERE {\n  $this sp:p ?value .\n  FILTER NOT EXISTS { ?value sp:q ?this }\n}"
    assert _StoreGraph._inline(query, IRI) == (
        f"PREFIX sp: <d/>\nSELECT ({IRI} AS ?this) ?value ?thisName WHERE {{\n  {IRI} sp:p ?value .\n"
        f"  FILTER NOT EXISTS {{ ?value sp:q {IRI} }}\n}}")
    assert _StoreGraph._inline("ASK { $this ?p ?o }", IRI) is None  # no SELECT … WHERE: left to pyshacl


def test_the_speed_ups_give_the_results_of_plain_pyshacl(tmp_path):
    """Same results as pyshacl's own Oxigraph graph, on a small plan broken in three ways."""
    text = (FIXTURES / "tiny-plan.ttl").read_text(encoding="utf-8")
    text = text.replace("    sp:leadUnit <org/440114/区教育局> ;\n    sp:assignment <plan/440114/2026-2030/part/actions/"
                        "section/1/point/2/lead/1> .", "    sp:leadUnti <org/440114/区教育局> .")  # no lead, a typo
    text = text.replace('sp:number 2 ;', 'sp:number 3 ;')  # a gap
    broken = tmp_path / "tiny-plan.ttl"
    broken.write_text(text, encoding="utf-8")
    settings = Settings()
    data = ROOT / "data" / "ttl"
    files = [broken, data / "organizations.ttl", data / "jurisdictions.ttl", data / "schemes.ttl"]
    ours = validate_store(load_files(files, settings), settings)

    store = load_files(files, settings)
    _, report, _ = pyshacl.validate(OxigraphDataGraph(store), shacl_graph=load_shapes(settings, settings.base),
                                    inference="none", advanced=True, inplace=True, allow_warnings=True)

    def key(g, r):  # a property shape is a blank node, different in each run
        shape = g.value(r, SH.sourceShape)
        return (g.value(r, SH.focusNode), shape if isinstance(shape, URIRef) else None, g.value(r, SH.value),
                g.value(r, SH.resultSeverity), frozenset(str(m) for m in g.objects(r, SH.resultMessage)))

    plain = {key(report, r) for r in top_level(report)}
    fast = {key(ours.results, r) for r in top_level(ours.results)}
    assert fast == plain
    assert {f.rule.id for f in ours.failing()} >= {"LeadUnitShape", "DeclaredTermsShape", "TaskNumberingShape"}


def test_the_base_is_the_one_the_store_was_built_with(tmp_path):
    settings = Settings(store=tmp_path / "store", base="http://localhost:8080/kg/")
    build(settings)
    v = validate_built(Settings(store=tmp_path / "store"), plan="nansha-2022-2025")  # default base in the settings
    assert v.base == "http://localhost:8080/kg/" and not v.failed()
    # 9: five flags on 南沙's three damaged cells, and the duplicate unit and the [ ] number (each a flag and a rule)
    assert v.count("Warning") == 9 and all(f.focus.startswith("http://localhost:8080/kg/plan/440115/") for f in v.findings)


def test_unreadable_shapes_name_the_file(tmp_path):
    (tmp_path / "bad.ttl").write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n<a> a sh:NodeShape ;\n  sh:path\n",
                                      encoding="utf-8")
    with pytest.raises(BuildError, match="bad.ttl"):
        load_shapes(Settings(shapes_dir=tmp_path), Settings().base)
    with pytest.raises(BuildError, match="no SHACL shapes"):
        load_shapes(Settings(shapes_dir=tmp_path / "empty"), Settings().base)


def test_the_shapes_are_valid_shacl():
    """The meta-SHACL check (shapes against SHACL-SHACL) that `sciplan validate` skips at run time."""
    from pyshacl.entrypoints import meta_validate

    settings = Settings()
    conforms, _, text = meta_validate(load_shapes(settings, settings.base), inference="none")
    assert conforms, text
