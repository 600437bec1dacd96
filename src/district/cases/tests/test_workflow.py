"""The workflow end to end on the services: every transition, who may do it, the timeline."""

from __future__ import annotations

import pytest

from district.cases import services
from district.cases.models import Case, CaseEvent, Notification
from district.core.errors import ConflictError, InputError, PermissionDeniedError

pytestmark = pytest.mark.django_db


def test_the_main_path_from_report_to_rating(cast, report):
    case = report(reporter=cast.resident)
    assert case.status == "received"
    assert case.cell_code.startswith("000000310105")
    assert case.routed_department.code == "greening"
    assert case.stage == "register" and case.stage_due_at > case.received_at

    services.register_case(case=case, by=cast.dispatcher, reason="属实")
    services.dispatch_case(case=case, by=cast.dispatcher)
    case.refresh_from_db()
    assert case.status == "dispatched" and case.department.code == "greening"
    assert case.due_at == case.stage_due_at

    services.handle_case(case=case, by=cast.greening, note="已清运")
    services.verify_case(case=case, by=cast.gridworker, passed=True, note="现场已清理干净")
    case.refresh_from_db()
    assert case.status == "closed" and case.on_time is True
    assert case.handling_working_hours is not None and case.handling_working_hours >= 0

    services.rate_case(case=case, by=cast.resident, rating="satisfied")
    case.refresh_from_db()
    assert case.rating == "satisfied"
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == ["received", "registered", "dispatched", "handled", "verified", "rated"]
    event = case.events.get(kind="handled")
    assert event.actor == cast.greening and event.department.code == "greening"
    assert Notification.objects.filter(case=case, user=cast.resident, kind="closed").exists()


def dispatched(report, cast, **kwargs):
    case = report(**kwargs)
    services.register_case(case=case, by=cast.dispatcher)
    services.dispatch_case(case=case, by=cast.dispatcher, department_code="greening")
    case.refresh_from_db()
    return case


def handled(report, cast, **kwargs):
    case = dispatched(report, cast, **kwargs)
    services.handle_case(case=case, by=cast.greening, note="已处置")
    case.refresh_from_db()
    return case


def test_roles_are_checked_on_every_step(cast, report):
    case = report()
    for user in (cast.resident, cast.greening, cast.gridworker, cast.planner):
        with pytest.raises(PermissionDeniedError):
            services.register_case(case=case, by=user)
    services.register_case(case=case, by=cast.dispatcher)
    with pytest.raises(PermissionDeniedError):
        services.dispatch_case(case=case, by=cast.greening)
    services.dispatch_case(case=case, by=cast.dispatcher, department_code="greening")
    for user in (cast.citymgmt, cast.dispatcher, cast.resident):
        with pytest.raises(PermissionDeniedError):
            services.handle_case(case=case, by=user, note="x")
    services.handle_case(case=case, by=cast.greening, note="done")


def test_verification_needs_someone_outside_the_department(cast, report):
    from django.contrib.auth.models import Group

    from district.accounts.models import User

    case = handled(report, cast)
    verifier = Group.objects.get(name="grid_worker")
    for user in (cast.greening, cast.greening2):
        user.groups.add(verifier)
    colleague = User.objects.get(pk=cast.greening2.pk)  # same department, can verify
    with pytest.raises(PermissionDeniedError, match="outside the department"):
        services.verify_case(case=case, by=colleague, passed=True, note="ok")
    handler = User.objects.get(pk=cast.greening.pk)
    with pytest.raises(PermissionDeniedError, match="outside the department"):
        services.verify_case(case=case, by=handler, passed=True, note="ok")
    with pytest.raises(PermissionDeniedError, match="verify_case"):
        services.verify_case(case=case, by=cast.dispatcher, passed=True, note="ok")
    services.verify_case(case=case, by=cast.supervisor, passed=True, note="ok")
    case.refresh_from_db()
    assert case.status == "closed"


def test_a_failed_verification_sends_the_case_back(cast, report):
    case = handled(report, cast)
    services.verify_case(case=case, by=cast.gridworker, passed=False, note="垃圾还在")
    case.refresh_from_db()
    assert case.status == "dispatched" and case.stage == "handle" and case.reopen_count == 1
    assert Notification.objects.filter(case=case, department__code="greening").exists()
    services.handle_case(case=case, by=cast.greening, note="再次清运")
    services.verify_case(case=case, by=cast.gridworker, passed=True, note="已清理")
    assert list(case.events.values_list("kind", flat=True))[-3:] == [
        "verification_failed",
        "handled",
        "verified",
    ]


