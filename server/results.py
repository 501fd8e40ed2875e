"""Write SELECT and ASK answers with pyoxigraph's own serializers, cut at the row limit.

The answer is written in the query process, where it is computed, so what
crosses to the web process is the response body, not rows: converting each
term to a dict, pickling it and writing it again in Python cost 0.6 ms per
100 rows and 11 ms per 1,000 (benchmarks/README.md, "Endpoint overhead").

pyoxigraph writes a whole result and cannot stop at N rows, so the answer is
written into a writer that counts solutions and stops the serializer, and
with it the engine, once the row limit is passed.

JSON, the format nearly every client asks for, is written once, straight
from the engine (`_JsonSolutions`): every row holds a "{", so while the
document has no more of them than the limit allows, the writes are only
kept and the rows are counted after the answer is sent (`counted`); past
that, rows are counted write by write at their boundaries (`_Rows`: where
one row ends and the next begins, `},{"` and a name's first letter — in a
string that sequence is followed by `,` or `}`), and the answer is cut at
the boundary after its last whole row. All of it is counts of bytes, in C:
writing JSON through TSV and back, as before, cost 0.1 ms for one row and
0.2–1.1 ms for 35–600 rows (benchmarks/README.md, "Endpoint overhead"). A
document that holds `{}` (a row that binds nothing, or a string) is read
byte by byte instead (`_Scan`), its cut found by reading it again.

XML and CSV cannot be cut by counting bytes either; their TSV can: one line
per solution, with line breaks inside terms escaped. So for those a SELECT
answer is first written as TSV into a writer that stops the serializer once
the row limit is passed; that TSV, cut to the limit, is then read back and
written in the format asked for (TSV is lossless for every term). A TSV
answer is sent as it is.

CSV is written here in Python from the terms read back: pyoxigraph 0.5's CSV
writer leaves an IRI with a comma, and a triple term, unquoted.
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from typing import IO, cast

import pyoxigraph as ox

from .jobs import Job, Outcome

TSV = ox.QueryResultsFormat.TSV
JSON = ox.QueryResultsFormat.JSON
ROW_BOUNDARY = b'},{"'              # where a row ends and the next begins, or a string may hold it (_JsonSolutions)
HEAD = b'{"head":{"vars":['          # how pyoxigraph's compact SPARQL JSON begins
UNCOUNTED = -1                       # Outcome.count of a JSON answer whose rows are counted later (counted)
HEAD_BRACES = 3                      # the "{" of the document, "head" and "results"


class _Full(Exception):
    """Raised from the writer to stop pyoxigraph's serializer at the row limit."""


class _Lines:
    """A binary writer that keeps the header line and at most `limit` solution lines."""

    def __init__(self, limit: int):
        self.limit = limit + 1  # the header is a line too
        self.lines = 0
        self.parts: list[bytes] = []
        self.truncated = False

    def write(self, data: bytes) -> int:
        found = data.count(b"\n")
        if self.lines + found > self.limit:  # past the limit: keep the lines up to it and stop the serializer
            end = -1
            for _ in range(self.limit - self.lines):
                end = data.index(b"\n", end + 1)
            self.parts.append(data[:end + 1])
            self.lines = self.limit
            self.truncated = True
            raise _Full
        self.parts.append(data)
        self.lines += found
        return len(data)

    def flush(self) -> None:
        pass


