"""Tenancy, generated (issue 12, Build 3): every route, as every role of another lender.

``routes.all_routes()`` enumerates every URL pattern of the project; each is filled with
organization A's real objects (``world.build_world``: registrations of all five kinds with
resident-ID grantors, valuations, a policy, alerts, a webhook and its deliveries, a grantor
watch, search log and certificates, objections, a transfer, users and API keys) and requested
with every method it answers, by every API key role and every console login of organization
B, and anonymously. It asserts:

- no private value of A (``World.private``) is in any response body or redirect;
- no write succeeds: after every POST/PUT/PATCH/DELETE the row count of every model and the
  ledger head are unchanged and the status is 4xx (console pages: 4xx, or a redirect);
- without a login only the public routes below answer.

A route whose parameters nothing can fill fails the walk by name: new routes are walked
without editing this file, or named in the failure.
"""

from __future__ import annotations

import contextlib
import html
import json
import logging
from collections import Counter
from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.urls import path
from rest_framework.test import APIClient

from registry.choices import Role
from registry.models import Registration, User
from registry.services.organizations import user_create
from tests import factories
from tests.tenancy import routes
from tests.tenancy.world import PASSWORD, ROLES, api_client, build_world

pytestmark = pytest.mark.django_db

# Routes any visitor may use, each with its reason. Nothing else answers without a login.
PUBLIC = {
    "public-verify": "the certificate check page a third party opens from a printed code",
    "verify": "the same check as JSON, for a relying party's system",
    "search-certificate-public-key": "the public key that verifies certificates offline",
    "schema": "the OpenAPI schema is the published contract",
    "docs": "the browsable API documentation of that schema",
    "healthz": "liveness probe for the load balancer",
    "readyz": "readiness probe for the load balancer",
    "login": "the console and admin sign-in pages",
    "logout": "signing out needs no login",
    "set_language": "the language switch on the sign-in page",
    None: "unnamed patterns: the / redirect to the console and admin's object-URL redirects",
}

# A body a write would need to get past validation, by the API action it goes to: the
# ownership check must refuse it, not the validation. Other writes are sent ``{}``.
# Filing an objection is open to every lender (DESIGN §3), so it is sent nothing valid.
WRITE_BODIES = {
    "amendments": {"description": "B was here"},
    "extensions": {"years": 1},
    "transfers": {"to": "BANKB"},
    "case": {
        "case_number": "B-1",
        "body_type": "court",
        "body": "B court",
        "accepted_on": str(date.today()),
    },
    "valuations": {"value": "1.00", "method": "book_value", "valued_on": str(date.today())},
    "webhooks": {"url": "http://127.0.0.1:9/b-hook/"},
}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture(autouse=True)
def _webhooks_to_loopback(settings):
    settings.WEBHOOK_ALLOW_LOOPBACK = True


def b_logins(world) -> dict[str, tuple[str, object]]:
    """Every way B reaches the service: API keys and console users of each role, a staff user
    with every model permission (the operator's /admin/ scoped to its lender), and nobody."""
    logins: dict[str, tuple[str, object]] = {"anonymous": ("anonymous", None)}
    for role in ROLES:
        logins[f"api_{role}"] = ("api", api_client(world.b, role)[0])
        logins[f"console_{role}"] = ("console", User.objects.get(username=f"walk_b_{role}_q7"))
    staff = user_create(
        actor=factories.actor_for(world.b),
        username="walk_b_staff_q7",
        password=PASSWORD,
        role=Role.ADMIN,
    )
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    staff.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["registry", "alerts", "valuation"])
    )
    logins["staff"] = ("console", staff)
    return logins


def row_counts() -> dict[str, tuple]:
    """Every model's fingerprint (the ledger head among them: its sequence and hash)."""
    return routes.fingerprint()


def client_for(kind: str, who) -> object:
    if kind == "api":
        who.raise_request_exception = False  # a 500 is a finding to list, not a crash
        return who
    client = Client(raise_request_exception=False)
    if who is not None:
        client.force_login(who)
    return client


def send(client, method: str, url: str, body) -> object:
    call = getattr(client, method.lower())
    if isinstance(client, APIClient):
        return call(url, body, format="json") if method in WRITES else call(url)
    return call(url, body or {}) if method == "POST" else call(url)


def action_of(route) -> str:
    segments = [s for s in route.pattern.replace("^", "").split("/") if s and "<" not in s]
    return segments[-1].split("(")[0] if segments else ""


