"""SHACL validation at national scale: the whole graph, and one changed plan (a benchmark, not a test).

For synthetic data (sciplan/synth.py) at each --scales value, runs in a child process (killed at
--limit seconds) through the validation library's public functions:

  whole   sciplan.validate.validate_built(settings): the built store, every shape; the findings
          are compared with the defects the generator injected (manifest.json);
  plan    one changed plan, as a developer checks the file they edited: one task point of a
          county plan loses its lead unit, and sciplan.validate.validate_files(files, plan=id)
          validates that file with the graphs it depends on (ontology, jurisdictions, bodies,
          schemes, the plans of its eli:based_on chain); the new finding must be there;
  store   the same change made in a copy of the built store (the plan's named graph replaced),
          then sciplan.validate.validate_store(store, plan=id): the incremental path of a
          server or CI that keeps the store and replaces one graph (replace + check timed).

Prints a table with the machine's figures and the goals, writes JSON to benchmarks/results/.
Peak RSS is the largest child's (RUSAGE_CHILDREN). A run that hits --limit is reported as "> limit"; once a scale's whole validation hits the
limit the larger scales are not tried (they can only take longer) unless --force.

    python3 benchmarks/validate_scale_bench.py                          # scales 0.02, 0.1, 1.0
    python3 benchmarks/validate_scale_bench.py --scales 0.1 --limit 3600

Goals at full national scale (1.0), 2 cores: whole graph < 300 s; one changed plan < 2 s.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchlib import DEFAULT_WORKDIR, ROOT, machine, print_machine, synth_settings, table, write_results

WHOLE_GOAL_S, PLAN_GOAL_S = 300.0, 2.0
CHILD = r"""
import json, sys, time
from collections import Counter
from pathlib import Path
from sciplan.config import Settings
from sciplan.validate import validate_built, validate_files
mode, data, store = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
settings = Settings(data_dir=data, store=store)
started = time.perf_counter()
if mode == "whole":
    result = validate_built(settings)
elif mode == "store":  # a copy of the built store: replace the plan's graph, then check that plan
    import pyoxigraph as ox
    from sciplan.store import graph_iri
    from sciplan.validate import validate_store
    edited, plan = Path(sys.argv[4]), sys.argv[5]
    copy = ox.Store(str(store))
    graph = ox.NamedNode(graph_iri(settings, data / "plans" / edited.name))
    copy.remove_graph(graph)
    copy.load(path=str(edited), format=ox.RdfFormat.TURTLE, base_iri=settings.base, to_graph=graph)
    replaced = time.perf_counter() - started
    result = validate_store(copy, settings, plan=plan)
else:
    files, plan = json.loads(sys.argv[4]), sys.argv[5]
    result = validate_files(files, settings, plan=plan)
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "replace_s": locals().get("replaced"), "triples": result.data_triples,
                  "by_rule": Counter(f.rule.id for f in result.findings),
                  "focus": sorted({f"{f.rule.id} {f.focus}" for f in result.findings})}))
