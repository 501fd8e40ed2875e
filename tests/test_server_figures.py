"""Figures on resource pages: the plan's derivation chain and tree as SVG images."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET

import pytest

NANSHA = "/plan/440115/2022-2025"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed (Debian: graphviz)")


def test_plan_page_embeds_its_figures(server_client):
    html = server_client.get(NANSHA, headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'src="?figure=0-chain"' in html and 'src="?figure=9-tree"' in html


def test_pages_of_other_types_have_no_figures(server_client):
    html = server_client.get("/place/440115", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "?figure=" not in html


@needs_dot
def test_chain_figure_is_svg_naming_the_plans_above(server_client):
    response = server_client.get(NANSHA, query_string={"figure": "0-chain"})
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    svg = response.get_data(as_text=True)
    ET.fromstring(svg.encode("utf-8"))  # well-formed
    for number in ("穗府〔2022〕4号", "粤府〔2021〕76号", "国发〔2021〕9号"):
        assert number in svg


@needs_dot
def test_tree_figure_shows_tasks_and_lead_units(server_client):
    svg = server_client.get(NANSHA, query_string={"figure": "9-tree"}).get_data(as_text=True)
    assert "实施银龄科普行动" in svg and "区卫生健康局" in svg


@pytest.mark.parametrize("path, name", [(NANSHA, "no-such-figure"), ("/place/440115", "0-chain"), ("/plan/nowhere", "0-chain")])
def test_unknown_figures_are_404(server_client, path, name):
    response = server_client.get(path, query_string={"figure": name})
    assert response.status_code == 404
    assert "Traceback" not in response.get_data(as_text=True)
