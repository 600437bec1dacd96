"""HTML forms of the cases screens. They only parse; the services validate and decide."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from district.accounts.models import Department
from district.cases.models import Attribute, Category, Channel, Rating
from district.cases.services.catalogue import MAX_EXTENSION_HOURS, open_slots
from district.cases.services.intake import MAX_DESCRIPTION, MAX_TITLE


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several photos in one input (at most four are kept, the services check each)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def _choices(form: forms.Form, name: str, choices: Any) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def category_choices(*, active_only: bool = True, language: str = "zh-hans") -> list[Any]:
    """Minor classes grouped under their major class (optgroups)."""
    groups: list[Any] = []
    majors = Category.objects.filter(parent__isnull=True).order_by("order", "code")
    children: dict[int, list[Category]] = {}
    for child in Category.objects.filter(parent__isnull=False).order_by("order", "code"):
        if active_only and not child.active:
            continue
        children.setdefault(child.parent_id or 0, []).append(child)
    english = language == "en"
    for major in majors:
        items = [
            (c.code, f"{c.name_en if english and c.name_en else c.name}")
            for c in children.get(major.pk, [])
        ]
        if items:
            groups.append((major.name_en if english and major.name_en else major.name, items))
    return groups


def attribute_field_name(category_code: str, attribute_code: str) -> str:
    return f"attr__{category_code}__{attribute_code}"


class ReportForm(forms.Form):
    """The report form: category, text, a pin or an address, photo, anonymous or named."""

    submission = forms.CharField(widget=forms.HiddenInput)
    category = forms.ChoiceField(label=_("Category"))
    title = forms.CharField(label=_("Subject"), max_length=MAX_TITLE, required=False)
    description = forms.CharField(
        label=_("What is the problem?"),
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": MAX_DESCRIPTION}),
        max_length=MAX_DESCRIPTION,
    )
    lon = forms.FloatField(widget=forms.HiddenInput, required=False)
    lat = forms.FloatField(widget=forms.HiddenInput, required=False)
    address = forms.CharField(
        label=_("Address or a nearby place"),
        max_length=200,
        required=False,
        help_text=_("If you cannot place a pin: a nearby metro station, school or hospital helps."),
    )
    photo = forms.FileField(
        label=_("Photo (JPEG, PNG or WebP, up to 5 MB)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    anonymous = forms.BooleanField(
        label=_("Report anonymously (the department will not see who you are)"), required=False
    )
    name = forms.CharField(label=_("Your name"), max_length=60, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)

    def __init__(
        self, *args: Any, staff: bool = False, language: str = "zh-hans", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _choices(
            self,
            "category",
            [
                ("", _("Choose a category")),
                *category_choices(language=language),
            ],
        )
        self.staff = staff
        if staff:
            _choices(
                self,
                "channel",
                [
                    (Channel.HOTLINE, Channel.HOTLINE.label),
                    (Channel.GRID_WORKER, Channel.GRID_WORKER.label),
                    (Channel.WEB, Channel.WEB.label),
                ],
            )
        else:
            del self.fields["channel"]
        if not self.is_bound:
            self.initial.setdefault("submission", uuid.uuid4().hex)
        self.attribute_groups: list[tuple[str, list[str]]] = []
        english = language == "en"
        for attribute in (
            Attribute.objects.filter(category__active=True, variable=True)
            .select_related("category")
            .order_by("category__order", "order")
        ):
            name = attribute_field_name(attribute.category.code, attribute.code)
            label = (
                attribute.description_en
                if english and attribute.description_en
                else attribute.description
            )
            field: forms.Field
            values = [(v["key"], v.get("name", v["key"])) for v in attribute.values]
            if attribute.category.requires_booking and attribute.code == "slot":
                values = [
                    (
                        s.key,
                        f"{timezone.localtime(s.starts_at):%Y-%m-%d %H:%M}–"
                        f"{timezone.localtime(s.ends_at):%H:%M}",
                    )
                    for s in open_slots(attribute.category.code)
                ]
            if attribute.datatype == Attribute.Datatype.SINGLE:
                field = forms.ChoiceField(choices=[("", "—"), *values], required=False, label=label)
            elif attribute.datatype == Attribute.Datatype.MULTI:
                field = forms.MultipleChoiceField(
                    choices=values, required=False, label=label, widget=forms.CheckboxSelectMultiple
                )
            elif attribute.datatype == Attribute.Datatype.NUMBER:
                field = forms.CharField(required=False, label=label, widget=forms.NumberInput)
            elif attribute.datatype == Attribute.Datatype.DATETIME:
                field = forms.CharField(
                    required=False,
                    label=label,
                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                )
            elif attribute.datatype == Attribute.Datatype.TEXT:
                field = forms.CharField(
                    required=False, label=label, widget=forms.Textarea(attrs={"rows": 2})
                )
            else:
                field = forms.CharField(required=False, label=label, max_length=200)
            setattr(field, "required_by_service", attribute.required)  # noqa: B010
            setattr(field, "open311_datatype", attribute.datatype)  # noqa: B010
            self.fields[name] = field
            for group in self.attribute_groups:
                if group[0] == attribute.category.code:
                    group[1].append(name)
                    break
            else:
                self.attribute_groups.append((attribute.category.code, [name]))

    def attribute_values(self) -> dict[str, Any]:
        """The chosen category's attributes, keyed by their Open311 codes."""
        category = self.cleaned_data.get("category", "")
        prefix = f"attr__{category}__"
        values: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            if name.startswith(prefix) and value not in ("", [], None):
                code = name[len(prefix) :]
                datatype = getattr(self.fields[name], "open311_datatype", "")
                if datatype == "datetime" and isinstance(value, str) and len(value) == 16:
                    value = value + ":00+08:00"  # a browser's datetime-local, in Shanghai
                values[code] = value
        return values

    def grouped_attributes(self) -> list[tuple[str, list[Any]]]:
        return [(code, [self[name] for name in names]) for code, names in self.attribute_groups]


