#!/usr/bin/python3
"""Benchmark 3 — footprint: `ferry server` RSS idle and holding 10,000 executions, the binary's
size, and the time from start to a healthy /healthz (the delegate's RSS: bench/delegates.py).

Start-to-healthy: from fork/exec of `ferry server --data DIR --port 0` to the first 200 on
/healthz (polled every 5 ms), over --starts fresh starts on an applied store; median reported.
Idle RSS: VmRSS (/proc/PID/status) 3 s after healthy, no requests. Holding executions: the
store is seeded with --executions succeeded deployments (bench/tools/seed_executions.cc, through
the store's API), the server restarted, RSS read after start and again after every execution
has been listed through GET /api/v1/executions (pages of 200) and 1,000 of them read one by one.
Goal: server idle RSS < 30 MB.
"""
import argparse
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import benchlib as b  # noqa: E402
import ferrylib  # noqa: E402

MIB = 1024.0


def binary_sizes(ferry, work):
    stripped = os.path.join(work, "ferry.stripped")
    subprocess.run(["strip", "-o", stripped, ferry], check=True)
    return {"path": ferry, "bytes": os.path.getsize(ferry),
            "stripped_bytes": os.path.getsize(stripped)}


def page_all(url, token):
    """Lists every execution through the API; returns (count, ids)."""
    ids, before = [], None
    while True:
        path = "/api/v1/executions?limit=200" + ("&before=" + before if before else "")
        status, body = b.http_get(url + path, token)
        page = b.json.loads(body)
        ids += [e["id"] for e in page["items"]]
        before = page.get("next")
        if not before or not page["items"]:
            return len(ids), ids


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ferry")
    p.add_argument("--seeder", help="ferry_bench_seed (default: build-bench/bench/)")
    p.add_argument("--out", required=True)
    p.add_argument("--smoke", action="store_true")
    p.add_argument("--executions", type=int, default=10000)
    p.add_argument("--starts", type=int, default=5)
    p.add_argument("--keep", action="store_true")
    args = p.parse_args()
    executions = 50 if args.smoke else args.executions
    starts = 1 if args.smoke else args.starts
    idle_wait = 0.5 if args.smoke else 3.0
    ferry = b.find_ferry(args.ferry)
    work = b.workdir("footprint")
    doc = {"benchmark": "footprint", "smoke": args.smoke, "machine": b.machine(),
           "goals": {"server_idle_rss_mib": 30}}
    problems = []
    try:
        doc["binary"] = binary_sizes(ferry, work)
        reason = ferrylib.unavailable_reason(ferry, (("server",), ("token", "create"),
                                                     ("apply",)))
        doc["delegate"] = {"measured_by": "bench/delegates.py"}
        if reason:
            doc["server"] = {"unavailable": reason}
        else:
            data, token = ferrylib.prepare_data(ferry, work)
            times, idle = [], []
            for i in range(starts):
                proc, seconds = ferrylib.start_server(ferry, work, data, "start-%d" % i)
                times.append(seconds)
                time.sleep(idle_wait)
                idle.append(b.rss_kib(proc.pid))
                proc.stop()
            server = {"start_to_healthy_s": b.median(times), "start_to_healthy_all_s": times,
                      "idle_rss_mib": b.median(idle) / MIB, "idle_rss_all_mib":
                      [x / MIB for x in idle], "idle_wait_s": idle_wait}
            seeder = ferrylib.find_seeder(args.seeder)
            if not seeder:
                server["holding"] = {"unavailable": "ferry_bench_seed is not built "
                                     "(cmake -DFERRY_BUILD_BENCH=ON; ninja ferry_bench_seed)"}
            else:
                b.log("footprint: seeding %d executions" % executions)
                seconds = ferrylib.seed(seeder, data, executions)
                proc, healthy = ferrylib.start_server(ferry, work, data, "holding")
                try:
                    time.sleep(idle_wait)
                    after_start = b.rss_kib(proc.pid)
                    listed, ids = page_all(proc.url, token)
                    for eid in ids[:1000]:
                        b.http_get(proc.url + "/api/v1/executions/" + eid, token)
                    after_reads = b.rss_kib(proc.pid)
                    server["holding"] = {
                        "executions": executions, "seed_s": seconds, "listed": listed,
                        "start_to_healthy_s": healthy, "rss_after_start_mib": after_start / MIB,
                        "rss_after_reading_mib": after_reads / MIB}
                    if listed < executions:
                        problems.append("the API listed %d of %d executions" % (listed,
                                                                                executions))
                finally:
                    proc.stop()
            doc["server"] = server
    except Exception as e:  # noqa: BLE001
        problems.append("%s: %s" % (type(e).__name__, e))
    finally:
        b.cleanup(work, args.keep)
    if "binary" not in doc:
        problems.append("no binary size")
    srv = doc.get("server", {})
    if "unavailable" not in srv and not srv.get("idle_rss_mib"):
        problems.append("no server RSS")
    doc["problems"] = problems
    b.write_result(args.out, doc)
    for m in problems:
        b.log("FAILED:", m)
    b.log("footprint:", {k: v for k, v in srv.items() if not k.endswith("_all_s")})
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
