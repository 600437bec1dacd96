"""KPIs, hotspots, targeted initiatives, duplicate suggestions, and the reads other apps use.

KPIs (per department and per subdistrict, over a period of dates in Asia/Shanghai):

* 按时办结率 on-time completion: of the cases closed in the period, the share whose
  handling was reported done by the handling deadline (extensions included);
* 满意率 satisfaction: of the ratings given in the period, the share "satisfied" or
  "basically satisfied";
* 重复诉求率 repeat complaints: of the reports received in the period, the share that
  repeated a problem already reported (merged into another case as a duplicate, or
  reopened after a dissatisfied rating);
* mean handling time: working hours from the first dispatch to the handling report, over
  the cases closed in the period.

Each figure is set on the case when it happens (``on_time``, ``handling_working_hours``,
``is_repeat``, ``rating``), so a KPI table is one SQL aggregate per grouping.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import pandas as pd
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from district.accounts.models import Department, User
from district.cases import duplicates as dup
from district.cases.hotspots import detect_hotspots
from district.cases.models import (
    OPEN_STATUSES,
    Campaign,
    Case,
    DueState,
    Rating,
    Status,
)
from district.cases.services import access
from district.cases.services.catalogue import catalogue
from district.core.errors import InputError
from district.core.worktime import SHANGHAI
from district.geo import services as geo

SATISFIED = (Rating.SATISFIED, Rating.BASIC)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass(frozen=True)
class KpiRow:
    """The KPIs of one department, subdistrict or the whole district over a period."""

    key: str
    name: str
    received: int = 0
    repeats: int = 0
    closed: int = 0
    closed_on_time: int = 0
    rated: int = 0
    satisfied: int = 0
    handling_hours_sum: float = 0.0
    handling_hours_n: int = 0
    overdue_now: int = 0
    synthetic: int = 0

    @property
    def on_time_rate(self) -> float | None:
        return _rate(self.closed_on_time, self.closed)

    @property
    def satisfaction_rate(self) -> float | None:
        return _rate(self.satisfied, self.rated)

    @property
    def repeat_rate(self) -> float | None:
        return _rate(self.repeats, self.received)

    @property
    def mean_handling_hours(self) -> float | None:
        if not self.handling_hours_n:
            return None
        return round(self.handling_hours_sum / self.handling_hours_n, 2)

    def as_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "name": self.name,
            "received": self.received,
            "closed": self.closed,
            "on_time_rate": self.on_time_rate,
            "satisfaction_rate": self.satisfaction_rate,
            "repeat_rate": self.repeat_rate,
            "mean_handling_working_hours": self.mean_handling_hours,
            "rated": self.rated,
            "repeats": self.repeats,
            "overdue_now": self.overdue_now,
        }


@dataclass(frozen=True)
class KpiReport:
    start: date
    end: date  # inclusive
    total: KpiRow
    by_department: list[KpiRow]
    by_subdistrict: list[KpiRow]

    def as_dict(self) -> dict[str, object]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "total": self.total.as_dict(),
            "by_department": [r.as_dict() for r in self.by_department],
            "by_subdistrict": [r.as_dict() for r in self.by_subdistrict],
        }


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """Aware datetimes for [start 00:00, end+1 00:00) in Asia/Shanghai."""
    if end < start:
        raise InputError(
            f"The period ends ({end}) before it starts ({start}).",
            field="end",
            value=end.isoformat(),
            fix="Give the first day, then the last day.",
        )
    return (
        datetime.combine(start, time(0), tzinfo=SHANGHAI),
        datetime.combine(end + timedelta(days=1), time(0), tzinfo=SHANGHAI),
    )


def kpi_queryset_filters(start: date, end: date) -> tuple[Q, Q, Q]:
    low, high = period_bounds(start, end)
    received = Q(received_at__gte=low, received_at__lt=high)
    closed = Q(status=Status.CLOSED, closed_at__gte=low, closed_at__lt=high)
    rated = Q(rated_at__gte=low, rated_at__lt=high) & ~Q(rating="")
    return received, closed, rated


def _aggregate(
    group: str, start: date, end: date, extra: Q | None = None
) -> list[dict[str, object]]:
    received, closed, rated = kpi_queryset_filters(start, end)
    queryset = Case.objects.filter(received | closed | rated)
    if extra is not None:
        queryset = queryset.filter(extra)
    return list(
        queryset.values(group)
        .annotate(
            received=Count("pk", filter=received),
            repeats=Count("pk", filter=received & Q(is_repeat=True)),
            synthetic=Count("pk", filter=received & Q(is_synthetic=True)),
            closed=Count("pk", filter=closed),
            closed_on_time=Count("pk", filter=closed & Q(on_time=True)),
            handling_hours_sum=Sum("handling_working_hours", filter=closed),
            handling_hours_n=Count("handling_working_hours", filter=closed),
            rated=Count("pk", filter=rated),
            satisfied=Count("pk", filter=rated & Q(rating__in=SATISFIED)),
        )
        .order_by(group)
    )


def _row(key: str, name: str, values: dict[str, object], overdue: int = 0) -> KpiRow:
    return KpiRow(
        key=key,
        name=name,
        received=int(values.get("received") or 0),  # type: ignore[call-overload]
        repeats=int(values.get("repeats") or 0),  # type: ignore[call-overload]
        closed=int(values.get("closed") or 0),  # type: ignore[call-overload]
        closed_on_time=int(values.get("closed_on_time") or 0),  # type: ignore[call-overload]
        rated=int(values.get("rated") or 0),  # type: ignore[call-overload]
        satisfied=int(values.get("satisfied") or 0),  # type: ignore[call-overload]
        handling_hours_sum=float(values.get("handling_hours_sum") or 0.0),  # type: ignore[arg-type]
        handling_hours_n=int(values.get("handling_hours_n") or 0),  # type: ignore[call-overload]
        synthetic=int(values.get("synthetic") or 0),  # type: ignore[call-overload]
        overdue_now=overdue,
    )


def _sum(rows: Iterable[KpiRow], key: str, name: str) -> KpiRow:
    rows = list(rows)
    return KpiRow(
        key=key,
        name=name,
        received=sum(r.received for r in rows),
        repeats=sum(r.repeats for r in rows),
        closed=sum(r.closed for r in rows),
        closed_on_time=sum(r.closed_on_time for r in rows),
        rated=sum(r.rated for r in rows),
        satisfied=sum(r.satisfied for r in rows),
        handling_hours_sum=sum(r.handling_hours_sum for r in rows),
        handling_hours_n=sum(r.handling_hours_n for r in rows),
        overdue_now=sum(r.overdue_now for r in rows),
        synthetic=sum(r.synthetic for r in rows),
    )


def kpi_report(*, start: date, end: date) -> KpiReport:
    """KPIs per department and per subdistrict, and for the whole district."""
    departments = {d.pk: d for d in Department.objects.all()}
    overdue = dict(
        Case.objects.filter(status__in=OPEN_STATUSES, due_state=DueState.OVERDUE)
        .values_list("department_id")
        .annotate(n=Count("pk"))
        .values_list("department_id", "n")
    )
    by_department = []
    for values in _aggregate("department_id", start, end):
        pk = values["department_id"]
        department = departments.get(pk) if isinstance(pk, int) else None
        by_department.append(
            _row(
                department.code if department else "",
                department.name if department else "",
                values,
                overdue.get(pk, 0) if isinstance(pk, int) else 0,
            )
        )
    names = {s.code: s.name for s in geo.list_subdistricts()}
    by_subdistrict = [
        _row(
            str(values["subdistrict_code"] or ""),
            names.get(str(values["subdistrict_code"] or ""), ""),
            values,
        )
        for values in _aggregate("subdistrict_code", start, end)
    ]
    total = _sum(by_department, "", "")
    by_department.sort(key=lambda r: (r.key == "", -r.received, r.key))
    by_subdistrict.sort(key=lambda r: (r.key == "", r.key))
    return KpiReport(
        start=start,
        end=end,
        total=total,
        by_department=by_department,
        by_subdistrict=by_subdistrict,
    )


def kpi_summary(
    *,
    start: date,
    end: date,
    department_code: str | None = None,
    subdistrict_code: str | None = None,
) -> KpiRow:
    """The district's KPIs over ``start``–``end`` (inclusive dates, Asia/Shanghai), for the
    ``indicators`` app: ``.on_time_rate``, ``.satisfaction_rate``, ``.repeat_rate``,
    ``.mean_handling_hours`` (None where nothing was closed or rated), with the counts."""
    extra = Q()
    if department_code:
        extra &= Q(department__code=department_code)
    if subdistrict_code:
        extra &= Q(subdistrict_code=subdistrict_code)
    rows = [_row("", "", values) for values in _aggregate("status", start, end, extra)]
    return _sum(rows, department_code or subdistrict_code or "", "")


# --- hotspots -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hotspot:
    cell_code: str
    category_code: str
    category_name: str
    category_name_en: str
    week_start: date
    observed: int
    expected: float
    p_value: float
    score: float
    flag: bool
    history: tuple[int, ...] = ()  # counts of the trailing weeks, oldest first, then this week


@dataclass(frozen=True)
class HotspotReport:
    week_start: date | None
    history_weeks: int
    min_count: int
    alpha: float
    rows: list[Hotspot] = field(default_factory=list)

    @property
    def flagged(self) -> list[Hotspot]:
        return [r for r in self.rows if r.flag]


def this_week(today: date | None = None) -> date:
    today = today or timezone.localdate()
    return today - timedelta(days=today.weekday())


def weekly_counts_frame(*, first: date, last: date) -> pd.DataFrame:
    """Reports per cell × category × week between two Mondays (rejected ones excluded)."""
    rows = list(
        Case.objects.filter(received_week__gte=first, received_week__lte=last)
        .exclude(cell_code="")
        .exclude(status=Status.REJECTED)
        .values_list("cell_code", "category_id", "received_week")
        .annotate(n=Count("pk"))
        .order_by()
    )
    codes = {pk: info.code for pk, info in catalogue().by_pk.items()}
    return pd.DataFrame(
        {
            "cell_code": [r[0] for r in rows],
            "category": [codes.get(r[1], str(r[1])) for r in rows],
            "week_start": [r[2] for r in rows],
            "count": [int(r[3]) for r in rows],
        },
        columns=["cell_code", "category", "week_start", "count"],
    )


def hotspots(
    *,
    week: date | None = None,
    history_weeks: int = 8,
    min_count: int = 3,
    alpha: float = 0.01,
    flagged_only: bool = False,
    limit: int = 200,
) -> HotspotReport:
    """Hotspots of a week (default: this week): every cell × category with reports in it or
    its trailing weeks, scored against its own history (``district.cases.hotspots``).

    Participation calls this to open a consultation for the residents of a flagged cell.
    """
    week = week or this_week()
    if week.weekday() != 0:
        week = week - timedelta(days=week.weekday())
    first = week - timedelta(weeks=history_weeks)
    counts = weekly_counts_frame(first=first, last=week)
    table = detect_hotspots(
        counts, week=week, history_weeks=history_weeks, min_count=min_count, alpha=alpha
    )
    if flagged_only:
        table = table[table["flag"]]
    table = table.head(limit)
    series: dict[tuple[str, str], dict[date, int]] = {}
    wanted = set(zip(table["cell_code"], table["category"], strict=True))
    for cell, category, week_start, count in counts.itertuples(index=False):
        if (cell, category) in wanted:
            series.setdefault((cell, category), {})[week_start] = int(count)
    weeks = [first + timedelta(weeks=i) for i in range(history_weeks + 1)]
    infos = catalogue().by_code
    rows = []
    for record in table.itertuples(index=False):
        info = infos.get(record.category)
        history = series.get((record.cell_code, record.category), {})
        rows.append(
            Hotspot(
                cell_code=record.cell_code,
                category_code=record.category,
                category_name=info.name if info else record.category,
                category_name_en=info.name_en if info else record.category,
                week_start=record.week_start,
                observed=int(record.observed),
                expected=float(record.expected),
                p_value=float(record.p_value),
                score=float(record.score) if math.isfinite(record.score) else 99.0,
                flag=bool(record.flag),
                history=tuple(history.get(w, 0) for w in weeks),
            )
        )
    return HotspotReport(
        week_start=week, history_weeks=history_weeks, min_count=min_count, alpha=alpha, rows=rows
    )


def hotspot_cases(*, cell_code: str, category_code: str, week_start: date) -> list[str]:
    """The numbers of the cases behind one hotspot (for linking a consultation to them)."""
    return list(
        Case.objects.filter(
            cell_code=cell_code, category__code=category_code, received_week=week_start
        )
        .exclude(status=Status.REJECTED)
        .order_by("received_at")
        .values_list("number", flat=True)
    )


# --- targeted initiatives ----------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignResult:
    campaign: Campaign
    weeks_before: int
    weeks_after: int
    before: int
    after: int
    weekly: list[tuple[date, int]]  # every week from the first compared to the last

    @property
    def before_per_week(self) -> float:
        return round(self.before / self.weeks_before, 2) if self.weeks_before else 0.0

    @property
    def after_per_week(self) -> float | None:
        return round(self.after / self.weeks_after, 2) if self.weeks_after else None

    @property
    def change(self) -> float | None:
        after = self.after_per_week
        if after is None or not self.before_per_week:
            return None
        return round(after / self.before_per_week - 1.0, 4)


def _campaign_filter(campaign: Campaign) -> Q:
    categories = list(campaign.categories.all())
    ids = {c.pk for c in categories}
    ids |= set(
        catalogue_child.pk
        for catalogue_child in catalogue().by_code.values()
        if catalogue_child.parent_code in {c.code for c in categories}
    )
    where = Q(category_id__in=ids) & ~Q(status=Status.REJECTED)
    if campaign.cell_codes:
        where &= Q(cell_code__in=campaign.cell_codes)
    if campaign.subdistrict_codes:
        where &= Q(subdistrict_code__in=campaign.subdistrict_codes)
    return where


def campaign_result(campaign: Campaign, *, today: date | None = None) -> CampaignResult:
    """Reports matching a campaign in the weeks before it started and the weeks since."""
    today = today or timezone.localdate()
    start_week = this_week(campaign.starts_on)
    first = start_week - timedelta(weeks=campaign.compare_weeks)
    end = campaign.ends_on or today
    last_possible = start_week + timedelta(weeks=campaign.compare_weeks - 1)
    last = min(this_week(min(end, today)), last_possible)
    counts = dict(
        Case.objects.filter(_campaign_filter(campaign))
        .filter(received_week__gte=first, received_week__lte=max(last, first))
        .values_list("received_week")
        .annotate(n=Count("pk"))
        .values_list("received_week", "n")
    )
    weeks_after = max(0, (last - start_week).days // 7 + 1) if last >= start_week else 0
    weekly = []
    week = first
    while week <= max(last, start_week - timedelta(weeks=1)):
        weekly.append((week, int(counts.get(week, 0))))
        week += timedelta(weeks=1)
    before = sum(n for w, n in weekly if w < start_week)
    after = sum(n for w, n in weekly if w >= start_week)
    return CampaignResult(
        campaign=campaign,
        weeks_before=campaign.compare_weeks,
        weeks_after=weeks_after,
        before=before,
        after=after,
        weekly=weekly,
    )


@transaction.atomic
def create_campaign(
    *,
    name: str,
    category_codes: list[str],
    starts_on: date,
    by: User | None,
    description: str = "",
    subdistrict_codes: list[str] | None = None,
    cell_codes: list[str] | None = None,
    ends_on: date | None = None,
    compare_weeks: int = 8,
    is_demo: bool = False,
) -> Campaign:
    """A targeted initiative (专项行动) over some categories and an area (idempotent by name and
    start date)."""
    from district.accounts.auth import user_has_role

    if by is not None and not (
        by.has_perm("cases.edit_routing") or user_has_role(by, "administrator")
    ):
        from district.core.errors import PermissionDeniedError

        raise PermissionDeniedError("You may not create targeted initiatives.")
    name = (name or "").strip()
    if not name:
        raise InputError("The initiative needs a name.", field="name")
    cat = catalogue().by_code
    unknown = [c for c in category_codes if c not in cat]
    if unknown or not category_codes:
        raise InputError(
            f"Unknown or missing categories: {', '.join(unknown) or 'none given'}.",
            field="categories",
            fix="Pick one or more categories of the catalogue.",
        )
    cells = [c.strip() for c in (cell_codes or []) if c.strip()]
    for cell in cells:
        geo.get_cell(cell)
    subs = [s.strip() for s in (subdistrict_codes or []) if s.strip()]
    known = {s.code for s in geo.list_subdistricts()}
    bad = [s for s in subs if s not in known]
    if bad:
        raise InputError(f"Unknown subdistrict {bad[0]!r}.", field="subdistricts", value=bad[0])
    if ends_on is not None and ends_on < starts_on:
        raise InputError("The initiative ends before it starts.", field="ends_on")
    if not 1 <= int(compare_weeks) <= 52:
        raise InputError("Compare between 1 and 52 weeks.", field="compare_weeks")
    from district.cases.models import Category

    campaign, _created = Campaign.objects.update_or_create(
        name=name[:100],
        starts_on=starts_on,
        defaults={
            "description": description,
            "subdistrict_codes": subs,
            "cell_codes": cells,
            "ends_on": ends_on,
            "compare_weeks": int(compare_weeks),
            "created_by": by,
            "is_demo": is_demo,
        },
    )
    campaign.categories.set(Category.objects.filter(code__in=category_codes))
    return campaign


# --- duplicates ----------------------------------------------------------------------------------


# A new report is compared with the open cases of its category in the category's time window:
# all of those within the radius (at most NEAR_CANDIDATES), and the TEXT_CANDIDATES most
# recently received at any distance, for very similar text. Texts are compared on the
# subject and the first TEXT_CHARS characters of the description, so a 4,000-character
# letter costs no more than a short one.
NEAR_CANDIDATES = 200
TEXT_CANDIDATES = 300
TEXT_CHARS = 600


@dataclass(frozen=True)
class DuplicateMatch:
    """An open case a report may repeat, and why: ``basis`` is ``near``, ``near_and_similar``
    or ``similar_text`` (see ``district.cases.duplicates``); ``distance_m`` is ``None`` when
    either has no point."""

    number: str
    title: str
    status: str
    received_at: datetime
    score: float
    distance_m: float | None
    hours_apart: float
    text_similarity: float
    basis: str = dup.NEAR
    reasons: tuple[str, ...] = ()

    @property
    def near(self) -> bool:
        return self.basis in (dup.NEAR, dup.NEAR_AND_SIMILAR)

    @property
    def similar_text(self) -> bool:
        return self.basis in (dup.NEAR_AND_SIMILAR, dup.SIMILAR_TEXT)


def suggest_duplicates_for(
    *,
    category_code: str,
    lon: float | None,
    lat: float | None,
    text: str,
    at: datetime | None = None,
    exclude_number: str = "",
    limit: int = 5,
) -> list[DuplicateMatch]:
    """Open cases of the same category within its time window that the report may repeat:
    those within the category's radius, and those whose text is very similar (similarity
    of at least ``duplicates.TEXT_THRESHOLD``) at any distance or with no point at all
    (scored by ``district.cases.duplicates``).

    Only the report's own category is searched, not every category: the time window is
    the category's, and over all categories the most recent few hundred open cases would
    cover only a few hours of the district's reports. A report filed under a wrong
    category is found once staff recategorise it."""
    info = catalogue().by_code.get(category_code)
    if info is None:
        return []
    if lon is None or lat is None:
        lon = lat = None
    at = at or timezone.now()
    text = text.strip()[: TEXT_CHARS + 100]  # a subject and the head of a description
    window = dup.MatchWindow(
        radius_m=info.duplicate_radius_m, window_hours=info.duplicate_window_hours
    )
    hours = timedelta(hours=window.window_hours)
    open_in_window = (
        Case.objects.filter(
            category_id=info.pk,
            status__in=OPEN_STATUSES,
            received_at__gte=at - hours,
            received_at__lte=at + hours,
        )
        .exclude(number=exclude_number)
        .annotate(head=Substr("description", 1, TEXT_CHARS))
    )
    columns = ("number", "title", "head", "status", "received_at", "lon", "lat")
    rows: dict[str, tuple[Any, ...]] = {}
    if lon is not None and lat is not None:
        dlat = window.radius_m / 111_000.0
        dlon = dlat / max(math.cos(math.radians(lat)), 0.1)
        near = open_in_window.filter(
            lon__gte=lon - dlon, lon__lte=lon + dlon, lat__gte=lat - dlat, lat__lte=lat + dlat
        )
        rows.update((r[0], r) for r in near.values_list(*columns)[:NEAR_CANDIDATES])
    if len(dup.character_ngrams(text)) >= dup.MIN_TEXT_GRAMS:
        recent = open_in_window.order_by("-received_at", "-id").values_list(*columns)
        rows.update((r[0], r) for r in recent[:TEXT_CANDIDATES])
    if not rows:
        return []
    suggestions = dup.suggest_duplicates(
        dup.Report(lon=lon, lat=lat, reported_at=at, category=info.code, text=text),
        [
            dup.CandidateCase(
                case_id=r[0],
                lon=r[5],
                lat=r[6],
                reported_at=r[4],
                category=info.code,
                text=_comparable_text(r[1], r[2]),
            )
            for r in rows.values()
        ],
        default_window=window,
        limit=limit,
    )
    return [
        DuplicateMatch(
            number=s.case_id,
            title=rows[s.case_id][1],
            status=rows[s.case_id][3],
            received_at=rows[s.case_id][4],
            score=s.score,
            distance_m=s.distance_m,
            hours_apart=s.hours_apart,
            text_similarity=s.text_similarity,
            basis=s.basis,
            reasons=s.reasons,
        )
        for s in suggestions
    ]


def _comparable_text(title: str, description: str) -> str:
    """The part of a report's text that duplicates are compared on."""
    return f"{title} {description[:TEXT_CHARS]}".strip()  # title: at most 100 characters


