"""The lender console's registry pages (the site itself is :mod:`registry.console.site`)."""

from registry.console import organization, portfolio, registrations, search  # noqa: F401
