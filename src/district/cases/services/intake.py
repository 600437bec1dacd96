"""Intake (受理): the one way a case is created, whatever the channel.

The web form, the hotline operator's form, Open311 ``POST requests``, a grid worker's
patrol report, a sensor alarm and a participation suggestion all call
:func:`create_case`. It validates everything first (category, text, location, attributes,
contact details, photo, booking slot), then writes the case, its first timeline event and
its photo in one transaction: a refused report leaves nothing behind, not even a file.

Retried submissions are idempotent: with an ``idempotency_key`` (the web form sends one,
Open311 clients may send an ``Idempotency-Key`` header) the same key gives the same case,
and the same key with different content is a conflict. Without a key, the report's
fingerprint (its content and source) and its ten-minute window make the key, so an
identical report sent again within the window, or within a minute of the window's start
for one sent just before it, gives the same case. Either way the key is UNIQUE in the
database, so two concurrent retries cannot both create a case.
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets
import threading
import time as clock
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from district.accounts.models import User
from district.cases.models import Case, CaseEvent, Channel, Stage, Status
from district.cases.services.catalogue import (
    AttributeInfo,
    CategoryInfo,
    book_slot,
    get_service,
    route,
)
from district.cases.services.photos import UploadedPhoto, check_photo, photo_batch
from district.cases.services.timeline import enter_stage, projected_due, record_event
from district.core.errors import ConflictError, InputError
from district.core.worktime import SHANGHAI
from district.geo import services as geo

MAX_DESCRIPTION = 4000  # Open311 caps descriptions at 4,000 characters
MAX_TITLE = 100
MAX_ADDRESS = 200
RETRY_WINDOW_S = 600  # implicit retries: the same fingerprint in the same ten minutes
RETRY_GRACE_S = 60  # … or in the previous window, when sent within a minute of its end
_HTML = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")
_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{4,19}$")
_NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
_CHANNELS = {c.value for c in Channel}
_TEXT_CHANNELS_OPTIONAL = {Channel.OPEN311, Channel.SENSOR}


@dataclass(frozen=True)
class IntakeResult:
    """The case, whether this call created it (False for a retried submission), and for a
    new anonymous web report the private key that lets its reporter track and rate it."""

    case: Case
    created: bool
    access_key: str = ""


def normalise_number(text: str) -> str:
    """A tracking number as people type it (spaces, lower case, no dash) in canonical form."""
    raw = re.sub(r"[\s\-_]", "", str(text)).upper()
    if re.fullmatch(r"\d{6}[0-9A-Z]{6}", raw):
        return f"{raw[:6]}-{raw[6:]}"
    return str(text).strip().upper()


def _new_number(at: datetime) -> str:
    suffix = "".join(secrets.choice(_NUMBER_ALPHABET) for _ in range(6))
    return f"{at.astimezone(SHANGHAI):%y%m%d}-{suffix}"


def week_start(at: datetime) -> Any:
    local = at.astimezone(SHANGHAI).date()
    return local - timedelta(days=local.weekday())


# --- validation --------------------------------------------------------------------------------


def _clean_text(value: Any, *, field: str, limit: int, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InputError(
            f"{field} must be text; got {type(value).__name__}.",
            field=field,
            value=repr(value)[:80],
            fix=f"Send {field} as a string.",
        )
    text = value.replace("\r\n", "\n").strip()
    if "\x00" in text:
        raise InputError(f"{field} contains a NUL character.", field=field, fix="Remove it.")
    if required and not text:
        raise InputError(
            f"{field} is empty.",
            field=field,
            fix="Describe the problem: what, where exactly, since when.",
        )
    if len(text) > limit:
        raise InputError(
            f"{field} has {len(text):,} characters; at most {limit:,} are accepted.",
            field=field,
            value=len(text),
            fix=f"Shorten {field} to {limit:,} characters (attach a photo instead of long text).",
        )
    if _HTML.search(text):
        raise InputError(
            f"{field} contains HTML markup ({_HTML.search(text).group(0)[:30]!r}).",  # type: ignore[union-attr]
            field=field,
            fix="Send plain text without HTML tags.",
        )
    return text


def _coordinate(value: Any, field: str) -> float:
    if isinstance(value, bool):
        value = None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(
            f"{field} {value!r} is not a number.",
            field=field,
            value=str(value)[:40],
            fix="Send decimal degrees (WGS-84), e.g. long=121.4245&lat=31.2213.",
        ) from None
    if not math.isfinite(number):
        raise InputError(f"{field} {value!r} is not a finite number.", field=field)
    return number


def clean_attributes(info: CategoryInfo, raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """Attribute values checked against the service definition (Open311 datatypes)."""
    raw = dict(raw or {})
    known = {a.code: a for a in info.attributes if a.variable}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise InputError(
            f"Service {info.code} has no attribute {unknown[0]!r}.",
            field=f"attribute[{unknown[0]}]",
            value=unknown[0],
            fix=f"Its attributes are: {', '.join(known) or 'none'}.",
        )
    cleaned: dict[str, Any] = {}
    for code, attribute in known.items():
        value = raw.get(code)
        empty = value is None or value == "" or value == [] or value == [""]
        if empty:
            if attribute.required:
                raise InputError(
                    f"attribute[{code}] ({attribute.description}) is required for {info.name}.",
                    field=f"attribute[{code}]",
                    fix=_value_hint(attribute),
                )
            continue
        cleaned[code] = _clean_attribute(attribute, value)
    return cleaned


def _value_hint(attribute: AttributeInfo) -> str:
    if attribute.values:
        return "Choose from: " + ", ".join(f"{k} ({n})" for k, n in attribute.values[:12]) + "."
    return {
        "number": "Give a number.",
        "datetime": "Give a date and time such as 2026-11-28T09:30:00+08:00.",
    }.get(attribute.datatype, "Give a value.")


def _clean_attribute(attribute: AttributeInfo, value: Any) -> Any:
    field = f"attribute[{attribute.code}]"
    keys = {k for k, _n in attribute.values}
    if attribute.datatype == "multivaluelist":
        values = value if isinstance(value, list | tuple) else [value]
        values = [str(v) for v in values if str(v) != ""]
        bad = [v for v in values if v not in keys]
        if bad:
            raise InputError(
                f"{field}: {bad[0]!r} is not one of the allowed values.",
                field=field,
                value=bad[0],
                fix=_value_hint(attribute),
            )
        return sorted(set(values))
    if isinstance(value, list | tuple):
        if len(value) != 1:
            raise InputError(
                f"{field} takes one value; got {len(value)}.",
                field=field,
                fix=_value_hint(attribute),
            )
        value = value[0]
    text = str(value).strip()
    if attribute.datatype == "singlevaluelist":
        if text not in keys and not (attribute.code == "slot" and text.startswith("slot-")):
            raise InputError(
                f"{field}: {text!r} is not one of the allowed values.",
                field=field,
                value=text,
                fix=_value_hint(attribute),
            )
        return text
    if attribute.datatype == "number":
        try:
            number = float(text)
        except ValueError:
            raise InputError(
                f"{field}: {text!r} is not a number.", field=field, value=text, fix="Give a number."
            ) from None
        if not math.isfinite(number) or number < 0 or number > 1e9:
            raise InputError(f"{field}: {text!r} is out of range.", field=field, value=text)
        return int(number) if number.is_integer() else number
    if attribute.datatype == "datetime":
        from district.cases.open311.dates import parse_w3c

        return parse_w3c(text, field=field).isoformat()
    limit = 4000 if attribute.datatype == "text" else 200
    return _clean_text(text, field=field, limit=limit, required=False)


def _clean_contact(name: str, phone: str, email: str) -> tuple[str, str, str]:
    name = _clean_text(name, field="name", limit=60, required=False)
    phone = (phone or "").strip()
    if phone and not _PHONE.match(phone):
        raise InputError(
            f"phone {phone!r} is not a telephone number.",
            field="phone",
            value=phone,
            fix="Give digits only, e.g. 13800138000 or 021-62345678.",
        )
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise InputError(
                f"email {email!r} is not an e-mail address.",
                field="email",
                value=email,
                fix="Give an address such as name@example.com, or leave it empty.",
            ) from None
    return name, phone, email[:120]


def _fingerprint(parts: list[Any]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(str(part).encode("utf-8"))
        digest.update(b"\x1f")
    return digest.hexdigest()


# --- address lookup ------------------------------------------------------------------------------

_places_lock = threading.Lock()
_places: tuple[float, list[tuple[str, float, float]]] | None = None


def _named_places() -> list[tuple[str, float, float]]:
    """The district's named facilities (metro stations, schools, hospitals), longest first."""
    global _places
    now = clock.monotonic()
    with _places_lock:
        if _places is not None and now - _places[0] < 300:
            return _places[1]
    names = []
    for feature in geo.facilities_geojson()["features"]:
        props = feature["properties"]
        if props.get("in_district") and len(props.get("name") or "") >= 3:
            lon, lat = feature["geometry"]["coordinates"]
            names.append((props["name"], float(lon), float(lat)))
    names.sort(key=lambda n: (-len(n[0]), n[0]))
    with _places_lock:
        _places = (now, names)
    return names


