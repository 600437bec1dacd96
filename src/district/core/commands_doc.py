"""Generate ``docs/commands.md`` from the commands' own ``--help``.

``python -m district.core.commands_doc > docs/commands.md`` (or ``--check``); a test keeps
the page in step with the code.
"""

from __future__ import annotations

import argparse
import os
import sys

import django

PLATFORM = ["demo", "serve", "worker", "i18n"]
APPS = ["geo", "accounts", "cases", "participation", "lifecircle", "custody", "indicators"]


def _verbs(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def generate() -> str:
    from django.core.management import get_commands, load_command_class

    os.environ["COLUMNS"] = "96"
    commands = get_commands()
    lines = [
        "# Command reference",
        "",
        "Generated from the commands' own `--help` by "
        "`python -m district.core.commands_doc > docs/commands.md`; a test keeps it current.",
        "Django's own commands (`migrate`, `createsuperuser`, `shell` …) work too.",
        "",
    ]
    for name in PLATFORM + APPS:
        if name not in commands:
            continue
        command = load_command_class(commands[name], name)
        parser = command.create_parser("district", name)
        verbs = _verbs(parser)
        lines += [f"## district {name}", ""]
        if not verbs:
            lines += ["```", parser.format_help().rstrip(), "```", ""]
            continue
        lines += [str(command.help), ""]
        for verb, sub in verbs.items():
            lines += [
                f"### district {name} {verb}",
                "",
                "```",
                sub.format_help().rstrip(),
                "```",
                "",
            ]
    return "\n".join(lines)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "district.settings")
    os.environ.setdefault("DISTRICT_DEBUG", "true")
    django.setup()
    text = generate()
    if "--check" in sys.argv:
        with open("docs/commands.md", encoding="utf-8") as handle:
            sys.exit(0 if handle.read() == text else 1)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
