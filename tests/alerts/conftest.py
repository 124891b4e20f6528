import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection

from config.celery import app as celery_app
from registry.items import items_validate
from registry.services.registrations import Period, registration_create
from tests.factories import grantor

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (row locks, advisory locks)"
)


@pytest.fixture(autouse=True)
def _webhooks_to_loopback(settings):
    # Test receivers listen on 127.0.0.1; production refuses loopback receivers.
    settings.WEBHOOK_ALLOW_LOOPBACK = True


@pytest.fixture
def eager_celery():
    """Tasks queued with .delay() run at once, in this process (after commit)."""
    previous = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield celery_app
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = previous


def register(actor, *raw_items, period=None, **extra):
    """Register through the real service; returns the Registration."""
    return registration_create(
        actor=actor,
        grantor=grantor(),
        items=items_validate(list(raw_items)),
        period=period or Period(years=1),
        **extra,
    ).registration


class Receiver:
    """A local HTTP receiver in a thread: records requests, answers with queued statuses."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                receiver.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/registry"

    def json(self, index: int = -1) -> dict:
        return json.loads(self.requests[index]["body"])


@pytest.fixture
def receiver():
    rec = Receiver()
    rec.thread.start()
    yield rec
    rec.server.shutdown()
    rec.server.server_close()
