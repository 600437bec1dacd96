"""Read and validate the indicators data folder (``data/indicators/``).

The folder holds four CSV files (their format is described in its ``README.md``):

- ``sources.csv``: the documents figures come from, with a local copy of each text;
- ``indicators.csv``: what is measured, its unit, plan area, direction and, for derived
  indicators (multiples, growth rates, increases, shares), what it is derived from;
- ``values.csv``: every stated figure (a *claim*), with its period, the qualifier the
  sentence used, the source and the exact sentence; revisions add rows and keep history;
- ``targets.csv``: target values for a year, each marked ``sourced`` or ``illustrative``.

Every problem raises :class:`~district.core.errors.DataFileError` naming the file, the row
(as a spreadsheet numbers it: the header is row 1) and the field, with the fix. Among the
checks: a unit the platform does not know, a value whose unit does not match its
indicator's dimension or currency (mixed units in one series), a value without a source or
whose sentence is not in the source text word for word, and a target without a year.

Pure Python: no Django, so the engine and its tests run alone.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from district.core.errors import DataFileError, DistrictError

from .arithmetic import Dimension, Period, Qualifier, Quantity, Unit, get_unit

__all__ = [
    "AREAS",
    "CHANGE_MEASURES",
    "Claim",
    "Direction",
    "Indicator",
    "IndicatorData",
    "Measure",
    "Source",
    "Target",
    "load_indicator_data",
]

# The six areas of the briefing. English headings as released; Chinese are translations.
AREAS: dict[str, tuple[str, str]] = {
    "economic_scale": ("Leap in Economic Scale", "经济规模跃升"),
    "reform_opening": ("Reform as a Driver of Breakthroughs and Innovation", "改革开放突破创新"),
    "innovation": ("Technological Innovation Gathers Momentum", "科技创新集聚动能"),
    "urban_renewal": ("Urban Renewal: A Transformation of Vitality", "城市更新焕发活力"),
    "public_services": ("Public Services with a Human Touch", "公共服务温暖人心"),
    "urban_governance": ("Broad Participation in Urban Governance", "城市治理广泛参与"),
}
SOURCE_KINDS = ("press_release", "statistical_bulletin", "plan", "dataset", "illustrative", "other")
NAME_ZH_ORIGINS = ("translation", "official")
TARGET_STATUSES = ("sourced", "illustrative")


class Direction(StrEnum):
    """Whether a higher value is better."""

    HIGHER = "higher"
    LOWER = "lower"
    NEUTRAL = "neutral"


class Measure(StrEnum):
    """What a value of the indicator is."""

    LEVEL = "level"  # the value in a year, or the stock as of a day
    CUMULATIVE = "cumulative"  # a running total over the period ("since 2021")
    MULTIPLE = "multiple"  # of(end) / of(start)
    AVG_GROWTH = "avg_growth"  # compound average annual growth of `of`, percent
    INCREASE = "increase"  # of(end) - of(start)
    AVG_INCREASE = "avg_increase"  # (of(end) - of(start)) / years
    SHARE = "share"  # of / whole
    RANK = "rank"  # 1 = first


CHANGE_MEASURES = frozenset(
    {Measure.MULTIPLE, Measure.AVG_GROWTH, Measure.INCREASE, Measure.AVG_INCREASE}
)
BASE_MEASURES = frozenset({Measure.LEVEL, Measure.CUMULATIVE})


@dataclass(frozen=True)
class Source:
    """A document figures come from. ``text`` is its local copy, when there is one."""

    id: str
    kind: str
    title: str
    publisher: str
    published_on: date | None
    language: str
    path: Path | None
    url: str
    note: str
    text: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Indicator:
    """What is measured. ``of`` and ``whole`` link derived indicators to their bases."""

    code: str
    area: str
    name_en: str
    name_zh: str
    name_zh_origin: str
    unit: Unit
    direction: Direction
    measure: Measure
    of: str | None
    whole: str | None
    formula_en: str
    note: str
    row: int

    @property
    def area_name_en(self) -> str:
        return AREAS[self.area][0]

    @property
    def area_name_zh(self) -> str:
        return AREAS[self.area][1]


@dataclass(frozen=True)
class Claim:
    """One stated figure: a value with its period, qualifier, source and exact sentence."""

    id: str
    revision: int
    indicator: str
    value_text: str
    unit: Unit
    qualifier: Qualifier
    period: Period
    price_basis: str | None
    source: str
    sentence: str
    recorded_on: date
    note: str
    path: str
    row: int

    @property
    def where(self) -> str:
        """``"values.csv row 2"``: where the claim is written."""
        return f"{Path(self.path).name} row {self.row}"

    def quantity(self) -> Quantity:
        """The figure as a quantity, with the range its wording allows."""
        return Quantity.parse(
            self.value_text,
            self.unit,
            self.qualifier,
            label=f"{self.id} ({self.where})",
            price_basis=self.price_basis,
        )

    def statement(self) -> str:
        """``"278.9 billion yuan (2024)"``, ``"over 5 billion yuan (2020 to 2024)"``."""
        return f"{self.quantity().format()} ({self.period.label()})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "revision": self.revision,
            "indicator": self.indicator,
            "value": self.value_text,
            "unit": self.unit.code,
            "qualifier": self.qualifier.value,
            "period": self.period.label(),
            "statement": self.statement(),
            "source": self.source,
            "sentence": self.sentence,
        }


@dataclass(frozen=True)
class Target:
    """A target value for an indicator in a year; ``status`` says whether it is sourced."""

    id: str
    revision: int
    indicator: str
    value_text: str
    unit: Unit
    target_year: int
    status: str
    source: str
    sentence: str
    recorded_on: date
    note: str
    path: str
    row: int

    @property
    def is_illustrative(self) -> bool:
        return self.status == "illustrative"

    def quantity(self) -> Quantity:
        # A target is a definition, not a measurement: its value is exact.
        quantity = Quantity.parse(
            self.value_text, self.unit, label=f"{self.id} ({Path(self.path).name} row {self.row})"
        )
        return Quantity(
            value=quantity.value, unit=quantity.unit, text=quantity.text, label=quantity.label
        )


T = TypeVar("T", Claim, Target)


def _latest(records: tuple[T, ...]) -> tuple[T, ...]:
    best: dict[str, T] = {}
    for record in records:
        if record.id not in best or record.revision > best[record.id].revision:
            best[record.id] = record
    return tuple(best.values())


@dataclass(frozen=True)
class IndicatorData:
    """Everything in the data folder, validated. Claims and targets keep all revisions."""

    directory: Path
    sources: Mapping[str, Source]
    indicators: Mapping[str, Indicator]
    claims: tuple[Claim, ...]
    targets: tuple[Target, ...]

    def current_claims(self) -> tuple[Claim, ...]:
        """The latest revision of every claim, in file order."""
        return _latest(self.claims)

    def current_targets(self) -> tuple[Target, ...]:
        """The latest revision of every target, in file order."""
        return _latest(self.targets)

    def claims_for(self, code: str) -> tuple[Claim, ...]:
        """Current claims of one indicator."""
        return tuple(c for c in self.current_claims() if c.indicator == code)

    def history(self, claim_id: str) -> tuple[Claim, ...]:
        """Every revision of one claim, oldest first."""
        return tuple(sorted((c for c in self.claims if c.id == claim_id), key=lambda c: c.revision))

    def claims_frame(self) -> pd.DataFrame:
        """Current claims as a DataFrame: one row per figure, values in the indicator's unit.

        ``low`` and ``high`` are the range the wording allows (``None`` when unbounded), for a
        scorecard table, an export or a Dask job over many districts.
        """
        rows = []
        for claim in self.current_claims():
            indicator = self.indicators[claim.indicator]
            quantity = claim.quantity().to(indicator.unit)
            interval = quantity.interval
            rows.append(
                {
                    "id": claim.id,
                    "revision": claim.revision,
                    "indicator": indicator.code,
                    "area": indicator.area,
                    "measure": indicator.measure.value,
                    "value": quantity.value,
                    "low": interval.low if math.isfinite(interval.low) else None,
                    "high": interval.high if math.isfinite(interval.high) else None,
                    "unit": indicator.unit.code,
                    "qualifier": claim.qualifier.value,
                    "period_start": str(claim.period.start) if claim.period.start else None,
                    "period_end": str(claim.period.end),
                    "statement": claim.statement(),
                    "source": claim.source,
                    "sentence": claim.sentence,
                }
            )
        return pd.DataFrame(rows)


# ---------------------------------------------------------------------------- reading


class _Rows:
    """A CSV file read as dicts, each with the row number a spreadsheet would show."""

    def __init__(self, path: Path, required: tuple[str, ...]) -> None:
        self.path = path
        if not path.is_file():
            raise DataFileError(
                "the file is missing",
                path=path,
                fix="Restore it from the repository; data/indicators/README.md lists the files.",
            )
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            missing = [name for name in required if name not in header]
            if missing:
                raise DataFileError(
                    f"the header lacks the column(s) {', '.join(missing)}",
                    path=path,
                    row=1,
                    field=missing[0],
                    fix=f"The header must name: {', '.join(required)}.",
                )
            self.rows: list[tuple[int, dict[str, str]]] = []
            for record in reader:
                cells = {k: (v or "").strip() for k, v in record.items() if k is not None}
                if any(cells.values()):
                    self.rows.append((reader.line_num, cells))

    def __iter__(self) -> Iterator[tuple[_Row, dict[str, str]]]:
        for number, cells in self.rows:
            yield _Row(self.path, number, cells), cells


@dataclass(frozen=True)
class _Row:
    path: Path
    number: int
    cells: dict[str, str]

    def error(self, column: str, message: str, fix: str | None = None) -> DataFileError:
        return DataFileError(
            message,
            path=self.path,
            row=self.number,
            field=column,
            value=self.cells.get(column),
            fix=fix,
        )

    def required(self, column: str, what: str) -> str:
        value = self.cells.get(column, "")
        if not value:
            raise self.error(column, f"{what} is empty", f"Fill in '{column}'.")
        return value

    def choice(self, column: str, choices: tuple[str, ...]) -> str:
        value = self.cells.get(column, "")
        if value not in choices:
            raise self.error(
                column, f"'{value}' is not a valid {column}", f"Use one of: {', '.join(choices)}."
            )
        return value

    def parsed(self, column: str, parse: Callable[..., Any], *args: Any) -> Any:
        """``parse(*args)``, or ``parse(cell)`` without args; its error names this row."""
        try:
            return parse(*args) if args else parse(self.cells.get(column, ""))
        except DistrictError as error:
            raise self.error(error.field or column, error.message, error.fix) from None

    def day(self, column: str, *, optional: bool = False) -> date | None:
        value = self.cells.get(column, "")
        if not value and optional:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise self.error(
                column, f"'{value}' is not a date", "Write dates as YYYY-MM-DD."
            ) from None

    def revision(self) -> int:
        value = self.cells.get("revision", "")
        if not value.isdigit() or int(value) < 1:
            raise self.error(
                "revision",
                f"revision '{value}' is not a whole number from 1 up",
                "Start at 1 and add a row with the next number to revise a figure.",
            )
        return int(value)


def _read_sources(directory: Path) -> dict[str, Source]:
    sources: dict[str, Source] = {}
    columns = (
        "id",
        "kind",
        "title",
        "publisher",
        "published_on",
        "language",
        "path",
        "url",
        "note",
    )
    for row, cells in _Rows(directory / "sources.csv", columns):
        source_id = row.required("id", "the source id")
        if source_id in sources:
            raise row.error(
                "id", f"the source id '{source_id}' is used twice", "Give every source its own id."
            )
        kind = row.choice("kind", SOURCE_KINDS)
        path: Path | None = None
        text: str | None = None
        if cells["path"]:
            path = (directory / cells["path"]).resolve()
            if not path.is_file():
                raise row.error(
                    "path",
                    f"the source text {path} does not exist",
                    "Point 'path' at the vendored copy, relative to sources.csv.",
                )
            text = path.read_text(encoding="utf-8")
        sources[source_id] = Source(
            id=source_id,
            kind=kind,
            title=row.required("title", "the title"),
            publisher=cells["publisher"],
            published_on=row.day("published_on", optional=True),
            language=cells["language"],
            path=path,
            url=cells["url"],
            note=cells["note"],
            text=text,
        )
    return sources


def _read_indicators(directory: Path) -> dict[str, Indicator]:
    indicators: dict[str, Indicator] = {}
    columns = (
        "code",
        "area",
        "name_en",
        "name_zh",
        "name_zh_origin",
        "unit",
        "direction",
        "measure",
        "of",
        "whole",
        "formula_en",
        "note",
    )
    rows = list(_Rows(directory / "indicators.csv", columns))
    for row, cells in rows:
        code = row.required("code", "the indicator code")
        if code in indicators:
            raise row.error(
                "code",
                f"the indicator code '{code}' is used twice",
                "Give every indicator its own code.",
            )
        measure = Measure(row.choice("measure", tuple(Measure)))
        indicators[code] = Indicator(
            code=code,
            area=row.choice("area", tuple(AREAS)),
            name_en=row.required("name_en", "the English name"),
            name_zh=row.required("name_zh", "the Chinese name"),
            name_zh_origin=row.choice("name_zh_origin", NAME_ZH_ORIGINS),
            unit=row.parsed("unit", get_unit),
            direction=Direction(row.choice("direction", tuple(Direction))),
            measure=measure,
            of=cells["of"] or None,
            whole=cells["whole"] or None,
            formula_en=cells["formula_en"],
            note=cells["note"],
            row=row.number,
        )
    for row, _cells in rows:
        _check_links(row, indicators[row.cells["code"]], indicators)
    return indicators


def _check_links(row: _Row, indicator: Indicator, indicators: Mapping[str, Indicator]) -> None:
    """Derived indicators must point at a base of a fitting unit."""
    for column, target in (("of", indicator.of), ("whole", indicator.whole)):
        if target is not None and target not in indicators:
            raise row.error(
                column,
                f"'{target}' is not an indicator code in indicators.csv",
                "Add that indicator, or fix the code.",
            )
    measure, unit = indicator.measure, indicator.unit
    needs_of = measure in CHANGE_MEASURES or measure is Measure.SHARE
    if needs_of and indicator.of is None:
        raise row.error(
            "of",
            f"a '{measure}' indicator must name the indicator it is derived from",
            "Put that indicator's code in 'of'.",
        )
    if measure is Measure.SHARE and indicator.whole is None:
        raise row.error("whole", "a share must name its whole", "Put the whole's code in 'whole'.")
    if indicator.of is not None and needs_of:
        base = indicators[indicator.of]
        if base.measure not in BASE_MEASURES:
            raise row.error(
                "of",
                f"'{base.code}' is a '{base.measure}' indicator; derived "
                "indicators must be derived from a level or a running total",
            )
        if measure in (Measure.INCREASE, Measure.AVG_INCREASE) and not unit.is_compatible(
            base.unit
        ):
            raise row.error(
                "unit",
                f"an increase of '{base.code}' must be in a unit like "
                f"{base.unit.describe()}, not {unit.describe()}",
            )
    if indicator.whole is not None:
        whole = indicators[indicator.whole]
        part_unit = (
            indicators[indicator.of].unit if measure is Measure.SHARE and indicator.of else unit
        )
        if not part_unit.is_compatible(whole.unit):
            raise row.error(
                "whole",
                f"the whole '{whole.code}' is in {whole.unit.describe()}, "
                f"which the part's {part_unit.describe()} cannot be compared with",
            )
    if measure in (Measure.MULTIPLE, Measure.AVG_GROWTH, Measure.SHARE) and (
        unit.dimension is not Dimension.RATIO
    ):
        raise row.error(
            "unit",
            f"a '{measure}' is a ratio, not {unit.describe()}",
            "Use percent, times or ratio.",
        )
    if (measure is Measure.RANK) != (unit.dimension is Dimension.RANK):
        raise row.error("unit", "ranks, and only ranks, use the unit 'rank'")


def _check_sentence(row: _Row, source: Source, sentence: str) -> None:
    if source.kind == "illustrative":
        return
    if not sentence:
        raise row.error(
            "sentence",
            "the sentence the value comes from is empty",
            "Copy the sentence from the source, word for word.",
        )
    if source.text is not None and sentence not in source.text:
        raise row.error(
            "sentence",
            f"the sentence is not in the text of source '{source.id}' word for word",
            "Copy it from the source file exactly, with its punctuation and curly quotes.",
        )


def _source(row: _Row, sources: Mapping[str, Source], what: str) -> Source:
    source_id = row.cells.get("source", "")
    if not source_id:
        raise row.error(
            "source", f"{what} has no source", "Name the source document's id from sources.csv."
        )
    if source_id not in sources:
        raise row.error(
            "source",
            f"'{source_id}' is not a source id in sources.csv",
            "Add the document to sources.csv, or fix the id.",
        )
    return sources[source_id]


def _unit_for(row: _Row, indicator: Indicator) -> Unit:
    unit: Unit = row.parsed("unit", get_unit)
    if not indicator.unit.is_compatible(unit):
        raise row.error(
            "unit",
            f"mixed units in one series: {unit.describe()} does not match indicator "
            f"'{indicator.code}', which is in {indicator.unit.describe()}",
            f"Use {indicator.unit.code} or another unit of the same dimension and currency, "
            "or record this figure under an indicator of its own.",
        )
    return unit


def _indicator(row: _Row, indicators: Mapping[str, Indicator]) -> Indicator:
    code = row.required("indicator", "the indicator code")
    if code not in indicators:
        raise row.error(
            "indicator",
            f"'{code}' is not an indicator code in indicators.csv",
            "Add the indicator first, or fix the code.",
        )
    return indicators[code]


def _price_basis(row: _Row) -> str | None:
    value = row.cells.get("price_basis", "")
    if not value:
        return None
    year = value.removeprefix("constant-")
    if value == "current" or (value.startswith("constant-") and year.isdigit()):
        return value
    raise row.error(
        "price_basis",
        f"'{value}' is not a price basis",
        "Leave it empty when the source does not say, or write 'current' or 'constant-2020'.",
    )


def _check_revision(
    row: _Row, key: tuple[str, int], seen: dict[tuple[str, int], str], indicator: str
) -> None:
    if key in seen:
        raise row.error(
            "revision",
            f"'{key[0]}' revision {key[1]} appears twice",
            "Give a revised figure the next revision number.",
        )
    for (other_id, _), other_indicator in seen.items():
        if other_id == key[0] and other_indicator != indicator:
            raise row.error(
                "indicator",
                f"revisions of '{key[0]}' name different indicators "
                f"('{other_indicator}' and '{indicator}')",
                "A revision corrects a figure; a new indicator needs a new id.",
            )
    seen[key] = indicator


def _read_claims(
    directory: Path, sources: Mapping[str, Source], indicators: Mapping[str, Indicator]
) -> tuple[Claim, ...]:
    columns = (
        "id",
        "revision",
        "indicator",
        "value",
        "unit",
        "qualifier",
        "period_start",
        "period_end",
        "price_basis",
        "source",
        "sentence",
        "recorded_on",
        "note",
    )
    path = directory / "values.csv"
    claims: list[Claim] = []
    seen: dict[tuple[str, int], str] = {}
    for row, cells in _Rows(path, columns):
        claim_id = row.required("id", "the value id")
        revision = row.revision()
        indicator = _indicator(row, indicators)
        _check_revision(row, (claim_id, revision), seen, indicator.code)
        unit = _unit_for(row, indicator)
        qualifier = Qualifier(row.choice("qualifier", tuple(Qualifier)))
        value_text = row.required("value", "the value")
        row.parsed("value", Quantity.parse, value_text, unit, qualifier)
        if not cells["period_end"]:
            raise row.error(
                "period_end",
                "the value has no period",
                "Write the year (2024) or the as-of date (2025-09-23).",
            )
        period: Period = row.parsed(
            "period_start", Period.parse, cells["period_start"], cells["period_end"]
        )
        if indicator.measure in CHANGE_MEASURES and not (
            period.start is not None and period.start.is_year and period.end.is_year
        ):
            raise row.error(
                "period_start",
                f"a '{indicator.measure}' value compares two years, "
                "so it needs period_start (the base year) and period_end as years",
                "Write 2020 and 2024 for a change from 2020 to 2024.",
            )
        source = _source(row, sources, "the value")
        sentence = cells["sentence"]
        _check_sentence(row, source, sentence)
        claims.append(
            Claim(
                id=claim_id,
                revision=revision,
                indicator=indicator.code,
                value_text=value_text,
                unit=unit,
                qualifier=qualifier,
                period=period,
                price_basis=_price_basis(row),
                source=source.id,
                sentence=sentence,
                recorded_on=row.day("recorded_on") or date.min,
                note=cells["note"],
                path=str(path),
                row=row.number,
            )
        )
    return tuple(claims)


def _read_targets(
    directory: Path, sources: Mapping[str, Source], indicators: Mapping[str, Indicator]
) -> tuple[Target, ...]:
    columns = (
        "id",
        "revision",
        "indicator",
        "value",
        "unit",
        "target_year",
        "status",
        "source",
        "sentence",
        "recorded_on",
        "note",
    )
    path = directory / "targets.csv"
    targets: list[Target] = []
    seen: dict[tuple[str, int], str] = {}
    for row, cells in _Rows(path, columns):
        target_id = row.required("id", "the target id")
        revision = row.revision()
        indicator = _indicator(row, indicators)
        _check_revision(row, (target_id, revision), seen, indicator.code)
        unit = _unit_for(row, indicator)
        value_text = row.required("value", "the target value")
        row.parsed("value", Quantity.parse, value_text, unit)
        year_text = cells["target_year"]
        if not year_text:
            raise row.error(
                "target_year",
                "the target has no year",
                "Write the year the target is for, e.g. 2030.",
            )
        if not (len(year_text) == 4 and year_text.isdigit()):
            raise row.error("target_year", f"'{year_text}' is not a year", "Write e.g. 2030.")
        status = row.choice("status", TARGET_STATUSES)
        source = _source(row, sources, "the target")
        if status == "illustrative" and source.kind != "illustrative":
            raise row.error(
                "source",
                f"an illustrative target must cite the 'illustrative' source, not '{source.id}'",
                "Use status 'sourced' for a target taken from a document.",
            )
        if status == "sourced" and source.kind == "illustrative":
            raise row.error(
                "status",
                "a sourced target cites an illustrative source",
                "Cite the plan the target comes from, or mark it illustrative.",
            )
        _check_sentence(row, source, cells["sentence"])
        targets.append(
            Target(
                id=target_id,
                revision=revision,
                indicator=indicator.code,
                value_text=value_text,
                unit=unit,
                target_year=int(year_text),
                status=status,
                source=source.id,
                sentence=cells["sentence"],
                recorded_on=row.day("recorded_on") or date.min,
                note=cells["note"],
                path=str(path),
                row=row.number,
            )
        )
    return tuple(targets)


def load_indicator_data(directory: str | Path) -> IndicatorData:
    """Read and validate ``sources.csv``, ``indicators.csv``, ``values.csv``, ``targets.csv``.

    Raises :class:`~district.core.errors.DataFileError` naming the file, row and field of the
    first problem found.
    """
    folder = Path(directory)
    sources = _read_sources(folder)
    indicators = _read_indicators(folder)
    return IndicatorData(
        directory=folder,
        sources=sources,
        indicators=indicators,
        claims=_read_claims(folder, sources, indicators),
        targets=_read_targets(folder, sources, indicators),
    )
