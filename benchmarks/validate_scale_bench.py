"""SHACL validation at national scale, both engines side by side (a benchmark, not a test).

For synthetic data (sciplan/synth.py) at each --scales value, runs in a child process (killed at
--limit seconds; pyshacl at --pyshacl-limit) through the validation library's public functions,
with the set-at-a-time engine ("sets", the default) and, where it finishes, pyshacl:

  whole   sciplan.validate.validate_built(settings): the built store, every shape; the findings
          are compared with the defects the generator injected (manifest.json);
  plan    one changed plan, as a developer checks the file they edited: one task point of a
          county plan loses its lead unit, and sciplan.validate.validate_files(files, plan=id)
          validates that file with the graphs it depends on (ontology, jurisdictions, bodies,
          schemes, the plans of its eli:based_on chain); the new finding must be there;
  store   the same change made in a copy of the built store (the plan's named graph replaced),
          then sciplan.validate.validate_store(store, plan=id): the incremental path of a
          server or CI that keeps the store and replaces one graph (replace + check timed);
  cli     `sciplan --store S validate --format json` end to end (a fresh process: imports, shapes,
          report), the whole graph and `--plan <county plan>`, each with its own peak RSS.

The sets engine's seconds per shape are printed for the whole graph.

Prints a table with the machine's figures and the goals, writes JSON to benchmarks/results/.
Peak RSS is the largest child's (RUSAGE_CHILDREN). A run that hits --limit is reported as "> limit"; once a scale's whole validation hits the
limit the larger scales are not tried (they can only take longer) unless --force.

    python3 benchmarks/validate_scale_bench.py                          # scales 0.01, 0.1, 1.0
    python3 benchmarks/validate_scale_bench.py --scales 0.1 --limit 3600 --engines sets
    python3 benchmarks/validate_scale_bench.py --scales 1.0 --engines sets --threads 1   # one check at a time

Goals at full national scale (1.0), 2 cores: whole graph < 60 s end to end with exactly the
injected defects found; one county plan (`--plan`) < 1 s end to end; peak RSS < 4 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from benchlib import DEFAULT_WORKDIR, ROOT, machine, print_machine, synth_settings, table, write_results

WHOLE_GOAL_S, PLAN_GOAL_S, RSS_GOAL_MB = 60.0, 1.0, 4096
CHILD = r"""
import json, os, sys, time
from collections import Counter
from pathlib import Path
from sciplan.config import Settings
from sciplan.validate import validate_built, validate_files
engine, mode, data, store = sys.argv[1], sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
settings = Settings(data_dir=data, store=store, validate_threads=int(sys.argv[-1]))
started = time.perf_counter()
if mode == "whole":
    result = validate_built(settings, engine=engine)
elif mode == "store":  # a copy of the built store: replace the plan's graph, then check that plan
    import pyoxigraph as ox
    from sciplan.store import graph_iri
    from sciplan.validate import validate_store
    edited, plan = Path(sys.argv[5]), sys.argv[6]
    copy = ox.Store(str(store))
    graph = ox.NamedNode(graph_iri(settings, data / "plans" / edited.name))
    copy.remove_graph(graph)
    copy.load(path=str(edited), format=ox.RdfFormat.TURTLE, base_iri=settings.base, to_graph=graph)
    replaced = time.perf_counter() - started
    result = validate_store(copy, settings, plan=plan, engine=engine)
else:
    files, plan = json.loads(sys.argv[5]), sys.argv[6]
    result = validate_files(files, settings, plan=plan, engine=engine)
