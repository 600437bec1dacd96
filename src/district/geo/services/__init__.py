"""The geo app's write path and the reads other apps use.

Imports validate the whole file before writing anything and run in one transaction, so a
bad row leaves the database as it was; each import is recorded as a ``DataImport``.
Re-importing the same data updates rather than duplicates.
"""

from district.geo.services.boundary import (
    SUBDISTRICT_COLUMNS,
    current_district,
    district_geometry,
    import_boundary,
    import_subdistrict_boundaries,
    import_subdistricts,
    list_subdistricts,
)
from district.geo.services.cells import (
    LOCATOR_CACHE_S,
    Location,
    build_grid,
    forget_locator,
    get_cell,
    locate,
    require_in_district,
    require_in_district_cached,
)
from district.geo.services.facilities import (
    check_category,
    facility_categories,
    import_facilities,
    sync_categories,
)
from district.geo.services.files import BATCH, DEFAULT_MARGIN_M, NETWORK_REACH_M, ImportReport
from district.geo.services.files import _sha256 as file_sha256
from district.geo.services.network import NetworkArrays, import_osm, network_arrays
from district.geo.services.residents import ResidentPoint, import_residents, resident_points
from district.geo.services.summary import (
    MAX_NETWORK_EDGES,
    CategoryCount,
    DistrictSummary,
    district_geojson,
    facilities_geojson,
    grid_geojson,
    network_geojson,
    parse_bbox,
    subdistricts_geojson,
    summarize_district,
)

__all__ = [
    "BATCH",
    "DEFAULT_MARGIN_M",
    "LOCATOR_CACHE_S",
    "MAX_NETWORK_EDGES",
    "NETWORK_REACH_M",
    "SUBDISTRICT_COLUMNS",
    "CategoryCount",
    "DistrictSummary",
    "ImportReport",
    "Location",
    "NetworkArrays",
    "ResidentPoint",
    "build_grid",
    "check_category",
    "current_district",
    "district_geojson",
    "district_geometry",
    "facilities_geojson",
    "facility_categories",
    "file_sha256",
    "forget_locator",
    "get_cell",
    "grid_geojson",
    "import_boundary",
    "import_facilities",
    "import_osm",
    "import_residents",
    "import_subdistrict_boundaries",
    "import_subdistricts",
    "list_subdistricts",
    "locate",
    "network_arrays",
    "network_geojson",
    "parse_bbox",
    "require_in_district",
    "require_in_district_cached",
    "resident_points",
    "subdistricts_geojson",
    "summarize_district",
    "sync_categories",
]
