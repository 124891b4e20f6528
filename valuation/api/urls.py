from django.urls import path, re_path

from valuation.api import views

urlpatterns = [
    path("collateral/<int:pk>/", views.CollateralDetailView.as_view(), name="collateral-detail"),
    path(
        "collateral/<int:pk>/valuations/",
        views.CollateralValuationsView.as_view(),
        name="collateral-valuations",
    ),
    path("haircut-policy/", views.HaircutPolicyView.as_view(), name="haircut-policy"),
    path(
        "haircut-policy/versions/",
        views.HaircutPolicyVersionsView.as_view(),
        name="haircut-policy-versions",
    ),
    path("commodity-prices/", views.CommodityPricesView.as_view(), name="commodity-prices"),
    re_path(
        r"^registrations/(?P<number>\d{4}-\d{8})/coverage/$",
        views.RegistrationCoverageView.as_view(),
        name="registration-coverage",
    ),
]
