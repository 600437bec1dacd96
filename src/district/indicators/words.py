"""The scorecard in words, in Chinese or English: figures, periods, findings, targets.

The engine explains everything in English (:mod:`.checks`, :mod:`.targets`); the English
scorecard and report use those explanations as they are. The Chinese versions are built
here from the same structured results (the claims, the :class:`~.arithmetic.Derived`
figures with their formulas) through translated templates, so both languages show the same
numbers and the same working. Formulas (``1.8^(1/4) - 1 = 15.83%``) are the same in both.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .arithmetic import Derived, Dimension, Period, Quantity, Unit, share
from .arithmetic.growth import years_text
from .checks import Finding, ImpliedValue
from .loader import AREAS, Claim, Indicator, Measure
from .targets import Pace, TargetAssessment

__all__ = [
    "area_name",
    "claim_text",
    "derived_text",
    "finding_text",
    "finding_title",
    "implied_label",
    "indicator_name",
    "period_text",
    "quantity_text",
    "target_text",
]

# 超过 over, 至少 at least, 近 nearly, 约 about
QUALIFIER_ZH = {"exact": "", "over": "超过", "at_least": "至少", "nearly": "近", "about": "约"}


def _en(lang: str) -> bool:
    return lang == "en"


def area_name(code: str, lang: str) -> str:
    """The heading of one of the briefing's six areas (Chinese headings are translations)."""
    name_en, name_zh = AREAS[code]
    return name_en if _en(lang) else name_zh


def indicator_name(indicator: Indicator, lang: str) -> str:
    return indicator.name_en if _en(lang) else indicator.name_zh


def _unit_zh(unit: Unit) -> str:
    return "" if unit.code == "count" else unit.label_zh


def quantity_text(quantity: Quantity, lang: str) -> str:
    """``over 5 billion yuan`` / ``超过5十亿元``; ranks as ``No. 1`` / ``第1位``."""
    if _en(lang):
        return quantity.format()
    number = quantity.number_text()
    if quantity.unit.dimension is Dimension.RANK:
        return f"第{number}位"
    return QUALIFIER_ZH[quantity.qualifier.value] + number + _unit_zh(quantity.unit)


def range_text(quantity: Quantity, lang: str) -> str | None:
    """The range a computed figure's inputs allow, or None when it is exact."""
    if quantity.interval.is_point:
        return None
    text = quantity.format_interval()
    if _en(lang):
        return text
    suffix = quantity.unit.format("")
    if suffix and text.endswith(suffix):
        text = text[: -len(suffix)]
    text = text.replace("at least ", "至少").replace(" to ", "至")
    return text + _unit_zh(quantity.unit)


def period_text(period: Period, lang: str) -> str:
    """``2020 to 2024`` / ``2020—2024年``; a day stays ISO (``截至2025-09-23``)."""
    if _en(lang):
        return period.label()
    end = period.end
    if period.start is None or period.start == end:
        return f"{end.year}年" if end.is_year else f"截至{end}"
    if period.start.is_year and end.is_year:
        return f"{period.start.year}—{end.year}年"
    return f"{period.start}至{end}"


def claim_text(claim: Claim, lang: str) -> str:
    return quantity_text(claim.quantity(), lang)


def derived_text(derived: Derived, lang: str, *, with_range: bool = True) -> str:
    """``expression = result`` and, when the inputs were rounded, the range they allow."""
    text = f"{derived.expression} = {quantity_text(derived.quantity, lang)}"
    allowed = range_text(derived.quantity, lang) if with_range else None
    if allowed:
        text += (
            f" (allowing for rounding and wording: {allowed})"
            if _en(lang)
            else f"（考虑四舍五入和措辞：{allowed}）"
        )
    return text


def _q(claim: Claim, lang: str) -> str:
    return f"“{claim_text(claim, lang)}”"


def _by_method(derived: tuple[Derived, ...]) -> dict[str, Derived]:
    found: dict[str, Derived] = {}
    for item in derived:
        found.setdefault(item.method, item)
    return found


