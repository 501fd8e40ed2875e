"""How long `sciplan validate` takes on this machine (a benchmark, not a test).

Builds the repository's data into a temporary store, then times
  - the whole knowledge graph, validated in-process (median of --repeat runs),
  - one plan (--plan, default nansha-2022-2025), in-process,
  - the command `sciplan validate` end to end in a fresh interpreter (imports included),
and prints the figures with the machine's (CPU count, Python, library versions). The
JSON goes to benchmarks/results/ (gitignored).

    python3 benchmarks/validate_bench.py [--repeat 5] [--plan huadu-2022-2025]

The goal for the seed graph is a whole-graph validation under 5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sciplan.config import Settings  # noqa: E402
from sciplan.store import build  # noqa: E402
from sciplan.validate import validate_built  # noqa: E402

GOAL_SECONDS = 5.0


def timed(fn, repeat: int) -> tuple[list[float], object]:
    seconds, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - started)
    return seconds, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--plan", default="nansha-2022-2025")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings().with_(store=Path(tmp) / "store")
        report = build(settings)
        validate_built(settings)  # warm-up: imports, first query plans
        whole_s, whole = timed(lambda: validate_built(settings), args.repeat)
        plan_s, one = timed(lambda: validate_built(settings, plan=args.plan), args.repeat)
        cli_s, _ = timed(lambda: subprocess.run(
            [sys.executable, "-m", "sciplan.cli", "--store", str(settings.store), "validate", "--format", "json",
             "--output", os.devnull], cwd=ROOT, check=False, capture_output=True), max(1, args.repeat // 2))

    figures = {
        "machine": {
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "pyshacl": version("pyshacl"),
            "pyoxigraph": version("pyoxigraph"),
            "rdflib": version("rdflib"),
        },
        "graph": {"files": len(report.files), "triples": report.triples},
        "whole_kg": {"median_s": round(statistics.median(whole_s), 3), "runs_s": [round(s, 3) for s in whole_s],
                     "violations": whole.count("Violation"), "warnings": whole.count("Warning")},
        "one_plan": {"plan": args.plan, "median_s": round(statistics.median(plan_s), 3),
                     "runs_s": [round(s, 3) for s in plan_s], "triples_in_scope": one.data_triples},
        "cli_end_to_end": {"median_s": round(statistics.median(cli_s), 3), "runs_s": [round(s, 3) for s in cli_s]},
        "goal_s": GOAL_SECONDS,
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    m = figures["machine"]
    print(f"machine: {m['cpu_count']} CPUs, Python {m['python']}, pyshacl {m['pyshacl']}, pyoxigraph {m['pyoxigraph']}")
    print(f"graph: {report.triples} triples in {len(report.files)} files")
    print(f"whole graph: {figures['whole_kg']['median_s']:.3f} s median of {args.repeat} "
          f"({whole.count('Violation')} violations, {whole.count('Warning')} warnings)")
    print(f"one plan ({args.plan}): {figures['one_plan']['median_s']:.3f} s median of {args.repeat} "
          f"({one.data_triples} triples in scope)")
    print(f"`sciplan validate` end to end: {figures['cli_end_to_end']['median_s']:.3f} s")
    verdict = "under" if figures["whole_kg"]["median_s"] < GOAL_SECONDS else "OVER"
    print(f"goal: whole graph {verdict} {GOAL_SECONDS:.0f} s")

    out = ROOT / "benchmarks" / "results" / f"validate-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
