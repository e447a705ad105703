#!/usr/bin/python3
"""Benchmark 7 — the canary judge (src/verify): one Judge() call on 2 × 10,000 samples.

Runs `ferry_bench_judge` (bench/judge_bench.cc, Google Benchmark; built with
-DFERRY_BUILD_BENCH=ON) and records, per case, the time per Judge() call: CPU time (the
process's, what the judge itself costs) and wall time (which on a shared machine also holds the
time the process waited for a core). Cases: one continuous metric with 1,000 / 10,000 / 100,000
values a side (log-normal latencies, canary +5 %), and a usual verdict (Duration 2 × 10,000,
Errors and Throttles). Goal (issue 14): 2 × 10,000 samples judged in under 1 ms.

--ferry is accepted for run-all's sake and unused: the judge is a library, not a command.
"""
import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import benchlib as b  # noqa: E402

GOAL_S = 0.001


def find_binary(explicit):
    for c in (explicit, os.environ.get("FERRY_BENCH_JUDGE"),
              os.path.join(b.REPO_DIR, "build-bench", "bench", "ferry_bench_judge"),
              os.path.join(b.REPO_DIR, "build", "bench", "ferry_bench_judge")):
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return os.path.abspath(c)
    return None


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ferry", help="unused (the judge is a library)")
    p.add_argument("--judge-bench", help="ferry_bench_judge (default: $FERRY_BENCH_JUDGE, "
                                         "build-bench/bench/, build/bench/)")
    p.add_argument("--out", required=True)
    p.add_argument("--smoke", action="store_true")
    p.add_argument("--repetitions", type=int, default=5)
    p.add_argument("--keep", action="store_true", help="unused (nothing temporary)")
    args = p.parse_args()
    doc = {"benchmark": "judge", "smoke": args.smoke, "machine": b.machine(),
           "goals": {"judge_2x10000_s": GOAL_S}}
    binary = find_binary(args.judge_bench)
    if binary is None:
        doc["unavailable"] = ("no ferry_bench_judge: build it with -DFERRY_BUILD_BENCH=ON "
                              "(ninja -C build-bench ferry_bench_judge)")
        b.write_result(args.out, doc)
        return 1
    repetitions = 1 if args.smoke else args.repetitions
    command = [binary, "--benchmark_format=json",
               "--benchmark_min_time=%s" % ("0.01" if args.smoke else "0.5"),
               "--benchmark_repetitions=%d" % repetitions,
               "--benchmark_report_aggregates_only=%s" % ("false" if repetitions == 1 else "true")]
    b.log("running", " ".join(command))
    r = subprocess.run(command, capture_output=True, text=True)
    if r.returncode != 0:
        doc["failed"] = (r.stderr or r.stdout)[-2000:]
        b.write_result(args.out, doc)
        return 1
    raw = json.loads(r.stdout)
    doc["command"] = " ".join(command)
    cases = {}
    for run in raw.get("benchmarks", []):
        # Medians over the repetitions (or the single run of a smoke run), in seconds.
        if repetitions > 1 and run.get("aggregate_name") != "median":
            continue
        name = run["run_name"]
        scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[run.get("time_unit", "ns")]
        cases[name] = {"cpu_s": run["cpu_time"] * scale, "wall_s": run["real_time"] * scale,
                       "iterations": run.get("iterations"), "repetitions": repetitions}
    doc["cases"] = cases
    main_case = cases.get("BM_JudgeDuration/10000")
    if main_case:
        doc["judge_2x10000_cpu_s"] = main_case["cpu_s"]
        doc["judge_2x10000_wall_s"] = main_case["wall_s"]
    b.write_result(args.out, doc)
    return 0 if main_case else 1


if __name__ == "__main__":
    sys.exit(main())