# ------------------------------------------------------------------------- findings

_MEASURE_ZH = {
    Measure.MULTIPLE: "倍数",
    Measure.AVG_GROWTH: "年均增长率",
    Measure.INCREASE: "增加额",
    Measure.AVG_INCREASE: "年均增加额",
}


def finding_title(finding: Finding, indicators: Mapping[str, Indicator], lang: str) -> str:
    if _en(lang):
        return finding.title
    with translation.override(lang):
        first = indicators[finding.claims[0].indicator]
        base_code = first.of if first.measure in _MEASURE_ZH and first.of else first.code
        if finding.check in ("level_rate_vs_increase", "levels_vs_change"):
            base_code = finding.claims[0].indicator
        name = indicators[base_code].name_zh if base_code in indicators else first.name_zh
        if finding.check == "multiple_vs_rate":
            return _("%(name)s: multiple and average growth rate") % {"name": name}
        if finding.check == "increase_vs_average_increase":
            return _("%(name)s: total and yearly increase") % {"name": name}
        if finding.check == "level_rate_vs_increase":
            ratio = _MEASURE_ZH[Measure(indicators[finding.claims[1].indicator].measure)]
            rise = _MEASURE_ZH[Measure(indicators[finding.claims[2].indicator].measure)]
            return _("%(name)s: level and %(ratio)s against %(rise)s") % {
                "name": name,
                "ratio": ratio,
                "rise": rise,
            }
        if finding.check == "levels_vs_change":
            return _("%(name)s: two levels against the stated change") % {"name": name}
        if finding.check == "part_within_whole":
            part, whole = _part_and_whole(finding, indicators)
            return _("%(part)s within %(whole)s") % {
                "part": part.name_zh,
                "whole": whole.name_zh,
            }
        share_indicator = indicators[finding.claims[2].indicator]
        return share_indicator.name_zh


def _part_and_whole(
    finding: Finding, indicators: Mapping[str, Indicator]
) -> tuple[Indicator, Indicator]:
    """The part and the whole of a part-within-whole finding (an implied whole counts)."""
    if len(finding.claims) == 3:  # part, its share of a whole, and the whole's container
        share_indicator = indicators[finding.claims[1].indicator]
        return indicators[share_indicator.whole or ""], indicators[finding.claims[2].indicator]
    return indicators[finding.claims[0].indicator], indicators[finding.claims[1].indicator]


def finding_text(finding: Finding, indicators: Mapping[str, Indicator], lang: str) -> str:
    """The explanation: the engine's English, or the same working in Chinese."""
    if _en(lang):
        return finding.explanation
    with translation.override(lang):
        writer = {
            "multiple_vs_rate": _multiple_vs_rate,
            "increase_vs_average_increase": _increase_pair,
            "level_rate_vs_increase": _level_rate_increase,
            "levels_vs_change": _levels_vs_change,
            "part_within_whole": _part_within_whole,
            "share": _share,
        }.get(finding.check)
        if writer is None:  # pragma: no cover - a check added to the engine later
            return finding.explanation
        return writer(finding, indicators, lang)


def _verdict(consistent: bool) -> str:
    return _("This agrees.") if consistent else _("This contradicts it.")


