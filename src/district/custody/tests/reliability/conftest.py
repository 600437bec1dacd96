"""Dedicated databases and the count record for the reliability suite.

The multi-process tests cannot use pytest-django's test database (on SQLite it may live in
memory, and it is wrapped in a transaction): each gets a **dedicated database** migrated with
``district migrate`` — a SQLite file, or on PostgreSQL a fresh ``custody_rel_<random>``
database on the server named by ``DATABASE_URL`` — cloned from one migrated template per
session (a file copy, or ``CREATE DATABASE … TEMPLATE``). The work itself runs in a driver
subprocess (:mod:`.driver`) that forks the workers; the test reads its JSON report.

Every test records its counts (operations, crashes survived, invariant checks) with the
``record_counts`` fixture: they go to the JUnit XML as properties, to
``$DISTRICT_DATA_DIR/custody-reliability/<test>.json`` and to the terminal summary.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

MULTIPROCESS_GROUP = "custody-reliability"
_RECORDED: list[tuple[str, dict[str, Any]]] = []


def _is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://"))


def _child_env(url: str, data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": url,
            "DISTRICT_DATA_DIR": str(data_dir),
            "DISTRICT_DEBUG": "true",
            "DJANGO_SETTINGS_MODULE": "district.settings",
        }
    )
    env.pop("DISTRICT_CUSTODY_CRASHPOINTS", None)  # only the crash driver sets it, per worker
    return env


@dataclass
class DatabaseFactory:
    """Makes migrated dedicated databases for the driver subprocesses."""

    base_url: str
    folder: Path
    template: str = ""
    made: list[str] = field(default_factory=list)

    @property
    def vendor(self) -> str:
        return "postgresql" if _is_postgres(self.base_url) else "sqlite"

    def _admin_url(self) -> str:
        base, _, _name = self.base_url.rpartition("/")
        return f"{base}/postgres"

    def _url_for(self, name: str) -> str:
        if self.vendor == "postgresql":
            base, _, _name = self.base_url.rpartition("/")
            return f"{base}/{name}"
        return f"sqlite:///{self.folder / (name + '.sqlite3')}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self._admin_url(), autocommit=True) as conn:
            conn.execute(sql)

    def _create_empty(self, name: str) -> None:
        if self.vendor == "postgresql":
            self._admin(f'CREATE DATABASE "{name}"')

    def migrate_template(self) -> None:
        name = f"custody_rel_{uuid.uuid4().hex[:8]}_t"
        self._create_empty(name)
        self.template = name
        subprocess.run(
            [sys.executable, "-m", "district.cli", "migrate", "--no-input", "-v", "0"],
            env=_child_env(self._url_for(name), self.folder),
            check=True,
            capture_output=True,
        )

    def new_database(self) -> str:
        """A fresh migrated database (a clone of the template); returns its URL."""
        if not self.template:
            self.migrate_template()
        name = f"custody_rel_{uuid.uuid4().hex[:8]}"
        if self.vendor == "postgresql":
            self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        else:
            shutil.copyfile(
                self.folder / f"{self.template}.sqlite3", self.folder / f"{name}.sqlite3"
            )
        self.made.append(name)
        return self._url_for(name)

    def drop_all(self) -> None:
        for name in [*self.made, self.template]:
            if not name:
                continue
            if self.vendor == "postgresql":
                self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            else:
                for suffix in ("", "-wal", "-shm"):
                    (self.folder / f"{name}.sqlite3{suffix}").unlink(missing_ok=True)


@pytest.fixture(scope="session")
def database_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    from django.conf import settings

    url = os.environ.get("DATABASE_URL", "")
    if not _is_postgres(url):
        url = "sqlite:///"
    folder = tmp_path_factory.mktemp("custody-reliability")
    factory = DatabaseFactory(base_url=url, folder=folder)
    assert settings.DATABASES["default"]["ENGINE"].endswith(
        "postgresql" if factory.vendor == "postgresql" else "sqlite3"
    )
    try:
        yield factory
    finally:
        factory.drop_all()


@pytest.fixture
def run_driver(database_factory: DatabaseFactory, tmp_path: Path) -> Callable[..., dict[str, Any]]:
    """``run_driver("races", pairs=…)``: runs :mod:`.driver` on a fresh database and returns
    its JSON report (the last line of its output)."""

    def run(scenario: str, **params: Any) -> dict[str, Any]:
        url = database_factory.new_database()
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "district.custody.tests.reliability.driver", scenario],
            input=json.dumps(params),
            env=_child_env(url, tmp_path),
            capture_output=True,
            text=True,
            check=False,
        )
        lines = done.stdout.strip().splitlines()
        if done.returncode != 0 or not lines:
            raise AssertionError(
                f"driver {scenario} exited {done.returncode}\n--- stdout\n{done.stdout[-4000:]}"
                f"\n--- stderr\n{done.stderr[-6000:]}"
            )
        report: dict[str, Any] = json.loads(lines[-1])
        report["database"] = database_factory.vendor
        if any(report.get(k) for k in ("problems", "violations", "unexpected")):
            report["stderr"] = done.stderr[-6000:]  # the workers' tracebacks
        report["seconds"] = round(time.monotonic() - started, 1)
        return report

    return run


@pytest.fixture
def record_counts(
    request: pytest.FixtureRequest, record_property: Callable[[str, Any], None]
) -> Callable[[dict[str, Any]], None]:
    """Record a test's counts: JUnit properties, a JSON file and the terminal summary."""

    def record(counts: dict[str, Any]) -> None:
        name = request.node.name
        for key, value in counts.items():
            if isinstance(value, int | float | str):
                record_property(key, value)
        folder = Path(os.environ.get("DISTRICT_DATA_DIR", "var")) / "custody-reliability"
        folder.mkdir(parents=True, exist_ok=True)
        vendor = counts.get("database", "")
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)
        (folder / f"{safe}-{vendor}.json").write_text(
            json.dumps(counts, indent=2, sort_keys=True, default=str) + "\n"
        )
        _RECORDED.append((name, counts))

    return record


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _RECORDED:
        return
    terminalreporter.section("custody reliability counts")
    for name, counts in _RECORDED:
        shown = {k: v for k, v in counts.items() if not isinstance(v, dict | list)}
        terminalreporter.write_line(f"{name}: {json.dumps(shown, default=str)}")
