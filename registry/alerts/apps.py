from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    """Alerts, their outbox (e-mail, webhooks) and the duplicate and expiry scans."""

    name = "registry.alerts"
    label = "alerts"
    verbose_name = _("Alerts")

    def ready(self) -> None:
        from registry import dispatch

        # The incremental duplicate check runs right after every registry write commits.
        dispatch.subscribe(dispatch.REGISTRATIONS_CHANGED, "registry.duplicate_pledges_check")
        # ... and the expiring alerts of what changed (an extension resolves its warning)
        dispatch.subscribe(dispatch.REGISTRATIONS_CHANGED, "registry.expiring_alerts_check")
        # The secured party hears of objections at once; watchers of a grantor of its events.
        dispatch.subscribe(dispatch.OBJECTIONS_CHANGED, "registry.objection_alerts_check")
        dispatch.subscribe(dispatch.GRANTOR_EVENTS_RECORDED, "registry.grantor_watch_alerts")
