"""The API root: who the caller is acting for, and where to go next."""

from django.db import connection
from django.http import JsonResponse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from registry.actors import actor_from_request


class ApiRootView(APIView):
    @extend_schema(
        summary="Who am I, and the API's main links",
        responses=inline_serializer(
            "ApiRoot",
            {
                "organization": serializers.DictField(),
                "actor": serializers.CharField(),
                "links": serializers.DictField(),
            },
        ),
    )
    def get(self, request):
        actor = actor_from_request(request)
        names = [
            "registration-list",
            "search",
            "conflict-checks",
            "priority",
            "search-certificates",
            "haircut-policy",
            "commodity-prices",
            "alert-list",
            "webhook-list",
            "schema",
            "docs",
        ]
        return Response(
            {
                "organization": {"code": actor.organization.code, "name": actor.organization.name},
                "actor": actor.label,
                "links": {name: reverse(name, request=request) for name in names},
            }
        )


def healthz(request):
    """Liveness and database reachability, for load balancers and compose healthchecks."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
