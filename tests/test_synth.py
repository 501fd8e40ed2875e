"""The synthetic national-scale generator (sciplan/synth.py) and `sciplan synth`.

Deterministic output, the number of plans per level, defects injected at the
rates the manifest lists, and validation of a small synthetic graph finding
exactly the injected records. The national-scale runs live in benchmarks/.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

from sciplan.cli import main
from sciplan.config import Settings
from sciplan.store import build, open_store
from sciplan.synth import DEFAULT_RATES, FULL, generate

SP = "https://w3id.org/sciplan/def/"
TASKS_PER_PLAN = 39  # the 南沙 template
# Which shape must fire for each kind of injected defect, and on which focus node.
DEFECT_SHAPES = {"missing-lead": "LeadUnitShape", "foreign-body": "UnitJurisdictionShape", "bad-basis": "BasisShape"}


def files_of(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def scale_01(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("synth") / "s01"
    return out, generate(Settings(), out, scale=0.1, seed=2021)


def test_the_same_seed_gives_the_same_bytes(tmp_path):
    first = generate(Settings(), tmp_path / "a", scale=0.02, seed=7)
    second = generate(Settings(), tmp_path / "b", scale=0.02, seed=7)
    assert first == second
    a, b = files_of(tmp_path / "a"), files_of(tmp_path / "b")
    assert a.keys() == b.keys() and len(a) == 4 + first["plans"]  # schemes, jurisdictions, organizations, manifest
    assert a == b
    other = generate(Settings(), tmp_path / "c", scale=0.02, seed=8)
    assert other["defective"] != first["defective"]  # the seed chooses the defective records


def test_counts_per_level_at_scale_0_1(scale_01):
    out, manifest = scale_01
    expected = {"national": 1, **{level: round(n * 0.1) for level, n in FULL.items()}}
    assert manifest["jurisdictions"] == expected == {"national": 1, "provincial": 3, "prefectural": 33, "county": 284}
    assert manifest["plans"] == 321 and manifest["task_points"] == 321 * TASKS_PER_PLAN
    plans = sorted((out / "plans").glob("*.ttl"))
    assert len(plans) == 321
    levels = defaultdict(int)
    tasks = 0
    for path in plans:
        text = path.read_text(encoding="utf-8")
        levels[re.search(r"sp:level <scheme/level/(\w+)>", text).group(1)] += 1
        tasks += text.count(" a sp:TaskPoint ")
    assert dict(levels) == expected and tasks == manifest["task_points"]
    jurisdictions = (out / "jurisdictions.ttl").read_text(encoding="utf-8")
    assert jurisdictions.count(" a sp:Jurisdiction ") == 321


def test_defects_are_injected_at_the_manifest_rates(scale_01):
    out, manifest = scale_01
    assert manifest["rates"] == DEFAULT_RATES
    assert manifest["opportunities"] == {"missing-lead": 12519, "foreign-body": 12519, "bad-basis": 320}
    for kind, rate in manifest["rates"].items():
        assert manifest["defects"][kind] == round(rate * manifest["opportunities"][kind]) == len(manifest["defective"][kind])
        assert len(set(manifest["defective"][kind])) == manifest["defects"][kind]
    assert not set(manifest["defective"]["missing-lead"]) & set(manifest["defective"]["foreign-body"])
    # The records are as described: a missing lead has no sp:leadUnit, a foreign body is of another place.
    texts = {p.stem: p.read_text(encoding="utf-8") for p in (out / "plans").glob("*.ttl")}

    def line_of(iri: str) -> str:
        code, period = re.match(r"plan/(\w+)/(\d{4}-\d{4})", iri).groups()
        return next(line for line in texts[f"{code}-{period}"].splitlines() if line.startswith(f"<{iri}> a sp:TaskPoint"))

    for iri in manifest["defective"]["missing-lead"]:
        assert "sp:leadUnit " not in line_of(iri)
    for iri in manifest["defective"]["foreign-body"]:
        own = re.match(r"plan/(\w+)/", iri).group(1)
        lead = re.search(r"sp:leadUnit <org/(\w+)/", line_of(iri)).group(1)
        assert lead != own


def test_a_small_synthetic_graph_validates_to_exactly_the_injected_defects(tmp_path):
    from sciplan.validate import validate_built

    rates = {"missing-lead": 0.004, "foreign-body": 0.004, "bad-basis": 0.1}
    manifest = generate(Settings(), tmp_path / "data", scale=0.01, seed=11, rates=rates)
    assert all(manifest["defects"][kind] >= 3 for kind in rates)
    settings = Settings(data_dir=tmp_path / "data", store=tmp_path / "store")
    build(settings)
    result = validate_built(settings)
    found = defaultdict(set)
    for finding in result.findings:
        found[finding.rule.id].add(finding.focus)
    assert {f.severity for f in result.findings} == {"Violation"}
    assert set(found) == set(DEFECT_SHAPES.values()), f"unexpected rules fired: {set(found) - set(DEFECT_SHAPES.values())}"
    base = settings.base
    for kind, shape in DEFECT_SHAPES.items():
        assert found[shape] == {base + iri for iri in manifest["defective"][kind]}, kind


def test_the_synth_command_writes_and_builds(tmp_path, capsys):
    out, store = tmp_path / "syn", tmp_path / "kg" / "store"
    assert main(["--store", str(store), "synth", "--scale", "0.01", "--seed", "3", "--output", str(out), "--build"]) == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 3 and manifest["plans"] == 33
    assert "built" in capsys.readouterr().out
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?p a <{SP}Plan> }}"
    assert int(next(iter(open_store(store).query(count, use_default_graph_as_union=True)))["n"].value) == 33
    # Without --store, the store goes beside the data.
    assert main(["synth", "--scale", "0.01", "--output", str(tmp_path / "other"), "--build"]) == 0
    assert (tmp_path / "other" / "store").is_symlink()


@pytest.mark.parametrize("args, message", [
    (["--scale", "0", "--output", "x"], "--scale"),
    (["--scale", "1.5", "--output", "x"], "--scale"),
    (["--output", "data/ttl"], "real data"),
    (["--output", "."], "real data"),
    (["--output", "docs"], "not a synthetic data directory"),
])
def test_the_synth_command_refuses_bad_input(args, message, capsys):
    assert main(["synth", *args]) == 2
    assert message in capsys.readouterr().err


def test_sections_and_task_points_derive_from_the_level_above(scale_01):
    """Without the real KB the synthetic national plan is a copy of the template too: a provincial copy of a 南沙
    record whose chain reaches the national plan is based on the national copy's same record; 科普产业繁荣工程,
    which 南沙 does not derive from the national plan, is first in the provinces and derived below them."""
    import pyoxigraph as ox

    from sciplan import iris
    from sciplan.synth import template_derivation

    out, manifest = scale_01
    bases: dict[str, set[str]] = defaultdict(set)
    for path in sorted((out / "plans").glob("*.ttl")):
        for quad in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=iris.PLACEHOLDER):
            if quad.predicate.value == "http://data.europa.eu/eli/ontology#based_on":
                bases[iris.relative(quad.subject.value)].add(iris.relative(quad.object.value))
    plans = [s for s in bases if iris.parse(s).kind == "plan"]
    assert len(plans) == manifest["plans"] - 1  # all but the national plan have a basis
    national = "plan/cn/2021-2035"
    derives = template_derivation(Settings())
    for plan in plans:
        (basis,) = bases[plan]
        for record, reaches in derives.items():
            expected = {f"{basis}/{record}"} if basis != national or reaches else set()
            assert bases.get(f"{plan}/{record}", set()) == expected, (plan, record)
    links = sum(len(v) for k, v in bases.items() if iris.parse(k).kind != "plan")
    provinces = sum(1 for p in plans if bases[p] == {national})
    assert links == len(plans) * len(derives) - provinces  # every derived record once; the industry project not under the nation
