from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Registry")

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        from registry.api import schema  # noqa: F401  (registers the OpenAPI auth extension)

        # Each app contributes its lender-console pages from its own console module(s).
        autodiscover_modules("console")
