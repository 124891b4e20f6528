"""The service as production runs it, started on this machine: shared by bench, chaos and soak.

``make bench`` uses the web and worker processes on an existing PostgreSQL server;
``make chaos`` and ``make soak`` also start their own Redis and PostgreSQL cluster
(:class:`PrivateServers`, on ports of their own: never the shared 5432 / 6379), a beat and a
webhook receiver that counts what it is sent. Every process runs in its own session so it
can be stopped, or SIGKILLed, as a group.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


class StackError(SystemExit):
    """A process of the stack would not start or stopped: the harness cannot go on."""


def logger(name: str):
    """``log(message)``: one timestamped line on stderr, prefixed with the harness's name."""

    def log(message: str) -> None:
        print(f"{name}: {datetime.now(UTC):%H:%M:%S} {message}", file=sys.stderr, flush=True)

    return log


def on_project_path() -> None:
    """Run as a script from bench/: make the project's own modules importable."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


def pgcluster():
    """``tests/pgcluster.py``: throwaway PostgreSQL clusters and streaming replicas."""
    on_project_path()
    from tests import pgcluster as module

    return module


def signing_key_pem() -> str:
    """A throwaway Ed25519 key: production refuses to sign certificates without one."""
    on_project_path()
    from registry.signing import new_private_key_pem

    return new_private_key_pem()


def production_env(
    database_url: str, redis_url: str, replica_url: str | None = None, **extra: str
) -> dict:
    """Production settings (DEBUG off, a throwaway secret and signing key) on these servers."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DEBUG": "false",
        "SECRET_KEY": "harness-only-" + os.urandom(16).hex(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SEARCH_CERTIFICATE_SIGNING_KEY": signing_key_pem(),
        # one harness client makes thousands of calls a minute; a bank's key gets 1,200
        "API_THROTTLE_RATE": "100000000/min",
        "LOG_LEVEL": "WARNING",
        "PYTHONDONTWRITEBYTECODE": "1",
        **extra,
    }
    env.pop("DATABASE_REPLICA_URL", None)
    if replica_url:
        env["DATABASE_REPLICA_URL"] = replica_url
    return env


def free_port() -> int:
    """A TCP port nothing on this machine listens on at the moment."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def manage(env: dict, *args: str) -> str:
    done = subprocess.run(  # noqa: S603 - manage.py with our arguments
        [str(BIN / "python"), "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise StackError(f"manage.py {' '.join(args)[:200]} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def shell_json(env: dict, code: str):
    """Run ``code`` in ``manage.py shell``; its last output line, read as JSON."""
    return json.loads(manage(env, "shell", "-c", code).strip().splitlines()[-1])


def stop_on_sigterm() -> None:
    """SIGTERM (and SIGINT, ignored in background jobs) unwind the harness: its ``finally``
    stops every server it started instead of leaving them running."""

    def leave(signum, _frame) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, leave)
    signal.signal(signal.SIGINT, leave)


def _stop_group(process: subprocess.Popen, timeout: float = 30) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def process_tree(pid: int) -> list[int]:
    """``pid`` and its children (one level: gunicorn's and Celery's pool processes)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    pids = [pid]
    with contextlib.suppress(OSError):
        pids += [int(p) for p in children.read_text().split()]
    return pids


