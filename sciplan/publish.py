"""What `sciplan build` publishes beside the store: the downloads, the graph sizes and the VoID description.

They are computed once, at build time, into the build directory — so the atomic switch of the
store link (sciplan/store.py) switches them with the data — and the web process only reads them:

    <build>/published/
        manifest.json       base, build time, graph sizes, and which file holds which download
        sciplan.trig        every named graph (TriG)          ┐ the downloads (describe.DISTRIBUTIONS)
        sciplan.nq          every named graph (N-Quads)        │
        tasks.csv           the task table                     ┘
        void.nt             the VoID/DCAT description (describe.describe), N-Triples
        graphs/<n>.ttl      each named graph as Turtle (what <graph IRI>?format=turtle answers)
        def/index.html      the vocabulary reference that /def/ shows (sciplan/reference.py)

`Published` is the reader's side, with two implementations of one interface: `OnDisk` reads a
build's files; `Computed` computes the same things from a store when there is no build directory
(a remote SPARQL store, an in-memory store, a store built before this existed), once per store
version. `write` renders a `Computed` into files, so both give the same bytes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from functools import cached_property
from itertools import islice
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

from . import describe, export, reference, vocab
from .config import Settings
from .errors import file_errors

DIRECTORY = "published"
MANIFEST = "manifest.json"
VOID_FILE = "void.nt"


class Published(Protocol):
    """What the server offers about a store version without querying it."""

    def graph_sizes(self) -> list[tuple[str, int]]: ...

    def void(self) -> list[ox.Triple]: ...

    def download(self, path: str) -> bytes: ...

    def graph_turtle(self, graph: str) -> bytes | None: ...


class Computed:
    """Everything computed from a store, each item once, when first asked for."""

    def __init__(self, store, settings: Settings, built: str | None = None):
        self.store, self.settings, self.built = store, settings, built
        self._downloads: dict[str, bytes] = {}

    def graph_sizes(self) -> list[tuple[str, int]]:
        return self._sizes

    @cached_property
    def _sizes(self) -> list[tuple[str, int]]:
        return describe.graph_sizes(self.store)

    def void(self) -> list[ox.Triple]:
        return self._void

    @cached_property
    def _void(self) -> list[ox.Triple]:
        return describe.describe(self.store, self.settings, self.built, sizes=self.graph_sizes())

    def download(self, path: str) -> bytes:
        if path not in self._downloads:
            self._downloads[path] = render_download(self.store, self.settings, path)
        return self._downloads[path]

    def write_download(self, path: str, target: Path) -> None:
        """The download into a file, the same bytes as `download` gives: a dump streams into it, never held whole
        (at national size the N-Quads dump is 1.6 GB and the TriG 0.5 GB: held, the build peaked at 4.5 GB)."""
        write_download(self.store, self.settings, path, target)

    def graph_turtle(self, graph: str) -> bytes | None:
        return None  # answered by a query (server/linked_data.py) when nothing was published

    def write_dumps(self, targets: dict[ox.RdfFormat, Path], graphs: dict[str, Path]) -> dict[str, int]:
        """The TriG and N-Quads dumps into their files and every named graph as Turtle into its file (`graphs`: graph
        IRI → file), in one pass over the store (`write_dumps`); returns VoID's counts (describe.counts) of that pass."""
        return write_dumps(self.store, self.settings, targets, graphs)

    def void_counted(self, counted: dict[str, int]) -> list[ox.Triple]:
        """The VoID description with `counted` (describe.counts, from the one pass) instead of counting again."""
        return describe.describe(self.store, self.settings, self.built, counted=counted, sizes=self.graph_sizes())


def _distribution(path: str) -> describe.Distribution:
    dist = next((d for d in describe.DISTRIBUTIONS if d.path == path), None)
    if dist is None:
        raise KeyError(path)
    return dist


def render_download(store, settings: Settings, path: str) -> bytes:
    """One download of describe.DISTRIBUTIONS: a dump of the store, or the CSV task table."""
    dist = _distribution(path)
    if dist.rdf_format is not None:
        return export.dump(store, dist.rdf_format, settings)
    return export.export(store, "csv", settings)


