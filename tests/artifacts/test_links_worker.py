"""Link checks through a real Celery worker: new links are checked at once, the sweep's
batches are recorded, and on Redis a new link's check goes ahead of queued sweep batches."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db.models import Min

from artifacts.models import ArtifactLink, LinkCheck, LinkState
from artifacts.services import links
from artifacts.services.artifacts import artifact_create
from artifacts.tasks import links_check_task
from tests.artifacts.factories import ArtifactFactory
from tests.conftest import wait_until
from tests.linkserver import LinkServer
from tests.proposals.factories import AwardFactory

pytestmark = pytest.mark.slow
WORKER_ENV = {
    "LINKCHECK_ALLOWED_NETWORKS": "127.0.0.0/8",
    "LINKCHECK_HOST_INTERVAL": "0",
    "LINKCHECK_RETRIES": "0",
}


@pytest.fixture
def server() -> Iterator[LinkServer]:
    with LinkServer(hosts=2, tls=False) as running:
        yield running


def _state(link_id: int) -> str:
    return ArtifactLink.objects.values_list("state", flat=True).get(pk=link_id)


def test_a_new_artifacts_links_are_checked_at_once_by_a_worker(celery_workers, server):
    celery_workers.start(env=WORKER_ENV)

    artifact = artifact_create(
        award=AwardFactory(),
        kind="tool",
        title="Audit toolkit",
        summary="Audits classifiers.",
        landing_url=server.url("/ok"),
        repository_url=server.url("/status/404", host=1),
    )

    landing = artifact.links.get(role="landing")
    repository = artifact.links.get(role="repository")
    assert wait_until(lambda: _state(repository.pk) != LinkState.UNCHECKED, timeout=60)
    assert wait_until(lambda: _state(landing.pk) == LinkState.OK, timeout=10)
    assert _state(repository.pk) == LinkState.FAILING
    artifact.refresh_from_db()
    assert artifact.link_health == LinkState.FAILING


def test_the_sweep_queues_due_links_in_batches_that_workers_record(
    celery_workers, server, settings
):
    settings.LINKCHECK_BATCH = 2
    for n in range(5):
        ArtifactFactory(landing_url=server.url(f"/ok?n={n}"))
    links.links_reconcile()  # the link rows, due at once (nothing queued yet)
    celery_workers.start(env=WORKER_ENV)

    report = links.links_sweep()

    assert (report.due, report.batches) == (5, 3)
    assert wait_until(lambda: LinkCheck.objects.count() == 5, timeout=60)
    assert set(ArtifactLink.objects.values_list("state", flat=True)) == {LinkState.OK}
    assert links.links_due() == []  # rescheduled a week ahead


@pytest.mark.skipif(
    not settings.CELERY_BROKER_URL.startswith("redis://"),
    reason="task priorities need the Redis broker; the filesystem transport serves in order",
)
def test_a_new_links_check_goes_ahead_of_queued_sweep_batches(celery_workers, server):
    for n in range(4):
        ArtifactFactory(landing_url=server.url(f"/slow?seconds=0.5&n={n}"))
    urgent_artifact = ArtifactFactory(landing_url=server.url("/ok", host=1))
    links.links_reconcile()  # the link rows, nothing queued yet
    urgent = ArtifactLink.objects.get(artifact=urgent_artifact).pk
    slow = list(ArtifactLink.objects.exclude(pk=urgent).values_list("pk", flat=True))
    for link_id in slow:  # queued first, at the sweep's low priority
        links_check_task.apply_async(args=([link_id],), priority=links.BULK)
    links.links_check_soon(link_ids=[urgent])  # queued last, at once-priority

    celery_workers.start(env=WORKER_ENV)  # one process taking one task at a time

    assert wait_until(lambda: LinkCheck.objects.count() == 5, timeout=60)
    order = list(
        ArtifactLink.objects.annotate(first=Min("checks__checked_at"))
        .order_by("first")
        .values_list("pk", flat=True)
    )
    assert order[0] == urgent
