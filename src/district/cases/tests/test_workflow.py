"""The workflow end to end on the services: every transition, who may do it, the timeline."""

from __future__ import annotations

import pytest

from district.cases import services
from district.cases.models import Notification

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
