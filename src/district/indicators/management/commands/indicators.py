"""``district indicators <verb>``: the plan scorecard from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandParser

from district.core.cli import AppCommand, Verb, json_flag
from district.indicators import services
from district.indicators.checks import check_data, findings_as_json
from district.indicators.loader import load_indicator_data
from district.indicators.models import Indicator, Project, Value
from district.indicators.report import FORMATS, LANGUAGES, write_report
from district.indicators.scorecard import AREA_CODES


def _default_folder() -> Path:
    return Path(settings.DEMO_DATA_DIR) / "indicators"


class Import(Verb):
    name = "import"
    help = (
        "Load the versioned data folder (sources, indicators, values, targets, projects, "
        "milestones) into the database. Idempotent; a loaded revision is never overwritten."
    )
    example = "district indicators import data/indicators"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", nargs="?", type=Path, help="default: data/indicators")
        json_flag(parser)

    def run(self, **options: Any) -> None:
        report = services.load_data(directory=options["folder"] or _default_folder())
        if options["json"]:
            self.emit_json(report.as_dict())
            return
        self.say(report.summary())
        for note in report.notes:
            self.say(f"  {note}")


class Check(Verb):
    name = "check"
    help = (
        "List every group of figures that arithmetic can test against each other: those that "
        "cannot all hold and those that agree, with the numbers. Exit status 0 either way."
    )
    example = "district indicators check --json"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--data",
            type=Path,
            help="check a data folder directly instead of the database (e.g. before importing)",
        )
        json_flag(parser)

    def run(self, **options: Any) -> None:
        if options["data"] is not None:
            found = check_data(load_indicator_data(options["data"]))
        elif Indicator.objects.exists():
            found = services.findings()
        else:
            self.warn(f"No figures are loaded; checking {_default_folder()} instead.")
            found = check_data(load_indicator_data(_default_folder()))
        if options["json"]:
            self.emit_json(findings_as_json(found))
            return
        bad = sum(not f.consistent for f in found)
        self.say(f"{len(found)} checks: {bad} inconsistent, {len(found) - bad} consistent")
        for finding in found:
            mark = "OK " if finding.consistent else "BAD"
            self.say(f"\n[{mark}] {finding.title}")
            for claim in finding.claims:
                self.say(f"      {claim.statement()}  ({claim.where})")
            self.say(f"  {finding.explanation}")


class Targets(Verb):
    name = "targets"
    help = (
        "Each target with the pace it needs from the latest value and whether the current "
        "pace reaches it."
    )
    example = "district indicators targets --json"

    def add_arguments(self, parser: CommandParser) -> None:
        json_flag(parser)

    def run(self, **options: Any) -> None:
        assessed = services.assessments()
        if options["json"]:
            self.emit_json({"targets": [a.as_dict() for a in assessed]})
            return
        for assessment in assessed:
            self.say(assessment.explanation)


class Report(Verb):
    name = "report"
    help = (
        "Write the achievement report in the briefing's six areas, with charts, every number "
        "linked to its source sentence and the consistency findings in an annex."
    )
    example = "district indicators report --format pdf --lang zh-hans --out report.pdf"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=FORMATS, required=True)
        parser.add_argument("--out", type=Path, required=True, help="the file to write")
        parser.add_argument("--lang", choices=LANGUAGES, default="zh-hans")
        parser.add_argument("--area", choices=AREA_CODES, help="one area only")

    def run(self, **options: Any) -> None:
        path = write_report(
            options["out"], fmt=options["format"], lang=options["lang"], area=options["area"]
        )
        self.say(f"{path} ({path.stat().st_size:,} bytes)")


class Live(Verb):
    name = "live"
    help = (
        "Compute the live figures from the platform's apps now and store them; list those "
        "whose app or function does not exist yet."
    )
    example = "district indicators live --json"

    def add_arguments(self, parser: CommandParser) -> None:
        json_flag(parser)

    def run(self, **options: Any) -> None:
        outcomes = services.refresh_live_figures()
        if options["json"]:
            self.emit_json({"live": [o.as_dict() for o in outcomes]})
            return
        for outcome in outcomes:
            provider = outcome.result.provider
            if outcome.stored:
                for figure in outcome.stored:
                    label = f" [{figure.breakdown}]" if figure.breakdown else ""
                    self.say(
                        f"{provider.indicator}{label}: {figure.value:,.4g} {figure.unit} "
                        f"(computed {figure.computed_at.isoformat()} by {provider.dotted})"
                    )
            else:
                self.say(f"{provider.indicator}: {outcome.status} — {outcome.result.reason}")


class List(Verb):
    name = "list"
    help = "List the current figures with their period and source sentence."
    example = "district indicators list --area economic_scale"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--area", choices=AREA_CODES)
        json_flag(parser)

    def run(self, **options: Any) -> None:
        rows = Value.objects.current().select_related("indicator", "source")
        if options["area"]:
            rows = rows.for_area(options["area"])
        items = []
        for row in rows.order_by("indicator__position", "code"):
            claim = services.engine_claim(row)
            items.append(
                {
                    "id": row.code,
                    "revision": row.revision,
                    "indicator": row.indicator.code,
                    "area": row.indicator.area,
                    "statement": claim.statement(),
                    "source": row.source.code,
                    "sentence": row.sentence,
                }
            )
        if options["json"]:
            self.emit_json({"values": items})
            return
        for item in items:
            self.say(
                f"{item['indicator']:40} {item['statement']}  [{item['id']} r{item['revision']}]"
            )


class Record(Verb):
    name = "record"
    help = "Record a figure, or the next revision of one (never an edit of a stored row)."
    example = (
        "district indicators record gdp-2024 --value 279.1 --unit billion_yuan --period-end 2024 "
        '--source changning-14th-fyp-briefing-2025-09-23 --sentence "In 2024, …"'
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="the value id; an existing id adds its next revision")
        parser.add_argument("--indicator", help="needed for a new figure")
        parser.add_argument("--value", required=True)
        parser.add_argument("--unit", required=True)
        parser.add_argument("--qualifier", default="exact")
        parser.add_argument("--period-start", default="")
        parser.add_argument("--period-end", default="")
        parser.add_argument("--price-basis", default="")
        parser.add_argument("--source", default="")
        parser.add_argument("--sentence", default="")
        parser.add_argument("--note", default="")

    def run(self, **options: Any) -> None:
        row = services.record_value(
            code=options["code"],
            indicator=options["indicator"],
            value=options["value"],
            unit=options["unit"],
            qualifier=options["qualifier"],
            period_start=options["period_start"],
            period_end=options["period_end"],
            price_basis=options["price_basis"],
            source=options["source"],
            sentence=options["sentence"],
            note=options["note"],
        )
        self.say(f"{row.code} revision {row.revision}: {row.value_text} {row.unit}")


class Projects(Verb):
    name = "projects"
    help = "List the plan's projects with status, location, milestones and indicators."
    example = "district indicators projects --json"

    def add_arguments(self, parser: CommandParser) -> None:
        json_flag(parser)

    def run(self, **options: Any) -> None:
        rows = Project.objects.prefetch_related("indicators", "milestones")
        items: list[dict[str, Any]] = [
            {
                "id": p.code,
                "name_en": p.name_en,
                "name_zh": p.name_zh,
                "status": p.status,
                "example": p.is_example,
                "cell": p.cell_code or None,
                "indicators": [i.code for i in p.indicators.all()],
                "milestones": [
                    {"title": m.title_en, "status": m.status, "reached_on": m.reached_on}
                    for m in p.milestones.all()
                ],
            }
            for p in rows
        ]
        if options["json"]:
            self.emit_json({"projects": items})
            return
        for item in items:
            done = sum(m["status"] == "reached" for m in item["milestones"])
            where = f" cell {item['cell']}" if item["cell"] else ""
            self.say(
                f"{item['id']:34} {item['status']:11} {done}/{len(item['milestones'])} "
                f"milestones{where}  {item['name_en']}"
            )


class Command(AppCommand):
    app_help = "The plan scorecard: figures with sources, checks, targets, live figures, report."
    verbs = [Import, Check, Targets, Report, Live, List, Record, Projects]
