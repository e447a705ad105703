#!/usr/bin/python3
"""Benchmark 10 — Service Guard at 1,000 functions: GetMetricData calls per check.

Starts `ferry sandbox`, writes (boto3 PutMetricData, 1,000 datapoints a call) the AWS/Lambda
metrics of --functions functions' `live` aliases for the last 70 minutes (Invocations, Errors,
Throttles, Duration per minute), then runs one Service Guard check of all of them with
`ferry_bench_guard` (bench/tools/guard_calls.cc: the lambda.guard task's runner over Ferry's
CloudWatch client, as a delegate runs it; built with -DFERRY_BUILD_BENCH=ON) with the defaults:
a 5-minute interval, a 1-hour trailing window and 7 previous days. It reports the queries per
window, the GetMetricData calls (one per 500 queries per window), the check's wall time and the
calls per second a check every 5 minutes costs on average.

CloudWatch's GetMetricData TPS quota is not in the service model (shared/aws) and is not quoted
here: compare the calls with your account's (`aws service-quotas list-service-quotas
--service-code monitoring`). docs/verification.md has the arithmetic.
"""
import argparse
import datetime
import json
import os
import subprocess
import sys
import time

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


def seed(endpoint, functions, minutes):
    """Per-minute Lambda metrics of every function's live alias, 1,000 datapoints a call."""
    cw = b.boto3_client("cloudwatch", endpoint)
    now = datetime.datetime.now(datetime.timezone.utc).replace(second=0, microsecond=0)
    batch, calls = [], 0

    def flush():
        nonlocal batch, calls
        if batch:
            cw.put_metric_data(Namespace="AWS/Lambda", MetricData=batch)
            calls += 1
            batch = []

    for i in range(functions):
        name = "bench-guard-%d" % i
        dims = [{"Name": "FunctionName", "Value": name},
                {"Name": "Resource", "Value": name + ":live"}]
        for m in range(1, minutes + 1):
            at = now - datetime.timedelta(minutes=m)
            batch.append({"MetricName": "Invocations", "Dimensions": dims, "Timestamp": at,
                          "Value": 100, "Unit": "Count"})
            batch.append({"MetricName": "Errors", "Dimensions": dims, "Timestamp": at,
                          "Value": 0, "Unit": "Count"})
            batch.append({"MetricName": "Throttles", "Dimensions": dims, "Timestamp": at,
                          "Value": 0, "Unit": "Count"})
            batch.append({"MetricName": "Duration", "Dimensions": dims, "Timestamp": at,
                          "Values": [20 + (m % 7), 25, 40], "Counts": [60, 30, 10],
                          "Unit": "Milliseconds"})
            if len(batch) >= 1000:
                flush()
    flush()
    return calls


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
        started = time.perf_counter()
        doc["seed_put_calls"] = seed(sandbox.url, functions, TRAILING_MIN + 2 * INTERVAL_MIN)
        doc["seed_s"] = time.perf_counter() - started
        b.log("seeded", functions, "functions in", "%.1f s" % doc["seed_s"])
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
