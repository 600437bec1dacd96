"""The scorecard's pages: public reading, planners' forms, the report download.

Every page with a form is also checked with the wrong person: anonymous visitors go to the
login page, a resident is refused.
"""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from district.indicators.models import Milestone, Project, Value
from district.indicators.scorecard import source_anchor

from .test_services import BRIEFING, GDP_SENTENCE

INDEX = reverse("indicators:index")


def _english(client):
    client.cookies["django_language"] = "en"
    return client


def test_the_scorecard_is_public_and_shows_every_figure_with_its_sentence(client, loaded):
    response = client.get(INDEX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="figure"') == 47
    assert "278.9十亿元" in html
    assert GDP_SENTENCE in html
    assert f'#{source_anchor(GDP_SENTENCE)}"' in html  # linked to the sentence in the source
    assert "长宁区地区生产总值：倍数与年均增长率" in html  # the finding, in Chinese
    assert "1.8^(1/4) - 1 = 15.83%" in html
    assert html.count("<svg") >= 7  # growth paths, clusters, target trajectories
    assert 'data-testid="live-figure"' in html  # the district area from geo


def test_the_scorecard_in_english(client, loaded):
    html = _english(client).get(INDEX).content.decode()
    assert "GDP of Changning District" in html
    assert "278.9 billion yuan" in html
    assert "They do not agree as figures on one basis" in html


def test_the_filter_shows_one_area(client, loaded):
    html = client.get(INDEX, {"area": "urban_governance"}).content.decode()
    assert re.findall(r'<section class="area" id="area-(\w+)"', html) == ["urban_governance"]
    assert html.count('data-testid="figure"') == 8
    assert "架空线入地长度" in html and "长宁区地区生产总值</a>" not in html
    everything = client.get(INDEX, {"area": "nonsense"}).content.decode()
    assert everything.count('<section class="area"') == 6


def test_an_empty_scorecard_says_how_to_load_it(client, db):
    html = client.get(INDEX).content.decode()
    assert "district indicators import" in html


def test_the_indicator_page_shows_the_revision_history(client, loaded, planner):
    from district.indicators import services

    services.record_value(
        code="gdp-2024",
        value="279.1",
        unit="billion_yuan",
        period_end="2024",
        source=BRIEFING,
        sentence=GDP_SENTENCE,
        user=planner,
    )
    html = client.get(reverse("indicators:indicator", args=["gdp"])).content.decode()
    assert html.count('data-testid="revision"') == 2
    assert "已被取代" in html and "现行" in html  # superseded, current
    assert "revise" not in html and "记录数值" not in html  # no forms for the public
    assert client.get(reverse("indicators:indicator", args=["nope"])).status_code == 404


def test_the_source_page_marks_every_cited_sentence(client, loaded):
    html = client.get(reverse("indicators:source", args=[BRIEFING])).content.decode()
    marks = re.findall(r'<mark id="(s-[0-9a-f]{10})">', html)
    cited = set(Value.objects.values_list("sentence", flat=True))
    assert set(marks) >= {source_anchor(s) for s in cited}


def test_the_project_pages(client, loaded):
    html = client.get(reverse("indicators:projects")).content.decode()
    assert html.count('data-testid="project"') == 16
    page = client.get(reverse("indicators:project", args=["maternity-hospital-renovation"]))
    html = page.content.decode()
    assert "000000310105" in html and "Amap POI" in html
    assert "<form" not in html.split("</header>")[1].split("<footer")[0]  # no forms for the public


# --------------------------------------------------------------------- planners' forms

RECORD = reverse("indicators:record_value")


def test_recording_a_figure_needs_the_permission(client, loaded, resident):
    response = client.get(RECORD)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client.force_login(resident)
    assert client.get(RECORD).status_code == 403
    assert client.post(RECORD, {"code": "gdp-2024"}).status_code == 403
    assert Value.objects.filter(code="gdp-2024").count() == 1


def test_a_planner_records_a_revision(client, loaded, planner):
    client.force_login(planner)
    form = client.get(RECORD, {"code": "gdp-2024"})
    assert form.status_code == 200 and "278.9" in form.content.decode()
    data = {
        "code": "gdp-2024",
        "value": "279.1",
        "unit": "billion_yuan",
        "qualifier": "exact",
        "period_end": "2024",
        "source": BRIEFING,
        "sentence": GDP_SENTENCE,
    }
    response = client.post(RECORD, data)
    assert response.status_code == 302
    assert response["Location"].endswith("/indicators/gdp/#v-gdp-2024-2")
    assert Value.objects.current().get(code="gdp-2024").value_text == "279.1"
    bad = client.post(RECORD, data | {"value": "280", "unit": "percent"})
    assert bad.status_code == 200
    assert "mixed units in one series" in bad.content.decode()
    assert Value.objects.filter(code="gdp-2024").count() == 2


def test_project_status_and_milestones_need_the_permission(client, loaded, resident, planner):
    status = reverse("indicators:project_status", args=["hongqiao-talent-apartments"])
    step = reverse("indicators:milestone", args=["hongqiao-talent-apartments", 1])
    assert client.post(status, {"status": "completed"}).status_code == 302  # to the login
    client.force_login(resident)
    assert client.post(status, {"status": "completed"}).status_code == 403
    assert client.post(step, {"reached": "on"}).status_code == 403
    assert Project.objects.get(code="hongqiao-talent-apartments").status == "under_way"
    client.force_login(planner)
    page = client.get(reverse("indicators:project", args=["hongqiao-talent-apartments"]))
    assert 'name="reached_on"' in page.content.decode()
    assert client.post(status, {"status": "completed"}).status_code == 302
    assert client.post(step, {"reached": "on", "reached_on": "2025-12-01"}).status_code == 302
    assert Project.objects.get(code="hongqiao-talent-apartments").status == "completed"
    milestone = Milestone.objects.get(project__code="hongqiao-talent-apartments", position=1)
    assert milestone.status == "reached" and str(milestone.reached_on) == "2025-12-01"
    refused = client.post(step, {"reached_on": "2025-12-01"})  # pending with a date
    assert refused.status_code == 400


# ------------------------------------------------------------------------------ report


@pytest.mark.parametrize(
    ("fmt", "content_type", "start"),
    [
        ("pdf", "application/pdf", b"%PDF"),
        ("html", "text/html; charset=utf-8", b"<!doctype html>"),
        ("md", "text/markdown; charset=utf-8", "# 长宁区".encode()),
    ],
)
def test_the_report_downloads(client, loaded, fmt, content_type, start):
    response = client.get(reverse("indicators:report"), {"format": fmt, "lang": "zh-hans"})
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert f'filename="changning-plan-scorecard-zh-hans.{fmt}"' in response["Content-Disposition"]
    assert response.content.startswith(start)


def test_a_bad_report_request_names_the_field(client, loaded):
    response = client.get(reverse("indicators:report"), {"format": "docx"})
    assert response.status_code == 400
    assert "'docx' is not a report format" in html.unescape(response.content.decode())
    response = client.get(reverse("indicators:report"), {"format": "md", "area": "space"})
    assert response.status_code == 400


def test_a_live_figure_still_waiting_says_for_what(client, loaded, monkeypatch):
    import sys
    import types

    from district.indicators.services import refresh_live_figures

    module = "district.custody.services"
    monkeypatch.setitem(sys.modules, module, types.ModuleType(module))
    refresh_live_figures()
    page = client.get(INDEX).content.decode()
    assert "district.custody.services.custody_summary()" in page
