#!/usr/bin/python3
"""Benchmark 1 — single deploy (code changed): `ferry deploy --wait` vs the AWS CLI v2 script vs
boto3 in one process, against one `ferry sandbox` (--update-delay 1s) in the same run.

Every tool talks to the sandbox through the trace proxy (bench/lib/trace_proxy.py), which adds
the same small per-request cost to all of them and records every exchange. Each timed run is
preceded (hyperfine --prepare) by the upload of a new zip, so every deployment changes code.
Reported per tool: hyperfine's median/mean wall time, and the split of the deployment window into
time inside AWS calls, waiting for the update, and the tool's own time (bench/lib/timeline.py).
For Ferry the window is the execution's createdAt..endedAt (GET /api/v1/executions/ID), so its
own time is the engine overhead; the CLI's remainder (hyperfine wall - execution duration) is
reported separately.
"""
import argparse
import json
import os
import shlex
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import benchlib as b  # noqa: E402
import engine_timeline  # noqa: E402
import ferrylib  # noqa: E402
import timeline  # noqa: E402

FUNCTION = "bench-single"
BUCKET = "bench-artifacts"
PREFIX = "single/"


def setup_function(endpoint):
    lam = b.boto3_client("lambda", endpoint)
    b.boto3_client("s3", endpoint).create_bucket(Bucket=BUCKET)
    lam.create_function(FunctionName=FUNCTION, Runtime="python3.12", Handler="handler.handler",
                        Role="arn:aws:iam::%s:role/bench" % b.ACCOUNT, MemorySize=128, Timeout=30,
                        Code={"ZipFile": b.handler_zip("initial")})
    lam.get_waiter("function_active_v2").wait(FunctionName=FUNCTION,
                                               WaiterConfig={"Delay": 0.1, "MaxAttempts": 300})
    version = lam.publish_version(FunctionName=FUNCTION)["Version"]
    lam.create_alias(FunctionName=FUNCTION, Name="dev", FunctionVersion=version)


def hyperfine(name, command, prepare, runs, warmup, work, env):
    export = os.path.join(work, "hyperfine-%s.json" % name)
    argv = ["hyperfine", "--runs", str(runs), "--warmup", str(warmup), "--prepare", prepare,
            "--export-json", export, "--style", "basic", "-n", name, command]
    r = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=3600)
    result = {"command": command, "hyperfine": " ".join(shlex.quote(a) for a in argv)}
    if r.returncode != 0:
        # hyperfine only says the command failed: run it once more to record why.
        subprocess.run(["sh", "-c", prepare], env=env, timeout=600)
        again = subprocess.run(["sh", "-c", command], capture_output=True, text=True, env=env,
                               timeout=1800)
        result["failed"] = ("hyperfine: %s\nthe command once more (exit %d): %s %s" % (
            (r.stdout + r.stderr)[-1000:], again.returncode, again.stdout[-1500:],
            again.stderr[-1500:]))
        return result
    with open(export) as f:
        h = json.load(f)["results"][0]
    result.update(runs=len(h["times"]), times_s=h["times"], median_s=h["median"],
                  mean_s=h["mean"], stddev_s=h["stddev"], min_s=h["min"], max_s=h["max"],
                  user_s=h.get("user"), system_s=h.get("system"))
    return result


def windows_from_timing(path, tool):
    out = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                rec = json.loads(line)
                if rec.get("tool") == tool:
                    out.append((float(rec["start"]), float(rec["end"])))
    return out