def bodies(route, method: str, outsider) -> list:
    if method not in WRITES or method == "DELETE":
        return [None]
    if route.is_api:
        candidate = WRITE_BODIES.get(action_of(route))
        return [{}] if candidate is None or not routes.params(route.pattern) else [{}, candidate]
    return [{}, *routes.changelist_actions(route, outsider)]


def leaks(response, private) -> list[str]:
    text = response.content.decode("utf-8", "replace") + " " + response.get("Location", "")
    with contextlib.suppress(ValueError, UnicodeDecodeError):  # JSON escapes non-ASCII
        text += " " + json.dumps(json.loads(response.content), ensure_ascii=False)
    return [
        f"{label}={value!r}"
        for label, value in private
        if value in text or html.escape(value) in text
    ]


def walk(world) -> tuple[list[str], Counter]:
    private = world.private_values()
    logins = b_logins(world)
    resources = routes.api_resources(world.b)
    resources["_registration"] = Registration.objects.filter(secured_party=world.a).first()
    problems: list[str] = []
    tally: Counter = Counter()
    baseline = row_counts()
    detector = routes.WriteDetector()
    for route in routes.all_routes():
        try:
            fills = routes.fillings(route, world.b, resources)
        except routes.Unfillable as error:
            problems.append(f"cannot fill {error}")
            continue
        if not fills:
            problems.append(f"no object of A to fill {route.pattern}")
            continue
        public = route.name in PUBLIC
        tally["routes"] += 1
        for login, (kind, who) in logins.items():
            if (kind == "api" and not route.is_api) or (kind == "console" and route.is_api):
                continue
            client = client_for(kind, who)
            for kwargs in fills:
                url = routes.url_for(route, kwargs)
                for method in route.methods:
                    for body in bodies(route, method, world.b):
                        detector.wrote = False
                        with connection.execute_wrapper(detector):
                            response = send(client, method, url, body)
                        tally["requests"] += 1
                        where = f"{login} {method} {url}"
                        status = response.status_code
                        if status >= 500:
                            problems.append(f"{where}: {status}")
                        if found := leaks(response, private):
                            problems.append(f"{where}: {status} shows {', '.join(found)}")
                        if login == "anonymous" and not public and method == "GET":
                            refused = status in (401, 403, 404) or (
                                status == 302 and "login" in response.get("Location", "")
                            )
                            if not refused:
                                problems.append(f"{where}: {status} without a login")
                        if method in WRITES and route.name not in (
                            "login",
                            "logout",
                            "set_language",
                        ):
                            tally["writes"] += 1
                            now = row_counts() if detector.wrote else baseline
                            own = False
                            if now != baseline:
                                # a collection route writes the caller's own rows, or nothing
                                own = not fills[0] and routes.only_insertions_of(
                                    baseline, now, world.b
                                )
                                if own:
                                    tally["own writes"] += 1
                                else:
                                    changed = {k for k in now if now[k] != baseline[k]}
                                    problems.append(f"{where} {body}: {status} wrote {changed}")
                                baseline = now
                            ok = (
                                own
                                or 400 <= status < 500
                                or (not route.is_api and status in (200, 302))
                            )
                            if not ok:
                                problems.append(f"{where} {body}: {status} for a write")
            if kind == "console" and who is not None:
                client.logout()
    tally["logins"] = len(logins)
    return problems, tally


def test_no_route_shows_or_changes_another_lenders_data():
    world = build_world()
    logging.disable(logging.CRITICAL)  # thousands of expected 403/404 lines
    try:
        problems, tally = walk(world)
    finally:
        logging.disable(logging.NOTSET)
    print(f"tenancy walk: {dict(tally)}")
    assert tally["routes"] > 250
    assert not problems, "\n".join(problems)


def test_a_route_nobody_can_fill_fails_the_walk(bank_a, bank_b):
    route = routes.Route(
        pattern="api/v1/gadgets/<slug:gadget>/", name="gadget", callback=None, parts=[]
    )
    with pytest.raises(routes.Unfillable, match="gadget"):
        routes.fillings(route, bank_b, {})
    console = routes.Route(
        pattern="console/registry/registration/<int:pk>/<str:widget>/",
        name="w",
        callback=None,
        parts=[],
    )
    with pytest.raises(routes.Unfillable, match="widget"):
        routes.fillings(console, bank_b, {})


del path
