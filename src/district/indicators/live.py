"""Live figures: indicators the platform computes from its own apps, through their services.

A :class:`LiveProvider` names an indicator code, a service function of another app
(``district.cases.services.kpi_summary``) and how to read the function's result. The
registry holds one provider per indicator. A provider whose app or function does not exist
yet is *unavailable*, and says which function it waits for, so the scorecard fills in as
the apps land. :func:`district.indicators.services.refresh_live_figures` runs them and
stores what they return with the time it was computed.

The contract with each app (what the scorecard expects its function to return) is the
``describe`` line of its providers below and the table in ``docs/indicators.md``. A result
may be a mapping or an object with attributes; a missing key or ``None`` means "no figure
yet" and is skipped, a value that is not a number is a broken contract and is reported.
Rates are percentages from 0 to 100; money in custody is in fen.

Apps call nothing here; the indicators app calls them. To add a figure, add an indicator to
``data/indicators/indicators.csv`` and :func:`register` a provider for its code.
"""

from __future__ import annotations

import importlib
import logging
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any

from django.utils import timezone

from district.core.errors import DistrictError, InputError
from district.geo.categories import CATEGORIES

__all__ = [
    "LiveProvider",
    "ProviderResult",
    "ProviderStatus",
    "Reading",
    "by_category",
    "field_reader",
    "providers",
    "register",
    "run_providers",
    "unregister",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reading:
    """One computed figure: the value in ``unit``, optionally for one breakdown (category)."""

    indicator: str
    value: float
    unit: str
    breakdown: str = ""
    breakdown_en: str = ""
    breakdown_zh: str = ""
    detail: Mapping[str, Any] = field(default_factory=dict)


Extractor = Callable[[str, Any], list[Reading]]


def _no_arguments() -> dict[str, Any]:
    return {}


def last_twelve_months() -> dict[str, Any]:
    """``start``/``end`` keyword arguments for the year up to today (Asia/Shanghai)."""
    today = timezone.localdate()
    return {"start": today - timedelta(days=364), "end": today}


@dataclass(frozen=True)
class LiveProvider:
    """Where an indicator's live figure comes from and how to read it.

    ``arguments`` gives the keyword arguments of the call (a period, say), computed when
    the provider runs.
    """

    indicator: str
    module: str
    function: str
    extract: Extractor
    describe: str
    arguments: Callable[[], dict[str, Any]] = _no_arguments

    @property
    def dotted(self) -> str:
        return f"{self.module}.{self.function}"


class ProviderStatus(StrEnum):
    OK = "ok"  # the function ran and gave a figure
    EMPTY = "empty"  # the function ran but has no figure yet (no cases closed, say)
    UNAVAILABLE = "unavailable"  # the app or its function does not exist (yet)
    FAILED = "failed"  # the function raised, or broke its contract


@dataclass(frozen=True)
class ProviderResult:
    provider: LiveProvider
    status: ProviderStatus
    readings: tuple[Reading, ...] = ()
    reason: str = ""


# ------------------------------------------------------------------------- readers


def _get(result: Any, key: str) -> Any:
    if isinstance(result, Mapping):
        return result.get(key)
    return getattr(result, key, None)


def _number(provider_name: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(
            f"{provider_name} returned {key}={value!r}, which is not a finite number",
            field=key,
            value=value,
            fix="The function must return numbers (rates as percentages from 0 to 100).",
        )
    return float(value)


def _check_percent(provider_name: str, key: str, value: float, unit: str) -> None:
    if unit == "percent" and not 0 <= value <= 100:
        raise InputError(
            f"{provider_name} returned {key}={value}, outside 0 to 100",
            field=key,
            value=value,
            fix="Return rates as percentages from 0 to 100, not fractions or counts.",
        )


def field_reader(
    key: str, unit: str, *, scale: float = 1.0, extra: tuple[str, ...] = ()
) -> Extractor:
    """Read one number ``key`` from the result, times ``scale``, in ``unit``.

    ``extra`` keys are copied into the reading's detail when present (counts behind a rate).
    """

    def extract(name: str, result: Any) -> list[Reading]:
        raw = _get(result, key)
        if raw is None:
            return []
        value = _number(name, key, raw) * scale
        _check_percent(name, key, value, unit)
        detail = {k: _get(result, k) for k in extra if _get(result, k) is not None}
        return [Reading(indicator="", value=value, unit=unit, detail=detail | {"key": key})]

    return extract


_CATEGORY_NAMES = {c.code: (c.name_en, c.name) for c in CATEGORIES}


def by_category(key: str, unit: str) -> Extractor:
    """Read a mapping ``key`` of facility category code -> number: one reading per category."""

    def extract(name: str, result: Any) -> list[Reading]:
        raw = _get(result, key)
        if raw is None:
            return []
        if not isinstance(raw, Mapping):
            raise InputError(
                f"{name} returned {key} as {type(raw).__name__}, not a mapping",
                field=key,
                fix="Return {category code: percent}.",
            )
        readings = []
        basis = _get(result, "basis")
        for code, number in raw.items():
            if number is None:
                continue
            value = _number(name, f"{key}[{code}]", number)
            _check_percent(name, f"{key}[{code}]", value, unit)
            name_en, name_zh = _CATEGORY_NAMES.get(str(code), (str(code), str(code)))
            readings.append(
                Reading(
                    indicator="",
                    value=value,
                    unit=unit,
                    breakdown=str(code),
                    breakdown_en=name_en,
                    breakdown_zh=name_zh,
                    detail={"key": key, "basis": basis} if basis else {"key": key},
                )
            )
        return readings

    return extract


def _life_circle_coverage(name: str, result: Any) -> list[Reading]:
    """Read lifecircle's ``coverage_summary()``: a list of per-category figures.

    The value is the share of what the street network measures that lies within the
    category's threshold; the estimated share (straight line × detour factor, where the
    network does not reach) stays in the detail and is never added to it.
    """
    if _get(result, "by_category") is not None:
        return by_category("by_category", "percent")(name, result)
    readings = []
    for figure in result or ():
        share = _get(figure, "share_of_measured")
        if share is None:
            continue
        value = _number(name, "share_of_measured", share) * 100
        _check_percent(name, "share_of_measured", value, "percent")
        code = str(_get(figure, "category"))
        name_en, name_zh = _CATEGORY_NAMES.get(code, (code, code))
        estimated = _get(figure, "share_estimated")
        detail = {
            "key": "share_of_measured",
            "basis": _get(figure, "basis"),
            "threshold_m": _get(figure, "threshold_m"),
            "measured_km2": _get(figure, "measured_km2"),
            "share_estimated": None if estimated is None else round(float(estimated) * 100, 2),
            "how": "share of the area (or people) the street network reaches that lies "
            "within the threshold by network distance; estimated distances are reported "
            "apart",
        }
        readings.append(
            Reading(
                indicator="",
                value=value,
                unit="percent",
                breakdown=code,
                breakdown_en=name_en,
                breakdown_zh=name_zh,
                detail={k: v for k, v in detail.items() if v is not None},
            )
        )
    return readings


def _district_area(name: str, result: Any) -> list[Reading]:
    if not _get(result, "loaded"):
        return []
    area = _number(name, "area_km2", _get(result, "area_km2"))
    detail = {
        "key": "area_km2",
        "adcode": _get(result, "adcode"),
        "how": "area of the district boundary polygon, computed on the WGS-84 ellipsoid",
    }
    return [Reading(indicator="", value=area, unit="km2", detail=detail)]


# ------------------------------------------------------------------------- registry

_REGISTRY: dict[str, LiveProvider] = {}


def register(provider: LiveProvider) -> LiveProvider:
    """Add (or replace) the provider of ``provider.indicator``."""
    _REGISTRY[provider.indicator] = provider
    return provider


def unregister(indicator: str) -> LiveProvider | None:
    """Remove the provider of an indicator; returns it, so a test can put it back."""
    return _REGISTRY.pop(indicator, None)


def providers() -> list[LiveProvider]:
    return list(_REGISTRY.values())


def _builtin() -> Iterator[LiveProvider]:
    cases = "district.cases.services"
    yield LiveProvider(
        "case_on_time_rate",
        cases,
        "kpi_summary",
        field_reader("on_time_rate", "percent", scale=100, extra=("closed", "closed_on_time")),
        "kpi_summary(start, end).on_time_rate: share (0-1) of cases closed in the last twelve "
        "months that were closed within their working-time deadline",
        last_twelve_months,
    )
    yield LiveProvider(
        "case_satisfaction_rate",
        cases,
        "kpi_summary",
        field_reader("satisfaction_rate", "percent", scale=100, extra=("rated", "satisfied")),
        "kpi_summary(start, end).satisfaction_rate: share (0-1) of cases rated in the last "
        "twelve months that were rated satisfied",
        last_twelve_months,
    )
    yield LiveProvider(
        "life_circle_coverage",
        "district.lifecircle.services",
        "coverage_summary",
        _life_circle_coverage,
        "coverage_summary(): per category, share_of_measured (0-1) of homes (or area, as "
        "'basis' says) within the walking threshold by network distance",
    )
    yield LiveProvider(
        "suggestions_answered_on_time_rate",
        "district.participation.services",
        "suggestion_summary",
        field_reader(
            "on_time_rate", "percent", scale=100, extra=("received", "answered", "open_overdue")
        ),
        "suggestion_summary().on_time_rate: share (0-1) of suggestions answered by their "
        "deadline, of those whose outcome on time is known",
    )
    custody = "district.custody.services"
    yield LiveProvider(
        "prepaid_funds_in_custody",
        custody,
        "custody_summary",
        field_reader("balance_fen", "10k_yuan", scale=1e-6, extra=("merchants", "accounts")),
        "custody_summary()['balance_fen']: prepaid money held in custody now, in fen",
    )
    yield LiveProvider(
        "prepaid_custody_coverage",
        custody,
        "custody_summary",
        field_reader("coverage_rate", "percent"),
        "custody_summary()['coverage_rate']: percent of prepaid balances held in custody",
    )
    yield LiveProvider(
        "district_land_area",
        "district.geo.services",
        "summarize_district",
        _district_area,
        "summarize_district().area_km2: area of the loaded district boundary",
    )


for _provider in _builtin():
    register(_provider)


# ------------------------------------------------------------------------- running


def _resolve(provider: LiveProvider) -> tuple[Callable[[], Any] | None, str]:
    try:
        module = importlib.import_module(provider.module)
    except ModuleNotFoundError as exc:
        if exc.name and provider.module.startswith(exc.name):
            return None, f"waiting for {provider.dotted}(): the module does not exist yet"
        raise
    function = getattr(module, provider.function, None)
    if not callable(function):
        return None, f"waiting for {provider.dotted}(): the function does not exist yet"
    return function, ""


def run_providers(selected: list[LiveProvider] | None = None) -> list[ProviderResult]:
    """Run providers (all by default); each function is called once even if shared.

    An app that raises a :class:`DistrictError` (no data yet, say) or breaks the contract
    gives a result with the reason; any other exception is logged and reported as failed,
    so one app's bug never stops the others' figures.
    """
    calls: dict[str, tuple[bool, Any]] = {}
    results = []
    for provider in selected if selected is not None else providers():
        try:
            function, reason = _resolve(provider)
            if function is None:
                results.append(ProviderResult(provider, ProviderStatus.UNAVAILABLE, reason=reason))
                continue
            if provider.dotted not in calls:
                try:
                    calls[provider.dotted] = (True, function(**provider.arguments()))
                except DistrictError as exc:
                    calls[provider.dotted] = (False, exc)
            ok, result = calls[provider.dotted]
            if not ok:
                results.append(ProviderResult(provider, ProviderStatus.EMPTY, reason=str(result)))
                continue
            readings = provider.extract(provider.dotted + "()", result)
        except DistrictError as exc:
            results.append(ProviderResult(provider, ProviderStatus.FAILED, reason=str(exc)))
            continue
        except Exception as exc:  # another app's bug must not stop the scorecard
            logger.exception("live figure %s failed", provider.indicator)
            results.append(
                ProviderResult(
                    provider, ProviderStatus.FAILED, reason=f"{type(exc).__name__}: {exc}"
                )
            )
            continue
        stamped = tuple(
            Reading(
                indicator=provider.indicator,
                value=r.value,
                unit=r.unit,
                breakdown=r.breakdown,
                breakdown_en=r.breakdown_en,
                breakdown_zh=r.breakdown_zh,
                detail=r.detail,
            )
            for r in readings
        )
        status = ProviderStatus.OK if stamped else ProviderStatus.EMPTY
        reason = "" if stamped else f"{provider.dotted}() has no figure yet"
        results.append(ProviderResult(provider, status, stamped, reason))
    return results
