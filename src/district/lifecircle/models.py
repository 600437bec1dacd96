"""The life circle's standards and stored results.

Standards (editable by planners): :class:`CategoryStandard` (a facility category's walking
threshold and its basis) and :class:`PerCapitaStandard` (capacity per 1,000 people). Both
are seeded from the engine's tables (``engine.standards``).

Results of a refresh (:class:`AccessRun`): one :class:`AccessOrigin` per origin (a home
with its population, or a grid cell's centre weighted by its area), one
:class:`OriginAccess` per origin and category, and :class:`AreaCoverage` rows for the
district, each subdistrict (when polygons are loaded) and each grid cell. Every figure
keeps network-measured and estimated distances apart.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CategoryStandard(models.Model):
    """A facility category of the life circle with its walking threshold (步行阈值)."""

    code = models.SlugField(_("category code"), max_length=40, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    threshold_m = models.FloatField(_("threshold (m of network distance)"))
    threshold_minutes = models.FloatField(_("threshold (minutes of walking)"))
    basis = models.TextField(_("basis"))
    tier = models.CharField(_("tier"), max_length=20, default="basic")
    enabled = models.BooleanField(
        _("measured"), default=True, help_text=_("Measure this category in a refresh.")
    )
    position = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("category standard")
        verbose_name_plural = _("category standards")
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold_m__gt=0) & Q(threshold_m__lte=5000),
                name="lifecircle_threshold_range",
            ),
            models.CheckConstraint(
                condition=Q(threshold_minutes__gt=0) & Q(threshold_minutes__lte=60),
                name="lifecircle_minutes_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.threshold_m:g} m)"


class PerCapitaStandard(models.Model):
    """Capacity required per 1,000 people (人均指标), e.g. elderly-care beds per 1,000 aged 60+."""

    class Population(models.TextChoices):
        ALL = "all", _("all residents")
        AGED_60_PLUS = "60plus", _("residents aged 60+")

    code = models.SlugField(_("code"), max_length=60, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    category = models.SlugField(_("facility category"), max_length=40)
    capacity_unit = models.CharField(_("capacity unit"), max_length=20)
    per_1000 = models.FloatField(_("required per 1,000 people"))
    population = models.CharField(_("population"), max_length=10, choices=Population.choices)
    population_note = models.CharField(_("population (as the standard says)"), max_length=100)
    basis = models.TextField(_("basis"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("per-capita standard")
        verbose_name_plural = _("per-capita standards")
        constraints = [
            models.CheckConstraint(condition=Q(per_1000__gt=0), name="lifecircle_per_1000_positive")
        ]

    def __str__(self) -> str:
        return self.name


class AccessRun(models.Model):
    """One refresh: its parameters, inputs, timing and outcome."""

    class Status(models.TextChoices):
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    class OriginKind(models.TextChoices):
        POPULATION = "population", _("population coverage (homes with residents)")
        AREA = "area", _("area coverage, not population coverage (grid-cell centres)")

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    origin_kind = models.CharField(max_length=12, choices=OriginKind.choices)
    speed_m_per_min = models.FloatField(_("walking speed (m/min)"))
    snap_tolerance_m = models.FloatField(_("snap tolerance (m)"))
    detour_factor = models.FloatField(_("detour factor"))
    thresholds = models.JSONField(_("thresholds (m) by category"), default=dict)
    origins = models.PositiveIntegerField(default=0)
    origins_on_network = models.PositiveIntegerField(default=0)
    network_nodes = models.PositiveIntegerField(default=0)
    network_edges = models.PositiveIntegerField(default=0)
    network_components = models.JSONField(_("sizes of the network's pieces"), default=list)
    facilities = models.JSONField(_("facilities by category (all, on the network)"), default=dict)
    input_signature = models.CharField(max_length=64, blank=True)
    trigger = models.CharField(_("started by"), max_length=100, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    compute_ms = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("access refresh")
        verbose_name_plural = _("access refreshes")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["running", "done", "failed"]), name="lifecircle_run_status"
            ),
            models.CheckConstraint(
                condition=Q(speed_m_per_min__gt=0) & Q(detour_factor__gte=1),
                name="lifecircle_run_params",
            ),
        ]

    def __str__(self) -> str:
        return f"refresh {self.pk} ({self.status})"

    @property
    def is_area(self) -> bool:
        return self.origin_kind == self.OriginKind.AREA


class AccessOrigin(models.Model):
    """A point whose walking access was measured: a home, or a grid cell's centre."""

    run = models.ForeignKey(AccessRun, on_delete=models.CASCADE, related_name="origin_rows")
    key = models.CharField(_("origin"), max_length=100)
    lon = models.FloatField()
    lat = models.FloatField()
    weight = models.FloatField(_("population, or area in m²"))
    cell_code = models.CharField(max_length=20, blank=True)
    subdistrict_code = models.CharField(max_length=12, blank=True)
    on_network = models.BooleanField(default=False)
    snap_m = models.FloatField(_("distance to the street network (m)"))
    within_network = models.PositiveSmallIntegerField(default=0)
    within_estimated = models.PositiveSmallIntegerField(default=0)
    categories = models.PositiveSmallIntegerField(default=0)
    missing = models.CharField(_("categories not within by network"), max_length=400, blank=True)

    class Meta:
        ordering = ["run", "key"]
        constraints = [
            models.UniqueConstraint(fields=["run", "key"], name="lifecircle_origin_unique"),
            models.CheckConstraint(condition=Q(weight__gte=0), name="lifecircle_origin_weight"),
        ]

    def __str__(self) -> str:
        return self.key


