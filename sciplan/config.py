"""Configuration: one home, loaded once at the edge.

`load_settings()` reads the environment (SCIPLAN_*) and the command line's flags
once — in `sciplan.cli.main` and `server/wsgi.py` — into a frozen `Settings`,
which is handed down; no other module reads os.environ (tests/test_structure.py
and ruff's banned-API rule check). Every variable is in one table,
docs/configuration.md, and `variables()` lists them for the test that keeps the
two in step.

    Settings                    data root and its folders, base IRI, store
    Settings.server             ServerOptions: limits and switches of the web server (SCIPLAN_<NAME>)
    Settings.remote             RemoteOptions of a remote SPARQL store (SCIPLAN_SPARQL_<NAME>), or None

Like Flask's Config.from_prefixed_env, a section's variable is its prefix and the
field's name in capitals; unlike it, the value is converted to the field's type
(numbers, on/off, space-separated lists), and a value that does not convert is a
ConfigError naming the variable.

The data root holds ontology/, data/, shapes/ and queries/. It is --root, else
SCIPLAN_ROOT, else the current directory when it holds ontology/, else the
source checkout the package runs from (an editable install), else the current
directory (and a command that needs the files says which it looked for).
"""

from __future__ import annotations

import os
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, ClassVar, Union

from .errors import ConfigError

# A permanent-identifier style base; every IRI the project mints starts here.
DEFAULT_BASE = "https://w3id.org/sciplan/"
PREFIX = "SCIPLAN_"

# The folders of a data root, relative to it.
LAYOUT = {
    "store": "var/store",
    "ontology_dir": "ontology",
    "data_dir": "data/ttl",
    "shapes_dir": "shapes",
    "queries_dir": "queries",
    "sources_dir": "data/sources",
}


def _source_checkout() -> Path | None:
    """The repository this package is imported from, when it is one (an editable install)."""
    here = Path(__file__).resolve().parent.parent
    return here if (here / "ontology").is_dir() and (here / "pyproject.toml").is_file() else None


SOURCE_CHECKOUT = _source_checkout()


def find_root(given: str | Path | None = None, what: str = "--root") -> Path:
    """The data root: `given` (which must hold ontology/), the current directory, or the source checkout."""
    if given:
        root = Path(given)
        if not (root / "ontology").is_dir():
            raise ConfigError(f"{what}: {root} is not a data root (it holds no ontology/ directory)")
        return root
    cwd = Path.cwd()
    if (cwd / "ontology").is_dir():
        return cwd
    return SOURCE_CHECKOUT or cwd


# What `Settings()` means without a root: the same search, without flags or variables.
DEFAULT_ROOT = find_root()


def check_base(base: str) -> str:
    """A base must be an absolute http(s) IRI ending in '/' so paths append cleanly."""
    if not base.startswith(("http://", "https://")) or not base.endswith("/"):
        raise ConfigError(f"base IRI must start with http:// or https:// and end with '/': {base!r}")
    return base


# ---- sections -------------------------------------------------------------------------------

@dataclass(frozen=True)
class ServerOptions:
    """Limits and switches of the web server: SCIPLAN_QUERY_TIMEOUT, SCIPLAN_MAX_ROWS, …"""

    env_prefix: ClassVar[str] = PREFIX

    query_timeout: float = 10.0          # seconds before a query is killed (503)
    max_rows: int = 10_000               # rows / triples per result; more are cut off
    max_request_bytes: int = 256 * 1024  # body or query string; larger gets 413 / 414
    query_processes: int = 2             # query worker processes per web process
    read_timeout: float = 10.0           # seconds a client has for its request head, and again for its body (408)
    query_share: int = 0                 # query processes one client may hold at once (per web process); 0 = half
    query_memory_mb: int = 4096          # address-space limit of a query worker; 0 = none
    service_allowlist: tuple[str, ...] = ()  # SERVICE IRIs a query may call
    proxy_fix: bool = False              # trust one proxy's X-Forwarded-* headers
    lean_front: bool = True              # gunicorn: common /sparql requests on kept-alive connections read without its parser
    public_url: str = ""                 # the server's public address (sd:endpoint); "" = the base
    label_languages: tuple[str, ...] = ("zh", "none", "en")  # label preference; none = untagged
    views_dir: Path | None = None        # views of resource pages (default: the package's sciplan/views)


