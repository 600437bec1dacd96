"""The reliability drivers: ``python -m district.custody.tests.reliability.driver SCENARIO``.

Run by the tests in a subprocess whose ``DATABASE_URL`` names a dedicated, migrated database
(see the conftest). The parameters come as one JSON object on stdin; the report is one JSON
object on the last line of stdout. The driver sets Django up, builds a world through the
services, closes its connections and **forks** the worker processes (cheap: Django is already
imported), so eight or sixteen workers, hundreds of race pairs and hundreds of kill -9
restarts fit in a CI minute.

Scenarios:

``conservation``
    Workers (more processes than cores) run random deposits, check-ins by consumer and staff,
    confirmations, disputes, cooling-off refunds, contract disputes, settlements and one
    merchant closure that every worker fires with the same key; a fifth of the calls are
    replays of an earlier key. Afterwards: :mod:`.checks` (the services' own checks and our
    independent sums) and every acknowledged key resolves to exactly one object.
``races``
    Two processes released by a ``multiprocessing.Barrier`` into the same critical section,
    for each pair: double release of the last session, cooling-off refund against the first
    check-in, closure against a check-in, two signings past the per-consumer limit. Exactly
    one wins each time; the loser gets a ``ConflictError`` or ``InputError``. Twin signings
    with the same key both answer with the one contract.
``crash``
    A worker runs a deterministic plan of batches (deposits, check-ins, refunds) and is
    killed with SIGKILL mid-batch, by a crash point (``DISTRICT_CUSTODY_CRASHPOINTS``) or by
    the driver at a random moment; then restarted, it retries its batch from the start. After
    each crash: every acknowledged key is present exactly once. At the end every key of the
    plan is retried once more (no crash points): nothing changes, invariants hold.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import signal
import sys
import time
import traceback
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

EXPECTED = ("InputError", "ConflictError")


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "district.settings")
    import django

    django.setup()


def close_connections() -> None:
    from django.db import connections

    connections.close_all()


class Outbox:
    """Reports from forked workers, one JSON file each (written whole, then renamed): no
    queue feeder thread that an ``os._exit`` or a SIGKILL could cut off."""

    def __init__(self, name: str) -> None:
        base = Path(os.environ.get("DISTRICT_DATA_DIR", ".")) / "outbox"
        self.folder = base / f"{name}-{os.getpid()}-{time.monotonic_ns()}"
        self.folder.mkdir(parents=True)

    def put(self, number: int, report: Any) -> None:
        tmp = self.folder / f"{number}.tmp"
        tmp.write_text(json.dumps(report, default=str))
        tmp.rename(self.folder / f"{number}.json")

    def collect(self, numbers: range) -> list[Any]:
        reports = []
        for number in numbers:
            path = self.folder / f"{number}.json"
            reports.append(json.loads(path.read_text()) if path.exists() else None)
        return reports


def error_name(error: BaseException) -> str:
    from district.core.errors import ConflictError, InputError

    if isinstance(error, ConflictError):
        return "ConflictError"
    if isinstance(error, InputError):
        return "InputError"
    return type(error).__name__


def retry_counters() -> dict[str, int]:
    """The ledger's counters of retried serialization failures and lock waits, if it keeps
    them (``district.custody.ledger.retry_counts()``)."""
    try:
        from district.custody import ledger

        counts = ledger.retry_counts()
    except (ImportError, AttributeError):
        return {}
    return {str(k): int(v) for k, v in dict(counts).items()}


# --- conservation -------------------------------------------------------------------------


def _conservation_worker(
    number: int, params: dict[str, Any], world: dict[str, Any], out: Any
) -> None:
    """One worker of the conservation run; puts its report on ``out``."""
    from django.contrib.auth import get_user_model

    from district.custody import services
    from district.custody.models import CheckIn, Contract, Dispute, Merchant

    rng = random.Random(params["seed"] * 7919 + number)
    users = get_user_model().objects
    outcomes: Counter[str] = Counter()
    acked: dict[str, list[Any]] = {}
    unexpected: list[str] = []
    history: list[tuple[str, Any]] = []  # (key, call) of acknowledged keyed calls
    merchants = world["merchants"]
    closing = merchants[-1]

    def call(op: str, key: str | None, fn: Any, *, remember: bool = True) -> Any:
        try:
            result = fn()
        except Exception as error:
            name = error_name(error)
            outcomes[f"{op}:{name}"] += 1
            if name not in EXPECTED:
                unexpected.append(f"{op} {key}: {traceback.format_exc(limit=6)}")
            return None
        outcomes[f"{op}:ok"] += 1
        if key is not None:
            pk = getattr(result, "pk", None)
            previous = acked.get(key)
            if previous is not None and previous[1] != pk:
                unexpected.append(f"{op} {key}: replay returned {pk}, first {previous[1]}")
            acked[key] = [op, pk]
            if remember:
                history.append((key, (op, fn)))
        return result

    def contract() -> Any:
        return Contract.objects.select_related("consumer__user", "merchant").get(
            pk=rng.choice(world["contracts"])
        )

    def staff_of(merchant_pk: int) -> Any:
        party = next(p for p in merchants if p["merchant_pk"] == merchant_pk)
        return users.get(pk=party["staff_pk"])

    admin = users.get(pk=world["admin_pk"])
    for step in range(params["ops"]):
        roll = rng.random()
        key_base = f"w{number}-{step}"
        if step == params["ops"] // 2:
            # Every worker closes the same merchant with the same key: one closure, one effect.
            merchant = Merchant.objects.get(pk=closing["merchant_pk"])
            call(
                "close",
                f"close-{closing['merchant_pk']}",
                lambda merchant=merchant: services.close_merchant(
                    key=f"close-{closing['merchant_pk']}",
                    merchant=merchant,
                    by=admin,
                    reason="reliability run: closure under load",
                ),
            )
        elif roll < 0.15:
            user = users.get(pk=rng.choice(world["consumers"]))
            party = rng.choice(merchants)
            price_fen, sessions = (
                rng.randint(1, 200_000) + rng.choice((0, 1, 7)),
                rng.randint(1, 12),
            )

            def sign(
                user: Any = user,
                party: Any = party,
                k: str = f"{key_base}-sign",
                price_fen: int = price_fen,
                sessions: int = sessions,
            ) -> Any:
                return services.sign_contract(
                    key=k,
                    merchant=Merchant.objects.get(pk=party["merchant_pk"]),
                    consumer=services.consumer_for(user),
                    product_type="class_pack",
                    price_fen=price_fen,
                    sessions=sessions,
                    starts_on=services_today(),
                    by=user,
                )

            created = call("sign", f"{key_base}-sign", sign)
            if created is not None:
                world["contracts"].append(created.pk)
        elif roll < 0.42:
            c = contract()
            # A shared key space: two workers may check in with the same key at once.
            shared = rng.random() < 0.3
            k = f"ci-{c.pk}-{rng.randint(1, 3)}" if shared else f"{key_base}-ci"
            call(
                "checkin_consumer",
                k,
                lambda c=c, k=k: services.record_check_in(key=k, contract=c, by=c.consumer.user),
            )
        elif roll < 0.52:
            c = contract()
            k = f"{key_base}-cim"
            call(
                "checkin_staff",
                k,
                lambda c=c, k=k: services.record_check_in(
                    key=k, contract=c, by=staff_of(c.merchant_id)
                ),
            )
        elif roll < 0.60:
            awaiting = list(
                CheckIn.objects.filter(
                    status="awaiting", contract__pk__in=world["contracts"]
                ).select_related("contract__consumer__user")[:20]
            )
            if awaiting:
                ci = rng.choice(awaiting)
                if rng.random() < 0.7:
                    call(
                        "confirm",
                        None,
                        lambda ci=ci: services.confirm_check_in(
                            check_in=ci, by=ci.contract.consumer.user
                        ),
                    )
                else:
                    call(
                        "dispute_checkin",
                        None,
                        lambda ci=ci: services.dispute_check_in(
                            check_in=ci, by=ci.contract.consumer.user, reason="not there (test)"
                        ),
                    )
        elif roll < 0.68:
            c = contract()
            k = f"{key_base}-cool"
            call(
                "cooling_off",
                k,
                lambda c=c, k=k: services.request_cooling_off_refund(
                    key=k, contract=c, by=c.consumer.user
                ),
            )
        elif roll < 0.71:
            c = contract()
            k = f"{key_base}-dispute"
            call(
                "open_dispute",
                k,
                lambda c=c, k=k: services.open_dispute(
                    key=k, contract=c, by=c.consumer.user, reason="reliability run (test)"
                ),
            )
        elif roll < 0.74:
            open_disputes = list(Dispute.objects.filter(status="open")[:10])
            if open_disputes:
                d = rng.choice(open_disputes)
                outcome = rng.choice(("refund", "resume"))
                call(
                    "resolve_dispute",
                    None,
                    lambda d=d, outcome=outcome: services.resolve_dispute(
                        dispute=d, by=admin, outcome=outcome
                    ),
                )
        elif roll < 0.78:
            party = rng.choice(merchants)
            k = f"{key_base}-settle"
            # Settled "from the future" so that today's releases fall inside the period.
            later = services_now() + timedelta(days=5)
            period_end = services_today() + timedelta(days=rng.randint(1, 3))
            call(
                "settle",
                k,
                lambda party=party, k=k, later=later, period_end=period_end: (
                    services.settle_merchant(
                        key=k,
                        merchant=Merchant.objects.get(pk=party["merchant_pk"]),
                        period_end=period_end,
                        by=admin,
                        now=later,
                    )
                ),
            )
        elif roll < 0.80:
            call(
                "confirm_due",
                None,
                lambda: services.confirm_due_check_ins(now=services_now() + timedelta(days=4)),
                remember=False,
            )
        elif history:
            key, (op, fn) = rng.choice(history)
            call(f"replay_{op}", key, fn, remember=False)
    out.put(
        number,
        {
            "worker": number,
            "outcomes": dict(outcomes),
            "acked": acked,
            "unexpected": unexpected,
            "retries": retry_counters(),
        },
    )


def services_now() -> Any:
    from django.utils import timezone

    return timezone.now()


def services_today() -> Any:
    from django.utils import timezone

    return timezone.localdate()


def _worker_entry(target: Any, number: int, *args: Any) -> None:
    """Forked child: fresh connections, run, and never fall back into the parent's code."""
    code = 0
    try:
        close_connections()
        target(number, *args)
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        try:
            close_connections()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)


