"""The SERVICE allowlist decided as the engine reads the text, the sandbox behind it, and the refusals of
hostile input: each case reproduces a finding of the security review (docs/server.md, "Guarantees")."""

from __future__ import annotations

import socket
import threading
import xml.dom.minidom

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.errors import QueryFailed
from server.executors import ProcessPool
from server.jobs import Job
from server.lexer import LexError, service_calls, tokenize
from server.safety import MAX_DEPTH, MAX_OPERATORS, check_query

BASE = "https://w3id.org/sciplan/"


class Listener:
    """A local TCP listener that records every connection (and answers nothing useful)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/sparql"
        self.hits: list[bytes] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.settimeout(2)
            try:
                self.hits.append(conn.recv(200))
            except OSError:
                self.hits.append(b"")
            conn.close()

    def close(self):
        self.sock.close()


@pytest.fixture(scope="module")
def listener():
    found = Listener()
    yield found
    found.close()


def engine_runs(query: str) -> None:
    """Run the text on pyoxigraph in this process (no sandbox): what the engine does with it."""
    try:
        result = ox.Store().query(query, base_iri=BASE)
        if not isinstance(result, ox.QueryBoolean):
            list(result)
    except Exception:
        pass


# ---- 1. the SERVICE bypass -------------------------------------------------------

def bypasses(url: str) -> list[str]:
    return [
        f"SELECT * WHERE {{ #x\rSERVICE <{url}> {{ ?s ?p ?o }}\n}}",
        f"SELECT * WHERE {{ #x\rservice <{url}> {{ ?s ?p ?o }}\n}}",
        f"SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ #x\rSERVICE SILENT <{url}> {{ ?s ?q ?v }} }} }}",
        f"PREFIX ex: <{url.rsplit('/', 1)[0]}/> SELECT * WHERE {{ SERVICEex:sparql {{ ?s ?p ?o }} }}",
        f"PREFIX ex: <{url.rsplit('/', 1)[0]}/> SELECT * WHERE {{ SERVICESILENTex:sparql {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE<{url}>{{?s ?p ?o}} }}",
        f"SELECT * WHERE {{ SERVICE <{url.replace('127.0.0.1', 'localhost')}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE <{url.replace('127.0.0.1', '2130706433')}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE <\\u0068ttp://127.0.0.1:{url.split(':')[2]}> {{ ?s ?p ?o }} }}",
        f"BASE <{url.rsplit('/', 1)[0]}/> SELECT * WHERE {{ SERVICE <sparql> {{ ?s ?p ?o }} }}",
    ]


def test_the_bypasses_reach_the_engine_when_unchecked(listener):
    """The reproducers are real: run unchecked, the engine calls the listener (so the tests below can fail)."""
    before = len(listener.hits)
    engine_runs(bypasses(listener.url)[0])
    engine_runs(bypasses(listener.url)[3])
    assert len(listener.hits) >= before + 2


@pytest.mark.parametrize("number", range(10))
def test_every_spelling_of_the_bypass_is_refused_by_the_check(listener, number):
    query = bypasses(listener.url)[number]
    with pytest.raises(QueryFailed) as caught:
        check_query(query, BASE, frozenset())
    assert caught.value.status == 403 and "SERVICE" in caught.value.message


@pytest.mark.parametrize("method", ["get", "form", "direct"])
def test_the_endpoint_refuses_the_bypass_and_connects_nowhere(server_client, listener, method):
    query = bypasses(listener.url)[0]
    before = len(listener.hits)
    if method == "get":
        response = server_client.get("/sparql", query_string={"query": query})
    elif method == "form":
        response = server_client.post("/sparql", data={"query": query})
    else:
        response = server_client.post("/sparql", data=query.encode(), content_type="application/sparql-query")
    assert response.status_code == 403
    assert len(listener.hits) == before


def test_allowed_service_nested_in_an_allowed_one_is_allowed():
    url = "http://a.example/sparql"
    query = f"SELECT * WHERE {{ SERVICE <{url}> {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}"
    assert check_query(query, BASE, frozenset([url])) == [url, url]


def test_the_sandbox_stops_a_service_call_the_check_let_through(server_store, listener):
    """Engine-level: a job that skips the check (trusted) still cannot connect from a query process."""
    pool = ProcessPool(server_store, size=1, timeout=10, sandbox=True)
    try:
        before = len(listener.hits)
        for query in bypasses(listener.url)[:2] + [f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}"]:
            with pytest.raises(QueryFailed) as caught:
                pool.run(Job(query=query, base_iri=BASE, trusted=True))
            assert caught.value.status == 403
        assert pool.run(Job(query="ASK { ?s ?p ?o }", base_iri=BASE)).boolean is True
        assert len(listener.hits) == before
    finally:
        pool.close()


# Differential fuzzing: generated texts go to the check and to the engine; whatever the check lets through
# must not make the engine connect.

def fragments(url: str) -> list[str]:
    prefix = url.rsplit("/", 1)[0] + "/"
    return [
        "#x\r", "#x\r\n", "#x\n", "#\x0b", "# SERVICE <URL> {}\n", "#\t", " ", "\t", "\n", "\r",
        '"SERVICE <URL>"', "'''a\nSERVICE <URL> {}'''", '"a\\"b"', "'\\u0022'", '"""x"y"""', "'a\\\\'",
        "<http://example.org/#x>", "<URL>", "?s", "ex:a\\#b", "ex:a\\'", "\\u0053", "\\u003C",
        "{", "}", "OPTIONAL {", "SERVICE", "SERVICE SILENT", "service", "SeRvIcE", "SILENT", "ex:", "ex:sparql",
        "SERVICE <URL> { ?s ?p ?o }", "SERVICEex:sparql { }", "SERVICESILENTex:sparql {}", "#x\rSERVICE <URL> {}",
        "{ ?s ?p ?o }", "BIND(<URL> AS ?u)", "SERVICE ?u {}", "<\\u0068ttp://127.0.0.1:PORT/>", "ex:\\u0073",
        "FILTER(?s <#x\r ?o)", ".", ";", "a", "@en", "1", "_:b",
    ], prefix


