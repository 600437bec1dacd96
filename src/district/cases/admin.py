"""Admin: the catalogue, routing table and calendar are editable here (each save drops the
in-process caches); cases and their timelines are read-only, since only the services may
change a case."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from district.cases.models import (
    Attribute,
    BookingSlot,
    CalendarDay,
    CalendarYear,
    Campaign,
    Case,
    CaseEvent,
    Category,
    RoutingRule,
    TimeLimit,
)
from district.cases.services.calendar import invalidate_calendar
from district.cases.services.catalogue import invalidate_catalogue


class _Invalidating(admin.ModelAdmin):  # type: ignore[type-arg]
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        invalidate_catalogue()
        invalidate_calendar()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        invalidate_catalogue()
        invalidate_calendar()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        invalidate_catalogue()
        invalidate_calendar()


class TimeLimitInline(admin.TabularInline):  # type: ignore[type-arg]
    model = TimeLimit
    extra = 0


class AttributeInline(admin.StackedInline):  # type: ignore[type-arg]
    model = Attribute
    extra = 0


@admin.register(Category)
class CategoryAdmin(_Invalidating):
    list_display = ["code", "name", "name_en", "kind", "parent", "default_department", "active"]
    list_filter = ["kind", "active", "parent"]
    search_fields = ["code", "name", "name_en", "keywords"]
    inlines = [TimeLimitInline, AttributeInline]


@admin.register(RoutingRule)
class RoutingRuleAdmin(_Invalidating):
    list_display = ["category", "cell_code", "subdistrict_code", "department", "updated_at"]
    list_filter = ["department"]
    search_fields = ["category__code", "cell_code", "subdistrict_code"]


@admin.register(BookingSlot)
class BookingSlotAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["category", "starts_at", "ends_at", "subdistrict_code", "capacity", "booked"]
    readonly_fields = ["booked"]


class CalendarDayInline(admin.TabularInline):  # type: ignore[type-arg]
    model = CalendarDay
    extra = 0


@admin.register(CalendarYear)
class CalendarYearAdmin(_Invalidating):
    list_display = ["year", "source", "note", "entered_by", "updated_at"]
    inlines = [CalendarDayInline]


class _ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CaseEventInline(admin.TabularInline):  # type: ignore[type-arg]
    model = CaseEvent
    extra = 0
    fields = ["at", "kind", "actor_label", "department", "from_status", "to_status", "reason"]
    readonly_fields = ["at", "kind", "actor_label", "department", "from_status", "to_status"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(_ReadOnly):
    list_display = [
        "number",
        "title",
        "category",
        "status",
        "department",
        "due_state",
        "received_at",
    ]
    list_filter = ["status", "channel", "due_state", "is_demo", "is_synthetic"]
    search_fields = ["number", "title", "description"]
    inlines = [CaseEventInline]
    list_select_related = ["category", "department"]


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "starts_on", "ends_on", "compare_weeks", "is_demo"]
