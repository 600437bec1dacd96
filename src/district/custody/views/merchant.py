"""Merchant staff's screens: sales, recording a check-in, settlements, warnings. Staff see
only the merchants they work for (``Merchant.staff``)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from district.accounts.auth import role_required
from district.core.errors import DistrictError, NotFoundError
from district.custody import services
from district.custody.forms import CheckInForm
from district.custody.models import CheckIn, Contract, Merchant, RiskWarning
from district.custody.views import guards

OPEN_STATUSES = ("held", "active")


def _open_contracts(merchant: Merchant) -> QuerySet[Contract]:
    return (
        Contract.objects.filter(merchant=merchant, status__in=OPEN_STATUSES)
        .select_related("consumer")
        .order_by("-signed_at")
    )


@role_required("merchant")
@require_GET
def merchant_home(request: HttpRequest) -> HttpResponse:
    merchants = list(guards.staff_merchants(request.user))
    if len(merchants) == 1 and not request.user.is_superuser:
        return redirect("custody:merchant", pk=merchants[0].pk)
    return render(request, "custody/merchant_home.html", {"merchants": merchants})


@role_required("merchant")
@require_GET
def merchant(request: HttpRequest, pk: int) -> HttpResponse:
    item = guards.merchant_for_staff(request.user, pk)
    contracts = Contract.objects.filter(merchant=item).select_related("consumer")
    rows = [
        {"contract": c, "position": services.contract_position(c)}
        for c in contracts.order_by("-signed_at")[:200]
    ]
    return render(
        request,
        "custody/merchant.html",
        {
            "merchant": item,
            "overview": services.merchant_overview(item),
            "rows": rows,
            "check_in_form": CheckInForm(contracts=_open_contracts(item)),
            "check_ins": CheckIn.objects.filter(contract__merchant=item)
            .select_related("contract__consumer")
            .order_by("-occurred_at")[:50],
            "warnings": RiskWarning.objects.filter(merchant=item, status="open").order_by(
                "-raised_at"
            )[:50],
        },
    )


@role_required("merchant")
@require_POST
def record_check_in(request: HttpRequest, pk: int) -> HttpResponse:
    item = guards.merchant_for_staff(request.user, pk)
    form = CheckInForm(request.POST, contracts=_open_contracts(item))
    if not form.is_valid():
        messages.error(
            request, "; ".join(str(e) for errors in form.errors.values() for e in errors)
        )
        return redirect("custody:merchant", pk=item.pk)
    contract = Contract.objects.filter(merchant=item, pk=form.cleaned_data["contract"]).first()
    try:
        if contract is None:
            raise NotFoundError(_("This contract is not one of yours."), field="contract")
        check_in = services.record_check_in(
            key=form.cleaned_data["key"],
            contract=contract,
            by=request.user,
            amount_fen=form.cleaned_data["amount"],
        )
    except DistrictError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _(
                "Check-in %(number)s recorded on contract %(contract)s: the consumer confirms it,"
                " or it is released once the dispute window has passed."
            )
            % {"number": check_in.number, "contract": contract.number},
        )
    return redirect("custody:merchant", pk=item.pk)
