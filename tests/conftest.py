"""Shared fixtures: the repository's settings and a store built from the repository once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sciplan.config import PREFIX, Settings
from sciplan.store import build, open_store, republish

ROOT = Path(__file__).resolve().parent.parent  # the repository under test (the package may be installed elsewhere)
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session", autouse=True)
def clean_environment():
    """No SCIPLAN_* variable of the developer's shell reaches a test, nor a server a test starts:
    a SCIPLAN_SPARQL_URL would otherwise send the test server to a remote store. Tests that need a
    variable set it themselves (monkeypatch.setenv, or a subprocess's env)."""
    with pytest.MonkeyPatch.context() as patch:
        for name in [n for n in os.environ if n.startswith(PREFIX)]:
            patch.delenv(name)
        yield


@pytest.fixture(scope="session")
def repo_settings() -> Settings:
    """Settings of the repository with the default base (the environment is not consulted)."""
    return Settings.at(ROOT)


@pytest.fixture(scope="session")
def kg_store_path(tmp_path_factory, repo_settings) -> Path:
    """A store built from ontology/ and data/ttl/ as shipped."""
    settings = repo_settings.with_(store=tmp_path_factory.mktemp("kg") / "store")
    build(settings)
    return settings.store


@pytest.fixture(scope="session")
def kg_store(kg_store_path):
    return open_store(kg_store_path)


@pytest.fixture(scope="session")
def kg_settings(repo_settings, kg_store_path) -> Settings:
    return repo_settings.with_(store=kg_store_path)


# ---- server fixtures (tests/test_server_*.py) --------------------------------

import json  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402

SERVER_W3C = SHARED / "w3c"
SERVER_PROTOCOL_TESTS = SERVER_W3C / "sparql11-protocol" / "protocol_tests.json"


def server_w3c_graphs() -> list[tuple[Path, str]]:
    """(file, graph) pairs the W3C protocol tests expect in the store; [] without ../shared."""
    if not SERVER_PROTOCOL_TESTS.exists():
        return []
    tests = json.loads(SERVER_PROTOCOL_TESTS.read_text(encoding="utf-8"))
    pairs = {(g["file"], g["graph"]) for t in tests for g in t["graph_data"]}
    return [(SERVER_PROTOCOL_TESTS.parent / f, graph) for f, graph in sorted(pairs)]


@pytest.fixture(scope="session")
def server_w3c_dir() -> Path:
    if not SERVER_PROTOCOL_TESTS.exists():
        pytest.skip(f"W3C test suites not found: expected {SERVER_W3C} (the shared/ folder beside the repository)")
    return SERVER_W3C


@pytest.fixture(scope="session")
def server_store(tmp_path_factory, repo_settings) -> Path:
    """The repository's data built into a temporary store, plus the W3C protocol test graphs if present."""
    import pyoxigraph as ox

    settings = repo_settings.with_(store=tmp_path_factory.mktemp("server") / "store")
    build(settings)
    store = ox.Store(str(settings.store.resolve()))
    w3c = server_w3c_graphs()
    for path, graph in w3c:
        store.load(path=str(path), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(graph))
    store.flush()
    del store
    if w3c:  # the graphs changed after the build: publish its downloads, sizes and description again
        republish(settings.store, settings)
    return settings.store


@pytest.fixture(scope="session")
def server_settings(repo_settings, server_store) -> Settings:
    return repo_settings.with_(store=server_store)


@pytest.fixture(scope="session")
def server_app(server_settings):
    """The app over server_store with the default limits and a pool of query processes."""
    from server import create_app

    app = create_app(server_settings)
    yield app
    app.extensions["sciplan"].close()


@pytest.fixture
def server_client(server_app):
    return server_app.test_client()


def server_free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_start(args: list[str], port: int, log: Path, env: dict | None = None):
    """Start `sciplan ... serve` and wait until it answers; returns the process."""
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sciplan.cli", *args, "--port", str(port)],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D", timeout=5):
                return proc
        except OSError:
            time.sleep(0.2)
    server_stop(proc)
    raise RuntimeError(f"server did not start: {' '.join(args)}\n{log.read_text(errors='replace')[-3000:]}")


def server_stop(proc) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def one_worker_server(store, log_dir: Path, env: dict[str, str]):
    """`sciplan serve --workers 1` (gunicorn: one worker, its 8 threads) over `store` with `env` on a free
    port, for a module fixture to yield from: (port, process), stopped afterwards."""
    port = server_free_port()
    proc = server_start(["--store", str(store), "serve", "--workers", "1"], port, log_dir / "server.log", env=env)
    try:
        yield port, proc
    finally:
        server_stop(proc)


@pytest.fixture(scope="session")
def server_live(server_store, tmp_path_factory) -> str:
    """`sciplan serve --workers 2` (gunicorn) over server_store on a free loopback port.

    Its own /sparql is on the SERVICE allowlist, so federated queries can be tested.
    """
    port = server_free_port()
    url = f"http://127.0.0.1:{port}"
    proc = server_start(
        ["--store", str(server_store), "serve", "--workers", "2"], port,
        tmp_path_factory.mktemp("live") / "server.log",
        # A federated query's inner request comes from the server itself, here the test's own loopback
        # address: with the default share (1 of 2) it would wait for the outer query's client's share.
        env={"SCIPLAN_SERVICE_ALLOWLIST": f"{url}/sparql", "SCIPLAN_BASE": Settings().base, "SCIPLAN_PUBLIC_URL": url,
             "SCIPLAN_QUERY_SHARE": "2"},
    )
    yield url
    server_stop(proc)


# ---- validate fixtures (tests/test_validate_*.py) ----------------------------

