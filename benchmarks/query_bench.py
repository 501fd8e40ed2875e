"""Competency-query latency: raw pyoxigraph vs our HTTP endpoint vs rdflib-endpoint (a benchmark, not a test).

For every query of queries/*.rq (except federated ones, which call another service), and on
synthetic data also for scale-aware variants whose answers grow with the number of plans,
measures in one run:

  raw       pyoxigraph in this process: Store.query on the read-only store, every solution read;
  endpoint  the same query POSTed to a live `sciplan serve --workers 1` (gunicorn, 2 query
            processes) on 127.0.0.1, JSON results read whole (keep-alive connection);
  rdflib    the same POST to rdflib-endpoint (FastAPI + uvicorn over an rdflib Dataset whose
            default graph is the union), the Python peer a user might pick instead;

and prints p50/p99 per query and target, and endpoint/raw and rdflib/endpoint ratios. With
--runs 20, p99 is the slowest run. A query that takes longer than --budget seconds gets fewer
runs (one, if its warm-up run alone is over the budget). Loopback only; every request has a
time limit.

    pip install rdflib-endpoint uvicorn          # for the rdflib column (skipped without it)
    python3 benchmarks/query_bench.py                            # real KB and scale 1.0; rdflib on real and 0.1
    python3 benchmarks/query_bench.py --data real --runs 50

Goals (2 cores): endpoint p50 ≤ 1.2 × raw p50 for each competency query on the real KB; at full
national scale each competency query's endpoint p50 < 200 ms.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import json
import re
import sys
import time
import urllib.parse
from pathlib import Path

import pyoxigraph as ox
from benchlib import (DEFAULT_WORKDIR, ROOT, data_sets, machine, percentile, print_machine, start_rdflib_endpoint,
                      start_sciplan, stop, table, write_results)

from sciplan.store import open_store

RATIO_GOAL, NATIONAL_P50_GOAL_MS = 1.2, 200.0
PREFIXES = """PREFIX sp: <https://w3id.org/sciplan/def/>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX org: <http://www.w3.org/ns/org#>
"""
# Variants for synthetic data, whose answers grow with the number of plans (the competency queries
# name real plans by code, so on synthetic data most answer little).
SCALE_VARIANTS = {
    "scale: plans by level": PREFIXES + """
SELECT ?level (COUNT(?plan) AS ?plans) WHERE { ?plan a sp:Plan ; sp:level ?level } GROUP BY ?level""",
    "scale: task points per plan": PREFIXES + """
SELECT ?plan (COUNT(?task) AS ?tasks) WHERE { ?plan eli:has_part/eli:has_part/eli:has_part ?task . ?task a sp:TaskPoint }
GROUP BY ?plan ORDER BY DESC(?tasks) ?plan""",
    "scale: chain of one county plan": PREFIXES + """
SELECT ?basis ?label WHERE { ?plan a sp:Plan ; sp:level <https://w3id.org/sciplan/scheme/level/county> .
  ?plan eli:based_on+ ?basis . ?basis rdfs:label ?label } ORDER BY ?plan LIMIT 10""",
    "scale: education leads in one province": PREFIXES + """
SELECT ?plan ?task ?body WHERE {
  ?plan a sp:Plan ; eli:jurisdiction/skos:broader*/sp:gbCode "110000" .
  ?plan eli:has_part/eli:has_part/eli:has_part ?task . ?task sp:leadUnit ?body .
  ?body org:classification <https://w3id.org/sciplan/scheme/function/education> }""",
    "scale: tasks without a lead unit": PREFIXES + """
SELECT ?task WHERE { ?task a sp:TaskPoint ; sp:number ?n . FILTER NOT EXISTS { ?task sp:leadUnit ?u } }""",
    "scale: lead units of another jurisdiction": PREFIXES + """
SELECT ?task ?body WHERE { ?plan a sp:Plan ; eli:jurisdiction ?j ; eli:has_part/eli:has_part/eli:has_part ?task .
  ?task sp:leadUnit ?body . FILTER NOT EXISTS { ?body sp:jurisdiction ?j } }""",
}


