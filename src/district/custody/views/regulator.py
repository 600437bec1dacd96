"""The regulator's screens (market supervision, 市场监管): balances held in custody by
merchant and by sector, risk warnings, closures and the refunds they made."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from district.accounts.auth import role_required
from district.core.errors import DistrictError, NotFoundError
from district.custody import services
from district.custody.forms import (
    ClosureForm,
    MerchantStatusForm,
    ResolveDisputeForm,
    add_service_error,
)
from district.custody.models import Closure, Dispute, Merchant, RiskWarning

REGULATOR = "regulator"


@role_required(REGULATOR)
@require_GET
def regulator(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "custody/regulator.html",
        {
            "overview": services.regulator_overview(),
            "summary": services.custody_summary(),
            "warnings": services.risk_warnings(open_only=True),
            "sector_labels": dict(Merchant.Sector.choices),
        },
    )


@role_required(REGULATOR)
@require_POST
def scan_risks(request: HttpRequest) -> HttpResponse:
    found = services.scan_risks()
    messages.success(request, _("Risk scan done: %(n)s warning(s) raised.") % {"n": len(found)})
    return redirect("custody:regulator")


@role_required(REGULATOR)
@require_http_methods(["GET", "POST"])
def regulator_merchant(request: HttpRequest, pk: int) -> HttpResponse:
    """One merchant as the regulator sees it, with its status to change."""
    item = get_object_or_404(Merchant, pk=pk)
    form = MerchantStatusForm(request.POST or None, initial={"status": item.status})
    if request.method == "POST" and form.is_valid():
        try:
            services.set_merchant_status(
                merchant=item,
                status=form.cleaned_data["status"],
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except DistrictError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The merchant's status is changed."))
            return redirect("custody:regulator_merchant", pk=item.pk)
    return render(
        request,
        "custody/regulator_merchant.html",
        {
            "merchant": item,
            "overview": services.merchant_overview(item),
            "warnings": RiskWarning.objects.filter(merchant=item).order_by("-raised_at")[:50],
            "form": form,
        },
    )


@role_required(REGULATOR)
@require_POST
def close_warning(request: HttpRequest, pk: int) -> HttpResponse:
    warning = get_object_or_404(RiskWarning, pk=pk)
    try:
        services.close_warning(warning=warning, by=request.user)
    except DistrictError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Warning marked as handled."))
    return redirect("custody:regulator")


@role_required(REGULATOR)
@require_GET
def disputes(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "custody/disputes.html",
        {
            "open": Dispute.objects.filter(status="open")
            .select_related("contract__merchant", "contract__consumer")
            .order_by("opened_at"),
            "resolved": Dispute.objects.exclude(status="open")
            .select_related("contract__merchant", "contract__consumer")
            .order_by("-resolved_at")[:50],
            "form": ResolveDisputeForm(),
        },
    )


@role_required(REGULATOR)
@require_POST
def resolve_dispute(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = get_object_or_404(Dispute, pk=pk)
    form = ResolveDisputeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an outcome."))
        return redirect("custody:disputes")
    try:
        services.resolve_dispute(
            dispute=dispute, by=request.user, outcome=form.cleaned_data["outcome"]
        )
    except DistrictError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Dispute resolved."))
    return redirect("custody:disputes")


@role_required(REGULATOR)
@require_http_methods(["GET", "POST"])
def closures(request: HttpRequest) -> HttpResponse:
    merchants = Merchant.objects.exclude(status="closed").order_by("name")
    form = ClosureForm(request.POST or None, merchants=merchants)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        merchant = merchants.filter(pk=data["merchant"]).first()
        try:
            if merchant is None:
                raise NotFoundError(_("This merchant is already closed."), field="merchant")
            closure = services.close_merchant(
                key=data["key"], merchant=merchant, by=request.user, reason=data["reason"]
            )
        except DistrictError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("%(name)s is closed: every consumer's unconsumed balance is refunded.")
                % {"name": merchant.name},
            )
            return redirect("custody:closure", pk=closure.pk)
    return render(
        request,
        "custody/closures.html",
        {
            "form": form,
            "closures": Closure.objects.select_related("merchant").order_by("-created_at"),
        },
    )


@role_required(REGULATOR)
@require_GET
def closure(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Closure.objects.select_related("merchant"), pk=pk)
    return render(
        request,
        "custody/closure.html",
        {
            "closure": item,
            "refunds": services.closure_refunds(item),
        },
    )
