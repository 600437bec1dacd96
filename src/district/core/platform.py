"""What every capability app contributes to the platform, read from its AppConfig.

An app's ``AppConfig`` may declare:

``role_permissions``
    ``{role code: ["app_label.codename", ...]}``: the permissions the app grants each role
    (see :mod:`district.accounts.roles`). Roles are Django groups kept in step by
    ``sync_roles``.
``demo_loader``
    the dotted path of a function ``load_demo(*, data_dir: Path, log: Callable[[str], None])``
    that loads the app's demo data idempotently. ``district demo`` calls them in
    ``INSTALLED_APPS`` order, so ``geo`` loads before the apps that locate things in it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

from django.apps import apps
from django.utils.module_loading import import_string


class DemoLoader(Protocol):
    def __call__(self, *, data_dir: Path, log: Callable[[str], None]) -> None: ...


def role_permissions() -> dict[str, set[str]]:
    """Every role's permissions, merged across apps."""
    merged: dict[str, set[str]] = {}
    for config in apps.get_app_configs():
        for role, perms in getattr(config, "role_permissions", {}).items():
            merged.setdefault(role, set()).update(perms)
    return merged


def demo_loaders() -> Iterator[tuple[str, DemoLoader]]:
    for config in apps.get_app_configs():
        path = getattr(config, "demo_loader", None)
        if path:
            yield config.label, import_string(path)
