"""Periodic jobs on top of Django's task framework (django-tasks, ORM backend).

An app declares ``periodic_tasks = {"name": ("dotted.path.to.task", interval_seconds)}`` on
its AppConfig, where the path names a function decorated with ``django_tasks.task``.
``district worker`` runs :func:`enqueue_due` every few seconds beside the task worker;
claiming is a compare-and-set UPDATE, so several workers never enqueue a run twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from district.core.models import PeriodicJob


def declared_jobs() -> dict[str, tuple[str, int]]:
    jobs: dict[str, tuple[str, int]] = {}
    for config in apps.get_app_configs():
        jobs.update(getattr(config, "periodic_tasks", {}))
    return jobs


def sync_jobs(now: datetime | None = None) -> None:
    """Create rows for newly declared jobs and update changed intervals."""
    now = now or timezone.now()
    for name, (path, interval_s) in declared_jobs().items():
        job, created = PeriodicJob.objects.get_or_create(
            name=name,
            defaults={"task_path": path, "interval_s": interval_s, "next_run_at": now},
        )
        if not created and (job.task_path, job.interval_s) != (path, interval_s):
            job.task_path, job.interval_s = path, interval_s
            job.save(update_fields=["task_path", "interval_s"])


def enqueue_due(now: datetime | None = None) -> list[str]:
    """Enqueue every job whose time has come; returns the names enqueued by this call."""
    now = now or timezone.now()
    enqueued = []
    for job in PeriodicJob.objects.filter(next_run_at__lte=now):
        with transaction.atomic():
            claimed = PeriodicJob.objects.filter(pk=job.pk, next_run_at=job.next_run_at).update(
                next_run_at=now + timedelta(seconds=job.interval_s), last_enqueued_at=now
            )
            if claimed != 1:
                continue  # another worker got there first
            import_string(job.task_path).enqueue()
        enqueued.append(job.name)
    return enqueued
