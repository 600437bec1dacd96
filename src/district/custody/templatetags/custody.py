"""Template helpers of the custody pages: amounts in yuan and the custody navigation."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

from district.accounts.auth import user_has_role
from district.custody import money

register = template.Library()


@register.filter
def yuan(amount_fen: Any) -> str:
    """``123456`` → ``"1,234.56"``; empty for None."""
    if amount_fen is None or amount_fen == "":
        return ""
    return money.format_yuan(int(amount_fen))


@register.filter
def hexdigest(value: Any) -> str:
    """Bytes as hex; strings unchanged."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return "" if value is None else str(value)


@register.inclusion_tag("custody/_nav.html", takes_context=True)
def custody_nav(context: Any) -> dict[str, Any]:
    request = context["request"]
    user = request.user
    items: list[tuple[str, Any]] = [("custody:index", _("About custody"))]
    if user.is_authenticated:
        items += [
            ("custody:my_contracts", _("My contracts")),
            ("custody:my_receipts", _("My receipts")),
            ("custody:buy", _("Buy a product")),
        ]
        if user_has_role(user, "merchant"):
            items.append(("custody:merchant_home", _("Merchant")))
        if user_has_role(user, "regulator"):
            items.append(("custody:regulator", _("Regulator")))
        if user_has_role(user, "notary"):
            items.append(("custody:notary", _("Notary")))
    items.append(("custody:verify", _("Check a receipt")))
    return {"items": items, "path": request.path}


@register.filter
def get(mapping: Any, key: Any) -> Any:
    """``{{ labels|get:code }}``: a dict's value, or the key itself."""
    return mapping.get(key, key) if hasattr(mapping, "get") else key
