"""People, departments and machine clients."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Department(models.Model):
    """A district bureau (委/局/办) or a subdistrict office (街道办事处/镇政府)."""

    class Kind(models.TextChoices):
        BUREAU = "bureau", _("district bureau")
        SUBDISTRICT = "subdistrict", _("subdistrict office")
        OTHER = "other", _("other body")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # For subdistrict offices: the 12-digit code of the subdistrict they run (geo app).
    subdistrict_code = models.CharField(_("subdistrict code"), max_length=12, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person using the platform. Roles are groups (see ``district.accounts.roles``)."""

    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    # Personal data: never shown in public output.
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        verbose_name=_("department"),
    )
    is_demo = models.BooleanField(
        _("demo account"), default=False, help_text=_("Created by `district demo`.")
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def role_codes(self) -> set[str]:
        return set(self.groups.values_list("name", flat=True))


class ApiKey(models.Model):
    """A key for a machine client (Open311 apps, merchant systems). Only a hash is kept."""

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="api_keys"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
