"""Search and priority (certificates: views/certificates.py)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from collateral.kinds.base import all_kinds, kind_choices
from collateral.resolution import scheme_choices, schemes_description
from collateral.serializers import StrictSerializer
from registry.actors import actor_from_request
from registry.api.examples import PRIORITY_EXAMPLE, SEARCH_RESPONSE_EXAMPLES
from registry.api.fields import BoundedDateTimeField
from registry.api.filtering import choice_parameter, refuse_empty_query_parameters
from registry.api.serializers.registrations import SearchResultSerializer, SecuredPartySerializer
from registry.choices import SearchPurpose
from registry.models import SearchLog
from registry.notices import timestamp
from registry.replica import ReplicaReadsMixin
from registry.selectors.priority import priority_query
from registry.selectors.search import SearchQuery, search_log_of
from registry.services.search import (
    search_perform,
)


class SearchQuerySerializer(StrictSerializer):
    """One of ``identifier`` (optionally with ``kind`` or ``scheme``), ``grantor_id``,
    ``grantor_name`` or ``registration_number``; optionally ``as_of`` and ``purpose``.

    Strict, in the query string as in a certificate's body: an unknown or repeated parameter
    is a 400 naming it, and an empty one (``?identifier=``) is "may not be blank", not absent.
    """

    CRITERIA = ("identifier", "grantor_id", "grantor_name", "registration_number")

    identifier = serializers.CharField(required=False, max_length=200, trim_whitespace=True)
    kind = serializers.ChoiceField(choices=kind_choices(), required=False)
    scheme = serializers.ChoiceField(
        choices=scheme_choices(), required=False, help_text=schemes_description()
    )
    grantor_id = serializers.CharField(required=False, max_length=64)
    grantor_name = serializers.CharField(required=False, max_length=200)
    registration_number = serializers.CharField(required=False, max_length=20)
    include_inactive = serializers.BooleanField(required=False, default=False)
    as_of = BoundedDateTimeField(
        required=False, help_text=_("Answer as the registry stood at this moment.")
    )
    purpose = serializers.ChoiceField(
        choices=SearchPurpose.choices, required=False, help_text=_("Why you search (查询原因).")
    )

    def validate_as_of(self, value):
        if value > timezone.now():
            raise serializers.ValidationError(_("as_of cannot be in the future."))
        return value

    def validate(self, attrs):
        given = [f for f in self.CRITERIA if attrs.get(f)]
        if len(given) != 1:
            raise serializers.ValidationError(
                {
                    "identifier": [
                        _(
                            "Give exactly one of identifier, grantor_id, grantor_name or "
                            "registration_number."
                        )
                    ]
                }
            )
        if (attrs.get("kind") or attrs.get("scheme")) and not attrs.get("identifier"):
            raise serializers.ValidationError(
                {"kind": [_("kind and scheme narrow an identifier search only.")]}
            )
        if attrs.get("grantor_name") and len(attrs["grantor_name"].strip()) < 2:
            raise serializers.ValidationError({"grantor_name": [_("Give at least 2 characters.")]})
        return attrs

    def to_query(self) -> SearchQuery:
        fields = SearchQuery.__dataclass_fields__
        return SearchQuery(**{k: v for k, v in self.validated_data.items() if k in fields})


class SearchPagination(PageNumberPagination):
    """Pages of search results, as every list pages (``page``, ``page_size``), with the
    total in ``count`` and the moment searched in ``as_of``."""

    page_size_query_param = "page_size"
    max_page_size = 200

    def get_paginated_response(self, data, *, as_of=None):
        response = super().get_paginated_response(data)
        response.data["as_of"] = as_of
        return response

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["count"]["description"] = str(
            _("How many notices match in all (every page), not the length of this page.")
        )
        paginated["properties"]["as_of"] = {
            "type": "string",
            "format": "date-time",
            "nullable": True,
            "example": None,
        }
        paginated["required"] = ["count", "next", "previous", "results", "as_of"]
        return paginated


class SearchParamsSerializer(SearchQuerySerializer):
    """``GET search/``: the query and which page of its results."""

    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=SearchPagination.max_page_size
    )
    format = serializers.ChoiceField(choices=["json", "api"], required=False)


SEARCH_PARAMETERS = [
    OpenApiParameter("identifier", OpenApiTypes.STR, description=_("A collateral identifier.")),
    OpenApiParameter("kind", OpenApiTypes.STR, enum=list(all_kinds()), description=_("Kind.")),
    OpenApiParameter(
        "scheme", OpenApiTypes.STR, enum=scheme_choices(), description=schemes_description()
    ),
    OpenApiParameter("grantor_id", OpenApiTypes.STR, description=_("Grantor USCC or ID number.")),
    OpenApiParameter("grantor_name", OpenApiTypes.STR, description=_("Grantor name (fuzzy).")),
    OpenApiParameter(
        "registration_number", OpenApiTypes.STR, description=_("A registration number.")
    ),
    OpenApiParameter(
        "include_inactive", OpenApiTypes.BOOL, description=_("Add expired and discharged.")
    ),
    OpenApiParameter(
        "as_of",
        OpenApiTypes.DATETIME,
        description=_("The registry as it stood at this moment (ledger and index times)."),
    ),
    OpenApiParameter("purpose", OpenApiTypes.STR, enum=SearchPurpose.values),
    OpenApiParameter(
        "page", {"type": "integer", "minimum": 1}, description=_("Page number, from 1.")
    ),
    OpenApiParameter(
        "page_size",
        {"type": "integer", "minimum": 1, "maximum": SearchPagination.max_page_size},
        description=_("Results per page: 50 unless given, at most 200."),
    ),
]


def _context(request, query: SearchQuery | None = None) -> dict:
    actor = actor_from_request(request)
    now = query.as_of if query is not None and query.as_of is not None else timezone.now()
    return {"organization": actor.organization if actor else None, "now": now}


class SearchView(ReplicaReadsMixin, APIView):
    """Search the public notices, best priority first; look-alike identifiers as ``similar``.

    Every match is counted in ``count`` and reachable page by page; the order is fixed
    (exact matches first, then similar ones, each by priority), so pages are stable.
    """

    pagination_class = SearchPagination

    @extend_schema(
        summary="Search registrations",
        parameters=SEARCH_PARAMETERS,
        responses=SearchResultSerializer(many=True),
        examples=SEARCH_RESPONSE_EXAMPLES,
    )
    def get(self, request):
        params = SearchParamsSerializer.from_query_params(request.query_params)
        params.is_valid(raise_exception=True)
        query = params.to_query()
        paginator = self.pagination_class()
        search_perform(  # a page past the last is refused before the search is logged
            actor=actor_from_request(request),
            query=query,
            shown=lambda results: paginator.paginate_queryset(results, request, view=self),
        )
        page = list(paginator.page)
        data = SearchResultSerializer(page, many=True, context=_context(request, query)).data
        return paginator.get_paginated_response(data, as_of=timestamp(query.as_of))


class PriorityEntrySerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    registration_number = serializers.CharField(source="registration.number")
    secured_party = SecuredPartySerializer(source="registration.secured_party")
    effective_at = serializers.DateTimeField()


class PriorityQuerySerializer(StrictSerializer):
    """Strict like the search's: an unknown or repeated parameter is a 400 naming it."""

    kind = serializers.ChoiceField(choices=kind_choices())
    identifier = serializers.CharField(max_length=200)
    scheme = serializers.ChoiceField(choices=scheme_choices(), required=False)
    as_of = BoundedDateTimeField(required=False)

    def validate_as_of(self, value):
        if value > timezone.now():
            raise serializers.ValidationError(_("as_of cannot be in the future."))
        return value


class PriorityView(ReplicaReadsMixin, APIView):
    """Ranking of the active registrations on one identity key (first registered, first)."""

    @extend_schema(
        summary="Priority ranking on one identifier",
        parameters=[
            OpenApiParameter("kind", OpenApiTypes.STR, required=True, enum=list(all_kinds())),
            OpenApiParameter("identifier", OpenApiTypes.STR, required=True),
            OpenApiParameter(
                "scheme",
                OpenApiTypes.STR,
                enum=scheme_choices(),
                description=_("Which key, when the text fits several.")
                + "\n"
                + schemes_description(),
            ),
            OpenApiParameter(
                "as_of", OpenApiTypes.DATETIME, description=_("Priority as it stood then.")
            ),
        ],
        responses=inline_serializer(
            "Priority",
            {
                "kind": serializers.CharField(),
                "identifier": serializers.CharField(),
                "scheme": serializers.ChoiceField(choices=scheme_choices()),
                "as_of": serializers.DateTimeField(allow_null=True),
                "ranking": PriorityEntrySerializer(many=True),
            },
        ),
        examples=[PRIORITY_EXAMPLE],
    )
    def get(self, request):
        refuse_empty_query_parameters(request)
        params = PriorityQuerySerializer.from_query_params(request.query_params)
        params.is_valid(raise_exception=True)
        answer = priority_query(**params.validated_data)
        return Response(
            {
                "kind": answer.kind,
                "identifier": answer.identifier,
                "scheme": answer.scheme,
                "as_of": timestamp(answer.as_of),
                "ranking": PriorityEntrySerializer(answer.ranking, many=True).data,
            }
        )


class SearchLogEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = SearchLog
        fields = ["id", "created_at", "actor", "query", "purpose", "result_count"]


class SearchLogView(ListAPIView):
    """The caller's organization's own searches, newest first (nobody else's)."""

    serializer_class = SearchLogEntrySerializer

    @extend_schema(
        summary="Your organization's search log",
        parameters=[
            OpenApiParameter("purpose", OpenApiTypes.STR, enum=SearchPurpose.values),
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SearchLog.objects.none()
        # "" is refused by the filter backend
        purpose = choice_parameter(self.request, "purpose", SearchPurpose.values)
        return search_log_of(
            organization=actor_from_request(self.request).organization, purpose=purpose or ""
        )
