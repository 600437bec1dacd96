"""Duplicate suggestions: which open cases a new report may repeat.

When a resident or a grid worker files a report, open cases of the same category that it
may repeat are shown so that they can join an existing case instead of opening a second one
(FixMyStreet suggests nearby reports in the same category the same way, within 50 m in
its PR #1677). Only candidates within the category's time window of the new report are
looked at, and a candidate is suggested on one of two grounds (its ``basis``):

* **near** (``near``, or ``near_and_similar`` when the text is very similar as well): it
  lies within the category's radius;
* **very similar text** (``similar_text``): its text similarity is at least
  ``text_threshold`` (:data:`TEXT_THRESHOLD`, 0.6), wherever it lies, and also when the
  report or the candidate has no point (an address only). Both texts need at least
  :data:`MIN_TEXT_GRAMS` distinct bigrams (five characters): "垃圾" alone proves nothing.

Each suggestion is scored from three parts, each in [0, 1]:

* distance: ``1 − distance_m / radius_m`` within the radius, 0 beyond it or when a point is
  missing; great-circle (haversine) distance on the mean Earth radius;
* time: ``1 − |hours apart| / window_hours``;
* text: cosine similarity of character-bigram counts of the two texts (see
  :func:`text_similarity`). It needs no word segmentation, so it works on Chinese and on
  mixed text alike.

``score = 0.4·distance + 0.2·time + 0.4·text`` by default. A near candidate must score at
least ``min_score``; a very similar one is suggested whatever its score (at most 0.6, so
it ranks below a near candidate with the same wording). The weights, radius and window
are platform defaults (not from a standard) and can be set per category: a pothole is
the same pothole for weeks, a noise complaint is about one night.

The threshold 0.6 comes from the vendored citizen messages (``data/citizen_messages``),
compared as subject plus the first 600 characters of the detail: of the 67,866 pairs of
messages in the labelled and the replied sets, two reach 0.6, and both are one message
sent twice (1.0, and 0.996 for the same letter addressed to two officials); every other
pair stays below 0.39. In the hot-issue set, the one pair above 0.5 is again a message
sent twice (0.993). On subjects alone (short texts, like most reports here), the pairs at
0.6 or more are about the same problem ("K市域轨道交通规划建议" / "关于K市域轨道交通规划的
建议", 0.79). A report of the same problem in other words typically scores 0.3–0.5, as
unrelated ones can; it is found only when it is near.
"""

from __future__ import annotations

import functools
import math
import operator
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
    """A new report: where (``None`` when it has only an address), when, what category and
    what the reporter wrote."""

    lon: float | None
    lat: float | None
    reported_at: datetime
    category: str
    text: str


@dataclass(frozen=True, slots=True)
class CandidateCase:
    """An open case that the new report might repeat (``lon``/``lat`` ``None``: no point)."""

    case_id: str
    lon: float | None
    lat: float | None
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
TEXT_THRESHOLD = 0.6  # "very similar" text: see the module docstring for where it comes from
MIN_TEXT_GRAMS = 4  # distinct bigrams a text needs before its similarity counts on its own

# Why a candidate is suggested (its ``basis``).
NEAR = "near"
NEAR_AND_SIMILAR = "near_and_similar"
SIMILAR_TEXT = "similar_text"


@dataclass(frozen=True, slots=True)
class DuplicateSuggestion:
    """One candidate case with its score, the measurements behind it and why it matched.

    ``distance_m`` is ``None`` when the report or the candidate has no point.
    ``hours_apart`` is positive when the candidate was reported before the new report.
    ``basis`` is :data:`NEAR`, :data:`NEAR_AND_SIMILAR` or :data:`SIMILAR_TEXT`.
    ``reasons`` are short English sentences for logs and staff; a page can build its own
    translated text from the numbers.
    """

    case_id: str
    score: float
    distance_m: float | None
    hours_apart: float
    text_similarity: float
    basis: str = NEAR
    reasons: tuple[str, ...] = field(default_factory=tuple)


