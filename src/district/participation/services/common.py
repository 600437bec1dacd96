"""What every part of the participation write path shares: who may act, notices, text."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from district.accounts.auth import user_has_role
from district.core.errors import InputError, PermissionDeniedError
from district.participation.models import Channel, Notice

#: Roles that oversee every channel (no membership needed).
OVERSEER_ROLES = ("supervisor", "administrator")


def is_overseer(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False)) or user_has_role(user, *OVERSEER_ROLES)


def is_channel_staff(user: Any, channel: Channel | None) -> bool:
    """Whether ``user`` works for ``channel`` (overseers work for every channel)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if is_overseer(user):
        return True
    if channel is None:
        return user_has_role(user, "dispatcher")
    return channel.memberships.filter(user=user).exists()


def require_permission(user: Any, perm: str, action: str) -> None:
    if not getattr(user, "is_authenticated", False):
        raise PermissionDeniedError(
            f"Log in to {action}.", fix="Log in with a staff account of the channel."
        )
    if not user.has_perm(perm):
        raise PermissionDeniedError(
            f"Your account may not {action} (it lacks {perm}).",
            fix="Ask an administrator for the right role.",
        )


def require_channel_staff(user: Any, channel: Channel | None, perm: str, action: str) -> None:
    """Refuse unless ``user`` has ``perm`` and works for ``channel``."""
    require_permission(user, perm, action)
    if not is_channel_staff(user, channel):
        name = channel.name if channel else "—"
        raise PermissionDeniedError(
            f"Only staff of {name} may {action}.",
            field="channel",
            value=channel.code if channel else None,
            fix="Ask an administrator to add you to the channel's staff.",
        )


def clean_text(
    value: str | None, *, field: str, label: str, max_length: int, required: bool = True
) -> str:
    """Strip ``value`` and check its length; the error names the field and the limit."""
    text = (value or "").strip()
    if required and not text:
        raise InputError(f"{label} is empty.", field=field, fix=f"Write the {label.lower()}.")
    if len(text) > max_length:
        raise InputError(
            f"{label} has {len(text)} characters; at most {max_length} are allowed.",
            field=field,
            value=len(text),
            fix="Shorten it.",
        )
    return text


def notify(*, user: Any, kind: str, subject: str, url: str, source_ref: str, at: Any) -> bool:
    """Send one notice; a second notice for the same ``source_ref`` is not sent."""
    if user is None or not getattr(user, "pk", None):
        return False
    if Notice.objects.filter(user=user, source_ref=source_ref).exists():
        return False
    try:
        with transaction.atomic():
            Notice.objects.create(
                user=user,
                kind=kind,
                subject=subject[:200],
                url=url,
                created_at=at,
                source_ref=source_ref,
            )
    except IntegrityError:  # pragma: no cover - a concurrent publish got there first
        return False
    return True


def mark_notices_read(*, user: Any, notice_ids: list[int], at: Any) -> int:
    """Mark the user's own notices as read; returns how many changed."""
    return Notice.objects.filter(user=user, pk__in=notice_ids, read_at__isnull=True).update(
        read_at=at
    )