class TrackForm(forms.Form):
    number = forms.CharField(label=_("Case number"), max_length=20)


class ReasonForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )


class DispatchForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.filter(active=True), to_field_name="code"
    )
    reason = forms.CharField(label=_("Note"), required=False, max_length=2000)


class HandleForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        label=_("What was done"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    photos = MultipleFileField(label=_("Photos after the work"))


class VerifyForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    passed = forms.TypedChoiceField(
        label=_("Result of the on-site check"),
        choices=[("yes", _("Fixed: close the case")), ("no", _("Not fixed: send back"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("What you saw"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    photos = MultipleFileField(label=_("Photos of the site"))


class ExtensionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    hours = forms.FloatField(
        label=_("Extra working hours"), min_value=0.5, max_value=MAX_EXTENSION_HOURS
    )
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class DecideExtensionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("yes", _("Approve")), ("no", _("Refuse"))],
        coerce=lambda v: v == "yes",
    )
    reason = forms.CharField(label=_("Note"), required=False, max_length=2000)


class MergeForm(forms.Form):
    into = forms.CharField(label=_("Merge into case number"), max_length=20)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)


class SplitForm(forms.Form):
    category = forms.ChoiceField(label=_("Category of the new case"))
    description = forms.CharField(
        label=_("The other problem"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=MAX_DESCRIPTION,
    )
    reason = forms.CharField(label=_("Reason"), max_length=2000)

    def __init__(self, *args: Any, language: str = "zh-hans", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "category", category_choices(language=language))


class RecategoriseForm(SplitForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["description"]
        self.fields["category"].label = _("New category")


class LocateForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    lon = forms.FloatField(label=_("Longitude"))
    lat = forms.FloatField(label=_("Latitude"))


class NoteForm(forms.Form):
    reason = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    public = forms.BooleanField(label=_("Show on the public timeline"), required=False)


class RateForm(forms.Form):
    rating = forms.ChoiceField(
        label=_("How satisfied are you with the outcome?"),
        choices=Rating.choices,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    key = forms.CharField(widget=forms.HiddenInput, required=False)


class QueueFilterForm(forms.Form):
    queue = forms.ChoiceField(
        label=_("Queue"),
        required=False,
        choices=[("mine", _("My queue")), ("open", _("All open")), ("all", _("All"))],
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    department = forms.ChoiceField(label=_("Department"), required=False)
    due_state = forms.ChoiceField(label=_("Deadline"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    q = forms.CharField(label=_("Number or text"), required=False, max_length=60)

    def __init__(self, *args: Any, language: str = "zh-hans", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from district.cases.models import DueState, Status

        blank = [("", _("any"))]
        _choices(self, "status", blank + list(Status.choices))
        majors = [
            (c.code, f"{c.code} {c.name}") for c in Category.objects.filter(parent__isnull=True)
        ]
        _choices(
            self,
            "category",
            [
                *blank,
                (_("Major classes"), majors),
                *category_choices(active_only=False, language=language),
            ],
        )
        _choices(
            self,
            "department",
            blank + [(d.code, d.name) for d in Department.objects.filter(active=True)],
        )
        _choices(self, "due_state", blank + list(DueState.choices))
        _choices(self, "channel", blank + list(Channel.choices))


class PeriodForm(forms.Form):
    start = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"}), required=False
    )
    end = forms.DateField(
        label=_("To"), widget=forms.DateInput(attrs={"type": "date"}), required=False
    )

    def period(self) -> tuple[date, date]:
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        end = data.get("end") or today
        start = data.get("start") or end - timedelta(days=89)
        return start, end


class HotspotForm(forms.Form):
    week = forms.DateField(
        label=_("Week of"), widget=forms.DateInput(attrs={"type": "date"}), required=False
    )
    history_weeks = forms.IntegerField(
        label=_("Weeks of history"), min_value=2, max_value=52, required=False
    )
    min_count = forms.IntegerField(
        label=_("Minimum reports"), min_value=1, max_value=100, required=False
    )
    alpha = forms.FloatField(
        label=_("Significance"), min_value=0.0001, max_value=0.5, required=False
    )


class RoutingRuleForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"))
    cell_code = forms.CharField(label=_("Grid cell (optional)"), max_length=20, required=False)
    subdistrict_code = forms.CharField(
        label=_("Subdistrict code (optional)"), max_length=12, required=False
    )
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.filter(active=True), to_field_name="code"
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, language: str = "zh-hans", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        majors = [
            (c.code, f"{c.code} {c.name}") for c in Category.objects.filter(parent__isnull=True)
        ]
        _choices(
            self,
            "category",
            [
                (_("Major classes"), majors),
                *category_choices(language=language),
            ],
        )


class CalendarYearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    holidays = forms.CharField(
        label=_("Public holidays (one date or range per line)"),
        widget=forms.Textarea(
            attrs={"rows": 8, "placeholder": "2027-01-01 元旦\n2027-02-06..2027-02-13 春节"}
        ),
    )
    workdays = forms.CharField(
        label=_("Adjusted working days (调休, weekend days that are worked)"),
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "2027-02-14 春节调休"}),
        required=False,
    )
    note = forms.CharField(
        label=_("Source (the State Council notice)"), max_length=300, required=False
    )


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    categories = forms.MultipleChoiceField(label=_("Categories"))
    subdistricts = forms.CharField(
        label=_("Subdistrict codes (comma-separated, optional)"), required=False
    )
    cells = forms.CharField(label=_("Grid cells (comma-separated, optional)"), required=False)
    starts_on = forms.DateField(label=_("Starts"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(
        label=_("Ends"), widget=forms.DateInput(attrs={"type": "date"}), required=False
    )
    compare_weeks = forms.IntegerField(
        label=_("Weeks compared before and after"), min_value=1, max_value=52, initial=8
    )

    def __init__(self, *args: Any, language: str = "zh-hans", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        majors = [
            (c.code, f"{c.code} {c.name}") for c in Category.objects.filter(parent__isnull=True)
        ]
        _choices(
            self,
            "categories",
            [
                (_("Major classes"), majors),
                *category_choices(language=language),
            ],
        )
