from rest_framework.routers import SimpleRouter

from registry.alerts.api import views

router = SimpleRouter()
router.register("alerts", views.AlertViewSet, basename="alert")
router.register("webhooks", views.WebhookViewSet, basename="webhook")
router.register("grantor-watches", views.GrantorWatchViewSet, basename="grantor-watch")

urlpatterns = router.urls
