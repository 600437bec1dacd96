"""Demo departments and one demo account per role (clearly marked as demo)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from district.accounts import services
from district.accounts.models import Department
from district.accounts.roles import ROLES
from district.geo import services as geo

DEMO_PASSWORD = "district-demo"  # printed by `district demo`; demo accounts only

# username, display name, roles, department code
DEMO_USERS = [
    ("resident", "居民 王女士 (demo)", ["resident"], None),
    ("gridworker", "网格员 李 (demo)", ["grid_worker"], "sub-310105001000"),
    ("dispatcher", "调度员 张 (demo)", ["dispatcher"], "operations-centre"),
    ("greening", "绿化市容局 经办人 (demo)", ["department_staff"], "greening"),
    ("citymgmt", "城管执法局 经办人 (demo)", ["department_staff"], "city-management"),
    ("supervisor", "监督员 陈 (demo)", ["supervisor"], "operations-centre"),
    ("planner", "规划师 周 (demo)", ["planner"], "planning"),
    ("merchant", "商户 (demo)", ["merchant"], None),
    ("notary", "公证员 (demo)", ["notary"], "notary"),
    ("regulator", "市场监管局 (demo)", ["regulator"], "market-supervision"),
]


def load_demo(*, data_dir: Path, log: Callable[[str], None]) -> None:
    count = services.import_departments(path=data_dir / "departments/changning_departments.csv")
    for sub in geo.subdistricts_geojson()["features"]:
        props = sub["properties"]
        services.ensure_subdistrict_office(
            subdistrict_code=props["code"], name=props["name"], name_en=props["name_en"]
        )
    log(
        f"accounts: {count} bureaus and {Department.objects.filter(kind='subdistrict').count()} "
        "subdistrict offices"
    )
    services.ensure_user(
        username="admin",
        roles=["administrator"],
        display_name="管理员 (demo)",
        password=DEMO_PASSWORD,
        is_demo=True,
        is_superuser=True,
    )
    for username, display_name, roles, department_code in DEMO_USERS:
        department = Department.objects.get(code=department_code) if department_code else None
        services.ensure_user(
            username=username,
            roles=roles,
            display_name=display_name,
            department=department,
            password=DEMO_PASSWORD,
            is_demo=True,
            is_staff=False,
        )
    role_list = ", ".join(r.code for r in ROLES)
    log(
        f"accounts: demo users admin, {', '.join(u[0] for u in DEMO_USERS)} "
        f"(password {DEMO_PASSWORD!r}); roles: {role_list}"
    )