def memory_kb(pid: int) -> dict[str, int]:
    """Current (VmRSS) and peak (VmHWM) resident set of one process, in kB; {} if gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    found = dict(re.findall(r"(VmRSS|VmHWM):\s+(\d+) kB", status))
    return {key: int(value) for key, value in found.items()}


class Worker:
    """A Celery worker whose log tells when each task finished and how long it ran."""

    def __init__(
        self, env: dict, workdir: Path, *, name: str = "worker", purge: bool = True
    ) -> None:
        self.log_path = workdir / f"{name}.log"
        from celery import Celery

        if purge:
            self.app = Celery("harness", broker=env["REDIS_URL"])
            self.app.control.purge()  # nothing left over from an earlier run
        self.process = subprocess.Popen(  # noqa: S603
            [str(BIN / "celery"), "-A", "config", "worker", "--loglevel", "INFO",
             "--concurrency", "2", "-n", f"{name}-{os.getpid()}@%h",
             "--logfile", str(self.log_path)],
            cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        self._wait_for("ready.", timeout=90)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def _wait_for(self, text: str, timeout: float, after: int = 0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            tail = self.log()[after:]
            if text in tail:
                return tail
            if self.process.poll() is not None:
                raise StackError(f"the worker exited:\n{self.log()[-3000:]}")
            time.sleep(0.2)
        raise StackError(f"no '{text}' in the worker log after {timeout}s")

    def run(self, task: str) -> dict:
        """Queue ``task`` by name; wait for it; its wall time in the worker and its result."""
        mark = len(self.log())
        self.app.send_task(task)
        pattern = re.compile(rf"Task {re.escape(task)}\[[^\]]+\] succeeded in ([0-9.]+)s: (.*)")
        deadline = time.monotonic() + 3600
        while time.monotonic() < deadline:
            match = pattern.search(self.log()[mark:])
            if match:
                return {"seconds": float(match.group(1)), "result": match.group(2).strip()}
            if re.search(rf"Task {re.escape(task)}\[[^\]]+\] raised", self.log()[mark:]):
                raise StackError(f"{task} failed:\n{self.log()[mark:][-3000:]}")
            time.sleep(0.1)
        raise StackError(f"{task} did not finish")

    def pids(self) -> list[int]:
        return process_tree(self.process.pid)

    def peak_rss_mb(self) -> float:
        """The largest peak resident set (VmHWM) among the worker's processes."""
        peaks = [memory_kb(pid).get("VmHWM", 0) / 1024 for pid in self.pids()]
        return max(peaks, default=0.0)

    def kill(self) -> None:
        """SIGKILL the worker and its pool at once: no task it holds is acknowledged."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        _stop_group(self.process)


class Beat:
    """Celery beat on the database schedule (``manage.py setup_schedules`` fills it)."""

    def __init__(self, env: dict, workdir: Path) -> None:
        self.log_path = workdir / "beat.log"
        self.process = subprocess.Popen(  # noqa: S603
            [str(BIN / "celery"), "-A", "config", "beat", "--loglevel", "INFO",
             "--logfile", str(self.log_path), "--pidfile", str(workdir / "beat.pid")],
            cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip

    def stop(self) -> None:
        _stop_group(self.process)


class Web:
    """gunicorn with production settings; ``WEB_CONCURRENCY`` workers (default 2)."""

    def __init__(
        self, env: dict, port: int, log_path: Path | None = None, timeout: int = 30
    ) -> None:
        self.url = f"http://127.0.0.1:{port}"
        host = env.get("ALLOWED_HOSTS", "127.0.0.1").split(",")[0]
        # everything the processes write (gunicorn's log and the application's) goes there
        self.log = log_path.open("w") if log_path else None
        self.process = subprocess.Popen(  # noqa: S603
            [str(BIN / "gunicorn"), "config.wsgi:application", "-b", f"127.0.0.1:{port}",
             "-w", os.environ.get("WEB_CONCURRENCY", "2"), "--log-level", "warning",
             "--timeout", str(timeout)],
            cwd=ROOT, env=env, start_new_session=True, stdout=self.log, stderr=self.log,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise StackError(f"gunicorn exited ({self.process.returncode}), see {log_path}")
            try:
                request = urllib.request.Request(  # noqa: S310 - our own local server
                    f"{self.url}/api/v1/", headers={"X-Forwarded-Proto": "https", "Host": host}
                )
                urllib.request.urlopen(request, timeout=2)  # noqa: S310
                return
            except urllib.error.HTTPError:
                return  # 401/403: it answers
            except OSError:
                time.sleep(0.3)
        raise StackError("gunicorn did not answer")

    def pids(self) -> list[int]:
        return process_tree(self.process.pid)

    def stop(self) -> None:
        _stop_group(self.process)
        if self.log:
            self.log.close()


class RedisServer:
    """A private redis-server (no persistence) on ``port``; stop and start it at will."""

    def __init__(self, port: int, workdir: Path) -> None:
        self.port = port
        self.workdir = workdir
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port),
             "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir), "--logfile", str(self.workdir / "redis.log")],
            start_new_session=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        import redis

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(redis.exceptions.ConnectionError):
                if redis.Redis.from_url(self.url, socket_timeout=1).ping():
                    return
            time.sleep(0.1)
        raise StackError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        """Stop at once (SIGKILL): as an outage looks to its clients; it keeps nothing."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


class PrivateServers:
    """Its own Redis and PostgreSQL cluster (tests/pgcluster.py) under one temporary folder."""

    def __init__(self, *, pg_port: int, redis_port: int, database: str = "registry") -> None:
        import tempfile

        clusters = pgcluster()
        bindir = clusters.server_bindir()
        if bindir is None or not shutil.which("redis-server"):
            raise StackError("needs PostgreSQL server binaries (initdb, pg_ctl) and redis-server")
        self.base = Path(tempfile.mkdtemp(prefix="registry-stack-"))
        self.base.chmod(0o755)
        self.redis = self.postgres = None
        try:
            self.redis = RedisServer(redis_port, self.base)
            self.postgres = clusters.start_primary(bindir, self.base, pg_port, {"fsync": "off"})
            import psycopg

            with psycopg.connect(self.postgres.url(), autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{database}"')
        except BaseException:
            self.stop()
            raise
        self.database_url = self.postgres.url(database)

    def connections(self) -> int:
        """Client backends connected to the service's database (pg_stat_activity)."""
        import psycopg

        with psycopg.connect(self.postgres.url(), autocommit=True) as conn:
            (count,) = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                "AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
                [self.database_url.rsplit("/", 1)[1]],
            ).fetchone()
        return count

    def stop(self) -> None:
        if self.redis is not None:
            self.redis.stop()
        if self.postgres is not None:
            with contextlib.suppress(subprocess.CalledProcessError):
                self.postgres.stop()
        shutil.rmtree(self.base, ignore_errors=True)


class Receiver:
    """A local webhook receiver: counts every delivery by ``X-Registry-Delivery``."""

    def __init__(self) -> None:
        self.deliveries: Counter[str] = Counter()
        self.events: Counter[str] = Counter()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                event = self.headers.get("X-Registry-Event", "")
                with receiver.lock:
                    receiver.deliveries[self.headers.get("X-Registry-Delivery", "")] += 1
                    receiver.events[event] += 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/registry"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def counts(self) -> dict:
        with self.lock:
            return {
                "deliveries": sum(self.deliveries.values()),
                "distinct": len(self.deliveries),
                "duplicates": sum(n - 1 for n in self.deliveries.values() if n > 1),
                "events": dict(self.events),
            }

    def stop(self) -> None:
        self.server.shutdown()
