"""factory_boy factories and valid collateral payloads for tests."""

from __future__ import annotations

import itertools

import factory
from stdnum.cn import ric

from collateral.identifiers import patent_check_character
from registry.actors import Actor
from registry.choices import Role
from registry.models import Organization, User

_serial = itertools.count(1)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"BANK{n}")
    name = factory.LazyAttribute(lambda o: f"Bank {o.code}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"officer{n}")
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.OFFICER


def actor_for(organization: Organization) -> Actor:
    return Actor(organization=organization, label=f"test:{organization.code}")


def patent_number(serial: int | None = None, type_digit: str = "1") -> str:
    """A valid 12-digit invention patent application number."""
    serial = next(_serial) if serial is None else serial
    digits = f"2017{type_digit}{serial:07d}"
    return f"{digits}.{patent_check_character(digits)}"


def ear_tag(serial: int | None = None, species_code: str = "1") -> str:
    serial = next(_serial) if serial is None else serial
    return f"{species_code}330106{serial:08d}"


def ip_item(number: str | None = None, **extra) -> dict:
    return {
        "kind": "ip",
        "ip_type": "invention_patent",
        "number": number or patent_number(),
        "title": "A battery separator",
        **extra,
    }


def receipt_item(number: str | None = None, **extra) -> dict:
    return {
        "kind": "warehouse_receipt",
        "issuer_code": "SHFE01",
        "receipt_number": number or f"WR{next(_serial):08d}",
        "commodity": "copper",
        "quantity": "25.5",
        "unit": "t",
        "warehouse": "QD-PORT-3",
        "lot": f"LOT{next(_serial)}",
        "issued_on": "2026-01-10",
        "expires_on": "2027-01-10",
        **extra,
    }


def livestock_item(tags: list[str] | None = None, **extra) -> dict:
    tags = tags or [ear_tag(), ear_tag()]
    return {
        "kind": "livestock",
        "species": "pig",
        "ear_tags": tags,
        "head_count": len(tags),
        "farm": "Green Valley Farm",
        "insurance_policy": "PICC-2026-001",
        **extra,
    }


def forest_item(certificate: str | None = None, **extra) -> dict:
    return {
        "kind": "forest_right",
        "certificate_number": certificate or f"浙(2021)杭州市不动产权第{next(_serial):07d}号",
        "unit_number": f"330106001002GB{next(_serial) % 100000:05d}L00000001",
        "parcel": "Lot 7",
        "location": "Hangzhou, Zhejiang",
        "area_hectares": "12.5",
        "species": "Chinese fir",
        "stand_age": "middle",
        **extra,
    }


def grantor(name: str = "杭州绿谷农业有限公司", uscc: str = "91330106MA2B12345X") -> dict:
    from stdnum.cn import uscc as uscc_mod

    body = uscc[:17]
    return {"name": name, "id_type": "uscc", "id_number": body + uscc_mod.calc_check_digit(body)}


def person_grantor(name: str = "张三") -> dict:
    body = "11010519491231002"
    return {
        "name": name,
        "id_type": "resident_id",
        "id_number": body + ric.calc_check_digit(body + "0"),
    }


def registration_payload(*items: dict, **extra) -> dict:
    return {
        "grantor": grantor(),
        "collateral": list(items) or [ip_item()],
        "period_years": 3,
        "secured_amount": "1000000.00",
        "currency": "CNY",
        "loan_reference": "LN-2026-0001",
        "description": "Working capital loan",
        **extra,
    }
