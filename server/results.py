"""Write SELECT and ASK answers with pyoxigraph's own serializers, cut at the row limit.

The answer is written in the query process, where it is computed, so what
crosses to the web process is the response body, not rows: converting each
term to a dict, pickling it and writing it again in Python cost 0.6 ms per
100 rows and 11 ms per 1,000 (benchmarks/README.md, "Endpoint overhead").

pyoxigraph writes a whole result and cannot stop at N rows, and neither its
JSON nor its CSV can be cut by counting bytes (a literal may hold `},{"` or a
line break). Its TSV can: one line per solution, with line breaks inside terms
escaped. So a SELECT answer is first written as TSV into a writer that stops
the serializer, and with it the engine, once the row limit is passed; that
TSV, cut to the limit, is then read back and written in the format asked for
(all in Rust: TSV and back costs about as much again as writing JSON once,
and TSV is lossless for every term). A TSV answer is sent as it is.

CSV is written here in Python from the terms read back: pyoxigraph 0.5's CSV
writer leaves an IRI with a comma, and a triple term, unquoted.
"""

from __future__ import annotations

import csv
import io
from typing import IO, cast

import pyoxigraph as ox

from .jobs import Job, Outcome

TSV = ox.QueryResultsFormat.TSV


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


def write_answer(result: ox.QuerySolutions | ox.QueryBoolean, job: Job) -> Outcome:
    """A SELECT or ASK answer as the response body in job.results_format."""
    fmt = getattr(ox.QueryResultsFormat, job.results_format)
    if isinstance(result, ox.QueryBoolean):
        return Outcome("ask", boolean=bool(result), count=1, data=xml_safe_whitespace(result.serialize(format=fmt) or b"", fmt))
    out = _Lines(job.max_rows)
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
    return Outcome("select", data=xml_safe_whitespace(data, fmt), count=count, truncated=out.truncated)


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
