"""The client's address: the one key every throttle and lockout counts by.

Invariants:

- the address comes from the socket (``REMOTE_ADDR``) unless
  ``settings.TRUSTED_PROXY_COUNT`` says that many proxies of ours stand in front
  (a load balancer, nginx) and each appends the address it saw to
  ``X-Forwarded-For``; then it is the entry that many hops from the right, the
  one our outermost proxy saw. Entries left of it are whatever the client sent and
  never count, so a client cannot pick its own address by sending the header;
- a request that did not pass all the trusted proxies (fewer entries than
  proxies) or whose entry is not an IP address is counted by its socket address;
- an IPv6 client is counted by its /64 network, the block one subscriber gets:
  counting single addresses would let one client rotate through 2**64 of them.

Used by django-axes (``AXES_CLIENT_IP_CALLABLE``), the API's DRF throttles and
the throttles of ``erp.rate_limits``.
"""

import ipaddress
from typing import Any

from django.conf import settings

IPV6_CLIENT_PREFIX = 64


def _normalised(text: str) -> str | None:
    """``text`` as an IP address (a port or IPv6 brackets removed), else None."""
    candidate = text.strip()
    if candidate.startswith("["):  # "[2001:db8::1]:443"
        candidate = candidate[1:].partition("]")[0]
    elif candidate.count(":") == 1:  # "203.0.113.7:51234"
        candidate = candidate.partition(":")[0]
    try:
        address = ipaddress.ip_address(candidate)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        network = ipaddress.IPv6Network((address, IPV6_CLIENT_PREFIX), strict=False)
        return str(network.network_address)
    return str(address)


def client_address(request: Any) -> str | None:
    """The address to count ``request`` by; None when the server did not give one."""
    meta = request.META
    socket_address = _normalised(meta.get("REMOTE_ADDR") or "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return socket_address
    hops = [hop for hop in (meta.get("HTTP_X_FORWARDED_FOR") or "").split(",") if hop.strip()]
    if len(hops) < proxies:
        return socket_address
    return _normalised(hops[-proxies]) or socket_address
