"""Shared plumbing of the Ferry benchmarks: processes (ferry sandbox, ferry server, the trace
proxy), AWS clients pointed at the sandbox, handler zips, statistics and result files.

Every benchmark script writes one JSON document (--out) that bench/write_results.py turns into
RESULTS.md; numbers are only ever produced by measuring, and a part that cannot run says why in
its "unavailable" field instead of reporting a number.
"""
import contextlib
import io
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile

BENCH_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO_DIR = os.path.dirname(BENCH_DIR)
AWS_CLI = "/usr/bin/aws"  # AWS CLI v2 (Debian awscli); the `aws` on PATH may be another one
PYTHON = "/usr/bin/python3"  # Debian python with python3-boto3
REGION = "us-east-1"
ACCESS_KEY = "test"
SECRET_KEY = "test"
ACCOUNT = "000000000000"


def log(*parts):
    print("[bench %s]" % time.strftime("%H:%M:%S"), *parts, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- the ferry binary


def find_ferry(explicit=None):
    candidates = [explicit, os.environ.get("FERRY_BIN"),
                  os.path.join(REPO_DIR, "build-bench", "apps", "ferry", "ferry"),
                  os.path.join(REPO_DIR, "build", "apps", "ferry", "ferry")]
    for c in candidates:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return os.path.abspath(c)
    raise SystemExit("no ferry binary: pass --ferry PATH or set FERRY_BIN "
                     "(build it: ninja -C build-bench ferry)")


def ferry_has(ferry, *subcommand):
    """True when `ferry SUBCOMMAND...` exists in this binary (others may not have built it yet):
    the last word must be listed under "Subcommands:" in the help of the words before it."""
    r = subprocess.run([ferry, *subcommand[:-1], "--help"], capture_output=True, text=True)
    text = r.stdout + r.stderr
    if r.returncode != 0 or "Subcommands:" not in text:
        return False
    listed = [line.split()[0] for line in text.split("Subcommands:", 1)[1].splitlines()
              if line.startswith("  ") and line.strip()]
    if subcommand[:-1] and not text.lstrip().startswith(subcommand[-2]) and \
            "%s %s" % (os.path.basename(ferry), " ".join(subcommand[:-1])) not in text:
        return False  # the parent was not recognised and the root's help was printed
    return subcommand[-1] in listed


def missing_commands(ferry, commands):
    return [" ".join(c) for c in commands if not ferry_has(ferry, *c)]


# ---------------------------------------------------------------- processes


class Process:
    """A child process that prints one 'listening on http://HOST:PORT' line when ready."""

    def __init__(self, argv, pattern, log_path, env=None, timeout=60):
        self.argv = argv
        self.log_path = log_path
        self.log_file = open(log_path, "ab")
        self.started_at = time.perf_counter()
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.log_file,
                                     env=env, start_new_session=True)
        self.url = None
        self.ready_seconds = None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline().decode(errors="replace")
            if not line:
                break
            m = re.search(pattern, line)
            if m:
                self.url = m.group(1)
                self.ready_seconds = time.perf_counter() - self.started_at
                break
        if not self.url:
            self.stop()
            raise RuntimeError("%s did not start; see %s:\n%s" % (
                argv[0:2], log_path, tail(log_path)))
        # Keep draining stdout so the child never blocks on a full pipe.
        self._drain = subprocess.Popen(["cat"], stdin=self.proc.stdout, stdout=subprocess.DEVNULL)

    @property
    def pid(self):
        return self.proc.pid

    @property
    def port(self):
        return int(self.url.rsplit(":", 1)[1].split("/")[0])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "_drain", None):
            self._drain.wait()
        self.log_file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def tail(path, lines=20):
    try:
        with open(path, "rb") as f:
            return b"\n".join(f.read().splitlines()[-lines:]).decode(errors="replace")
    except OSError:
        return ""


def start_sandbox(ferry, workdir, name="sandbox", quota=False, update_delay="1s", data=None,
                  extra=(), port=0):
    argv = [ferry, "sandbox", "--port", str(port), "--update-delay", update_delay]
    if quota:
        argv.append("--quota")
    if data:
        argv += ["--data", data]
    argv += list(extra)
    return Process(argv, r"ferry sandbox listening on (http://\S+)",
                   os.path.join(workdir, name + ".log"))


def start_proxy(workdir, sandbox, name):
    log_path = os.path.join(workdir, name + ".jsonl")
    p = Process([PYTHON, os.path.join(BENCH_DIR, "lib", "trace_proxy.py"), "--upstream",
                 "127.0.0.1:%d" % sandbox.port, "--log", log_path],
                r"trace proxy listening on (\S+)", os.path.join(workdir, name + ".log"))
    p.url = "http://" + p.url
    p.exchanges_path = log_path
    return p


def aws_env(endpoint=None):
    env = dict(os.environ)
    env.update(AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY,
               AWS_DEFAULT_REGION=REGION, AWS_REGION=REGION, AWS_PAGER="",
               AWS_EC2_METADATA_DISABLED="true")
    env.pop("AWS_PROFILE", None)
    env.pop("AWS_SESSION_TOKEN", None)
    if endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint
    return env


def http_get(url, token=None, timeout=10):
    req = urllib.request.Request(url)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, r.read()


def wait_healthy(url, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status, _ = http_get(url + "/healthz", timeout=2)
            if status == 200:
                return True
        except OSError:
            pass
        time.sleep(0.005)
    return False


# ---------------------------------------------------------------- boto3


def boto3_client(service, endpoint, retries=None, max_pool=10):
    import boto3
    from botocore.config import Config
    cfg = Config(region_name=REGION, retries=retries or {"mode": "standard", "max_attempts": 3},
                 max_pool_connections=max_pool)
    return boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                                 region_name=REGION).client(service, endpoint_url=endpoint,
                                                            config=cfg)


