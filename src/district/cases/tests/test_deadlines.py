"""The deadline sweep: due soon, overdue, escalation, idempotence, the periodic job."""

from __future__ import annotations

import pytest

from district.cases import services
from district.cases.models import Case, CaseEvent, Notification
from district.cases.tests.conftest import ZHONGSHAN_PARK, at

pytestmark = pytest.mark.django_db


def received_monday_morning():
    return services.create_case(
        category_code="SJ0101",
        channel="hotline",
        description="暴露垃圾",
        lon=ZHONGSHAN_PARK[0],
        lat=ZHONGSHAN_PARK[1],
        received_at=at(2026, 11, 2, 9),  # a Monday
    ).case


def test_the_stage_clock_is_set_in_working_hours():
    case = received_monday_morning()
    # Registration within 1 working hour: due 10:00, due soon after 48 minutes,
    # escalated a second level one more hour later.
    assert case.stage == "register"
    assert case.stage_due_at == at(2026, 11, 2, 10)
    assert case.due_soon_at == at(2026, 11, 2, 9, 48)
    assert case.escalate_at == at(2026, 11, 2, 11)
    # Expected completion: register 1 + dispatch 1 + handle 4 working hours.
    assert case.due_at == at(2026, 11, 2, 16)


def test_the_sweep_marks_escalates_and_is_idempotent():
    case = received_monday_morning()
    report = services.sweep_deadlines(now=at(2026, 11, 2, 9, 50))
    assert (report.due_soon, report.overdue, report.escalated) == (1, 0, 0)
    again = services.sweep_deadlines(now=at(2026, 11, 2, 9, 55))
    assert (again.due_soon, again.overdue, again.escalated) == (0, 0, 0)
    report = services.sweep_deadlines(now=at(2026, 11, 2, 10, 30))
    assert (report.overdue, report.escalated) == (1, 1)
    case.refresh_from_db()
    assert case.due_state == "overdue" and case.escalation_level == 1
    assert services.sweep_deadlines(now=at(2026, 11, 2, 10, 40)).overdue == 0
    report = services.sweep_deadlines(now=at(2026, 11, 2, 11, 30))
    assert report.escalated == 1
    case.refresh_from_db()
    assert case.escalation_level == 2
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == ["received", "due_soon", "overdue", "escalated", "escalated"]
    assert not case.events.filter(kind="overdue").get().public
    assert Case.objects.overdue().filter(pk=case.pk).exists()


def test_overdue_handling_notifies_the_department(cast, report):
    case = report()
    services.register_case(case=case, by=cast.dispatcher)
    services.dispatch_case(case=case, by=cast.dispatcher, department_code="greening")
    case.refresh_from_db()
    services.sweep_deadlines(now=case.stage_due_at)
    notice = Notification.objects.get(case=case, kind="overdue")
    assert notice.department is not None and notice.department.code == "greening"
    # The department hands it in: the clock moves to verification and the state resets.
    services.handle_case(case=case, by=cast.greening, note="done")
    case.refresh_from_db()
    assert case.stage == "verify" and case.due_state == "ok"


def test_closed_cases_are_left_alone(cast, report):
    case = report()
    services.reject_case(case=case, by=cast.dispatcher, reason="重复")
    report_ = services.sweep_deadlines(now=at(2030, 1, 1))
    assert report_.overdue == 0
    assert not CaseEvent.objects.filter(case=case, kind="overdue").exists()


def test_the_periodic_job_is_declared_and_runs():
    from district.cases import tasks
    from district.core.scheduler import declared_jobs

    path, interval = declared_jobs()["cases.sweep-deadlines"]
    assert path == "district.cases.tasks.sweep_deadlines" and interval == 300
    result = tasks.sweep_deadlines.call()
    assert set(result) == {"due_soon", "overdue", "escalated", "calendar_warning"}
