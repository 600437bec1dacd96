"""The accounts write path: departments, users and API keys."""

from __future__ import annotations

import csv
import hashlib
import secrets
from datetime import timedelta
from pathlib import Path

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from district.accounts.models import ApiKey, Department, User
from district.accounts.roles import ROLE_CODES
from district.core.errors import DataFileError, InputError, PermissionDeniedError

KEY_PREFIX = "dk_"
_LAST_USED_RESOLUTION = timedelta(minutes=1)


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def create_api_key(*, name: str, user: User | None = None) -> tuple[ApiKey, str]:
    """A new API key; the raw key is returned once and only its hash is stored."""
    name = name.strip()
    if not name:
        raise InputError("The key needs a name", field="name", fix="Name the client it is for.")
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(name=name[:100], prefix=raw[:12], key_hash=_hash(raw), user=user)
    return key, raw


def authenticate_api_key(raw: str) -> ApiKey:
    """The active key for ``raw``, or :class:`PermissionDeniedError`."""
    key = ApiKey.objects.select_related("user").filter(key_hash=_hash(raw.strip())).first()
    if key is None or not key.active:
        raise PermissionDeniedError(
            "The API key is unknown or revoked", field="api_key", fix="Ask for a new key."
        )
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > _LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key


@transaction.atomic
def revoke_api_key(*, prefix: str) -> ApiKey:
    key = ApiKey.objects.filter(prefix=prefix, revoked_at__isnull=True).first()
    if key is None:
        raise InputError(f"No active key starts with {prefix!r}", field="prefix", value=prefix)
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    return key


DEPARTMENT_COLUMNS = ("code", "name", "name_en", "kind")


@transaction.atomic
def import_departments(*, path: Path) -> int:
    """Create or update departments from a CSV: code, name, name_en, kind[, subdistrict_code]."""
    with Path(path).open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in DEPARTMENT_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise DataFileError(f"lacks column(s) {', '.join(missing)}", path=path, row=1)
        rows = list(reader)
    count = 0
    for line, row in enumerate(rows, start=2):
        if row["kind"] not in Department.Kind.values:
            raise DataFileError(
                f"kind {row['kind']!r} is not one of {', '.join(Department.Kind.values)}",
                path=path,
                row=line,
                field="kind",
            )
        if not row["code"] or not row["name"]:
            raise DataFileError("code and name are required", path=path, row=line, field="code")
        Department.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "name_en": row["name_en"],
                "kind": row["kind"],
                "subdistrict_code": row.get("subdistrict_code", "") or "",
            },
        )
        count += 1
    return count


@transaction.atomic
def ensure_subdistrict_office(*, subdistrict_code: str, name: str, name_en: str) -> Department:
    """The office running a subdistrict (街道办事处 / 镇政府), created if missing."""
    office_name = name + ("政府" if name.endswith("镇") else "办事处")
    office_en = name_en + (" Government" if name_en.endswith("Town") else " Office")
    department, _created = Department.objects.update_or_create(
        code=f"sub-{subdistrict_code}",
        defaults={
            "name": office_name,
            "name_en": office_en,
            "kind": Department.Kind.SUBDISTRICT,
            "subdistrict_code": subdistrict_code,
        },
    )
    return department


@transaction.atomic
def ensure_user(
    *,
    username: str,
    roles: list[str],
    display_name: str = "",
    department: Department | None = None,
    password: str | None = None,
    is_demo: bool = False,
    is_staff: bool = False,
    is_superuser: bool = False,
) -> User:
    """Create or update a user with exactly these roles (idempotent)."""
    unknown = set(roles) - ROLE_CODES
    if unknown:
        raise InputError(
            f"Unknown role(s) {', '.join(sorted(unknown))}",
            field="roles",
            fix=f"Use: {', '.join(sorted(ROLE_CODES))}.",
        )
    user, created = User.objects.get_or_create(username=username)
    user.display_name = display_name
    user.department = department
    user.is_demo = is_demo
    user.is_staff = is_staff or is_superuser
    user.is_superuser = is_superuser
    if password is not None and (created or not user.check_password(password)):
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    user.save()
    user.groups.set(Group.objects.filter(name__in=roles))
    return user
