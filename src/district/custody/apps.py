from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

_VIEW_ALL = [
    "custody.view_merchant",
    "custody.view_contract",
    "custody.view_checkin",
    "custody.view_refund",
    "custody.view_dispute",
    "custody.view_settlement",
    "custody.view_closure",
    "custody.view_riskwarning",
    "custody.view_account",
    "custody.view_transfer",
    "custody.view_journalrecord",
    "custody.view_treehead",
    "custody.view_bankstatement",
]


class CustodyConfig(AppConfig):
    name = "district.custody"
    label = "custody"
    verbose_name = _("Prepaid custody")

    demo_loader = "district.custody.demo.load_demo"
    # Consumers act on their own contracts and merchant staff on their merchant's: the
    # services check ownership and staff membership; these permissions open the desks.
    role_permissions = {
        "resident": ["custody.add_contract"],
        "merchant": ["custody.add_contract", "custody.add_checkin", "custody.view_settlement"],
        # The custodian (公证处): registers merchants, settles, reconciles, resolves disputes.
        "notary": [
            *_VIEW_ALL,
            "custody.add_merchant",
            "custody.change_merchant",
            "custody.add_settlement",
            "custody.add_bankstatement",
            "custody.change_dispute",
            "custody.add_closure",
        ],
        # Market supervision (市场监管局): oversees balances, warnings and closures.
        "regulator": [
            *_VIEW_ALL,
            "custody.add_merchant",
            "custody.change_merchant",
            "custody.change_dispute",
            "custody.add_closure",
            "custody.change_riskwarning",
        ],
        "administrator": [
            *_VIEW_ALL,
            "custody.add_merchant",
            "custody.change_merchant",
            "custody.add_settlement",
            "custody.add_bankstatement",
            "custody.change_dispute",
            "custody.add_closure",
            "custody.change_riskwarning",
        ],
    }
    periodic_tasks = {
        "custody.confirm-due": ("district.custody.tasks.confirm_due", 3600),
        "custody.scan-risks": ("district.custody.tasks.scan_risks", 86400),
        # Daily: settles the last complete month once (idempotent by merchant and period).
        "custody.settle": ("district.custody.tasks.settle", 86400),
        "custody.sign-tree-head": ("district.custody.tasks.sign_tree_head", 3600),
    }
