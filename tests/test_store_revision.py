"""A store records the revision of its derived graph (sciplan.derived.REVISION), and sciplan opens only a store of
its own revision: every command and the server refuse another, saying to run `sciplan build`, rather than answer
the queries that read the derived graph's newer terms with no rows."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import server_free_port
from sciplan import derived, vocab
from sciplan.cli import main
from sciplan.config import DEFAULT_BASE
from sciplan.errors import StaleStore
from sciplan.store import BUILD_INFO, build, build_info, open_store

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

# The TERMS of each revision, as the sha256 of their sorted names joined by spaces. A change of derived.TERMS
# fails here until derived.REVISION is bumped and its fingerprint added: a store of the old revision would lack the
# new terms (or carry removed ones) and must not be opened as if it had them.
FINGERPRINTS = {1: "9c688a615ea84fcbaa74b3304eec385fc343b7a523d2168ab1b9295955f1b2a2"}


def fingerprint(terms) -> str:
    return hashlib.sha256(" ".join(sorted(terms)).encode("utf-8")).hexdigest()


@pytest.fixture(scope="module")
def built(tmp_path_factory, repo_settings):
    """The repository's KB built into a store link of this module's own (the tests rewrite its build record)."""
    settings = repo_settings.with_(store=tmp_path_factory.mktemp("revision") / "store")
    build(settings)
    return settings


def record_of(store: Path) -> Path:
    return store.resolve() / BUILD_INFO


@pytest.fixture
def with_record(built):
    """Rewrite the store's build record with the `derived` entry given; the built one is put back afterwards."""
    record = record_of(built.store)
    kept = record.read_text(encoding="utf-8")

    def rewrite(derived_entry=None, text: str | None = None) -> None:
        if text is None:
            info = json.loads(kept)
            if derived_entry is None:
                del info["derived"]["revision"]
            else:
                info["derived"]["revision"] = derived_entry
            text = json.dumps(info)
        record.write_text(text, encoding="utf-8")

    yield rewrite
    if record.exists():  # not where a test built the store again (the old build directory is then removed)
        record.write_text(kept, encoding="utf-8")


def test_the_build_records_this_revision(built):
    assert build_info(built.store)["derived"]["revision"] == derived.REVISION
    assert len(open_store(built.store)) > 10_000


def test_terms_are_what_the_build_derives(kg_store):
    sp = vocab.sp(DEFAULT_BASE)
    graph = ox.NamedNode(derived.graph_iri(DEFAULT_BASE))
    found = set()
    for quad in kg_store.quads_for_pattern(None, None, None, graph):
        term = quad.object if quad.predicate.value == vocab.RDF_TYPE else quad.predicate
        assert term.value.startswith(sp), term
        found.add(term.value.removeprefix(sp))
    assert found == derived.TERMS


def test_a_change_of_terms_comes_with_a_new_revision():
    assert derived.REVISION in FINGERPRINTS, "a new derived.REVISION: record its fingerprint above"
    assert fingerprint(derived.TERMS) == FINGERPRINTS[derived.REVISION], (
        f"derived.TERMS changed: bump derived.REVISION and record {fingerprint(derived.TERMS)} for it")


@pytest.mark.parametrize("revision, said", [
    (None, "no derived-graph revision"),
    (derived.REVISION - 1, f"derived-graph revision {derived.REVISION - 1}"),
    (derived.REVISION + 1, f"derived-graph revision {derived.REVISION + 1}"),  # a newer sciplan's store too
], ids=["none", "older", "newer"])
def test_a_store_of_another_revision_is_refused_naming_it_and_the_fix(built, with_record, revision, said):
    with_record(revision)
    with pytest.raises(StaleStore) as caught:
        open_store(built.store)
    message = str(caught.value)
    assert str(built.store) in message and said in message and "sciplan build" in message
    assert f"reads revision {derived.REVISION}" in message


@pytest.mark.parametrize("text", ["{not json", "[]", ""], ids=["broken", "a-list", "empty"])
def test_an_unreadable_build_record_is_refused(built, with_record, text):
    with_record(text=text)
    with pytest.raises(StaleStore, match=f"unreadable {BUILD_INFO}"):
        open_store(built.store)


