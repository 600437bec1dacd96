"""Admin: channels and their staff are configuration and edited here; suggestions,
consultations and draft laws change only through the services, so they are read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from district.participation.models import (
    Channel,
    ChannelStaff,
    Consultation,
    DraftLaw,
    Suggestion,
)


class ChannelStaffInline(admin.TabularInline[ChannelStaff, Channel]):
    model = ChannelStaff
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin[Channel]):
    list_display = [
        "code",
        "name",
        "kind",
        "subdistrict_code",
        "national_model",
        "reply_working_days",
        "active",
    ]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name", "name_en"]
    inlines = [ChannelStaffInline]


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    """Visible to administrators; every change goes through the participation services."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Suggestion)
class SuggestionAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "title",
        "channel",
        "department",
        "status",
        "outcome",
        "due_at",
        "is_demo",
    ]
    list_filter = ["status", "outcome", "channel", "is_demo"]
    search_fields = ["number", "title", "body"]


@admin.register(Consultation)
class ConsultationAdmin(ReadOnlyAdmin):
    list_display = ["title", "status", "scope", "origin", "channel", "is_demo"]
    list_filter = ["status", "origin", "is_demo"]
    search_fields = ["title", "question"]


@admin.register(DraftLaw)
class DraftLawAdmin(ReadOnlyAdmin):
    list_display = ["title", "channel", "status", "closes_at", "is_demo"]
    list_filter = ["status", "is_demo"]
    search_fields = ["title"]
