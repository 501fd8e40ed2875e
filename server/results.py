"""Write SELECT and ASK answers in the four SPARQL 1.1 result formats.

The rows come from a query worker as SPARQL JSON bindings, already cut to
the row limit, so the writers work from plain data rather than from a
pyoxigraph result iterator.
"""

from __future__ import annotations

import csv
import io
import json
from xml.sax.saxutils import escape, quoteattr

from sciplan.vocab import SPARQL_RESULTS as SPARQL_RESULTS_NS

from .jobs import Outcome
_WHITESPACE = {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}  # as references, so no parser trims them


def write_json(outcome: Outcome) -> bytes:
    if outcome.kind == "ask":
        doc = {"head": {}, "boolean": outcome.boolean}
    else:
        doc = {"head": {"vars": outcome.variables}, "results": {"bindings": outcome.rows}}
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def write_xml(outcome: Outcome) -> bytes:
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n', f'<sparql xmlns="{SPARQL_RESULTS_NS}">\n<head>']
    if outcome.kind == "ask":
        out.append(f"</head>\n<boolean>{'true' if outcome.boolean else 'false'}</boolean>\n</sparql>\n")
        return "".join(out).encode("utf-8")
    out += [f"<variable name={quoteattr(v)}/>" for v in outcome.variables]
    out.append("</head>\n<results>\n")
    for row in outcome.rows:
        out.append("<result>")
        out += [f"<binding name={quoteattr(n)}>{_xml_term(t)}</binding>" for n, t in row.items()]
        out.append("</result>\n")
    out.append("</results>\n</sparql>\n")
    return "".join(out).encode("utf-8")


def _xml_term(term: dict) -> str:
    kind = term["type"]
    if kind == "uri":
        return f"<uri>{escape(term['value'])}</uri>"
    if kind == "bnode":
        return f"<bnode>{escape(term['value'])}</bnode>"
    if kind == "triple":
        parts = term["value"]
        return "<triple>" + "".join(f"<{k}>{_xml_term(parts[k])}</{k}>" for k in ("subject", "predicate", "object")) + "</triple>"
    attrs = ""
    if "xml:lang" in term:
        attrs = f" xml:lang={quoteattr(term['xml:lang'])}"
    elif "datatype" in term:
        attrs = f" datatype={quoteattr(term['datatype'])}"
    return f"<literal{attrs}>{escape(term['value'], _WHITESPACE)}</literal>"


def write_csv(outcome: Outcome) -> bytes:
    """SPARQL 1.1 CSV: plain values, CRLF line ends (ASK answers true/false)."""
    if outcome.kind == "ask":
        return b"true" if outcome.boolean else b"false"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(outcome.variables)
    for row in outcome.rows:
        writer.writerow([_csv_value(row.get(v)) for v in outcome.variables])
    return out.getvalue().encode("utf-8")


def _csv_value(term: dict | None) -> str:
    if term is None:
        return ""
    if term["type"] == "bnode":
        return "_:" + term["value"]
    if term["type"] == "triple":
        return _tsv_term(term)
    return term["value"]


def write_tsv(outcome: Outcome) -> bytes:
    """SPARQL 1.1 TSV: terms in SPARQL syntax, '?name' headers."""
    if outcome.kind == "ask":
        return b"true" if outcome.boolean else b"false"
    lines = ["\t".join("?" + v for v in outcome.variables)]
    for row in outcome.rows:
        lines.append("\t".join(_tsv_term(row[v]) if v in row else "" for v in outcome.variables))
    return ("\n".join(lines) + "\n").encode("utf-8")


_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def _tsv_term(term: dict) -> str:
    kind = term["type"]
    if kind == "uri":
        return f"<{term['value']}>"
    if kind == "bnode":
        return "_:" + term["value"]
    if kind == "triple":
        parts = term["value"]
        return "<< " + " ".join(_tsv_term(parts[k]) for k in ("subject", "predicate", "object")) + " >>"
    text = '"' + term["value"].translate(_ESCAPES) + '"'
    if "xml:lang" in term:
        return f"{text}@{term['xml:lang']}"
    if "datatype" in term:
        return f"{text}^^<{term['datatype']}>"
    return text


WRITERS = {"json": write_json, "xml": write_xml, "csv": write_csv, "tsv": write_tsv}
