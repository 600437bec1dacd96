"""Whole-site checks: migrations, every page, permissions, translations."""

from __future__ import annotations

import re
from io import StringIO

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import translation

from district.core.access import is_public
from district.core.i18n import catalogues

SKIP_PREFIXES = ("admin:", "api:", "set_language", "accounts:logout")


def _named_pages() -> list[tuple[str, str, bool]]:
    """(name, path, public) of every URL pattern without parameters."""
    pages: list[tuple[str, str, bool]] = []

    def walk(patterns: list[URLPattern | URLResolver], prefix: str, namespace: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, prefix + str(entry.pattern), ns)
            elif entry.name:
                route = prefix + str(entry.pattern)
                if "<" in route or "(?P" in route:
                    continue
                name = namespace + entry.name
                if not name.startswith(SKIP_PREFIXES):
                    path = "/" + route.lstrip("^").rstrip("$")
                    pages.append((name, path, is_public(entry.callback)))

    walk(get_resolver().url_patterns, "", "")
    return pages


PAGES = _named_pages()


@pytest.mark.django_db
def test_no_pending_migrations():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=StringIO())
    except SystemExit:  # pragma: no cover - the failure path
        pytest.fail(f"pending migrations:\n{out.getvalue()}")


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "path", "public"), PAGES, ids=[p[0] for p in PAGES])
def test_every_page_answers_with_one_h1(admin_client, name, path, public):
    response = admin_client.get(path)
    if response.status_code == 405 and "POST" in response.get("Allow", ""):
        return  # an action that only takes POST: it has no page of its own
    assert response.status_code == 200, f"{name} {path} answered {response.status_code}"
    if response["Content-Type"].startswith("text/html"):
        h1s = re.findall(rb"<h1[\s>]", response.content)
        assert len(h1s) == 1, f"{name} {path} has {len(h1s)} <h1>"


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "path", "public"), PAGES, ids=[p[0] for p in PAGES])
def test_every_page_requires_its_permission(client, name, path, public):
    """Pages are closed unless their view is marked public (district.core.access)."""
    response = client.get(path)
    if response.status_code == 405 and "POST" in response.get("Allow", ""):
        response = client.post(path)  # an action: anonymous posts must be refused too
    if public:
        assert response.status_code == 200
    else:
        assert response.status_code in (302, 403), f"{name} is open to anonymous visitors"
        if response.status_code == 302:
            assert response["Location"].startswith("/accounts/login/")


def test_every_catalogue_is_complete():
    assert catalogues(), "no translation catalogues found"
    for path in catalogues():
        po = polib.pofile(str(path))
        untranslated = [e.msgid for e in po.untranslated_entries()]
        fuzzy = [e.msgid for e in po.fuzzy_entries()]
        assert not untranslated and not fuzzy, f"{path}: {untranslated[:5]} {fuzzy[:5]}"


@pytest.mark.parametrize(
    ("language", "msgid", "expected"),
    [("zh-hans", "Log in", "登录"), ("en", "Log in", "Log in"), ("zh-hans", "Grid cells", "网格")],
)
def test_each_locale_translates_a_string(language, msgid, expected):
    with translation.override(language):
        assert translation.gettext(msgid) == expected


def test_interface_defaults_to_chinese():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _ in settings.LANGUAGES] == ["zh-hans", "en"]
