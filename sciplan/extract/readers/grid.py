"""Rows of cells → Table: the layout rules shared by the CSV, XLSX and text readers.

A reader turns its file into GridRows (the cells each row shows, and the row as stored);
`read_grid` finds the header and reads every row below it the same way whatever the file
format. The layouts it reads are those real 任务分工表 have (docs/import.md):

- title rows above the header (附件, the plan's title) are skipped; a header is the first
  run of rows naming at least the task and the lead column by a header word (SYNONYMS, or
  `--columns ROLE=HEADER`); a header printed on two rows (责任单位 over 牵头单位 | 配合单位)
  is read as one; a header repeated further down (one per part) is skipped;
- part rows (一、五项提升行动), merged across the table or in one cell, start a part; a table
  without part rows is one part of kind key-tasks, titled by its section column's header;
- a section starts where the section column prints a new value: merged down its rows,
  printed on its first row only, or repeated on every row; or on a section row of its
  own (a row with a section cell and no task), which may carry the section's units;
- task numbers as printed in the task cell (1. 1、 （一） (一) …); else the 序号 when it
  restarts at 1 in each section; else the row's place in its section;
- a lead or cooperating cell merged down exactly the rows of a section states the units
  once for the section (江门's layout); any other cell states them for its task.

Everything is read from the cells as printed; a row this cannot place is a TableError.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...errors import TableError
from ..model import Excerpt
from ..table import Heading, Row, Table, part_kind
from ..text import PART_HEAD, numbered, one_line, squeeze, without_stop

# Header words of each column role. `--columns ROLE=HEADER` adds others; `ignore` reads a column as not part of the table.
SYNONYMS = {
    "number": ("序号",),
    "section": ("项目", "行动", "工程", "重点任务", "任务类别"),
    "task": ("要点", "任务", "具体任务", "主要任务", "工作措施"),
    "lead": ("牵头单位", "牵头部门", "责任单位"),
    "cooperating": ("配合单位", "配合部门", "参与单位", "协同单位"),
}
ROLES = tuple(SYNONYMS) + ("ignore",)
ROLE_ZH = {"number": "序号", "section": "行动/工程", "task": "要点", "lead": "牵头单位", "cooperating": "配合单位",
           "ignore": "（不读）"}
# A row of notes below the table (注：…) is not part of it.
NOTE = re.compile(r"^\s*(注|备注|说明)\s*[:：]")


@dataclass
class GridRow:
    """One row of a table file."""

    cells: list[str]  # what each cell shows: a merged cell's value in every cell it covers
    at: Excerpt  # the row as stored in the file, and where
    # Workbooks: per cell, the merged range it belongs to (min_row, min_col, max_row, max_col), else None.
    merges: list[tuple[int, int, int, int] | None] | None = None

    def cell(self, col: int | None) -> str:
        return self.cells[col].strip() if col is not None and col < len(self.cells) else ""

    def merge(self, col: int | None):
        return self.merges[col] if self.merges and col is not None and col < len(self.merges) else None


def header_key(text: str) -> str:
    """A header cell compared without whitespace, line breaks or a closing colon."""
    return re.sub(r"\s+", "", text).rstrip(":：")


def parse_columns(specs: list[str] | str | None) -> dict[str, list[str]]:
    """`--columns lead=主责单位,cooperating=协办单位` → {role: [header, …]}; bad syntax is a TableError."""
    out: dict[str, list[str]] = {}
    items = [specs] if isinstance(specs, str) else list(specs or [])
    for item in (part for spec in items for part in spec.split(",")):
        if not item.strip():
            continue
        role, sep, header = item.partition("=")
        role, header = role.strip(), header_key(header)
        if not sep or not header:
            raise TableError("--columns", f"{item!r} is not ROLE=HEADER (roles: {', '.join(ROLES)})")
        if role not in ROLES:
            raise TableError("--columns", f"unknown role {role!r} in {item!r}; roles: {', '.join(ROLES)}")
        out.setdefault(role, []).append(header)
    return out


@dataclass
class Header:
    """The column of each role, as found in one header block."""

    cols: dict[str, int]
    printed: dict[str, str]  # role → header text as printed
    ignored: set[int]  # the columns --columns ignore=HEADER leaves out
    at: Excerpt
    width: int


@dataclass
class Pending:
    """A task row read, before its section is complete (numbers and merged units need the whole section)."""

    part: Heading
    section: Heading
    task: str
    serial: str
    lead: str | None
    cooperating: str | None
    lead_merge: tuple | None
    coop_merge: tuple | None
    at: Excerpt


@dataclass
class SectionRows:
    heading: Heading
    start: int | None  # worksheet row where the section starts (workbooks)
    rows: list[Pending] = field(default_factory=list)


class GridReader:
    def __init__(self, source: str, columns: dict[str, list[str]] | None = None, cells_per_row_fixed: bool = False):
        self.source = source
        self.columns = columns or {}
        self.fixed = cells_per_row_fixed  # text with one cell per line: a row must have the header's cells
        self.role_of: dict[str, str] = {w: role for role, words in SYNONYMS.items() for w in words}
        self.role_of.update({h: role for role, headers in self.columns.items() for h in headers})
        self.used_headers: set[str] = set()
        self.part: Heading | None = None
        self.section: SectionRows | None = None
        self.sections: list[SectionRows] = []
        self.default_part: Heading | None = None
        self.header: Header | None = None
        self.section_cell = ""  # the current section's cell as printed

    def error(self, message: str, at: Excerpt | None = None) -> TableError:
        return TableError(self.source, message, at)

    # ---------------------------------------------------------------- header

    def roles_in(self, row: GridRow) -> list[str | None]:
        return [self.role_of.get(header_key(c)) if c.strip() else None for c in row.cells]

    def header_at(self, rows: list[GridRow], i: int) -> tuple[Header, int] | None:
        """The header block starting at rows[i] and the index after it, or None if rows[i] is no header row."""
        if sum(1 for r in self.roles_in(rows[i]) if r) < 2:
            return None
        j = i
        while j < len(rows) and sum(1 for r in self.roles_in(rows[j]) if r) >= 2:
            j += 1
        block = rows[i:j]
        width = max(len(r.cells) for r in block)
        cols: dict[str, int] = {}
        printed: dict[str, str] = {}
        merges: dict[str, tuple | None] = {}
        ignored: set[int] = set()
        unknown: list[tuple[int, str]] = []
        for col in range(width):
            row = next((r for r in reversed(block) if r.cell(col)), None)
            if row is None:
                continue
            lowest = row.cell(col)
            role = self.role_of.get(header_key(lowest))
            if role is None:
                unknown.append((col, lowest))
            elif role == "ignore":
                ignored.add(col)
                self.used_headers.add(header_key(lowest))
            elif role in cols:
                if row.merge(col) is None or row.merge(col) != merges[role]:
                    raise self.error(f"two columns are headed as the {role} column ({ROLE_ZH[role]}): "
                                     f"{printed[role]!r} (column {cols[role] + 1}) and {lowest!r} (column {col + 1}); "
                                     f"name one with --columns {role}=HEADER and the other's role (or ignore=HEADER)",
                                     block[-1].at)
                # else one header cell merged across two columns: the first of them is the role's column
            else:
                cols[role], printed[role], merges[role] = col, lowest, row.merge(col)
                self.used_headers.add(header_key(lowest))
        if "task" not in cols or "lead" not in cols:
            return None
        if unknown:
            names = ", ".join(f"{h!r} (column {c + 1})" for c, h in unknown)
            raise self.error(f"unknown column{'s' if len(unknown) > 1 else ''} {names} in the header; name "
                             f"{'their roles' if len(unknown) > 1 else 'its role'} with --columns ROLE=HEADER "
                             f"(roles: {', '.join(ROLES)}; ignore leaves a column out)", block[-1].at)
        return Header(cols, printed, ignored, block[-1].at, width), j

    # ---------------------------------------------------------------- rows

    def read_sheet(self, rows: list[GridRow]) -> bool:
        """Read one sheet's rows; False if it has no header (and so holds no task table)."""
        self.header = None
        i = 0
        while i < len(rows):
            found = self.header_at(rows, i)
            if found:
                self.header, i = found
                continue
            row = rows[i]
            i += 1
            if not any(c.strip() for c in row.cells):
                continue
            if self.header is None:
                if heading := self.single_value(row):
                    if PART_HEAD.match(heading):
                        self.start_part(heading, row.at)
                continue  # a title row above the header
            self.data_row(row)
        return self.header is not None

    def single_value(self, row: GridRow) -> str | None:
        values = {c.strip() for c in row.cells if c.strip()}
        return values.pop() if len(values) == 1 else None

    def merged_across(self, row: GridRow) -> bool:
        """All the row's values are one cell merged across two columns or more (a part or section row)."""
        merges = {row.merge(c) for c, v in enumerate(row.cells) if v.strip()}
        if len(merges) != 1 or None in merges:
            return False
        _, min_col, _, max_col = merges.pop()
        return max_col > min_col

    def data_row(self, row: GridRow) -> None:
        h = self.header
        assert h is not None  # read_sheet reads data rows only below a header
        task = row.cell(h.cols.get("task"))
        section_cell = row.cell(h.cols.get("section"))
        lead, coop = row.cell(h.cols.get("lead")), row.cell(h.cols.get("cooperating"))
        single = self.single_value(row)
        if single is not None and (self.merged_across(row) or not task or (PART_HEAD.match(single) and not lead and not coop)):
            if PART_HEAD.match(single):
                self.start_part(single, row.at)
                return
            if NOTE.match(single):
                return
            if self.merged_across(row) or section_cell:
                self.start_section(single, row)
                return
            if all(not row.cell(c) for c in h.cols.values() if c is not None):
                return  # a value in an ignored column only
        if self.fixed and len(row.cells) != h.width:
            raise self.error(f"the row has {len(row.cells)} cells, the header {h.width} "
                             f"({' | '.join(h.printed.values())}): a cell is missing or extra", row.at)
        known = set(h.cols.values()) | h.ignored
        stray = [c for c, v in enumerate(row.cells) if v.strip() and c not in known
                 and (row.merge(c) is None or row.merge(c)[1] == c + 1)]
        if stray:
            raise self.error(f"a value in column {stray[0] + 1} ({row.cells[stray[0]].strip()[:20]!r}), which has no header "
                             "of its own: the import cannot tell what it is; give the column a header and name its role "
                             "with --columns ROLE=HEADER (or ignore=HEADER)", row.at)
        if not task:
            if section_cell:
                self.start_section(section_cell, row, lead, coop)
                return
            raise self.error(f"the row has no task title (its cell in the column {h.printed['task']!r} is empty): every "
                             "row below the header names its task point, or is a part or section row", row.at)
        if section_cell and (self.section is None or section_cell != self.section_cell):
            self.start_section(section_cell, row)
        if self.section is None:
            raise self.error("a task point before any section: the table has no section column "
                             f"({'/'.join(SYNONYMS['section'])}) and no section row above this row; "
                             "name the section column with --columns section=HEADER", row.at)
        self.section.rows.append(Pending(
            self.part or self.the_default_part(), self.section.heading, task, row.cell(h.cols.get("number")),
            lead if "lead" in h.cols else None, coop if "cooperating" in h.cols else None,
            row.merge(h.cols.get("lead")), row.merge(h.cols.get("cooperating")), row.at))

    def the_default_part(self) -> Heading:
        if self.default_part is None:
            assert self.header is not None  # asked for by a data row, below the header
            title = self.header.printed.get("section") or self.header.printed["task"]
            self.default_part = Heading(None, title, kind="key-tasks", at=self.header.at)
        return self.default_part

    def start_part(self, printed: str, at: Excerpt) -> None:
        number, title = numbered(one_line(printed))
        kind = part_kind(title)
        if kind is None:
            raise self.error(f"part row {printed!r}: its kind is not known; a part heading names "
                             "提升行动, 重点工程, 重大工程, 重点任务 or 主要任务", at)
        self.part = Heading(number, title, kind=kind, at=at)
        self.section = None
        self.section_cell = ""

    def start_section(self, printed: str, row: GridRow, lead: str = "", coop: str = "") -> None:
        number, rest = numbered(one_line(printed))
        title = without_stop(rest)
        if not title:
            raise self.error(f"section {printed!r} has no title", row.at)
        heading = Heading(number, title, at=row.at)
        if lead or coop:
            heading.lead, heading.cooperating, heading.units_at = lead or None, coop or None, row.at
        self.section = SectionRows(heading, row.at.row)
        self.sections.append(self.section)
        self.section_cell = printed

    # ---------------------------------------------------------------- sections complete

    def rows(self) -> list[Row]:
        out: list[Row] = []
        for sec in self.sections:
            if not sec.rows:
                raise self.error(f"section {sec.heading.title!r} has no task point below it", sec.heading.at)
            lead_once = self.stated_once(sec, "lead_merge")
            coop_once = self.stated_once(sec, "coop_merge")
            if lead_once:
                sec.heading.lead, sec.heading.units_at = sec.heading.lead or sec.rows[0].lead, lead_once
            if coop_once:
                sec.heading.cooperating = sec.heading.cooperating or sec.rows[0].cooperating
                sec.heading.units_at = sec.heading.units_at or coop_once
            serials = [p.serial for p in sec.rows]
            restarts = serials[0] == "1" and all(s.isdecimal() for s in serials)
            for place, p in enumerate(sec.rows, 1):
                printed_number, rest = numbered(one_line(p.task))
                text = one_line(rest)
                head, _, tail = text.partition("。")
                title = without_stop(squeeze(head))
                if not title:
                    raise self.error(f"the row has no task title (its task cell is {p.task!r})", p.at)
                number = printed_number if printed_number is not None else int(p.serial) if restarts else place
                out.append(Row(p.part, p.section, number, title,
                               None if lead_once else p.lead, None if coop_once else p.cooperating, p.at,
                               text=text if tail.strip() else None))
        return out

    def stated_once(self, sec: SectionRows, attr: str) -> Excerpt | None:
        """Where a unit cell merged down exactly the section's rows is stored, else None."""
        merges = {getattr(p, attr) for p in sec.rows}
        if len(sec.rows) < 2 or len(merges) != 1 or None in merges:
            return None
        min_row, _, max_row, _ = merges.pop()
        first, last = sec.rows[0].at.row, sec.rows[-1].at.row
        start = sec.start if sec.start is not None else first
        if not (start <= min_row <= first and max_row == last):
            return None
        return next((p.at for p in sec.rows if p.at.row == min_row), sec.heading.units_at or sec.heading.at)


