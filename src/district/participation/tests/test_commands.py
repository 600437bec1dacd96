"""The other CLI verbs, and the demo loader (run twice, nothing twice)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from district.participation import services
from district.participation.models import (
    ChannelStaff,
    Consultation,
    DraftLaw,
    Participant,
    Suggestion,
    Vote,
)
from district.participation.tests.conftest import PLATFORM


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("participation", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_summary_channels_staff_and_refresh(cast: dict[str, Any]) -> None:
    services.submit_suggestion(channel=PLATFORM, title="t", body="b")
    summary = json.loads(run("summary", "--from", "2000-01-01", "--json"))
    assert summary["received"] == 1 and summary["start"] == "2000-01-01"
    assert "received 1" in run("summary")
    with pytest.raises(CommandError):
        run("summary", "--from", "yesterday")
    channels = json.loads(run("channels", "--json"))
    assert [c["code"] for c in channels][:2] == [PLATFORM, "sub-310105001000"]
    run("add-staff", PLATFORM, "alice")
    assert ChannelStaff.objects.filter(channel__code=PLATFORM, user=cast["alice"]).exists()
    with pytest.raises(CommandError):
        run("add-staff", PLATFORM, "nobody")
    consultation = services.create_consultation(
        by=cast["staff"], title="x", question="y", channel=PLATFORM, statements=["a", "b"]
    )
    services.cast_vote(consultation_id=consultation.pk, statement=0, vote=1, by=cast["bob"])
    assert "too_small" in run("refresh-maps", "--consultation", str(consultation.pk), "--cold")
    assert "refreshed 0" in run("refresh-maps")


@pytest.mark.slow
def test_the_demo_loads_twice_without_duplicates(db: None) -> None:
    from district.participation.demo import load_demo

    load_demo(data_dir=settings.DEMO_DATA_DIR, log=lambda _text: None)
    counts = [
        model.objects.count()
        for model in (Suggestion, Consultation, Participant, Vote, DraftLaw, ChannelStaff)
    ]
    load_demo(data_dir=settings.DEMO_DATA_DIR, log=lambda _text: None)
    again = [
        model.objects.count()
        for model in (Suggestion, Consultation, Participant, Vote, DraftLaw, ChannelStaff)
    ]
    assert counts == again
    assert Suggestion.objects.filter(is_demo=True).count() == 5
    vtaiwan = Consultation.objects.get(origin="polis")
    assert vtaiwan.votes.count() == 49_443 and "CC BY 4.0" in vtaiwan.attribution
    statuses = set(Suggestion.objects.values_list("status", flat=True))
    assert statuses == {"submitted", "routed", "answered"}
