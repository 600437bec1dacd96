"""Suggestions: receipt, working-day deadlines, routing, replies, outcomes, the case seam,
and the figures each channel answers for."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from district.core.errors import (
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


def test_reply_deadlines_use_the_calendar_administrators_keep(cast: dict[str, Any]) -> None:
    """One calendar for the platform: a year entered in cases counts here too. (The days
    below are a test's, not the State Council's 2027 notice.)"""
    from district.cases import services as cases

    cases.enter_calendar_year(
        year=2027,
        holidays={date(2027, 1, 1): "元旦", date(2027, 1, 4): "test holiday"},
        workdays={},
        by=None,
    )
    item = submit(at=datetime(2026, 12, 28, 9, 0, tzinfo=SH))
    assert not item.deadline_provisional
    assert services.missing_calendar_years(date(2026, 12, 1)) == []
    # 15 working days from Mon 28 Dec 2026: 29-31 Dec, then January without the 1st and
    # the 4th: 5-8, 11-15, 18-20 → Wednesday 20 January 2027.
    assert item.due_at == datetime(2027, 1, 20, 17, 0, tzinfo=SH)


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


def _close_case(number: str, make_user: Any) -> None:
    """Take a case through the cases workflow to 结案, as its departments would."""
    from district.cases import services as cases

    dispatcher = make_user("disp", "dispatcher", department="operations-centre")
    cases.register_case(case=number, by=dispatcher, reason="属实")
    cases.dispatch_case(case=number, by=dispatcher, department_code="greening")
    cases.handle_case(
        case=number, by=make_user("lu", "department_staff", department="greening"), note="已修复"
    )
    worker = make_user("li", "grid_worker", department="sub-310105001000")
    cases.verify_case(case=number, by=worker, passed=True, note="现场已修复")


def test_a_suggestion_becomes_a_linked_case_and_hears_when_it_closes(
    cast: dict[str, Any], make_user: Any
) -> None:
    from district.cases.models import Case

    item = submit(author=cast["alice"], anonymous=False, lon=POINT[0], lat=POINT[1])
    with pytest.raises(PermissionDeniedError):
        services.convert_suggestion_to_case(number=item.number, by=cast["outsider"])
    converted = services.convert_suggestion_to_case(
        number=item.number, by=cast["staff"], category="SJ0101"
    )
    case = Case.objects.get(number=converted.case_ref)
    assert case.channel == "participation"
    assert case.source_ref == f"participation:suggestion:{item.number}"
    assert case.description == "建议修好路灯。"
    assert (case.lon, case.lat) == pytest.approx(POINT)
    assert converted.outcome == "referred" and case.number in converted.reply
    # When the case closes, cases reports back: the step joins the suggestion's timeline
    # and the author is told.
    _close_case(case.number, make_user)
    assert converted.events.filter(kind="case_update").count() == 1
    assert Notice.objects.filter(user=cast["alice"], kind="case_update").count() == 1
    ref = services.suggestion_source_ref(item.number)
    with pytest.raises(ConflictError):
        services.record_case_progress(source_ref=ref, case_ref="C-OTHER", status="x")
    with pytest.raises(InputError):
        services.record_case_progress(source_ref="cases:1", case_ref="C1", status="x")


def test_the_case_category_defaults_to_the_classifiers_suggestion(cast: dict[str, Any]) -> None:
    from district.cases.models import Case

    item = submit(author=cast["alice"], anonymous=False, lon=POINT[0], lat=POINT[1])
    converted = services.convert_suggestion_to_case(number=item.number, by=cast["staff"])
    assert Case.objects.get(number=converted.case_ref).category.code


def test_a_suggestion_without_a_place_cannot_become_a_case(cast: dict[str, Any]) -> None:
    item = submit()
    with pytest.raises(InputError, match="no place on the map"):
        services.convert_suggestion_to_case(number=item.number, by=cast["staff"])
    item.refresh_from_db()
    assert item.status == "submitted" and item.case_ref == ""


def test_a_refused_case_rolls_the_suggestion_back(cast: dict[str, Any]) -> None:
    from district.cases.models import Case

    item = submit(author=cast["alice"], anonymous=False, lon=POINT[0], lat=POINT[1])
    with pytest.raises(NotFoundError, match="no-such-category"):
        services.convert_suggestion_to_case(
            number=item.number, by=cast["staff"], category="no-such-category"
        )
    item.refresh_from_db()
    assert item.status == "submitted" and not item.events.filter(kind="case").exists()
    assert not Case.objects.filter(source_ref__endswith=item.number).exists()


def test_link_from_the_cases_side(cast: dict[str, Any]) -> None:
    item = submit()
    ref = services.suggestion_source_ref(item.number)
    services.link_suggestion_to_case(source_ref=ref, case_ref="C1")
    services.link_suggestion_to_case(source_ref=ref, case_ref="C1")  # idempotent
    assert Suggestion.objects.get(pk=item.pk).case_ref == "C1"
    with pytest.raises(ConflictError):
        services.link_suggestion_to_case(source_ref=ref, case_ref="C2")
