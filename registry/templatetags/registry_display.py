"""Template filters for showing stored JSON snapshots (certificates) to people by labels."""

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from collateral.kinds.base import all_kinds
from collateral.resolution import scheme_catalogue
from registry import display
from registry.choices import LedgerEventType, MatchType, RegistrationStatus, SearchPurpose

register = template.Library()


@register.filter
def local_time(value: str) -> str:
    """An ISO 8601 timestamp from a snapshot, shown in the display time zone."""
    moment = parse_datetime(value or "")
    if moment is None:
        return value
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S %Z")


@register.filter
def status_label(value: str) -> str:
    return RegistrationStatus(value).label if value in RegistrationStatus.values else value


@register.filter
def match_label(value: str) -> str:
    return MatchType(value).label if value in MatchType.values else value


@register.filter
def event_label(value: str) -> str:
    return LedgerEventType(value).label if value in LedgerEventType.values else value


QUERY_LABELS = {
    "identifier": _("Collateral identifier"),
    "registration_number": _("Registration number"),
    "scheme": _("Identifier scheme"),
    "as_of": _("As of"),
    "purpose": _("Purpose"),
    "kind": _("Kind"),
    "grantor_id": _("Grantor ID"),
    "grantor_name": _("Grantor name"),
    "include_inactive": _("Include expired and discharged"),
}


@register.filter
def kind_label(value: str) -> str:
    kind = all_kinds().get(value)
    return kind.label if kind is not None else value


@register.filter
def scheme_label(value: str) -> str:
    info = scheme_catalogue().get(value)
    return info.label if info is not None else value


@register.filter
def purpose_label(value: str) -> str:
    return SearchPurpose(value).label if value in SearchPurpose.values else value


@register.filter
def how_label(value: str) -> str:
    labels = {
        "exact": _("exact"),
        "lookalike": _("look-alike characters"),
        "one_edit": _("one character different"),
        "similar_name": _("similar name"),
    }
    return labels.get(value, value)


@register.filter
def query_label(value: str) -> str:
    return str(QUERY_LABELS.get(value, value))


@register.filter
def query_value(value) -> str:
    if value is True:
        return str(_("Yes"))
    if value is False:
        return str(_("No"))
    return display.kind_label(value) if isinstance(value, str) else str(value)
