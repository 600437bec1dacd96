from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LifecircleConfig(AppConfig):
    name = "district.lifecircle"
    label = "lifecircle"
    verbose_name = _("15-minute life circle")  # 15分钟社区生活圈
    demo_loader = "district.lifecircle.demo.load_demo"
    periodic_tasks = {
        "lifecircle-refresh": ("district.lifecircle.tasks.scheduled_refresh", 24 * 3600),
    }
    role_permissions = {
        "planner": [
            "lifecircle.view_categorystandard",
            "lifecircle.change_categorystandard",
            "lifecircle.view_percapitastandard",
            "lifecircle.change_percapitastandard",
            "lifecircle.view_accessrun",
            "lifecircle.add_accessrun",
            "lifecircle.view_sitingstudy",
            "lifecircle.add_sitingstudy",
        ],
        "administrator": [
            "lifecircle.view_categorystandard",
            "lifecircle.change_categorystandard",
            "lifecircle.view_percapitastandard",
            "lifecircle.change_percapitastandard",
            "lifecircle.view_accessrun",
            "lifecircle.add_accessrun",
            "lifecircle.view_sitingstudy",
            "lifecircle.add_sitingstudy",
        ],
    }
