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
from collections.abc import Callable
from functools import cached_property
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
        return describe.describe(self.store, self.settings, self.built)

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

    def each_graph_turtle(self):
        """(graph IRI, Turtle) for every named graph: what `write` publishes."""
        prefixes = vocab.declared_prefixes(self.store)
        for name, _ in self.graph_sizes():
            triples = (q.triple for q in self.store.quads_for_pattern(None, None, None, ox.NamedNode(name)))
            yield name, ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes) or b""


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
    """Publish everything `computed` offers into `directory` (made fresh); returns the manifest."""
    with file_errors(directory):
        (directory / "graphs").mkdir(parents=True, exist_ok=True)
        downloads = {}
        for dist in describe.DISTRIBUTIONS:
            if progress:
                progress(dist.path)
            name = dist.path.rsplit("/", 1)[-1]
            computed.write_download(dist.path, directory / name)
            downloads[dist.path] = name
        if progress:
            progress("graphs/")
        graphs = {}
        for number, (graph, data) in enumerate(computed.each_graph_turtle()):
            name = f"graphs/{number:04d}.ttl"
            (directory / name).write_bytes(data)
            graphs[graph] = name
        if progress:
            progress(VOID_FILE)
        (directory / VOID_FILE).write_bytes(ox.serialize(computed.void(), format=ox.RdfFormat.N_TRIPLES) or b"")
        reference.write(directory / reference.DIRECTORY, computed.store, computed.settings)  # the /def/ page
        manifest = {"base": computed.settings.base, "built": computed.built,
                    "graph_sizes": computed.graph_sizes(), "downloads": downloads, "graphs": graphs}
        (directory / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest
