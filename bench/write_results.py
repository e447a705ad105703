#!/usr/bin/python3
"""Writes bench/RESULTS.md from the JSON documents one `bench/run-all` run produced.

Every number in RESULTS.md is read from those documents; nothing is typed in by hand. A part
that did not run is listed with the reason its script recorded.
"""
import argparse
import json
import os
import subprocess
import sys
import time


def load(results, name):
    path = os.path.join(results, name + ".json")
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def ms(seconds, digits=1):
    return "—" if seconds is None else "%.*f ms" % (digits, seconds * 1000)


def sec(seconds, digits=2):
    return "—" if seconds is None else "%.*f s" % (digits, seconds)


def num(x, fmt="%.0f"):
    return "—" if x is None else fmt % x


def ratio(x):
    return "—" if x is None else "%.2f×" % x


def verdict(ok):
    return "—" if ok is None else ("**met**" if ok else "**missed**")


class Report:
    def __init__(self):
        self.lines = []
        self.goals = []  # (goal, target, measured, ok)

    def add(self, *lines):
        self.lines += lines

    def goal(self, name, target, measured, ok):
        self.goals.append((name, target, measured, ok))


def section_deploy(r, d):
    r.add("", "## 1. Single deploy (code changed, sandbox --update-delay 1s)", "")
    if not d:
        r.add("No result: `bench/deploy.py` did not write one.")
        r.goal("Engine overhead per function", "≤ 5 ms", "not measured", None)
        return
    r.add("Each tool updates the same function `bench-single` (python3.12) from a new S3 object "
          "(uploaded by hyperfine's `--prepare`, not timed): get → update code (RevisionId "
          "guard) → wait until updated → publish (CodeSha256 guard) → move alias `dev`. "
          "Timed runs after %d warm-up run(s) each: see the runs column; all AWS traffic of "
          "all tools goes through the trace proxy." % d.get("warmup", 0), "")
    r.add("| tool | runs | median wall | mean ± sd | client CPU (user+sys) | in AWS calls "
          "| waiting | own time | ratio to Ferry |", "|---|---|---|---|---|---|---|---|---|")
    tools = d.get("tools", {})
    for name in ("ferry", "boto3", "awscli"):
        t = tools.get(name)
        if t is None:
            continue
        if "unavailable" in t:
            r.add("| %s | | not measured: %s | | | | | | |" % (name, t["unavailable"]))
            continue
        if t.get("failed"):
            r.add("| %s | | **failed**: `%s` | | | | | | |" % (
                name, t["failed"][-300:].replace("\n", " ").replace("|", "/")))
            continue
        s = t.get("split") or {}
        cpu = None
        if t.get("user_s") is not None:
            cpu = t["user_s"] + t.get("system_s", 0) + t.get("server_cpu_per_run_s", 0)
        r.add("| %s | %s | %s | %s ± %s | %s | %s | %s | %s | %s |" % (
            name, t.get("runs"), sec(t.get("median_s")), sec(t.get("mean_s")), sec(t.get("stddev_s")),
            sec(cpu), sec(s.get("in_aws_calls_s"), 3), sec(s.get("waiting_s"), 3),
            sec(s.get("own_s"), 3), "1.00×" if name == "ferry" else ratio(
                t.get("ratio_to_ferry"))))
    r.add("", "Commands (hyperfine):", "")
    for name in ("ferry", "boto3", "awscli"):
        t = tools.get(name) or {}
        if t.get("command"):
            r.add("- %s: `%s`" % (name, t["command"]))
    f = tools.get("ferry") or {}
    if f.get("engine_overhead_s") is not None:
        s = f["split"]
        r.add("", "Ferry's engine overhead: the execution's window (createdAt→endedAt from "
              "`GET /api/v1/executions/ID`, median %s) minus the time inside AWS calls (%s) "
              "and waiting for the update (%s) = **%s per deployment of one function**. The "
              "rest of `ferry deploy --wait`'s wall time (%s) is the CLI: process start, the "
              "POST, and following the execution until it ends. Calls of the last run: %s." % (
                  sec(s.get("wall_s"), 3), sec(s.get("in_aws_calls_s"), 3),
                  sec(s.get("waiting_s"), 3), ms(f["engine_overhead_s"]),
                  sec((f.get("median_s") or 0) - (f.get("execution_duration_s") or 0), 3),
                  ", ".join("%s %d" % kv for kv in sorted(
                      (s.get("operations_last_run") or {}).items()))))
        br = f.get("own_time_breakdown")
        if br:
            intro = ("Where that time went (bench/lib/engine_timeline.py: the store's step, task "
                     "and log timestamps merged with the proxy's exchanges; medians over %d runs): "
                     % br.get("runs", 0))
            if br.get("limited_calls", 0):
                limiter = ("%.1f ms in gaps longer than 10 ms before %d Lambda control-plane "
                           "calls — the client-side rate limiter (src/aws/rate_limiter.h) spacing "
                           "this deployment's calls — and " % (
                               br.get("rate_limiter_ms", 0), br.get("limited_calls", 0)))
            else:
                limiter = ("no gap longer than 10 ms before a Lambda control-plane call (the "
                           "client-side rate limiter, src/aws/rate_limiter.h, delayed nothing); ")
            r.add("", intro + limiter + "%.1f ms in every other gap (engine rounds, task claims, "
                  "store transactions, the HTTP client)." % br.get("hops_ms", 0))
        r.goal("Engine overhead per function (single deploy)", "≤ 5 ms",
               ms(f["engine_overhead_s"]), f["engine_overhead_s"] <= 0.005)
    else:
        r.goal("Engine overhead per function (single deploy)", "≤ 5 ms",
               "not measured: %s" % (f.get("unavailable") or "Ferry's run failed"), None)
    for name in ("boto3", "awscli"):
        s = (tools.get(name) or {}).get("split") or {}
        if s.get("operations_last_run"):
            r.add("", "%s calls of the last run: %s." % (name, ", ".join(
                "%s %d" % kv for kv in sorted(s["operations_last_run"].items()))))
    for p in d.get("problems") or []:
        r.add("", "Problem: %s" % p)