@st.composite
def texts(draw, url: str):
    pieces, prefix = fragments(url)
    port = url.split(":")[2].split("/")[0]
    body = "".join(draw(st.lists(st.sampled_from(pieces), min_size=1, max_size=8)))
    body = body.replace("URL", url).replace("PORT", port)
    head = draw(st.sampled_from([f"PREFIX ex: <{prefix}>\n", f"BASE <{prefix}>\n", ""]))
    return f"{head}SELECT * WHERE {{ {body} }}"


def test_differential_fuzz_the_engine_never_connects_when_the_check_allows(listener):
    allowed_to_run = []

    @settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(texts(listener.url))
    def one(text):
        try:
            check_query(text, BASE, frozenset())
        except QueryFailed:
            return
        before = len(listener.hits)
        engine_runs(text)
        allowed_to_run.append(text)
        assert len(listener.hits) == before, f"the check allowed a text that made the engine connect: {text!r}"

    one()
    assert allowed_to_run, "the generator produced no text the check allows"


def test_comments_end_where_oxigraph_ends_them():
    assert [t.text for t in tokenize("ASK {} #x\rFILTER")] == ["ASK", "{", "}", "FILTER"]
    with pytest.raises(LexError):
        tokenize("ASK {} #x\x0bFILTER")  # Oxigraph: the comment ends at U+000B, which is then an error
    assert service_calls("ASK { '#' SERVICE <http://a/> {} }", BASE) == ["http://a/"]
    assert service_calls("ASK { ?s ?p ex:a\\#b . } # SERVICE <http://b/>\n", BASE) == []


# ---- 8. engine-crashing shapes are refused before the engine ----------------------

