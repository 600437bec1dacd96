"""The plan scorecard's records: sources, indicators, values with their revisions, targets,
projects with milestones, live figures computed from the platform, and data loads.

A value is never overwritten. Correcting a figure adds a :class:`Value` row with the same
``code`` and the next ``revision``; the current figure is the highest revision
(:meth:`ValueQuerySet.current`), and the older rows are its history. Targets work the same
way. The database enforces it: ``(code, revision)`` is unique and revisions start at 1.
"""

from __future__ import annotations

from typing import Self, TypeVar

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

_M = TypeVar("_M", bound=models.Model)


class Area(models.TextChoices):
    """The six areas of the briefing (the Chinese headings are translations)."""

    ECONOMIC_SCALE = "economic_scale", _("Leap in Economic Scale")
    REFORM_OPENING = "reform_opening", _("Reform as a Driver of Breakthroughs and Innovation")
    INNOVATION = "innovation", _("Technological Innovation Gathers Momentum")
    URBAN_RENEWAL = "urban_renewal", _("Urban Renewal: A Transformation of Vitality")
    PUBLIC_SERVICES = "public_services", _("Public Services with a Human Touch")
    URBAN_GOVERNANCE = "urban_governance", _("Broad Participation in Urban Governance")


class Origin(models.TextChoices):
    """How a record entered the database."""

    FILE = "file", _("data file")
    ENTRY = "entry", _("entered")


