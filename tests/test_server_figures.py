"""Figures on resource pages: the plan's derivation chain and tree, inline SVG whose nodes link to
this server's own pages; a figure that cannot be drawn is a sentence, never a broken image."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

NANSHA = "/plan/440115/2022-2025"
SVG = "{http://www.w3.org/2000/svg}"


def figure_svg(html: str, name: str) -> ET.Element:
    found = re.search(rf'<div class="figure" id="figure-{name}">(<svg.*?</svg>)', html, re.S)
    assert found, f"figure {name} is not inline on the page"
    return ET.fromstring(found.group(1).encode("utf-8"))


def test_plan_page_embeds_its_figures_inline_without_images(server_client):
    html = server_client.get(NANSHA, headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "<img" not in html
    for name in ("0-chain", "9-tree"):
        figure_svg(html, name)
        assert f'href="?figure={name}"' in html, "the SVG file itself is linked for download"


def test_figure_nodes_link_to_this_servers_pages(server_client):
    html = server_client.get(NANSHA, headers={"Accept": "text/html"}).get_data(as_text=True)
    chain = figure_svg(html, "0-chain")
    links = [a.get("href") for a in chain.iter(SVG + "a")]
    assert len(links) == 4 and all(link.startswith("/plan/") for link in links), links
    assert "/plan/cn/2021-2035" in links
    tree = [a.get("href") for a in figure_svg(html, "9-tree").iter(SVG + "a")]
    assert len(tree) == 1 + 2 + 11 + 39 and not [h for h in tree if h.startswith("http")]


def test_figures_under_a_url_prefix_keep_the_prefix(server_client):
    html = server_client.get(NANSHA, headers={"Accept": "text/html"}, environ_base={"SCRIPT_NAME": "/kg"},
                             base_url="http://localhost/kg/").get_data(as_text=True)
    links = [a.get("href") for a in figure_svg(html, "0-chain").iter(SVG + "a")]
    assert links and all(link.startswith("/kg/plan/") for link in links), links


def test_a_figure_that_cannot_be_drawn_is_a_sentence(server_app, server_client, monkeypatch):
    from sciplan import pictures

    def broken(*args, **kwargs):
        raise RuntimeError("the layout failed on purpose")

    monkeypatch.setattr(pictures, "chain_svg", broken)
    server_app.extensions["sciplan"]._cache.clear()  # figures drawn by earlier tests are memoized
    response = server_client.get("/plan/440114/2022-2025", headers={"Accept": "text/html"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<img" not in html
    assert re.search(r'<p class="figure-missing" id="figure-0-chain">[^<]*the layout failed on purpose', html)
    figure_svg(html, "9-tree")  # the other figure still shows
    assert server_client.get("/plan/440114/2022-2025", query_string={"figure": "0-chain"}).status_code == 503


def test_pages_of_other_types_have_no_figures(server_client):
    html = server_client.get("/place/440115", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "?figure=" not in html


def test_chain_figure_is_svg_naming_the_plans_above(server_client):
    response = server_client.get(NANSHA, query_string={"figure": "0-chain"})
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    svg = response.get_data(as_text=True)
    ET.fromstring(svg.encode("utf-8"))  # well-formed
    for number in ("穗府〔2022〕4号", "粤府〔2021〕76号", "国发〔2021〕9号"):
        assert number in svg
    assert 'href="/plan/cn/2021-2035"' in svg


def test_tree_figure_shows_tasks_and_lead_units(server_client):
    svg = server_client.get(NANSHA, query_string={"figure": "9-tree"}).get_data(as_text=True)
    assert "实施银龄科普行动" in svg and "区卫生健康局" in svg


@pytest.mark.parametrize("path, name", [(NANSHA, "no-such-figure"), ("/place/440115", "0-chain"), ("/plan/nowhere", "0-chain")])
def test_unknown_figures_are_404(server_client, path, name):
    response = server_client.get(path, query_string={"figure": name})
    assert response.status_code == 404
    assert "Traceback" not in response.get_data(as_text=True)


def test_the_national_plan_shows_the_register_tree(server_client):
    """Every plan of the graph with its bases, inline on the national plan's page, nodes linking here."""
    from conftest import ROOT
    import yaml

    html = server_client.get("/plan/cn/2021-2035", headers={"Accept": "text/html"}).get_data(as_text=True)
    tree = figure_svg(html, "7-register")
    links = {a.get("{http://www.w3.org/1999/xlink}href") or a.get("href") for a in tree.iter(SVG + "a")}
    register = yaml.safe_load((ROOT / "data" / "curation" / "register.yaml").read_text(encoding="utf-8"))["plans"]
    plans = yaml.safe_load((ROOT / "data" / "curation" / "plans.yaml").read_text(encoding="utf-8"))["plans"]
    # a node per plan: the register's entries that are not plans.yaml plans, and every plans.yaml plan
    numbers = {p.get("number") for p in plans}
    linked = sum(1 for e in register if any(f["field"] == "number" and (f.get("normalized") or f["value"]) in numbers
                                            for f in e["facts"]))
    assert len(links) >= len(register) - linked + len(plans) - 2 and all(link.startswith("/plan/") for link in links)
    assert "/plan/360100/2021-2025" in links       # 南昌 洪府发〔2021〕27号


def test_other_plans_do_not_show_the_register_tree(server_client):
    html = server_client.get(NANSHA, headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'id="figure-7-register"' not in html
    assert server_client.get(NANSHA, query_string={"figure": "7-register"}).status_code == 404
