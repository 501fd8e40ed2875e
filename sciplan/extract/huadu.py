"""花都区 2022–2025 (seed 004): the 任务分工表 alone.

Each table cell stands on its own line behind a tab; a blank line ends a
row. Parts are the table's own headings (一、五项提升行动 / 二、六项重点工程),
sections its first column.
"""

from __future__ import annotations

from .model import Excerpt, ParsedPlan, Part, Section, Task, Units
from .text import PART_HEAD, SECTION_HEAD, TASK_HEAD, cn_number, split_units, squeeze, without_stop

KINDS = {"五项提升行动": "actions", "六项重点工程": "projects"}
HEADER = ["项目", "要点", "牵头单位", "配合单位"]


def rows(lines: list[str]):
    """Yield (first line number, raw lines, cells) for every tab-indented group."""
    group: list[tuple[int, str]] = []
    for lineno, line in enumerate(lines + [""], 1):
        if line.startswith("\t"):
            group.append((lineno, line))
            continue
        if group:
            yield group[0][0], "\n".join(l for _, l in group), [l[1:] for _, l in group]
            group = []
        if m := PART_HEAD.match(line):
            yield lineno, line, ("part", cn_number(m.group(1)), m.group(2))


def parse(text: str, curation: dict) -> ParsedPlan:
    parts: list[Part] = []
    for lineno, raw, cells in rows(text.split("\n")):
        if isinstance(cells, tuple):
            _, number, title = cells
            parts.append(Part(number, title, KINDS[title]))
            continue
        cells = [c.strip() for c in cells]
        if cells == HEADER:
            continue
        if len(cells) != 4 or not TASK_HEAD.match(cells[1]):
            raise ValueError(f"line {lineno}: expected a 4-cell task row, got {cells!r}")
        section_cell, point, lead, coop = cells
        if section_cell:
            head = SECTION_HEAD.match(section_cell)
            if head is None:
                raise ValueError(f"line {lineno}: the section cell {section_cell!r} is not a numbered section")
            parts[-1].sections.append(Section(cn_number(head.group(1)), without_stop(head.group(2))))
        m = TASK_HEAD.match(point)
        assert m is not None  # checked above
        task = Task(int(m.group(1)), without_stop(squeeze(m.group(2))), row=Excerpt(lineno, raw))
        task.lead = Units(lead, split_units(lead))
        task.cooperating = Units(coop, split_units(coop))
        parts[-1].sections[-1].tasks.append(task)
    return ParsedPlan(parts=parts)
