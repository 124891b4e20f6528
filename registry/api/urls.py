from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from registry.api.views import certificates, registrations, root, search

router = SimpleRouter()
router.register("registrations", registrations.RegistrationViewSet, basename="registration")

urlpatterns = [
    path("", root.ApiRootView.as_view(), name="api-root"),
    path("conflict-checks/", registrations.ConflictCheckView.as_view(), name="conflict-checks"),
    path("priority/", search.PriorityView.as_view(), name="priority"),
    path("search/", search.SearchView.as_view(), name="search"),
    path("search-log/", search.SearchLogView.as_view(), name="search-log"),
    path(
        "search-certificates/",
        certificates.SearchCertificateCreateView.as_view(),
        name="search-certificates",
    ),
    path(
        "search-certificates/public-key/",
        certificates.PublicKeyView.as_view(),
        name="search-certificate-public-key",
    ),
    path(
        "search-certificates/<str:number>/",
        certificates.SearchCertificateDetailView.as_view(),
        name="search-certificate-detail",
    ),
    path(
        "search-certificates/<str:number>/verify/",
        certificates.SearchCertificateVerifyView.as_view(),
        name="search-certificate-verify",
    ),
    path(
        "search-certificates/<str:number>/print/",
        certificates.SearchCertificatePrintView.as_view(),
        name="search-certificate-print",
    ),
    path(
        "search-certificates/<str:number>/pdf/",
        certificates.SearchCertificatePdfView.as_view(),
        name="search-certificate-pdf",
    ),
    path(
        "registration-certificates/<str:number>/",
        certificates.RegistrationCertificateDetailView.as_view(),
        name="registration-certificate-detail",
    ),
    path(
        "registration-certificates/<str:number>/verify/",
        certificates.RegistrationCertificateVerifyView.as_view(),
        name="registration-certificate-verify",
    ),
    path(
        "registration-certificates/<str:number>/print/",
        certificates.RegistrationCertificatePrintView.as_view(),
        name="registration-certificate-print",
    ),
    path(
        "registration-certificates/<str:number>/pdf/",
        certificates.RegistrationCertificatePdfView.as_view(),
        name="registration-certificate-pdf",
    ),
    path("verify/<str:number>/", certificates.PublicVerifyView.as_view(), name="verify"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    *router.urls,
]
