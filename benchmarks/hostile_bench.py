"""The endpoint under hostile load (a benchmark, not a test): the figures of docs/server.md, "Under load".

Starts the production recipe (`sciplan serve --workers 4`: server.slow_clients.Worker, 2 query
processes per worker, 10 s time limit, 10,000-row cap) over the real KB on a free loopback port and
measures, each for --seconds:

1. cheap queries (`ASK { ?s ?p ?o }`) from 4 clients alone: p50/p99 — the baseline;
2. the same while 8 connections loop a pathological query (an aggregate over a cross product, which
   runs into the time limit) from another client address;
3. the same while 16 connections each send POST headers announcing 1,000 bytes and then 3 bytes
   (re-opened whenever the server drops one);
4. 32 clients, each its own address, looping the gallery's queries (queries/*.rq but the federated
   one): requests/s, p50/p99 and statuses.

Clients are told apart by source address (127.0.0.2, 127.0.0.3, …: all loopback), as the fair share
counts them. Bounded: every loop stops at its deadline; loopback only.

    python3 benchmarks/hostile_bench.py                 # about 4 × 20 s plus start-up
    python3 benchmarks/hostile_bench.py --seconds 10
"""

from __future__ import annotations

import argparse
import http.client
import socket
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from benchlib import DEFAULT_WORKDIR, machine, percentile, print_machine, start_sciplan, stop, table, write_results

ROOT = Path(__file__).resolve().parent.parent
CHEAP = "ASK { ?s ?p ?o }"
PATHOLOGICAL = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SLOW_BODY = (b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
             b"Content-Length: 1000\r\n\r\nASK")
# Issue 16's figures for the recipe before this work (same machine class, 4 × 2 gthread, 10 s limit).
BEFORE = {
    "with 8 pathological": "p99 13,400 ms, max 24,600 ms; 503s after 34.6 s",
    "with 16 slow bodies": "ASK {} timed out for about 47 s",
    "32 clients, gallery": "3.6/s, p50 2,700 ms, p99 36,000 ms, 11% 503",
}


def gallery_queries() -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted((ROOT / "queries").glob("*.rq"))
            if "SERVICE" not in p.read_text(encoding="utf-8").upper()}


def ask(port: int, source: str, query: str, timeout: float) -> tuple[int, float]:
    """One POST of `query` from `source`; (status, seconds); status 0 if the connection failed."""
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0))
    try:
        conn.request("POST", "/sparql", urllib.parse.urlencode({"query": query}),
                     {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"})
        response = conn.getresponse()
        response.read()
        return response.status, time.monotonic() - started
    except OSError:
        return 0, time.monotonic() - started
    finally:
        conn.close()


def clients(port: int, sources: list[str], queries: list[str], until: float, timeout: float) -> list[tuple[int, float]]:
    """Each source loops over `queries` until `until`; every (status, seconds)."""
    results: list[tuple[int, float]] = []
    lock = threading.Lock()

    def loop(source: str, offset: int) -> None:
        n = offset
        while time.monotonic() < until:
            outcome = ask(port, source, queries[n % len(queries)], timeout)
            n += 1
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=loop, args=(s, i)) for i, s in enumerate(sources)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def slow_bodies(port: int, count: int, until: float) -> threading.Thread:
    """`count` connections that announce 1,000 bytes and send 3, re-opened when dropped, until `until`."""
    def hold() -> None:
        open_: list[socket.socket] = []
        while time.monotonic() < until:
            while len(open_) < count:
                sock = socket.create_connection(("127.0.0.1", port), timeout=1, source_address=("127.0.0.250", 0))
                sock.sendall(SLOW_BODY)
                open_.append(sock)
            for sock in list(open_):
                try:
                    if sock.recv(1, socket.MSG_DONTWAIT) is not None:  # answered (408) or closed: open another
                        sock.close()
                        open_.remove(sock)
                except BlockingIOError:
                    pass
                except OSError:
                    sock.close()
                    open_.remove(sock)
            time.sleep(0.05)
        for sock in open_:
            sock.close()

    thread = threading.Thread(target=hold)
    thread.start()
    return thread


def figures(name: str, results: list[tuple[int, float]], seconds: float) -> dict:
    times = [t * 1000 for _, t in results]
    statuses: dict[str, int] = {}
    for status, _ in results:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    return {"case": name, "requests": len(results), "per_second": round(len(results) / seconds, 1),
            "p50_ms": round(percentile(times, 50), 1) if times else None,
            "p99_ms": round(percentile(times, 99), 1) if times else None,
            "max_ms": round(max(times), 1) if times else None, "statuses": statuses}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20, help="seconds per case (default 20, at most 120)")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    args = parser.parse_args()
    if not 0 < args.seconds <= 120:
        parser.error("--seconds: between 0 and 120")
    from benchlib import real_settings

    m = machine()
    print_machine(m)
    args.workdir.mkdir(parents=True, exist_ok=True)
    settings = real_settings(args.workdir)
    env = {"SCIPLAN_QUERY_PROCESSES": "2", "SCIPLAN_QUERY_TIMEOUT": "10", "SCIPLAN_MAX_ROWS": "10000"}
    proc, url = start_sciplan(settings.store, 4, args.workdir / "hostile.log", env=env)
    port = urllib.parse.urlsplit(url).port or 80
    cheap_sources = [f"127.0.0.{n}" for n in range(2, 6)]
    timeout = 60.0
    rows = []
    try:
        clients(port, cheap_sources, [CHEAP], time.monotonic() + 2, timeout)  # warm every worker
        seconds = args.seconds
        rows.append(figures("cheap alone", clients(port, cheap_sources, [CHEAP], time.monotonic() + seconds, timeout), seconds))
        print(rows[-1], flush=True)

        until = time.monotonic() + seconds
        attack = threading.Thread(target=lambda: rows.append(
            figures("(the 8 pathological)", clients(port, ["127.0.0.200"] * 8, [PATHOLOGICAL], until, timeout), seconds)))
        attack.start()
        time.sleep(0.5)
        rows.append(figures("with 8 pathological", clients(port, cheap_sources, [CHEAP], until, timeout), seconds - 0.5))
        attack.join()
        print(rows[-2:], flush=True)
        time.sleep(12)  # the last pathological queries run out

        until = time.monotonic() + seconds
        holder = slow_bodies(port, 16, until)
        time.sleep(0.5)
        rows.append(figures("with 16 slow bodies", clients(port, cheap_sources, [CHEAP], until, timeout), seconds - 0.5))
        holder.join()
        print(rows[-1], flush=True)

        gallery = gallery_queries()
        sources = [f"127.0.1.{n}" for n in range(1, 33)]
        rows.append(figures("32 clients, gallery", clients(port, sources, list(gallery.values()), time.monotonic() + seconds, timeout), seconds))
        print(rows[-1], flush=True)
    finally:
        stop(proc)
    print()
    print(table(["case", "requests", "requests/s", "p50 ms", "p99 ms", "max ms", "statuses", "before (issue 16)"],
                [[r["case"], r["requests"], r["per_second"], r["p50_ms"], r["p99_ms"], r["max_ms"],
                  " ".join(f"{k}:{v}" for k, v in sorted(r["statuses"].items())), BEFORE.get(r["case"], "")] for r in rows]))
    write_results("hostile", {"machine": m, "cases": rows, "seconds": args.seconds,
                              "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
    return 0


if __name__ == "__main__":
    sys.exit(main())