FLEET_RATIO_GOAL = 1.05
ENGINE_CPU_GOAL_S = 0.002


def server_cpu_text(t, n):
    """The server's CPU during the run and where it went, from its named threads."""
    cpu = t.get("server_cpu_per_function_s")
    if cpu is None:
        return "—"
    text = "%s total, %s per function" % (sec(t.get("server_cpu_s"), 2), ms(cpu, 2))
    split = t.get("server_cpu_split_s")
    if split and n:
        text += ": engine %s, API %s, embedded delegate (the AWS calls) and the rest %s" % (
            ms(split["engine_s"] / n, 2), ms(split["api_s"] / n, 2),
            ms(split["delegate_and_other_s"] / n, 2))
    return text


def section_fleet(r, d, title="## 2. Fleet", size=300):
    r.add("", "%s (one deployment of many functions, sandbox --quota, --update-delay 1s)" % title,
          "")
    goal = "Fleet of %d: Ferry wall / quota-bound minimum, failed functions" % size
    if not d:
        r.add("No result: `bench/fleet.py` did not write one.")
        r.goal(goal, "≤ %.2f×, 0" % FLEET_RATIO_GOAL, "not measured", None)
        return
    n, minimum = d.get("functions"), d.get("quota_bound_minimum_s")
    r.add("%s functions; quota-bound minimum = %d functions × %d mutating calls / %g per s = "
          "**%s**. Throttling responses (HTTP 429) are counted on the wire by the trace proxy "
          "(the sandbox exposes no counter of them). A function is failed when, after the run, "
          "its alias `dev` does not serve the code the run deployed." % (
              n, n or 0, d.get("mutations_per_function", 3), d.get("quota_per_s", 15),
              sec(minimum, 1)), "")
    r.add("| tool | wall | wall / minimum | failed functions | 429s | successful mutating "
          "calls | 15/s-bucket calls (their own bound) | server CPU |",
          "|---|---|---|---|---|---|---|---|")
    tools = d.get("tools", {})
    for name in ("ferry", "boto3-16-threads-adaptive", "boto3-sequential"):
        t = tools.get(name)
        if t is None:
            continue
        if "unavailable" in t:
            r.add("| %s | not measured: %s | | | | | | |" % (name, t["unavailable"]))
            continue
        if t.get("execution") and t["execution"].get("status") != "succeeded":
            r.add("| %s | **the deployment %s** after %s: `%s` | | %s | %s | | | |" % (
                name, t["execution"].get("status"), sec(t.get("wall_s"), 1),
                (t["execution"].get("error") or "")[:200], t.get("failed"),
                t.get("throttled_429")))
            continue
        w = t.get("wire") or {}
        cp = (w.get("quota_buckets") or {}).get("control plane (15/s)")
        r.add("| %s | %s | %s | %s | %s | %s | %s (%s) | %s |" % (
            name, sec(t.get("wall_s"), 1), ratio(t.get("ratio_to_minimum")), t.get("failed"),
            t.get("throttled_429"), w.get("successful_mutating_calls"), num(cp),
            sec(t.get("own_quota_bound_s"), 1), server_cpu_text(t, n)))
    r.add("", "Commands:", "")
    for name, t in tools.items():
        if t.get("command"):
            r.add("- %s: `%s`" % (name, t["command"]))
    r.add("", "Where the time went (union over all functions, so concurrent calls count once): "
          + "; ".join("%s: %s in AWS calls, %s only waiting for updates, %s neither" % (
              name, sec(t["split"]["in_aws_calls_s"], 1), sec(t["split"]["waiting_s"], 1),
              sec(t["split"]["own_s"], 1)) for name, t in tools.items() if t.get("split")) + ".")
    for name, t in tools.items():
        ops = (t.get("wire") or {}).get("operations")
        if ops:
            r.add("", "%s calls on the wire: %s." % (name, ", ".join(
                "%s %d" % kv for kv in sorted(ops.items()))))
        if t.get("errors"):
            r.add("", "%s errors (tool-reported): `%s`" % (name, json.dumps(t["errors"])[:600]))
        if t.get("execution"):
            e = t["execution"]
            r.add("", "Ferry execution %s: status %s, %s; steps: %s." % (
                e.get("id"), e.get("status"), "error: %s" % e["error"] if e.get("error") else
                "no error", ", ".join("%s %s %s ms" % (s.get("name"), s.get("status"),
                                                       s.get("durationMs"))
                                      for s in e.get("steps") or [])))
    f = tools.get("ferry") or {}
    status = (f.get("execution") or {}).get("status")
    target = "≤ %.2f×, 0" % FLEET_RATIO_GOAL
    if "ratio_to_minimum" in f and status == "succeeded":
        ok = f["ratio_to_minimum"] <= FLEET_RATIO_GOAL and f.get("failed") == 0
        r.goal(goal, target, "%s, %s failed" % (ratio(f["ratio_to_minimum"]), f.get("failed")),
               ok)
        if f.get("engine_cpu_per_function_s") is not None:
            r.goal("Engine CPU per function (fleet of %d; the engine's thread, from "
                   "/proc/PID/task)" % size, "≤ 2 ms",
                   "%s (the whole server process: %s, most of it the embedded delegate's AWS "
                   "calls)" % (ms(f["engine_cpu_per_function_s"], 2),
                               ms(f["server_cpu_per_function_s"], 2)),
                   f["engine_cpu_per_function_s"] <= ENGINE_CPU_GOAL_S)
        elif f.get("server_cpu_per_function_s") is not None:
            r.goal("Engine CPU per function (fleet of %d; the whole server process: no "
                   "per-thread split recorded)" % size, "≤ 2 ms",
                   ms(f["server_cpu_per_function_s"], 2),
                   f["server_cpu_per_function_s"] <= ENGINE_CPU_GOAL_S)
    elif "ratio_to_minimum" in f:
        r.goal(goal, target, "the deployment %s after %s: %s; %s of %d functions not "
               "updated" % (status or "did not finish", sec(f.get("wall_s"), 1),
                            (f.get("execution") or {}).get("error") or "see fleet.json",
                            f.get("failed"), n or 0), False)
    else:
        r.goal(goal, target, "not measured: %s" % (
            f.get("unavailable") or "Ferry's run failed"), None)
    for p in d.get("problems") or []:
        r.add("", "Problem: %s" % p)


