"""The graph's one literal convention: text carries a language tag, codes are plain strings.

    text   names, titles, labels, printed names and cells, verbatim excerpts, notes, definitions
           → a language tag: "区科协"@zh, "District Association for Science and Technology"@en
    code   document numbers, GB/T 2260 codes, notations, short ids, hashes, file paths, media types,
           sheet names, units of measure, SPARQL examples → a plain string: "穗南府[2022]7号", "440115"
    typed  numbers, years and dates → their XSD datatype: 3, "2025"^^xsd:gYear, "2022-12-09"^^xsd:date

So a query writes `skos:prefLabel "区科协"@zh` and `eli:id_local "穗南府[2022]7号"`, and
`FILTER(STR(?label) = "区科协")` matches a name whatever its tag.

Which form a property takes: for our own properties, their rdfs:range in ontology/ (rdf:langString
is text, xsd:string a code, another XSD type typed); for the reused ones, TEXT and CODE below. The
extract writer makes literals with `text` and `code`; tests/test_vocabulary.py checks every literal
of ontology/ and data/ttl/ with `breaches`, and the reference documentation (/def/) shows each
property's form with the idiom.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from . import vocab

TEXT_FORM, CODE_FORM = "text", "code"

# Reused properties whose literals are natural-language text.
TEXT = frozenset({
    vocab.RDFS + "label", vocab.RDFS + "comment",
    vocab.SKOS + "prefLabel", vocab.SKOS + "altLabel", vocab.SKOS + "definition", vocab.SKOS + "scopeNote",
    vocab.SKOS + "editorialNote", vocab.DCTERMS + "title", vocab.DCTERMS + "alternative", vocab.DCTERMS + "description",
})
# Reused properties whose literals are codes and identifiers.
CODE = frozenset({
    vocab.SKOS + "notation", vocab.SKOS + "example", vocab.DCTERMS + "identifier", vocab.DCTERMS + "format",
    vocab.ELI + "id_local", vocab.OWL + "versionInfo", vocab.VANN_PREFERRED_PREFIX,
})

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def language(text: str) -> str:
    """The tag of a quotation the curated files do not tag: zh if it has a Chinese character, else en
    ("超过15%" is zh, "10.56% in 2020", the English summary of a source, is en)."""
    return "zh" if _HAN.search(text) else "en"


def form(prop: str, ranges: Mapping[str, str]) -> str | None:
    """text, code, an XSD datatype IRI, or None where the convention says nothing (object properties,
    rdf:object of a reified statement, which takes the form of the statement's property)."""
    if prop in TEXT:
        return TEXT_FORM
    if prop in CODE:
        return CODE_FORM
    declared = ranges.get(prop)
    if declared == vocab.RDF_LANG_STRING:
        return TEXT_FORM
    if declared == vocab.XSD_STRING:
        return CODE_FORM
    if declared is not None and declared.startswith(vocab.XSD):
        return declared
    return None


def breach(prop: str, lang: str | None, datatype: str | None, ranges: Mapping[str, str]) -> str | None:
    """Why a literal of `prop` breaks the convention (None if it keeps it)."""
    expected = form(prop, ranges)
    if expected == TEXT_FORM and not lang:
        return "text without a language tag"
    if expected == CODE_FORM and (lang or datatype not in (None, vocab.XSD_STRING)):
        return f"a code with {'a language tag @' + lang if lang else 'datatype ' + str(datatype)}"
    if expected not in (None, TEXT_FORM, CODE_FORM) and datatype != expected:
        return f"typed {expected}, not {'@' + lang if lang else datatype}"
    return None


def breaches(literals: Iterable[tuple[str, str, str, str | None, str | None]], ranges: Mapping[str, str]) -> list[str]:
    """`subject property value: why` for every literal (subject, property, value, language, datatype) that
    breaks the convention."""
    found = []
    for subject, prop, value, lang, datatype in literals:
        why = breach(prop, lang, datatype, ranges)
        if why:
            found.append(f"{subject} {prop} {value[:40]!r}: {why}")
    return found
