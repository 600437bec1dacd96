"""The ``district`` console script: ``district <app> <verb> [options]``.

Every command is a Django management command, so ``district migrate`` or
``district createsuperuser`` work too. Run ``district`` alone for the overview.
"""

from __future__ import annotations

import os
import sys

OVERVIEW = """\
district — the platform a city district runs its people-oriented services on.

Usage: district <command> [options]     (district <command> --help for details)

Platform
  demo            migrate and load the Changning demo data (idempotent; does not serve)
  serve           serve the platform (default http://127.0.0.1:8000/) until Ctrl-C
  worker          run a background-task worker (SLA sweeps, batch analytics, reports)
  i18n            compile the interface translations

Apps (district <app> <verb>)
  geo             boundary, subdistricts, grid cells, walking network, facilities, residents
  cases           multi-grid governance cases, Open311
  participation   Ning Lai Shuo: suggestions, consultations, draft laws
  lifecircle      the 15-minute community life circle
  custody         notarized custody of prepaid funds
  indicators      the plan scorecard

Django's own commands (migrate, createsuperuser, shell, …) work too:
  district help   lists every command.

Example:
  district demo && district serve --port 8000
"""


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help"):
        print(OVERVIEW, end="")
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "district.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["district", *args])


if __name__ == "__main__":
    main()
