"""Forms of the planners' pages. They only parse; the services validate and write."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from .arithmetic import UNITS, Qualifier
from .models import Indicator, Project, Source

QUALIFIERS = [
    (Qualifier.EXACT.value, _("exact (rounded to the last digit written)")),
    (Qualifier.OVER.value, _("over / more than")),
    (Qualifier.AT_LEAST.value, _("at least")),
    (Qualifier.NEARLY.value, _("nearly")),
    (Qualifier.ABOUT.value, _("about / some")),
]


class ValueForm(forms.Form):
    """A figure, or the next revision of one (same id)."""

    code = forms.SlugField(
        label=_("Value id"),
        max_length=100,
        help_text=_("An existing id adds its next revision; a new id records a new figure."),
    )
    indicator = forms.ChoiceField(label=_("Indicator"), required=False)
    value = forms.CharField(
        label=_("Value as written"), max_length=40, help_text=_("e.g. 278.9, 7411 or 1/3")
    )
    unit = forms.ChoiceField(label=_("Unit"), choices=[(code, code) for code in UNITS])
    qualifier = forms.ChoiceField(label=_("Qualifier"), choices=QUALIFIERS)
    period_start = forms.CharField(
        label=_("Period start"),
        max_length=10,
        required=False,
        help_text=_("The base year of a change (2020), or the first day of a running total."),
    )
    period_end = forms.CharField(
        label=_("Period end"), max_length=10, required=False, help_text=_("2024 or 2025-09-23")
    )
    price_basis = forms.CharField(
        label=_("Price basis"),
        max_length=20,
        required=False,
        help_text=_("Empty when the source does not say; 'current' or 'constant-2020'."),
    )
    source = forms.ChoiceField(label=_("Source"), required=False)
    sentence = forms.CharField(
        label=_("Sentence, word for word"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    note = forms.CharField(
        label=_("How the sentence was read"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        indicator = cast(forms.ChoiceField, self.fields["indicator"])
        source = cast(forms.ChoiceField, self.fields["source"])
        indicator.choices = [("", "—")] + [
            (i.code, f"{i.code} · {i.name_zh} · {i.name_en}") for i in Indicator.objects.all()
        ]
        source.choices = [("", "—")] + [(s.code, s.title) for s in Source.objects.all()]


class ProjectStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Project.Status.choices)


class MilestoneForm(forms.Form):
    reached = forms.BooleanField(label=_("Reached"), required=False)
    reached_on = forms.DateField(label=_("Reached on"), required=False)
