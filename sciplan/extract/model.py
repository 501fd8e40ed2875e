"""What a seed parser reads out of a source text, before it becomes RDF.

Each record keeps the line numbers and the raw text it came from, so the
writer can attach provenance without going back to the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Excerpt:
    """A verbatim slice of a source file, and where it is.

    Text and CSV are placed by line; a workbook row by sheet and row, its raw text being
    the row's stored cell values joined by tabs (see readers.workbook).
    """

    line: int | None  # 1-based line where it starts (text, CSV)
    raw: str
    sheet: str | None = None  # worksheet name (workbooks)
    row: int | None = None  # 1-based worksheet row (workbooks)

    def where(self) -> str:
        """`sheet '任务分工表', row 12` or `line 12`, for messages."""
        if self.sheet is not None:
            return f"sheet {self.sheet!r}, row {self.row}"
        return f"line {self.line}"


@dataclass
class Units:
    """One lead-unit or cooperating-unit cell as printed, and the names read from it."""

    raw: str
    names: list[str]
    # Names that could not be read (garbled extraction); the record is flagged.
    illegible: list[str] = field(default_factory=list)


@dataclass
class Target:
    value: str
    unit: str
    comparator: str | None  # at-least | more-than | reach | None
    measure: str  # the clause that says what is counted
    verbatim: str  # the whole sentence
    year: int | None = None
    period: tuple[int, int] | None = None
    indicator: str | None = None


@dataclass
class Task:
    number: int
    title: str  # as in the task table (or the body when there is no table)
    body_title: str | None = None  # as in the body, when it differs
    text: str | None = None
    paragraph: Excerpt | None = None
    row: Excerpt | None = None
    lead: Units | None = None
    cooperating: Units | None = None
    targets: list[Target] = field(default_factory=list)
    flags: list[tuple[str, str, str]] = field(default_factory=list)  # (flag, note en, note zh)


@dataclass
class Section:
    number: int | None  # None: the table prints no number (the IRI then takes the title)
    title: str
    text: str | None = None
    paragraph: Excerpt | None = None
    tasks: list[Task] = field(default_factory=list)
    # Units stated once for the whole section (江门).
    lead: Units | None = None
    cooperating: Units | None = None
    units_excerpt: Excerpt | None = None


@dataclass
class Part:
    number: int | None  # None: a table without part rows is one part, unnumbered
    title: str
    kind: str  # actions | projects | key-tasks | major-projects
    sections: list[Section] = field(default_factory=list)


@dataclass
class ParsedPlan:
    parts: list[Part]
    targets: list[Target] = field(default_factory=list)