def suggest_duplicates(
    report: Report,
    candidates: Sequence[CandidateCase],
    *,
    windows: Mapping[str, MatchWindow] | None = None,
    default_window: MatchWindow = DEFAULT_WINDOW,
    weights: ScoreWeights = DEFAULT_WEIGHTS,
    min_score: float = 0.3,
    text_threshold: float = TEXT_THRESHOLD,
    limit: int = 5,
) -> list[DuplicateSuggestion]:
    """Candidates in the report's category and time window that are near it or whose text is
    very similar, best first.

    ``windows`` maps a category to its :class:`MatchWindow`; other categories use
    ``default_window``. A near candidate scoring below ``min_score`` is dropped; one whose
    text similarity reaches ``text_threshold`` is kept at any distance. At most ``limit``
    are returned, ordered by descending score, then distance (unknown last), then case id.
    """
    _check_optional_point(report.lon, report.lat, "report")
    _check_moment(report.reported_at, "reported_at")
    if limit < 1:
        raise InputError(
            f"limit must be 1 or more; got {limit!r}.",
            field="limit",
            value=limit,
            fix="Use e.g. 5.",
        )
    if not 0 < text_threshold <= 1:
        raise InputError(
            f"text_threshold must be in (0, 1]; got {text_threshold!r}.",
            field="text_threshold",
            value=text_threshold,
            fix=f"Use e.g. {TEXT_THRESHOLD}.",
        )
    same = [c for c in candidates if c.category == report.category]
    if not same:
        return []
    located = np.zeros(len(same), dtype=bool)
    for i, case in enumerate(same):
        located[i] = _check_optional_point(case.lon, case.lat, f"case {case.case_id}")
        _check_moment(case.reported_at, f"reported_at of case {case.case_id}")
    window = (windows or {}).get(report.category, default_window)
    distance_m = np.full(len(same), np.nan, dtype=np.float64)
    if report.lon is not None and report.lat is not None and located.any():
        lon = np.array([c.lon for c in same], dtype=np.float64)  # None becomes nan
        lat = np.array([c.lat for c in same], dtype=np.float64)
        distance_m[located] = haversine_m(report.lon, report.lat, lon[located], lat[located])
    hours_apart = np.array(
        [(report.reported_at - c.reported_at).total_seconds() / 3600.0 for c in same],
        dtype=np.float64,
    )
    in_window = np.abs(hours_apart) <= window.window_hours
    near = in_window & (distance_m <= window.radius_m)  # nan (no point) is never near
    report_grams, report_norm = _grams_and_norm(report.text)
    report_has_text = len(report_grams) >= MIN_TEXT_GRAMS
    scored: list[tuple[float, float | None, float, float, str, CandidateCase]] = []
    for i in np.flatnonzero(in_window).tolist():
        case = same[i]
        case_grams, case_norm = _grams_and_norm(case.text)
        similarity = _cosine(report_grams, case_grams, report_norm * case_norm)
        similar = (
            report_has_text and len(case_grams) >= MIN_TEXT_GRAMS and similarity >= text_threshold
        )
        is_near = bool(near[i])
        if not (is_near or similar):
            continue
        d_m = None if math.isnan(distance_m[i]) else float(distance_m[i])
        dt_h = float(hours_apart[i])
        closeness = 1.0 - d_m / window.radius_m if is_near and d_m is not None else 0.0
        score = (
            weights.distance * closeness
            + weights.time * (1.0 - abs(dt_h) / window.window_hours)
            + weights.text * similarity
        )
        if not similar and score < min_score:
            continue
        basis = (NEAR_AND_SIMILAR if similar else NEAR) if is_near else SIMILAR_TEXT
        scored.append((round(score, 6), d_m, dt_h, similarity, basis, case))
    scored.sort(key=lambda s: (-s[0], math.inf if s[1] is None else s[1], s[5].case_id))
    suggestions = []
    for score, d_m, dt_h, similarity, basis, case in scored[:limit]:  # reasons for these only
        if basis != SIMILAR_TEXT:
            where = f"{d_m:.0f} m away (within {window.radius_m:g} m)"
        elif d_m is not None:
            where = f"{d_m:.0f} m away (beyond {window.radius_m:g} m)"
        else:
            where = "distance unknown (no point to compare)"
        reasons = (
            where,
            f"reported {abs(dt_h):.1f} h {'earlier' if dt_h >= 0 else 'later'} "
            f"(within {window.window_hours:g} h)",
            f"same category {report.category}",
            _text_reason(
                similarity, report_grams, _grams_and_norm(case.text)[0], threshold=text_threshold
            ),
        )
        suggestions.append(
            DuplicateSuggestion(
                case_id=case.case_id,
                score=score,
                distance_m=d_m,
                hours_apart=dt_h,
                text_similarity=similarity,
                basis=basis,
                reasons=reasons,
            )
        )
    return suggestions


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
    joined = "".join(filter(_is_kept, unicodedata.normalize("NFKC", text).lower()))
    if len(joined) < n:
        return Counter(joined)
    if n == 2:
        return Counter(map(operator.add, joined, joined[1:]))
    return Counter(joined[i : i + n] for i in range(len(joined) - n + 1))


