"""The 1+10 matrix of channels, their staff, and the figures each channel answers for.

One district platform (区级平台), one channel per subdistrict or town (街镇), and the
grassroots legislative liaison points (基层立法联系点). Each channel's dashboard counts its
suggestions: received, answered, answered on time (by the working-day deadline), adopted.
:func:`suggestion_summary` gives the same figures for any period and is what ``indicators``
reads ("suggestions answered on time").
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from district.core.errors import InputError, NotFoundError
from district.participation.models import Channel, ChannelStaff, Suggestion


@transaction.atomic
def ensure_channel(
    *,
    code: str,
    kind: str,
    name: str,
    name_en: str,
    subdistrict_code: str = "",
    description: str = "",
    description_en: str = "",
    national_model: bool = False,
    reply_working_days: int = 15,
    sort_order: int = 0,
) -> Channel:
    """Create or update a channel (idempotent)."""
    if kind not in Channel.Kind.values:
        raise InputError(
            f"Channel kind {kind!r} is not one of {', '.join(Channel.Kind.values)}.",
            field="kind",
            value=kind,
        )
    if not 1 <= reply_working_days <= 60:
        raise InputError(
            f"A reply deadline of {reply_working_days} working days is out of range.",
            field="reply_working_days",
            value=reply_working_days,
            fix="Give 1 to 60 working days.",
        )
    channel, _created = Channel.objects.update_or_create(
        code=code,
        defaults={
            "kind": kind,
            "name": name,
            "name_en": name_en,
            "subdistrict_code": subdistrict_code,
            "description": description,
            "description_en": description_en,
            "national_model": national_model,
            "reply_working_days": reply_working_days,
            "sort_order": sort_order,
        },
    )
    return channel


@transaction.atomic
def add_channel_staff(*, channel: str, user: Any) -> ChannelStaff:
    """Make ``user`` a member of the channel's staff (idempotent)."""
    target = get_channel(channel)
    membership, _created = ChannelStaff.objects.get_or_create(channel=target, user=user)
    return membership


def get_channel(code: str) -> Channel:
    channel = Channel.objects.filter(code=code).first()
    if channel is None:
        raise NotFoundError(f"No channel has code {code!r}.", field="channel", value=code)
    return channel


@dataclass(frozen=True)
class SuggestionSummary:
    """Suggestion figures for a period (by date of receipt) and optionally one channel.

    ``on_time_rate`` is the share of suggestions whose outcome on time is known that were
    answered by their deadline: answered on time ÷ (answered + still open past the
    deadline). Suggestions still open and not yet due are left out; None when nothing is
    known yet.
    """

    start: date | None
    end: date | None
    channel: str | None
    received: int
    answered: int
    answered_on_time: int
    open_overdue: int
    open_not_due: int
    adopted: int
    partly_adopted: int
    not_adopted: int
    referred: int
    on_time_rate: float | None
    computed_at: datetime

    @property
    def on_time_percent(self) -> int | None:
        return None if self.on_time_rate is None else round(100 * self.on_time_rate)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("start", "end", "computed_at"):
            value = data[key]
            data[key] = value.isoformat() if value is not None else None
        return data


def _counts(queryset: QuerySet[Suggestion], now: datetime) -> dict[str, int]:
    answered = Q(status=Suggestion.Status.ANSWERED)
    return queryset.aggregate(
        received=Count("pk"),
        answered=Count("pk", filter=answered),
        answered_on_time=Count("pk", filter=answered & Q(answered_at__lte=F("due_at"))),
        open_overdue=Count("pk", filter=~answered & Q(due_at__lt=now)),
        open_not_due=Count("pk", filter=~answered & (Q(due_at__gte=now) | Q(due_at__isnull=True))),
        adopted=Count("pk", filter=Q(outcome=Suggestion.Outcome.ADOPTED)),
        partly_adopted=Count("pk", filter=Q(outcome=Suggestion.Outcome.PARTLY_ADOPTED)),
        not_adopted=Count("pk", filter=Q(outcome=Suggestion.Outcome.NOT_ADOPTED)),
        referred=Count("pk", filter=Q(outcome=Suggestion.Outcome.REFERRED)),
    )


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(0)))


