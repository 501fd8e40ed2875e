"""The query editor (/query), its assets and completions, and the examples gallery (/queries)."""

from __future__ import annotations

import html as html_module
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

import server.query_page as query_page
from sciplan.errors import ConfigError
from server.views import read_header


def test_old_query_links_redirect_to_the_editor(server_client):
    response = server_client.get("/", query_string={"query": "ASK {}", "run": "0"})
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert target.path == "/query"
    assert parse_qs(target.query) == {"query": ["ASK {}"], "run": ["0"]}


def test_editor_keeps_the_query_from_the_url(server_client):
    html = server_client.get("/query", query_string={"query": "SELECT ?x <b> WHERE {}"}).get_data(as_text=True)
    assert "SELECT ?x &lt;b&gt; WHERE {}</textarea>" in html
    assert 'data-run="1"' in html
    assert 'data-run="0"' in server_client.get("/query?query=ASK{}&run=0").get_data(as_text=True)


def test_editor_offers_every_format_the_endpoint_speaks(server_client):
    html = server_client.get("/query").get_data(as_text=True)
    for name in ("json", "xml", "csv", "tsv", "turtle", "ntriples", "rdfxml", "jsonld"):
        assert f'data-format="{name}"' in html, name
        assert server_client.post("/sparql", data={"query": "ASK {}" if name in ("json", "xml", "csv", "tsv")
                                                   else "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1", "format": name}).status_code == 200


@pytest.mark.skipif(not query_page.editor_installed(), reason="the editor's files are not installed (run `npm ci`)")
def test_editor_assets_are_served_locally(server_client):
    html = server_client.get("/query").get_data(as_text=True)
    assert "/query/assets/yasgui.min.js" in html and "/query/assets/yasgui.min.css" in html
    assert 'id="editor-missing"' not in html
    script = server_client.get("/query/assets/yasgui.min.js")
    assert script.status_code == 200 and b"Yasqe" in script.data
    assert server_client.get("/query/assets/../package.json").status_code == 404
    assets = re.findall(r'<script src="([^"]+)"', html) + re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert len(assets) >= 4 and not [a for a in assets if not a.startswith("/")], "every asset from this server"


def test_without_the_assets_the_page_is_a_plain_editor_and_says_so(server_client, monkeypatch, tmp_path):
    monkeypatch.setattr(query_page, "EDITOR_ASSETS", tmp_path / "missing")
    html = server_client.get("/query").get_data(as_text=True)
    assert 'id="editor-missing"' in html and "npm ci" in html
    assert "yasgui.min.js" not in html
    assert "query-page.js" in html, "the plain page still runs queries"
    response = server_client.get("/query/assets/yasgui.min.js")
    assert response.status_code == 404 and "npm ci" in response.get_data(as_text=True)


def test_completions_carry_our_prefixes_and_ontology_terms(server_client, server_settings):
    data = server_client.get("/query/completions.json").json
    sp = server_settings.base + "def/"
    assert data["prefixes"]["sp"] == sp and data["prefixes"]["eli"] == "http://data.europa.eu/eli/ontology#"
    terms = {t["iri"]: t for t in data["terms"]}
    assert terms[sp + "TaskPoint"]["kind"] == "class"
    assert terms[sp + "leadUnit"]["kind"] == "property"
    assert terms[sp + "TaskPoint"]["label"].get("zh")
    assert terms[sp + "TaskPoint"]["short"] == "sp:TaskPoint"


def test_labels_of_result_iris(server_client, server_settings):
    plan = server_client.post("/sparql", data={"query": f"SELECT ?p WHERE {{ ?p a <{server_settings.base}def/Plan> }} LIMIT 1"}
                              ).json["results"]["bindings"][0]["p"]["value"]
    found = server_client.post("/query/labels", json=[plan, "urn:x-nothing", "http://x/<bad>"]).json
    assert set(found) == {plan} and found[plan]


