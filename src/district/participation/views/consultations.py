"""Consultations: the list, voting one statement at a time, the live opinion map, staff tools."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from district.accounts.auth import permission_required
from district.core.access import public
from district.core.errors import DistrictError, InputError, PermissionDeniedError
from district.participation import services
from district.participation.charts import group_colour, group_letter, opinion_map_svg
from district.participation.forms import (
    ConsultationForm,
    OutcomeForm,
    StatementForm,
    add_service_error,
)
from district.participation.models import Consultation, OpinionMapResult, Statement

MANAGE = "participation.manage_consultation"


def _visible(pk: int, user: Any) -> Consultation:
    consultation = services.get_consultation(pk)
    if consultation.status == Consultation.Status.DRAFT and not services.is_channel_staff(
        user, consultation.channel
    ):
        raise PermissionDeniedError(
            "This consultation is still a draft.", fix="It appears here once it is opened."
        )
    return consultation


@public
@require_GET
def consultations(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "participation/consultations.html",
        {
            "open": Consultation.objects.visible()
            .filter(status=Consultation.Status.OPEN)
            .select_related("channel"),
            "closed": Consultation.objects.filter(status=Consultation.Status.CLOSED).select_related(
                "channel"
            ),
            "can_manage": request.user.has_perm(MANAGE),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(MANAGE)
def consultation_new(request: HttpRequest) -> HttpResponse:
    form = ConsultationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            consultation = services.create_consultation(
                by=request.user,
                title=data["title"],
                question=data["question"],
                description=data["description"],
                channel=data["channel"] or None,
                scope=data["scope"],
                subdistrict_code=data["subdistrict_code"],
                cell_codes=data["cell_codes"].split(),
                statements=data["statements"].splitlines(),
                participant_statements=data["participant_statements"],
                min_votes=data["min_votes"],
                seed=data["seed"],
            )
        except DistrictError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The consultation is open."))
            return redirect("participation:consultation_manage", pk=consultation.pk)
    return render(request, "participation/consultation_form.html", {"form": form})


def _vote_context(request: HttpRequest, consultation: Consultation) -> dict[str, Any]:
    participant = services.participant_for(consultation, request.user, create=False)
    statement = None
    if consultation.status == Consultation.Status.OPEN:
        statement = services.next_statement(consultation, participant)
    return {
        "consultation": consultation,
        "participant": participant,
        "statement": statement,
        "left": services.shown_statements_left(consultation, participant),
        "voted": participant.votes.count() if participant else 0,
    }


@public
@require_GET
def consultation(request: HttpRequest, pk: int) -> HttpResponse:
    item = _visible(pk, request.user)
    context = _vote_context(request, item)
    context.update(
        {
            "statement_form": StatementForm(),
            "n_statements": item.statements.filter(status=Statement.Status.ACCEPTED).count(),
            "n_participants": item.participants.filter(votes__isnull=False).distinct().count(),
            "n_votes": item.votes.count(),
            "can_manage": services.is_channel_staff(request.user, item.channel)
            and request.user.has_perm(MANAGE),
            "cells": item.cell_codes,
        }
    )
    return render(request, "participation/consultation.html", context)


@require_POST
@login_required
def vote(request: HttpRequest, pk: int) -> HttpResponse:
    """Record one vote; htmx gets the next statement's card, others a redirect."""
    item = _visible(pk, request.user)
    error = None
    try:
        services.cast_vote(
            consultation_id=item.pk,
            statement=_int(request.POST.get("statement"), "statement"),
            vote=request.POST.get("vote", ""),
            by=request.user,
            participant=_optional_int(request.POST.get("participant")),
        )
    except DistrictError as exc:
        if not request.headers.get("HX-Request"):
            raise
        error = str(exc)
    if request.headers.get("HX-Request"):
        context = _vote_context(request, item)
        context["error"] = error
        return render(request, "participation/_vote_card.html", context)
    return redirect("participation:consultation", pk=item.pk)


def _int(value: str | None, field: str) -> int:
    try:
        return int(value or "")
    except ValueError:
        raise InputError(
            f"{field} must be a whole number, got {value!r}.", field=field, value=value
        ) from None


def _optional_int(value: str | None) -> int | None:
    return _int(value, "participant") if value not in (None, "") else None


@require_POST
@login_required
def write_statement(request: HttpRequest, pk: int) -> HttpResponse:
    item = _visible(pk, request.user)
    form = StatementForm(request.POST)
    if form.is_valid():
        try:
            services.add_statement(
                consultation_id=item.pk, by=request.user, text=form.cleaned_data["text"]
            )
        except DistrictError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("Thank you. Your statement is shown to others once a moderator accepts it."),
            )
    else:
        messages.error(
            request, "; ".join(str(e) for errors in form.errors.values() for e in errors)
        )
    return redirect("participation:consultation", pk=item.pk)


def _statement_texts(consultation: Consultation) -> dict[str, str]:
    return {str(n): t for n, t in consultation.statements.values_list("number", "text")}


def _pct(numerator: int, denominator: int) -> int | None:
    return round(100 * numerator / denominator) if denominator else None


