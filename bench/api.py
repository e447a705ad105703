#!/usr/bin/python3
"""Benchmark 4 — API: wrk against an authenticated GET /api/v1/executions for --duration.

The store holds --executions succeeded deployments (bench/tools/seed_executions.cc); wrk sends
`GET /api/v1/executions` (the default page: 50 newest executions) with `Authorization: Bearer`
over --connections keep-alive connections on --threads threads. Reported: requests/s, latency
p50/p99, non-2xx responses, and the server's RSS after the run. With --store postgres the
store is a PostgreSQL 15 the benchmark starts (bench/lib/pglib.py) instead of SQLite.
Goal (issue 16): >= 20,000 requests/s with p99 < 5 ms.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import benchlib as b  # noqa: E402
import ferrylib  # noqa: E402
import pglib  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ferry")
    p.add_argument("--seeder")
    p.add_argument("--out", required=True)
    p.add_argument("--smoke", action="store_true")
    p.add_argument("--executions", type=int, default=10000)
    p.add_argument("--duration", default="10s")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    p.add_argument("--keep", action="store_true")
    args = p.parse_args()
    executions = 50 if args.smoke else args.executions
    duration = "1s" if args.smoke else args.duration
    ferry = b.find_ferry(args.ferry)
    work = b.workdir("api")
    doc = {"benchmark": "api", "smoke": args.smoke, "machine": b.machine(), "store": args.store,
           "goals": {"requests_per_s": 20000, "p99_s": 0.005}}
    problems = []
    pg = None
    try:
        reason = ferrylib.unavailable_reason(ferry, (("server",), ("token", "create"),
                                                     ("apply",)))
        seeder = ferrylib.find_seeder(args.seeder)
        if args.store == "postgres" and pglib.missing():
            reason = pglib.missing()
        if reason:
            doc["api"] = {"unavailable": reason}
        elif not seeder:
            doc["api"] = {"unavailable": "ferry_bench_seed is not built "
                                         "(cmake -DFERRY_BUILD_BENCH=ON; ninja ferry_bench_seed)"}
        else:
            store_url = None
            if args.store == "postgres":
                pg = pglib.Postgres(work)
                store_url = pg.create_database("ferry_bench_api")
            data, token = ferrylib.prepare_data(ferry, work, store=store_url)
            seconds = ferrylib.seed(seeder, data, executions, store=store_url)
            proc, _ = ferrylib.start_server(ferry, work, data, store=store_url)
            try:
                url = proc.url + "/api/v1/executions"
                status, body = b.http_get(url, token)
                items = len(b.json.loads(body)["items"])
                r = b.run_wrk(url, work, "GET", {"Authorization": "Bearer " + token},
                              threads=args.threads, connections=args.connections,
                              duration=duration)
                doc["api"] = {
                    "executions_in_store": executions, "seed_s": seconds, "page_items": items,
                    "requests": r["requests"], "requests_per_s": r["requests_per_s"],
                    "median_s": r["latency_s"].get(50), "p99_s": r["latency_s"].get(99),
                    "non_2xx": r["non_2xx"], "socket_errors": r["socket_errors"],
                    "threads": args.threads, "connections": args.connections,
                    "duration": duration,
                    "command": r["command"].replace(token, "$FERRY_TOKEN"),
                    "server_rss_after_mib": b.rss_kib(proc.pid) / 1024.0}
                if r["non_2xx"] or not r["requests"]:
                    problems.append("wrk got %d non-2xx of %d" % (r["non_2xx"], r["requests"]))
            finally:
                proc.stop()
    except Exception as e:  # noqa: BLE001
        problems.append("%s: %s" % (type(e).__name__, e))
    finally:
        if pg:
            pg.stop()
        b.cleanup(work, args.keep)
    doc["problems"] = problems
    b.write_result(args.out, doc)
    for m in problems:
        b.log("FAILED:", m)
    b.log("api:", {k: v for k, v in doc.get("api", {}).items() if k != "command"})
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