def split_windows(exchanges, windows):
    parts = [timeline.decompose(exchanges, s, e) for s, e in windows]
    if not parts:
        return None
    out = {k: b.median([p[k] for p in parts]) for k in ("wall_s", "in_aws_calls_s", "waiting_s",
                                                         "own_s", "calls")}
    out["runs"] = len(parts)
    out["operations_last_run"] = timeline.counts(exchanges, *windows[-1])["operations"]
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ferry")
    p.add_argument("--out", required=True)
    p.add_argument("--smoke", action="store_true", help="one run per tool: checks the code path")
    p.add_argument("--runs", type=int, default=10, help="timed runs of Ferry and boto3")
    p.add_argument("--awscli-runs", type=int, default=5,
                   help="timed runs of the AWS CLI script (six `aws` processes per run)")
    p.add_argument("--keep", action="store_true")
    p.add_argument("--tools", default="awscli,boto3,ferry",
                   help="comma-separated subset of awscli,boto3,ferry to run (default: all)")
    args = p.parse_args()
    selected = set(t.strip() for t in args.tools.split(",") if t.strip())
    runs, warmup = (1, 0) if args.smoke else (args.runs, 1)
    runs_of = {"awscli": 1 if args.smoke else args.awscli_runs}
    ferry = b.find_ferry(args.ferry)
    work = b.workdir("deploy")
    key_file = os.path.join(work, "current-key")
    timing = os.path.join(work, "timing.jsonl")
    doc = {"benchmark": "deploy", "smoke": args.smoke, "machine": b.machine(), "runs": runs,
           "warmup": warmup, "goals": {"engine_overhead_s": 0.005}}
    problems = []
    server = None
    try:
        with b.start_sandbox(ferry, work) as sandbox, \
                b.start_proxy(work, sandbox, "proxy") as proxy:
            doc["sandbox_command"] = " ".join(sandbox.argv)
            setup_function(sandbox.url)
            env = b.aws_env()
            env["BENCH_ENDPOINT"] = proxy.url
            prepare = " ".join(shlex.quote(a) for a in [
                b.PYTHON, os.path.join(b.BENCH_DIR, "baselines", "put_artifact.py"), "--endpoint",
                sandbox.url, "--bucket", BUCKET, "--prefix", PREFIX, "--key-file", key_file])
            key = '"$(head -n1 %s)"' % shlex.quote(key_file)
            tools = {
                "awscli": "%s %s dev %s %s %s" % (
                    shlex.quote(os.path.join(b.BENCH_DIR, "baselines", "deploy-awscli.sh")),
                    FUNCTION, BUCKET, key, shlex.quote(timing)),
                "boto3": "%s %s --endpoint %s --bucket %s --key-file %s --function %s "
                         "--timing %s --label boto3" % (
                             b.PYTHON, shlex.quote(os.path.join(b.BENCH_DIR, "baselines",
                                                                "deploy_boto3.py")),
                             proxy.url, BUCKET, shlex.quote(key_file), FUNCTION,
                             shlex.quote(timing)),
            }
            tools = {k: v for k, v in tools.items() if k in selected}
            results = doc["tools"] = {}
            for name, command in tools.items():
                b.log("deploy: hyperfine", name)
                results[name] = hyperfine(name, command, prepare, runs_of.get(name, runs),
                                          warmup, work, env)
            exchanges = timeline.load(proxy.exchanges_path)
            for name in tools:
                windows = windows_from_timing(timing, name)[-runs_of.get(name, runs):]
                results[name]["split"] = split_windows(exchanges, windows)

            reason = ferrylib.unavailable_reason(ferry)
            if "ferry" not in selected:
                b.log("deploy: ferry not selected (--tools)")
            elif reason:
                results["ferry"] = {"unavailable": reason}
            else:
                server = ferrylib.FerryServer(ferry, work, proxy.url, fleet_size=1)
                env.update(FERRY_SERVER=server.url, FERRY_TOKEN=server.token)
                command = "%s deploy bench/single --env dev --s3 s3://%s/%s --wait" % (
                    shlex.quote(ferry), BUCKET, key)
                b.log("deploy: hyperfine ferry")
                cpu0 = b.cpu_seconds(server.pid)
                results["ferry"] = hyperfine("ferry", command, prepare, runs, warmup, work, env)
                results["ferry"]["server_cpu_per_run_s"] = (
                    b.cpu_seconds(server.pid) - cpu0) / (runs + warmup)
                if "failed" not in results["ferry"]:
                    results["ferry"].update(ferry_split(server, proxy, runs))
    except Exception as e:  # noqa: BLE001 — recorded, and the benchmark fails
        problems.append("%s: %s" % (type(e).__name__, e))
    finally:
        if server:
            server.stop()
        b.cleanup(work, args.keep)
    tools = doc.get("tools", {})
    ferry_median = tools.get("ferry", {}).get("median_s")
    for name in ("awscli", "boto3"):
        if name in tools:
            tools[name]["ratio_to_ferry"] = b.ratio(tools[name].get("median_s"), ferry_median)
    for name, r in tools.items():
        if r.get("failed"):
            problems.append("%s failed: %s" % (name, r["failed"][-500:]))
        elif "unavailable" not in r and not r.get("median_s"):
            problems.append("%s produced no time" % name)
    if not tools:
        problems.append("no tool ran")
    doc["problems"] = problems
    b.write_result(args.out, doc)
    for m in problems:
        b.log("FAILED:", m)
    for name, r in tools.items():
        b.log("deploy %s: %s" % (name, r.get("median_s") or r.get("unavailable")))
    return 1 if problems else 0


def ferry_split(server, proxy, runs):
    """Engine overhead per execution from the API's timestamps and the proxy's timeline."""
    exchanges = timeline.load(proxy.exchanges_path)
    items = server.executions("single", limit=runs)
    executions, parts, breakdowns = [], [], []
    for item in reversed(items[:runs]):
        ex = server.execution(item["id"])
        executions.append(ferrylib.execution_summary(ex))
        start, end = timeline.parse_time(ex.get("createdAt")), timeline.parse_time(
            ex.get("endedAt"))
        if start and end:
            parts.append(timeline.decompose(exchanges, start, end))
            try:
                breakdowns.append(engine_timeline.breakdown(
                    os.path.join(server.data, "ferry.db"), exchanges, item["id"]))
            except Exception as e:  # noqa: BLE001 — the breakdown is a guide; the split stands
                b.log("deploy: no own-time breakdown for", item["id"], e)
    out = {"executions": executions}
    if breakdowns:
        # Where the engine's own time went (bench/lib/engine_timeline.py), medians over runs.
        out["own_time_breakdown"] = {k: b.median([x[k] for x in breakdowns]) for k in (
            "rate_limiter_ms", "hops_ms", "limited_calls")}
        out["own_time_breakdown"]["runs"] = len(breakdowns)
    if parts:
        out["split"] = {k: b.median([p[k] for p in parts]) for k in (
            "wall_s", "in_aws_calls_s", "waiting_s", "own_s", "calls")}
        out["split"]["runs"] = len(parts)
        last = executions[-1]
        out["split"]["operations_last_run"] = timeline.counts(
            exchanges, timeline.parse_time(last["createdAt"]),
            timeline.parse_time(last["endedAt"]))["operations"]
        out["engine_overhead_s"] = out["split"]["own_s"]
        out["execution_duration_s"] = b.median([p["wall_s"] for p in parts])
    out["execution_statuses"] = sorted({e["status"] for e in executions if e["status"]})
    return out


if __name__ == "__main__":
    sys.exit(main())
