"""Competency queries on two built stores, interleaved (a benchmark, not a test).

Runs every query of a queries/ folder (federated ones skipped) in process on store A and store B in
turn, `--rounds` times after a warm-up, and prints rows, min and median of each side and the ratio
B/A. Interleaving keeps a shared machine's load alike for both sides, and the minimum is the figure
least disturbed by it; query_bench.py runs one data set after the other, so on a busy machine its
figures for two builds drift apart by more than the change being measured.

    sciplan --store /tmp/kg-a build        # e.g. on a checkout without the change
    sciplan --store /tmp/kg-b build        # and with it
    python3 benchmarks/query_ab_bench.py /tmp/kg-a /tmp/kg-b --queries queries --rounds 15
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import pyoxigraph as ox
from benchlib import machine, print_machine, table, write_results


def once(store: ox.Store, query: str) -> tuple[float, int]:
    started = time.perf_counter()
    rows = sum(1 for _ in store.query(query, use_default_graph_as_union=True))
    return time.perf_counter() - started, rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("a", type=Path, help="store A (a built store's path)")
    parser.add_argument("b", type=Path, help="store B")
    parser.add_argument("--queries", type=Path, default=Path(__file__).resolve().parent.parent / "queries")
    parser.add_argument("--rounds", type=int, default=15, help="timed runs per query and store (default 15)")
    args = parser.parse_args()
    m = machine()
    print_machine(m)
    a, b = ox.Store.read_only(str(args.a)), ox.Store.read_only(str(args.b))
    rows, results = [], []
    for path in sorted(args.queries.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        if "SERVICE" in text:
            continue
        once(a, text), once(b, text)
        times_a, times_b = [], []
        for _ in range(args.rounds):
            ta, rows_a = once(a, text)
            tb, rows_b = once(b, text)
            times_a.append(ta * 1e3)
            times_b.append(tb * 1e3)
        med_a, med_b = statistics.median(times_a), statistics.median(times_b)
        result = {"query": path.stem, "rows_a": rows_a, "rows_b": rows_b, "min_a_ms": round(min(times_a), 1),
                  "min_b_ms": round(min(times_b), 1), "median_a_ms": round(med_a, 1), "median_b_ms": round(med_b, 1),
                  "min_b_over_a": round(min(times_b) / min(times_a), 2)}
        results.append(result)
        rows.append(list(result.values()))
        print(f"  {path.stem:42} A {result['min_a_ms']} ms, B {result['min_b_ms']} ms (min)", flush=True)
    print()
    print(table(["query", "rows A", "rows B", "A min ms", "B min ms", "A median ms", "B median ms", "B/A (min)"], rows))
    write_results("query-ab", {"machine": m, "a": str(args.a), "b": str(args.b), "results": results})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
