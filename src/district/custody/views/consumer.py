"""The consumer's screens: my contracts, a contract's balance and check-ins, receipts,
the cooling-off refund and buying a product. Views are thin: parse, check, call, render."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from district.core.errors import DistrictError, NotFoundError
from district.custody import money, services
from district.custody.forms import (
    DisputeForm,
    OpenDisputeForm,
    RefundForm,
    SignContractForm,
    UseSessionForm,
    add_refusal,
    add_service_error,
)
from district.custody.journal.chain import parse_entry
from district.custody.models import CheckIn, Contract, Merchant
from district.custody.views import guards

EVENT_LABELS = {
    "contract_signed": gettext_lazy("contract signed"),
    "deposit": gettext_lazy("deposit into custody"),
    "check_in": gettext_lazy("check-in"),
    "release": gettext_lazy("release to the merchant"),
    "refund": gettext_lazy("refund"),
}


def _receipt_rows(contract: Contract) -> list[dict[str, Any]]:
    """Each receipt with what its journal entry says, for the table."""
    rows = []
    for receipt in services.receipts_for(contract):
        entry = parse_entry(receipt.entry)
        event = entry.event
        rows.append(
            {
                "leaf_index": receipt.leaf_index,
                "event": EVENT_LABELS.get(str(event.get("type", "")), event.get("type", "")),
                "amount_fen": _moved_fen(event),
                "recorded_at": entry.recorded_datetime,
                "tree_size": receipt.tree_head.tree_size,
            }
        )
    return rows


def _moved_fen(event: Mapping[str, Any]) -> int | None:
    """The money a journal event moved: its amount; for a check-in, the session's release
    when it was released at once (a merchant's entry releases later, in its own event)."""
    if event.get("type") == "check_in":
        released = event.get("status") == CheckIn.Status.CONFIRMED
        return event.get("release_fen") if released and event.get("release_fen") else None
    return event.get("amount_fen")


def cooling_off(contract: Contract, now: Any = None) -> money.CoolingOffDecision:
    """Whether the cooling-off refund is open for this contract now, how much and until when."""
    return money.cooling_off_refund(
        contract.price_fen, contract.signed_at, now or timezone.now(), contract.activated_at
    )


@login_required
@require_GET
def my_contracts(request: HttpRequest) -> HttpResponse:
    consumer = guards.consumer(request.user)
    rows = [
        {"contract": c, "position": services.contract_position(c)}
        for c in services.consumer_contracts(consumer)
    ]
    awaiting = CheckIn.objects.filter(
        contract__consumer=consumer, status="awaiting"
    ).select_related("contract__merchant")
    return render(
        request,
        "custody/my_contracts.html",
        {"consumer": consumer, "rows": rows, "awaiting": awaiting},
    )


@login_required
@require_GET
def contract(request: HttpRequest, pk: int) -> HttpResponse:
    item = guards.own_contract(request.user, pk)
    return render(
        request,
        "custody/contract.html",
        {
            "contract": item,
            "position": services.contract_position(item),
            "check_ins": CheckIn.objects.filter(contract=item).order_by("-number"),
            "receipts": _receipt_rows(item),
            "cooling_off": cooling_off(item),
            "dispute_form": DisputeForm(),
            "use_form": UseSessionForm() if item.status in ("held", "active") else None,
            "open_dispute_form": OpenDisputeForm() if item.status in ("held", "active") else None,
            "disputes": item.disputes.order_by("-opened_at"),
        },
    )


@login_required
@require_POST
def open_dispute(request: HttpRequest, pk: int) -> HttpResponse:
    """The consumer disputes the contract: its remaining money is frozen until resolved."""
    item = guards.own_contract(request.user, pk)
    form = OpenDisputeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what went wrong."))
        return redirect("custody:contract", pk=item.pk)
    try:
        services.open_dispute(
            key=form.cleaned_data["key"],
            contract=item,
            by=request.user,
            reason=form.cleaned_data["reason"],
        )
    except DistrictError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _(
                "Dispute opened: the contract's remaining money is frozen until the regulator"
                " or the notary resolves it."
            ),
        )
    return redirect("custody:contract", pk=item.pk)


