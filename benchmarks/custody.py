"""Benchmark of custody transfers through the service layer, against a bare INSERT loop.

    python benchmarks/custody.py [--transfers N] [--rounds R] [--slice S] [--deposits D]
        [--closure C] [--database-url URL] [--keep] [--profile]

1. Creates its own PostgreSQL database (default ``custody_bench`` on 127.0.0.1; dropped
   and re-created at the start, dropped at the end unless ``--keep``), migrates it and signs
   enough class packs (60 sessions each) through the services for N check-ins.
2. Measures, one transaction per transfer on both sides, in rounds; within a round ours and
   the baselines take turns in slices of ``--slice`` transfers (default 50), so that all
   three see the same machine even when its speed drifts (it does, on a shared 2-core VM):
   * **ours**: ``services.record_check_in`` by the consumer — the per-transfer path with all
     its checks: idempotency lookup, contract row lock, permission, the session number and
     its cumulative-floor release, account row locks in id order, balance limits, the
     transfer row, both accounts' cached totals, the check-in row, and the hash-chained
     journal entry appended under the journal head's lock;
   * **bare** (``transfer_ratio``): the same transfer rows (key, ledger, kind, debit and
     credit account, amount, code, contract, merchant, time) INSERTed into the ledger's own
     transfer table, with its indexes and deferred foreign keys, each in its own
     transaction, through the same Django connection: what storing the row alone costs;
   * **plain** (``ratio_to_plain_table``): the same rows INSERTed into a plain table with
     only a primary key and the unique key, the lower floor.
   Also the deposit path (``sign_contract``: rule check, contract, deposit transfer, two
   journal entries) against the same bare insert, and the closure of a merchant with
   ``--closure`` contracts (default 300) per contract, for information.
3. Prints per-transfer cost (median of the rounds): wall time, transfers per second, and the
   CPU time of this process and of its PostgreSQL backend (read from ``/proc`` when the
   server runs on this machine), which the machine's other load disturbs far less than wall
   time. A ratio is the median over the rounds of each round's ours ÷ baseline (the two
   measured side by side); every round's ratio is printed too. The last line is one JSON
   object with ``transfer_ratio`` (ours ÷ bare per transfer; target ≤ 3),
   ``ratio_to_plain_table``, ``cpu_ratio`` and ``deposit_ratio``; the bare rows are deleted
   again before the ledger's own checks run.

``--profile`` runs one extra round of check-ins under pyinstrument (cProfile when it is not
installed) and prints where the time goes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/custody_bench"
SESSIONS = 60
BARE_TABLE = "custody_bench_bare_transfer"


def _admin(url: str, sql: str) -> None:
    import psycopg

    base, _, _name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def database_name(url: str) -> str:
    name = url.rpartition("/")[2]
    if not name.startswith("custody_bench"):
        raise SystemExit(
            f"refusing to use {name!r}: the benchmark database must start custody_bench"
        )
    return name


def setup(args: argparse.Namespace) -> None:
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("the benchmark runs on PostgreSQL: give --database-url postgres://…")
    name = database_name(args.database_url)
    _admin(args.database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin(args.database_url, f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DISTRICT_DEBUG", "true")
    os.environ.setdefault("DISTRICT_DATA_DIR", str(ROOT / "var" / "bench-custody"))
    Path(os.environ["DISTRICT_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "district.settings"
    os.environ.pop("DISTRICT_CUSTODY_CRASHPOINTS", None)
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # no query log, as in production
    from io import StringIO

    from django.core.management import call_command

    call_command("migrate", verbosity=0, stdout=StringIO())
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {BARE_TABLE} ("
            "id bigserial PRIMARY KEY, key varchar(120) NOT NULL UNIQUE, "
            "debit_account_id bigint NOT NULL, credit_account_id bigint NOT NULL, "
            "amount_fen bigint NOT NULL CHECK (amount_fen > 0), code varchar(30) NOT NULL, "
            "created_at timestamptz NOT NULL)"
        )


def prepare(transfers: int, rounds: int) -> dict[str, Any]:
    """A merchant, consumers and enough class packs for every check-in of every round."""
    from district.accounts.roles import sync_roles
    from district.accounts.services import ensure_user
    from district.custody import services

    sync_roles()
    admin = ensure_user(username="bench-admin", roles=["administrator"], is_superuser=True)
    merchant = _gym("基准健身 (benchmark)", 1, admin)
    needed = transfers * (rounds + 2) // SESSIONS + 2
    contracts = []
    for n in range(needed):
        user = ensure_user(username=f"bench-consumer-{n}", roles=["resident"])
        contracts.append(
            services.sign_contract(
                key=f"bench-setup-{n}",
                merchant=merchant,
                consumer=services.consumer_for(user),
                product_type="class_pack",
                price_fen=1_000_003 + n,
                sessions=SESSIONS,
                starts_on=date.today(),
                by=user,
            )
        )
    return {"admin": admin, "merchant": merchant, "contracts": contracts}


def _gym(name: str, number: int, admin: Any) -> Any:
    """A fitness merchant registered through the services (demo-flagged)."""
    from district.custody import services

    return services.register_merchant(
        name=name,
        licence=_licence(number),
        sector="fitness",
        address="长宁区 (benchmark)",
        registered_on=date(2020, 1, 1),
        is_demo=True,
        by=admin,
    )


def _licence(number: int) -> str:
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    org = f"{number:08d}"
    check = 11 - sum(int(c) * w for c, w in zip(org, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    body = "91310105" + org + {10: "X", 11: "0"}.get(check, str(check))
    total = sum(chars.index(c) * w for c, w in zip(body, weights, strict=True))
    return body + chars[(31 - total % 31) % 31]


class CheckIns:
    """Hands out (contract, consumer user) pairs, 60 check-ins per contract."""

    def __init__(self, contracts: list[Any]) -> None:
        self.contracts = contracts
        self.used = 0

    def next(self) -> tuple[Any, Any]:
        contract = self.contracts[self.used // SESSIONS]
        self.used += 1
        return contract, contract.consumer.user


class Clock:
    """Wall time, this process's CPU time and the PostgreSQL backend's CPU time."""

    def __init__(self) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self.stat = Path(f"/proc/{cursor.fetchone()[0]}/stat")
        self.tick = os.sysconf("SC_CLK_TCK")

    def server(self) -> float | None:
        try:
            fields = self.stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the server runs elsewhere
            return None
        return (int(fields[11]) + int(fields[12])) / self.tick

    def read(self) -> tuple[float, float, float | None]:
        return time.perf_counter(), time.process_time(), self.server()

    @staticmethod
    def since(start: tuple[float, float, float | None], end: tuple[float, float, float | None]):
        server = None if start[2] is None or end[2] is None else end[2] - start[2]
        return {"wall": end[0] - start[0], "client_cpu": end[1] - start[1], "server_cpu": server}


def ours_check_ins(clock: Clock, pool: CheckIns, n: int, tag: str) -> dict[str, Any]:
    from district.custody import services

    pairs = [pool.next() for _ in range(n)]
    start = clock.read()
    for i, (contract, user) in enumerate(pairs):
        services.record_check_in(key=f"bench-{tag}-{i}", contract=contract, by=user)
    return clock.since(start, clock.read())


def ours_deposits(clock: Clock, world: dict[str, Any], n: int, tag: str) -> dict[str, Any]:
    from district.accounts.services import ensure_user
    from district.custody import services

    users = [ensure_user(username=f"bench-buyer-{tag}-{i}", roles=["resident"]) for i in range(n)]
    consumers = [services.consumer_for(u) for u in users]
    start = clock.read()
    for i, (user, consumer) in enumerate(zip(users, consumers, strict=True)):
        services.sign_contract(
            key=f"bench-dep-{tag}-{i}",
            merchant=world["merchant"],
            consumer=consumer,
            product_type="class_pack",
            price_fen=99_999 + i,
            sessions=10,
            starts_on=date.today(),
            by=user,
        )
    return clock.since(start, clock.read())


def bare_rows(world: dict[str, Any]) -> list[Any]:
    """The ids a release transfer row carries: the first contract's account, its merchant's
    receivable, the contract and the merchant (real rows, so the foreign keys hold)."""
    from district.custody.models import Account

    contract = world["contracts"][0]
    held = Account.objects.get(code=f"contract:{contract.pk}:held")
    receivable = Account.objects.get(code=f"merchant:{contract.merchant_id}:receivable")
    return [held.pk, receivable.pk, contract.pk, contract.merchant_id]


def bare_inserts(
    clock: Clock, world: dict[str, Any], n: int, tag: str, *, plain: bool = False
) -> dict[str, Any]:
    """``n`` INSERTs of a transfer row, one transaction each: into the ledger's transfer
    table, or with ``plain`` into the plain table."""
    from django.db import connection, transaction
    from django.utils import timezone

    if plain:
        sql = (
            f"INSERT INTO {BARE_TABLE} (key, debit_account_id, credit_account_id, "
            "amount_fen, code, created_at) VALUES (%s, %s, %s, %s, %s, %s)"
        )
    else:
        sql = (
            "INSERT INTO custody_transfer (key, ledger, kind, debit_account_id, "
            "credit_account_id, amount_fen, code, reference, batch, contract_id, merchant_id, "
            "created_at) VALUES (%s, 156, 'posted', %s, %s, %s, 'release', '', '', %s, %s, %s)"
        )
    debit, credit, contract, merchant = world["bare_ids"]
    start = clock.read()
    for i in range(n):
        key = f"bare-{tag}-{i}:release"
        params = (
            [key, debit, credit, 16_667, "release", timezone.now()]
            if plain
            else [key, debit, credit, 16_667, contract, merchant, timezone.now()]
        )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    return clock.since(start, clock.read())


def _add(total: dict[str, Any], part: dict[str, Any]) -> None:
    for name, value in part.items():
        if value is None or total.get(name, 0) is None:
            total[name] = None
        else:
            total[name] = total.get(name, 0) + value


def check_in_round(
    clock: Clock, pool: CheckIns, world: dict[str, Any], n: int, tag: str, slice_: int
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """One round of ``n`` transfers each of ours, bare and plain, taking turns in slices."""
    ours: dict[str, Any] = {}
    bare: dict[str, Any] = {}
    plain: dict[str, Any] = {}
    for start in range(0, n, slice_):
        size = min(slice_, n - start)
        _add(ours, ours_check_ins(clock, pool, size, f"{tag}s{start}"))
        _add(bare, bare_inserts(clock, world, size, f"{tag}s{start}"))
        _add(plain, bare_inserts(clock, world, size, f"{tag}s{start}", plain=True))
    return ours, bare, plain


def remove_bare_rows() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM custody_transfer WHERE key LIKE 'bare-%%'")


def _per(rounds: list[dict[str, Any]], what: str, n: int) -> float | None:
    values = [r[what] for r in rounds if r[what] is not None]
    return statistics.median(values) / n * 1000 if values else None


def summarize(
    name: str, ours: list[dict[str, Any]], bare: list[dict[str, Any]], n: int, *, label: str
) -> dict[str, Any]:
    ours_ms, bare_ms = _per(ours, "wall", n), _per(bare, "wall", n)
    assert ours_ms is not None and bare_ms is not None
    # Each round's ratio compares measurements taken side by side; their median is the
    # figure (a ratio of the two medians would pair rounds the machine ran at other speeds).
    ratios = [o["wall"] / b["wall"] for o, b in zip(ours, bare, strict=True)]
    cpu = {}
    for side, rounds in (("ours", ours), ("bare", bare)):
        client, server = _per(rounds, "client_cpu", n), _per(rounds, "server_cpu", n)
        cpu[side] = None if client is None or server is None else client + server
        cpu[f"{side}_client_ms"] = None if client is None else round(client, 3)
        cpu[f"{side}_server_ms"] = None if server is None else round(server, 3)
    cpu_ratios = [
        (o["client_cpu"] + o["server_cpu"]) / (b["client_cpu"] + b["server_cpu"])
        for o, b in zip(ours, bare, strict=True)
        if o["server_cpu"] and b["server_cpu"]  # None: no /proc; 0: under one clock tick
    ]
    cpu_ratio = round(statistics.median(cpu_ratios), 2) if cpu_ratios else None
    result = {
        "ours_ms_per_transfer": round(ours_ms, 3),
        "bare_ms_per_transfer": round(bare_ms, 3),
        "ours_per_second": round(1000 / ours_ms, 1),
        "bare_per_second": round(1000 / bare_ms, 1),
        "ratio": round(statistics.median(ratios), 2),
        "round_ratios": [round(r, 2) for r in ratios],
        "cpu_ms": {k: v for k, v in cpu.items() if k.endswith("_ms")},
        "cpu_ratio": cpu_ratio,
    }
    cpu_text = (
        f"   cpu {cpu['ours']:.3f} vs {cpu['bare']:.3f} ms (ratio {cpu_ratio:.2f})"
        if cpu_ratio
        else ""
    )
    print(
        f"{name:10} ours {ours_ms:7.3f} ms/transfer ({result['ours_per_second']:7.1f}/s)   "
        f"{label} {bare_ms:7.3f} ms ({result['bare_per_second']:7.1f}/s)   "
        f"ratio {result['ratio']:.2f} (rounds: "
        f"{', '.join(f'{r:.2f}' for r in result['round_ratios'])}){cpu_text}",
        flush=True,
    )
    return result


def closure(clock: Clock, world: dict[str, Any], n: int, bare_ms: float) -> dict[str, Any]:
    """A merchant with ``n`` contracts (every other one with a session awaiting the
    consumer, every third with one confirmed) closed by ``services.close_merchant``: each
    contract's awaiting session voided, its claim, refund and transfers, and a journal entry
    per refund. Compared per contract with the bare insert of one transfer row."""
    from district.accounts.services import ensure_user
    from district.custody import services
    from district.custody.models import Merchant

    admin = world["admin"]
    merchant = _gym("基准闭店健身 (benchmark)", 2, admin)
    staff = ensure_user(username="bench-closing-staff", roles=["merchant"])
    services.add_merchant_staff(merchant=merchant, user=staff, by=admin)
    for i in range(n):
        buyer = ensure_user(username=f"bench-closing-{i}", roles=["resident"])
        contract = services.sign_contract(
            key=f"bench-closing-{i}",
            merchant=merchant,
            consumer=services.consumer_for(buyer),
            product_type="class_pack",
            price_fen=99_999 + i,
            sessions=10,
            starts_on=date.today(),
            by=buyer,
        )
        if i % 3 == 0:
            services.record_check_in(key=f"bench-closing-c{i}", contract=contract, by=buyer)
        if i % 2 == 0:
            services.record_check_in(key=f"bench-closing-a{i}", contract=contract, by=staff)
    start = clock.read()
    services.close_merchant(
        key="bench-closure",
        merchant=Merchant.objects.get(pk=merchant.pk),
        by=admin,
        reason="benchmark",
    )
    spent = clock.since(start, clock.read())
    per_contract = spent["wall"] * 1000 / n
    result = {
        "contracts": n,
        "seconds": round(spent["wall"], 2),
        "ms_per_contract": round(per_contract, 3),
        "ratio_to_bare_transfer": round(per_contract / bare_ms, 2),
    }
    print(
        f"closure    {n} contracts in {spent['wall']:.2f} s: {per_contract:.3f} ms per contract, "
        f"{result['ratio_to_bare_transfer']:.2f}x one bare transfer insert",
        flush=True,
    )
    return result


def statements(world: dict[str, Any], pool: CheckIns) -> dict[str, int]:
    """SQL statements (BEGIN and COMMIT included) of one check-in and one deposit: the
    figure the machine's load does not change."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from district.accounts.services import ensure_user
    from district.custody import services

    contract, user = pool.next()
    with CaptureQueriesContext(connection) as check_in:
        services.record_check_in(key="bench-count", contract=contract, by=user)
    buyer = ensure_user(username="bench-count-buyer", roles=["resident"])
    consumer = services.consumer_for(buyer)
    with CaptureQueriesContext(connection) as deposit:
        services.sign_contract(
            key="bench-count-deposit",
            merchant=world["merchant"],
            consumer=consumer,
            product_type="class_pack",
            price_fen=99_999,
            sessions=10,
            starts_on=date.today(),
            by=buyer,
        )
    counts = {"check_in": len(check_in), "deposit": len(deposit)}
    print(f"statements per check-in {counts['check_in']}, per deposit {counts['deposit']}")
    return counts


