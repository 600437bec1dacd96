"""Benchmark of the cases app through the full HTTP stack, against bare Django baselines.

    python benchmarks/cases.py [--cases N] [--requests R] [--database-url URL] [--reuse]

1. Loads the demo (geography, departments, catalogue) into PostgreSQL (default database
   ``district_cases_bench`` on 127.0.0.1) and generates N synthetic cases (default
   1,000,000, labelled synthetic) with ``district cases generate-synthetic``; ``--reuse``
   keeps them when the database already holds exactly N.
2. Serves the platform with waitress in this process, exactly as ``district serve`` does,
   with four bare views added (``benchmarks/cases_bare.py``).
3. Measures, over HTTP on keep-alive connections, interleaving ours and the baseline round
   by round so that both see the same machine:
   * Open311 ``POST requests.json`` (API key, validation, location to a grid cell, routing,
     working-time deadlines, the case and its first timeline event) against a view that
     does one INSERT of a case row;
   * Open311 ``GET requests/{id}.json`` against a view that does one SELECT;
   * the KPI page (a logged-in supervisor, last 90 days) against its SQL aggregates;
   * the hotspot page against its GROUP BY.
   Latency per request (median, p95) with one client, and throughput with ``--clients``
   concurrent clients.
4. Prints the ratios (ours ÷ baseline, median latency); the last line is one JSON object
   with ``intake_ratio``, ``read_ratio``, ``kpi_ratio`` and ``hotspot_ratio``.

``--profile`` prints where the intake path spends its time (cProfile, in-process).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/district_cases_bench"
ZHONGSHAN_PARK = (121.4245, 31.2213)


def ensure_database(url: str) -> None:
    if not url.startswith(("postgres://", "postgresql://")):
        return
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def setup(args: argparse.Namespace) -> None:
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DISTRICT_DEBUG", "true")
    os.environ.setdefault("DISTRICT_DATA_DIR", str(ROOT / "var" / "bench"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "district.settings"
    ensure_database(args.database_url)
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # no query log, as in production
    settings.ROOT_URLCONF = "cases_bare"
    settings.ALLOWED_HOSTS = ["*"]


def prepare(args: argparse.Namespace) -> dict[str, Any]:
    from io import StringIO

    from django.core.management import call_command

    from district.cases.models import Case

    started = time.perf_counter()
    call_command("demo", stdout=StringIO())
    have = Case.objects.filter(is_synthetic=True, number__startswith="SYN-").count()
    generated = False
    if not (args.reuse and args.cases <= have <= args.cases + 100):  # + the hotspot burst
        print(f"generating {args.cases:,} synthetic cases …", flush=True)
        call_command(
            "cases",
            "generate-synthetic",
            "--cases",
            str(args.cases),
            "--seed",
            "0",
            stdout=StringIO(),
        )
        generated = True
    Case.objects.filter(number__startswith="BARE-").delete()
    Case.objects.filter(is_synthetic=False, submitted_by="Open311: benchmark").delete()
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE cases_case")
    total = Case.objects.count()
    print(f"database ready: {total:,} cases ({time.perf_counter() - started:.0f} s)", flush=True)
    return {"cases_in_table": total, "generated": generated}


def serve() -> tuple[str, int, Any]:
    from django.core.wsgi import get_wsgi_application
    from waitress.server import create_server

    import cases_bare
    from district.cases.models import Category

    cases_bare.CATEGORY["pk"] = Category.objects.get(code="SJ0101").pk
    server = create_server(get_wsgi_application(), host="127.0.0.1", port=0, threads=8)
    port = server.effective_port
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    return "127.0.0.1", int(port), server


class Http:
    """One keep-alive HTTP/1.1 connection."""

    opened: list[Http] = []

    def __init__(self, host: str, port: int, cookie: str = "") -> None:
        self.conn = http.client.HTTPConnection(host, port, timeout=120)
        self.cookie = cookie
        Http.opened.append(self)

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        headers = {"Host": "127.0.0.1"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
        if self.cookie:
            headers["Cookie"] = self.cookie
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        return response.status, response.read()


def timed(http_: Http, method: str, path: str, body: bytes | None, expect: int) -> float:
    started = time.perf_counter()
    status, content = http_.request(method, path, body)
    elapsed = time.perf_counter() - started
    if status != expect:
        raise RuntimeError(f"{method} {path} answered {status}: {content[:300]!r}")
    return elapsed


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "median_ms": round(statistics.median(ordered) * 1000, 3),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 3),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000, 3),
    }


def compare(
    name: str,
    ours: list[tuple[str, str, Any, int]],
    bare: list[tuple[str, str, Any, int]],
    host: str,
    port: int,
    *,
    rounds: int,
    cookie: str = "",
) -> dict[str, Any]:
    """Alternate ours and the baseline in ``rounds`` blocks on one connection each."""
    a, b = Http(host, port, cookie), Http(host, port, cookie)
    mine: list[float] = []
    base: list[float] = []
    per_round = max(1, len(ours) // rounds)
    for r in range(rounds):
        for method, path, body, expect in ours[r * per_round : (r + 1) * per_round]:
            mine.append(timed(a, method, path, body, expect))
        for method, path, body, expect in bare[r * per_round : (r + 1) * per_round]:
            base.append(timed(b, method, path, body, expect))
    result = {"ours": summary(mine), "bare": summary(base)}
    result["ratio"] = round(result["ours"]["median_ms"] / result["bare"]["median_ms"], 3)
    print(
        f"{name:18} ours median {result['ours']['median_ms']:8.2f} ms (p95 "
        f"{result['ours']['p95_ms']:.2f})  bare median {result['bare']['median_ms']:8.2f} ms "
        f"(p95 {result['bare']['p95_ms']:.2f})  ratio {result['ratio']:.2f}",
        flush=True,
    )
    return result


def throughput(
    requests_: list[tuple[str, str, Any, int]], host: str, port: int, clients: int, cookie: str = ""
) -> float:
    """Requests per second with ``clients`` concurrent keep-alive connections."""
    chunks = [requests_[i::clients] for i in range(clients)]
    errors: list[BaseException] = []

    def work(chunk: list[tuple[str, str, Any, int]]) -> None:
        connection = Http(host, port, cookie)
        try:
            for method, path, body, expect in chunk:
                timed(connection, method, path, body, expect)
        except BaseException as error:  # reported after the run
            errors.append(error)

    threads = [threading.Thread(target=work, args=(c,)) for c in chunks]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return round(len(requests_) / (time.perf_counter() - started), 1)


def post_bodies(n: int, key: str, tag: str) -> list[bytes]:
    import random

    rng = random.Random(7)
    bodies = []
    for i in range(n):
        fields = {
            "api_key": key,
            "service_code": "SJ0101",
            "lat": f"{ZHONGSHAN_PARK[1] + rng.uniform(-0.004, 0.004):.6f}",
            "long": f"{ZHONGSHAN_PARK[0] + rng.uniform(-0.006, 0.006):.6f}",
            "description": f"基准测试 {tag} {i}：路边有暴露垃圾，请尽快清理。",
            "phone": "13800000000",
        }
        bodies.append(urllib.parse.urlencode(fields).encode())
    return bodies


def supervisor_cookie() -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from district.accounts.models import User

    user = User.objects.get(username="supervisor")
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def profile_intake(key: str, n: int) -> None:
    import cProfile
    import pstats

    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    bodies = post_bodies(n + 5, key, "profile")
    for body in bodies[:5]:
        client.post(
            "/open311/v2/requests.json", body, content_type="application/x-www-form-urlencoded"
        )
    profiler = cProfile.Profile()
    profiler.enable()
    for body in bodies[5:]:
        client.post(
            "/open311/v2/requests.json", body, content_type="application/x-www-form-urlencoded"
        )
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=400, help="requests per endpoint")
    parser.add_argument("--page-requests", type=int, default=12, help="KPI/hotspot page loads")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument(
        "--database-url", default=os.environ.get("DISTRICT_BENCH_DATABASE_URL", DEFAULT_DB)
    )
    parser.add_argument("--reuse", action="store_true", help="keep N synthetic cases if present")
    parser.add_argument("--profile", action="store_true", help="cProfile the intake path")
    args = parser.parse_args()
    setup(args)
    facts = prepare(args)

    from district.accounts.services import create_api_key
    from district.cases.models import Case

    _key, raw_key = create_api_key(name="benchmark")
    if args.profile:
        profile_intake(raw_key, 200)
    host, port, server = serve()
    n = args.requests
    results: dict[str, Any] = {}

    # Warm both paths (classifier-free intake, catalogue and calendar caches, connections).
    warm = post_bodies(20, raw_key, "warm")
    connection = Http(host, port)
    for body in warm:
        connection.request("POST", "/open311/v2/requests.json", body)
        connection.request("POST", "/bench/insert", body)

    ours_posts = [
        ("POST", "/open311/v2/requests.json", b, 201) for b in post_bodies(n, raw_key, "ours")
    ]
    bare_posts = [("POST", "/bench/insert", b, 201) for b in post_bodies(n, raw_key, "bare")]
    results["intake"] = compare(
        "POST requests", ours_posts, bare_posts, host, port, rounds=args.rounds
    )

    import random

    rng = random.Random(11)
    synthetic = max(1, Case.objects.filter(number__startswith="SYN-").count())
    numbers = [f"SYN-{rng.randrange(synthetic):08d}" for _ in range(n)]
    ours_reads = [("GET", f"/open311/v2/requests/{x}.json", None, 200) for x in numbers]
    bare_reads = [("GET", f"/bench/select/{x}", None, 200) for x in numbers]
    results["read"] = compare(
        "GET requests/{id}", ours_reads, bare_reads, host, port, rounds=args.rounds
    )

    throughput_n = max(n // 2, 50)
    results["throughput_rps"] = {
        "clients": args.clients,
        "post_ours": throughput(
            [
                ("POST", "/open311/v2/requests.json", b, 201)
                for b in post_bodies(throughput_n, raw_key, "tp-ours")
            ],
            host,
            port,
            args.clients,
        ),
        "post_bare": throughput(
            [
                ("POST", "/bench/insert", b, 201)
                for b in post_bodies(throughput_n, raw_key, "tp-bare")
            ],
            host,
            port,
            args.clients,
        ),
        "get_ours": throughput(ours_reads[:throughput_n], host, port, args.clients),
        "get_bare": throughput(bare_reads[:throughput_n], host, port, args.clients),
    }
    tp = results["throughput_rps"]
    print(
        f"throughput ({args.clients} clients): POST ours {tp['post_ours']}/s bare "
        f"{tp['post_bare']}/s; GET ours {tp['get_ours']}/s bare {tp['get_bare']}/s",
        flush=True,
    )

    cookie = supervisor_cookie()
    pages = args.page_requests
    connection = Http(host, port, cookie)
    connection.request("GET", "/cases/kpis/")  # warm
    connection.request("GET", "/cases/hotspots/")
    results["kpi"] = compare(
        "KPI page",
        [("GET", "/cases/kpis/", None, 200)] * pages,
        [("GET", "/bench/kpi-sql", None, 200)] * pages,
        host,
        port,
        rounds=min(args.rounds, pages),
        cookie=cookie,
    )
    results["hotspot"] = compare(
        "hotspot page",
        [("GET", "/cases/hotspots/", None, 200)] * pages,
        [("GET", "/bench/hotspot-sql", None, 200)] * pages,
        host,
        port,
        rounds=min(args.rounds, pages),
        cookie=cookie,
    )
    for opened in Http.opened:
        opened.conn.close()
    time.sleep(0.5)
    server.close()

    from django.db import connection as db

    Case.objects.filter(number__startswith="BARE-").delete()
    print(
        json.dumps(
            {
                "benchmark": "cases",
                "database": db.vendor,
                "synthetic_cases": args.cases,
                **facts,
                "requests_per_endpoint": n,
                "page_loads": pages,
                "results": results,
                "intake_ratio": results["intake"]["ratio"],
                "read_ratio": results["read"]["ratio"],
                "kpi_ratio": results["kpi"]["ratio"],
                "hotspot_ratio": results["hotspot"]["ratio"],
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
