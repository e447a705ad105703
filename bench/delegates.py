#!/usr/bin/python3
"""Benchmark 8 — many delegates: one `ferry server --no-embedded-delegate` with --delegates
long-polling delegates connected, and a real `ferry delegate`'s own footprint.

The connected delegates are simulated in this process (asyncio, one keep-alive connection each)
speaking the real protocol as `ferry delegate` does (src/delegate/remote/http_transport.cc,
apps/ferry/cmd_delegate.cc): POST /api/v1/delegate/claim with a delegate token, waitMs 20000,
and after an empty answer (204) the agent's idle poll of 50 ms before it claims again. There is
no work queued, so every claim is a long-poll or an empty answer. Connections come from
127.0.0.2… (at most 25 per address) so that the server's per-address cap (32) does not refuse
them: on a real network each delegate has its own address.

For --seconds after every delegate connected, it counts claims answered and their latency, and
meanwhile reads the authenticated executions list every 200 ms (what a user sees). Reported:
the server's RSS and thread count, its CPU use, claims answered per second, how many delegates
got an answer at all, and the API's latency under that load. Goal (issue 16): 1,000 delegates
within 64 MB RSS without a thread per connection.

The real delegate: `ferry delegate` started against the same server, idle, its VmRSS, RssAnon,
RssFile, PSS and thread count read 3 s after it connected. Goal: < 10 MB RSS.

--store postgres runs the server on a PostgreSQL 15 the benchmark starts (bench/lib/pglib.py).
"""
import argparse
import asyncio
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import benchlib as b  # noqa: E402
import ferrylib  # noqa: E402
import pglib  # noqa: E402

PER_ADDRESS = 25


def proc_status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile", "Threads"):
                out[key] = int(value.split()[0])
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            if line.startswith("Pss:"):
                out["Pss"] = int(line.split()[1])
    return out


class Stats:
    def __init__(self):
        self.answered = 0
        self.empty = 0
        self.empty_at_once = 0  # empty answers within 1 s: the claim was not held
        self.errors = 0
        self.latencies = []
        self.delegates_answered = set()
        self.counting = False


async def delegate(i, host, port, token, stats, stop):
    local = "127.0.0.%d" % (2 + i // PER_ADDRESS)
    body = json.dumps({"name": "sim%04d" % i, "delegateId": "remote-sim%04d-bench" % i,
                       "selectors": ["bench:none"], "version": "bench", "leaseMs": 30000,
                       "waitMs": 20000}).encode()
    request = ("POST /api/v1/delegate/claim HTTP/1.1\r\nHost: %s:%d\r\n"
               "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
               "Content-Length: %d\r\n\r\n" % (host, port, token, len(body))).encode() + body
    reader = writer = None
    while not stop.is_set():
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port,
                                                               local_addr=(local, 0))
            t = time.perf_counter()
            writer.write(request)
            await writer.drain()
            status_line = await asyncio.wait_for(reader.readline(), 60)
            if not status_line:
                raise ConnectionError("closed")
            status = int(status_line.split()[1])
            length, close = 0, False
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                k, _, v = line.decode().partition(":")
                if k.lower() == "content-length":
                    length = int(v)
                if k.lower() == "connection" and "close" in v.lower():
                    close = True
            if length:
                await reader.readexactly(length)
            if stats.counting:
                stats.answered += 1
                stats.latencies.append(time.perf_counter() - t)
                stats.delegates_answered.add(i)
                if status == 204:
                    stats.empty += 1
                    stats.empty_at_once += stats.latencies[-1] < 1.0
                elif status >= 300:
                    stats.errors += 1
            if close:
                writer.close()
                writer = None
            await asyncio.sleep(0.05 if status == 204 else 1.0)
        except Exception:  # noqa: BLE001
            if stats.counting:
                stats.errors += 1
            if writer is not None:
                writer.close()
            writer = None
            await asyncio.sleep(1.0)


async def api_probe(url, token, stats, stop, out):
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        t = time.perf_counter()
        try:
            status, _ = await loop.run_in_executor(None, b.http_get, url, token, 30)
            if stats.counting:
                out.append((status, time.perf_counter() - t))
        except Exception:  # noqa: BLE001
            if stats.counting:
                out.append((0, time.perf_counter() - t))
        await asyncio.sleep(0.2)


