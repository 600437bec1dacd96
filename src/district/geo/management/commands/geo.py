"""``district geo <verb>``: load and inspect the district's geography."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from district.core.cli import AppCommand, Verb
from district.core.coords import SYSTEMS, convert
from district.geo import services


def _crs(parser: CommandParser) -> None:
    parser.add_argument(
        "--crs",
        choices=SYSTEMS,
        default="wgs84",
        help="coordinate system of the file (default wgs84; Amap outlines are gcj02)",
    )


def _json(parser: CommandParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


class _ImportVerb(Verb):
    def report(self, report: services.ImportReport, as_json: bool) -> None:
        if as_json:
            self.emit_json(report.as_dict())
        else:
            self.say(report.summary())
            for note in report.notes:
                self.say(f"  {note}")


class ImportBoundary(_ImportVerb):
    name = "import-boundary"
    help = "Load (or replace) the district boundary from GeoJSON."
    example = "district geo import-boundary data/boundaries/changning_district_wgs84.geojson"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        _crs(parser)
        parser.add_argument("--adcode", help="6-digit code if the file has no 'adcode'")
        parser.add_argument("--name", help="Chinese name if the file has no 'name'")
        parser.add_argument("--name-en", help="English name")
        parser.add_argument("--source", default="", help="where the boundary comes from")

    def run(self, **options: Any) -> None:
        district = services.import_boundary(
            path=options["file"],
            crs=options["crs"],
            adcode=options["adcode"],
            name=options["name"],
            name_en=options["name_en"],
            source=options["source"],
        )
        self.say(f"{district.name} ({district.adcode}): {district.area_km2:.2f} km²")


class ImportSubdistricts(_ImportVerb):
    name = "import-subdistricts"
    help = (
        "Load subdistricts and towns from a CSV with official_code_2023, name_zh, name_en, "
        "type (street|town) [, osm_relation_id, employment_2023_econ_census]."
    )
    example = (
        "district geo import-subdistricts data/boundaries/changning_subdistricts_reference.csv"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--source", default="")
        _json(parser)

    def run(self, **options: Any) -> None:
        report = services.import_subdistricts(path=options["file"], source=options["source"])
        self.report(report, options["json"])


class ImportSubdistrictBoundaries(_ImportVerb):
    name = "import-subdistrict-boundaries"
    help = "Attach polygons to subdistricts from GeoJSON features with a 'code' property."
    example = "district geo import-subdistrict-boundaries subdistricts.geojson --crs gcj02"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        _crs(parser)
        _json(parser)

    def run(self, **options: Any) -> None:
        report = services.import_subdistrict_boundaries(path=options["file"], crs=options["crs"])
        self.report(report, options["json"])


class BuildGrid(_ImportVerb):
    name = "build-grid"
    help = "(Re)build the unit grid over the boundary, with CJ/T 349-style 20-digit codes."
    example = "district geo build-grid --cell-m 250"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cell-m", type=int, help="cell side in metres (DISTRICT_GRID_CELL_M)")
        _json(parser)

    def run(self, **options: Any) -> None:
        self.report(services.build_grid(cell_m=options["cell_m"]), options["json"])


class ImportOsm(_ImportVerb):
    name = "import-osm"
    help = (
        "Replace the walking network with the walkable ways of an OSM XML (.osm) or PBF file "
        "(OSMnx 'walk' rules)."
    )
    example = "district geo import-osm data/osm/changning_roads_2025-08-09.osm"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        _json(parser)

    def run(self, **options: Any) -> None:
        self.report(services.import_osm(path=options["file"]), options["json"])


class ImportFacilities(_ImportVerb):
    name = "import-facilities"
    help = (
        "Import facilities from a CSV with name (or id), lon, lat [, address, capacity, "
        "capacity_unit]; the category comes from --category, a 'category' column or an Amap "
        "'type' path (veterinary clinics are dropped)."
    )
    example = "district geo import-facilities data/poi/changning_medical_amap.csv --category health"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--category", help="platform category code for every row")
        _crs(parser)
        parser.add_argument(
            "--margin-m",
            type=float,
            default=services.DEFAULT_MARGIN_M,
            help="keep facilities this close outside the district (default 2000)",
        )
        parser.add_argument(
            "--clip", action="store_true", help="skip rows beyond the margin instead of failing"
        )
        parser.add_argument("--source", default="", help="where the data comes from")
        _json(parser)

    def run(self, **options: Any) -> None:
        report = services.import_facilities(
            path=options["file"],
            category=options["category"],
            crs=options["crs"],
            margin_m=options["margin_m"],
            clip=options["clip"],
            source=options["source"],
        )
        self.report(report, options["json"])


class ImportResidents(_ImportVerb):
    name = "import-residents"
    help = "Import homes with population: CSV id,lon,lat,population[,population_60plus]."
    example = "district geo import-residents homes.csv --source 'census 2020'"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        _crs(parser)
        parser.add_argument("--source", default="")
        parser.add_argument(
            "--synthetic", action="store_true", help="label the rows synthetic (scale tests)"
        )
        _json(parser)

    def run(self, **options: Any) -> None:
        report = services.import_residents(
            path=options["file"],
            crs=options["crs"],
            source=options["source"],
            synthetic=options["synthetic"],
        )
        self.report(report, options["json"])


class Info(Verb):
    name = "info"
    help = "Counts and coverage of the loaded geography."
    example = "district geo info --json"

    def add_arguments(self, parser: CommandParser) -> None:
        _json(parser)

    def run(self, **options: Any) -> None:
        summary = services.summarize_district()
        if options["json"]:
            self.emit_json(summary.as_dict())
            return
        if not summary.loaded:
            self.say("No district loaded. Run `district demo` or `district geo import-boundary`.")
            return
        self.say(f"{summary.name} {summary.name_en} ({summary.adcode}), {summary.area_km2:.2f} km²")
        self.say(
            f"Subdistricts: {summary.subdistricts} "
            f"({summary.subdistricts_with_boundary} with a boundary polygon)"
        )
        self.say(f"Grid cells: {summary.cells} of {summary.cell_m} m")
        self.say(
            f"Walking network: {summary.network_nodes:,} nodes, {summary.network_edges:,} edges, "
            f"{summary.network_km:.1f} km in {summary.network_components} connected piece(s); "
            f"reaches {summary.cells_reached_by_network} of {summary.cells} cells "
            f"({summary.network_reach_share:.0%}; a node within "
            f"{services.NETWORK_REACH_M:.0f} m of the cell centre)"
        )
        self.say("Facilities (inside the district / in the margin around it):")
        for c in summary.facilities:
            status = f"{c.in_district} / {c.in_margin}" if c.in_district + c.in_margin else "none"
            self.say(f"  {c.code:20} {c.name:8} {status}")
        if summary.residents:
            label = " (synthetic)" if summary.residents_synthetic else ""
            self.say(
                f"Residents: {summary.residents:,} areas, {summary.population:,} people{label}"
            )
        else:
            self.say("Residents: none loaded (district geo import-residents)")


class Locate(Verb):
    name = "locate"
    help = "The grid cell and subdistrict of a WGS-84 point."
    example = "district geo locate 121.4245 31.2213"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("lon", type=float)
        parser.add_argument("lat", type=float)
        _json(parser)

    def run(self, **options: Any) -> None:
        location = services.locate(options["lon"], options["lat"])
        if options["json"]:
            self.emit_json(location.__dict__)
        elif not location.in_district:
            self.say("outside the district")
        else:
            self.say(f"cell {location.cell_code}, subdistrict {location.subdistrict_name or '—'}")


class Convert(Verb):
    name = "convert"
    help = "Convert a point between WGS-84, GCJ-02 (Amap, Tencent) and BD-09 (Baidu)."
    example = "district geo convert 121.4245 31.2213 --from gcj02 --to wgs84"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("lon", type=float)
        parser.add_argument("lat", type=float)
        parser.add_argument("--from", dest="source", choices=SYSTEMS, required=True)
        parser.add_argument("--to", dest="target", choices=SYSTEMS, required=True)

    def run(self, **options: Any) -> None:
        lon, lat = convert(
            options["lon"], options["lat"], source=options["source"], target=options["target"]
        )
        self.say(f"{lon:.7f} {lat:.7f}")


class Command(AppCommand):
    app_help = "The district's geography: boundary, subdistricts, grid, network, facilities."
    verbs = [
        ImportBoundary,
        ImportSubdistricts,
        ImportSubdistrictBoundaries,
        BuildGrid,
        ImportOsm,
        ImportFacilities,
        ImportResidents,
        Info,
        Locate,
        Convert,
    ]
