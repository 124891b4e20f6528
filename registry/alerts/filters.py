"""Filters of the alerts list (django-filter)."""

from __future__ import annotations

import django_filters

from registry.alerts.choices import AlertKind, AlertStatus
from registry.alerts.models import Alert


class AlertFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=AlertKind.choices)
    status = django_filters.ChoiceFilter(choices=AlertStatus.choices)

    class Meta:
        model = Alert
        fields = ["kind", "status"]
