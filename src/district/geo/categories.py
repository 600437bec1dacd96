"""Facility categories: the platform's codes and how Amap (高德) category paths map to them.

Amap tags each POI with a path such as ``科教文化服务;学校;小学`` (several paths may be
joined with ``|``). A row maps to the platform category with the longest matching prefix
among its paths; a row with any veterinary path (``医疗保健服务;动物医疗场所``) is dropped, as
are rows whose paths have no platform category (universities, adult education …), each
counted in the import report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Category:
    code: str
    name: str  # Chinese
    name_en: str
    colour: str


CATEGORIES: Final[tuple[Category, ...]] = (
    Category("elderly_care", "养老服务", "Elderly care", "#8e44ad"),
    Category("childcare", "托育", "Childcare (0–3)", "#e67e22"),
    Category("kindergarten", "幼儿园", "Kindergarten", "#f1c40f"),
    Category("primary_school", "小学", "Primary school", "#27ae60"),
    Category("middle_school", "中学", "Middle school", "#16a085"),
    Category("health", "医疗卫生", "Health care", "#c0392b"),
    Category("market", "菜市场", "Fresh-food market", "#d35400"),
    Category("park", "公园绿地", "Park", "#2ecc71"),
    Category("metro", "地铁站", "Metro station", "#2c3e50"),
    Category("bus_stop", "公交站", "Bus stop", "#2980b9"),
    Category("employment_station", "就业服务站", "Employment service station", "#7f8c8d"),
    Category("recycling_point", "回收点", "Recycling point", "#6d4c41"),
    Category("community_centre", "社区服务中心", "Community centre", "#34495e"),
)
CODES: Final[frozenset[str]] = frozenset(c.code for c in CATEGORIES)

DROP = "drop"  # a mapping target meaning "not a platform facility; drop and count"

# Prefix of an Amap path -> platform category code (or DROP). Longest prefix wins.
AMAP_PATHS: Final[dict[str, str]] = {
    "科教文化服务;学校;幼儿园": "kindergarten",
    "科教文化服务;学校;小学": "primary_school",
    "科教文化服务;学校;中学": "middle_school",
    "医疗保健服务;动物医疗场所": DROP,  # veterinary clinics
    "医疗保健服务;综合医院": "health",
    "医疗保健服务;专科医院": "health",
    "医疗保健服务;诊所": "health",
    "医疗保健服务;急救中心": "health",
    "医疗保健服务;疾病预防机构": "health",
    "医疗保健服务;医疗保健服务场所": "health",
    "交通设施服务;地铁站": "metro",
    "交通设施服务;公交车站": "bus_stop",
}


def map_amap_path(type_path: str) -> str | None:
    """The platform code (or ``DROP``) for an Amap category path, or None if unmapped.

    >>> map_amap_path("科教文化服务;学校;小学")
    'primary_school'
    >>> map_amap_path("医疗保健服务;动物医疗场所;宠物诊所")
    'drop'
    """
    best: tuple[int, str] | None = None
    for path in type_path.split("|"):
        path = path.strip()
        for prefix, code in AMAP_PATHS.items():
            if not path.startswith(prefix):
                continue
            if code == DROP:
                return DROP  # e.g. an animal disease-control centre tagged both ways
            if best is None or len(prefix) > best[0]:
                best = (len(prefix), code)
    return None if best is None else best[1]
