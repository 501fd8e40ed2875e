"""`sciplan import FILE --plan ID`: one plan's 任务分工表 into the graph, through the seeds' path.

The plan's metadata stays curated in data/curation/plans.yaml; the import adds its table:

1. read FILE (CSV, XLSX or tab-separated text) into the one table model — any input that
   cannot be read stops here with a TableError (exit 2) naming file, sheet and row, and
   nothing is written;
2. render data/ttl/plans/ID.ttl with the same reader path and writer as `sciplan extract`;
3. write, each atomically (a temporary file renamed over the old one): the copy of FILE in
   data/sources/ID.<ext>, the import record data/curation/imports/ID.yaml (the copy's
   SHA-256, the sheets and --columns read, so `sciplan extract` reads it again the same
   way), the plan's Turtle and data/ttl/sources.ttl (its sp:SourceDocument);
4. validate the plan with shapes/ (sciplan.validate.validate_files): exit 0 if it passes,
   1 if it has violations, each reported with its task.

Without --force an earlier import, or a plan file that holds more than plans.yaml alone
gives (hand-written Turtle), is not replaced. --dry-run renders and validates in a scratch
copy of data/ttl and writes nothing.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from .. import iris
from ..config import Settings
from . import IMPORTS, load_curation, plan_path, plan_text, plan_writer, readers, sources_text
from .readers.grid import ROLE_ZH, parse_columns
from .table import Table, TableError
from .writer import SP

RECORD_HEADER = """\
# Written by `sciplan import`: how data/ttl/plans/{plan}.ttl is read from its task table.
# `sciplan extract` reads data/sources/{file} again with these settings; it stops if the file's
# SHA-256 is not the one below. To change the table, run `sciplan import FILE --plan {plan} --force`.
"""


@dataclass
class Outcome:
    code: int  # 0 imported and valid, 1 imported with violations
    summary: str


def write_atomically(files: dict[Path, bytes]) -> None:
    """Write every file to a temporary sibling first, then rename each over its target."""
    staged: list[tuple[Path, str]] = []
    try:
        for path, data in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            staged.append((path, tmp))
        for path, tmp in staged:
            os.replace(tmp, path)
    finally:
        for _, tmp in staged:
            if os.path.exists(tmp):
                os.unlink(tmp)


def run(settings: Settings, file: Path, plan: str, sheets: list[str] | None = None, columns: list[str] | None = None,
        dry_run: bool = False, force: bool = False, out=None) -> int:
    outcome = import_table(settings, file, plan, sheets, columns, dry_run, force)
    (out or sys.stdout).write(outcome.summary)
    return outcome.code


def import_table(settings: Settings, file: Path, plan: str, sheets: list[str] | None = None,
                 columns: list[str] | None = None, dry_run: bool = False, force: bool = False) -> Outcome:
    cur = load_curation(settings)
    if plan not in cur.plans:
        raise TableError("--plan", f"no plan {plan!r} in data/curation/plans.yaml; add its entry there first "
                         "(id, jurisdiction, period, title, and what its sources state)")
    spec = cur.plans[plan]
    if spec.get("parser") and not spec.get("imported"):
        raise TableError("--plan", f"{plan} is read from data/sources/{cur.sources[spec['source']]['file']} by the "
                         f"{spec['parser']!r} reader (its plans.yaml entry has `parser:`); remove `parser:` and "
                         "`source:` there to import a table for it instead")
    file = Path(file)
    source = str(file)
    if not file.is_file():
        raise TableError(source, "no such file")
    fmt = readers.format_of(file, source)
    wanted = parse_columns(columns)
    data = file.read_bytes()
    table = readers.read(data, fmt, source, sheets, wanted)

    target = plan_path(settings, plan)
    record_path = cur.dir / IMPORTS / f"{plan}.yaml"
    earlier = cur.imports.get(plan)
    if not force:
        if earlier:
            raise TableError("--plan", f"{plan} was imported before, from data/sources/{earlier['source']['file']} "
                             f"({record_path.relative_to(cur.dir.parent.parent)}); --force replaces it")
        if target.exists() and target.read_text(encoding="utf-8") != plan_text(spec, plan_writer(spec, cur, settings)):
            raise TableError("--plan", f"{target} holds more than plans.yaml gives (a hand-written or earlier plan "
                             "file); --force replaces it")

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
            shutil.copytree(settings.data_dir, scratch)
            for path, text in outputs.items():
                if path.is_relative_to(settings.data_dir):
                    (scratch / path.relative_to(settings.data_dir)).write_bytes(text)
            result = validate(settings.with_(data_dir=scratch), plan)
        lines.append("dry run: nothing written (would write " + ", ".join(rel(settings, p) for p in outputs) + ")")
    else:
        write_atomically(outputs)
        if stale is not None and stale.exists():
            stale.unlink()
            lines.append(f"removed {rel(settings, stale)} (the earlier import's copy)")
        lines.append("wrote " + ", ".join(rel(settings, p) for p in outputs))
        result = validate(settings, plan)
    lines += validation_lines(result, plan)
    return Outcome(1 if result.failed() else 0, "\n".join(lines).rstrip() + "\n")


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
    root = settings.data_dir.parent.parent
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def summary(settings: Settings, file: Path, plan: str, spec: dict, table: Table, writer, cur) -> list[str]:
    """What the import read: columns, counts, new bodies (with where each was printed), flags."""
    parsed = writer.parsed_plan
    sections = [s for p in parsed.parts for s in p.sections]
    tasks = [t for s in sections for t in s.tasks]
    holders = [*tasks, *sections]
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
    rows = {}
    for p in parsed.parts:
        for s in p.sections:
            for t in s.tasks:
                rows[iris.task(iris.section(iris.part(writer.iri, p.kind), s.number, s.title), t.number, t.title)] = t.row
    if writer.new_bodies:
        lines.append(f"  new bodies: {len(writer.new_bodies)}, flagged unreviewed-body (no body of {spec['jurisdiction']} "
                     "in data/curation/organizations.yaml has this name; declare each there, or record it as an alt or typo):")
        for name, places in writer.new_bodies.items():
            path, _, role = places[0].partition(" (")
            at = rows.get(path)
            more = f" and {len(places) - 1} more" if len(places) > 1 else ""
            hint = cur.bodies.names.elsewhere(spec["jurisdiction"], name)
            lines.append(f"    {name}  — {path.removeprefix(writer.iri + '/')} ({role.rstrip(')')}"
                         + (f", {at.where()}" if at else "") + f"{more}"
                         + (f"; a body of {', '.join(hint)} has this name" if hint else "") + ")")
    flags = Counter(str(f).rsplit("/", 1)[-1] for f in writer.g.objects(None, SP.flag))
    if flags:
        lines.append("  flags in the plan's graph: " + ", ".join(f"{flag} {n}" for flag, n in sorted(flags.items())))
    missing = [t for s in sections if not (s.lead and s.lead.names) for t in s.tasks if not (t.lead and t.lead.names)]
    for t in missing:
        lines.append(f"  no lead unit printed: {t.title}" + (f" ({t.row.where()})" if t.row else ""))
    if spec.get("known_parts"):
        lines.append("  note: the known_parts of plans.yaml (from secondary sources) are superseded by the table and not written")
    return lines
