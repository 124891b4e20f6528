from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from registry.api.views import certificates, legal, registrations, root, search

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
    path(
        "registrations/<str:number>/objections/",
        legal.ObjectionListCreateView.as_view(),
        name="registration-objections",
    ),
    path(
        "registrations/<str:number>/objections/<int:pk>/withdraw/",
        legal.ObjectionWithdrawView.as_view(),
        name="objection-withdraw",
    ),
    path(
        "registrations/<str:number>/objections/<int:pk>/case/",
        legal.ObjectionCaseView.as_view(),
        name="objection-case",
    ),
    path(
        "registrations/<str:number>/transfers/",
        legal.TransferOfferView.as_view(),
        name="registration-transfers",
    ),
    path("transfers/", legal.TransferListView.as_view(), name="transfers"),
    path("transfers/<int:pk>/accept/", legal.TransferAcceptView.as_view(), name="transfer-accept"),
    path(
        "transfers/<int:pk>/decline/",
        legal.TransferDeclineView.as_view(),
        name="transfer-decline",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    *router.urls,
]
