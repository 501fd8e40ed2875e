"""SVG pictures of a plan: its derivation chain and its tree (Graphviz `dot`)."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET

import pytest

from sciplan import cli, pictures

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz `dot` (Debian: apt-get install graphviz)")

SVG = "{http://www.w3.org/2000/svg}"
NANSHA = "plan/440115/2022-2025"


def texts(svg: str) -> str:
    root = ET.fromstring(svg.encode("utf-8"))
    return "".join(t.text or "" for t in root.iter(SVG + "text"))


def nodes(svg: str) -> list:
    root = ET.fromstring(svg.encode("utf-8"))
    return [g for g in root.iter(SVG + "g") if g.get("class") == "node"]


def test_chain_names_every_plan_up_to_the_national_one(align_store, repo_settings):
    svg = pictures.render(align_store, repo_settings, NANSHA, "chain")
    words = texts(svg)
    for number in ("穗南府[2022]7号", "穗府〔2022〕4号", "粤府〔2021〕76号", "国发〔2021〕9号"):
        assert number in words
    assert len(nodes(svg)) == 4


def test_inferred_basis_is_dashed(align_store, repo_settings):
    svg = pictures.render(align_store, repo_settings, repo_settings.base + "plan/440114/2022-2025", "chain")
    assert "inferred" in texts(svg)
    assert 'stroke-dasharray' in svg
    assert "国发〔2021〕9号" in texts(svg)        # through the city plan


def test_jiangmen_chain_reaches_the_2006_framework(align_store, repo_settings):
    words = texts(pictures.render(align_store, repo_settings, "plan/440700/2016-2020", "chain"))
    for number in ("江府办〔2017〕9号", "粤府办〔2016〕64号", "国办发〔2016〕10号", "国发〔2006〕7号"):
        assert number in words


def test_tree_has_parts_sections_tasks_and_lead_units(align_store, repo_settings):
    svg = pictures.render(align_store, repo_settings, NANSHA, "tree")
    assert len(nodes(svg)) == 1 + 2 + 11 + 39
    words = texts(svg)
    assert "创新现代科技馆体系" in words.replace("\n", "")
    assert "牵头: 区科协" in words


def test_tree_shows_units_stated_per_section(align_store, repo_settings):
    svg = pictures.render(align_store, repo_settings, "plan/440700/2016-2020", "tree")
    assert len(nodes(svg)) == 1 + 1 + 10 + 36
    assert "牵头: 市教育局" in texts(svg)


def test_cli_writes_the_svg(kg_store_path, align_store, tmp_path):
    out = tmp_path / "chain.svg"
    assert cli.main(["--store", str(kg_store_path), "picture", "--plan", NANSHA, "--kind", "chain", "-o", str(out)]) == 0
    ET.parse(out)


def test_unknown_plan_is_a_usage_error(kg_store_path, align_store, capsys):
    assert cli.main(["--store", str(kg_store_path), "picture", "--plan", "plan/999999/2000-2001"]) == 2
    assert "no plan" in capsys.readouterr().err


def test_rendered_pictures_in_docs_are_svg():
    from conftest import ROOT

    for name in ("nansha-chain.svg", "nansha-tree.svg"):
        root = ET.parse(ROOT / "docs" / "img" / name).getroot()
        assert root.tag == SVG + "svg"
