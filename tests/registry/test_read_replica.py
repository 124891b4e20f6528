"""A real streaming replica: search, priority and lists read it; writes and their decisions read
the primary; a client reads its own writes while the replica lags.

The test starts its own primary and hot standby (initdb, pg_basebackup) on free ports, pauses
WAL replay on the standby so it lags by construction, and drives the API in a child process
configured with DATABASE_URL and DATABASE_REPLICA_URL (replica_scenario.py).
"""

import json
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests.pgcluster import server_bindir, start_replicated_pair

pytestmark = pytest.mark.skipif(
    server_bindir() is None, reason="PostgreSQL server binaries (initdb, pg_basebackup) absent"
)
SCENARIO = Path(__file__).with_name("replica_scenario.py")


@pytest.fixture(scope="module")
def steps():
    pair = start_replicated_pair()
    try:
        with psycopg.connect(pair.primary.url(), autocommit=True) as conn:
            conn.execute("CREATE DATABASE scenario")
        child = subprocess.run(  # noqa: S603 - our scenario script
            [
                sys.executable,
                str(SCENARIO),
                pair.primary.url("scenario"),
                pair.replica.url("scenario"),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert child.returncode == 0, child.stderr[-3000:]
        yield json.loads(child.stdout.strip().splitlines()[-1])
    finally:
        pair.stop()


def numbers(step: dict) -> set[str]:
    return {hit["registration_number"] for hit in step["body"]["results"]}


def test_other_clients_search_priority_and_lists_read_the_lagging_replica(steps):
    registered = steps["a1_registers"]
    assert registered["status"] == 201
    # The replica has not replayed A's registration: B's search and priority and A's second
    # key's list (it wrote nothing) come from there, and run no query on the primary but
    # authentication and the search log.
    assert steps["b1_searches"]["body"]["count"] == 0
    assert steps["b1_searches"]["replica_queries"] >= 1
    assert steps["b1_priority"]["body"]["ranking"] == []
    assert steps["b1_priority"]["replica_queries"] >= 1
    assert steps["a2_lists"]["body"]["count"] == 0
    assert steps["a2_lists"]["replica_queries"] >= 1


def test_a_client_reads_its_own_writes_from_the_primary_while_the_replica_lags(steps):
    number = steps["a1_registers"]["body"]["registration_number"]
    for step in ("a1_searches", "a1_priority", "a1_lists"):
        assert steps[step]["status"] == 200, step
        # one replica query, "has it replayed my write?" (no): the answer came from the primary
        [only] = steps[step]["replica_sql"]
        assert only.startswith("SELECT pg_last_wal_replay_lsn() >="), step
    assert numbers(steps["a1_searches"]) == {number}
    assert [e["registration_number"] for e in steps["a1_priority"]["body"]["ranking"]] == [number]
    assert [r["registration_number"] for r in steps["a1_lists"]["body"]["results"]] == [number]


def test_writes_and_what_decides_them_read_the_primary(steps):
    first = steps["a1_registers"]["body"]["registration_number"]
    assert steps["a1_registers"]["replica_queries"] == 0
    # The conflict check and B's registration see A's registration, which the replica lacks.
    check = steps["b1_checks"]
    assert [c["registration_number"] for c in check["body"]["conflicts"]] == [first]
    assert check["replica_queries"] == 0
    second = steps["b1_registers"]
    assert second["status"] == 201 and second["replica_queries"] == 0
    assert [c["registration_number"] for c in second["body"]["conflicts"]] == [first]
    # The retry with the same Idempotency-Key finds the stored response on the primary.
    retry = steps["b1_retries"]
    assert retry["status"] == 201 and retry["replica_queries"] == 0
    assert retry["body"]["registration_number"] == second["body"]["registration_number"]
    assert numbers(steps["b1_searches_after_write"]) == {
        first,
        second["body"]["registration_number"],
    }


def test_once_replayed_every_client_reads_the_replica(steps):
    both = {
        steps["a1_registers"]["body"]["registration_number"],
        steps["b1_registers"]["body"]["registration_number"],
    }
    for step in ("a2_searches_after_replay", "a1_searches_after_replay"):
        assert numbers(steps[step]) == both, step
    # A still has a remembered write, so its read checks the replay position first
    assert steps["a1_searches_after_replay"]["replica_queries"] >= 2