class OriginAccess(models.Model):
    """Walking access from one origin to one category (nearest facility, count within)."""

    run = models.ForeignKey(AccessRun, on_delete=models.CASCADE, related_name="+")
    origin = models.ForeignKey(AccessOrigin, on_delete=models.CASCADE, related_name="access")
    category = models.SlugField(max_length=40)
    distance_m = models.FloatField(null=True)
    walk_minutes = models.FloatField(null=True)
    facility_id = models.BigIntegerField(_("nearest facility (geo id)"), null=True)
    facility_name = models.CharField(max_length=200, blank=True)
    count_within = models.PositiveIntegerField(default=0)
    within = models.BooleanField(default=False)
    estimated = models.BooleanField(default=False)

    class Meta:
        ordering = ["origin", "category"]
        indexes = [models.Index(fields=["run", "category"], name="lifecircle_access_run_cat")]
        constraints = [
            models.UniqueConstraint(fields=["origin", "category"], name="lifecircle_access_unique")
        ]

    def __str__(self) -> str:
        return f"{self.origin_id} {self.category}"


class AreaCoverage(models.Model):
    """Coverage of one category over one area: the district, a subdistrict or a grid cell."""

    class Level(models.TextChoices):
        DISTRICT = "district", _("district")
        SUBDISTRICT = "subdistrict", _("subdistrict")
        CELL = "cell", _("grid cell")

    run = models.ForeignKey(AccessRun, on_delete=models.CASCADE, related_name="coverage")
    level = models.CharField(max_length=12, choices=Level.choices)
    code = models.CharField(max_length=20)
    category = models.SlugField(max_length=40)
    threshold_m = models.FloatField()
    origins = models.PositiveIntegerField()
    weight = models.FloatField()
    weight_network = models.FloatField()
    weight_estimated = models.FloatField()
    weight_unknown = models.FloatField()
    covered_network = models.FloatField()
    covered_estimated = models.FloatField()
    share_network = models.FloatField(null=True)
    share_estimated = models.FloatField(null=True)
    median_minutes_network = models.FloatField(null=True)
    median_minutes_estimated = models.FloatField(null=True)

    class Meta:
        ordering = ["run", "level", "code", "category"]
        indexes = [models.Index(fields=["run", "level", "category"], name="lifecircle_cov_lookup")]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "level", "code", "category"], name="lifecircle_coverage_unique"
            ),
            models.CheckConstraint(
                condition=Q(share_network__isnull=True)
                | (Q(share_network__gte=0) & Q(share_network__lte=1.000001)),
                name="lifecircle_coverage_share_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.level} {self.code} {self.category}"


class SitingStudy(models.Model):
    """A saved answer to "where should k new facilities of category X go?"."""

    run = models.ForeignKey(AccessRun, on_delete=models.CASCADE, related_name="siting_studies")
    category = models.SlugField(max_length=40)
    k = models.PositiveSmallIntegerField()
    threshold_m = models.FloatField()
    candidates = models.PositiveIntegerField(default=0)
    demand_weight = models.FloatField(default=0)
    greedy = models.JSONField(default=dict)
    exact = models.JSONField(null=True, blank=True)
    gap = models.FloatField(null=True)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    compute_ms = models.FloatField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("siting study")
        verbose_name_plural = _("siting studies")
        constraints = [
            models.CheckConstraint(condition=Q(k__gte=1) & Q(k__lte=50), name="lifecircle_k_range")
        ]

    def __str__(self) -> str:
        return f"{self.category} k={self.k}"
