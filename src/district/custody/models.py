"""Prepaid custody (预付资金存管): merchants, consumers, contracts, the ledger and the journal.

Reads are QuerySet methods and the read functions of :mod:`.services`; every write goes
through :mod:`.services` (and, for money, :mod:`.ledger`). The rules that protect money and
state are CHECK and UNIQUE constraints as well as code:

- every amount is an integer of fen (分) in a ``BigIntegerField``;
- an account's cached ``debits_*``/``credits_*`` are never negative and respect its balance
  flag (a consumer's custody balance never goes below zero) — checked by the ledger in the
  transaction *and* by the database, so a write that bypasses the code is refused too;
- every transfer, contract, check-in, refund, settlement, dispute and closure carries the
  client's idempotency key, unique;
- the journal's ``seq`` is unique and counts from 0; its head row serializes appends.

Ledger vocabulary follows TigerBeetle (see ``docs/custody.md``): an account has
``debits_pending``, ``debits_posted``, ``credits_pending``, ``credits_posted``; a transfer
debits one account and credits another; a *pending* transfer reserves money until it is
*posted* (in full or in part) or *voided*.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

KEY_LENGTH = 120
"""The longest idempotency key accepted (client keys are usually UUIDs)."""


# --- parties -----------------------------------------------------------------------------


class MerchantQuerySet(models.QuerySet["Merchant"]):
    def staffed_by(self, user: Any) -> MerchantQuerySet:
        return self.filter(staff=user)

    def open(self) -> MerchantQuerySet:
        return self.exclude(status__in=["closing", "closed"])


class Merchant(models.Model):
    """A gym or training school selling prepaid contracts (经营者)."""

    class Sector(models.TextChoices):
        FITNESS = "fitness", _("fitness")  # 体育健身
        TRAINING = "training", _("training")  # 校外培训

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        SUSPENDED = "suspended", _("suspended")
        CLOSING = "closing", _("closing")
        CLOSED = "closed", _("closed")

    name = models.CharField(_("name"), max_length=120)
    # 统一社会信用代码 (GB 32100-2015): 18 characters.
    licence = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    sector = models.CharField(_("sector"), max_length=10, choices=Sector.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    registered_on = models.DateField(_("registered on"))
    lease_ends_on = models.DateField(_("lease ends on"), null=True, blank=True)
    last_year_revenue_fen = models.BigIntegerField(
        _("last year's revenue (fen)"), null=True, blank=True
    )
    is_demo = models.BooleanField(_("demo data"), default=False)
    staff: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="custody_merchants",
        blank=True,
        verbose_name=_("staff"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = MerchantQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("merchant")
        verbose_name_plural = _("merchants")
        constraints = [
            models.CheckConstraint(
                condition=Q(sector__in=["fitness", "training"]),
                name="custody_merchant_sector_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "suspended", "closing", "closed"]),
                name="custody_merchant_status_valid",
            ),
            models.CheckConstraint(
                condition=Exact(Length("licence"), 18), name="custody_merchant_licence_18"
            ),
            models.CheckConstraint(
                condition=Q(last_year_revenue_fen__isnull=True) | Q(last_year_revenue_fen__gte=0),
                name="custody_merchant_revenue_nonnegative",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Consumer(models.Model):
    """A resident who buys prepaid contracts (消费者). Personal data stays on the user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="custody_consumer"
    )
    display_name = models.CharField(_("display name"), max_length=100)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("consumer")
        verbose_name_plural = _("consumers")

    def __str__(self) -> str:
        return self.display_name


# --- contracts ---------------------------------------------------------------------------


OPEN_CONTRACT_STATUSES = ("held", "active", "frozen")
"""Contracts whose money may still be in custody."""


class ContractQuerySet(models.QuerySet["Contract"]):
    def open(self) -> ContractQuerySet:
        return self.filter(status__in=OPEN_CONTRACT_STATUSES)


