"""Run in its own process by test_read_replica.py against a real primary and replica.

argv: primary URL, replica URL (both naming the scenario's database). Prints one JSON object:
per step, the response and how many queries each connection ran.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main(primary_url: str, replica_url: str) -> dict:
    os.environ.update(
        DATABASE_URL=primary_url,
        DATABASE_REPLICA_URL=replica_url,
        DJANGO_SETTINGS_MODULE="config.settings.test",
        ALLOWED_HOSTS="testserver",
    )
    os.environ.pop("REDIS_URL", None)  # the in-process cache is shared by the clients here
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import logging

    logging.disable(logging.WARNING)
    import psycopg
    from django.core.management import call_command
    from django.db import connections
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from registry.services.organizations import api_key_create, organization_ensure
    from tests.factories import actor_for, ip_item, patent_number, registration_payload
    from tests.pgcluster import wait_for_replay

    call_command("migrate", verbosity=0)
    clients = {}
    for code, names in (("BANKA", ("a1", "a2")), ("BANKB", ("b1",))):
        organization = organization_ensure(code=code, name=code)[0]
        for name in names:
            _key, raw = api_key_create(actor=actor_for(organization), role="officer")
            clients[name] = APIClient()
            clients[name].credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    wait_for_replay(primary_url, replica_url)
    steps: dict[str, dict] = {}

    def call(step: str, client: str, method: str, path: str, data=None, **headers) -> dict:
        with (
            CaptureQueriesContext(connections["default"]) as primary,
            CaptureQueriesContext(connections["replica"]) as replica,
        ):
            response = getattr(clients[client], method)(path, data, format="json", **headers)
        body = response.json()
        steps[step] = {
            "status": response.status_code,
            "body": body,
            "primary_queries": len(primary.captured_queries),
            "replica_queries": len(replica.captured_queries),
            "replica_sql": [q["sql"][:120] for q in replica.captured_queries],
        }
        return body

    def pause_replay(paused: bool) -> None:
        with psycopg.connect(replica_url, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_wal_replay_pause()" if paused else "SELECT pg_wal_replay_resume()"
            )

    number = patent_number(4242)
    search = {"identifier": number}
    priority = {"kind": "ip", "identifier": number}
    pause_replay(True)  # from here the replica lags until resumed
    call(
        "a1_registers",
        "a1",
        "post",
        "/api/v1/registrations/",
        registration_payload(ip_item(number)),
    )
    call("a1_searches", "a1", "get", "/api/v1/search/", search)
    call("a1_priority", "a1", "get", "/api/v1/priority/", priority)
    call("a1_lists", "a1", "get", "/api/v1/registrations/")
    call("a2_lists", "a2", "get", "/api/v1/registrations/")
    call("b1_searches", "b1", "get", "/api/v1/search/", search)
    call("b1_priority", "b1", "get", "/api/v1/priority/", priority)
    call("b1_checks", "b1", "post", "/api/v1/conflict-checks/", {"collateral": [ip_item(number)]})
    payload = registration_payload(ip_item(number))
    call("b1_registers", "b1", "post", "/api/v1/registrations/", payload, HTTP_IDEMPOTENCY_KEY="k1")
    call("b1_retries", "b1", "post", "/api/v1/registrations/", payload, HTTP_IDEMPOTENCY_KEY="k1")
    call("b1_searches_after_write", "b1", "get", "/api/v1/search/", search)
    pause_replay(False)
    wait_for_replay(primary_url, replica_url)
    call("a2_searches_after_replay", "a2", "get", "/api/v1/search/", search)
    call("a1_searches_after_replay", "a1", "get", "/api/v1/search/", search)
    connections.close_all()
    return steps


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2])))
