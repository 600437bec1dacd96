"""``/api/indicators/``: public reading; recording needs a planner."""

from __future__ import annotations

import pytest

from district.accounts.services import create_api_key
from district.indicators.models import Value

from .test_services import BRIEFING, GDP_SENTENCE

API = "/api/indicators"


def test_reading_is_public(client, loaded):
    indicators = client.get(f"{API}/indicators", {"area": "economic_scale"}).json()
    gdp = next(i for i in indicators if i["code"] == "gdp")
    assert gdp["values"][0]["statement"] == "278.9 billion yuan (2024)"
    assert gdp["values"][0]["sentence"] == GDP_SENTENCE
    assert client.get(f"{API}/indicators/gdp").json()["unit"] == "billion_yuan"
    assert client.get(f"{API}/indicators/nope").status_code == 404
    findings = client.get(f"{API}/findings").json()["findings"]
    assert [f["consistent"] for f in findings].count(False) == 1
    assert len(client.get(f"{API}/targets").json()["targets"]) == 5
    live = client.get(f"{API}/live").json()
    area = next(x for x in live if x["indicator"] == "district_land_area")
    assert area["status"] == "ok" and area["computed_at"]
    assert len(client.get(f"{API}/projects").json()) == 16


def _payload(**changes):
    body = {
        "code": "gdp-2024",
        "value": "279.1",
        "unit": "billion_yuan",
        "period_end": "2024",
        "source": BRIEFING,
        "sentence": GDP_SENTENCE,
    }
    return body | changes


def test_recording_needs_a_planner(client, loaded, resident, planner):
    assert (
        client.post(f"{API}/values", _payload(), content_type="application/json").status_code == 401
    )
    _, key = create_api_key(name="resident app", user=resident)
    response = client.post(
        f"{API}/values", _payload(), content_type="application/json", HTTP_X_API_KEY=key
    )
    assert response.status_code == 403
    client.force_login(planner)
    response = client.post(f"{API}/values", _payload(), content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["revision"] == 2 and response.json()["current"] is True
    assert Value.objects.current().get(code="gdp-2024").value_text == "279.1"


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"unit": "percent"}, "unit"), ({"source": ""}, "source"), ({"period_end": ""}, "period_end")],
)
def test_bad_figures_are_400_naming_the_field(client, loaded, planner, changes, field):
    client.force_login(planner)
    response = client.post(f"{API}/values", _payload(**changes), content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["ok"] is False and field in body["errors"]
