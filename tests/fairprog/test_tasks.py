"""Housekeeping tasks."""

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from fairprog.tasks import sessions_clear_expired
from tests.conftest import wait_until


@pytest.mark.django_db
def test_sessions_clear_expired_deletes_only_expired_sessions():
    now = timezone.now()
    Session.objects.create(session_key="old", session_data="", expire_date=now - dt.timedelta(1))
    Session.objects.create(session_key="new", session_data="", expire_date=now + dt.timedelta(1))
    sessions_clear_expired()
    assert list(Session.objects.values_list("session_key", flat=True)) == ["new"]


@pytest.mark.slow
def test_sessions_clear_expired_runs_on_a_real_worker(celery_worker_process):
    now = timezone.now()
    Session.objects.create(session_key="old", session_data="", expire_date=now - dt.timedelta(1))
    sessions_clear_expired.apply_async(queue=celery_worker_process)
    assert wait_until(lambda: not Session.objects.filter(session_key="old").exists())
