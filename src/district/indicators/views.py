"""The scorecard's pages: public reading (it is public data), planners' forms to record
figures and keep projects up to date, and the report download."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from district.accounts.auth import permission_required
from district.core.access import public
from district.core.errors import InputError

from . import services, words
from .forms import MilestoneForm, ProjectStatusForm, ValueForm
from .models import Indicator, LiveFigure, Milestone, Project, Source, Target, Value
from .report import FORMATS, render_report
from .scorecard import AREA_CODES, build_scorecard, source_anchor


def _lang() -> str:
    return "en" if translation.get_language() == "en" else "zh-hans"


@public
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    area = request.GET.get("area") or None
    if area not in AREA_CODES:
        area = None
    lang = _lang()
    card = build_scorecard(lang=lang, area=area)
    areas = [(code, words.area_name(code, lang)) for code in AREA_CODES]
    return render(
        request,
        "indicators/index.html",
        {"card": card, "areas": areas, "area": area, "lang": lang, "formats": FORMATS},
    )


@public
@require_GET
def indicator(request: HttpRequest, code: str) -> HttpResponse:
    row = get_object_or_404(Indicator.objects.select_related("of", "whole"), code=code)
    lang = _lang()
    values = list(
        Value.objects.filter(indicator=row)
        .select_related("source", "recorded_by")
        .order_by("code", "revision")
    )
    current = {v.pk for v in Value.objects.filter(indicator=row).current()}
    data = services.indicator_data()
    claims = {(c.id, c.revision): c for c in data.claims}
    history = [
        {
            "row": v,
            "text": words.claim_text(claims[(v.code, v.revision)], lang),
            "period": words.period_text(claims[(v.code, v.revision)].period, lang),
            "current": v.pk in current,
            "anchor": source_anchor(v.sentence),
        }
        for v in values
    ]
    related = [
        {
            "title": words.finding_title(f, data.indicators, lang),
            "text": words.finding_text(f, data.indicators, lang),
            "consistent": f.consistent,
        }
        for f in services.findings(data)
        if any(c.indicator == code or data.indicators[c.indicator].of == code for c in f.claims)
    ]
    context: dict[str, Any] = {
        "indicator": row,
        "name": row.name(lang),
        "area_name": words.area_name(row.area, lang),
        "history": history,
        "targets": Target.objects.filter(indicator=row).order_by("code", "revision"),
        "live": LiveFigure.objects.filter(indicator=row).order_by("breakdown", "-computed_at"),
        "projects": row.projects.all(),
        "findings": related,
        "derived": row.derived_indicators.all(),
        "lang": lang,
    }
    return render(request, "indicators/indicator.html", context)


def _marked_text(source: Source) -> SafeString:
    """The source text with every cited sentence marked and anchored."""
    sentences = set(Value.objects.filter(source=source).values_list("sentence", flat=True))
    sentences |= set(Project.objects.filter(source=source).values_list("sentence", flat=True))
    sentences.discard("")
    text = source.text
    if not sentences:
        return mark_safe(escape(text).replace("\n", "<br>"))  # the text is escaped
    pattern = re.compile("|".join(re.escape(s) for s in sorted(sentences, key=len, reverse=True)))
    parts: list[str] = []
    position = 0
    for match in pattern.finditer(text):
        parts.append(str(escape(text[position : match.start()])))
        sentence = match.group(0)
        parts.append(f'<mark id="{source_anchor(sentence)}">{escape(sentence)}</mark>')
        position = match.end()
    parts.append(str(escape(text[position:])))
    return mark_safe("".join(parts).replace("\n", "<br>"))  # every part is escaped


@public
@require_GET
def source(request: HttpRequest, code: str) -> HttpResponse:
    row = get_object_or_404(Source, code=code)
    cited = Value.objects.filter(source=row).current().select_related("indicator").count()
    return render(
        request,
        "indicators/source.html",
        {"source": row, "text": _marked_text(row), "cited": cited},
    )


def _projects_queryset() -> Any:
    return Project.objects.prefetch_related(
        "indicators", Prefetch("milestones", queryset=Milestone.objects.order_by("position"))
    ).select_related("source")


@public
@require_GET
def projects(request: HttpRequest) -> HttpResponse:
    rows = list(_projects_queryset())
    return render(
        request,
        "indicators/projects.html",
        {"projects": rows, "lang": _lang(), "located": sum(p.located for p in rows)},
    )


@public
@require_GET
def project(request: HttpRequest, code: str) -> HttpResponse:
    row = get_object_or_404(_projects_queryset(), code=code)
    can_edit = request.user.has_perm("indicators.change_project")
    return render(
        request,
        "indicators/project.html",
        {
            "project": row,
            "lang": _lang(),
            "can_edit": can_edit,
            "status_form": ProjectStatusForm(initial={"status": row.status}),
            "anchor": source_anchor(row.sentence) if row.sentence else "",
        },
    )


def _apply_error(form: Any, exc: InputError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, str(exc))


@require_POST
@permission_required("indicators.change_project")
def project_status(request: HttpRequest, code: str) -> HttpResponse:
    row = get_object_or_404(Project, code=code)
    form = ProjectStatusForm(request.POST)
    if form.is_valid():
        services.set_project_status(
            project=row.code, status=form.cleaned_data["status"], user=request.user
        )
    return redirect("indicators:project", code=row.code)


@require_POST
@permission_required("indicators.change_milestone")
def milestone(request: HttpRequest, code: str, position: int) -> HttpResponse:
    form = MilestoneForm(request.POST)
    if not form.is_valid():
        raise InputError(
            "The milestone form is incomplete",
            errors={k: [str(m) for m in v] for k, v in form.errors.items()},
        )
    services.set_milestone(
        project=code,
        position=position,
        reached=form.cleaned_data["reached"],
        reached_on=form.cleaned_data["reached_on"],
        user=request.user,
    )
    return redirect("indicators:project", code=code)


@require_http_methods(["GET", "POST"])
@permission_required("indicators.add_value")
def record_value(request: HttpRequest) -> HttpResponse:
    """Record a new figure, or the next revision of one (``?code=`` to revise)."""
    previous = (
        Value.objects.filter(code=request.GET.get("code", ""))
        .select_related("indicator", "source")
        .order_by("-revision")
        .first()
    )
    if request.method == "POST":
        form = ValueForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                value = services.record_value(
                    code=data["code"],
                    indicator=data["indicator"] or None,
                    value=data["value"],
                    unit=data["unit"],
                    qualifier=data["qualifier"],
                    period_start=data["period_start"],
                    period_end=data["period_end"],
                    price_basis=data["price_basis"],
                    source=data["source"],
                    sentence=data["sentence"],
                    note=data["note"],
                    user=request.user,
                )
            except InputError as exc:
                _apply_error(form, exc)
            else:
                url = reverse("indicators:indicator", args=[value.indicator.code])
                return redirect(f"{url}#v-{value.code}-{value.revision}")
    elif previous is not None:
        form = ValueForm(
            initial={
                "code": previous.code,
                "indicator": previous.indicator.code,
                "value": previous.value_text,
                "unit": previous.unit,
                "qualifier": previous.qualifier,
                "period_start": previous.period_start,
                "period_end": previous.period_end,
                "price_basis": previous.price_basis,
                "source": previous.source.code,
                "sentence": previous.sentence,
            }
        )
    else:
        form = ValueForm(initial={"indicator": request.GET.get("indicator", "")})
    return render(request, "indicators/record_value.html", {"form": form, "previous": previous})


@public
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    """The achievement report: ``?format=pdf|html|md&lang=zh-hans|en[&area=…]``."""
    rendered = render_report(
        fmt=request.GET.get("format", "pdf"),
        lang=request.GET.get("lang") or _lang(),
        area=request.GET.get("area") or None,
    )
    response = HttpResponse(rendered.content, content_type=rendered.content_type)
    response["Content-Disposition"] = f'attachment; filename="{rendered.filename}"'
    return response
