"""Filters of the registry's list endpoints (django-filter)."""

from __future__ import annotations

from datetime import timedelta

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

from collateral.kinds.base import kind_choices
from registry.choices import RegistrationStatus
from registry.models import CollateralItem, Registration

# Real time zones lie within -12:00 and +14:00; PostgreSQL refuses offsets past ±15:59.
MAX_UTC_OFFSET = timedelta(hours=14)


def moment_out_of_range(moment) -> str | None:
    """``"offset"`` or ``"range"`` when a parsed time is not a real, storable one, else None."""
    offset = moment.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        return "offset"
    if not 2 <= moment.year <= 9998:  # beyond what can be stored in UTC
        return "range"
    return None


class BoundedIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 time with a real offset (at most ±14:00), within years 2 to 9998.

    What a query compares with is then always storable and comparable in UTC: an offset of
    +16:00 or a year 0001 time would otherwise reach the database and fail there (a 500).
    """

    default_error_messages = {
        "offset": _("Give a UTC offset between -14:00 and +14:00."),
        "range": _("Give a date between years 2 and 9998."),
    }

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        problem = moment_out_of_range(moment)
        if problem:
            raise forms.ValidationError(self.error_messages[problem], code=problem)
        return moment


class BoundedIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = BoundedIsoDateTimeField


class RegistrationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RegistrationStatus.choices, method="by_status")
    # the list itself, not the callable: the schema then enumerates the kinds
    kind = django_filters.ChoiceFilter(choices=kind_choices(), method="by_kind")
    expires_before = BoundedIsoDateTimeFilter(method="by_expires_before")

    class Meta:
        model = Registration
        fields = ["status", "kind", "expires_before"]

    def by_status(self, queryset, name, value):
        return queryset.with_status(value)

    def by_expires_before(self, queryset, name, value):
        return queryset.filter(expires_at__lt=value)

    def by_kind(self, queryset, name, value: str):
        items = CollateralItem.objects.filter(kind=value, removed_at__isnull=True)
        return queryset.filter(pk__in=items.values("registration_id"))
