"""Load test of a running endpoint: N concurrent clients, p50/p99 latency.

Loopback only and bounded: at most --requests requests in total and at most
--seconds of wall time, whichever comes first.

    sciplan serve --workers 2 --port 8080 &
    python3 benchmarks/load_endpoint.py --url http://127.0.0.1:8080/sparql --clients 4 --requests 400
"""

from __future__ import annotations

import argparse
import functools
import http.client
import ipaddress
import json
import socket
import statistics
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

DEFAULT_QUERIES = [
    "ASK { ?s ?p ?o }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT ?plan ?title WHERE { ?plan a <https://w3id.org/sciplan/def/Plan> ; "
    "<http://www.w3.org/2000/01/rdf-schema#label> ?title } ORDER BY ?plan",
    "SELECT ?task ?unit WHERE { ?task <https://w3id.org/sciplan/def/leadUnit> ?unit } LIMIT 100",
]


def is_loopback(url: str) -> bool:
    host = urllib.parse.urlsplit(url).hostname or ""
    try:
        return all(ipaddress.ip_address(info[4][0]).is_loopback for info in socket.getaddrinfo(host, None))
    except (socket.gaierror, ValueError):
        return False


def opener_for(url: str, number: int) -> urllib.request.OpenerDirector:
    """Client `number`'s opener: to 127.0.0.1 from its own loopback address (127.0.0.2, 127.0.0.3, …), since
    the server's fair share counts clients by address (docs/server.md, "Under load"); else the default."""
    if urllib.parse.urlsplit(url).hostname != "127.0.0.1":
        return urllib.request.build_opener()
    source = (f"127.0.{(number + 2) // 256}.{(number + 2) % 256}", 0)

    class FromSource(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(functools.partial(http.client.HTTPConnection, source_address=source), req)

    return urllib.request.build_opener(FromSource)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))]


def run(url: str, clients: int, requests: int, seconds: float, queries: list[str]) -> dict:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    issued = iter(range(requests))
    deadline = time.monotonic() + seconds

    def client(number: int) -> None:
        opener = opener_for(url, number)
        while time.monotonic() < deadline:
            with lock:
                n = next(issued, None)
            if n is None:
                return
            data = urllib.parse.urlencode({"query": queries[n % len(queries)]}).encode()
            request = urllib.request.Request(url, data=data, headers={"Accept": "application/sparql-results+json"})
            started = time.perf_counter()
            try:
                with opener.open(request, timeout=max(1.0, deadline - time.monotonic())) as response:
                    response.read()
                    status = response.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            except OSError:
                status = 0
            took = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(took)
                statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    return {
        "clients": clients,
        "requests": len(latencies),
        "seconds": round(wall, 3),
        "per_second": round(len(latencies) / wall, 1) if wall else 0.0,
        "p50_ms": round(percentile(latencies, 50), 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 99), 1) if latencies else None,
        "mean_ms": round(statistics.fmean(latencies), 1) if latencies else None,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8080/sparql", help="the endpoint (loopback only)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients (default 4)")
    parser.add_argument("--requests", type=int, default=200, help="total requests, at most 10000 (default 200)")
    parser.add_argument("--seconds", type=float, default=30, help="stop after this long, at most 300 (default 30)")
    parser.add_argument("--query", action="append", help="a query to send (repeatable; default: a small mix)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    if not is_loopback(args.url):
        parser.error(f"--url must be a loopback address (127.0.0.1, ::1, localhost): {args.url}")
    if not (1 <= args.clients <= 64 and 1 <= args.requests <= 10_000 and 0 < args.seconds <= 300):
        parser.error("bounds: 1-64 clients, 1-10000 requests, at most 300 seconds")
    report = run(args.url, args.clients, args.requests, args.seconds, args.query or DEFAULT_QUERIES)
    if args.json:
        print(json.dumps(report))
    else:
        print(f"{report['requests']} requests from {report['clients']} clients in {report['seconds']} s "
              f"({report['per_second']}/s): p50 {report['p50_ms']} ms, p99 {report['p99_ms']} ms, "
              f"statuses {report['statuses']}")
    return 0 if report["requests"] and set(report["statuses"]) == {"200"} else 1


if __name__ == "__main__":
    sys.exit(main())
