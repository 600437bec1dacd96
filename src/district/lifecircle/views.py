"""The life-circle pages: the resident's "what is within 15 minutes of me" and the
planners' coverage map, gap list, standards and siting tool. Views are thin: they parse,
check the role, call one service and render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from district.accounts.auth import role_required
from district.core.access import public
from district.core.errors import DistrictError
from district.lifecircle import places, results, services
from district.lifecircle.forms import PlaceForm, SitingForm, StandardForm, WhatIfForm
from district.lifecircle.models import AccessRun, SitingStudy

PLANNERS = ("planner", "administrator")


def _name(english: str, chinese: str) -> str:
    return english if (get_language() or "").startswith("en") else chinese


def _category_choices(run: AccessRun | None) -> list[tuple[str, str]]:
    names = {s.code: _name(s.name_en, s.name) for s in services.standards()}
    codes = list(run.thresholds) if run else []
    return [(code, names.get(code, code)) for code in codes]


def _planner_context(request: HttpRequest, run: AccessRun | None, section: str) -> dict[str, Any]:
    return {
        "run": run,
        "section": section,
        "running": services.running_refresh(),
        "categories": _category_choices(run),
    }


@public
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Resident page: type or click a place, see every category's nearest facility, the
    walking time and a 5/10/15-minute isochrone."""
    form = PlaceForm(request.GET or None)
    access: dict[str, Any] | None = None
    error: DistrictError | None = None
    place_label = ""
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        speed = data.get("speed") or services.DEFAULT_SPEED
        try:
            if data.get("lon") is not None and data.get("lat") is not None:
                lon, lat = data["lon"], data["lat"]
                place_label = f"{lon:.5f}, {lat:.5f}"
            elif data.get("q"):
                place = places.find_place(data["q"])
                lon, lat, place_label = place.lon, place.lat, place.label
            else:
                lon = lat = None
            if lon is not None and lat is not None:
                access = places.access_at(lon=lon, lat=lat, speed_m_per_min=speed)
        except DistrictError as exc:
            error = exc
    context = {
        "form": form,
        "access": access,
        "place_label": place_label,
        "error": error,
        "figures": services.coverage_summary(),
        "run": services.latest_run(),
    }
    if request.headers.get("HX-Request"):
        return render(request, "lifecircle/_access.html", context)
    return render(request, "lifecircle/index.html", context)


@role_required(*PLANNERS)
@require_http_methods(["GET", "POST"])
def coverage(request: HttpRequest) -> HttpResponse:
    """Planner page: coverage per category, the map of walking times, completeness."""
    if request.method == "POST":
        if request.POST.get("now"):
            done = services.refresh_access(trigger=f"user {request.user.get_username()}")
            messages.success(request, _("Refresh %(id)s finished.") % {"id": done.pk})
        else:
            services.enqueue_refresh(user=request.user)
            messages.success(request, _("A refresh is queued; `district worker` will run it."))
        return redirect("lifecircle:coverage")
    run = services.latest_run()
    context = _planner_context(request, run, "coverage")
    if run is not None:
        choices = context["categories"]
        wanted = request.GET.get("category") or (choices[0][0] if choices else "")
        context.update(
            figures=services.coverage_summary(run=run),
            subdistricts=results.subdistrict_coverage(run=run),
            histogram=results.completeness_histogram(run=run),
            category=wanted if wanted in run.thresholds else "",
            islands=sum(run.network_components[1:]),
            history=AccessRun.objects.filter(status=AccessRun.Status.DONE)[:8],
        )
    return render(request, "lifecircle/coverage.html", context)


@role_required(*PLANNERS)
@require_GET
def gaps(request: HttpRequest) -> HttpResponse:
    """Planner page: origins outside the threshold, worst first, network and estimated
    apart."""
    run = services.latest_run()
    context = _planner_context(request, run, "gaps")
    if run is not None:
        category = request.GET.get("category") or None
        if category not in run.thresholds:
            category = None
        counts = results.gap_counts(run=run)
        context.update(
            category=category or "",
            count_rows=[(label, counts.get(code, {})) for code, label in context["categories"]],
            network_gaps=results.gap_list(run=run, category=category, limit=60),
            estimated_gaps=results.gap_list(run=run, category=category, estimated=True, limit=30),
        )
    return render(request, "lifecircle/gaps.html", context)


@role_required(*PLANNERS)
@require_http_methods(["GET", "POST"])
def standards(request: HttpRequest) -> HttpResponse:
    """Planner page: thresholds and their basis (editable), per-capita adequacy."""
    if request.method == "POST":
        form = StandardForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            standard = services.update_standard(
                code=data["code"],
                threshold_m=data["threshold_m"],
                threshold_minutes=data["threshold_minutes"],
                basis=data["basis"],
                enabled=data["enabled"],
                user=request.user,
            )
            messages.success(
                request,
                _("%(name)s saved; refresh the results to apply it.")
                % {"name": _name(standard.name_en, standard.name)},
            )
            return redirect("lifecircle:standards")
        messages.error(request, "; ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("lifecircle:standards")
    run = services.latest_run()
    context = _planner_context(request, run, "standards")
    context.update(standards=services.standards(), per_capita=results.per_capita_table())
    return render(request, "lifecircle/standards.html", context)


@role_required(*PLANNERS)
@require_http_methods(["GET", "POST"])
def siting(request: HttpRequest) -> HttpResponse:
    """Planner page: where should k new facilities go; what if one is added or removed."""
    run = services.latest_run()
    context = _planner_context(request, run, "siting")
    choices = context["categories"]
    siting_form = SitingForm(categories=choices)
    whatif_form = WhatIfForm(categories=choices)
    if request.method == "POST" and run is not None:
        if request.POST.get("form") == "whatif":
            whatif_form = WhatIfForm(request.POST, categories=choices)
            if whatif_form.is_valid():
                data = whatif_form.cleaned_data
                adding = data["action"] == WhatIfForm.ADD
                context["whatif"] = services.what_if(
                    category=data["category"],
                    add_lon=data["lon"] if adding else None,
                    add_lat=data["lat"] if adding else None,
                    remove_id=None if adding else data["facility"],
                )
        else:
            siting_form = SitingForm(request.POST, categories=choices)
            if siting_form.is_valid():
                study = services.site(
                    category=siting_form.cleaned_data["category"],
                    k=siting_form.cleaned_data["k"],
                    user=request.user,
                )
                return redirect("lifecircle:siting-study", pk=study.pk)
    context.update(
        siting_form=siting_form,
        whatif_form=whatif_form,
        studies=SitingStudy.objects.filter(run=run)[:10] if run else [],
    )
    return render(request, "lifecircle/siting.html", context)


@role_required(*PLANNERS)
@require_GET
def siting_study(request: HttpRequest, pk: int) -> HttpResponse:
    study = get_object_or_404(SitingStudy.objects.select_related("run"), pk=pk)
    context = _planner_context(request, study.run, "siting")
    names = {s.code: _name(s.name_en, s.name) for s in services.standards()}
    context.update(
        study=study,
        category_name=names.get(study.category, study.category),
        siting_form=SitingForm(
            initial={"category": study.category, "k": study.k}, categories=context["categories"]
        ),
        whatif_form=WhatIfForm(
            initial={"category": study.category}, categories=context["categories"]
        ),
        studies=SitingStudy.objects.filter(run=study.run)[:10],
    )
    return render(request, "lifecircle/siting.html", context)
