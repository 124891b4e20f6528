"""Where a webhook may be sent, and sending it only there.

A receiver URL must be http(s), must not name this service (its ``ALLOWED_HOSTS`` or
``WEBHOOK_FORBIDDEN_HOSTS``) and must not resolve to a link-local, cloud-metadata,
unspecified, multicast or reserved address; loopback and private networks only when the
settings allow them. The check runs when the subscription is made and again before every
attempt (DNS may have changed), and the request then goes to the very address that was
checked, so a name re-resolved between check and connect cannot redirect it. Redirects are
never followed.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.http.request import validate_host
from django.utils.translation import gettext as _

METADATA_HOSTS = frozenset(
    {
        "metadata.google.internal",
        "metadata.goog",
        "metadata",
        "instance-data",
        "instance-data.ec2.internal",
        "metadata.tencentyun.com",
        "metadata.azure.internal",
    }
)
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, Tencent Cloud, OpenStack
        "169.254.170.2",  # AWS ECS task metadata
        "100.100.100.200",  # Alibaba Cloud
        "fd00:ec2::254",  # AWS over IPv6
    )
)
LINK_LOCAL = (ipaddress.ip_network("169.254.0.0/16"), ipaddress.ip_network("fe80::/10"))

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeWebhookUrl(ValueError):
    """The URL may not receive webhooks; the message says why (translatable)."""


@dataclass(frozen=True)
class WebhookTarget:
    """A checked receiver: where to connect (``address``) and what to ask for."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def _is_loopback_name(host: str) -> bool:
    return host == "localhost" or host.endswith(".localhost")


def _names_this_service(host: str) -> bool:
    patterns = [h for h in settings.ALLOWED_HOSTS if h != "*"]
    patterns += list(settings.WEBHOOK_FORBIDDEN_HOSTS)
    candidate = f"[{host}]" if ":" in host else host
    return validate_host(candidate, patterns) or validate_host(host, patterns)


def check_address(address: IPAddress) -> None:
    """Refuse addresses a webhook may never reach (raises :class:`UnsafeWebhookUrl`)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address in METADATA_ADDRESSES or any(address in net for net in LINK_LOCAL):
        raise UnsafeWebhookUrl(_("The URL points at a link-local or cloud metadata address."))
    if address.is_loopback:
        if not settings.WEBHOOK_ALLOW_LOOPBACK:
            raise UnsafeWebhookUrl(_("The URL points at a loopback address."))
        return
    if address.is_unspecified or address.is_multicast or address.is_reserved:
        raise UnsafeWebhookUrl(_("The URL points at an address that cannot receive webhooks."))
    if not address.is_global and not settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS:
        raise UnsafeWebhookUrl(_("The URL points at a private network address."))


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UnsafeWebhookUrl(
            _("The host name %(host)s does not resolve.") % {"host": host}
        ) from exc
    addresses: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def webhook_target(url: str, *, resolve: bool = True) -> WebhookTarget:
    """Check ``url`` and return where to send; raises :class:`UnsafeWebhookUrl`.

    Every address the name resolves to must pass, not just the first: otherwise a name with
    one public and one internal address would pass the check and might connect inside.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise UnsafeWebhookUrl(_("Enter a valid URL.")) from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UnsafeWebhookUrl(_("Use an http or https URL."))
    if parts.username or parts.password:
        raise UnsafeWebhookUrl(_("Do not put credentials in the URL."))
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UnsafeWebhookUrl(_("Enter a valid URL."))
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise UnsafeWebhookUrl(_("Enter a valid URL.")) from exc
    port = port or (443 if scheme == "https" else 80)
    if host in METADATA_HOSTS:
        raise UnsafeWebhookUrl(_("The URL points at a link-local or cloud metadata address."))
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    loopback = _is_loopback_name(host) or (literal is not None and literal.is_loopback)
    if _names_this_service(host) and not (loopback and settings.WEBHOOK_ALLOW_LOOPBACK):
        raise UnsafeWebhookUrl(_("The URL points at this service itself."))
    if literal is not None:
        addresses = [literal]
    elif resolve:
        addresses = _resolve(host, port)
    else:
        addresses = []
    for address in addresses:
        check_address(address)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return WebhookTarget(
        scheme=scheme,
        host=host,
        port=port,
        path=path,
        address=str(addresses[0]) if addresses else host,
    )


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked address; the Host header still names the host."""

    def __init__(self, target: WebhookTarget, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """Connects to the checked address; TLS still verifies the certificate for the host."""

    def __init__(self, target: WebhookTarget, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(target: WebhookTarget, body: bytes, headers: dict[str, str], timeout: float) -> int:
    """POST ``body`` to the checked target; returns the HTTP status (redirects not followed)."""
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target, timeout)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(4096)  # a little of the body, so the connection closes cleanly
        return response.status
    finally:
        connection.close()
