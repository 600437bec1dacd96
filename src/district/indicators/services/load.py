"""Loading the versioned data folder (``data/indicators/``) into the database.

Idempotent: rows already loaded are left alone, and a row whose ``(id, revision)`` is
loaded with other content is refused, because a revision never overwrites. Projects and
milestones follow the file unless a user has changed their status since.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from district.core.errors import DataFileError, InputError

from .. import loader as engine
from ..models import DataLoad, Indicator, Milestone, Origin, Project, Source, Target, Value
from ..projectfile import ProjectRecord, read_projects
from .records import place_point

DATA_FILES = (
    "sources.csv",
    "indicators.csv",
    "values.csv",
    "targets.csv",
    "projects.csv",
    "milestones.csv",
)


@dataclass
class LoadReport:
    """What a load added and what was already there, by kind of record."""

    directory: str
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def count(self, bucket: str, kind: str) -> None:
        counts: dict[str, int] = getattr(self, bucket)
        counts[kind] = counts.get(kind, 0) + 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "directory": self.directory,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "notes": self.notes,
        }

    def summary(self) -> str:
        def listing(counts: dict[str, int]) -> str:
            return ", ".join(f"{n} {kind}" for kind, n in counts.items()) or "nothing"

        text = f"added {listing(self.created)}"
        if self.updated:
            text += f"; updated {listing(self.updated)}"
        return text + f"; already loaded {listing(self.unchanged)}"


def _digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for name in DATA_FILES:
        path = folder / name
        if path.is_file():
            digest.update(name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _save_changes(instance: Any, values: dict[str, Any]) -> bool:
    """Set ``values`` on ``instance`` and save if any differ; True if it changed."""
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, values[name])
    if changed:
        instance.save()
    return bool(changed)


def _load_sources(data: engine.IndicatorData, report: LoadReport) -> dict[str, Source]:
    sources: dict[str, Source] = {}
    for record in data.sources.values():
        values = {
            "kind": record.kind,
            "title": record.title,
            "publisher": record.publisher,
            "published_on": record.published_on,
            "language": record.language,
            "url": record.url,
            "path": record.path.name if record.path else "",
            "note": record.note,
            "text": record.text or "",
        }
        source, created = Source.objects.get_or_create(code=record.id, defaults=values)
        if created:
            report.count("created", "sources")
        elif _save_changes(source, values):
            report.count("updated", "sources")
        else:
            report.count("unchanged", "sources")
        sources[record.id] = source
    return sources


def _load_indicators(data: engine.IndicatorData, report: LoadReport) -> dict[str, Indicator]:
    rows: dict[str, Indicator] = {}
    created: set[str] = set()
    changed: set[str] = set()
    for position, record in enumerate(data.indicators.values(), start=1):
        values = {
            "area": record.area,
            "name_en": record.name_en,
            "name_zh": record.name_zh,
            "name_zh_origin": record.name_zh_origin,
            "unit": record.unit.code,
            "direction": record.direction.value,
            "measure": record.measure.value,
            "formula_en": record.formula_en,
            "note": record.note,
            "position": position,
        }
        indicator, is_new = Indicator.objects.get_or_create(code=record.code, defaults=values)
        if is_new:
            created.add(record.code)
        elif _save_changes(indicator, values):
            changed.add(record.code)
        rows[record.code] = indicator
    for record in data.indicators.values():
        links = {
            "of": rows[record.of] if record.of else None,
            "whole": rows[record.whole] if record.whole else None,
        }
        if _save_changes(rows[record.code], links) and record.code not in created:
            changed.add(record.code)
    for code in rows:
        bucket = "created" if code in created else "updated" if code in changed else "unchanged"
        report.count(bucket, "indicators")
    return rows


def _claim_fields(claim: engine.Claim, indicator: engine.Indicator) -> dict[str, Any]:
    """The stored form of a claim: the figure as written and its range in the unit."""
    quantity = claim.quantity().to(indicator.unit)
    interval = quantity.interval
    return {
        "value_text": claim.value_text,
        "value": quantity.value,
        "low": interval.low if math.isfinite(interval.low) else None,
        "high": interval.high if math.isfinite(interval.high) else None,
        "unit": claim.unit.code,
        "qualifier": claim.qualifier.value,
        "period_start": str(claim.period.start) if claim.period.start else "",
        "period_end": str(claim.period.end),
        "price_basis": claim.price_basis or "",
        "sentence": claim.sentence,
    }


# What a loaded revision may not change: the figure and its provenance. Notes may be edited.
_FIXED_VALUE_FIELDS = (
    "value_text",
    "unit",
    "qualifier",
    "period_start",
    "period_end",
    "price_basis",
    "sentence",
    "recorded_on",
)


def _refuse_overwrite(
    path: Path, row: int, code: str, revision: int, stored: Any, fields: dict[str, Any]
) -> None:
    for name in (*_FIXED_VALUE_FIELDS, "source_id", "indicator_id"):
        if name in fields and getattr(stored, name) != fields[name]:
            raise DataFileError(
                f"'{code}' revision {revision} is already loaded with {name} "
                f"{getattr(stored, name)!r}, and the file now says {fields[name]!r}; a loaded "
                "revision is never overwritten",
                path=path,
                row=row,
                field="revision",
                value=revision,
                fix=f"Keep revision {revision} as it was and add the change as revision "
                f"{revision + 1}.",
            )


def _load_values(
    data: engine.IndicatorData,
    indicators: dict[str, Indicator],
    sources: dict[str, Source],
    report: LoadReport,
) -> None:
    stored = {(v.code, v.revision): v for v in Value.objects.all()}
    new: list[Value] = []
    for claim in data.claims:
        fields = _claim_fields(claim, data.indicators[claim.indicator])
        fields |= {
            "indicator_id": indicators[claim.indicator].pk,
            "source_id": sources[claim.source].pk,
            "recorded_on": claim.recorded_on,
        }
        existing = stored.get((claim.id, claim.revision))
        if existing is not None:
            _refuse_overwrite(
                Path(claim.path), claim.row, claim.id, claim.revision, existing, fields
            )
            if _save_changes(existing, {"note": claim.note, "file_row": claim.row}):
                report.count("updated", "values")
            else:
                report.count("unchanged", "values")
            continue
        new.append(
            Value(
                code=claim.id,
                revision=claim.revision,
                note=claim.note,
                origin=Origin.FILE,
                file_row=claim.row,
                **fields,
            )
        )
        report.count("created", "values")
    Value.objects.bulk_create(new)


def _load_targets(
    data: engine.IndicatorData,
    indicators: dict[str, Indicator],
    sources: dict[str, Source],
    report: LoadReport,
) -> None:
    stored = {(t.code, t.revision): t for t in Target.objects.all()}
    for record in data.targets:
        indicator = data.indicators[record.indicator]
        fields = {
            "indicator_id": indicators[record.indicator].pk,
            "value_text": record.value_text,
            "value": record.quantity().to(indicator.unit).value,
            "unit": record.unit.code,
            "target_year": record.target_year,
            "status": record.status,
            "source_id": sources[record.source].pk,
            "sentence": record.sentence,
            "recorded_on": record.recorded_on,
        }
        existing = stored.get((record.id, record.revision))
        if existing is not None:
            for name in ("value_text", "unit", "target_year", "status", "indicator_id"):
                if getattr(existing, name) != fields[name]:
                    _refuse_overwrite(
                        Path(record.path),
                        record.row,
                        record.id,
                        record.revision,
                        existing,
                        {name: fields[name]},
                    )
            if _save_changes(existing, {"note": record.note, "file_row": record.row}):
                report.count("updated", "targets")
            else:
                report.count("unchanged", "targets")
            continue
        Target.objects.create(
            code=record.id,
            revision=record.revision,
            note=record.note,
            origin=Origin.FILE,
            file_row=record.row,
            **fields,
        )
        report.count("created", "targets")


def _load_projects(
    folder: Path,
    records: Sequence[ProjectRecord],
    indicators: dict[str, Indicator],
    sources: dict[str, Source],
    report: LoadReport,
) -> None:
    for position, record in enumerate(records, start=1):
        try:
            place = place_point(record.lon, record.lat, where=f"project '{record.id}'")
        except InputError as exc:
            raise DataFileError(
                exc.message,
                path=folder / "projects.csv",
                row=record.row,
                field="lon",
                fix="Give coordinates inside the district (WGS-84), or leave them empty.",
            ) from None
        values: dict[str, Any] = {
            "kind": record.kind,
            "category": record.category,
            "name_en": record.name_en,
            "name_zh": record.name_zh,
            "name_zh_origin": record.name_zh_origin,
            "is_example": record.example,
            "lon": record.lon,
            "lat": record.lat,
            "location_source": record.location_source,
            "source": sources[record.source],
            "sentence": record.sentence,
            "recorded_on": record.recorded_on,
            "note": record.note,
            "position": position,
        }
        if place is not None:
            values |= place.__dict__
        elif record.lon is not None:
            report.notes.append(
                f"project '{record.id}' is not placed in a grid cell: no district is loaded"
            )
        project = Project.objects.filter(code=record.id).first()
        if project is None:
            project = Project.objects.create(code=record.id, status=record.status, **values)
            report.count("created", "projects")
        else:
            if project.status_changed_by_id is None:
                values["status"] = record.status
            if _save_changes(project, values):
                report.count("updated", "projects")
            else:
                report.count("unchanged", "projects")
        wanted = {indicators[code].pk for code in record.indicators}
        if set(project.indicators.values_list("pk", flat=True)) != wanted:
            project.indicators.set(wanted)
        for step in record.milestones:
            _load_milestone(project, step, sources, report)


def _load_milestone(
    project: Project, step: Any, sources: dict[str, Source], report: LoadReport
) -> None:
    values: dict[str, Any] = {
        "title_en": step.title_en,
        "title_zh": step.title_zh,
        "due": str(step.due) if step.due else "",
        "source": sources[step.source],
        "sentence": step.sentence,
        "note": step.note,
    }
    milestone = Milestone.objects.filter(project=project, position=step.position).first()
    if milestone is None:
        Milestone.objects.create(
            project=project,
            position=step.position,
            status=step.status,
            reached_on=step.reached_on,
            **values,
        )
        report.count("created", "milestones")
        return
    if milestone.status_changed_by_id is None:
        values |= {"status": step.status, "reached_on": step.reached_on}
    if _save_changes(milestone, values):
        report.count("updated", "milestones")
    else:
        report.count("unchanged", "milestones")


def load_data(*, directory: str | Path, user: Any = None) -> LoadReport:
    """Load the data folder into the database; running it again adds nothing twice.

    The whole folder is validated first (:func:`~.loader.load_indicator_data`), then
    written in one transaction, so a bad row leaves the database as it was.
    """
    folder = Path(directory)
    data = engine.load_indicator_data(folder)
    projects = read_projects(folder, sources=data.sources, indicators=data.indicators)
    report = LoadReport(directory=str(folder))
    with transaction.atomic():
        sources = _load_sources(data, report)
        indicators = _load_indicators(data, report)
        _load_values(data, indicators, sources, report)
        _load_targets(data, indicators, sources, report)
        _load_projects(folder, projects, indicators, sources, report)
        if report.created or report.updated:  # a load that changed nothing leaves no row
            DataLoad.objects.create(
                directory=str(folder),
                sha256=_digest(folder),
                created=report.created,
                unchanged=report.unchanged,
                loaded_by=user if getattr(user, "is_authenticated", False) else None,
            )
    return report
