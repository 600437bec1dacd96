"""The life-circle standards: categories, walking thresholds, speeds and per-capita norms.

Every number carries its basis. Sources, as collected in
``research/accessibility-anchors.md`` §1 (``[src]`` = seen in a retrieved source,
``[mem]`` = from memory of the standard, to be checked against its text):

* **SH-2016**: 《上海市15分钟社区生活圈规划导则（试行）》(2016): facilities used often by the
  elderly and children on a 500 m walking basis; home-care eldercare within a 5-minute walk;
  0–3 childcare within a 10-minute walk (~500 m) [src]; residential street spacing ≤ 200 m.
* **SH-2024**: Shanghai 15-minute life-circle technical standard, 2024 draft (征求意见稿):
  main-city circle 800–1,000 m; bus stops within 300 m inside the Inner Ring and 500 m
  between the Inner and Outer Rings; a 600 m metro-station band [src].
* **GB 50180-2018** 《城市居住区规划设计标准》: 15-minute tier 800–1,000 m [src],
  10-minute tier ~500 m [src], 5-minute tier ~300 m [mem].
* **TD/T 1062-2021** 《社区生活圈规划技术指南》: 15-minute and 5–10-minute levels [src].
* **SH-2035**: 上海2035 master plan: open space ≥ 400 m² within a 5-minute walk [mem].
* **SH-eldercare-2022**: 《上海市养老服务设施布局专项规划（2022—2035年）》 as reported in
  2022: central-city districts provide beds for 2.5 % of registered residents aged 60+;
  home and community eldercare floor area 55 / 50 / 45 m² per 1,000 residents for class
  1/2/3 districts, 50 m² city average [src].
* **§1.7**: the research file's threshold proposal, which combines the above; where it says
  "assumption", no source was found.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from district.core.errors import InputError

DEFAULT_SPEED_M_PER_MIN = 80.0


@dataclass(frozen=True)
class WalkingSpeed:
    """A population group's walking speed and where it comes from."""

    group: str
    name_zh: str
    name_en: str
    m_per_min: float
    basis: str


WALKING_SPEEDS: Mapping[str, WalkingSpeed] = MappingProxyType(
    {
        "general": WalkingSpeed(
            "general",
            "一般居民",
            "general population",
            80.0,
            "80 m/min (4.8 km/h), the conversion the research file uses for the standards' "
            "walking times (§1.7 conversion notes: a 15-minute walk is 1,200 m at 80 m/min); "
            "cityseer's default 1.333 m/s, r5r's 3.6 km/h bracket it.",
        ),
        "elderly": WalkingSpeed(
            "elderly",
            "老年人",
            "older residents (65+)",
            55.0,
            "0.92 m/s ≈ 55 m/min: the 15th-percentile walking speed of pedestrians over 65 "
            "(3.02 ft/s, Gates, Noyce, Bill & Van Ee, TRB 2006 paper 06-1826, 326 observed "
            "older pedestrians; 3.03 ft/s for over-60s in the 2005 TCRP/NCHRP study). "
            "Measured at signalised crossings in the US, not in Shanghai.",
        ),
    }
)


@dataclass(frozen=True)
class Category:
    """A facility category of the life circle and its walking threshold.

    ``threshold_m`` is the network distance that counts as covered;
    ``threshold_minutes`` the standard's walking time (where the standard gives only a
    distance, the minutes are that distance at 80 m/min and ``basis`` says so).
    """

    code: str
    name_zh: str
    name_en: str
    threshold_m: float
    threshold_minutes: float
    basis: str
    tier: str = "basic"


def _category(
    code: str,
    name_zh: str,
    name_en: str,
    threshold_m: float,
    threshold_minutes: float,
    basis: str,
    tier: str = "basic",
) -> tuple[str, Category]:
    return code, Category(code, name_zh, name_en, threshold_m, threshold_minutes, basis, tier)


