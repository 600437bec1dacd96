"""The cases main path in a browser, on the demo server: a resident reports, a dispatcher
dispatches, the department handles, a grid worker verifies and closes, the resident rates.
Also the staff pages with their charts and maps, and the real Open311 client over a socket."""

from __future__ import annotations

import re
from typing import Any

from georeport import GeoReport

ZHONGSHAN_PARK = (121.4240, 31.2210)


def switch_user(page: Any, login: Any, username: str) -> None:
    page.context.clear_cookies()
    login(username)


def test_report_dispatch_handle_verify_rate(page: Any, login: Any) -> None:
    login("resident")
    page.goto("/cases/report/")
    page.wait_for_selector("#report-map[data-ready=true]", timeout=20_000)
    page.evaluate(f"window.casesReport.setPin({ZHONGSHAN_PARK[0]}, {ZHONGSHAN_PARK[1]})")
    assert "121.424" in page.locator("[data-testid=pin-status]").inner_text()
    text = "中山公园北门旁边的人行道上有一堆暴露垃圾，已经两天没人清理。"
    page.fill("textarea[name=description]", text)
    page.wait_for_selector("#suggestions button.suggestion", timeout=60_000)
    first = page.locator("#suggestions button.suggestion").first
    assert first.get_attribute("data-code") == "SJ0101"
    first.click()
    assert page.locator("select[name=category]").input_value() == "SJ0101"
    page.fill("input[name=title]", "北门暴露垃圾（浏览器测试）")
    page.click("[data-testid=submit-report]")
    page.wait_for_url(re.compile(r"/cases/received/"))
    number = page.locator("[data-testid=case-number]").inner_text().strip()
    assert re.fullmatch(r"\d{6}-[0-9A-Z]{6}", number)

    switch_user(page, login, "dispatcher")
    page.goto("/cases/console/")
    assert number in page.locator("[data-testid=queue]").inner_text()
    page.click(f"text={number}")
    page.wait_for_selector("#case-map[data-ready=true]", timeout=20_000)
    page.click("[data-testid=do-register]")
    page.wait_for_selector("[data-testid=do-dispatch]")
    assert page.locator("select[name=dispatch-department]").input_value() == "greening"
    page.click("[data-testid=do-dispatch]")
    page.wait_for_selector("text=区绿化和市容管理局")
    assert "已派遣" in page.locator("[data-testid=case-status]").inner_text()

    switch_user(page, login, "greening")
    page.goto(f"/cases/case/{number}/")
    page.fill("textarea[name=handle-reason]", "已安排环卫作业组清运并冲洗路面。")
    page.click("[data-testid=do-handle]")
    page.wait_for_selector("[data-testid=case-status] >> text=待核查")

    switch_user(page, login, "gridworker")
    page.goto(f"/cases/case/{number}/")
    page.check("input[name=verify-passed][value=yes]")
    page.fill("textarea[name=verify-reason]", "现场核查：垃圾已清运，路面干净。")
    page.click("[data-testid=do-verify]")
    page.wait_for_selector("[data-testid=case-status] >> text=已结案")
    timeline = page.locator("[data-testid=timeline]").inner_text()
    for step in ("已受理", "已立案", "已派遣", "已处置", "核查通过"):
        assert step in timeline, step

    switch_user(page, login, "resident")
    page.goto("/cases/mine/")
    assert number in page.locator("[data-testid=my-cases]").inner_text()
    assert "已结案" in page.locator("[data-testid=notices]").inner_text()
    page.goto(f"/cases/track/{number}/")
    page.check("input[name=rating][value=satisfied]")
    page.click("[data-testid=rate-form] button[type=submit]")
    page.wait_for_selector("[data-testid=rating]")
    assert page.locator("[data-testid=rating]").inner_text() == "满意"


def test_staff_pages_show_charts_maps_and_the_calendar_warning(page: Any, login: Any) -> None:
    login("supervisor")
    page.goto("/cases/kpis/")
    assert page.locator("svg.bar-chart").count() == 3
    assert "%" in page.locator("[data-testid=on-time-rate]").inner_text()
    assert page.locator("[data-testid=kpi-department] tbody tr").count() >= 3
    page.goto("/cases/hotspots/")
    page.wait_for_selector("#hotspot-map[data-ready=true]", timeout=20_000)
    assert page.locator("#hotspot-map .leaflet-overlay-pane path").count() >= 1
    assert "⚑" in page.locator("[data-testid=hotspots]").inner_text()
    page.goto("/cases/board/")
    assert page.locator("[data-testid=board-departments] tbody tr").count() >= 1
    page.goto("/cases/initiatives/")
    page.click("text=共享单车乱停放专项整治（演示）")
    assert page.locator("svg.week-chart").count() == 1
    warning = page.locator("[data-testid=calendar-warning]")
    if warning.count():
        assert "工作日历" in warning.inner_text()
    page.click("[data-testid=lang-switch]")
    page.wait_for_selector("html[lang=en]")
    assert page.locator("h1").inner_text() == "共享单车乱停放专项整治（演示）"
    page.goto("/cases/kpis/")
    assert page.locator("h1").inner_text() == "KPIs"
    page.click("[data-testid=lang-switch]")
    page.wait_for_selector("html[lang=zh-hans]")


def test_the_real_open311_client_over_a_socket(server: str) -> None:
    for fmt in ("json", "xml"):
        client = GeoReport(f"{server}/open311/v2", output_format=fmt)
        codes = [s["service_code"] for s in client.get_service_list()]
        assert "FW0101" in codes
        assert client.get_service_definition("BJ0101")["service_code"] == "BJ0101"
        listed = client.get_service_requests()
        listed = [listed] if isinstance(listed, dict) else listed
        demo = next(r for r in listed if "演示" in (r.get("description") or ""))
        one = client.get_service_request(demo["service_request_id"])
        assert one["service_request_id"] == demo["service_request_id"]
        assert one["requested_datetime"].endswith("+08:00")
        assert "13800138000" not in str(listed)