def conservation(params: dict[str, Any]) -> dict[str, Any]:
    from . import checks
    from .world import build_world

    workers = int(params.get("workers", 8))
    ops = int(params.get("ops", 25))
    seed = int(params.get("seed", 1))
    started = time.monotonic()
    world = build_world(
        tag=f"cons{seed}",
        merchants=3,
        consumers=max(6, workers),
        contracts_per_consumer=2,
        seed=seed,
        now=services_now(),
    )
    shared = {
        "admin_pk": world.admin_pk,
        "merchants": [vars(p) for p in world.merchants],
        "consumers": world.consumer_user_pks,
        "contracts": list(world.contract_pks),
    }
    close_connections()
    ctx = multiprocessing.get_context("fork")
    out = Outbox("conservation")
    processes = [
        ctx.Process(
            target=_worker_entry,
            args=(_conservation_worker, n, {"ops": ops, "seed": seed}, shared, out),
        )
        for n in range(workers)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    exit_codes = [process.exitcode for process in processes]
    reports = [r for r in out.collect(range(workers)) if r is not None]
    missing = workers - len(reports)

    outcomes: Counter[str] = Counter()
    unexpected: list[str] = []
    retries: Counter[str] = Counter()
    acked: dict[str, list[Any]] = {}
    for report in reports:
        outcomes.update(report["outcomes"])
        unexpected.extend(report["unexpected"])
        retries.update(report["retries"])
        for key, value in report["acked"].items():
            if key in acked and acked[key][1] != value[1]:
                unexpected.append(f"key {key} acknowledged as {acked[key]} and as {value}")
            acked[key] = value
    if missing:
        unexpected.append(f"{missing} workers sent no report (exit codes {exit_codes})")
    problems = checks.all_problems()
    problems += checks.acknowledged_problems(acked)
    checks_run = checks.CHECKS_PER_RUN + 1
    operations = sum(outcomes.values())
    return {
        "scenario": "conservation",
        "workers": workers,
        "operations": operations,
        "succeeded": sum(v for k, v in outcomes.items() if k.endswith(":ok")),
        "acknowledged_keys": len(acked),
        "outcomes": dict(sorted(outcomes.items())),
        "retries": dict(retries),
        "invariant_checks": checks_run,
        "exit_codes": exit_codes,
        "unexpected": unexpected[:20],
        "problems": problems[:50],
        "totals": checks.totals(),
        "driver_seconds": round(time.monotonic() - started, 1),
    }


# --- races --------------------------------------------------------------------------------


def _race_child(number: int, barrier: Any, action: Any, out: Any) -> None:
    barrier.wait(timeout=120)
    try:
        result = action()
    except Exception as error:
        name = error_name(error)
        detail = "" if name in EXPECTED else traceback.format_exc(limit=6)
        out.put(number, [number, name, detail])
        return
    out.put(number, [number, "ok", getattr(result, "pk", None)])


def _race(ctx: Any, actions: list[Any]) -> list[tuple[int, str, Any]]:
    close_connections()
    barrier = ctx.Barrier(len(actions))
    out = Outbox("race")
    processes = [
        ctx.Process(target=_worker_entry, args=(_race_child, n, barrier, action, out))
        for n, action in enumerate(actions)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    results = []
    for n, report in enumerate(out.collect(range(len(actions)))):
        if report is None:
            report = [n, "NoReport", f"exit code {processes[n].exitcode}"]
        results.append(tuple(report))
    return results


def races(params: dict[str, Any]) -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    from district.custody import services
    from district.custody.models import Contract, Merchant, Transfer

    from . import checks
    from .world import make_merchant, make_user

    repetitions = int(params.get("repetitions", 6))
    seed = int(params.get("seed", 1))
    rng = random.Random(seed)
    ctx = multiprocessing.get_context("fork")
    admin = make_user(f"race{seed}-admin", "administrator", "notary", "regulator", superuser=True)
    users = get_user_model().objects
    tally: dict[str, Counter[str]] = {}
    violations: list[str] = []
    started = time.monotonic()
    merchant_number = seed * 100_000

    def sign(party: Any, user: Any, key: str, sessions: int) -> Any:
        return services.sign_contract(
            key=key,
            merchant=Merchant.objects.get(pk=party.merchant_pk),
            consumer=services.consumer_for(user),
            product_type="class_pack",
            price_fen=rng.randint(sessions, 100_000) + 1,
            sessions=sessions,
            starts_on=services_today(),
            by=user,
        )

    def judge(pair: str, rep: int, results: list[tuple[int, str, Any]], ok_wanted: int) -> None:
        counter = tally.setdefault(pair, Counter())
        names = [r[1] for r in results]
        for _n, name, detail in results:
            counter[name] += 1
            if name not in ("ok", *EXPECTED):
                violations.append(f"{pair} #{rep}: unexpected {name}: {detail}")
        if ok_wanted and names.count("ok") != ok_wanted:
            violations.append(f"{pair} #{rep}: {names.count('ok')} winners ({names})")

    party = None
    for rep in range(repetitions):
        if rep % 20 == 0:
            merchant_number += 1
            party = make_merchant(f"race{seed}", merchant_number, admin)
        assert party is not None
        user = make_user(f"race{seed}-c{rep}", "resident")

        # 1. Double release of the last session: two check-ins (different keys) race for it.
        c = sign(party, user, f"race{seed}-{rep}-last", 2)
        services.record_check_in(key=f"race{seed}-{rep}-first", contract=c, by=user)
        results = _race(
            ctx,
            [
                lambda c=c, user=user, k=f"race{seed}-{rep}-last-{side}": services.record_check_in(
                    key=k, contract=Contract.objects.get(pk=c.pk), by=users.get(pk=user.pk)
                )
                for side in ("a", "b")
            ],
        )
        judge("double_release_last_session", rep, results, 1)
        position = services.contract_position(Contract.objects.get(pk=c.pk))
        if position.sessions_used != 2 or position.released_fen != c.price_fen:
            violations.append(f"double release #{rep}: {position}")

        # 2. Cooling-off refund against the first check-in.
        c = sign(party, user, f"race{seed}-{rep}-cool", 3)
        results = _race(
            ctx,
            [
                lambda c=c, user=user, rep=rep: services.request_cooling_off_refund(
                    key=f"race{seed}-{rep}-cool-refund",
                    contract=Contract.objects.get(pk=c.pk),
                    by=users.get(pk=user.pk),
                ),
                lambda c=c, user=user, rep=rep: services.record_check_in(
                    key=f"race{seed}-{rep}-cool-ci",
                    contract=Contract.objects.get(pk=c.pk),
                    by=users.get(pk=user.pk),
                ),
            ],
        )
        judge("cooling_off_refund_vs_first_check_in", rep, results, 1)
        position = services.contract_position(Contract.objects.get(pk=c.pk))
        refund_won = results[0][1] == "ok"
        want = (c.price_fen, 0, 0) if refund_won else (0, 1, position.released_fen)
        got = (position.refunded_fen, position.sessions_used, position.released_fen)
        if (
            got != want
            or position.released_fen
            + position.refunded_fen
            + (position.remaining_fen)
            + position.pending_fen
            != c.price_fen
        ):
            violations.append(f"refund vs check-in #{rep}: {position} (refund won: {refund_won})")

        # 3. Closure against a check-in: no release may land after the freeze.
        merchant_number += 1
        closing = make_merchant(f"race{seed}", merchant_number, admin)
        c = sign(closing, user, f"race{seed}-{rep}-close", 4)
        services.record_check_in(key=f"race{seed}-{rep}-close-first", contract=c, by=user)
        results = _race(
            ctx,
            [
                lambda closing=closing, rep=rep: services.close_merchant(
                    key=f"race{seed}-{rep}-closure",
                    merchant=Merchant.objects.get(pk=closing.merchant_pk),
                    by=users.get(pk=admin.pk),
                    reason="race test",
                ),
                lambda c=c, user=user, rep=rep: services.record_check_in(
                    key=f"race{seed}-{rep}-close-ci",
                    contract=Contract.objects.get(pk=c.pk),
                    by=users.get(pk=user.pk),
                ),
            ],
        )
        judge("closure_vs_check_in", rep, results, 0)
        if results[0][1] != "ok":
            violations.append(f"closure #{rep} failed: {results[0]}")
        position = services.contract_position(Contract.objects.get(pk=c.pk))
        check_in_won = results[1][1] == "ok"
        sessions = 2 if check_in_won else 1
        tally["closure_vs_check_in"]["check_in_first" if check_in_won else "freeze_first"] += 1
        released = c.price_fen * sessions // 4
        if (
            position.sessions_used != sessions
            or position.released_fen != released
            or position.refunded_fen != c.price_fen - released
            or position.pending_fen != 0
        ):
            violations.append(
                f"closure vs check-in #{rep}: {position} (check-in won: {check_in_won})"
            )

        # 4. Twin signings with the same key (a client's retry racing its first try): one
        # contract, one deposit, and both calls answer with it. The price is over half the
        # limit per consumer and merchant, so a second deposit would also be refused.
        twin_key = f"race{seed}-{rep}-twin"
        twin_price = rng.randint(1_100_000, 1_300_000)
        results = _race(
            ctx,
            [
                lambda user=user, party=party, key=twin_key, fen=twin_price: services.sign_contract(
                    key=key,
                    merchant=Merchant.objects.get(pk=party.merchant_pk),
                    consumer=services.consumer_for(users.get(pk=user.pk)),
                    product_type="class_pack",
                    price_fen=fen,
                    sessions=20,
                    starts_on=services_today(),
                    by=users.get(pk=user.pk),
                )
                for _side in ("a", "b")
            ],
        )
        judge("twin_signings_same_key", rep, results, 2)
        signed = Contract.objects.filter(key=twin_key)
        deposits = Transfer.objects.filter(key=f"{twin_key}:deposit")
        if signed.count() != 1 or deposits.count() != 1 or len({r[2] for r in results}) != 1:
            violations.append(f"twin signings #{rep}: {signed.count()} contracts, {results}")

        # 5. Two signings that together pass the limit per consumer and merchant (RMB
        # 20,000 of open prepayment): exactly one is signed, the other refused citing it.
        buyer = make_user(f"race{seed}-limit{rep}", "resident")
        results = _race(
            ctx,
            [
                lambda buyer=buyer, party=party, rep=rep, side=side: services.sign_contract(
                    key=f"race{seed}-{rep}-limit-{side}",
                    merchant=Merchant.objects.get(pk=party.merchant_pk),
                    consumer=services.consumer_for(users.get(pk=buyer.pk)),
                    product_type="class_pack",
                    price_fen=1_200_000,
                    sessions=20,
                    starts_on=services_today(),
                    by=users.get(pk=buyer.pk),
                )
                for side in ("a", "b")
            ],
        )
        judge("signings_past_the_consumer_limit", rep, results, 1)
        signed = Contract.objects.filter(key__startswith=f"race{seed}-{rep}-limit-")
        if signed.count() != 1:
            violations.append(f"consumer limit #{rep}: {signed.count()} signed, {results}")

    problems = checks.all_problems()
    return {
        "scenario": "races",
        "repetitions": repetitions,
        "pairs": {k: dict(v) for k, v in tally.items()},
        "races_run": repetitions * 5,
        "invariant_checks": checks.CHECKS_PER_RUN,
        "violations": violations[:20],
        "problems": problems[:50],
        "driver_seconds": round(time.monotonic() - started, 1),
    }


# --- crash ----------------------------------------------------------------------------------


def crash_plan(seed: int, batches: int, batch_size: int) -> list[list[dict[str, Any]]]:
    """A deterministic plan: batches of deposits, consumer check-ins and refund requests.

    A check-in or refund names its contract by the signing key, which comes earlier in the
    plan; outcomes are therefore a function of the plan alone."""
    rng = random.Random(seed)
    plan: list[list[dict[str, Any]]] = []
    signed: list[tuple[str, int]] = []
    n = 0
    for b in range(batches):
        batch: list[dict[str, Any]] = []
        for _ in range(batch_size):
            n += 1
            roll = rng.random()
            if roll < 0.35 or not signed:
                sessions = rng.randint(1, 8)
                key = f"k{seed}-{n}-sign"
                batch.append(
                    {
                        "op": "sign",
                        "key": key,
                        "consumer": rng.randrange(12),
                        "price_fen": rng.randint(sessions, 90_000) + rng.choice((0, 1, 3)),
                        "sessions": sessions,
                    }
                )
                signed.append((key, sessions))
            elif roll < 0.9:
                batch.append(
                    {"op": "checkin", "key": f"k{seed}-{n}-ci", "contract": rng.choice(signed)[0]}
                )
            else:
                batch.append(
                    {"op": "refund", "key": f"k{seed}-{n}-ref", "contract": rng.choice(signed)[0]}
                )
        plan.append(batch)
        del b
    return plan


def _apply(item: dict[str, Any], world: dict[str, Any]) -> Any:
    from django.contrib.auth import get_user_model

    from district.core.errors import InputError
    from district.custody import services
    from district.custody.models import Contract, Merchant

    users = get_user_model().objects
    if item["op"] == "sign":
        user = users.get(pk=world["consumers"][item["consumer"]])
        return services.sign_contract(
            key=item["key"],
            merchant=Merchant.objects.get(pk=world["merchant_pk"]),
            consumer=services.consumer_for(user),
            product_type="class_pack",
            price_fen=item["price_fen"],
            sessions=item["sessions"],
            starts_on=services_today(),
            by=user,
        )
    contract = (
        Contract.objects.select_related("consumer__user").filter(key=item["contract"]).first()
    )
    if contract is None:  # its signing was refused (the per-consumer limit): so is this
        raise InputError(f"no contract {item['contract']}", field="contract")
    if item["op"] == "checkin":
        return services.record_check_in(
            key=item["key"], contract=contract, by=contract.consumer.user
        )
    return services.request_cooling_off_refund(
        key=item["key"], contract=contract, by=contract.consumer.user
    )


def _crash_worker(
    number: int, batch: list[dict[str, Any]], world: dict[str, Any], ack_path: str, crashpoints: str
) -> None:
    if crashpoints:
        os.environ["DISTRICT_CUSTODY_CRASHPOINTS"] = crashpoints
        _reset_crashpoints()
    fd = os.open(ack_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        for item in batch:
            try:
                result = _apply(item, world)
                line = f"{item['key']}\tok\t{getattr(result, 'pk', '')}\n"
            except Exception as error:
                name = error_name(error)
                if name not in EXPECTED:
                    raise
                line = f"{item['key']}\t{name}\t\n"
            os.write(fd, line.encode())  # the acknowledgement: after the service returned
    finally:
        os.close(fd)
    del number


def _reset_crashpoints() -> None:
    """Let the ledger re-read ``DISTRICT_CUSTODY_CRASHPOINTS`` in a forked worker, if it
    caches it (``district.custody.ledger.reset_crashpoints()``)."""
    try:
        from district.custody import ledger

        reset = getattr(ledger, "reset_crashpoints", None)
        if reset is not None:
            reset()
    except ImportError:
        pass


def read_acks(path: Path) -> dict[str, tuple[str, str]]:
    """Acknowledged keys → (outcome, pk); a torn last line (killed mid-write) is not an ack."""
    acks: dict[str, tuple[str, str]] = {}
    if not path.exists():
        return acks
    for line in path.read_text().split("\n")[:-1]:
        parts = line.split("\t")
        if len(parts) == 3:
            acks[parts[0]] = (parts[1], parts[2])
    return acks


def _line_count(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def crash(params: dict[str, Any]) -> dict[str, Any]:
    from . import checks
    from .world import make_merchant, make_user

    crashes_wanted = int(params.get("crashes", 20))
    seed = int(params.get("seed", 1))
    batch_size = int(params.get("batch_size", 6))
    folder = Path(os.environ.get("DISTRICT_DATA_DIR", ".")) / f"crash-{seed}"
    folder.mkdir(parents=True, exist_ok=True)
    ack_path = folder / "acks.tsv"
    ack_path.unlink(missing_ok=True)
    started = time.monotonic()
    rng = random.Random(seed)
    admin = make_user(f"crash{seed}-admin", "administrator", "notary", "regulator", superuser=True)
    party = make_merchant(f"crash{seed}", seed * 1000 + 1, admin)
    world = {
        "merchant_pk": party.merchant_pk,
        "consumers": [make_user(f"crash{seed}-c{i}", "resident").pk for i in range(12)],
    }
    # Enough batches for the crashes wanted: roughly one crash per batch, with slack.
    plan = crash_plan(seed, crashes_wanted * 3 + 10, batch_size)
    ctx = multiprocessing.get_context("fork")
    crashes = crashpoint_crashes = parent_kills = batches_done = restarts = mid_batch = 0
    durability_checks = invariant_checks = 0
    problems: list[str] = []
    batch_seconds = 0.05
    index = 0
    while crashes < crashes_wanted and index < len(plan):
        batch = plan[index]
        # The first batch runs undisturbed, to learn how long a batch takes.
        use_crashpoint = index > 0 and rng.random() < 0.5
        kill = index > 0 and not use_crashpoint
        crashpoints = f"random:0.03:{rng.randrange(10**9)}" if use_crashpoint else ""
        close_connections()
        process = ctx.Process(
            target=_worker_entry,
            args=(_crash_worker, index, batch, world, str(ack_path), crashpoints),
        )
        began = time.monotonic()
        lines_before = _line_count(ack_path)
        process.start()
        if kill:
            time.sleep(rng.uniform(0, batch_seconds * 1.2))
            if process.is_alive():
                os.kill(process.pid, signal.SIGKILL)  # type: ignore[arg-type]
        process.join()
        if process.exitcode == -signal.SIGKILL:
            crashes += 1
            if use_crashpoint:
                crashpoint_crashes += 1
            else:
                parent_kills += 1
            restarts += 1
            if 0 < _line_count(ack_path) - lines_before < len(batch):
                mid_batch += 1  # killed with part of the batch acknowledged
            # Durability after the crash, before the retry: every ack is there exactly once.
            problems += checks.acked_crash_problems(read_acks(ack_path))
            durability_checks += 1
            continue  # the restarted worker retries the same batch from its start
        if process.exitcode != 0:
            problems.append(f"batch {index}: worker exited {process.exitcode}")
            break
        took = time.monotonic() - began
        batch_seconds = took if index == 0 else max(batch_seconds * 0.8 + took * 0.2, 0.01)
        batches_done += 1
        index += 1
        if batches_done % 10 == 0:
            problems += checks.all_problems()
            invariant_checks += checks.CHECKS_PER_RUN
    if index < len(plan) and crashes:
        # The restart after the last crash: it finishes the interrupted batch.
        close_connections()
        process = ctx.Process(
            target=_worker_entry, args=(_crash_worker, index, plan[index], world, str(ack_path), "")
        )
        process.start()
        process.join()
        if process.exitcode != 0:
            problems.append(f"the last restart exited {process.exitcode}")
        index += 1
    # Convergence: retry every key of the plan so far, with no crash points.
    acks = read_acks(ack_path)
    before = checks.effect_counts()
    close_connections()
    retry_path = folder / "retry.tsv"
    retry_path.unlink(missing_ok=True)
    done_items = [item for batch in plan[:index] for item in batch]
    process = ctx.Process(
        target=_worker_entry, args=(_crash_worker, -1, done_items, world, str(retry_path), "")
    )
    process.start()
    process.join()
    if process.exitcode != 0:
        problems.append(f"the retry of every key exited {process.exitcode}")
    retried = read_acks(retry_path)
    after = checks.effect_counts()
    if before != after:
        problems.append(f"retrying every key changed the effects: {before} → {after}")
    for key, (outcome, pk) in acks.items():
        again = retried.get(key)
        if outcome == "ok" and (again is None or again != (outcome, pk)):
            problems.append(f"key {key}: acknowledged {outcome} {pk}, on retry {again}")
    problems += checks.acked_crash_problems(retried)
    problems += checks.all_problems()
    invariant_checks += checks.CHECKS_PER_RUN
    return {
        "scenario": "crash",
        "crashes": crashes,
        "crashpoint_crashes": crashpoint_crashes,
        "parent_kills": parent_kills,
        "restarts": restarts,
        "mid_batch_crashes": mid_batch,
        "batches_completed": batches_done,
        "operations_planned": len(done_items),
        "acknowledged": len(acks),
        "durability_checks": durability_checks,
        "invariant_checks": invariant_checks,
        "effects": after,
        "problems": problems[:50],
        "driver_seconds": round(time.monotonic() - started, 1),
    }


SCENARIOS = {"conservation": conservation, "races": races, "crash": crash}


def main() -> None:
    scenario = sys.argv[1]
    params = json.loads(sys.stdin.read() or "{}")
    setup_django()
    report = SCENARIOS[scenario](params)
    close_connections()
    print(json.dumps(report, default=str))


if __name__ == "__main__":
    main()
