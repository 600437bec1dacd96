"""The notary's screens (公证处, the custodian): the journal's status, settlements, and the
custody bank's statement reconciled against the ledger."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from district.accounts.auth import role_required
from district.core.errors import DistrictError
from district.custody import services
from district.custody.forms import SettleForm, StatementForm
from district.custody.models import BankStatement, JournalRecord, Merchant, Settlement
from district.custody.money import format_yuan

NOTARY = "notary"


@role_required(NOTARY)
@require_GET
def notary(request: HttpRequest) -> HttpResponse:
    chain_problems = services.verify_journal_chain()
    ledger_problems = services.account_balances_check()
    period_end = timezone.localdate().replace(day=1) - timedelta(days=1)
    settled = {s.merchant_id: s for s in Settlement.objects.filter(period_end=period_end)}
    return render(
        request,
        "custody/notary.html",
        {
            "tree_head": services.latest_tree_head(),
            "journal_size": JournalRecord.objects.count(),
            "chain_problems": chain_problems,
            "ledger_problems": ledger_problems,
            "summary": services.custody_summary(),
            "settle_form": SettleForm(initial={"period_end": period_end}),
            "period_end": period_end,
            # Each merchant with its settlement for this period, if made: then no button,
            # the amount paid instead.
            "merchant_rows": [
                (m, settled.get(m.merchant.pk)) for m in services.merchant_balances()
            ],
            "settlements": Settlement.objects.select_related("merchant").order_by("-pk")[:50],
        },
    )


@role_required(NOTARY)
@require_POST
def settle(request: HttpRequest) -> HttpResponse:
    form = SettleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the period end as a date."))
        return redirect("custody:notary")
    try:
        done = services.settle_all(period_end=form.cleaned_data["period_end"])
    except DistrictError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Settlement run: %(n)s merchant(s) paid.") % {"n": len(done)})
    return redirect("custody:notary")


@role_required(NOTARY)
@require_POST
def settle_merchant(request: HttpRequest, pk: int) -> HttpResponse:
    """Settle one merchant (结算) for the period posted, the way the monthly run does."""
    merchant = get_object_or_404(Merchant, pk=pk)
    form = SettleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the period end as a date."))
        return redirect("custody:notary")
    try:
        outcome = services.settle_one(
            merchant=merchant, period_end=form.cleaned_data["period_end"], by=request.user
        )
    except DistrictError as error:
        messages.error(request, str(error))
        return redirect("custody:notary")
    settlement = outcome.settlement
    names = {
        "merchant": merchant.name,
        "amount": format_yuan(settlement.amount_fen),
        "period_end": settlement.period_end.isoformat(),
    }
    if not outcome.created:
        messages.info(
            request,
            _(
                "%(merchant)s was already settled for the period ending %(period_end)s "
                "(¥%(amount)s); nothing more was paid."
            )
            % names,
        )
    elif settlement.amount_fen == 0:
        messages.info(
            request,
            _(
                "Nothing to settle with %(merchant)s for the period ending %(period_end)s: "
                "nothing released to it was left unpaid. A zero settlement was recorded."
            )
            % names,
        )
    else:
        messages.success(
            request,
            _("Settled ¥%(amount)s with %(merchant)s for the period ending %(period_end)s.")
            % names,
        )
    return redirect("custody:notary")


@role_required(NOTARY)
@require_http_methods(["GET", "POST"])
def statements(request: HttpRequest) -> HttpResponse:
    form = StatementForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            upload = form.cleaned_data["statement"]
            result = services.import_bank_statement(
                path_or_file=upload, by=request.user, name=upload.name
            )
        except DistrictError as error:
            form.add_error("statement", str(error))
        else:
            messages.success(request, _("Statement imported and reconciled."))
            return redirect("custody:statement", pk=result.statement.pk)
    return render(
        request,
        "custody/statements.html",
        {"form": form, "statements": BankStatement.objects.order_by("-pk")[:50]},
    )


@role_required(NOTARY)
@require_GET
def statement(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(BankStatement, pk=pk)
    return render(
        request,
        "custody/statement.html",
        {"statement": item, "report": services.reconciliation_report(item)},
    )
