#!/usr/bin/env python3
"""Checks deploy/: the systemd units and the container build files.

  check_deploy_files.py REPO FERRY_BINARY

- Each unit in deploy/systemd must keep its hardening (a dedicated or dynamic user,
  ProtectSystem=strict, NoNewPrivileges, a StateDirectory, Restart=, tokens and keys as
  LoadCredential=) and, when `systemd-analyze` exists, pass `systemd-analyze verify` without a
  single warning (the unit copied with ExecStart's /usr/bin/ferry replaced by FERRY_BINARY, which
  verify requires to exist) and score at most 2.0 in `systemd-analyze security --offline`.
- Each Containerfile in deploy/container must be multi-stage, on Debian 12, and end as a non-root
  user; `docker build` runs only when a docker daemon answers `docker info`; otherwise the output
  says it was skipped and why. The test never needs docker.
Exit 0 when everything checked holds; 1 with one line per problem otherwise.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

REQUIRED_UNIT_SETTINGS = [
    (r"^(DynamicUser=yes|User=\S+)$", "DynamicUser=yes or a dedicated User="),
    (r"^ProtectSystem=strict$", "ProtectSystem=strict"),
    (r"^NoNewPrivileges=yes$", "NoNewPrivileges=yes"),
    (r"^StateDirectory=\S+$", "StateDirectory="),
    (r"^LoadCredential=\S+:\S+$", "LoadCredential= for its token or key"),
    (r"^Restart=(on-failure|always)$", "Restart=on-failure or always"),
    (r"^CapabilityBoundingSet=$", "an empty CapabilityBoundingSet="),
]


def check_units(repo, ferry, problems):
    unit_dir = os.path.join(repo, "deploy", "systemd")
    units = sorted(f for f in os.listdir(unit_dir) if f.endswith(".service"))
    if not units:
        problems.append("deploy/systemd holds no unit")
    for unit in units:
        text = open(os.path.join(unit_dir, unit)).read()
        for pattern, what in REQUIRED_UNIT_SETTINGS:
            if not re.search(pattern, text, re.M):
                problems.append(f"{unit}: lacks {what}")
        if not re.search(r"^ExecStart=/usr/bin/ferry ", text, re.M):
            problems.append(f"{unit}: ExecStart does not run /usr/bin/ferry")
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        print("skipped systemd-analyze verify: systemd-analyze is not installed (Debian: systemd)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        for unit in units:
            text = open(os.path.join(unit_dir, unit)).read().replace("/usr/bin/ferry", ferry)
            path = os.path.join(tmp, unit)
            with open(path, "w") as f:
                f.write(text)
            verify = subprocess.run([analyze, "verify", "--man=no", path],
                                    capture_output=True, text=True, timeout=120)
            said = (verify.stdout + verify.stderr).strip()
            if verify.returncode != 0 or said:
                problems.append(f"{unit}: systemd-analyze verify exited {verify.returncode}: {said}")
            else:
                print(f"{unit}: systemd-analyze verify: no warning")
            security = subprocess.run(
                [analyze, "security", "--offline=true", "--threshold=20", "--no-pager", path],
                capture_output=True, text=True, timeout=120)
            level = re.search(r"Overall exposure level for \S+: ([0-9.]+)", security.stdout)
            if security.returncode != 0 or level is None:
                problems.append(f"{unit}: systemd-analyze security exited {security.returncode} "
                                f"(exposure above 2.0?): {security.stdout[-300:]}{security.stderr}")
            else:
                print(f"{unit}: systemd-analyze security --offline: exposure {level.group(1)}")


def check_containers(repo, problems):
    container_dir = os.path.join(repo, "deploy", "container")
    files = sorted(f for f in os.listdir(container_dir) if f.endswith("Containerfile"))
    if not files:
        problems.append("deploy/container holds no Containerfile")
    for name in files:
        text = open(os.path.join(container_dir, name)).read()
        froms = re.findall(r"^FROM\s+(\S+)", text, re.M)
        if len(froms) < 2:
            problems.append(f"{name}: not multi-stage ({len(froms)} FROM)")
        for image in froms:
            if not re.match(r"debian:(12|bookworm)(-slim)?(@sha256:[0-9a-f]+)?$", image):
                problems.append(f"{name}: FROM {image} is not Debian 12")
        users = re.findall(r"^USER\s+(\S+)", text, re.M)
        if not users or users[-1].split(":")[0] in ("root", "0"):
            problems.append(f"{name}: does not end as a non-root USER")
    docker = shutil.which("docker")
    if docker is None:
        print("skipped docker build: docker is not installed")
        return
    info = subprocess.run([docker, "info"], capture_output=True, text=True, timeout=60)
    if info.returncode != 0:
        reason = (info.stderr.strip().splitlines() or ["docker info failed"])[-1]
        print(f"skipped docker build: no docker daemon answers ({reason})")
        return
    for name in files:
        tag = "ferry-check-" + name.split(".")[0]
        built = subprocess.run([docker, "build", "-f", os.path.join(container_dir, name), "-t",
                                tag, repo], capture_output=True, text=True, timeout=3600)
        if built.returncode != 0:
            problems.append(f"{name}: docker build exited {built.returncode}: "
                            f"{built.stderr[-2000:]}")
            continue
        user = subprocess.run([docker, "run", "--rm", "--entrypoint", "id", tag, "-u"],
                              capture_output=True, text=True, timeout=120)
        version = subprocess.run([docker, "run", "--rm", "--entrypoint", "/usr/bin/ferry", tag,
                                  "version"], capture_output=True, text=True, timeout=120)
        if user.stdout.strip() in ("", "0") or version.returncode != 0:
            problems.append(f"{name}: the image runs as uid {user.stdout.strip()!r}, "
                            f"`ferry version` exited {version.returncode}: {version.stderr}")
        else:
            print(f"{name}: built; runs as uid {user.stdout.strip()}; {version.stdout.strip()}")


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    repo, ferry = sys.argv[1], os.path.abspath(sys.argv[2])
    problems = []
    check_units(repo, ferry, problems)
    check_containers(repo, problems)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
