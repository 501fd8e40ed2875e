"""The `sciplan` command: one entry point, one subcommand per job.

Exit codes: 0 success, 1 the data or query failed (e.g. validation found
violations), 2 usage or I/O errors.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

from . import __version__
from .config import load_settings

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad input from the user: reported on stderr with exit code 2."""


def _examples(text: str) -> str:
    return "examples:\n" + textwrap.indent(textwrap.dedent(text).strip(), "  ")


def _parser_for(sub, name: str, help: str, examples: str) -> argparse.ArgumentParser:
    return sub.add_parser(
        name, help=help, description=help, epilog=_examples(examples),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


# ---- build -----------------------------------------------------------------

def add_build(sub) -> None:
    p = _parser_for(sub, "build", "compile ontology/ and data/ttl/ into the on-disk store", """
        sciplan build
        sciplan build --store /tmp/kg --base http://localhost:8080/
        SCIPLAN_BASE=https://example.org/kg/ sciplan build --quiet
    """)
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(run=run_build)


def run_build(args, settings) -> int:
    from .store import build

    def progress(n, total, path):
        if not args.quiet:
            print(f"[{n}/{total}] {path}", file=sys.stderr)

    report = build(settings, progress=progress)
    print(f"built {report.store} : {len(report.files)} graphs, {report.triples} triples in {report.seconds:.2f}s")
    return EXIT_OK


# ---- query -----------------------------------------------------------------

def add_query(sub) -> None:
    p = _parser_for(sub, "query", "run a SPARQL query (string or .rq file) against the store", """
        sciplan query 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }'
        sciplan query queries/lead-units-by-function.rq --format csv > out.csv
        sciplan query queries/trace-task-to-national.rq --format json
    """)
    p.add_argument("sparql", help="a SPARQL query, or the path of a file holding one")
    p.add_argument("--format", default="table", help="table (default), csv, tsv or json")
    p.set_defaults(run=run_query)


def run_query(args, settings) -> int:
    from .query import FORMATS, read_query, render, run
    from .store import open_store

    if args.format not in FORMATS:
        raise UsageError(f"--format: unknown format {args.format!r}; choose one of {', '.join(FORMATS)}")
    sparql = read_query(args.sparql)
    store = open_store(settings.store)
    sys.stdout.write(render(run(store, sparql), args.format))
    return EXIT_OK


# ---- export ----------------------------------------------------------------

def add_export(sub) -> None:
    p = _parser_for(sub, "export", "export the task table (CSV) or the graph (TriG, N-Quads, Turtle)", """
        sciplan export --format csv > tasks.csv
        sciplan export --format csv --output tasks.csv
        sciplan export --format trig --output dump.trig
    """)
    p.add_argument("--format", default="csv", help="csv (task table), trig, nquads or turtle")
    p.add_argument("--output", "-o", help="file to write (default: standard output)")
    p.set_defaults(run=run_export)


def run_export(args, settings) -> int:
    from .export import EXPORTERS, export
    from .store import open_store

    if args.format not in EXPORTERS:
        raise UsageError(f"--format: unknown format {args.format!r}; choose one of {', '.join(EXPORTERS)}")
    store = open_store(settings.store)
    data = export(store, args.format, settings)
    if args.output:
        Path(args.output).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
    return EXIT_OK


# ---- extract ---------------------------------------------------------------

def add_extract(sub) -> None:
    p = _parser_for(sub, "extract", "regenerate the seed plans in data/ttl/ from data/sources/", """
        sciplan extract            # rewrite data/ttl/plans/*.ttl for the seed plans
        sciplan extract --check    # exit 1 if data/ttl differs from what the sources give
    """)
    p.add_argument("--check", action="store_true", help="compare instead of writing")
    p.set_defaults(run=run_extract)


def run_extract(args, settings) -> int:
    from .extract import write_all

    changed = write_all(settings, check=args.check)
    for path in changed:
        print(("differs: " if args.check else "wrote: ") + str(path))
    return EXIT_FAIL if (args.check and changed) else EXIT_OK


# ---- serve -----------------------------------------------------------------

def add_serve(sub) -> None:
    p = _parser_for(sub, "serve", "serve the SPARQL endpoint, linked-data pages and downloads (read-only)", """
        sciplan serve                          # development server on http://127.0.0.1:8080/
        sciplan serve --host 0.0.0.0 --port 8080 --workers 4   # gunicorn, 4 processes
        SCIPLAN_QUERY_TIMEOUT=5 SCIPLAN_MAX_ROWS=2000 sciplan serve
    """)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    p.add_argument("--workers", type=int, default=0,
                   help="run gunicorn with this many worker processes (default: the single-process development server)")
    p.set_defaults(run=run_serve)


def run_serve(args, settings) -> int:
    from server.run import serve

    if not 0 < args.port < 65536:
        raise UsageError(f"--port: {args.port} is not a port number")
    if args.workers < 0:
        raise UsageError(f"--workers: must be 0 or more, not {args.workers}")
    return serve(settings, args.host, args.port, args.workers)


COMMANDS = [add_build, add_query, add_export, add_extract, add_serve]


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sciplan",
        description="Build, query, validate, export and serve the 全民科学素质 plans knowledge graph.",
        epilog=_examples("""
            sciplan build && sciplan serve --port 8080
            sciplan query 'SELECT * WHERE { ?s a <https://w3id.org/sciplan/def/Plan> }'
            sciplan export --format csv > tasks.csv
        """),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"sciplan {__version__}")
    parser.add_argument("--store", help="store directory (default: var/store, or $SCIPLAN_STORE)")
    parser.add_argument("--base", help="base IRI (default: https://w3id.org/sciplan/, or $SCIPLAN_BASE)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    from .query import QueryError
    from .store import BuildError
    from .extract.writer import CurationError

    try:
        settings = load_settings(store=Path(args.store) if args.store else None, base=args.base)
        return args.run(args, settings)
    except (UsageError, ValueError) as exc:
        print(f"sciplan {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (BuildError, QueryError, CurationError) as exc:
        print(f"sciplan {args.command}: {exc}", file=sys.stderr)
        return EXIT_FAIL if isinstance(exc, QueryError) else EXIT_USAGE
    except (FileNotFoundError, PermissionError, IsADirectoryError) as exc:
        print(f"sciplan {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
