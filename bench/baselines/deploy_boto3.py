#!/usr/bin/python3
"""boto3 baseline (benchmarks 1 and 2): the safe update of one or many functions in one process.

Per function: get_function (RevisionId), update_function_code from S3 guarded by that RevisionId,
the function_updated_v2 waiter (botocore's definition: poll every 1 s), publish_version guarded
by the new CodeSha256, update_alias. Many functions run sequentially or on --threads threads
sharing one client (boto3 clients are thread-safe). Retries: botocore's --retry-mode
("standard" or "adaptive", the client-side rate limiter) with --max-attempts.

Appends one JSON line to --timing: {"tool", "start", "end" (epoch s), "in_process_s",
"functions", "failed", "errors", "client_throttles"} where client_throttles counts the 429
answers botocore saw (the trace proxy counts them independently on the wire).
"""
import argparse
import concurrent.futures
import json
import sys
import threading
import time

import boto3
from botocore.config import Config


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--endpoint", required=True)
    p.add_argument("--bucket", required=True)
    p.add_argument("--key", help="S3 key of the new code (or the first line of --key-file)")
    p.add_argument("--key-file")
    p.add_argument("--alias", default="dev")
    p.add_argument("--function", action="append", default=[])
    p.add_argument("--functions-file", help="one function name per line")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--retry-mode", default="standard", choices=["standard", "adaptive", "legacy"])
    p.add_argument("--max-attempts", type=int, default=10)
    p.add_argument("--timing", help="JSON-lines file to append the run's summary to")
    p.add_argument("--label", default="boto3")
    args = p.parse_args()
    start = time.time()
    t0 = time.perf_counter()
    key = args.key
    if args.key_file:
        with open(args.key_file) as f:
            key = f.readline().strip()
    functions = list(args.function)
    if args.functions_file:
        with open(args.functions_file) as f:
            functions += [line.strip() for line in f if line.strip()]
    if not key or not functions:
        p.error("need --key/--key-file and at least one function")

    cfg = Config(retries={"mode": args.retry_mode, "max_attempts": args.max_attempts},
                 max_pool_connections=max(10, args.threads))
    lam = boto3.session.Session().client("lambda", endpoint_url=args.endpoint, config=cfg)
    throttles = [0]
    lock = threading.Lock()

    def count_throttles(response=None, **_):
        if response and response[0] is not None and response[0].status_code == 429:
            with lock:
                throttles[0] += 1

    lam.meta.events.register("needs-retry.lambda", count_throttles)

    def deploy(fn):
        got = lam.get_function(FunctionName=fn)
        updated = lam.update_function_code(FunctionName=fn, S3Bucket=args.bucket, S3Key=key,
                                           RevisionId=got["Configuration"]["RevisionId"])
        lam.get_waiter("function_updated_v2").wait(FunctionName=fn)
        version = lam.publish_version(FunctionName=fn, CodeSha256=updated["CodeSha256"])
        lam.update_alias(FunctionName=fn, Name=args.alias, FunctionVersion=version["Version"])
        return version["Version"]

    errors = {}
    failed = 0
    if args.threads <= 1:
        results = []
        for fn in functions:
            try:
                results.append(deploy(fn))
            except Exception as e:  # noqa: BLE001 — a failed function is a result here
                failed += 1
                errors[type(e).__name__ + ": " + str(e)[:200]] = fn
    else:
        with concurrent.futures.ThreadPoolExecutor(args.threads) as pool:
            futures = {pool.submit(deploy, fn): fn for fn in functions}
            for fut in concurrent.futures.as_completed(futures):
                try:
                    fut.result()
                except Exception as e:  # noqa: BLE001
                    failed += 1
                    errors[type(e).__name__ + ": " + str(e)[:200]] = futures[fut]
    in_process = time.perf_counter() - t0
    summary = {"tool": args.label, "start": start, "end": time.time(), "in_process_s": in_process,
               "functions": len(functions), "failed": failed,
               "errors": dict(list(errors.items())[:10]), "client_throttles": throttles[0],
               "threads": args.threads, "retry_mode": args.retry_mode,
               "max_attempts": args.max_attempts}
    if args.timing:
        with open(args.timing, "a") as f:
            f.write(json.dumps(summary) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
