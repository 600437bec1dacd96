"""Compile translations with polib, so no GNU gettext is needed on the machine."""

from __future__ import annotations

from pathlib import Path

import polib
from django.conf import settings


def catalogues() -> list[Path]:
    """Every django.po under the package."""
    return sorted(settings.PACKAGE_DIR.glob("**/locale/*/LC_MESSAGES/django.po"))


def compile_messages() -> list[Path]:
    """Write django.mo next to every django.po that is newer; returns what was compiled."""
    compiled = []
    for po_path in catalogues():
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        compiled.append(mo_path)
    return compiled