class Source(models.Model):
    """A document figures come from (来源文件), with its local text when there is one."""

    code = models.SlugField(_("code"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=30)
    title = models.CharField(_("title"), max_length=300)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    url = models.URLField(_("address"), max_length=500, blank=True)
    path = models.CharField(_("local copy"), max_length=300, blank=True)
    note = models.TextField(_("note"), blank=True)
    text = models.TextField(_("text"), blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self) -> str:
        return self.title

    @property
    def is_illustrative(self) -> bool:
        return self.kind == "illustrative"


class Indicator(models.Model):
    """What is measured (指标): unit, plan area, direction, and how it is derived."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    area = models.CharField(_("area"), max_length=30, choices=Area.choices)
    name_en = models.CharField(_("English name"), max_length=300)
    name_zh = models.CharField(_("Chinese name"), max_length=200)
    name_zh_origin = models.CharField(_("origin of the Chinese name"), max_length=20)
    unit = models.CharField(_("unit"), max_length=20)
    direction = models.CharField(_("better when"), max_length=10)
    measure = models.CharField(_("measure"), max_length=20)
    of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="derived_indicators",
        verbose_name=_("derived from"),
    )
    whole = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="part_indicators",
        verbose_name=_("part of"),
    )
    formula_en = models.CharField(_("formula"), max_length=300, blank=True)
    note = models.TextField(_("note"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.CheckConstraint(
                condition=Q(area__in=[a.value for a in Area]), name="indicators_indicator_area"
            ),
            models.CheckConstraint(
                condition=Q(direction__in=["higher", "lower", "neutral"]),
                name="indicators_indicator_direction",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def name(self, language: str) -> str:
        return self.name_en if language == "en" else self.name_zh


class RevisedQuerySet(models.QuerySet[_M]):
    """Shared by values and targets: the current revision of each code."""

    def current(self) -> Self:
        """The highest revision of every code: the figures as they stand now."""
        newer = self.model._default_manager.filter(
            code=OuterRef("code"), revision__gt=OuterRef("revision")
        )
        return self.filter(~Exists(newer))

    def history(self, code: str) -> Self:
        """Every revision of one figure, oldest first."""
        return self.filter(code=code).order_by("revision")


class ValueQuerySet(RevisedQuerySet["Value"]):
    def for_area(self, area: str) -> Self:
        return self.filter(indicator__area=area)


class Value(models.Model):
    """A stated figure (数值) with its provenance; a revision adds a row, never edits one."""

    code = models.SlugField(_("value id"), max_length=100)
    revision = models.PositiveIntegerField(_("revision"))
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="values", verbose_name=_("indicator")
    )
    value_text = models.CharField(_("value as written"), max_length=40)
    value = models.FloatField(_("value in the indicator's unit"))
    low = models.FloatField(_("lowest value the wording allows"), null=True, blank=True)
    high = models.FloatField(_("highest value the wording allows"), null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=20)
    qualifier = models.CharField(_("qualifier"), max_length=10)
    period_start = models.CharField(_("period start"), max_length=10, blank=True)
    period_end = models.CharField(_("period end"), max_length=10)
    price_basis = models.CharField(_("price basis"), max_length=20, blank=True)
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="values", verbose_name=_("source")
    )
    sentence = models.TextField(_("sentence"))
    recorded_on = models.DateField(_("recorded on"))
    note = models.TextField(_("note"), blank=True)
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices)
    file_row = models.PositiveIntegerField(_("row in values.csv"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("stored at"), auto_now_add=True)

    objects = ValueQuerySet.as_manager()

    class Meta:
        ordering = ["indicator__position", "code", "revision"]
        verbose_name = _("value")
        verbose_name_plural = _("values")
        constraints = [
            models.UniqueConstraint(fields=["code", "revision"], name="indicators_value_revision"),
            models.CheckConstraint(condition=Q(revision__gte=1), name="indicators_value_rev_min"),
            models.CheckConstraint(condition=~Q(period_end=""), name="indicators_value_has_period"),
            models.CheckConstraint(
                condition=Q(qualifier__in=["exact", "over", "at_least", "nearly", "about"]),
                name="indicators_value_qualifier",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} r{self.revision}"

    @property
    def period_label(self) -> str:
        if not self.period_start or self.period_start == self.period_end:
            return self.period_end
        return f"{self.period_start} – {self.period_end}"


class TargetQuerySet(RevisedQuerySet["Target"]):
    pass


class Target(models.Model):
    """A target (目标) for an indicator in a year, sourced or illustrative; revised by rows."""

    class Status(models.TextChoices):
        SOURCED = "sourced", _("sourced")
        ILLUSTRATIVE = "illustrative", _("illustrative")

    code = models.SlugField(_("target id"), max_length=100)
    revision = models.PositiveIntegerField(_("revision"))
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="targets", verbose_name=_("indicator")
    )
    value_text = models.CharField(_("value as written"), max_length=40)
    value = models.FloatField(_("value in the indicator's unit"))
    unit = models.CharField(_("unit"), max_length=20)
    target_year = models.PositiveSmallIntegerField(_("target year"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="targets", verbose_name=_("source")
    )
    sentence = models.TextField(_("sentence"), blank=True)
    recorded_on = models.DateField(_("recorded on"))
    note = models.TextField(_("note"), blank=True)
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices)
    file_row = models.PositiveIntegerField(_("row in targets.csv"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("stored at"), auto_now_add=True)

    objects = TargetQuerySet.as_manager()

    class Meta:
        ordering = ["indicator__position", "code", "revision"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(fields=["code", "revision"], name="indicators_target_revision"),
            models.CheckConstraint(condition=Q(revision__gte=1), name="indicators_target_rev_min"),
            models.CheckConstraint(
                condition=Q(target_year__gte=1949, target_year__lte=2200),
                name="indicators_target_year_range",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["sourced", "illustrative"]), name="indicators_target_status"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} r{self.revision}"


class Project(models.Model):
    """A programme or project (项目) of the plan: status, location, the indicators it moves."""

    class Kind(models.TextChoices):
        PROGRAMME = "programme", _("programme")
        PROJECT = "project", _("project")

    class Category(models.TextChoices):
        URBAN_RENEWAL = "urban_renewal", _("urban renewal")  # 城市更新
        PRACTICAL_SERVICE = "practical_service", _("practical service")  # 实事项目
        URBAN_GOVERNANCE = "urban_governance", _("urban governance")  # 城市治理

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        UNDER_WAY = "under_way", _("under way")
        COMPLETED = "completed", _("completed")
        NOT_STATED = "not_stated", _("stage not stated")

    code = models.SlugField(_("code"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    name_en = models.CharField(_("English name"), max_length=300)
    name_zh = models.CharField(_("Chinese name"), max_length=200)
    name_zh_origin = models.CharField(_("origin of the Chinese name"), max_length=20)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_example = models.BooleanField(_("example made up for the demo"), default=False)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    cell_code = models.CharField(_("grid cell"), max_length=20, blank=True)
    subdistrict_code = models.CharField(_("subdistrict code"), max_length=12, blank=True)
    subdistrict_name = models.CharField(_("subdistrict"), max_length=100, blank=True)
    location_source = models.TextField(_("where the location comes from"), blank=True)
    indicators = models.ManyToManyField(
        Indicator, blank=True, related_name="projects", verbose_name=_("indicators it moves")
    )
    source = models.ForeignKey(
        Source,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
        verbose_name=_("source"),
    )
    sentence = models.TextField(_("sentence"), blank=True)
    recorded_on = models.DateField(_("recorded on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        constraints = [
            models.CheckConstraint(
                condition=Q(lon__isnull=True, lat__isnull=True)
                | Q(lon__isnull=False, lat__isnull=False)
                & Q(lon__gte=-180, lon__lte=180, lat__gte=-90, lat__lte=90),
                name="indicators_project_location",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["planned", "under_way", "completed", "not_stated"]),
                name="indicators_project_status",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def name(self, language: str) -> str:
        return self.name_en if language == "en" else self.name_zh

    @property
    def located(self) -> bool:
        return self.lon is not None


class Milestone(models.Model):
    """A step of a project (节点): reached, perhaps on a known day, or pending."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        REACHED = "reached", _("reached")

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("project")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    title_en = models.CharField(_("English title"), max_length=300)
    title_zh = models.CharField(_("Chinese title"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due = models.CharField(_("due"), max_length=10, blank=True)
    reached_on = models.DateField(_("reached on"), null=True, blank=True)
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.PROTECT, related_name="milestones"
    )
    sentence = models.TextField(_("sentence"), blank=True)
    note = models.TextField(_("note"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["project", "position"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "position"], name="indicators_milestone_position"
            ),
            models.CheckConstraint(
                condition=Q(reached_on__isnull=True) | Q(status="reached"),
                name="indicators_milestone_reached_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} #{self.position}"

    def title(self, language: str) -> str:
        return self.title_en if language == "en" else self.title_zh


class LiveFigureQuerySet(models.QuerySet["LiveFigure"]):
    def latest_each(self) -> Self:
        """The newest figure of each indicator and breakdown."""
        newer = LiveFigure.objects.filter(
            indicator=OuterRef("indicator"),
            breakdown=OuterRef("breakdown"),
            computed_at__gt=OuterRef("computed_at"),
        )
        return self.filter(~Exists(newer))


class LiveFigure(models.Model):
    """A figure computed from the platform itself (an app's service function), with when.

    A refresh that finds the same value only moves ``computed_at`` on; a changed value adds
    a row, so the rows are the figure's history.
    """

    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.CASCADE,
        related_name="live_figures",
        verbose_name=_("indicator"),
    )
    breakdown = models.CharField(_("breakdown"), max_length=60, blank=True)
    breakdown_en = models.CharField(_("breakdown (English)"), max_length=200, blank=True)
    breakdown_zh = models.CharField(_("breakdown (Chinese)"), max_length=200, blank=True)
    value = models.FloatField(_("value"))
    unit = models.CharField(_("unit"), max_length=20)
    provider = models.CharField(_("computed by"), max_length=200)
    first_computed_at = models.DateTimeField(_("first computed at"))
    computed_at = models.DateTimeField(_("computed at"))
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    objects = LiveFigureQuerySet.as_manager()

    class Meta:
        ordering = ["indicator__position", "breakdown", "-computed_at"]
        verbose_name = _("live figure")
        verbose_name_plural = _("live figures")
        indexes = [
            models.Index(
                fields=["indicator", "breakdown", "computed_at"], name="indicators_live_latest"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(first_computed_at__lte=models.F("computed_at")),
                name="indicators_live_times",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.breakdown} {self.computed_at:%Y-%m-%d %H:%M}"

    def breakdown_label(self, language: str) -> str:
        return self.breakdown_en if language == "en" else (self.breakdown_zh or self.breakdown_en)


class DataLoad(models.Model):
    """One load of the versioned data folder: what was new, what was already there."""

    loaded_at = models.DateTimeField(_("loaded at"), auto_now_add=True)
    directory = models.CharField(_("folder"), max_length=500)
    sha256 = models.CharField(_("SHA-256 of the files"), max_length=64)
    created = models.JSONField(_("rows added"), default=dict)
    unchanged = models.JSONField(_("rows already loaded"), default=dict)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-loaded_at"]
        verbose_name = _("data load")
        verbose_name_plural = _("data loads")

    def __str__(self) -> str:
        return f"{self.directory} {self.loaded_at:%Y-%m-%d %H:%M}"
