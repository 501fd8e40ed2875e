"""南沙区 2022–2025 (seed 000): body text plus 任务分工表.

The table gives, per task point, the title and the lead and cooperating
units; its section column is scrambled by the extraction, so a row's section
is found by counting: task numbers restart at 1 with each new section. The
body gives section titles and each task's paragraph.
"""

from __future__ import annotations

from .body import blocks, find_line, strip_number
from .model import Excerpt, ParsedPlan, Part, Section, Task, Units
from .text import first_sentence, squeeze, split_units, without_stop, TASK_HEAD

KINDS = {"提升行动": "actions", "重点工程": "projects"}


def parse(text: str, curation: dict) -> ParsedPlan:
    lines = text.split("\n")
    table_at = find_line(lines, r"任务分工表$")
    body = parse_body(lines, find_line(lines, r"^三、提升行动"), find_line(lines, r"^五、组织实施"))
    rows = parse_table(lines, table_at)
    merge(body, rows, curated_cells(curation))
    return ParsedPlan(parts=body)


def parse_body(lines: list[str], first: int, last: int) -> list[Part]:
    parts: list[Part] = []
    section: Section | None = None
    for block in blocks(lines, first, last):
        if block.kind == "part":
            title = block.lines[0]
            parts.append(Part(block.numbered, title, KINDS[title]))
            section = None
        elif block.kind == "section":
            section = Section(block.numbered, without_stop(block.lines[0]))
            parts[-1].sections.append(section)
        elif block.kind == "text" and section is not None and section.text is None:
            section.text, section.paragraph = block.text, block.excerpt
        elif block.kind == "task":
            if section is None:
                raise ValueError(f"line {block.start}: a task point before the first section")
            text = strip_number(block.text)
            section.tasks.append(Task(block.numbered, first_sentence(text), text=text, paragraph=block.excerpt))
    return parts


def parse_table(lines: list[str], start: int) -> list[list[tuple[Excerpt, list[str]]]]:
    """Rows of the table grouped by part: (excerpt, [section, point, lead, cooperating])."""
    parts: list[list] = []
    for index in range(start + 1, len(lines)):
        line = lines[index]
        if line.startswith(("一、", "二、")):
            parts.append([])
        cells = line.split("\t")
        if len(cells) == 4 and TASK_HEAD.match(cells[1]):
            parts[-1].append((Excerpt(index + 1, line), cells))
    return parts


def merge(parts: list[Part], table: list, curation: dict) -> None:
    """Attach table rows to body tasks: part by order, section by restart of numbering."""
    if len(table) != len(parts):
        raise ValueError(f"table has {len(table)} parts, body has {len(parts)}")
    for part, rows in zip(parts, table):
        section_index = -1
        for excerpt, (_, point, lead, coop) in rows:
            head = TASK_HEAD.match(point)
            if head is None:
                raise ValueError(f"line {excerpt.line}: the table's task cell {point!r} has no number")
            number = int(head.group(1))
            if number == 1:
                section_index += 1
            if section_index >= len(part.sections):
                raise ValueError(f"line {excerpt.line}: the table has more sections in {part.title} than the body")
            section = part.sections[section_index]
            task = section.tasks[number - 1] if number <= len(section.tasks) else None
            if task is None or task.number != number:
                raise ValueError(f"line {excerpt.line}: table task {number} of {section.title} does not match the body")
            table_title = without_stop(squeeze(strip_number(squeeze(point))))
            if table_title != task.title:
                task.body_title = task.title
            task.title = table_title
            task.row = excerpt
            key = f"{part.kind}/{section.number}/{number}"
            task.lead = read_units(lead, curation.get((key, "lead")), task)
            task.cooperating = read_units(coop, curation.get((key, "cooperating")), task)


def curated_cells(curation: dict) -> dict:
    """The garbled-cell decisions of the curation file, keyed by (task, role)."""
    return {(c["task"], c["role"]): c for c in curation.get("garbled_cells", [])}


def read_units(cell: str, decision: dict | None, task: Task) -> Units:
    """Names of a cell; a curated decision replaces a cell the extraction garbled."""
    names = split_units(cell)
    if decision is None:
        return Units(cell, names)
    missing = [n for n in decision["legible"] if n not in names]
    if missing:
        raise ValueError(f"curation for {decision['task']}: {missing} not in the cell {cell!r}")
    task.flags.append((decision["flag"], decision["note_en"], decision["note_zh"]))
    illegible = [n for n in names if n not in decision["legible"]]
    return Units(cell, list(dict.fromkeys(decision["legible"])), illegible=illegible)
