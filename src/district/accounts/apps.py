from typing import Any

from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender: AppConfig, **kwargs: Any) -> None:
    # Permissions are created app by app on post_migrate, so sync the role groups once the
    # last app with models has had its turn.
    with_models = [c for c in apps.get_app_configs() if c.models_module is not None]
    if not with_models or sender.label != with_models[-1].label:
        return
    from district.accounts.roles import sync_roles

    sync_roles()


class AccountsConfig(AppConfig):
    name = "district.accounts"
    label = "accounts"
    verbose_name = _("Accounts")
    demo_loader = "district.accounts.demo.load_demo"
    role_permissions = {
        "administrator": [
            "accounts.add_user",
            "accounts.change_user",
            "accounts.view_user",
            "accounts.add_department",
            "accounts.change_department",
            "accounts.view_department",
            "accounts.add_apikey",
            "accounts.change_apikey",
            "accounts.view_apikey",
        ],
    }

    def ready(self) -> None:
        post_migrate.connect(_sync_roles, dispatch_uid="district.accounts.sync_roles")
