#!/usr/bin/python3
"""Benchmark 10 — Service Guard at 1,000 functions: GetMetricData calls per check.

Starts `ferry sandbox` and runs one Service Guard check of --functions functions' `live` aliases
with
`ferry_bench_guard` (bench/tools/guard_calls.cc: the lambda.guard task's runner over Ferry's
CloudWatch client, as a delegate runs it; built with -DFERRY_BUILD_BENCH=ON) with the defaults:
a 5-minute interval, a 1-hour trailing window and 7 previous days. It reports the queries per
window, the GetMetricData calls (one per 500 queries per window), the check's wall time and the
calls per second a check every 5 minutes costs on average.

The series are empty: the sandbox's AWS/Lambda metrics come from real invocations only
(PutMetricData refuses AWS/ namespaces, as CloudWatch does), and invoking 1,000 functions for
70 minutes of history is beyond a benchmark's budget. The calls and queries do not depend on the
data (one call per 500 queries per window); the wall time then measures the request path, not
the judge on full series (bench/judge.py measures the judge).

CloudWatch's GetMetricData TPS quota is not in the service model (shared/aws) and is not quoted
here: compare the calls with your account's (`aws service-quotas list-service-quotas
--service-code monitoring`). docs/verification.md has the arithmetic.
"""
import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import benchlib as b  # noqa: E402

INTERVAL_MIN = 5
TRAILING_MIN = 60
DAYS = 7


def find_binary(explicit):
    for c in (explicit, os.environ.get("FERRY_BENCH_GUARD"),
              os.path.join(b.REPO_DIR, "build-bench", "bench", "ferry_bench_guard"),
              os.path.join(b.REPO_DIR, "build", "bench", "ferry_bench_guard")):
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return os.path.abspath(c)
    return None


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ferry")
    p.add_argument("--guard-bench", help="ferry_bench_guard (default: $FERRY_BENCH_GUARD, "
                                         "build-bench/bench/, build/bench/)")
    p.add_argument("--out", required=True)
    p.add_argument("--smoke", action="store_true")
    p.add_argument("--functions", type=int, default=1000)
    p.add_argument("--keep", action="store_true")
    args = p.parse_args()
    functions = 20 if args.smoke else args.functions
    doc = {"benchmark": "guard", "smoke": args.smoke, "machine": b.machine(),
           "functions": functions, "interval_minutes": INTERVAL_MIN,
           "trailing_minutes": TRAILING_MIN, "baseline_days": DAYS}
    binary = find_binary(args.guard_bench)
    if binary is None:
        doc["unavailable"] = ("no ferry_bench_guard: build it with -DFERRY_BUILD_BENCH=ON "
                              "(ninja -C build-bench ferry_bench_guard)")
        b.write_result(args.out, doc)
        return 1
    ferry = b.find_ferry(args.ferry)
    work = b.workdir("ferry-bench-guard-")
    sandbox = b.start_sandbox(ferry, work)
    try:
        r = subprocess.run([binary, sandbox.url, str(functions), str(DAYS), str(INTERVAL_MIN),
                            str(TRAILING_MIN)], capture_output=True, text=True, env=b.aws_env())
        if r.returncode != 0:
            doc["failed"] = (r.stderr or r.stdout)[-2000:]
            b.write_result(args.out, doc)
            return 1
        check = json.loads(r.stdout)
        doc["check"] = check
        doc["calls_per_check"] = check["calls"]
        doc["calls_per_second_average"] = check["calls"] / (INTERVAL_MIN * 60.0)
        doc["expected_calls"] = -(-check["queriesPerWindow"] // 500) * check["windows"]
    finally:
        sandbox.stop()
        b.cleanup(work, args.keep)
    b.write_result(args.out, doc)
    return 0 if doc["calls_per_check"] == doc["expected_calls"] else 1


if __name__ == "__main__":
    sys.exit(main())