def lookup_address(address: str) -> tuple[str, float, float] | None:
    """A named place mentioned in the address (e.g. 中山公园地铁站), or None.

    The platform has no street-address geocoder; an address naming a known facility is
    placed at it, any other address leaves the case for the dispatcher to pin on the map.
    """
    text = address.replace(" ", "")
    for name, lon, lat in _named_places():
        if name in text:
            return name, lon, lat
    return None


# --- the write -----------------------------------------------------------------------------------


def create_case(
    *,
    category_code: str,
    channel: str,
    description: str = "",
    title: str = "",
    lon: Any = None,
    lat: Any = None,
    address: str = "",
    attributes: Mapping[str, Any] | None = None,
    reporter: User | None = None,
    anonymous: bool = False,
    reporter_name: str = "",
    reporter_phone: str = "",
    reporter_email: str = "",
    device_id: str = "",
    account_id: str = "",
    photo: UploadedPhoto | None = None,
    media_url: str = "",
    subject_name: str = "",
    subject_licence: str = "",
    source_ref: str = "",
    idempotency_key: str | None = None,
    submitted_by: str = "",
    by: User | None = None,
    received_at: datetime | None = None,
    is_demo: bool = False,
) -> IntakeResult:
    """Create a case from a report (受理). See the module docstring for the guarantees.

    ``reporter`` is the resident's account (None for hotline callers, Open311 and sensors);
    ``by`` is the staff member entering it (a hotline operator, a grid worker) or None.
    ``source_ref`` links back to where the report came from (a participation suggestion's
    id, a sensor's id, an external 12345 order number).
    """
    if channel not in _CHANNELS:
        raise InputError(
            f"Unknown channel {channel!r}.",
            field="channel",
            value=channel,
            fix=f"Use one of {', '.join(sorted(_CHANNELS))}.",
        )
    info = get_service(category_code)
    description = _clean_text(
        description,
        field="description",
        limit=MAX_DESCRIPTION,
        required=channel not in _TEXT_CHANNELS_OPTIONAL,
    )
    title = _clean_text(title, field="title", limit=MAX_TITLE, required=False)
    if anonymous and not info.anonymous_allowed:
        raise InputError(
            f"{info.name} cannot be reported anonymously.",
            field="anonymous",
            fix="Give your name and a phone number: the service needs to reach you.",
        )
    if not title:
        first_line = description.split("\n", 1)[0].strip()
        title = (first_line[:30] + ("…" if len(first_line) > 30 else "")) or info.name
    address = _clean_text(address, field="address_string", limit=MAX_ADDRESS, required=False)
    has_lon, has_lat = lon not in (None, ""), lat not in (None, "")
    if has_lon != has_lat:
        raise InputError(
            "Give both lat and long, or neither.",
            field="lat" if has_lon else "long",
            fix="Send both coordinates of the point (WGS-84), or an address_string.",
        )
    location = None
    located_by = ""
    point: tuple[float, float] | None = None
    if has_lon:
        point = (_coordinate(lon, "long"), _coordinate(lat, "lat"))
        location = geo.require_in_district_cached(point[0], point[1], field_name="lat")
        located_by = "point"
    elif address:
        place = lookup_address(address)
        if place is not None:
            point = (place[1], place[2])
            location = geo.require_in_district_cached(
                point[0], point[1], field_name="address_string"
            )
            located_by = f"address: {place[0]}"[:120]
    else:
        raise InputError(
            "The report has no location.",
            field="lat",
            fix="Put a pin on the map (lat and long), or give an address (address_string).",
        )
    cleaned_attributes = clean_attributes(info, attributes)
    reporter_name, reporter_phone, reporter_email = _clean_contact(
        reporter_name, reporter_phone, reporter_email
    )
    if info.requires_booking and not (reporter_phone or reporter_email or reporter):
        raise InputError(
            f"{info.name} needs a way to reach you.",
            field="phone",
            fix="Give a phone number so the crew can call before the pickup.",
        )
    if info.requires_booking and "slot" not in cleaned_attributes:
        raise InputError(
            f"{info.name} needs a pickup time.",
            field="attribute[slot]",
            fix="Choose one of the offered pickup times.",
        )
    media_url = (media_url or "").strip()
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            raise InputError(
                f"media_url {media_url[:80]!r} is not an http(s) URL.",
                field="media_url",
                fix="Give the photo's web address, or leave it empty.",
            ) from None
        if len(media_url) > 500:
            raise InputError("media_url is longer than 500 characters.", field="media_url")
    photo_data = check_photo(photo) if photo is not None else None
    subject_name = _clean_text(
        subject_name or str(cleaned_attributes.get("merchant_name", "")),
        field="subject_name",
        limit=100,
        required=False,
    )
    subject_licence = re.sub(
        r"\s", "", subject_licence or str(cleaned_attributes.get("merchant_licence", ""))
    ).upper()[:30]
    if idempotency_key is not None:
        idempotency_key = str(idempotency_key).strip()[:80] or None
    now = received_at or timezone.now()
    fingerprint = _fingerprint(
        [
            channel,
            info.code,
            description,
            point,
            address,
            sorted(cleaned_attributes.items()),
            getattr(reporter, "pk", None),
            reporter_phone,
            reporter_email,
            device_id,
            account_id,
            submitted_by,
            source_ref,
        ]
    )
    if idempotency_key is None:
        idempotency_key, previous = _implicit_keys(fingerprint, now)
        retried = _find_retry(previous, fingerprint, now) if previous else None
    else:
        retried = _find_retry(idempotency_key, fingerprint, now)
    if retried is not None:
        return IntakeResult(case=retried, created=False)
    access_key = secrets.token_urlsafe(16) if reporter is None and channel == Channel.WEB else ""
    for _attempt in range(3):
        number = _new_number(now)
        try:
            with photo_batch() as photos, transaction.atomic():
                case = _insert(
                    number=number,
                    info=info,
                    now=now,
                    channel=channel,
                    title=title,
                    description=description,
                    attributes=cleaned_attributes,
                    point=point,
                    location=location,
                    address=address,
                    located_by=located_by,
                    reporter=reporter,
                    anonymous=anonymous,
                    reporter_name=reporter_name,
                    reporter_phone=reporter_phone,
                    reporter_email=reporter_email,
                    device_id=str(device_id or "")[:100],
                    account_id=str(account_id or "")[:100],
                    access_key=access_key,
                    media_url=media_url,
                    submitted_by=submitted_by[:120],
                    subject_name=subject_name,
                    subject_licence=subject_licence,
                    source_ref=str(source_ref or "")[:100],
                    idempotency_key=idempotency_key,
                    fingerprint=fingerprint,
                    is_demo=is_demo,
                )
                event = record_event(
                    case,
                    CaseEvent.Kind.RECEIVED,
                    at=now,
                    by=by,
                    label=submitted_by or ("resident" if reporter else channel),
                    to_status=Status.RECEIVED,
                    data={"channel": channel},
                )
                if photo_data is not None:
                    photos.save(
                        case=case,
                        content=photo_data[0],
                        content_type=photo_data[1],
                        extension=photo_data[2],
                        event=event,
                        by=reporter or by,
                        public=False,
                    )
        except IntegrityError:
            # A concurrent retry with the same key won the race: answer with its case.
            retried = _find_retry(idempotency_key, fingerprint, now)
            if retried is not None:
                return IntakeResult(case=retried, created=False)
            if not Case.objects.filter(number=number).exists():
                raise
            continue  # the random case number was taken (1 in 10^9 a day): draw again
        return IntakeResult(case=case, created=True, access_key=access_key)
    raise ConflictError(  # pragma: no cover - three collisions in a row
        "Could not find a free case number; send the report again.", field="number"
    )


