"""`sciplan validate`: exit codes, --fail-on, --plan, the shipped data's warnings and the output formats."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF, SH

from sciplan.cli import main
from conftest import ROOT

FIXTURES = Path(__file__).parent / "fixtures" / "validate"
BASE = "https://w3id.org/sciplan/"
SP = Namespace(BASE + "def/")
NANSHA = BASE + "plan/440115/2022-2025"
HUADU_TASK = URIRef(BASE + "plan/440114/2022-2025/part/actions/section/1/point/6")
# the plans of the shipped graph: one file each for plans.yaml's, and the register's in data/ttl/register.ttl
PLANS = len(list((ROOT / "data" / "ttl" / "plans").glob("*.ttl"))) + len(set(
    Graph().parse(ROOT / "data" / "ttl" / "register.ttl", format="turtle", publicID=BASE).subjects(RDF.type, SP.Plan)))


def run(*args: str) -> int:
    return main([str(a) for a in args])


@pytest.fixture(scope="module")
def shipped_json(kg_store_path, tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("validate") / "report.json"
    assert run("--store", kg_store_path, "validate", "--format", "json", "--output", out) == 0
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def broken_data(tmp_path_factory) -> Path:
    """A copy of data/ttl in which 花都's 实施教师科学素质提升工程 has no lead unit."""
    data = tmp_path_factory.mktemp("broken") / "ttl"
    shutil.copytree(ROOT / "data" / "ttl", data)
    path = data / "plans" / "huadu-2022-2025.ttl"
    g = Graph().parse(path, format="turtle", publicID=BASE)
    g.remove((HUADU_TASK, SP.leadUnit, None))
    for a in list(g.objects(HUADU_TASK, SP.assignment)):
        g.remove((HUADU_TASK, SP.assignment, a))
        g.remove((a, None, None))
    path.write_text(g.serialize(format="turtle"), encoding="utf-8")
    return data


# ---------------------------------------------------------------- the shipped data

def test_shipped_data_passes_with_the_warnings_of_its_imperfect_sources(shipped_json):
    doc = shipped_json
    assert doc["conforms"] is True and doc["counts"]["violations"] == 0
    warnings = {(r["rule"], r["focusNode"]) for r in doc["results"] if r["severity"] == "Warning"}
    nansha = NANSHA + "/part/"
    for task, flag in (("actions/section/2/point/4", "garbled"), ("projects/section/3/point/2", "truncated"),
                       ("projects/section/5/point/1", "truncated"), ("projects/section/5/point/2", "duplicate-unit")):
        assert ("FlaggedRecordShape", nansha + task) in warnings
        assert any(r["focusNode"] == nansha + task and r["value"] == BASE + "scheme/flag/" + flag
                   for r in doc["results"])
    assert ("DuplicateUnitShape", nansha + "projects/section/5/point/2") in warnings
    variants = [r for r in doc["results"] if r["rule"] == "DocumentNumberVariantShape"]
    [number] = [r for r in variants if r["focusNode"] == NANSHA]
    assert number["severity"] == "Warning" and number["value"] == "穗南府[2022]7号"
    # the others: numbers the register's pages print with other brackets, spaces or 號 (register.yaml)
    printed = {str(f["value"]) for e in yaml.safe_load((ROOT / "data" / "curation" / "register.yaml").read_text(encoding="utf-8"))["plans"]
               for f in e["facts"] if f["field"] == "number"}
    assert {r["severity"] for r in variants} == {"Warning"} and {r["value"] for r in variants} - {number["value"]} <= printed
    garbled = next(r for r in doc["results"] if r["focusNode"] == nansha + "actions/section/2/point/4")
    assert garbled["task"]["title"] == "加强农村科普体系建设" and garbled["section"]["title"] == "实施农民科学素质提升行动"
    assert garbled["plan"]["title"].startswith("广州市南沙区")


def test_fail_on_warning_fails_the_shipped_data(kg_store_path, tmp_path):
    out = tmp_path / "report.txt"
    assert run("--store", kg_store_path, "validate", "--plan", "nansha-2022-2025", "--fail-on", "warning", "-o", out) == 1
    text = out.read_text(encoding="utf-8")
    assert text.startswith("sciplan validate：广州市南沙区") and "未通过：0 个违规" in text
    assert run("--store", kg_store_path, "validate", "--plan", "jiangmen-2016-2020", "--fail-on", "warning", "-o", out) == 0


# ---------------------------------------------------------------- violations: exit 1 and the three machine formats

def test_a_task_nobody_leads_fails_and_the_report_names_it(broken_data, tmp_path):
    out = tmp_path / "report.txt"
    assert run("validate", broken_data, "--output", out) == 1
    text = out.read_text(encoding="utf-8")
    assert "未通过：1 个违规" in text
    block = text.split("■ 广州市花都区全民科学素质行动规划纲要实施方案（2022—2025年）", 1)[1].split("■", 1)[0]
    assert "「实施青少年科学素质提升行动」" in block and "第6项「实施教师科学素质提升工程」" in block
    assert "[违规] 每个要点都有牵头单位（LeadUnitShape）" in block and "修改：" in block