NO_HEADER = (f"a header row names at least the task column ({'/'.join(SYNONYMS['task'])}) and the lead column "
             f"({'/'.join(SYNONYMS['lead'])}); name other headers with --columns ROLE=HEADER")


def has_header(rows: list[GridRow], columns: dict[str, list[str]] | None = None) -> bool:
    """Whether the rows hold a header (a sheet that may hold the task table)."""
    reader = GridReader("", columns)
    for i in range(len(rows)):
        try:
            if reader.header_at(rows, i):
                return True
        except TableError:
            return True  # a header with an unknown column is still the table's header
    return False


def read_grid(source: str, sheets: list[tuple[str | None, list[GridRow]]], columns: dict[str, list[str]] | None = None,
              cells_per_row_fixed: bool = False) -> Table:
    """The Table of one or more sheets read in order (a table may go on from one sheet to the next)."""
    reader = GridReader(source, columns, cells_per_row_fixed)
    read = []
    for name, rows in sheets:
        if reader.read_sheet(rows):
            read.append(name)
    if not read:
        where = f" in sheet {sheets[0][0]!r}" if len(sheets) == 1 and sheets[0][0] else ""
        raise reader.error(f"no header found{where}: {NO_HEADER}")
    if not reader.sections:
        raise reader.error("the table has a header but no task rows below it", reader.header.at if reader.header else None)
    missing = [h for headers in (columns or {}).values() for h in headers if h not in reader.used_headers]
    if missing:
        raise reader.error(f"--columns: no header cell {', '.join(map(repr, missing))} in the table's header")
    return Table(source, reader.rows(), sheets=[n for n in read if n], columns=dict(reader.header.printed) if reader.header else {})
