"""Login, logout and the user's own page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from district.accounts.roles import role_label


@require_GET
@login_required
def me(request: HttpRequest) -> HttpResponse:
    user = request.user
    roles = [role_label(code) for code in user.groups.values_list("name", flat=True)]
    return render(request, "accounts/me.html", {"roles": roles})
