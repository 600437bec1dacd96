"""Background work: opinion maps too large to recompute inside a request."""

from __future__ import annotations

from django_tasks import task

from district.participation import services


@task()
def refresh_stale_opinion_maps() -> None:
    """Recompute every stale opinion map; close draft laws whose comment period ended."""
    services.refresh_stale_opinion_maps()
    services.close_expired_drafts()


@task()
def refresh_opinion_map(consultation_id: int) -> None:
    services.refresh_opinion_map(consultation_id=consultation_id)
