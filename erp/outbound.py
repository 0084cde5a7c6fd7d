"""Outbound HTTP to URLs that staff type in (webhook receivers): public addresses only.

A webhook URL is entered in the back office, and its requests leave from inside
the network, so a URL naming ``localhost``, ``10.0.0.5``, the cloud metadata
address or a name that resolves to one of them would turn the webhook sender
into a door to internal services (server-side request forgery). Every
connection therefore resolves the host itself, refuses any address that is not
globally routable, and connects to the address it checked, so a name that
resolves differently a moment later (DNS rebinding) cannot slip through. TLS
still verifies the certificate against the host name.

``WEBHOOK_ALLOW_PRIVATE_ADDRESSES`` lifts the rule, for receivers on the same
machine or network (development, tests, an on-premises integration).
"""

import http.client
import ipaddress
import socket
import ssl
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings


class PrivateAddressError(OSError):
    """The host is, or resolves to, an address webhooks may not reach."""


def _permitted(address: str) -> bool:
    if settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        return True
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _refusal(host: str, address: str) -> str:
    shown = host if host == address else f"{host} ({address})"
    return (
        f"{shown} is a private, loopback or reserved address; webhooks are sent to "
        "public addresses only (WEBHOOK_ALLOW_PRIVATE_ADDRESSES allows others)."
    )


def url_host_check(url: str) -> None:
    """Raise ``PrivateAddressError`` when ``url``'s host is or resolves to an address
    webhooks may not reach. A name that does not resolve now passes: its
    deliveries fail and are logged until it does."""
    host = urlsplit(url).hostname or ""
    if not host:
        return
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return
    for *_, sockaddr in infos:
        if not _permitted(str(sockaddr[0])):
            raise PrivateAddressError(_refusal(host, str(sockaddr[0])))


def _public_connection(
    address: tuple[str, int], timeout: Any = None, source_address: Any = None
) -> socket.socket:
    """``socket.create_connection`` that connects only to permitted addresses."""
    host, port = address
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    refused = [str(sockaddr[0]) for *_, sockaddr in infos if not _permitted(str(sockaddr[0]))]
    if refused:  # one private answer is enough to refuse the name
        raise PrivateAddressError(_refusal(host, refused[0]))
    error: OSError | None = None
    for family, kind, proto, _name, sockaddr in infos:
        sock = socket.socket(family, kind, proto)
        try:
            if timeout is not None:
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)  # the address checked above, not a second lookup
            return sock
        except OSError as failure:
            error = failure
            sock.close()
    raise error or OSError(f"{host} did not resolve to any address")


class _PublicOnly:
    """Connection mixin: ``http.client`` opens its socket through ``_create_connection``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _public_connection


class _HTTPConnection(_PublicOnly, http.client.HTTPConnection):
    pass


class _HTTPSConnection(_PublicOnly, http.client.HTTPSConnection):
    pass


class _HTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: Any) -> Any:
        return self.do_open(_HTTPConnection, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self) -> None:
        super().__init__()
        self.tls = ssl.create_default_context()  # verifies certificate and host name

    def https_open(self, req: Any) -> Any:
        return self.do_open(_HTTPSConnection, req, context=self.tls)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A receiver answers for itself: a redirect is a failed attempt, not a new target."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class _NoProxies(urllib.request.ProxyHandler):
    """Straight to the receiver: an environment proxy would hide where requests go."""

    def __init__(self) -> None:
        super().__init__(proxies={})


def opener() -> urllib.request.OpenerDirector:
    """An opener for receivers: public addresses only, no redirects, no proxies."""
    return urllib.request.build_opener(_NoProxies, _NoRedirects, _HTTPHandler, _HTTPSHandler)
