"""Intake: every channel through one service, bad input refused with nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.utils import timezone

from district.cases import services
from district.cases.models import BookingSlot, Case, Photo
from district.cases.services.photos import MAX_PHOTO_BYTES
from district.cases.tests.conftest import OUTSIDE, ZHONGSHAN_PARK
from district.core.errors import ConflictError, InputError, NotFoundError

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def photo_files() -> set[Path]:
    root = Path(settings.MEDIA_ROOT) / "cases" / "photos"
    # Files only: the storage leaves the dated folders it made, which is harmless.
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


@pytest.mark.parametrize(
    "channel", ["hotline", "web", "open311", "grid_worker", "sensor", "participation"]
)
def test_every_channel_makes_a_located_case(report, channel):
    case = report(channel=channel)
    assert case.channel == channel
    assert case.status == "received"
    assert len(case.cell_code) == 20 and case.cell_code.startswith("000000310105")
    assert case.number[6] == "-" and len(case.number) == 13
    assert case.events.get().kind == "received"
    assert case.due_at > case.received_at and case.stage_due_at <= case.due_at


def test_participation_turns_a_suggestion_into_a_case():
    """The seam participation calls: the same create_case, with its own reference."""
    result = services.create_case(
        category_code="BJ0402",
        channel="participation",
        description="建议仙霞路沿线绿化带补种。",
        lon=ZHONGSHAN_PARK[0],
        lat=ZHONGSHAN_PARK[1],
        source_ref="participation:suggestion-17",
        submitted_by="宁来说",
    )
    assert result.created and result.case.source_ref == "participation:suggestion-17"
    again = services.create_case(
        category_code="BJ0402",
        channel="participation",
        description="建议仙霞路沿线绿化带补种。",
        lon=ZHONGSHAN_PARK[0],
        lat=ZHONGSHAN_PARK[1],
        source_ref="participation:suggestion-17",
        submitted_by="宁来说",
    )
    assert not again.created and again.case.pk == result.case.pk


def test_a_point_outside_the_district_is_refused_with_nothing_written(report):
    before = Case.objects.count()
    with pytest.raises(InputError, match="outside 长宁区"):
        report(lon=OUTSIDE[0], lat=OUTSIDE[1])
    assert Case.objects.count() == before


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"description": "x" * 4001}, "description"),
        ({"description": ""}, "description"),
        ({"description": "<script>alert(1)</script>"}, "description"),
        ({"lon": "abc", "lat": "31.2"}, "long"),
        ({"lon": "121.42", "lat": None}, "lat"),
        ({"lon": None, "lat": None, "address": ""}, "lat"),
        ({"channel": "pigeon"}, "channel"),
        ({"reporter_phone": "call me"}, "phone"),
        ({"reporter_email": "not-an-email"}, "email"),
        ({"media_url": "ftp://x/y.jpg"}, "media_url"),
        ({"title": "x" * 101}, "title"),
    ],
)
def test_bad_input_names_the_field(report, kwargs, field):
    before = Case.objects.count()
    with pytest.raises(InputError) as caught:
        report(**kwargs)
    assert caught.value.field == field
    assert Case.objects.count() == before


def test_text_with_a_lone_angle_bracket_is_fine(report):
    assert report(description="气温<0度时路面结冰，请撒盐").status == "received"


def test_unknown_service_code_is_not_found(report):
    with pytest.raises(NotFoundError):
        report(category="XX0000")


def test_attributes_are_checked_against_the_service_definition(report):
    with pytest.raises(InputError, match="danger"):
        report(category="BJ0101")  # a required attribute
    with pytest.raises(InputError, match="not one of the allowed"):
        report(category="BJ0101", attributes={"danger": "maybe"})
    with pytest.raises(InputError, match="no attribute"):
        report(category="BJ0101", attributes={"danger": "yes", "colour": "red"})
    with pytest.raises(InputError, match="not a number"):
        report(category="BJ0301", attributes={"fill_percent": "full"})
    with pytest.raises(InputError, match="W3C"):
        report(category="SJ0401", attributes={"noise_time": "last night"})
    case = report(
        category="SJ0401",
        attributes={"noise_time": "2026-11-20T23:30:00+08:00", "source": "restaurant"},
    )
    assert case.attributes == {"noise_time": "2026-11-20T23:30:00+08:00", "source": "restaurant"}


def test_an_address_naming_a_known_place_is_located_there(report):
    case = report(lon=None, lat=None, address="中山公园(地铁站)3号口")
    assert case.cell_code and case.located_by.startswith("address: 中山公园")


def test_an_unknown_address_waits_for_a_pin(report, cast):
    case = report(lon=None, lat=None, address="某某小区5号楼")
    assert case.cell_code == "" and case.routed_department is None
    with pytest.raises(InputError, match="no location"):
        services.register_case(case=case, by=cast.dispatcher)
    services.locate_case(
        case=case, by=cast.dispatcher, lon=ZHONGSHAN_PARK[0], lat=ZHONGSHAN_PARK[1]
    )
    case.refresh_from_db()
    assert case.cell_code and case.routed_department is not None
    assert case.routed_department.code == "greening"
    services.register_case(case=case, by=cast.dispatcher)


def test_the_database_refuses_a_registered_case_without_a_cell(report):
    case = report(lon=None, lat=None, address="某某小区5号楼")
    with pytest.raises(IntegrityError):
        Case.objects.filter(pk=case.pk).update(status="registered")


def test_anonymous_reports_and_named_only_services(report):
    case = report(anonymous=True)
    assert case.anonymous
    with pytest.raises(InputError, match="anonymously"):
        report(category="FW0101", anonymous=True)


def test_a_photo_is_kept_private_and_checked_by_content(report):
    case = report(photo=SimpleUploadedFile("p.png", PNG, content_type="image/png"))
    stored = Photo.objects.get(case=case)
    assert stored.content_type == "image/png" and not stored.public
    assert stored.event is not None and stored.event.kind == "received"


@pytest.mark.parametrize(
    ("content", "name", "words"),
    [
        (b"GIF89a" + b"\x00" * 20, "a.gif", "not a JPEG, PNG or WebP"),
        (b"%PDF-1.4", "a.jpg", "not a JPEG, PNG or WebP"),
        (JPEG + b"\x00" * MAX_PHOTO_BYTES, "big.jpg", "limit is 5 MB"),
    ],
)
def test_bad_photos_are_refused_and_leave_no_file(report, content, name, words, settings, tmp_path):
    # A media folder of its own: another xdist worker may write a photo into the shared one.
    settings.MEDIA_ROOT = str(tmp_path / "media")
    files = photo_files()
    before = Case.objects.count()
    with pytest.raises(InputError, match=words):
        report(photo=SimpleUploadedFile(name, content))
    assert Case.objects.count() == before
    assert photo_files() == files


def test_a_failure_after_the_photo_is_written_removes_it(report, monkeypatch, settings, tmp_path):
    # A media folder of its own: other xdist workers write photos into the shared one.
    settings.MEDIA_ROOT = str(tmp_path / "media")
    files = photo_files()

    def boom(*args, **kwargs):
        raise IntegrityError("simulated failure after the photo was saved")

    monkeypatch.setattr(Photo.objects, "create", boom)
    before = Case.objects.count()
    with pytest.raises(IntegrityError):
        report(photo=SimpleUploadedFile("p.jpg", JPEG))
    assert Case.objects.count() == before
    assert photo_files() == files


def test_a_retried_web_submission_gives_the_same_case(report):
    first = services.create_case(
        category_code="SJ0101",
        channel="web",
        description="垃圾",
        lon=ZHONGSHAN_PARK[0],
        lat=ZHONGSHAN_PARK[1],
        idempotency_key="web:abc",
    )
    second = services.create_case(
        category_code="SJ0101",
        channel="web",
        description="垃圾",
        lon=ZHONGSHAN_PARK[0],
        lat=ZHONGSHAN_PARK[1],
        idempotency_key="web:abc",
    )
    assert first.created and not second.created and first.case.pk == second.case.pk
    with pytest.raises(ConflictError, match="already used"):
        services.create_case(
            category_code="SJ0101",
            channel="web",
            description="另一处垃圾",
            lon=ZHONGSHAN_PARK[0],
            lat=ZHONGSHAN_PARK[1],
            idempotency_key="web:abc",
        )


def test_bulky_waste_books_a_slot_until_it_is_full(cast):
    services.ensure_booking_slots(category_code="FW0101", start=timezone.now(), days=1, capacity=2)
    slot = services.open_slots("FW0101")[0]

    def book(i: int):
        return services.create_case(
            category_code="FW0101",
            channel="web",
            description=f"旧沙发 {i}",
            lon=ZHONGSHAN_PARK[0],
            lat=ZHONGSHAN_PARK[1],
            reporter=cast.resident,
            reporter_phone="13900001111",
            attributes={"items": ["sofa"], "item_count": "1", "slot": slot.key},
        )

    book(1)
    book(2)
    before = Case.objects.count()
    with pytest.raises(ConflictError, match="fully booked"):
        book(3)
    assert Case.objects.count() == before
    slot.refresh_from_db()
    assert slot.booked == 2
    with pytest.raises(IntegrityError):
        BookingSlot.objects.filter(pk=slot.pk).update(booked=3)


def test_complaints_about_a_merchant_feed_the_custody_app(report):
    from datetime import date, timedelta

    report(
        category="FW0401",
        description="健身房闭店，卡里余额退不了",
        attributes={"merchant_name": "某某健身", "merchant_licence": "91310105MA1FL1234X"},
    )
    today = timezone.localdate()
    found = services.complaints_about_merchant(
        start=today - timedelta(days=30), end=today, licence="91310105 ma1fl1234x"
    )
    assert found.count == 1 and found.open_count == 1
    assert found.complaints[0].subject_name == "某某健身"
    assert services.complaints_about_merchant(start=today, end=today, name="某某").count == 1
    assert (
        services.complaints_about_merchant(
            start=date(2020, 1, 1), end=date(2020, 2, 1), name="某某"
        ).count
        == 0
    )
    with pytest.raises(InputError):
        services.complaints_about_merchant(start=today, end=today, name="某")
