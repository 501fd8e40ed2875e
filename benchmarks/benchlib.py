"""What the benchmark scripts share: the machine's figures, synthetic stores, servers, tables, JSON.

Not a benchmark itself. Synthetic data and stores are made once per (scale, seed) under
--workdir (default: $TMPDIR/sciplan-bench) and reused by the other scripts.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from sciplan.config import Settings  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
DEFAULT_WORKDIR = Path(tempfile.gettempdir()) / "sciplan-bench"


def machine() -> dict:
    """CPU count and model, RAM, Python and library versions."""
    def pkg(name: str) -> str | None:
        try:
            return version(name)
        except PackageNotFoundError:
            return None

    ram = None
    model = platform.processor() or None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = round(int(line.split()[1]) / 1024 / 1024, 1)
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu_count": os.cpu_count(), "cpu_model": model, "ram_gib": ram, "platform": platform.platform(),
        "python": platform.python_version(), "pyoxigraph": pkg("pyoxigraph"), "rdflib": pkg("rdflib"),
        "pyshacl": pkg("pyshacl"), "flask": pkg("flask"), "gunicorn": pkg("gunicorn"),
        "rdflib-endpoint": pkg("rdflib-endpoint"),
        "load_avg_1_5_15": [round(x, 2) for x in os.getloadavg()],  # other work on the machine skews figures
    }


def print_machine(m: dict) -> None:
    print(f"machine: {m['cpu_count']} CPUs ({m['cpu_model']}), {m['ram_gib']} GiB RAM, {m['platform']}")
    print(f"         Python {m['python']}, pyoxigraph {m['pyoxigraph']}, rdflib {m['rdflib']}, pyshacl {m['pyshacl']}, "
          f"gunicorn {m['gunicorn']}" + (f", rdflib-endpoint {m['rdflib-endpoint']}" if m.get("rdflib-endpoint") else ""))
    print(f"         load average at start {m['load_avg_1_5_15']} (1, 5, 15 min; other work on the machine skews the figures)")


def table(headers: list[str], rows: list[list]) -> str:
    """A Markdown table (readable in a terminal too)."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |" for r in cells]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def write_results(name: str, figures: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    figures = {**figures, "load_avg_at_end": [round(x, 2) for x in os.getloadavg()]}
    out = RESULTS / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {out.relative_to(ROOT)}")
    return out


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))]


def dir_size(path: Path) -> int:
    path = Path(path).resolve()
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# ---- data sets ----------------------------------------------------------------------------------

# What a store is made by besides its data: a store built before any of these changed lacks what this tree
# derives (a reused store without the derived tallies answered the tally queries with no rows, silently).
BUILT_BY = [ROOT / "sciplan" / "store.py", ROOT / "sciplan" / "derived.py", *sorted((ROOT / "ontology").glob("*.ttl"))]


def written_before(path: Path, sources: Iterable[Path]) -> bool:
    """Whether `path` was last written before one of the files `sources` last changed."""
    return path.stat().st_mtime < max(p.stat().st_mtime for p in sources)


def stale(store: Path, sources: Iterable[Path] = ()) -> bool:
    """Whether the store is missing, of another derived-graph revision than this tree's (sciplan.store would not
    open it), or was built before this tree's build code or ontology, or one of `sources`, last changed."""
    from sciplan.errors import StaleStore
    from sciplan.store import check_revision

    record = Path(store) / "sciplan-build.json"
    if not record.exists() or written_before(record, [*BUILT_BY, *sources]):
        return True
    try:
        check_revision(Path(store))
    except StaleStore:
        return True
    return False


def real_settings(workdir: Path) -> Settings:
    """The repository's graph, built into workdir/real/store, again whenever data/ttl or the build changed."""
    settings = Settings(store=Path(workdir) / "real" / "store")
    if stale(settings.store, settings.data_dir.rglob("*.ttl")):
        from sciplan.store import build

        build(settings)
    return settings


# What a synthetic data directory is made from besides its seed and scale: the generator, the 南沙 template it copies
# (source, curation, extractor) and its derivation links; with the real KB, all of data/ttl, which it copies in.
GENERATED_BY = [ROOT / "sciplan" / "synth.py", ROOT / "sciplan" / "extract" / "nansha.py"]


def generated_before(manifest: Path, with_real: bool = False) -> bool:
    """Whether the synthetic directory of `manifest` was written before something it is made from last changed (a
    directory made by an older generator gives figures of other data: before 2026-12-03, no derivation links)."""
    real = Settings()
    return written_before(manifest, [*GENERATED_BY, *real.curation_dir.glob("*.yaml"), *(p for p in real.sources_dir.glob("*") if p.is_file()),
                                     *(real.data_dir.rglob("*.ttl") if with_real else real.data_dir.glob("alignment/*.ttl"))])