# Short ids: pytest 8 would make the 252 KB text the test's id, and PYTEST_CURRENT_TEST with it, which is
# over the kernel's limit for one environment string, so no query process could be started (exec: E2BIG).
@pytest.mark.parametrize("query, limit", [
    ("SELECT * WHERE { FILTER(" + "!" * 10_000 + "true) }", "operators"),
    ("SELECT * WHERE { " + "FILTER(1 = 1) " * 18_000 + "}", "operators"),
    ("SELECT (" + "+".join(["1"] * 20_000) + " AS ?x) WHERE {}", "operators"),
    ("SELECT * WHERE { " + "{" * (MAX_DEPTH + 1) + "}" * (MAX_DEPTH + 1) + " }", "deep"),
    ("SELECT * WHERE { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }", "deep"),
], ids=["10000-bangs", "18000-filters", "20000-term-sum", "deep-braces", "deep-parens"])
def test_crashers_are_400_naming_the_limit(server_settings, query, limit):
    from server import create_app

    app = create_app(server_settings.with_server(query_processes=1, max_request_bytes=1_000_000))
    try:
        response = app.test_client().post("/sparql", data=query.encode(), content_type="application/sparql-query")
        text = response.get_data(as_text=True)
        assert response.status_code == 400, text
        assert limit in text and "the limit is" in text
        pids = list(app.extensions["sciplan"].executor.pids)
        assert app.test_client().get("/sparql", query_string={"query": "ASK {}"}).status_code == 200
        assert app.extensions["sciplan"].executor.pids == pids, "no query process was lost"
    finally:
        app.extensions["sciplan"].close()


def test_the_limits_leave_room_for_the_projects_queries(repo_settings):
    for path in sorted(repo_settings.queries_dir.glob("*.rq")):
        try:
            check_query(path.read_text(encoding="utf-8"), BASE, frozenset())
        except QueryFailed as exc:
            assert exc.status == 403 and "SERVICE" in exc.message, (path.name, exc.message)  # an example of federation
    assert MAX_OPERATORS >= 1000 and MAX_DEPTH >= 64


# ---- 2, 7. headers, CSP, CORS -------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/sparql", "/sparql?query=ASK%20%7B%7D", "/def/", "/downloads", "/nothing-here",
                                  "/static/query-page.js"])
def test_every_response_carries_the_security_headers(server_client, path):
    response = server_client.get(path, headers={"Accept": "text/html"})
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-eval" not in csp
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"]


def test_the_reference_page_inline_script_is_allowed_by_its_hash(server_client):
    import base64
    import hashlib
    import re

    response = server_client.get("/def/", headers={"Accept": "text/html"})
    scripts = re.findall(r"<script>(.*?)</script>", response.get_data(as_text=True), re.S)
    csp = response.headers["Content-Security-Policy"]
    for body in scripts:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp


def test_cors_preflight_names_only_get_post_options(server_client):
    response = server_client.options("/sparql", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "DELETE"})
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Methods"] == "GET, POST, OPTIONS"
    assert response.headers["Access-Control-Allow-Origin"] == "*"  # never an echo of the Origin


# ---- 6. never a 500 -------------------------------------------------------------------

@pytest.mark.parametrize("target", ["file:///etc/passwd", "http://user:pass@127.0.0.1:1/sparql", "ftp://127.0.0.1/x",
                                    "http://127.0.0.1:1/sparql"])
