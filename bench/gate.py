#!/usr/bin/python3
"""Benchmark 6 — alarm gate: from a CloudWatch alarm entering ALARM during a canary's bake to the
alias being restored.

A `ferry sandbox` (Lambda, S3, CloudWatch) and a `ferry server` with a canary workflow (50% for
10 minutes) gated by an Errors alarm of the function (Sum >= 1 in 10 s, no data = OK). Version 1
(a good build) serves the alias; the sandbox's traffic generator invokes the alias 20 times a
second. Each run deploys a build whose handler raises: the shift puts it at 50%, its errors put
the alarm in ALARM, the delegate watching the alarm sees it (it reads every 3 s), the step fails
and the rollback restores the alias. Per run, from the execution's record and CloudWatch:

  alarm       the alarm's StateUpdatedTimestamp (CloudWatch's, in the step's outputs)
  seen        when the delegate's reading showed ALARM (outputs.alarmSeenAt)
  restored    when the rollback step ended (its UpdateAlias answered and the step committed)

poll wait = seen - alarm (bounded by the 3 s poll), Ferry's own time = restored - seen (the task's
result reaching the engine, the failure and rollback committed, the rollback task claimed, one
GetFunction+lists read and one UpdateAlias, the step committed). Goal: Ferry's own time < 1 s.
Between runs the bench waits for the alarm to return to OK. The alias is checked after each run:
version 1, no weights.
"""
import argparse
import json
import os
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import benchlib as b  # noqa: E402
import ferrylib  # noqa: E402
import timeline  # noqa: E402

FUNCTION = "bench-gate"
ALARM = "bench-gate-errors"
BUCKET = "bench-gate"

CONFIG = """kind: CloudProvider
name: sandbox
credentials:
  mode: delegate
region: us-east-1
endpoint: %(endpoint)s
localSandbox: true
---
kind: Application
name: gate
---
kind: Environment
application: gate
name: prod
type: production
infrastructure:
  - name: local
    cloudProvider: sandbox
    region: us-east-1
    executionRole: arn:aws:iam::000000000000:role/bench
---
kind: Service
application: gate
name: api
artifact:
  cloudProvider: sandbox
  s3:
    bucket: %(bucket)s
    prefix: api/
defaults:
  runtime: python3.12
  handler: handler.handler
  memory: 128
  timeout: 10
functions:
  - name: fn
    functionName: %(function)s
---
kind: Workflow
application: gate
name: canary
strategy: canary
environment: prod
service: api
trafficShift:
  percent: 50
  interval: 10m
alarms: [%(alarm)s]
"""

BROKEN = b"def handler(event, context):\n    raise RuntimeError('broken build')\n"


def broken_zip():
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("handler.py", date_time=(2026, 1, 1, 0, 0, 0)), BROKEN)
    return buf.getvalue()


def admin(url, method, path, body=None):
    req = urllib.request.Request(url + path, method=method,
                                 data=None if body is None else json.dumps(body).encode())
    req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"null")


def parse_time(text):
    return timeline.parse_time(text) if text else None


def wait_execution(server, execution_id, timeout=300):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        e = server.execution(execution_id)
        if e["status"] in ("succeeded", "failed", "aborted", "rolled_back", "rollback_failed"):
            return e
        time.sleep(0.1)
    raise RuntimeError("execution %s did not end" % execution_id)


