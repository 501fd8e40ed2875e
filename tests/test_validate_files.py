"""`sciplan validate --plan` of files: a large file without plans is read only as far as the plan's files name it."""

from __future__ import annotations

import pytest

import sciplan.validate as validate
from sciplan.validate import load_files, validate_files

PLANS = ["national-2021-2035", "guangdong-2021-2025", "guangzhou-2022-2025"]


def _files(settings, plan: str, organizations=None) -> list:
    data = settings.data_dir
    return ([data / "jurisdictions.ttl", organizations or data / "organizations.ttl", data / "schemes.ttl"]
            + [data / "plans" / f"{p}.ttl" for p in PLANS + [plan]])


def _key(v) -> list:
    return sorted((f.rule.id, f.focus, f.component, f.value or "", f.message) for f in v.findings)


@pytest.mark.parametrize("plan", ["nansha-2022-2025", "huadu-2022-2025"])
def test_a_large_file_read_in_part_gives_the_same_results(repo_settings, monkeypatch, plan):
    whole = validate_files(_files(repo_settings, plan), repo_settings, plan=plan)
    monkeypatch.setattr(validate, "LARGE_FILE", 0)  # every data file "large": organizations.ttl read in part
    part = validate_files(_files(repo_settings, plan), repo_settings, plan=plan)
    assert _key(part) == _key(whole) and whole.findings  # 南沙's and 花都's warnings, with their units' names
    org = repo_settings.base + "graph/organizations"
    sizes = [sum(1 for _ in load_files(_files(repo_settings, plan), repo_settings, p).quads_for_pattern(
        None, None, None, __import__("pyoxigraph").NamedNode(org))) for p in (None, plan)]
    assert 0 < sizes[1] < sizes[0]  # only the bodies the plans name, and their parents


def test_a_body_of_another_jurisdiction_is_found_when_read_in_part(repo_settings, monkeypatch, tmp_path):
    """The plan names a body of another jurisdiction: its statements are read, and the rule fires."""
    monkeypatch.setattr(validate, "LARGE_FILE", 0)
    plan = "huadu-2022-2025"
    text = (repo_settings.data_dir / "plans" / f"{plan}.ttl").read_text(encoding="utf-8")
    changed = tmp_path / "plans" / f"{plan}.ttl"
    changed.parent.mkdir()
    assert "<org/440114/区教育局>" in text
    changed.write_text(text.replace("<org/440114/区教育局>", "<org/440115/区教育局>", 1), encoding="utf-8")
    files = _files(repo_settings, plan)[:-1] + [changed]
    found = [f for f in validate_files(files, repo_settings, plan=plan).findings if f.rule.id == "UnitJurisdictionShape"]
    assert found and all("440115" in (f.value or "") for f in found)