def test_return_to_the_dispatcher(cast, report):
    case = dispatched(report, cast)
    with pytest.raises(InputError, match="reason"):
        services.return_case(case=case, by=cast.greening, reason="")
    with pytest.raises(PermissionDeniedError):
        services.return_case(case=case, by=cast.citymgmt, reason="不是我们的")
    services.return_case(case=case, by=cast.greening, reason="属于城管执法范围")
    case.refresh_from_db()
    assert case.status == "registered" and case.department is None and case.return_count == 1
    assert case.stage == "dispatch"
    event = case.events.get(kind="returned")
    assert event.department.code == "greening" and event.reason == "属于城管执法范围"
    services.dispatch_case(case=case, by=cast.dispatcher, department_code="city-management")
    services.handle_case(case=case, by=cast.citymgmt, note="已处理")


def test_extensions_are_asked_decided_and_capped(cast, report):
    case = dispatched(report, cast)
    due = case.due_at
    with pytest.raises(InputError, match="at most 70"):
        services.request_extension(case=case, by=cast.greening, hours=80, reason="工程量大")
    request = services.request_extension(case=case, by=cast.greening, hours=7, reason="需要协调")
    with pytest.raises(ConflictError, match="already has"):
        services.request_extension(case=case, by=cast.greening, hours=7, reason="再要")
    with pytest.raises(PermissionDeniedError):
        services.decide_extension(request_id=request.pk, by=cast.greening, approve=True)
    services.decide_extension(request_id=request.pk, by=cast.supervisor, approve=True)
    case.refresh_from_db()
    assert case.extension_hours == 7 and case.due_at > due
    assert services.working_hours_between(due, case.due_at) == pytest.approx(7)
    refused = services.request_extension(case=case, by=cast.greening, hours=14, reason="还要")
    with pytest.raises(InputError, match="note"):
        services.decide_extension(request_id=refused.pk, by=cast.dispatcher, approve=False)
    services.decide_extension(request_id=refused.pk, by=cast.dispatcher, approve=False, note="不批")
    case.refresh_from_db()
    assert case.extension_hours == 7
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds.count("extension_requested") == 2
    assert "extension_approved" in kinds and "extension_refused" in kinds


def test_supervision_and_escalation(cast, report):
    case = dispatched(report, cast)
    with pytest.raises(PermissionDeniedError):
        services.supervise_case(case=case, by=cast.dispatcher, note="快")
    services.supervise_case(case=case, by=cast.supervisor, note="请尽快处置")
    services.escalate_case(case=case, by=cast.supervisor, reason="群众反复投诉")
    services.escalate_case(case=case, by=cast.supervisor, reason="仍未解决")
    with pytest.raises(ConflictError, match="highest level"):
        services.escalate_case(case=case, by=cast.supervisor, reason="再提")
    case.refresh_from_db()
    assert case.supervision_count == 1 and case.escalation_level == 2
    assert Notification.objects.filter(case=case, kind="supervised").exists()


def test_dissatisfied_reopens_once(cast, report):
    case = handled(report, cast, reporter=cast.resident)
    services.verify_case(case=case, by=cast.gridworker, passed=True, note="ok")
    with pytest.raises(PermissionDeniedError):
        services.rate_case(case=case, by=cast.other_resident, rating="satisfied")
    with pytest.raises(InputError):
        services.rate_case(case=case, by=cast.resident, rating="meh")
    services.rate_case(case=case, by=cast.resident, rating="dissatisfied", comment="没扫干净")
    case.refresh_from_db()
    assert case.status == "dispatched" and case.is_repeat and case.reopen_count == 1
    assert case.closed_at is None and case.dissatisfied_reopen_used
    services.handle_case(case=case, by=cast.greening, note="重新清扫")
    services.verify_case(case=case, by=cast.gridworker, passed=True, note="干净了")
    services.rate_case(case=case, by=cast.resident, rating="dissatisfied")
    case.refresh_from_db()
    assert case.status == "closed" and case.rating == "dissatisfied"
    with pytest.raises(ConflictError, match="already been rated"):
        services.rate_case(case=case, by=cast.resident, rating="satisfied")


def test_an_anonymous_web_reporter_rates_with_the_private_key(cast):
    from district.cases.tests.conftest import ZHONGSHAN_PARK

    result = services.create_case(
        category_code="SJ0101",
        channel="web",
        description="匿名反映：垃圾",
        lon=ZHONGSHAN_PARK[0],
        lat=ZHONGSHAN_PARK[1],
        anonymous=True,
    )
    assert result.access_key
    case = result.case
    services.register_case(case=case, by=cast.dispatcher)
    services.dispatch_case(case=case, by=cast.dispatcher)
    services.handle_case(case=case, by=cast.greening, note="ok")
    services.verify_case(case=case, by=cast.gridworker, passed=True, note="ok")
    with pytest.raises(PermissionDeniedError):
        services.rate_case(case=case, rating="satisfied", access_key="guess")
    services.rate_case(case=case, rating="satisfied", access_key=result.access_key)


