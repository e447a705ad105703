"""What the trace proxy saw: AWS operations, throttling, and the split of a deployment's wall
time into time inside AWS calls, time waiting for Lambda, and the client's own time.

Definitions (used by every benchmark and stated in RESULTS.md):
- in AWS calls: the union of [first request byte, last response byte] of every exchange inside
  the window, so concurrent calls are counted once;
- waiting: after a GetFunction/GetFunctionConfiguration answer showing LastUpdateStatus
  InProgress or State Pending, the time until the same function's next request starts (the
  waiter's sleep, dictated by the sandbox's --update-delay and the waiter's poll interval),
  minus any part already counted as in AWS calls;
- own time (engine overhead for Ferry): window - in AWS calls - waiting.
"""
import datetime
import json
import re
from urllib.parse import unquote, urlsplit

_LAMBDA = re.compile(r"^/(2015-03-31|2017-03-31|2016-08-19|2018-10-31|2021-10-31)/")


def load(path):
    out = []
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    out.append(json.loads(line))
    except FileNotFoundError:
        pass
    out.sort(key=lambda e: e["t0"])
    return out


def parse_time(text):
    """RFC 3339 (as Ferry's API prints it) to epoch seconds."""
    if text is None:
        return None
    t = text.replace("Z", "+00:00")
    return datetime.datetime.fromisoformat(t).timestamp()


def classify(method, target):
    """(operation, function name or None, mutating, quota bucket or None)."""
    path = urlsplit(target).path
    if not _LAMBDA.match(path):
        return ("S3:" + method, None, False, None)
    parts = [unquote(p) for p in path.split("/")[2:]]
    op = "Lambda:%s %s" % (method, "/".join(parts[:1]))
    fn = parts[1] if len(parts) > 1 and parts[0] == "functions" else None
    rest = parts[2:] if fn else []
    if parts[0] == "functions":
        if fn is None:
            op = {"POST": "CreateFunction", "GET": "ListFunctions"}.get(method, op)
        elif not rest:
            op = {"GET": "GetFunction", "DELETE": "DeleteFunction"}.get(method, op)
        elif rest[0] == "code":
            op = "UpdateFunctionCode"
        elif rest[0] == "configuration":
            op = {"GET": "GetFunctionConfiguration",
                  "PUT": "UpdateFunctionConfiguration"}.get(method, op)
        elif rest[0] == "versions":
            op = {"GET": "ListVersionsByFunction", "POST": "PublishVersion"}.get(method, op)
        elif rest[0] == "aliases":
            if len(rest) == 1:
                op = {"GET": "ListAliases", "POST": "CreateAlias"}.get(method, op)
            else:
                op = {"GET": "GetAlias", "PUT": "UpdateAlias", "DELETE": "DeleteAlias"}.get(
                    method, op)
        elif rest[0] == "invocations":
            op = "Invoke"
    elif parts[0] == "tags":
        op = {"GET": "ListTags", "POST": "TagResource", "DELETE": "UntagResource"}.get(method, op)
    elif parts[0] == "account-settings":
        op = "GetAccountSettings"
    mutating = method in ("POST", "PUT", "DELETE", "PATCH") and op != "Invoke"
    if op == "Invoke":
        bucket = None
    elif op == "GetFunction":
        bucket = "GetFunction (100/s)"
    else:
        bucket = "control plane (15/s)"
    return (op, fn, mutating, bucket)


def _union(intervals):
    total, cur_s, cur_e = 0.0, None, None
    for s, e in sorted(intervals):
        if cur_e is None or s > cur_e:
            if cur_e is not None:
                total += cur_e - cur_s
            cur_s, cur_e = s, e
        else:
            cur_e = max(cur_e, e)
    if cur_e is not None:
        total += cur_e - cur_s
    return total


def counts(exchanges, start=None, end=None):
    """Operation counts, mutating calls, quota-bucket calls and HTTP 429s in [start, end]."""
    ops, buckets, statuses = {}, {}, {}
    mutating = throttled = 0
    for e in exchanges:
        if (start is not None and e["t0"] < start) or (end is not None and e["t0"] > end):
            continue
        op, _fn, mut, bucket = classify(e["method"], e["target"])
        ops[op] = ops.get(op, 0) + 1
        statuses[str(e["status"])] = statuses.get(str(e["status"]), 0) + 1
        if e["status"] == 429:
            throttled += 1
        elif mut and 200 <= e["status"] < 300:
            mutating += 1
        if bucket:
            buckets[bucket] = buckets.get(bucket, 0) + 1
    return {"operations": ops, "quota_buckets": buckets, "statuses": statuses,
            "successful_mutating_calls": mutating, "throttled_429": throttled,
            "exchanges": sum(ops.values())}


def decompose(exchanges, start, end):
    """Splits [start, end] into in-AWS-call time, waiting time and the client's own time."""
    inside = [e for e in exchanges if e["t0"] >= start - 0.001 and e["t1"] <= end + 0.001]
    calls = [(max(e["t0"], start), min(e["t1"], end)) for e in inside]
    in_calls = _union(calls)
    by_fn = {}
    for e in inside:
        by_fn.setdefault(classify(e["method"], e["target"])[1], []).append(e)
    waits = []
    for fn, seq in by_fn.items():
        if fn is None:
            continue
        for prev, nxt in zip(seq, seq[1:]):
            op = classify(prev["method"], prev["target"])[0]
            if op in ("GetFunction", "GetFunctionConfiguration") and (
                    prev.get("update") == "InProgress" or prev.get("state") == "Pending"):
                if nxt["t0"] > prev["t1"]:
                    waits.append((prev["t1"], nxt["t0"]))
    waiting = _union(calls + waits) - in_calls
    wall = end - start
    return {"wall_s": wall, "in_aws_calls_s": in_calls, "waiting_s": waiting,
            "own_s": wall - in_calls - waiting, "calls": len(inside)}
