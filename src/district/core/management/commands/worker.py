"""``district worker``: run background tasks and enqueue periodic jobs when due."""

from __future__ import annotations

import threading
from typing import Any

from django.core.management import call_command
from django.core.management.base import CommandParser
from django.db import close_old_connections

from district.core.cli import PlatformCommand
from district.core.scheduler import enqueue_due, sync_jobs


class Command(PlatformCommand):
    help = (
        "Run a background-task worker (several may run at once, on SQLite or PostgreSQL)\n"
        "and enqueue periodic jobs such as SLA sweeps when they fall due.\n\n"
        "Example:\n  district worker --interval 1"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="poll interval (s)")
        parser.add_argument(
            "--batch", action="store_true", help="run what is due and queued, then exit"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        sync_jobs()
        stop = threading.Event()
        if options["batch"]:
            enqueue_due()
        else:
            threading.Thread(target=self._schedule, args=(stop,), daemon=True).start()
        try:
            call_command(
                "db_worker",
                interval=options["interval"],
                batch=options["batch"],
                no_startup_delay=True,
            )
        finally:
            stop.set()

    def _schedule(self, stop: threading.Event) -> None:
        while not stop.wait(5.0):
            try:
                for name in enqueue_due():
                    self.stdout.write(f"enqueued periodic job {name}")
            finally:
                close_old_connections()
