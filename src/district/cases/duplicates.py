"""Duplicate suggestions: which open cases a new report may repeat.

When a resident or a grid worker files a report, the open cases nearby in the same category
are shown so that they can join an existing case instead of opening a second one
(FixMyStreet suggests nearby reports in the same category the same way, within 50 m in
its PR #1677). A candidate is considered only if it lies within the category's radius
and time window of the new report; each candidate that passes is scored from three
parts, each in [0, 1]:

* distance: ``1 − distance_m / radius_m``, great-circle (haversine) distance on the mean
  Earth radius;
* time: ``1 − |hours apart| / window_hours``;
* text: cosine similarity of character-bigram counts of the two texts (see
  :func:`text_similarity`). It needs no word segmentation, so it works on Chinese and on
  mixed text alike.

``score = 0.4·distance + 0.2·time + 0.4·text`` by default. The weights, radius and window
are platform defaults (not from a standard) and can be set per category: a pothole is
the same pothole for weeks, a noise complaint is about one night.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import numpy.typing as npt

from district.core.errors import InputError

EARTH_RADIUS_M = 6_371_008.8  # IUGG mean Earth radius


@dataclass(frozen=True, slots=True)
class Report:
    """A new report: where, when, what category and what the reporter wrote."""

    lon: float
    lat: float
    reported_at: datetime
    category: str
    text: str


@dataclass(frozen=True, slots=True)
class CandidateCase:
    """An open case that the new report might repeat."""

    case_id: str
    lon: float
    lat: float
    reported_at: datetime
    category: str
    text: str


@dataclass(frozen=True, slots=True)
class MatchWindow:
    """How close in space and time two reports of one category must be to match."""

    radius_m: float = 50.0
    window_hours: float = 168.0

    def __post_init__(self) -> None:
        for name in ("radius_m", "window_hours"):
            value = getattr(self, name)
            if not 0 < value < math.inf:
                raise InputError(
                    f"{name} must be a positive number; got {value!r}.",
                    field=name,
                    value=value,
                    fix="Use e.g. 50 metres and 168 hours (one week).",
                )


@dataclass(frozen=True, slots=True)
class ScoreWeights:
    """Weights of the distance, time and text parts of the score; they must sum to 1."""

    distance: float = 0.4
    time: float = 0.2
    text: float = 0.4

    def __post_init__(self) -> None:
        parts = (self.distance, self.time, self.text)
        if min(parts) < 0 or not math.isclose(sum(parts), 1.0, abs_tol=1e-9):
            raise InputError(
                f"Score weights must be 0 or more and sum to 1; got {parts}.",
                field="weights",
                value=parts,
                fix="Use e.g. distance 0.4, time 0.2, text 0.4.",
            )


DEFAULT_WINDOW = MatchWindow()  # platform default: 50 m, one week
DEFAULT_WEIGHTS = ScoreWeights()


@dataclass(frozen=True, slots=True)
class DuplicateSuggestion:
    """One candidate case with its score, the measurements behind it and why it matched.

    ``hours_apart`` is positive when the candidate was reported before the new report.
    ``reasons`` are short English sentences for logs and staff; a page can build its own
    translated text from the numbers.
    """

    case_id: str
    score: float
    distance_m: float
    hours_apart: float
    text_similarity: float
    reasons: tuple[str, ...] = field(default_factory=tuple)


def suggest_duplicates(
    report: Report,
    candidates: Sequence[CandidateCase],
    *,
    windows: Mapping[str, MatchWindow] | None = None,
    default_window: MatchWindow = DEFAULT_WINDOW,
    weights: ScoreWeights = DEFAULT_WEIGHTS,
    min_score: float = 0.3,
    limit: int = 5,
) -> list[DuplicateSuggestion]:
    """Candidates in the report's category within its radius and window, best first.

    ``windows`` maps a category to its :class:`MatchWindow`; other categories use
    ``default_window``. Suggestions scoring below ``min_score`` are dropped, and at most
    ``limit`` are returned, ordered by descending score, then distance, then case id.
    """
    _check_point(report.lon, report.lat, "report")
    _check_moment(report.reported_at, "reported_at")
    if limit < 1:
        raise InputError(
            f"limit must be 1 or more; got {limit!r}.",
            field="limit",
            value=limit,
            fix="Use e.g. 5.",
        )
    same = [c for c in candidates if c.category == report.category]
    if not same:
        return []
    for case in same:
        _check_point(case.lon, case.lat, f"case {case.case_id}")
        _check_moment(case.reported_at, f"reported_at of case {case.case_id}")
    window = (windows or {}).get(report.category, default_window)
    lon = np.array([c.lon for c in same], dtype=np.float64)
    lat = np.array([c.lat for c in same], dtype=np.float64)
    distance_m = haversine_m(report.lon, report.lat, lon, lat)
    hours_apart = np.array(
        [(report.reported_at - c.reported_at).total_seconds() / 3600.0 for c in same],
        dtype=np.float64,
    )
    near = (distance_m <= window.radius_m) & (np.abs(hours_apart) <= window.window_hours)
    report_grams = character_ngrams(report.text)
    suggestions: list[DuplicateSuggestion] = []
    for i in np.flatnonzero(near):
        case = same[int(i)]
        case_grams = character_ngrams(case.text)
        similarity = _cosine(report_grams, case_grams)
        d_m = float(distance_m[i])
        dt_h = float(hours_apart[i])
        score = (
            weights.distance * (1.0 - d_m / window.radius_m)
            + weights.time * (1.0 - abs(dt_h) / window.window_hours)
            + weights.text * similarity
        )
        if score < min_score:
            continue
        reasons = (
            f"{d_m:.0f} m away (within {window.radius_m:g} m)",
            f"reported {abs(dt_h):.1f} h {'earlier' if dt_h >= 0 else 'later'} "
            f"(within {window.window_hours:g} h)",
            f"same category {report.category}",
            _text_reason(similarity, report_grams, case_grams),
        )
        suggestions.append(
            DuplicateSuggestion(
                case_id=case.case_id,
                score=round(score, 6),
                distance_m=d_m,
                hours_apart=dt_h,
                text_similarity=similarity,
                reasons=reasons,
            )
        )
    suggestions.sort(key=lambda s: (-s.score, s.distance_m, s.case_id))
    return suggestions[:limit]


def haversine_m(
    lon: float, lat: float, lons: npt.NDArray[np.float64], lats: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Great-circle distances in metres from one WGS-84 point to many."""
    phi1 = math.radians(lat)
    phi2 = np.radians(lats)
    dphi = phi2 - phi1
    dlmb = np.radians(lons) - math.radians(lon)
    h = np.sin(dphi / 2.0) ** 2 + math.cos(phi1) * np.cos(phi2) * np.sin(dlmb / 2.0) ** 2
    result: npt.NDArray[np.float64] = 2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(h, 1.0)))
    return result


