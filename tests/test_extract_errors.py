"""`sciplan extract` on broken sources or curation: a clear error naming the file and place, nothing written."""

from __future__ import annotations

import shutil

import pytest
from rdflib import Graph, Namespace, URIRef

from conftest import ROOT
from sciplan.config import Settings
from sciplan.errors import TableError
from sciplan.extract import write_all
from sciplan.extract.writer import CurationError
from sciplan.iris import PLACEHOLDER

SP = Namespace(PLACEHOLDER + "def/")
NANSHA = "000_e37b814599954b21.txt"
HUADU = "004_b85080f8c17331fd.txt"


@pytest.fixture
def data(tmp_path) -> Settings:
    shutil.copytree(ROOT / "data", tmp_path / "data")
    return Settings(data_dir=tmp_path / "data" / "ttl", sources_dir=tmp_path / "data" / "sources")


def edit(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def snapshot(settings: Settings) -> dict:
    return {p: p.read_bytes() for p in settings.data_dir.rglob("*.ttl")}


def assert_fails_untouched(settings: Settings, match: str, error: type = CurationError) -> None:
    before = snapshot(settings)
    with pytest.raises(error, match=match):
        write_all(settings)
    assert snapshot(settings) == before


def test_a_huadu_row_with_a_missing_cell(data):
    edit(data.sources_dir / HUADU, "\t区教育局\n\t区总工会、区科协\n", "\t区教育局\n", )
    assert_fails_untouched(data, rf"{HUADU}: line 23: the row has 3 cells, the header 4", TableError)


def test_a_nansha_table_row_without_its_body_task(data):
    edit(data.sources_dir / NANSHA, "- 3.实施银龄科普行动。", "- 实施银龄科普行动。")
    assert_fails_untouched(data, rf"{NANSHA}: line 254: table task 3 of 实施老年人科学素质提升行动 does not match the body")


def test_a_curated_legible_name_that_is_not_in_the_cell(data):
    edit(data.data_dir.parent / "curation" / "nansha.yaml", "legible: [区委宣传部, 区教育局]", "legible: [区委宣传部, 区教育局, 区宇宙局]")
    assert_fails_untouched(data, r"actions/2/4.*区宇宙局.*not in the cell")


def test_broken_yaml_names_the_file(data):
    edit(data.data_dir.parent / "curation" / "plans.yaml", "plans:\n", "plans: [\n")
    assert_fails_untouched(data, r"plans\.yaml")


def test_a_typo_that_is_not_curated_is_a_new_unreviewed_body(data):
    edit(data.data_dir.parent / "curation" / "organizations.yaml", "    区科技工业商务信息化局区: 区科技工业商务信息化局\n", "")
    write_all(data)
    g = Graph().parse(data.data_dir / "plans" / "huadu-2022-2025.ttl", format="turtle", publicID=PLACEHOLDER)
    task, body = URIRef(PLACEHOLDER + "plan/440114/2022-2025/part/projects/section/2/point/1"), URIRef(PLACEHOLDER + "org/440114/区科技工业商务信息化局区")
    assert (task, SP.cooperatingUnit, body) in g and (body, SP.flag, URIRef(PLACEHOLDER + "scheme/flag/unreviewed-body")) in g
    assert not list(g.subjects(SP.flag, URIRef(PLACEHOLDER + "scheme/flag/typo")))


def test_an_undeclared_issuer_in_plans_yaml_is_an_error(data):
    edit(data.data_dir.parent / "curation" / "plans.yaml", "issued_by: 广州市南沙区人民政府办公室", "issued_by: 南沙区政府办")
    assert_fails_untouched(data, r"nansha-2022-2025: unit '南沙区政府办' is not a body of 440115")


def test_a_curated_cell_decision_for_no_task_of_the_table(data):
    edit(data.data_dir.parent / "curation" / "nansha.yaml", "task: projects/5/1", "task: projects/5/9")
    assert_fails_untouched(data, r"curated cell decisions name no task point of the table: projects/5/9 \(cooperating\)",
                           TableError)
