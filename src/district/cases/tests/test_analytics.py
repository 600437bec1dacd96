"""KPIs, hotspots, targeted initiatives and the reads other apps use."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from district.cases import services
from district.cases.models import Case
from district.cases.tests.conftest import ZHONGSHAN_PARK, at
from district.core.errors import InputError, PermissionDeniedError

pytestmark = pytest.mark.django_db


def close(case, cast, *, late=False, rating=None, reporter=None):
    services.register_case(case=case, by=cast.dispatcher)
    services.dispatch_case(case=case, by=cast.dispatcher, department_code="greening")
    if late:
        Case.objects.filter(pk=case.pk).update(due_at=timezone.now() - timedelta(hours=1))
    services.handle_case(case=case, by=cast.greening, note="处置完毕")
    services.verify_case(case=case, by=cast.gridworker, passed=True, note="核实")
    if rating:
        services.rate_case(case=case, by=reporter, rating=rating)


def test_kpis_per_department_and_for_indicators(cast, report):
    a = report(reporter=cast.resident)
    b = report(reporter=cast.resident, description="第二处暴露垃圾")
    c = report(description="第三处暴露垃圾")
    d = report(description="第四处：与第一处相同")
    close(a, cast, rating="satisfied", reporter=cast.resident)
    close(b, cast, late=True, rating="basic", reporter=cast.resident)
    close(c, cast)
    services.merge_case(case=d, into=report(description="还未处理的一处"), by=cast.dispatcher)
    today = timezone.localdate()
    summary = services.kpi_summary(start=today, end=today)
    assert summary.received == 5 and summary.closed == 3
    assert summary.on_time_rate == pytest.approx(2 / 3, abs=1e-4)
    assert summary.satisfaction_rate == 1.0
    assert summary.repeat_rate == pytest.approx(1 / 5)
    assert summary.mean_handling_hours is not None and summary.mean_handling_hours >= 0
    greening = services.kpi_summary(start=today, end=today, department_code="greening")
    assert greening.closed == 3
    report_ = services.kpi_report(start=today - timedelta(days=7), end=today)
    row = next(r for r in report_.by_department if r.key == "greening")
    assert row.closed == 3 and row.closed_on_time == 2 and row.rated == 2
    assert report_.total.received == 5
    empty = services.kpi_summary(start=today - timedelta(days=400), end=today - timedelta(days=399))
    assert empty.on_time_rate is None and empty.satisfaction_rate is None
    with pytest.raises(InputError, match="before it starts"):
        services.kpi_report(start=today, end=today - timedelta(days=1))


def seed_hotspot(week_monday):
    """Week by week, one report a week in a cell, then five in the tested week."""
    for weeks_back in range(1, 9):
        services.create_case(
            category_code="SJ0202",
            channel="hotline",
            description=f"单车乱停 {weeks_back} 周前",
            lon=ZHONGSHAN_PARK[0],
            lat=ZHONGSHAN_PARK[1],
            received_at=week_monday - timedelta(weeks=weeks_back) + timedelta(hours=10),
        )
    cases = [
        services.create_case(
            category_code="SJ0202",
            channel="hotline",
            description=f"单车堆满人行道 第{i}次",
            lon=ZHONGSHAN_PARK[0],
            lat=ZHONGSHAN_PARK[1],
            received_at=week_monday + timedelta(hours=10 + i),
        ).case
        for i in range(6)
    ]
    return cases


def test_hotspots_flag_a_cell_rising_above_its_history():
    monday = at(2026, 11, 16)
    cases = seed_hotspot(monday)
    found = services.hotspots(week=monday.date() + timedelta(days=3))
    assert found.week_start == monday.date()
    top = found.rows[0]
    assert top.flag and top.category_code == "SJ0202" and top.observed == 6
    assert top.cell_code == cases[0].cell_code
    assert top.expected == pytest.approx((8 + 0.5) / 8)
    assert top.history == (1, 1, 1, 1, 1, 1, 1, 1, 6)
    assert services.hotspots(week=monday.date(), flagged_only=True).rows == [top]
    numbers = services.hotspot_cases(
        cell_code=top.cell_code, category_code="SJ0202", week_start=monday.date()
    )
    assert sorted(numbers) == sorted(c.number for c in cases)
    quiet = services.hotspots(week=(monday - timedelta(weeks=2)).date())
    assert not quiet.flagged


def test_a_campaign_compares_before_and_after(cast):
    from datetime import datetime, time

    from district.core.worktime import SHANGHAI

    monday = services.this_week()
    for weeks_back, count in ((5, 4), (4, 4), (3, 4), (2, 2), (1, 1), (0, 1)):
        day = monday - timedelta(weeks=weeks_back) + timedelta(days=1)
        for i in range(count):
            services.create_case(
                category_code="SJ0202",
                channel="hotline",
                description=f"单车 {weeks_back}-{i}",
                lon=ZHONGSHAN_PARK[0],
                lat=ZHONGSHAN_PARK[1],
                received_at=datetime.combine(day, time(10 + i), tzinfo=SHANGHAI),
            )
    campaign = services.create_campaign(
        name="共享单车整治",
        category_codes=["SJ02"],  # a major class takes in its minor classes
        starts_on=monday - timedelta(weeks=2),
        compare_weeks=3,
        by=cast.supervisor,
    )
    result = services.campaign_result(campaign)
    assert (result.weeks_before, result.weeks_after) == (3, 3)
    assert (result.before, result.after) == (12, 4)
    assert result.before_per_week == 4.0 and result.after_per_week == pytest.approx(1.33)
    assert result.change == pytest.approx(1.33 / 4 - 1, abs=1e-3)
    assert [n for _w, n in result.weekly] == [4, 4, 4, 2, 1, 1]
    with pytest.raises(InputError):
        services.create_campaign(name="x", category_codes=["NOPE"], starts_on=monday, by=None)


def test_duplicates_need_the_same_category_place_and_time(report):
    first = report(description="中山公园门口一堆暴露垃圾")
    near = services.suggest_duplicates_for(
        category_code="SJ0101",
        lon=ZHONGSHAN_PARK[0] + 0.0002,
        lat=ZHONGSHAN_PARK[1],
        text="中山公园门口有暴露垃圾",
    )
    assert [m.number for m in near] == [first.number]
    assert near[0].distance_m is not None and near[0].distance_m < 50
    far = services.suggest_duplicates_for(
        category_code="SJ0101", lon=ZHONGSHAN_PARK[0] + 0.01, lat=ZHONGSHAN_PARK[1], text="垃圾"
    )
    other = services.suggest_duplicates_for(
        category_code="SJ0202", lon=ZHONGSHAN_PARK[0], lat=ZHONGSHAN_PARK[1], text="垃圾"
    )
    later = services.suggest_duplicates_for(
        category_code="SJ0101",
        lon=ZHONGSHAN_PARK[0],
        lat=ZHONGSHAN_PARK[1],
        text="垃圾",
        at=timezone.now() + timedelta(days=10),
    )
    assert far == other == later == []


def test_very_similar_text_is_suggested_at_any_distance_and_without_a_point(report):
    first = report(description="中山公园门口一堆暴露垃圾")
    east = ZHONGSHAN_PARK[0] + 0.01  # about 950 m east, far beyond the 50 m radius
    far = services.suggest_duplicates_for(
        category_code="SJ0101", lon=east, lat=ZHONGSHAN_PARK[1], text="中山公园门口有暴露垃圾"
    )
    assert [m.number for m in far] == [first.number]
    assert far[0].basis == "similar_text" and far[0].similar_text and not far[0].near
    assert far[0].distance_m is not None and 900 < far[0].distance_m < 1000
    assert far[0].text_similarity >= 0.6
    assert far[0].reasons[0].endswith("m away (beyond 50 m)")
    assert far[0].reasons[3].startswith("very similar text")
    # A report with only an address is compared by its text.
    address_only = services.suggest_duplicates_for(
        category_code="SJ0101", lon=None, lat=None, text="中山公园门口有暴露垃圾"
    )
    assert [(m.number, m.basis, m.distance_m) for m in address_only] == [
        (first.number, "similar_text", None)
    ]
    # Unrelated text far away, or with no point, is not suggested; nor is the same text in
    # another category or beyond the category's time window.
    unrelated = "仙霞路绿化带里有人倒了建筑垃圾"
    assert (
        services.suggest_duplicates_for(
            category_code="SJ0101", lon=east, lat=ZHONGSHAN_PARK[1], text=unrelated
        )
        == []
    )
    assert (
        services.suggest_duplicates_for(category_code="SJ0101", lon=None, lat=None, text=unrelated)
        == []
    )
    assert (
        services.suggest_duplicates_for(
            category_code="SJ0202", lon=None, lat=None, text="中山公园门口有暴露垃圾"
        )
        == []
    )
    assert (
        services.suggest_duplicates_for(
            category_code="SJ0101",
            lon=None,
            lat=None,
            text="中山公园门口有暴露垃圾",
            at=timezone.now() + timedelta(days=10),
        )
        == []
    )
    # A case filed with an address only is found from a pinned report by its text.
    pinless = report(
        lon=None, lat=None, address="某某小区5号楼", description="某某小区5号楼下垃圾堆满"
    )
    found = services.suggest_duplicates_for(
        category_code="SJ0101",
        lon=east,
        lat=ZHONGSHAN_PARK[1],
        text="某某小区5号楼下垃圾堆满了",
    )
    assert [(m.number, m.basis, m.distance_m) for m in found] == [
        (pinless.number, "similar_text", None)
    ]
    # The near path is unchanged: a pinned report next to the first case finds it as near.
    near = services.suggest_duplicates_for(
        category_code="SJ0101",
        lon=ZHONGSHAN_PARK[0] + 0.0002,
        lat=ZHONGSHAN_PARK[1],
        text="中山公园门口有暴露垃圾",
    )
    assert [(m.number, m.basis) for m in near] == [(first.number, "near_and_similar")]


def test_classification_suggests_categories_and_departments():
    suggestions = services.suggest_categories("健身房跑路了，会员卡里的钱退不了")
    assert suggestions[0].category is not None and suggestions[0].category.code == "FW0401"
    assert suggestions[0].label == "商贸旅游"
    assert suggestions[0].department_id is not None
    assert services.suggest_categories("  ") == []


def test_a_hotspot_opens_a_consultation_with_its_residents(cast, client):
    from district.participation.models import Consultation

    monday = at(2026, 11, 16)
    cases = seed_hotspot(monday)
    cell = cases[0].cell_code
    with pytest.raises(PermissionDeniedError):
        services.open_hotspot_consultation(
            cell_code=cell, category_code="SJ0202", week_start=monday.date(), by=cast.greening
        )
    pk = services.open_hotspot_consultation(
        cell_code=cell, category_code="SJ0202", week_start=monday.date(), by=cast.supervisor
    )
    consultation = Consultation.objects.get(pk=pk)
    assert consultation.status == "open" and consultation.origin == "hotspot"
    assert consultation.cell_codes == [cell]
    assert cases[0].number in consultation.description
    # Once per hotspot: asking again finds the same consultation.
    again = services.open_hotspot_consultation(
        cell_code=cell, category_code="SJ0202", week_start=monday.date(), by=cast.supervisor
    )
    assert again == pk
    with pytest.raises(InputError, match="No case"):
        services.open_hotspot_consultation(
            cell_code=cell,
            category_code="SJ0202",
            week_start=at(2026, 1, 5).date(),
            by=cast.supervisor,
        )
    client.force_login(cast.supervisor)
    response = client.post(
        "/cases/hotspots/consult/",
        {"cell_code": cell, "category_code": "SJ0202", "week": monday.date().isoformat()},
    )
    assert response.status_code == 302 and response["Location"] == f"/participation/c/{pk}/"
    client.force_login(cast.greening)
    refused = client.post(
        "/cases/hotspots/consult/",
        {"cell_code": cell, "category_code": "SJ0202", "week": monday.date().isoformat()},
    )
    assert refused.status_code == 403
