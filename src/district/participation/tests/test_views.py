"""The pages: each does its job for the right person and refuses the wrong one."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from district.participation import services
from district.participation.models import Notice, Suggestion
from district.participation.tests.conftest import HONGQIAO, LIAISON, PLATFORM, POINT


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_anonymous_resident_submits_and_follows(cast: dict[str, Any], client: Client) -> None:
    response = client.post(
        "/participation/suggest/",
        {
            "channel": HONGQIAO,
            "title": "增设座椅",
            "body": "建议增设座椅。",
            "contact": "13800000000",
            "lon": POINT[0],
            "lat": POINT[1],
        },
    )
    item = Suggestion.objects.get()
    assert (
        response.status_code == 302 and response["Location"] == f"/participation/s/{item.number}/"
    )
    assert item.anonymous and item.author is None and item.cell_code
    page = client.get(response["Location"]).content.decode()
    assert item.number in page and "增设座椅" in page
    assert "13800000000" not in page  # contact details are for staff only
    assert str(POINT[0]) not in page  # nor the exact point
    staff_page = client_for(cast["liaison"]).get(response["Location"]).content.decode()
    assert "13800000000" in staff_page
    found = client.get("/participation/track/", {"number": item.number.lower()})
    assert found.status_code == 302
    missing = client.get("/participation/track/", {"number": "NL2026-999999"})
    assert missing.status_code == 200 and "NL2026-999999" in missing.content.decode()


def test_a_bad_place_is_shown_on_the_form(cast: dict[str, Any], client: Client) -> None:
    response = client.post(
        "/participation/suggest/",
        {"channel": PLATFORM, "title": "t", "body": "b", "lon": 121.0, "lat": 31.0},
    )
    assert response.status_code == 200
    assert "lies outside" in response.content.decode()
    assert not Suggestion.objects.exists()


def test_staff_queue_and_actions_are_for_the_right_people(
    cast: dict[str, Any], client: Client
) -> None:
    item = services.submit_suggestion(
        channel=PLATFORM, title="路灯", body="修路灯", author=cast["alice"]
    )
    other = services.submit_suggestion(channel=HONGQIAO, title="座椅", body="加座椅")
    assert client.get("/participation/staff/").status_code == 302  # anonymous: log in
    assert client_for(cast["alice"]).get("/participation/staff/").status_code == 403
    queue = client_for(cast["staff"]).get("/participation/staff/").content.decode()
    assert item.number in queue and other.number not in queue
    url = f"/participation/staff/s/{item.number}/"
    assert client_for(cast["liaison"]).get(url).status_code == 403
    assert client_for(cast["greening"]).get(url).status_code == 403  # not routed to greening yet
    response = client_for(cast["staff"]).post(url, {"action": "route", "department": "greening"})
    assert response.status_code == 302
    assert client_for(cast["citymgmt"]).get(url).status_code == 403
    greening = client_for(cast["greening"])
    bad = greening.post(url, {"action": "answer", "outcome": "not_adopted", "reply": "不行"})
    assert bad.status_code == 200 and "reason" in bad.content.decode()
    ok = greening.post(
        url, {"action": "answer", "outcome": "adopted", "reply": "已修复", "action_taken": "换灯"}
    )
    assert ok.status_code == 302
    item.refresh_from_db()
    assert item.outcome == "adopted"
    # The author sees the notice, once, on "my participation".
    alice = client_for(cast["alice"])
    assert item.number in alice.get("/participation/mine/").content.decode()
    assert Notice.objects.get(user=cast["alice"]).read_at is not None


def test_public_pages_show_figures_and_outcomes(cast: dict[str, Any], client: Client) -> None:
    item = services.submit_suggestion(channel=PLATFORM, title="图书馆", body="延长开放")
    services.refer_suggestion(
        number=item.number, by=cast["staff"], referred_to="市文旅局", reply="已转交"
    )
    for url in (
        "/participation/",
        "/participation/channels/",
        f"/participation/channels/{PLATFORM}/",
        "/participation/accountability/",
        "/participation/accountability/?outcome=referred",
        "/participation/accountability/?kind=consultations",
        "/participation/accountability/?kind=drafts",
        "/participation/channels/?year=2026",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get("/participation/accountability/?outcome=referred").content.decode()
    assert item.number in page and "市文旅局" in page
    assert client.get("/participation/channels/?year=abc").status_code == 400
    assert client.get("/participation/channels/nowhere/").status_code == 404


def test_voting_one_statement_at_a_time_with_htmx(cast: dict[str, Any], client: Client) -> None:
    consultation = services.create_consultation(
        by=cast["staff"],
        title="停车",
        question="怎么办？",
        channel=PLATFORM,
        statements=["甲", "乙"],
    )
    url = f"/participation/c/{consultation.pk}/"
    assert (
        "Log in" in client.get(url).content.decode() or "登录" in client.get(url).content.decode()
    )
    assert (
        client.post(f"{url}vote/", {"statement": 0, "vote": "agree"}).status_code == 302
    )  # to login
    alice = client_for(cast["alice"])
    card = alice.post(f"{url}vote/", {"statement": 0, "vote": "agree"}, HTTP_HX_REQUEST="true")
    assert card.status_code == 200 and 'data-number="1"' in card.content.decode()
    bad = alice.post(f"{url}vote/", {"statement": 9, "vote": "agree"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 200 and 'role="alert"' in bad.content.decode()
    done = alice.post(f"{url}vote/", {"statement": 1, "vote": "pass"}, HTTP_HX_REQUEST="true")
    assert 'data-testid="all-voted"' in done.content.decode()
    assert alice.post(f"{url}vote/", {"statement": 1, "vote": "maybe"}).status_code == 400
    # A participant's statement waits for the moderator, who is channel staff.
    alice.post(f"{url}statement/", {"text": "应该建立体车库"})
    manage = f"/participation/c/{consultation.pk}/manage/"
    assert client_for(cast["alice"]).get(manage).status_code == 403
    assert client_for(cast["liaison"]).get(manage).status_code == 403
    staff = client_for(cast["staff"])
    assert "应该建立体车库" in staff.get(manage).content.decode()
    staff.post(manage, {"action": "accept", "number": 2})
    assert consultation.statements.get(number=2).status == "accepted"
    page = client.get(f"/participation/c/{consultation.pk}/map/").content.decode()
    assert 'data-testid="too-small"' in page


def test_staff_open_consultations_from_the_form(cast: dict[str, Any]) -> None:
    assert client_for(cast["alice"]).get("/participation/c/new/").status_code == 403
    staff = client_for(cast["staff"])
    response = staff.post(
        "/participation/c/new/",
        {
            "title": "广场舞",
            "question": "怎么安排？",
            "channel": PLATFORM,
            "scope": "district",
            "statements": "固定时段\n降低音量\n",
            "participant_statements": "on",
            "min_votes": 7,
            "seed": 0,
        },
    )
    assert response.status_code == 302
    consultation = services.get_consultation(int(response["Location"].split("/")[3]))
    assert consultation.statements.count() == 2
    bad = staff.post(
        "/participation/c/new/",
        {
            "title": "x",
            "question": "y",
            "scope": "subdistrict",
            "subdistrict_code": "",
            "min_votes": 7,
            "seed": 0,
        },
    )
    assert bad.status_code == 200 and not bad.context["form"].is_valid()


def test_the_draft_law_pages(cast: dict[str, Any], client: Client) -> None:
    draft = services.create_draft_law(
        by=cast["liaison"],
        channel=LIAISON,
        title="条例（草案）",
        legislature="人大",
        text="第一条 甲。\n第二条 乙。",
        closes_at=timezone.now() + timedelta(days=3),
    )
    url = f"/participation/laws/{draft.pk}/"
    assert client.get(url).status_code == 200
    assert client.get(f"{url}submission.html").status_code == 403  # not submitted yet
    alice = client_for(cast["alice"])
    response = alice.post(
        f"{url}comment/",
        {"article": 2, "stance": "propose", "text": "改", "proposed_wording": "乙乙。"},
    )
    assert response.status_code == 302 and response["Location"].endswith("#article-2")
    assert draft.articles.get(number=2).comments.count() == 1
    manage = f"{url}manage/"
    assert alice.get(manage).status_code == 403
    assert client_for(cast["staff"]).get(manage).status_code == 403  # not the liaison point's staff
    liaison = client_for(cast["liaison"])
    assert liaison.get(f"{url}submission.html").status_code == 200  # staff preview
    comment = draft.articles.get(number=2).comments.get()
    liaison.post(
        manage, {"action": "group", "article": 2, "comment": [comment.pk], "summary": "乙改为乙乙"}
    )
    liaison.post(manage, {"action": "close"})
    liaison.post(manage, {"action": "submit"})
    draft.refresh_from_db()
    assert draft.status == "submitted"
    html = client.get(f"{url}submission.html?download=1")
    assert html.status_code == 200 and "乙改为乙乙" in html.content.decode()
    assert html["Content-Disposition"].startswith("attachment")
    pdf = client.get(f"{url}submission.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


@pytest.mark.parametrize(
    "path",
    [
        "/participation/staff/s/NL2026-000001/",
        "/participation/c/1/manage/",
        "/participation/laws/1/manage/",
    ],
)
def test_staff_pages_send_anonymous_visitors_to_log_in(
    cast: dict[str, Any], client: Client, path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