def write_download(store, settings: Settings, path: str, target: Path) -> None:
    """`render_download` into a file; a dump of the store is streamed into it."""
    dist = _distribution(path)
    if dist.rdf_format is not None:
        export.dump(store, dist.rdf_format, settings, output=target)
    else:
        target.write_bytes(export.export(store, "csv", settings))


CHUNK = 100_000    # quads serialized at a time by write_dumps (the derived graph alone has 1.2 M at national size)
DUMPED_IN_ONE_PASS = (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS)
_PREFIX_LINES = re.compile(rb"(?:@prefix [^\n]*\n)*")


def write_dumps(store, settings: Settings, targets: dict[ox.RdfFormat, Path], graphs: dict[str, Path],
                chunk: int = CHUNK) -> dict[str, int]:
    """Write the dumps of `targets` (TriG and N-Quads: the bytes of export.dump) and each named graph of `graphs` as
    Turtle with the store's prefixes (vocab.declared_prefixes; the bytes of serializing that graph alone) in one pass
    over the store, a graph at a time, `chunk` quads at a time.

    Store.dump reads the store once per format and each graph's Turtle once more, and reading dominates (each term is
    decoded from the store: ≈ 5 µs a quad, 36 s at national size); serializing what was read is cheap. The pieces
    add up to the whole because of how Oxigraph writes TriG: the prefix lines, then the default graph's triples, then
    per named graph (in the store's order, the order of Store.dump) `<graph> {`, its triples indented by one tab,
    and `}`; each subject's triples together, so a chunk ends only where the subject changes. A graph's Turtle is
    its TriG lines without the tab when both are written with the same prefixes, else it is serialized again.

    It returns what describe.counts would for the store, from the quads it read: triples, graphs, entities (IRIs
    under the base as subjects), classes, properties (≈ 5 s at national size against 25 s for the queries)."""
    trig_prefixes = export.prefixes(settings)
    turtle_prefixes = vocab.declared_prefixes(store)
    subjects: set = set()
    predicates: set = set()
    classes: set = set()
    rdf_type = ox.NamedNode(vocab.RDF_TYPE)
    triples = 0
    named = list(store.named_graphs())
    with open(targets[ox.RdfFormat.TRIG], "wb") as trig, open(targets[ox.RdfFormat.N_QUADS], "wb") as nquads:
        header: bytes | None = None
        for graph in (ox.DefaultGraph(), *named):
            with ExitStack() as files:
                turtle = None
                for number, quads in enumerate(_runs(store.quads_for_pattern(None, None, None, graph), chunk)):
                    triples += len(quads)
                    subjects.update(q.subject for q in quads)
                    predicates.update(q.predicate for q in quads)
                    classes.update(q.object for q in quads if q.predicate == rdf_type)
                    nquads.write(ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"")
                    data = ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=trig_prefixes) or b""
                    if header is None:
                        header = _header(data)
                        trig.write(header)
                    if isinstance(graph, ox.DefaultGraph):
                        trig.write(data[len(header):])
                        continue
                    if turtle is None:
                        turtle = files.enter_context(open(graphs[graph.value], "wb"))
                    opening = data.index(b"\n", len(header)) + 1        # `<graph> {`
                    body = data[opening:len(data) - 2]                  # its triples, without the closing `}`
                    trig.write(body if number else data[len(header):opening] + body)
                    if turtle_prefixes == trig_prefixes:
                        lines = body[1:].replace(b"\n\t", b"\n")      # the graph's Turtle: its lines without the tab
                        turtle.write(lines if number else header + lines)
                    else:
                        text = ox.serialize([q.triple for q in quads], format=ox.RdfFormat.TURTLE, prefixes=turtle_prefixes) or b""
                        turtle.write(text[len(_header(text)):] if number else text)
                if turtle is not None:
                    trig.write(b"}\n")
    base = settings.base
    entities = sum(1 for s in subjects if isinstance(s, ox.NamedNode) and s.value.startswith(base))
    return {"triples": triples, "graphs": len(named), "entities": entities, "classes": len(classes),
            "properties": len(predicates)}