def section_footprint(r, d):
    r.add("", "## 3. Footprint", "")
    if not d:
        r.add("No result: `bench/footprint.py` did not write one.")
        r.goal("Server idle RSS", "< 30 MB", "not measured", None)
        return
    bi = d.get("binary") or {}
    r.add("| what | value |", "|---|---|")
    if bi:
        r.add("| `ferry` binary (%s) | %.1f MiB (stripped %.1f MiB) |" % (
            os.path.relpath(bi["path"], REPO) if bi["path"].startswith(REPO) else bi["path"],
            bi["bytes"] / 2 ** 20, bi["stripped_bytes"] / 2 ** 20))
    s = d.get("server") or {}
    if "unavailable" in s:
        r.add("| `ferry server` | not measured: %s |" % s["unavailable"])
        r.goal("Server idle RSS", "< 30 MB", "not measured: %s" % s["unavailable"], None)
    elif s:
        r.add("| start → healthy (/healthz 200), median of %d | %s |" % (
            len(s.get("start_to_healthy_all_s") or []), ms(s.get("start_to_healthy_s"))))
        r.add("| server RSS idle (%.0f s after healthy) | %.1f MiB |" % (
            s.get("idle_wait_s", 0), s["idle_rss_mib"]))
        h = s.get("holding") or {}
        if "unavailable" in h:
            r.add("| server holding executions | not measured: %s |" % h["unavailable"])
        elif h:
            r.add("| server RSS holding %d executions, after start | %.1f MiB |" % (
                h["executions"], h["rss_after_start_mib"]))
            r.add("| … after listing all %d through the API and reading 1,000 | %.1f MiB |" % (
                h["listed"], h["rss_after_reading_mib"]))
            r.add("| start → healthy with %d executions | %s |" % (
                h["executions"], ms(h.get("start_to_healthy_s"))))
            r.add("| seeding %d executions (store API, bench/tools) | %s |" % (
                h["executions"], sec(h.get("seed_s"), 1)))
        r.goal("Server idle RSS", "< 30 MB", "%.1f MiB" % s["idle_rss_mib"],
               s["idle_rss_mib"] * 1.048576 < 30)
    r.add("| `ferry delegate` RSS | section 8 (bench/delegates.py) |")
    for p in d.get("problems") or []:
        r.add("", "Problem: %s" % p)


