from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from registry.api.views.certificates import public_verify_page
from registry.api.views.root import healthz, readyz
from registry.console.site import console_site

urlpatterns = [
    path("", RedirectView.as_view(url="/console/", permanent=False)),
    path("healthz/", healthz, name="healthz"),
    path("verify/<str:number>", public_verify_page, name="public-verify"),
    path("readyz/", readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("console/", console_site.urls),
    path("admin/", admin.site.urls),
    path("api/v1/", include("valuation.api.urls")),
    path("api/v1/", include("registry.api.urls")),
    path("api/v1/", include("registry.alerts.api.urls")),
]

handler404 = "registry.api.views.root.not_found"
handler500 = "registry.api.views.root.server_error"
