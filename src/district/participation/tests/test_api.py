"""The JSON API under /api/participation/: public reads, authenticated writes, one error shape."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from district.accounts.services import create_api_key
from district.participation import services
from district.participation.tests.conftest import PLATFORM


def post(client: Client, url: str, body: dict[str, Any], **headers: Any) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def test_summary_and_channels(cast: dict[str, Any], client: Client) -> None:
    services.submit_suggestion(channel=PLATFORM, title="t", body="b")
    summary = client.get("/api/participation/summary").json()
    assert summary["received"] == 1 and summary["on_time_rate"] is None
    bad = client.get("/api/participation/summary?start=2026-02-01&end=2026-01-01")
    assert bad.status_code == 400 and bad.json()["ok"] is False and "end" in bad.json()["errors"]
    channels = client.get("/api/participation/channels").json()
    assert len(channels) == 12 and channels[0]["code"] == PLATFORM
    assert channels[0]["figures"]["received"] == 1


def test_submit_with_an_api_key_and_read_it_back(cast: dict[str, Any], client: Client) -> None:
    body = {
        "channel": PLATFORM,
        "title": "加装电梯",
        "body": "老楼加装电梯。",
        "contact": "secret@example.org",
    }
    assert post(client, "/api/participation/suggestions", body).status_code == 401
    _key, raw = create_api_key(name="app", user=cast["alice"])
    created = post(
        client, "/api/participation/suggestions", {**body, "anonymous": False}, HTTP_X_API_KEY=raw
    )
    assert created.status_code == 201
    data = created.json()
    assert data["author"] == "Alice" and data["due_at"].endswith("+08:00")
    public = client.get(f"/api/participation/suggestions/{data['number']}").json()
    assert "secret@example.org" not in json.dumps(public)
    _nobody, raw_machine = create_api_key(name="machine")
    refused = post(client, "/api/participation/suggestions", body, HTTP_X_API_KEY=raw_machine)
    assert refused.status_code == 403 and refused.json()["ok"] is False
    missing = client.get("/api/participation/suggestions/NL2026-999999")
    assert missing.status_code == 404 and list(missing.json()["errors"]) == ["number"]


def test_vote_through_the_api(cast: dict[str, Any]) -> None:
    consultation = services.create_consultation(
        by=cast["staff"], title="停车", question="?", channel=PLATFORM, statements=["甲", "乙"]
    )
    services.add_statement(consultation_id=consultation.pk, by=cast["bob"], text="待审核的观点")
    alice = Client()
    alice.force_login(cast["alice"])
    base = f"/api/participation/consultations/{consultation.pk}"
    detail = alice.get(base).json()
    assert [s["id"] for s in detail["statements"]] == [0, 1]  # the pending one is not shown
    nxt = alice.get(f"{base}/next").json()
    assert nxt["participant"] is None and nxt["statement"]["id"] in (0, 1) and nxt["left"] == 2
    ok = post(alice, f"{base}/votes", {"statement": 0, "vote": "agree"})
    assert ok.status_code == 200 and ok.json()["replaced"] == 0
    again = post(alice, f"{base}/votes", {"statement": 0, "vote": -1}).json()
    assert again["replaced"] == 1 and again["vote"] == -1
    me = again["participant"]
    assert (
        post(alice, f"{base}/votes", {"statement": 1, "vote": 1, "participant": me}).status_code
        == 200
    )
    other = post(alice, f"{base}/votes", {"statement": 1, "vote": 1, "participant": me + 1})
    assert other.status_code == 403 and "participant" in other.json()["errors"]
    hidden = post(alice, f"{base}/votes", {"statement": 2, "vote": 1})
    assert hidden.status_code == 400 and "not shown" in hidden.json()["error"]
    bad = post(alice, f"{base}/votes", {"statement": 1, "vote": 5})
    assert bad.status_code == 400 and list(bad.json()["errors"]) == ["vote"]
    assert post(Client(), f"{base}/votes", {"statement": 1, "vote": 1}).status_code == 401
    written = post(alice, f"{base}/statements", {"text": "新的观点"})
    assert written.status_code == 201 and written.json()["status"] == "pending"
    opinion = Client().get(f"{base}/opinion-map").json()
    assert opinion["status"] == "too_small" and opinion["k"] == 0
    assert opinion["details"]["statements"]["0"]["n_disagree"] == 1
    assert Client().get("/api/participation/consultations/999/opinion-map").status_code == 404