class _JsonSolutions:
    """A binary writer that keeps pyoxigraph's SPARQL JSON up to `limit` solutions.

    Past the limit it keeps the rows before the next one, closes the document as pyoxigraph would
    (`]}}`), and stops the serializer. Every row holds a "{", so while the document has no more
    than `limit` of them past its head the limit cannot have been passed: the writes are only kept
    (one count of a byte each) and the rows are counted later (`counted`, after the answer is sent).
    Past that, the rows are counted write by write (`_Rows`). Held to the TSV path by
    tests/test_server_results.py.
    """

    def __init__(self, limit: int):
        self.limit = limit
        self.parts: list[bytes] = []
        self.truncated = False
        self.layout_known = True  # False: not the compact layout read here; the caller reads the answer back
        self.rows: _Rows | None = None  # counting write by write, once the limit may be near
        self._braces = -HEAD_BRACES     # "{" past the head so far: at least one a row
        self._head_seen = False         # the whole HEAD has come, as pyoxigraph writes it

    def write(self, data: bytes) -> int:
        if self.truncated:  # the serializer may flush what it holds once more as it stops
            raise _Full
        data = bytes(data)
        size = len(data)
        if not size:
            return 0
        if self.layout_known and (b"\n" in data or not self._head_as_known(data)):
            self.layout_known = False  # pretty-printed, or another head: not what is counted here
        if self.layout_known and self.rows is None:
            self._braces += data.count(b"{")
            if self._braces > self.limit:  # the limit may be passed: count what came so far, then each write
                self.rows = _Rows()
                data, self.parts = b"".join(self.parts) + data, []
        if not self.layout_known or self.rows is None:
            self.parts.append(data)
            return size
        before = self.rows.total
        if before + self.rows.add(data) > self.limit:
            self._cut(data, self.limit - before)
            raise _Full
        self.parts.append(data)
        return size

    def flush(self) -> None:
        pass

    def _head_as_known(self, data: bytes) -> bool:
        """Whether the document begins as pyoxigraph's compact JSON does, as far as it has come."""
        if self._head_seen:
            return True
        start = (b"".join(self.parts) + data)[:len(HEAD)]
        self._head_seen = start == HEAD
        return HEAD.startswith(start) if len(start) < len(HEAD) else self._head_seen

    def body(self) -> bytes:
        return b"".join(self.parts)

    def outcome(self) -> Outcome:
        """The answer, its rows counted if they were counted while written (else UNCOUNTED: `counted`)."""
        rows = UNCOUNTED if self.rows is None else min(self.rows.total, self.limit)
        return Outcome("select", data=self.body(), count=rows, truncated=self.truncated)

    def _cut(self, data: bytes, keep: int) -> None:
        """Keep the first `limit` rows (`keep` of them begin in `data`, the last write), closed as pyoxigraph closes
        the document. Where the rows were counted by their boundaries the cut is found among those of the last write;
        in a document read byte by byte (it holds a `{}`), by reading it again from the start."""
        whole = b"".join(self.parts) + data
        after = self.rows.end_of_rows(keep) if self.rows is not None else None
        if after is not None:
            end = len(whole) - after
        else:
            begins = _Scan().rows(whole, stop=self.limit)
            if begins < 0:
                raise AssertionError("the row past the limit was counted, so it begins in the document")
            end = begins - 1 if whole[begins - 1] == 0x2C else begins  # the "," before it; after "[" nothing is kept
        self.parts = [whole[:end] + b"]}}"]
        self.truncated = True


class _Rows:
    """The rows of pyoxigraph's compact SPARQL JSON, counted write after write.

    A row ends and the next begins at `},{"` (ROW_BOUNDARY) and a variable's first letter; the first
    row follows `"bindings":[`. Between the bindings of a row there is `},"`, and inside a string a
    quote is escaped (`\\"`), so a `},{"` in a string has its quote end that string and is followed by
    `,` or `}`, never by a letter of a name: three counts of bytes. A row that binds nothing (`{}`)
    cannot be told from `,{}` in a string that way: from the first `{}` on, the document is read
    byte by byte (`_Scan`), from its start.
    """

    def __init__(self):
        self.total = 0
        self._seen: list[bytes] = []
        self._pending = b""  # the last 4 bytes: a boundary there waits for the byte after it
        self._first = False  # the first row has been counted, or there is none
        self._scan: _Scan | None = None
        self._last = b""     # the bytes the last add counted in (the carried ones and its write)
        self._first_in_last = False

    def add(self, data: bytes) -> int:
        """The rows that begin in `data`, the next write of the document (added to `total`)."""
        buf = self._pending + data
        self._pending, self._last, self._first_in_last = buf[-4:], buf, False
        if self._scan is None and b"{}" in buf:
            self._scan = _Scan()
            found = self._scan.rows(b"".join(self._seen)) + self._scan.rows(data) - self.total
        elif self._scan is not None:
            found = self._scan.rows(data)
        else:
            found = buf.count(ROW_BOUNDARY) - buf.count(ROW_BOUNDARY + b",") - buf.count(ROW_BOUNDARY + b"}")
            found -= buf.endswith(ROW_BOUNDARY)  # its next byte is in the next write
            if not self._first:
                if b'"bindings":[{' in buf:
                    self._first, self._first_in_last, found = True, True, found + 1
                elif b'"bindings":[]' in buf:
                    self._first = True
        self._seen.append(data)
        self.total += found
        return found

    def end_of_rows(self, keep: int) -> int | None:
        """How many bytes from the end of the document (as far as the last add) the rows end that leave `keep` of
        those beginning in the last write (before the "," after them); None when that is not found by the boundaries
        (the document is read byte by byte, or no row before it would be kept)."""
        skip = keep - self._first_in_last  # boundaries to pass: the first row has none before it
        if self._scan is not None or skip < 0:
            return None
        buf, at = self._last, -1
        for _ in range(skip + 1):
            at = buf.find(ROW_BOUNDARY, at + 1)
            while at >= 0 and buf[at + 4:at + 5] in (b",", b"}", b""):  # in a string, or its next byte not yet here
                at = buf.find(ROW_BOUNDARY, at + 1)
        if at < 0:
            raise AssertionError("the row past the limit was counted, so its boundary is in the last write")
        return len(buf) - (at + 1)  # keep the "}" that ends the row before the boundary


