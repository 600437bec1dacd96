"""`district demo` (the first half of `make demo`) run twice on a fresh database: the second
run adds nothing to any table (issue 2: "Running it twice must not duplicate data").

The demo runs in subprocesses, as `make demo` runs it, on its own database: a temporary
SQLite file, or a temporary PostgreSQL database when the suite runs on PostgreSQL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

COUNT_ROWS = """
import json, django
django.setup()
from django.apps import apps
print(json.dumps({m._meta.db_table: m._default_manager.count() for m in apps.get_models()}))
"""


@pytest.fixture
def demo_database(tmp_path: Path) -> Iterator[str]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp_path / 'demo.sqlite3'}"
        return
    import psycopg

    name = f"district_demo_{uuid.uuid4().hex[:8]}"
    base, _, _db = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.slow
def test_running_the_demo_twice_adds_nothing(demo_database: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": demo_database,
        "DISTRICT_DATA_DIR": str(tmp_path),
        "DISTRICT_DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "district.settings",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, check=True
        )

    def counts() -> dict[str, int]:
        return dict(json.loads(run("-c", COUNT_ROWS).stdout.strip().splitlines()[-1]))

    first = run("-m", "district.cli", "demo")
    assert "Demo data loaded" in first.stdout
    after_first = counts()
    for table in ("geo_gridcell", "geo_facility", "cases_case", "participation_vote"):
        assert after_first.get(table, 0) > 0, f"the demo left {table} empty"

    run("-m", "district.cli", "demo")
    after_second = counts()
    grown = {
        table: (after_first.get(table), rows)
        for table, rows in after_second.items()
        if rows != after_first.get(table)
    }
    assert not grown, f"a second `district demo` changed these row counts: {grown}"
