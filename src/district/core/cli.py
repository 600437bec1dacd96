"""The shape of every ``district <app> <verb>`` command.

Each app has one management command named after the app (``geo``, ``cases`` …) built on
:class:`AppCommand`. Its verbs are small :class:`Verb` classes: a help line, an example,
the arguments and a ``run`` that calls the app's services and prints the result. A
:class:`~district.core.errors.DistrictError` becomes a one-line message on stderr and exit
status 1; ``--json`` output goes to stdout as one JSON document.
"""

from __future__ import annotations

import abc
import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any, ClassVar, TypeVar

from django.core.management.base import (
    BaseCommand,
    CommandError,
    CommandParser,
    DjangoHelpFormatter,
)
from tqdm import tqdm

from district.core.errors import DistrictError

T = TypeVar("T")


class Verb(abc.ABC):
    """One verb of an app command, e.g. ``import-osm`` of ``district geo``."""

    name: ClassVar[str]
    help: ClassVar[str]
    example: ClassVar[str]

    def __init__(self, command: AppCommand) -> None:
        self.command = command

    def add_arguments(self, parser: CommandParser) -> None:  # noqa: B027 - optional hook
        """Add the verb's own arguments."""

    @abc.abstractmethod
    def run(self, **options: Any) -> None:
        """Do the work: parse nothing more, call services, print the result."""

    # --- output helpers ---------------------------------------------------------------

    def say(self, text: str = "") -> None:
        self.command.stdout.write(text)

    def warn(self, text: str) -> None:
        self.command.stderr.write(text)

    def emit_json(self, payload: Any) -> None:
        self.command.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2, default=str))

    def progress(
        self, items: Iterable[T], *, total: int | None = None, desc: str = ""
    ) -> Iterator[T]:
        """A progress bar on a terminal, silent otherwise."""
        return iter(
            tqdm(items, total=total, desc=desc, disable=not sys.stderr.isatty(), leave=False)
        )


class HelpFormatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Django's order of options, with the help text's own line breaks (for Example:)."""


class PlatformCommand(BaseCommand):
    """Base of the platform's commands: keeps the ``Example:`` lines of the help intact."""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        kwargs.setdefault("formatter_class", HelpFormatter)
        return super().create_parser(prog_name, subcommand, **kwargs)


class AppCommand(PlatformCommand):
    """Base of ``district <app> <verb>`` commands."""

    verbs: ClassVar[list[type[Verb]]] = []
    app_help: ClassVar[str] = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        app = self.__module__.rsplit(".", 1)[-1]
        names = ", ".join(v.name for v in self.verbs)
        first = self.verbs[0].name
        example = f"district {app} {first} --help"
        self.help = f"{self.app_help}\n\nVerbs: {names}.\n\nExample:\n  {example}"

    def add_arguments(self, parser: CommandParser) -> None:
        subparsers = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
        app = self.__module__.rsplit(".", 1)[-1]
        for verb_class in self.verbs:
            sub = subparsers.add_parser(
                verb_class.name,
                help=verb_class.help,
                description=verb_class.help,
                epilog=f"Example:\n  {verb_class.example}",
                formatter_class=argparse.RawDescriptionHelpFormatter,
                prog=f"district {app} {verb_class.name}",
            )
            verb_class(self).add_arguments(sub)

    def handle(self, *args: Any, **options: Any) -> None:
        name = options.pop("verb")
        verb_class = next(v for v in self.verbs if v.name == name)
        try:
            verb_class(self).run(**options)
        except DistrictError as exc:
            raise CommandError(str(exc), returncode=1) from exc


def json_flag(parser: CommandParser) -> None:
    """Add the ``--json`` switch a verb offers when a machine reads its output."""
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def iso_date(text: str) -> date:
    """An argparse ``type`` for a date option: ``2026-01-31``, or a message naming the fix."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date: write dates as 2026-01-31"
        ) from None
