"""What our /sparql endpoint costs over Oxigraph's own server on the same store (a benchmark, not a test).

Starts, on one on-disk store built from the shipped KB (or --store):

  oxigraph  `oxigraph serve-read-only --location STORE --union-default-graph` (pip install oxigraph)
  gunicorn  our server by the production recipe of docs/server.md (4 workers of server.slow_clients.Worker × 8 threads)
  dev       our single-process development server (`sciplan serve`)

then POSTs each competency query of queries/ (those without SERVICE) and ASK {} --runs times to
each server in turn as SPARQL JSON (one keep-alive http.client connection per server, the servers alternating
request by request so that load on the machine falls on all alike), checks that all give the same
number of rows, and prints the p50s side by side with our excess over Oxigraph's server.

In the same rounds `in-process` runs the query on the same store in this process (pyoxigraph: Store.query and
its JSON serializer, no HTTP): the engine's own time. A second table gives the CPU each server used per request
(Linux: /proc, user + system of every thread, counted in 10 ms ticks, so over many requests), ours split into
the web processes and their query processes: where our excess goes, beside the engine's own CPU.

Goal (issue 11, 2 cores): over the queries whose Oxigraph p50 is under 100 ms, our p50 minus
Oxigraph's is ≤ 1 ms in the median and ≤ 3 ms at worst.

    python benchmarks/endpoint_overhead_bench.py --runs 40
    python benchmarks/endpoint_overhead_bench.py --targets gunicorn --store /srv/sciplan/store
    git archive 25b96e3 | tar -x -C /tmp/before     # the server as it was, beside this one, same load
    python benchmarks/endpoint_overhead_bench.py --before /tmp/before --targets gunicorn-before,gunicorn
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchlib import (DEFAULT_WORKDIR, ROOT, cpu_ms, free_port, machine, percentile, print_machine, process_tree,
                      real_settings, stop, table, wait_for, write_results)
from query_bench import Client, competency_queries  # the same keep-alive client and query list

MEDIAN_GOAL_MS, WORST_GOAL_MS, UNDER_MS = 1.0, 3.0, 100.0
FLOOR = "ASK {}"  # no data touched: what is left is the fixed cost of a request


def queries() -> dict[str, str]:
    return {"(floor) ASK {}": FLOOR, **competency_queries()}


# ---- servers -------------------------------------------------------------------------------------

def server_env(store: Path, code: Path) -> dict:
    return {**os.environ, "SCIPLAN_STORE": str(store), "SCIPLAN_QUERY_TIMEOUT": "60", "SCIPLAN_MAX_ROWS": "10000",
            "SCIPLAN_QUERY_PROCESSES": "2", "PYTHONPATH": str(code)}


def start(name: str, store: Path, log: Path, before: Path | None = None) -> tuple[subprocess.Popen, str]:
    """Start one server; the '-before' targets run the code of the tree `before` instead of this one."""
    code = before if name.endswith("-before") else ROOT
    name = name.removesuffix("-before")
    if code is None:
        raise SystemExit("a '-before' target needs --before DIR")
    port = free_port()
    bind = f"127.0.0.1:{port}"
    bindir = Path(sys.executable).parent
    if name == "oxigraph":
        binary = shutil.which("oxigraph", path=f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
        if binary is None:
            raise SystemExit("the oxigraph server is not installed: pip install oxigraph")
        cmd = [binary, "serve-read-only", "--location", str(store.resolve()), "--union-default-graph", "--bind", bind]
        url = f"http://{bind}/query"
    elif name == "gunicorn":  # docs/server.md, "Production recipe"
        cmd = [sys.executable, "-m", "gunicorn", "server.wsgi:app", "--bind", bind, "--workers", "4",
               "--worker-class", "server.slow_clients.Worker", "--threads", "8", "--limit-request-line", "8190",
               "--timeout", "40", "--graceful-timeout", "10"]
        url = f"http://{bind}/sparql"
    elif name == "dev":
        cmd = [sys.executable, "-m", "sciplan.cli", "--store", str(store), "serve", "--port", str(port)]
        url = f"http://{bind}/sparql"
    else:
        raise SystemExit(f"unknown target {name!r}")
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=code, stdout=out, stderr=subprocess.STDOUT, env=server_env(store, code))
    wait_for(url + "?query=ASK%7B%7D", proc, seconds=120)
    return proc, url


INPROC = "in-process"


class InProcess:
    """The engine alone: pyoxigraph on the same store in this process, answering as a client's post() does."""

    def __init__(self, store: Path):
        import pyoxigraph as ox

        self.ox, self.store, self.cpu = ox, ox.Store.read_only(str(store.resolve())), 0.0

    def post(self, query: str) -> tuple[int, bytes]:
        started = time.process_time()
        try:
            result = self.store.query(query, use_default_graph_as_union=True)
            if isinstance(result, self.ox.QueryBoolean):
                return 200, json.dumps({"head": {}, "boolean": bool(result)}).encode()
            return 200, result.serialize(format=self.ox.QueryResultsFormat.JSON) or b""
        finally:
            self.cpu += (time.process_time() - started) * 1000


