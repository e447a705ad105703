"""A throwaway PostgreSQL 15 for the benchmarks on `--store postgres://…`, from Debian's
postgresql package: initdb into the benchmark's work directory, listening on 127.0.0.1 only on a
free port, trust authentication for the one role "ferry", synchronous_commit off (seeding 10,000
executions commits 40,000 times; the API benchmarks read). As root (CI), initdb and postgres run
as the package's user "postgres" through setpriv, and the directory is handed to it."""
import os
import pwd
import socket
import subprocess
import time

BIN = "/usr/lib/postgresql/15/bin/"


def missing():
    """None when PostgreSQL 15 can run here; else why not."""
    for tool in ("initdb", "postgres", "createdb", "pg_isready"):
        if not os.access(BIN + tool, os.X_OK):
            return "PostgreSQL 15 is missing (%s%s): Debian package postgresql" % (BIN, tool)
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no user postgres to run PostgreSQL as"
    return None


def _as_postgres(argv):
    if os.geteuid() != 0:
        return argv
    pw = pwd.getpwnam("postgres")
    return ["/usr/bin/setpriv", "--reuid=%d" % pw.pw_uid, "--regid=%d" % pw.pw_gid,
            "--clear-groups", "--"] + argv


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Postgres:
    def __init__(self, work):
        self.dir = os.path.join(work, "pg")
        os.makedirs(self.dir)
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            os.chmod(work, 0o755)
        data = os.path.join(self.dir, "data")
        subprocess.run(_as_postgres([BIN + "initdb", "-D", data, "-U", "ferry", "--auth=trust",
                                     "-E", "UTF8", "--locale=C", "--no-sync"]),
                       check=True, capture_output=True)
        self.port = _free_port()
        self.log = open(os.path.join(work, "postgres.log"), "ab")
        self.proc = subprocess.Popen(
            _as_postgres([BIN + "postgres", "-D", data, "-p", str(self.port), "-c",
                          "listen_addresses=127.0.0.1", "-c",
                          "unix_socket_directories=" + self.dir, "-c",
                          "synchronous_commit=off", "-c", "max_connections=200"]),
            stdout=self.log, stderr=self.log, start_new_session=True)
        for _ in range(300):
            if subprocess.run([BIN + "pg_isready", "-q", "-h", "127.0.0.1", "-p",
                               str(self.port)]).returncode == 0:
                break
            time.sleep(0.1)
        else:
            self.stop()
            raise RuntimeError("PostgreSQL did not start; see postgres.log")

    def create_database(self, name):
        subprocess.run([BIN + "createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "ferry",
                        name], check=True, capture_output=True)
        return "postgres://ferry@127.0.0.1:%d/%s" % (self.port, name)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
