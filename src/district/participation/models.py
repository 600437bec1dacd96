"""Ning Lai Shuo (宁来说): channels, suggestions, consultations and draft-law comment.

Reads are QuerySet methods here; every write goes through :mod:`.services`. States and
the rules that protect them (one vote per participant and statement, a reason for every
"not adopted", a reply only with an outcome) are CHECK and UNIQUE constraints as well.

Engine ids: a statement's ``number`` and a participant's ``number`` are the Polis
``comment-id`` and ``voter-id``, so a conversation exports, imports and clusters with the
same ids everywhere (``district participation cluster``, the opinion map page, the Polis
folder).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from district.accounts.models import Department


class ChannelQuerySet(models.QuerySet["Channel"]):
    def active(self) -> ChannelQuerySet:
        return self.filter(active=True)

    def staffed_by(self, user: Any) -> ChannelQuerySet:
        return self.filter(staff=user)


class Channel(models.Model):
    """One channel of the 1+10 matrix (“1+10”建言矩阵): where suggestions come in."""

    class Kind(models.TextChoices):
        PLATFORM = "platform", _("district platform")  # 区级平台
        SUBDISTRICT = "subdistrict", _("subdistrict channel")  # 街镇渠道
        LIAISON_POINT = "liaison_point", _("legislative liaison point")  # 基层立法联系点

    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150)
    # For subdistrict channels and liaison points: the 12-digit code of the subdistrict.
    subdistrict_code = models.CharField(_("subdistrict code"), max_length=12, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("English description"), blank=True)
    # A liaison point of the NPC Standing Committee's Legislative Affairs Commission
    # (全国人大常委会法工委基层立法联系点), as Hongqiao's has been since 2015.
    national_model = models.BooleanField(_("national liaison point"), default=False)
    reply_working_days = models.PositiveSmallIntegerField(
        _("reply deadline (working days)"),
        default=15,
        help_text=_("Working days from receipt within which the department must reply."),
    )
    staff: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="ChannelStaff",
        related_name="participation_channels",
        verbose_name=_("staff"),
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    objects = ChannelQuerySet.as_manager()

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["platform", "subdistrict", "liaison_point"]),
                name="participation_channel_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(reply_working_days__gte=1) & Q(reply_working_days__lte=60),
                name="participation_channel_reply_days_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ChannelStaff(models.Model):
    """A member of staff of a channel: routes its suggestions and runs its consultations."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participation_staff"
    )
    added_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("channel staff")
        verbose_name_plural = _("channel staff")
        constraints = [
            models.UniqueConstraint(fields=["channel", "user"], name="participation_staff_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.channel}"


class SuggestionQuerySet(models.QuerySet["Suggestion"]):
    def answered(self) -> SuggestionQuerySet:
        return self.filter(status=Suggestion.Status.ANSWERED)

    def open(self) -> SuggestionQuerySet:
        return self.exclude(status=Suggestion.Status.ANSWERED)

    def for_channels(self, channels: Any) -> SuggestionQuerySet:
        return self.filter(channel__in=channels)


class Suggestion(models.Model):
    """A resident's suggestion (建议), from receipt to its published reply and outcome."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("received")  # 已受理
        ROUTED = "routed", _("with the department")  # 已转办
        ANSWERED = "answered", _("answered")  # 已答复

    class Outcome(models.TextChoices):
        ADOPTED = "adopted", _("adopted")  # 采纳
        PARTLY_ADOPTED = "partly_adopted", _("partly adopted")  # 部分采纳
        NOT_ADOPTED = "not_adopted", _("not adopted")  # 未采纳
        REFERRED = "referred", _("referred")  # 转交办理

    number = models.CharField(_("number"), max_length=20, blank=True)
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="suggestions", verbose_name=_("channel")
    )
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("suggestion"), max_length=5000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="participation_suggestions",
    )
    anonymous = models.BooleanField(_("anonymous"), default=True)
    # Personal data: shown to staff only, never in public output.
    contact = models.CharField(_("contact (staff only)"), max_length=60, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    cell_code = models.CharField(_("grid cell"), max_length=20, blank=True)
    subdistrict_code = models.CharField(_("subdistrict code"), max_length=12, blank=True)
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="participation_suggestions",
        verbose_name=_("department"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED
    )
    submitted_at = models.DateTimeField(_("received"))
    due_at = models.DateTimeField(_("reply due"), null=True, blank=True)
    # True when the calendar lacked a year's holidays and the deadline counts weekdays only.
    deadline_provisional = models.BooleanField(_("provisional deadline"), default=False)
    routed_at = models.DateTimeField(_("routed"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    reply = models.TextField(_("reply"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    outcome_reason = models.TextField(_("reason"), blank=True)
    action_taken = models.TextField(_("what was done"), blank=True)
    referred_to = models.CharField(_("referred to"), max_length=200, blank=True)
    # The cases app's number of the case this suggestion became (转为案件).
    case_ref = models.CharField(_("case"), max_length=40, blank=True)
    is_demo = models.BooleanField(_("demo"), default=False)

    objects = SuggestionQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        permissions = [
            ("route_suggestion", "Can route, refer and convert suggestions of own channels"),
            ("reply_suggestion", "Can publish replies for own department"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["number"], condition=~Q(number=""), name="participation_suggestion_number"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["submitted", "routed", "answered"]),
                name="participation_suggestion_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    outcome__in=["", "adopted", "partly_adopted", "not_adopted", "referred"]
                ),
                name="participation_suggestion_outcome_valid",
            ),
            # Answered exactly when an outcome and an answer time are recorded.
            models.CheckConstraint(
                condition=(Q(status="answered") & ~Q(outcome="") & Q(answered_at__isnull=False))
                | (~Q(status="answered") & Q(outcome="") & Q(answered_at__isnull=True)),
                name="participation_suggestion_answer_has_outcome",
            ),
            models.CheckConstraint(
                condition=~Q(outcome="not_adopted") | ~Q(outcome_reason=""),
                name="participation_suggestion_not_adopted_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="routed") | Q(department__isnull=False),
                name="participation_suggestion_routed_has_department",
            ),
            models.CheckConstraint(
                condition=Q(lon__isnull=True, lat__isnull=True)
                | Q(lon__isnull=False, lat__isnull=False),
                name="participation_suggestion_point_complete",
            ),
        ]
        indexes = [models.Index(fields=["channel", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def answered_on_time(self) -> bool | None:
        if self.answered_at is None or self.due_at is None:
            return None
        return self.answered_at <= self.due_at

    @property
    def overdue(self) -> bool:
        """Still unanswered after its reply deadline."""
        return (
            self.status != self.Status.ANSWERED
            and self.due_at is not None
            and self.due_at < timezone.now()
        )

    @property
    def public_author(self) -> str:
        """What the public sees: the display name for real-name suggestions, else nothing."""
        if self.anonymous or self.author is None:
            return ""
        return str(self.author)


class SuggestionEvent(models.Model):
    """One step in a suggestion's life, shown as its public timeline."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("received")
        ROUTED = "routed", _("routed to a department")
        ANSWERED = "answered", _("reply published")
        REFERRED = "referred", _("referred")
        CASE = "case", _("filed as a case")
        CASE_UPDATE = "case_update", _("case progress")

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("suggestion event")
        verbose_name_plural = _("suggestion events")

    def __str__(self) -> str:
        return f"{self.suggestion_id} {self.kind}"


class ConsultationQuerySet(models.QuerySet["Consultation"]):
    def visible(self) -> ConsultationQuerySet:
        return self.exclude(status=Consultation.Status.DRAFT)


class Consultation(models.Model):
    """A question put to residents (协商议题), answered with statements and votes (Polis)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    class Scope(models.TextChoices):
        DISTRICT = "district", _("whole district")
        SUBDISTRICT = "subdistrict", _("one subdistrict")
        CELLS = "cells", _("grid cells")

    class Origin(models.TextChoices):
        STAFF = "staff", _("opened by staff")
        HOTSPOT = "hotspot", _("opened from a case hotspot")
        POLIS = "polis", _("imported Polis conversation")

    title = models.CharField(_("title"), max_length=200)
    question = models.TextField(_("question"), max_length=2000)
    description = models.TextField(_("background"), blank=True)
    channel = models.ForeignKey(
        Channel,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consultations",
        verbose_name=_("channel"),
    )
    scope = models.CharField(_("scope"), max_length=20, choices=Scope.choices)
    subdistrict_code = models.CharField(_("subdistrict code"), max_length=12, blank=True)
    cell_codes = models.JSONField(_("grid cells"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices)
    # What opened it: "hotspot:<cell>:<category>:<week>" or the Polis source; unique if set.
    origin_ref = models.CharField(_("origin reference"), max_length=200, blank=True)
    participant_statements = models.BooleanField(
        _("participants may write statements"), default=True
    )
    seed = models.IntegerField(_("random seed"), default=0)
    min_votes = models.PositiveSmallIntegerField(_("votes needed to be grouped"), default=7)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # Bumped on every vote, so the stored opinion map knows when it is out of date.
    votes_version = models.PositiveBigIntegerField(default=0)
    outcome = models.TextField(_("outcome: what was done"), blank=True)
    outcome_at = models.DateTimeField(_("outcome published"), null=True, blank=True)
    attribution = models.TextField(_("source and licence"), blank=True)
    source_url = models.URLField(_("source"), blank=True)
    import_notes = models.JSONField(_("import report"), default=dict, blank=True)
    is_demo = models.BooleanField(_("demo"), default=False)

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        permissions = [("manage_consultation", "Can open, moderate and close consultations")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "open", "closed"]),
                name="participation_consultation_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(scope__in=["district", "subdistrict", "cells"]),
                name="participation_consultation_scope_valid",
            ),
            models.CheckConstraint(
                condition=~Q(scope="subdistrict") | ~Q(subdistrict_code=""),
                name="participation_consultation_subdistrict_named",
            ),
            models.CheckConstraint(
                condition=Q(min_votes__gte=1), name="participation_consultation_min_votes"
            ),
            models.UniqueConstraint(
                fields=["origin_ref"],
                condition=~Q(origin_ref=""),
                name="participation_consultation_origin_once",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Participant(models.Model):
    """Someone taking part in one consultation; ``number`` is the Polis voter id."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="participants"
    )
    number = models.PositiveIntegerField(_("participant id"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="participation_participants",
    )
    # Imported from a Polis folder or generated for the demo: no account behind it.
    external = models.BooleanField(_("imported"), default=False)
    created_at = models.DateTimeField(_("joined"))

    class Meta:
        ordering = ["consultation", "number"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "number"], name="participation_participant_number"
            ),
            models.UniqueConstraint(
                fields=["consultation", "user"],
                condition=Q(user__isnull=False),
                name="participation_participant_user_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.consultation_id}#{self.number}"


class Statement(models.Model):
    """A short statement participants vote on (观点); ``number`` is the Polis comment id."""

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting moderation")  # Polis moderated = 0
        ACCEPTED = "accepted", _("shown")  # 1
        REJECTED = "rejected", _("moderated out")  # −1

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="statements"
    )
    number = models.PositiveIntegerField(_("statement id"))
    text = models.TextField(_("statement"), max_length=1000)
    author = models.ForeignKey(
        Participant,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="statements",
    )
    by_staff = models.BooleanField(_("written by staff"), default=False)
    is_meta = models.BooleanField(_("meta statement"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    created_at = models.DateTimeField(_("written"))
    moderated_at = models.DateTimeField(_("moderated"), null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["consultation", "number"]
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "number"], name="participation_statement_number"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "accepted", "rejected"]),
                name="participation_statement_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}: {self.text[:40]}"


class Vote(models.Model):
    """One participant's current vote on one statement: the last one counts."""

    class Value(models.IntegerChoices):
        AGREE = 1, _("agree")  # 同意
        DISAGREE = -1, _("disagree")  # 反对
        PASS = 0, _("pass / unsure")  # 跳过

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="votes")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="votes")
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="votes")
    value = models.SmallIntegerField(_("vote"), choices=Value.choices)
    voted_at = models.DateTimeField(_("voted"))
    # How many earlier votes of this participant on this statement the last one replaced.
    replaced = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "statement"], name="participation_vote_once"
            ),
            models.CheckConstraint(
                condition=Q(value__in=[-1, 0, 1]), name="participation_vote_value_valid"
            ),
        ]
        indexes = [models.Index(fields=["consultation", "voted_at"])]

    def __str__(self) -> str:
        return f"{self.participant_id}→{self.statement_id}: {self.value}"