# --- the read other apps use: complaints about a merchant ----------------------------------------


@dataclass(frozen=True)
class MerchantComplaint:
    number: str
    received_at: datetime
    category_code: str
    category_name: str
    status: str
    subject_name: str


@dataclass(frozen=True)
class MerchantComplaints:
    """Complaints about one merchant in a period (no reporter's personal data)."""

    name: str
    licence: str
    start: date
    end: date
    complaints: tuple[MerchantComplaint, ...]

    @property
    def count(self) -> int:
        return len(self.complaints)

    @property
    def open_count(self) -> int:
        return sum(1 for c in self.complaints if c.status in OPEN_STATUSES)


def complaints_about_merchant(
    *, start: date, end: date, name: str = "", licence: str = ""
) -> MerchantComplaints:
    """Cases naming a merchant (by its unified social credit code, or by name) received in
    ``start``–``end``: the risk signal the custody app reads. Merged duplicates and refused
    reports are not counted."""
    licence = "".join((licence or "").split()).upper()
    name = (name or "").strip()
    if not licence and len(name) < 2:
        raise InputError(
            "Give the merchant's licence number or at least two characters of its name.",
            field="licence",
            fix="e.g. licence=91310105MA1FL1234X or name=某某健身.",
        )
    low, high = period_bounds(start, end)
    where = Q()
    if licence:
        where |= Q(subject_licence=licence)
    if name:
        where |= Q(subject_name__icontains=name)
    rows = (
        Case.objects.filter(where, received_at__gte=low, received_at__lt=high)
        .exclude(status__in=[Status.MERGED, Status.REJECTED])
        .select_related("category")
        .order_by("received_at")
    )
    return MerchantComplaints(
        name=name,
        licence=licence,
        start=start,
        end=end,
        complaints=tuple(
            MerchantComplaint(
                number=c.number,
                received_at=c.received_at,
                category_code=c.category.code,
                category_name=c.category.name,
                status=c.status,
                subject_name=c.subject_name,
            )
            for c in rows
        ),
    )


