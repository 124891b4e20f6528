"""Throwaway PostgreSQL clusters on this machine: a primary and a streaming replica.

Used by the read-replica test and by ``bench/run.py --replica`` (``make bench
BENCH_ARGS=--replica``). The server binaries come from ``/usr/lib/postgresql/<version>/bin``
(Debian's layout) or ``PG_BINDIR``. PostgreSQL refuses to run as root, so as root (CI) every
server command runs as the ``postgres`` OS user through ``runuser``. Nothing here touches the
shared server on port 5432.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


def server_bindir() -> Path | None:
    """The newest PostgreSQL server bin directory with initdb and pg_basebackup, or None."""
    candidates = [Path(os.environ["PG_BINDIR"])] if os.environ.get("PG_BINDIR") else []
    candidates += sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    for path in candidates:
        if all((path / tool).exists() for tool in ("initdb", "pg_ctl", "pg_basebackup")):
            return path
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_server_user() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


@dataclass
class Cluster:
    bindir: Path
    datadir: Path
    port: int

    def url(self, dbname: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run(  # noqa: S603 - fixed server tools with our own arguments
            [*_as_server_user(), str(self.bindir / tool), *args],
            check=True,
            capture_output=True,
            text=True,
        )

    def start(self) -> None:
        options = (
            f"-c port={self.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.datadir}"
        )
        log = self.datadir.parent / f"{self.datadir.name}.log"
        self._run("pg_ctl", "-D", str(self.datadir), "-l", str(log), "-o", options, "-w", "start")

    def stop(self, mode: str = "immediate") -> None:
        if (self.datadir / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.datadir), "-m", mode, "-w", "stop")


@dataclass
class ReplicatedPair:
    base: Path
    primary: Cluster
    replica: Cluster

    def stop(self) -> None:
        for cluster in (self.replica, self.primary):
            if cluster is None:
                continue
            with contextlib.suppress(subprocess.CalledProcessError):
                cluster.stop()
        shutil.rmtree(self.base, ignore_errors=True)


def start_primary(bindir: Path, base: Path, port: int, settings: dict[str, str]) -> Cluster:
    primary = Cluster(bindir, base / "primary", port)
    primary.datadir.mkdir(mode=0o700)
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
        shutil.chown(primary.datadir, "postgres", "postgres")
    primary._run(
        "initdb", "-D", str(primary.datadir), "-U", "postgres", "-A", "trust", "--no-sync", "-E",
        "UTF8", "--locale=C.UTF-8",
    )  # fmt: skip
    conf = {
        "wal_level": "replica",
        "max_wal_senders": "5",
        "hot_standby": "on",
        "fsync": "off",
        "synchronous_commit": "on",
        **settings,
    }
    with (primary.datadir / "postgresql.auto.conf").open("a") as handle:
        handle.writelines(f"{key} = '{value}'\n" for key, value in conf.items())
    primary.start()
    return primary


def start_replicated_pair(
    *, primary_port: int | None = None, replica_port: int | None = None, **settings: str
) -> ReplicatedPair:
    """initdb a primary, pg_basebackup a hot standby from it, start both; caller stops them."""
    bindir = server_bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL server binaries (initdb, pg_basebackup) are not installed")
    base = Path(tempfile.mkdtemp(prefix="registry-pg-"))
    base.chmod(0o755)
    pair = ReplicatedPair(base, None, None)  # type: ignore[arg-type]
    try:
        pair.primary = start_primary(bindir, base, primary_port or free_port(), settings)
        pair.replica = Cluster(bindir, base / "replica", replica_port or free_port())
        pair.primary._run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(pair.primary.port), "-U", "postgres",
            "-D", str(pair.replica.datadir), "-R", "-X", "stream", "--checkpoint=fast",
        )  # fmt: skip
        pair.replica.start()
    except BaseException:
        pair.stop()
        raise
    return pair


def wait_for_replay(primary_url: str, replica_url: str, timeout: float = 30.0) -> None:
    """Block until the replica has replayed everything the primary had written so far."""
    import psycopg

    with psycopg.connect(primary_url, autocommit=True) as conn:
        (target,) = conn.execute("SELECT pg_current_wal_lsn()").fetchone()
    deadline = time.monotonic() + timeout
    with psycopg.connect(replica_url, autocommit=True) as conn:
        while True:
            (done,) = conn.execute(
                "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [str(target)]
            ).fetchone()
            if done:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"replica has not replayed up to {target}")
            time.sleep(0.05)
