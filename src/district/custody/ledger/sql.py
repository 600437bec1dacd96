"""Plain SQL for the ledger's hot path: rows read into model instances, row locks, and
several writes sent as one statement.

A check-in is the platform's most frequent write. Through the ORM it cost about ten times
the database's own work (query compilation and model machinery, measured in
``benchmarks/custody.py --profile``), and one round-trip per write. This module keeps the
same tables, constraints and model instances, with three tools:

- :func:`read_models` turns a plain ``SELECT`` row into model instances, with the same
  value conversions the ORM applies (SQLite's text dates, booleans);
- :func:`lock_clause` is ``FOR NO KEY UPDATE OF …`` on PostgreSQL and nothing on SQLite,
  where the write transaction already holds the database's write lock from ``BEGIN``;
- :func:`write_together` runs a list of INSERTs and UPDATEs. On PostgreSQL they go as
  **one** statement, a ``WITH`` of data-modifying parts; a part may use the id another part
  inserted (``{name}`` in its SQL). Elsewhere the parts run one after the other with the
  same result. Constraints (UNIQUE keys, CHECKs on the balances) apply as for any write,
  and a failure of any part fails the whole statement.
- :func:`cursor` gives, on PostgreSQL, a cursor whose statements are **prepared** once per
  connection (server-side parameters): the hot path's statements are the same text every
  time, and planning them cost more than running them. Django leaves prepared statements
  off for the sake of transaction-mode connection poolers (PgBouncer before 1.21); set
  ``DISTRICT_DB_PREPARED=false`` behind such a pooler.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, models

M = TypeVar("M", bound=models.Model)
Converter = Callable[[Any, Any, Any], Any]


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


@functools.lru_cache(maxsize=256)
def _numbered(query: str) -> str:
    """``%s`` placeholders as PostgreSQL's ``$1, $2, …`` (our hot-path SQL has no other
    ``%``). psycopg would re-parse a statement of more than 50 parameters on every call."""
    pieces = query.split("%s")
    return "".join(
        piece + (f"${number}" if number < len(pieces) else "")
        for number, piece in enumerate(pieces, start=1)
    )


@functools.cache
def _preparing_class() -> type:
    import psycopg

    class PreparingCursor(psycopg.RawCursor):
        """Native placeholders, server-side parameters, every statement prepared once per
        connection (psycopg keeps the cache)."""

        def execute(self, query: Any, params: Any = None, **options: Any) -> Any:
            options.setdefault("prepare", True)
            options.setdefault("binary", True)
            return super().execute(_numbered(query), params, **options)

    return PreparingCursor


def cursor() -> Any:
    """A cursor for the hot path: prepared statements on PostgreSQL (see the module
    docstring), Django's own cursor elsewhere. Django's execute wrappers and query count
    see its statements; with ``DEBUG`` the query log records their text as ``None`` on
    PostgreSQL (psycopg keeps no query text on its prepared path)."""
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql" or not getattr(settings, "DATABASE_PREPARED_STATEMENTS", True):
        return db.cursor()
    db.ensure_connection()
    psycopg_connection = db.connection
    if psycopg_connection.prepare_threshold is None:
        # Django sets None (never prepare). Only explicit ``prepare=True`` prepares now:
        # Django's own cursors bind on the client side and never prepare.
        psycopg_connection.prepare_threshold = 2**31 - 1
    raw = _preparing_class()(psycopg_connection)
    return db.make_debug_cursor(raw) if db.queries_logged else db.make_cursor(raw)


def fetchone_creating(
    cursor: Any, query: str, params: Sequence[Any] | None, create: Callable[[], Any]
) -> Sequence[Any]:
    """The one row ``query`` reads; when it reads none because a row it needs does not exist
    yet (a fresh database: the journal head, the custody bank), ``create()`` makes that row
    and the query runs once more."""
    for _attempt in (1, 2):
        cursor.execute(query, params)
        row = cursor.fetchone()
        if row is not None:
            return row  # type: ignore[no-any-return]
        create()
    raise RuntimeError(f"no row even after creating what the query needs: {query[:80]}")


def lock_clause(*aliases: str) -> str:
    """``FOR NO KEY UPDATE OF <aliases>`` on PostgreSQL, empty elsewhere (SQLite locks the
    whole database for writing at ``BEGIN IMMEDIATE``)."""
    if not is_postgresql():
        return ""
    return " FOR NO KEY UPDATE OF " + ", ".join(aliases) if aliases else " FOR NO KEY UPDATE"


def next_id(model: type[models.Model]) -> str:
    """An SQL expression that takes the next id of ``model``'s table, for a row whose id is
    needed before it is written (a contract's number is part of its hash). PostgreSQL:
    ``nextval`` of the column's sequence. SQLite: one above both the highest id and
    ``sqlite_sequence`` (Django's tables are ``AUTOINCREMENT``, so ids are never reused);
    safe there because the write transaction holds the database's write lock from
    ``BEGIN``."""
    name = model._meta.db_table
    assert name.replace("_", "").isalnum()  # written into the SQL text
    if is_postgresql():
        return f"nextval(pg_get_serial_sequence('{name}', 'id'))"
    return (
        f"(SELECT max(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = '{name}'), 0), "
        f"COALESCE((SELECT max(id) FROM {table(model)}), 0)) + 1)"
    )


def table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def columns(model: type[models.Model], alias: str) -> str:
    """The model's concrete columns, in field order, prefixed by ``alias``."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(f.column)}" for f in model._meta.concrete_fields)


@functools.cache
def _converters(vendor: str, model: type[models.Model]) -> tuple[tuple[Converter, ...], ...]:
    """Per concrete field, the converters the ORM applies to a value read from ``vendor``."""
    del vendor  # part of the cache key: the converters depend on the backend
    result = []
    for field_ in model._meta.concrete_fields:
        column = field_.get_col(model._meta.db_table)
        result.append(
            tuple(connection.ops.get_db_converters(column) + column.get_db_converters(connection))
        )
    return tuple(result)


def read_model(model: type[M], values: Sequence[Any], db: Any = None) -> M:
    """A model instance from the values of :func:`columns`, converted as the ORM would."""
    db = db or connections[DEFAULT_DB_ALIAS]
    converted = []
    for value, converters in zip(values, _converters(db.vendor, model), strict=True):
        for convert in converters:
            value = convert(value, None, db)
        converted.append(value)
    return model.from_db(db.alias, _attnames(model), converted)


@functools.cache
def _attnames(model: type[models.Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


def read_models(row: Sequence[Any], *models_: type[models.Model]) -> list[models.Model]:
    """Split one row of ``columns(A, …), columns(B, …), …`` into instances of A, B, …; any
    values after the models' columns are left to the caller."""
    db = connections[DEFAULT_DB_ALIAS]
    instances = []
    start = 0
    for model in models_:
        width = len(model._meta.concrete_fields)
        instances.append(read_model(model, row[start : start + width], db))
        start += width
    return instances


@dataclass
class Part:
    """One write of :func:`write_together`: ``sql`` is an INSERT or UPDATE without
    ``RETURNING``; ``{other}`` in it stands for the id the part named ``other`` wrote."""

    name: str
    sql: str
    params: list[Any] = field(default_factory=list)
    instance: models.Model | None = None


_PLAIN_TYPES: dict[str, type] = {
    "CharField": str,
    "TextField": str,
    "BooleanField": bool,
    "BinaryField": bytes,
    "IntegerField": int,
    "BigIntegerField": int,
    "SmallIntegerField": int,
    "PositiveIntegerField": int,
    "PositiveBigIntegerField": int,
    "PositiveSmallIntegerField": int,
    "AutoField": int,
    "BigAutoField": int,
}


def _plain_type(field_: models.Field[Any, Any]) -> type | None:
    """The Python type whose values (and None) the field passes to the database unchanged
    on both backends; a foreign key takes its target's. None: always prepare."""
    target = field_.target_field if isinstance(field_, models.ForeignKey) else field_
    return _PLAIN_TYPES.get(target.get_internal_type())


def _fills_itself(field_: models.Field[Any, Any]) -> bool:
    """Whether the field sets its own value on save (``auto_now``, ``auto_now_add``)."""
    return bool(getattr(field_, "auto_now", False) or getattr(field_, "auto_now_add", False))


@functools.cache
def _insert_plan(
    vendor: str, model: type[models.Model], refs: tuple[tuple[str, str], ...], with_pk: bool
) -> tuple[str, tuple[tuple[models.Field[Any, Any], str, type | None], ...]]:
    """The INSERT text of ``model`` (cached) and the fields whose values it takes, each
    with its attname and plain type (:func:`_plain_type`; None also for a field that sets
    its own value, such as ``auto_now_add``); the primary key only ``with_pk``."""
    del vendor  # part of the cache key: quoting depends on the backend
    by_attname = dict(refs)
    quote = connection.ops.quote_name
    names, values, fields = [], [], []
    for field_ in model._meta.concrete_fields:
        if field_.primary_key and not with_pk:
            continue
        names.append(quote(field_.column))
        if field_.attname in by_attname:
            values.append("{" + by_attname[field_.attname] + "}")
        else:
            values.append("%s")
            plain = None if _fills_itself(field_) else _plain_type(field_)
            fields.append((field_, field_.attname, plain))
    sql = f"INSERT INTO {table(model)} ({', '.join(names)}) VALUES ({', '.join(values)})"
    return sql, tuple(fields)


def insert(name: str, instance: models.Model, *, refs: Mapping[str, str] | None = None) -> Part:
    """The INSERT of an unsaved ``instance``: its primary key if it has one (taken with
    :func:`next_id`), else the one the database gives; ``refs`` maps a foreign-key attname
    to the part whose new id it takes. Values of the field's plain type go as they are;
    anything else (dates, enums…) is prepared by the field, as the ORM would."""
    db = connections[DEFAULT_DB_ALIAS]
    refs_key = tuple(sorted((refs or {}).items()))
    sql, fields = _insert_plan(db.vendor, type(instance), refs_key, instance.pk is not None)
    params = []
    for field_, attname, plain in fields:
        if plain is None and _fills_itself(field_):
            value = field_.pre_save(instance, True)  # as the ORM's save() does
        else:
            value = getattr(instance, attname)
        if value is None or (plain is not None and type(value) is plain):
            params.append(value)
        else:
            params.append(field_.get_db_prep_save(value, db))
    return Part(name, sql, params, instance)


def update(name: str, model: type[models.Model], pk: Any, values: Mapping[str, Any]) -> Part:
    """``UPDATE`` of the row ``pk``: ``values`` by field name, prepared as the ORM would."""
    db = connections[DEFAULT_DB_ALIAS]
    quote = db.ops.quote_name
    assignments, params = [], []
    for field_name, value in values.items():
        field_ = model._meta.get_field(field_name)
        assert isinstance(field_, models.Field)
        assignments.append(f"{quote(field_.column)} = %s")
        params.append(field_.get_db_prep_save(value, db))
    params.append(pk)
    sql = f"UPDATE {table(model)} SET {', '.join(assignments)} WHERE id = %s"
    return Part(name, sql, params)


@functools.lru_cache(maxsize=64)
def _together_sql(shapes: tuple[tuple[str, str], ...]) -> str:
    """The one PostgreSQL statement of :func:`write_together` for parts of these names and
    SQL texts (cached: the hot path sends the same few shapes again and again)."""
    refs = {name: f"(SELECT id FROM {name} LIMIT 1)" for name, _sql in shapes}
    clauses = [f"{name} AS ({sql.format(**refs)} RETURNING id)" for name, sql in shapes]
    outputs = ", ".join(refs[name] for name, _sql in shapes)
    return f"WITH {', '.join(clauses)} SELECT {outputs}"


def write_together(parts: Iterable[Part], *, using: Any = None) -> dict[str, int]:
    """Run ``parts`` (one statement on PostgreSQL) and return each part's first new or
    updated id; inserted instances get their primary key and count as saved. ``using``: a
    :func:`cursor` to run them on (a new one when None)."""
    parts = list(parts)
    if not parts:
        return {}
    ids: dict[str, int] = {}
    db = connections[DEFAULT_DB_ALIAS]
    with contextlib.nullcontext(using) if using is not None else cursor() as cursor_:
        if db.vendor == "postgresql":
            cursor_.execute(
                _together_sql(tuple((part.name, part.sql) for part in parts)),
                [value for part in parts for value in part.params],
            )
            row = cursor_.fetchone()
            ids = {part.name: value for part, value in zip(parts, row, strict=True)}
        else:
            for part in parts:
                missing = [name for name, value in ids.items() if value is None]
                if any("{" + name + "}" in part.sql for name in missing):
                    raise ValueError(
                        f"write_together: part {part.name!r} refers to a part that wrote "
                        f"no row ({', '.join(missing)})"
                    )
                sql = part.sql.format(
                    **{name: str(int(value)) for name, value in ids.items() if value is not None}
                )
                cursor_.execute(f"{sql} RETURNING id", part.params)
                found = cursor_.fetchall()
                ids[part.name] = found[0][0] if found else None  # type: ignore[assignment]
    for part in parts:
        if part.instance is not None:
            part.instance.pk = ids[part.name]
            part.instance._state.adding = False
            part.instance._state.db = db.alias
    return ids
