"""Client addresses come from one setting (TRUSTED_PROXIES) for every limit keyed by address."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from rest_framework.throttling import AnonRateThrottle

from fairprog.clientip import client_ip
from proposals.models import ReminderSubscription
from tests.proposals.factories import ProgramFactory

SUBSCRIBE = "/reminders/subscribe/"


def _request(remote: str | None = "198.51.100.9", forwarded: str | None = None):
    request = RequestFactory().get("/")
    if remote is None:
        del request.META["REMOTE_ADDR"]
    else:
        request.META["REMOTE_ADDR"] = remote
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return request


def test_client_ip_ignores_forwarded_for_when_no_proxy_is_trusted(settings):
    settings.TRUSTED_PROXIES = 0
    assert client_ip(_request(forwarded="203.0.113.1")) == "198.51.100.9"


def test_client_ip_takes_the_entry_the_trusted_proxy_wrote(settings):
    settings.TRUSTED_PROXIES = 1
    # The client wrote the first entry itself; the proxy appended the real peer.
    assert client_ip(_request(forwarded="6.6.6.6, 203.0.113.1")) == "203.0.113.1"


def test_client_ip_counts_several_trusted_proxies_from_the_right(settings):
    settings.TRUSTED_PROXIES = 2
    forwarded = "6.6.6.6, 203.0.113.1, 10.0.0.2"
    assert client_ip(_request(forwarded=forwarded)) == "203.0.113.1"


@pytest.mark.parametrize("forwarded", [None, "", "not-an-address", "203.0.113.1\x00"])
def test_client_ip_falls_back_to_the_peer_for_a_missing_or_bad_header(settings, forwarded):
    settings.TRUSTED_PROXIES = 1
    assert client_ip(_request(forwarded=forwarded)) == "198.51.100.9"


def test_client_ip_needs_no_remote_addr(settings):
    settings.TRUSTED_PROXIES = 0
    assert client_ip(_request(remote=None)) == "0.0.0.0"  # noqa: S104 - the "unknown" key


def test_api_throttle_is_not_bypassed_by_a_random_forwarded_for(client, db, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute"})
    statuses = [
        client.get("/api/v1/cycles/", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


def test_api_throttle_follows_the_trusted_proxy(client, db, monkeypatch, settings):
    settings.TRUSTED_PROXIES = 1
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/minute"})
    first = [
        client.get("/api/v1/cycles/", HTTP_X_FORWARDED_FOR="203.0.113.1").status_code
        for _ in range(3)
    ]
    other = client.get("/api/v1/cycles/", HTTP_X_FORWARDED_FOR="203.0.113.2")
    assert first == [200, 200, 429]
    assert other.status_code == 200


def test_subscribe_limit_is_not_bypassed_by_a_random_forwarded_for(client, db, settings):
    settings.REMINDER_SUBSCRIBE_RATE = "2/h"
    program = ProgramFactory()
    statuses = [
        client.post(
            SUBSCRIBE,
            {"program": program.slug, "email": f"{n}@example.org", "time_zone": ""},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        ).status_code
        for n in range(3)
    ]
    assert statuses == [303, 303, 429]
    assert ReminderSubscription.objects.count() == 2


def test_subscribe_behind_a_proxy_without_the_header_does_not_fail(client, db, settings):
    settings.TRUSTED_PROXIES = 1
    program = ProgramFactory()
    response = client.post(
        SUBSCRIBE, {"program": program.slug, "email": "ada@example.org", "time_zone": ""}
    )
    assert response.status_code == 303
