"""Page numbers: a page that is not a whole number from 1 is a 400 naming ``page``.

DRF answers 404 for ``?page=0``, ``?page=-3`` and ``?page=abc`` alike; those are bad input,
not a missing object. A page past the last one stays a 404 (``not_found``): the number is
well formed and the page is simply not there, which the schema documents.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination


class StrictPageNumberPagination(PageNumberPagination):
    invalid_number_message = _("Give a whole page number from 1.")

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param)
        if raw is None:
            return 1
        if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
            raise serializers.ValidationError(
                {self.page_query_param: [self.invalid_number_message]}
            )
        return int(raw)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
        return parameters
