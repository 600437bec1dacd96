"""Periodic custody jobs (declared in ``CustodyConfig.periodic_tasks``)."""

from __future__ import annotations

from django_tasks import task

from district.custody import services


@task()
def confirm_due() -> None:
    """Post merchant-recorded releases whose dispute window has passed (hourly)."""
    services.confirm_due_check_ins()


@task()
def scan_risks() -> None:
    """Raise this week's risk warnings for the regulator (daily)."""
    services.scan_risks()


@task()
def settle() -> None:
    """Settle the last complete month with every merchant; a no-op once done (daily)."""
    services.settle_all()


@task()
def sign_tree_head() -> None:
    """Sign the journal's current size so receipts and exports find a fresh head (hourly)."""
    services.sign_tree_head()
