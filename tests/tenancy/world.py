"""Organization A's real objects, built through the API as A's own staff would, and the set
of A's private values that no other organization may ever see.

Three lenders: A holds everything; B is the outsider whose every role walks the routes; C
receives a transfer from A, objects to A's registration and is objected to by A, so every
legal edge has an object to point at.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from django.utils import timezone, translation
from rest_framework.test import APIClient
from stdnum.cn import ric

from registry.actors import Actor
from registry.alerts.services.alerts import alert_settings_set
from registry.alerts.services.duplicates import duplicate_pledges_scan
from registry.alerts.services.webhooks import webhook_deliveries_send
from registry.choices import Role
from registry.models import ApiKey, Organization, User
from registry.services.organizations import api_key_create, organization_ensure, user_create
from tests import factories
from valuation.services.scans import coverage_shortfalls_scan, stale_valuations_scan

ROLES = (Role.VIEWER, Role.OFFICER, Role.ADMIN)
PASSWORD = "walk-password"


def resident_id(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


# A's private values are odd enough never to occur by chance in another page.
A_PERSON = {
    "name": "李四甲",
    "id_type": "resident_id",
    "id_number": resident_id("33010619770823417"),
}
A_WATCHED = resident_id("44030519810517263")
A_SEARCH_NAME = "甲行私查询王五六"
USCC = "91440300MA5F000007"
A_WEBHOOK_URL = "http://127.0.0.1:9/a-private-hook-93a7c1/"


@dataclass
class World:
    a: Organization
    b: Organization
    c: Organization
    private: dict[str, set[str]] = field(default_factory=dict)  # label -> values

    def private_values(self) -> list[tuple[str, str]]:
        return sorted((label, v) for label, values in self.private.items() for v in values if v)


def api_client(organization: Organization, role: str) -> tuple[APIClient, str]:
    _key, raw = api_key_create(actor=factories.actor_for(organization), role=role)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client, raw


def ok(response, status=(200, 201)):
    assert response.status_code in status, (response.status_code, response.content[:500])
    return response.json() if response.content else None


def money(value: str) -> set[str]:
    """A Decimal as JSON, a form and a page may print it."""
    whole, _, cents = value.partition(".")
    grouped = f"{int(whole):,}"
    return {value, f"{grouped}.{cents}", whole, grouped}


def alert_messages(alerts) -> set[str]:
    """Each alert's message as every reader's language renders it."""
    messages = set()
    for alert in alerts:
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                messages.add(str(alert.message))
    return messages


def build_world() -> World:
    a = organization_ensure(code="BANKA", name="Bank A")[0]
    b = organization_ensure(code="BANKB", name="Bank B")[0]
    c = organization_ensure(code="BANKC", name="Bank C")[0]
    world = World(a=a, b=b, c=c)
    p = world.private
    admin_a, raw_a = api_client(a, Role.ADMIN)
    client_c, _ = api_client(c, Role.OFFICER)
    client_b, _ = api_client(b, Role.OFFICER)

    # A's console users, and B's (one per role), all with e-mail addresses.
    for org, tag in ((a, "a"), (b, "b")):
        for role in ROLES:
            user = user_create(
                actor=factories.actor_for(org),
                username=f"walk_{tag}_{role}_q7",
                password=PASSWORD,
                role=role,
            )
            user.email = f"walk.{tag}.{role}@lender-{tag}-q7.example"
            user.save(update_fields=["email"])
    p["username"] = {u.username for u in User.objects.filter(organization=a)}
    p["email"] = {u.email for u in User.objects.filter(organization=a)}

    # Registrations of all five kinds, each with a resident-ID grantor and private fields.
    items = {
        "ip": factories.ip_item(),
        "warehouse_receipt": factories.receipt_item(),
        "livestock": factories.livestock_item(),
        "forest_right": factories.forest_item(),
        "receivable": {
            "kind": "receivable",
            "debtor": {"name": "深圳新材科技有限公司", "id_type": "uscc", "id_number": USCC},
            "contract_number": "HT-2026-0815",
            "invoices": [{"number": "26442000000012345678"}],
            "amount": "580000.00",
            "currency": "CNY",
            "due_on": "2027-03-31",
        },
    }
    registrations = {}
    p["secured_amount"], p["loan_reference"], p["description"] = set(), set(), set()
    for n, (kind, item) in enumerate(items.items()):
        amount = f"73{n}9284.57"
        body = factories.registration_payload(
            item,
            grantor=A_PERSON,
            secured_amount=amount,
            loan_reference=f"LOANREF-A-{n}-93817",
            description=f"A-PRIVATE-NOTE-{n}-5531",
        )
        registrations[kind] = ok(admin_a.post("/api/v1/registrations/", body, format="json"))
        p["secured_amount"] |= money(amount)
        p["loan_reference"].add(body["loan_reference"])
        p["description"].add(body["description"])
    p["resident_id"] = {A_PERSON["id_number"], A_WATCHED}

    # B pledges A's patent too (a duplicate both see), and C holds one registration.
    patent = items["ip"]["number"]
    ok(
        client_b.post(
            "/api/v1/registrations/",
            factories.registration_payload(factories.ip_item(patent), loan_reference="B-OWN"),
            format="json",
        )
    )
    c_reg = ok(
        client_c.post("/api/v1/registrations/", factories.registration_payload(), format="json")
    )

    # Valuations (one stale, to raise alerts), a coverage shortfall, a policy of A's own.
    p["valuation"], p["appraiser"] = set(), set()
    for n, reg in enumerate(registrations.values()):
        value = f"48{n}7361.93"
        valued_on = timezone.localdate() - timedelta(days=400 if n == 0 else 1)
        ok(
            admin_a.post(
                f"/api/v1/collateral/{reg['collateral'][0]['id']}/valuations/",
                {
                    "value": value,
                    "method": "appraisal",
                    "valued_on": str(valued_on),
                    "appraiser": f"A-APPRAISER-{n}-7720",
                },
                format="json",
            )
        )
        p["valuation"] |= money(value)
        p["appraiser"].add(f"A-APPRAISER-{n}-7720")
    ok(
        admin_a.put(
            "/api/v1/haircut-policy/",
            {"base_haircuts": {"ip": {"trademark": "61.37"}}, "threshold": "1.4137"},
            format="json",
        )
    )
    p["policy"] = {"61.37", "1.4137"}

    # Webhook (URL and secret), grantor watch, search log and a search certificate.
    hook = ok(admin_a.post("/api/v1/webhooks/", {"url": A_WEBHOOK_URL}, format="json"))
    p["webhook"] = {A_WEBHOOK_URL, "a-private-hook-93a7c1", hook["secret"]}
    ok(
        admin_a.post(
            "/api/v1/grantor-watches/",
            {"id_type": "resident_id", "id_number": A_WATCHED},
            format="json",
        )
    )
    ok(admin_a.get("/api/v1/search/", {"grantor_name": A_SEARCH_NAME}))
    ok(admin_a.post("/api/v1/search-certificates/", {"grantor_name": A_SEARCH_NAME}, format="json"))
    p["search_query"] = {A_SEARCH_NAME}

    # Legal edges: A offers a transfer to C, C objects to A's patent, A objects to C's.
    ok(
        admin_a.post(
            f"/api/v1/registrations/{registrations['forest_right']['registration_number']}"
            "/transfers/",
            {"to": "BANKC"},
            format="json",
        )
    )
    ok(
        client_c.post(
            f"/api/v1/registrations/{registrations['ip']['registration_number']}/objections/",
            {"grounds": "C-PRIVATE-GROUNDS-3390"},
            format="json",
        )
    )
    ok(
        admin_a.post(
            f"/api/v1/registrations/{c_reg['registration_number']}/objections/",
            {"grounds": "A-PRIVATE-GROUNDS-6621", "evidence": "A-PRIVATE-EVIDENCE-4411"},
            format="json",
        )
    )

    p["objection"] = {"C-PRIVATE-GROUNDS-3390", "A-PRIVATE-GROUNDS-6621", "A-PRIVATE-EVIDENCE-4411"}
    price = {"commodity": "copper", "unit": "t", "price": "68123.47", "currency": "CNY"}
    price["as_of"] = str(timezone.localdate())
    ok(admin_a.post("/api/v1/commodity-prices/", {"prices": [price]}, format="json"))
    p["commodity_price"] = money("68123.47")

    # Alerts (duplicate, stale valuation, coverage, objection) and their webhook deliveries.
    duplicate_pledges_scan()
    stale_valuations_scan()
    coverage_shortfalls_scan()
    webhook_deliveries_send()
    from registry.alerts.models import Alert

    p["alert_message"] = alert_messages(Alert.objects.filter(organization=a)) - alert_messages(
        Alert.objects.exclude(organization=a)
    )
    # Operator-side rows, so every admin page has an object: schedules, a group, A's alert
    # settings, and a failed sign-in with A's username (the lockout log).
    call_command("setup_schedules", stdout=io.StringIO())
    Group.objects.create(name="walk-operators-q7")
    alert_settings_set(actor=Actor.command(a, "walk"), expiring_thresholds=[45, 13, 2])
    Client().post("/console/login/", {"username": "walk_a_admin_q7", "password": "wrong"})

    p["api_key_prefix"] = set(
        ApiKey.objects.filter(organization=a).values_list("prefix", flat=True)
    )
    p["api_key_raw"] = {raw_a}
    return world
