"""Clients for ``make chaos`` and ``make soak``: two lenders, their keys, requests and tallies.

The service runs with ``ALLOWED_HOSTS=registry.test`` and clients send that ``Host``, so the
webhook receiver on 127.0.0.1 is not "this service" to the webhook URL check.
"""

from __future__ import annotations

import http.client
import json
import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field

from stack import production_env, shell_json

HOST = "registry.test"
LENDERS = ("CHAOSA", "CHAOSB")

_SETUP = """
import json
from collateral.identifiers import patent_check_character
from registry.actors import Actor
from registry.alerts.services.webhooks import webhook_subscribe
from registry.services.organizations import api_key_create, organization_ensure
from tests.factories import grantor
keys = {}
for code in %(lenders)r:
    organization, _ = organization_ensure(code=code, name=f"Lender {code}")
    actor = Actor.command(organization, "harness")
    _key, keys[code] = api_key_create(actor=actor, role="officer")
    webhook_subscribe(actor=actor, url=%(url)r, event_types=[])
patents = []
for serial in range(%(patents)d):
    digits = f"2019{1}{serial + 1000000:07d}"
    patents.append(f"{digits}.{patent_check_character(digits)}")
print(json.dumps({"keys": keys, "patents": patents, "grantor": grantor()}, ensure_ascii=False))
"""


def service_env(servers, **extra: str) -> dict:
    """Production settings on the private servers, answering as HOST, webhooks to loopback."""
    return production_env(
        servers.database_url, servers.redis.url, ALLOWED_HOSTS=HOST,
        WEBHOOK_ALLOW_LOOPBACK="true", **extra,
    )  # fmt: skip


def lenders_setup(env: dict, receiver_url: str, patents: int = 20000) -> dict:
    """Two lenders with an officer key each, both subscribed to every alert at the receiver,
    the default beat schedules, and ``patents`` valid patent numbers no one has pledged yet."""
    from stack import manage

    manage(env, "setup_schedules")
    code = _SETUP % {"lenders": LENDERS, "url": receiver_url, "patents": patents}
    return shell_json(env, code)


def registration_body(grantor: dict, *patents: str) -> dict:
    return {
        "grantor": grantor,
        "collateral": [
            {"kind": "ip", "ip_type": "invention_patent", "number": p, "title": "Harness"}
            for p in patents
        ],
        "period_years": 3,
        "secured_amount": "1000000.00",
        "currency": "CNY",
    }


@dataclass
class Reply:
    status: int  # 0: no HTTP answer (connection refused or reset, timeout)
    body: object
    headers: dict


@dataclass
class Tally:
    """Requests and their statuses, across threads; unexpected answers kept as samples."""

    statuses: Counter = field(default_factory=Counter)
    failures: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, what: str, reply: Reply, expected: tuple[int, ...]) -> None:
        with self.lock:
            self.statuses[reply.status] += 1
            if reply.status not in expected:
                self.failures.append((what, reply.status, str(reply.body)[:300]))

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    def summary(self) -> dict:
        return {
            "requests": self.requests,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "failures": len(self.failures),
        }


class Client:
    """One lender's API key over plain HTTP (TLS ends at the load balancer)."""

    def __init__(self, base_url: str, key: str) -> None:
        self.host, port = base_url.removeprefix("http://").split(":")
        self.port = int(port)
        self.key = key

    def call(
        self, method: str, path: str, body: object = None, *, idempotency_key: str = "",
        timeout: float = 30,
    ) -> Reply:  # fmt: skip
        headers = {
            "Host": HOST,
            "Authorization": f"Bearer {self.key}",
            "X-Forwarded-Proto": "https",
            "Accept": "application/json",
        }
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            target = path if path.startswith("/") else "/api/v1/" + path  # "/": outside the API
            connection.request(method, target, data, headers)
            response = connection.getresponse()
            raw = response.read()
            try:
                parsed = json.loads(raw) if raw else None
            except ValueError:
                parsed = raw[:300].decode(errors="replace")
            return Reply(response.status, parsed, dict(response.getheaders()))
        except (OSError, http.client.HTTPException) as exc:
            return Reply(0, f"{type(exc).__name__}: {exc}", {})
        finally:
            connection.close()

    def register(self, body: dict, *, idempotency_key: str = "") -> Reply:
        return self.call("POST", "registrations/", body, idempotency_key=idempotency_key)


def new_idempotency_key() -> str:
    return "harness-" + uuid.uuid4().hex