def alarm_state(cw):
    alarms = cw.describe_alarms(AlarmNames=[ALARM])["MetricAlarms"]
    return alarms[0]["StateValue"] if alarms else None


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ferry")
    p.add_argument("--out", required=True)
    p.add_argument("--smoke", action="store_true")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--keep", action="store_true")
    args = p.parse_args()
    runs = 1 if args.smoke else args.runs
    ferry = b.find_ferry(args.ferry)
    work = b.workdir("gate")
    doc = {"benchmark": "gate", "smoke": args.smoke, "machine": b.machine(), "runs": [],
           "goals": {"ferry_own_s": 1.0}}
    problems = []
    try:
        with b.start_sandbox(ferry, work, update_delay="100ms") as sandbox:
            doc["sandbox_command"] = " ".join(sandbox.argv)
            s3 = b.boto3_client("s3", sandbox.url)
            s3.create_bucket(Bucket=BUCKET)
            s3.put_object(Bucket=BUCKET, Key="api/good.zip", Body=b.handler_zip("good"))
            s3.put_object(Bucket=BUCKET, Key="api/broken.zip", Body=broken_zip())
            cw = b.boto3_client("cloudwatch", sandbox.url)
            cw.put_metric_alarm(AlarmName=ALARM, Namespace="AWS/Lambda", MetricName="Errors",
                                Dimensions=[{"Name": "FunctionName", "Value": FUNCTION}],
                                Statistic="Sum", Period=10, EvaluationPeriods=1, Threshold=1,
                                ComparisonOperator="GreaterThanOrEqualToThreshold",
                                TreatMissingData="notBreaching")
            config = os.path.join(work, "gate.yaml")
            with open(config, "w") as f:
                f.write(CONFIG % {"endpoint": sandbox.url, "bucket": BUCKET,
                                  "function": FUNCTION, "alarm": ALARM})
            data = os.path.join(work, "server-data")
            env = b.aws_env()
            ferrylib.run([ferry, "apply", "-f", config, "--data", data], env=env)
            server = ferrylib.FerryServer(ferry, work, sandbox.url, data=data, apply=False)
            with server:
                def deploy(key):
                    e = server.api("POST", "/api/v1/deployments", {
                        "application": "gate", "service": "api", "environment": "prod",
                        "artifact": {"s3Bucket": BUCKET, "s3Key": key}})
                    return wait_execution(server, e["id"])
                first = deploy("api/good.zip")
                if first["status"] != "succeeded":
                    raise RuntimeError("the first deployment ended %s: %s"
                                       % (first["status"], first.get("error")))
                lam = b.boto3_client("lambda", sandbox.url)
                admin(sandbox.url, "POST", "/_ferry/traffic",
                      {"function": FUNCTION, "qualifier": "prod", "ratePerSecond": 20})
                for i in range(runs):
                    deadline = time.monotonic() + 120
                    while alarm_state(cw) != "OK" and time.monotonic() < deadline:
                        time.sleep(0.5)
                    e = deploy("api/broken.zip")
                    run = {"execution": e["id"], "status": e["status"]}
                    shift = next((s for s in e["steps"] if s["kind"] == "lambda.shift"), None)
                    rollback = next((s for s in e["steps"] if s["kind"] == "lambda.rollback"),
                                    None)
                    out = (shift or {}).get("outputs") or {}
                    fired = out.get("alarmFired") or {}
                    alarm = parse_time(fired.get("updated"))
                    seen = parse_time(out.get("alarmSeenAt"))
                    restored = parse_time((rollback or {}).get("endedAt"))
                    alias = lam.get_alias(FunctionName=FUNCTION, Name="prod")
                    weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights")
                    run["alias_after"] = alias["FunctionVersion"] + (
                        " " + json.dumps(weights) if weights else "")
                    if e["status"] != "rolled_back" or not (alarm and seen and restored):
                        problems.append("run %d: ended %s (%s)" % (i + 1, e["status"],
                                                                    e.get("error")))
                    else:
                        run.update(poll_wait_s=seen - alarm, ferry_own_s=restored - seen,
                                   total_s=restored - alarm)
                    if run["alias_after"] != "1":
                        problems.append("run %d: the alias serves %s after the rollback"
                                        % (i + 1, run["alias_after"]))
                    doc["runs"].append(run)
                    b.log("gate run %d: %s" % (i + 1, json.dumps(run)))
                admin(sandbox.url, "DELETE", "/_ferry/traffic")
    except Exception as ex:  # noqa: BLE001 — recorded, reported in RESULTS.md
        problems.append("%s: %s" % (type(ex).__name__, ex))
    done = [r for r in doc["runs"] if "ferry_own_s" in r]
    if done:
        doc["median_ferry_own_s"] = b.median([r["ferry_own_s"] for r in done])
        doc["max_ferry_own_s"] = max(r["ferry_own_s"] for r in done)
        doc["median_poll_wait_s"] = b.median([r["poll_wait_s"] for r in done])
        doc["median_total_s"] = b.median([r["total_s"] for r in done])
    doc["problems"] = problems
    b.write_result(args.out, doc)
    b.cleanup(work, args.keep)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