def cpu_by_part(proc: subprocess.Popen | None, name: str) -> dict[str, float]:
    """CPU used so far (ms) by a server's processes: Oxigraph's as one; ours as the web processes (gunicorn's
    workers, or the development server itself) and their children, the query processes."""
    if proc is None:
        return {}
    query_depth = 2 if name.removesuffix("-before") == "gunicorn" else 1
    parts = {"web": 0.0, "query": 0.0} if name != "oxigraph" else {"all": 0.0}
    for pid, depth in process_tree(proc.pid).items():
        if name == "oxigraph":
            parts["all"] += cpu_ms(pid)
        elif depth >= query_depth:
            parts["query"] += cpu_ms(pid)
        elif depth == query_depth - 1:
            parts["web"] += cpu_ms(pid)
    return parts


# ---- measuring -----------------------------------------------------------------------------------

def measure(clients: dict, query: str, runs: int, budget: float, procs: dict | None = None) -> dict:
    """One warm-up per server, then `runs` rounds, each server once per round (stops past `budget` s).

    Besides each server's p50, `paired_ms` is the median over the rounds of this server's time minus
    Oxigraph's in the same round: other work on the machine then falls on both sides of each difference.
    Oxigraph's server goes first in each round; ours take turns in the places after it (round r starts
    with the r-th), so that none of them always follows Oxigraph or always comes last.
    `cpu_ms` is the CPU per request of each server's processes (cpu_by_part; `procs`: name → Popen).
    """
    procs = procs or {}
    cpu_before = {name: cpu_by_part(procs.get(name), name) for name in clients}
    inproc_before = getattr(clients.get(INPROC), "cpu", 0.0)
    times: dict[str, list[float | None]] = {name: [] for name in clients}
    rows: dict[str, int | None] = {}
    errors: dict[str, str] = {}
    first, *ours = clients
    spent = time.monotonic()
    for round_ in range(runs + 1):
        turn = round_ % len(ours) if ours else 0
        for name in [first, *ours[turn:], *ours[:turn]]:
            client = clients[name]
            took = None
            if name not in errors:
                took, rows[name], error = timed(client, query)
                if error:
                    errors[name], took = error, None
            if round_:
                times[name].append(took)
        if round_ and time.monotonic() - spent > budget:
            break
    requests = len(times[first]) + 1  # with the warm-up
    out = {}
    for name, seen in times.items():
        if name == INPROC:  # this process's own CPU, counted around its queries alone
            cpu = {"all": round((clients[name].cpu - inproc_before) / requests, 2)}
        else:
            after = cpu_by_part(procs.get(name), name)
            cpu = {part: round((used - cpu_before[name].get(part, 0.0)) / requests, 2) for part, used in after.items()}
        ok = [t for t in seen if t is not None]
        paired = [t - o for t, o in zip(seen, times["oxigraph"]) if t is not None and o is not None]
        out[name] = {"p50_ms": round(percentile(ok, 50), 2) if ok else None,
                     "p90_ms": round(percentile(ok, 90), 2) if ok else None, "runs": len(ok),
                     "paired_ms": round(statistics.median(paired), 2) if paired and name != "oxigraph" else None,
                     "rows": rows.get(name), "error": errors.get(name), "cpu_ms": cpu}
    return out


def timed(client: Client, query: str) -> tuple[float | None, int | None, str | None]:
    """(milliseconds, rows, error) of one request."""
    started = time.perf_counter()
    try:
        status, body = client.post(query)
    except (OSError, http.client.HTTPException) as exc:
        client.conn = None
        return None, None, type(exc).__name__
    took = (time.perf_counter() - started) * 1000
    if status != 200:
        return None, None, f"HTTP {status}: {body[:120].decode(errors='replace')}"
    doc = json.loads(body)
    return took, len(doc["results"]["bindings"]) if "results" in doc else 1, None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, help="a built store (default: the shipped KB, built under --workdir)")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    parser.add_argument("--targets", default="gunicorn,dev",
                        help="our servers to compare: gunicorn, dev, and with --before gunicorn-before, dev-before "
                             "(default gunicorn,dev)")
    parser.add_argument("--before", type=Path, help="a tree of an earlier commit (git archive REV | tar -x -C DIR) "
                                                    "whose server the '-before' targets run")
    parser.add_argument("--runs", type=int, default=30, help="timed requests per query and server (default 30)")
    parser.add_argument("--budget", type=float, default=30, help="seconds per query at most (default 30)")
    parser.add_argument("--label", default="", help="a word for the results file (before, after, …)")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    store = args.store or real_settings(args.workdir).store
    ours = [t for t in args.targets.split(",") if t]
    figures: dict = {"machine": machine(), "store": str(store), "runs": args.runs, "before": str(args.before or ""),
                     "queries": []}
    print_machine(figures["machine"])
    procs: dict[str, subprocess.Popen] = {}
    clients: dict = {}
    try:
        for name in ["oxigraph", *ours]:
            proc, url = start(name, store, args.workdir / f"overhead-{name}.log", args.before)
            procs[name] = proc
            clients[name] = Client(url, timeout=120)
            print(f"{name}: {url}", flush=True)
        clients[INPROC] = InProcess(store)
        for label, query in queries().items():
            result = measure(clients, query, args.runs, args.budget, procs)
            figures["queries"].append({"query": label, **result})
            print(f"  {label}: " + ", ".join(f"{n} {r['p50_ms']} ms" + (f" [{r['error']}]" if r["error"] else "")
                                             for n, r in result.items()), flush=True)
    finally:
        for proc in procs.values():
            stop(proc)
    figures["summary"] = report(figures["queries"], ours)
    write_results("endpoint_overhead" + (f"-{args.label}" if args.label else ""), figures)
    return 0