def test_a_failing_allowlisted_service_is_502(server_settings, target):
    from server import create_app

    app = create_app(server_settings.with_server(service_allowlist=(target,), query_processes=1))
    try:
        response = app.test_client().get(
            "/sparql", query_string={"query": f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}"})
        assert response.status_code == 502, response.get_data(as_text=True)
    finally:
        app.extensions["sciplan"].close()


# ---- 9. XML is well-formed or refused --------------------------------------------------

@pytest.mark.parametrize("char", ["\\u0001", "\\u000B", "\\uFFFE"])
@pytest.mark.parametrize("accept, query", [
    ("application/sparql-results+xml", 'SELECT ?x WHERE {{ BIND("a{c}b" AS ?x) }}'),
    ("application/rdf+xml", 'CONSTRUCT {{ <http://a/s> <http://a/p> "a{c}b" }} WHERE {{}}'),
])
def test_xml_is_never_written_with_characters_xml_cannot_carry(server_client, char, accept, query):
    response = server_client.get("/sparql", query_string={"query": query.format(c=char)}, headers={"Accept": accept})
    assert response.status_code == 406
    assert "XML 1.0 cannot carry" in response.get_data(as_text=True)
    as_json = server_client.get("/sparql", query_string={"query": query.format(c=char), "format": "json"
                                                         if "SELECT" in query else "ntriples"})
    assert as_json.status_code == 200


def test_xml_with_ordinary_control_whitespace_parses(server_client):
    query = 'SELECT ?x WHERE { BIND("a\\tb\\nc\\rd<&>" AS ?x) }'
    response = server_client.get("/sparql", query_string={"query": query}, headers={"Accept": "application/sparql-results+xml"})
    assert response.status_code == 200
    xml.dom.minidom.parseString(response.data)


# ---- 10. protocol odds ------------------------------------------------------------------

def test_head_is_answered_like_get(server_client):
    get = server_client.get("/sparql", query_string={"query": "ASK {}"})
    head = server_client.head("/sparql", query_string={"query": "ASK {}"})
    assert head.status_code == get.status_code == 200
    assert head.headers["Content-Type"] == get.headers["Content-Type"] and head.data == b""


@pytest.mark.parametrize("kwargs", [
    dict(method="POST", data=b"ASK {}", content_type="application/sparql-query", query_string={"update": "CLEAR ALL"}),
    dict(method="POST", data={"query": "ASK {}"}, query_string={"update": "CLEAR ALL"}),
    dict(method="GET", query_string={"query": "ASK {}", "update": "CLEAR ALL"}),
    dict(method="HEAD", query_string={"update": "CLEAR ALL"}),
])
def test_update_anywhere_is_403(server_client, kwargs):
    assert server_client.open("/sparql", **kwargs).status_code == 403


@pytest.mark.parametrize("path, kwargs", [
    ("/sparql?query=ASK%20%7B%20%FF%20%7D", dict(method="GET")),
    ("/sparql", dict(method="POST", data=b"query=ASK%20%7B%20%FF%20%7D", content_type="application/x-www-form-urlencoded")),
    ("/sparql", dict(method="POST", data=b"ASK { \xff }", content_type="application/sparql-query")),
    # werkzeug keeps a bad byte as '%FF'; a real '%' (%25) beside it must not hide it
    ("/sparql?query=ASK%20%7B%20FILTER(%22100%25%22)%20%7D&format=json%C3", dict(method="GET")),
    ("/sparql", dict(method="POST", data=b"query=ASK%20%7B%20FILTER(%22100%25%22)%20%7D&x=\xe7%A7", content_type="application/x-www-form-urlencoded")),
])
def test_invalid_utf8_is_400_in_get_and_post(server_client, path, kwargs):
    response = server_client.open(path, **kwargs)
    assert response.status_code == 400
    assert "not valid UTF-8" in response.get_data(as_text=True)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_percent_sign_and_chinese_text_are_valid_utf8(server_client, method):
    query = 'SELECT ?x WHERE { BIND("科学素质 100%" AS ?x) }'
    kwargs = dict(query_string={"query": query}) if method == "GET" else dict(data={"query": query})
    response = server_client.open("/sparql", method=method, headers={"Accept": "application/sparql-results+json"}, **kwargs)
    assert response.status_code == 200
    assert response.json["results"]["bindings"] == [{"x": {"type": "literal", "value": "科学素质 100%"}}]


def test_sd_endpoint_comes_from_the_configuration_not_the_host_header(server_settings):
    from server import create_app

    for options, expected in [({}, BASE + "sparql"), ({"public_url": "https://sparql.example.org/"},
                                                      "https://sparql.example.org/sparql")]:
        app = create_app(server_settings.with_server(query_processes=1, **options))
        try:
            response = app.test_client().get("/sparql", headers={"Accept": "application/n-triples", "Host": "evil.example"})
            assert f"<{expected}>" in response.get_data(as_text=True)
            assert "evil.example" not in response.get_data(as_text=True)
        finally:
            app.extensions["sciplan"].close()
