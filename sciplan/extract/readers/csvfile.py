"""CSV (comma-separated, UTF-8, as spreadsheet programs save it; quoted cells may hold line breaks).

Each record keeps its lines exactly as in the file (sp:sourceRow) and its first line number.
"""

from __future__ import annotations

import csv
import io

from ...errors import TableError
from ..model import Excerpt
from .grid import GridRow


def grid_rows(text: str, source: str) -> list[GridRow]:
    lines = io.StringIO(text, newline="").readlines()
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[GridRow] = []
    start = 1
    try:
        for cells in reader:
            end = reader.line_num
            raw = "".join(lines[start - 1:end]).rstrip("\r\n")
            if any(c.strip() for c in cells):
                rows.append(GridRow([c.replace("\r\n", "\n") for c in cells], Excerpt(start, raw)))
            start = end + 1
    except csv.Error as exc:
        raise TableError(source, f"not a CSV file that can be read: {exc}", Excerpt(start, "")) from None
    return rows
