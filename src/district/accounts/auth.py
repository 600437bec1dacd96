"""Authentication and permission checks for views and the JSON API.

* HTML views: :func:`role_required` / :func:`permission_required` send anonymous users to
  the login page and answer 403 to logged-in users without the permission.
* django-ninja: :class:`ApiKeyHeader` (``X-API-Key``) and :data:`session_or_key`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from ninja.security import APIKeyHeader, django_auth

from district.accounts import services
from district.accounts.models import ApiKey
from district.core.errors import PermissionDeniedError

View = TypeVar("View", bound=Callable[..., HttpResponse])


def user_has_role(user: Any, *roles: str) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return bool(user.groups.filter(name__in=roles).exists())


def _guard(check: Callable[[Any], bool], message: str) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not check(request.user):
                raise PermissionDeniedError(message)
            return view(request, *args, **kwargs)

        return cast(View, wrapper)

    return decorator


def role_required(*roles: str) -> Callable[[View], View]:
    """Only users with one of ``roles`` (or superusers) may open the view."""
    return _guard(
        lambda user: user_has_role(user, *roles),
        "This page is for: " + ", ".join(roles) + ". Log in with such an account.",
    )


def permission_required(*perms: str) -> Callable[[View], View]:
    """Only users with all of ``perms`` may open the view."""
    return _guard(
        lambda user: bool(user.has_perms(perms)),
        "You lack the permission for this page (" + ", ".join(perms) + ").",
    )


class ApiKeyHeader(APIKeyHeader):
    """``X-API-Key: dk_…``; the key is available as ``request.auth``."""

    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> ApiKey | None:
        if not key:
            return None
        try:
            return services.authenticate_api_key(key)
        except PermissionDeniedError:
            return None


api_key = ApiKeyHeader()
session_or_key = [django_auth, api_key]
