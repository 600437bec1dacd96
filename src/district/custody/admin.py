"""Admin: everything in custody changes only through the services (money, the journal and
their constraints), so every model is read-only here; merchants' staff are the exception
and are edited through the merchant."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from district.custody.models import (
    Account,
    BankStatement,
    CheckIn,
    Closure,
    Consumer,
    Contract,
    Dispute,
    JournalRecord,
    Merchant,
    Refund,
    RiskWarning,
    Settlement,
    Transfer,
    TreeHead,
)


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin[Merchant]):
    list_display = ["name", "licence", "sector", "status", "registered_on", "is_demo"]
    list_filter = ["sector", "status", "is_demo"]
    search_fields = ["name", "licence"]
    filter_horizontal = ["staff"]
    # Status changes (closure) go through the services; only the staff list is edited here.
    fields = ["name", "licence", "sector", "status", "address", "registered_on", "staff"]
    readonly_fields = ["name", "licence", "sector", "status", "address", "registered_on"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Consumer)
class ConsumerAdmin(ReadOnlyAdmin):
    list_display = ["display_name", "created_at"]
    search_fields = ["display_name"]


@admin.register(Contract)
class ContractAdmin(ReadOnlyAdmin):
    list_display = ["number", "merchant", "product_type", "price_fen", "status", "signed_at"]
    list_filter = ["status", "product_type", "merchant__sector"]
    search_fields = ["merchant__name", "key"]


@admin.register(CheckIn)
class CheckInAdmin(ReadOnlyAdmin):
    list_display = ["contract", "number", "recorded_by", "status", "occurred_at", "release_fen"]
    list_filter = ["status", "recorded_by"]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "contract", "reason", "amount_fen", "claim_fen", "due_on"]
    list_filter = ["reason"]


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "contract", "status", "outcome", "opened_at"]
    list_filter = ["status", "outcome"]


@admin.register(Settlement)
class SettlementAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "merchant", "period_end", "amount_fen", "fee_fen"]


@admin.register(Closure)
class ClosureAdmin(ReadOnlyAdmin):
    list_display = ["merchant", "created_at", "pool_fen", "refunded_fen", "shortfall_fen"]


@admin.register(RiskWarning)
class RiskWarningAdmin(ReadOnlyAdmin):
    list_display = ["merchant", "kind", "status", "week_of", "raised_at"]
    list_filter = ["kind", "status"]


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = [
        "code",
        "kind",
        "debits_posted",
        "credits_posted",
        "debits_pending",
        "credits_pending",
    ]
    list_filter = ["kind"]
    search_fields = ["code"]


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = [
        "key",
        "kind",
        "code",
        "amount_fen",
        "debit_account",
        "credit_account",
        "created_at",
    ]
    list_filter = ["kind", "code"]
    search_fields = ["key", "reference"]


@admin.register(JournalRecord)
class JournalRecordAdmin(ReadOnlyAdmin):
    list_display = ["seq", "event_type", "recorded_at", "contract"]
    list_filter = ["event_type"]


@admin.register(TreeHead)
class TreeHeadAdmin(ReadOnlyAdmin):
    list_display = ["tree_size", "key_id", "created_at"]


@admin.register(BankStatement)
class BankStatementAdmin(ReadOnlyAdmin):
    list_display = ["file_name", "first_day", "last_day", "closing_balance_fen", "imported_at"]