def _multiple_vs_rate(finding: Finding, indicators: Mapping[str, Indicator], lang: str) -> str:
    multiple_claim, rate_claim = finding.claims[:2]
    base = indicators[indicators[multiple_claim.indicator].of or ""]
    period = multiple_claim.period
    start = period.start.year if period.start else period.end.year
    years = int(period.years())
    rate_from_multiple, multiple_from_rate = finding.derived[:2]
    text = _(
        "%(name)s: %(multiple)s over %(span)s means compound growth of %(working1)s a year, "
        "while the stated %(rate)s a year compounds to %(working2)s over the same %(years)s "
        "years."
    ) % {
        "name": base.name_zh,
        "multiple": _q(multiple_claim, lang),
        "span": period_text(period, lang),
        "working1": derived_text(rate_from_multiple, lang),
        "rate": _q(rate_claim, lang),
        "working2": derived_text(multiple_from_rate, lang),
        "years": years,
    }
    if finding.consistent:
        return text + _("The two agree.")
    text += _("No values within their rounding reconcile them as figures on one basis.")
    found = _by_method(finding.derived)
    if "implied_deflator" in found:
        text += _(
            "Both can hold if the %(rate)s is real growth at constant prices while the "
            "multiple compares values at current prices: prices (the deflator) would then have "
            "risen %(working)s a year on average, a figure the source does not give."
        ) % {"rate": _q(rate_claim, lang), "working": derived_text(found["implied_deflator"], lang)}
    if "implied_start_from_multiple" in found and "implied_start_from_rate" in found:
        text += _(
            "Or the %(start)s base was revised (for example after an economic census) between "
            "the two calculations: the multiple implies %(working1)s for %(start)s, the rate "
            "%(working2)s."
        ) % {
            "start": start,
            "working1": derived_text(found["implied_start_from_multiple"], lang, with_range=False),
            "working2": derived_text(found["implied_start_from_rate"], lang, with_range=False),
        }
    else:
        text += _("Or the %(start)s base was revised between the two calculations.") % {
            "start": start
        }
    return text


def _increase_pair(finding: Finding, indicators: Mapping[str, Indicator], lang: str) -> str:
    total, annual = finding.claims
    base = indicators[indicators[total.indicator].of or ""]
    per_year = finding.derived[0]
    text = _(
        "%(name)s: an increase of %(total)s over %(span)s is %(working)s a year on average, "
        "against the stated %(annual)s a year."
    ) % {
        "name": base.name_zh,
        "total": _q(total, lang),
        "span": period_text(total.period, lang),
        "working": derived_text(per_year, lang),
        "annual": _q(annual, lang),
    }
    stated = annual.quantity().interval
    if (
        finding.consistent
        and stated.low <= per_year.interval.low
        and (stated.high >= per_year.interval.high)
    ):
        return text + _(
            "This agrees; the yearly statement is the weaker one and follows from the total."
        )
    return text + _verdict(finding.consistent)


def _level_rate_increase(finding: Finding, indicators: Mapping[str, Indicator], lang: str) -> str:
    end_level, ratio, rise = finding.claims
    base = indicators[end_level.indicator]
    span = ratio.period
    start = span.start.year if span.start else span.end.year
    how = (
        _("average growth of %(rate)s a year") % {"rate": _q(ratio, lang)}
        if indicators[ratio.indicator].measure is Measure.AVG_GROWTH
        else _("%(multiple)s the %(start)s value") % {"multiple": _q(ratio, lang), "start": start}
    )
    implied_start, implied_rise = finding.derived[:2]
    text = _(
        "%(name)s: %(end)s in %(end_year)s after %(how)s since %(start)s implies "
        "%(working1)s in %(start)s and an increase of %(working2)s"
    ) % {
        "name": base.name_zh,
        "end": _q(end_level, lang),
        "end_year": span.end.year,
        "how": how,
        "start": start,
        "working1": derived_text(implied_start, lang),
        "working2": derived_text(implied_rise, lang),
    }
    if len(finding.derived) > 2:
        text += _(", or %(working)s a year") % {"working": derived_text(finding.derived[2], lang)}
    text += _(", against the stated %(rise)s.") % {"rise": _q(rise, lang)}
    return text + _verdict(finding.consistent)


def _levels_vs_change(finding: Finding, indicators: Mapping[str, Indicator], lang: str) -> str:
    first, last, claim = finding.claims
    return _(
        "%(name)s: %(first)s in %(first_year)s and %(last)s in %(last_year)s give %(working)s, "
        "against the stated %(claim)s."
    ) % {
        "name": indicators[first.indicator].name_zh,
        "first": _q(first, lang),
        "first_year": period_text(first.period, lang),
        "last": _q(last, lang),
        "last_year": period_text(last.period, lang),
        "working": derived_text(finding.derived[0], lang),
        "claim": _q(claim, lang),
    } + _verdict(finding.consistent)


