"""The generated pages in docs/ stay in step with the code."""

from django.conf import settings

from district.core.commands_doc import generate


def test_command_reference_is_current():
    page = (settings.PROJECT_DIR / "docs/commands.md").read_text(encoding="utf-8")
    assert page == generate(), (
        "docs/commands.md is stale: run python -m district.core.commands_doc > docs/commands.md"
    )


def test_every_app_has_a_docs_page():
    for app in ("geo", "accounts", "cases", "participation", "lifecircle", "custody", "indicators"):
        assert (settings.PROJECT_DIR / f"docs/{app}.md").is_file()
