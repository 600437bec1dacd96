"""HTML forms of the custody app. They parse (yuan into fen, dates); the services decide."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from district.core.errors import DistrictError
from district.custody import money

FIELD_ALIASES = {"price_fen": "price", "amount": "price", "amount_fen": "price"}


def add_service_error(form: forms.Form, error: DistrictError) -> None:
    """Show a service's error on the form (whole, so a refusal keeps the rule it cites) and
    each per-field message on its field when the form has that field."""
    for name, texts in error.errors.items():
        field = FIELD_ALIASES.get(name, name)
        if field in form.fields and field not in {"key"}:
            for text in texts:
                form.add_error(field, text)
    form.add_error(None, str(error))


def add_refusal(form: forms.Form, violations: Any) -> None:
    """Mark each field a refused contract breaks with its rule's message, in the page's
    language only (the refusal box above the form cites the rules in full)."""
    english = get_language() == "en"
    for violation in violations:
        field = FIELD_ALIASES.get(violation.field, violation.field)
        form.add_error(
            field if field in form.fields else None,
            violation.message if english else violation.message_zh,
        )


def new_key() -> str:
    """A fresh idempotency key for a form: a second click on the same page repeats nothing."""
    return uuid.uuid4().hex


class KeyedForm(forms.Form):
    """A form carrying a client-side idempotency key, created when the page is drawn."""

    key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("key", new_key())


class YuanField(forms.Field):
    """An amount typed in yuan (``1234.56``), cleaned to integer fen."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "maxlength": "20"})

    def to_python(self, value: Any) -> Any:
        if value is None or str(value).strip() in self.empty_values:
            return None
        try:
            return money.parse_yuan(str(value))
        except DistrictError as error:
            raise forms.ValidationError(str(error)) from None


PRODUCT_TYPES = [
    ("class_pack", _("Class pack (by sessions)")),
    ("membership", _("Membership (by period)")),
    ("stored_value", _("Stored value")),
]
TRAINING_KINDS = [
    ("", _("Not training")),
    ("non_subject", _("Non-subject training (sport, arts)")),
    ("subject", _("Subject training (school subjects)")),
]


class SignContractForm(KeyedForm):
    """A consumer buys a product of a merchant: the contract is checked against the rules."""

    merchant = forms.TypedChoiceField(label=_("Merchant"), coerce=int)
    product_type = forms.ChoiceField(label=_("Product"), choices=PRODUCT_TYPES)
    price = YuanField(label=_("Price (yuan)"))
    # Not "Sessions": Django's own catalogue (contrib.sessions) translates that as 会话.
    sessions = forms.IntegerField(label=_("Number of sessions"), required=False, min_value=1)
    term_months = forms.IntegerField(label=_("Term (months)"), required=False, min_value=1)
    starts_on = forms.DateField(
        label=_("Starts on"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    training_kind = forms.ChoiceField(
        label=_("Training kind"), choices=TRAINING_KINDS, required=False
    )

    def __init__(self, *args: Any, merchants: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["merchant"].choices = [  # type: ignore[attr-defined]
            (m.pk, f"{m.name} · {m.get_sector_display()}") for m in merchants
        ]


class DisputeForm(forms.Form):
    reason = forms.CharField(
        label=_("Why this check-in is wrong"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class OpenDisputeForm(KeyedForm):
    """The consumer disputes the whole contract: its remaining money is frozen."""

    reason = forms.CharField(
        label=_("What went wrong (the merchant does not serve, moved, changed the terms …)"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ResolveDisputeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            ("refund", _("Refund the remaining balance to the consumer")),
            ("resume", _("Resume the contract (unfreeze)")),
        ],
    )


class RefundForm(KeyedForm):
    confirm = forms.BooleanField(label=_("I want the full refund and to end this contract"))


class CheckInForm(KeyedForm):
    contract = forms.TypedChoiceField(label=_("Contract"), coerce=int)
    amount = YuanField(
        label=_("Amount spent (yuan, stored-value cards only)"),
        required=False,
    )

    def __init__(self, *args: Any, contracts: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contract"].choices = [  # type: ignore[attr-defined]
            (c.pk, f"{c.number} · {c.consumer.display_name} · {c.get_product_type_display()}")
            for c in contracts
        ]


class UseSessionForm(KeyedForm):
    """The consumer records a session themselves: confirmed and released at once."""

    amount = YuanField(label=_("Amount spent (yuan, stored-value cards only)"), required=False)


class MerchantStatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            ("active", _("Active: may sell")),
            ("suspended", _("Suspended: no new sales")),
            ("closing", _("Closing announced: no new sales")),
        ],
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class ClosureForm(KeyedForm):
    merchant = forms.TypedChoiceField(label=_("Merchant"), coerce=int)
    reason = forms.CharField(
        label=_("Reason (published with the closure)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, merchants: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["merchant"].choices = [  # type: ignore[attr-defined]
            (m.pk, f"{m.name} ({m.licence})") for m in merchants
        ]


class SettleForm(forms.Form):
    period_end = forms.DateField(
        label=_("Settle up to (period end)"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )


class StatementForm(forms.Form):
    statement = forms.FileField(label=_("Bank statement (CSV)"))


class ReceiptCheckForm(forms.Form):
    receipt = forms.FileField(label=_("Receipt (JSON file)"))