def _part_within_whole(finding: Finding, indicators: Mapping[str, Indicator], lang: str) -> str:
    part_indicator, whole_indicator = _part_and_whole(finding, indicators)
    whole_claim = finding.claims[-1]
    if finding.derived:  # the whole implied by a part and its share
        part, share_claim = finding.claims[:2]
        part_quantity = finding.derived[0].quantity
        text = _(
            "%(part_name)s %(part)s covering %(share)s of the %(whole_name)s implies a whole of "
            "%(working)s."
        ) % {
            "part_name": indicators[part.indicator].name_zh,
            "part": _q(part, lang),
            "share": _q(share_claim, lang),
            "whole_name": part_indicator.name_zh,
            "working": derived_text(finding.derived[0], lang),
        }
        text += _("It is part of %(whole_name)s %(whole)s (%(when)s), so it cannot be larger.") % {
            "whole_name": whole_indicator.name_zh,
            "whole": _q(whole_claim, lang),
            "when": period_text(whole_claim.period, lang),
        }
    else:
        part = finding.claims[0]
        part_quantity = part.quantity()
        text = _(
            "%(part_name)s %(part)s (%(part_when)s) is part of %(whole_name)s %(whole)s "
            "(%(whole_when)s), so it cannot be larger."
        ) % {
            "part_name": part_indicator.name_zh,
            "part": _q(part, lang),
            "part_when": period_text(part.period, lang),
            "whole_name": whole_indicator.name_zh,
            "whole": _q(whole_claim, lang),
            "whole_when": period_text(whole_claim.period, lang),
        }
    whole_quantity = whole_claim.quantity()
    part_in_unit = part_quantity.to(whole_quantity.unit)
    if not finding.consistent:
        return text + _("It is larger, so one of the figures, or the reading of them, is wrong.")
    if whole_quantity.interval.high == float("inf") and part_in_unit.interval.high == float("inf"):
        return text + _(
            "It is not, but both figures are lower bounds, so this test only rules out a part "
            "whose lower bound is above the whole's."
        )
    fraction = share(part_in_unit, whole_quantity)
    if fraction.value <= 100:
        text += _("It is not: the part is %(working)s of the whole.") % {
            "working": derived_text(fraction, lang)
        }
    else:
        text += _(
            "Its central figure is %(working)s of the whole, so the two fit only within their "
            "rounding and wording: the part is, in effect, all of the whole."
        ) % {"working": derived_text(fraction, lang)}
    if finding.claims[0].period.end != whole_claim.period.end:
        text += _("The two refer to different dates (%(first)s and %(second)s).") % {
            "first": finding.claims[0].period.end,
            "second": whole_claim.period.end,
        }
    return text


def _share(finding: Finding, indicators: Mapping[str, Indicator], lang: str) -> str:
    part, whole, share_claim = finding.claims
    return _(
        "%(part_name)s %(part)s of %(whole_name)s %(whole)s is %(working)s, against the stated "
        "share %(share)s."
    ) % {
        "part_name": indicators[part.indicator].name_zh,
        "part": _q(part, lang),
        "whole_name": indicators[whole.indicator].name_zh,
        "whole": _q(whole, lang),
        "working": derived_text(finding.derived[0], lang),
        "share": _q(share_claim, lang),
    } + _verdict(finding.consistent)


# -------------------------------------------------------------------------- implied


