"""Benchmark of the plan scorecard: the engine, the database path, the page and the report.

Measurements (median wall time of several runs after a warm-up, each printed as it runs):

1. **Engine on the real briefing** (47 figures): reading and validating the data folder,
   the consistency checks, the target assessments.
2. **SYNTHETIC: a city of districts.** The briefing's figures scaled by a random factor per
   district (fixed seed) for 16 districts, as Shanghai has, the checks run on each: what a
   city-wide scorecard costs. Labelled SYNTHETIC wherever it is printed.
3. **Database path** (on ``DATABASE_URL``; the demo should be loaded, ``district demo``):
   loading the folder again (idempotent: nothing written), rebuilding the engine data from
   the rows with the findings, the scorecard structure in each language, the scorecard
   page through Django's test client, and the report in each format and language.

The last line printed is one JSON object with every figure in seconds.

Usage::

    DISTRICT_DEBUG=true DATABASE_URL=sqlite:///$PWD/var/demo.sqlite3 \\
        PYTHONPATH=src python benchmarks/indicators.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "data" / "indicators"


def timed(function: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """Median wall time of ``runs`` calls (after one warm-up call), and the last result."""
    result = function()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def say(name: str, seconds: float, extra: str = "") -> None:
    print(f"{name:44} {seconds * 1000:9.1f} ms  {extra}", flush=True)


def engine(runs: int) -> dict[str, float]:
    from district.indicators.checks import check_data
    from district.indicators.loader import load_indicator_data
    from district.indicators.targets import assess_targets

    out: dict[str, float] = {}
    out["engine_load_s"], data = timed(lambda: load_indicator_data(DATA), runs)
    say(
        "engine: read and validate data/indicators",
        out["engine_load_s"],
        f"{len(data.claims)} figures",
    )
    out["engine_checks_s"], found = timed(lambda: check_data(data), runs)
    bad = sum(not f.consistent for f in found)
    say(
        "engine: consistency checks",
        out["engine_checks_s"],
        f"{len(found)} checks, {bad} inconsistent",
    )
    out["engine_targets_s"], _ = timed(lambda: assess_targets(data), runs)
    say("engine: target assessments", out["engine_targets_s"])

    # SYNTHETIC: 16 districts, each the briefing's figures scaled by its own factor.
    rng = random.Random(20250923)
    districts = []
    for _ in range(16):
        factor = rng.uniform(0.3, 2.5)
        claims = []
        for claim in data.current_claims():
            indicator = data.indicators[claim.indicator]
            scalable = indicator.measure.value in (
                "level",
                "cumulative",
                "increase",
                "avg_increase",
            )
            if scalable and indicator.unit.dimension.value in ("money", "area", "count"):
                value = float(claim.quantity().value) * factor
                claim = replace(claim, value_text=f"{value:.4g}".replace("e+", "e"))
                if "e" in claim.value_text:
                    claim = replace(claim, value_text=f"{value:.0f}")
            claims.append(claim)
        districts.append(claims)
    from district.indicators.checks import check_claims

    out["synthetic_city_checks_s"], results = timed(
        lambda: [check_claims(data.indicators, claims) for claims in districts], runs
    )
    total = sum(len(r) for r in results)
    say(
        "SYNTHETIC: checks for 16 districts",
        out["synthetic_city_checks_s"],
        f"{total} checks over {sum(len(c) for c in districts)} figures (synthetic)",
    )
    return out


def database(runs: int) -> dict[str, float]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "district.settings")
    import django

    django.setup()
    from django.test import Client
    from django.test.utils import setup_test_environment

    from district.indicators import services
    from district.indicators.models import Indicator
    from district.indicators.report import render_report
    from district.indicators.scorecard import build_scorecard

    out: dict[str, float] = {}
    if not Indicator.objects.exists():
        services.load_data(directory=DATA)
        services.refresh_live_figures()
    out["db_reload_s"], report = timed(lambda: services.load_data(directory=DATA), runs)
    say(
        "db: load the folder again (idempotent)",
        out["db_reload_s"],
        f"added {report.created or 'nothing'}",
    )
    out["db_findings_s"], found = timed(lambda: services.findings(services.indicator_data()), runs)
    say("db: engine data from the rows + findings", out["db_findings_s"], f"{len(found)} checks")
    out["db_live_refresh_s"], _ = timed(services.refresh_live_figures, runs)
    say("db: refresh the live figures", out["db_live_refresh_s"])
    for lang in ("zh-hans", "en"):
        key = f"scorecard_{lang.replace('-', '_')}_s"
        out[key], _ = timed(lambda lang=lang: build_scorecard(lang=lang), runs)
        say(f"scorecard structure ({lang})", out[key])
    setup_test_environment()
    client = Client()
    out["page_s"], response = timed(lambda: client.get("/indicators/"), runs)
    say("GET /indicators/ (test client)", out["page_s"], f"{len(response.content):,} bytes")
    for fmt in ("pdf", "html", "md"):
        for lang in ("zh-hans", "en"):
            key = f"report_{fmt}_{lang.replace('-', '_')}_s"
            out[key], rendered = timed(
                lambda fmt=fmt, lang=lang: render_report(fmt=fmt, lang=lang), runs
            )
            say(f"report {fmt} ({lang})", out[key], f"{len(rendered.content):,} bytes")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    figures = engine(args.runs)
    figures |= database(args.runs)
    print(json.dumps({k: round(v, 5) for k, v in figures.items()}))


if __name__ == "__main__":
    main()