class Contract(models.Model):
    """A prepaid contract whose whole price sits in custody until it is used (预付合同)."""

    class ProductType(models.TextChoices):
        MEMBERSHIP = "membership", _("membership")  # 会籍类
        CLASS_PACK = "class_pack", _("class pack")  # 课时类
        STORED_VALUE = "stored_value", _("stored value")  # 储值类

    class Status(models.TextChoices):
        HELD = "held", _("held in custody")  # signed, not yet used: cooling-off may apply
        ACTIVE = "active", _("in use")
        FROZEN = "frozen", _("frozen")  # a dispute or a closure holds every release
        REFUNDED = "refunded", _("refunded")
        COMPLETED = "completed", _("completed")
        CLOSED = "closed", _("closed with the merchant")

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="contracts")
    consumer = models.ForeignKey(Consumer, on_delete=models.PROTECT, related_name="contracts")
    product_type = models.CharField(_("product type"), max_length=12, choices=ProductType.choices)
    training_kind = models.CharField(_("training kind"), max_length=12, blank=True)
    price_fen = models.BigIntegerField(_("price (fen)"))
    sessions = models.PositiveIntegerField(_("sessions"), null=True, blank=True)
    term_months = models.PositiveIntegerField(_("term (months)"), null=True, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed at"))
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.HELD
    )
    # The codes of the rule sets the contract was checked against (comma separated).
    rule_set = models.CharField(_("rule set"), max_length=200, blank=True)
    contract_hash = models.CharField(_("contract hash"), max_length=64)
    key = models.CharField(_("idempotency key"), max_length=KEY_LENGTH, unique=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ContractQuerySet.as_manager()

    class Meta:
        ordering = ["-signed_at", "-id"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        indexes = [models.Index(fields=["merchant", "status"])]
        constraints = [
            models.CheckConstraint(condition=Q(price_fen__gt=0), name="custody_contract_price_pos"),
            models.CheckConstraint(
                condition=Q(product_type__in=["membership", "class_pack", "stored_value"]),
                name="custody_contract_product_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["held", "active", "frozen", "refunded", "completed", "closed"]
                ),
                name="custody_contract_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(product_type="class_pack") | Q(sessions__gte=1),
                name="custody_contract_class_pack_sessions",
            ),
            models.CheckConstraint(
                condition=~Q(product_type="membership") | Q(term_months__gte=1),
                name="custody_contract_membership_term",
            ),
            models.CheckConstraint(
                condition=Q(sessions__isnull=True) | Q(sessions__gte=1),
                name="custody_contract_sessions_pos",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gt=F("starts_on")),
                name="custody_contract_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.merchant.name}"

    @property
    def number(self) -> str:
        """The contract number shown to people and written on bank transfers."""
        return f"CT-{self.pk:06d}"


class CheckIn(models.Model):
    """One session used (核销): the release of that session's money to the merchant."""

    class RecordedBy(models.TextChoices):
        CONSUMER = "consumer", _("consumer")
        MERCHANT = "merchant", _("merchant")

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("confirmed")
        AWAITING = "awaiting", _("awaiting the consumer")
        DISPUTED = "disputed", _("disputed")
        VOID = "void", _("void")

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="check_ins")
    number = models.PositiveIntegerField(_("session number"))
    recorded_by = models.CharField(_("recorded by"), max_length=10, choices=RecordedBy.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    occurred_at = models.DateTimeField(_("occurred at"))
    confirm_by = models.DateTimeField(_("confirm by"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    release_fen = models.BigIntegerField(_("release (fen)"), default=0)
    # The pending (merchant-recorded) or posted (consumer-confirmed) release.
    transfer = models.ForeignKey(
        "Transfer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dispute_reason = models.TextField(_("dispute reason"), blank=True)
    recorded_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    key = models.CharField(_("idempotency key"), max_length=KEY_LENGTH, unique=True)

    class Meta:
        ordering = ["contract", "number", "id"]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        constraints = [
            models.CheckConstraint(condition=Q(number__gte=1), name="custody_checkin_number_pos"),
            models.CheckConstraint(
                condition=Q(release_fen__gte=0), name="custody_checkin_release_nonnegative"
            ),
            models.CheckConstraint(
                condition=Q(recorded_by__in=["consumer", "merchant"]),
                name="custody_checkin_recorded_by_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["confirmed", "awaiting", "disputed", "void"]),
                name="custody_checkin_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="awaiting") | Q(confirm_by__isnull=False),
                name="custody_checkin_awaiting_has_deadline",
            ),
            # A session number is used once; a disputed or void check-in frees it.
            models.UniqueConstraint(
                fields=["contract", "number"],
                condition=Q(status__in=["confirmed", "awaiting"]),
                name="custody_checkin_one_per_session",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract.number} #{self.number}"


class Refund(models.Model):
    """Money returned to a consumer from custody (退款)."""

    class Reason(models.TextChoices):
        COOLING_OFF = "cooling_off", _("cooling-off")  # 冷静期
        DISPUTE = "dispute", _("dispute")
        CLOSURE = "closure", _("merchant closure")

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="refunds")
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    claim_fen = models.BigIntegerField(_("claim (fen)"))
    requested_at = models.DateTimeField(_("requested at"))
    due_on = models.DateField(_("due on"))
    closure = models.ForeignKey(
        "Closure", on_delete=models.PROTECT, null=True, blank=True, related_name="refunds"
    )
    dispute = models.ForeignKey(
        "Dispute", on_delete=models.PROTECT, null=True, blank=True, related_name="refunds"
    )
    key = models.CharField(_("idempotency key"), max_length=KEY_LENGTH, unique=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_fen__gte=0) & Q(amount_fen__lte=F("claim_fen")),
                name="custody_refund_amount_within_claim",
            ),
            models.CheckConstraint(
                condition=Q(reason__in=["cooling_off", "dispute", "closure"]),
                name="custody_refund_reason_valid",
            ),
            models.CheckConstraint(
                condition=~Q(reason="closure") | Q(closure__isnull=False),
                name="custody_refund_closure_linked",
            ),
        ]

    def __str__(self) -> str:
        return f"RF-{self.pk:06d}"


class Dispute(models.Model):
    """A consumer's dispute: the contract's remaining money is frozen until resolved (争议)."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        RESOLVED = "resolved", _("resolved")

    class Outcome(models.TextChoices):
        REFUND = "refund", _("refund the remaining balance")
        RESUME = "resume", _("resume the contract")
        CLOSURE = "closure", _("settled by the merchant's closure")

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="disputes")
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    opened_at = models.DateTimeField(_("opened at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    # The contract's status before the freeze, restored on "resume".
    status_before = models.CharField(max_length=10, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    key = models.CharField(_("idempotency key"), max_length=KEY_LENGTH, unique=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        constraints = [
            models.UniqueConstraint(
                fields=["contract"], condition=Q(status="open"), name="custody_dispute_one_open"
            ),
            models.CheckConstraint(
                condition=Q(status="open", outcome="", resolved_at__isnull=True)
                | Q(status="resolved", resolved_at__isnull=False) & ~Q(outcome=""),
                name="custody_dispute_resolution_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"DS-{self.pk:06d}"


class Settlement(models.Model):
    """A monthly payment of released money from custody to the merchant (结算)."""

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="settlements")
    period_end = models.DateField(_("period end"))
    amount_fen = models.BigIntegerField(_("paid (fen)"))
    fee_fen = models.BigIntegerField(_("fee (fen)"), default=0)
    created_at = models.DateTimeField(_("created at"))
    key = models.CharField(_("idempotency key"), max_length=KEY_LENGTH, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-period_end", "merchant"]
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "period_end"], name="custody_settlement_once_per_period"
            ),
            models.CheckConstraint(
                condition=Q(amount_fen__gte=0) & Q(fee_fen__gte=0),
                name="custody_settlement_nonnegative",
            ),
        ]

    def __str__(self) -> str:
        return f"ST-{self.pk:06d}"


class Closure(models.Model):
    """A merchant's closure: everything frozen at once, every consumer refunded (停业清退)."""

    merchant = models.OneToOneField(Merchant, on_delete=models.PROTECT, related_name="closure")
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(_("closed at"))
    pool_fen = models.BigIntegerField(_("custody pool (fen)"))
    claims_fen = models.BigIntegerField(_("claims (fen)"))
    refunded_fen = models.BigIntegerField(_("refunded (fen)"))
    shortfall_fen = models.BigIntegerField(_("shortfall (fen)"))
    released_fen = models.BigIntegerField(_("released to the merchant (fen)"))
    contract_count = models.PositiveIntegerField(_("contracts refunded"))
    key = models.CharField(_("idempotency key"), max_length=KEY_LENGTH, unique=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        constraints = [
            models.CheckConstraint(
                condition=Q(pool_fen__gte=0)
                & Q(claims_fen__gte=0)
                & Q(refunded_fen__gte=0)
                & Q(shortfall_fen__gte=0)
                & Q(released_fen__gte=0),
                name="custody_closure_nonnegative",
            ),
            models.CheckConstraint(
                condition=Q(refunded_fen=F("claims_fen") - F("shortfall_fen")),
                name="custody_closure_claims_add_up",
            ),
            models.CheckConstraint(
                condition=Q(pool_fen=F("refunded_fen") + F("released_fen")),
                name="custody_closure_pool_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return f"CL-{self.pk:06d} {self.merchant.name}"


class RiskWarning(models.Model):
    """A warning to the regulator about a merchant (风险预警)."""

    class Kind(models.TextChoices):
        BALANCE = "balance", _("prepaid balance high")
        SALES_BURST = "sales_burst", _("burst of sales")
        COMPLAINTS = "complaints", _("complaints")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="warnings")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    # The week the signal was seen in (Monday): one warning per merchant, kind and week.
    week_of = models.DateField(_("week of"))
    message = models.TextField(_("message"))
    figures = models.JSONField(_("figures"), default=dict)
    raised_at = models.DateTimeField(_("raised at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        verbose_name = _("risk warning")
        verbose_name_plural = _("risk warnings")
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "kind", "week_of"], name="custody_warning_once_per_week"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["balance", "sales_burst", "complaints"]),
                name="custody_warning_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.merchant.name}: {self.get_kind_display()}"


# --- ledger ------------------------------------------------------------------------------


class Account(models.Model):
    """A ledger account (TigerBeetle's account): cached pending and posted totals.

    Kinds: ``custody_bank`` (asset: the notary's custody bank account; money entering
    custody is debited to it, money leaving credited), ``consumer_held`` (liability, one per
    contract: the consumer's money in custody), ``merchant_receivable`` (liability, one per
    merchant: released, not yet settled), ``refunds_payable`` (liability: refunds on their
    way out), ``fees`` (the platform's fees, if any).
    """

    class Kind(models.TextChoices):
        CUSTODY_BANK = "custody_bank", _("custody bank")  # 存管银行账户
        CONSUMER_HELD = "consumer_held", _("consumer balance in custody")
        MERCHANT_RECEIVABLE = "merchant_receivable", _("merchant receivable")
        REFUNDS_PAYABLE = "refunds_payable", _("refunds payable")
        FEES = "fees", _("fees")

    code = models.CharField(_("code"), max_length=80, unique=True)
    ledger = models.PositiveSmallIntegerField(_("ledger"), default=156)  # ISO 4217: CNY
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    merchant = models.ForeignKey(
        Merchant, on_delete=models.PROTECT, null=True, blank=True, related_name="accounts"
    )
    contract = models.OneToOneField(
        Contract, on_delete=models.PROTECT, null=True, blank=True, related_name="account"
    )
    debits_must_not_exceed_credits = models.BooleanField(default=False)
    credits_must_not_exceed_debits = models.BooleanField(default=False)
    debits_pending = models.BigIntegerField(default=0)
    debits_posted = models.BigIntegerField(default=0)
    credits_pending = models.BigIntegerField(default=0)
    credits_posted = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.CheckConstraint(
                condition=Q(debits_pending__gte=0)
                & Q(debits_posted__gte=0)
                & Q(credits_pending__gte=0)
                & Q(credits_posted__gte=0),
                name="custody_account_totals_nonnegative",
            ),
            models.CheckConstraint(
                condition=~Q(
                    debits_must_not_exceed_credits=True, credits_must_not_exceed_debits=True
                ),
                name="custody_account_one_balance_flag",
            ),
            models.CheckConstraint(
                condition=Q(debits_must_not_exceed_credits=False)
                | Q(debits_posted__lte=F("credits_posted") - F("debits_pending")),
                name="custody_account_debits_within_credits",
            ),
            models.CheckConstraint(
                condition=Q(credits_must_not_exceed_debits=False)
                | Q(credits_posted__lte=F("debits_posted") - F("credits_pending")),
                name="custody_account_credits_within_debits",
            ),
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "custody_bank",
                        "consumer_held",
                        "merchant_receivable",
                        "refunds_payable",
                        "fees",
                    ]
                ),
                name="custody_account_kind_valid",
            ),
            models.CheckConstraint(
                condition=~Q(kind="consumer_held") | Q(contract__isnull=False),
                name="custody_account_consumer_has_contract",
            ),
            models.CheckConstraint(
                condition=~Q(kind="merchant_receivable") | Q(merchant__isnull=False),
                name="custody_account_receivable_has_merchant",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def credit_balance_fen(self) -> int:
        """Posted credits minus posted debits (a liability's balance)."""
        return self.credits_posted - self.debits_posted

    @property
    def available_fen(self) -> int:
        """What a liability can still pay out: posted credits − posted and pending debits."""
        return self.credits_posted - self.debits_posted - self.debits_pending


class Transfer(models.Model):
    """An immutable movement of fen from ``debit_account`` to ``credit_account``.

    ``kind``: ``posted`` (applies at once), ``pending`` (reserves the amount on both
    accounts), ``post`` (posts all or part of ``pending_of``) and ``void`` (releases
    ``pending_of``). A pending transfer is resolved at most once (UNIQUE ``pending_of``).
    ``batch`` groups linked transfers that were applied all-or-nothing.
    """

    class Kind(models.TextChoices):
        POSTED = "posted", _("posted")
        PENDING = "pending", _("pending")
        POST = "post", _("post pending")
        VOID = "void", _("void pending")

    key = models.CharField(_("idempotency key"), max_length=KEY_LENGTH, unique=True)
    ledger = models.PositiveSmallIntegerField(_("ledger"), default=156)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    debit_account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="debit_transfers"
    )
    credit_account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="credit_transfers"
    )
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    pending_of = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="resolution"
    )
    # What the money movement is for: deposit, release, refund, settlement, fee, closure…
    code = models.CharField(_("code"), max_length=30)
    # Written on the bank transfer; the statement import matches on it.
    reference = models.CharField(_("reference"), max_length=40, blank=True)
    batch = models.CharField(_("linked batch"), max_length=KEY_LENGTH, blank=True)
    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, null=True, blank=True, related_name="transfers"
    )
    merchant = models.ForeignKey(
        Merchant, on_delete=models.PROTECT, null=True, blank=True, related_name="transfers"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        indexes = [
            models.Index(fields=["debit_account", "kind"]),
            models.Index(fields=["credit_account", "kind"]),
            models.Index(fields=["reference"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0), name="custody_transfer_amount_pos"
            ),
            models.CheckConstraint(
                condition=~Q(debit_account=F("credit_account")),
                name="custody_transfer_accounts_differ",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["posted", "pending"], pending_of__isnull=True)
                | Q(kind__in=["post", "void"], pending_of__isnull=False),
                name="custody_transfer_pending_link",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount_fen} fen {self.debit_account} → {self.credit_account}"


# --- journal -----------------------------------------------------------------------------


class JournalHead(models.Model):
    """The single row every append locks: the journal's size and last entry hash."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    size = models.BigIntegerField(default=0)
    last_hash = models.BinaryField(max_length=32)

    class Meta:
        verbose_name = _("journal head")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="custody_journalhead_single_row"),
            models.CheckConstraint(condition=Q(size__gte=0), name="custody_journalhead_size"),
        ]

    def __str__(self) -> str:
        return f"journal head: {self.size} entries"


class JournalRecord(models.Model):
    """One journal entry: canonical JSON bytes, hash-chained to its predecessor (日志)."""

    seq = models.BigIntegerField(_("sequence"), unique=True)
    entry = models.BinaryField(_("entry"))
    entry_hash = models.BinaryField(_("entry hash"), max_length=32)
    event_type = models.CharField(_("event"), max_length=40)
    recorded_at = models.DateTimeField(_("recorded at"))
    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, null=True, blank=True, related_name="journal"
    )
    merchant = models.ForeignKey(
        Merchant, on_delete=models.PROTECT, null=True, blank=True, related_name="journal"
    )

    class Meta:
        ordering = ["seq"]
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        constraints = [
            models.CheckConstraint(condition=Q(seq__gte=0), name="custody_journal_seq_nonneg"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.event_type}"


class TreeHead(models.Model):
    """A signed tree head: the operator's Ed25519 signature over (size, root, time)."""

    tree_size = models.BigIntegerField(_("tree size"), unique=True)
    root_hash = models.BinaryField(_("root hash"), max_length=32)
    timestamp_us = models.BigIntegerField(_("timestamp (µs since 1970)"))
    signature = models.BinaryField(_("signature"), max_length=64)
    key_id = models.CharField(_("key id"), max_length=80)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["tree_size"]
        verbose_name = _("signed tree head")
        verbose_name_plural = _("signed tree heads")
        constraints = [
            models.CheckConstraint(condition=Q(tree_size__gte=0), name="custody_treehead_size"),
        ]

    def __str__(self) -> str:
        return f"STH {self.tree_size}"


# --- reconciliation ----------------------------------------------------------------------


class BankStatement(models.Model):
    """An imported custody-bank statement (银行对账单)."""

    file_name = models.CharField(_("file"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    closing_balance_fen = models.BigIntegerField(_("closing balance (fen)"), null=True, blank=True)
    imported_at = models.DateTimeField(_("imported at"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-imported_at"]
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")
        constraints = [
            models.CheckConstraint(
                condition=Q(last_day__gte=F("first_day")), name="custody_statement_days_ordered"
            ),
        ]

    def __str__(self) -> str:
        return self.file_name


class StatementLine(models.Model):
    """One line of a bank statement; ``transfer`` is the ledger movement it matched."""

    statement = models.ForeignKey(BankStatement, on_delete=models.CASCADE, related_name="lines")
    row = models.PositiveIntegerField(_("row"))
    booked_on = models.DateField(_("booked on"))
    amount_fen = models.BigIntegerField(_("amount (fen)"))  # + into custody, − out of it
    reference = models.CharField(_("reference"), max_length=40, blank=True)
    counterparty = models.CharField(_("counterparty"), max_length=120, blank=True)
    transfer = models.ForeignKey(
        Transfer, on_delete=models.PROTECT, null=True, blank=True, related_name="statement_lines"
    )

    class Meta:
        ordering = ["statement", "row"]
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")
        constraints = [
            models.UniqueConstraint(fields=["statement", "row"], name="custody_line_row_unique"),
            models.CheckConstraint(condition=~Q(amount_fen=0), name="custody_line_amount_nonzero"),
        ]

    def __str__(self) -> str:
        return f"{self.statement.file_name} row {self.row}"