def section_api(r, docs):
    r.add("", "## 4. API", "")
    rows = [("SQLite", docs.get("api")), ("PostgreSQL", docs.get("api-postgres"))]
    if not any(d and d.get("api") for _, d in rows):
        r.add("No result: `bench/api.py` did not write one.")
        r.goal("API: authenticated executions list", ">= 20,000 req/s, p99 < 5 ms",
               "not measured", None)
        return
    r.add("wrk against `GET /api/v1/executions` (the default page of 50, 10,000 executions in the "
          "store, authenticated with a bearer token), on each store (PostgreSQL: a local "
          "PostgreSQL 15 the benchmark starts, bench/lib/pglib.py):", "")
    r.add("| store | requests/s | p50 | p99 | non-2xx | server RSS after | load average at start "
          "| command |", "|---|---|---|---|---|---|---|---|")
    for store, d in rows:
        a = (d or {}).get("api")
        if not a:
            r.add("| %s | not measured: bench/api.py%s wrote no result | | | | | | |" % (
                store, " --store postgres" if store == "PostgreSQL" else ""))
            r.goal("API (%s): authenticated executions list" % store,
                   ">= 20,000 req/s, p99 < 5 ms", "not measured", None)
            continue
        if "unavailable" in a:
            r.add("| %s | not measured: %s | | | | | | |" % (store, a["unavailable"]))
            r.goal("API (%s): authenticated executions list" % store,
                   ">= 20,000 req/s, p99 < 5 ms", "not measured", None)
            continue
        load = d["machine"].get("loadavg_at_start")
        r.add("| %s | %s | %s | %s | %d | %.1f MiB | %s | `%s` |" % (
            store, num(a["requests_per_s"]), ms(a["median_s"], 2), ms(a["p99_s"], 2),
            a["non_2xx"], a["server_rss_after_mib"], load, a["command"]))
        r.goal("API (%s): authenticated executions list" % store, ">= 20,000 req/s, p99 < 5 ms",
               "%s req/s, p99 %s (load average at start %s)" % (
                   num(a["requests_per_s"]), ms(a["p99_s"], 2), load),
               a["requests_per_s"] >= 20000 and a["p99_s"] is not None and a["p99_s"] < 0.005)
    for _, d in rows:
        for p in (d or {}).get("problems") or []:
            r.add("", "Problem: %s" % p)


