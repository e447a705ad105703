#!/usr/bin/python3
"""Benchmark 9 — new-artifact trigger: from an object's upload to its execution's start.

A `ferry sandbox` (S3, Lambda) and a `ferry server` with a newArtifact trigger (pollInterval 10s,
the minimum) on a service whose source is s3://bench-triggers/api/ with filter api-(.+)\\.zip,
targeting a basic workflow. After the trigger's first poll (its baseline), each run uploads a new
zip with boto3 and waits for the execution the trigger starts. Per run, from the execution's
record (`cause.polledAt`: when the poll that listed the object started; `createdAt`):

  poll wait   upload → the poll that found it (bounded by the 10 s interval and the 1 s tick)
  Ferry       that poll → the execution created (the listing, reading the object for its
              CodeSha256, recording the artifact, claiming the fire, DeployService)

Goal: Ferry's time beyond the poll interval ≤ 1 s (worst run). Each run waits for its execution
to end before the next upload.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import benchlib as b  # noqa: E402
import ferrylib  # noqa: E402
import timeline  # noqa: E402

BUCKET = "bench-triggers"

CONFIG = """kind: CloudProvider
name: sandbox
credentials:
  mode: delegate
region: us-east-1
endpoint: %(endpoint)s
localSandbox: true
---
kind: Application
name: trig
---
kind: Environment
application: trig
name: dev
type: non-production
infrastructure:
  - name: local
    cloudProvider: sandbox
    region: us-east-1
    executionRole: arn:aws:iam::000000000000:role/bench
---
kind: Service
application: trig
name: api
artifact:
  cloudProvider: sandbox
  s3:
    bucket: %(bucket)s
    prefix: api/
    filter: api-(.+)\\.zip
defaults:
  runtime: python3.12
  handler: handler.handler
  memory: 128
  timeout: 10
functions:
  - name: fn
    functionName: bench-trigger-fn
---
kind: Workflow
application: trig
name: basic
strategy: basic
environment: dev
service: api
steps:
  - name: deploy
    type: deploy
---
kind: Trigger
application: trig
name: builds
newArtifact:
  service: api
  pollInterval: 10s
workflow: basic
"""


def wait_for(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    return None


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
    work = b.workdir("triggers")
    doc = {"benchmark": "triggers", "smoke": args.smoke, "machine": b.machine(), "runs": [],
           "poll_interval_s": 10, "goals": {"ferry_s": 1.0}}
    problems = []
    try:
        with b.start_sandbox(ferry, work, update_delay="100ms") as sandbox:
            doc["sandbox_command"] = " ".join(sandbox.argv)
            s3 = b.boto3_client("s3", sandbox.url)
            s3.create_bucket(Bucket=BUCKET)
            config = os.path.join(work, "triggers.yaml")
            with open(config, "w") as f:
                f.write(CONFIG % {"endpoint": sandbox.url, "bucket": BUCKET})
            data = os.path.join(work, "server-data")
            ferrylib.run([ferry, "apply", "-f", config, "--data", data], env=b.aws_env())
            server = ferrylib.FerryServer(ferry, work, sandbox.url, data=data, apply=False)
            with server:
                def trigger():
                    items = server.api("GET", "/api/v1/triggers?application=trig")["items"]
                    return next((t for t in items if t["name"] == "builds"), None)
                if not wait_for(lambda: (trigger() or {}).get("lastPollAt"), 30):
                    raise RuntimeError("the trigger did not poll within 30 s")
                for i in range(runs):
                    key = "api/api-%05d.zip" % (i + 1)
                    uploaded = time.time()
                    s3.put_object(Bucket=BUCKET, Key=key, Body=b.handler_zip("run-%d" % i))

                    def started():
                        items = server.api("GET", "/api/v1/executions?application=trig&limit=20")
                        for e in items["items"]:
                            if e.get("actor") == "trigger:trig/builds":
                                full = server.execution(e["id"])
                                if (full.get("cause") or {}).get("s3Key") == key:
                                    return full
                        return None
                    e = wait_for(started, 60)
                    if not e:
                        problems.append("run %d: no execution within 60 s of the upload" % (i + 1))
                        continue
                    polled = timeline.parse_time(e["cause"]["polledAt"])
                    created = timeline.parse_time(e["createdAt"])
                    run = {"execution": e["id"], "key": key,
                           "poll_wait_s": polled - uploaded, "ferry_s": created - polled,
                           "total_s": created - uploaded}
                    end = wait_for(lambda: server.execution(e["id"])["status"] in (
                        "succeeded", "failed", "aborted", "rolled_back", "rollback_failed")
                        and server.execution(e["id"]), 120)
                    run["status"] = end["status"] if end else "running"
                    if run["status"] != "succeeded":
                        problems.append("run %d: the execution ended %s" % (i + 1, run["status"]))
                    doc["runs"].append(run)
                    b.log("triggers run %d: %s" % (i + 1, run))
                count = sum(1 for e in server.api(
                    "GET", "/api/v1/executions?application=trig&limit=100")["items"]
                    if e.get("actor") == "trigger:trig/builds")
                doc["executions_started"] = count
                if count != len(doc["runs"]):
                    problems.append("%d executions for %d uploads" % (count, len(doc["runs"])))
    except Exception as ex:  # noqa: BLE001 — recorded, reported in RESULTS.md
        problems.append("%s: %s" % (type(ex).__name__, ex))
    done = doc["runs"]
    if done:
        doc["max_ferry_s"] = max(r["ferry_s"] for r in done)
        doc["median_ferry_s"] = b.median([r["ferry_s"] for r in done])
        doc["median_poll_wait_s"] = b.median([r["poll_wait_s"] for r in done])
        doc["median_total_s"] = b.median([r["total_s"] for r in done])
    doc["problems"] = problems
    b.write_result(args.out, doc)
    b.cleanup(work, args.keep)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