def test_the_report_as_turtle_is_a_shacl_validation_report(broken_data, tmp_path):
    out = tmp_path / "report.ttl"
    assert run("validate", broken_data, "--plan", "huadu-2022-2025", "--format", "turtle", "-o", out) == 1
    g = Graph().parse(out, format="turtle")
    [report] = g.subjects(RDF.type, SH.ValidationReport)
    assert g.value(report, SH.conforms).toPython() is False
    results = list(g.objects(report, SH.result))
    violations = [r for r in results if g.value(r, SH.resultSeverity) == SH.Violation]
    assert [g.value(r, SH.focusNode) for r in violations] == [HUADU_TASK]
    assert g.value(violations[0], SH.sourceShape) == URIRef(BASE + "shapes/LeadUnitShape")
    assert len(results) == 4  # the violation and 花都's three flagged records


def test_the_report_as_json(broken_data, tmp_path):
    out = tmp_path / "report.json"
    assert run("validate", broken_data, "--format", "json", "-o", out) == 1
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["conforms"] is False and doc["counts"]["violations"] == 1
    [v] = [r for r in doc["results"] if r["severity"] == "Violation"]
    assert v["focusNode"] == str(HUADU_TASK) and v["task"] == {"iri": str(HUADU_TASK), "title": "实施教师科学素质提升工程", "number": 6}
    assert v["rule"] == "LeadUnitShape" and "实施教师科学素质提升工程" in v["message"] and v["fix"]
    assert len(doc["plans"]) == PLANS


def test_the_report_as_junit(broken_data, tmp_path):
    out = tmp_path / "report.xml"
    assert run("validate", broken_data, "--format", "junit", "-o", out) == 1
    root = ET.parse(out).getroot()
    cases = root.findall(".//testcase")
    failures = root.findall(".//testcase/failure")
    assert int(root.get("tests")) == len(cases) and int(root.get("failures")) == len(failures) == 1
    assert "实施教师科学素质提升工程" in failures[0].get("message") and failures[0].get("type") == "Violation"
    suites = root.findall("testsuite")
    assert len(suites) == PLANS + 1  # the plans and the shared graphs
    for suite in suites:
        assert int(suite.get("tests")) == len(suite.findall("testcase"))
        assert int(suite.get("failures")) == len(suite.findall("testcase/failure"))
    [huadu] = [s for s in suites if s.get("name").endswith("(huadu-2022-2025)")]
    assert huadu.find("testcase/failure") is not None
    [lead] = [c for c in huadu.findall("testcase") if "（LeadUnitShape）" in c.get("name")]
    assert lead.find("failure") is not None and "第6项「实施教师科学素质提升工程」" in lead.get("name")


def test_junit_warnings_fail_with_fail_on_warning(kg_store_path, tmp_path):
    out = tmp_path / "report.xml"
    assert run("--store", kg_store_path, "validate", "--plan", "nansha-2022-2025", "--format", "junit", "-o", out) == 0
    root = ET.parse(out).getroot()
    assert root.get("failures") == "0" and len(root.findall(".//testcase/system-out")) == 7
    assert run("--store", kg_store_path, "validate", "--plan", "nansha-2022-2025", "--format", "junit",
               "--fail-on", "warning", "-o", out) == 1
    root = ET.parse(out).getroot()
    assert root.get("failures") == "7" and {f.get("type") for f in root.iter("failure")} == {"Warning"}


# ---------------------------------------------------------------- a new plan in a pull request (file mode)

def test_a_new_plan_file_is_validated_with_the_shipped_data(tmp_path):
    assert run("validate", ROOT / "data" / "ttl", FIXTURES / "tiny-plan.ttl", "--plan", "tiny-plan", "-o", tmp_path / "ok") == 0
    text = (FIXTURES / "tiny-plan.ttl").read_text(encoding="utf-8")
    broken = tmp_path / "tiny-plan.ttl"
    broken.write_text(text.replace("    sp:leadUnit <org/440114/区教育局> ;\n    sp:assignment <plan/440114/2026-2030/part/"
                                   "actions/section/1/point/2/lead/1> .", "."), encoding="utf-8")
    assert broken.read_text(encoding="utf-8") != text
    out = tmp_path / "report.txt"
    assert run("validate", ROOT / "data" / "ttl", broken, "--plan", "tiny-plan", "-o", out) == 1
    assert "第2项「实施教师科学素质提升工程」" in out.read_text(encoding="utf-8")


# ---------------------------------------------------------------- usage and I/O errors: exit 2

def test_unparsable_file_names_the_file_and_line(capsys):
    assert run("validate", FIXTURES / "broken-syntax.ttl") == 2
    assert "broken-syntax.ttl:6" in capsys.readouterr().err


@pytest.mark.parametrize("args, words", [
    (["--store", "/nonexistent/store", "validate"], "sciplan build"),
    (["validate", "/nonexistent/plan.ttl"], "/nonexistent/plan.ttl"),
    (["validate", "--format", "yaml"], "--format"),
])
def test_usage_and_io_errors_exit_2(args, words, capsys):
    assert run(*args) == 2
    assert words in capsys.readouterr().err


def test_unknown_plan_exits_2(kg_store_path, capsys):
    assert run("--store", kg_store_path, "validate", "--plan", "nowhere-2022-2025") == 2
    assert "nansha-2022-2025" in capsys.readouterr().err  # the message lists the known plans


def test_the_installed_entry_point(kg_store_path):
    proc = subprocess.run([sys.executable, "-m", "sciplan.cli", "--store", str(kg_store_path), "validate",
                           "--plan", f"{BASE}plan/440700/2016-2020"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("sciplan validate：江门市全民科学素质行动计划纲要实施方案") and "没有发现问题" in proc.stdout