def section_delegates(r, docs):
    r.add("", "## 8. Many delegates and the delegate's footprint", "")
    rows = [("SQLite", docs.get("delegates")), ("PostgreSQL", docs.get("delegates-postgres"))]
    if not any(rows[i][1] for i in range(2)):
        r.add("No result: `bench/delegates.py` did not write one.")
        r.goal("1,000 delegates on one server", "< 64 MB RSS, no thread per connection",
               "not measured", None)
        r.goal("Idle `ferry delegate` RSS", "< 10 MB", "not measured", None)
        return
    r.add("`bench/delegates.py`: one `ferry server --no-embedded-delegate`, and N delegates "
          "simulated by the benchmark speaking `ferry delegate`'s protocol (claim with a 20 s "
          "wait; after an empty answer the agent's 50 ms idle poll), one keep-alive connection "
          "each, with no work queued; meanwhile the authenticated executions list is read every "
          "200 ms. Then a real `ferry delegate`, idle, against the same server.", "")
    r.add("| store | delegates | server RSS (max) | server threads (max) | server CPU | claims "
          "answered/s | of them empty (204) within 1 s, not held | delegates answered | API p50 / "
          "p99 meanwhile | "
          "load average at start |", "|---|---|---|---|---|---|---|---|---|---|")
    empty = lambda ld: ld.get("claims_empty_at_once", ld["claims_empty"])  # noqa: E731
    for store, d in rows:
        ld = (d or {}).get("load")
        if not ld:
            r.add("| %s | not measured%s | | | | | | | | |" % (
                store, ": " + "; ".join(d.get("problems") or []) if d else ""))
            continue
        answered = ld["claims_answered_per_s"] * ld["seconds"]
        r.add("| %s | %d | %.1f MiB | %d | %.0f%% of a core | %s | %.0f%% | %d of %d | %s / %s "
              "(%d of %d probes answered) | %s |" % (
                  store, ld["delegates"], ld["server_rss_max_mib"], ld["server_threads_max"],
                  100 * ld["server_cpu_share"], num(ld["claims_answered_per_s"]),
                  100.0 * empty(ld) / answered if answered else 0,
                  ld["delegates_answered"], ld["delegates"], ms(ld["api_p50_s"]),
                  ms(ld["api_p99_s"]), ld["api_ok"], ld["api_probes"],
                  d["machine"].get("loadavg_at_start")))
        # Held without a thread each, and still serving: the claims must be held (mostly not
        # answered empty at once) and the API must answer within a second.
        held = answered and empty(ld) / answered < 0.5
        r.goal("%d delegates on one server (%s)" % (ld["delegates"], store),
               "< 64 MB RSS, no thread per connection, claims held, API answering",
               "%.1f MiB, %d threads, %.0f%% of claims answered empty within 1 s, API p99 %s" % (
                   ld["server_rss_max_mib"], ld["server_threads_max"],
                   100.0 * empty(ld) / answered if answered else 0,
                   ms(ld["api_p99_s"])),
               bool(ld["server_rss_max_mib"] * 1.048576 < 64 and held and
                    ld["api_p99_s"] is not None and ld["api_p99_s"] < 1.0))
    dg = next((d["delegate"] for _, d in rows if d and d.get("delegate")), None)
    if dg:
        r.add("", "An idle `ferry delegate` (3 s after it connected): **%.1f MiB RSS**, of which "
              "%.1f MiB anonymous (its own heap and stacks) and %.1f MiB file-backed pages of the "
              "binary and its shared libraries (shared with every other process using them); "
              "proportional set size %.1f MiB; %d threads." % (
                  dg["rss_mib"], dg["anon_mib"], dg["file_mib"], dg["pss_mib"], dg["threads"]))
        r.goal("Idle `ferry delegate` RSS", "< 10 MB", "%.1f MiB (%.1f MiB anonymous, PSS %.1f "
               "MiB)" % (dg["rss_mib"], dg["anon_mib"], dg["pss_mib"]),
               dg["rss_mib"] * 1.048576 < 10)
    for _, d in rows:
        for p in (d or {}).get("problems") or []:
            r.add("", "Problem: %s" % p)


def section_sandbox(r, d):
    r.add("", "## 5. Sandbox", "")
    if not d:
        r.add("No result: `bench/sandbox.py` did not write one.")
        r.goal("Sandbox control-plane median", "< 1 ms", "not measured", None)
        r.goal("Warm python invocations/s", "≥ 500", "not measured", None)
        return
    r.add("wrk, one keep-alive connection, pre-signed SigV4 requests (`%s`):" %
          d.get("sandbox_command", ""), "")
    r.add("| call | median | p99 | requests/s (1 connection) | non-2xx |", "|---|---|---|---|---|")
    cp = d.get("control_plane") or {}
    for op, c in cp.items():
        r.add("| %s | %s | %s | %s | %d |" % (op, ms(c["median_s"], 3), ms(c["p99_s"], 3),
                                             num(c["requests_per_s"]), c["non_2xx"]))
    bo = d.get("control_plane_boto3") or {}
    if bo:
        r.add("| GetFunction through boto3 (%d calls, for context: client included) | %s | %s "
              "| | |" % (bo["calls"], ms(bo["median_s"], 3), ms(bo["p99_s"], 3)))
    inv = d.get("invoke") or {}
    if inv:
        r.add("", "Invoke (RequestResponse, python3.12 handler, alias `live`, warm): **%s "
              "invocations/s** over %d connections (p50 %s, p99 %s, %d non-2xx of %d; first, "
              "cold invocation %s; the sandbox's own AWS/Lambda metrics counted %s invocations "
              "and %s errors for the function over the whole benchmark). Command: `%s`." % (
                  num(inv["invocations_per_s"]), inv["connections"], ms(inv["median_s"], 2),
                  ms(inv["p99_s"], 2), inv["non_2xx"], inv["requests"],
                  ms(inv["first_invoke_s"]), inv.get("metrics_invocations"),
                  inv.get("metrics_errors"), inv["command"]))
    g = cp.get("GetFunction") or {}
    lv = cp.get("ListVersionsByFunction") or {}
    worst = max([x for x in (g.get("median_s"), lv.get("median_s")) if x is not None] or [None])
    r.goal("Sandbox control-plane median (GetFunction, ListVersionsByFunction)", "< 1 ms",
           ms(worst, 3), None if worst is None else worst < 0.001)
    r.goal("Warm python invocations/s", "≥ 500", num(inv.get("invocations_per_s")),
           None if inv.get("invocations_per_s") is None else inv["invocations_per_s"] >= 500)


