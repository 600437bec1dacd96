"""``district cases <verb>``: the classify contract, the reproducible model file, API keys,
the sweep, figures and synthetic data."""

from __future__ import annotations

import csv
import hashlib
import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from district.accounts.services import authenticate_api_key
from district.cases.models import Case

pytestmark = pytest.mark.django_db
LABELS = {"城乡建设", "环境保护", "交通运输", "教育文体", "劳动和社会保障", "商贸旅游", "卫生计生"}


def run(*args: str) -> str:
    out = StringIO()
    call_command("cases", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_classify_writes_the_rows_with_a_predicted_label(tmp_path):
    source = Path(settings.DEMO_DATA_DIR) / "citizen_messages" / "hot_issue_messages_fj3.csv"
    output = tmp_path / "out.csv"
    printed = run("classify", "--input", str(source), "--output", str(output), "--json")
    result = json.loads(printed)
    with source.open(encoding="utf-8-sig") as a, output.open(encoding="utf-8") as b:
        original = list(csv.DictReader(a))
        classified = list(csv.DictReader(b))
    assert result["rows"] == len(original) == len(classified) == 30
    for before, after in zip(original, classified, strict=True):
        assert after["留言主题"] == before["留言主题"]
        assert after["predicted"] in LABELS


def test_classify_refuses_a_file_without_the_columns(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("title,body\na,b\n", encoding="utf-8")
    with pytest.raises(CommandError, match="留言主题"):
        run("classify", "--input", str(bad), "--output", str(tmp_path / "o.csv"))
    assert not (tmp_path / "o.csv").exists()


def test_the_model_file_is_reproducible(tmp_path):
    """The command's file is byte-identical to the one the platform trains on demand."""
    from district.cases import services

    services.get_classifier()  # trains DATA_DIR/cases/classifier.json.gz if missing
    printed = json.loads(run("train-classifier", "--output", str(tmp_path / "a.json.gz"), "--json"))
    on_demand = services.model_path().read_bytes()
    assert (tmp_path / "a.json.gz").read_bytes() == on_demand
    assert printed["sha256"] == hashlib.sha256(on_demand).hexdigest()
    assert set(printed["labels"]) == LABELS and printed["messages"] == 347


def test_create_api_key_prints_the_key_last():
    printed = run("create-api-key", "Ning Lai Shuo app")
    key = printed.strip().splitlines()[-1]
    assert key.startswith("dk_")
    assert authenticate_api_key(key).name == "Ning Lai Shuo app"
    with pytest.raises(CommandError, match="No user"):
        run("create-api-key", "x", "--user", "nobody")


def test_sweep_calendar_kpis_and_hotspots_speak_json(report):
    report()
    assert set(json.loads(run("sweep", "--json"))) == {
        "due_soon",
        "overdue",
        "escalated",
        "calendar_warning",
    }
    calendar = json.loads(run("calendar", "--json"))
    assert 2026 in calendar["known_years"]
    kpis = json.loads(run("kpis", "--json"))
    assert kpis["total"]["received"] >= 1
    assert isinstance(json.loads(run("hotspots", "--json")), list)
    assert "received" in run("kpis")


def test_synthetic_cases_are_labelled_and_replaced():
    result = json.loads(run("generate-synthetic", "--cases", "300", "--weeks", "10", "--json"))
    assert result["created"] >= 300
    synthetic = Case.objects.filter(is_synthetic=True)
    assert synthetic.count() == result["created"]
    assert all(n.startswith("SYN-") for n in synthetic.values_list("number", flat=True)[:20])
    again = json.loads(run("generate-synthetic", "--cases", "100", "--weeks", "10", "--json"))
    assert again["deleted"] == result["created"]
    assert Case.objects.filter(is_synthetic=True).count() == again["created"]
