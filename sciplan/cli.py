"""The `sciplan` command: one entry point, one subcommand per job.

Exit codes (sciplan/errors.py): 0 success, 1 the data or query failed (e.g.
validation found violations), 2 usage or I/O errors, 3 a bug (with a traceback).
"""

from __future__ import annotations

import argparse
import sys
import textwrap
import traceback
from pathlib import Path

from . import __version__
from .config import load_settings
from .errors import EXIT_BUG, EXIT_FAIL, EXIT_OK, EXIT_USAGE, SciplanError, UsageError, file_errors


def _examples(text: str) -> str:
    return "examples:\n" + textwrap.indent(textwrap.dedent(text).strip(), "  ")


def write_output(path: str | None, data: bytes) -> None:
    """Write a command's answer to the file given with --output, or to standard output."""
    if path:
        with file_errors(path):
            Path(path).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


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
        sciplan --store /tmp/big build --no-publish     # a large synthetic graph: skip the downloads
    """)
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.add_argument("--no-publish", action="store_true",
                   help="do not write the downloads, graph sizes and VoID description beside the store "
                        "(the server then computes them on first request; sciplan/publish.py)")
    p.set_defaults(run=run_build)


def run_build(args, settings) -> int:
    from .store import build

    def progress(n, total, path):
        if not args.quiet:
            print(f"[{n}/{total}] {path}", file=sys.stderr)

    report = build(settings, progress=progress, published=not args.no_publish)
    print(f"built {report.store} : {len(report.files)} graphs, {report.triples} triples (+{report.derived} derived) "
          f"in {report.seconds:.2f}s")
    return EXIT_OK


# ---- query -----------------------------------------------------------------

def add_query(sub) -> None:
    p = _parser_for(sub, "query", "run a SPARQL query (string or .rq file) against the store", """
        sciplan query 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }'
        sciplan query queries/lead-units-by-function.rq --format csv > out.csv
        sciplan query queries/trace-task-to-national.rq --format json
        sciplan query queries/tasks-per-plan.rq --endpoint http://127.0.0.1:8890/sparql   # a remote store
    """)
    p.add_argument("sparql", help="a SPARQL query, or the path of a file holding one")
    p.add_argument("--format", default="table", help="table (default), csv, tsv or json")
    p.add_argument("--endpoint", metavar="URL",
                   help="query a remote SPARQL 1.1 store instead of the built one (default: $SCIPLAN_SPARQL_URL; docs/backends.md)")
    p.set_defaults(run=run_query)


def run_query(args, settings) -> int:
    from .backend import open_backend
    from .query import FORMATS, read_query, render, run

    if args.format not in FORMATS:
        raise UsageError(f"--format: unknown format {args.format!r}; choose one of {', '.join(FORMATS)}")
    sparql = read_query(args.sparql)
    store = open_backend(settings, args.endpoint)
    sys.stdout.write(render(run(store, sparql), args.format))
    return EXIT_OK


# ---- export ----------------------------------------------------------------

def add_export(sub) -> None:
    p = _parser_for(sub, "export", "export the task table (CSV) or the graph (TriG, N-Quads, Turtle)", """
        sciplan export --format csv > tasks.csv
        sciplan export --format csv --output tasks.csv
        sciplan export --format trig --output dump.trig
        sciplan export --format nquads --endpoint http://127.0.0.1:8890/sparql -o dump.nq  # from a remote store
    """)
    p.add_argument("--format", default="csv", help="csv (task table), trig, nquads or turtle")
    p.add_argument("--output", "-o", help="file to write (default: standard output)")
    p.add_argument("--endpoint", metavar="URL",
                   help="export from a remote SPARQL 1.1 store instead of the built one (default: $SCIPLAN_SPARQL_URL)")
    p.set_defaults(run=run_export)


def run_export(args, settings) -> int:
    from .backend import open_backend
    from .export import EXPORTERS, export

    if args.format not in EXPORTERS:
        raise UsageError(f"--format: unknown format {args.format!r}; choose one of {', '.join(EXPORTERS)}")
    store = open_backend(settings, args.endpoint)
    write_output(args.output, export(store, args.format, settings))
    return EXIT_OK


# ---- extract ---------------------------------------------------------------

def add_extract(sub) -> None:
    p = _parser_for(sub, "extract", "regenerate data/ttl/ from data/sources/ and data/curation/ (seeds and imported tables)", """
        sciplan extract            # rewrite what differs in data/ttl/
        sciplan extract --check    # exit 1 if data/ttl differs from what the sources give
    """)
    p.add_argument("--check", action="store_true", help="compare instead of writing")
    p.set_defaults(run=run_extract)


def run_extract(args, settings) -> int:
    from .extract import render_all
    from .generated import checked_summary, write_files

    files = render_all(settings)
    changed = write_files(files, check=args.check)
    for path in changed:
        print(("differs: " if args.check else "wrote: ") + str(path))
    print(checked_summary(len(files), len(changed), args.check, "data/ttl", "data/sources and data/curation"))
    return EXIT_FAIL if (args.check and changed) else EXIT_OK



# ---- import ----------------------------------------------------------------

def add_import(sub) -> None:
    p = _parser_for(sub, "import", "import a plan's 任务分工表 (XLSX, CSV or tab-separated text) into data/ttl/plans/ID.ttl", """
        sciplan import table.xlsx --plan panyu-2022-2025            # the plan's entry must be in plans.yaml
        sciplan import table.xlsx --plan panyu-2022-2025 --dry-run  # the summary and validation, nothing written
        sciplan import table.xlsx --plan panyu-2022-2025 --sheet 附件2
        sciplan import table.csv --plan panyu-2022-2025 --columns lead=主责单位,cooperating=协办单位,ignore=备注
        sciplan import table.txt --plan panyu-2022-2025 --force      # replace an earlier import
        # exit 0 imported and valid, 1 imported with violations (listed), 2 input unreadable (nothing written)
        # layouts, header words and name resolution: docs/import.md
    """)
    p.add_argument("file", help="the table: .xlsx, .csv (UTF-8) or .txt/.tsv (tab-separated, UTF-8)")
    p.add_argument("--plan", required=True, metavar="ID", help="the plan's id in data/curation/plans.yaml")
    p.add_argument("--sheet", action="append", metavar="NAME",
                   help="the worksheet holding the table (needed when several do; repeat to read several in order)")
    p.add_argument("--columns", action="append", metavar="ROLE=HEADER,...",
                   help="headers the synonym list lacks; roles: number, section, task, lead, cooperating, ignore")
    p.add_argument("--dry-run", action="store_true", help="print the summary and the validation; write nothing")
    p.add_argument("--force", action="store_true", help="replace an earlier import or an existing plan file")
    p.set_defaults(run=run_import)


def run_import(args, settings) -> int:
    from .extract.importer import run

    return run(settings, Path(args.file), args.plan, sheets=args.sheet, columns=args.columns,
               dry_run=args.dry_run, force=args.force)


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


# ---- align -----------------------------------------------------------------

def add_align(sub) -> None:
    p = _parser_for(sub, "align", "propose task alignments and apply the curated decisions (data/ttl/alignment/)", """
        sciplan align propose          # score task pairs → data/generated/alignment-proposals.yaml
        sciplan align apply            # curated decisions → data/ttl/alignment/*.ttl
        sciplan align apply --check    # exit 1 if data/ttl/alignment differs from the decisions
    """)
    steps = p.add_subparsers(dest="step", metavar="STEP", required=True)
    for name, help in (("propose", "score task pairs and rewrite data/generated/alignment-proposals.yaml"),
                       ("apply", "write data/ttl/alignment/*.ttl from derivation.yaml and alignment.yaml")):
        step = steps.add_parser(name, help=help, description=help)
        step.add_argument("--check", action="store_true", help="compare instead of writing (exit 1 if different)")
        step.set_defaults(run=run_align)


def run_align(args, settings) -> int:
    from .align import commands

    return commands.run_propose(args, settings) if args.step == "propose" else commands.run_apply(args, settings)


# ---- picture ---------------------------------------------------------------

def add_picture(sub) -> None:
    p = _parser_for(sub, "picture", "draw a plan's derivation chain or its tree as SVG (laid out in Python: no system package)", """
        sciplan picture --plan plan/440115/2022-2025 --kind chain -o nansha-chain.svg
        sciplan picture --plan https://w3id.org/sciplan/plan/440115/2022-2025 --kind tree -o nansha-tree.svg
        sciplan picture --plan plan/cn/2021-2035 --kind derived -o derived.svg   # every plan derived from it
        sciplan picture --kind register -o docs/img/register-tree.svg            # every plan and its bases
    """)
    p.add_argument("--plan", help="plan IRI, absolute or relative to the base (plan/440115/2022-2025); "
                                  "every kind but register needs it")
    p.add_argument("--kind", choices=("chain", "tree", "derived", "register"), default="chain",
                   help="chain (plan → based_on … national), tree (parts, sections, task points, lead units), "
                        "derived (the plans derived from the plan) or register (every plan and its bases)")
    p.add_argument("--output", "-o", help="SVG file to write (default: standard output)")
    p.set_defaults(run=run_picture)


def run_picture(args, settings) -> int:
    from .pictures import render
    from .store import open_store

    if args.plan is None and args.kind != "register":
        raise UsageError(f"--plan is needed for --kind {args.kind}")
    svg = render(open_store(settings.store), settings, args.plan or "", args.kind)
    write_output(args.output, svg.encode("utf-8"))
    return EXIT_OK


# ---- validate --------------------------------------------------------------

def add_validate(sub) -> None:
    p = _parser_for(sub, "validate", "check the graph against the SHACL shapes in shapes/", """
        sciplan validate                              # the built store; exit 1 on violations
        sciplan validate --plan nansha-2022-2025      # one plan: its id, IRI or plan/… path
        sciplan validate data/ttl                     # Turtle files or directories, with ontology/
        sciplan validate --format junit --output report.xml --fail-on warning
        sciplan validate --engine pyshacl             # the reference engine (slow at scale)
    """)
    p.add_argument("files", nargs="*", help="Turtle files or directories to validate (with ontology/) instead of the store")
    p.add_argument("--plan", help="validate one plan: its id (file name), IRI or plan/… path")
    p.add_argument("--format", default="text", help="text (default), turtle, json or junit")
    p.add_argument("--output", "-o", help="file to write (default: standard output)")
    p.add_argument("--fail-on", default="violation", choices=("violation", "warning"),
                   help="exit 1 on violations (default) or on warnings too")
    p.add_argument("--engine", default="sets",
                   help="sets (default: each constraint one query over all focus nodes) or pyshacl (the reference)")
    p.add_argument("--threads", type=int, default=None,
                   help="checks the sets engine runs at once (default SCIPLAN_VALIDATE_THREADS, else one per usable CPU)")
    p.set_defaults(run=run_validate)


def run_validate(args, settings) -> int:
    from .report import FORMATS, render, summary
    from .validate import check_engine, validate_built, validate_files

    if args.format not in FORMATS:
        raise UsageError(f"--format: unknown format {args.format!r}; choose one of {', '.join(FORMATS)}")
    check_engine(args.engine)
    if args.threads is not None:
        if args.threads < 0:
            raise UsageError(f"--threads: must be 0 or more, not {args.threads}")
        settings = settings.with_(validate_threads=args.threads)
    if args.files:
        result = validate_files(args.files, settings, plan=args.plan, engine=args.engine)
    else:
        result = validate_built(settings, plan=args.plan, engine=args.engine)
    write_output(args.output, render(result, args.format, fail_on=args.fail_on))
    if args.output or args.format != "text":
        print(f"sciplan validate: {result.scope}: {summary(result, args.fail_on)}", file=sys.stderr)
    return EXIT_FAIL if result.failed(args.fail_on) else EXIT_OK


# ---- synth -----------------------------------------------------------------

def add_synth(sub) -> None:
    p = _parser_for(sub, "synth", "write a synthetic national-scale data directory (benchmarks; never mixed with data/ttl)", """
        sciplan synth --scale 0.1 --output /tmp/syn                   # 321 plans, 12,519 task points
        sciplan synth --scale 0.1 --output /tmp/syn --build            # and build it into /tmp/syn/store
        sciplan --store /tmp/kg synth --scale 1.0 --seed 7 --output /tmp/syn --build
        sciplan synth --scale 1.0 --with-real --output /tmp/nat --build # the real KB beside 3,208 synthetic plans
        sciplan --store /tmp/kg serve                                  # then serve (or query, validate) it
    """)
    p.add_argument("--scale", type=float, default=1.0,
                   help="share of the 1 + 31 + 333 + 2,844 plans of a generation, in (0, 1] (default 1.0)")
    p.add_argument("--seed", type=int, default=2021, help="random seed; the same seed gives the same bytes (default 2021)")
    p.add_argument("--output", "-o", required=True, help="data directory to write (replaced if it exists)")
    p.add_argument("--build", action="store_true",
                   help="then build it with ontology/ into a store: --store if given, else OUTPUT/store")
    p.add_argument("--with-real", action="store_true",
                   help="put the real data (data/ttl) beside the synthetic plans, under the real national plan and with no "
                        "IRI or GB/T 2260 code of it minted again: the competency queries get their real answers at scale")
    p.set_defaults(run=run_synth)


def run_synth(args, settings) -> int:
    import json

    from .synth import generate

    if not 0 < args.scale <= 1:
        raise UsageError(f"--scale: must be more than 0 and at most 1, not {args.scale}")
    out = Path(args.output)
    real, target = settings.data_dir.resolve(), out.resolve()
    if target == real or target in real.parents or real in target.parents:
        raise UsageError(f"--output: {out} would replace or mix with the real data in {settings.data_dir}; choose another directory")
    with file_errors(out):
        manifest = generate(settings, out, scale=args.scale, seed=args.seed,
                            real=settings.data_dir if args.with_real else None)
    counts = {k: v for k, v in manifest.items() if k not in ("defective", "rates", "opportunities")}
    print(f"wrote {out}: {json.dumps(counts, ensure_ascii=False)}", file=sys.stderr)
    if args.build:
        from .store import build

        store = Path(args.store) if args.store else out / "store"
        report = build(settings.with_(data_dir=out, store=store))
        print(f"built {report.store} : {len(report.files)} graphs, {report.triples} triples in {report.seconds:.2f}s")
    return EXIT_OK


COMMANDS = [add_build, add_query, add_export, add_extract, add_import, add_serve, add_align, add_picture, add_validate, add_synth]


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
    parser.add_argument("--root", metavar="DIR",
                        help="data root holding ontology/, data/, shapes/, queries/ (default: $SCIPLAN_ROOT, else the "
                             "current directory if it holds ontology/, else the source checkout)")
    parser.add_argument("--store", help="store directory (default: <root>/var/store, or $SCIPLAN_STORE)")
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
    try:
        settings = load_settings(root=args.root, store=args.store, base=args.base)
        return args.run(args, settings)
    except SciplanError as exc:  # every error sciplan reports carries its exit code (sciplan/errors.py)
        print(f"sciplan {args.command}: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # the reader went away (sciplan query … | head): not an error
        return EXIT_OK
    except Exception:  # anything else is a bug: show where it happened
        traceback.print_exc()
        print(f"sciplan {args.command}: internal error (a bug in sciplan; the traceback above says where)",
              file=sys.stderr)
        return EXIT_BUG


if __name__ == "__main__":
    sys.exit(main())
