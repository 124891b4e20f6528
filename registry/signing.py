"""The service's Ed25519 key that signs search certificates.

Production sets ``SEARCH_CERTIFICATE_SIGNING_KEY`` (PEM, PKCS#8). Without it, a development
key is generated once under ``var/`` (never in production: DEBUG must be on, or tests).
"""

from __future__ import annotations

import base64
import hashlib
import os
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _development_key_path() -> Path:
    return Path(settings.VAR_DIR) / "search-certificate-signing-key.pem"


def new_private_key_pem() -> str:
    """A fresh Ed25519 key as PKCS#8 PEM (the development key; bench and fuzz runs' keys)."""
    return (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


def _load_or_create_development_key() -> bytes:
    path = _development_key_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = new_private_key_pem().encode()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
    return path.read_bytes()


@lru_cache(maxsize=1)
def signing_key() -> Ed25519PrivateKey:
    pem = settings.SEARCH_CERTIFICATE_SIGNING_KEY
    if pem:
        data = pem.replace("\\n", "\n").encode()
    elif settings.DEBUG or getattr(settings, "TESTING", False):
        data = _load_or_create_development_key()
    else:
        raise ImproperlyConfigured("SEARCH_CERTIFICATE_SIGNING_KEY must be set in production.")
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured("SEARCH_CERTIFICATE_SIGNING_KEY must be an Ed25519 key.")
    return key


def public_key() -> Ed25519PublicKey:
    return signing_key().public_key()


def public_key_pem() -> str:
    return (
        public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def key_id() -> str:
    """SHA-256 of the raw public key: names the key that made a signature."""
    raw = public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def sign(message: bytes) -> str:
    return base64.b64encode(signing_key().sign(message)).decode()


def verify(message: bytes, signature_b64: str) -> bool:
    try:
        public_key().verify(base64.b64decode(signature_b64), message)
    except (InvalidSignature, ValueError):
        return False
    return True