seconds = time.perf_counter() - started
import resource
print("peak-rss-kb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
print(json.dumps({"seconds": seconds, "replace_s": locals().get("replaced"), "triples": result.data_triples,
                  "shape_seconds": result.shape_seconds, "pyshacl_shapes": sorted(result.fallback),
                  "by_rule": Counter(f.rule.id for f in result.findings), "load_after": list(os.getloadavg()),
                  "focus": sorted({f"{f.rule.id} {f.focus}" for f in result.findings})}))
"""
DEFECT_SHAPES = {"missing-lead": "LeadUnitShape", "foreign-body": "UnitJurisdictionShape", "bad-basis": "BasisShape"}


THREADS = 0  # --threads: checks the sets engine runs at once (0: one per usable CPU)


def run_child(args: list[str], limit: float) -> dict:
    """The library call in a child process; its figures, wall time and peak RSS."""
    load = list(os.getloadavg())
    figures, wall, rss, code, err = _run([sys.executable, "-c", CHILD, *args, str(THREADS)], limit)
    if figures is None:
        return {"stopped": True, "wall_s": round(wall, 1)}
    if code != 0:
        raise RuntimeError(f"validation failed: {err[-2000:]}")
    figures = json.loads(figures.strip().splitlines()[-1])
    figures.update(wall_s=round(wall, 2), rss_mb=rss, load_before=load)
    return figures


def _run(cmd: list[str], limit: float) -> tuple[str | None, float, int, int, str]:
    """Run cmd: (stdout or None if stopped at `limit`, wall seconds, its own peak RSS in MB, exit code, stderr)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return None, time.perf_counter() - started, 0, -9, ""
    wall = time.perf_counter() - started
    text = err.decode(errors="replace")
    found = re.findall(r"^peak-rss-kb (\d+)$", text, re.M)
    return out.decode(), wall, round(int(found[-1]) / 1024) if found else 0, proc.returncode, text


# The command line in a child that reports its own peak RSS on its way out.
CLI = r"""
import atexit, resource, sys
atexit.register(lambda: print("peak-rss-kb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr))
from sciplan.cli import main
sys.exit(main(sys.argv[1:]))
"""


def run_cli(store: Path, limit: float, plan: str | None = None) -> dict:
    """`sciplan validate` end to end in a fresh process (the sets engine): wall time, peak RSS, counts."""
    out = Path(DEFAULT_WORKDIR) / "validate-cli.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-c", CLI, "--store", str(store), "validate", "--format", "json", "--output", str(out),
           "--threads", str(THREADS)]
    load = list(os.getloadavg())
    _, wall, rss, code, err = _run(cmd + (["--plan", plan] if plan else []), limit)
    if code == -9:
        return {"stopped": True, "wall_s": round(wall, 1)}
    if code not in (0, 1):
        raise RuntimeError(f"sciplan validate failed ({code}): {err[-2000:]}")
    doc = json.loads(out.read_text(encoding="utf-8"))
    return {"seconds": round(wall, 2), "rss_mb": rss, "exit": code, "counts": doc["counts"],
            "load_before": load, "load_after": list(os.getloadavg()),
            "by_rule": dict(Counter(r["rule"] for r in doc["results"])),
            "focus": sorted({f"{r['rule']} {r['focusNode']}" for r in doc["results"]})}


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