def section_gate(r, d):
    r.add("", "## 6. Alarm gate: ALARM → alias restored", "")
    if not d:
        r.add("No result: `bench/gate.py` did not write one.")
        r.goal("Alarm in ALARM → alias restored: Ferry's own time beyond the poll", "< 1 s",
               "not measured", None)
        return
    r.add("A canary (50%% for 10 minutes) gated by an Errors alarm, 20 invocations/s on the "
          "alias, a build whose handler raises; %d run(s) (`%s`). *Poll wait*: the alarm's "
          "StateUpdatedTimestamp → the delegate's reading showing ALARM (it reads every 3 s). "
          "*Ferry's own time*: that reading → the rollback step's end (result to the engine, "
          "failure and rollback committed, rollback task claimed, one read and one UpdateAlias, "
          "step committed)." % (len(d.get("runs") or []), d.get("sandbox_command", "")), "")
    r.add("| run | poll wait | Ferry's own time | ALARM → restored | alias after |",
          "|---|---|---|---|---|")
    for i, run in enumerate(d.get("runs") or []):
        r.add("| %d | %s | %s | %s | %s |" % (i + 1, ms(run.get("poll_wait_s")),
                                              ms(run.get("ferry_own_s")), ms(run.get("total_s")),
                                              run.get("alias_after")))
    own = d.get("max_ferry_own_s")
    r.goal("Alarm in ALARM → alias restored: Ferry's own time beyond the poll (worst run)",
           "< 1 s", "%s (median poll wait %s, median total %s)" % (
               ms(own), ms(d.get("median_poll_wait_s")), ms(d.get("median_total_s"))),
           None if own is None else own < 1.0)
    for p in d.get("problems") or []:
        r.add("", "Problem: %s" % p)


def section_triggers(r, d):
    r.add("", "## 9. New-artifact trigger: upload → execution started", "")
    goal = "New-artifact trigger: upload → execution start, Ferry's time beyond the poll (worst run)"
    if not d:
        r.add("No result: `bench/triggers.py` did not write one.")
        r.goal(goal, "≤ 1 s", "not measured", None)
        return
    r.add("A newArtifact trigger (pollInterval %ss, the minimum) on an S3 prefix of the sandbox, "
          "a basic workflow; each run uploads a new zip with boto3 and waits for the execution "
          "the trigger starts; %d run(s) (`%s`). *Poll wait*: the upload → the poll that listed "
          "it (`cause.polledAt`; bounded by the interval and the 1 s tick). *Ferry*: that poll → "
          "the execution created (listing, reading the object for its CodeSha256, recording "
          "the artifact, claiming the fire, DeployService)." % (
              d.get("poll_interval_s"), len(d.get("runs") or []), d.get("sandbox_command", "")),
          "")
    r.add("| run | poll wait | Ferry | upload → started | execution |", "|---|---|---|---|---|")
    for i, run in enumerate(d.get("runs") or []):
        r.add("| %d | %s | %s | %s | %s |" % (i + 1, ms(run.get("poll_wait_s")),
                                              ms(run.get("ferry_s")), ms(run.get("total_s")),
                                              run.get("status")))
    worst = d.get("max_ferry_s")
    r.goal(goal, "≤ 1 s", "%s (median poll wait %s, median total %s; %s execution(s) for %d "
           "upload(s))" % (ms(worst), ms(d.get("median_poll_wait_s")), ms(d.get("median_total_s")),
                           d.get("executions_started"), len(d.get("runs") or [])),
           None if worst is None else worst <= 1.0)
    for p in d.get("problems") or []:
        r.add("", "Problem: %s" % p)