@functools.lru_cache(maxsize=4096)
def _is_kept(ch: str) -> bool:
    return unicodedata.category(ch)[0] not in "PZSC"


def text_similarity(a: str, b: str) -> float:
    """Cosine similarity in [0, 1] of the character-bigram counts of two texts."""
    (grams_a, norm_a), (grams_b, norm_b) = _grams_and_norm(a), _grams_and_norm(b)
    return _cosine(grams_a, grams_b, norm_a * norm_b)


@functools.lru_cache(maxsize=8192)
def _grams_and_norm(text: str) -> tuple[Counter[str], float]:
    """The bigrams of a text and their Euclidean norm, cached: the open cases compared at
    intake are mostly the same from one report to the next. Callers must not change the
    returned counts."""
    grams = character_ngrams(text)
    return grams, math.sqrt(sum(v * v for v in grams.values()))


def _cosine(a: Counter[str], b: Counter[str], norms: float) -> float:
    if not a or not b:
        return 0.0
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    dot = sum(count * large[gram] for gram, count in small.items() if gram in large)
    return min(1.0, dot / norms)


def _text_reason(
    similarity: float, a: Counter[str], b: Counter[str], *, threshold: float = TEXT_THRESHOLD
) -> str:
    if not a or not b:
        return "no text to compare"
    shared = sorted(set(a) & set(b), key=lambda g: (-min(a[g], b[g]), g))[:3]
    if not shared:
        return "texts share no wording"
    very = (
        f"very similar text {similarity:.2f} (at least {threshold:g})"
        if similarity >= threshold and min(len(a), len(b)) >= MIN_TEXT_GRAMS
        else f"text similarity {similarity:.2f}"
    )
    return f"{very} (shared: {', '.join(shared)})"


def _check_point(lon: float, lat: float, what: str) -> None:
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise InputError(
            f"The location of {what} ({lon!r}, {lat!r}) is not a WGS-84 longitude and latitude.",
            field="lon" if not -180.0 <= lon <= 180.0 else "lat",
            value=[lon, lat],
            fix="Pass longitude first, then latitude, in degrees (e.g. 121.42, 31.22).",
        )


def _check_optional_point(lon: float | None, lat: float | None, what: str) -> bool:
    """Whether there is a point; a half-given one (one coordinate only) is refused."""
    if lon is None and lat is None:
        return False
    if lon is None or lat is None:
        raise InputError(
            f"The location of {what} has only one coordinate ({lon!r}, {lat!r}).",
            field="lon" if lon is None else "lat",
            value=[lon, lat],
            fix="Give both longitude and latitude, or neither for an address-only report.",
        )
    _check_point(lon, lat, what)
    return True


def _check_moment(moment: datetime, field: str) -> None:
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise InputError(
            f"{field} {moment!r} is not a timezone-aware datetime.",
            field=field,
            value=repr(moment),
            fix="Pass aware datetimes, e.g. with tzinfo=ZoneInfo('Asia/Shanghai').",
        )