def defects_found(focus: list[str], manifest: dict) -> bool:
    """Exactly the injected defects: each defect kind's shape fires on exactly its nodes, no other shape fails."""
    found: dict[str, set[str]] = {}
    for item in focus:
        rule, node = item.split(" ", 1)
        found.setdefault(rule, set()).add(node)
    base = "https://w3id.org/sciplan/"
    return all(found.get(shape, set()) == {base + i for i in manifest["defective"][kind]}
               for kind, shape in DEFECT_SHAPES.items()) and set(found) <= set(DEFECT_SHAPES.values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="0.01,0.1,1.0", help="synthetic scales (default 0.01,0.1,1.0)")
    parser.add_argument("--engines", default="sets,pyshacl", help="engines to compare (default sets,pyshacl)")
    parser.add_argument("--limit", type=float, default=900, help="seconds per run before it is stopped (default 900)")
    parser.add_argument("--pyshacl-limit", type=float, default=300,
                        help="seconds for a pyshacl whole-graph run (default 300); larger scales are skipped after")
    parser.add_argument("--no-whole", action="store_true", help="only the changed-plan runs")
    parser.add_argument("--no-cli-whole", action="store_true",
                        help="not `sciplan validate` of the whole graph (the library run's child process is timed end to end too)")
    parser.add_argument("--no-store-copy", action="store_true",
                        help="not the change in a copy of the built store (it copies the store, 3 GB at 1.0 with its downloads)")
    parser.add_argument("--threads", type=int, default=0,
                        help="checks the sets engine runs at once (default 0: one per usable CPU; 1 = one at a time)")
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    args = parser.parse_args()
    engines = [e for e in args.engines.split(",") if e]
    global THREADS
    THREADS = args.threads

    m = machine()
    print_machine(m)
    runs, stopped = [], set()
    base = "https://w3id.org/sciplan/"
    for scale in [float(s) for s in args.scales.split(",") if s]:
        settings, manifest = synth_settings(args.workdir, scale, args.seed)
        label = f"synthetic {scale:g}"
        run: dict = {"data": label, "scale": scale, "task_points": manifest["task_points"],
                     "defects": manifest["defects"], "whole": {}}
        files, plan, task = changed_plan(settings, manifest, args.workdir / f"changed-{scale:g}")
        run["plan_id"] = plan
        if not args.no_whole:
            for engine in engines:
                if engine in stopped:
                    run["whole"][engine] = {"skipped": True}
                    continue
                limit = args.pyshacl_limit if engine == "pyshacl" else args.limit
                print(f"{label}: whole graph, {engine} ({manifest['task_points']:,} task points) …", flush=True)
                whole = run_child([engine, "whole", str(settings.data_dir), str(settings.store)], limit)
                if whole.get("stopped"):
                    stopped.add(engine)
                else:
                    whole["finds_exactly_the_injected_defects"] = defects_found(whole.pop("focus"), manifest)
                run["whole"][engine] = whole
                print(f"  {json.dumps({k: v for k, v in whole.items() if k != 'shape_seconds'})}", flush=True)
            if not args.no_cli_whole:
                print(f"{label}: sciplan validate end to end, whole graph …", flush=True)
                cli = run_cli(settings.store, args.limit)
                if not cli.get("stopped"):
                    cli["finds_exactly_the_injected_defects"] = defects_found(cli.pop("focus"), manifest)
                run["cli_whole"] = cli
                print(f"  {cli}", flush=True)
        print(f"{label}: sciplan validate --plan {plan} end to end …", flush=True)
        cli_plan = run_cli(settings.store, args.limit, plan)
        cli_plan.pop("focus", None)
        run["cli_plan"] = cli_plan
        print(f"  {cli_plan}", flush=True)
        print(f"{label}: one changed plan ({plan}) as files …", flush=True)
        one = run_child(["sets", "plan", str(settings.data_dir), str(settings.store), json.dumps(files), plan], args.limit)
        if not one.get("stopped"):
            one["new_finding_found"] = f"LeadUnitShape {base}{task}" in one.pop("focus")
        run["plan"] = one
        print(f"  {one}", flush=True)
        inc: dict = {"skipped": True}
        if not args.no_store_copy:
            copy = args.workdir / f"changed-{scale:g}" / "store"
            if not copy.exists():
                shutil.copytree(settings.store.resolve(), copy)
            print(f"{label}: the same change in a copy of the built store …", flush=True)
            inc = run_child(["sets", "store", str(settings.data_dir), str(copy), files[-1], plan], args.limit)
            if not inc.get("stopped"):
                inc["new_finding_found"] = f"LeadUnitShape {base}{task}" in inc.pop("focus")
            print(f"  {inc}", flush=True)
        run["store_plan"] = inc
        runs.append(run)

    def shown(r: dict | None) -> str:
        if not r or r.get("skipped"):
            return "not run"
        if r.get("stopped"):
            return f"> {r['wall_s']:g} (stopped)"
        return f"{r['seconds']:.2f}"

    print()
    print(table(["data", "task points"] + [f"whole, {e} s" for e in engines] + [
        "sciplan validate s (RSS MB)", "exactly the injected defects", "--plan county s (RSS MB)",
        "changed plan in the store s", "changed plan file s", "new finding reported"],
        [[r["data"], f"{r['task_points']:,}"] + [shown(r["whole"].get(e)) for e in engines] + [
            f"{shown(r.get('cli_whole'))} ({r.get('cli_whole', {}).get('rss_mb', '')})",
            r.get("cli_whole", {}).get("finds_exactly_the_injected_defects", ""),
            f"{shown(r['cli_plan'])} ({r['cli_plan'].get('rss_mb', '')})", shown(r["store_plan"]), shown(r["plan"]),
            r["plan"].get("new_finding_found", "") and r["store_plan"].get("new_finding_found", True)] for r in runs]))
    for r in runs:
        sets = r["whole"].get("sets") or {}
        if sets.get("shape_seconds"):
            slow = sorted(sets["shape_seconds"].items(), key=lambda kv: -kv[1])
            print(f"{r['data']}, sets engine, seconds per shape: "
                  + ", ".join(f"{k} {v:.2f}" for k, v in slow))
        ref = r["whole"].get("pyshacl") or {}
        if sets.get("seconds") and ref.get("seconds"):
            print(f"{r['data']}: pyshacl / sets = {ref['seconds'] / sets['seconds']:.0f}×; same findings per rule: "
                  f"{sets['by_rule'] == ref['by_rule']}")
    goals = []
    for r in runs:
        if r["scale"] != 1.0:
            continue
        for key, goal in (("cli_whole", WHOLE_GOAL_S), ("cli_plan", PLAN_GOAL_S)):
            res = r.get(key) or {}
            if key == "cli_whole" and not res:  # --no-cli-whole: the library run's child process, end to end
                sets = r["whole"].get("sets") or {}
                res = {"seconds": sets.get("wall_s"),
                       "finds_exactly_the_injected_defects": sets.get("finds_exactly_the_injected_defects")}
            value = res.get("seconds")
            met = value is not None and value < goal and (key != "cli_whole" or res.get("finds_exactly_the_injected_defects"))
            goals.append({"goal": f"{key} < {goal:g} s at national scale", "value": value, "met": met})
            print(f"goal: {key} < {goal:g} s at national scale: " + (
                "met" if met else f"MISSED ({value} s)" if value is not None else "MISSED (did not finish)"))
        rss = max((x.get("rss_mb") or 0) for x in [r.get("cli_whole") or {}, r["cli_plan"], r["plan"], r["store_plan"]]
                  + list(r["whole"].values()))
        goals.append({"goal": "peak RSS < 4 GB", "value_mb": rss, "met": rss < RSS_GOAL_MB})
        print(f"goal: peak RSS < 4 GB at national scale: {rss} MB, " + ("met" if rss < RSS_GOAL_MB else "MISSED"))
    print(f"threads: {args.threads or 'one per usable CPU'}; load average at the end {list(os.getloadavg())} "
          "(each run records it before and after: load_before, load_after)")
    write_results("validate-scale", {"machine": m, "limit_s": args.limit, "threads": args.threads, "runs": runs,
                                     "goals": goals, "load_at_end": list(os.getloadavg()),
                                     "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
    return 0


if __name__ == "__main__":
    sys.exit(main())
