"""The API root: who the caller is acting for, and where to go next."""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from registry import metrics
from registry.actors import actor_from_request
from registry.selectors.health import dependencies_state


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


def _dependencies_body() -> tuple[dict, bool]:
    states = dependencies_state()
    ready = all(s.ok for s in states if s.required)
    status = "ok" if all(s.ok for s in states) else ("degraded" if ready else "down")
    body = {
        "status": status,
        "dependencies": {s.name: s.as_dict() for s in states},
        "counters": metrics.snapshot(),
    }
    return body, ready


def healthz(request):
    """Liveness: the process answers (200) and reports the state of each dependency."""
    body, _ready = _dependencies_body()
    return JsonResponse(body)


def readyz(request):
    """Readiness, for load balancers: 503 while the database cannot be reached.

    Redis down is *degraded*, not unready: rate limits fail open and queued work waits.
    """
    body, ready = _dependencies_body()
    response = JsonResponse(body, status=200 if ready else 503)
    if not ready:
        response["Retry-After"] = "5"
    return response


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    """404 for paths no route matches: JSON in the API's error shape under /api/."""
    if _is_api(request):
        return JsonResponse({"detail": str(_("Not found.")), "code": "not_found"}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """500: JSON in the API's error shape under /api/ (never an HTML page to a client)."""
    if _is_api(request):
        body = {"detail": str(_("A server error occurred.")), "code": "server_error"}
        return JsonResponse(body, status=500)
    return defaults.server_error(request)
