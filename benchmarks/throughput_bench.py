"""Requests per second and latency of the endpoint under concurrent clients (a benchmark, not a test).

For each data set and each number of gunicorn workers (--workers, default 1,2,4; each worker
has SCIPLAN_QUERY_PROCESSES=2 query processes), starts `sciplan serve --workers N` on a free
loopback port and drives it with --clients concurrent clients (benchmarks/load_endpoint.py)
sending a mix of queries that answer in milliseconds (see mix_for), then stops it. Bounded: at most --requests requests and
--seconds seconds per run, loopback only; it stops by itself.

    python3 benchmarks/throughput_bench.py                              # real KB and scale 1.0
    python3 benchmarks/throughput_bench.py --data real --clients 1,8 --workers 1,2,4
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from benchlib import DEFAULT_WORKDIR, RESULTS, data_sets, machine, print_machine, start_sciplan, stop, table, write_results
from load_endpoint import run as load

# A mix of the competency queries that answer in milliseconds on the real KB (the slow ones would only
# measure themselves). On synthetic data the mix is the queries (competency and scale variants) whose
# endpoint p50 was under FAST_MS in the latest query_bench.py run on that data, else FALLBACK.
MIX = ["tasks-per-plan", "plans-and-bases", "lead-units-per-plan", "lead-units-by-function", "trace-task-to-national",
       "literacy-rate-by-level", "flagged-records", "tasks-led-by-function"]
FALLBACK = ["alignment-proposals", "flagged-records", "jiangmen-targets-by-unit", "matched-tasks-lead-units-differ"]
FAST_MS = 250.0


def mix_for(name: str) -> dict[str, str]:
    """name → query text for a data set ('real' or a scale)."""
    from query_bench import SCALE_VARIANTS, competency_queries

    every = {**competency_queries(), **SCALE_VARIANTS}
    if name == "real":
        return {q: every[q] for q in MIX if q in every}
    runs = sorted(RESULTS.glob(f"query-partial-{name}-*.json"))
    if runs:
        measured = json.loads(runs[-1].read_text(encoding="utf-8"))["results"]
        fast = [r["query"] for r in measured if (r.get("endpoint") or {}).get("p50_ms") is not None
                and r["endpoint"]["p50_ms"] < FAST_MS and r["query"] in every]
        if fast:
            return {q: every[q] for q in fast}
    return {q: every[q] for q in FALLBACK if q in every}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="real,1.0", help="data sets: real and/or synthetic scales (default real,1.0)")
    parser.add_argument("--workers", default="1,2,4", help="gunicorn worker counts (default 1,2,4)")
    parser.add_argument("--clients", default="8", help="concurrent client counts (default 8)")
    parser.add_argument("--requests", type=int, default=2000, help="requests per run at most (default 2000)")
    parser.add_argument("--seconds", type=float, default=30, help="seconds per run at most (default 30)")
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    args = parser.parse_args()
    if not (args.requests <= 10_000 and 0 < args.seconds <= 300):
        parser.error("bounds: at most 10000 requests and 300 seconds per run")

    m = machine()
    print_machine(m)
    runs, mixes = [], {}
    args.workdir.mkdir(parents=True, exist_ok=True)
    for name in [n for n in args.data.split(",") if n]:
        (label, settings, _), = data_sets(args.workdir, [name], args.seed)
        mix = mix_for(name)
        mixes[label] = list(mix)
        queries = list(mix.values())
        print(f"{label}: query mix of {len(queries)}: {', '.join(mix)}", flush=True)
        for workers in [int(w) for w in args.workers.split(",")]:
            proc, url = start_sciplan(settings.store, workers, args.workdir / f"throughput-{workers}.log",
                                      env={"SCIPLAN_QUERY_PROCESSES": "2", "SCIPLAN_MAX_ROWS": "10000"})
            try:
                load(url, 2, 2 * len(queries), 60, queries)  # warm every worker's query processes
                for clients in [int(c) for c in args.clients.split(",")]:
                    report = load(url, clients, args.requests, args.seconds, queries)
                    run = {"data": label, "workers": workers, **report}
                    runs.append(run)
                    print(f"  {label:14} workers {workers} clients {clients}: {report['per_second']}/s, "
                          f"p50 {report['p50_ms']} ms, p99 {report['p99_ms']} ms, statuses {report['statuses']}", flush=True)
            finally:
                stop(proc)
    print()
    print(table(["data", "gunicorn workers", "clients", "requests", "seconds", "requests/s", "p50 ms", "p99 ms", "statuses"],
                [[r["data"], r["workers"], r["clients"], r["requests"], r["seconds"], r["per_second"], r["p50_ms"],
                  r["p99_ms"], " ".join(f"{k}:{v}" for k, v in r["statuses"].items())] for r in runs]))
    write_results("throughput", {"machine": m, "mix": mixes, "runs": runs,
                                 "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
    return 0 if all(set(r["statuses"]) == {"200"} for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
