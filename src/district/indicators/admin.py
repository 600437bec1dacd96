"""Admin views of the scorecard: for reading and searching. Every change goes through the
services (the scorecard's forms, the API and ``district indicators``), so a figure is
revised by a new row and never edited here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import DataLoad, Indicator, LiveFigure, Milestone, Project, Source, Target, Value


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Source)
class SourceAdmin(ReadOnlyAdmin):
    list_display = ["code", "kind", "title", "published_on"]


@admin.register(Indicator)
class IndicatorAdmin(ReadOnlyAdmin):
    list_display = ["code", "area", "name_zh", "name_en", "unit", "measure"]
    list_filter = ["area", "measure"]
    search_fields = ["code", "name_zh", "name_en"]


@admin.register(Value)
class ValueAdmin(ReadOnlyAdmin):
    list_display = ["code", "revision", "indicator", "value_text", "unit", "period_end", "origin"]
    list_filter = ["origin", "indicator__area"]
    search_fields = ["code", "sentence"]


@admin.register(Target)
class TargetAdmin(ReadOnlyAdmin):
    list_display = ["code", "revision", "indicator", "value_text", "target_year", "status"]


class MilestoneInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Milestone
    extra = 0
    fields = ["position", "title_zh", "title_en", "status", "reached_on", "due"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    list_display = ["code", "name_zh", "kind", "category", "status", "cell_code", "is_example"]
    list_filter = ["kind", "category", "status", "is_example"]
    inlines = [MilestoneInline]


@admin.register(LiveFigure)
class LiveFigureAdmin(ReadOnlyAdmin):
    list_display = ["indicator", "breakdown", "value", "unit", "computed_at", "provider"]
    list_filter = ["indicator"]


@admin.register(DataLoad)
class DataLoadAdmin(ReadOnlyAdmin):
    list_display = ["loaded_at", "directory", "sha256", "loaded_by"]
