"""Consistency checks: every group of stated figures that arithmetic can test against each other.

A briefing states the same growth several ways: a level, a multiple of the base year, an
average annual rate, an increase and an average annual increase. Any two of the
ratio-type statements (multiple, rate) must agree; so must any two increase-type
statements; and a level with a rate implies an increase. Shares imply wholes, and parts
cannot exceed their wholes. This module finds every such group among the claims, tests it
with the :mod:`.arithmetic` functions over the ranges the wording allows (a rounded
"7.8 percent" is 7.75 to 7.85; "over 5 billion" is 5 billion or more), and explains the
result in words with the working shown.

Two claims are *consistent* when some values within both ranges agree. When a multiple and
a rate disagree, the explanation says what could reconcile them: the rate being real growth
at constant prices (and the deflator that would need), or a revised base year.

The output of :func:`findings_as_json` is what ``district indicators check --json`` prints.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from .arithmetic import (
    Derived,
    Dimension,
    Period,
    Qualifier,
    Quantity,
    average_annual_increase,
    cagr_from_multiple,
    get_unit,
    implied_deflator,
    implied_increase_from_multiple,
    implied_increase_from_rate,
    implied_start_from_multiple,
    implied_start_from_rate,
    implied_whole,
    multiple,
    multiple_from_rate,
    share,
)
from .arithmetic.growth import cagr, increase
from .loader import CHANGE_MEASURES, Claim, Indicator, IndicatorData, Measure

__all__ = [
    "Finding",
    "ImpliedValue",
    "check_claims",
    "check_data",
    "findings_as_json",
    "implied_records",
    "implied_values",
    "reference_claim",
]


@dataclass(frozen=True)
class Finding:
    """The result of testing a group of claims against each other."""

    check: str
    title: str
    claims: tuple[Claim, ...]
    consistent: bool
    explanation: str
    derived: tuple[Derived, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "title": self.title,
            "claims": [claim.as_dict() for claim in self.claims],
            "consistent": self.consistent,
            "explanation": self.explanation,
            "derived": [d.as_dict() for d in self.derived],
        }


def reference_claim(
    *,
    indicator: str,
    value: str,
    unit: str,
    period_end: str,
    source: str,
    sentence: str,
    qualifier: Qualifier = Qualifier.EXACT,
) -> Claim:
    """A figure from outside the data file (the geo app's district area, say) to test against.

    ``sentence`` says where it comes from ("area of the district boundary polygon in
    data/boundaries/..., computed on the WGS-84 ellipsoid").
    """
    return Claim(
        id=f"reference-{indicator}",
        revision=1,
        indicator=indicator,
        value_text=value,
        unit=get_unit(unit),
        qualifier=qualifier,
        period=Period.parse("", period_end),
        price_basis=None,
        source=source,
        sentence=sentence,
        recorded_on=date.today(),
        note="reference figure supplied by the caller",
        path="(reference)",
        row=0,
    )


# ------------------------------------------------------------------------------ words


def _said(claim: Claim) -> str:
    return f"'{claim.quantity().format()}'"


def _range(derived: Derived) -> str:
    text = derived.range_text
    return f" (allowing for rounding and wording: {text})" if text else ""


MEASURE_WORDS = {
    Measure.MULTIPLE: "multiple",
    Measure.AVG_GROWTH: "average growth rate",
    Measure.INCREASE: "increase",
    Measure.AVG_INCREASE: "average yearly increase",
}


def _name(indicator: Indicator) -> str:
    """The indicator's English name for use inside a sentence."""
    name = indicator.name_en
    if len(name) > 1 and not name[1].isupper():
        return name[0].lower() + name[1:]
    return name


def _agreement(point: float, claim: Quantity) -> str:
    """Say whether a derived central figure, not just its range, fits a claim."""
    if claim.interval.contains(point):
        return "the central figure itself fits"
    return "only at the edge of what rounding allows, not at the central figure"


def _years(years: float) -> str:
    return f"{int(years)} years" if float(years).is_integer() else f"{years:.2f} years"


# ------------------------------------------------------------------- growth families


@dataclass(frozen=True)
class _Family:
    """Claims about one base indicator over one span of years."""

    base: Indicator
    start_year: int
    end_year: int
    end_level: Claim | None
    start_level: Claim | None
    ratio_claims: tuple[tuple[Claim, Indicator], ...]
    increase_claims: tuple[tuple[Claim, Indicator], ...]

    @property
    def years(self) -> int:
        return self.end_year - self.start_year


def _level_at(claims: Iterable[Claim], year: int) -> Claim | None:
    for claim in claims:
        end = claim.period.end
        if end.is_year and end.year == year and claim.period.start in (None, end):
            return claim
    return None


def _families(indicators: Mapping[str, Indicator], claims: Sequence[Claim]) -> list[_Family]:
    by_indicator: dict[str, list[Claim]] = defaultdict(list)
    for claim in claims:
        by_indicator[claim.indicator].append(claim)
    groups: dict[tuple[str, int, int], list[tuple[Claim, Indicator]]] = defaultdict(list)
    for claim in claims:
        indicator = indicators[claim.indicator]
        start = claim.period.start
        if indicator.measure in CHANGE_MEASURES and indicator.of and start is not None:
            groups[(indicator.of, start.year, claim.period.end.year)].append((claim, indicator))
    families = []
    for (base_code, start_year, end_year), members in groups.items():
        levels = by_indicator.get(base_code, [])
        families.append(
            _Family(
                base=indicators[base_code],
                start_year=start_year,
                end_year=end_year,
                end_level=_level_at(levels, end_year),
                start_level=_level_at(levels, start_year),
                ratio_claims=tuple(
                    m for m in members if m[1].measure in (Measure.MULTIPLE, Measure.AVG_GROWTH)
                ),
                increase_claims=tuple(
                    m for m in members if m[1].measure in (Measure.INCREASE, Measure.AVG_INCREASE)
                ),
            )
        )
    return families


def _as_multiple(claim: Claim, indicator: Indicator, years: int) -> tuple[Derived | None, str]:
    """A ratio claim as a multiple over the span, with how it was said."""
    if indicator.measure is Measure.MULTIPLE:
        return None, f"{_said(claim)} the {claim.period.start} value"
    return multiple_from_rate(claim.quantity(), years, label="multiple implied by the rate"), (
        f"average growth of {_said(claim)} a year"
    )


def _check_multiple_vs_rate(family: _Family, multiple_claim: Claim, rate_claim: Claim) -> Finding:
    n = family.years
    m, g = multiple_claim.quantity(), rate_claim.quantity()
    rate_from_multiple = cagr_from_multiple(m, n, label=f"annual growth implied by {m.format()}")
    multiple_from_g = multiple_from_rate(g, n, label=f"multiple implied by {g.format()} a year")
    consistent = multiple_from_g.interval.overlaps(m.interval)
    name = family.base.name_en
    span = f"{family.start_year} to {family.end_year}"
    text = (
        f"{name}: {_said(multiple_claim)} over {span} means compound growth of "
        f"{rate_from_multiple.expression} = {rate_from_multiple.result_text} a year"
        f"{_range(rate_from_multiple)}, while the stated {g.format()} a year compounds to "
        f"{multiple_from_g.expression} = {multiple_from_g.result_text} over the same "
        f"{_years(n)}{_range(multiple_from_g)}. "
    )
    derived: list[Derived] = [rate_from_multiple, multiple_from_g]
    if consistent:
        text += f"The two agree; {_agreement(multiple_from_g.value, m)}."
        return Finding(
            "multiple_vs_rate",
            f"{name}: multiple and average growth rate",
            (multiple_claim, rate_claim),
            True,
            text,
            tuple(derived),
        )
    text += (
        f"They do not agree as figures on one basis: no values within their rounding "
        f"reconcile {m.format()} with {g.format()} a year."
    )
    if family.base.unit.dimension is Dimension.MONEY:
        deflator = implied_deflator(
            rate_from_multiple.quantity, g, label="yearly price rise needed"
        )
        derived.append(deflator)
        text += (
            f" Both can hold if the {g.format()} is real growth at constant prices while the "
            f"multiple compares values at current prices: prices (the deflator) would then "
            f"have risen {deflator.expression} = {deflator.result_text} a year on average"
            f"{_range(deflator)}, a figure the source does not give."
        )
    end = family.end_level
    if end is not None:
        e = end.quantity()
        start_m = implied_start_from_multiple(
            e, m, label=f"{family.start_year} value implied by the multiple"
        )
        start_g = implied_start_from_rate(
            e, g, n, label=f"{family.start_year} value implied by the rate"
        )
        derived += [start_m, start_g]
        text += (
            f" Or the {family.start_year} base was revised (for example after an economic "
            f"census) between the two calculations: from {e.format()} in {family.end_year}, "
            f"the multiple implies {start_m.expression} = {start_m.result_text} for "
            f"{family.start_year}, the rate {start_g.expression} = {start_g.result_text}."
        )
    else:
        text += f" Or the {family.start_year} base was revised between the two calculations."
    return Finding(
        "multiple_vs_rate",
        f"{name}: multiple and average growth rate",
        (multiple_claim, rate_claim),
        False,
        text,
        tuple(derived),
    )


def _per_year(claim: Claim, indicator: Indicator, years: int) -> tuple[Derived | Quantity, str]:
    if indicator.measure is Measure.AVG_INCREASE:
        return claim.quantity(), f"{_said(claim)} a year"
    return average_annual_increase(claim.quantity(), years, label="average yearly increase"), (
        f"{_said(claim)} in total"
    )


def _check_increase_pair(
    family: _Family, first: tuple[Claim, Indicator], second: tuple[Claim, Indicator]
) -> Finding:
    n = family.years
    total, annual = (first, second) if first[1].measure is Measure.INCREASE else (second, first)
    per_year = average_annual_increase(
        total[0].quantity(), n, label="average yearly increase implied by the total"
    )
    stated = annual[0].quantity()
    consistent = per_year.interval.overlaps(stated.interval)
    name = family.base.name_en
    text = (
        f"{name}: an increase of {_said(total[0])} over the {_years(n)} from "
        f"{family.start_year} to {family.end_year} is {per_year.expression} = "
        f"{per_year.result_text} a year on average{_range(per_year)}"
    )
    if not consistent:
        text += f", which contradicts {_said(annual[0])} a year."
    elif stated.interval.low <= per_year.interval.low and stated.interval.high >= (
        per_year.interval.high
    ):
        text += (
            f", which agrees with {_said(annual[0])} a year; the yearly statement is the "
            "weaker of the two and follows from the total."
        )
    else:
        text += f", which agrees with {_said(annual[0])} a year."
    return Finding(
        "increase_vs_average_increase",
        f"{name}: total and yearly increase",
        (total[0], annual[0]),
        consistent,
        text,
        (per_year,),
    )


def _check_level_ratio_increase(
    family: _Family, ratio: tuple[Claim, Indicator], rise: tuple[Claim, Indicator]
) -> Finding:
    end_level = family.end_level
    if end_level is None:  # pragma: no cover - guarded by the caller
        raise ValueError("needs an end level")
    n, e = family.years, end_level.quantity()
    ratio_q = ratio[0].quantity()
    if ratio[1].measure is Measure.AVG_GROWTH:
        start = implied_start_from_rate(e, ratio_q, n, label=f"{family.start_year} value implied")
        implied = implied_increase_from_rate(e, ratio_q, n, label="increase implied")
        how = f"average growth of {ratio_q.format()} a year"
    else:
        start = implied_start_from_multiple(e, ratio_q, label=f"{family.start_year} value implied")
        implied = implied_increase_from_multiple(e, ratio_q, label="increase implied")
        how = f"{ratio_q.format()} the {family.start_year} value"
    derived: list[Derived] = [start, implied]
    compared: Derived = implied
    stated = rise[0].quantity()
    said = _said(rise[0])
    if rise[1].measure is Measure.AVG_INCREASE:
        compared = average_annual_increase(implied.quantity, n, label="yearly increase implied")
        derived.append(compared)
        said += " a year"
    consistent = compared.interval.overlaps(stated.interval)
    name = family.base.name_en
    text = (
        f"{name}: {e.format()} in {family.end_year} after {how} since {family.start_year} "
        f"implies {start.expression} = {start.result_text} in {family.start_year}"
        f"{_range(start)} and an increase of {implied.expression} = {implied.result_text}"
        f"{_range(implied)}"
    )
    if compared is not implied:
        text += f", or {compared.expression} = {compared.result_text} a year{_range(compared)}"
    if consistent:
        text += f". This agrees with {said}: {_agreement(compared.value, stated)}."
    else:
        text += f". This contradicts {said}."
    return Finding(
        "level_rate_vs_increase",
        f"{name}: level and {MEASURE_WORDS[ratio[1].measure]} against "
        f"{MEASURE_WORDS[rise[1].measure]}",
        (end_level, ratio[0], rise[0]),
        consistent,
        text,
        tuple(derived),
    )


def _check_two_levels(family: _Family, claim: Claim, indicator: Indicator) -> Finding:
    if family.start_level is None or family.end_level is None:  # pragma: no cover
        raise ValueError("needs both levels")
    s, e, n = family.start_level.quantity(), family.end_level.quantity(), family.years
    stated = claim.quantity()
    derived: Derived
    if indicator.measure is Measure.MULTIPLE:
        derived = multiple(e, s, label="multiple from the two levels")
    elif indicator.measure is Measure.AVG_GROWTH:
        derived = cagr(s, e, n, label="average growth from the two levels")
    elif indicator.measure is Measure.INCREASE:
        derived = increase(e, s, label="increase from the two levels")
    else:
        rise = increase(e, s)
        derived = average_annual_increase(rise.quantity, n, label="yearly increase from levels")
    consistent = derived.interval.overlaps(stated.interval)
    name = family.base.name_en
    text = (
        f"{name}: {s.format()} in {family.start_year} and {e.format()} in {family.end_year} "
        f"give {derived.expression} = {derived.result_text}{_range(derived)}, which "
        f"{'agrees with' if consistent else 'contradicts'} the stated {_said(claim)}."
    )
    return Finding(
        "levels_vs_change",
        f"{name}: two levels against the stated change",
        (family.start_level, family.end_level, claim),
        consistent,
        text,
        (derived,),
    )


def _family_findings(family: _Family) -> list[Finding]:
    findings: list[Finding] = []
    ratios = family.ratio_claims
    for i, first in enumerate(ratios):
        for second in ratios[i + 1 :]:
            kinds = {first[1].measure, second[1].measure}
            if kinds == {Measure.MULTIPLE, Measure.AVG_GROWTH}:
                m, g = (first, second) if first[1].measure is Measure.MULTIPLE else (second, first)
                findings.append(_check_multiple_vs_rate(family, m[0], g[0]))
    rises = family.increase_claims
    for i, first in enumerate(rises):
        for second in rises[i + 1 :]:
            if {first[1].measure, second[1].measure} == {Measure.INCREASE, Measure.AVG_INCREASE}:
                findings.append(_check_increase_pair(family, first, second))
    if family.end_level is not None:
        for ratio in ratios:
            for rise in rises:
                findings.append(_check_level_ratio_increase(family, ratio, rise))
    if family.start_level is not None and family.end_level is not None:
        for claim, indicator in (*ratios, *rises):
            findings.append(_check_two_levels(family, claim, indicator))
    return findings


# ------------------------------------------------------------------ parts and wholes


def _nearest(claims: Sequence[Claim], when: Period) -> Claim | None:
    if not claims:
        return None
    return min(claims, key=lambda c: abs(c.period.end.time() - when.end.time()))


def _part_whole_findings(
    indicators: Mapping[str, Indicator], claims: Sequence[Claim]
) -> list[Finding]:
    by_indicator: dict[str, list[Claim]] = defaultdict(list)
    for claim in claims:
        by_indicator[claim.indicator].append(claim)
    findings: list[Finding] = []
    for code, indicator in indicators.items():
        if indicator.whole is None:
            continue
        whole_indicator = indicators[indicator.whole]
        if indicator.measure is Measure.SHARE and indicator.of is not None:
            for share_claim in by_indicator.get(code, []):
                findings.extend(
                    _share_findings(
                        indicators, by_indicator, indicator, whole_indicator, share_claim
                    )
                )
            continue
        for part in by_indicator.get(code, []):
            whole = _nearest(by_indicator.get(whole_indicator.code, []), part.period)
            if whole is not None:
                findings.append(_part_within_whole(indicator, whole_indicator, part, whole))
    return findings


def _part_within_whole(
    part_indicator: Indicator,
    whole_indicator: Indicator,
    part: Claim,
    whole: Claim,
    *,
    implied: Derived | None = None,
    intro: str | None = None,
) -> Finding:
    part_q = implied.quantity if implied is not None else part.quantity()
    whole_q = whole.quantity()
    part_range = part_q.to(whole_q.unit).interval
    consistent = part_range.low <= whole_q.interval.high * (1 + 1e-9)
    subject = intro or f"{part_indicator.name_en} {_said(part)} ({part.period.label()})"
    text = (
        f"{subject} is part of {_name(whole_indicator)} {_said(whole)} "
        f"({whole.period.label()}), so it cannot be larger. "
    )
    if not consistent:
        text += "It is larger, so one of the figures, or the reading of them, is wrong."
    elif whole_q.interval.high == float("inf") and part_range.high == float("inf"):
        text += (
            "It is not, but both figures are lower bounds, so this test only rules out a "
            "part whose lower bound is above the whole's."
        )
    else:
        fraction = share(part_q.to(whole_q.unit), whole_q, label="part as a share of the whole")
        if fraction.value <= 100:
            text += f"It is not: the part is {fraction.result_text} of the whole"
            text += f"{_range(fraction)}."
        else:
            text += (
                f"Its central figure is {fraction.result_text} of the whole, so the two fit "
                f"only within their rounding and wording{_range(fraction)}: the part is, in "
                "effect, all of the whole."
            )
    if consistent and part.period.end != whole.period.end:
        text += f" The two refer to different dates ({part.period.end} and {whole.period.end})."
    derived = (implied,) if implied is not None else ()
    return Finding(
        "part_within_whole",
        f"{part_indicator.name_en} within {_name(whole_indicator)}",
        (part, whole),
        consistent,
        text,
        derived,
    )


def _share_findings(
    indicators: Mapping[str, Indicator],
    by_indicator: Mapping[str, list[Claim]],
    share_indicator: Indicator,
    whole_indicator: Indicator,
    share_claim: Claim,
) -> list[Finding]:
    part_indicator = indicators[share_indicator.of or ""]
    part = _nearest(by_indicator.get(part_indicator.code, []), share_claim.period)
    whole = _nearest(by_indicator.get(whole_indicator.code, []), share_claim.period)
    if part is None:
        return []
    if whole is not None:
        computed = share(part.quantity(), whole.quantity(), label="share from part and whole")
        consistent = computed.interval.overlaps(share_claim.quantity().interval)
        text = (
            f"{part_indicator.name_en} {_said(part)} of {whole_indicator.name_en} "
            f"{_said(whole)} is {computed.expression} = {computed.result_text}"
            f"{_range(computed)}, which {'agrees with' if consistent else 'contradicts'} the "
            f"stated share {_said(share_claim)}."
        )
        return [
            Finding(
                "share",
                share_indicator.name_en,
                (part, whole, share_claim),
                consistent,
                text,
                (computed,),
            )
        ]
    container_code = whole_indicator.whole
    if container_code is None:
        return []
    container = _nearest(by_indicator.get(container_code, []), share_claim.period)
    if container is None:
        return []
    implied = implied_whole(
        part.quantity(), share_claim.quantity(), label=f"{whole_indicator.name_en} implied"
    )
    intro = (
        f"{part_indicator.name_en} of {_said(part)} covering {_said(share_claim)} of the "
        f"{_name(whole_indicator).removeprefix('the ')} implies a whole of "
        f"{implied.expression} = {implied.result_text}{_range(implied)}. That"
    )
    finding = _part_within_whole(
        whole_indicator, indicators[container_code], part, container, implied=implied, intro=intro
    )
    return [
        Finding(
            finding.check,
            finding.title,
            (part, share_claim, container),
            finding.consistent,
            finding.explanation,
            finding.derived,
        )
    ]


# ------------------------------------------------------------------------ public API


def check_claims(indicators: Mapping[str, Indicator], claims: Sequence[Claim]) -> list[Finding]:
    """Test every group of claims that arithmetic can relate; consistent or not."""
    findings: list[Finding] = []
    for family in sorted(
        _families(indicators, claims), key=lambda f: (f.base.row, f.start_year, f.end_year)
    ):
        findings.extend(_family_findings(family))
    findings.extend(_part_whole_findings(indicators, claims))
    return findings


def check_data(data: IndicatorData, *, references: Sequence[Claim] = ()) -> list[Finding]:
    """Check the current claims of a loaded data folder, plus any reference figures."""
    return check_claims(data.indicators, (*data.current_claims(), *references))


def findings_as_json(findings: Sequence[Finding]) -> dict[str, list[dict[str, Any]]]:
    """``{"findings": [{"claims": [...], "consistent": ..., "explanation": ...}, ...]}``."""
    return {"findings": [finding.as_dict() for finding in findings]}


@dataclass(frozen=True)
class ImpliedValue:
    """A value implied by stated figures, with what it is a value of and what it came from.

    ``indicator`` is the indicator the value belongs to: the base (GDP) for an implied
    base-year value, rate or multiple; the whole (the city's e-commerce volume) for an
    implied whole. ``claims`` are the stated figures it was computed from.
    """

    indicator: str
    derived: Derived
    claims: tuple[Claim, ...]
    start_year: int | None = None
    end_year: int | None = None

    @property
    def method(self) -> str:
        return self.derived.method


def implied_records(
    indicators: Mapping[str, Indicator], claims: Sequence[Claim]
) -> list[ImpliedValue]:
    """Values the claims imply without a second claim to test them against.

    Base-year values from a level with a multiple or a rate, multiples from rates, rates from
    multiples, and wholes from a part and its share: "the 2020 GDP implied by 1.8 times".
    """
    records: list[ImpliedValue] = []
    for family in sorted(
        _families(indicators, claims), key=lambda f: (f.base.row, f.start_year, f.end_year)
    ):
        name, n = family.base.name_en, family.years
        span = (family.start_year, family.end_year)
        for claim, indicator in family.ratio_claims:
            q = claim.quantity()
            if indicator.measure is Measure.MULTIPLE:
                derived = cagr_from_multiple(
                    q,
                    n,
                    label=f"{name}: average annual growth {family.start_year} to "
                    f"{family.end_year} implied by {q.format()}",
                )
            else:
                derived = multiple_from_rate(
                    q,
                    n,
                    label=f"{name}: multiple of {family.start_year} in "
                    f"{family.end_year} implied by {q.format()} a year",
                )
            records.append(ImpliedValue(family.base.code, derived, (claim,), *span))
            if family.end_level is not None:
                e = family.end_level.quantity()
                label = f"{name} in {family.start_year} implied by {q.format()}"
                if indicator.measure is Measure.MULTIPLE:
                    start = implied_start_from_multiple(e, q, label=label)
                else:
                    start = implied_start_from_rate(e, q, n, label=label + " a year")
                records.append(
                    ImpliedValue(family.base.code, start, (family.end_level, claim), *span)
                )
    by_indicator: dict[str, list[Claim]] = defaultdict(list)
    for claim in claims:
        by_indicator[claim.indicator].append(claim)
    for indicator in indicators.values():
        if indicator.measure is not Measure.SHARE or not indicator.of or not indicator.whole:
            continue
        whole_name = indicators[indicator.whole].name_en
        for share_claim in by_indicator.get(indicator.code, []):
            part = _nearest(by_indicator.get(indicator.of, []), share_claim.period)
            if part is not None:
                derived = implied_whole(
                    part.quantity(),
                    share_claim.quantity(),
                    label=f"{whole_name} ({share_claim.period.label()}) implied",
                )
                records.append(ImpliedValue(indicator.whole, derived, (part, share_claim)))
    return records


def implied_values(indicators: Mapping[str, Indicator], claims: Sequence[Claim]) -> list[Derived]:
    """The derived values of :func:`implied_records`, in the same order."""
    return [record.derived for record in implied_records(indicators, claims)]
