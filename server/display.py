"""How terms appear on HTML pages: labels, short names and local links.

IRIs under the configured base link to this server (their path is the part
after the base), everything else links out.
"""

from __future__ import annotations

from urllib.parse import quote

from sciplan.vocab import DCTERMS_TITLE, RDF_LANG_STRING, RDF_TYPE, RDFS_LABEL, SKOS_PREF_LABEL, XSD

LABEL_PROPERTIES = (RDFS_LABEL, SKOS_PREF_LABEL, DCTERMS_TITLE)
__all__ = ["LABEL_PROPERTIES", "RDF_TYPE", "Display"]
PLAIN_DATATYPES = {"", RDF_LANG_STRING} | {
    XSD + t for t in ("string", "integer", "decimal", "double", "boolean", "date", "dateTime", "gYear",
                      "nonNegativeInteger", "positiveInteger", "int", "long")
}
PATH_SAFE = "/:@!$&'()*+,;=-._~%"  # IRI to URI (RFC 3987, 3.1): existing escapes stay


class Display:
    def __init__(self, base: str, prefixes: dict[str, str], languages: tuple[str, ...], root: str = ""):
        self.base = base
        self.root = root.rstrip("/")
        self.languages = tuple("" if lang == "none" else lang.lower() for lang in languages)
        # longest namespace first so that 'sp' wins over a shorter one it extends
        self.prefixes = sorted(prefixes.items(), key=lambda kv: -len(kv[1]))

    def href(self, iri: str) -> str:
        if iri.startswith(self.base):
            path, hash_, fragment = iri[len(self.base):].partition("#")
            return self.root + "/" + quote(path, safe=PATH_SAFE) + hash_ + quote(fragment, safe=PATH_SAFE)
        return iri

    def short(self, iri: str) -> str:
        for prefix, ns in self.prefixes:
            if iri.startswith(ns) and len(iri) > len(ns):
                return f"{prefix}:{iri[len(ns):]}"
        if iri.startswith(self.base):
            return iri[len(self.base):]
        return iri

    def pick(self, labels: list[dict]) -> str | None:
        """The label in the most preferred language; unlisted languages come last."""
        if not labels:
            return None
        order = {lang: n for n, lang in enumerate(self.languages)}

        def rank(term):
            lang = term.get("xml:lang", "").lower().split("-")[0]
            return (order.get(lang, len(order)), term["value"])

        return min(labels, key=rank)["value"]

    def cell(self, term: dict | None, label: str | None = None) -> dict:
        """A value ready for a template: text, and href for IRIs."""
        if term is None:
            return {"text": ""}
        if term["type"] == "uri":
            return {"text": label or self.short(term["value"]), "href": self.href(term["value"]), "iri": term["value"]}
        if term["type"] == "bnode":
            return {"text": "_:" + term["value"]}
        if term["type"] == "triple":
            return {"text": " ".join(self.cell(term["value"][k])["text"] for k in ("subject", "predicate", "object"))}
        # The language goes into the page's lang attribute and the common datatypes
        # go without saying: a number, a date or a year reads as one.
        datatype = term.get("datatype", "")
        note = "" if datatype in PLAIN_DATATYPES else self.short(datatype)
        return {"text": term["value"], "note": note, "lang": term.get("xml:lang", "")}