"""
DEFECT_SHAPES = {"missing-lead": "LeadUnitShape", "foreign-body": "UnitJurisdictionShape", "bad-basis": "BasisShape"}


def run_child(args: list[str], limit: float) -> dict:
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", CHILD, *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return {"stopped": True, "wall_s": round(time.perf_counter() - started, 1)}
    if proc.returncode != 0:
        raise RuntimeError(f"validation failed: {err.decode(errors='replace')[-2000:]}")
    figures = json.loads(out.decode().strip().splitlines()[-1])
    figures["wall_s"] = round(time.perf_counter() - started, 2)
    return figures


def peak_rss_mb() -> float:
    import resource

    return round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)


def changed_plan(settings, manifest: dict, out: Path) -> tuple[list[str], str, str]:
    """A county plan file with one lead unit removed, and the files it is validated with."""
    data = settings.data_dir
    plans = sorted((data / "plans").glob("*.ttl"))
    county = next(p for p in plans if "sp:level <scheme/level/county>" in p.read_text(encoding="utf-8")[:3000])
    text = county.read_text(encoding="utf-8")
    task = re.search(r"^<([^>]+/point/1)> a sp:TaskPoint [^\n]*? ; sp:leadUnit (<[^>]+>) ; sp:leadUnitsText (\"[^\"]*\") ; "
                     r"sp:assignment (<[^>]+>)", text, re.M)
    iri, unit, printed, assignment = task.groups()
    line = task.group(0)
    text = text.replace(line, line.replace(f" ; sp:leadUnit {unit} ; sp:leadUnitsText {printed} ; sp:assignment {assignment}", ""))
    text = "\n".join(l for l in text.splitlines() if not l.startswith(f"{assignment} a sp:UnitAssignment")) + "\n"
    out.mkdir(parents=True, exist_ok=True)
    edited = out / "plans" / county.name
    edited.parent.mkdir(exist_ok=True)
    edited.write_text(text, encoding="utf-8")
    # Its basis chain: the county's city, province and the national plan (by code prefix).
    code = county.stem.split("-")[0]
    chain = [p for p in plans if p.stem.split("-")[0] in (f"{code[:4]}00", f"{code[:2]}0000", "cn")]
    files = [str(data / f) for f in ("jurisdictions.ttl", "organizations.ttl", "schemes.ttl")] + [str(p) for p in chain]
    return files + [str(edited)], county.stem, iri


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="0.02,0.1,1.0", help="synthetic scales (default 0.02,0.1,1.0)")
    parser.add_argument("--limit", type=float, default=900, help="seconds per validation before it is stopped (default 900)")
    parser.add_argument("--force", action="store_true", help="try larger scales even after a smaller one hit the limit")
    parser.add_argument("--no-whole", action="store_true", help="only the changed-plan runs")
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    args = parser.parse_args()

    m = machine()
    print_machine(m)
    runs, skip_whole = [], False
    for scale in [float(s) for s in args.scales.split(",") if s]:
        settings, manifest = synth_settings(args.workdir, scale, args.seed)
        label = f"synthetic {scale:g}"
        run = {"data": label, "scale": scale, "task_points": manifest["task_points"], "defects": manifest["defects"]}
        # One changed plan.
        files, plan, task = changed_plan(settings, manifest, args.workdir / f"changed-{scale:g}")
        print(f"{label}: one changed plan ({plan}) …", flush=True)
        one = run_child(["plan", str(settings.data_dir), str(settings.store), json.dumps(files), plan], args.limit)
        if not one.get("stopped"):
            base = "https://w3id.org/sciplan/"
            one["new_finding_found"] = f"LeadUnitShape {base}{task}" in one["focus"]
            del one["focus"]
        run["plan"] = {"id": plan, **one}
        print(f"  {one}", flush=True)
        copy = args.workdir / f"changed-{scale:g}" / "store"
        if not copy.exists():
            shutil.copytree(settings.store.resolve(), copy)
        print(f"{label}: the same change in a copy of the built store …", flush=True)
        inc = run_child(["store", str(settings.data_dir), str(copy), files[-1], plan], args.limit)
        if not inc.get("stopped"):
            inc["new_finding_found"] = f"LeadUnitShape https://w3id.org/sciplan/{task}" in inc.pop("focus")
        run["store_plan"] = inc
        print(f"  {inc}", flush=True)
        # The whole graph.
        if args.no_whole or (skip_whole and not args.force):
            run["whole"] = {"skipped": True}
        else:
            print(f"{label}: whole graph ({manifest['task_points']:,} task points) …", flush=True)
            whole = run_child(["whole", str(settings.data_dir), str(settings.store)], args.limit)
            if whole.get("stopped"):
                skip_whole = True
            else:
                found = {}
                for item in whole.pop("focus"):
                    rule, focus = item.split(" ", 1)
                    found.setdefault(rule, set()).add(focus)
                base = "https://w3id.org/sciplan/"
                whole["finds_exactly_the_injected_defects"] = all(
                    found.get(shape, set()) == {base + i for i in manifest["defective"][kind]}
                    for kind, shape in DEFECT_SHAPES.items()) and set(found) <= set(DEFECT_SHAPES.values())
            run["whole"] = whole
            print(f"  {whole}", flush=True)
        runs.append(run)
    peak = peak_rss_mb()

    def shown(r: dict) -> str:
        if r.get("skipped"):
            return "not run" + ("" if args.no_whole else " (smaller scale hit the limit)")
        if r.get("stopped"):
            return f"> {args.limit:g} (stopped)"
        return f"{r['seconds']:.1f}"

    print()
    print(table(["data", "task points", "whole graph s", "triples validated", "finds the injected defects",
                 "changed plan in the store s", "changed plan file s", "triples in its scope", "new finding reported"],
                [[r["data"], f"{r['task_points']:,}", shown(r["whole"]), r["whole"].get("triples", ""),
                  r["whole"].get("finds_exactly_the_injected_defects", ""), shown(r["store_plan"]), shown(r["plan"]),
                  r["plan"].get("triples", ""),
                  r["plan"].get("new_finding_found", "") and r["store_plan"].get("new_finding_found", "")] for r in runs]))
    print(f"peak RSS of the largest validation child: {peak} MB")
    # Growth: fit seconds = a * n^k on the whole-graph runs that finished, to extrapolate.
    done = [(r["task_points"], r["whole"]["seconds"]) for r in runs if "seconds" in r["whole"]]
    goals = []
    if len(done) >= 2:
        (n1, t1), (n2, t2) = done[0], done[-1]
        k = math.log(t2 / t1) / math.log(n2 / n1)
        full = t2 * (125151 / n2) ** k
        print(f"whole-graph time grows as n^{k:.2f}; extrapolated to national scale (125,151 task points): {full:,.0f} s")
        goals.append({"goal": "whole graph < 300 s at national scale", "extrapolated_s": round(full), "exponent": round(k, 2)})
    for r in runs:
        if r["scale"] == 1.0:
            for key, goal in (("whole", WHOLE_GOAL_S), ("store_plan", PLAN_GOAL_S), ("plan", PLAN_GOAL_S)):
                res = r[key]
                if res.get("skipped") and args.no_whole:
                    continue
                value = res.get("seconds")
                met = value is not None and value < goal
                goals.append({"goal": f"{key} < {goal:g} s at national scale", "value": value, "met": met,
                              "by_s": round(value - goal, 1) if value is not None and not met else None,
                              "stopped_at_limit": bool(res.get("stopped"))})
                print(f"goal: {key} < {goal:g} s at national scale: "
                      + ("met" if met else (f"MISSED by {value - goal:.1f} s" if value is not None else
                                             f"MISSED (did not finish within {args.limit:g} s)")))
    write_results("validate-scale", {"machine": m, "limit_s": args.limit, "runs": runs, "goals": goals,
                                     "peak_rss_mb": peak, "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
    return 0


if __name__ == "__main__":
    sys.exit(main())