def handler_zip(tag):
    """A python handler whose bytes (hence CodeSha256) depend on `tag`."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("handler.py", date_time=(2026, 1, 1, 0, 0, 0))
        z.writestr(info, "BUILD = %r\n\ndef handler(event, context):\n"
                         "    return {'statusCode': 200, 'build': BUILD}\n" % tag)
    return buf.getvalue()


def code_sha256(zip_bytes):
    import base64
    import hashlib
    return base64.b64encode(hashlib.sha256(zip_bytes).digest()).decode()


# ---------------------------------------------------------------- numbers


def median(values):
    v = sorted(values)
    if not v:
        return None
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def percentile(values, p):
    """Nearest-rank percentile."""
    v = sorted(values)
    if not v:
        return None
    k = max(1, int(-(-p * len(v) // 100)))
    return v[min(k, len(v)) - 1]


def ratio(a, b):
    return None if a is None or not b else a / b


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def cpu_seconds_by_thread(pid):
    """CPU seconds (user+system) of each live thread of pid, summed by thread name (Ferry names
    its threads: ferry-engine, ferry-api, ferry-task, ...). Threads that have exited are not
    listed; their time is still in cpu_seconds(pid)."""
    ticks = os.sysconf("SC_CLK_TCK")
    out = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                text = f.read()
        except OSError:
            continue  # exited meanwhile
        name = text[text.index("(") + 1:text.rindex(")")]
        fields = text.rsplit(")", 1)[1].split()
        out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / ticks
    return out


def cpu_split(pid, before_total, before_threads):
    """Where the server's CPU went since (before_total, before_threads): the engine thread, the
    API's threads, and the rest (the embedded delegate: its task workers and the short-lived
    threads that make the AWS calls, plus anything else)."""
    total = cpu_seconds(pid) - before_total
    now = cpu_seconds_by_thread(pid)
    delta = {k: v - before_threads.get(k, 0.0) for k, v in now.items()}
    engine = delta.get("ferry-engine", 0.0)
    api = sum(v for k, v in delta.items() if k.startswith("ferry-api"))
    return {"total_s": total, "engine_s": engine, "api_s": api,
            "delegate_and_other_s": max(0.0, total - engine - api)}


def machine():
    cpu = platform.processor()
    with contextlib.suppress(OSError):
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    mem = None
    with contextlib.suppress(OSError):
        with open("/proc/meminfo") as f:
            mem = int(f.readline().split()[1]) // 1024
    os_name = platform.platform()
    with contextlib.suppress(OSError):
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    os_name = line.split("=", 1)[1].strip().strip('"')
    load = os.getloadavg()
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_mib": mem, "os": os_name,
            "kernel": platform.release(), "loadavg_at_start": [round(x, 2) for x in load]}


def write_result(path, doc):
    doc.setdefault("finished_at", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)
    log("wrote", path)


def workdir(prefix):
    return tempfile.mkdtemp(prefix="ferry-bench-%s-" % prefix)


def cleanup(path, keep):
    if not keep:
        shutil.rmtree(path, ignore_errors=True)


# ---------------------------------------------------------------- wrk


def sigv4_headers(method, url, body=b"", service="lambda", headers=None):
    """Headers of a SigV4-signed request (botocore's signer), valid for AWS's 15-minute skew."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    req = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), service, REGION).add_auth(req)
    return {k: v for k, v in req.headers.items()}


def _lua_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _wrk_seconds(text):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    if not m:
        return None
    scale = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[m.group(2)]
    return float(m.group(1)) * scale


def run_wrk(url, workdir, method="GET", headers=None, body=None, threads=1, connections=1,
            duration="10s"):
    """Runs wrk with --latency; returns requests/s, latency percentiles (s) and error counts."""
    lines = ["wrk.method = %s" % _lua_string(method)]
    if body is not None:
        lines.append("wrk.body = %s" % _lua_string(body.decode() if isinstance(body, bytes)
                                                   else body))
    for k, v in (headers or {}).items():
        if k.lower() == "host":
            continue  # wrk sets Host from the URL, which is what was signed
        lines.append("wrk.headers[%s] = %s" % (_lua_string(k), _lua_string(v)))
    script = os.path.join(workdir, "wrk-%d.lua" % int(time.time() * 1e6))
    with open(script, "w") as f:
        f.write("\n".join(lines) + "\n")
    argv = ["wrk", "-t%d" % threads, "-c%d" % connections, "-d%s" % duration, "--latency",
            "-s", script, url]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    out = r.stdout
    if r.returncode != 0:
        raise RuntimeError("wrk failed: %s %s" % (out, r.stderr))
    result = {"command": " ".join(argv), "raw": out}
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    result["requests_per_s"] = float(m.group(1)) if m else None
    m = re.search(r"(\d+) requests in ([\d.]+\w+)", out)
    result["requests"] = int(m.group(1)) if m else 0
    result["duration_s"] = _wrk_seconds(m.group(2)) if m else None
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    result["non_2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    result["socket_errors"] = sum(int(x) for x in m.groups()) if m else 0
    dist = {}
    for pm in re.finditer(r"^\s+(\d+)%\s+(\S+)$", out, re.M):
        dist[int(pm.group(1))] = _wrk_seconds(pm.group(2))
    result["latency_s"] = dist
    return result
