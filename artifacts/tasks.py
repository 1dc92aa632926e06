"""Celery tasks of the artifacts app: thin wrappers around link checking and open data."""

from celery import shared_task

from artifacts.services import links


@shared_task(ignore_result=True)
def links_sweep_task() -> None:
    links.links_sweep()


@shared_task(
    ignore_result=True,
    # A batch is at most LINKCHECK_BATCH links at LINKCHECK_CONCURRENCY at once; with
    # retries and per-host spacing it may take minutes, never hours.
    soft_time_limit=50 * 60,
    time_limit=55 * 60,
)
def links_check_task(link_ids: list[int]) -> None:
    # Not acks_late: a batch cut short is simply due again at the next sweep.
    links.links_check(link_ids=link_ids)


@shared_task(ignore_result=True)
def link_checks_prune_task() -> None:
    links.link_checks_prune()


@shared_task(ignore_result=True)
def link_health_day_task() -> None:
    links.link_health_record_day()


@shared_task(ignore_result=True)
def links_digest_task() -> None:
    links.links_digest_send()


@shared_task(ignore_result=True, soft_time_limit=20 * 60, time_limit=25 * 60)
def open_data_export_task() -> None:
    # Beat's nightly snapshot of the public data for /data/ (see artifacts/opendata.py).
    from artifacts import opendata

    opendata.open_data_export()