def test_a_store_without_a_build_record_is_refused(tmp_path):
    store = ox.Store(str(tmp_path / "plain"))  # a store not made by `sciplan build`
    store.add(ox.Quad(ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"), ox.Literal("o")))
    store.flush()
    del store
    with pytest.raises(StaleStore, match="no derived-graph revision"):
        open_store(tmp_path / "plain")


@pytest.mark.parametrize("command", [["query", COUNT], ["validate"], ["export", "--format", "csv"]])
def test_commands_exit_2_on_a_stale_store(built, with_record, command, capsys):
    with_record(derived.REVISION - 1)
    assert main(["--store", str(built.store), *command]) == 2
    err = capsys.readouterr().err
    assert "sciplan build" in err and str(built.store) in err and "Traceback" not in err


def test_serve_exits_2_on_a_stale_store(built, with_record, capsys):
    with_record(None)
    assert main(["--store", str(built.store), "serve", "--port", str(server_free_port())]) == 2
    assert "no derived-graph revision" in capsys.readouterr().err


def test_building_again_is_the_fix(built, with_record, capsys):
    with_record(derived.REVISION - 1)
    with pytest.raises(StaleStore):
        open_store(built.store)
    build(built)  # a new build directory with this revision's record; the link is switched to it
    assert main(["--store", str(built.store), "query", COUNT, "--format", "csv"]) == 0
    assert int(capsys.readouterr().out.splitlines()[1]) > 10_000


def switch_to_a_stale_copy(settings) -> None:
    """Repoint the store link at a copy of the store whose record says the previous revision (what an older
    sciplan's build would leave; `sciplan build` itself only ever switches to a store of its own revision)."""
    good = settings.store.resolve()
    stale = good.parent / "build-stale"
    shutil.copytree(good, stale)
    info = json.loads((stale / BUILD_INFO).read_text(encoding="utf-8"))
    info["derived"]["revision"] = derived.REVISION - 1
    (stale / BUILD_INFO).write_text(json.dumps(info), encoding="utf-8")
    link = settings.store.parent / ".switch"
    os.symlink(os.path.relpath(stale, settings.store.parent), link)
    os.replace(link, settings.store)


def test_query_processes_switched_to_a_stale_store_answer_503_without_its_path(built):
    from server.errors import STALE_STORE, QueryFailed
    from server.executors import ProcessPool
    from server.jobs import Job

    pool = ProcessPool(built.store, size=1, timeout=30)
    try:
        assert pool.run(Job("ASK { ?s ?p ?o }", DEFAULT_BASE)).boolean is True
        switch_to_a_stale_copy(built)
        with pytest.raises(QueryFailed) as caught:
            pool.run(Job("ASK { ?s ?p ?o }", DEFAULT_BASE))
        assert caught.value.status == 503 and caught.value.message == STALE_STORE
        build(built)  # the fix, without restarting the processes
        assert pool.run(Job("ASK { ?s ?p ?o }", DEFAULT_BASE)).boolean is True
    finally:
        pool.close()


def test_a_server_switched_to_a_stale_store_answers_503_without_its_path(built, caplog):
    from server import create_app

    app = create_app(built)
    try:
        client = app.test_client()
        ask = {"query": "ASK { ?s ?p ?o }"}
        assert client.get("/sparql", query_string=ask).status_code == 200
        assert client.get("/", headers={"Accept": "text/html"}).status_code == 200
        switch_to_a_stale_copy(built)
        for path, query in (("/sparql", ask), ("/", None)):
            response = client.get(path, query_string=query, headers={"Accept": "text/plain"})
            assert response.status_code == 503, (path, response.data)
            assert b"sciplan build" in response.data and str(built.store).encode() not in response.data
        logged = [r.getMessage() for r in caplog.records]
        assert any("sciplan build" in m and str(built.store) in m for m in logged), "the operator is told where"
        build(built)  # the fix, without restarting the server
        assert client.get("/sparql", query_string=ask).status_code == 200
    finally:
        app.extensions["sciplan"].close()
