"""The catalogue, the routing table and the working-day calendar pages."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from district.accounts.auth import permission_required
from district.accounts.models import User
from district.cases import services
from district.cases.forms import CalendarYearForm, RoutingRuleForm
from district.cases.models import (
    Attribute,
    CalendarDay,
    CalendarYear,
    Category,
    RoutingRule,
    TimeLimit,
)
from district.cases.services import access
from district.cases.views.common import base_context, language
from district.core.errors import DistrictError


@require_GET
@permission_required("cases.view_console")
def catalogue(request: HttpRequest) -> HttpResponse:
    majors = Category.objects.filter(parent__isnull=True).select_related("default_department")
    minors = (
        Category.objects.filter(parent__isnull=False)
        .select_related("default_department", "parent")
        .annotate(rules=Count("routing"))
    )
    limits: dict[int, dict[str, float]] = {}
    for limit in TimeLimit.objects.all():
        limits.setdefault(limit.category_id, {})[limit.stage] = limit.working_hours
    snapshot = services.catalogue()
    rows = []
    for major in majors:
        children = [
            {
                "category": m,
                "info": snapshot.by_pk.get(m.pk),
                "own_limits": limits.get(m.pk, {}),
                "attributes": Attribute.objects.filter(category=m),
            }
            for m in minors
            if m.parent_id == major.pk
        ]
        rows.append({"major": major, "children": children})
    return render(request, "cases/catalogue.html", base_context(request, rows=rows))


@require_http_methods(["GET", "POST"])
@permission_required("cases.edit_routing")
def routing(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = RoutingRuleForm(request.POST or None, language=language())
    if request.method == "POST":
        if request.POST.get("delete"):
            try:
                services.delete_routing_rule(rule_id=int(request.POST["delete"]), by=user)
            except (DistrictError, ValueError) as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("Rule deleted."))
            return redirect("cases:routing")
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.set_routing_rule(
                    category_code=data["category"],
                    department_code=data["department"].code,
                    cell_code=data.get("cell_code", ""),
                    subdistrict_code=data.get("subdistrict_code", ""),
                    note=data.get("note", ""),
                    by=user,
                )
            except DistrictError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Rule saved."))
                return redirect("cases:routing")
    rules = RoutingRule.objects.select_related("category", "department", "updated_by")
    return render(request, "cases/routing.html", base_context(request, form=form, rules=rules))


@require_http_methods(["GET", "POST"])
@permission_required("cases.view_console")
def calendar(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _calendar_enter(request)
    status = services.calendar_status()
    years = CalendarYear.objects.select_related("entered_by")
    recent = CalendarDay.objects.filter(year__year__gte=status.this_year).order_by("date")
    form = CalendarYearForm(initial={"year": status.this_year + 1})
    return render(
        request,
        "cases/calendar.html",
        base_context(
            request,
            status=status,
            years=years,
            days=recent,
            form=form if access.has(request.user, "edit_calendar") else None,
        ),
    )


def _calendar_enter(request: HttpRequest) -> HttpResponse:
    access.require(request.user, "edit_calendar", "enter calendar years")
    user = request.user
    assert isinstance(user, User)
    form = CalendarYearForm(request.POST)
    if not form.is_valid():
        problems = (f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items())
        messages.error(request, "; ".join(problems))
        return redirect("cases:calendar")
    data = form.cleaned_data
    try:
        services.enter_calendar_year(
            year=data["year"],
            holidays=services.parse_calendar_lines(data["holidays"], field="holidays"),
            workdays=services.parse_calendar_lines(data.get("workdays", ""), field="workdays"),
            by=user,
            note=data.get("note", ""),
        )
    except DistrictError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Calendar year %(year)s saved.") % {"year": data["year"]})
    return redirect("cases:calendar")
