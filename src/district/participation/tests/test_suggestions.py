"""Suggestions: receipt, working-day deadlines, routing, replies, outcomes, the case seam,
and the figures each channel answers for."""

from __future__ import annotations

import sys
import types
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from district.core.errors import (
    ConfigurationError,
    ConflictError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
)
from district.participation import services
from district.participation.models import Notice, Suggestion
from district.participation.tests.conftest import HONGQIAO, PLATFORM, POINT

SH = ZoneInfo("Asia/Shanghai")


def submit(**kwargs: Any) -> Suggestion:
    values: dict[str, Any] = {"channel": PLATFORM, "title": "路灯不亮", "body": "建议修好路灯。"}
    values.update(kwargs)
    return services.submit_suggestion(**values)


def test_matrix_has_the_platform_ten_subdistricts_and_hongqiao(matrix: list[Any]) -> None:
    kinds = [c.kind for c in matrix]
    assert kinds.count("platform") == 1
    assert kinds.count("subdistrict") == 10
    liaison = [c for c in matrix if c.kind == "liaison_point"]
    assert len(liaison) == 1 and liaison[0].national_model
    assert liaison[0].subdistrict_code == "310105009000"
    assert len(services.ensure_channel_matrix()) == 12  # idempotent


def test_a_suggestion_is_received_located_and_given_a_deadline(cast: dict[str, Any]) -> None:
    received = datetime(2026, 9, 29, 10, 0, tzinfo=SH)  # Tuesday before the National Day week
    item = submit(
        channel=HONGQIAO,
        author=cast["alice"],
        anonymous=False,
        lon=POINT[0],
        lat=POINT[1],
        at=received,
    )
    assert item.number == f"NL2026-{item.pk:06d}"
    assert item.cell_code.startswith("000000310105")
    assert item.subdistrict_code == "310105009000"  # from the channel: no polygons loaded
    # 15 working days: 30 Sep, then 1–7 October 2026 off, the adjusted Saturday 10 October
    # counted (调休), so the 15th working day is Monday 26 October; close of business 17:00.
    assert item.due_at == datetime(2026, 10, 26, 17, 0, tzinfo=SH)
    assert not item.deadline_provisional
    assert item.public_author == "Alice"
    assert [e.kind for e in item.events.all()] == ["submitted"]


