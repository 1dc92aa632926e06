"""Celery tasks of the artifacts app: thin wrappers around link checking, open data, output
discovery and the daily digest of researchers' submissions."""

from celery import shared_task

from artifacts.discovery.records import Source
from artifacts.opendata.export import open_data_export
from artifacts.services import discovery_runs, link_digest, links, submissions
from fairprog.beat import beat_task

links_sweep_task = beat_task("artifacts.tasks.links_sweep_task", links.links_sweep)
link_checks_prune_task = beat_task(
    "artifacts.tasks.link_checks_prune_task", links.link_checks_prune
)
link_health_day_task = beat_task(
    "artifacts.tasks.link_health_day_task", links.link_health_record_day
)
links_digest_task = beat_task("artifacts.tasks.links_digest_task", link_digest.links_digest_send)
submissions_digest_task = beat_task(
    "artifacts.tasks.submissions_digest_task", submissions.submissions_digest_send
)
# Beat's nightly snapshot of the public data for /data/ (see artifacts/opendata/).
open_data_export_task = beat_task(
    "artifacts.tasks.open_data_export_task", open_data_export, soft_time_limit=20 * 60
)


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


@shared_task(
    ignore_result=True,
    # Zenodo's 30 searches a minute make a portfolio's weekly run take up to an hour or two;
    # a run cut short records its source runs as failed and is simply due again next week.
    soft_time_limit=6 * 60 * 60,
    time_limit=6 * 60 * 60 + 5 * 60,
)
def discovery_run_task(sources: list[str] | None = None) -> None:
    """Beat's weekly search of every enabled source (or those named) for the awards' outputs."""
    discovery_runs.discovery_run(sources=[Source(name) for name in sources or []] or None)
