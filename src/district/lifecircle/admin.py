from django.contrib import admin

from district.lifecircle.models import AccessRun, CategoryStandard, PerCapitaStandard, SitingStudy


@admin.register(CategoryStandard)
class CategoryStandardAdmin(admin.ModelAdmin[CategoryStandard]):
    list_display = ["code", "name", "name_en", "threshold_m", "threshold_minutes", "enabled"]
    list_editable = ["threshold_m", "threshold_minutes", "enabled"]
    readonly_fields = ["updated_at", "updated_by"]

    def has_add_permission(self, request: object) -> bool:
        return False  # the categories are the platform's codes; seeded, not invented

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(PerCapitaStandard)
class PerCapitaStandardAdmin(admin.ModelAdmin[PerCapitaStandard]):
    list_display = ["code", "name", "per_1000", "capacity_unit", "population", "category"]


@admin.register(AccessRun)
class AccessRunAdmin(admin.ModelAdmin[AccessRun]):
    list_display = ["pk", "status", "origin_kind", "origins", "finished_at", "compute_ms"]
    readonly_fields = [f.name for f in AccessRun._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(SitingStudy)
class SitingStudyAdmin(admin.ModelAdmin[SitingStudy]):
    list_display = ["pk", "category", "k", "gap", "created_at", "created_by"]
    readonly_fields = [f.name for f in SitingStudy._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False