class OpinionMapResult(models.Model):
    """The last computed opinion map of a consultation, with its parameters."""

    consultation = models.OneToOneField(
        Consultation, on_delete=models.CASCADE, related_name="opinion_map"
    )
    votes_version = models.PositiveBigIntegerField()
    computed_at = models.DateTimeField(_("computed"))
    status = models.CharField(_("status"), max_length=20)
    k = models.PositiveSmallIntegerField(_("number of groups"))
    n_participants = models.PositiveIntegerField()
    n_votes = models.PositiveIntegerField()
    warm_start = models.BooleanField(default=False)
    duration_ms = models.PositiveIntegerField(default=0)
    payload = models.JSONField()

    class Meta:
        verbose_name = _("opinion map")
        verbose_name_plural = _("opinion maps")

    def __str__(self) -> str:
        return f"{self.consultation_id}: k={self.k}"


class DraftLaw(models.Model):
    """A draft law put out for comment article by article (立法征询)."""

    class Status(models.TextChoices):
        OPEN = "open", _("open for comment")  # 征询中
        CLOSED = "closed", _("comment closed")  # 征询结束，整理中
        SUBMITTED = "submitted", _("submitted to the legislature")  # 已报送
        PUBLISHED = "published", _("adoption published")  # 已反馈

    title = models.CharField(_("title"), max_length=200)
    legislature = models.CharField(_("legislature consulting"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    channel = models.ForeignKey(
        Channel,
        on_delete=models.PROTECT,
        related_name="draft_laws",
        verbose_name=_("liaison point"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The submission as sent (counts, opinions), frozen when it is submitted.
    submission = models.JSONField(_("submission"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    final_title = models.CharField(_("title of the law as passed"), max_length=200, blank=True)
    final_adopted_on = models.DateField(_("law passed on"), null=True, blank=True)
    final_note = models.TextField(_("feedback from the legislature"), blank=True)
    published_at = models.DateTimeField(_("adoption published"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo"), default=False)

    class Meta:
        ordering = ["-opens_at", "-pk"]
        verbose_name = _("draft law")
        verbose_name_plural = _("draft laws")
        permissions = [("manage_draftlaw", "Can run draft-law consultations")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "closed", "submitted", "published"]),
                name="participation_draftlaw_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="participation_draftlaw_closes_after_opening",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "closed"])
                | (Q(submission__isnull=False) & Q(submitted_at__isnull=False)),
                name="participation_draftlaw_submitted_has_document",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Article(models.Model):
    """One article (条) of a draft law."""

    draft = models.ForeignKey(DraftLaw, on_delete=models.CASCADE, related_name="articles")
    number = models.PositiveSmallIntegerField(_("article"))
    heading = models.CharField(_("heading"), max_length=100, blank=True)
    text = models.TextField(_("text"))

    class Meta:
        ordering = ["draft", "number"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        constraints = [
            models.UniqueConstraint(fields=["draft", "number"], name="participation_article_number")
        ]

    def __str__(self) -> str:
        return f"{self.draft_id} art. {self.number}"


class OpinionGroup(models.Model):
    """Similar comments on one article, grouped by staff under one representative opinion."""

    class Adoption(models.TextChoices):
        PENDING = "pending", _("not yet known")
        ADOPTED = "adopted", _("adopted")  # 采纳
        PARTLY_ADOPTED = "partly_adopted", _("partly adopted")  # 部分采纳
        NOT_ADOPTED = "not_adopted", _("not adopted")  # 未采纳

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="groups")
    summary = models.TextField(_("representative opinion"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))
    adoption = models.CharField(
        _("adopted in the final law"),
        max_length=20,
        choices=Adoption.choices,
        default=Adoption.PENDING,
    )
    adoption_note = models.TextField(_("how the final law reflects it"), blank=True)

    class Meta:
        ordering = ["article", "pk"]
        verbose_name = _("opinion group")
        verbose_name_plural = _("opinion groups")
        constraints = [
            models.CheckConstraint(
                condition=Q(adoption__in=["pending", "adopted", "partly_adopted", "not_adopted"]),
                name="participation_group_adoption_valid",
            )
        ]

    def __str__(self) -> str:
        return self.summary[:50]


class ArticleComment(models.Model):
    """A resident's comment on one article: agree, object, or propose a wording."""

    class Stance(models.TextChoices):
        AGREE = "agree", _("agree")  # 赞成
        OBJECT = "object", _("object")  # 反对
        PROPOSE = "propose", _("propose a wording")  # 修改建议

    class Source(models.TextChoices):
        ONLINE = "online", _("online")
        OFFLINE = "offline", _("recorded at a meeting")  # 座谈会、意见箱

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="participation_article_comments",
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    stance = models.CharField(_("stance"), max_length=10, choices=Stance.choices)
    text = models.TextField(_("comment"), max_length=3000, blank=True)
    proposed_wording = models.TextField(_("proposed wording"), max_length=3000, blank=True)
    group = models.ForeignKey(
        OpinionGroup,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
        verbose_name=_("opinion group"),
    )
    created_at = models.DateTimeField(_("written"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["article", "created_at", "pk"]
        verbose_name = _("article comment")
        verbose_name_plural = _("article comments")
        constraints = [
            models.CheckConstraint(
                condition=Q(stance__in=["agree", "object", "propose"]),
                name="participation_comment_stance_valid",
            ),
            models.CheckConstraint(
                condition=~Q(stance="propose") | ~Q(proposed_wording=""),
                name="participation_comment_proposal_has_wording",
            ),
            models.CheckConstraint(
                condition=Q(source="offline") | Q(author__isnull=False),
                name="participation_comment_online_has_author",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article_id} {self.stance}"


class Notice(models.Model):
    """A message to one person: a reply to their suggestion, the fate of their comments."""

    class Kind(models.TextChoices):
        SUGGESTION_ANSWERED = "suggestion_answered", _("Your suggestion was answered")
        CASE_UPDATE = "case_update", _("The case made from your suggestion moved on")
        DRAFT_OUTCOME = "draft_outcome", _("The law you commented on: what was adopted")
        CONSULTATION_OUTCOME = "consultation_outcome", _("A consultation you joined has an outcome")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participation_notices"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    subject = models.CharField(_("about"), max_length=200)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("sent"))
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    # What sent it, so that publishing twice does not notify twice.
    source_ref = models.CharField(max_length=100)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        constraints = [
            models.UniqueConstraint(fields=["user", "source_ref"], name="participation_notice_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.subject}"
