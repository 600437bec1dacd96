from django.contrib import admin

from district.geo.models import (
    DataImport,
    District,
    Facility,
    FacilityCategory,
    GridCell,
    ResidentArea,
    Subdistrict,
)


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin[District]):
    list_display = ["name", "name_en", "adcode", "area_km2", "source"]
    readonly_fields = ["boundary", "min_lon", "min_lat", "max_lon", "max_lat", "area_km2"]


@admin.register(Subdistrict)
class SubdistrictAdmin(admin.ModelAdmin[Subdistrict]):
    list_display = ["code", "name", "name_en", "kind", "employment_2023", "osm_relation_id"]
    search_fields = ["code", "name", "name_en"]


@admin.register(GridCell)
class GridCellAdmin(admin.ModelAdmin[GridCell]):
    list_display = ["code", "row", "column", "subdistrict", "area_m2"]
    search_fields = ["code"]
    list_filter = ["subdistrict"]
    readonly_fields = ["geometry"]


@admin.register(FacilityCategory)
class FacilityCategoryAdmin(admin.ModelAdmin[FacilityCategory]):
    list_display = ["code", "name", "name_en", "colour", "position"]


@admin.register(Facility)
class FacilityAdmin(admin.ModelAdmin[Facility]):
    list_display = ["name", "category", "address", "capacity", "in_district", "source"]
    list_filter = ["category", "in_district", "source"]
    search_fields = ["name", "address"]
    raw_id_fields = ["cell"]


@admin.register(ResidentArea)
class ResidentAreaAdmin(admin.ModelAdmin[ResidentArea]):
    list_display = ["external_id", "population", "population_60plus", "synthetic", "source"]
    list_filter = ["synthetic"]
    raw_id_fields = ["cell"]


@admin.register(DataImport)
class DataImportAdmin(admin.ModelAdmin[DataImport]):
    list_display = ["kind", "file_name", "rows_read", "rows_kept", "imported_at"]
    list_filter = ["kind"]
    readonly_fields = [f.name for f in DataImport._meta.fields]