class ValidateKG:
    """The built seed graph, copied into memory so that a test can change a graph and validate.

    Graphs are named as in the store, below <base>graph/: "plans/huadu-2022-2025", "organizations".
    """

    def __init__(self, store_path: Path, settings: Settings):
        import pyoxigraph as ox
        from rdflib import Namespace

        self.ox = ox
        self.store = open_store(store_path)
        self.settings = settings
        self.base = settings.base
        self.SP = Namespace(self.base + "def/")
        self._baseline: dict = {}

    def node(self, path: str):
        from rdflib import URIRef

        return URIRef(self.base + path)

    def graph(self, name: str):
        """An rdflib copy of one named graph."""
        from rdflib import Graph

        quads = self.store.quads_for_pattern(None, None, None, self.ox.NamedNode(self.base + "graph/" + name))
        data = self.ox.serialize((q.triple for q in quads), format=self.ox.RdfFormat.N_TRIPLES)
        return Graph().parse(data=data.decode("utf-8"), format="nt")

    def validate(self, changed: dict | None = None, plan: str | None = None, engine: str = "sets"):
        """Validate the seed graph with some graphs replaced by (changed) rdflib graphs."""
        from sciplan.validate import validate_store

        return validate_store(self.changed_store(changed), self.settings, base=self.base, plan=plan, engine=engine)

    def changed_store(self, changed: dict | None = None):
        """An in-memory copy of the seed store with some graphs replaced by rdflib graphs."""
        ox = self.ox
        mem = ox.Store()
        mem.extend(self.store.quads_for_pattern(None, None, None))
        for name, g in (changed or {}).items():
            graph = ox.NamedNode(self.base + "graph/" + name)
            mem.remove_graph(graph)
            mem.load(g.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES, to_graph=graph)
        return mem

    def baseline(self, plan: str | None = None):
        """The unchanged seed graph's validation (cached)."""
        if plan not in self._baseline:
            self._baseline[plan] = self.validate(plan=plan)
        return self._baseline[plan]

    def drop_unit(self, g, owner, body, role: str) -> None:
        """Remove a lead/cooperating unit of a task or section: the unit triple and its assignment(s)."""
        prop = self.SP.leadUnit if role == "lead" else self.SP.cooperatingUnit
        g.remove((owner, prop, body))
        for a in list(g.objects(owner, self.SP.assignment)):
            if (a, self.SP.unit, body) in g and (a, self.SP.role, self.node(f"scheme/role/{role}")) in g:
                g.remove((owner, self.SP.assignment, a))
                g.remove((a, None, None))


@pytest.fixture(scope="session")
def validate_kg(kg_store_path, repo_settings) -> ValidateKG:
    return ValidateKG(kg_store_path, repo_settings)


# ---- alignment fixtures (tests/test_align*.py, tests/test_queries.py, tests/test_pictures.py) ----


@pytest.fixture(scope="session")
def align_store(kg_store_path, repo_settings):
    """The repository's store, once data/ttl/alignment is checked to be what the curated files give."""
    from sciplan.align.apply import run

    stale = run(repo_settings, check=True)
    assert not stale, f"data/ttl/alignment is stale, run `sciplan align apply`: {stale}"
    return open_store(kg_store_path)


# ---- the summary at the end: optional components that were missing, and the tests that skipped ----

import importlib.util  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402

# (name, how to get it, is it here?) — what some tests need beyond `pip install -e '.[test]'`.
OPTIONAL_COMPONENTS = (
    ("chromium", "apt-get install chromium", lambda: os.path.exists("/usr/bin/chromium")),
    ("playwright", "pip install playwright", lambda: importlib.util.find_spec("playwright") is not None),
    ("virtuoso", "apt-get install virtuoso-opensource", lambda: shutil.which("virtuoso-t") is not None),
    ("../shared", "the shared/ folder beside the repository: W3C test suites, seeds", lambda: SHARED.is_dir()),
)


def missing_components() -> list[str]:
    return [f"{name} ({how})" for name, how, present in OPTIONAL_COMPONENTS if not present()]


def _skip_reason(report) -> str:
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
    return reason.removeprefix("Skipped: ")


def pytest_collection_modifyitems(config, items):
    """pytest's own reason for a test whose parameter list came out empty is "got empty parameter
    set ['x'], function f at file:line"; say it as a sentence."""
    for item in items:
        for mark in item.iter_markers("skip"):
            reason = mark.kwargs.get("reason", "")
            if reason.startswith("got empty parameter set"):
                names = re.search(r"\(([^)]*)\)|\[([^]]*)\]", reason)
                names = next((g for g in names.groups() if g), "") if names else ""
                mark.kwargs["reason"] = (f"{item.originalname} has no cases to run here: the list of its parameters "
                                         f"({names}) is empty, so the data it is made from was not found.")


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter, exitstatus, config):
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if getattr(r, "when", "") in ("setup", "call")]
    missing = missing_components()
    if not skipped and not missing:
        terminalreporter.write_line("complete run: every optional component present, no test skipped")
        return
    terminalreporter.section("skipped tests and missing optional components", sep="-")
    for report in skipped:
        terminalreporter.write_line(f"skipped {report.nodeid}: {_skip_reason(report)}")
    terminalreporter.write_line(
        f"incomplete run: {len(skipped)} test{'s' if len(skipped) != 1 else ''} skipped; "
        f"missing optional components: {', '.join(missing) if missing else 'none'}"
    )


# ---- a browser for the browser tests ---------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"  # Debian's chromium: Playwright's own browser download does not work offline
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium under Playwright for the whole session (one sync Playwright may run per thread)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"There is no browser at {CHROMIUM} (apt-get install chromium).")
    sync_api = pytest.importorskip("playwright.sync_api", reason="The playwright Python package is not installed.")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
