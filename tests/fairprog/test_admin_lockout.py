"""Admin login lockout (django-axes): by username and by address, lifted by the reset command."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

LOGIN = "/admin/login/"


@pytest.fixture
def officer(db):
    return User.objects.create_user("officer", "officer@example.org", "right-pw", is_staff=True)


def _login(client, username, password, address="198.51.100.9"):
    return client.post(
        LOGIN,
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


def test_wrong_passwords_then_the_right_one_is_locked_out(client, officer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "officer", "wrong").status_code == 200  # the form again
    assert _login(client, "officer", "wrong").status_code == 429  # the last one allowed

    response = _login(client, "officer", "right-pw")

    assert response.status_code == 429
    assert "Sign-in is locked" in response.content.decode()
    assert int(response["Retry-After"]) == settings.AXES_COOLOFF_TIME.total_seconds()
    assert "_auth_user_id" not in client.session


def test_lockout_by_username_holds_from_every_address(client, officer, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "officer", "wrong", address=f"203.0.113.{n}")

    assert _login(client, "officer", "right-pw", address="192.0.2.1").status_code == 429


def test_lockout_by_address_holds_for_every_username(client, officer, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        _login(client, f"guess{n}", "wrong")

    assert _login(client, "officer", "right-pw").status_code == 429


def test_forwarded_for_does_not_escape_the_address_lockout(client, officer, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            LOGIN,
            {"username": f"guess{n}", "password": "wrong"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )

    response = client.post(
        LOGIN, {"username": "officer", "password": "right-pw"}, HTTP_X_FORWARDED_FOR="192.0.2.9"
    )
    assert response.status_code == 429


def test_a_few_failures_then_success_log_in_and_reset_the_count(client, officer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "officer", "wrong")

    assert _login(client, "officer", "right-pw").status_code == 302
    client.logout()
    _login(client, "officer", "wrong")
    assert _login(client, "officer", "right-pw").status_code == 302


def test_axes_reset_lifts_the_lockout(client, officer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "officer", "wrong")

    call_command("axes_reset_username", "officer")
    call_command("axes_reset_ip", "198.51.100.9")

    assert _login(client, "officer", "right-pw").status_code == 302