@dataclass(frozen=True)
class RemoteOptions:
    """A remote SPARQL 1.1 store (docs/backends.md): SCIPLAN_SPARQL_URL, SCIPLAN_SPARQL_DATASET, …"""

    env_prefix: ClassVar[str] = PREFIX + "SPARQL_"

    url: str
    dataset: str = "graphs"            # "graphs" or "union"
    timeout: float | None = None       # seconds per HTTP request; None: 30 for the commands, the query timeout for the server
    page: int = 5000                   # rows per page of a dump
    graph_prefix: str = ""             # named graphs that are ours: IRIs starting with this ("" = <base>graph/)
    graph_ttl: float = 300.0           # seconds before the graph list is read again

    def __post_init__(self) -> None:
        if not str(self.url).startswith(("http://", "https://")):
            raise ConfigError(f"SCIPLAN_SPARQL_URL must be an http(s) URL, not {self.url!r}")
        dataset = str(self.dataset).strip().lower()
        if dataset not in ("graphs", "union"):
            raise ConfigError(f"SCIPLAN_SPARQL_DATASET must be 'graphs' or 'union', not {self.dataset!r}")
        object.__setattr__(self, "dataset", dataset)


@dataclass(frozen=True)
class Settings:
    """What every command and the server share. Build it with load_settings(); Settings() is the default root."""

    base: str = DEFAULT_BASE
    root: Path = DEFAULT_ROOT
    store: Path = DEFAULT_ROOT / LAYOUT["store"]
    ontology_dir: Path = DEFAULT_ROOT / LAYOUT["ontology_dir"]
    data_dir: Path = DEFAULT_ROOT / LAYOUT["data_dir"]
    shapes_dir: Path = DEFAULT_ROOT / LAYOUT["shapes_dir"]
    queries_dir: Path = DEFAULT_ROOT / LAYOUT["queries_dir"]
    sources_dir: Path = DEFAULT_ROOT / LAYOUT["sources_dir"]
    validate_threads: int = 0            # checks `sciplan validate` runs at once; 0 = one per usable CPU
    server: ServerOptions = ServerOptions()
    remote: RemoteOptions | None = None

    def __post_init__(self) -> None:
        check_base(self.base)
        if self.validate_threads < 0:
            raise ConfigError(f"SCIPLAN_VALIDATE_THREADS / --threads must be 0 or more, not {self.validate_threads}")

    @classmethod
    def at(cls, root: Path, **changes: Any) -> Settings:
        """Settings for a data root: its folders as in LAYOUT, then `changes` (None values are ignored)."""
        paths: dict[str, Any] = {name: root / rel for name, rel in LAYOUT.items()}
        return cls(root=root, **paths).with_(**changes)

    @property
    def curation_dir(self) -> Path:
        """Curated metadata and decisions (YAML), reviewed by people: beside data_dir."""
        return self.data_dir.parent / "curation"

    @property
    def generated_dir(self) -> Path:
        """Generated files that are not the graph (alignment proposals): beside data_dir, never in curation/."""
        return self.data_dir.parent / "generated"

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def with_server(self, **changes: Any) -> Settings:
        """These settings with some server options changed (tests, embedding)."""
        return replace(self, server=replace(self.server, **changes))

    def with_remote(self, url: str, **changes: Any) -> Settings:
        """These settings with a remote store at `url` (other options as given, or their defaults)."""
        return replace(self, remote=RemoteOptions(url=url, **changes))

    def remote_store(self, url: str | None = None) -> RemoteOptions | None:
        """The remote store to use — `url` if given (e.g. --endpoint), else the configured one — with
        its graph prefix resolved against the base; None for the embedded store."""
        remote = self.remote
        if url:
            remote = replace(remote, url=url) if remote else RemoteOptions(url=url)
        if remote is None:
            return None
        return replace(remote, graph_prefix=remote.graph_prefix or self.base + "graph/")


# ---- loading --------------------------------------------------------------------------------

