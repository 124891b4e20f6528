"""Real objects for the fuzzer to find, made through the API itself as two lenders would.

Registrations of every kind for BANKA and BANKB (one patent pledged to both: a duplicate),
an amendment, an extension and a discharge, valuations, webhooks, grantor watches, search
certificates (so registration and search certificate numbers exist), an objection and a
transfer offer. ``seed_demo`` has already made the two lenders and its own registrations;
the duplicate and expiry scans (run by ``fuzz/run.py`` afterwards) raise the alerts.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

GRANTOR_TECH = {
    "name": "深圳新材科技有限公司",
    "id_type": "uscc",
    "id_number": "91440300MA5F000007",
}
GRANTOR_FARM = {
    "name": "杭州绿谷农业有限公司",
    "id_type": "uscc",
    "id_number": "91330106MA2B12345N",
}
GRANTOR_PERSON = {"name": "张三", "id_type": "resident_id", "id_number": "11010519491231002X"}

ITEMS: dict[str, dict[str, Any]] = {
    "ip": {
        "kind": "ip",
        "ip_type": "invention_patent",
        "number": "ZL201710601862.3",
        "title": "锂电池隔膜及其制备方法",
        "right_expires_on": "2037-07-20",
    },
    "warehouse_receipt": {
        "kind": "warehouse_receipt",
        "issuer_code": "QDPORT",
        "receipt_number": "WR-2026-009001",
        "commodity": "copper cathode",
        "quantity": "120.000",
        "unit": "t",
        "warehouse": "QD-BONDED-4",
        "lot": "L-9001",
        "issued_on": "2026-09-01",
        "expires_on": "2027-08-31",
    },
    "livestock": {
        "kind": "livestock",
        "species": "pig",
        "ear_tags": ["133010600009001", "133010600009002"],
        "head_count": 2,
        "farm": "绿谷生猪养殖场",
    },
    "forest_right": {
        "kind": "forest_right",
        "certificate_number": "浙（2022）安吉县不动产权第0090001号",
        "location": "浙江省湖州市安吉县",
        "area_hectares": "12.50",
        "stand_age": "middle",
        "right_expires_on": "2050-12-31",
    },
    "receivable": {
        "kind": "receivable",
        "debtor": GRANTOR_TECH,
        "contract_number": "HT-2026-9001",
        "invoices": [{"code": "044031900111", "number": "00090001"}],
        "amount": "580000.00",
        "currency": "CNY",
        "due_on": "2027-03-31",
    },
}


class Client:
    def __init__(self, base: str, key: str) -> None:
        self.base = base.rstrip("/")
        self.key = key

    def call(self, method: str, path: str, body: Any = None, expect: tuple[int, ...] = ()) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 - our own local server
            f"{self.base}/api/v1/{path}",
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        if status >= 300 and status not in expect:
            raise SystemExit(f"fuzz seed: {method} {path} -> {status}: {raw[:500]!r}")
        return json.loads(raw) if raw else None


def _register(client: Client, grantor: dict, kinds: list[str], **extra: Any) -> dict:
    body = {
        "grantor": grantor,
        "collateral": [ITEMS[kind] for kind in kinds],
        "secured_amount": "1000000.00",
        "loan_reference": "FUZZ",
        **(extra or {"period_years": 3}),
    }
    return client.call("POST", "registrations/", body)


def seed(base: str, key_a: str, key_b: str) -> dict[str, int]:
    """Make the objects; return how many of each were made."""
    a, b = Client(base, key_a), Client(base, key_b)
    made: dict[str, int] = {}

    def count(what: str) -> None:
        made[what] = made.get(what, 0) + 1

    own = {"a": [], "b": []}
    for side, client, grantor in (("a", a, GRANTOR_FARM), ("b", b, GRANTOR_TECH)):
        for kind in ITEMS:
            own[side].append(_register(client, grantor, [kind]))
            count("registrations")
        own[side].append(_register(client, GRANTOR_PERSON, list(ITEMS), period_months=6))
        count("registrations")
    first_a, *rest_a = own["a"]
    a.call("POST", f"registrations/{first_a['registration_number']}/amendments/",
           {"description": "amended by the fuzz seed", "secured_amount": "900000.00"})  # fmt: skip
    count("amendments")
    a.call("POST", f"registrations/{rest_a[0]['registration_number']}/extensions/", {"years": 1})
    count("extensions")
    for side, client in (("a", a), ("b", b)):
        for registration in own[side]:
            for item in registration["collateral"]:
                client.call("POST", f"collateral/{item['id']}/valuations/",
                            {"value": "500000.00", "method": "appraisal",
                             "valued_on": "2026-11-01", "appraiser": "fuzz seed"})  # fmt: skip
                count("valuations")
        client.call("POST", "webhooks/", {"url": "http://127.0.0.1:9/registry-hook"})
        count("webhooks")
        client.call("POST", "grantor-watches/",
                    {"id_type": "uscc", "id_number": GRANTOR_FARM["id_number"]})  # fmt: skip
        count("grantor watches")
        client.call("POST", "search-certificates/",
                    {"identifier": ITEMS["ip"]["number"], "purpose": "pre_lending"})  # fmt: skip
        count("search certificates")
    a.call("POST", f"registrations/{rest_a[1]['registration_number']}/discharge/")
    count("discharges")
    target = rest_a[2]["registration_number"]
    b.call("POST", f"registrations/{target}/objections/", {"grounds": "fuzz seed objection"})
    count("objections")
    a.call("POST", f"registrations/{rest_a[3]['registration_number']}/transfers/", {"to": "BANKB"})
    count("transfer offers")
    return made
