"""``district i18n compile``: compile the interface translations (.po → .mo)."""

from __future__ import annotations

from typing import Any

from district.core.cli import AppCommand, Verb
from district.core.i18n import compile_messages


class Compile(Verb):
    name = "compile"
    help = "Compile every app's locale/*/LC_MESSAGES/django.po into django.mo."
    example = "district i18n compile"

    def run(self, **options: Any) -> None:
        for path in compile_messages():
            self.say(f"compiled {path}")


class Command(AppCommand):
    app_help = "Interface translations."
    verbs = [Compile]