def test_merged_reporters_all_get_the_outcome(cast, report):
    master = report(reporter=cast.resident)
    duplicate = report(reporter=cast.other_resident, description="同一处暴露垃圾又有人反映")
    hotline = report(reporter_phone="13800000000", description="第三个人打12345反映同一堆垃圾")
    services.register_case(case=master, by=cast.dispatcher)
    suggestions = services.suggest_duplicates_for(
        category_code="SJ0101",
        lon=duplicate.lon,
        lat=duplicate.lat,
        text=duplicate.description,
        exclude_number=duplicate.number,
    )
    assert master.number in [s.number for s in suggestions]
    services.merge_case(case=duplicate, into=master, by=cast.dispatcher)
    services.merge_case(case=hotline, into=master.number, by=cast.dispatcher)
    with pytest.raises(ConflictError):
        services.merge_case(case=master, into=duplicate, by=cast.dispatcher)
    duplicate.refresh_from_db()
    assert duplicate.status == "merged" and duplicate.merged_into_id == master.pk
    services.dispatch_case(case=master, by=cast.dispatcher)
    services.handle_case(case=master, by=cast.greening, note="已清运全部垃圾")
    services.verify_case(case=master, by=cast.gridworker, passed=True, note="ok")
    for user in (cast.resident, cast.other_resident):
        notice = Notification.objects.filter(user=user, kind="closed").get()
        assert "已清运全部垃圾" in notice.text
    sms = Notification.objects.get(case=hotline, channel="sms", kind="closed")
    assert sms.address == "13800000000"
    duplicate.refresh_from_db()
    assert duplicate.outcome == "已清运全部垃圾" and duplicate.closed_at is not None
    assert duplicate.events.filter(kind="closed").exists()


def test_unmerge_and_split(cast, report):
    master = report()
    duplicate = report(description="其实是另一处")
    services.merge_case(case=duplicate, into=master, by=cast.dispatcher)
    services.unmerge_case(case=duplicate, by=cast.dispatcher, reason="位置不同")
    duplicate.refresh_from_db()
    assert duplicate.status == "received" and duplicate.merged_into is None
    result = services.split_case(
        case=master,
        by=cast.dispatcher,
        category_code="SJ0202",
        description="另外：门口共享单车乱停",
        reason="一条反映两个问题",
    )
    new = result.case
    assert new.split_from_id == master.pk and new.category.code == "SJ0202"
    assert new.cell_code == master.cell_code
    assert master.events.filter(kind="split").exists() and new.events.filter(kind="split").exists()


def test_a_stale_form_is_a_conflict_and_changes_nothing(cast, report):
    case = report()
    version = case.version
    services.register_case(case=case, by=cast.dispatcher, version=version)
    with pytest.raises(ConflictError, match="changed since you opened it"):
        services.reject_case(case=case, by=cast.dispatcher, reason="重复", version=version)
    with pytest.raises(ConflictError):
        services.register_case(case=case, by=cast.dispatcher)
    case.refresh_from_db()
    assert case.status == "registered" and case.events.count() == 2


def test_reject_and_recategorise(cast, report):
    case = report()
    services.recategorise_case(
        case=case, by=cast.dispatcher, category_code="SJ0201", reason="是占道经营"
    )
    case.refresh_from_db()
    assert case.category.code == "SJ0201" and case.routed_department.code == "city-management"
    other = report()
    services.reject_case(case=other, by=cast.dispatcher, reason="测试数据")
    other.refresh_from_db()
    assert other.status == "rejected" and other.outcome == "测试数据" and other.stage == ""


def test_notes_are_internal_unless_public(cast, report):
    case = report()
    services.add_note(case=case, by=cast.dispatcher, text="内部")
    services.add_note(case=case, by=cast.dispatcher, text="已联系", public=True)
    assert list(case.events.filter(kind="note").values_list("public", flat=True)) == [False, True]
    with pytest.raises(PermissionDeniedError):
        services.add_note(case=case, by=cast.resident, text="x")


def test_the_timeline_never_loses_a_step(cast, report):
    case = handled(report, cast)
    assert CaseEvent.objects.filter(case=case).count() == 4
    assert Case.objects.get(pk=case.pk).version == 4
