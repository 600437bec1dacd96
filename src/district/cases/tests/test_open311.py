"""Open311 GeoReport v2, driven by the real PyPI client ``georeport`` (0.3.1) in JSON and
XML for every call it makes, and by ``requests`` for what the client cannot do (POST,
tokens, discovery, errors, paging, extensions).

The HTTP calls go through ``requests`` as the client makes them, then into the Django
application in-process (a transport adapter hands each prepared request to Django's test
client), so the tests run inside the test transaction on both databases; the browser
suite runs the same client against a real server over a socket.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import xmltodict  # type: ignore[import-untyped]
from django.test import Client
from django.utils import timezone
from georeport import GeoReport
from requests.structures import CaseInsensitiveDict

from district.accounts.services import create_api_key
from district.cases import services
from district.cases.models import Case
from district.cases.tests.conftest import OUTSIDE, ZHONGSHAN_PARK
from district.core.worktime import SHANGHAI

pytestmark = pytest.mark.django_db
ROOT = "http://testserver/open311/v2"


class DjangoAdapter(requests.adapters.BaseAdapter):
    """Send a prepared ``requests`` request to the Django app and wrap its answer."""

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        url = urlsplit(request.url or "")
        path = url.path + (f"?{url.query}" if url.query else "")
        headers: dict[str, Any] = {
            "HTTP_" + k.upper().replace("-", "_"): v
            for k, v in request.headers.items()
            if k.lower() not in ("content-type", "content-length", "host")
        }
        body = request.body.encode() if isinstance(request.body, str) else request.body
        answer = Client().generic(
            request.method or "GET",
            path,
            data=body or b"",
            content_type=str(request.headers.get("Content-Type", "")),
            **headers,
        )
        response = requests.Response()
        response.status_code = answer.status_code
        response._content = answer.content
        response.headers = CaseInsensitiveDict(answer.headers.items())
        response.url = request.url or ""
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        pass


@pytest.fixture
def http(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(requests.Session, "get_adapter", lambda self, url: DjangoAdapter())


@pytest.fixture
def api_key(db: None) -> str:
    return create_api_key(name="test app")[1]


def post(fmt: str, data: dict[str, Any], *, key: str | None, in_query: bool = False, **kw: Any):
    body = dict(data)
    url = f"{ROOT}/requests.{fmt}"
    if key is not None and in_query:
        url += f"?api_key={key}"
    elif key is not None:
        body["api_key"] = key
    return requests.post(url, data=body, **kw)


REPORT = {
    "service_code": "SJ0101",
    "lat": str(ZHONGSHAN_PARK[1]),
    "long": str(ZHONGSHAN_PARK[0]),
    "description": "中山公园门口有暴露垃圾，联系电话13812345678。",
    "first_name": "小明",
    "last_name": "王",
    "email": "wang@example.com",
    "phone": "13812345678",
    "device_id": "device-1",
}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_real_client_reads_services_and_definitions(http, fmt):
    client = GeoReport(ROOT, output_format=fmt)
    listed = client.get_service_list()
    codes = [s["service_code"] for s in listed]
    assert "SJ0101" in codes and "FW0101" in codes
    assert not any(c.startswith(("BJ0", "SJ0", "FW0")) and len(c) == 4 for c in codes)
    item = next(s for s in listed if s["service_code"] == "BJ0101")
    assert item["service_name"] == "井盖缺损"
    assert item["group"] == "公用设施"
    assert str(item["metadata"]).lower() == "true" and item["type"] == "realtime"
    bulky = next(s for s in listed if s["service_code"] == "FW0101")
    assert bulky["type"] == "batch"

    definition = client.get_service_definition("BJ0101")
    assert definition["service_code"] == "BJ0101"
    attributes = definition["attributes"]
    if fmt == "xml":
        attributes = attributes["attribute"]
    danger = next(a for a in attributes if a["code"] == "danger")
    assert danger["datatype"] == "singlevaluelist"
    assert str(danger["required"]).lower() == "true"
    values = danger["values"] if fmt == "json" else danger["values"]["value"]
    assert {v["key"] for v in values} == {"yes", "no"}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_then_read_back_with_the_real_client(http, api_key, fmt):
    response = post(fmt, REPORT, key=api_key)
    assert response.status_code == 201
    if fmt == "json":
        created = response.json()
        assert isinstance(created, list) and len(created) == 1
        number = created[0]["service_request_id"]
        assert "token" not in created[0]
    else:
        assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
        number = xmltodict.parse(response.content)["service_requests"]["request"][
            "service_request_id"
        ]
    case = Case.objects.get(number=number)
    assert case.channel == "open311" and case.reporter_phone == "13812345678"
    assert case.submitted_by == "Open311: test app"

    client = GeoReport(ROOT, output_format=fmt)
    one = client.get_service_request(number)  # json: the client reads [0] of a list
    assert one["service_request_id"] == number
    assert one["status"] == "open"
    assert one["service_code"] == "SJ0101"
    assert one["requested_datetime"].endswith("+08:00")
    assert one["expected_datetime"].endswith("+08:00")
    assert float(one["lat"]) == pytest.approx(ZHONGSHAN_PARK[1])
    text = str(one)
    for private in ("小明", "wang@example.com", "13812345678", "device-1"):
        assert private not in text, f"{private} leaked into public output"
    assert "138****5678" in one["description"]

    listed = client.get_service_requests(service_request_id=number)
    if fmt == "xml":
        listed = [listed] if isinstance(listed, dict) else listed
    assert [r["service_request_id"] for r in listed] == [number]
    listed = client.get_service_requests(service_code="SJ0101", status="open")
    if fmt == "xml":
        listed = [listed] if isinstance(listed, dict) else listed
    assert number in [r["service_request_id"] for r in listed]
    if fmt == "json":
        assert client.get_service_requests(status="closed") == []
    else:
        # georeport indexes ['service_requests']['request'], which xmltodict leaves out of
        # an empty list; the server answers the spec's empty container.
        raw = requests.get(f"{ROOT}/requests.xml", params={"status": "closed"})
        assert xmltodict.parse(raw.content) == {"service_requests": None}


def test_the_client_sees_dates_filters_and_closed_requests(http, api_key, cast):
    number = post("json", REPORT, key=api_key).json()[0]["service_request_id"]
    services.register_case(case=number, by=cast.dispatcher)
    services.dispatch_case(case=number, by=cast.dispatcher)
    services.handle_case(case=number, by=cast.greening, note="已清运")
    services.verify_case(case=number, by=cast.gridworker, passed=True, note="已核实")
    client = GeoReport(ROOT)
    found = client.get_service_requests(
        start_date="2026-01-01T00:00:00+08:00", end_date="2026-03-01T00:00:00+08:00"
    )
    assert found == []
    closed = client.get_service_requests(status="closed", service_code="SJ0101")
    item = next(r for r in closed if r["service_request_id"] == number)
    assert item["status"] == "closed" and item["status_notes"] == "已清运"
    assert item["agency_responsible"] == "区绿化和市容管理局"
    assert item["updated_datetime"].endswith("+08:00")


@pytest.mark.parametrize("in_query", [False, True])
def test_api_key_in_body_or_query_and_attributes(http, api_key, in_query):
    data = {
        "service_code": "BJ0101",
        "lat": str(ZHONGSHAN_PARK[1]),
        "long": str(ZHONGSHAN_PARK[0]),
        "description": "井盖缺失",
        "attribute[danger]": "yes",
        "attribute[cover_type]": "drainage",
        "jurisdiction_id": "",
    }
    response = post("json", data, key=api_key, in_query=in_query)
    assert response.status_code == 201, response.text
    case = Case.objects.get(number=response.json()[0]["service_request_id"])
    assert case.attributes == {"danger": "yes", "cover_type": "drainage"}


def test_multivaluelist_attributes_and_batch_tokens(http, api_key):
    services.ensure_booking_slots(
        category_code="FW0101", start=services.deadline_after(_now(), working_hours=0).at
    )
    slot = services.open_slots("FW0101")[0]
    body = {
        "service_code": "FW0101",
        "lat": str(ZHONGSHAN_PARK[1]),
        "long": str(ZHONGSHAN_PARK[0]),
        "description": "旧沙发和床垫",
        "phone": "13900001111",
        "attribute[items][]": ["sofa", "mattress"],
        "attribute[item_count]": "2",
        "attribute[slot]": slot.key,
    }
    response = post("xml", body, key=api_key)
    assert response.status_code == 201, response.text
    request = xmltodict.parse(response.content)["service_requests"]["request"]
    assert "service_request_id" not in request and request["token"]
    token = request["token"]
    answer = requests.get(f"{ROOT}/tokens/{token}.json")
    assert answer.status_code == 200
    number = answer.json()[0]["service_request_id"]
    case = Case.objects.get(number=number)
    assert case.attributes["items"] == ["mattress", "sofa"]
    assert case.booking_slot_id == slot.pk
    xml = xmltodict.parse(requests.get(f"{ROOT}/tokens/{token}.xml").content)
    assert xml["service_requests"]["request"]["service_request_id"] == number


def _now():
    from django.utils import timezone

    return timezone.now()


def errors(response: requests.Response) -> list[dict[str, Any]]:
    if response.headers["Content-Type"].startswith("text/xml"):
        parsed = xmltodict.parse(response.content)["errors"]["error"]
        return list(parsed) if isinstance(parsed, list) else [parsed]
    return list(response.json())


@pytest.mark.parametrize(
    ("data", "key", "status", "code", "words"),
    [
        (REPORT, None, 403, 403, "api_key is missing"),
        (REPORT, "dk_wrong", 403, 403, "unknown or revoked"),
        ({**REPORT, "service_code": "NOPE"}, "ok", 404, 404, "no service with code"),
        ({**REPORT, "lat": "abc"}, "ok", 400, 400, "lat"),
        ({**REPORT, "lat": str(OUTSIDE[1]), "long": str(OUTSIDE[0])}, "ok", 400, 400, "outside"),
        ({**REPORT, "description": "x" * 4001}, "ok", 400, 400, "4000"),
        ({**REPORT, "description": "<b>hi</b>"}, "ok", 400, 400, "HTML"),
        ({k: v for k, v in REPORT.items() if k not in ("lat", "long")}, "ok", 400, 400, "location"),
        ({**REPORT, "attribute[nope]": "1"}, "ok", 400, 400, "no attribute"),
        ({**REPORT, "colour": "red"}, "ok", 400, 400, "Unknown field"),
        ({**REPORT, "service_code": "BJ0101"}, "ok", 400, 400, "danger"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_posts_are_refused_with_the_spec_error_list_and_nothing_written(
    http, api_key, fmt, data, key, status, code, words
):
    before = Case.objects.count()
    response = post(fmt, data, key=api_key if key == "ok" else key)
    assert response.status_code == status
    listed = errors(response)
    assert int(listed[0]["code"]) == code
    assert words.lower() in " ".join(e["description"] for e in listed).lower()
    assert Case.objects.count() == before


def test_a_revoked_key_is_refused_once_its_short_memory_expires(http, api_key, monkeypatch):
    from district.accounts.services import revoke_api_key
    from district.cases.open311 import views

    assert post("json", REPORT, key=api_key).status_code == 201
    revoke_api_key(prefix=api_key[:12])
    monkeypatch.setattr(views, "KEY_CACHE_S", 0.0)
    refused = post("json", {**REPORT, "description": "再报一件"}, key=api_key)
    assert refused.status_code == 403 and "revoked" in errors(refused)[0]["description"]


def test_a_repeated_post_is_idempotent(http, api_key):
    first = post("json", REPORT, key=api_key)
    again = post("json", REPORT, key=api_key)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()[0]["service_request_id"] == again.json()[0]["service_request_id"]
    keyed = post("json", REPORT, key=api_key, headers={"Idempotency-Key": "abc"})
    keyed_again = post("json", REPORT, key=api_key, headers={"Idempotency-Key": "abc"})
    assert keyed.json() == keyed_again.json()
    clash = post(
        "json",
        {**REPORT, "description": "另一件事"},
        key=api_key,
        headers={"Idempotency-Key": "abc"},
    )
    assert clash.status_code == 400 and errors(clash)[0]["code"] == 409


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_not_found_and_bad_queries(http, fmt):
    assert errors(requests.get(f"{ROOT}/requests/999999-ZZZZZZ.{fmt}"))[0]["code"] in (404, "404")
    assert requests.get(f"{ROOT}/services/NOPE.{fmt}").status_code == 404
    assert requests.get(f"{ROOT}/tokens/nope.{fmt}").status_code == 404
    assert requests.get(f"{ROOT}/services.{fmt}?jurisdiction_id=sfgov.org").status_code == 404
    assert requests.get(f"{ROOT}/services.{fmt}?jurisdiction_id=310105").status_code == 200
    wide = requests.get(
        f"{ROOT}/requests.{fmt}",
        params={"start_date": "2026-01-01T00:00:00+08:00", "end_date": "2026-06-01T00:00:00+08:00"},
    )
    assert wide.status_code == 400 and "90 days" in errors(wide)[0]["description"]
    assert requests.get(f"{ROOT}/requests.{fmt}?status=pending").status_code == 400
    assert requests.get(f"{ROOT}/requests.{fmt}?start_date=yesterday").status_code == 400
    assert requests.get(f"{ROOT}/services.csv").status_code == 404
    assert requests.delete(f"{ROOT}/requests.{fmt}").status_code == 405


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_discovery_lists_both_formats(http, fmt):
    response = requests.get(f"{ROOT}/discovery.{fmt}")
    assert response.status_code == 200
    if fmt == "json":
        body = response.json()
        endpoint = body["endpoints"][0]
        assert endpoint["formats"] == ["text/xml", "application/json"]
    else:
        body = xmltodict.parse(response.content)["discovery"]
        endpoint = body["endpoints"]["endpoint"]
        assert endpoint["formats"]["format"] == ["text/xml", "application/json"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"


def test_the_open311_client_alias_and_paging_and_extensions(http, api_key, cast):
    alias = xmltodict.parse(requests.get(f"{ROOT}/service/BJ0101.xml").content)
    assert alias["service_definition"]["service_code"] == "BJ0101"
    numbers = [
        post("json", {**REPORT, "description": f"第{i}处垃圾"}, key=api_key).json()[0][
            "service_request_id"
        ]
        for i in range(3)
    ]
    page1 = requests.get(f"{ROOT}/requests.json?page_size=2&page=1").json()
    page2 = requests.get(f"{ROOT}/requests.json?page_size=2&page=2").json()
    seen = [r["service_request_id"] for r in page1 + page2]
    assert set(numbers) <= set(seen) and len(page1) == 2
    assert requests.get(f"{ROOT}/requests.json?page_size=5000").status_code == 400
    services.register_case(case=numbers[0], by=cast.dispatcher)
    services.add_note(case=numbers[0], by=cast.dispatcher, text="内部备注", public=False)
    extended = requests.get(
        f"{ROOT}/requests/{numbers[0]}.json", params={"extensions": "true"}
    ).json()[0]
    assert extended["extended_attributes"]["channel"] == "open311"
    assert extended["extended_attributes"]["workflow_state"] == "registered"
    assert extended["extended_attributes"]["grid_code"].startswith("000000310105")
    assert [n["type"] for n in extended["notes"]] == ["received", "registered"]
    assert "内部备注" not in str(extended)
    xml = xmltodict.parse(
        requests.get(f"{ROOT}/requests/{numbers[0]}.xml?extensions=true").content
    )["service_requests"]["request"]
    assert xml["extended_attributes"]["workflow_state"] == "registered"
    assert [n["type"] for n in xml["notes"]["note"]] == ["received", "registered"]


def test_requests_default_to_the_last_90_days(http, report):
    now = timezone.now()
    old = report(description="一百天前的暴露垃圾", received_at=now - timedelta(days=100))
    recent = report(description="十天前的暴露垃圾", received_at=now - timedelta(days=10))
    for fmt in ("json", "xml"):
        client = GeoReport(ROOT, output_format=fmt)
        listed = client.get_service_requests(service_code="SJ0101")
        listed = [listed] if isinstance(listed, dict) else listed
        ids = {r["service_request_id"] for r in listed}
        assert recent.number in ids and old.number not in ids, fmt
    # A window of its own reaches back; start_date alone means the 90 days after it.
    start = (now - timedelta(days=110)).astimezone(SHANGHAI).isoformat(timespec="seconds")
    found = GeoReport(ROOT).get_service_requests(start_date=start)
    ids = {r["service_request_id"] for r in found}
    assert old.number in ids and recent.number not in ids
    # A request id is found whatever the window.
    one = GeoReport(ROOT).get_service_requests(service_request_id=old.number)
    assert [r["service_request_id"] for r in one] == [old.number]
