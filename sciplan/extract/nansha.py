"""南沙区 2022–2025 (seed 000): the layout reader for its body text plus 任务分工表.

The table gives, per task point, the title and the lead and cooperating units; its
section column is scrambled by the extraction, so a row's section is found by counting:
task numbers restart at 1 with each new section. The body gives the parts, the section
titles and each task's paragraph. `read` yields the table's rows with those, and the
shared path (table.assemble) does the rest.
"""

from __future__ import annotations

from .body import blocks, find_line, strip_number
from .model import Excerpt, ParsedPlan
from .table import Heading, Row, Table, assemble
from .text import TASK_HEAD, first_sentence, squeeze, without_stop

KINDS = {"提升行动": "actions", "重点工程": "projects"}
SOURCE = "000_e37b814599954b21.txt"


def parse(text: str, curation: dict) -> ParsedPlan:
    return assemble(read(text), curation)


def read(text: str, source: str = SOURCE) -> Table:
    lines = text.split("\n")
    table_at = find_line(lines, r"任务分工表$")
    body = parse_body(lines, find_line(lines, r"^三、提升行动"), find_line(lines, r"^五、组织实施"))
    return Table(source, merge(body, parse_table(lines, table_at)))


class BodyTask:
    def __init__(self, number: int, title: str, text: str, paragraph: Excerpt):
        self.number, self.title, self.text, self.paragraph = number, title, text, paragraph


def parse_body(lines: list[str], first: int, last: int) -> list[tuple[Heading, list[tuple[Heading, list[BodyTask]]]]]:
    """Parts → sections → tasks of the body text."""
    parts: list[tuple[Heading, list]] = []
    section: tuple[Heading, list[BodyTask]] | None = None
    for block in blocks(lines, first, last):
        if block.kind == "part":
            title = block.lines[0]
            parts.append((Heading(block.numbered, title, kind=KINDS[title]), []))
            section = None
        elif block.kind == "section":
            section = (Heading(block.numbered, without_stop(block.lines[0])), [])
            parts[-1][1].append(section)
        elif block.kind == "text" and section is not None and section[0].text is None:
            section[0].text, section[0].paragraph = block.text, block.excerpt
        elif block.kind == "task":
            if section is None:
                raise ValueError(f"line {block.start}: a task point before the first section")
            body = strip_number(block.text)
            section[1].append(BodyTask(block.numbered, first_sentence(body), body, block.excerpt))
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


def merge(parts: list, table: list) -> list[Row]:
    """Table rows with their body task: part by order, section by restart of numbering."""
    if len(table) != len(parts):
        raise ValueError(f"table has {len(table)} parts, body has {len(parts)}")
    rows: list[Row] = []
    for (part, sections), table_rows in zip(parts, table):
        section_index = -1
        for excerpt, (_, point, lead, coop) in table_rows:
            head = TASK_HEAD.match(point)
            if head is None:
                raise ValueError(f"line {excerpt.line}: the table's task cell {point!r} has no number")
            number = int(head.group(1))
            if number == 1:
                section_index += 1
            if section_index >= len(sections):
                raise ValueError(f"line {excerpt.line}: the table has more sections in {part.title} than the body")
            section, tasks = sections[section_index]
            task = tasks[number - 1] if number <= len(tasks) else None
            if task is None or task.number != number:
                raise ValueError(f"line {excerpt.line}: table task {number} of {section.title} does not match the body")
            title = without_stop(squeeze(strip_number(squeeze(point))))
            rows.append(Row(part, section, number, title, lead, coop, excerpt,
                            body_title=task.title if title != task.title else None,
                            text=task.text, paragraph=task.paragraph))
        read = sum(1 for r in rows if r.part is part)
        listed = sum(len(tasks) for _, tasks in sections)
        if read != listed:
            raise ValueError(f"the body of {part.title} has {listed} task points, the table {read}")
    return rows
