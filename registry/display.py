"""How the console shows stored values to people: labels for codes, money, times, items.

Nothing here names a collateral kind: an item's fields are shown through its kind's
serializer (labels, and choice labels for coded values), so a new kind shows itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers

from collateral.choices import GrantorIdType
from collateral.grantors import mask_id_number
from collateral.kinds.base import all_kinds
from registry.choices import LedgerEventType, MatchType, RegistrationStatus, Role
from registry.models import CollateralItem, Registration

CURRENCY_SYMBOLS = {"CNY": "元"}


def money(amount: Any, currency: str | None = "CNY") -> str:
    """``1,500,000.00 元``; another currency keeps its code (``1,200.00 USD``)."""
    if amount in (None, ""):
        return "—"
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return str(amount)
    unit = CURRENCY_SYMBOLS.get(currency or "CNY", currency or "")
    return f"{value:,.2f} {unit}".strip()


def local_datetime(value: datetime | None) -> str:
    """An aware time in Asia/Shanghai (the display time zone), to the minute."""
    if value is None:
        return "—"
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def local_date(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return value.isoformat()


def choice_label(choices: type, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def status_label(value: str) -> str:
    return choice_label(RegistrationStatus, value)


def event_label(value: str) -> str:
    return choice_label(LedgerEventType, value)


def match_label(value: str) -> str:
    return choice_label(MatchType, value)


def role_label(value: str) -> str:
    return choice_label(Role, value)


def id_type_label(value: str) -> str:
    return choice_label(GrantorIdType, value)


def kind_label(code: str) -> str:
    kind = all_kinds().get(code)
    return str(kind.label) if kind else code


def scheme_label(scheme: str) -> str:
    for kind in all_kinds().values():
        if scheme in kind.schemes:
            return str(kind.schemes[scheme])
    return scheme


def grantor_id_shown(registration: Registration, organization_id: int | None) -> str:
    """The grantor's ID number; a resident ID is masked outside the secured party."""
    if registration.secured_party_id == organization_id:
        return registration.grantor_id_number
    return mask_id_number(registration.grantor_id_type, registration.grantor_id_number)


def _value_shown(serializer_field: serializers.Field, value: Any) -> str:
    if value in (None, "", []):
        return "—"
    if isinstance(serializer_field, serializers.ChoiceField):
        return str(serializer_field.choices.get(value, value))
    if isinstance(serializer_field, serializers.ListField):
        return ", ".join(str(v) for v in value)
    if isinstance(serializer_field, serializers.BooleanField):
        return _("Yes") if value else _("No")
    if isinstance(serializer_field, serializers.DecimalField):
        try:
            return f"{Decimal(str(value)):,}"
        except InvalidOperation:
            return str(value)
    return str(value)


@dataclass(frozen=True)
class ItemView:
    """An item as a person reads it: kind, summary line, labelled fields, identifiers."""

    item: CollateralItem
    kind: str
    summary: str
    fields: list[tuple[str, str]]
    identifiers: list[tuple[str, str, str]]  # (scheme label, value, scheme code)


def item_view(item: CollateralItem) -> ItemView:
    kind = all_kinds().get(item.kind)
    fields: list[tuple[str, str]] = []
    summary = item.kind
    if kind is not None:
        serializer = kind.serializer_class()
        for name, serializer_field in serializer.fields.items():
            if name in item.attributes:
                label = str(serializer_field.label or name)
                fields.append((label, _value_shown(serializer_field, item.attributes[name])))
        summary = str(kind.describe(item.attributes))
    external = item.external_registration or {}
    if external:
        fields.append(
            (
                _("Perfected at"),
                f"{external.get('registry', '')} {external.get('number', '')} "
                f"({external.get('registered_on', '')})",
            )
        )
    keys = getattr(item, "key_list", None)
    if keys is None:
        keys = list(item.identity_keys.order_by("id"))
    identifiers = [(scheme_label(k.scheme), k.value, k.scheme) for k in keys]
    return ItemView(item, kind_label(item.kind), summary, fields, identifiers)
