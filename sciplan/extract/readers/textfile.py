"""Tab-separated text, the layout a PDF's text extraction gives a table (the seeds' layout).

Two layouts, told apart by where the tabs are:

- one row per line, cells separated by tabs (南沙's 任务分工表: `项目\t要点\t牵头单位\t配合单位`);
- one cell per line behind a tab, a blank line ending the row (花都's table). Lines without
  a leading tab (附件, part headings such as 一、五项提升行动) are rows of one cell.

Each row keeps its lines exactly as in the file (sp:sourceRow) and its first line number.
"""

from __future__ import annotations

import re

from ..model import Excerpt
from .grid import GridRow

CELL_AFTER_TEXT = re.compile(r"[^\t\r]\t")


def grid_rows(text: str) -> tuple[list[GridRow], bool]:
    """The rows of a text table, and whether each row must have the header's number of cells.

    With one cell per line a missing cell cannot be told from the next row's first, so
    a row of another width than the header is an error there."""
    lines = text.split("\n")
    if any(CELL_AFTER_TEXT.search(line) for line in lines):
        return [GridRow([c.rstrip("\r") for c in line.split("\t")], Excerpt(n, line))
                for n, line in enumerate(lines, 1) if line.strip()], False
    rows: list[GridRow] = []
    group: list[tuple[int, str]] = []
    for n, line in enumerate(lines + [""], 1):
        if line.startswith("\t"):
            group.append((n, line))
            continue
        if group:
            rows.append(GridRow([l[1:].rstrip("\r") for _, l in group], Excerpt(group[0][0], "\n".join(l for _, l in group))))
            group = []
        if line.strip():
            rows.append(GridRow([line.rstrip("\r")], Excerpt(n, line)))
    return rows, True
