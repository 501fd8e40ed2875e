"""SVG pictures of a plan: its derivation chain and its tree, laid out in Python (no system package)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from sciplan import cli, pictures

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


@pytest.mark.parametrize("plan, kind", [(NANSHA, "chain"), (NANSHA, "tree"), ("plan/440700/2016-2020", "tree"),
                                        ("plan/440114/2022-2025", "chain")])
def test_pictures_fit_a_phone_with_legible_text(align_store, repo_settings, plan, kind):
    """One column at most WIDTH units wide (a 390 px phone shows it about 1:1), no text smaller
    than 10 units, and every line of text inside the picture by its estimated width."""
    root = ET.fromstring(pictures.render(align_store, repo_settings, plan, kind).encode("utf-8"))
    _, _, width, height = (float(v) for v in root.get("viewBox").split())
    assert width <= 390 and height > 0
    for text in root.iter(SVG + "text"):
        size = float(text.get("font-size"))
        assert size >= 10, text.text
        assert float(text.get("x")) + pictures.text_width(text.text or "", size) <= width, text.text
        assert 0 < float(text.get("y")) <= height


def test_nodes_link_through_the_given_mapping(align_store, repo_settings):
    local = pictures.render(align_store, repo_settings, NANSHA, "chain",
                            href=lambda iri: "/local/" + iri.removeprefix(repo_settings.base))
    links = [a.get("href") for a in ET.fromstring(local.encode("utf-8")).iter(SVG + "a")]
    assert sorted(links) == sorted("/local/" + p for p in (NANSHA, "plan/440100/2022-2025", "plan/440000/2021-2025",
                                                           "plan/cn/2021-2035"))
    public = pictures.render(align_store, repo_settings, NANSHA, "chain")
    assert f'href="{repo_settings.base}plan/cn/2021-2035"' in public, "without a mapping, nodes link to the IRIs"


def test_tree_lists_task_points_in_printed_order(align_store, repo_settings):
    svg = pictures.render(align_store, repo_settings, NANSHA, "tree")
    links = [a.get("href") for a in ET.fromstring(svg.encode("utf-8")).iter(SVG + "a")]
    section = [h for h in links if re.search(r"/part/actions/section/4/point/\d+$", h)]
    assert [h.rsplit("/", 1)[1] for h in section] == ["1", "2", "3"]


@pytest.mark.parametrize("text, width", [("广州市南沙区全民科学素质行动规划纲要实施方案(2022-2025年)", 120),
                                         ("Implementation Plan of Nansha District 2022-2025", 100), ("短", 50)])
def test_wrap_keeps_every_character_and_each_line_within_the_width(text, width):
    lines = pictures.wrap(text, width)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert all(pictures.text_width(line) <= width for line in lines)
