"""The root URLconf: one namespace per app."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from district.api import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("district.core.urls")),
    path("accounts/", include("district.accounts.urls")),
    path("geo/", include("district.geo.urls")),
    path("cases/", include("district.cases.urls")),
    path("open311/v2/", include("district.cases.open311.urls")),
    path("participation/", include("district.participation.urls")),
    path("lifecircle/", include("district.lifecircle.urls")),
    path("custody/", include("district.custody.urls")),
    path("indicators/", include("district.indicators.urls")),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

admin.site.site_header = "district"
admin.site.site_title = "district"
