"""Celery tasks of the artifacts app: thin wrappers around artifacts/links.py."""

from celery import shared_task

from artifacts import links


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
def links_digest_task() -> None:
    links.links_digest_send()
