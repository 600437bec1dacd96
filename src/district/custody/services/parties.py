"""Merchants, their staff, and consumers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction

from district.core.errors import ConflictError, InputError
from district.custody.ledger import append_event, merchant_receivable, run_atomic
from district.custody.models import Consumer, Merchant

from .common import clock, require_permission, require_reason, user_ref

# GB 32100-2015: the unified social credit code's alphabet and check-character weights.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
DEMO_LICENCE_PREFIX = "DEMO"


def uscc_check_character(first17: str) -> str:
    """The 18th character of a unified social credit code (统一社会信用代码)."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def check_licence(licence: str, *, is_demo: bool) -> str:
    """Normalize and check a licence; demo merchants use codes starting with ``DEMO``."""
    code = "".join((licence or "").split()).upper()
    if len(code) != 18:
        raise InputError(
            f"营业执照代码 {licence!r} 有 {len(code)} 位，统一社会信用代码应为 18 位。"
            f"The licence {licence!r} has {len(code)} characters; a unified social credit code "
            "has 18",
            field="licence",
            value=licence,
            fix="请照营业执照抄写 18 位代码。Copy the 18-character code from the business "
            "licence (营业执照).",
        )
    if code.startswith(DEMO_LICENCE_PREFIX):
        if not is_demo:
            raise InputError(
                f"代码 {code} 以 DEMO 开头，仅用于演示数据。"
                f"The licence {code} starts with DEMO, which marks demo data",
                field="licence",
                value=code,
                fix="请填写商户的真实代码。Give the merchant's real code, or register it with "
                "is_demo=True.",
            )
        if not code.isalnum():
            raise InputError(
                f"演示代码 {code} 只能由字母和数字组成。"
                f"The demo licence {code} has other than letters and digits",
                field="licence",
            )
        return code
    bad = sorted({c for c in code if c not in USCC_ALPHABET})
    if bad:
        raise InputError(
            f"代码 {code} 含有统一社会信用代码不用的字符 {''.join(bad)!r}。"
            f"The licence {code} contains {''.join(bad)!r}, not used in unified social "
            "credit codes",
            field="licence",
            value=code,
            fix="代码由数字和除 I、O、S、V、Z 以外的大写字母组成。Codes use digits and capital "
            "letters except I, O, S, V and Z.",
        )
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        raise InputError(
            f"代码 {code} 未通过 GB 32100 校验：最后一位应为 {expected!r}，而不是 {code[17]!r}。"
            f"The licence {code} fails the GB 32100 check: its last character should be "
            f"{expected!r}, not {code[17]!r}",
            field="licence",
            value=code,
            fix="请检查是否输错。Check the code for a typing mistake.",
        )
    return code


def register_merchant(
    *,
    name: str,
    licence: str,
    sector: str,
    address: str = "",
    registered_on: date,
    lease_ends_on: date | None = None,
    last_year_revenue_fen: int | None = None,
    is_demo: bool = False,
    by: Any,
) -> Merchant:
    """Register a merchant on the platform; the same licence again returns it unchanged.

    Needs ``custody.add_merchant`` (the notary, the regulator, administrators).
    """
    require_permission(by, "custody.add_merchant", "register a merchant")
    code = check_licence(licence, is_demo=is_demo)
    clean_name = (name or "").strip()
    if not clean_name or len(clean_name) > 120:
        raise InputError(
            f"商户名称 {name!r} 为空或超过 120 个字。"
            f"The merchant name {name!r} is empty or longer than 120 characters",
            field="name",
            value=name,
            fix="请填写营业执照上的名称。Give the name on the business licence.",
        )
    if sector not in Merchant.Sector.values:
        raise InputError(
            f"行业 {sector!r} 无效，应为健身或培训。"
            f"sector is {sector!r}; it must be fitness or training",
            field="sector",
            value=sector,
        )
    if last_year_revenue_fen is not None and (
        isinstance(last_year_revenue_fen, bool)
        or not isinstance(last_year_revenue_fen, int)
        or last_year_revenue_fen < 0
    ):
        raise InputError(
            f"上年营业额 {last_year_revenue_fen!r} 无效，应为不小于 0 的整数（分）。"
            f"last_year_revenue_fen is {last_year_revenue_fen!r}; give fen, at least 0",
            field="last_year_revenue_fen",
            value=last_year_revenue_fen,
        )
    if lease_ends_on is not None and lease_ends_on < registered_on:
        raise InputError(
            f"租约于 {lease_ends_on.isoformat()} 到期，早于登记日 {registered_on.isoformat()}。"
            f"The lease ends on {lease_ends_on.isoformat()}, before registration on "
            f"{registered_on.isoformat()}",
            field="lease_ends_on",
            value=lease_ends_on.isoformat(),
        )

    def work() -> Merchant:
        existing = Merchant.objects.filter(licence=code).first()
        if existing is not None:
            if existing.name != clean_name or existing.sector != sector:
                raise ConflictError(
                    f"代码 {code} 已登记为 {existing.name}（{existing.sector}）。"
                    f"The licence {code} is already registered to {existing.name} "
                    f"({existing.sector})",
                    field="licence",
                    value=code,
                    fix="一个代码只能登记一个商户。Each licence registers one merchant.",
                )
            return existing
        merchant = Merchant.objects.create(
            name=clean_name,
            licence=code,
            sector=sector,
            address=(address or "").strip()[:200],
            registered_on=registered_on,
            lease_ends_on=lease_ends_on,
            last_year_revenue_fen=last_year_revenue_fen,
            is_demo=is_demo,
        )
        merchant_receivable(merchant)
        append_event(
            {
                "type": "merchant_registered",
                "merchant": code,
                "name": clean_name,
                "sector": sector,
                "registered_on": registered_on.isoformat(),
                "by": user_ref(by),
            },
            now=clock(None),
            merchant=merchant,
        )
        return merchant

    return run_atomic(work)


