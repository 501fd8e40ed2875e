"""Every error sciplan reports: one family, each class carrying the exit code of a command that meets it.

`sciplan.cli.main` catches `SciplanError` once and exits with its `exit_code`; the
message is printed as ``sciplan <command>: <message>``. Anything else that escapes a
command is a bug: `main` prints the traceback and exits with EXIT_BUG (3), so a
script can tell a crash from a failed validation (1) or a usage mistake (2).

    exit  meaning                                          classes
    0     success
    1     the data or the query failed                     QueryError, RemoteError (and its kinds)
    2     usage or input: a bad argument, option or        UsageError, ConfigError, PlanNotFound, PictureError,
          variable; a file that cannot be read, parsed     InputError, StoreNotFound, StaleStore, BuildError,
          or written; a store of another build revision    ShapesError, CurationError, TableError
    3     a bug (a traceback is printed)                   anything outside this family

(`sciplan validate` also exits 1 when it finds violations, and `sciplan import` when the plan it
imported has violations: that is their answer, not an error — the import is written all the same.)

The web layer (server/) decides the HTTP status of a failure (server/errors.py);
these classes carry none. Some also derive from the built-in class that callers
caught before there was a family (CurationError and ConfigError are ValueErrors,
StoreNotFound a FileNotFoundError), so such callers keep working.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar, Protocol

EXIT_OK = 0
EXIT_FAIL = 1
EXIT_USAGE = 2
EXIT_BUG = 3


class SciplanError(Exception):
    """Base of every error sciplan reports; `exit_code` is what the command exits with."""

    exit_code: ClassVar[int] = EXIT_FAIL


# ---- 2: usage ------------------------------------------------------------------------------

class UsageError(SciplanError):
    """Bad input from the user: an argument or option the command cannot use."""

    exit_code = EXIT_USAGE


class ConfigError(UsageError, ValueError):
    """A setting (SCIPLAN_* variable or command-line flag) has a value that cannot be used; the message names it."""


class PlanNotFound(UsageError):
    """--plan names no plan of the graph."""


class PictureError(UsageError):
    """A picture cannot be drawn: the plan or the kind is unknown, or Graphviz failed."""


# ---- 2: input and output -------------------------------------------------------------------

class InputError(SciplanError):
    """A file or directory cannot be read, parsed or written; the message names it."""

    exit_code = EXIT_USAGE


class StoreNotFound(InputError, FileNotFoundError):
    """There is no built store where one was expected."""


class StaleStore(InputError):
    """The store was built by an sciplan whose derived graph is of another revision (sciplan.derived.REVISION):
    queries would read terms it lacks or computed by other rules. `sciplan build` makes it again."""


class BuildError(InputError):
    """A source file could not be loaded into the store; the message names the file and line."""


class ShapesError(InputError):
    """pyshacl could not use the SHACL shapes; the message says why."""


class CurationError(InputError, ValueError):
    """The curation files and the sources disagree; the message says where."""


class Place(Protocol):
    """Where in a file something is (sciplan.extract.model.Excerpt): `line 12`, `sheet '表', row 12`."""

    def where(self) -> str: ...


class TableError(InputError):
    """A task table (sciplan import, sciplan extract) cannot be read or represented.

    The message names the file and the place: `sheet '…', row N` for a workbook, `line N`
    for text and CSV. `sciplan import` raises it before anything is written."""

    def __init__(self, source: str, message: str, at: Place | None = None):
        self.source, self.detail, self.at = source, message, at
        super().__init__(f"{source}: {at.where()}: {message}" if at is not None else f"{source}: {message}")


# ---- 1: the data or the query failed -------------------------------------------------------

class Uncompilable(SciplanError):
    """A shape construct the set-at-a-time engine (sciplan.engine) does not translate. The engine
    catches it and leaves that shape to pyshacl (named in the report); it reaches a user only if
    that hand-over is broken, and then as a failure (exit 1)."""


class QueryError(SciplanError):
    """A query could not be read, parsed or evaluated; the message says why."""


class RemoteError(SciplanError):
    """The remote SPARQL store failed: it could not be reached or answered with a server error."""


class RemoteUnavailable(RemoteError):
    """The remote store said it is busy or down for now (503, 504, 408, 429)."""


class RemoteTimeout(RemoteUnavailable):
    """The remote store did not answer within the time limit."""


class RemoteRefused(RemoteError, ValueError):
    """The remote store refused the query (a 4xx answer): the query, not the store, is at fault."""


class RemoteTruncated(RemoteError):
    """The remote store cut the answer at its row limit (header X-SPARQL-MaxRows)."""


@contextmanager
def file_errors(what: object) -> Iterator[None]:
    """Turn an OSError of the block (the system refused a read or a write) into an InputError naming `what`."""
    try:
        yield
    except OSError as exc:
        raise InputError(f"{what}: {exc.strerror or exc}") from None
