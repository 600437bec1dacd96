"""HTML forms of Ning Lai Shuo. They parse; the services validate and decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from district.accounts.models import Department
from district.core.errors import DistrictError
from district.participation.models import (
    ArticleComment,
    Channel,
    Consultation,
    OpinionGroup,
    Suggestion,
)


def channel_choices(*, kinds: tuple[str, ...] | None = None) -> list[tuple[str, str]]:
    channels = Channel.objects.active()
    if kinds:
        channels = channels.filter(kind__in=kinds)
    return [(c.code, c.name) for c in channels]


def add_service_error(form: forms.Form, error: DistrictError) -> None:
    """Show a service's error on its field when the form has it, else on the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error))


class SuggestionForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"))
    title = forms.CharField(label=_("Title"), max_length=120)
    body = forms.CharField(label=_("Your suggestion"), widget=forms.Textarea(attrs={"rows": 6}))
    anonymous = forms.BooleanField(
        label=_("Submit anonymously (your name is not published)"), required=False, initial=True
    )
    contact = forms.CharField(
        label=_("Phone or e-mail for staff (optional, never published)"),
        max_length=60,
        required=False,
    )
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = channel_choices()  # type: ignore[attr-defined]


class TrackForm(forms.Form):
    number = forms.CharField(label=_("Suggestion number"), max_length=20)


class RouteForm(forms.Form):
    department = forms.ChoiceField(label=_("Department"))
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [  # type: ignore[attr-defined]
            (d.code, d.name) for d in Department.objects.filter(active=True)
        ]


class AnswerForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Suggestion.Outcome.choices)
    reply = forms.CharField(
        label=_("Reply to the resident (published)"), widget=forms.Textarea(attrs={"rows": 4})
    )
    outcome_reason = forms.CharField(
        label=_("Reason (required when not adopted)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    action_taken = forms.CharField(
        label=_("What was done"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    referred_to = forms.CharField(label=_("Referred to"), required=False, max_length=200)


class ReferForm(forms.Form):
    referred_to = forms.CharField(label=_("Referred to"), max_length=200)
    reply = forms.CharField(
        label=_("Reply to the resident (published)"), widget=forms.Textarea(attrs={"rows": 3})
    )


class CaseForm(forms.Form):
    category = forms.CharField(label=_("Case category (optional)"), required=False, max_length=100)
    reply = forms.CharField(
        label=_("Reply to the resident (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ConsultationForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    question = forms.CharField(label=_("Question"), widget=forms.Textarea(attrs={"rows": 3}))
    description = forms.CharField(
        label=_("Background"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    scope = forms.ChoiceField(label=_("Scope"), choices=Consultation.Scope.choices)
    subdistrict_code = forms.ChoiceField(label=_("Subdistrict"), required=False)
    cell_codes = forms.CharField(
        label=_("Grid cells (20-digit codes, one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    statements = forms.CharField(
        label=_("First statements (one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    participant_statements = forms.BooleanField(
        label=_("Participants may write statements (moderated before shown)"),
        required=False,
        initial=True,
    )
    min_votes = forms.IntegerField(label=_("Votes needed to join a group"), min_value=1, initial=7)
    seed = forms.IntegerField(label=_("Random seed"), initial=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from district.geo import services as geo

        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [("", "—"), *channel_choices()]  # type: ignore[attr-defined]
        self.fields["subdistrict_code"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *[(s.code, s.name) for s in geo.list_subdistricts()],
        ]


class StatementForm(forms.Form):
    text = forms.CharField(
        label=_("Your statement"), max_length=280, widget=forms.Textarea(attrs={"rows": 2})
    )


class OutcomeForm(forms.Form):
    outcome = forms.CharField(
        label=_("Outcome: what was decided and done"), widget=forms.Textarea(attrs={"rows": 4})
    )


class DraftForm(forms.Form):
    title = forms.CharField(label=_("Title of the draft"), max_length=200)
    legislature = forms.CharField(label=_("Legislature consulting"), max_length=200)
    channel = forms.ChoiceField(label=_("Liaison point"))
    summary = forms.CharField(
        label=_("Summary of the draft"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    text = forms.CharField(
        label=_("Full text (articles start with 第一条, 第二条 …)"),
        widget=forms.Textarea(attrs={"rows": 12}),
    )
    closes_on = forms.DateField(
        label=_("Comment closes on"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = channel_choices()  # type: ignore[attr-defined]


class CommentForm(forms.Form):
    article = forms.IntegerField(widget=forms.HiddenInput)
    stance = forms.ChoiceField(
        label=_("Your view"), choices=ArticleComment.Stance.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    proposed_wording = forms.CharField(
        label=_("Proposed wording"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class GroupForm(forms.Form):
    article = forms.IntegerField(widget=forms.HiddenInput)
    comment_ids = forms.CharField(widget=forms.HiddenInput, required=False)
    summary = forms.CharField(
        label=_("Representative opinion"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    group = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def comment_id_list(self, data: Any) -> list[int]:
        values = data.getlist("comment") if hasattr(data, "getlist") else []
        ids = []
        for value in values:
            try:
                ids.append(int(value))
            except ValueError:
                continue
        return ids


class AdoptionForm(forms.Form):
    group = forms.IntegerField(widget=forms.HiddenInput)
    adoption = forms.ChoiceField(label=_("In the final law"), choices=OpinionGroup.Adoption.choices)
    note = forms.CharField(label=_("How the law reflects it"), required=False, max_length=3000)


class PublishForm(forms.Form):
    final_title = forms.CharField(label=_("Title of the law as passed"), max_length=200)
    adopted_on = forms.DateField(
        label=_("Passed on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(
        label=_("Feedback from the legislature"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