def implied_label(record: ImpliedValue, indicators: Mapping[str, Indicator], lang: str) -> str:
    """What an implied value is: "GDP in 2020 implied by 1.8 times" / "由1.8倍推算的…"."""
    if _en(lang):
        return record.derived.label
    with translation.override(lang):
        name = indicators[record.indicator].name_zh
        source = _q(record.claims[-1], lang)
        values = {
            "name": name,
            "claim": source,
            "start": record.start_year,
            "end": record.end_year,
        }
        method = record.method
        if method == "cagr_from_multiple":
            return (
                _("%(name)s: average annual growth %(start)s to %(end)s implied by %(claim)s")
                % values
            )
        if method == "multiple_from_rate":
            return (
                _("%(name)s: multiple of %(start)s in %(end)s implied by %(claim)s a year") % values
            )
        if method in ("implied_start_from_multiple", "implied_start_from_rate"):
            return _("%(name)s in %(start)s implied by %(claim)s") % values
        part = record.claims[0]
        return _("%(name)s implied by %(part)s and its share %(claim)s") % {
            **values,
            "part": _q(part, lang),
        }


# -------------------------------------------------------------------------- targets


def _pace_basis(pace: Pace, lang: str) -> str:
    if _en(lang):
        return pace.basis
    claims = pace.claims
    label = pace.derived.label if pace.derived is not None else ""
    if label == "pace between levels" and len(claims) == 2:
        return _("between %(first)s and %(last)s") % {
            "first": claims[0].period.end,
            "last": claims[1].period.end,
        }
    if label == "pace of the running total" and claims:
        return _("running total since %(start)s") % {"start": claims[0].period.start}
    span = period_text(claims[0].period, lang) if claims else ""
    if label == "pace from the multiple":
        return _("implied by the multiple, %(span)s") % {"span": span}
    if label == "pace from the rise":
        return _("stated increase spread over %(span)s") % {"span": span}
    return _("stated, %(span)s") % {"span": span}


def _pace_text(pace: Pace, lang: str) -> str:
    if _en(lang):
        return pace.describe()
    working = f" = {pace.derived.expression}" if pace.derived is not None else ""
    return _("%(pace)s a year (%(basis)s%(working)s)") % {
        "pace": quantity_text(pace.quantity, lang),
        "basis": _pace_basis(pace, lang),
        "working": working,
    }


def target_text(assessment: TargetAssessment, lang: str) -> str:
    """The target, what it needs from the latest value, and whether the current pace gets there."""
    if _en(lang):
        return assessment.explanation
    with translation.override(lang):
        target = assessment.target
        indicator = assessment.indicator
        head = (
            _("Illustrative target (not from any plan): ")
            if target.is_illustrative
            else _("Target from source '%(source)s': ") % {"source": target.source}
        )
        head += _("%(name)s %(value)s by %(year)s.") % {
            "name": indicator.name_zh,
            "value": quantity_text(target.quantity(), lang),
            "year": target.target_year,
        }
        latest = assessment.latest
        if latest is None:
            return head + _("There is no value yet to measure it from.")
        latest_text = f"{claim_text(latest, lang)}（{period_text(latest.period, lang)}）"
        if assessment.required is None:
            verdict = _("meets it") if assessment.reaches else _("does not meet it")
            return head + _("The latest value, %(latest)s, %(verdict)s.") % {
                "latest": latest_text,
                "verdict": verdict,
            }
        text = head + _("From %(latest)s it needs %(working)s a year for %(years)s years.") % {
            "latest": latest_text,
            "working": derived_text(assessment.required, lang, with_range=False),
            "years": years_text(assessment.years_left),
        }
        if assessment.pace is None or assessment.projected is None:
            return text + _(
                "The history holds a single figure, so there is no current pace to judge whether "
                "it will be reached."
            )
        text += _(
            "At the current pace, %(pace)s, it would be %(working)s by %(year)s: the target is "
            "%(verdict)s."
        ) % {
            "pace": _pace_text(assessment.pace, lang),
            "working": derived_text(assessment.projected, lang, with_range=False),
            "year": target.target_year,
            "verdict": pgettext("target verdict", "reached")
            if assessment.reaches
            else pgettext("target verdict", "not reached"),
        }
        for other, projection in assessment.other_paces:
            text += _("At %(pace)s it would be %(value)s.") % {
                "pace": _pace_text(other, lang),
                "value": quantity_text(projection.quantity, lang),
            }
        return text