@pytest.mark.parametrize("body", [{"a": 1}, [1, 2], "text", None])
def test_labels_refuse_what_is_not_a_list_of_iris(server_client, body):
    response = server_client.post("/query/labels", json=body) if body is not None else server_client.post("/query/labels")
    assert response.status_code == 400
    assert "JSON list" in response.get_data(as_text=True)


def test_labels_refuse_too_many(server_client):
    response = server_client.post("/query/labels", json=[f"http://x/{i}" for i in range(query_page.LABELS_MAX + 1)])
    assert response.status_code == 400 and "at most" in response.get_data(as_text=True)


# ---- the gallery


def test_gallery_shows_every_query_with_run_and_open_links(server_client, repo_settings):
    html = server_client.get("/queries").get_data(as_text=True)
    files = sorted(repo_settings.queries_dir.glob("*.rq"))
    assert files, "queries/ should hold example queries"
    for path in files:
        card = re.search(rf'<article class="example-card" id="q-{path.stem}".*?</article>', html, re.S)
        assert card, f"{path.name} is not in the gallery"
        text = html_module.unescape(card.group(0))
        example = query_page.read_example(path)
        assert example.zh and example.zh in text and example.en in text
        assert (read_header(path.read_text(encoding="utf-8"), "title") or "").startswith(example.zh)
        run = html_module.unescape(re.search(r'class="run" href="([^"]+)"', card.group(0)).group(1))
        opened = html_module.unescape(re.search(r'class="open" href="([^"]+)"', card.group(0)).group(1))
        assert urlsplit(run).path == "/query" and parse_qs(urlsplit(run).query) == {"query": [path.read_text(encoding="utf-8")]}
        assert parse_qs(urlsplit(opened).query)["run"] == ["0"]


def test_gallery_groups_follow_gallery_yaml(server_client, repo_settings):
    layout = yaml.safe_load((repo_settings.queries_dir / "gallery.yaml").read_text(encoding="utf-8"))
    ids = [g["id"] for g in layout["groups"]]
    assert {"derivation", "division-of-work", "comparison", "targets", "data-quality"} <= set(ids)
    html = server_client.get("/queries").get_data(as_text=True)
    positions = [html.index(f'<section class="gallery-group" id="{i}">') for i in ids]
    assert positions == sorted(positions)
    derivation = html[positions[0]:positions[1]]
    for name in layout["groups"][0]["queries"]:
        assert f'id="q-{name}"' in derivation


def test_queries_in_no_group_fall_into_other(tmp_path):
    (tmp_path / "a.rq").write_text("# title: 甲 First\n# Question: what is a?\n#  more words\n# Answer for 甲: yes\nASK {}\n",
                                   encoding="utf-8")
    (tmp_path / "b.rq").write_text("# title: 乙（二）Second\nASK {}\n", encoding="utf-8")
    (tmp_path / "gallery.yaml").write_text("groups:\n  - {id: g, zh: 组, en: Group, queries: [a]}\n", encoding="utf-8")
    groups = query_page.gallery(tmp_path)
    assert [(g.id, [e.name for e in g.examples]) for g in groups] == [("g", ["a"]), ("other", ["b"])]
    a, b = groups[0].examples[0], groups[1].examples[0]
    assert (a.zh, a.en, a.question) == ("甲", "First", "what is a? more words")
    assert (b.zh, b.en) == ("乙（二）", "Second")


def test_a_gallery_entry_without_its_file_is_an_error(tmp_path):
    (tmp_path / "gallery.yaml").write_text("groups:\n  - {id: g, queries: [gone]}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="gone"):
        query_page.gallery(tmp_path)


def test_gallery_without_a_layout_lists_everything_under_other(tmp_path):
    (tmp_path / "x.rq").write_text("ASK {}\n", encoding="utf-8")
    groups = query_page.gallery(tmp_path)
    assert [(g.id, [e.name for e in g.examples]) for g in groups] == [("other", ["x"])]
    assert groups[0].examples[0].zh == "x"
