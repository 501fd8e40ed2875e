"""The /sparql fast path (server/fast_path.py) against the Flask handler it stands in front of.

Each request goes once through the whole app (the fast path first) and once straight to the Flask
handler behind it; status, headers (but Date) and body must be the same, and so the access-log line
but its time. The common cases must be answered by the fast path without Flask, every other case by
Flask, and a query the fast path already ran (a refusal, a 406) must not run twice.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl, quote, quote_plus, unquote_plus as urllib_unquote_plus

import pyoxigraph as ox
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from werkzeug.test import Client

from server import create_app
from server.fast_path import Fallthrough, FastPath, unquote_plus

SELECT = "SELECT ?p ?t WHERE { ?p a <https://w3id.org/sciplan/def/Plan> . OPTIONAL { ?p ?x ?t } } ORDER BY ?p ?t LIMIT 7"
CHINESE = 'SELECT ?s WHERE { ?s ?p "南沙区" } LIMIT 3'
ASK = "ASK { ?s ?p ?o }"
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 5"
FORM = "application/x-www-form-urlencoded"
QUERY_BODY = "application/sparql-query"

# (method, path with query string, headers, body) the fast path answers itself
FAST = [
    ("GET", "/sparql?query=" + quote(SELECT), {}, b""),
    ("GET", "/sparql/?query=" + quote(SELECT), {"Accept": "application/sparql-results+json"}, b""),
    ("GET", "/sparql?query=" + quote(SELECT), {"Accept": "application/sparql-results+xml"}, b""),
    ("GET", "/sparql?query=" + quote(SELECT), {"Accept": "text/csv"}, b""),
    ("GET", "/sparql?query=" + quote(SELECT), {"Accept": "text/tab-separated-values, */*;q=0.1"}, b""),
    ("GET", "/sparql?query=" + quote(SELECT) + "&format=csv", {"Accept": "application/json"}, b""),
    ("GET", "/sparql?format=xml&query=" + quote(CHINESE), {}, b""),
    ("GET", "/sparql?query=" + quote(ASK), {"Accept": "*/*"}, b""),
    ("GET", "/sparql?query=" + quote(CONSTRUCT), {}, b""),
    ("GET", "/sparql?query=" + quote(CONSTRUCT), {"Accept": "application/n-triples"}, b""),
    ("POST", "/sparql", {"Content-Type": QUERY_BODY}, SELECT.encode()),
    ("POST", "/sparql", {"Content-Type": QUERY_BODY + "; charset=UTF-8", "Accept": "text/csv"}, CHINESE.encode()),
    ("POST", "/sparql", {"Content-Type": FORM}, ("query=" + quote(CHINESE) + "&format=tsv").encode()),
    ("POST", "/sparql/", {"Content-Type": FORM, "Accept": "application/sparql-results+json"},
     ("query=" + quote(ASK)).encode()),
    ("POST", "/sparql", {"Content-Type": FORM}, ("query=" + quote_plus(CHINESE + " # \\ %41 + & =")).encode()),
    ("POST", "/sparql", {"Content-Type": FORM}, ("format=json&&query=" + quote(SELECT).lower() + "&").encode()),
]
# the cases Flask answers
FLASK = [
    ("GET", "/sparql", {}, b""),                                                          # service description
    ("GET", "/sparql?query=" + quote(SELECT), {"Accept": "text/html"}, b""),                # a browser: 303
    ("HEAD", "/sparql?query=" + quote(SELECT), {}, b""),
    ("OPTIONS", "/sparql", {}, b""),
    ("GET", "/sparql?update=" + quote("CLEAR ALL"), {}, b""),                              # 403
    ("GET", "/sparql?query=" + quote(SELECT) + "&query=" + quote(ASK), {}, b""),           # 400
    ("GET", "/sparql?query=%20", {}, b""),                                                 # empty: 400
    ("GET", "/sparql?query=ASK%7B%FF%7D", {}, b""),                                         # not UTF-8: 400
    ("GET", "/sparql?query=" + quote(SELECT) + "&format=yaml", {}, b""),                   # 400
    ("GET", "/sparql?query=" + quote(SELECT), {"Accept": "image/png"}, b""),                # 406
    ("GET", "/sparql?query=" + quote(SELECT) + "&default-graph-uri=nope", {}, b""),        # 400
    ("GET", "/sparql?query=" + quote(SELECT) + "&default-graph-uri=" + quote("http://example.org/g"), {}, b""),
    ("POST", "/sparql", {"Content-Type": "text/plain"}, SELECT.encode()),                  # 415
    ("POST", "/sparql", {"Content-Type": QUERY_BODY + "; charset=latin1"}, SELECT.encode()),
    ("POST", "/sparql", {"Content-Type": QUERY_BODY}, b"ASK {\xff}"),                      # 400
    ("POST", "/sparql?query=x", {"Content-Type": QUERY_BODY}, SELECT.encode()),            # 400
    ("POST", "/sparql", {"Content-Type": FORM}, "query=区".encode()),                      # raw UTF-8 in a form
    ("POST", "/sparql", {"Content-Type": FORM}, b"update=CLEAR+ALL"),                       # 403
    ("POST", "/sparql", {"Content-Type": FORM}, b"query=ASK%7B%7D%zz"),                     # a bare '%': werkzeug keeps it
    ("POST", "/sparql", {"Content-Type": FORM}, b"query=ASK%7B%E5%8C%7D"),                  # escapes that are not UTF-8: 400
    ("POST", "/sparql", {"Content-Type": FORM}, b"query=ASK{}&query=ASK{}"),                # 400
    ("POST", "/sparql", {"Content-Type": FORM}, b"qu%65ry=ASK{}&timeout=3"),                # another parameter
    ("PUT", "/sparql", {}, b""),                                                           # 405
    ("GET", "/", {"Accept": "text/turtle"}, b""),
]
# the cases the fast path runs and Flask answers (refusals of the query process, a result the format cannot carry)
RUN_THEN_FLASK = [
    ("GET", "/sparql?query=" + quote("SELECT * WHERE { ?s ?p }"), {}, b""),                # syntax error: 400
    ("GET", "/sparql?query=" + quote("SELECT * { SERVICE <http://example.org/s> { ?s ?p ?o } }"), {}, b""),  # 403
    ("GET", "/sparql?query=" + quote(CONSTRUCT), {"Accept": "application/sparql-results+json"}, b""),   # 406
    ("GET", "/sparql?query=" + quote(SELECT), {"Accept": "text/turtle"}, b""),              # 406
    ("GET", "/sparql?format=xml&query=" + quote('SELECT ?x { BIND("a\\u0001b" AS ?x) }'), {}, b""),    # 406
    ("POST", "/sparql", {"Content-Type": QUERY_BODY}, b"INSERT DATA { <a:a> <a:b> <a:c> }"),  # 403
]


class Probe:
    """Counts the requests that reach Flask behind the fast path and the jobs the executor runs."""

    def __init__(self, app, monkeypatch):
        self.fast = app.wsgi_app
        assert isinstance(self.fast, FastPath)
        self.flask_calls = self.runs = 0
        flask, executor = self.fast.flask, app.extensions["sciplan"].executor
        run = executor.run

        def counted_flask(environ, start_response):
            self.flask_calls += 1
            return flask(environ, start_response)

        def counted_run(*args, **kw):
            self.runs += 1
            return run(*args, **kw)

        monkeypatch.setattr(self.fast, "flask", counted_flask)
        monkeypatch.setattr(executor, "run", counted_run)
        self.whole = Client(app)
        self.behind = Client(flask)  # Flask alone, as before the fast path

    def both(self, case, caplog):
        method, path, headers, body = case
        caplog.clear()
        self.flask_calls = self.runs = 0
        fast = self.whole.open(path, method=method, headers=headers, data=body)
        fast_calls, fast_runs, fast_log = self.flask_calls, self.runs, access_lines(caplog)
        caplog.clear()
        slow = self.behind.open(path, method=method, headers=headers, data=body)
        assert fast.status == slow.status, case
        assert without_date(fast.headers) == without_date(slow.headers), case
        assert fast.get_data() == slow.get_data(), case
        assert fast_log == access_lines(caplog), case
        return fast, fast_calls, fast_runs


def without_date(headers) -> list[tuple[str, str]]:
    return [(k, v) for k, v in headers.items() if k != "Date"]


def access_lines(caplog) -> list[str]:
    return [re.sub(r" [0-9.]+ms$", "", r.getMessage()) for r in caplog.records if r.name == "sciplan.access"]


@pytest.fixture
def probe(server_app, monkeypatch, caplog):
    caplog.set_level(logging.INFO, logger="sciplan.access")
    return Probe(server_app, monkeypatch)


@pytest.mark.parametrize("case", FAST, ids=lambda c: f"{c[0]} {c[1][:60]} {c[2]}")
def test_common_requests_are_answered_alike_without_flask(probe, caplog, case):
    response, flask_calls, runs = probe.both(case, caplog)
    assert response.status_code == 200
    assert flask_calls == 0, "the fast path answered it"
    assert runs == 1


@pytest.mark.parametrize("case", FLASK, ids=lambda c: f"{c[0]} {c[1][:60]} {c[2]}")
def test_other_requests_fall_through_to_flask(probe, caplog, case):
    _, flask_calls, _ = probe.both(case, caplog)
    assert flask_calls == 1


@pytest.mark.parametrize("case", RUN_THEN_FLASK, ids=lambda c: f"{c[0]} {c[1][:60]} {c[2]}")
def test_a_query_run_then_refused_is_answered_by_flask_and_runs_once(probe, caplog, case):
    response, flask_calls, runs = probe.both(case, caplog)
    assert response.status_code in (400, 403, 406)
    assert flask_calls == 1 and runs == 1


def test_the_row_cap_header_is_the_same(server_settings, monkeypatch, caplog):
    store = ox.Store()
    for k in range(5):
        store.add(ox.Quad(ox.NamedNode(f"http://example.org/{k}"), ox.NamedNode("http://example.org/p"),
                          ox.Literal(str(k)), ox.NamedNode("http://example.org/g")))
    app = create_app(server_settings.with_server(max_rows=3), store)
    caplog.set_level(logging.INFO, logger="sciplan.access")
    probe = Probe(app, monkeypatch)
    for accept in ("application/sparql-results+json", "text/csv", "text/tab-separated-values"):
        response, flask_calls, _ = probe.both(("GET", "/sparql?query=" + quote("SELECT * { ?s ?p ?o }"),
                                               {"Accept": accept}, b""), caplog)
        assert response.headers["X-SPARQL-MaxRows"] == "3" and flask_calls == 0


# what a form's values are made of: escapes (good, bad, cut off, not UTF-8), '+', backslashes, separators
VALUE = st.lists(st.sampled_from(["%41", "%e5%8c%ba", "%E5", "%2B", "%5C", "%25", "%", "%4", "%zz", "+", "=", "&",
                                  "\\", "\\x41", "\\\\", "\\n", "a", " "]) | st.text(max_size=3).map(quote_plus),
                 max_size=10).map("".join)
FORM_TEXT = st.lists(st.tuples(st.sampled_from(["query", "format", "qu%65ry", "form%61t", "other", ""]), VALUE),
                     min_size=1, max_size=3).map(lambda pairs: "&".join(f"{name}={value}" for name, value in pairs))


@settings(max_examples=400)
@given(FORM_TEXT)
@example("query=\\x41%41&format=%5C%6E")  # a backslash before an escape, and an escaped one
def test_the_fast_form_reading_is_urllibs(text):
    """The fast path reads a form as urllib.parse.parse_qsl(keep_blank_values=True, errors="strict") does, or leaves it
    to Flask: never another reading."""
    try:
        mine = FastPath.params(text)
    except Fallthrough:
        mine = None
    try:
        pairs = parse_qsl(text, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        assert mine is None
        return
    if mine is not None:
        assert list(mine.items()) == pairs
    elif "%" not in text:  # only an escape urllib keeps as it is may make it give up a form of query and format alone
        assert len(dict(pairs)) != len(pairs) or not {name for name, _ in pairs} <= {"query", "format"}


@given(st.text())
def test_every_escaped_text_is_read_back_without_flask(text):
    assert unquote_plus(quote_plus(text)) == text == urllib_unquote_plus(quote_plus(text), errors="strict")