def test_a_deadline_into_an_unknown_year_is_provisional_not_a_crash(cast: dict[str, Any]) -> None:
    item = submit(at=datetime(2026, 12, 28, 9, 0, tzinfo=SH))
    assert item.deadline_provisional
    assert item.due_at is not None and item.due_at.year == 2027
    assert services.missing_calendar_years(date(2026, 12, 1)) == [2027]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"title": "  "}, "title"),
        ({"body": "x" * 5001}, "body"),
        ({"channel": "nowhere"}, "channel"),
        ({"lon": 121.0, "lat": 31.0}, "location"),  # outside Changning
        ({"lon": 121.4}, "location"),  # half a point
        ({"anonymous": False}, "anonymous"),  # real name without an account
    ],
)
def test_bad_suggestions_are_refused_naming_the_field(
    cast: dict[str, Any], kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(InputError) as error:
        submit(**kwargs)
    assert error.value.field == field
    assert not Suggestion.objects.exists()


def test_route_answer_and_the_author_is_told(cast: dict[str, Any]) -> None:
    item = submit(author=cast["alice"], at=datetime(2026, 11, 2, 9, 0, tzinfo=SH))
    with pytest.raises(PermissionDeniedError):  # not staff of the platform channel
        services.route_suggestion(number=item.number, department="greening", by=cast["outsider"])
    with pytest.raises(PermissionDeniedError):  # department staff do not route
        services.route_suggestion(number=item.number, department="greening", by=cast["greening"])
    services.route_suggestion(
        number=item.number,
        department="greening",
        by=cast["staff"],
        at=datetime(2026, 11, 2, 11, 0, tzinfo=SH),
    )
    with pytest.raises(PermissionDeniedError):  # another department
        services.answer_suggestion(
            number=item.number, by=cast["citymgmt"], reply="好", outcome="adopted"
        )
    with pytest.raises(InputError) as error:
        services.answer_suggestion(
            number=item.number, by=cast["greening"], reply="不行", outcome="not_adopted"
        )
    assert error.value.field == "outcome_reason"
    answered = services.answer_suggestion(
        number=item.number,
        by=cast["greening"],
        reply="已修复。",
        outcome="adopted",
        action_taken="更换灯泡两只。",
        at=datetime(2026, 11, 4, 15, 0, tzinfo=SH),
    )
    assert answered.status == "answered" and answered.answered_on_time
    assert [e.kind for e in answered.events.all()] == ["submitted", "routed", "answered"]
    notice = Notice.objects.get(user=cast["alice"])
    assert notice.kind == "suggestion_answered" and item.number in notice.subject
    with pytest.raises(ConflictError):
        services.answer_suggestion(
            number=item.number, by=cast["greening"], reply="再", outcome="adopted"
        )


def test_a_supervisor_acts_on_any_channel_and_referral_needs_a_body(cast: dict[str, Any]) -> None:
    item = submit(channel=HONGQIAO)
    with pytest.raises(InputError):
        services.refer_suggestion(
            number=item.number, by=cast["supervisor"], referred_to=" ", reply="x"
        )
    referred = services.refer_suggestion(
        number=item.number, by=cast["supervisor"], referred_to="市交通委", reply="已转交。"
    )
    assert referred.outcome == "referred" and referred.referred_to == "市交通委"


def test_the_database_refuses_an_answer_without_outcome(cast: dict[str, Any]) -> None:
    from django.db import IntegrityError, transaction

    item = submit()
    with pytest.raises(IntegrityError), transaction.atomic():
        Suggestion.objects.filter(pk=item.pk).update(status="answered")


def test_unknown_number_is_not_found(cast: dict[str, Any]) -> None:
    with pytest.raises(NotFoundError):
        services.get_suggestion("NL2026-999999")


def test_summary_counts_on_time_and_outcomes(cast: dict[str, Any]) -> None:
    on_time = submit(at=datetime(2026, 3, 2, 9, 0, tzinfo=SH))
    late = submit(at=datetime(2026, 3, 2, 9, 0, tzinfo=SH), title="迟复")
    overdue = submit(at=datetime(2026, 3, 2, 9, 0, tzinfo=SH), title="未复")
    submit(at=datetime(2025, 3, 2, 9, 0, tzinfo=SH), title="去年")
    for item in (on_time, late, overdue):
        services.route_suggestion(number=item.number, department="greening", by=cast["staff"])
    services.answer_suggestion(
        number=on_time.number,
        by=cast["greening"],
        reply="好",
        outcome="partly_adopted",
        at=datetime(2026, 3, 5, 9, 0, tzinfo=SH),
    )
    services.answer_suggestion(
        number=late.number,
        by=cast["greening"],
        reply="晚了",
        outcome="not_adopted",
        reason="经费不足",
        at=datetime(2026, 5, 5, 9, 0, tzinfo=SH),
    )
    summary = services.suggestion_summary(start=date(2026, 1, 1), end=date(2027, 1, 1))
    assert (summary.received, summary.answered, summary.answered_on_time) == (3, 2, 1)
    assert (summary.open_overdue, summary.partly_adopted, summary.not_adopted) == (1, 1, 1)
    assert summary.on_time_rate == pytest.approx(1 / 3)
    assert summary.on_time_percent == 33
    assert services.suggestion_summary().received == 4
    assert services.suggestion_summary(channel=HONGQIAO).received == 0
    with pytest.raises(InputError):
        services.suggestion_summary(start=date(2026, 2, 1), end=date(2026, 1, 1))
    dashboards = {f.channel.code: f for f in services.channel_dashboards()}
    assert dashboards[PLATFORM].summary.received == 4 and dashboards[PLATFORM].staff == 1


class FakeCase:
    number = "C2026-000042"


def test_a_suggestion_becomes_a_linked_case(
    cast: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []

    def create_case(
        *,
        title: str,
        description: str,
        lon: Any,
        lat: Any,
        channel: str,
        source_ref: str,
        reporter: Any,
    ) -> FakeCase:
        calls.append(
            {
                "title": title,
                "description": description,
                "lon": lon,
                "lat": lat,
                "channel": channel,
                "source_ref": source_ref,
                "reporter": reporter,
            }
        )
        return FakeCase()

    fake = types.ModuleType("district.cases.services")
    fake.create_case = create_case  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "district.cases.services", fake)
    item = submit(author=cast["alice"], anonymous=False, lon=POINT[0], lat=POINT[1])
    with pytest.raises(PermissionDeniedError):
        services.convert_suggestion_to_case(number=item.number, by=cast["outsider"])
    converted = services.convert_suggestion_to_case(number=item.number, by=cast["staff"])
    assert calls == [
        {
            "title": "路灯不亮",
            "description": "建议修好路灯。",
            "lon": POINT[0],
            "lat": POINT[1],
            "channel": "participation",
            "source_ref": f"participation:suggestion:{item.number}",
            "reporter": cast["alice"],
        }
    ]
    assert converted.case_ref == "C2026-000042"
    assert converted.outcome == "referred" and "C2026-000042" in converted.reply
    # The cases app reports progress back; the author is told when the case closes.
    ref = services.suggestion_source_ref(item.number)
    services.record_case_progress(
        source_ref=ref, case_ref="C2026-000042", status="已结案", closed=True
    )
    assert converted.events.filter(kind="case_update").count() == 1
    assert Notice.objects.filter(user=cast["alice"], kind="case_update").count() == 1
    with pytest.raises(ConflictError):
        services.record_case_progress(source_ref=ref, case_ref="C-OTHER", status="x")
    with pytest.raises(InputError):
        services.record_case_progress(source_ref="cases:1", case_ref="C1", status="x")


def test_without_the_cases_service_nothing_changes(
    cast: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(
        sys.modules, "district.cases.services", types.ModuleType("district.cases.services")
    )
    item = submit()
    with pytest.raises(ConfigurationError):
        services.convert_suggestion_to_case(number=item.number, by=cast["staff"])
    item.refresh_from_db()
    assert item.status == "submitted" and item.case_ref == ""


def test_a_failing_case_service_rolls_the_suggestion_back(
    cast: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = types.ModuleType("district.cases.services")

    def create_case(**kwargs: Any) -> Any:
        raise InputError("no category", field="category")

    fake.create_case = create_case  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "district.cases.services", fake)
    item = submit()
    with pytest.raises(InputError):
        services.convert_suggestion_to_case(number=item.number, by=cast["staff"])
    item.refresh_from_db()
    assert item.status == "submitted" and not item.events.filter(kind="case").exists()


def test_link_from_the_cases_side(cast: dict[str, Any]) -> None:
    item = submit()
    ref = services.suggestion_source_ref(item.number)
    services.link_suggestion_to_case(source_ref=ref, case_ref="C1")
    services.link_suggestion_to_case(source_ref=ref, case_ref="C1")  # idempotent
    assert Suggestion.objects.get(pk=item.pk).case_ref == "C1"
    with pytest.raises(ConflictError):
        services.link_suggestion_to_case(source_ref=ref, case_ref="C2")
