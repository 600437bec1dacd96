"""Marking which pages anyone may open.

Every page requires a logged-in user with the right role unless its view is marked
:func:`public`. The whole-site test walks the URLs: a public page must answer an anonymous
visitor, every other page must send them to the login page (or refuse with 403).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def public(view: F) -> F:
    """Mark a view as open to anonymous visitors (it must still hide personal data)."""
    view.district_public = True  # type: ignore[attr-defined]
    return view


def is_public(view: Callable[..., Any]) -> bool:
    target = getattr(view, "view_class", None) or view
    return bool(
        getattr(target, "district_public", False) or getattr(view, "district_public", False)
    )