async def run_load(server, token, admin_token, count, seconds, ramp):
    host, port = "127.0.0.1", server.port
    stats, stop, probes = Stats(), asyncio.Event(), []
    cpu0 = b.cpu_seconds(server.pid)
    tasks = []
    for i in range(count):
        tasks.append(asyncio.create_task(delegate(i, host, port, token, stats, stop)))
        if i % 50 == 49:
            await asyncio.sleep(ramp / max(1, count / 50))
    probe = asyncio.create_task(api_probe(server.url + "/api/v1/executions", admin_token, stats,
                                          stop, probes))
    await asyncio.sleep(2)
    stats.counting = True
    t0, c0 = time.perf_counter(), b.cpu_seconds(server.pid)
    samples = []
    while time.perf_counter() - t0 < seconds:
        await asyncio.sleep(1)
        samples.append(proc_status(server.pid))
    elapsed = time.perf_counter() - t0
    cpu = b.cpu_seconds(server.pid) - c0
    stats.counting = False
    stop.set()
    for t in tasks + [probe]:
        t.cancel()
    await asyncio.gather(*tasks, probe, return_exceptions=True)
    ok = [s for s, _ in probes if s == 200]
    lat = [d for _, d in probes]
    return {
        "delegates": count, "seconds": round(elapsed, 1),
        "server_rss_max_mib": max(s["VmRSS"] for s in samples) / 1024.0,
        "server_anon_max_mib": max(s["RssAnon"] for s in samples) / 1024.0,
        "server_threads_max": max(s["Threads"] for s in samples),
        "server_cpu_s": round(cpu, 2), "server_cpu_share": round(cpu / elapsed, 2),
        "cpu_before_s": cpu0,
        "claims_answered_per_s": round(stats.answered / elapsed, 1),
        "claims_empty": stats.empty, "claims_empty_at_once": stats.empty_at_once,
        "claims_errors": stats.errors,
        "delegates_answered": len(stats.delegates_answered),
        "claim_latency_p50_s": b.percentile(stats.latencies, 50) if stats.latencies else None,
        "api_probes": len(probes), "api_ok": len(ok),
        "api_p50_s": b.percentile(lat, 50) if lat else None,
        "api_p99_s": b.percentile(lat, 99) if lat else None,
        "api_max_s": max(lat) if lat else None,
    }


def real_delegate(ferry, work, url, token_file):
    proc = b.Process([ferry, "delegate", "--server", url, "--name", "footprint",
                      "--token-file", token_file],
                     r"ferry delegate \S+ connecting to (http://\S+)",
                     os.path.join(work, "delegate.log"), env=b.aws_env())
    try:
        time.sleep(3)
        s = proc_status(proc.pid)
        return {"rss_mib": s["VmRSS"] / 1024.0, "anon_mib": s["RssAnon"] / 1024.0,
                "file_mib": s["RssFile"] / 1024.0, "pss_mib": s["Pss"] / 1024.0,
                "threads": s["Threads"]}
    finally:
        proc.stop()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ferry")
    p.add_argument("--out", required=True)
    p.add_argument("--smoke", action="store_true")
    p.add_argument("--delegates", type=int, default=1000)
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    p.add_argument("--keep", action="store_true")
    args = p.parse_args()
    count = 20 if args.smoke else args.delegates
    seconds = 2 if args.smoke else args.seconds
    ferry = b.find_ferry(args.ferry)
    work = b.workdir("delegates")
    doc = {"benchmark": "delegates", "smoke": args.smoke, "machine": b.machine(),
           "store": args.store, "goals": {"server_rss_mib": 64, "delegate_rss_mib": 10}}
    problems = []
    pg = None
    try:
        data = os.path.join(work, "data")
        store_url = None
        if args.store == "postgres":
            if pglib.missing():
                raise RuntimeError(pglib.missing())
            pg = pglib.Postgres(work)
            store_url = pg.create_database("ferry_bench_delegates")
        where = ferrylib.store_args(data, store_url)
        admin = ferrylib.run([ferry, "token", "create", "bench"] + where).strip()
        token = ferrylib.run([ferry, "delegate-token", "create", "bench-delegates"] +
                             where).strip()
        token_file = os.path.join(work, "delegate-token")
        with open(os.open(token_file, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write(token + "\n")
        server = b.Process([ferry, "server", "--data", data, "--port", "0",
                            "--no-embedded-delegate"] + (["--store", store_url] if store_url
                                                         else []),
                           r"ferry server listening on (http://\S+)",
                           os.path.join(work, "server.log"), env=b.aws_env())
        try:
            idle = proc_status(server.pid)
            doc["server_idle"] = {"rss_mib": idle["VmRSS"] / 1024.0, "threads": idle["Threads"]}
            doc["delegate"] = real_delegate(ferry, work, server.url, token_file)
            doc["load"] = asyncio.run(run_load(server, token, admin, count, seconds,
                                               ramp=5.0))
        finally:
            server.stop()
    except Exception as e:  # noqa: BLE001
        problems.append("%s: %s" % (type(e).__name__, e))
    finally:
        if pg:
            pg.stop()
        b.cleanup(work, args.keep)
    doc["problems"] = problems
    b.write_result(args.out, doc)
    for m in problems:
        b.log("FAILED:", m)
    b.log("delegates:", json.dumps({k: doc.get(k) for k in ("server_idle", "delegate", "load")}))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
