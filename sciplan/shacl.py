"""Run pyshacl over a pyoxigraph store, fast.

pyshacl (0.40+) validates a pyoxigraph store directly, so the shapes' SPARQL
constraints run in Oxigraph. Settings: no inference (the shapes check what the
data states), SHACL-AF ("advanced") on for the SPARQL target of
shapes/vocabulary.ttl, no meta-SHACL check of the shapes at run time (a test
does it), and in-place: pyshacl neither copies nor writes the store, which is
fine because the shapes have no rules.
Warnings do not make pyshacl's `conforms` false (allow_warnings); sciplan.validate
decides what fails.

Three fixes take the seed graph from about 8 s to about 1.5 s; they keep
pyshacl's results (tests/test_validate_engine.py compares them):
- _StoreGraph: a store is always true (pyshacl evaluates `datagraph or shapes`
  for each result, which on a store is a COUNT of everything), and the focus
  node of a SPARQL constraint is written into the query text, because Oxigraph
  applies a pre-bound $this only after evaluating the whole pattern;
- _check_each_query_once: pyshacl re-checks a constraint's query text with
  regular expressions before each focus node; each text is checked once.
"""

from __future__ import annotations

import re

import pyoxigraph as ox
import pyshacl
from pyshacl.errors import ConstraintLoadError, ReportableRuntimeError, ShapeLoadError
from pyshacl.graph_abstraction import OxigraphDataGraph
from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper
from rdflib import Graph, URIRef

from .errors import ShapesError


def shacl_report(store: ox.Store, shapes: Graph) -> Graph:
    """pyshacl's validation report graph for the union of the store's graphs."""
    try:
        _, report, _ = pyshacl.validate(_StoreGraph(store), shacl_graph=shapes, inference="none", advanced=True,
                                        inplace=True, allow_warnings=True, meta_shacl=False)
    except (ReportableRuntimeError, ShapeLoadError, ConstraintLoadError) as exc:
        raise ShapesError(getattr(exc, "message", None) or str(exc)) from None
    return report


class _StoreGraph(OxigraphDataGraph):
    """pyshacl's view of a pyoxigraph store, with two speed fixes.

    - pyshacl tests `datagraph or shapes_graph` for every result it builds, and the
      truth value of a store is a COUNT over all of it: a store is always true here.
    - Oxigraph applies the pre-bound $this of a SPARQL constraint after evaluating the
      pattern; writing the focus IRI into the query instead turns each constraint into
      index lookups (several times faster). The projection keeps ?this, so results
      are the same.
    """

    _unsafe_iri = re.compile(r'[<>"{}|^`\\\x00-\x20]')
    _this = re.compile(r"[?$]this\b")
    _head = re.compile(r"\bSELECT\b(.*?)\bWHERE\b", re.S | re.I)

    def __bool__(self) -> bool:
        return True

    def query(self, query_object, processor="sparql", result="sparql", initNs=None,  # noqa: N803
              initBindings=None, use_store_provided=True, **kwargs):
        this = (initBindings or {}).get("this")
        if isinstance(query_object, str) and isinstance(this, URIRef) and not self._unsafe_iri.search(str(this)):
            inlined = self._inline(query_object, f"<{this}>")
            if inlined is not None:
                query_object = inlined
                initBindings = {k: v for k, v in initBindings.items() if k != "this"} or None
        return super().query(query_object, processor, result, initNs=initNs, initBindings=initBindings,
                             use_store_provided=use_store_provided, **kwargs)

    @classmethod
    def _inline(cls, sparql: str, iri: str) -> str | None:
        head = cls._head.search(sparql)
        if head is None:
            return None
        projection = cls._this.sub(f"({iri} AS ?this)", head.group(1))
        body = cls._this.sub(iri, sparql[head.end():])
        return sparql[:head.start(1)] + projection + sparql[head.end(1):head.end()] + body


def _check_each_query_once() -> None:
    """pyshacl re-checks a SPARQL constraint's text with regular expressions before every
    focus node (a third of the run time on the seed graph); the check depends on the text
    only, so remember the texts that passed. Failing texts raise every time, as before."""
    original = SPARQLQueryHelper.check_invalid_sparql
    if getattr(original, "checks_once", False):
        return
    passed: set = set()

    def check_invalid_sparql(self, sparql_text, valuenode=None, extravars=None):
        key = (sparql_text, valuenode is not None, tuple(sorted(extravars or ())))
        if key not in passed:
            original(self, sparql_text, valuenode=valuenode, extravars=extravars)
            passed.add(key)
        return True

    check_invalid_sparql.checks_once = True  # type: ignore[attr-defined]
    SPARQLQueryHelper.check_invalid_sparql = check_invalid_sparql  # type: ignore[method-assign]


_check_each_query_once()
