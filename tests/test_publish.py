"""`sciplan build` publishes the downloads, graph sizes and VoID description beside the store; the server only reads them."""

from __future__ import annotations

import shutil

import pyoxigraph as ox
import pytest

from sciplan import describe, export, publish, vocab
from sciplan.store import build, open_store, republish
from server import create_app


def graph_turtle(store, graph: str, prefixes: dict[str, str]) -> bytes:
    """One named graph serialized alone as Turtle: what write_dumps must write for it."""
    triples = (q.triple for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes) or b""


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


def _a_store_like(built, directory, extra=()) -> ox.Store:
    """The built store's quads with `extra` quads, in a new store on disk (as a build's: its graphs in key order)."""
    store = ox.Store(str(directory))
    store.extend(list(open_store(built.store).quads_for_pattern(None, None, None)) + list(extra))
    return store


EX = "http://example.org/"


@pytest.mark.parametrize("chunk", [publish.CHUNK, 7, 1])
@pytest.mark.parametrize("declared", [False, True], ids=["same-prefixes", "a-declared-prefix"])
def test_the_one_pass_writes_the_bytes_of_each_dump_and_of_each_graph(built, tmp_path, chunk, declared):
    """write_dumps cuts Oxigraph's TriG of each chunk into the TriG dump and the graphs' Turtle: the bytes must be
    Store.dump's and a graph's own serialization, whatever the chunks (a chunk of 1 ends at every subject change),
    with triples in the default graph, and when the data declares a prefix the dumps do not use (the Turtle is then
    serialized on its own)."""
    extra = [ox.Quad(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), ox.Literal("in the default graph\n}\t"), ox.DefaultGraph()),
             ox.Quad(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "q"), ox.NamedNode(EX + "o"), ox.DefaultGraph())]
    if declared:
        extra.append(ox.Quad(ox.NamedNode(EX), ox.NamedNode("http://purl.org/vocab/vann/preferredNamespacePrefix"),
                             ox.Literal("ex"), ox.NamedNode(EX + "graph")))
    store = _a_store_like(built, tmp_path / "copy", extra)
    prefixes = vocab.declared_prefixes(store)
    assert (prefixes == export.prefixes(built)) is not declared
    names = [name for name, _ in describe.graph_sizes(store)]
    files = {name: tmp_path / f"{number}.ttl" for number, name in enumerate(names)}
    targets = {fmt: tmp_path / f"dump.{fmt.file_extension}" for fmt in publish.DUMPED_IN_ONE_PASS}
    publish.write_dumps(store, built, targets, files, chunk=chunk)
    for fmt, target in targets.items():
        assert target.read_bytes() == export.dump(store, fmt, built), fmt
    assert sorted(p.name for p in tmp_path.glob("*.ttl")) == sorted(p.name for p in files.values())
    for name, path in files.items():
        assert path.read_bytes() == graph_turtle(store, name, prefixes), name
    if declared:
        assert b"@prefix ex: <http://example.org/>" in files[EX + "graph"].read_bytes()