def load_settings(environ: Mapping[str, str] | None = None, *, root: str | Path | None = None,
                  store: str | Path | None = None, base: str | None = None) -> Settings:
    """Settings from the environment (default os.environ) and the flags given; flags win."""
    env = os.environ if environ is None else environ
    found = find_root(root, "--root") if root else find_root(env.get(PREFIX + "ROOT"), PREFIX + "ROOT")
    given_store = store or env.get(PREFIX + "STORE")
    given_base = base or env.get(PREFIX + "BASE")
    what = "--base" if base else PREFIX + "BASE"
    if given_base:
        try:
            check_base(given_base)
        except ConfigError as exc:
            raise ConfigError(f"{what}: {exc}") from None
    threads = env.get(PREFIX + "VALIDATE_THREADS")
    remote = None
    if env.get(RemoteOptions.env_prefix + "URL"):
        remote = RemoteOptions(**section_values(RemoteOptions, env))
    return Settings.at(
        found, base=given_base, store=Path(given_store) if given_store else None,
        server=ServerOptions(**section_values(ServerOptions, env)), remote=remote,
        validate_threads=convert(PREFIX + "VALIDATE_THREADS", int, threads) if threads else None,
    )


def section_values(section: type, environ: Mapping[str, str]) -> dict[str, Any]:
    """The fields of a section set in the environment, converted to their types."""
    hints = typing.get_type_hints(section)
    values = {}
    for f in fields(section):
        name = section.env_prefix + f.name.upper()  # type: ignore[attr-defined]
        raw = environ.get(name)
        if raw is not None:
            values[f.name] = convert(name, hints[f.name], raw)
    return values


def convert(name: str, kind: Any, raw: str) -> Any:
    """A variable's text as a value of `kind`: bool (1/true/yes/on), numbers, space-separated tuples, paths."""
    if typing.get_origin(kind) in (Union, types.UnionType):  # X | None: the variable gives an X
        kind = next(k for k in typing.get_args(kind) if k is not type(None))
    if kind is bool:
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if typing.get_origin(kind) is tuple:
        return tuple(raw.split())
    try:
        return kind(raw)
    except ValueError:
        raise ConfigError(f"{name}: expected a {kind.__name__}, got {raw!r}") from None


def variables() -> dict[str, str]:
    """Every SCIPLAN_* variable sciplan reads, with what sets it (for docs/configuration.md and its test)."""
    names = {PREFIX + "ROOT": "Settings.root", PREFIX + "BASE": "Settings.base", PREFIX + "STORE": "Settings.store",
             PREFIX + "VALIDATE_THREADS": "Settings.validate_threads"}
    for section, attr in ((ServerOptions, "server"), (RemoteOptions, "remote")):
        for f in fields(section):
            names[section.env_prefix + f.name.upper()] = f"Settings.{attr}.{f.name}"
    return names


MAX_ARG_STRLEN = 32 * 4096  # Linux: the longest single argument or NAME=value string execve() takes


def gunicorn_script_name() -> str:
    """The SCRIPT_NAME gunicorn takes from the environment for every request ("" when unset).

    Not ours to configure: gunicorn reads it itself and strips it from each request's path; the
    /sparql lean front (server/lean_front.py) steps aside when it is set, so that gunicorn reads
    such paths as it always has.
    """
    return os.environ.get("SCRIPT_NAME", "")


def unexecutable_environment() -> str:
    """Why execve() with this process's environment would fail (E2BIG), or "" if it would not.

    Not configuration: a diagnosis for the server, which starts its query processes by exec
    with the whole environment (multiprocessing, spawn) and is told only "exit code 255" when
    the kernel refuses it. One string over 128 KiB is enough (pytest 8 puts a parametrized
    test's whole id in PYTEST_CURRENT_TEST).
    """
    sizes = {name: len(os.fsencode(name)) + len(os.fsencode(value)) + 2 for name, value in os.environ.items()}
    too_long = [name for name, size in sizes.items() if size > MAX_ARG_STRLEN]
    if too_long:
        return (f"the environment variable {', '.join(too_long)} is longer than the {MAX_ARG_STRLEN // 1024} KiB "
                "a program can be started with (execve: E2BIG); shorten or unset it")
    if sum(sizes.values()) > os.sysconf("SC_ARG_MAX") // 2:
        return f"the environment holds {sum(sizes.values())} bytes, near the system's limit for starting a program"
    return ""
