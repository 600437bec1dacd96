"""Benchmark of duplicate suggestions at intake (``services.suggest_duplicates_for``).

Loads the demo, replaces the synthetic cases with ``--cases`` new ones over the last
``--weeks`` weeks (so that each category has hundreds of open cases in its time window,
more than the candidate caps), then times one call per report, as the report form asks
while the resident types, for four kinds of report:

* ``pinned_synthetic``: a point and the wording of a synthetic case ("合成数据 synthetic case
  …"), which every synthetic case of the category shares, so every candidate is very
  similar: the worst case, with the near and the text queries both full;
* ``address_synthetic``: the same wording with no point (the text query only);
* ``pinned_real`` and ``address_real``: a demo resident's wording, which matches none.

Each kind is timed cold (the cache of the candidates' bigrams emptied before every call, as
for the first report after a restart) and warm (the same reports again: at intake the
open cases compared are mostly the same from one report to the next).

Usage: python benchmarks/cases_duplicates.py [--database-url URL] [--cases 100000]
[--weeks 2] [--queries 100] [--reuse]
The last line printed is one JSON object with every figure (milliseconds per call).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from cases import ensure_database  # noqa: E402

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/district_cases_bench"
REAL_TEXTS = (
    "中山公园北门外的绿化带里有一堆装修垃圾和生活垃圾，已经放了两三天",
    "江苏路地铁站旁边人行道井盖没有了，有人差点踩空。",
    "娄山关路地铁站2号口共享单车堆满人行道和盲道",
    "威宁路一家烧烤店每天营业到凌晨两点，排风机噪声很大",
)


def setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DISTRICT_DEBUG", "true")
    os.environ.setdefault("DISTRICT_DATA_DIR", str(ROOT / "var" / "bench"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "district.settings"
    ensure_database(database_url)
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # no query log, as in production


def prepare(args: argparse.Namespace) -> dict[str, Any]:
    from io import StringIO

    from django.core.management import call_command
    from django.db import connection

    from district.cases.models import Case
    from district.cases.services.synthetic import generate_synthetic_cases

    call_command("demo", stdout=StringIO())
    have = Case.objects.filter(is_synthetic=True, number__startswith="SYN-").count()
    if not (args.reuse and args.cases <= have <= args.cases + 100):  # + the hotspot burst
        print(f"generating {args.cases:,} synthetic cases over {args.weeks} weeks …", flush=True)
        generate_synthetic_cases(count=args.cases, seed=0, weeks=args.weeks)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE cases_case")
    return {"cases_in_table": Case.objects.count()}


def run(args: argparse.Namespace) -> dict[str, Any]:
    from django.db.models import Count
    from django.utils import timezone

    from district.cases import duplicates as dup
    from district.cases import services
    from district.cases.models import OPEN_STATUSES, Case
    from district.cases.services.catalogue import catalogue

    now = timezone.now()
    by_code = catalogue().by_code
    open_cases = list(
        Case.objects.filter(is_synthetic=True, status__in=OPEN_STATUSES, received_at__lte=now)
        .order_by("-received_at")
        .values_list("category__code", "lon", "lat")[:2000]
    )
    per_category = sorted(
        Case.objects.filter(status__in=OPEN_STATUSES)
        .values("category__code")
        .annotate(n=Count("pk"))
        .values_list("n", flat=True)
    )
    rng = random.Random(0)
    picks = [rng.choice(open_cases) for _ in range(args.queries)]
    kinds = {
        "pinned_synthetic": lambda c, i: (
            c[1],
            c[2],
            f"合成数据 synthetic case {i}: " + by_code[c[0]].name,
        ),
        "address_synthetic": lambda c, i: (
            None,
            None,
            f"合成数据 synthetic case {i}: " + by_code[c[0]].name,
        ),
        "pinned_real": lambda c, i: (c[1], c[2], REAL_TEXTS[i % len(REAL_TEXTS)]),
        "address_real": lambda c, i: (None, None, REAL_TEXTS[i % len(REAL_TEXTS)]),
    }
    results: dict[str, Any] = {}
    services.suggest_duplicates_for(
        category_code=picks[0][0], lon=None, lat=None, text=REAL_TEXTS[0]
    )  # warm the catalogue and the connection
    for kind, make in kinds.items():
        for cache in ("cold", "warm"):
            timings = []
            found = []
            for i, case in enumerate(picks):
                lon, lat, text = make(case, i)
                if cache == "cold":
                    dup._grams_and_norm.cache_clear()
                started = time.perf_counter()
                matches = services.suggest_duplicates_for(
                    category_code=case[0], lon=lon, lat=lat, text=text, at=now
                )
                timings.append((time.perf_counter() - started) * 1000.0)
                found.append(len(matches))
            timings.sort()
            results[f"{kind}_{cache}"] = figures = {
                "median_ms": round(statistics.median(timings), 2),
                "p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 2),
                "max_ms": round(timings[-1], 2),
                "mean_suggestions": round(statistics.mean(found), 2),
            }
            print(f"{kind:18} {cache}  {figures}", flush=True)
    results["open_cases_per_category_median"] = per_category[len(per_category) // 2]
    results["open_cases_per_category_max"] = per_category[-1]
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--weeks", type=int, default=2)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--reuse", action="store_true", help="keep the synthetic cases if present")
    args = parser.parse_args()
    setup(args.database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    figures = {"database": args.database_url.split(":")[0], **prepare(args)}
    figures.update(run(args))
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
