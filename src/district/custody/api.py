"""The custody app's JSON API under ``/api/custody/``, for merchant systems.

Authentication: an ``X-API-Key`` whose key belongs to a user on the staff of the merchant
(``district accounts create-api-key NAME --user U``), or a logged-in session of such staff.
A user who works for several merchants names one with ``merchant`` (its licence). A key or
user of no merchant gets 403; nobody sees another merchant's contracts.

Writes are idempotent: each takes a client-supplied key, in the ``Idempotency-Key`` header
or the body's ``key`` field. The same key with the same body answers the original result
again (no second sale, no second check-in); the same key with a different body answers 409
naming the field that differs. Errors are the platform's shape
``{"ok": false, "error", "errors", "status"}``.

* ``POST /contracts`` — a sale: the contract is checked against the legal limits (a refusal
  cites the rule) and the whole price is deposited into custody.
* ``GET /contracts`` — the merchant's contracts; ``GET /contracts/{id}`` — one, with its
  position (released, pending, refunded, remaining, sessions left).
* ``POST /contracts/{id}/check-ins`` — record a session; the consumer confirms it, or it is
  released when the dispute window has passed.
* ``GET /settlements`` — the monthly payouts to the merchant.
* ``GET /tree-heads``, ``GET /consistency?old_size=&new_size=`` — public: the journal's
  signed tree heads and RFC 6962 consistency proofs between them (no personal data).
"""

from __future__ import annotations

from typing import Annotated, Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from ninja import Router, Status
from ninja.params.functions import Header
from ninja.security import django_auth

from district.accounts.auth import api_key
from district.accounts.models import ApiKey
from district.core.errors import InputError, NotFoundError, PermissionDeniedError
from district.custody import services
from district.custody.models import CheckIn, Contract, Merchant, Settlement, TreeHead
from district.custody.schemas import (
    CheckInIn,
    CheckInOut,
    ConsistencyOut,
    ContractIn,
    ContractOut,
    ErrorOut,
    SettlementOut,
    TreeHeadOut,
)
from district.custody.views.guards import staff_merchants

router = Router(tags=["custody"])
IdempotencyKey = Annotated[
    str | None,
    Header(
        None,
        alias="Idempotency-Key",
        description="Unique per operation; the same key and body answer the first result again.",
    ),
]
AUTH = [api_key, django_auth]
ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


def _caller(request: HttpRequest) -> Any:
    auth = getattr(request, "auth", None)
    if isinstance(auth, ApiKey):
        if auth.user is None:
            raise PermissionDeniedError(
                "此 API 密钥不属于任何用户，不能代表任何商户。"
                "This API key belongs to no user, so it speaks for no merchant.",
                fix="请为该商户的员工用户创建密钥。Create the key for a user on the merchant's "
                "staff: district accounts create-api-key NAME --user U.",
            )
        return auth.user
    return request.user


def _merchant(request: HttpRequest, licence: str | None) -> Merchant:
    """The merchant the caller acts for: its only one, or the one named by licence."""
    merchants = staff_merchants(_caller(request))
    if licence:
        merchant = merchants.filter(licence=licence).first()
        if merchant is None:
            raise PermissionDeniedError(
                f"您不是统一社会信用代码为 {licence!r} 的商户的员工。"
                f"You are not on the staff of the merchant with licence {licence!r}.",
                field="merchant",
                value=licence,
            )
        return merchant  # type: ignore[no-any-return]
    found = list(merchants[:2])
    if not found:
        raise PermissionDeniedError(
            "此密钥的用户不是任何商户的员工。This key's user is on the staff of no merchant.",
            fix="请平台将该用户加入商户员工。Ask the platform to add the user to the merchant's "
            "staff.",
        )
    if len(found) > 1:
        raise InputError(
            "您是多家商户的员工，请指明其中一家。You work for several merchants: name one.",
            field="merchant",
            fix="请发送 merchant=<统一社会信用代码>。"
            "Send merchant=<licence> (query parameter or body field).",
        )
    return found[0]  # type: ignore[no-any-return]


def _key(header: str | None, body: str | None, merchant: Merchant) -> str:
    """The idempotency key, from the header or the body (the same if both), per merchant."""
    header = (header or "").strip() or None
    body = (body or "").strip() or None
    if header and body and header != body:
        raise InputError(
            f"Idempotency-Key 请求头（{header!r}）与请求体中的 key（{body!r}）不一致。"
            f"The Idempotency-Key header ({header!r}) and the body's key ({body!r}) differ.",
            field="key",
            fix="只发送一次，或两处发送相同的键。Send the key once, or the same in both.",
        )
    key = header or body
    if not key:
        raise InputError(
            "写操作需要幂等键。A write needs an idempotency key.",
            field="key",
            fix="请发送本次操作唯一的 Idempotency-Key 请求头（或 key 字段）。"
            "Send an Idempotency-Key header (or a key field) unique to this operation.",
        )
    if len(key) > 64:
        raise InputError(
            "幂等键超过 64 个字符。The idempotency key is longer than 64 characters.", field="key"
        )
    return f"api:{merchant.pk}:{key}"


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _contract(item: Contract) -> dict[str, Any]:
    position = services.contract_position(item)
    return {
        "id": item.pk,
        "merchant": item.merchant.licence,
        "consumer": item.consumer.display_name,
        "product_type": item.product_type,
        "training_kind": item.training_kind,
        "price_fen": item.price_fen,
        "sessions": item.sessions,
        "term_months": item.term_months,
        "starts_on": item.starts_on,
        "ends_on": item.ends_on,
        "signed_at": _iso(item.signed_at),
        "activated_at": _iso(item.activated_at),
        "status": item.status,
        "rule_set": item.rule_set,
        "contract_hash": item.contract_hash,
        "position": {
            "price_fen": position.price_fen,
            "released_fen": position.released_fen,
            "pending_fen": position.pending_fen,
            "refunded_fen": position.refunded_fen,
            "remaining_fen": position.remaining_fen,
            "sessions_used": position.sessions_used,
            "sessions_left": position.sessions_left,
            "frozen": position.frozen,
        },
    }


