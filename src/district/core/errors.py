"""The platform's one error hierarchy.

Every error a user can cause is a :class:`DistrictError`. Each carries the HTTP status it
maps to, a machine-readable ``code``, a message that names what is wrong and how to fix
it, and optionally the field, the offending value and per-field ``errors``. One handler
(:mod:`district.core.handlers`) renders it as an HTML page, as JSON
``{"ok": false, "error", "errors", "status"}`` or as Open311's error list; the CLI prints
it and exits non-zero.

This module imports nothing from Django, so analytics engines may raise these errors too.

The hierarchy::

    DistrictError (400)
    ├── InputError (400)           bad input from a form, an API body or a command option
    │   └── DataFileError (400)    a bad row or field in an imported file (names file, row, field)
    ├── PermissionDeniedError (403)
    ├── NotFoundError (404)
    ├── ConflictError (409)        the state changed (stale or repeated submission, a race)
    └── ConfigurationError (500)   the platform is set up wrongly (missing data, bad settings)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


class DistrictError(Exception):
    """Base of every error the platform reports to a user."""

    status: int = 400
    code: str = "error"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        value: Any = None,
        fix: str | None = None,
        errors: Mapping[str, Sequence[str]] | None = None,
        status: int | None = None,
    ) -> None:
        self.message = message
        self.field = field
        self.value = value
        self.fix = fix
        self.errors: dict[str, list[str]] = {k: list(v) for k, v in (errors or {}).items()}
        if field and not self.errors:
            self.errors = {field: [message]}
        if status is not None:
            self.status = status
        super().__init__(str(self))

    def __str__(self) -> str:
        text = self.message
        if self.fix:
            text = f"{text} {self.fix}" if text.endswith((".", "。")) else f"{text}. {self.fix}"
        return text

    def as_dict(self) -> dict[str, Any]:
        """The JSON error body: ``{"ok": false, "error", "errors", "status"}``."""
        return {"ok": False, "error": str(self), "errors": self.errors, "status": self.status}


class InputError(DistrictError):
    """Input that fails validation: a form, an API body, a command-line option."""

    code = "invalid"


class DataFileError(InputError):
    """A problem in an imported file. The message names the file, the row and the field."""

    code = "bad_file"

    def __init__(
        self,
        message: str,
        *,
        path: str | Path,
        row: int | None = None,
        field: str | None = None,
        value: Any = None,
        fix: str | None = None,
    ) -> None:
        self.path = str(path)
        self.row = row
        where = self.path
        if row is not None:
            where += f", row {row}"
        if field is not None:
            where += f", field '{field}'"
        super().__init__(f"{where}: {message}", field=field, value=value, fix=fix)


class PermissionDeniedError(DistrictError):
    """The user is known but may not do this."""

    status = 403
    code = "forbidden"


class NotFoundError(DistrictError):
    """The thing asked for does not exist (or is not visible to this user)."""

    status = 404
    code = "not_found"


class ConflictError(DistrictError):
    """The state changed under the request: a stale form, a repeated submission, a race."""

    status = 409
    code = "conflict"


class ConfigurationError(DistrictError):
    """The platform is set up wrongly: missing data, a bad setting."""

    status = 500
    code = "configuration"
