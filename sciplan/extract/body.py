"""Body text of a plan: parts → sections → numbered task paragraphs.

Used for 南沙 (PDF text) and 江门 (web page). Both print parts as 三、…,
sections as (一)…, and task points as 1.…; everything else between two
headings continues the paragraph above it (page breaks included).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .model import Excerpt
from .text import PAGE_MARK, PART_HEAD, SECTION_HEAD, TASK_HEAD, cn_number, join_lines, strip_bullet

# 江门 prints the units of a section in a closing parenthesis: (…牵头,…等单位配合。)
UNITS_CLAUSE = re.compile(r"^\s*[(（](.*牵头.*)[)）]\s*$")


@dataclass
class Block:
    """A heading or paragraph with the lines that belong to it."""

    kind: str  # part | section | task | units | text
    number: int | None
    start: int  # 1-based line
    lines: list[str] = field(default_factory=list)

    @property
    def numbered(self) -> int:
        """The number of a part, section or task heading (the parsers read it only from those)."""
        if self.number is None:
            raise ValueError(f"line {self.start}: a {self.kind} without a number")
        return self.number

    @property
    def excerpt(self) -> Excerpt:
        lines = list(self.lines)
        while lines and (not lines[-1].strip() or PAGE_MARK.match(lines[-1])):
            lines.pop()
        return Excerpt(self.start, "\n".join(lines))

    @property
    def text(self) -> str:
        return join_lines([strip_bullet(self.lines[0])] + self.lines[1:])


def blocks(lines: list[str], first: int, last: int) -> list[Block]:
    """Split lines[first:last] (0-based) into heading and paragraph blocks."""
    out: list[Block] = []
    for index in range(first, last):
        line = lines[index]
        lineno = index + 1
        if m := PART_HEAD.match(line):
            out.append(Block("part", cn_number(m.group(1)), lineno, [m.group(2)]))
        elif m := SECTION_HEAD.match(line):
            out.append(Block("section", cn_number(m.group(1)), lineno, [m.group(2)]))
        elif UNITS_CLAUSE.match(line):
            out.append(Block("units", None, lineno, [line]))
        elif m := TASK_HEAD.match(line):
            out.append(Block("task", int(m.group(1)), lineno, [line]))
        elif out and (line.strip() or out[-1].kind in {"task", "text"}):
            if out[-1].kind in {"part", "section"} and line.strip():
                out.append(Block("text", None, lineno, [line]))
            else:
                out[-1].lines.append(line)
    return out


def strip_number(text: str) -> str:
    return re.sub(r"^\d+\.\s*", "", text)


def find_line(lines: list[str], pattern: str, start: int = 0) -> int:
    """0-based index of the first line from `start` matching `pattern`."""
    rx = re.compile(pattern)
    for index in range(start, len(lines)):
        if rx.search(lines[index]):
            return index
    raise ValueError(f"source text has no line matching {pattern!r}")
