"""Figures, targets and projects entered or changed by people (a form, the API, the CLI).

A figure is never edited: :func:`record_value` adds its next revision. Validation follows
the data file's rules, so an entered figure is held to the same standard as a loaded one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from district.core.errors import ConfigurationError, ConflictError, InputError, NotFoundError
from district.geo import services as geo

from .. import loader as engine
from ..arithmetic import Period, Qualifier, Quantity, get_unit
from ..models import Indicator, Milestone, Origin, Project, Source, Target, Value
from ..projectfile import PROJECT_STATUSES


def _indicator(code: str) -> Indicator:
    indicator = Indicator.objects.filter(code=code).first()
    if indicator is None:
        raise InputError(
            f"'{code}' is not an indicator code",
            field="indicator",
            value=code,
            fix="Use a code from the scorecard (district indicators list), or load the data.",
        )
    return indicator


def _source(code: str, what: str) -> Source:
    if not code:
        raise InputError(
            f"{what} has no source",
            field="source",
            fix="Name the document it comes from by its source id (district indicators list).",
        )
    source = Source.objects.filter(code=code).first()
    if source is None:
        raise InputError(
            f"'{code}' is not a source id",
            field="source",
            value=code,
            fix="Use the id of a loaded source, or add the document to sources.csv.",
        )
    return source


def _check_sentence(source: Source, sentence: str) -> None:
    if source.is_illustrative:
        return
    if not sentence.strip():
        raise InputError(
            "the sentence the value comes from is empty",
            field="sentence",
            fix="Copy the sentence from the source, word for word.",
        )
    if source.text and sentence not in source.text:
        raise InputError(
            f"the sentence is not in the text of source '{source.code}' word for word",
            field="sentence",
            value=sentence[:80],
            fix="Copy it from the source exactly, with its punctuation and curly quotes.",
        )


def _quantity(indicator: Indicator, value: str, unit: str, qualifier: str) -> Quantity:
    unit_ = get_unit(unit)
    if not unit_.is_compatible(get_unit(indicator.unit)):
        raise InputError(
            f"mixed units in one series: {unit_.describe()} does not match indicator "
            f"'{indicator.code}', which is in {get_unit(indicator.unit).describe()}",
            field="unit",
            value=unit,
            fix=f"Use {indicator.unit} or another unit of the same dimension and currency.",
        )
    if qualifier not in tuple(Qualifier):
        raise InputError(
            f"'{qualifier}' is not a qualifier",
            field="qualifier",
            value=qualifier,
            fix=f"Use one of: {', '.join(Qualifier)}.",
        )
    return Quantity.parse(value, unit_, Qualifier(qualifier))


def _price_basis(value: str) -> str:
    year = value.removeprefix("constant-")
    if value in ("", "current") or (value.startswith("constant-") and year.isdigit()):
        return value
    raise InputError(
        f"'{value}' is not a price basis",
        field="price_basis",
        value=value,
        fix="Leave it empty when the source does not say, or write 'current' or 'constant-2020'.",
    )


@transaction.atomic
def record_value(
    *,
    code: str,
    value: str,
    unit: str,
    period_end: str,
    source: str,
    sentence: str,
    indicator: str | None = None,
    qualifier: str = "exact",
    period_start: str = "",
    price_basis: str = "",
    note: str = "",
    recorded_on: date | None = None,
    user: Any = None,
) -> Value:
    """Add a figure, or the next revision of one: never an edit of a stored row."""
    code = code.strip()
    if not code:
        raise InputError("the value id is empty", field="code", fix="Give the figure an id.")
    previous = Value.objects.select_for_update().filter(code=code).order_by("-revision").first()
    if previous is not None:
        if indicator and indicator != previous.indicator.code:
            raise InputError(
                f"'{code}' is a figure of '{previous.indicator.code}', not '{indicator}'",
                field="indicator",
                value=indicator,
                fix="A revision corrects a figure; record a new figure under a new id.",
            )
        target = previous.indicator
    elif not indicator:
        raise InputError(
            f"'{code}' is a new figure, so it needs its indicator",
            field="indicator",
            fix="Name the indicator code the figure belongs to.",
        )
    else:
        target = _indicator(indicator)
    if not period_end.strip():
        raise InputError(
            "the value has no period",
            field="period_end",
            fix="Write the year (2024) or the as-of date (2025-09-23).",
        )
    quantity = _quantity(target, value, unit, qualifier)
    period = Period.parse(period_start, period_end)
    if target.measure in {m.value for m in engine.CHANGE_MEASURES} and not (
        period.start is not None and period.start.is_year and period.end.is_year
    ):
        raise InputError(
            f"a '{target.measure}' value compares two years, so it needs period_start (the "
            "base year) and period_end as years",
            field="period_start",
            fix="Write 2020 and 2024 for a change from 2020 to 2024.",
        )
    doc = _source(source, "the value")
    _check_sentence(doc, sentence)
    basis = _price_basis(price_basis)
    in_unit = quantity.to(get_unit(target.unit))
    fields = {
        "value_text": value.strip(),
        "unit": unit,
        "qualifier": qualifier,
        "period_start": str(period.start) if period.start else "",
        "period_end": str(period.end),
        "price_basis": basis,
        "source_id": doc.pk,
        "sentence": sentence,
    }
    if previous is not None and all(getattr(previous, k) == v for k, v in fields.items()):
        raise ConflictError(
            f"'{code}' revision {previous.revision} already says this",
            field="value",
            fix="Change the figure, its period, unit, qualifier or source to revise it.",
        )
    interval = in_unit.interval
    return Value.objects.create(
        code=code,
        revision=(previous.revision + 1) if previous else 1,
        indicator=target,
        value=in_unit.value,
        low=interval.low if math.isfinite(interval.low) else None,
        high=interval.high if math.isfinite(interval.high) else None,
        recorded_on=recorded_on or timezone.localdate(),
        note=note,
        origin=Origin.ENTRY,
        recorded_by=user if getattr(user, "is_authenticated", False) else None,
        **fields,
    )


@transaction.atomic
def record_target(
    *,
    code: str,
    value: str,
    unit: str,
    target_year: int | str | None,
    source: str,
    indicator: str | None = None,
    status: str = "sourced",
    sentence: str = "",
    note: str = "",
    user: Any = None,
) -> Target:
    """Add a target, or the next revision of one."""
    previous = Target.objects.select_for_update().filter(code=code).order_by("-revision").first()
    if previous is not None:
        target_indicator = previous.indicator
    elif not indicator:
        raise InputError(
            f"'{code}' is a new target, so it needs its indicator",
            field="indicator",
            fix="Name the indicator code the target is for.",
        )
    else:
        target_indicator = _indicator(indicator)
    if target_year in (None, ""):
        raise InputError(
            "the target has no year",
            field="target_year",
            fix="Give the year the target is for, e.g. 2030.",
        )
    year_text = str(target_year).strip()
    if not (len(year_text) == 4 and year_text.isdigit()):
        raise InputError(
            f"'{year_text}' is not a year", field="target_year", value=year_text, fix="Write 2030."
        )
    if status not in (Target.Status.SOURCED, Target.Status.ILLUSTRATIVE):
        raise InputError(
            f"'{status}' is not a target status",
            field="status",
            value=status,
            fix="Use 'sourced' or 'illustrative'.",
        )
    quantity = _quantity(target_indicator, value, unit, "exact")
    doc = _source(source, "the target")
    if (status == Target.Status.ILLUSTRATIVE) != doc.is_illustrative:
        raise InputError(
            "an illustrative target must cite the illustrative source, and only it",
            field="source",
            value=source,
            fix="Mark a target from a document 'sourced'; cite 'illustrative' for a made-up one.",
        )
    _check_sentence(doc, sentence)
    return Target.objects.create(
        code=code,
        revision=(previous.revision + 1) if previous else 1,
        indicator=target_indicator,
        value_text=value.strip(),
        value=quantity.to(get_unit(target_indicator.unit)).value,
        unit=unit,
        target_year=int(year_text),
        status=status,
        source=doc,
        sentence=sentence,
        recorded_on=timezone.localdate(),
        note=note,
        origin=Origin.ENTRY,
        recorded_by=user if getattr(user, "is_authenticated", False) else None,
    )


# ---------------------------------------------------------------------------- projects


@dataclass(frozen=True)
class Place:
    cell_code: str
    subdistrict_code: str
    subdistrict_name: str


def place_point(lon: float | None, lat: float | None, *, where: str) -> Place | None:
    """The grid cell and subdistrict of a point; None when no geography is loaded."""
    if lon is None or lat is None:
        return Place("", "", "")
    try:
        location = geo.require_in_district(lon, lat, field_name="location")
    except ConfigurationError:
        return None
    except InputError as exc:
        raise InputError(f"{where}: {exc}", field="location", value=(lon, lat)) from None
    return Place(
        location.cell_code or "",
        location.subdistrict_code or "",
        location.subdistrict_name or "",
    )


def _project(code: str) -> Project:
    project = Project.objects.filter(code=code).first()
    if project is None:
        raise NotFoundError(f"There is no project '{code}'", field="project", value=code)
    return project


@transaction.atomic
def set_project_status(*, project: str, status: str, user: Any) -> Project:
    """Change a project's status; from then on the data file no longer sets it."""
    if status not in PROJECT_STATUSES:
        raise InputError(
            f"'{status}' is not a project status",
            field="status",
            value=status,
            fix=f"Use one of: {', '.join(PROJECT_STATUSES)}.",
        )
    row = _project(project)
    row.status = status
    row.status_changed_by = user
    row.save(update_fields=["status", "status_changed_by", "updated_at"])
    return row


