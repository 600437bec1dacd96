"""The life-circle engine: walking access, coverage, siting and what-if, on plain arrays.

No Django, no other app: the lifecircle services load data through the ORM (and the OSM
file through ``district.geo.osm``), call these functions and store what they return.

Typical use::

    graph = build_graph(network)                      # network: district.geo.osm.WalkNetwork
    scene = prepare_scene(graph, facilities_df, origins_df)
    result = measure_access(scene, thresholds_m(["kindergarten", "health"]))
    coverage = summarise_coverage(result, groups=subdistrict_codes)
    gaps = list_gaps(coverage, target_share=0.99)
    change = add_facility(result, "kindergarten", lon=121.42, lat=31.22)
    proposal = site_facilities(result, "kindergarten", k=3)
"""

from district.lifecircle.engine.access import (
    AccessParams,
    AccessResult,
    CategoryAccess,
    FacilitySet,
    OriginSet,
    Scene,
    measure_access,
    measure_detour_factor,
    prepare_scene,
    walk_minutes,
)
from district.lifecircle.engine.analysis import (
    analyze,
    read_facilities_csv,
    read_origins_csv,
    report,
    write_json,
)
from district.lifecircle.engine.batch import BatchJob, BatchOutcome, combine_coverage, run_batch
from district.lifecircle.engine.coordinates import (
    CoordinateCheck,
    check_coordinates,
    gcj02_to_wgs84,
    wgs84_to_gcj02,
)
from district.lifecircle.engine.coverage import list_gaps, score_completeness, summarise_coverage
from district.lifecircle.engine.graph import (
    NetworkArrays,
    StoredNetworkArrays,
    WalkGraph,
    build_graph,
)
from district.lifecircle.engine.siting import (
    CoverageProblem,
    SitingResult,
    site_facilities,
    solve_exact,
    solve_greedy,
)
from district.lifecircle.engine.snapping import EdgeSnap, snap_points
from district.lifecircle.engine.standards import (
    CATEGORIES,
    PER_CAPITA_STANDARDS,
    WALKING_SPEEDS,
    AdequacyCheck,
    Category,
    PerCapitaStandard,
    check_adequacy,
    get_category,
    thresholds_m,
)
from district.lifecircle.engine.whatif import WhatIf, add_facility, remove_facility

__all__ = [
    "CATEGORIES",
    "PER_CAPITA_STANDARDS",
    "WALKING_SPEEDS",
    "AccessParams",
    "AccessResult",
    "AdequacyCheck",
    "BatchJob",
    "BatchOutcome",
    "Category",
    "CategoryAccess",
    "CoordinateCheck",
    "CoverageProblem",
    "EdgeSnap",
    "FacilitySet",
    "NetworkArrays",
    "OriginSet",
    "PerCapitaStandard",
    "Scene",
    "SitingResult",
    "StoredNetworkArrays",
    "WalkGraph",
    "WhatIf",
    "add_facility",
    "analyze",
    "build_graph",
    "check_adequacy",
    "check_coordinates",
    "combine_coverage",
    "gcj02_to_wgs84",
    "get_category",
    "list_gaps",
    "measure_access",
    "measure_detour_factor",
    "prepare_scene",
    "read_facilities_csv",
    "read_origins_csv",
    "remove_facility",
    "report",
    "run_batch",
    "score_completeness",
    "site_facilities",
    "snap_points",
    "solve_exact",
    "solve_greedy",
    "summarise_coverage",
    "thresholds_m",
    "walk_minutes",
    "wgs84_to_gcj02",
    "write_json",
]
