"""One family of errors (sciplan/errors.py): each exit code of `sciplan`, and the HTTP status the server gives."""

from __future__ import annotations

import http.server
import threading

import pytest

from sciplan import errors
from sciplan.cli import main
from sciplan.config import Settings
from server.errors import status_for

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.mark.parametrize("cls, code", [
    (errors.SciplanError, 1), (errors.QueryError, 1), (errors.RemoteError, 1), (errors.RemoteTimeout, 1),
    (errors.RemoteTruncated, 1), (errors.RemoteRefused, 1),
    (errors.UsageError, 2), (errors.ConfigError, 2), (errors.PlanNotFound, 2), (errors.PictureError, 2),
    (errors.InputError, 2), (errors.StoreNotFound, 2), (errors.StaleStore, 2), (errors.BuildError, 2),
    (errors.ShapesError, 2), (errors.CurationError, 2),
])
def test_each_error_carries_the_exit_code_of_the_table(cls, code):
    assert issubclass(cls, errors.SciplanError) and cls("x").exit_code == code


def test_a_table_error_is_an_input_error_naming_the_file_and_place():
    from sciplan.extract.model import Excerpt

    error = errors.TableError("table.xlsx", "the row has no task title", Excerpt(None, "", sheet="分工表", row=4))
    assert isinstance(error, errors.InputError) and error.exit_code == errors.EXIT_USAGE == 2
    assert str(error) == "table.xlsx: sheet '分工表', row 4: the row has no task title"
    assert str(errors.TableError("t.csv", "not UTF-8", Excerpt(3, ""))) == "t.csv: line 3: not UTF-8"
    assert str(errors.TableError("t.ods", "unknown file type")) == "t.ods: unknown file type"


def test_exit_0_on_success(kg_store_path, capsys):
    assert main(["--store", str(kg_store_path), "query", COUNT, "--format", "csv"]) == errors.EXIT_OK
    assert int(capsys.readouterr().out.splitlines()[1]) > 10_000


def test_exit_1_when_the_query_fails(kg_store_path, capsys):
    assert main(["--store", str(kg_store_path), "query", "SELECT * WHERE { ?s ?p }"]) == 1
    assert "SPARQL syntax error" in capsys.readouterr().err


@pytest.mark.parametrize("args, words", [
    (["export", "--format", "pdf"], "--format"),                              # UsageError
    (["--base", "ftp://nowhere/", "build"], "base IRI"),                      # ConfigError
    (["--store", "/nonexistent/kg", "query", COUNT], "no store at"),          # StoreNotFound
])
def test_exit_2_on_usage_and_input_errors(args, words, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


def test_exit_2_when_the_output_cannot_be_written(kg_store_path, tmp_path, capsys):
    assert main(["--store", str(kg_store_path), "export", "--format", "csv", "--output", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert str(tmp_path) in err and "Traceback" not in err


def test_exit_2_when_the_store_cannot_be_written(tmp_path, capsys):
    (tmp_path / "file").write_text("not a directory", encoding="utf-8")
    assert main(["--store", str(tmp_path / "file" / "store"), "build", "--quiet"]) == 2
    assert "cannot write the store" in capsys.readouterr().err


def test_a_stray_value_error_is_a_bug_not_a_usage_error(kg_store_path, monkeypatch, capsys):
    import sciplan.export

    def broken(store, fmt, settings):
        raise ValueError("a bug deep inside")

    monkeypatch.setattr(sciplan.export, "export", broken)
    assert main(["--store", str(kg_store_path), "export", "--format", "csv"]) == errors.EXIT_BUG == 3
    err = capsys.readouterr().err
    assert "Traceback" in err and "ValueError: a bug deep inside" in err and "internal error" in err


def test_file_errors_names_the_file(tmp_path):
    with pytest.raises(errors.InputError, match="missing.txt"):
        with errors.file_errors(tmp_path / "missing.txt"):
            (tmp_path / "missing.txt").read_text()


# ---- the HTTP status is the server's decision ------------------------------------------------------

@pytest.mark.parametrize("error, status", [
    (errors.RemoteTimeout("slow"), 503), (errors.RemoteUnavailable("busy"), 503),
    (errors.RemoteRefused("bad query"), 400), (errors.RemoteError("down"), 502), (errors.RemoteTruncated("cut"), 502),
    (errors.InputError("disk"), 500), (errors.StaleStore("old"), 503),
])
def test_status_for_core_errors(error, status):
    assert status_for(error) == status
    assert not hasattr(error, "status"), "core errors carry exit codes, not HTTP statuses"


class _Answer(http.server.BaseHTTPRequestHandler):
    """A stand-in SPARQL store that answers every request with the status in the path's first segment."""

    def do_POST(self):  # noqa: N802
        status = int(self.path.strip("/").split("/")[0])
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"the store says no")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def answering_store():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.mark.parametrize("answer, kind, status", [
    (503, errors.RemoteUnavailable, 503), (429, errors.RemoteUnavailable, 503),
    (500, errors.RemoteError, 502), (400, errors.RemoteRefused, 400),
])
def test_remote_answers_become_kinds_of_error_and_the_server_picks_the_status(answering_store, answer, kind, status):
    from sciplan.backend import open_backend
    from server import create_app

    url = f"{answering_store}/{answer}/sparql"
    with pytest.raises(kind) as caught:
        open_backend(Settings(), url).query("ASK {}")
    assert type(caught.value) is kind
    app = create_app(Settings().with_remote(url))
    response = app.test_client().get("/sparql", query_string={"query": "ASK {}"}, headers={"Accept": "application/json"})
    assert response.status_code == status and b"the store says no" in response.data
