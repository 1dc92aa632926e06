"""Project-wide housekeeping tasks run by Celery beat."""

from celery import shared_task
from django.core.management import call_command


@shared_task(ignore_result=True)
def sessions_clear_expired() -> None:
    # Database-backed sessions pile up forever unless something deletes them.
    call_command("clearsessions")
