"""Background work of the life circle, run by ``district worker``."""

from __future__ import annotations

from django_tasks import task


@task()
def refresh_task(trigger: str = "task") -> int:
    """A full refresh of walking access (daily, and when a planner asks); returns the run id."""
    from district.lifecircle.services import refresh_access

    return refresh_access(trigger=trigger, only_if_changed=trigger == "schedule").pk


@task()
def scheduled_refresh() -> int:
    """The daily refresh: skipped when the inputs are unchanged since the last one."""
    from district.lifecircle.services import refresh_access

    return refresh_access(trigger="schedule", only_if_changed=True).pk
