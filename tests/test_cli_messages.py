"""What `sciplan` says and exits with on each error path the README's exit-code table covers:
the query's syntax error in the endpoint's words, an empty query, a missing query file, a port in
use, and what the --check commands report when all is well."""

from __future__ import annotations

import socket

import pytest

from sciplan.cli import main

BROKEN = [
    "SELEC nonsense",
    "SELECT * WHERE { ?s ?p }",
    "SELECT * WHERE {\n  ?s ?p ?o .\n  FILTER( \n}",
]


@pytest.mark.parametrize("query", BROKEN)
def test_a_syntax_error_gives_the_endpoints_position_and_words(kg_store_path, server_client, capsys, query):
    assert main(["--store", str(kg_store_path), "query", query]) == 1
    cli = capsys.readouterr().err.strip().removeprefix("sciplan query: ")
    response = server_client.post("/sparql", data={"query": query})
    assert response.status_code == 400
    assert cli in response.get_data(as_text=True), (cli, response.get_data(as_text=True))
    assert "at line " in cli and ", column " in cli


@pytest.mark.parametrize("query", ["", "   ", "# only a comment\n"])
def test_an_empty_query_is_a_usage_error_that_says_so(kg_store_path, capsys, query):
    assert main(["--store", str(kg_store_path), "query", query]) == 2
    err = capsys.readouterr().err
    assert "the query is empty" in err and "expected" not in err.lower()


def test_an_empty_query_file_is_a_usage_error_naming_it(kg_store_path, tmp_path, capsys):
    path = tmp_path / "empty.rq"
    path.write_text("# title: nothing yet\n", encoding="utf-8")
    assert main(["--store", str(kg_store_path), "query", str(path)]) == 2
    assert f"{path}: the query is empty" in capsys.readouterr().err


def test_a_missing_query_file_exits_2_naming_it(kg_store_path, tmp_path, capsys):
    missing = tmp_path / "nothere.rq"
    assert main(["--store", str(kg_store_path), "query", str(missing)]) == 2
    err = capsys.readouterr().err
    assert f"cannot read query file {missing}: No such file or directory" in err and "Traceback" not in err


def test_a_query_file_that_is_not_utf8_exits_2(kg_store_path, tmp_path, capsys):
    path = tmp_path / "latin1.rq"
    path.write_bytes("SELECT * WHERE { ?s ?p \"caf\xe9\" }".encode("latin-1"))
    assert main(["--store", str(kg_store_path), "query", str(path)]) == 2
    assert "not UTF-8" in capsys.readouterr().err


@pytest.mark.parametrize("workers", [[], ["--workers", "1"]], ids=["development", "gunicorn"])
def test_a_port_in_use_exits_2_saying_which(kg_store_path, capsys, workers):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = main(["--store", str(kg_store_path), "serve", *workers, "--host", "127.0.0.1", "--port", str(port)])
    assert code == 2
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in err and "--port" in err


def test_an_unknown_host_exits_2(kg_store_path, capsys):
    assert main(["--store", str(kg_store_path), "serve", "--host", "no-such-host.invalid", "--port", "8080"]) == 2
    assert "--host" in capsys.readouterr().err


def test_extract_check_says_what_it_checked(capsys):
    assert main(["extract", "--check"]) == 0
    out = capsys.readouterr().out
    assert "checked " in out and "files of data/ttl: each is exactly what data/sources and data/curation give" in out


def test_align_apply_check_says_what_it_checked(capsys):
    assert main(["align", "apply", "--check"]) == 0
    out = capsys.readouterr().out
    assert "files of data/ttl/alignment: each is exactly what data/curation/derivation.yaml" in out


def test_check_reports_the_files_that_differ():
    from sciplan.generated import checked_summary

    assert checked_summary(13, 2, True, "data/ttl", "the sources") == (
        "checked 13 files of data/ttl: 2 differ from what the sources give (run the command without --check)")
    assert checked_summary(1, 0, False, "x", "y") == "x: all 1 file already up to date"