def add_merchant_staff(*, merchant: Merchant, user: Any, by: Any) -> None:
    """Make ``user`` staff of ``merchant`` (sells contracts, records check-ins)."""
    require_permission(by, "custody.change_merchant", "add staff to a merchant")
    merchant.staff.add(user)


def consumer_for(user: Any) -> Consumer:
    """The consumer record of ``user``, created on first use."""
    if user is None or not getattr(user, "pk", None):
        raise InputError(
            "消费者须为注册用户。A consumer must be a registered user",
            field="user",
            fix="请先登录。Log in first.",
        )
    consumer = Consumer.objects.filter(user=user).first()
    if consumer is not None:
        return consumer
    display = (getattr(user, "display_name", "") or user.get_username())[:100]
    try:
        with transaction.atomic():
            return Consumer.objects.create(user=user, display_name=display)
    except IntegrityError:  # created at the same moment by a concurrent request
        return Consumer.objects.get(user=user)


def set_merchant_status(
    *, merchant: Merchant, status: str, by: Any, reason: str, now: datetime | None = None
) -> Merchant:
    """Suspend a merchant, announce its closing, or make it active again.

    ``suspended`` and ``closing`` stop new sales; consumers keep using what they bought
    (releases continue) until ``close_merchant`` freezes and refunds everything. Needs
    ``custody.change_merchant`` (the regulator or the notary). Closing is
    :func:`~district.custody.services.close_merchant`, not a status change.
    """
    require_permission(by, "custody.change_merchant", "change a merchant's status")
    allowed = (Merchant.Status.ACTIVE, Merchant.Status.SUSPENDED, Merchant.Status.CLOSING)
    if status not in allowed:
        raise InputError(
            f"状态 {status!r} 无效，应为正常经营、暂停或闭店处置中。"
            f"status is {status!r}; it must be active, suspended or closing",
            field="status",
            value=status,
            fix="关闭商户并退款给消费者请使用闭店处置。"
            "Use close_merchant to close a merchant and refund its consumers.",
        )
    text = require_reason(reason, "请说明变更的理由。Give the reason for the change")
    moment = clock(now)

    def work() -> Merchant:
        locked = Merchant.objects.select_for_update(no_key=True).get(pk=merchant.pk)
        if locked.status == Merchant.Status.CLOSED:
            raise ConflictError(
                f"{locked.name} 已关闭，状态不能再更改。"
                f"{locked.name} is closed; its status cannot change",
                field="status",
                value=status,
            )
        if locked.status == status:
            return locked
        previous = locked.status
        locked.status = status
        locked.save(update_fields=["status"])
        append_event(
            {
                "type": "merchant_status",
                "merchant": locked.licence,
                "from": previous,
                "to": status,
                "reason": text[:500],
                "by": user_ref(by),
            },
            now=moment,
            merchant=locked,
        )
        return locked

    return run_atomic(work)
