"""Who may see what: every custody view asks here before it calls a service.

* A consumer sees only their own contracts, check-ins and receipts.
* Merchant staff (role ``merchant`` and listed in ``Merchant.staff``) see only their merchant.
* The regulator (role ``regulator``) sees every merchant's balances, warnings and closures.
* The notary (role ``notary``) keeps the journal, runs settlements and reconciles the bank.
Superusers may look at everything. The checks run on the server for every request.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from district.accounts.auth import user_has_role
from district.core.errors import NotFoundError, PermissionDeniedError
from district.custody import services
from district.custody.models import CheckIn, Contract, Merchant


def staff_merchants(user: Any) -> Any:
    """The merchants ``user`` works for (every merchant for a superuser)."""
    if getattr(user, "is_superuser", False):
        return Merchant.objects.order_by("name")
    if not user_has_role(user, "merchant"):
        return Merchant.objects.none()
    return Merchant.objects.staffed_by(user).order_by("name")


def merchant_for_staff(user: Any, pk: int) -> Merchant:
    """The merchant ``pk`` if ``user`` is on its staff; 404 if unknown, 403 if not theirs."""
    merchant = Merchant.objects.filter(pk=pk).first()
    if merchant is None:
        raise NotFoundError(_("There is no merchant %(pk)s.") % {"pk": pk})
    if not staff_merchants(user).filter(pk=pk).exists():
        raise PermissionDeniedError(
            _("Only the staff of %(name)s may open this page.") % {"name": merchant.name}
        )
    return merchant


def own_contract(user: Any, pk: int) -> Contract:
    """Contract ``pk`` if it is ``user``'s own (as the consumer)."""
    contract = Contract.objects.select_related("merchant", "consumer").filter(pk=pk).first()
    if contract is None:
        raise NotFoundError(_("There is no contract %(pk)s.") % {"pk": pk})
    if contract.consumer.user_id != user.pk:
        raise PermissionDeniedError(_("This contract is not yours."))
    return contract


def own_check_in(user: Any, pk: int) -> CheckIn:
    """Check-in ``pk`` if it belongs to one of ``user``'s contracts."""
    check_in = (
        CheckIn.objects.select_related("contract__consumer", "contract__merchant")
        .filter(pk=pk)
        .first()
    )
    if check_in is None:
        raise NotFoundError(_("There is no check-in %(pk)s.") % {"pk": pk})
    if check_in.contract.consumer.user_id != user.pk:
        raise PermissionDeniedError(_("This check-in is not on one of your contracts."))
    return check_in


def consumer(user: Any) -> Any:
    return services.consumer_for(user)
