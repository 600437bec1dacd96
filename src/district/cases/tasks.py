"""The cases app's background jobs (run by ``district worker``)."""

from __future__ import annotations

import logging

from django_tasks import task

from district.cases import services

log = logging.getLogger(__name__)


@task()
def sweep_deadlines() -> dict[str, object]:
    """Mark cases due soon and overdue and escalate them (every five minutes)."""
    report = services.sweep_deadlines()
    if report.calendar_warning:
        log.warning(report.calendar_warning)
    return report.as_dict()