@login_required
@require_POST
def use_session(request: HttpRequest, pk: int) -> HttpResponse:
    """The consumer records a session they used: confirmed, its money released at once."""
    item = guards.own_contract(request.user, pk)
    form = UseSessionForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, "; ".join(str(e) for errors in form.errors.values() for e in errors)
        )
        return redirect("custody:contract", pk=item.pk)
    try:
        check_in = services.record_check_in(
            key=form.cleaned_data["key"],
            contract=item,
            by=request.user,
            amount_fen=form.cleaned_data["amount"],
        )
    except DistrictError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Session %(number)s recorded: RMB %(amount)s released to the merchant.")
            % {"number": check_in.number, "amount": money.format_yuan(check_in.release_fen)},
        )
    return redirect("custody:contract", pk=item.pk)


@login_required
@require_GET
def my_receipts(request: HttpRequest) -> HttpResponse:
    consumer = guards.consumer(request.user)
    contracts = [
        {"contract": c, "receipts": _receipt_rows(c)} for c in services.consumer_contracts(consumer)
    ]
    head = services.latest_tree_head()
    return render(request, "custody/my_receipts.html", {"contracts": contracts, "tree_head": head})


@login_required
@require_GET
def receipt_json(request: HttpRequest, pk: int, leaf_index: int) -> HttpResponse:
    """One inclusion receipt as a JSON file to keep and check offline."""
    item = guards.own_contract(request.user, pk)
    for receipt in services.receipts_for(item):
        if receipt.leaf_index == leaf_index:
            response = JsonResponse(receipt.to_dict(), json_dumps_params={"ensure_ascii": False})
            response["Content-Disposition"] = (
                f'attachment; filename="custody-receipt-{item.pk}-{leaf_index}.json"'
            )
            return response
    raise NotFoundError(
        _("Contract %(pk)s has no receipt for journal entry %(leaf)s.")
        % {"pk": item.pk, "leaf": leaf_index}
    )


@login_required
@require_POST
def confirm_check_in(request: HttpRequest, pk: int) -> HttpResponse:
    check_in = guards.own_check_in(request.user, pk)
    try:
        services.confirm_check_in(check_in=check_in, by=request.user)
    except DistrictError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("Check-in confirmed: the session's money goes to the merchant.")
        )
    return redirect("custody:contract", pk=check_in.contract_id)


@login_required
@require_POST
def dispute_check_in(request: HttpRequest, pk: int) -> HttpResponse:
    check_in = guards.own_check_in(request.user, pk)
    form = DisputeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the check-in is wrong."))
    else:
        try:
            services.dispute_check_in(
                check_in=check_in, by=request.user, reason=form.cleaned_data["reason"]
            )
        except DistrictError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, _("Check-in disputed: its money stays in custody and is not released.")
            )
    return redirect("custody:contract", pk=check_in.contract_id)


@login_required
@require_http_methods(["GET", "POST"])
def refund(request: HttpRequest, pk: int) -> HttpResponse:
    item = guards.own_contract(request.user, pk)
    decision = cooling_off(item)
    form = RefundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_cooling_off_refund(
                key=form.cleaned_data["key"], contract=item, by=request.user
            )
        except DistrictError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("Refund of RMB %(amount)s requested: it is paid from custody.")
                % {"amount": money.format_yuan(decision.refund_fen or item.price_fen)},
            )
            return redirect("custody:contract", pk=item.pk)
    return render(
        request,
        "custody/refund.html",
        {
            "contract": item,
            "decision": decision,
            "position": services.contract_position(item),
            "form": form,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def buy(request: HttpRequest) -> HttpResponse:
    merchants = Merchant.objects.filter(status="active").order_by("name")
    initial: dict[str, Any] = {}
    if request.GET.get("merchant", "").isdigit():
        initial["merchant"] = int(request.GET["merchant"])
    initial["starts_on"] = timezone.localdate()
    form = SignContractForm(request.POST or None, merchants=merchants, initial=initial)
    violations: Any = ()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        merchant = merchants.filter(pk=data["merchant"]).first()
        try:
            if merchant is None:
                raise NotFoundError(_("This merchant is not selling now."), field="merchant")
            item = services.sign_contract(
                key=data["key"],
                merchant=merchant,
                consumer=guards.consumer(request.user),
                product_type=data["product_type"],
                price_fen=data["price"],
                sessions=data["sessions"],
                term_months=data["term_months"],
                starts_on=data["starts_on"],
                training_kind=data["training_kind"] or "",
                by=request.user,
            )
        except services.ContractRefusedError as error:
            violations = error.violations
            add_refusal(form, violations)
        except DistrictError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request, _("Contract signed: your money is held in custody by the notary.")
            )
            return redirect("custody:contract", pk=item.pk)
    return render(
        request,
        "custody/buy.html",
        {"form": form, "merchants": merchants, "violations": violations},
    )