# --- hotspot → consultation ----------------------------------------------------------------------


@transaction.atomic
def open_hotspot_consultation(
    *, cell_code: str, category_code: str, week_start: date, by: User
) -> int:
    """Ask the residents of a hotspot's grid cell what to do about it (Ning Lai Shuo).

    Opens a consultation in ``participation`` scoped to the cell, once per hotspot (cell ×
    category × week; asking again returns the same one), and returns its id. Needs the
    permission to run targeted initiatives (``cases.edit_routing``).
    """
    access.require(by, "edit_routing", "open a consultation about a hotspot")
    info = catalogue().by_code.get(category_code)
    if info is None:
        raise InputError(
            f"There is no category with code {category_code!r}.",
            field="category_code",
            value=category_code,
        )
    geo.get_cell(cell_code)  # a clear error for an unknown cell
    numbers = hotspot_cases(cell_code=cell_code, category_code=category_code, week_start=week_start)
    if not numbers:
        raise InputError(
            f"No case of {info.name} in cell {cell_code} in the week of {week_start}.",
            field="week",
            fix="Open the consultation from a row of the hotspot table.",
        )
    # participation calls cases' services at module level; import it here, at the moment
    # a consultation is opened, so the two apps have no import cycle.
    from district.participation import services as participation

    consultation = participation.open_consultation_for_hotspot(
        cell_code=cell_code,
        category=info.name,
        title=f"网格 {cell_code[-5:]}：{info.name}问题怎么解决？",
        question=f"本网格{week_start:%Y-%m-%d}这一周的{info.name}诉求明显多于以往"
        f"（{len(numbers)} 件）。您认为应该怎么解决？",
        description="由多网融合治理的热点发现：" + "、".join(numbers[:10]),
        source_ref=f"{cell_code}:{category_code}:{week_start.isoformat()}",
        opened_by=by,
    )
    return int(consultation.pk)
