#!/usr/bin/python3
"""Benchmark 5 — `ferry sandbox`: control-plane call latency and warm invocations per second.

Control plane: wrk with one connection (a persistent client, one request at a time) sends
pre-signed GetFunction and ListVersionsByFunction requests for --duration; the same SigV4
signature is valid for AWS's 15-minute skew window, so wrk measures the sandbox, not a signer.
For context, the same GetFunction through boto3 (a persistent botocore client) is timed too.
Invoke: a python3.12 handler is invoked once (cold), then wrk drives pre-signed Invoke requests
(RequestResponse) over --connections connections; invocations/s counts 2xx responses only.
Goals (issue 3): control-plane median well under 1 ms; >= 500 warm python invocations/s.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import benchlib as b  # noqa: E402

FUNCTION = "bench-sandbox"


def setup_function(endpoint):
    lam = b.boto3_client("lambda", endpoint)
    lam.create_function(FunctionName=FUNCTION, Runtime="python3.12", Handler="handler.handler",
                        Role="arn:aws:iam::%s:role/bench" % b.ACCOUNT,
                        Code={"ZipFile": b.handler_zip("sandbox")}, Timeout=30, MemorySize=128)
    lam.get_waiter("function_active_v2").wait(FunctionName=FUNCTION,
                                               WaiterConfig={"Delay": 0.05, "MaxAttempts": 400})
    version = lam.publish_version(FunctionName=FUNCTION)["Version"]
    lam.create_alias(FunctionName=FUNCTION, Name="live", FunctionVersion=version)
    return lam


def boto3_latency(lam, calls):
    samples = []
    for _ in range(calls):
        t = time.perf_counter()
        lam.get_function(FunctionName=FUNCTION)
        samples.append(time.perf_counter() - t)
    return {"calls": calls, "median_s": b.median(samples), "p99_s": b.percentile(samples, 99)}


def wrk_control_plane(endpoint, work, duration):
    out = {}
    for op, path in (("GetFunction", "/2015-03-31/functions/%s" % FUNCTION),
                     ("ListVersionsByFunction", "/2015-03-31/functions/%s/versions" % FUNCTION)):
        url = endpoint + path
        r = b.run_wrk(url, work, "GET", b.sigv4_headers("GET", url), duration=duration)
        out[op] = {"requests": r["requests"], "requests_per_s": r["requests_per_s"],
                   "median_s": r["latency_s"].get(50), "p99_s": r["latency_s"].get(99),
                   "non_2xx": r["non_2xx"], "socket_errors": r["socket_errors"],
                   "command": r["command"]}
    return out


def lambda_metrics(endpoint):
    """Sums of the AWS/Lambda Invocations and Errors the sandbox recorded for the function: an
    independent check that every answered request ran the handler."""
    import datetime
    cw = b.boto3_client("cloudwatch", endpoint)
    now = datetime.datetime.now(datetime.timezone.utc)
    out = {}
    for metric in ("Invocations", "Errors"):
        got = cw.get_metric_statistics(
            Namespace="AWS/Lambda", MetricName=metric, Statistics=["Sum"], Period=60,
            Dimensions=[{"Name": "FunctionName", "Value": FUNCTION}],
            StartTime=now - datetime.timedelta(minutes=30), EndTime=now +
            datetime.timedelta(minutes=1))
        out[metric] = int(sum(p["Sum"] for p in got["Datapoints"]))
    return out


def wrk_invoke(endpoint, work, duration, connections, lam):
    first = time.perf_counter()
    got = lam.invoke(FunctionName=FUNCTION, Qualifier="live", Payload=b"{}")
    cold = time.perf_counter() - first
    payload = got["Payload"].read()
    if got.get("FunctionError") or b"sandbox" not in payload:
        raise RuntimeError("the handler did not answer as expected: %r" % payload[:300])
    url = endpoint + "/2015-03-31/functions/%s/invocations?Qualifier=live" % FUNCTION
    body = b'{"bench": true}'
    headers = b.sigv4_headers("POST", url, body, headers={"X-Amz-Invocation-Type":
                                                          "RequestResponse"})
    r = b.run_wrk(url, work, "POST", headers, body, threads=1, connections=connections,
                  duration=duration)
    ok = r["requests"] - r["non_2xx"]
    metrics = lambda_metrics(endpoint)
    return {"metrics_invocations": metrics["Invocations"], "metrics_errors": metrics["Errors"],
            "connections": connections, "first_invoke_s": cold, "requests": r["requests"],
            "non_2xx": r["non_2xx"], "socket_errors": r["socket_errors"],
            "invocations_per_s": ok / r["duration_s"] if r["duration_s"] else None,
            "median_s": r["latency_s"].get(50), "p99_s": r["latency_s"].get(99),
            "command": r["command"]}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ferry")
    p.add_argument("--out", required=True)
    p.add_argument("--smoke", action="store_true", help="tiny sizes: checks the code path only")
    p.add_argument("--duration", default="10s")
    p.add_argument("--connections", type=int, default=8)
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    args = p.parse_args()
    duration = "1s" if args.smoke else args.duration
    ferry = b.find_ferry(args.ferry)
    work = b.workdir("sandbox")
    doc = {"benchmark": "sandbox", "smoke": args.smoke, "machine": b.machine(),
           "goals": {"control_plane_median_s": 0.001, "invocations_per_s": 500}}
    try:
        with b.start_sandbox(ferry, work) as sandbox:
            doc["sandbox_command"] = " ".join(sandbox.argv)
            lam = setup_function(sandbox.url)
            doc["control_plane"] = wrk_control_plane(sandbox.url, work, duration)
            doc["control_plane_boto3"] = boto3_latency(lam, 50 if args.smoke else 1000)
            doc["invoke"] = wrk_invoke(sandbox.url, work, duration, args.connections, lam)
    finally:
        b.cleanup(work, args.keep)
    b.write_result(args.out, doc)
    cp = doc["control_plane"]["GetFunction"]
    inv = doc["invoke"]
    problems = []
    if not cp["requests"] or cp["median_s"] is None or cp["non_2xx"]:
        problems.append("GetFunction through wrk produced no clean numbers: %s" % cp)
    if not inv["invocations_per_s"] or inv["non_2xx"] == inv["requests"]:
        problems.append("Invoke produced no successful invocations: %s" % inv)
    if inv["metrics_errors"] or inv["metrics_invocations"] < inv["requests"] - inv["non_2xx"]:
        problems.append("the sandbox's metrics disagree with wrk: %s" % inv)
    for m in problems:
        b.log("FAILED:", m)
    b.log("GetFunction median %.3f ms p99 %.3f ms; %.0f invocations/s" % (
        cp["median_s"] * 1e3, cp["p99_s"] * 1e3, inv["invocations_per_s"] or 0))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
