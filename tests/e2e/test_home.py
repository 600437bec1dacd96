"""The home page: the district map with its layers, in Chinese and in English."""

from __future__ import annotations

from typing import Any


def test_map_shows_the_layers_and_switches_language(page: Any) -> None:
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("h1").inner_text() == "长宁区"
    page.wait_for_selector("#map[data-ready=true]", timeout=20_000)

    overlays = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    labels = " ".join(overlays)
    for expected in ("区界", "网格", "路网", "幼儿园", "小学", "中学", "医疗卫生", "地铁站"):
        assert expected in labels, f"layer {expected} missing from {overlays}"
    # Vector layers are drawn: the boundary, grid cells and streets are SVG paths.
    assert page.locator(".leaflet-overlay-pane svg path").count() > 600
    # The ten subdistricts are listed with their official codes.
    assert page.locator("table#subdistricts tbody tr").count() == 10
    assert "310105102000" in page.locator("table#subdistricts").inner_text()
    assert "网格" in page.locator("#coverage-note").inner_text()

    page.click("[data-testid=lang-switch]")
    page.wait_for_selector("html[lang=en]")
    assert page.locator("h1").inner_text() == "Changning District"
    page.wait_for_selector("#map[data-ready=true]", timeout=20_000)
    labels = " ".join(page.locator(".leaflet-control-layers-overlays label").all_inner_texts())
    for expected in ("District boundary", "Grid cells", "Street network", "Kindergarten"):
        assert expected in labels

    page.click("[data-testid=lang-switch]")
    page.wait_for_selector("html[lang=zh-hans]")


def test_a_facility_popup_names_it(page: Any) -> None:
    page.goto("/")
    page.wait_for_selector("#map[data-ready=true]", timeout=20_000)
    names = page.evaluate(
        """() => {
            const layer = Object.entries(window.districtMap.layers)
                .find(([name]) => name.startsWith("地铁站"))[1];
            const marker = layer.getLayers()[0];
            marker.openPopup();
            return document.querySelector(".leaflet-popup-content").innerText;
        }"""
    )
    assert "地铁站" in names
