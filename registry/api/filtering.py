"""The list endpoints' query parameters: one given empty, or outside its choices, is a 400
naming it.

``?kind=`` used to be read as "no filter" and answer every row, so a client whose variable
was unset got an unfiltered list without noticing. Every list view filters through this
backend (``DEFAULT_FILTER_BACKENDS``), including those without a filterset.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import serializers


def refuse_empty_query_parameters(request) -> None:
    empty = sorted({name for name, value in request.query_params.items() if not value.strip()})
    if empty:
        message = _("This parameter is empty; give a value or leave the parameter out.")
        raise serializers.ValidationError({name: [message] for name in empty})


def choice_parameter(request, name: str, choices) -> str | None:
    """The query parameter ``name`` if given, which must be one of ``choices``: otherwise a
    400 that says what was given and what may be."""
    value = request.query_params.get(name)
    if value is not None and value not in choices:
        message = _("“%(value)s” is not one of: %(choices)s.") % {
            "value": value,
            "choices": ", ".join(choices),
        }
        raise serializers.ValidationError({name: [message]})
    return value


class StrictFilterBackend(DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        refuse_empty_query_parameters(request)
        return super().filter_queryset(request, queryset, view)
