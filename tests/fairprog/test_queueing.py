"""Queueing Celery work: after commit, quickly given up on a dead broker, never lost."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from artifacts.models import ArtifactLink, LinkState
from artifacts.services import links
from fairprog import queueing
from proposals.models import Award, ImportRun
from proposals.services import import_runs, reminders
from proposals.tasks import reminders_scan_task
from tests import redisbroker
from tests.conftest import program_staff_group, wait_until
from tests.linkserver import LinkServer
from tests.proposals.factories import AwardFactory, ProgramFactory

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "nsf"
redis_broker = redisbroker.redis_broker  # a broker that is down until the test starts it


def test_queue_now_gives_up_within_a_second_on_a_broker_that_is_down(redis_broker, caplog):
    started = time.monotonic()
    published = queueing.queue_now(reminders_scan_task, what="the reminder scan")
    assert time.monotonic() - started < 1.5
    assert published == 0
    assert "the reminder scan was not queued" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_queue_after_commit_publishes_only_once_the_transaction_commits(redis_broker):
    redis_broker.start()
    undone: list[bool] = []
    with transaction.atomic():
        queueing.queue_after_commit(
            reminders_scan_task, (), what="a scan", on_failure=lambda: undone.append(True)
        )
        assert redis_broker.queue_length("celery") == 0
    assert redis_broker.queue_length("celery") == 1
    assert undone == []


@pytest.mark.django_db(transaction=True)
def test_queue_after_commit_undoes_its_mark_when_the_broker_is_down(redis_broker):
    undone: list[bool] = []
    with transaction.atomic():
        queueing.queue_after_commit(
            reminders_scan_task, what="a scan", on_failure=lambda: undone.append(True)
        )
    assert undone == [True]


@pytest.mark.django_db(transaction=True)
def test_a_scan_asked_for_by_many_changes_of_one_transaction_is_queued_once(redis_broker):
    redis_broker.start()
    with transaction.atomic():
        for _ in range(6):
            reminders.reminders_scan_soon()
        assert redis_broker.queue_length("celery") == 0
    assert redis_broker.queue_length("celery") == 1


def _scan_in_a_change_that_fails() -> None:
    with transaction.atomic():
        reminders.reminders_scan_soon()
        raise RuntimeError("the change is undone, and its scan with it")


@pytest.mark.django_db(transaction=True)
def test_a_scan_asked_for_in_a_rolled_back_savepoint_is_asked_for_again(redis_broker):
    redis_broker.start()
    with transaction.atomic():
        with pytest.raises(RuntimeError):
            _scan_in_a_change_that_fails()  # a savepoint, rolled back
        reminders.reminders_scan_soon()
    assert redis_broker.queue_length("celery") == 1
    with pytest.raises(RuntimeError):
        _scan_in_a_change_that_fails()  # a whole transaction, rolled back
    assert redis_broker.queue_length("celery") == 1


@pytest.mark.django_db
def test_loading_the_demo_queues_one_reminder_scan(monkeypatch, django_capture_on_commit_callbacks):
    published: list[str] = []
    monkeypatch.setattr(
        queueing, "_publish", lambda task, calls, **kwargs: published.append(str(task)) or 1
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", verbosity=0)
    assert published.count(reminders.SCAN_TASK) == 1


@pytest.mark.slow
def test_upload_and_artifact_save_on_a_dead_broker_are_done_once_it_is_back(
    celery_workers, redis_broker, client, settings, tmp_path
):
    settings.IMPORT_REQUEUE_SECONDS = 0
    program = ProgramFactory()
    staff = User.objects.create_user("officer", "officer@example.org", "pw", is_staff=True)
    staff.groups.add(program_staff_group())
    client.force_login(staff)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=staff).key}")
    archive = tmp_path / "awards.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(FIXTURES / "nsf-xml-0829619.xml", arcname="nsf-xml-0829619.xml")

    with LinkServer(hosts=1, tls=False) as server:
        started = time.monotonic()
        upload = client.post(
            reverse("admin:proposals_importrun_add"),
            {
                "program": program.pk,
                "import_all": "on",
                "file": SimpleUploadedFile("awards.zip", archive.read_bytes()),
            },
        )
        upload_seconds = time.monotonic() - started
        started = time.monotonic()
        saved = api.post(
            "/api/v1/artifacts/",
            {
                "award": AwardFactory(award_number="2040926").award_number,
                "kind": "tool",
                "title": "Audit toolkit",
                "summary": "Audits classifiers.",
                "landing_url": server.url("/ok"),
            },
            format="json",
        )
        save_seconds = time.monotonic() - started

        assert upload.status_code == 302
        assert upload_seconds < 2
        assert saved.status_code == 201, saved.content
        assert save_seconds < 2
        run = ImportRun.objects.get()
        assert run.status == ImportRun.Status.QUEUED
        assert run.queued_at is not None
        link = ArtifactLink.objects.get()
        assert link.state == LinkState.UNCHECKED

        redis_broker.start()
        celery_workers.start(
            env={
                "CELERY_BROKER_URL": redis_broker.url,
                "LINKCHECK_ALLOWED_NETWORKS": "127.0.0.0/8",
                "LINKCHECK_HOST_INTERVAL": "0",
                "LINKCHECK_RETRIES": "0",
            }
        )
        # What beat does periodically: queue the waiting run again, sweep the due links.
        import_runs.import_runs_recover()
        links.links_sweep()

        assert wait_until(lambda: ImportRun.objects.get().is_finished, timeout=60)
        assert ImportRun.objects.get().status == ImportRun.Status.SUCCEEDED
        assert Award.objects.filter(award_number="0829619").exists()
        assert wait_until(lambda: ArtifactLink.objects.get().state == LinkState.OK, timeout=60)
