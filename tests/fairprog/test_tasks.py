"""Housekeeping tasks."""

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from fairprog.tasks import sessions_clear_expired


@pytest.mark.django_db
def test_sessions_clear_expired_deletes_only_expired_sessions():
    now = timezone.now()
    Session.objects.create(session_key="old", session_data="", expire_date=now - dt.timedelta(1))
    Session.objects.create(session_key="new", session_data="", expire_date=now + dt.timedelta(1))
    sessions_clear_expired()
    assert list(Session.objects.values_list("session_key", flat=True)) == ["new"]
