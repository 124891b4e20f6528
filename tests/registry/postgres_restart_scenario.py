"""Run in its own process by test_postgres_restart.py against a private PostgreSQL cluster.

argv: the server bin directory, the cluster's data directory, its port, the database URL.
The service is served over real HTTP (wsgiref around Django's WSGI handler, so connections are
checked and recycled at each request's start and end as under gunicorn). Prints one JSON
object with what was seen.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main(bindir: str, datadir: str, port: str, database_url: str) -> dict:
    os.environ.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="config.settings.test",
        ALLOWED_HOSTS="registry.test",
    )
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    import django

    django.setup()
    import logging

    logging.disable(logging.CRITICAL)
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from traffic import Client, registration_body

    from registry.services.organizations import api_key_create, organization_ensure
    from tests.factories import actor_for, grantor, patent_number
    from tests.pgcluster import Cluster

    call_command("migrate", verbosity=0)
    organization = organization_ensure(code="BANKA", name="Bank A")[0]
    _key, raw = api_key_create(actor=actor_for(organization), role="officer")
    from django.db import connections

    connections.close_all()

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args) -> None:
            pass

    class Threaded(ThreadingMixIn, WSGIServer):
        daemon_threads = True

    server = make_server(
        "127.0.0.1", 0, get_wsgi_application(), server_class=Threaded, handler_class=Quiet
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client = Client(f"http://127.0.0.1:{server.server_address[1]}", raw)
    cluster = Cluster(Path(bindir), Path(datadir), int(port))
    seen: dict = {}

    def body(reference: str) -> dict:
        return {**registration_body(grantor(), patent_number()), "loan_reference": reference}

    def shown(reply) -> dict:
        return {"status": reply.status, "body": reply.body,
                "retry_after": reply.headers.get("Retry-After"),
                "replayed": reply.headers.get("Idempotent-Replayed")}  # fmt: skip

    seen["before"] = shown(client.register(body("REF-BEFORE")))
    # 1. The database is down: every call is a clean 503, the health checks say so.
    cluster.stop("fast")
    key, payload = "key-" + uuid.uuid4().hex, body("REF-DOWN")
    seen["down_register"] = shown(client.register(payload, idempotency_key=key))
    seen["down_list"] = shown(client.call("GET", "registrations/"))
    seen["down_readyz"] = client.call("GET", "/readyz/").status
    # 2. It is back: the same request with the same key registers once, a retry replays it.
    cluster.start()
    seen["back_register"] = shown(client.register(payload, idempotency_key=key))
    seen["back_retry"] = shown(client.register(payload, idempotency_key=key))
    # 3. Restarted (immediate: transactions cut mid-way) while two clients keep registering,
    #    each retrying its request with its key until it is a 201.
    statuses: list[int] = []
    missing_retry_after = []
    stop = threading.Event()
    references: list[str] = []

    def loop(n: int) -> None:
        i = 0
        while not stop.is_set():
            i += 1
            reference, key = f"REF-LOAD-{n}-{i}", "key-" + uuid.uuid4().hex
            payload = body(reference)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                reply = client.register(payload, idempotency_key=key)
                statuses.append(reply.status)
                if reply.status == 503 and not reply.headers.get("Retry-After"):
                    missing_retry_after.append(reply.body)
                if reply.status == 201:
                    references.append(reference)
                    break
                time.sleep(0.2)

    threads = [threading.Thread(target=loop, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    cluster.stop("immediate")
    time.sleep(1)
    cluster.start()
    time.sleep(2)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    seen["load_statuses"] = sorted(set(statuses))
    seen["load_503"] = statuses.count(503)
    seen["load_missing_retry_after"] = len(missing_retry_after)
    seen["load_done"] = len(references)

    from django.db.models import Count

    from registry.models import LedgerEvent, Registration

    rows = Registration.objects.annotate(n=Count("items"))
    seen["per_reference"] = {}
    for reference, items in rows.values_list("loan_reference", "n"):
        seen["per_reference"].setdefault(reference, []).append(items)
    seen["without_ledger_event"] = Registration.objects.exclude(
        pk__in=LedgerEvent.objects.values("registration_id")
    ).count()
    seen["load_references"] = references
    try:
        call_command("verify_ledger", verbosity=0)
        seen["verify_ledger"] = "ok"
    except BaseException as exc:
        seen["verify_ledger"] = repr(exc)
    server.shutdown()
    return seen


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:5]), ensure_ascii=False, default=str))
