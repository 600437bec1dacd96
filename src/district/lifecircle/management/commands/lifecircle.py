"""``district lifecircle <verb>``: walking access, coverage, gaps, siting and analysis."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.db import DatabaseError

from district.core.cli import AppCommand, Verb, json_flag
from district.core.errors import InputError
from district.lifecircle import analysis, results, services


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


class Refresh(Verb):
    name = "refresh"
    help = (
        "Measure walking access from every origin (homes, or grid-cell centres) to every "
        "measured category and store the results."
    )
    example = "district lifecircle refresh --json"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--speed", type=float, default=services.DEFAULT_SPEED, help="walking speed, m/min"
        )
        parser.add_argument(
            "--detour-factor", type=float, default=None, help="for distances off the network"
        )
        parser.add_argument(
            "--if-changed", action="store_true", help="skip when the inputs are unchanged"
        )
        json_flag(parser)

    def run(self, **options: Any) -> None:
        run = services.refresh_access(
            trigger="command",
            speed_m_per_min=options["speed"],
            detour_factor=options["detour_factor"],
            only_if_changed=options["if_changed"],
        )
        figures = services.coverage_summary(run=run)
        if options["json"]:
            self.emit_json(
                {
                    "run": run.pk,
                    "origins": run.origins,
                    "origins_on_network": run.origins_on_network,
                    "basis": run.origin_kind,
                    "compute_ms": run.compute_ms,
                    "network_components": run.network_components,
                    "coverage": [f.as_dict() for f in figures],
                }
            )
            return
        self.say(
            f"refresh {run.pk}: {run.origins} origins ({run.origins_on_network} on the street "
            f"network), {len(run.thresholds)} categories, {run.compute_ms:.0f} ms"
        )
        _print_figures(self, figures, run.is_area)


def _print_figures(verb: Verb, figures: list[services.CoverageFigure], is_area: bool) -> None:
    if is_area:
        verb.say("area coverage, not population coverage (no homes are loaded)")
    for f in figures:
        verb.say(
            f"  {f.category:16} ≤{f.threshold_m:>6g} m  network {_percent(f.share_network):>8}"
            f" (of measured {_percent(f.share_of_measured)})  estimated "
            f"{_percent(f.share_estimated)}"
        )


class Coverage(Verb):
    name = "coverage"
    help = "Coverage per category for the district (network and estimated kept apart)."
    example = "district lifecircle coverage --json"

    def add_arguments(self, parser: CommandParser) -> None:
        json_flag(parser)

    def run(self, **options: Any) -> None:
        run = services.require_run()
        figures = services.coverage_summary(run=run)
        if options["json"]:
            self.emit_json([f.as_dict() for f in figures])
            return
        _print_figures(self, figures, run.is_area)


class Gaps(Verb):
    name = "gaps"
    help = "Origins outside a category's threshold, worst first."
    example = "district lifecircle gaps --category metro --limit 20"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--category", help="one category code (default: all)")
        parser.add_argument("--estimated", action="store_true", help="the estimated ones")
        parser.add_argument("--limit", type=int, default=20)
        json_flag(parser)

    def run(self, **options: Any) -> None:
        gaps = results.gap_list(
            category=options["category"], estimated=options["estimated"], limit=options["limit"]
        )
        if options["json"]:
            self.emit_json([g.__dict__ for g in gaps])
            return
        for g in gaps:
            distance = "no facility" if g.distance_m is None else f"{g.distance_m:,.0f} m"
            self.say(f"{g.origin}  {g.category:16} {distance:>12}  {g.facility}")


class Site(Verb):
    name = "site"
    help = "Where should K new facilities of a category go? Greedy and exact, with the gap."
    example = "district lifecircle site --category metro --k 3"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--category", required=True)
        parser.add_argument("--k", type=int, required=True)
        parser.add_argument("--no-exact", action="store_true", help="greedy only")
        parser.add_argument(
            "--candidates",
            type=Path,
            metavar="CSV",
            help="candidate sites id,lon,lat (default: facility-free network nodes)",
        )
        json_flag(parser)

    def run(self, **options: Any) -> None:
        candidates = None
        if options["candidates"] is not None:
            from district.lifecircle.engine import read_origins_csv

            frame = read_origins_csv(options["candidates"])
            candidates = list(zip(frame["lon"].tolist(), frame["lat"].tolist(), strict=True))
        study = services.site(
            category=options["category"],
            k=options["k"],
            exact=not options["no_exact"],
            candidates=candidates,
        )
        payload = {
            "category": study.category,
            "k": study.k,
            "candidates": study.candidates,
            "greedy": study.greedy,
            "exact": study.exact,
            "gap": study.gap,
            "before": study.before,
            "after": study.after,
            "compute_ms": study.compute_ms,
        }
        if options["json"]:
            self.emit_json(payload)
            return
        self.say(f"{study.category}, k={study.k}, {study.candidates} candidate sites")
        for name in ("greedy", "exact"):
            answer = payload[name]
            if answer:
                sites = ", ".join(f"({s['lon']:.5f}, {s['lat']:.5f})" for s in answer["sites"])
                self.say(f"  {name}: newly covered {answer['covered']:,.0f}: {sites}")
        self.say(f"  gap (exact − greedy) / exact: {_percent(study.gap)}")
        self.say(
            f"  covered by network: {_percent(study.before['share_of_measured'])} → "
            f"{_percent(study.after['share_of_measured'])} of the measured origins"
        )


class WhatIf(Verb):
    name = "whatif"
    help = "Add or remove one facility and show the change (an incremental update)."
    example = "district lifecircle whatif --category kindergarten --add 121.425 31.215"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--category", required=True)
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--add", nargs=2, type=float, metavar=("LON", "LAT"))
        group.add_argument("--remove", type=int, metavar="FACILITY_ID")
        json_flag(parser)

    def run(self, **options: Any) -> None:
        add = options["add"]
        change = services.what_if(
            category=options["category"],
            add_lon=add[0] if add else None,
            add_lat=add[1] if add else None,
            remove_id=options["remove"],
        )
        if options["json"]:
            self.emit_json(change)
            return
        self.say(
            f"{change['action']} {change['facility']}: covered by network "
            f"{_percent(change['before']['share_network'])} → "
            f"{_percent(change['after']['share_network'])}; {change['nodes_searched']} nodes "
            f"searched, {change['update_ms']:.1f} ms"
        )


class Standards(Verb):
    name = "standards"
    help = "The categories with their walking thresholds and basis, and per-capita standards."
    example = "district lifecircle standards"

    def add_arguments(self, parser: CommandParser) -> None:
        json_flag(parser)

    def run(self, **options: Any) -> None:
        rows = services.standards()
        if options["json"]:
            self.emit_json(
                [
                    {
                        "code": s.code,
                        "name": s.name,
                        "name_en": s.name_en,
                        "threshold_m": s.threshold_m,
                        "threshold_minutes": s.threshold_minutes,
                        "enabled": s.enabled,
                        "basis": s.basis,
                    }
                    for s in rows
                ]
            )
            return
        for s in rows:
            flag = "" if s.enabled else " (not measured)"
            self.say(f"{s.code:20} {s.threshold_m:>6g} m {s.threshold_minutes:>5g} min{flag}")


class Analyze(Verb):
    name = "analyze"
    help = (
        "Walking access on an OSM file (no database needed for the data): facilities CSV "
        "id,category,lon,lat; origins CSV id,lon,lat,population (default: the network's "
        "nodes). Several --osm files run as a Dask batch (a local cluster, or --scheduler)."
    )
    example = (
        "district lifecircle analyze --osm data/osm/changning_roads_2025-08-09.osm "
        "--facilities facilities.csv --json out.json"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--osm", type=Path, action="append", required=True, metavar="FILE",
            help="OSM XML or PBF file (repeat for a batch of networks)",
        )  # fmt: skip
        parser.add_argument("--facilities", type=Path, required=True, metavar="CSV")
        parser.add_argument("--origins", type=Path, metavar="CSV")
        parser.add_argument(
            "--speed", type=float, default=services.DEFAULT_SPEED, metavar="M_PER_MIN"
        )
        parser.add_argument("--json", type=Path, required=True, metavar="OUT", dest="out")
        parser.add_argument(
            "--scheduler", metavar="ADDRESS", help="Dask scheduler (default: a local cluster)"
        )
        parser.add_argument("--workers", type=int, default=2, help="local cluster workers")

    def run(self, **options: Any) -> None:
        speed = options["speed"]
        if not speed > 0:
            raise InputError(
                f"--speed {speed!r} must be more than 0",
                field="speed",
                fix="Give metres per minute, e.g. 80 (55 for the elderly).",
            )
        try:
            categories = services.engine_categories()
        except DatabaseError:
            from district.lifecircle.engine import CATEGORIES

            categories = dict(CATEGORIES)
        files: list[Path] = options["osm"]
        if len(files) == 1 and not options["scheduler"]:
            report = analysis.analyze_file(
                osm=files[0],
                facilities=options["facilities"],
                origins=options["origins"],
                speed_m_per_min=speed,
                categories=categories,
            )
        else:
            report = analysis.analyze_batch(
                osm=files,
                facilities=options["facilities"],
                origins=options["origins"],
                categories=categories,
                scheduler=options["scheduler"],
                workers=options["workers"],
            )
        analysis.write_report(report, options["out"])
        for warning in report.get("warnings", []):
            self.warn(f"warning: {warning['message']}")
        summary = ", ".join(
            f"{code} {_percent(c['coverage'])}" for code, c in report["categories"].items()
        )
        self.say(f"wrote {options['out']}: {summary}")


class Command(AppCommand):
    app_help = (
        "The 15-minute community life circle: walking access, coverage against the "
        "standards, gaps, siting and what-if."
    )
    verbs = [Refresh, Coverage, Gaps, Site, WhatIf, Standards, Analyze]
