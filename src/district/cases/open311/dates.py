"""W3C-NOTE-datetime (the ISO 8601 subset Open311 uses), read and written in +08:00."""

from __future__ import annotations

import re
from datetime import date, datetime, time

from district.core.errors import InputError
from district.core.worktime import SHANGHAI

_TRAILING_OFFSET_WITHOUT_PLUS = re.compile(r" (\d{2}:?\d{2})$")


def w3c(moment: datetime | None) -> str | None:
    """``2026-11-28T09:30:00+08:00`` (seconds, the district's offset), or None."""
    if moment is None:
        return None
    return moment.astimezone(SHANGHAI).isoformat(timespec="seconds")


def parse_w3c(text: str, *, field: str) -> datetime:
    """A W3C datetime (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` or a full date and time with
    ``Z`` or an offset). A date means its local midnight; a time without an offset is read
    as Asia/Shanghai. A ``+`` that a query string turned into a space is put back."""
    raw = (text or "").strip()
    cleaned = _TRAILING_OFFSET_WITHOUT_PLUS.sub(r"+\1", raw)
    try:
        if re.fullmatch(r"\d{4}", cleaned):
            moment = datetime(int(cleaned), 1, 1)
        elif re.fullmatch(r"\d{4}-\d{2}", cleaned):
            moment = datetime(int(cleaned[:4]), int(cleaned[5:7]), 1)
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", cleaned):
            moment = datetime.combine(date.fromisoformat(cleaned), time(0))
        elif "T" in cleaned:
            moment = datetime.fromisoformat(cleaned.replace("z", "Z"))
        else:
            raise ValueError(cleaned)
    except ValueError:
        raise InputError(
            f"{field} {raw!r} is not a W3C date-time.",
            field=field,
            value=raw,
            fix="Use e.g. 2026-11-28T09:30:00+08:00 (ISO 8601 with the time zone).",
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    return moment
