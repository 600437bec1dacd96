"""Open311 GeoReport v2 at ``/open311/v2/``.

Endpoints (each in ``.json`` and ``.xml``): ``discovery``, ``services``,
``services/{code}`` (and ``service/{code}``, which the ``open311`` client sends),
``POST requests``, ``GET requests``, ``requests/{id}`` (a one-item list), ``tokens/{token}``.

* ``jurisdiction_id`` is optional; an empty value counts as missing, an unknown one is 404.
* ``POST requests`` takes a form-encoded body; ``api_key`` may be in the body or the query
  string (a missing or unknown key is 403). Services with a booking slot are ``batch``:
  the answer carries a ``token`` that ``tokens/{token}`` turns into the request id.
* ``GET requests``: ``service_request_id`` (comma list, overrides every other filter),
  ``service_code`` (comma list), ``start_date``/``end_date`` (a window of at most 90 days;
  the last 90 days by default), ``status`` (``open``, ``closed``); the extensions ``page``
  and ``page_size`` (at most 1,000) and ``extensions=true`` (attributes, workflow state,
  grid cell, channel, public photos and the public timeline as ``notes``).
* Errors are the spec's list of ``{code, description}`` with HTTP 400, 403 or 404 (a
  conflict is HTTP 400 with code 409 in the body).
* Public output never carries a reporter's name, phone, e-mail, account or device, and
  telephone and ID numbers typed into a description are masked.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.views.decorators.csrf import csrf_exempt

from district.accounts import services as accounts
from district.accounts.models import ApiKey
from district.cases import services
from district.cases.models import Case, CaseEvent, Channel, Photo
from district.cases.open311.dates import parse_w3c, w3c
from district.cases.open311.render import error_response, respond
from district.cases.open311.schemas import parse_form
from district.core.access import public
from district.core.errors import (
    ConflictError,
    DistrictError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
)

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-28T00:00:00+08:00"
MAX_WINDOW = timedelta(days=90)
MAX_PAGE_SIZE = 1000
JURISDICTIONS = {"310105", "shcn.gov.cn", "changning.sh.cn"}
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")

View = Callable[..., HttpResponse]


def mask_personal(text: str) -> str:
    """Mask mobile numbers (138****5678) and resident ID numbers in public text."""
    text = _PHONE.sub(r"\1****\2", text)
    return _ID_NUMBER.sub(r"\1********\2", text)


def open311(*methods: str) -> Callable[[View], View]:
    """Format check, jurisdiction check, method check and the spec's error list."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
            if fmt not in ("json", "xml"):
                return error_response(
                    "xml",
                    [(404, f"Unknown format .{fmt}: use .json or .xml.")],
                    status=404,
                )
            if request.method not in methods:
                response = error_response(
                    fmt,
                    [(405, f"{request.method} is not allowed here; use {' or '.join(methods)}.")],
                    status=405,
                )
                response["Allow"] = ", ".join(methods)
                return response
            try:
                jurisdiction = (
                    request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id") or ""
                ).strip()
                if jurisdiction and jurisdiction not in JURISDICTIONS:
                    raise NotFoundError(
                        f"Unknown jurisdiction_id {jurisdiction!r}.",
                        field="jurisdiction_id",
                        fix=f"This endpoint serves {', '.join(sorted(JURISDICTIONS))}; the "
                        "parameter may be left out.",
                    )
                return view(request, *args, fmt=fmt, **kwargs)
            except DistrictError as error:
                return _error(fmt, error)

        return public(csrf_exempt(wrapper))

    return decorator


def _error(fmt: str, error: DistrictError) -> HttpResponse:
    status = error.status if error.status in (400, 403, 404) else 400
    if error.status >= 500:
        status = error.status
    code = 409 if isinstance(error, ConflictError) else error.status
    descriptions = [str(error)]
    if len(error.errors) > 1:
        descriptions = [f"{field}: {'; '.join(m)}" for field, m in error.errors.items()]
    return error_response(fmt, [(code, d) for d in descriptions], status=status)


# --- discovery and services ---------------------------------------------------------------------


