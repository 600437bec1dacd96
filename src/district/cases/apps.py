from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

_CONSOLE = ["cases.view_console", "cases.view_case"]


class CasesConfig(AppConfig):
    name = "district.cases"
    label = "cases"
    verbose_name = _("Cases")
    demo_loader = "district.cases.demo.load_demo"
    # Every five minutes: mark cases due soon and overdue, escalate the overdue.
    periodic_tasks = {"cases.sweep-deadlines": ("district.cases.tasks.sweep_deadlines", 300)}
    role_permissions = {
        "resident": ["cases.add_case"],
        "grid_worker": [*_CONSOLE, "cases.add_case", "cases.verify_case"],
        "dispatcher": [
            *_CONSOLE,
            "cases.add_case",
            "cases.register_case",
            "cases.dispatch_case",
            "cases.merge_case",
            "cases.decide_extension",
            "cases.view_kpis",
        ],
        "department_staff": [*_CONSOLE, "cases.handle_case", "cases.view_kpis"],
        "supervisor": [
            *_CONSOLE,
            "cases.verify_case",
            "cases.supervise_case",
            "cases.decide_extension",
            "cases.merge_case",
            "cases.view_kpis",
            "cases.edit_routing",
        ],
        "planner": ["cases.view_kpis"],
        "regulator": ["cases.view_kpis"],
        "administrator": [
            *_CONSOLE,
            "cases.view_kpis",
            "cases.edit_routing",
            "cases.edit_calendar",
        ],
    }
