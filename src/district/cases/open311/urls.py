"""Open311 GeoReport v2 at ``/open311/v2/``: every endpoint in ``.json`` and ``.xml``."""

from django.urls import URLPattern, re_path

from district.cases.open311 import views

FMT = r"\.(?P<fmt>[A-Za-z0-9]+)$"

app_name = "open311"
urlpatterns: list[URLPattern] = [
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^services" + FMT, views.service_list, name="services"),
    re_path(r"^services/(?P<code>[^/]+?)" + FMT, views.service_definition, name="service"),
    # The `open311` client (1.1) asks for the singular form.
    re_path(r"^service/(?P<code>[^/]+?)" + FMT, views.service_definition, name="service-alias"),
    re_path(r"^requests" + FMT, views.requests_view, name="requests"),
    re_path(r"^requests/(?P<request_id>[^/]+?)" + FMT, views.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/]+?)" + FMT, views.token_detail, name="token"),
]