def _check_in(item: CheckIn) -> dict[str, Any]:
    return {
        "id": item.pk,
        "contract": item.contract_id,
        "number": item.number,
        "recorded_by": item.recorded_by,
        "status": item.status,
        "release_fen": item.release_fen,
        "occurred_at": _iso(item.occurred_at),
        "confirm_by": _iso(item.confirm_by),
    }


def _own_contract(merchant: Merchant, contract_id: int) -> Contract:
    item = (
        Contract.objects.select_related("merchant", "consumer")
        .filter(pk=contract_id, merchant=merchant)
        .first()
    )
    if item is None:
        raise NotFoundError(
            f"商户 {merchant.licence} 没有合同 {contract_id}。"
            f"Merchant {merchant.licence} has no contract {contract_id}.",
            field="contract_id",
        )
    return item


@router.post(
    "/contracts",
    auth=AUTH,
    response={201: ContractOut, **ERRORS},
    summary="Sell a contract (deposit into custody)",
)
def create_contract(
    request: HttpRequest,
    payload: ContractIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[dict[str, Any]]:
    merchant = _merchant(request, payload.merchant)
    key = _key(idempotency_key, payload.key, merchant)
    user = get_user_model().objects.filter(username=payload.consumer).first()
    if user is None:
        raise NotFoundError(
            f"平台上没有账号 {payload.consumer!r}。No platform account {payload.consumer!r}.",
            field="consumer",
            value=payload.consumer,
            fix="请消费者先在平台注册，并告知您其用户名。"
            "The consumer registers on the platform first and gives you their username.",
        )
    item = services.sign_contract(
        key=key,
        merchant=merchant,
        consumer=services.consumer_for(user),
        product_type=payload.product_type,
        price_fen=payload.price_fen,
        sessions=payload.sessions,
        term_months=payload.term_months,
        starts_on=payload.starts_on,
        training_kind=payload.training_kind,
        by=_caller(request),
    )
    return Status(201, _contract(item))


@router.get(
    "/contracts", auth=AUTH, response={200: list[ContractOut], **ERRORS}, summary="Contracts"
)
def contracts(
    request: HttpRequest, merchant: str | None = None, status: str | None = None
) -> list[dict[str, Any]]:
    seller = _merchant(request, merchant)
    items = Contract.objects.filter(merchant=seller).select_related("merchant", "consumer")
    if status:
        items = items.filter(status=status)
    return [_contract(c) for c in items.order_by("-signed_at", "-pk")[:500]]


@router.get(
    "/contracts/{contract_id}",
    auth=AUTH,
    response={200: ContractOut, **ERRORS},
    summary="A contract and its position",
)
def contract(request: HttpRequest, contract_id: int, merchant: str | None = None) -> dict[str, Any]:
    return _contract(_own_contract(_merchant(request, merchant), contract_id))


@router.post(
    "/contracts/{contract_id}/check-ins",
    auth=AUTH,
    response={201: CheckInOut, **ERRORS},
    summary="Record a check-in (a session used)",
)
def record_check_in(
    request: HttpRequest,
    contract_id: int,
    payload: CheckInIn,
    merchant: str | None = None,
    idempotency_key: IdempotencyKey = None,
) -> Status[dict[str, Any]]:
    seller = _merchant(request, merchant)
    key = _key(idempotency_key, payload.key, seller)
    item = services.record_check_in(
        key=key,
        contract=_own_contract(seller, contract_id),
        by=_caller(request),
        amount_fen=payload.amount_fen,
    )
    return Status(201, _check_in(item))


@router.get(
    "/settlements",
    auth=AUTH,
    response={200: list[SettlementOut], **ERRORS},
    summary="Settlements paid to the merchant",
)
def settlements(request: HttpRequest, merchant: str | None = None) -> list[dict[str, Any]]:
    seller = _merchant(request, merchant)
    return [
        {
            "id": s.pk,
            "merchant": seller.licence,
            "period_end": s.period_end,
            "amount_fen": s.amount_fen,
            "created_at": _iso(getattr(s, "created_at", None)),
        }
        for s in Settlement.objects.filter(merchant=seller).order_by("-period_end", "-pk")
    ]


# --- public: the journal's signed tree heads, for anyone to check it only grows ---------


@router.get(
    "/tree-heads",
    response=list[TreeHeadOut],
    summary="Signed tree heads of the journal (public)",
)
def tree_heads(request: HttpRequest) -> list[dict[str, Any]]:
    """The latest 100 signed tree heads, newest first. Pin one, and later ask for a
    consistency proof from its size to a newer head's: the journal only grows."""
    return [
        {
            "tree_size": head.tree_size,
            "root_hash": bytes(head.root_hash).hex(),
            "timestamp_us": head.timestamp_us,
            "signature": bytes(head.signature).hex(),
            "key_id": head.key_id,
        }
        for head in TreeHead.objects.order_by("-tree_size")[:100]
    ]


@router.get(
    "/consistency",
    response={200: ConsistencyOut, **ERRORS},
    summary="Consistency proof between two journal sizes (public)",
)
def consistency(request: HttpRequest, old_size: int, new_size: int) -> dict[str, Any]:
    proof = services.consistency_proof(old_size=old_size, new_size=new_size)
    return {"old_size": old_size, "new_size": new_size, "proof": [p.hex() for p in proof]}
