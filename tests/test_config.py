"""Configuration (sciplan/config.py): loaded once from the environment and the flags, typed, documented in one table."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from sciplan.config import (DEFAULT_BASE, SOURCE_CHECKOUT, RemoteOptions, ServerOptions, Settings, load_settings,
                            variables)
from sciplan.errors import ConfigError

DOC = ROOT / "docs" / "configuration.md"


def test_every_variable_reaches_its_typed_field(tmp_path):
    (tmp_path / "ontology").mkdir()
    env = {
        "SCIPLAN_ROOT": str(tmp_path), "SCIPLAN_BASE": "http://example.org/kg/", "SCIPLAN_STORE": "/srv/kg",
        "SCIPLAN_VALIDATE_THREADS": "3",
        "SCIPLAN_QUERY_TIMEOUT": "2.5", "SCIPLAN_MAX_ROWS": "7", "SCIPLAN_MAX_REQUEST_BYTES": "1000",
        "SCIPLAN_QUERY_PROCESSES": "3", "SCIPLAN_QUERY_SHARE": "2", "SCIPLAN_READ_TIMEOUT": "3", "SCIPLAN_QUERY_MEMORY_MB": "0", "SCIPLAN_SERVICE_ALLOWLIST": "http://a/ http://b/",
        "SCIPLAN_PROXY_FIX": "on", "SCIPLAN_LEAN_FRONT": "off", "SCIPLAN_LABEL_LANGUAGES": "en zh", "SCIPLAN_VIEWS_DIR": "/srv/views",
        "SCIPLAN_SPARQL_URL": "http://127.0.0.1:8890/sparql", "SCIPLAN_SPARQL_DATASET": " Union ",
        "SCIPLAN_SPARQL_TIMEOUT": "4", "SCIPLAN_SPARQL_PAGE": "100", "SCIPLAN_SPARQL_GRAPH_PREFIX": "http://x/g/",
        "SCIPLAN_SPARQL_GRAPH_TTL": "1", "SCIPLAN_PUBLIC_URL": "https://kg.example.org/sparql",
    }
    assert set(env) == set(variables()), "the sample sets every variable sciplan reads"
    s = load_settings(env)
    assert (s.root, s.base, s.store, s.data_dir) == (tmp_path, "http://example.org/kg/", Path("/srv/kg"), tmp_path / "data/ttl")
    assert s.validate_threads == 3
    assert s.server == ServerOptions(query_timeout=2.5, max_rows=7, max_request_bytes=1000, query_processes=3,
                                     query_share=2, read_timeout=3.0, query_memory_mb=0, service_allowlist=("http://a/", "http://b/"), proxy_fix=True,
                                     lean_front=False, label_languages=("en", "zh"), views_dir=Path("/srv/views"),
                                     public_url="https://kg.example.org/sparql")
    assert s.remote == RemoteOptions(url="http://127.0.0.1:8890/sparql", dataset="union", timeout=4.0, page=100,
                                     graph_prefix="http://x/g/", graph_ttl=1.0)


def test_defaults_without_variables():
    s = load_settings({})
    assert s.base == DEFAULT_BASE and s.server == ServerOptions() and s.remote is None
    assert s.store == s.root / "var" / "store"


def test_flags_win_over_the_environment(tmp_path):
    other = tmp_path / "other"
    (other / "ontology").mkdir(parents=True)
    env = {"SCIPLAN_ROOT": str(ROOT), "SCIPLAN_STORE": "/env/store", "SCIPLAN_BASE": "http://env.example/"}
    s = load_settings(env, root=other, store=tmp_path / "s", base="http://flag.example/")
    assert (s.root, s.store, s.base) == (other, tmp_path / "s", "http://flag.example/")
    assert s.ontology_dir == other / "ontology" and s.shapes_dir == other / "shapes"


@pytest.mark.parametrize("env, flags, words", [
    ({"SCIPLAN_MAX_ROWS": "many"}, {}, "SCIPLAN_MAX_ROWS: expected a int"),
    ({"SCIPLAN_SPARQL_TIMEOUT": "soon", "SCIPLAN_SPARQL_URL": "http://a/"}, {}, "SCIPLAN_SPARQL_TIMEOUT"),
    ({"SCIPLAN_SPARQL_URL": "ftp://a/"}, {}, "SCIPLAN_SPARQL_URL must be an http(s) URL"),
    ({"SCIPLAN_BASE": "https://no-slash"}, {}, "SCIPLAN_BASE: base IRI"),
    ({}, {"base": "urn:x/"}, "--base: base IRI"),
    ({"SCIPLAN_ROOT": "/nonexistent"}, {}, "SCIPLAN_ROOT: /nonexistent is not a data root"),
    ({}, {"root": "/nonexistent"}, "--root: /nonexistent is not a data root"),
])
def test_bad_values_are_config_errors_naming_the_setting(env, flags, words):
    with pytest.raises(ConfigError) as caught:
        load_settings(env, **flags)
    assert words in str(caught.value)


def test_the_data_root_is_the_current_directory_when_it_holds_ontology(tmp_path, monkeypatch):
    (tmp_path / "ontology").mkdir()
    monkeypatch.chdir(tmp_path)
    assert load_settings({}).root == tmp_path
    monkeypatch.chdir(tmp_path / "ontology")  # no ontology/ here: the source checkout (editable install), else here
    assert load_settings({}).root == (SOURCE_CHECKOUT or tmp_path / "ontology")


def test_remote_store_resolves_the_graph_prefix_and_the_endpoint_flag():
    assert Settings().remote_store() is None
    remote = Settings(base="http://example.org/kg/").remote_store("http://127.0.0.1:1/sparql")
    assert remote.url == "http://127.0.0.1:1/sparql" and remote.graph_prefix == "http://example.org/kg/graph/"
    configured = Settings().with_remote("http://a.example/sparql", page=10).remote_store("http://b.example/sparql")
    assert configured.url == "http://b.example/sparql" and configured.page == 10


def test_no_sciplan_variable_reaches_a_test():
    """The autouse clean_environment fixture (tests/conftest.py) removes the developer's SCIPLAN_* variables."""
    assert not [n for n in os.environ if n.startswith("SCIPLAN_")]
    assert load_settings().remote is None


def test_a_developers_remote_store_cannot_capture_the_tests():
    env = {**os.environ, "SCIPLAN_SPARQL_URL": "http://127.0.0.1:1/sparql", "SCIPLAN_MAX_ROWS": "1"}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "tests/test_config.py::test_no_sciplan_variable_reaches_a_test"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout + done.stderr


def test_every_variable_is_in_the_one_table():
    """docs/configuration.md documents exactly the variables sciplan reads, in one table; no other doc has a table of them."""
    rows = re.findall(r"^\| `(SCIPLAN_[A-Z_]+)` \|", DOC.read_text(encoding="utf-8"), re.M)
    assert sorted(rows) == sorted(variables()) and len(rows) == len(set(rows))
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        if doc != DOC:
            assert not re.search(r"^\| `SCIPLAN_", doc.read_text(encoding="utf-8"), re.M), f"{doc}: a second table of variables"
