"""The platform's own background tasks."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django_tasks import task


@task()
def prune_task_results() -> None:
    """Delete finished task results older than 14 days (housekeeping, daily)."""
    call_command("prune_db_task_results", min_age_days=14, stdout=StringIO())