@open311("GET")
def discovery(request: HttpRequest, *, fmt: str) -> HttpResponse:
    url = request.build_absolute_uri("/open311/v2").rstrip("/")
    body = {
        "changeset": CHANGESET,
        "contact": "长宁区城市运行管理中心 Changning District City Operation Management Centre "
        "(12345 for urgent matters)",
        "key_service": "API keys are issued by the district: `district cases create-api-key NAME`.",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": url,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return respond(fmt, "discovery", body)


def _english() -> bool:
    return translation.get_language() == "en"


def _service_item(info: services.CategoryInfo) -> dict[str, Any]:
    english = _english()
    return {
        "service_code": info.code,
        "service_name": info.name_en if english and info.name_en else info.name,
        "description": info.description,
        "metadata": bool(info.attributes),
        "type": "batch" if info.requires_booking else "realtime",
        "keywords": info.keywords,
        "group": info.parent_name_en if english and info.parent_name_en else info.parent_name,
    }


@open311("GET")
def service_list(request: HttpRequest, *, fmt: str) -> HttpResponse:
    items = [_service_item(info) for info in services.catalogue().services()]
    return respond(fmt, "services", items)


@open311("GET")
def service_definition(request: HttpRequest, code: str, *, fmt: str) -> HttpResponse:
    info = services.get_service(code)
    english = _english()
    attributes = []
    for a in info.attributes:
        values = [{"key": k, "name": n} for k, n in a.values]
        if info.requires_booking and a.code == "slot":
            values = [
                {
                    "key": slot.key,
                    "name": f"{timezone.localtime(slot.starts_at):%Y-%m-%d %H:%M}–"
                    f"{timezone.localtime(slot.ends_at):%H:%M} ({slot.remaining})",
                }
                for slot in services.open_slots(info.code)
            ]
        item: dict[str, Any] = {
            "variable": a.variable,
            "code": a.code,
            "datatype": a.datatype,
            "required": a.required,
            "datatype_description": a.datatype_description,
            "order": a.order,
            "description": a.description_en if english and a.description_en else a.description,
        }
        if a.datatype in ("singlevaluelist", "multivaluelist"):
            item["values"] = values
        attributes.append(item)
    return respond(fmt, "service_definition", {"service_code": info.code, "attributes": attributes})


# --- requests ---------------------------------------------------------------------------------


# Keys that authenticated are remembered for a few seconds, so a client posting many
# reports costs one key lookup per KEY_CACHE_S rather than one per report; a key revoked
# in another process stops working within that time. Failures are never remembered.
KEY_CACHE_S = 10.0
_keys: dict[str, tuple[float, ApiKey]] = {}


def forget_api_keys() -> None:
    _keys.clear()


def _api_key(request: HttpRequest) -> ApiKey:
    raw = (request.POST.get("api_key") or request.GET.get("api_key") or "").strip()
    if not raw:
        raise PermissionDeniedError(
            "api_key is missing.",
            field="api_key",
            fix="Send the key the district issued you as api_key (in the body or the query).",
        )
    digest = hashlib.sha256(raw.encode()).hexdigest()
    now = time.monotonic()
    remembered = _keys.get(digest)
    if remembered is not None and now - remembered[0] < KEY_CACHE_S:
        return remembered[1]
    key = accounts.authenticate_api_key(raw)
    if len(_keys) > 10_000:
        _keys.clear()
    _keys[digest] = (now, key)
    return key


@open311("GET", "POST")
def requests_view(request: HttpRequest, *, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    return _search(request, fmt)


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    key = _api_key(request)
    form = parse_form(request.POST)
    header_key = request.headers.get("Idempotency-Key", "").strip()
    reporter_name = " ".join(p for p in (form.first_name, form.last_name) if p)
    result = services.create_case(
        category_code=form.service_code,
        channel=Channel.OPEN311,
        description=form.description,
        lon=form.long,
        lat=form.lat,
        address=form.address_string,
        attributes=form.attributes,
        reporter_name=reporter_name,
        reporter_phone=form.phone,
        reporter_email=form.email,
        device_id=form.device_id,
        account_id=form.account_id,
        media_url=form.media_url,
        source_ref=form.address_id,
        idempotency_key=f"o311:{key.pk}:{header_key}" if header_key else None,
        submitted_by=f"Open311: {key.name}",
    )
    case = result.case
    info = services.catalogue().by_pk[case.category_id]
    item: dict[str, Any]
    notice = _notice(case)
    if info.requires_booking:
        item = {
            "token": case.token,
            "service_notice": notice,
            "account_id": form.account_id or None,
        }
    else:
        item = {
            "service_request_id": case.number,
            "service_notice": notice,
            "account_id": form.account_id or None,
        }
    return respond(fmt, "service_requests", [item], status=201 if result.created else 200)


def _notice(case: Case) -> str:
    due = w3c(case.due_at)
    text = f"Case {case.number} received; expected by {due}."
    if case.deadline_provisional:
        text += " (provisional: next year's holidays are not yet entered)"
    if case.booking_slot_id:
        slot = case.booking_slot
        if slot is not None:
            text += f" Pickup booked for {timezone.localtime(slot.starts_at):%Y-%m-%d %H:%M}."
    if not case.cell_code:
        text += " The address could not be placed on the map; a dispatcher will locate it."
    return text


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _int(value: str, field: str, default: int, low: int, high: int) -> int:
    if value in ("", None):
        return default
    try:
        number = int(value)
    except ValueError:
        raise InputError(f"{field} {value!r} is not a whole number.", field=field) from None
    if not low <= number <= high:
        raise InputError(f"{field} {number} is outside {low}–{high}.", field=field, value=number)
    return number


def _search(request: HttpRequest, fmt: str) -> HttpResponse:
    params = request.GET
    extensions = params.get("extensions", "").lower() == "true"
    page = _int(params.get("page", ""), "page", 1, 1, 1_000_000)
    page_size = _int(params.get("page_size", ""), "page_size", MAX_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    queryset = _public_cases()
    ids = _csv(params.get("service_request_id", ""))
    if ids:
        queryset = queryset.filter(number__in=[services.normalise_number(i) for i in ids[:1000]])
    else:
        codes = _csv(params.get("service_code", ""))
        known = services.catalogue().by_code
        for code in codes:
            if code not in known:
                raise NotFoundError(
                    f"There is no service with code {code!r}.", field="service_code", value=code
                )
        if codes:
            queryset = queryset.filter(category__code__in=codes)
        start, end = _window(params.get("start_date", ""), params.get("end_date", ""))
        queryset = queryset.filter(received_at__gte=start, received_at__lte=end, is_synthetic=False)
        statuses = _csv(params.get("status", "").lower())
        bad = [s for s in statuses if s not in ("open", "closed")]
        if bad:
            raise InputError(
                f"status {bad[0]!r} is not open or closed.",
                field="status",
                value=bad[0],
                fix="Use status=open, status=closed or status=open,closed.",
            )
        if statuses == ["open"]:
            queryset = queryset.filter(status__in=list(_OPEN))
        elif statuses == ["closed"]:
            queryset = queryset.exclude(status__in=list(_OPEN))
    queryset = queryset.order_by("-received_at", "-id")
    if extensions:
        queryset = queryset.prefetch_related(*_extension_prefetch())
    offset = (page - 1) * page_size
    cases = list(queryset[offset : offset + page_size])
    return respond(fmt, "service_requests", [_request_item(c, extensions) for c in cases])


_OPEN = {"received", "registered", "dispatched", "handled"}
# The columns public output reads (never the reporter's): a lean query per request.
PUBLIC_FIELDS = (
    "number",
    "status",
    "outcome",
    "description",
    "received_at",
    "closed_at",
    "updated_at",
    "due_at",
    "address",
    "lat",
    "lon",
    "media_url",
    "attributes",
    "channel",
    "cell_code",
    "subdistrict_code",
    "due_state",
    "escalation_level",
    "merged_into",
    "is_demo",
    "is_synthetic",
    "category__code",
    "category__name",
    "category__name_en",
    "department__name",
)


def _public_cases() -> Any:
    return Case.objects.select_related("category", "department").only(*PUBLIC_FIELDS)


def _window(start_text: str, end_text: str) -> tuple[datetime, datetime]:
    start = parse_w3c(start_text, field="start_date") if start_text else None
    end = parse_w3c(end_text, field="end_date") if end_text else None
    if start is None and end is None:
        end = timezone.now()
        start = end - MAX_WINDOW
    elif start is None:
        assert end is not None
        start = end - MAX_WINDOW
    elif end is None:
        end = start + MAX_WINDOW
    if end < start:
        raise InputError(
            "end_date is before start_date.",
            field="end_date",
            fix="Give start_date first, then a later end_date.",
        )
    if end - start > MAX_WINDOW:
        raise InputError(
            f"The window {w3c(start)} – {w3c(end)} spans more than 90 days.",
            field="end_date",
            fix="Ask for at most 90 days at a time (Open311 GeoReport v2).",
        )
    return start, end


def _extension_prefetch() -> list[Prefetch[Any]]:
    return [
        Prefetch(
            "events",
            queryset=CaseEvent.objects.filter(public=True).order_by("at", "id"),
            to_attr="public_events",
        ),
        Prefetch("photos", queryset=Photo.objects.filter(public=True), to_attr="public_photos"),
    ]


def _request_item(case: Case, extensions: bool) -> dict[str, Any]:
    english = _english()
    category = case.category
    closed = case.status not in _OPEN
    item: dict[str, Any] = {
        "service_request_id": case.number,
        "status": "closed" if closed else "open",
        "status_notes": mask_personal(case.outcome) if closed else "",
        "service_name": category.name_en if english and category.name_en else category.name,
        "service_code": category.code,
        "description": mask_personal(case.description),
        "agency_responsible": case.department.name if case.department else "",
        "service_notice": "",
        "requested_datetime": w3c(case.received_at),
        "updated_datetime": w3c(case.closed_at if closed and case.closed_at else case.updated_at),
        "expected_datetime": w3c(case.due_at),
        "address": case.address,
        "address_id": "",
        "zipcode": "",
        "lat": round(case.lat, 6) if case.lat is not None else None,
        "long": round(case.lon, 6) if case.lon is not None else None,
        "media_url": case.media_url,
    }
    if extensions:
        attributes = []
        info = services.catalogue().by_pk.get(case.category_id)
        labels = {a.code: a for a in (info.attributes if info else ())}
        for code, value in sorted(case.attributes.items()):
            attribute = labels.get(code)
            names = dict(attribute.values) if attribute else {}
            shown = (
                ", ".join(names.get(str(v), str(v)) for v in value)
                if isinstance(value, list)
                else names.get(str(value), str(value))
            )
            attributes.append(
                {
                    "code": code,
                    "label": attribute.description if attribute else code,
                    "value": ",".join(value) if isinstance(value, list) else str(value),
                    "name": shown,
                }
            )
        events = getattr(case, "public_events", None)
        if events is None:
            events = list(case.events.filter(public=True).order_by("at", "id"))
        photos = getattr(case, "public_photos", None)
        if photos is None:
            photos = list(case.photos.filter(public=True))
        item["attributes"] = attributes
        item["extended_attributes"] = {
            "channel": case.channel,
            "x": case.lon,
            "y": case.lat,
            "grid_code": case.cell_code,
            "subdistrict_code": case.subdistrict_code,
            "workflow_state": case.status,
            "deadline_state": case.due_state,
            "escalation_level": case.escalation_level,
            "merged_into": case.merged_into.number
            if case.merged_into_id and case.merged_into
            else "",
            "demo": case.is_demo,
            "synthetic": case.is_synthetic,
            "photos": [
                {
                    "media_url": f"/cases/photo/{p.pk}/",
                    "title": str(p.event.get_kind_display()) if p.event else "",
                    "created_at": w3c(p.created_at),
                }
                for p in photos
            ],
        }
        item["notes"] = [
            {
                "datetime": w3c(e.at),
                "description": mask_personal(e.reason) or str(e.get_kind_display()),
                "type": e.kind,
            }
            for e in events
        ]
    return item


@open311("GET")
def request_detail(request: HttpRequest, request_id: str, *, fmt: str) -> HttpResponse:
    extensions = request.GET.get("extensions", "").lower() == "true"
    found = list(
        _public_cases().filter(number=services.normalise_number(request_id)).order_by()[:1]
    )
    case = found[0] if found else None
    if case is None:
        raise NotFoundError(
            f"There is no service request {request_id!r}.",
            field="service_request_id",
            value=request_id,
        )
    return respond(fmt, "service_requests", [_request_item(case, extensions)])


@open311("GET")
def token_detail(request: HttpRequest, token: str, *, fmt: str) -> HttpResponse:
    number = (
        Case.objects.filter(token=token.strip().lower()).values_list("number", flat=True).first()
    )
    if number is None:
        raise NotFoundError(f"There is no token {token!r}.", field="token", value=token)
    return respond(fmt, "service_requests", [{"service_request_id": number, "token": token}])
