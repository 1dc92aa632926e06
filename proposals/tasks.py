"""Celery tasks of the proposals app: thin wrappers that load by id and call a service."""

from celery import shared_task

from proposals import imports


@shared_task(ignore_result=True)
def import_run_execute_task(run_id: int) -> None:
    # Not acks_late: a run that dies mid-way is marked running and must be retried by
    # staff (a new upload), never replayed half-way by the broker.
    imports.import_run_execute(run_id=run_id)
