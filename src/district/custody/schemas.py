"""JSON shapes of the custody API for merchant systems (validation and OpenAPI).

Money is integer fen (RMB 1 = 100 fen); times are ISO 8601 with their offset (+08:00).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from ninja import Field, Schema


class ErrorOut(Schema):
    ok: bool = False
    error: str
    errors: dict[str, list[str]]
    status: int


class ContractIn(Schema):
    """A sale: the consumer's platform account, the product and its price."""

    key: str | None = Field(
        None,
        max_length=64,
        description="Idempotency key (or send the Idempotency-Key header). The same key with "
        "the same body returns the original contract; with a different body, 409.",
    )
    merchant: str | None = Field(
        None,
        description="The merchant's licence (unified social credit code); needed only when "
        "the key's user works for several merchants.",
    )
    consumer: str = Field(..., description="The consumer's platform username.")
    product_type: Literal["membership", "class_pack", "stored_value"]
    price_fen: int = Field(..., ge=1, examples=[360000])
    sessions: int | None = Field(None, ge=1, examples=[30])
    term_months: int | None = Field(None, ge=1)
    starts_on: date
    training_kind: Literal["", "subject", "non_subject"] = ""


class CheckInIn(Schema):
    key: str | None = Field(
        None, max_length=64, description="Idempotency key (or the Idempotency-Key header)."
    )
    amount_fen: int | None = Field(
        None, ge=1, description="The spend, for a stored-value card without sessions only."
    )


class PositionOut(Schema):
    price_fen: int
    released_fen: int
    pending_fen: int
    refunded_fen: int
    remaining_fen: int
    sessions_used: int
    sessions_left: int | None
    frozen: bool


class ContractOut(Schema):
    id: int
    merchant: str = Field(..., description="The merchant's licence.")
    consumer: str = Field(..., description="The consumer's display name.")
    product_type: str
    training_kind: str
    price_fen: int
    sessions: int | None
    term_months: int | None
    starts_on: date
    ends_on: date | None
    signed_at: str
    activated_at: str | None
    status: str
    rule_set: str
    contract_hash: str
    position: PositionOut


class CheckInOut(Schema):
    id: int
    contract: int
    number: int
    recorded_by: str
    status: str
    release_fen: int
    occurred_at: str
    confirm_by: str | None


class TreeHeadOut(Schema):
    """A signed tree head: the notary's signed statement of the journal's size and root."""

    tree_size: int
    root_hash: str = Field(..., description="SHA-256, lowercase hex (RFC 6962 root).")
    timestamp_us: int
    signature: str = Field(..., description="Ed25519 over the head, lowercase hex.")
    key_id: str


class ConsistencyOut(Schema):
    old_size: int
    new_size: int
    proof: list[str] = Field(..., description="RFC 6962 consistency proof, lowercase hex.")


class SettlementOut(Schema):
    id: int
    merchant: str
    period_end: date
    amount_fen: int
    created_at: str | None
