"""Template filters for showing stored JSON snapshots (search certificates) to people."""

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from registry import display
from registry.choices import MatchType, RegistrationStatus

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


QUERY_LABELS = {
    "identifier": _("Collateral identifier"),
    "kind": _("Kind"),
    "grantor_id": _("Grantor ID"),
    "grantor_name": _("Grantor name"),
    "include_inactive": _("Include expired and discharged"),
}


@register.filter
def kind_label(value: str) -> str:
    return display.kind_label(value)


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