class _Scan:
    """pyoxigraph's compact SPARQL JSON read byte by byte, write after write: the rows that begin in it."""

    def __init__(self):
        self.in_string = self.escape = False
        self.last = 0  # the last byte outside strings

    def rows(self, data: bytes, stop: int = -1) -> int:
        """Rows that begin in `data`; with `stop` ≥ 0, the offset in `data` of the "{" of the `stop`+1-th such
        row instead, or -1."""
        found = 0
        in_string, escape, last = self.in_string, self.escape, self.last
        for at, byte in enumerate(data):
            if in_string:
                if escape:
                    escape = False
                elif byte == 0x5C:  # a backslash
                    escape = True
                elif byte == 0x22:  # a quote
                    in_string = False
                continue
            if byte == 0x22:
                in_string = True
                continue
            if byte == 0x7B and last in (0x5B, 0x2C):  # "{" after "[" or ",": a row begins
                if found == stop:
                    return at
                found += 1
            last = byte
        self.in_string, self.escape, self.last = in_string, escape, last
        return -1 if stop >= 0 else found


def write_answer(result: ox.QuerySolutions | ox.QueryBoolean, job: Job) -> Outcome:
    """A SELECT or ASK answer as the response body in job.results_format."""
    fmt = getattr(ox.QueryResultsFormat, job.results_format)
    if isinstance(result, ox.QueryBoolean):
        return Outcome("ask", boolean=bool(result), count=1, data=xml_safe_whitespace(result.serialize(format=fmt) or b"", fmt))
    if fmt == JSON:
        solutions = _JsonSolutions(job.max_rows)
        try:
            result.serialize(cast(IO[bytes], solutions), format=JSON)
        except _Full:
            pass
        if solutions.layout_known:
            return solutions.outcome()
        result = ox.parse_query_results(solutions.body(), format=JSON)  # read back, cut through TSV
    data, count, truncated = through_tsv(cast(ox.QuerySolutions, result), fmt, job.max_rows)
    return Outcome("select", data=xml_safe_whitespace(data, fmt), count=count, truncated=truncated)


def counted(outcome: Outcome) -> Outcome:
    """The outcome with its rows counted: a JSON answer under the row limit is counted only when asked,
    which the query process does after it has sent the answer (server/worker.py)."""
    if outcome.count != UNCOUNTED:
        return outcome
    rows = _Rows()
    rows.add(outcome.data)
    return replace(outcome, count=rows.total)


def through_tsv(result: ox.QuerySolutions, fmt: ox.QueryResultsFormat, limit: int) -> tuple[bytes, int, bool]:
    """(the answer in `fmt`, its rows, whether it was cut): written as TSV, cut at `limit` rows, read back."""
    out = _Lines(limit)
    try:
        result.serialize(cast(IO[bytes], out), format=TSV)
    except _Full:
        pass
    tsv = b"".join(out.parts)
    count = max(0, out.lines - 1)
    if fmt == TSV:
        data = tsv
    elif fmt == ox.QueryResultsFormat.CSV:
        data = write_csv(ox.parse_query_results(tsv, format=TSV))
    else:
        data = ox.parse_query_results(tsv, format=TSV).serialize(format=fmt) or b""
    return data, count, out.truncated


def xml_safe_whitespace(data: bytes, fmt: ox.QueryResultsFormat) -> bytes:
    """pyoxigraph writes a CR in a literal as it is, and an XML parser reads it back as LF; as a
    character reference it stays a CR. A CR can only be inside a literal there (the writer puts no
    line breaks of its own, and IRIs, blank nodes and names cannot hold one)."""
    if fmt == ox.QueryResultsFormat.XML and b"\r" in data:
        return data.replace(b"\r", b"&#13;")
    return data


def write_csv(solutions) -> bytes:
    """SPARQL 1.1 CSV: plain values, CRLF line ends."""
    names = [v.value for v in solutions.variables]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(names)
    for solution in solutions:
        writer.writerow([_csv_value(solution[n]) for n in names])
    return out.getvalue().encode("utf-8")


def _csv_value(term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    if isinstance(term, ox.Triple):
        return f"<< {term} >>"
    return term.value