def suggestion_summary(
    *,
    start: date | None = None,
    end: date | None = None,
    channel: str | None = None,
    include_demo: bool = True,
) -> SuggestionSummary:
    """Suggestion figures for suggestions received from ``start`` up to, not including, ``end``.

    This is the read ``indicators`` uses for "suggestions answered on time"
    (``on_time_rate``). Dates are local (Asia/Shanghai) days.
    """
    if start is not None and end is not None and end <= start:
        raise InputError(
            f"The period ends ({end}) before it starts ({start}).",
            field="end",
            value=str(end),
            fix="Give an end date after the start date.",
        )
    queryset = Suggestion.objects.all()
    if start is not None:
        queryset = queryset.filter(submitted_at__gte=_local_midnight(start))
    if end is not None:
        queryset = queryset.filter(submitted_at__lt=_local_midnight(end))
    if channel is not None:
        queryset = queryset.filter(channel=get_channel(channel))
    if not include_demo:
        queryset = queryset.filter(is_demo=False)
    now = timezone.now()
    counts = _counts(queryset, now)
    known = counts["answered"] + counts["open_overdue"]
    return SuggestionSummary(
        start=start,
        end=end,
        channel=channel,
        on_time_rate=counts["answered_on_time"] / known if known else None,
        computed_at=now,
        **counts,
    )


@dataclass(frozen=True)
class ChannelFigures:
    channel: Channel
    summary: SuggestionSummary
    staff: int


def channel_dashboards(
    *, start: date | None = None, end: date | None = None
) -> list[ChannelFigures]:
    """Every active channel with its figures, in the matrix's order."""
    # An aggregate drops Meta.ordering (Django ≥ 3.1), so the order is explicit.
    channels = (
        Channel.objects.active()
        .annotate(staff_count=Count("memberships"))
        .order_by("sort_order", "code")
    )
    return [
        ChannelFigures(
            channel=channel,
            summary=suggestion_summary(start=start, end=end, channel=channel.code),
            staff=channel.staff_count,  # type: ignore[attr-defined]
        )
        for channel in channels
    ]


PLATFORM_CODE = "platform"
HONGQIAO_CODE = "310105009000"  # 虹桥街道
HONGQIAO_LIAISON_CODE = "liaison-hongqiao"


def ensure_channel_matrix() -> list[Channel]:
    """The 1+10 matrix: the district platform, one channel per subdistrict and town, and
    Hongqiao's grassroots legislative liaison point (idempotent).

    The subdistricts come from ``geo``; a district with another set gets its own channels.
    """
    from district.geo import services as geo

    channels = [
        ensure_channel(
            code=PLATFORM_CODE,
            kind=Channel.Kind.PLATFORM,
            name="“宁来说”区级平台",
            name_en="Ning Lai Shuo district platform",
            description="长宁区“宁来说”建言平台：全区居民建议的总入口。",
            description_en="The district's Ning Lai Shuo platform: the front door for every "
            "resident's suggestion.",
            sort_order=0,
        )
    ]
    for order, subdistrict in enumerate(geo.list_subdistricts(), start=1):
        channels.append(
            ensure_channel(
                code=f"sub-{subdistrict.code}",
                kind=Channel.Kind.SUBDISTRICT,
                name=f"{subdistrict.name}“宁来说”",
                name_en=f"{subdistrict.name_en} channel",
                subdistrict_code=subdistrict.code,
                sort_order=order,
            )
        )
    if any(s.code == HONGQIAO_CODE for s in geo.list_subdistricts()):
        channels.append(
            ensure_channel(
                code=HONGQIAO_LIAISON_CODE,
                kind=Channel.Kind.LIAISON_POINT,
                name="虹桥街道基层立法联系点",
                name_en="Hongqiao Subdistrict grassroots legislative liaison point",
                subdistrict_code=HONGQIAO_CODE,
                national_model=True,
                description=(
                    "2015年7月全国人大常委会法工委设立的首批基层立法联系点之一；2019年11月，"
                    "习近平总书记在此考察时提出“人民民主是一种全过程的民主”。"
                ),
                description_en=(
                    "One of the first grassroots legislative liaison points set up by the NPC "
                    "Standing Committee's Legislative Affairs Commission in July 2015; visiting "
                    "it in November 2019, Xi Jinping first spoke of whole-process people's "
                    "democracy."
                ),
                sort_order=100,
            )
        )
    return channels