def character_ngrams(text: str, n: int = 2) -> Counter[str]:
    """Counts of the character n-grams of ``text`` after normalisation.

    The text is NFKC-normalised (full-width letters and digits become ASCII) and
    lower-cased, and whitespace, punctuation and symbols are dropped, so "井盖  破损！" and
    "井盖破损" give the same grams. A text shorter than ``n`` characters gives its single
    characters.
    """
    chars = [
        ch
        for ch in unicodedata.normalize("NFKC", text).lower()
        if unicodedata.category(ch)[0] not in "PZSC"
    ]
    if len(chars) < n:
        return Counter(chars)
    joined = "".join(chars)
    return Counter(joined[i : i + n] for i in range(len(joined) - n + 1))


def text_similarity(a: str, b: str) -> float:
    """Cosine similarity in [0, 1] of the character-bigram counts of two texts."""
    return _cosine(character_ngrams(a), character_ngrams(b))


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    dot = sum(count * large[gram] for gram, count in small.items() if gram in large)
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return min(1.0, dot / norm)


def _text_reason(similarity: float, a: Counter[str], b: Counter[str]) -> str:
    if not a or not b:
        return "no text to compare"
    shared = sorted(set(a) & set(b), key=lambda g: (-min(a[g], b[g]), g))[:3]
    if not shared:
        return "texts share no wording"
    return f"text similarity {similarity:.2f} (shared: {', '.join(shared)})"


def _check_point(lon: float, lat: float, what: str) -> None:
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise InputError(
            f"The location of {what} ({lon!r}, {lat!r}) is not a WGS-84 longitude and latitude.",
            field="lon" if not -180.0 <= lon <= 180.0 else "lat",
            value=[lon, lat],
            fix="Pass longitude first, then latitude, in degrees (e.g. 121.42, 31.22).",
        )


def _check_moment(moment: datetime, field: str) -> None:
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise InputError(
            f"{field} {moment!r} is not a timezone-aware datetime.",
            field=field,
            value=repr(moment),
            fix="Pass aware datetimes, e.g. with tzinfo=ZoneInfo('Asia/Shanghai').",
        )
