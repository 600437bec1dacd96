"""What every custody write shares: clocks, keys, permissions, repeat detection, journal."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.utils import timezone, translation

from district.accounts.auth import user_has_role
from district.cases import services as cases
from district.core.errors import ConflictError, InputError, PermissionDeniedError
from district.custody import journal
from district.custody.models import KEY_LENGTH, Contract, Merchant
from district.custody.money import SHANGHAI

DEFAULT_CONFIRM_HOURS = 72
COOLING_OFF_REFUND_WORKING_DAYS = 5
OTHER_REFUND_WORKING_DAYS = 15


def clock(now: datetime | None) -> datetime:
    """``now`` if given (it must be aware), else the current time."""
    if now is None:
        return timezone.now()
    if now.tzinfo is None or now.utcoffset() is None:
        raise InputError(
            f"now={now.isoformat()} has no time zone",
            field="now",
            value=now.isoformat(),
            fix="Pass an aware datetime, e.g. django.utils.timezone.now().",
        )
    return now


def local_day(moment: datetime) -> date:
    """The calendar day of ``moment`` in Shanghai."""
    return moment.astimezone(SHANGHAI).date()


def confirm_hours() -> int:
    """Hours a consumer has to dispute a merchant-recorded check-in (CUSTODY_CONFIRM_HOURS)."""
    value = getattr(settings, "CUSTODY_CONFIRM_HOURS", DEFAULT_CONFIRM_HOURS)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(
            f"CUSTODY_CONFIRM_HOURS is {value!r}",
            field="CUSTODY_CONFIRM_HOURS",
            fix="Use 1 or more.",
        )
    return value


def fee_permille() -> int:
    """The platform's settlement fee in ‰ of the amount settled (CUSTODY_FEE_PERMILLE, 0)."""
    value = getattr(settings, "CUSTODY_FEE_PERMILLE", 0)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1000:
        raise InputError(
            f"CUSTODY_FEE_PERMILLE is {value!r}", field="CUSTODY_FEE_PERMILLE", fix="Use 0 to 1000."
        )
    return value


def refund_due_on(requested_at: datetime, working_days: int) -> date:
    """The day a refund is due, counted on the platform's working-day calendar (cases)."""
    deadline = cases.deadline_after(requested_at, working_days=working_days)
    return local_day(deadline.at)


def require_reason(reason: str | None, message: str) -> str:
    """The stripped ``reason``; ``message`` (Chinese first, then English) when it is empty."""
    text = (reason or "").strip()
    if not text:
        raise InputError(message, field="reason", fix="请填写理由。Write a reason.")
    return text


def check_key(key: str) -> str:
    if not isinstance(key, str) or not key.strip() or len(key) > KEY_LENGTH:
        raise InputError(
            f"幂等键 {key!r} 为空或超过 {KEY_LENGTH} 个字符。"
            f"The idempotency key {key!r} is empty or longer than {KEY_LENGTH} characters",
            field="key",
            value=key,
            fix="每个请求发送一个唯一的键（如 UUID），重试时发送同一个键。"
            "Send one unique key per request, e.g. a UUID, and the same key on a retry.",
        )
    return key


def check_fen(name: str, value: object, *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InputError(
            f"{name} 为 {value!r}，金额须为不小于 {minimum} 分的整数。"
            f"{name} is {value!r}; give a whole number of fen of at least {minimum}",
            field=name,
            value=value,
            fix="金额以分为单位：12.50 元即 1250 分。"
            "Money is an integer of fen: RMB 12.50 is 1250.",
        )
    return value


KIND_ZH = {
    "contract": "合同",
    "check-in": "核销",
    "refund": "退款",
    "dispute": "争议",
    "dispute resolution": "争议处理",
}


def same_request(kind: str, key: str, pairs: Sequence[tuple[str, object, object]]) -> None:
    """Refuse a repeated ``key`` whose arguments differ (ConflictError naming the field)."""
    for name, stored, given in pairs:
        if stored != given:
            raise ConflictError(
                f"幂等键 {key!r} 已用于另一笔{KIND_ZH.get(kind, kind)}（{name}={stored!r}），"
                f"本次请求为 {name}={given!r}。"
                f"The key {key!r} was already used for a {kind} with {name}={stored!r}; "
                f"this request has {name}={given!r}",
                field=name,
                value=given,
                fix="请原样重复原请求，或为新请求使用新的键。"
                "Repeat the original request exactly, or use a new key for a new request.",
            )


def status_zh(item: Any) -> str:
    """The Chinese label of ``item.status``, for messages that give Chinese first."""
    with translation.override("zh-hans"):
        return str(item.get_status_display())


# --- who may act -------------------------------------------------------------------------


def is_superuser(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False))


def require_login(user: Any, action: str) -> None:
    if user is None or not getattr(user, "is_authenticated", False):
        raise PermissionDeniedError(f"请先登录。Log in to {action}.", fix="请先登录。Log in first.")


def require_permission(user: Any, perm: str, action: str) -> None:
    require_login(user, action)
    if not user.has_perm(perm):
        raise PermissionDeniedError(
            f"您的账号无权执行此操作（缺少权限 {perm}）。"
            f"Your account may not {action} (it lacks {perm}).",
            fix="请向管理员申请公证处或监管部门的角色。"
            "Ask an administrator for the notary or regulator role.",
        )


def is_staff_of(user: Any, merchant: Merchant) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return merchant.staff.filter(pk=user.pk).exists()


def is_overseer(user: Any) -> bool:
    """The custodian (notary), the regulator and administrators see every merchant."""
    return is_superuser(user) or user_has_role(user, "notary", "regulator", "administrator")


def is_consumer_of(user: Any, contract: Contract) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and contract.consumer.user_id == user.pk
    )


def require_contract_access(user: Any, contract: Contract, action: str) -> None:
    """The consumer, the merchant's staff, the notary, the regulator or an administrator."""
    require_login(user, action)
    if is_consumer_of(user, contract) or is_staff_of(user, contract.merchant) or is_overseer(user):
        return
    raise PermissionDeniedError(
        "只有消费者本人、该商户的员工或存管方可以执行此操作。"
        f"Only the consumer, the merchant's staff or the custodian may {action}.",
        field="contract",
        value=contract.number,
    )


# --- journal events ----------------------------------------------------------------------


def user_ref(user: Any) -> str:
    """Who acted, without personal data: ``user:<id>`` or ``system``."""
    return f"user:{user.pk}" if user is not None and getattr(user, "pk", None) else "system"


def contract_hash(terms: dict[str, Any]) -> str:
    return hashlib.sha256(journal.canonical_json(terms)).hexdigest()