def report(entries: list[dict], ours: list[str]) -> dict:
    """The side-by-side table, and per server the median and worst excess over the queries under 100 ms."""
    rows, summary = [], {}
    for entry in entries:
        ox = entry["oxigraph"]
        line = [entry["query"], ox["rows"], ox["p50_ms"]]
        for name in ours:
            mine = entry[name]
            diff = round(mine["p50_ms"] - ox["p50_ms"], 2) if mine["p50_ms"] is not None and ox["p50_ms"] is not None else None
            entry[f"{name}_minus_oxigraph_ms"] = diff
            shown = mine["p50_ms"] if not mine["error"] else mine["error"][:30]
            line += [shown, diff if mine["rows"] == ox["rows"] else f"{diff} (rows {mine['rows']})", mine["paired_ms"]]
        rows.append(line)
    headers = ["query", "rows", "oxigraph p50 ms"]
    for name in ours:
        headers += [f"{name} p50 ms", f"{name} − oxigraph", "paired"]
    print(table(headers, rows))
    if all(INPROC in e for e in entries):
        cpu_rows = []
        for entry in entries:
            line = [entry["query"], entry[INPROC]["p50_ms"], entry[INPROC]["cpu_ms"].get("all"),
                    entry["oxigraph"]["cpu_ms"].get("all")]
            for name in ours:
                cpu = entry[name]["cpu_ms"]
                line += [cpu.get("web"), cpu.get("query")]
            cpu_rows.append(line)
        cpu_headers = ["query", "in-process p50 ms", "in-process CPU", "oxigraph CPU"]
        for name in ours:
            cpu_headers += [f"{name} web CPU", f"{name} query-process CPU"]
        print("CPU per request, ms (every thread; clock ticks of 10 ms over all requests):")
        print(table(cpu_headers, cpu_rows))
    quick = [e for e in entries if e["oxigraph"]["p50_ms"] is not None and e["oxigraph"]["p50_ms"] < UNDER_MS]
    for name in ours:
        diffs = [e[f"{name}_minus_oxigraph_ms"] for e in quick if e[f"{name}_minus_oxigraph_ms"] is not None]
        paired = [e[name]["paired_ms"] for e in quick if e[name]["paired_ms"] is not None]
        if not diffs:
            continue
        median, worst = round(statistics.median(diffs), 2), round(max(diffs), 2)
        cpu = [(e[name]["cpu_ms"].get("web", 0.0), e[name]["cpu_ms"].get("query", 0.0) - e[INPROC]["cpu_ms"]["all"],
                e[name]["cpu_ms"].get("web", 0.0) + e[name]["cpu_ms"].get("query", 0.0) - e["oxigraph"]["cpu_ms"]["all"])
               for e in quick if e[name]["cpu_ms"] and e["oxigraph"]["cpu_ms"] and INPROC in e]
        cpu_summary = {}
        if cpu:
            web, query_extra, extra = (round(statistics.median(c[i] for c in cpu), 2) for i in range(3))
            cpu_summary = {"web_median_ms": web, "query_over_in_process_median_ms": query_extra,
                           "over_oxigraph_median_ms": extra}
            print(f"{name} CPU per request, median over the same queries: web {web} ms, query processes "
                  f"{query_extra:+} ms over the engine in-process, in all {extra:+} ms over Oxigraph's server")
        summary[name] = {"median_ms": median, "worst_ms": worst, "queries": len(diffs), "cpu": cpu_summary,
                         "paired_median_ms": round(statistics.median(paired), 2), "paired_worst_ms": round(max(paired), 2),
                         "median_met": median <= MEDIAN_GOAL_MS, "worst_met": worst <= WORST_GOAL_MS}
        print(f"{name} over oxigraph, {len(diffs)} queries under {UNDER_MS:g} ms: p50 difference median {median} ms "
              f"(goal ≤ {MEDIAN_GOAL_MS:g}: {'met' if median <= MEDIAN_GOAL_MS else 'MISSED'}), worst {worst} ms "
              f"(goal ≤ {WORST_GOAL_MS:g}: {'met' if worst <= WORST_GOAL_MS else 'MISSED'}); paired median "
              f"{summary[name]['paired_median_ms']} ms, worst {summary[name]['paired_worst_ms']} ms")
    return summary


if __name__ == "__main__":
    sys.exit(main())
