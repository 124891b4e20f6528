"""Filters of the registry's list endpoints (django-filter)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from collateral.kinds.base import kind_choices
from registry.choices import RegistrationStatus
from registry.models import CollateralItem, Registration


class RegistrationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RegistrationStatus.choices, method="by_status")
    kind = django_filters.ChoiceFilter(choices=kind_choices, method="by_kind")
    expires_before = django_filters.IsoDateTimeFilter(method="by_expires_before")

    class Meta:
        model = Registration
        fields = ["status", "kind", "expires_before"]

    def by_status(self, queryset, name, value):
        return queryset.with_status(value)

    def by_expires_before(self, queryset, name, value):
        if value.year < 2 or value.year > 9998:  # beyond what can be stored in UTC
            raise ValidationError({"expires_before": [_("Give a date between years 2 and 9998.")]})
        return queryset.filter(expires_at__lt=value)

    def by_kind(self, queryset, name, value: str):
        items = CollateralItem.objects.filter(kind=value, removed_at__isnull=True)
        return queryset.filter(pk__in=items.values("registration_id"))
