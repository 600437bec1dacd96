"""Background work of the plan scorecard."""

from __future__ import annotations

from django_tasks import task

from district.indicators import services


@task()
def refresh_live_figures() -> None:
    """Recompute the live figures from the other apps' services (hourly)."""
    services.refresh_live_figures()