def map_context(consultation: Consultation, result: OpinionMapResult | None) -> dict[str, Any]:
    """What the opinion map page shows, from the stored payload."""
    if result is None:
        return {"result": None}
    payload = result.payload
    texts = _statement_texts(consultation)
    statements = payload.get("statements", {})
    k = int(payload.get("k", 0))
    groups = []
    sizes = payload.get("group_sizes", [])
    for g in range(k):
        items = []
        for entry in payload.get("repness_stats", {}).get(str(g), []):
            sid = str(entry["statement_id"])
            per_group = statements.get(sid, {}).get("groups", [])
            index = 0 if entry["repful_for"] == "agree" else 1
            rest_yes = sum(row[index] for h, row in enumerate(per_group) if h != g)
            rest_all = sum(row[2] for h, row in enumerate(per_group) if h != g)
            items.append(
                {
                    "number": sid,
                    "text": texts.get(sid, ""),
                    "direction": entry["repful_for"],
                    "pct": _pct(entry["n_success"], entry["n_trials"]),
                    "n_success": entry["n_success"],
                    "n_trials": entry["n_trials"],
                    "rest_pct": _pct(rest_yes, rest_all),
                    "repness": entry["repness"],
                    "repness_test": entry["repness_test"],
                    "p_test": entry["p_test"],
                }
            )
        groups.append(
            {
                "index": g,
                "letter": group_letter(g),
                "colour": group_colour(g),
                "size": sizes[g] if g < len(sizes) else 0,
                "items": items,
            }
        )
    consensus = {
        side: [
            {
                "number": str(entry["statement_id"]),
                "text": texts.get(str(entry["statement_id"]), ""),
                "pct": _pct(entry["n_success"], entry["n_trials"]),
                "n_success": entry["n_success"],
                "n_trials": entry["n_trials"],
            }
            for entry in payload.get("consensus_stats", {}).get(side, [])
        ]
        for side in ("agree", "disagree")
    }
    moderated = {str(s) for s in payload.get("parameters", {}).get("moderated_out", [])}
    tallies = []
    for sid, entry in sorted(statements.items(), key=lambda kv: int(kv[0])):
        n = entry["n_votes"]
        tallies.append(
            {
                "number": sid,
                "text": texts.get(sid, ""),
                "n_agree": entry["n_agree"],
                "n_disagree": entry["n_disagree"],
                "n_pass": entry["n_pass"],
                "n_votes": n,
                "agree_pct": _pct(entry["n_agree"], n) or 0,
                "disagree_pct": _pct(entry["n_disagree"], n) or 0,
                "pass_pct": _pct(entry["n_pass"], n) or 0,
                "groups": [
                    {
                        "letter": group_letter(g),
                        "colour": group_colour(g),
                        "pct": _pct(row[0], row[2]),
                    }
                    for g, row in enumerate(entry.get("groups", []))
                ],
                "moderated_out": sid in moderated,
            }
        )
    return {
        "result": result,
        "payload": payload,
        "groups": groups,
        "consensus": consensus,
        "tallies": tallies,
        "clustered": payload.get("status") == "clustered",
        "parameters": payload.get("parameters", {}),
        "ungrouped": sum(1 for p in payload.get("points", []) if p[3] < 0),
    }


@public
@require_GET
def opinion_map(request: HttpRequest, pk: int) -> HttpResponse:
    """The live opinion map: groups, what each group thinks, and where everyone agrees."""
    item = _visible(pk, request.user)
    result = services.current_opinion_map(item)
    context = map_context(item, result)
    context["consultation"] = item
    context["stale"] = result is not None and result.votes_version != item.votes_version
    if context.get("clustered"):
        context["svg"] = opinion_map_svg(
            result.payload,  # type: ignore[union-attr]
            title=_("Opinion map of “%(title)s”") % {"title": item.title},
            description=_(
                "Each dot is a participant, placed by how they voted; colours are opinion groups."
            ),
        )
    return render(request, "participation/opinion_map.html", context)


@public
@require_GET
def polis_export(request: HttpRequest, pk: int) -> HttpResponse:
    item = _visible(pk, request.user)
    data = services.polis_zip(item, base_url=request.build_absolute_uri("/").rstrip("/"))
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="consultation-{item.pk}-polis.zip"'
    return response


@require_http_methods(["GET", "POST"])
@permission_required(MANAGE)
def consultation_manage(request: HttpRequest, pk: int) -> HttpResponse:
    """Moderation queue, staff statements, opening and closing, and the published outcome."""
    item = services.get_consultation(pk)
    if not services.is_channel_staff(request.user, item.channel):
        raise PermissionDeniedError(
            f"Only staff of {item.channel} may manage this consultation.",
            fix="Ask an administrator to add you to the channel's staff.",
        )
    action = request.POST.get("action", "")
    statement_form = StatementForm(request.POST if action == "statement" else None)
    outcome_form = OutcomeForm(
        request.POST if action == "outcome" else None, initial={"outcome": item.outcome}
    )
    if request.method == "POST":
        try:
            if action in ("accept", "reject"):
                services.moderate_statement(
                    consultation_id=item.pk,
                    number=_int(request.POST.get("number"), "number"),
                    by=request.user,
                    accept=action == "accept",
                )
            elif action == "statement" and statement_form.is_valid():
                services.add_statement(
                    consultation_id=item.pk,
                    by=request.user,
                    text=statement_form.cleaned_data["text"],
                    as_staff=True,
                )
            elif action in ("open", "close"):
                services.set_consultation_status(
                    consultation_id=item.pk,
                    by=request.user,
                    status=Consultation.Status.OPEN
                    if action == "open"
                    else Consultation.Status.CLOSED,
                )
            elif action == "outcome" and outcome_form.is_valid():
                services.publish_consultation_outcome(
                    consultation_id=item.pk,
                    by=request.user,
                    outcome=outcome_form.cleaned_data["outcome"],
                )
            else:
                raise InputError(
                    "Nothing to do: the form was incomplete.", field="action", value=action
                )
        except DistrictError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Saved."))
            return redirect("participation:consultation_manage", pk=item.pk)
    return render(
        request,
        "participation/consultation_manage.html",
        {
            "consultation": item,
            "pending": item.statements.filter(status=Statement.Status.PENDING),
            "statements": item.statements.exclude(status=Statement.Status.PENDING),
            "statement_form": statement_form,
            "outcome_form": outcome_form,
        },
    )
