"""The lifecircle pages and API: who may open them, and what they show."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from district.lifecircle.models import CategoryStandard, SitingStudy

pytestmark = pytest.mark.django_db

PLANNER_PAGES = [
    "lifecircle:coverage",
    "lifecircle:gaps",
    "lifecircle:standards",
    "lifecircle:siting",
]


@pytest.fixture
def planner(client, make_user):
    client.force_login(make_user("pia", "planner", department="planning"))
    return client


@pytest.fixture
def resident(client, make_user):
    client.force_login(make_user("rita", "resident"))
    return client


def test_the_resident_page_is_public_and_answers_a_typed_place(client):
    response = client.get(reverse("lifecircle:index"))
    assert response.status_code == 200
    assert "我身边15分钟内有什么" in response.content.decode()
    response = client.get(reverse("lifecircle:index"), {"q": "121.43, 31.22", "speed": "55"})
    html = response.content.decode()
    assert 'id="access-table"' in html and 'id="access-data"' in html
    assert "55" in html
    fragment = client.get(
        reverse("lifecircle:index"), {"lon": "121.37", "lat": "31.21"}, HTTP_HX_REQUEST="true"
    )
    body = fragment.content.decode()
    assert "<h1" not in body and 'data-testid="off-network"' in body
    error = client.get(reverse("lifecircle:index"), {"q": "121.7, 31.1"})
    assert 'data-testid="access-error"' in error.content.decode()


@pytest.mark.parametrize("name", PLANNER_PAGES)
def test_planner_pages_are_closed_to_others(client, resident, name):
    assert resident.get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", PLANNER_PAGES)
def test_planner_pages_send_anonymous_visitors_to_login(db, name):
    from django.test import Client

    response = Client().get(reverse(name))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_planner_pages_before_any_refresh(planner):
    for name in PLANNER_PAGES:
        response = planner.get(reverse(name))
        assert response.status_code == 200
        assert 'id="no-results"' in response.content.decode()


def test_planner_pages_show_the_results(planner, refreshed):
    html = planner.get(reverse("lifecircle:coverage"), {"category": "metro"}).content.decode()
    assert 'id="coverage-table"' in html and 'data-category="metro"' in html
    assert "面积覆盖，而非人口覆盖" in html
    html = planner.get(reverse("lifecircle:gaps"), {"category": "metro"}).content.decode()
    assert 'id="network-gaps"' in html and 'id="estimated-gaps"' in html
    html = planner.get(reverse("lifecircle:standards")).content.decode()
    assert "GB 50180-2018" in html and 'id="per-capita-table"' in html


def test_a_planner_refreshes_now(planner, refreshed):
    response = planner.post(reverse("lifecircle:coverage"), {"now": "1"})
    assert response.status_code == 302
    from district.lifecircle.services import latest_run

    latest = latest_run()
    assert latest is not None and latest.pk != refreshed.pk


def test_a_planner_edits_a_threshold_and_a_resident_cannot(planner, client, make_user):
    data = {
        "code": "metro",
        "threshold_m": "800",
        "threshold_minutes": "10",
        "basis": "SH-2024 draft, outer band",
        "enabled": "on",
    }
    assert planner.post(reverse("lifecircle:standards"), data).status_code == 302
    assert CategoryStandard.objects.get(code="metro").threshold_m == 800
    planner.post(reverse("lifecircle:standards"), data | {"threshold_m": "-3"})
    assert CategoryStandard.objects.get(code="metro").threshold_m == 800
    client.force_login(make_user("rita", "resident"))
    assert client.post(reverse("lifecircle:standards"), data).status_code == 403


def test_siting_and_what_if_pages(planner, refreshed):
    response = planner.post(
        reverse("lifecircle:siting"), {"form": "siting", "category": "metro", "k": "2"}
    )
    study = SitingStudy.objects.get()
    assert response["Location"] == reverse("lifecircle:siting-study", args=[study.pk])
    html = planner.get(response["Location"]).content.decode()
    assert 'id="before-after"' in html and 'id="exact-data"' in html
    html = planner.post(
        reverse("lifecircle:siting"),
        {"form": "whatif", "category": "metro", "action": "add", "lon": "121.43", "lat": "31.22"},
    ).content.decode()
    assert 'data-testid="whatif-result"' in html
    html = planner.post(
        reverse("lifecircle:siting"), {"form": "whatif", "category": "metro", "action": "add"}
    ).content.decode()
    assert 'data-testid="whatif-result"' not in html


def test_api_public_endpoints(client, refreshed):
    coverage = client.get("/api/lifecircle/coverage").json()
    assert {c["category"] for c in coverage} >= {"metro", "kindergarten"}
    assert all(c["basis"] == "area" for c in coverage)
    access = client.get("/api/lifecircle/access", {"lon": 121.43, "lat": 31.22}).json()
    assert access["on_network"] and len(access["isochrone"]) == 3
    bad = client.get("/api/lifecircle/access", {"lon": 121.7, "lat": 31.1})
    assert bad.status_code == 400 and bad.json()["ok"] is False
    assert client.get("/api/lifecircle/standards").json()[0]["basis"]


def test_api_cells_and_gaps_are_for_planners(client, planner, refreshed, make_user):
    from django.test import Client

    assert Client().get("/api/lifecircle/cells", {"category": "metro"}).status_code == 401
    cells = planner.get("/api/lifecircle/cells", {"category": "metro"})
    assert cells.status_code == 200
    assert len(json.loads(cells.content)["features"]) == 681
    assert planner.get("/api/lifecircle/cells", {"category": "park"}).status_code == 400
    gaps = planner.get("/api/lifecircle/gaps", {"category": "metro", "limit": 5}).json()
    assert len(gaps) == 5 and not any(g["estimated"] for g in gaps)
    other = Client()
    other.force_login(make_user("rita", "resident"))
    assert other.get("/api/lifecircle/gaps").status_code == 403
