"""The resident's side: report a problem, the receipt, track by number, rate, my reports."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from district.accounts.auth import user_has_role
from district.accounts.models import User
from district.cases import services
from district.cases.forms import RateForm, ReportForm, TrackForm, attribute_field_name
from district.cases.models import OPEN_STATUSES, Case, Channel, Notification, Photo, Status
from district.cases.open311.views import mask_personal
from district.cases.services import access
from district.cases.views.common import base_context, language
from district.core.access import public
from district.core.errors import DistrictError, NotFoundError, PermissionDeniedError

SESSION_KEYS = "cases_access_keys"


@public
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    real = Case.objects.filter(is_synthetic=False)
    counts = real.aggregate(
        open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        closed=Count("pk", filter=Q(status=Status.CLOSED)),
        total=Count("pk"),
    )
    return render(
        request,
        "cases/index.html",
        base_context(
            request,
            counts=counts,
            services=services.catalogue().services(),
            synthetic=Case.objects.filter(is_synthetic=True).count(),
        ),
    )


def _is_staff_reporter(user: Any) -> bool:
    return user_has_role(user, "dispatcher", "grid_worker", "supervisor")


# Service error fields → form fields.
_FIELDS = {
    "description": "description",
    "title": "title",
    "lat": "address",
    "long": "address",
    "location": "address",
    "address_string": "address",
    "photo": "photo",
    "phone": "phone",
    "name": "name",
    "anonymous": "anonymous",
    "service_code": "category",
    "category": "category",
}


def _form_field(form: ReportForm, field: str | None) -> str | None:
    if not field:
        return None
    if field.startswith("attribute[") and field.endswith("]"):
        name = attribute_field_name(form.cleaned_data.get("category", ""), field[10:-1])
        return name if name in form.fields else None
    if field == "slot":
        name = attribute_field_name(form.cleaned_data.get("category", ""), "slot")
        return name if name in form.fields else None
    mapped = _FIELDS.get(field)
    return mapped if mapped in form.fields else None


@public
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    user = request.user
    staff = _is_staff_reporter(user)
    staff_user = user if staff and isinstance(user, User) else None
    form = ReportForm(request.POST or None, request.FILES or None, staff=staff, language=language())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        anonymous = bool(data.get("anonymous"))
        resident = user if user.is_authenticated and not staff else None
        try:
            result = services.create_case(
                category_code=data["category"],
                channel=data.get("channel") or Channel.WEB,
                title=data.get("title", ""),
                description=data["description"],
                lon=data.get("lon"),
                lat=data.get("lat"),
                address=data.get("address", ""),
                attributes=form.attribute_values(),
                reporter=resident,
                anonymous=anonymous,
                reporter_name="" if anonymous else data.get("name", ""),
                reporter_phone=data.get("phone", ""),
                photo=data.get("photo"),
                idempotency_key=f"web:{data['submission']}",
                by=staff_user,
                submitted_by=str(user) if staff else "",
            )
        except DistrictError as error:
            form.add_error(_form_field(form, error.field), str(error))
        else:
            if result.access_key:
                keys = request.session.get(SESSION_KEYS, {})
                keys[result.case.number] = result.access_key
                request.session[SESSION_KEYS] = keys
            if not result.created:
                messages.info(request, _("This report was already received; here is its receipt."))
            return redirect("cases:received", number=result.case.number)
    return render(
        request,
        "cases/report.html",
        base_context(request, form=form, staff=staff),
    )


@public
@require_GET
def received(request: HttpRequest, number: str) -> HttpResponse:
    case = services.get_case(number)
    key = request.session.get(SESSION_KEYS, {}).get(case.number, "")
    mine = access.is_reporter(request.user, case) or (key and services.check_access_key(case, key))
    if not mine and not access.can_view(request.user, case):
        raise PermissionDeniedError(
            "This receipt belongs to the person who sent the report.",
            fix="Track the case by its number instead.",
        )
    private_url = (
        request.build_absolute_uri(reverse("cases:track-case", args=[case.number])) + f"?key={key}"
        if key
        else ""
    )
    return render(
        request,
        "cases/received.html",
        base_context(request, case=case, private_url=private_url),
    )


@public
@require_GET
def track(request: HttpRequest) -> HttpResponse:
    form = TrackForm(request.GET or None)
    if form.is_bound and form.is_valid():
        number = services.normalise_number(form.cleaned_data["number"])
        if Case.objects.filter(number=number).exists():
            return redirect("cases:track-case", number=number)
        form.add_error("number", _("There is no case with this number. Check your receipt."))
    return render(request, "cases/track.html", base_context(request, form=form))


def _reporter_key(request: HttpRequest, case: Case) -> str:
    key = request.GET.get("key") or request.POST.get("key") or ""
    if not key:
        key = request.session.get(SESSION_KEYS, {}).get(case.number, "")
    return key if services.check_access_key(case, key) else ""


@public
@require_GET
def track_case(request: HttpRequest, number: str) -> HttpResponse:
    case = services.get_case(number)
    if case.is_synthetic:
        raise NotFoundError(f"Case {case.number} is synthetic test data.", field="number")
    key = _reporter_key(request, case)
    private = access.is_reporter(request.user, case) or bool(key)
    events = case.events.filter(public=True).select_related("department").order_by("at", "id")
    can_rate = (
        private
        and case.status == Status.CLOSED
        and (
            case.rated_at is None or (case.closed_at is not None and case.rated_at < case.closed_at)
        )
    )
    photos = case.photos.all() if private else case.photos.filter(public=True)
    return render(
        request,
        "cases/track_case.html",
        base_context(
            request,
            case=case,
            private=private,
            description=case.description if private else mask_personal(case.description),
            events=events,
            photos=photos,
            rate_form=RateForm(initial={"key": key}) if can_rate else None,
            master=case.merged_into,
        ),
    )


@public
@require_POST
def rate(request: HttpRequest, number: str) -> HttpResponse:
    case = services.get_case(number)
    form = RateForm(request.POST)
    key = _reporter_key(request, case)
    target = reverse("cases:track-case", args=[case.number]) + (f"?key={key}" if key else "")
    if not form.is_valid():
        messages.error(request, _("Choose one of the three answers."))
        return redirect(target)
    try:
        services.rate_case(
            case=case,
            rating=form.cleaned_data["rating"],
            comment=form.cleaned_data.get("comment", ""),
            by=request.user if request.user.is_authenticated else None,
            access_key=key,
        )
    except DistrictError as error:
        messages.error(request, str(error))
    else:
        case.refresh_from_db()
        if case.status == Status.DISPATCHED:
            messages.warning(
                request, _("Thank you. The case has been reopened and sent back to the department.")
            )
        else:
            messages.success(request, _("Thank you for rating the outcome."))
    return redirect(target)


@require_GET
@login_required
def mine(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    cases = (
        Case.objects.filter(reporter=user)
        .select_related("category", "department", "merged_into")
        .order_by("-received_at")[:100]
    )
    notices = list(Notification.objects.filter(user=user).select_related("case")[:50])
    Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
    return render(request, "cases/mine.html", base_context(request, cases=cases, notices=notices))


@public
@require_GET
def photo(request: HttpRequest, pk: int) -> FileResponse:
    item = Photo.objects.select_related("case").filter(pk=pk).first()
    if item is None:
        raise NotFoundError(f"No photo {pk}.", field="photo")
    case = item.case
    allowed = (
        item.public
        or access.is_reporter(request.user, case)
        or bool(_reporter_key(request, case))
        or (access.has(request.user, "view_console") and access.can_view(request.user, case))
    )
    if not allowed:
        raise PermissionDeniedError("This photo is private to the reporter and the staff.")
    response = FileResponse(item.file.open("rb"), content_type=item.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
