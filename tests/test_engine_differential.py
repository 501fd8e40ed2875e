"""The set-at-a-time engine (sciplan.engine) against pyshacl, its reference: the same results.

Both engines run on the shipped graph, on every broken copy the shape tests of
tests/test_validate_shapes.py and the register's shape tests of tests/test_register.py make
(each of their calls to `validate` runs both engines here), and on a small synthetic graph with its injected defects. A result is compared
by focus node, rule and source shape (a property shape by its path), component, path,
value (as an RDF term), severity and message. Every named shape of shapes/ must fire in
at least one of those runs, so a new shape needs a mutation test to pass.
"""

from __future__ import annotations

import inspect
from collections import Counter

import pytest
from rdflib.compare import isomorphic
from rdflib.namespace import SH

import test_register as register_tests
import test_validate_shapes as shape_tests
from conftest import ValidateKG
from sciplan.cli import main
from sciplan.config import Settings
from sciplan.store import build
from sciplan.validate import load_shapes, rules_of, validate_built, validate_store

FIRED: set[str] = set()
SHAPE_TESTS = [(name, fn) for name, fn in inspect.getmembers(shape_tests, inspect.isfunction)
               if name.startswith("test_") and fn.__module__ == shape_tests.__name__]
# The register's shape tests run on their fixture register (their first argument is `reg_kg`).
REGISTER_TESTS = [(name, fn) for name, fn in inspect.getmembers(register_tests, inspect.isfunction)
                  if name.startswith("test_") and fn.__module__ == register_tests.__name__
                  and list(inspect.signature(fn).parameters)[:1] == ["reg_kg"]]
reg_settings = register_tests.reg_settings  # the session fixture: the fixture register's data root


def results(v) -> Counter:
    """The validation as a multiset of comparable results."""
    values = {}
    for r in v.results.objects(None, SH.result):  # the RDF term of each result's value, by focus and message
        key = (str(v.results.value(r, SH.focusNode)), " ".join(sorted(str(m) for m in v.results.objects(r, SH.resultMessage))))
        values.setdefault(key, []).append(v.results.value(r, SH.value))
    out: Counter = Counter()
    for f in v.findings:
        message = None if " constraint not met on " in f.message else f.message  # a shape without sh:message
        out[(f.focus, f.rule.id, f.component, f.path, f.value, f.severity, message)] += 1
    out.update(("value term", k[0], n3) for k, terms in values.items() for n3 in map(_n3, terms))
    return out


def _n3(term) -> str:
    return "none" if term is None else term.n3()


def assert_same(sets, reference, where: str) -> None:
    ours, theirs = results(sets), results(reference)
    assert ours == theirs, (f"{where}: engines differ; only sets: {sorted((ours - theirs).elements())[:5]}; "
                            f"only pyshacl: {sorted((theirs - ours).elements())[:5]}")
    assert sets.engine == "sets" and reference.engine == "pyshacl" and not sets.fallback
    FIRED.update(f.rule.id for f in sets.findings)


class DifferentialKG(ValidateKG):
    """ValidateKG whose every validation runs both engines and requires the same results."""

    def validate(self, changed=None, plan=None, engine="sets"):
        store = self.changed_store(changed)
        reference = validate_store(store, self.settings, base=self.base, plan=plan, engine="pyshacl")
        sets = validate_store(store, self.settings, base=self.base, plan=plan, engine="sets")
        assert_same(sets, reference, f"plan={plan}, changed={sorted(changed or {})}")
        return sets


@pytest.fixture(scope="module")
def differential_kg(kg_store_path, repo_settings) -> DifferentialKG:
    return DifferentialKG(kg_store_path, repo_settings)


@pytest.fixture(scope="module")
def differential_reg_kg(reg_settings, tmp_path_factory) -> DifferentialKG:
    settings = reg_settings.with_(store=tmp_path_factory.mktemp("register-differential") / "store")
    build(settings)
    return DifferentialKG(settings.store, settings)


def _calls(tests=SHAPE_TESTS):
    for name, fn in tests:
        marks = [m for m in getattr(fn, "pytestmark", []) if m.name == "parametrize"]
        if not marks:
            yield pytest.param(fn, {}, id=name)
            continue
        [mark] = marks
        names = [n.strip() for n in mark.args[0].split(",")] if isinstance(mark.args[0], str) else list(mark.args[0])
        for i, values in enumerate(mark.args[1]):
            values = values if len(names) > 1 else (values,)
            yield pytest.param(fn, dict(zip(names, values)), id=f"{name}[{i}]")


@pytest.mark.parametrize("test, kwargs", list(_calls()))
def test_each_mutation_of_the_shape_tests_gives_the_same_results(differential_kg, test, kwargs):
    test(differential_kg, **kwargs)


@pytest.mark.parametrize("test, kwargs", list(_calls(REGISTER_TESTS)))
def test_each_mutation_of_the_register_shape_tests_gives_the_same_results(differential_reg_kg, test, kwargs):
    test(differential_reg_kg, **kwargs)


def test_the_shipped_graph_gives_the_same_results(kg_store_path):
    settings = Settings(store=kg_store_path)
    assert_same(validate_built(settings), validate_built(settings, engine="pyshacl"), "the shipped graph")


def test_a_small_synthetic_graph_with_its_defects_gives_the_same_results(tmp_path):
    store = tmp_path / "store"
    assert main(["--store", str(store), "synth", "--scale", "0.003", "--output", str(tmp_path / "syn"), "--build"]) == 0
    settings = Settings(store=store)
    sets = validate_built(settings)
    assert sets.failed()  # synth injects defects (manifest.json)
    assert_same(sets, validate_built(settings, engine="pyshacl"), "synthetic scale 0.003")
    # The checks run in threads; one thread or several write the same report, in the same order.
    one, four = (validate_built(settings.with_(validate_threads=n)) for n in (1, 4))
    assert [_row(f) for f in one.findings] == [_row(f) for f in sets.findings] == [_row(f) for f in four.findings]
    assert isomorphic(one.results, four.results) and isomorphic(one.results, sets.results)


def _row(f) -> tuple:
    return (f.focus, f.rule.id, f.component, f.path, f.value, f.severity, f.message, f.plan, f.task)


def test_every_shape_fires_in_some_differential_run(differential_kg, differential_reg_kg, repo_settings, kg_store_path):
    """A shape that no run makes fire is not held to pyshacl: give it a mutation test."""
    rules = {str(r).rsplit("/", 1)[-1] for r in rules_of(load_shapes(repo_settings, repo_settings.base))}
    if not rules <= FIRED:  # run on its own: do the runs here
        for param in _calls():
            test, kwargs = param.values
            test(differential_kg, **kwargs)
        for param in _calls(REGISTER_TESTS):
            test, kwargs = param.values
            test(differential_reg_kg, **kwargs)
    assert rules - FIRED == set(), f"shapes that no differential run makes fire: {sorted(rules - FIRED)}"
