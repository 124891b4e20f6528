"""Filters of valuation's list endpoints (django-filter)."""

from __future__ import annotations

import django_filters

from valuation.choices import Unit, normalize_commodity
from valuation.models import CommodityPrice


class CommodityPriceFilter(django_filters.FilterSet):
    commodity = django_filters.CharFilter(method="by_commodity")
    unit = django_filters.ChoiceFilter(choices=Unit.choices)
    as_of_from = django_filters.DateFilter(field_name="as_of", lookup_expr="gte")
    as_of_to = django_filters.DateFilter(field_name="as_of", lookup_expr="lte")

    class Meta:
        model = CommodityPrice
        fields = ["commodity", "unit", "as_of_from", "as_of_to"]

    def by_commodity(self, queryset, name, value: str):
        return queryset.filter(commodity=normalize_commodity(value))