def section_judge(r, d):
    r.add("", "## 7. Canary judge (src/verify)", "")
    goal = "Canary judge: 2 × 10,000 samples judged (CPU time per Judge() call)"
    if not d or d.get("unavailable") or d.get("failed"):
        reason = (d or {}).get("unavailable") or (d or {}).get("failed") or \
            "`bench/judge.py` did not write a result"
        r.add("No result: %s" % reason)
        r.goal(goal, "< 1 ms", "not measured", None)
        return
    cases = d.get("cases") or {}
    r.add("`bench/judge_bench.cc` (Google Benchmark, `%s`): one `verify::Judge()` call per "
          "iteration on fixed seeded samples — NaN removal and sort of both samples, "
          "Mann–Whitney U, the Hodges–Lehmann shift, the p90/p99 tail tests, the verdict and "
          "its sentences. Medians of %s repetitions. CPU time is the process's own; wall time "
          "also holds waiting for a core (see the load average above)." % (
              d.get("command", "").replace(REPO + "/", ""),
              next(iter(cases.values()), {}).get("repetitions", "?")), "")
    r.add("| case | CPU per call | wall per call |", "|---|---|---|")
    names = {"BM_JudgeDuration/1000": "Duration, 2 × 1,000 values",
             "BM_JudgeDuration/10000": "Duration, 2 × 10,000 values",
             "BM_JudgeDuration/100000": "Duration, 2 × 100,000 values",
             "BM_JudgeVerdict": "Duration (2 × 10,000), Errors, Throttles"}
    for key, label in names.items():
        c = cases.get(key)
        if c:
            r.add("| %s | %s | %s |" % (label, ms(c["cpu_s"], 3), ms(c["wall_s"], 3)))
    cpu = d.get("judge_2x10000_cpu_s")
    r.goal(goal, "< 1 ms", "%s (wall %s; load average at start %s)" % (
        ms(cpu, 3), ms(d.get("judge_2x10000_wall_s"), 3),
        (d.get("machine") or {}).get("loadavg_at_start")), None if cpu is None else cpu < 0.001)


def section_guard(r, d):
    r.add("", "## 10. Service Guard at 1,000 functions (GetMetricData calls per check)", "")
    goal = "Service Guard, 1,000 functions: GetMetricData calls per check (500 queries a call)"
    if not d or d.get("unavailable") or d.get("failed"):
        reason = (d or {}).get("unavailable") or (d or {}).get("failed") or \
            "`bench/guard.py` did not write a result"
        r.add("No result: %s" % reason)
        r.goal(goal, "= ⌈queries / 500⌉ × windows", "not measured", None)
        return
    c = d.get("check") or {}
    r.add("`bench/guard.py`: one check of %s functions' `live` aliases against `ferry sandbox` by "
          "`ferry_bench_guard` (the lambda.guard task's runner over Ferry's CloudWatch client): "
          "interval %s min, trailing %s min, %s previous days. The series are empty (the "
          "sandbox's AWS/Lambda metrics come from invocations only): the calls do not depend on "
          "the data, the wall time is the request path only. CloudWatch's GetMetricData TPS "
          "quota is not in the service model and is not quoted here (docs/verification.md)." % (
              d.get("functions"), d.get("interval_minutes"), d.get("trailing_minutes"),
              d.get("baseline_days")), "")
    r.add("| functions | windows | queries a window | calls a check | calls/s (average, a check "
          "every interval) | check wall time |", "|---|---|---|---|---|---|")
    r.add("| %s | %s | %s | %s | %.3f | %s |" % (
        d.get("functions"), c.get("windows"), c.get("queriesPerWindow"), c.get("calls"),
        d.get("calls_per_second_average") or 0, ms((c.get("wallMs") or 0) / 1000.0, 0)))
    r.goal(goal, "= ⌈queries / 500⌉ × windows (%s)" % d.get("expected_calls"),
           "%s calls, %.3f calls/s averaged over the interval" % (
               c.get("calls"), d.get("calls_per_second_average") or 0),
           c.get("calls") == d.get("expected_calls"))


REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def raw_dir(args):
    """Where the JSON documents will live: run-all renames its staging directory to the
    directory RESULTS.md is written next to."""
    where = os.path.abspath(args.results)
    if os.path.basename(where).find(".run-") > 0:
        where = where.rsplit(".run-", 1)[0]
    return os.path.relpath(where, REPO) if where.startswith(REPO) else where


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--results", required=True, help="directory of the run's *.json")
    p.add_argument("--out", required=True)
    p.add_argument("--elapsed", type=float, help="seconds the whole run took")
    p.add_argument("--command", default="bench/run-all")
    p.add_argument("--ferry", help="the ferry binary measured")
    p.add_argument("--mixed-runs", action="store_true",
                   help="the documents come from different runs: date each one in the header")
    args = p.parse_args()
    docs = {n: load(args.results, n)
            for n in ("deploy", "fleet", "fleet-1000", "footprint", "api", "api-postgres",
                      "sandbox", "gate", "judge", "delegates", "delegates-postgres",
                      "triggers", "guard")}
    machine = next((d["machine"] for d in docs.values() if d and d.get("machine")), {})
    smoke = any(d and d.get("smoke") for d in docs.values())
    commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "unknown"
    dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    version = ""
    if args.ferry:
        version = subprocess.run([args.ferry, "version"], capture_output=True,
                                 text=True).stdout.strip()
    r = Report()
    source = "from that run only" if not args.mixed_runs else (
        "from the documents there, which are not all from one run (finished: %s)" % ", ".join(
            "%s %s" % (n, d.get("finished_at", "?")) for n, d in docs.items() if d))
    r.add("# Ferry benchmark results", "",
          "Generated by `%s` on %s %s (raw data: `%s/*.json`); do not edit "
          "by hand — rerun instead. See bench/README.md for what each benchmark does." % (
              args.command, time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), source,
              raw_dir(args)), "")
    if smoke:
        r.add("**SMOKE RUN: tiny sizes, the numbers only prove the code paths work.**", "")
    r.add("- Machine: %s, %s cores, %s MiB RAM, %s (kernel %s)" % (
        machine.get("cpu"), machine.get("cores"), machine.get("memory_mib"), machine.get("os"),
        machine.get("kernel")))
    r.add("- Load average when each benchmark started (the machine is shared; a load above the "
          "core count means the numbers include waiting for a CPU): %s" % ", ".join(
              "%s %s" % (n, d["machine"]["loadavg_at_start"]) for n, d in docs.items()
              if d and d.get("machine")))
    r.add("- Ferry: %scommit %s%s%s; tools: %s" % (
        version + ", " if version else "", commit, " (with uncommitted changes)" if dirty else "",
        "" if not args.mixed_runs else " (this page's; each document's own run is dated "
        "above)", tool_versions()))
    if args.elapsed is not None:
        r.add("- The whole run took %s." % sec(args.elapsed, 0))
    body = Report()
    section_deploy(body, docs["deploy"])
    section_fleet(body, docs["fleet"], "## 2. Fleet", 300)
    if docs["fleet-1000"] is not None or not smoke:
        section_fleet(body, docs["fleet-1000"], "## 2b. Fleet of 1,000", 1000)
    section_footprint(body, docs["footprint"])
    section_api(body, docs)
    section_sandbox(body, docs["sandbox"])
    section_gate(body, docs["gate"])
    section_judge(body, docs["judge"])
    section_delegates(body, docs)
    section_triggers(body, docs["triggers"])
    section_guard(body, docs["guard"])
    r.add("", "## Goals", "", "| goal | target | measured | |", "|---|---|---|---|")
    for name, target, measured, ok in body.goals:
        r.add("| %s | %s | %s | %s |" % (name, target, measured, verdict(ok)))
    r.lines += body.lines
    r.add("", "## Method notes", "",
          "- All tools of a benchmark run against the same `ferry sandbox` process in the same "
          "run. In benchmarks 1 and 2 every tool's AWS traffic passes through "
          "`bench/lib/trace_proxy.py` (same cost for all), which timestamps every exchange.",
          "- Time split (bench/lib/timeline.py): *in AWS calls* = union of request→response "
          "intervals; *waiting* = after a GetFunction answer showing `InProgress`/`Pending`, "
          "the time until that function's next request; *own time* = the rest of the window. "
          "For Ferry the window is the execution (API timestamps), so own time is the engine's "
          "overhead; for boto3 and the AWS CLI it is the script's start→end, so it includes "
          "interpreter and process start-up.",
          "- Client CPU: hyperfine's user+system time of the command (for Ferry the CLI plus the "
          "server's CPU during the runs, from /proc/PID/stat).")
    with open(args.out, "w") as f:
        f.write("\n".join(r.lines) + "\n")
    print("wrote", args.out)
    return 0


def tool_versions():
    out = []
    for argv in (["hyperfine", "--version"], ["/usr/bin/aws", "--version"],
                 ["/usr/bin/python3", "-c", "import boto3,botocore;print('boto3',"
                  "boto3.__version__,'botocore',botocore.__version__)"]):
        try:
            v = subprocess.run(argv, capture_output=True, text=True, timeout=60)
            out.append((v.stdout or v.stderr).strip().split("\n")[0].split(" Python/")[0])
        except OSError:
            pass
    w = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    out.append((w.stdout + w.stderr).split("[")[0].strip())
    return ", ".join(out)


if __name__ == "__main__":
    sys.exit(main())
