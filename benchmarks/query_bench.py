"""Competency-query latency: raw pyoxigraph vs Oxigraph's server vs our endpoint vs rdflib-endpoint (a benchmark).

For every query of queries/*.rq (except federated ones, which call another service), and on
synthetic data also for scale-aware variants whose answers grow with the number of plans,
measures in one run:

  raw       pyoxigraph in this process: Store.query on the read-only store, every solution read;
  oxigraph  Oxigraph's own Rust server on the same store (`oxigraph serve-read-only --location STORE
            --union-default-graph`, from `pip install oxigraph`), POSTed the same way: what HTTP costs
            without our web layer;
  endpoint  the same query POSTed to a live `sciplan serve --workers 1` (gunicorn, 2 query
            processes) on 127.0.0.1, JSON results read whole (keep-alive connection);
  rdflib    the same POST to rdflib-endpoint (FastAPI + uvicorn over an rdflib Dataset whose
            default graph is the union), the Python peer a user might pick instead;

and prints p50/p99 per query and target side by side, endpoint − Oxigraph server (ms), endpoint/raw and
rdflib/endpoint. With
--runs 20, p99 is the slowest run. A query that takes longer than --budget seconds gets fewer
runs (one, if its warm-up run alone is over the budget). Loopback only; every request has a
time limit.

    pip install oxigraph                         # for the Oxigraph server column (skipped without it)
    pip install rdflib-endpoint uvicorn          # for the rdflib column (skipped without it)
    python3 benchmarks/query_bench.py                            # real KB and scale 1.0; rdflib on real and 0.1
    python3 benchmarks/query_bench.py --data real --with-real --rdflib ''   # real KB and the national store with it
    python3 benchmarks/query_bench.py --data real --runs 50

--with-real [SCALE] adds the real KB beside synthetic data (`sciplan synth --with-real`, made once under
--workdir as synth-SCALE-SEED-real), where every competency query has its real answer at national size.

Goals (issue 11, 2 cores): every competency query p50 ≤ 50 ms on the real KB; on the national store
with the real KB ≤ 1 s, and ≤ 50 ms for the selective ones (SELECTIVE: one plan, one task's chain);
our endpoint's p50 over Oxigraph's server ≤ 1 ms median and ≤ 3 ms worst for the queries under 100 ms.
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
from benchlib import (DEFAULT_WORKDIR, ROOT, data_sets, machine, oxigraph_binary, percentile, print_machine,
                      start_oxigraph, start_rdflib_endpoint, start_sciplan, stop, table, write_results)

from sciplan.store import open_store

REAL_P50_GOAL_MS, NATIONAL_P50_GOAL_MS, SELECTIVE_P50_GOAL_MS = 50.0, 1000.0, 50.0
OVERHEAD_MEDIAN_GOAL_MS, OVERHEAD_WORST_GOAL_MS, FAST_MS = 1.0, 3.0, 100.0
# The selective competency queries: one plan (or a pair of named plans), one task's chain.
SELECTIVE = {"generations-jiangmen-to-2022", "jiangmen-targets-by-unit", "matched-tasks-lead-units-differ",
             "tasks-without-counterpart", "trace-task-to-national"}
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


def median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def goals_of(results: list[dict], timeout: float) -> list[dict]:
    """The goals of issue 11, per query and target: real KB ≤ 50 ms; national (with the real KB) ≤ 1 s,
    the selective queries ≤ 50 ms; endpoint − Oxigraph server ≤ 1 ms median, ≤ 3 ms worst under 100 ms."""
    goals = []
    for r in results:
        if r["query"].startswith("scale:"):
            continue
        limit = None
        if r["data"] == "real KB":
            limit = REAL_P50_GOAL_MS
        elif r["data"].startswith("real + synthetic 1"):
            limit = SELECTIVE_P50_GOAL_MS if r["query"] in SELECTIVE else NATIONAL_P50_GOAL_MS
        if limit is None:
            continue
        for target in ("raw", "endpoint"):
            value = r.get(target, {}).get("p50_ms")
            goals.append({"goal": f"{target} p50 ≤ {limit:g} ms on {r['data']}", "query": r["query"],
                          "value": value if value is not None else f"> {timeout:g} s", "met": value is not None and value <= limit})
    for data in dict.fromkeys(r["data"] for r in results):
        diffs = [r["endpoint_minus_oxigraph_ms"] for r in results if r["data"] == data and not r["query"].startswith("scale:")
                 and r["endpoint_minus_oxigraph_ms"] is not None and r["oxigraph"]["p50_ms"] < FAST_MS]
        if diffs:
            goals.append({"goal": f"endpoint − Oxigraph server p50, median over the {len(diffs)} queries under {FAST_MS:g} ms "
                                  f"on {data} ≤ {OVERHEAD_MEDIAN_GOAL_MS:g} ms", "query": "*",
                          "value": round(median(diffs) or 0, 2), "met": (median(diffs) or 0) <= OVERHEAD_MEDIAN_GOAL_MS})
            goals.append({"goal": f"endpoint − Oxigraph server p50, worst of those on {data} ≤ {OVERHEAD_WORST_GOAL_MS:g} ms",
                          "query": "*", "value": round(max(diffs), 2), "met": max(diffs) <= OVERHEAD_WORST_GOAL_MS})
    return goals


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="real,1.0",
                        help="data sets: real, synthetic scales (0.1, 1.0) and real+SCALE (default real,1.0)")
    parser.add_argument("--with-real", nargs="?", const=1.0, type=float, metavar="SCALE",
                        help="also the real KB beside synthetic data of SCALE (default 1.0: the national store, "
                             "`sciplan synth --with-real`), the data set real+SCALE")
    parser.add_argument("--rdflib", default="real,0.1",
                        help="data sets to also serve with rdflib-endpoint (default real,0.1; '' for none)")
    parser.add_argument("--no-oxigraph", action="store_true", help="leave out the Oxigraph server column")
    parser.add_argument("--runs", type=int, default=20, help="timed runs per query and target (default 20)")
    parser.add_argument("--rdflib-runs", type=int, default=5, help="timed runs on rdflib-endpoint (default 5)")
    parser.add_argument("--timeout", type=float, default=60,
                        help="seconds per HTTP request, and the endpoint's query time limit (default 60)")
    parser.add_argument("--budget", type=float, default=60, help="seconds per query and target at most (default 60)")
    parser.add_argument("--only", default="", help="comma-separated query names to run (default: all)")
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    args = parser.parse_args()

    m = machine()
    print_machine(m)
    names = [n for n in args.data.split(",") if n]
    if args.with_real is not None:
        names.append(f"real+{args.with_real:g}")
    rdflib_names = [n for n in args.rdflib.split(",") if n]
    have_rdflib = importlib.util.find_spec("rdflib_endpoint") is not None and importlib.util.find_spec("uvicorn") is not None
    if rdflib_names and not have_rdflib:
        print("rdflib-endpoint is not installed (pip install rdflib-endpoint uvicorn): its column is skipped")
    with_oxigraph = not args.no_oxigraph and oxigraph_binary() is not None
    if not args.no_oxigraph and not with_oxigraph:
        print("the oxigraph server is not installed (pip install oxigraph): its column is skipped")
    queries = competency_queries()
    only = {n for n in args.only.split(",") if n}
    results = []
    args.workdir.mkdir(parents=True, exist_ok=True)
    for name in dict.fromkeys(names + [n for n in rdflib_names if have_rdflib]):
        (label, settings, manifest), = data_sets(args.workdir, [name], args.seed)
        with_ours = name in names
        with_rdflib = have_rdflib and name in rdflib_names
        store = open_store(settings.store)
        todo = dict(queries)
        if manifest is not None:
            todo.update(SCALE_VARIANTS)
        if only:
            todo = {k: v for k, v in todo.items() if k in only}
        procs, ours_url, rdflib_url, oxigraph_url = [], None, None, None
        try:
            if with_ours:
                proc, ours_url = start_sciplan(settings.store, 1, args.workdir / f"serve-{name}.log",
                                               env={"SCIPLAN_QUERY_TIMEOUT": str(args.timeout)})
                procs.append(proc)
                if with_oxigraph:
                    proc, oxigraph_url = start_oxigraph(settings.store, args.workdir / f"oxigraph-{name}.log", args.timeout)
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
            engine = Client(oxigraph_url, args.timeout) if oxigraph_url else None
            restarts = 0
            for qname, text in todo.items():
                row = {"data": label, "query": qname}
                if ours and ours_url:  # first: it has a time limit; a query over it is not run raw (it cannot be stopped)
                    times, rows, error = time_http(ours, text, args.runs, args.budget)
                    row["endpoint"] = {**stats(times), "rows": rows, "error": error}
                if ours_url and row["endpoint"]["error"]:
                    row["rows"], row["raw"] = None, {**stats([]), "error": f"not run: the endpoint gave {row['endpoint']['error']}"}
                    row["oxigraph"] = {**stats([]), "error": "not run"}
                else:
                    if engine:  # Oxigraph's own server, which stops a query at --timeout-s
                        times, rows, error = time_http(engine, text, args.runs, args.budget)
                        row["oxigraph"] = {**stats(times), "rows": rows, "error": error}
                    raw_times, row["rows"] = time_raw(store, text, args.runs, args.budget)
                    row["raw"] = stats(raw_times)
                if theirs and rdflib_url:
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
                print(f"  {label:24} {qname:42} raw {row['raw']['p50_ms']} ms"
                      + (f", oxigraph server {row['oxigraph']['p50_ms']} ms" if "oxigraph" in row else "")
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

    def cell(target: dict):
        if not target.get("error"):
            return target.get("p50_ms")
        error = target["error"]
        return f"> {args.timeout:g} s" if "503" in error or "timeout" in error.lower() else error[:30]

    rows = []
    for r in results:
        e, f, o = r.get("endpoint", {}), r.get("rdflib", {}), r.setdefault("oxigraph", {})
        r["endpoint_over_raw"] = ratio(e.get("p50_ms"), r["raw"]["p50_ms"])
        r["rdflib_over_endpoint"] = ratio(f.get("p50_ms"), e.get("p50_ms"))
        r["endpoint_minus_oxigraph_ms"] = (round(e["p50_ms"] - o["p50_ms"], 2)
                                           if e.get("p50_ms") is not None and o.get("p50_ms") is not None else None)
        rows.append([r["data"], r["query"], r["rows"], r["raw"]["p50_ms"], cell(o), cell(e), r["endpoint_minus_oxigraph_ms"],
                     e.get("p99_ms"), r["endpoint_over_raw"], cell(f), r["rdflib_over_endpoint"]])
    print()
    print(table(["data", "query", "rows", "raw p50 ms", "Oxigraph server p50 ms", "endpoint p50 ms",
                 "endpoint − Oxigraph ms", "endpoint p99 ms", "endpoint/raw", "rdflib-endpoint p50 ms", "rdflib/endpoint"], rows))
    print()
    goals = goals_of(results, args.timeout)
    for g in goals:
        if not g["met"]:
            print(f"MISSED: {g['goal']}: {g['query']} ({g['value']})")
        elif g["query"] == "*":
            print(f"met: {g['goal']} ({g['value']})")
    met = sum(g["met"] for g in goals)
    print(f"goals: {met} of {len(goals)} met")
    write_results("query", {"machine": m, "runs": args.runs, "rdflib_runs": args.rdflib_runs, "results": results,
                            "goals": goals, "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
    return 0


if __name__ == "__main__":
    sys.exit(main())
