"""The client's address, from one setting: how many trusted proxies stand in front.

Every limit keyed by address (the API's throttles, the subscription form, admin login
lockout) asks this module, so a visitor cannot pick their own address by sending
``X-Forwarded-For`` and no missing header can break a request.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle

UNKNOWN = "0.0.0.0"  # noqa: S104 - a key for limits, never an address to bind


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The address of the client that sent ``request``.

    With ``TRUSTED_PROXIES = 0`` (the default) that is the peer of the connection,
    whatever headers say. Behind N proxies that each append the address they were
    reached from to ``X-Forwarded-For``, it is the N-th entry from the right: the one the
    outermost trusted proxy wrote. Entries further left came from the client and are not
    believed. A missing, short or malformed header falls back to the connection's peer.
    """
    peer = _valid(request.META.get("REMOTE_ADDR") or "") or UNKNOWN
    proxies = int(settings.TRUSTED_PROXIES)
    if proxies <= 0:
        return peer
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part]
    if len(forwarded) < proxies:
        return peer
    return _valid(forwarded[-proxies]) or peer


class AnonThrottle(AnonRateThrottle):
    """DRF's anonymous throttle, keyed by :func:`client_ip` rather than DRF's own reading
    of ``X-Forwarded-For`` (which, unconfigured, trusts the whole header)."""

    def get_ident(self, request: Request) -> str:
        return client_ip(request._request)
