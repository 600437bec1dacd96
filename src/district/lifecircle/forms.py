"""Forms of the life-circle pages (validation of what planners and residents type)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from district.lifecircle.services import DEFAULT_SPEED, ELDERLY_SPEED, MAX_K

SPEED_CHOICES = [
    (str(int(DEFAULT_SPEED)), _("general (80 m/min)")),
    (str(int(ELDERLY_SPEED)), _("older residents (55 m/min)")),
]


class PlaceForm(forms.Form):
    q = forms.CharField(
        label=_("Place"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"placeholder": _("a school, clinic or metro station, or lon, lat")}
        ),
    )
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    speed = forms.TypedChoiceField(
        label=_("Walking speed"),
        choices=SPEED_CHOICES,
        coerce=float,
        initial=str(int(DEFAULT_SPEED)),
        required=False,
    )


class StandardForm(forms.Form):
    code = forms.SlugField(widget=forms.HiddenInput)
    threshold_m = forms.FloatField(label=_("Threshold (m)"), min_value=1, max_value=5000)
    threshold_minutes = forms.FloatField(
        label=_("Threshold (minutes)"), min_value=0.5, max_value=60
    )
    basis = forms.CharField(label=_("Basis"), widget=forms.Textarea(attrs={"rows": 2}))
    enabled = forms.BooleanField(label=_("Measured"), required=False)


class SitingForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"))
    k = forms.IntegerField(label=_("New facilities (k)"), min_value=1, max_value=MAX_K, initial=3)

    def __init__(self, *args: Any, categories: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = categories


class WhatIfForm(forms.Form):
    ADD = "add"
    REMOVE = "remove"
    category = forms.ChoiceField(label=_("Category"))
    action = forms.ChoiceField(
        label=_("Change"), choices=[(ADD, _("add a facility")), (REMOVE, _("remove a facility"))]
    )
    lon = forms.FloatField(label=_("Longitude"), required=False)
    lat = forms.FloatField(label=_("Latitude"), required=False)
    facility = forms.IntegerField(label=_("Facility id (to remove)"), required=False)

    def __init__(self, *args: Any, categories: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = categories

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == self.ADD and (data.get("lon") is None or data.get("lat") is None):
            raise forms.ValidationError(_("Click the map or give the longitude and latitude."))
        if data.get("action") == self.REMOVE and data.get("facility") is None:
            raise forms.ValidationError(_("Give the id of the facility to remove."))
        return data
