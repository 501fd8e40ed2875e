"""`sciplan import FILE --plan ID`: one plan's 任务分工表 into the graph, through the seeds' path.

The plan's metadata stays curated in data/curation/plans.yaml; the import adds its table:

1. read FILE (CSV, XLSX or tab-separated text) into the one table model — any input that
   cannot be read stops here with a TableError (exit 2) naming file, sheet and row, and
   nothing is written;
2. render data/ttl/plans/ID.ttl with the same reader path and writer as `sciplan extract`;
3. write, atomically (sciplan.generated.write_atomically: every file staged beside its
   target, then each renamed over it): the copy of FILE in
   data/sources/ID.<ext>, the import record data/curation/imports/ID.yaml (the copy's
   SHA-256, the sheets and --columns read, so `sciplan extract` reads it again the same
   way), the plan's Turtle and data/ttl/sources.ttl (its sp:SourceDocument);
4. validate the plan with shapes/ (sciplan.validate.validate_files): exit 0 if it passes,
   1 if it has violations, each reported with its task (like `sciplan validate`, that is
   the command's answer, not an error: the plan stays imported).

A wrong --plan or an import that would replace earlier work without --force is a
UsageError (exit 2); both error classes are in sciplan/errors.py.

Without --force an earlier import, or a plan file that holds more than plans.yaml alone
gives (hand-written Turtle), is not replaced. --dry-run renders and validates in a scratch
copy of data/ttl and writes nothing.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from .. import iris
from ..config import Settings
from ..errors import EXIT_FAIL, EXIT_OK, TableError, UsageError, file_errors
from ..generated import write_atomically
from . import IMPORTS, Curation, load_curation, plan_path, plan_text, plan_writer, readers, sources_text
from .model import Excerpt, Section, Task
from .readers.grid import ROLE_ZH, parse_columns
from .table import Table
from .writer import SP, PlanWriter

RECORD_HEADER = """\
# Written by `sciplan import`: how data/ttl/plans/{plan}.ttl is read from its task table.
# `sciplan extract` reads data/sources/{file} again with these settings; it stops if the file's
# SHA-256 is not the one below. To change the table, run `sciplan import FILE --plan {plan} --force`.
"""


@dataclass
class Outcome:
    code: int  # EXIT_OK imported and valid, EXIT_FAIL imported with violations
    summary: str


def run(settings: Settings, file: Path, plan: str, sheets: list[str] | None = None, columns: list[str] | None = None,
        dry_run: bool = False, force: bool = False, out=None) -> int:
    outcome = import_table(settings, file, plan, sheets, columns, dry_run, force)
    (out or sys.stdout).write(outcome.summary)
    return outcome.code


def import_table(settings: Settings, file: Path, plan: str, sheets: list[str] | None = None,
                 columns: list[str] | None = None, dry_run: bool = False, force: bool = False) -> Outcome:
    cur = load_curation(settings)
    if plan not in cur.plans:
        raise UsageError(f"--plan: no plan {plan!r} in data/curation/plans.yaml; add its entry there first "
                         "(id, jurisdiction, period, title, and what its sources state)")
    spec = cur.plans[plan]
    if spec.get("parser") and not spec.get("imported"):
        raise UsageError(f"--plan: {plan} is read from data/sources/{cur.sources[spec['source']]['file']} by the "
                         f"{spec['parser']!r} reader (its plans.yaml entry has `parser:`); remove `parser:` and "
                         "`source:` there to import a table for it instead")
    file = Path(file)
    source = str(file)
    if not file.is_file():
        raise TableError(source, "no such file")
    fmt = readers.format_of(file, source)
    wanted = parse_columns(columns)
    with file_errors(file):
        data = file.read_bytes()
    table = readers.read(data, fmt, source, sheets, wanted)

    target = plan_path(settings, plan)
    record_path = cur.dir / IMPORTS / f"{plan}.yaml"
    earlier = cur.imports.get(plan)
    if not force:
        if earlier:
            raise UsageError(f"--plan: {plan} was imported before, from data/sources/{earlier['source']['file']} "
                             f"({rel(settings, record_path)}); --force replaces it")
        with file_errors(target):
            current = target.read_text(encoding="utf-8") if target.exists() else None
        if current is not None and current != plan_text(spec, plan_writer(spec, cur, settings)):
            raise UsageError(f"--plan: {rel(settings, target)} holds more than plans.yaml gives (a hand-written or "
                             "earlier plan file); --force replaces it")

    copy = f"{plan}{file.suffix.lower()}"
    record = {
        "plan": plan,
        "source": {"file": copy, "title": f"{spec['title']}任务分工表（{file.name}）", "original": file.name,
                   "sha256": hashlib.sha256(data).hexdigest()},
        "table": {"format": fmt, **({"sheets": table.sheets} if table.sheets else {}),
                  **({"columns": wanted} if wanted else {})},
    }
    cur.staged[copy] = data
    cur.add_import(record, str(record_path))
    spec = cur.plans[plan]
    writer = plan_writer(spec, cur, settings, table=table)
    outputs = {
        settings.sources_dir / copy: data,
        record_path: (RECORD_HEADER.format(plan=plan, file=copy)
                      + yaml.safe_dump(record, allow_unicode=True, sort_keys=False, width=120)).encode("utf-8"),
        target: plan_text(spec, writer).encode("utf-8"),
        settings.data_dir / "sources.ttl": sources_text(cur, settings).encode("utf-8"),
    }
    stale = settings.sources_dir / earlier["source"]["file"] if earlier and earlier["source"]["file"] != copy else None

    lines = summary(settings, file, plan, spec, table, writer, cur)
    if dry_run:
        with tempfile.TemporaryDirectory(prefix="sciplan-import-") as tmp:
            scratch = Path(tmp) / "ttl"
            with file_errors(settings.data_dir):
                shutil.copytree(settings.data_dir, scratch)
            write_atomically({scratch / path.relative_to(settings.data_dir): text for path, text in outputs.items()
                              if path.is_relative_to(settings.data_dir)})
            result = validate(settings.with_(data_dir=scratch), plan)
        lines.append("dry run: nothing written (would write " + ", ".join(rel(settings, p) for p in outputs) + ")")
    else:
        write_atomically(outputs)
        if stale is not None and stale.exists():
            with file_errors(stale):
                stale.unlink()
            lines.append(f"removed {rel(settings, stale)} (the earlier import's copy)")
        lines.append("wrote " + ", ".join(rel(settings, p) for p in outputs))
        result = validate(settings, plan)
    lines += validation_lines(result, plan)
    return Outcome(EXIT_FAIL if result.failed() else EXIT_OK, "\n".join(lines).rstrip() + "\n")


def validate(settings: Settings, plan: str):
    from ..validate import validate_files

    return validate_files([settings.data_dir], settings, plan=plan)


def validation_lines(result, plan: str) -> list[str]:
    from ..report import render

    verdict = "fails" if result.failed() else "passes"
    head = (f"validation (shapes/): {verdict}: {result.count('Violation')} violation(s), "
            f"{result.count('Warning')} warning(s)")
    if not result.failed():
        return [head + (f"; details: sciplan build && sciplan validate --plan {plan}" if result.count("Warning") else "")]
    return [head, "", render(result, "text").decode("utf-8")]


def rel(settings: Settings, path: Path) -> str:
    """A path as the summary names it: relative to the data root when it is inside."""
    return str(path.relative_to(settings.root)) if path.is_relative_to(settings.root) else str(path)


def summary(settings: Settings, file: Path, plan: str, spec: dict, table: Table, writer: PlanWriter,
            cur: Curation) -> list[str]:
    """What the import read: columns, counts, new bodies (with where each was printed), flags."""
    parsed = writer.parsed_plan
    assert parsed is not None  # plan_writer has read the table
    sections = [s for p in parsed.parts for s in p.sections]
    tasks = [t for s in sections for t in s.tasks]
    holders: list[Task | Section] = [*tasks, *sections]
    leads = sum(len(h.lead.names) for h in holders if h.lead)
    coops = sum(len(h.cooperating.names) for h in holders if h.cooperating)
    bodies = {o for _, o in writer.g.subject_objects(SP.leadUnit)} | {o for _, o in writer.g.subject_objects(SP.cooperatingUnit)}
    where = f" (sheet {', '.join(table.sheets)})" if table.sheets else ""
    lines = [f"sciplan import: {file}{where} → {plan}  {spec['title']}",
             "  columns: " + ", ".join(f"{header} → {role} ({ROLE_ZH[role]})" for role, header in table.columns.items()),
             f"  {len(parsed.parts)} part(s), {len(sections)} section(s), {len(tasks)} task point(s); "
             f"{leads} lead and {coops} cooperating listing(s) of {len(bodies)} bodies"]
    per_section = [s.title for s in sections if s.lead or s.cooperating]
    if per_section:
        lines.append(f"  units stated per section in {len(per_section)} section(s)")
    rows: dict[str, Excerpt | None] = {}
    for p in parsed.parts:
        for s in p.sections:
            for t in s.tasks:
                rows[iris.task(iris.section(iris.part(writer.iri, p.kind), s.number, s.title), t.number, t.title)] = t.row
    if writer.new_bodies:
        lines.append(f"  new bodies: {len(writer.new_bodies)}, flagged unreviewed-body (no body of {spec['jurisdiction']} "
                     "in data/curation/organizations.yaml has this name; declare each there, or record it as an alt or typo):")
        for name, places in writer.new_bodies.items():
            path, role = places[0]
            at = rows.get(path)
            more = f" and {len(places) - 1} more" if len(places) > 1 else ""
            hint = cur.bodies.names.elsewhere(spec["jurisdiction"], name)
            lines.append(f"    {name}  — {iris.below_plan(path)} ({role}"
                         + (f", {at.where()}" if at else "") + f"{more}"
                         + (f"; a body of {', '.join(hint)} has this name" if hint else "") + ")")
    flags = Counter(iris.slug(str(f)) for f in writer.g.objects(None, SP.flag))
    if flags:
        lines.append("  flags in the plan's graph: " + ", ".join(f"{flag} {n}" for flag, n in sorted(flags.items())))
    missing = [t for s in sections if not (s.lead and s.lead.names) for t in s.tasks if not (t.lead and t.lead.names)]
    for t in missing:
        lines.append(f"  no lead unit printed: {t.title}" + (f" ({t.row.where()})" if t.row else ""))
    if spec.get("known_parts"):
        lines.append("  note: the known_parts of plans.yaml (from secondary sources) are superseded by the table and not written")
    return lines
