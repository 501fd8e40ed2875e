"""`sciplan build` publishes the downloads, graph sizes and VoID description beside the store; the server only reads them."""

from __future__ import annotations

import shutil

import pyoxigraph as ox
import pytest

from sciplan import describe, export, publish
from sciplan.store import build, open_store, republish
from server import create_app


@pytest.fixture
def built(tmp_path, repo_settings):
    settings = repo_settings.with_(store=tmp_path / "store")
    build(settings)
    return settings


def test_the_build_publishes_what_the_store_gives(built):
    store = open_store(built.store)
    on_disk = publish.OnDisk.of(built.store)
    assert on_disk is not None and on_disk.directory.parent == built.store.resolve(), "inside the build directory"
    assert on_disk.graph_sizes() == describe.graph_sizes(store)
    assert set(on_disk.void()) == set(describe.describe(store, built, on_disk.built))
    for dist in describe.DISTRIBUTIONS:
        if dist.rdf_format is not None:
            assert set(ox.parse(on_disk.download(dist.path), format=dist.rdf_format)) == set(store.quads_for_pattern(None, None, None))
        else:
            assert on_disk.download(dist.path) == export.export(store, "csv", built)
    for name, size in on_disk.graph_sizes():
        triples = list(ox.parse(on_disk.graph_turtle(name), format=ox.RdfFormat.TURTLE))
        assert len(triples) == size
        assert {t.triple for t in triples} == {q.triple for q in store.quads_for_pattern(None, None, None, ox.NamedNode(name))}
    assert on_disk.graph_turtle(built.base + "graph/nothing") is None


def test_a_rebuild_switches_the_published_files_with_the_store(built):
    first = publish.OnDisk.of(built.store).directory
    build(built)
    second = publish.OnDisk.of(built.store).directory
    assert first != second and not first.exists(), "the old build went, its files with it"


def test_republish_after_graphs_were_added(built):
    store = ox.Store(str(built.store.resolve()))
    extra = ox.NamedNode("http://example.org/extra-graph")
    store.add(ox.Quad(ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"), ox.Literal("o"), extra))
    store.flush()
    del store
    assert extra.value not in dict(publish.OnDisk.of(built.store).graph_sizes())
    republish(built.store, built)
    assert dict(publish.OnDisk.of(built.store).graph_sizes())[extra.value] == 1


def test_the_server_computes_none_of_them_at_request_time(built, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("computed in the web process")

    for module, name in ((describe, "describe"), (describe, "graph_sizes"), (export, "dump"), (export, "export")):
        monkeypatch.setattr(module, name, refuse)
    app = create_app(built.with_server(query_processes=1))
    try:
        client = app.test_client()
        for path in ("/void", "/downloads", "/downloads/sciplan.trig", "/downloads/sciplan.nq", "/downloads/tasks.csv",
                     "/sparql", "/graph/plans/nansha-2022-2025?format=turtle"):
            response = client.get(path, headers={"Accept": "text/turtle"})
            assert response.status_code == 200, (path, response.get_data(as_text=True)[:300])
    finally:
        app.extensions["sciplan"].close()


def test_a_store_without_published_files_is_described_from_the_store(built):
    shutil.rmtree(built.store.resolve() / publish.DIRECTORY)  # e.g. a store built before builds published
    app = create_app(built.with_server(query_processes=1))
    try:
        client = app.test_client()
        void = client.get("/void", headers={"Accept": "application/n-triples"})
        assert void.status_code == 200
        assert {q.triple for q in ox.parse(void.data, format=ox.RdfFormat.N_TRIPLES)} == \
            set(describe.describe(open_store(built.store), built, app.extensions["sciplan"].published().built))
        assert client.get("/downloads/tasks.csv").data == export.export(open_store(built.store), "csv", built)
    finally:
        app.extensions["sciplan"].close()


def test_no_publish_builds_the_store_alone_and_the_server_computes(tmp_path, repo_settings, capsys):
    from sciplan.cli import main

    store = tmp_path / "store"
    assert main(["--store", str(store), "build", "--quiet", "--no-publish"]) == 0
    assert publish.OnDisk.of(store) is None and open_store(store).query("ASK { ?s ?p ?o }", use_default_graph_as_union=True)
    app = create_app(repo_settings.with_(store=store).with_server(query_processes=1))
    try:
        assert isinstance(app.extensions["sciplan"].published(), publish.Computed)
        assert app.test_client().get("/void").status_code == 200
    finally:
        app.extensions["sciplan"].close()


@pytest.mark.parametrize("path", [d.path for d in describe.DISTRIBUTIONS])
def test_a_download_streamed_into_its_file_is_the_download(built, tmp_path, path):
    """The build streams the dumps into their files (held whole, a national build peaked at 4.5 GB); the bytes are
    those the server computes for a store published without them."""
    store = open_store(built.store)
    target = tmp_path / "download"
    publish.Computed(store, built).write_download(path, target)
    assert target.read_bytes() == publish.Computed(store, built).download(path) != b""
