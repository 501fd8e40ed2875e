"""One table model for every plan's 任务分工表, and the one path from its rows to a ParsedPlan.

Every layout reader yields the same Table — rows of (part, section, number, title, lead
cell, cooperating cell, source position): the CSV, XLSX and text readers of
sciplan.extract.readers, and the two seed readers whose sources are not plain tables
(南沙's body text plus its scrambled table, 江门's body text with units per section).
From there the path is shared: `assemble` groups the rows into parts and sections,
reads the unit names of each cell, applies the curated decisions on garbled cells, and
refuses what cannot be represented (a task point or section printed twice); the
PlanWriter (writer.py) then writes the RDF. Nothing here knows where a row came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import TableError
from .model import Excerpt, ParsedPlan, Part, Section, Target, Task, Units
from .text import split_units

# The part kinds of the part-kind scheme (data/curation/schemes.yaml), by the words of a part heading.
PART_KINDS = (("提升行动", "actions"), ("重点工程", "projects"), ("重大工程", "major-projects"),
              ("重点任务", "key-tasks"), ("主要任务", "key-tasks"))


def part_kind(title: str) -> str | None:
    """The part-kind slug a part heading's words name (五项提升行动 → actions), or None."""
    return next((kind for words, kind in PART_KINDS if words in title), None)


@dataclass(eq=False)
class Heading:
    """A part or section as the source prints it; rows point at the same Heading object."""

    number: int | None
    title: str
    kind: str | None = None  # parts only: a slug of the part-kind scheme
    at: Excerpt | None = None  # where it is printed (for messages)
    # A section's body paragraph, where the source has a body text (南沙).
    text: str | None = None
    paragraph: Excerpt | None = None
    # Units stated once for the whole section (江门's layout), and where.
    lead: Units | str | None = None
    cooperating: Units | str | None = None
    units_at: Excerpt | None = None


@dataclass(eq=False)
class Row:
    """One task point of the table.

    `lead` and `cooperating` are the printed cells (str), or Units a reader has already
    read (江门's units clause); None when the layout has no such cell for the row.
    """

    part: Heading
    section: Heading
    number: int
    title: str
    lead: Units | str | None
    cooperating: Units | str | None
    position: Excerpt | None  # the table row; None where the source has no table (江门)
    # From a body text, where the source has one.
    body_title: str | None = None
    text: str | None = None
    paragraph: Excerpt | None = None
    targets: list[Target] = field(default_factory=list)


@dataclass
class Table:
    source: str  # the file, as messages name it
    rows: list[Row]
    targets: list[Target] = field(default_factory=list)  # the plan's overall targets (江门)
    sheets: list[str] = field(default_factory=list)  # the worksheets read (workbooks)
    columns: dict[str, str] = field(default_factory=dict)  # role → header as printed (tables with a header)


def assemble(table: Table, curation: dict | None = None) -> ParsedPlan:
    """The rows grouped into parts → sections → task points, with the names of every unit cell."""
    decisions = curated_cells(curation or {})
    parts: dict[int, Part] = {}
    sections: dict[int, Section] = {}
    part_kinds: dict[str, Heading] = {}
    section_keys: dict[tuple[str, object], Heading] = {}
    task_rows: dict[tuple[str, object, int], Row] = {}
    for row in table.rows:
        if id(row.part) not in parts:
            assert row.part.kind is not None  # every reader gives a part its kind (or refuses the part)
            if row.part.kind in part_kinds:
                raise TableError(table.source, f"part {row.part.title!r} is the second part of kind {row.part.kind!r} "
                                 f"(the first is {part_kinds[row.part.kind].title!r})", row.part.at or row.position)
            part_kinds[row.part.kind] = row.part
            parts[id(row.part)] = Part(row.part.number, row.part.title, row.part.kind)
        part = parts[id(row.part)]
        if id(row.section) not in sections:
            key = (part.kind, row.section.number if row.section.number is not None else row.section.title)
            if key in section_keys:
                raise TableError(table.source, f"section {row.section.title!r} is printed twice in part {part.title!r}",
                                 row.section.at or row.position)
            section_keys[key] = row.section
            sec = Section(row.section.number, row.section.title, text=row.section.text, paragraph=row.section.paragraph)
            sec.lead = read_cell(row.section.lead, None, None)
            sec.cooperating = read_cell(row.section.cooperating, None, None)
            sec.units_excerpt = row.section.units_at
            sections[id(row.section)] = sec
            part.sections.append(sec)
        sec = sections[id(row.section)]
        task_key = (part.kind, sec.number if sec.number is not None else sec.title, row.number)
        if task_key in task_rows:
            first = task_rows[task_key].position
            raise TableError(table.source, f"task point {row.number} of section {sec.title!r} is printed twice"
                             + (f" (first at {first.where()})" if first else ""), row.position)
        task_rows[task_key] = row
        task = Task(row.number, row.title, body_title=row.body_title, text=row.text, paragraph=row.paragraph,
                    row=row.position, targets=list(row.targets))
        cell_key = f"{part.kind}/{sec.number}/{row.number}"
        task.lead = read_cell(row.lead, decisions.get((cell_key, "lead")), task)
        task.cooperating = read_cell(row.cooperating, decisions.get((cell_key, "cooperating")), task)
        sec.tasks.append(task)
    unused = set(decisions) - {(f"{k[0]}/{k[1]}/{k[2]}", role) for k in task_rows for role in ("lead", "cooperating")}
    if unused:
        raise TableError(table.source, "curated cell decisions name no task point of the table: "
                         + ", ".join(f"{task} ({role})" for task, role in sorted(unused)))
    return ParsedPlan(parts=list(parts.values()), targets=list(table.targets))


def curated_cells(curation: dict) -> dict:
    """The garbled-cell decisions of a plan's curation file, keyed by (task, role)."""
    return {(c["task"], c["role"]): c for c in curation.get("garbled_cells", [])}


def read_cell(cell: Units | str | None, decision: dict | None, task: Task | None) -> Units | None:
    """The names of a printed cell; a curated decision keeps only the names it lists as legible."""
    if cell is None or isinstance(cell, Units):
        return cell
    names = split_units(cell)
    if decision is None:
        return Units(cell, names)
    missing = [n for n in decision["legible"] if n not in names]
    if missing:
        raise ValueError(f"curation for {decision['task']}: {missing} not in the cell {cell!r}")
    assert task is not None  # decisions are keyed by task point: a section's cell has none
    for flag in decision.get("flags") or [decision["flag"]]:
        task.flags.append((flag, decision["note_en"], decision["note_zh"]))
    illegible = [n for n in names if n not in decision["legible"]]
    return Units(cell, list(dict.fromkeys(decision["legible"])), illegible=illegible)
