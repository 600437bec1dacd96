"""``district serve``: serve the platform with waitress until Ctrl-C."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.core.wsgi import get_wsgi_application
from waitress import serve

from district.core.cli import PlatformCommand


class Command(PlatformCommand):
    help = (
        "Serve the platform over HTTP (waitress, a production WSGI server) until Ctrl-C.\n\n"
        "Example:\n  district serve --host 127.0.0.1 --port 8000"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
        parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
        parser.add_argument("--threads", type=int, default=8, help="worker threads")

    def handle(self, *args: Any, **options: Any) -> None:
        application = get_wsgi_application()
        host, port = options["host"], options["port"]
        shown = f"[{host}]" if ":" in host else host
        self.stdout.write(f"district serving at http://{shown}:{port}/  (Ctrl-C to stop)")
        try:
            serve(application, host=host, port=port, threads=options["threads"], ident="district")
        except KeyboardInterrupt:
            self.stdout.write("stopped")
