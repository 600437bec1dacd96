from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

_VIEW = [
    "indicators.view_indicator",
    "indicators.view_value",
    "indicators.view_target",
    "indicators.view_project",
    "indicators.view_milestone",
    "indicators.view_livefigure",
    "indicators.view_source",
    "indicators.view_dataload",
]
# The development and reform commission's staff (planners) record figures and targets and
# keep projects up to date; administrators may also correct sources and indicators.
_PLANNER = [
    *_VIEW,
    "indicators.add_value",
    "indicators.add_target",
    "indicators.change_project",
    "indicators.change_milestone",
]


class IndicatorsConfig(AppConfig):
    name = "district.indicators"
    label = "indicators"
    verbose_name = _("Plan scorecard")
    demo_loader = "district.indicators.demo.load_demo"
    role_permissions = {
        "planner": _PLANNER,
        "supervisor": _VIEW,
        "administrator": [
            *_PLANNER,
            "indicators.add_source",
            "indicators.change_source",
            "indicators.change_indicator",
            "indicators.add_indicator",
            "indicators.add_dataload",
        ],
    }
    periodic_tasks = {
        "indicators.refresh_live_figures": ("district.indicators.tasks.refresh_live_figures", 3600),
    }
