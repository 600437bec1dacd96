"""Platform-wide pieces: health check, error rendering, settings, the scheduler."""

import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.utils import timezone

from district.core.errors import DataFileError, InputError
from district.core.handlers import render_error


@pytest.mark.django_db
def test_healthz_names_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    from django.db import connection

    assert response.json() == {"status": "ok", "database": connection.vendor}


def test_error_json_shape():
    error = InputError("Bad lat", field="lat", value="x", fix="Give degrees.")
    assert error.as_dict() == {
        "ok": False,
        "error": "Bad lat. Give degrees.",
        "errors": {"lat": ["Bad lat"]},
        "status": 400,
    }
    assert str(DataFileError("is empty", path="a.csv", row=3, field="name")) == (
        "a.csv, row 3, field 'name': is empty"
    )


@pytest.mark.django_db
def test_errors_render_as_html_or_json():
    factory = RequestFactory()
    html = render_error(factory.get("/cases/"), InputError("Bad", field="x"))
    assert html.status_code == 400 and b"<h1>" in html.content
    api = render_error(factory.get("/api/geo/grid"), InputError("Bad", field="x"))
    assert json.loads(api.content)["ok"] is False


def _settings_in_subprocess(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DISTRICT_")}
    clean.pop("DATABASE_URL", None)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import district.settings as s; print(s.DATABASES['default']['ENGINE'])",
        ],
        env={**clean, **env},
        capture_output=True,
        text=True,
        cwd="/",
        check=False,
    )


def test_placeholder_secret_is_refused_without_debug():
    result = _settings_in_subprocess(
        {"DISTRICT_DEBUG": "false", "DISTRICT_SECRET_KEY": "change-me"}
    )
    assert result.returncode != 0
    assert "DISTRICT_SECRET_KEY" in result.stderr


def test_bad_boolean_fails_loudly():
    result = _settings_in_subprocess({"DISTRICT_DEBUG": "maybe"})
    assert result.returncode != 0 and "not a boolean" in result.stderr


def test_database_url_switches_engine():
    result = _settings_in_subprocess(
        {"DISTRICT_DEBUG": "true", "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/x"}
    )
    assert result.stdout.strip() == "django.db.backends.postgresql"
    default = _settings_in_subprocess({"DISTRICT_DEBUG": "true"})
    assert default.stdout.strip() == "django.db.backends.sqlite3"


def test_env_example_lists_every_variable():
    """Every DISTRICT_ variable the code reads is documented in .env.example."""
    root = settings.PROJECT_DIR
    documented = set(
        re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (root / ".env.example").read_text(), re.M)
    )
    used = set()
    for path in Path(settings.PACKAGE_DIR).rglob("*.py"):
        used.update(re.findall(r"\benv_\w+\(\s*\"([A-Z][A-Z0-9_]+)\"", path.read_text()))
        used.update(
            re.findall(r"os\.environ(?:\.get)?\(\s*\"(DISTRICT_[A-Z0-9_]+)\"", path.read_text())
        )
    used.add("DATABASE_URL")
    assert used <= documented, f"undocumented: {sorted(used - documented)}"


@pytest.mark.django_db
def test_periodic_jobs_are_enqueued_once_per_interval():
    from django_tasks_db.models import DBTaskResult

    from district.core import scheduler
    from district.core.models import PeriodicJob

    now = timezone.now()
    scheduler.sync_jobs(now)
    job = PeriodicJob.objects.get(name="core.prune-task-results")
    assert job.interval_s == 86400
    assert "core.prune-task-results" in scheduler.enqueue_due(now)
    assert scheduler.enqueue_due(now) == []  # claimed: not due again until the interval passes
    assert "core.prune-task-results" in scheduler.enqueue_due(now + timedelta(days=1, seconds=1))
    assert (
        DBTaskResult.objects.filter(task_path="district.core.tasks.prune_task_results").count() == 2
    )
