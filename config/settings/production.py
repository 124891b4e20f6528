"""Production settings: refuse to start misconfigured; hardened HTTP, Redis, JSON only."""

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=False)
if DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production (unset DEBUG or set it to 0).")
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set in the environment in production.")
if not REDIS_URL:  # noqa: F405
    # without it the broker would be a local folder and rate limits per process
    raise ImproperlyConfigured("REDIS_URL must be set in production (broker, cache, limits).")


def _check_signing_key(pem: str) -> None:
    """Refuse to start with a missing or unusable certificate signing key (not at first use)."""
    if not pem:
        raise ImproperlyConfigured("SEARCH_CERTIFICATE_SIGNING_KEY must be set in production.")
    try:
        key = serialization.load_pem_private_key(pem.replace("\\n", "\n").encode(), None)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            f"SEARCH_CERTIFICATE_SIGNING_KEY is not a readable PEM private key: {exc}"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured("SEARCH_CERTIFICATE_SIGNING_KEY must be an Ed25519 key.")


_check_signing_key(SEARCH_CERTIFICATE_SIGNING_KEY)  # noqa: F405

# JSON only: no browsable HTML API (the schema and its Swagger page keep their own renderers).
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz/$", r"^readyz/$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