CATEGORIES: Mapping[str, Category] = MappingProxyType(
    dict(
        [
            _category(
                "elderly_care",
                "社区养老服务设施",
                "community elderly care",
                300.0,
                5.0,
                "SH-2016: home-care eldercare (综合为老服务中心, 日间照料, 助餐) first within a "
                "5-minute walk, facilities the elderly use often on a 500 m basis [src]; "
                "§1.7 proposes 5 min ≈ 300 m (at most 500 m).",
            ),
            _category(
                "childcare",
                "托育机构",
                "childcare (0–3)",
                500.0,
                10.0,
                "SH-2016: 0–3 childcare within a 10-minute walk (~500 m) [src].",
            ),
            _category(
                "kindergarten",
                "幼儿园",
                "kindergarten",
                500.0,
                10.0,
                "SH-2016 10-minute walk (~500 m) for children's facilities [src]; "
                "GB 50180-2018 10-minute tier (~500 m) [src].",
            ),
            _category(
                "primary_school",
                "小学",
                "primary school",
                500.0,
                10.0,
                "GB 50180-2018 10-minute tier (~500 m) [src]; the school-specific radius "
                "is from memory [mem] (§1.7).",
            ),
            _category(
                "middle_school",
                "中学",
                "middle school",
                1000.0,
                15.0,
                "GB 50180-2018 15-minute tier (800–1,000 m) [src] (§1.7).",
            ),
            _category(
                "health",
                "社区卫生服务中心",
                "community health service centre",
                1000.0,
                15.0,
                "GB 50180-2018 / TD/T 1062-2021 15-minute level (800–1,000 m) [src]; "
                "service stations (卫生服务站) 5–10 minutes [mem] (§1.7).",
            ),
            _category(
                "market",
                "菜市场",
                "wet market",
                500.0,
                10.0,
                "GB 50180-2018 10-minute tier (~500 m) [src]; the market placement is "
                "from memory [mem] (§1.7).",
            ),
            _category(
                "park",
                "公园与开放空间",
                "park / open space ≥ 400 m²",
                300.0,
                5.0,
                "SH-2035: open space ≥ 400 m² within a 5-minute walk [mem] (§1.7).",
            ),
            _category(
                "metro",
                "轨道交通站",
                "metro station",
                600.0,
                7.5,
                "SH-2024 draft: 600 m metro-station (TOD) band [src]; minutes derived at "
                "80 m/min (§1.7).",
                tier="quality",
            ),
            _category(
                "bus_stop",
                "公交站",
                "bus stop",
                300.0,
                3.75,
                "SH-2024 draft: 300 m full coverage inside the Inner Ring, 500 m between the "
                "Inner and Outer Rings [src]; Changning straddles the Inner Ring, so set "
                "500 m for areas outside it (override the threshold); minutes derived at "
                "80 m/min.",
            ),
            _category(
                "employment_station",
                "就业服务站",
                "employment service station",
                1000.0,
                15.0,
                "Assumption: the life circle's 15-minute level (GB 50180-2018 800–1,000 m); "
                "no employment-station standard was found (§1.7).",
            ),
            _category(
                "recycling_point",
                "可回收物服务点",
                "recycling point",
                300.0,
                5.0,
                "Assumption: 5 minutes ≈ 300 m; no source was found (§1.7).",
            ),
            _category(
                "community_centre",
                "社区服务中心",
                "community service centre",
                1000.0,
                15.0,
                "SH-2024 draft: main-city circle radius 800–1,000 m around its one-stop "
                'service centre ("1+N", ≥ 800 m²) [src]; GB 50180-2018 15-minute tier.',
            ),
        ]
    )
)


def get_category(code: str, categories: Mapping[str, Category] = CATEGORIES) -> Category:
    """The category with platform code ``code``; ``InputError`` naming the known codes."""
    category = categories.get(code)
    if category is None:
        raise InputError(
            f"unknown facility category {code!r}",
            field="category",
            value=code,
            fix=f"Use one of: {', '.join(categories)}.",
        )
    return category


def thresholds_m(
    codes: Iterable[str] | None = None,
    *,
    basis: Literal["distance", "time"] = "distance",
    speed_m_per_min: float = DEFAULT_SPEED_M_PER_MIN,
    categories: Mapping[str, Category] = CATEGORIES,
) -> dict[str, float]:
    """Thresholds in metres for ``codes`` (default: every category).

    ``basis="distance"`` uses the standards' distances, the same for everyone;
    ``basis="time"`` uses their walking minutes at ``speed_m_per_min``, so a slower group
    (``WALKING_SPEEDS["elderly"]``) is covered by a shorter distance.
    """
    if not speed_m_per_min > 0:
        raise InputError(
            f"speed={speed_m_per_min!r} m/min must be more than 0",
            field="speed_m_per_min",
            fix="Give a walking speed such as 80 (m/min).",
        )
    chosen = list(categories) if codes is None else list(codes)
    out: dict[str, float] = {}
    for code in chosen:
        category = get_category(code, categories)
        if basis == "distance":
            out[code] = category.threshold_m
        elif basis == "time":
            out[code] = category.threshold_minutes * speed_m_per_min
        else:
            raise InputError(
                f"basis={basis!r} must be 'distance' or 'time'", field="basis", value=basis
            )
    return out


