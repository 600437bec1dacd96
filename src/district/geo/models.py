"""The district's geography. Coordinates are WGS-84 longitude/latitude; geometries are
stored as GeoJSON (no GDAL needed) with their bounding boxes for filtering, and handled with
shapely in the services.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class District(models.Model):
    """The district itself (区). The platform serves one district per deployment."""

    adcode = models.CharField(_("administrative code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    boundary = models.JSONField(_("boundary (GeoJSON, WGS-84)"))
    area_km2 = models.FloatField(_("area (km²)"))
    min_lon = models.FloatField()
    min_lat = models.FloatField()
    max_lon = models.FloatField()
    max_lat = models.FloatField()
    source = models.TextField(_("source"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def __str__(self) -> str:
        return self.name


class Subdistrict(models.Model):
    """A subdistrict (街道) or town (镇) with its official 12-digit code."""

    class Kind(models.TextChoices):
        STREET = "street", _("subdistrict")
        TOWN = "town", _("town")

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="subdistricts")
    code = models.CharField(_("official code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    osm_relation_id = models.BigIntegerField(_("OSM boundary relation"), null=True, blank=True)
    employment_2023 = models.PositiveIntegerField(
        _("jobs located here (2023 economic census)"), null=True, blank=True
    )
    boundary = models.JSONField(_("boundary (GeoJSON, WGS-84)"), null=True, blank=True)
    source = models.TextField(_("source"))

    class Meta:
        ordering = ["code"]
        verbose_name = _("subdistrict")
        verbose_name_plural = _("subdistricts")

    def __str__(self) -> str:
        return self.name

    @property
    def street_code(self) -> str:
        """The 3-digit 街道 part (digits 7-9) used in grid codes."""
        return self.code[6:9]


class GridCell(models.Model):
    """A unit grid cell (单元网格), clipped to the district boundary."""

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="cells")
    code = models.CharField(_("grid code"), max_length=20, unique=True)
    lattice_index = models.PositiveIntegerField()
    row = models.PositiveIntegerField()
    column = models.PositiveIntegerField()
    cell_m = models.PositiveIntegerField(_("cell size (m)"))
    subdistrict = models.ForeignKey(
        Subdistrict, null=True, blank=True, on_delete=models.SET_NULL, related_name="cells"
    )
    geometry = models.JSONField(_("geometry (GeoJSON, WGS-84)"))
    centre_lon = models.FloatField()
    centre_lat = models.FloatField()
    area_m2 = models.FloatField()

    class Meta:
        ordering = ["lattice_index"]
        verbose_name = _("grid cell")
        verbose_name_plural = _("grid cells")
        constraints = [
            models.UniqueConstraint(fields=["district", "lattice_index"], name="geo_cell_index"),
        ]

    def __str__(self) -> str:
        return self.code


class FacilityCategory(models.Model):
    """A kind of daily service, with the platform's stable code (e.g. ``kindergarten``)."""

    code = models.SlugField(_("code"), max_length=40, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    colour = models.CharField(_("map colour"), max_length=7, default="#555555")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("facility category")
        verbose_name_plural = _("facility categories")

    def __str__(self) -> str:
        return self.name


class Facility(models.Model):
    """A place that provides a daily service: a school, a clinic, a metro station…"""

    category = models.ForeignKey(
        FacilityCategory, on_delete=models.PROTECT, related_name="facilities"
    )
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    capacity_unit = models.CharField(_("capacity unit"), max_length=40, blank=True)
    in_district = models.BooleanField(_("inside the district"), default=True)
    cell = models.ForeignKey(
        GridCell, null=True, blank=True, on_delete=models.SET_NULL, related_name="facilities"
    )
    source = models.CharField(_("source"), max_length=300)
    source_type = models.CharField(_("source category path"), max_length=200, blank=True)
    # A stable key from the source (file name + category + name + position) so that
    # importing the same file twice updates rather than duplicates.
    source_key = models.CharField(max_length=64, unique=True)
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category", "name"]
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        indexes = [models.Index(fields=["lon", "lat"], name="geo_facility_lonlat")]
        constraints = [
            models.CheckConstraint(
                condition=Q(lon__gte=-180, lon__lte=180, lat__gte=-90, lat__lte=90),
                name="geo_facility_lonlat_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class NetworkNode(models.Model):
    """A node of the walking network, keyed by its OpenStreetMap id."""

    osm_id = models.BigIntegerField(_("OSM node id"), primary_key=True)
    lon = models.FloatField()
    lat = models.FloatField()
    component = models.PositiveIntegerField(
        _("connected piece"), default=0, help_text=_("0 is the largest connected piece")
    )

    class Meta:
        indexes = [models.Index(fields=["lon", "lat"], name="geo_node_lonlat")]
        verbose_name = _("network node")
        verbose_name_plural = _("network nodes")

    def __str__(self) -> str:
        return str(self.osm_id)


class NetworkEdge(models.Model):
    """A walkable segment between two consecutive nodes of an OSM way."""

    u = models.ForeignKey(NetworkNode, on_delete=models.CASCADE, related_name="+")
    v = models.ForeignKey(NetworkNode, on_delete=models.CASCADE, related_name="+")
    osm_way_id = models.BigIntegerField(_("OSM way id"))
    highway = models.CharField(_("highway type"), max_length=40)
    name = models.CharField(_("street name"), max_length=200, blank=True)
    length_m = models.FloatField(_("length (m)"))
    min_lon = models.FloatField()
    min_lat = models.FloatField()
    max_lon = models.FloatField()
    max_lat = models.FloatField()

    class Meta:
        indexes = [
            models.Index(fields=["min_lon", "max_lon", "min_lat", "max_lat"], name="geo_edge_bbox")
        ]
        constraints = [
            models.CheckConstraint(condition=Q(length_m__gte=0), name="geo_edge_length_positive")
        ]
        verbose_name = _("network edge")
        verbose_name_plural = _("network edges")

    def __str__(self) -> str:
        return f"{self.u_id}–{self.v_id}"


class ResidentArea(models.Model):
    """Where people live: a point or an area with its population (importable)."""

    external_id = models.CharField(_("identifier"), max_length=100, unique=True)
    lon = models.FloatField()
    lat = models.FloatField()
    geometry = models.JSONField(_("area (GeoJSON, WGS-84)"), null=True, blank=True)
    population = models.PositiveIntegerField(_("population"))
    population_60plus = models.PositiveIntegerField(_("population aged 60+"), null=True, blank=True)
    cell = models.ForeignKey(
        GridCell, null=True, blank=True, on_delete=models.SET_NULL, related_name="residents"
    )
    synthetic = models.BooleanField(
        _("synthetic"), default=False, help_text=_("Generated for scale tests, not real data.")
    )
    source = models.CharField(_("source"), max_length=300)

    class Meta:
        verbose_name = _("residential area")
        verbose_name_plural = _("residential areas")

    def __str__(self) -> str:
        return self.external_id


class DataImport(models.Model):
    """One import of a data file: what, when, and how many rows were kept or skipped."""

    kind = models.CharField(_("kind"), max_length=40)
    file_name = models.CharField(_("file"), max_length=300)
    sha256 = models.CharField(max_length=64)
    rows_read = models.PositiveIntegerField(default=0)
    rows_kept = models.PositiveIntegerField(default=0)
    skipped = models.JSONField(_("rows skipped, by reason"), default=dict)
    notes = models.TextField(blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-imported_at"]
        verbose_name = _("data import")
        verbose_name_plural = _("data imports")

    def __str__(self) -> str:
        return f"{self.kind}: {self.file_name}"
