from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "district.core"
    label = "core"
    verbose_name = _("Platform")
    periodic_tasks = {"core.prune-task-results": ("district.core.tasks.prune_task_results", 86400)}
