"""Read and validate the plan's projects: ``projects.csv`` and ``milestones.csv``.

The files sit beside the figures in ``data/indicators/`` (their columns are described in
its ``README.md``). A project is a programme ("the 169 renewal projects", "elevators
installed") or a single named project ("Hongqiao Talent Apartments"), with its status, an
optional location, the indicators it moves and the sentence of the source that names it;
milestones are its steps, each reached or pending.

Every project must be real and cite its source sentence, or be marked ``example = yes``
(an example made up for the demo, shown as such). Every problem raises
:class:`~district.core.errors.DataFileError` naming the file, the row and the field.

Pure Python: no Django, so it runs alone like the loader it builds on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from .arithmetic import When
from .loader import Indicator, Source, _check_sentence, _Row, _Rows, _source

__all__ = [
    "PROJECT_CATEGORIES",
    "PROJECT_KINDS",
    "PROJECT_STATUSES",
    "MilestoneRecord",
    "ProjectRecord",
    "read_projects",
]

PROJECT_KINDS = ("programme", "project")
# 城市更新 urban renewal; 实事项目 practical services for the people; 城市治理 urban governance
PROJECT_CATEGORIES = ("urban_renewal", "practical_service", "urban_governance")
PROJECT_STATUSES = ("planned", "under_way", "completed", "not_stated")
MILESTONE_STATUSES = ("pending", "reached")
NAME_ORIGINS = ("translation", "official", "as_released")


@dataclass(frozen=True)
class MilestoneRecord:
    """A step of a project: reached (perhaps on a known day) or pending (perhaps due)."""

    project: str
    position: int
    title_en: str
    title_zh: str
    status: str
    due: When | None
    reached_on: date | None
    source: str
    sentence: str
    note: str
    row: int


@dataclass(frozen=True)
class ProjectRecord:
    """A programme or project as written in ``projects.csv``."""

    id: str
    kind: str
    category: str
    name_en: str
    name_zh: str
    name_zh_origin: str
    status: str
    example: bool
    lon: float | None
    lat: float | None
    location_source: str
    indicators: tuple[str, ...]
    source: str
    sentence: str
    recorded_on: date
    note: str
    row: int
    milestones: tuple[MilestoneRecord, ...] = ()


def _coordinate(row: _Row, column: str, low: float, high: float) -> float | None:
    text = row.cells.get(column, "")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise row.error(column, f"'{text}' is not a number", "Write decimal degrees.") from None
    if not (math.isfinite(value) and low <= value <= high):
        raise row.error(
            column, f"{text} is outside {low} to {high}", "Write WGS-84 decimal degrees."
        )
    return value


def _read_projects(
    path: Path, sources: Mapping[str, Source], indicators: Mapping[str, Indicator]
) -> list[ProjectRecord]:
    columns = (
        "id",
        "kind",
        "category",
        "name_en",
        "name_zh",
        "name_zh_origin",
        "status",
        "example",
        "lon",
        "lat",
        "location_source",
        "indicators",
        "source",
        "sentence",
        "recorded_on",
        "note",
    )
    projects: list[ProjectRecord] = []
    seen: set[str] = set()
    for row, cells in _Rows(path, columns):
        project_id = row.required("id", "the project id")
        if project_id in seen:
            raise row.error(
                "id",
                f"the project id '{project_id}' is used twice",
                "Give every project its own id.",
            )
        seen.add(project_id)
        example = row.choice("example", ("no", "yes")) == "yes"
        lon = _coordinate(row, "lon", -180.0, 180.0)
        lat = _coordinate(row, "lat", -90.0, 90.0)
        if (lon is None) != (lat is None):
            raise row.error(
                "lat" if lat is None else "lon",
                "a location needs both lon and lat",
                "Fill in both, or leave both empty when the source gives no location.",
            )
        if lon is not None and not cells["location_source"]:
            raise row.error(
                "location_source",
                "the location has no source",
                "Say where the coordinates come from (a POI file, a plan, a survey).",
            )
        codes = tuple(code.strip() for code in cells["indicators"].split(";") if code.strip())
        for code in codes:
            if code not in indicators:
                raise row.error(
                    "indicators",
                    f"'{code}' is not an indicator code in indicators.csv",
                    "Separate codes with ';' and use codes from indicators.csv.",
                )
        source = _source(row, sources, "the project")
        if not example:
            _check_sentence(row, source, cells["sentence"])
            if source.kind == "illustrative":
                raise row.error(
                    "source",
                    "a real project cannot cite the illustrative source",
                    "Cite the document that names it, or mark the row example = yes.",
                )
        projects.append(
            ProjectRecord(
                id=project_id,
                kind=row.choice("kind", PROJECT_KINDS),
                category=row.choice("category", PROJECT_CATEGORIES),
                name_en=row.required("name_en", "the English name"),
                name_zh=row.required("name_zh", "the Chinese name"),
                name_zh_origin=row.choice("name_zh_origin", NAME_ORIGINS),
                status=row.choice("status", PROJECT_STATUSES),
                example=example,
                lon=lon,
                lat=lat,
                location_source=cells["location_source"],
                indicators=codes,
                source=source.id,
                sentence=cells["sentence"],
                recorded_on=row.day("recorded_on") or date.min,
                note=cells["note"],
                row=row.number,
            )
        )
    return projects


def _read_milestones(
    path: Path, sources: Mapping[str, Source], projects: Mapping[str, ProjectRecord]
) -> list[MilestoneRecord]:
    columns = (
        "project",
        "position",
        "title_en",
        "title_zh",
        "status",
        "due",
        "reached_on",
        "source",
        "sentence",
        "note",
    )
    milestones: list[MilestoneRecord] = []
    seen: set[tuple[str, int]] = set()
    for row, cells in _Rows(path, columns):
        project = row.required("project", "the project id")
        if project not in projects:
            raise row.error(
                "project",
                f"'{project}' is not a project id in projects.csv",
                "Add the project first, or fix the id.",
            )
        position_text = cells["position"]
        if not position_text.isdigit() or int(position_text) < 1:
            raise row.error(
                "position",
                f"'{position_text}' is not a whole number from 1 up",
                "Number a project's milestones 1, 2, 3 in order.",
            )
        position = int(position_text)
        if (project, position) in seen:
            raise row.error(
                "position",
                f"project '{project}' has two milestones at position {position}",
                "Give each milestone of a project its own position.",
            )
        seen.add((project, position))
        status = row.choice("status", MILESTONE_STATUSES)
        reached_on = row.day("reached_on", optional=True)
        if reached_on is not None and status != "reached":
            raise row.error(
                "reached_on",
                "a pending milestone has a date reached",
                "Set status to 'reached', or clear reached_on.",
            )
        due = row.parsed("due", When.parse, cells["due"]) if cells["due"] else None
        source = _source(row, sources, "the milestone")
        if not projects[project].example:
            _check_sentence(row, source, cells["sentence"])
        milestones.append(
            MilestoneRecord(
                project=project,
                position=position,
                title_en=row.required("title_en", "the English title"),
                title_zh=row.required("title_zh", "the Chinese title"),
                status=status,
                due=due,
                reached_on=reached_on,
                source=source.id,
                sentence=cells["sentence"],
                note=cells["note"],
                row=row.number,
            )
        )
    return milestones


def read_projects(
    directory: str | Path,
    *,
    sources: Mapping[str, Source],
    indicators: Mapping[str, Indicator],
) -> tuple[ProjectRecord, ...]:
    """Projects with their milestones, from ``projects.csv`` and ``milestones.csv``.

    ``sources`` and ``indicators`` come from :func:`~.loader.load_indicator_data` of the same
    folder. A folder without ``projects.csv`` has no projects; ``milestones.csv`` is optional.
    """
    folder = Path(directory)
    path = folder / "projects.csv"
    if not path.is_file():
        return ()
    projects = {p.id: p for p in _read_projects(path, sources, indicators)}
    steps: dict[str, list[MilestoneRecord]] = {key: [] for key in projects}
    milestone_path = folder / "milestones.csv"
    if milestone_path.is_file():
        for milestone in _read_milestones(milestone_path, sources, projects):
            steps[milestone.project].append(milestone)
    result = []
    for project in projects.values():
        ordered = tuple(sorted(steps[project.id], key=lambda m: m.position))
        result.append(replace(project, milestones=ordered))
    return tuple(result)