@transaction.atomic
def set_milestone(
    *, project: str, position: int, reached: bool, reached_on: date | None = None, user: Any
) -> Milestone:
    """Mark a milestone reached (on a day, if known) or pending again."""
    milestone = Milestone.objects.filter(project__code=project, position=position).first()
    if milestone is None:
        raise NotFoundError(
            f"Project '{project}' has no milestone {position}", field="position", value=position
        )
    if reached_on is not None and not reached:
        raise InputError(
            "a pending milestone cannot have a date reached",
            field="reached_on",
            fix="Tick 'reached', or clear the date.",
        )
    if reached_on is not None and reached_on > timezone.localdate():
        raise InputError(
            f"{reached_on} is in the future",
            field="reached_on",
            value=str(reached_on),
            fix="Give the day it was reached.",
        )
    milestone.status = Milestone.Status.REACHED if reached else Milestone.Status.PENDING
    milestone.reached_on = reached_on
    milestone.status_changed_by = user
    milestone.save(update_fields=["status", "reached_on", "status_changed_by", "updated_at"])
    return milestone


@transaction.atomic
def locate_project(*, project: str, lon: float, lat: float, location_source: str) -> Project:
    """Place a project at a point inside the district: its grid cell and subdistrict."""
    if not location_source.strip():
        raise InputError(
            "the location has no source",
            field="location_source",
            fix="Say where the coordinates come from (a plan, a survey, a POI file).",
        )
    row = _project(project)
    place = place_point(lon, lat, where=f"project '{project}'")
    if place is None:
        raise ConfigurationError(
            "No district is loaded, so the project cannot be placed in a grid cell.",
            fix="Run `district demo`, or `district geo import-boundary FILE`.",
        )
    row.lon, row.lat, row.location_source = lon, lat, location_source
    row.cell_code = place.cell_code
    row.subdistrict_code = place.subdistrict_code
    row.subdistrict_name = place.subdistrict_name
    row.save()
    return row
