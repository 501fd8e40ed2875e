"""Layout readers for the 任务分工表 of any plan: CSV, XLSX and tab-separated text.

`read` picks the reader by format and returns a Table (sciplan.extract.table); all three
share the layout rules of grid.py. Input that cannot be read is a TableError naming the
file and place.
"""

from __future__ import annotations

from pathlib import Path

from ...errors import TableError
from ..table import Table
from . import csvfile, textfile, workbook
from .grid import read_grid

FORMATS = {".xlsx": "xlsx", ".xlsm": "xlsx", ".csv": "csv", ".txt": "text", ".tsv": "text"}
MEDIA_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               "csv": "text/csv", "text": "text/plain"}
NOT_TABLES = {
    ".xls": "an Excel 97–2003 workbook (.xls): open it and save it as .xlsx",
    ".doc": "a Word document: copy its task table into an .xlsx workbook, or save it as .csv",
    ".docx": "a Word document: copy its task table into an .xlsx workbook, or save it as .csv",
    ".pdf": "a PDF: extract its text (one row per line, cells separated by tabs) into a .txt file",
}


def format_of(path: Path | str, source: str | None = None) -> str:
    suffix = Path(path).suffix.lower()
    if suffix in FORMATS:
        return FORMATS[suffix]
    if suffix in NOT_TABLES:
        raise TableError(source or str(path), f"cannot be read: {NOT_TABLES[suffix]}")
    raise TableError(source or str(path), f"unknown file type {suffix or '(none)'!r}; "
                     f"the import reads {', '.join(sorted(FORMATS))}")


def decode(data: bytes, source: str) -> str:
    """UTF-8 text (a byte-order mark is allowed); anything else is a TableError naming the line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise TableError(source, f"line {line}: not UTF-8 (byte {exc.start} is 0x{data[exc.start]:02x}); "
                         "save the file as UTF-8 (e.g. `iconv -f GB18030 -t UTF-8`)") from None


def read(data: bytes, fmt: str, source: str, sheets: list[str] | None = None,
         columns: dict[str, list[str]] | None = None) -> Table:
    """The Table of a file's bytes in the given format (xlsx, csv or text)."""
    if fmt == "xlsx":
        return workbook.read_workbook(data, source, sheets, columns)
    if sheets:
        raise TableError(source, "--sheet applies to workbooks (.xlsx) only")
    text = decode(data, source)
    if fmt == "csv":
        return read_grid(source, [(None, csvfile.grid_rows(text, source))], columns)
    if fmt == "text":
        rows, fixed = textfile.grid_rows(text)
        return read_grid(source, [(None, rows)], columns, cells_per_row_fixed=fixed)
    raise TableError(source, f"unknown format {fmt!r}")
