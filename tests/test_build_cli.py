"""The store build (atomic, with file:line errors), the CLI's commands and its errors on bad input."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from sciplan.cli import main
from conftest import ROOT
from sciplan.config import Settings
from sciplan.store import BuildError, build, build_info, open_store

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def sciplan(*args: str, env_store: Path | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "sciplan.cli", *args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=120)


@pytest.fixture
def data_copy(tmp_path) -> Settings:
    """A private copy of ontology/ and data/ttl/ to break."""
    shutil.copytree(ROOT / "ontology", tmp_path / "ontology")
    shutil.copytree(ROOT / "data" / "ttl", tmp_path / "data" / "ttl")
    return Settings(ontology_dir=tmp_path / "ontology", data_dir=tmp_path / "data" / "ttl", store=tmp_path / "store")


def count(store_path: Path) -> int:
    return int(next(iter(open_store(store_path).query(COUNT)))["n"].value)


def test_build_loads_one_named_graph_per_file(data_copy):
    report = build(data_copy)
    files = sorted(data_copy.ontology_dir.glob("*.ttl")) + sorted(data_copy.data_dir.rglob("*.ttl"))
    assert [f.path for f in report.files] == files
    graphs = {g.value for g in open_store(data_copy.store).named_graphs()}
    assert "https://w3id.org/sciplan/graph/plans/nansha-2022-2025" in graphs
    assert "https://w3id.org/sciplan/graph/ontology/sciplan" in graphs
    assert len(graphs) == len(files) + 1  # and the derived graph (sciplan/derived.py)
    assert "https://w3id.org/sciplan/graph/derived" in graphs
    assert build_info(data_copy.store)["base"] == "https://w3id.org/sciplan/"


def test_broken_turtle_names_file_and_line_and_keeps_the_previous_store(data_copy):
    build(data_copy)
    before = count(data_copy.store)
    broken = data_copy.data_dir / "plans" / "zz-broken.ttl"
    broken.write_text('@prefix sp: <def/> .\n<plan/x> a sp:Plan ;\n    sp:title "unterminated .\n', encoding="utf-8")
    with pytest.raises(BuildError, match=r"zz-broken\.ttl:3"):
        build(data_copy)
    assert count(data_copy.store) == before
    assert len(list(data_copy.store.parent.joinpath("store.d").iterdir())) == 1  # no half-built store left


def test_rebuild_replaces_the_store_atomically(data_copy):
    build(data_copy)
    first = data_copy.store.resolve()
    (data_copy.data_dir / "extra.ttl").write_text("<x> <y> <z> .\n", encoding="utf-8")
    build(data_copy)
    assert data_copy.store.resolve() != first and not first.exists()
    assert bool(open_store(data_copy.store).query("ASK { GRAPH ?g { <x> <y> <z> } }".replace("<x> <y> <z>",
        "<https://w3id.org/sciplan/x> <https://w3id.org/sciplan/y> <https://w3id.org/sciplan/z>")))


def test_build_compacts_the_store_after_the_last_load(data_copy, monkeypatch):
    """The bulk loads leave overlapping sorted files; the build compacts them once everything is in (lookups at
    national size take half the time, benchmarks/README.md). Only the calls are observable from Python."""
    import pyoxigraph as ox

    calls: list[str] = []
    real_store = ox.Store

    class Recording:
        def __init__(self, *args):
            self._store = real_store(*args)

        def __getattr__(self, name):
            if name in ("bulk_extend", "optimize"):
                calls.append(name)
            return getattr(self._store, name)

        def __len__(self):
            return len(self._store)

    monkeypatch.setattr(ox, "Store", Recording)
    build(data_copy)
    assert calls == ["bulk_extend", "bulk_extend", "optimize"]
    monkeypatch.undo()
    graphs = {g.value for g in open_store(data_copy.store).named_graphs()}  # the compacted store holds them all
    assert "https://w3id.org/sciplan/graph/derived" in graphs and len(graphs) > 15


def test_base_is_configurable(data_copy):
    build(data_copy.with_(base="http://localhost:8080/kg/"))
    store = open_store(data_copy.store)
    ask = store.query("ASK { <http://localhost:8080/kg/plan/440115/2022-2025> a <http://localhost:8080/kg/def/Plan> }",
                      use_default_graph_as_union=True)
    assert bool(ask)


def test_build_refuses_a_plain_directory_at_the_store_path(data_copy):
    data_copy.store.mkdir()
    with pytest.raises(BuildError, match="not a store link"):
        build(data_copy)


# ---- the CLI

def test_cli_build_query_export(tmp_path, capsys):
    store = tmp_path / "store"
    assert main(["--store", str(store), "build", "--quiet"]) == 0
    assert "graphs" in capsys.readouterr().out
    assert main(["--store", str(store), "query", COUNT, "--format", "json"]) == 0
    assert int(json.loads(capsys.readouterr().out)["results"]["bindings"][0]["n"]["value"]) > 5000
    out = tmp_path / "tasks.csv"
    assert main(["--store", str(store), "export", "--format", "csv", "--output", str(out)]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == 113
    assert Counter(r["jurisdiction"] for r in rows) == {"南沙区": 39, "花都区": 38, "江门市": 36}
    query_file = tmp_path / "q.rq"
    query_file.write_text("PREFIX sp: <https://w3id.org/sciplan/def/> SELECT ?p WHERE { ?p a sp:Plan }", encoding="utf-8")
    assert main(["--store", str(store), "query", str(query_file), "--format", "csv"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 1 + shipped_plans()


def test_csv_task_table_content(kg_settings, kg_store):
    from sciplan.export import task_rows

    rows = {(r["jurisdiction"], r["part"], r["section_number"], r["task_number"]): r for r in task_rows(kg_store, kg_settings)}
    garbled = rows[("南沙区", "提升行动", "2", "4")]
    assert (garbled["lead_units"], garbled["cooperating_units"], garbled["flags"]) == ("区科协", "区委宣传部|区教育局", "garbled")
    duplicate = rows[("南沙区", "重点工程", "5", "2")]
    assert duplicate["cooperating_units"].count("投资促进局") == 2 and duplicate["flags"] == "duplicate-unit"
    jiangmen = rows[("江门市", "重点任务", "10", "4")]
    assert (jiangmen["lead_units"], jiangmen["units_stated_on"]) == ("市科协|市科技局|市人力资源社会保障局", "section")
    huadu = rows[("花都区", "五项提升行动", "1", "6")]
    assert (huadu["plan_number"], huadu["task_title"], huadu["lead_units"], huadu["cooperating_units"]) == \
        ("", "实施教师科学素质提升工程", "区教育局", "")
    assert rows[("南沙区", "提升行动", "1", "1")]["plan_number"] == "穗南府[2022]7号"


def test_every_task_row_has_a_lead_unit(kg_settings, kg_store):
    from sciplan.export import task_rows

    assert [r["task"] for r in task_rows(kg_store, kg_settings) if not r["lead_units"]] == []


@pytest.mark.parametrize("fmt, rdflib_format", [("trig", "trig"), ("nquads", "nquads"), ("turtle", "turtle")])
def test_rdf_exports_hold_the_whole_store(kg_settings, kg_store, fmt, rdflib_format):
    from rdflib import Dataset

    from sciplan.export import export

    data = export(kg_store, fmt, kg_settings)
    parsed = Dataset()
    parsed.parse(data=data, format=rdflib_format)
    quads = len(kg_store)
    if fmt == "turtle":  # one graph: the union, duplicates across graphs merged
        assert 0.9 * quads < len(parsed) <= quads
    else:
        # every quad: len(parsed) would count the union's triples, and a page that plans.yaml and the
        # register both cite is typed in both their graphs
        assert sum(1 for _ in parsed.quads((None, None, None, None))) == quads and len(list(parsed.graphs())) >= 14


@pytest.mark.parametrize("args, message", [
    (["query", "SELECT WHERE {"], "SPARQL syntax error"),
    (["query", "SELECT * WHERE { ?s ?p ?o }", "--format", "xml"], "--format"),
    (["query", "missing-file.rq"], "missing-file.rq"),
    (["export", "--format", "pdf"], "--format"),
    (["--base", "not-an-iri", "build"], "base IRI"),
    (["frobnicate"], "invalid choice"),
])
def test_cli_errors_are_clear(kg_store_path, args, message):
    result = sciplan("--store", str(kg_store_path), *args)
    assert result.returncode in (1, 2)
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_exit_codes(kg_store_path, tmp_path):
    assert sciplan("--store", str(kg_store_path), "query", "SELECT WHERE {").returncode == 1
    assert sciplan("--store", str(kg_store_path), "export", "--format", "pdf").returncode == 2
    missing = sciplan("--store", str(tmp_path / "nowhere"), "query", COUNT)
    assert missing.returncode == 2 and "sciplan build" in missing.stderr


def test_every_subcommand_has_help_with_examples():
    from sciplan.cli import make_parser

    parser = make_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, p in sub.choices.items():
        assert "examples:" in p.format_help(), name


def test_build_shows_progress(tmp_path):
    result = sciplan("--store", str(tmp_path / "s"), "build")
    assert result.returncode == 0
    assert "[1/" in result.stderr and "nansha-2022-2025.ttl" in result.stderr


def test_data_ttl_is_what_the_sources_give():
    """data/ttl/ matches `sciplan extract` on data/sources and data/curation."""
    result = sciplan("extract", "--check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_extract_makes_an_undeclared_unit_a_flagged_body_and_check_reports_the_change(tmp_path):
    from sciplan.extract import write_all

    shutil.copytree(ROOT / "data", tmp_path / "data")
    orgs = tmp_path / "data" / "curation" / "organizations.yaml"
    orgs.write_text(orgs.read_text(encoding="utf-8").replace('    区水务局: {functions: [water], en: "District Water Affairs Bureau"}\n', "", 1), encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "data" / "ttl", sources_dir=tmp_path / "data" / "sources")
    plan = settings.data_dir / "plans" / "nansha-2022-2025.ttl"
    assert write_all(settings, check=True) == [settings.data_dir / "organizations.ttl", plan]
    write_all(settings)
    from rdflib import Graph, URIRef

    from sciplan.iris import PLACEHOLDER

    g = Graph().parse(plan, format="turtle", publicID=PLACEHOLDER)
    body, sp = URIRef(PLACEHOLDER + "org/440115/区水务局"), PLACEHOLDER + "def/"
    assert (URIRef(PLACEHOLDER + "plan/440115/2022-2025/part/projects/section/4/point/1"), URIRef(sp + "cooperatingUnit"), body) in g
    assert (body, URIRef(sp + "flag"), URIRef(PLACEHOLDER + "scheme/flag/unreviewed-body")) in g


def shipped_plans() -> int:
    """The plans of data/ttl: one file each under plans/, and the register's in register.ttl."""
    from rdflib import Graph, URIRef
    from rdflib.namespace import RDF

    files = len(list((ROOT / "data" / "ttl" / "plans").glob("*.ttl")))
    register = ROOT / "data" / "ttl" / "register.ttl"
    if not register.exists():
        return files
    g = Graph().parse(register, format="turtle", publicID="http://x.invalid/")
    return files + len(set(g.subjects(RDF.type, URIRef("http://x.invalid/def/Plan"))))
