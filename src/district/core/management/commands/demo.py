"""``district demo``: migrate and load the Changning demo data, without serving."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError, CommandParser

from district.accounts.roles import sync_roles
from district.core.cli import PlatformCommand
from district.core.errors import DistrictError
from district.core.i18n import compile_messages
from district.core.platform import demo_loaders


class Command(PlatformCommand):
    help = (
        "Migrate the database and load the Changning demo data from the vendored data/\n"
        "folder. Idempotent: running it again updates and never duplicates.\n\n"
        "Example:\n  district demo"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--data-dir",
            type=Path,
            default=settings.DEMO_DATA_DIR,
            help="the demo data folder (default: the repository's data/)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        data_dir: Path = options["data_dir"]
        if not (data_dir / "boundaries").is_dir():
            raise CommandError(
                f"The demo data folder {data_dir} is missing or incomplete. It ships with the "
                "repository (data/); set DISTRICT_DEMO_DATA_DIR if it lives elsewhere."
            )
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        compile_messages()
        self.stdout.write(f"Database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")
        call_command("migrate", interactive=False, verbosity=0)
        sync_roles()
        try:
            for _label, loader in demo_loaders():
                loader(data_dir=data_dir, log=self.stdout.write)
        except DistrictError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS("Demo data loaded. Serve it with: district serve"))
