"""XLSX workbooks (openpyxl): merged cells, several sheets, multi-line cells.

A merged cell shows its value in every cell it covers (so a section merged down its rows
belongs to each of them), while a row's verbatim text — sp:sourceRow — is its cells as
stored, joined by tabs: the cells a merge covers are empty there, as in the file.
Values are the stored ones (formulas are read as their cached results).
"""

from __future__ import annotations

import datetime as dt
import io

from ...errors import TableError
from ..model import Excerpt
from ..table import Table
from .grid import GridRow, has_header, read_grid


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return str(value).replace("\r\n", "\n")


def open_workbook(data: bytes, source: str):
    import openpyxl

    try:
        return openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError, ValueError, … for what is no workbook
        raise TableError(source, f"not an XLSX workbook that can be read ({type(exc).__name__}: {exc})") from None


def sheet_rows(ws) -> list[GridRow]:
    merges: dict[tuple[int, int], tuple[int, int, int, int]] = {}
    for rng in ws.merged_cells.ranges:
        box = (rng.min_row, rng.min_col, rng.max_row, rng.max_col)
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                merges[(r, c)] = box
    stored = {(c.row, c.column): cell_text(c.value) for row in ws.iter_rows() for c in row if c.value is not None}
    width = ws.max_column
    rows = []
    for r in range(1, ws.max_row + 1):
        values = [stored.get((r, c), "") for c in range(1, width + 1)]
        shown = [stored.get(merges[(r, c)][:2], "") if (r, c) in merges else values[c - 1] for c in range(1, width + 1)]
        if not any(v.strip() for v in shown):
            continue
        rows.append(GridRow(shown, Excerpt(None, "\t".join(values).rstrip("\t"), sheet=ws.title, row=r),
                            [merges.get((r, c)) for c in range(1, width + 1)]))
    return rows


def read_workbook(data: bytes, source: str, sheets: list[str] | None = None,
                  columns: dict[str, list[str]] | None = None) -> Table:
    wb = open_workbook(data, source)
    names = wb.sheetnames
    unknown = [s for s in sheets or [] if s not in names]
    if unknown:
        raise TableError(source, f"--sheet: no sheet {unknown[0]!r} in the workbook; its sheets: {', '.join(names)}")
    grids = {name: sheet_rows(wb[name]) for name in (sheets or names)}
    if not sheets:
        sheets = [name for name in names if has_header(grids[name], columns)]
        if len(sheets) > 1:
            raise TableError(source, f"several sheets hold a task table ({', '.join(sheets)}); "
                             "choose one with --sheet NAME (repeat --sheet to read several in order)")
        if not sheets:
            raise TableError(source, f"no header found in any sheet ({', '.join(names)}): a header row names "
                             "at least the task column (要点/任务/…) and the lead column (牵头单位/…)")
    return read_grid(source, [(name, grids[name]) for name in sheets], columns)


def workbook_text(data: bytes, source: str = "workbook") -> str:
    """Every row of every sheet as sp:sourceRow writes it, one per line: the text a workbook's records quote."""
    wb = open_workbook(data, source)
    return "\n".join(row.at.raw for ws in wb.worksheets for row in sheet_rows(ws))