def _header(data: bytes) -> bytes:
    """The prefix lines Oxigraph's TriG or Turtle serializer begins with."""
    found = _PREFIX_LINES.match(data)
    return found.group() if found else b""


def _runs(quads: Iterator[ox.Quad], size: int) -> Iterator[list[ox.Quad]]:
    """The quads in lists of `size` or a few more: a list ends where the subject changes."""
    carry: list[ox.Quad] = []
    while True:
        run = carry + list(islice(quads, size))
        if not run:
            return
        carry = []
        last = run[-1].subject
        for quad in quads:
            if quad.subject != last:
                carry = [quad]
                break
            run.append(quad)
        yield run


class OnDisk:
    """A build's published files (see the module's docstring)."""

    def __init__(self, directory: Path, manifest: dict):
        self.directory, self.manifest = directory, manifest

    @classmethod
    def of(cls, store_path: Path | str) -> OnDisk | None:
        """The published files of the build a store path (link) points to; None if it has none."""
        directory = Path(store_path).resolve() / DIRECTORY
        try:
            manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        return cls(directory, manifest)

    @property
    def built(self) -> str | None:
        return self.manifest.get("built")

    def graph_sizes(self) -> list[tuple[str, int]]:
        return [(name, int(size)) for name, size in self.manifest["graph_sizes"]]

    def void(self) -> list[ox.Triple]:
        return [q.triple for q in ox.parse(path=str(self.directory / VOID_FILE), format=ox.RdfFormat.N_TRIPLES)]

    def download(self, path: str) -> bytes:
        return (self.directory / self.manifest["downloads"][path]).read_bytes()

    def graph_turtle(self, graph: str) -> bytes | None:
        name = self.manifest["graphs"].get(graph)
        return (self.directory / name).read_bytes() if name else None


def write(directory: Path, computed: Computed,
          progress: Callable[[str], None] | None = None) -> dict:
    """Publish everything `computed` offers into `directory` (made fresh); returns the manifest.

    The dumps and the graphs' Turtle are written in one pass over the store (`write_dumps`) while a second thread
    writes what queries give — the task table, /def/ —: Oxigraph evaluates a query without holding Python's lock,
    so the two share the CPUs. The VoID description follows the pass, with the counts the pass made (its own
    queries took 25 s at national size; the graph sizes are counted once, for the manifest and VoID alike)."""
    with file_errors(directory):
        (directory / "graphs").mkdir(parents=True, exist_ok=True)
        downloads = {dist.path: dist.path.rsplit("/", 1)[-1] for dist in describe.DISTRIBUTIONS}
        graphs = {graph: f"graphs/{number:04d}.ttl" for number, (graph, _) in enumerate(computed.graph_sizes())}
        passed = {dist.rdf_format: directory / downloads[dist.path] for dist in describe.DISTRIBUTIONS
                  if dist.rdf_format in DUMPED_IN_ONE_PASS}
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="publish") as pool:
            queried = pool.submit(_write_queried, directory, computed,
                                  {path: name for path, name in downloads.items() if _distribution(path).rdf_format not in passed})
            if progress:
                progress("downloads/, graphs/")
            counted = computed.write_dumps(passed, {graph: directory / name for graph, name in graphs.items()})
            if progress:
                progress(f"{VOID_FILE}, downloads/tasks.csv, {reference.DIRECTORY}/")
            (directory / VOID_FILE).write_bytes(ox.serialize(computed.void_counted(counted), format=ox.RdfFormat.N_TRIPLES) or b"")
            queried.result()
        manifest = {"base": computed.settings.base, "built": computed.built,
                    "graph_sizes": computed.graph_sizes(), "downloads": downloads, "graphs": graphs}
        (directory / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def _write_queried(directory: Path, computed: Computed, downloads: dict[str, str]) -> None:
    """What `write` publishes from queries: the downloads not dumped in its pass (the task table) and the /def/
    page. (The VoID description is written after the pass, from its counts.)"""
    for path, name in downloads.items():
        computed.write_download(path, directory / name)
    reference.write(directory / reference.DIRECTORY, computed.store, computed.settings)  # the /def/ page
