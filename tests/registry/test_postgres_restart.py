"""PostgreSQL stopped and restarted under the service: clean 503s, one registration per key.

The small, CI-sized version of ``make chaos`` scenario c. The test starts its own cluster
(initdb, pg_ctl: tests/pgcluster.py) on a free port and runs the service over real HTTP in a
child process (postgres_restart_scenario.py), which stops and starts the cluster itself.
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
import pytest

from tests.pgcluster import free_port, server_bindir, start_primary

pytestmark = pytest.mark.skipif(
    server_bindir() is None, reason="PostgreSQL server binaries (initdb, pg_ctl) absent"
)
SCENARIO = Path(__file__).with_name("postgres_restart_scenario.py")


@pytest.fixture(scope="module")
def seen():
    base = Path(tempfile.mkdtemp(prefix="registry-pg-restart-"))
    base.chmod(0o755)
    cluster = start_primary(server_bindir(), base, free_port(), {})
    try:
        with psycopg.connect(cluster.url(), autocommit=True) as conn:
            conn.execute("CREATE DATABASE scenario")
        child = subprocess.run(  # noqa: S603 - our scenario script
            [sys.executable, str(SCENARIO), str(cluster.bindir), str(cluster.datadir),
             str(cluster.port), cluster.url("scenario")],
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert child.returncode == 0, child.stderr[-3000:]
        yield json.loads(child.stdout.strip().splitlines()[-1])
    finally:
        import shutil

        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)


def test_while_the_database_is_down_every_call_is_a_clean_503(seen):
    assert seen["before"]["status"] == 201
    for step in ("down_register", "down_list"):
        assert seen[step]["status"] == 503, seen[step]
        assert seen[step]["body"]["code"] == "unavailable"
        assert int(seen[step]["retry_after"]) > 0
    assert seen["down_readyz"] == 503


def test_the_same_key_registers_once_when_the_database_is_back(seen):
    assert seen["back_register"]["status"] == 201, seen["back_register"]
    assert seen["back_register"]["replayed"] is None
    assert seen["back_retry"]["status"] == 201
    assert seen["back_retry"]["replayed"] == "true"
    assert seen["back_retry"]["body"] == seen["back_register"]["body"]
    assert seen["per_reference"]["REF-DOWN"] == [1]


def test_an_immediate_restart_under_load_is_never_a_500_nor_a_double_or_half_write(seen):
    assert set(seen["load_statuses"]) <= {201, 503}, seen["load_statuses"]
    assert seen["load_503"] > 0  # the restart did cut requests
    assert seen["load_missing_retry_after"] == 0
    assert seen["load_done"] >= 2
    for reference in seen["load_references"]:
        assert seen["per_reference"][reference] == [1], reference  # once, with its one item
    loads = [r for r in seen["per_reference"] if r.startswith("REF-LOAD-")]
    assert sorted(loads) == sorted(seen["load_references"])
    assert seen["without_ledger_event"] == 0
    assert seen["verify_ledger"] == "ok"
