"""The life circle in the browser: the resident's isochrone and the planners' pages."""

from __future__ import annotations

from typing import Any


def test_resident_types_a_place_and_sees_the_isochrone(page: Any) -> None:
    page.goto("/lifecircle/")
    assert page.locator("h1").inner_text() == "我身边15分钟内有什么"
    page.wait_for_selector("#lc-map[data-ready=true]", timeout=20_000)
    page.fill("input[name=q]", "江苏路第五小学")
    page.click("#place-form button[type=submit]")
    page.wait_for_selector("#lc-map[data-isochrone=true]", timeout=20_000)
    rows = page.locator("#access-table tbody tr")
    assert rows.count() == 6
    text = page.locator("#access-table").inner_text()
    for name in ("幼儿园", "小学", "中学", "轨道交通站", "公交站"):
        assert name in text
    assert page.locator("#isochrone-legend li").count() == 3
    assert "街道" in page.locator("#isochrone-legend").inner_text()
    assert page.locator("#lc-map").get_attribute("data-bands") == "3"
    # The isochrone areas and lines are drawn as SVG paths over the streets.
    assert page.locator(".leaflet-overlay-pane svg path").count() > 20


def test_resident_clicks_the_map_off_the_network(page: Any) -> None:
    page.goto("/lifecircle/")
    page.wait_for_selector("#lc-map[data-ready=true]", timeout=20_000)
    # Western Changning: the street extract does not reach it, so it is estimated.
    point = page.evaluate(
        """() => {
            const p = window.lifecircleMap.map.latLngToContainerPoint([31.21, 121.37]);
            return [p.x, p.y];
        }"""
    )
    box = page.locator("#lc-map").bounding_box()
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    page.wait_for_selector("#lc-map[data-isochrone=true]", timeout=20_000)
    assert page.locator("[data-testid=off-network]").is_visible()
    assert "估算" in page.locator("#isochrone-legend").inner_text()


def test_planner_coverage_map_gaps_and_standards(page: Any, login: Any) -> None:
    login("planner")
    page.goto("/lifecircle/planning/?category=metro")
    assert page.locator("h1").inner_text() == "生活圈覆盖率"
    page.wait_for_selector("#lc-map[data-ready=true]", timeout=20_000)
    assert page.locator("#lc-map").get_attribute("data-cells") == "681"
    assert page.locator("#coverage-table tbody tr").count() == 6
    assert "面积覆盖，而非人口覆盖" in page.locator("#run-info").inner_text()
    assert "平方公里" in page.locator("#coverage-table").inner_text()

    page.goto("/lifecircle/planning/gaps/?category=metro")
    first = page.locator("#network-gaps tbody tr").first.inner_text()
    assert "米" not in first or "+" in first
    assert page.locator("#estimated-gaps tbody tr").count() > 0

    page.goto("/lifecircle/planning/standards/")
    row = page.locator("#standards-table tr[data-code=metro]")
    row.locator("input[name=threshold_m]").fill("650")
    row.locator("button").click()
    page.wait_for_selector(".message")
    assert (
        page.locator("#standards-table tr[data-code=metro] input[name=threshold_m]").input_value()
        == "650"
    )
    row = page.locator("#standards-table tr[data-code=metro]")
    row.locator("input[name=threshold_m]").fill("600")
    row.locator("button").click()
    page.wait_for_selector(".message")


def test_planner_sites_new_metro_stations_and_tries_a_what_if(page: Any, login: Any) -> None:
    login("planner")
    page.goto("/lifecircle/planning/siting/")
    page.select_option("#siting-form select[name=category]", "kindergarten")
    page.fill("#siting-form input[name=k]", "2")
    page.click("[data-testid=site-submit]")
    page.wait_for_selector("[data-testid=siting-result]", timeout=60_000)
    page.wait_for_selector("#lc-map[data-ready=true]", timeout=20_000)
    assert "0.0000" in page.locator("#siting-gap").inner_text()
    before = int(page.locator("[data-testid=before-share]").inner_text().split()[0])
    after = int(page.locator("[data-testid=after-share]").inner_text().split()[0])
    assert after > before
    assert page.locator("#siting-figures tbody tr").count() == 2

    # What if: click the map inside the street network to add a kindergarten there.
    page.locator("#lc-map").scroll_into_view_if_needed()
    point = page.evaluate(
        """() => {
            const p = window.lifecircleMap.map.latLngToContainerPoint([31.2200, 121.4300]);
            return [p.x, p.y];
        }"""
    )
    box = page.locator("#lc-map").bounding_box()
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    assert page.locator("#whatif-form input[name=lon]").input_value().startswith("121.4")
    page.select_option("#whatif-form select[name=category]", "kindergarten")
    page.click("[data-testid=whatif-submit]")
    page.wait_for_selector("[data-testid=whatif-result]", timeout=30_000)
    assert "有界搜索" in page.locator("#whatif-result").inner_text()


def test_a_resident_cannot_open_the_planner_pages(page: Any, login: Any) -> None:
    login("resident")
    response = page.goto("/lifecircle/planning/")
    assert response is not None and response.status == 403
