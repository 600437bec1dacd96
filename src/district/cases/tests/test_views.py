"""The screens: each page for the right person, refused to the wrong one."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from district.accounts.services import create_api_key
from district.cases import services
from district.cases.models import Case, Photo
from district.cases.tests.conftest import OUTSIDE, ZHONGSHAN_PARK

pytestmark = pytest.mark.django_db


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def fetch(client: Client, path: str) -> int:
    """GET a file response and read it to the end (which closes the file); its status."""
    response = client.get(path)
    if response.streaming:
        b"".join(getattr(response, "streaming_content"))  # noqa: B009
    return response.status_code


def form(**overrides):
    data = {
        "submission": "s-1",
        "category": "SJ0101",
        "description": "中山公园门口暴露垃圾，我的电话13812345678",
        "lon": str(ZHONGSHAN_PARK[0]),
        "lat": str(ZHONGSHAN_PARK[1]),
        "phone": "13812345678",
        "name": "王女士",
    }
    data.update(overrides)
    return data


def test_an_anonymous_visitor_reports_and_keeps_a_private_link(client):
    response = client.post("/cases/report/", form(anonymous="on"))
    assert response.status_code == 302
    case = Case.objects.get()
    assert response["Location"] == f"/cases/received/{case.number}/"
    assert case.anonymous and case.reporter_name == "" and case.reporter is None
    receipt = client.get(response["Location"])
    assert receipt.status_code == 200
    link = receipt.context["private_url"]
    assert f"/cases/track/{case.number}/?key=" in link
    other = Client()
    assert other.get(response["Location"]).status_code == 403
    again = client.post("/cases/report/", form(anonymous="on"))
    assert again.status_code == 302 and Case.objects.count() == 1


def test_a_resident_reports_under_their_name_with_a_photo(cast):
    client = as_user(cast.resident)
    photo = SimpleUploadedFile(
        "p.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64, content_type="image/jpeg"
    )
    response = client.post("/cases/report/", {**form(), "photo": photo})
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.reporter == cast.resident and case.channel == "web"
    item = Photo.objects.get(case=case)
    assert fetch(client, f"/cases/photo/{item.pk}/") == 200
    assert fetch(Client(), f"/cases/photo/{item.pk}/") == 403
    assert fetch(as_user(cast.other_resident), f"/cases/photo/{item.pk}/") == 403
    assert fetch(as_user(cast.dispatcher), f"/cases/photo/{item.pk}/") == 200
    mine = client.get("/cases/mine/")
    assert case.number in mine.content.decode()
    assert case.number not in as_user(cast.other_resident).get("/cases/mine/").content.decode()


def test_bad_reports_come_back_with_the_field_marked(client):
    outside = client.post("/cases/report/", form(lon=str(OUTSIDE[0]), lat=str(OUTSIDE[1])))
    assert outside.status_code == 200
    assert "outside" in " ".join(outside.context["form"].errors["address"])
    missing = client.post("/cases/report/", form(category="BJ0101"))
    assert "attr__BJ0101__danger" in missing.context["form"].errors
    assert Case.objects.count() == 0


def test_a_hotline_operator_reports_for_a_caller(cast):
    client = as_user(cast.dispatcher)
    page = client.get("/cases/report/")
    assert "channel" in page.context["form"].fields
    client.post("/cases/report/", form(channel="hotline"))
    case = Case.objects.get()
    assert case.channel == "hotline" and case.reporter is None
    assert case.events.get().actor == cast.dispatcher


def test_tracking_shows_public_details_to_everyone_and_private_ones_to_the_reporter(cast, report):
    case = report(reporter=cast.resident, description="电话13812345678，门口垃圾")
    services.add_note(case=case, by=cast.dispatcher, text="内部：打过电话", public=False)
    public = Client().get(f"/cases/track/{case.number}/").content.decode()
    assert "138****5678" in public and "13812345678" not in public
    assert "内部：打过电话" not in public
    own = as_user(cast.resident).get(f"/cases/track/{case.number}/").content.decode()
    assert "13812345678" in own
    assert (
        Client().get("/cases/track/?number=" + case.number.replace("-", "").lower()).status_code
        == 302
    )
    unknown = Client().get("/cases/track/?number=000000-AAAAAA").content.decode()
    assert "没有这个编号的案件" in unknown
    assert Client().get("/cases/track/999999-ZZZZZZ/").status_code == 404


def test_the_reporter_rates_through_the_page(cast, report):
    case = report(reporter=cast.resident)
    services.register_case(case=case, by=cast.dispatcher)
    services.dispatch_case(case=case, by=cast.dispatcher)
    services.handle_case(case=case, by=cast.greening, note="ok")
    services.verify_case(case=case, by=cast.gridworker, passed=True, note="ok")
    stranger = Client().post(f"/cases/track/{case.number}/rate/", {"rating": "satisfied"})
    assert stranger.status_code == 302
    case.refresh_from_db()
    assert case.rating == ""
    page = as_user(cast.resident).get(f"/cases/track/{case.number}/")
    assert page.context["rate_form"] is not None
    as_user(cast.resident).post(f"/cases/track/{case.number}/rate/", {"rating": "basic"})
    case.refresh_from_db()
    assert case.rating == "basic"


@pytest.mark.parametrize(
    ("path", "allowed", "refused"),
    [
        (
            "/cases/console/",
            ["dispatcher", "greening", "gridworker", "supervisor"],
            ["resident", "planner"],
        ),
        ("/cases/board/", ["supervisor", "dispatcher"], ["resident"]),
        ("/cases/kpis/", ["planner", "supervisor", "greening"], ["resident", "gridworker"]),
        ("/cases/hotspots/", ["planner", "dispatcher"], ["resident"]),
        ("/cases/initiatives/", ["planner", "supervisor"], ["resident"]),
        ("/cases/catalogue/", ["dispatcher", "greening"], ["resident"]),
        ("/cases/routing/", ["supervisor", "admin"], ["dispatcher", "greening"]),
        ("/cases/calendar/", ["dispatcher", "admin"], ["resident"]),
    ],
)
def test_staff_pages_open_for_their_roles_only(cast, path, allowed, refused):
    for name in allowed:
        assert as_user(getattr(cast, name)).get(path).status_code == 200, name
    for name in refused:
        assert as_user(getattr(cast, name)).get(path).status_code == 403, name
    assert Client().get(path).status_code == 302


def test_queues_follow_role_and_department(cast, report):
    waiting = report(description="等待立案")
    mine = report(description="绿化市容的")
    services.register_case(case=mine, by=cast.dispatcher)
    services.dispatch_case(case=mine, by=cast.dispatcher, department_code="greening")
    theirs = report(category="SJ0201", description="城管的")
    services.register_case(case=theirs, by=cast.dispatcher)
    services.dispatch_case(case=theirs, by=cast.dispatcher, department_code="city-management")
    dispatcher_queue = as_user(cast.dispatcher).get("/cases/console/").context["page"]
    assert waiting in list(dispatcher_queue) and mine not in list(dispatcher_queue)
    greening_queue = list(as_user(cast.greening).get("/cases/console/?queue=all").context["page"])
    assert mine in greening_queue and theirs not in greening_queue and waiting not in greening_queue
    assert as_user(cast.greening).get(f"/cases/case/{theirs.number}/").status_code == 403
    assert as_user(cast.greening).get(f"/cases/case/{mine.number}/").status_code == 200
    filtered = (
        as_user(cast.supervisor).get("/cases/console/?queue=all&category=SJ02").context["page"]
    )
    assert list(filtered) == [theirs]


def test_actions_from_the_case_page(cast, report):
    case = report()
    dispatcher = as_user(cast.dispatcher)
    page = dispatcher.get(f"/cases/case/{case.number}/")
    assert page.context["actions"]["register"] and not page.context["actions"]["handle"]
    response = dispatcher.post(
        f"/cases/case/{case.number}/register/",
        {"register-version": case.version, "register-reason": "属实"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "registered"
    stale = dispatcher.post(f"/cases/case/{case.number}/register/", {"register-version": 1})
    assert stale.status_code == 302
    messages = [str(m) for m in get_messages(stale.wsgi_request)]
    assert any("changed since you opened it" in m for m in messages)
    greening = as_user(cast.greening)
    greening.post(f"/cases/case/{case.number}/dispatch/", {"dispatch-department": "greening"})
    case.refresh_from_db()
    assert case.status == "registered"
    dispatcher.post(
        f"/cases/case/{case.number}/dispatch/",
        {"dispatch-department": "greening", "dispatch-version": case.version},
    )
    greening.post(f"/cases/case/{case.number}/handle/", {"handle-reason": "已清运"})
    case.refresh_from_db()
    assert case.status == "handled"
    page = as_user(cast.gridworker).get(f"/cases/case/{case.number}/")
    assert page.context["actions"]["verify"]
    as_user(cast.gridworker).post(
        f"/cases/case/{case.number}/verify/", {"verify-passed": "yes", "verify-reason": "干净"}
    )
    case.refresh_from_db()
    assert case.status == "closed"
    assert as_user(cast.dispatcher).post(f"/cases/case/{case.number}/fly/").status_code == 404


def test_routing_and_calendar_pages_edit_through_the_services(cast):
    supervisor = as_user(cast.supervisor)
    supervisor.post(
        "/cases/routing/",
        {"category": "SJ0201", "department": "greening", "subdistrict_code": "310105002000"},
    )
    rule = services.catalogue().routing
    assert any(key[2] == "310105002000" for key in rule)
    refused = as_user(cast.dispatcher).post(
        "/cases/calendar/", {"year": 2027, "holidays": "2027-01-01 元旦"}
    )
    assert refused.status_code == 403
    as_user(cast.admin).post("/cases/calendar/", {"year": 2027, "holidays": "2027-01-01 元旦"})
    assert 2027 in services.calendar_status().table_years


def test_initiatives_are_created_by_supervisors_only(cast):
    data = {
        "name": "小广告整治",
        "categories": ["SJ0203"],
        "starts_on": "2026-11-02",
        "compare_weeks": 4,
    }
    as_user(cast.planner).post("/cases/initiatives/", data)
    from district.cases.models import Campaign

    assert not Campaign.objects.exists()
    response = as_user(cast.supervisor).post("/cases/initiatives/", data)
    campaign = Campaign.objects.get()
    assert response["Location"] == f"/cases/initiatives/{campaign.pk}/"
    assert as_user(cast.planner).get(response["Location"]).status_code == 200


def test_duplicate_suggestions_say_why(cast, report):
    first = report(description="中山公园门口一堆暴露垃圾")
    second = report(
        lon=None, lat=None, address="某某小区5号楼", description="中山公园门口有暴露垃圾"
    )
    page = as_user(cast.dispatcher).get(f"/cases/case/{second.number}/")
    assert [(d.number, d.basis) for d in page.context["duplicates"]] == [
        (first.number, "similar_text")
    ]
    html = page.content.decode()
    assert 'data-basis="similar_text"' in html
    assert "内容高度相似" in html and "无定位，无法比较距离" in html
    answer = Client().get(
        "/api/cases/suggest", {"text": "中山公园门口有暴露垃圾", "category": "SJ0101"}
    )
    assert answer.status_code == 200
    found = {d["number"]: d for d in answer.json()["duplicates"]}
    assert set(found) == {first.number, second.number}
    assert found[second.number]["text_similarity"] > 0.95  # the same words, ranked first
    assert answer.json()["duplicates"][0]["number"] == second.number
    duplicate = found[first.number]
    assert duplicate["basis"] == "similar_text" and duplicate["distance_m"] is None
    assert duplicate["text_similarity"] >= 0.6
    pinned = (
        Client()
        .get(
            "/api/cases/suggest",
            {
                "text": "中山公园门口有暴露垃圾",
                "category": "SJ0101",
                "lon": str(ZHONGSHAN_PARK[0]),
                "lat": str(ZHONGSHAN_PARK[1]),
            },
        )
        .json()["duplicates"]
    )
    assert [(d["number"], d["basis"], d["distance_m"]) for d in pinned] == [
        (first.number, "near_and_similar", 0.0),
        (second.number, "similar_text", None),
    ]


def test_the_json_api(cast, report):
    suggest = Client().get("/api/cases/suggest", {"text": "共享单车乱停放堵住了人行道"})
    assert suggest.status_code == 200
    assert suggest.json()["categories"][0]["code"] == "SJ0202"
    assert Client().get("/api/cases/calendar").json()["known_years"]
    assert Client().get("/api/cases/kpis?start=2026-11-01&end=2026-11-30").status_code == 401
    assert (
        as_user(cast.resident).get("/api/cases/kpis?start=2026-11-01&end=2026-11-30").status_code
        == 403
    )
    key = create_api_key(name="indicators")[1]
    answer = Client().get("/api/cases/kpis?start=2026-11-01&end=2026-11-30", HTTP_X_API_KEY=key)
    assert answer.status_code == 200 and "total" in answer.json()
    report(category="FW0401", attributes={"merchant_name": "某某健身"}, description="退卡难")
    found = (
        as_user(cast.planner)
        .get(
            "/api/cases/merchant-complaints",
            {"start": "2020-01-01", "end": "2030-01-01", "name": "某某"},
        )
        .json()
    )
    assert found["count"] == 1 and "reporter" not in str(found)