def profile(world: dict[str, Any], pool: CheckIns, n: int) -> None:
    """Where the check-in path spends its time: pyinstrument if installed, else cProfile."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        ours_check_ins(Clock(), pool, n, "profile")
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(r"district|django/db", 45)
        return
    sampler = Profiler(interval=0.0005)
    sampler.start()
    ours_check_ins(Clock(), pool, n, "profile")
    sampler.stop()
    print(sampler.output_text(unicode=True, color=False, show_all=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--transfers", type=int, default=1000, help="transfers per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--slice", type=int, default=50, help="transfers per turn in a round (ours, bare, plain)"
    )
    parser.add_argument("--deposits", type=int, default=300, help="deposits per round")
    parser.add_argument(
        "--database-url", default=os.environ.get("DISTRICT_BENCH_DATABASE_URL", DEFAULT_DB)
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--profile", action="store_true", help="pyinstrument the check-in path")
    parser.add_argument(
        "--closure", type=int, default=300, help="contracts of the merchant closed (0: skip)"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    setup(args)
    try:
        world = prepare(args.transfers, args.rounds)
        pool = CheckIns(world["contracts"])
        print(
            f"database ready: {len(world['contracts'])} contracts "
            f"({time.perf_counter() - started:.0f} s)",
            flush=True,
        )
        # Warm-up: connections, caches, the journal signing key.
        clock = Clock()
        world["bare_ids"] = bare_rows(world)
        ours_check_ins(clock, pool, 50, "warm")
        bare_inserts(clock, world, 50, "warm")
        bare_inserts(clock, world, 50, "warm", plain=True)
        ours, bare, plain, ours_dep, bare_dep = [], [], [], [], []
        for r in range(args.rounds):
            mine, base, floor_ = check_in_round(
                clock, pool, world, args.transfers, f"r{r}", args.slice
            )
            ours.append(mine)
            bare.append(base)
            plain.append(floor_)
            ours_dep.append(ours_deposits(clock, world, args.deposits, f"r{r}"))
            bare_dep.append(bare_inserts(clock, world, args.deposits, f"d{r}"))
        remove_bare_rows()
        release = summarize("check-in", ours, bare, args.transfers, label="bare")
        floor = summarize("check-in", ours, plain, args.transfers, label="plain")
        deposit = summarize("deposit", ours_dep, bare_dep, args.deposits, label="bare")
        counted = statements(world, pool)
        closed = (
            closure(clock, world, args.closure, release["bare_ms_per_transfer"])
            if args.closure
            else None
        )
        if args.profile:
            profile(world, pool, min(args.transfers, 300))
        from district.custody import services

        problems = services.account_balances_check() + services.verify_journal_chain()
        if problems:
            print("LEDGER PROBLEMS:", problems[:5])
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            _admin(
                args.database_url,
                f'DROP DATABASE IF EXISTS "{database_name(args.database_url)}" WITH (FORCE)',
            )
    print(
        json.dumps(
            {
                "transfer_ratio": release["ratio"],
                "ratio_to_plain_table": floor["ratio"],
                "cpu_ratio": release["cpu_ratio"],
                "deposit_ratio": deposit["ratio"],
                "check_in": release,
                "check_in_vs_plain_table": floor,
                "deposit": deposit,
                "statements": counted,
                "closure": closed,
                "transfers_per_round": args.transfers,
                "rounds": args.rounds,
                "ledger_problems": len(problems),
                "seconds": round(time.perf_counter() - started, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