def competency_queries() -> dict[str, str]:
    out = {}
    for path in sorted((ROOT / "queries").glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        if re.search(r"^#\s*service:", text, re.M) or re.search(r"\bSERVICE\b", re.sub(r"#[^\n]*", "", text), re.I):
            continue
        out[path.stem] = text
    return out


def time_raw(store, query: str, runs: int, budget: float) -> tuple[list[float], int]:
    """Run the query `runs` times after one warm-up; stops early past `budget` seconds."""
    times, rows, spent = [], 0, time.monotonic()
    for i in range(runs + 1):
        started = time.perf_counter()
        result = store.query(query, use_default_graph_as_union=True)
        rows = 1 if isinstance(result, ox.QueryBoolean) else sum(1 for _ in result)
        took = (time.perf_counter() - started) * 1000
        if i:  # the first run warms up
            times.append(took)
        elif took / 1000 > budget:
            return [took], rows  # one slow run is all the budget allows
        if time.monotonic() - spent > budget and times:
            break
    return times, rows


class Client:
    """A lean keep-alive HTTP client (http.client), so that the figures are the server's, not a library's."""

    def __init__(self, url: str, timeout: float):
        parts = urllib.parse.urlsplit(url)
        self.host, self.port, self.path, self.timeout = parts.hostname, parts.port, parts.path or "/", timeout
        self.conn = None

    def post(self, query: str) -> tuple[int, bytes]:
        body = urllib.parse.urlencode({"query": query}).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"}
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.conn.request("POST", self.path, body=body, headers=headers)
                response = self.conn.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def time_http(client: Client, query: str, runs: int, budget: float) -> tuple[list[float], int | None, str | None]:
    """POST the query `runs` times (after one warm-up); stops early past `budget` seconds."""
    times, rows, spent = [], None, time.monotonic()
    for i in range(runs + 1):
        started = time.perf_counter()
        try:
            status, body = client.post(query)
        except (OSError, http.client.HTTPException) as exc:
            client.conn = None
            return times, rows, f"{type(exc).__name__}"
        took = (time.perf_counter() - started) * 1000
        if status != 200:
            return times, rows, f"HTTP {status}: {body[:200].decode(errors='replace')}"
        doc = json.loads(body)
        rows = len(doc["results"]["bindings"]) if "results" in doc else 1
        if i:
            times.append(took)
        elif took / 1000 > budget:
            return [took], rows, None  # one slow run is all the budget allows
        if time.monotonic() - spent > budget and times:
            break
    return times, rows, None


def stats(times: list[float]) -> dict:
    if not times:
        return {"p50_ms": None, "p99_ms": None, "runs": 0}
    return {"p50_ms": round(percentile(times, 50), 2), "p99_ms": round(percentile(times, 99), 2), "runs": len(times)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="real,1.0", help="data sets: real and/or synthetic scales (default real,1.0)")
    parser.add_argument("--rdflib", default="real,0.1",
                        help="data sets to also serve with rdflib-endpoint (default real,0.1; '' for none)")
    parser.add_argument("--runs", type=int, default=20, help="timed runs per query and target (default 20)")
    parser.add_argument("--rdflib-runs", type=int, default=5, help="timed runs on rdflib-endpoint (default 5)")
    parser.add_argument("--timeout", type=float, default=60,
                        help="seconds per HTTP request, and the endpoint's query time limit (default 60)")
    parser.add_argument("--budget", type=float, default=60, help="seconds per query and target at most (default 60)")
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    args = parser.parse_args()

    m = machine()
    print_machine(m)
    names = [n for n in args.data.split(",") if n]
    rdflib_names = [n for n in args.rdflib.split(",") if n]
    have_rdflib = importlib.util.find_spec("rdflib_endpoint") is not None and importlib.util.find_spec("uvicorn") is not None
    if rdflib_names and not have_rdflib:
        print("rdflib-endpoint is not installed (pip install rdflib-endpoint uvicorn): its column is skipped")
    queries = competency_queries()
    results, goals = [], []
    args.workdir.mkdir(parents=True, exist_ok=True)
    for name in dict.fromkeys(names + [n for n in rdflib_names if have_rdflib]):
        (label, settings, manifest), = data_sets(args.workdir, [name], args.seed)
        with_ours = name in names
        with_rdflib = have_rdflib and name in rdflib_names
        store = open_store(settings.store)
        todo = dict(queries)
        if manifest is not None:
            todo.update(SCALE_VARIANTS)
        procs, ours_url, rdflib_url = [], None, None
        try:
            if with_ours:
                proc, ours_url = start_sciplan(settings.store, 1, args.workdir / f"serve-{name}.log",
                                               env={"SCIPLAN_QUERY_TIMEOUT": str(args.timeout)})
                procs.append(proc)
            if with_rdflib:
                nquads = args.workdir / f"dump-{name}.nq"
                nquads.write_bytes(store.dump(format=ox.RdfFormat.N_QUADS))
                print(f"{label}: loading {len(store):,} triples into rdflib-endpoint …", flush=True)
                started = time.perf_counter()
                proc, rdflib_url = start_rdflib_endpoint(nquads, args.workdir / f"rdflib-{name}.log")
                print(f"  rdflib-endpoint up after {time.perf_counter() - started:.1f} s", flush=True)
                procs.append(proc)
            ours = Client(ours_url, args.timeout) if ours_url else None
            theirs = Client(rdflib_url, args.timeout) if rdflib_url else None
            restarts = 0
            for qname, text in todo.items():
                row = {"data": label, "query": qname}
                if ours_url:  # first: it has a time limit; a query over it is not run raw (it cannot be stopped)
                    times, rows, error = time_http(ours, text, args.runs, args.budget)
                    row["endpoint"] = {**stats(times), "rows": rows, "error": error}
                if ours_url and row["endpoint"]["error"]:
                    row["rows"], row["raw"] = None, {**stats([]), "error": f"not run: the endpoint gave {row['endpoint']['error']}"}
                else:
                    raw_times, row["rows"] = time_raw(store, text, args.runs, args.budget)
                    row["raw"] = stats(raw_times)
                if rdflib_url:
                    times, rows, error = time_http(theirs, text, args.rdflib_runs, args.budget)
                    row["rdflib"] = {**stats(times), "rows": rows, "error": error}
                    if error and "HTTP" not in error:  # a time-out: the query goes on in rdflib; start afresh
                        stop(procs.pop())
                        if restarts >= 2:
                            print("  rdflib-endpoint timed out three times: its column stops here", flush=True)
                            rdflib_url = None
                        else:
                            restarts += 1
                            proc, rdflib_url = start_rdflib_endpoint(nquads, args.workdir / f"rdflib-{name}.log")
                            procs.append(proc)
                            theirs = Client(rdflib_url, args.timeout)
                results.append(row)
                print(f"  {label:14} {qname:42} raw {row['raw']['p50_ms']} ms"
                      + (f" [endpoint: {row['endpoint']['error']}]" if row.get("endpoint", {}).get("error") else "")
                      + (f", endpoint {row['endpoint']['p50_ms']} ms" if "endpoint" in row else "")
                      + (f", rdflib {row['rdflib']['p50_ms']} ms" if "rdflib" in row else "")
                      + (f" [rdflib: {row['rdflib']['error']}]" if row.get("rdflib", {}).get("error") else ""), flush=True)
        finally:
            for proc in procs:
                stop(proc)
            del store
        write_results(f"query-partial-{name}", {"machine": m, "results": [r for r in results if r["data"] == label]})

    def ratio(a, b):
        return round(a / b, 2) if a is not None and b else None

    rows = []
    for r in results:
        e, f = r.get("endpoint", {}), r.get("rdflib", {})
        r["endpoint_over_raw"] = ratio(e.get("p50_ms"), r["raw"]["p50_ms"])
        r["rdflib_over_endpoint"] = ratio(f.get("p50_ms"), e.get("p50_ms"))
        rows.append([r["data"], r["query"], r["rows"], r["raw"]["p50_ms"], r["raw"]["p99_ms"],
                     e.get("p50_ms") if not e.get("error") else f"> {args.timeout:g} s" if "503" in e["error"] or "timeout" in e["error"].lower() else e["error"][:30],
                     e.get("p99_ms"),
                     r["endpoint_over_raw"], f.get("p50_ms") if not f.get("error") else f["error"][:30], f.get("p99_ms"),
                     r["rdflib_over_endpoint"]])
    print()
    print(table(["data", "query", "rows", "raw p50 ms", "raw p99 ms", "endpoint p50 ms", "endpoint p99 ms",
                 "endpoint/raw", "rdflib-endpoint p50 ms", "rdflib p99 ms", "rdflib/endpoint"], rows))
    print()
    for r in results:
        e = r.get("endpoint", {})
        if not e or r["query"].startswith("scale:"):
            continue
        if r["data"] == "real KB" and e.get("p50_ms") is not None and r["raw"]["p50_ms"]:
            ok = r["endpoint_over_raw"] <= RATIO_GOAL
            goals.append({"goal": f"endpoint p50 ≤ {RATIO_GOAL} × raw on the real KB", "query": r["query"],
                          "value": r["endpoint_over_raw"], "met": ok,
                          "extra_ms": round(e["p50_ms"] - RATIO_GOAL * r["raw"]["p50_ms"], 2)})
        elif r["data"] == "synthetic 1":
            value = e.get("p50_ms")
            ok = value is not None and value < NATIONAL_P50_GOAL_MS
            goals.append({"goal": f"endpoint p50 < {NATIONAL_P50_GOAL_MS:g} ms at national scale", "query": r["query"],
                          "value": value if value is not None else f"> {args.timeout:g} s ({e.get('error')})", "met": ok,
                          "by_ms": round(value - NATIONAL_P50_GOAL_MS, 1) if value is not None and not ok else None})
    for g in goals:
        if not g["met"]:
            extra = (f"{g['extra_ms']} ms over 1.2 × raw" if "extra_ms" in g else
                     f"{g['by_ms']} ms over" if g.get("by_ms") is not None else "did not finish")
            print(f"MISSED: {g['goal']}: {g['query']} ({g['value']}; {extra})")
    met = sum(g["met"] for g in goals)
    print(f"goals: {met} of {len(goals)} met")
    write_results("query", {"machine": m, "runs": args.runs, "rdflib_runs": args.rdflib_runs, "results": results,
                            "goals": goals, "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
    return 0


if __name__ == "__main__":
    sys.exit(main())
