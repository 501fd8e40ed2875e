"""Build time, store size on disk and peak memory of `sciplan build` (a benchmark, not a test).

For the real KB and synthetic national-scale data (sciplan/synth.py) at each --scales value,
generates the data (timed apart), then runs the build in a child process and reads that
child's peak resident memory and CPU time from the kernel (os.wait4 → ru_maxrss, ru_utime + ru_stime); the
child times the build's publishing (sciplan/publish.py `write`) apart. Prints a table with the
machine's figures and writes JSON to benchmarks/results/. The stores stay in --workdir for
the other benchmark scripts.

    python3 benchmarks/build_bench.py                       # real KB, scale 0.1 and 1.0
    python3 benchmarks/build_bench.py --scales 0.1 --repeat 3

Goals at full national scale (1.0) on a 2-core, 24 GB machine: build < 180 s, peak RSS < 4 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchlib import DEFAULT_WORKDIR, ROOT, dir_size, machine, print_machine, table, write_results

from sciplan.config import Settings

GOAL_SECONDS, GOAL_RSS_GB = 180.0, 4.0
CHILD = """
import json, sys, time
from pathlib import Path
from sciplan import publish
from sciplan.config import Settings
from sciplan.store import build
data, store = sys.argv[1], sys.argv[2]
settings = Settings(store=Path(store)) if data == "-" else Settings(data_dir=Path(data), store=Path(store))
published, write = [], publish.write
def timed(*args, **kwargs):  # the build's publishing (sciplan/publish.py), timed apart
    started = time.perf_counter()
    try:
        return write(*args, **kwargs)
    finally:
        published.append(time.perf_counter() - started)
publish.write = timed
report = build(settings)
print(json.dumps({"seconds": report.seconds, "publish_s": sum(published), "triples": report.triples, "graphs": len(report.files)}))
"""


def build_in_child(data: str, store: Path) -> dict:
    """Run one build in a child process; its own figures plus the kernel's peak RSS and wall time."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", CHILD, data, str(store)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"build failed ({proc.returncode}): {err.decode(errors='replace')[-2000:]}")
    figures = json.loads(out.decode().strip().splitlines()[-1])
    figures.update(wall_s=wall, peak_rss_mb=usage.ru_maxrss / 1024, cpu_s=usage.ru_utime + usage.ru_stime)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="0.1,1.0", help="comma-separated synthetic scales (default 0.1,1.0)")
    parser.add_argument("--no-real", action="store_true", help="skip the real KB")
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--repeat", type=int, default=1, help="builds per data set; the median is shown (default 1)")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR, help=f"data and stores (default {DEFAULT_WORKDIR})")
    args = parser.parse_args()

    m = machine()
    print_machine(m)
    from sciplan.synth import generate

    runs = []
    sets = ([] if args.no_real else [("real KB", None)]) + [(f"synthetic {float(s):g}", float(s)) for s in args.scales.split(",") if s]
    for label, scale in sets:
        if scale is None:
            data, store, gen_s, manifest = "-", args.workdir / "real" / "store", 0.0, None
        else:
            home = args.workdir / f"synth-{scale:g}-{args.seed}"
            started = time.perf_counter()
            manifest = generate(Settings(), home / "data", scale=scale, seed=args.seed)
            gen_s = time.perf_counter() - started
            data, store = str(home / "data"), home / "store"
        print(f"building {label} …", flush=True)
        builds = [build_in_child(data, store) for _ in range(max(1, args.repeat))]
        median = lambda key: statistics.median(b[key] for b in builds)  # noqa: E731, B023 (used in this iteration)
        run = {
            "data": label, "scale": scale, "plans": manifest["plans"] if manifest else None,
            "task_points": manifest["task_points"] if manifest else None, "triples": builds[0]["triples"],
            "graphs": builds[0]["graphs"], "generate_s": round(gen_s, 2), "build_s": round(median("seconds"), 2),
            "publish_s": round(median("publish_s"), 2), "cpu_s": round(median("cpu_s"), 1),
            "process_wall_s": round(median("wall_s"), 2), "peak_rss_mb": round(max(b["peak_rss_mb"] for b in builds)),
            "store_mb": round(dir_size(store) / 1024 / 1024, 1), "runs": builds,
        }
        runs.append(run)
        print(f"  {run['triples']:,} triples: build {run['build_s']} s (publishing {run['publish_s']} s), CPU {run['cpu_s']} s, "
              f"peak RSS {run['peak_rss_mb']} MB, "
              f"store {run['store_mb']} MB", flush=True)

    rows = [[r["data"], r["plans"] or "", r["task_points"] or "", f"{r['triples']:,}", r["generate_s"] or "",
             r["build_s"], r["publish_s"], r["process_wall_s"], r["cpu_s"], r["peak_rss_mb"], r["store_mb"]] for r in runs]
    print()
    print(table(["data", "plans", "task points", "triples", "generate s", "build s", "of it publishing s", "process s (with start-up)",
                 "CPU s (user + system)", "peak RSS MB", "store MB"], rows))
    verdicts = []
    for r in runs:
        if r["scale"] == 1.0:
            for what, value, goal in (("build", r["build_s"], GOAL_SECONDS), ("peak RSS", r["peak_rss_mb"] / 1024, GOAL_RSS_GB)):
                unit = "s" if what == "build" else "GB"
                ok = value < goal
                verdicts.append({"goal": f"{what} < {goal:g} {unit}", "value": round(value, 2), "met": ok,
                                 "by": round(value - goal, 2) if not ok else None})
                print(f"goal at national scale: {what} {value:.2f} {unit} {'<' if ok else '≥'} {goal:g} {unit}: "
                      + ("met" if ok else f"MISSED by {value - goal:.2f} {unit}"))
    write_results("build", {"machine": m, "seed": args.seed, "runs": runs, "goals": verdicts,
                            "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
    return 0


if __name__ == "__main__":
    sys.exit(main())