def synth_settings(workdir: Path, scale: float, seed: int = 2021, build_store: bool = True,
                   with_real: bool = False) -> tuple[Settings, dict]:
    """A synthetic data directory and its store for (scale, seed), made once and reused; `with_real`:
    the real KB beside it (`sciplan synth --with-real`), in workdir/synth-{scale}-{seed}-real."""
    from sciplan.synth import generate

    home = Path(workdir) / (f"synth-{scale:g}-{seed}" + ("-real" if with_real else ""))
    data, store = home / "data", home / "store"
    manifest_path = data / "manifest.json"
    settings = Settings(data_dir=data, store=store)
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else None
    if manifest is not None and generated_before(manifest_path, with_real):
        print(f"  {data}: generated before this tree's generator or its sources changed; generating it again", flush=True)
        manifest = None
    if manifest is None or not (store / "sciplan-build.json").exists():
        if home.exists():
            shutil.rmtree(home)
        home.mkdir(parents=True)
        manifest = generate(Settings(), data, scale=scale, seed=seed, real=Settings().data_dir if with_real else None)
        if build_store:
            from sciplan.store import build

            build(settings)
    elif build_store and stale(store):  # the data is still good: build the store again from it (minutes, not 8)
        from sciplan.store import build

        print(f"  {store}: built before this tree's build code or ontology changed; building it again", flush=True)
        build(settings)
    return settings, manifest


def data_sets(workdir: Path, names: list[str], seed: int = 2021) -> list[tuple[str, Settings, dict | None]]:
    """'real', scales like '0.1', '1.0', and 'real+1.0' (the real KB beside synthetic data of that scale)
    → (label, settings, manifest)."""
    out = []
    for name in names:
        if name == "real":
            out.append(("real KB", real_settings(workdir), None))
        elif name.startswith("real+"):
            scale = float(name.removeprefix("real+"))
            settings, manifest = synth_settings(workdir, scale, seed, with_real=True)
            out.append((f"real + synthetic {scale:g}", settings, manifest))
        else:
            settings, manifest = synth_settings(workdir, float(name), seed)
            out.append((f"synthetic {float(name):g}", settings, manifest))
    return out


# ---- servers --------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, proc: subprocess.Popen, seconds: float = 600) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=10):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"server at {url} did not answer within {seconds:g} s")


def start_sciplan(store: Path, workers: int, log: Path, env: dict | None = None) -> tuple[subprocess.Popen, str]:
    """`sciplan serve --workers N` (gunicorn) on a free loopback port; returns (process, endpoint URL)."""
    port = free_port()
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sciplan.cli", "--store", str(store), "serve", "--workers", str(workers),
             "--port", str(port)], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            env={**os.environ, "SCIPLAN_QUERY_TIMEOUT": "120", "SCIPLAN_MAX_ROWS": "1000000", **(env or {})})
    url = f"http://127.0.0.1:{port}/sparql"
    wait_for(url + "?query=ASK%7B%7D", proc)
    return proc, url


def oxigraph_binary() -> str | None:
    """Oxigraph's own Rust server (`pip install oxigraph`), on PATH or beside this Python."""
    beside = Path(sys.executable).parent / "oxigraph"
    return shutil.which("oxigraph") or (str(beside) if beside.exists() else None)


def start_oxigraph(store: Path, log: Path, timeout: float = 120) -> tuple[subprocess.Popen, str]:
    """`oxigraph serve-read-only --union-default-graph` on the same store; returns (process, query URL)."""
    binary = oxigraph_binary()
    if binary is None:
        raise RuntimeError("the oxigraph server is not installed (pip install oxigraph)")
    port = free_port()
    with open(log, "wb") as out:
        proc = subprocess.Popen([binary, "serve-read-only", "--location", str(Path(store).resolve()), "--union-default-graph",
                                 "--bind", f"127.0.0.1:{port}", "--timeout-s", str(int(timeout))],
                                cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/query"
    wait_for(url + "?query=ASK%7B%7D", proc)
    return proc, url


RDFLIB_ENDPOINT_SERVER = """
import sys, time, uvicorn
from rdflib import Dataset
from rdflib_endpoint import SparqlEndpoint
started = time.perf_counter()
ds = Dataset(default_union=True)
ds.parse(sys.argv[1], format="nquads")
print(f"loaded {len(ds)} triples in {time.perf_counter() - started:.1f}s", flush=True)
app = SparqlEndpoint(graph=ds, title="sciplan on rdflib-endpoint")
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


def start_rdflib_endpoint(nquads: Path, log: Path) -> tuple[subprocess.Popen, str]:
    """rdflib-endpoint (FastAPI + uvicorn) over an rdflib Dataset with the default graph as union."""
    port = free_port()
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-c", RDFLIB_ENDPOINT_SERVER, str(nquads), str(port)],
                                cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    wait_for(url + "?query=ASK%7B%7D", proc, seconds=1800)
    return proc, url


def process_tree(pid: int) -> dict[int, int]:
    """The process `pid` and its descendants, each with its depth below `pid` (0 itself); Linux /proc, else {}."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = entry.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        parents.setdefault(int(fields[1]), []).append(int(entry.parent.name))
    found, todo = {}, [(pid, 0)]
    while todo:
        current, depth = todo.pop()
        found[current] = depth
        todo += [(child, depth + 1) for child in parents.get(current, [])]
    return found if Path(f"/proc/{pid}").exists() else {}


def cpu_ms(pid: int) -> float:
    """CPU time (user + system, all threads) the process has used, in ms; 0 when it is gone or not on Linux.
    The kernel counts it in clock ticks (10 ms): divide a difference by many requests."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