def _implicit_keys(fingerprint: str, now: datetime) -> tuple[str, str | None]:
    """The key of this report's window, and of the previous one near a window's start."""
    bucket = int(now.timestamp()) // RETRY_WINDOW_S
    key = f"fp:{fingerprint[:48]}:{bucket}"
    near_start = int(now.timestamp()) - bucket * RETRY_WINDOW_S < RETRY_GRACE_S
    return key, f"fp:{fingerprint[:48]}:{bucket - 1}" if near_start else None


def _find_retry(key: str | None, fingerprint: str, now: datetime) -> Case | None:
    if key is None:
        return None
    existing = Case.objects.filter(idempotency_key=key).first()
    if existing is None:
        return None
    if existing.fingerprint != fingerprint:
        raise ConflictError(
            f"This submission (key {key[:20]!r}) was already used for another report, "
            f"case {existing.number}.",
            field="idempotency_key",
            fix="Reload the form to send a new report.",
        )
    return existing


def _insert(
    *,
    number: str,
    info: CategoryInfo,
    now: datetime,
    point: tuple[float, float] | None,
    location: geo.Location | None,
    attributes: dict[str, Any],
    reporter: User | None,
    anonymous: bool,
    access_key: str,
    **fields: Any,
) -> Case:
    slot = None
    if info.requires_booking:
        slot = book_slot(slot_key=attributes["slot"], category=info, now=now)
    cell_code = (location.cell_code or "") if location else ""
    subdistrict_code = (location.subdistrict_code or "") if location else ""
    due, provisional = projected_due(info, now)
    case = Case(
        category_id=info.pk,
        status=Status.RECEIVED,
        attributes=attributes,
        lon=point[0] if point else None,
        lat=point[1] if point else None,
        cell_code=cell_code,
        subdistrict_code=subdistrict_code,
        subdistrict_name=(location.subdistrict_name or "") if location else "",
        reporter=reporter,
        anonymous=anonymous,
        access_key_hash=hashlib.sha256(access_key.encode()).hexdigest() if access_key else "",
        routed_department_id=route(info, cell_code=cell_code, subdistrict_code=subdistrict_code)
        if location
        else None,
        booking_slot=slot,
        received_at=now,
        received_week=week_start(now),
        updated_at=now,
        due_at=due,
        token=secrets.token_hex(16),
        **fields,
    )
    enter_stage(case, Stage.REGISTER, now)
    case.deadline_provisional = case.deadline_provisional or provisional
    case.number = number
    case.save(force_insert=True)
    return case


def check_access_key(case: Case, key: str) -> bool:
    """Whether ``key`` is the private key handed to the case's anonymous web reporter."""
    if not key or not case.access_key_hash:
        return False
    return secrets.compare_digest(hashlib.sha256(key.encode()).hexdigest(), case.access_key_hash)
