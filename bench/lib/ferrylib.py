"""Ferry's side of the benchmarks: configuration, `ferry apply`, `ferry token create`,
`ferry server`, and the REST API (docs/api.md)."""
import json
import os
import subprocess
import time
import urllib.request

import benchlib as b

REQUIRED = (("server",), ("deploy",), ("token", "create"), ("apply",))


def unavailable_reason(ferry, commands=REQUIRED):
    missing = b.missing_commands(ferry, commands)
    if missing:
        return ("this ferry binary (%s) has no `ferry %s` yet, so the Ferry part was not run"
                % (ferry, "`, `ferry ".join(missing)))
    return None


def fleet_names(count):
    return ["bench-fleet-%03d" % (i + 1) for i in range(count)]


def write_config(directory, endpoint, fleet_size):
    with open(os.path.join(b.BENCH_DIR, "config", "bench.yaml.in")) as f:
        text = f.read()
    functions = "".join("  - name: f%03d\n    functionName: %s\n" % (i + 1, name)
                        for i, name in enumerate(fleet_names(max(1, fleet_size))))
    text = text.replace("@ENDPOINT@", endpoint).replace("@FUNCTIONS@\n", functions)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "bench.yaml"), "w") as f:
        f.write(text)
    return directory


def run(argv, env=None, timeout=600):
    r = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError("%s exited %d:\n%s%s" % (" ".join(argv[:3]), r.returncode, r.stdout,
                                                   r.stderr))
    return r.stdout


class FerryServer:
    """`ferry apply` + `ferry token create` + `ferry server --port 0` on a fresh data dir.

    The server's cloud calls go to `aws_endpoint` (the CloudProvider's endpoint) with the
    sandbox's credentials from the environment (credentials mode: delegate)."""

    def __init__(self, ferry, work, aws_endpoint, fleet_size=1, name="server", data=None,
                 apply=True):
        self.ferry = ferry
        self.data = data or os.path.join(work, name + "-data")
        self.env = b.aws_env()
        if apply:
            config = write_config(os.path.join(work, name + "-config"), aws_endpoint, fleet_size)
            run([ferry, "apply", "-f", config, "--data", self.data], env=self.env)
        self.token = run([ferry, "token", "create", "bench-" + name, "--data", self.data],
                         env=self.env).strip()
        if not self.token.startswith("fry_"):
            raise RuntimeError("ferry token create printed no token")
        self.process = b.Process([ferry, "server", "--data", self.data, "--port", "0"],
                                 r"ferry server listening on (http://\S+)",
                                 os.path.join(work, name + ".log"), env=self.env)
        self.url = self.process.url
        self.cli_env = dict(self.env, FERRY_SERVER=self.url, FERRY_TOKEN=self.token)

    @property
    def pid(self):
        return self.process.pid

    def api(self, method, path, body=None):
        req = urllib.request.Request(self.url + path, method=method,
                                     data=None if body is None else json.dumps(body).encode())
        req.add_header("Authorization", "Bearer " + self.token)
        if body is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read() or b"null")

    def execution(self, execution_id):
        return self.api("GET", "/api/v1/executions/" + execution_id)

    def executions(self, service, limit=200):
        return self.api("GET", "/api/v1/executions?application=bench&service=%s&limit=%d"
                        % (service, limit))["items"]

    def deploy(self, service, s3_url, timeout=1800):
        """`ferry deploy bench/SERVICE --env dev --s3 URL --wait -o json`; returns
        (exit code, wall seconds, parsed output or None)."""
        argv = [self.ferry, "deploy", "bench/" + service, "--env", "dev", "--s3", s3_url,
                "--wait", "-o", "json"]
        t = time.perf_counter()
        r = subprocess.run(argv, capture_output=True, text=True, env=self.cli_env,
                           timeout=timeout)
        wall = time.perf_counter() - t
        try:
            out = json.loads(r.stdout)
        except ValueError:
            out = {"stdout": r.stdout[-2000:], "stderr": r.stderr[-2000:]}
        return r.returncode, wall, out

    def stop(self):
        self.process.stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def execution_summary(execution):
    """Status, timings and per-step durations of an Execution (docs/api.md)."""
    steps = [{"name": s.get("name"), "kind": s.get("kind"), "status": s.get("status"),
              "durationMs": s.get("durationMs")} for s in execution.get("steps") or []]
    return {"id": execution.get("id"), "status": execution.get("status"),
            "error": execution.get("error"), "createdAt": execution.get("createdAt"),
            "startedAt": execution.get("startedAt"), "endedAt": execution.get("endedAt"),
            "durationMs": execution.get("durationMs"), "steps": steps}


def deployed_functions(execution):
    """The lambda.deploy step's per-function outputs."""
    out = []
    for s in execution.get("steps") or []:
        outputs = s.get("outputs") or {}
        out += outputs.get("deployments") or []
    return out


def find_seeder(explicit=None):
    for c in (explicit, os.environ.get("FERRY_BENCH_SEED"),
              os.path.join(b.REPO_DIR, "build-bench", "bench", "ferry_bench_seed")):
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return os.path.abspath(c)
    return None


def store_args(data, store=None):
    """`--data DATA`, or `--store URL` (PostgreSQL) when given."""
    return ["--store", store] if store else ["--data", data]


def seed(seeder, data, count, store=None):
    """Writes `count` succeeded executions into the store of `data` (or the PostgreSQL database
    `store`); returns seconds taken."""
    t = time.perf_counter()
    run([seeder] + store_args(data, store) + ["--count", str(count)], timeout=3600)
    return time.perf_counter() - t


def prepare_data(ferry, work, name="server", store=None):
    """A data directory (or the PostgreSQL database `store`) with the bench configuration
    applied and a token; returns (dir, token)."""
    data = os.path.join(work, name + "-data")
    config = write_config(os.path.join(work, name + "-config"), "http://127.0.0.1:9", 1)
    env = b.aws_env()
    run([ferry, "apply", "-f", config] + store_args(data, store), env=env)
    token = run([ferry, "token", "create", "bench-" + name] + store_args(data, store),
                env=env).strip()
    return data, token


def start_server(ferry, work, data, name="server", store=None, extra=()):
    """`ferry server --data DATA --port 0 [--store URL] [extra...]`; returns (Process, seconds
    from start to /healthz)."""
    t = time.perf_counter()
    argv = [ferry, "server", "--data", data, "--port", "0"] + (["--store", store] if store else [])
    proc = b.Process(argv + list(extra),
                     r"ferry server listening on (http://\S+)",
                     os.path.join(work, name + ".log"), env=b.aws_env())
    if not b.wait_healthy(proc.url):
        proc.stop()
        raise RuntimeError("ferry server never answered /healthz")
    return proc, time.perf_counter() - t
