from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GeoConfig(AppConfig):
    name = "district.geo"
    label = "geo"
    verbose_name = _("Geography")
    demo_loader = "district.geo.demo.load_demo"
    role_permissions = {
        "administrator": [
            "geo.add_facility",
            "geo.change_facility",
            "geo.delete_facility",
            "geo.view_facility",
            "geo.add_residentarea",
            "geo.change_residentarea",
            "geo.view_residentarea",
            "geo.change_subdistrict",
            "geo.view_subdistrict",
            "geo.view_gridcell",
            "geo.view_dataimport",
        ],
        "planner": [
            "geo.add_facility",
            "geo.change_facility",
            "geo.view_facility",
            "geo.view_residentarea",
            "geo.view_dataimport",
        ],
    }
