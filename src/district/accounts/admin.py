from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from district.accounts.models import ApiKey, Department, User


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    list_display = ["username", "display_name", "department", "is_staff", "is_demo"]
    list_filter = ["groups", "department", "is_staff", "is_demo"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("district", {"fields": ("display_name", "phone", "department", "is_demo")}),
    )


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin[Department]):
    list_display = ["code", "name", "name_en", "kind", "subdistrict_code", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name", "name_en"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin[ApiKey]):
    list_display = ["name", "prefix", "user", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "key_hash", "created_at", "last_used_at"]
