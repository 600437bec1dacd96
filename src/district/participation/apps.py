from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipationConfig(AppConfig):
    name = "district.participation"
    label = "participation"
    verbose_name = _("Ning Lai Shuo")
