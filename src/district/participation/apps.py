from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

_STAFF = [
    "participation.route_suggestion",
    "participation.manage_consultation",
    "participation.manage_draftlaw",
]


class ParticipationConfig(AppConfig):
    name = "district.participation"
    label = "participation"
    verbose_name = _("Ning Lai Shuo")

    demo_loader = "district.participation.demo.load_demo"
    # Channel staff are dispatchers (or supervisors) who are members of a channel; the
    # services check the membership. Department staff publish their department's replies.
    role_permissions = {
        "dispatcher": _STAFF,
        "supervisor": _STAFF,
        "department_staff": ["participation.reply_suggestion"],
        "administrator": [
            *_STAFF,
            "participation.reply_suggestion",
            "participation.add_channel",
            "participation.change_channel",
            "participation.view_channel",
            "participation.add_channelstaff",
            "participation.delete_channelstaff",
            "participation.view_channelstaff",
        ],
    }
    # Opinion maps too large to recompute inside a request are refreshed here.
    periodic_tasks = {
        "participation-refresh-opinion-maps": (
            "district.participation.tasks.refresh_stale_opinion_maps",
            60,
        ),
    }
