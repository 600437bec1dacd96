"""Roles are Django groups named by a stable code. Each app grants permissions to roles in
its ``AppConfig.role_permissions`` (see :mod:`district.core.platform`); :func:`sync_roles`
keeps the groups in step after every migration and in ``district demo``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from district.core.errors import ConfigurationError
from district.core.platform import role_permissions


@dataclass(frozen=True)
class Role:
    code: str
    label: Promise
    description: Promise


ROLES: tuple[Role, ...] = (
    Role("resident", _("Resident"), _("Reports problems, makes suggestions, votes, rates.")),
    Role("grid_worker", _("Grid worker"), _("Patrols a grid, reports and verifies on site.")),
    Role("dispatcher", _("Dispatcher"), _("Files cases and dispatches them to departments.")),
    Role(
        "department_staff", _("Department staff"), _("Handles cases and replies for a department.")
    ),
    Role("supervisor", _("Supervisor"), _("Verifies, supervises and escalates; sees all cases.")),
    Role("planner", _("Planner"), _("Plans facilities and the 15-minute life circle.")),
    Role("merchant", _("Merchant"), _("Sells prepaid contracts held in custody.")),
    Role("notary", _("Notary"), _("Holds prepaid funds in custody and keeps the journal.")),
    Role("regulator", _("Regulator"), _("Market supervision: balances, warnings, closures.")),
    Role("administrator", _("Administrator"), _("Manages users, data and settings.")),
)
ROLE_CODES = frozenset(r.code for r in ROLES)


def role_label(code: str) -> str:
    for role in ROLES:
        if role.code == code:
            return str(role.label)
    return code


@transaction.atomic
def sync_roles() -> dict[str, int]:
    """Create every role's group and set its permissions exactly; returns perms per role."""
    grants = role_permissions()
    unknown = set(grants) - ROLE_CODES
    if unknown:
        raise ConfigurationError(
            f"Apps grant permissions to unknown roles: {', '.join(sorted(unknown))}"
        )
    result = {}
    for role in ROLES:
        group, _created = Group.objects.get_or_create(name=role.code)
        wanted = grants.get(role.code, set())
        perms = []
        for dotted in sorted(wanted):
            app_label, codename = dotted.split(".", 1)
            try:
                perms.append(
                    Permission.objects.get(content_type__app_label=app_label, codename=codename)
                )
            except Permission.DoesNotExist:
                raise ConfigurationError(
                    f"Role {role.code} is granted unknown permission {dotted}"
                ) from None
        group.permissions.set(perms)
        result[role.code] = len(perms)
    return result
