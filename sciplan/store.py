"""The on-disk pyoxigraph store: atomic builds and read access.

A build loads the ontology and every Turtle file of data/ttl into a fresh
store directory, one named graph per file, adds the derived graph of shortcuts
computed from them (sciplan/derived.py, <base>graph/derived), publishes the downloads, graph
sizes and VoID description beside it (sciplan/publish.py), and only then
points the store path (a symbolic link) at it. A failed build leaves the
previous store untouched, so the server and other readers never see half a
graph, nor a description of another build.
"""

from __future__ import annotations

import fcntl
import gc
import json
import os
import shutil
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable, Iterable, Iterator

import pyoxigraph as ox

from . import derived, iris, publish
from .config import Settings
from .errors import BuildError, InputError, StaleStore, StoreNotFound

BUILD_INFO = "sciplan-build.json"


@dataclass
class LoadedFile:
    path: Path
    graph: str
    triples: int


@dataclass
class BuildReport:
    store: Path
    files: list[LoadedFile] = field(default_factory=list)
    seconds: float = 0.0
    derived: int = 0          # triples of the derived graph (not counted in `triples`, the sources')

    @property
    def triples(self) -> int:
        return sum(f.triples for f in self.files)


def graph_iri(settings: Settings, path: Path) -> str:
    """The named graph of a source file: <base>graph/<path below ontology/ or data/ttl/>."""
    path = path.resolve()
    for root, prefix in ((settings.data_dir, ""), (settings.ontology_dir, "ontology/")):
        try:
            rel = path.relative_to(root.resolve())
        except ValueError:
            continue
        return settings.base + iris.graph(prefix + rel.with_suffix("").as_posix())
    return settings.base + iris.graph("extra/" + path.stem)


def source_files(settings: Settings) -> list[Path]:
    """Ontology first, then data, each in a stable (sorted) order."""
    files = sorted(settings.ontology_dir.glob("*.ttl")) + sorted(settings.data_dir.rglob("*.ttl"))
    if not files:
        raise BuildError(f"no Turtle files under {settings.ontology_dir} or {settings.data_dir}; the data root is "
                         f"{settings.root}: give --root DIR or SCIPLAN_ROOT, or run inside it (docs/configuration.md)")
    return files


def read_file(path: Path, graph: str, base: str) -> Iterator[ox.Quad]:
    """The triples of one Turtle file as quads of its named graph; errors name the file and line."""
    target = ox.NamedNode(graph)
    try:
        for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=base):
            yield ox.Quad(triple.subject, triple.predicate, triple.object, target)
    except SyntaxError as exc:
        line = f":{exc.lineno}" if exc.lineno else ""
        raise BuildError(f"{path}{line}: {exc.msg}") from None
    except OSError as exc:
        raise BuildError(f"{path}: {exc.strerror or exc}") from None


