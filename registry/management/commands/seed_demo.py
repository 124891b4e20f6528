"""A small, readable demo registry: two lenders, all four kinds, a duplicate pledge and a
registration about to expire. Runs on every `make run`; it only seeds an empty registry."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from unittest import mock

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from registry.actors import Actor
from registry.choices import Role
from registry.items import grantor_validate, items_validate
from registry.models import ApiKey, Registration, User
from registry.services.organizations import api_key_create, organization_ensure, user_create
from registry.services.registrations import Period, registration_create

DEMO_PASSWORD = "demo-password"  # noqa: S105 - a documented local demo login
# (username, organization code or None for the platform operator, role), listed in README
DEMO_LOGINS = [
    ("officer_a", "BANKA", Role.OFFICER),
    ("viewer_a", "BANKA", Role.VIEWER),
    ("admin_a", "BANKA", Role.ADMIN),
    ("officer_b", "BANKB", Role.OFFICER),
    ("operator", None, None),
]

GRANTOR_FARM = {
    "name": "杭州绿谷农业有限公司",
    "id_type": "uscc",
    "id_number": "91330106MA2B12345N",
}
GRANTOR_TECH = {
    "name": "深圳新材科技有限公司",
    "id_type": "uscc",
    "id_number": "91440300MA5F000007",
}
GRANTOR_PERSON = {"name": "张三", "id_type": "resident_id", "id_number": "11010519491231002X"}

PATENT = {
    "kind": "ip",
    "ip_type": "invention_patent",
    "number": "ZL201710601862.3",
    "title": "锂电池隔膜及其制备方法 (battery separator)",
    "right_expires_on": "2037-07-20",
    "external_registration": {
        "registry": "CNIPA",
        "number": "Y2026980000123",
        "registered_on": "2026-03-02",
    },
}
RECEIPT = {
    "kind": "warehouse_receipt",
    "issuer_code": "QDPORT",
    "receipt_number": "WR-2026-000815",
    "commodity": "copper cathode",
    "quantity": "250.000",
    "unit": "t",
    "warehouse": "QD-BONDED-3",
    "lot": "L-0815",
    "issued_on": "2026-09-01",
    "expires_on": "2027-08-31",
    "platform": "Qingdao port digital receipts",
}
PIGS = {
    "kind": "livestock",
    "species": "pig",
    "ear_tags": ["133010600001201", "133010600001202", "133010600001203"],
    "head_count": 3,
    "farm": "绿谷生猪养殖场",
    "insurance_policy": "PICC-AH-2026-0042",
}
FOREST = {
    "kind": "forest_right",
    "certificate_number": "浙（2021）安吉县不动产权第0012345号",
    "unit_number": "330523001002JL00012L00000001",
    "parcel": "竹林 7 号小班",
    "location": "浙江省湖州市安吉县",
    "area_hectares": "35.20",
    "species": "Moso bamboo",
    "stock_volume_m3": "4200",
    "stand_age": "mature",
    "right_expires_on": "2056-12-31",
}
CATTLE = {
    "kind": "livestock",
    "species": "cattle",
    "ear_tags": ["215010200000501", "215010200000502"],
    "head_count": 2,
    "farm": "锡林郭勒牧场",
}


@contextmanager
def clock_at(moment):
    """Run services as if it were ``moment`` (only used to seed an empty demo ledger)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


class Command(BaseCommand):
    help = "Seed a readable demo registry (only when the registry is empty)."

    @transaction.atomic
    def handle(self, *args, **options):
        bank_a, _ = organization_ensure(code="BANKA", name="Bank A 甲银行")
        bank_b, _ = organization_ensure(code="BANKB", name="Bank B 乙小贷")
        self._ensure_logins({"BANKA": bank_a, "BANKB": bank_b})
        self._ensure_api_key(bank_a)
        if Registration.objects.exists():
            self.stdout.write("Demo: registry already has data; nothing seeded.")
            return
        a = Actor(organization=bank_a, label="seed_demo")
        b = Actor(organization=bank_b, label="seed_demo")
        now = timezone.now()
        # First, so the ledger's times stay in order: registered 25 days ago for one month,
        # it expires within a week (BANKA's officer sees it expiring).
        with clock_at(now - timedelta(days=25)):
            self._register(a, GRANTOR_PERSON, [CATTLE], Period(months=1), "30000.00")
        self._register(a, GRANTOR_TECH, [PATENT], Period(years=3), "2000000.00")
        self._register(a, GRANTOR_FARM, [RECEIPT, PIGS], Period(years=1), "1500000.00")
        self._register(a, GRANTOR_FARM, [FOREST], Period(years=10), "800000.00")
        # The same patent pledged again to another lender: a duplicate pledge.
        duplicate = dict(PATENT, number="ＺＬ２０１７１０６０１８６２．３")
        duplicate.pop("external_registration")
        self._register(b, GRANTOR_TECH, [duplicate], Period(years=2), "500000.00")
        self.stdout.write(f"Demo: seeded {Registration.objects.count()} registrations.")

    def _register(self, actor, grantor, raw_items, period, amount):
        return registration_create(
            actor=actor,
            grantor=grantor_validate(grantor),
            items=items_validate(raw_items),
            period=period,
            secured_amount=Decimal(amount),
            loan_reference=f"DEMO-{actor.organization.code}",
            description="Demo registration",
        )

    def _ensure_logins(self, organizations):
        for username, code, role in DEMO_LOGINS:
            if User.objects.filter(username=username).exists():
                continue
            if code is None:
                User.objects.create_superuser(
                    username, email=f"{username}@localhost", password=DEMO_PASSWORD
                )
            else:
                user_create(
                    actor=Actor.command(organizations[code], "seed_demo"),
                    username=username,
                    password=DEMO_PASSWORD,
                    role=role,
                )
            self.stdout.write(f"Demo login: {username} / {DEMO_PASSWORD}")

    def _ensure_api_key(self, organization):
        path = Path(settings.VAR_DIR) / "demo-api-key.txt"
        if ApiKey.objects.filter(organization=organization, name="demo").exists() and path.exists():
            self.stdout.write(f"Demo API key for BANKA: in {path}")
            return
        _key, raw = api_key_create(actor=Actor.command(organization, "seed_demo"), name="demo")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(raw + "\n")
        self.stdout.write(f"Demo API key for BANKA (also in {path}): {raw}")
