from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from registry.api.views import registrations, root, search

router = SimpleRouter()
router.register("registrations", registrations.RegistrationViewSet, basename="registration")

urlpatterns = [
    path("", root.ApiRootView.as_view(), name="api-root"),
    path("conflict-checks/", registrations.ConflictCheckView.as_view(), name="conflict-checks"),
    path("priority/", search.PriorityView.as_view(), name="priority"),
    path("search/", search.SearchView.as_view(), name="search"),
    path(
        "search-certificates/",
        search.SearchCertificateCreateView.as_view(),
        name="search-certificates",
    ),
    path(
        "search-certificates/public-key/",
        search.PublicKeyView.as_view(),
        name="search-certificate-public-key",
    ),
    path(
        "search-certificates/<str:number>/",
        search.SearchCertificateDetailView.as_view(),
        name="search-certificate-detail",
    ),
    path(
        "search-certificates/<str:number>/verify/",
        search.SearchCertificateVerifyView.as_view(),
        name="search-certificate-verify",
    ),
    path(
        "search-certificates/<str:number>/print/",
        search.SearchCertificatePrintView.as_view(),
        name="search-certificate-print",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    *router.urls,
]