# --- Per-capita standards -----------------------------------------------------------------


@dataclass(frozen=True)
class PerCapitaStandard:
    """Capacity required per 1,000 people of a population, with its basis."""

    code: str
    name_zh: str
    name_en: str
    capacity_unit: str
    per_1000: float
    population: str
    basis: str


PER_CAPITA_STANDARDS: Mapping[str, PerCapitaStandard] = MappingProxyType(
    {
        "elderly_care_beds": PerCapitaStandard(
            "elderly_care_beds",
            "养老机构床位",
            "institutional elderly-care beds",
            "beds",
            25.0,
            "registered (户籍) residents aged 60+",
            "SH-eldercare-2022: central-city districts (Changning is one) provide beds for "
            "2.5 % of registered elderly, i.e. 25 per 1,000 [src].",
        ),
        "community_elderly_care_floor_area": PerCapitaStandard(
            "community_elderly_care_floor_area",
            "社区养老服务设施建筑面积",
            "home and community elderly-care floor area",
            "m²",
            50.0,
            "residents",
            "SH-eldercare-2022: 55 / 50 / 45 m² per 1,000 residents for class 1/2/3 "
            "districts, 50 m² the city average [src]. Changning's class was not found, so "
            "the city average is used; pass another standard for a known class.",
        ),
    }
)


@dataclass(frozen=True)
class AdequacyCheck:
    """The outcome of :func:`check_adequacy` for one area.

    ``status`` is ``"adequate"``, ``"inadequate"`` or ``"unknown"`` (capacity or
    population not known); ``required`` and ``shortfall`` are in the standard's unit
    (``None`` when unknown; ``shortfall`` 0 when adequate).
    """

    standard: str
    area: str
    status: Literal["adequate", "inadequate", "unknown"]
    capacity: float | None
    population: float | None
    required: float | None
    shortfall: float | None
    unit: str
    reason: str


def check_adequacy(
    standard: PerCapitaStandard | str,
    *,
    capacity: float | None,
    population: float | None,
    area: str = "",
) -> AdequacyCheck:
    """Compare ``capacity`` with what ``standard`` requires for ``population``.

    Either number unknown (``None`` or NaN) gives status ``"unknown"``, never a guess.
    """
    if isinstance(standard, str):
        found = PER_CAPITA_STANDARDS.get(standard)
        if found is None:
            raise InputError(
                f"unknown per-capita standard {standard!r}",
                field="standard",
                value=standard,
                fix=f"Use one of: {', '.join(PER_CAPITA_STANDARDS)}.",
            )
        standard = found
    cap = _known(capacity, "capacity")
    pop = _known(population, "population")
    if cap is None or pop is None:
        missing = " and ".join(
            name for name, value in (("capacity", cap), ("population", pop)) if value is None
        )
        return AdequacyCheck(
            standard.code,
            area,
            "unknown",
            cap,
            pop,
            None if pop is None else pop * standard.per_1000 / 1000.0,
            None,
            standard.capacity_unit,
            f"{missing} not known",
        )
    required = pop * standard.per_1000 / 1000.0
    shortfall = max(0.0, required - cap)
    status: Literal["adequate", "inadequate"] = "adequate" if shortfall == 0 else "inadequate"
    return AdequacyCheck(
        standard.code,
        area,
        status,
        cap,
        pop,
        required,
        shortfall,
        standard.capacity_unit,
        f"{cap:g} {standard.capacity_unit} for {pop:g} {standard.population}; "
        f"{standard.per_1000:g} per 1,000 requires {required:g}",
    )


def _known(value: float | None, name: str) -> float | None:
    if value is None:
        return None
    number = float(value)
    if number != number:  # NaN: not known
        return None
    if number < 0:
        raise InputError(f"{name}={value!r} is negative", field=name, value=value)
    return number
