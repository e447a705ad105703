#!/usr/bin/python3
"""Where one Ferry execution's time went, event by event: the store's own timestamps (execution,
steps, tasks, log lines; millisecond resolution) merged with the trace proxy's exchanges
(microseconds), each line with the time since the previous event.

    bench/deploy.py --tools ferry --runs 3 --keep ...      # keeps /tmp/ferry-bench-deploy-XXXX
    bench/lib/engine_timeline.py /tmp/ferry-bench-deploy-XXXX [--execution ID]

The summary (breakdown(), also recorded by bench/deploy.py as own_time_breakdown) splits the
gaps between consecutive events, each from the end of one to the start of the next: after a
GetFunction that saw InProgress it is waiting; a gap longer than --limiter-ms that ends at a Lambda
control-plane request (the 15 requests/s class of the client-side rate limiter,
src/aws/rate_limiter.h) is the rate limiter; every other gap is a hop (engine round, task claim,
store transaction, HTTP client). Attribution from the outside, so a guide, not a measurement of
the limiter itself.
"""
import argparse
import glob
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import timeline  # noqa: E402


def events(db_path, exchanges, execution=None):
    """(execution id, created ms, ended ms, [(start ms, end ms, kind, text)] sorted by start)."""
    db = sqlite3.connect(db_path)
    query = "SELECT id, created_at_ms, started_at_ms, ended_at_ms FROM executions "
    row = (db.execute(query + "WHERE id = ?", (execution,)).fetchone() if execution else
           db.execute(query + "ORDER BY created_at_ms DESC LIMIT 1").fetchone())
    if row is None:
        raise SystemExit("no execution in %s" % work)
    eid, created, started, ended = row
    out = [(created, "store", "execution created"), (started, "store", "execution started"),
           (ended, "store", "execution ended")]
    ends = {}
    for i, name, s, e in db.execute("SELECT step_index, name, started_at_ms, ended_at_ms FROM steps "
                                    "WHERE execution_id = ?", (eid,)):
        out += [(s, "store", "step %d %s started" % (i, name)), (e, "store", "step %d ended" % i)]
    for kind, c, hb, e in db.execute("SELECT kind, created_at_ms, heartbeat_at_ms, ended_at_ms "
                                     "FROM tasks WHERE execution_id = ?", (eid,)):
        out += [(c, "store", "task %s queued" % kind), (hb, "store", "task %s claimed" % kind),
                (e, "store", "task %s ended" % kind)]
    for at, step, source, text in db.execute("SELECT at_ms, step_index, source, text FROM log_lines "
                                             "WHERE execution_id = ?", (eid,)):
        out.append((at, "log", "log[%s] %s: %s" % (step, source[:24], text[:80])))
    for x in exchanges:
        if created / 1000 - 0.01 <= x["t0"] <= ended / 1000 + 0.01:
            op, _fn, _mut, bucket = timeline.classify(x["method"], x["target"])
            text = "AWS %s -> %s %s (%.1f ms)" % (op, x["status"], x.get("update") or "",
                                                 (x["t1"] - x["t0"]) * 1000)
            out.append((x["t0"] * 1000, "aws:" + (bucket or ""), text))
            ends[text, x["t0"] * 1000] = x["t1"] * 1000
    out = [(t, ends.get((text, t), t), kind, text) for t, kind, text in out if t is not None]
    out.sort(key=lambda e: e[0])
    return eid, created, ended, out


def breakdown(db_path, exchanges, execution=None, limiter_ms=10.0, echo=None):
    """Splits the gaps between consecutive events (from the end of one to the start of the
    next): after a GetFunction that saw InProgress → waiting; ending at a control-plane request
    and longer than limiter_ms → rate limiter; the rest → hops (store transactions, engine
    rounds, task claims, HTTP client). Milliseconds; calls' own durations are in none of them."""
    eid, created, ended, evs = events(db_path, exchanges, execution)
    prev = created
    out = {"execution": eid, "window_ms": ended - created, "waiting_ms": 0.0,
           "rate_limiter_ms": 0.0, "hops_ms": 0.0, "limited_calls": 0}
    in_progress = False
    for start, end, kind, text in evs:
        gap = max(0.0, start - prev)
        if in_progress:
            out["waiting_ms"] += gap
        elif kind.startswith("aws:control plane") and gap > limiter_ms:
            out["rate_limiter_ms"] += gap
            out["limited_calls"] += 1
        else:
            out["hops_ms"] += gap
        if kind.startswith("aws:"):
            in_progress = "InProgress" in text and "GetFunction" in text
        if echo:
            echo("%8.1f  +%7.1f  %s" % (start - created, gap, text))
        prev = max(prev, end)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("work", nargs="?", help="a directory kept by bench/deploy.py --keep")
    p.add_argument("--execution")
    p.add_argument("--limiter-ms", type=float, default=10.0)
    args = p.parse_args()
    work = args.work or sorted(glob.glob("/tmp/ferry-bench-deploy-*"), key=os.path.getmtime)[-1]
    exchanges = timeline.load(os.path.join(work, "proxy.jsonl"))
    r = breakdown(os.path.join(work, "server-data", "ferry.db"), exchanges, args.execution,
                  args.limiter_ms, echo=print)
    print("execution %(execution)s: window %(window_ms).0f ms; waiting after InProgress "
          "%(waiting_ms).1f ms; before %(limited_calls)d control-plane calls (rate limiter) "
          "%(rate_limiter_ms).1f ms; other gaps %(hops_ms).1f ms; the rest is inside calls" % r)


if __name__ == "__main__":
    main()