def build(
    settings: Settings,
    files: Iterable[Path] | None = None,
    progress: Callable[[int, int, Path], None] | None = None,
    published: bool = True,
) -> BuildReport:
    """Compile the sources into a new store, publish beside it (unless `published` is False: the server
    then computes the downloads and the description itself), then switch the store path to it."""
    files = list(files) if files is not None else source_files(settings)
    link = Path(settings.store)
    if link.exists() and not link.is_symlink():
        raise BuildError(f"{link} exists and is not a store link made by 'sciplan build'; move it away")
    try:
        link.parent.mkdir(parents=True, exist_ok=True)
        with open(link.parent / f".{link.name}.lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise BuildError(f"another build of {link} is running") from None
            return _build_locked(settings, files, link, progress, published)
    except OSError as exc:  # the store's directory cannot be written (the sources' own errors are BuildErrors)
        raise BuildError(f"{link}: cannot write the store: {exc.strerror or exc}") from None


def _build_locked(settings: Settings, files: list[Path], link: Path, progress, published: bool) -> BuildReport:
    started = time.perf_counter()
    versions = link.parent / (link.name + ".d")
    versions.mkdir(parents=True, exist_ok=True)
    fresh = versions / f"build-{time.time_ns()}"
    report = BuildReport(store=link)
    store = ox.Store(str(fresh))

    def quads() -> Iterator[ox.Quad]:
        for number, path in enumerate(files, 1):
            if progress:
                progress(number, len(files), path)
            loaded = LoadedFile(path, graph_iri(settings, path), 0)
            for quad in read_file(path, loaded.graph, settings.base):
                loaded.triples += 1
                yield quad
            report.files.append(loaded)

    built = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    try:
        # One bulk load for all files: it writes sorted files directly, far faster than a load per file.
        store.bulk_extend(quads())
        store.flush()
        # The derived graph is computed over the loaded sources and bulk-loaded before the switch.
        shortcuts = list(derived.quads(store, settings.base))
        report.derived = len(shortcuts)
        store.bulk_extend(shortcuts)
        del shortcuts
        store.flush()
        # The bulk loads leave their sorted files side by side, overlapping in key range: a lookup then searches
        # each of them. Compacting into one sorted run halves the lookups' cost at national size (a lead tally's
        # three properties: 630 → 295 ms over 29,000 tallies) for 7 s of a 3.5-minute build.
        store.optimize()
        if published:
            publish.write(fresh / publish.DIRECTORY, publish.Computed(store, settings, built))
    except BaseException as exc:
        # Close the half-built store (frames of the traceback hold it) before removing it.
        traceback.clear_frames(exc.__traceback__)
        del store
        gc.collect()
        _remove(fresh)
        raise
    del store
    report.seconds = time.perf_counter() - started
    info = {
        "base": settings.base,
        "built": built,
        "seconds": round(report.seconds, 3),
        "graphs": {f.graph: {"file": str(f.path), "triples": f.triples} for f in report.files},
        "derived": {"graph": derived.graph_iri(settings.base), "triples": report.derived, "revision": derived.REVISION},
    }
    (fresh / BUILD_INFO).write_text(json.dumps(info, ensure_ascii=False, indent=2), encoding="utf-8")
    _switch(link, fresh)
    return report


def _remove(path: Path, attempts: int = 5) -> None:
    """Remove a store directory, retrying while background writes finish."""
    for _ in range(attempts):
        shutil.rmtree(path, ignore_errors=True)
        if not path.exists():
            return
        time.sleep(0.1)


def _switch(link: Path, target: Path) -> None:
    """Atomically repoint the store link, then drop builds nothing points to."""
    tmp = link.parent / f".{link.name}.{os.getpid()}.tmp"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(os.path.relpath(target, link.parent), tmp)
    os.replace(tmp, link)
    for old in target.parent.iterdir():
        if old != target:
            _remove(old)


def open_store(path: Path | str, read_only: bool = True) -> ox.Store:
    """Open a built store of this sciplan's derived-graph revision; read-only opens may be shared by many processes."""
    path = Path(path)
    if not path.exists():
        raise StoreNotFound(f"no store at {path}; run 'sciplan build' first")
    real = path.resolve()  # once: the record read and the store opened are the same build's
    check_revision(real, shown=path)
    try:
        return ox.Store.read_only(str(real)) if read_only else ox.Store(str(real))
    except OSError as exc:
        raise InputError(f"cannot open the store at {path}: {exc}") from None


def check_revision(path: Path, shown: Path | None = None) -> None:
    """StaleStore unless the build record says the store's derived graph is of this code's revision (derived.py:
    REVISION). Without the check a store built before a change of the derived graph answers the queries that read
    the new terms with no rows, and nothing says why. `shown`: the path the message names (the link, not its build)."""
    path, shown = Path(path), Path(shown or path)
    try:
        found = build_info(path).get("derived", {}).get("revision")
    except (OSError, ValueError, AttributeError) as exc:
        raise StaleStore(f"the store at {shown} has an unreadable {BUILD_INFO} ({exc}); run 'sciplan build'") from None
    if found == derived.REVISION:
        return
    said = f"derived-graph revision {found}" if found is not None else "no derived-graph revision"
    raise StaleStore(f"the store at {shown} was built with {said} ({BUILD_INFO}), this sciplan reads revision "
                     f"{derived.REVISION}; run 'sciplan build' to build it again")


def republish(path: Path | str, settings: Settings) -> dict:
    """Publish again for a built store whose graphs were changed after its build (the server tests add
    the W3C test graphs so); the build time stays the build's."""
    computed = publish.Computed(open_store(path), settings, build_info(path).get("built"))
    return publish.write(Path(path).resolve() / publish.DIRECTORY, computed)


def build_info(path: Path | str) -> dict:
    info = Path(path).resolve() / BUILD_INFO
    return json.loads(info.read_text(encoding="utf-8")) if info.exists() else {}
