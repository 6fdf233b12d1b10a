"""Raw SQL for the hot paths, written once per shape from the models' metadata: the one home
of every statement Tandem writes around peewee.

Building SQL through peewee's query objects costs more per message than running it; these
few statements (load rows by one column, update one row by id, claim a batch of inbound
messages, cancel an object's pending jobs, insert many rows at once) keep their SQL text
per shape and only convert the values, with the same field conversions peewee uses.

What it buys, measured on the inbound workers of ``bench/bench_inbound.py --n 10000``: claiming a
40-message batch took 1.0-1.7 ms through peewee and 0.34 ms here; applying a calendar reply took
about 4 ms through peewee's query building, most of it saved here. Asking whether a replier
is a participant of the programme (``tracking.engagement.is_participant``, once per reply
applied): 403 µs as a peewee ``exists()``, 20 µs through ``first_where``.
On a peewee upgrade, re-check: ``Field.db_value`` conversions, ``Database.param``, and that
each statement still matches what the model's query would write.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TypeVar

from peewee import Model

from models import InboundMessage, Job, db

M = TypeVar("M", bound=Model)

_SQL: dict[tuple, str] = {}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _param() -> str:
    return db.obj.param


def rows_where(
    model: type[M], columns: Sequence[str], field: str, values: Iterable, limit: int | None = None
) -> list[M]:
    """Return instances of ``model`` whose ``field`` is one of ``values``, with ``columns`` only."""
    values = list(values)
    if not values:
        return []
    meta = model._meta
    key = ("select", model, tuple(columns), field, len(values), limit, type(db.obj))
    sql = _SQL.get(key)
    if sql is None:
        names = ", ".join(_quote(meta.fields[c].column_name) for c in columns)
        marks = ", ".join([_param()] * len(values))
        sql = (
            f"SELECT {names} FROM {_quote(meta.table_name)} "
            f"WHERE {_quote(meta.fields[field].column_name)} IN ({marks})"
        )
        sql += f" LIMIT {int(limit)}" if limit is not None else ""
        _SQL[key] = sql
    convert = meta.fields[field].db_value
    cursor = db.execute_sql(sql, [convert(v) for v in values])
    fields = [meta.fields[c] for c in columns]
    return [_instance(model, fields, record) for record in cursor.fetchall()]


def _instance(model: type[M], fields: list, record: Sequence) -> M:
    """Return a ``model`` instance holding ``record``'s values, converted as peewee would."""
    instance = model(__no_default__=True)
    instance.__data__.update(
        {f.name: f.python_value(v) for f, v in zip(fields, record, strict=True)}
    )
    return instance


def first_where(model: type[M], columns: Sequence[str] | None = None, **equals) -> M | None:
    """Return the first ``model`` row whose fields equal ``equals`` (``columns`` only), or None."""
    meta = model._meta
    columns = tuple(columns or meta.sorted_field_names)
    names = tuple(equals)
    key = ("first", model, columns, names, type(db.obj))
    sql = _SQL.get(key)
    if sql is None:
        wanted = ", ".join(_quote(meta.fields[c].column_name) for c in columns)
        where = " AND ".join(f"{_quote(meta.fields[n].column_name)} = {_param()}" for n in names)
        sql = f"SELECT {wanted} FROM {_quote(meta.table_name)} WHERE {where} LIMIT 1"
        _SQL[key] = sql
    record = db.execute_sql(sql, [meta.fields[n].db_value(equals[n]) for n in names]).fetchone()
    return None if record is None else _instance(model, [meta.fields[c] for c in columns], record)


def row_by_id(model: type[M], row_id: int | None, columns: Sequence[str] | None = None) -> M | None:
    """Return the ``model`` row with this id (every column unless ``columns``), or None."""
    return None if row_id is None else first_where(model, columns, id=row_id)


def update_by_id(model: type[Model], row_id: int, values: dict) -> int:
    """Set ``values`` (field name -> value) on one row of ``model``; return the rows changed."""
    meta = model._meta
    names = tuple(values)
    key = ("update", model, names, type(db.obj))
    sql = _SQL.get(key)
    if sql is None:
        sets = ", ".join(f"{_quote(meta.fields[n].column_name)} = {_param()}" for n in names)
        sql = f"UPDATE {_quote(meta.table_name)} SET {sets} WHERE {_quote('id')} = {_param()}"
        _SQL[key] = sql
    params = [meta.fields[n].db_value(values[n]) for n in names] + [row_id]
    return db.execute_sql(sql, params).rowcount


def insert_row(
    model: type[Model], values: dict, *, or_ignore: bool = False, returning: bool = True
) -> int | None:
    """Insert one row of ``model`` (its defaults filled in as peewee would); return its id.

    With ``or_ignore``, a row that would break a unique constraint is skipped (None returned).
    With ``returning=False`` (a table with no ``id`` column), it returns None.
    """
    meta = model._meta
    data = {**meta.get_default_dict(), **values}
    names = tuple(data)
    key = ("insert", model, names, or_ignore, returning, type(db.obj))
    sql = _SQL.get(key)
    if sql is None:
        columns = ", ".join(_quote(meta.fields[n].column_name) for n in names)
        marks = ", ".join([_param()] * len(names))
        sql = f"INSERT INTO {_quote(meta.table_name)} ({columns}) VALUES ({marks})"
        sql += " ON CONFLICT DO NOTHING" if or_ignore else ""
        sql += ' RETURNING "id"' if returning else ""
        _SQL[key] = sql
    cursor = db.execute_sql(sql, [meta.fields[n].db_value(data[n]) for n in names])
    found = cursor.fetchone() if returning else None
    return found[0] if found else None


@lru_cache(maxsize=256)
def claim_sql(count: int, mark: str) -> str:
    """The claim of ``count`` messages by one holder: the ones received, or whose lease ran out.

    Written once per batch size; peewee would build the same statement for every batch, at
    twice the cost of running it.
    """
    ids = ", ".join([mark] * count)
    table = InboundMessage._meta.table_name
    return (
        f'UPDATE "{table}" SET "status" = {mark}, "lease_until" = {mark}, "claimed_by" = {mark},'
        f' "attempts" = "attempts" + 1 WHERE "id" IN ({ids}) AND ("status" = {mark}'
        f' OR ("status" = {mark} AND "lease_until" < {mark})) RETURNING "id"'
    )


@lru_cache(maxsize=8)
def cancel_sql(sqlite: bool, keep: bool, mark: str) -> str:
    """The cancelling of an object's pending jobs: keys in a range (SQLite) or LIKE a prefix,
    maybe sparing keys that end with a suffix. Item reminders are rescheduled on most changes a
    reply makes, so this is written once per database and shape."""
    match = f'"key" >= {mark} AND "key" < {mark}' if sqlite else f"\"key\" LIKE {mark} ESCAPE '\\'"
    sql = (
        f'UPDATE "{Job._meta.table_name}" SET "status" = {mark} WHERE "status" = {mark} AND {match}'
    )
    return sql + (f" AND \"key\" NOT LIKE {mark} ESCAPE '\\'" if keep else "")


#: Rows per INSERT statement (the widest tables written, about 20 columns, stay far below
#: SQLite's 32,766 parameters).
INSERT_BATCH = 500


def _defaults(model, row: dict) -> dict:
    """Return ``row`` with the model's defaults for the fields it leaves out (not the id)."""
    filled = dict(row)
    for field in model._meta.sorted_fields:
        if field.name not in filled and field is not model._meta.primary_key:
            default = field.default
            filled[field.name] = default() if callable(default) else default
    return filled


@lru_cache(maxsize=64)
def _insert_statement(table: str, columns: tuple[str, ...], rows: int, param: str) -> str:
    names = ", ".join(f'"{column}"' for column in columns)
    group = "(" + ", ".join([param] * len(columns)) + ")"
    return f'INSERT INTO "{table}" ({names}) VALUES ' + ", ".join([group] * rows)


def _prepared(model, rows: list[dict]) -> tuple[list[dict], list, tuple[str, ...]]:
    """Return the rows with their defaults, their fields, and those fields' columns."""
    filled = [_defaults(model, row) for row in rows]
    fields = [model._meta.fields[name] for name in filled[0]]
    return filled, fields, tuple(field.column_name for field in fields)


def _insert_batches(model, filled: list[dict], fields: list, clause: str = "") -> None:
    """Run one INSERT (followed by ``clause``) per ``INSERT_BATCH`` of the prepared rows."""
    columns = tuple(field.column_name for field in fields)
    for start in range(0, len(filled), INSERT_BATCH):
        batch = filled[start : start + INSERT_BATCH]
        sql = _insert_statement(model._meta.table_name, columns, len(batch), db.param) + clause
        db.execute_sql(sql, [field.db_value(row[field.name]) for row in batch for field in fields])


def insert_rows(model, rows: list[dict]) -> None:
    """Insert ``rows`` (field name -> value) into ``model``'s table, in batches.

    peewee's ``insert_many`` builds a syntax tree for every value: importing 20,000 people
    took 3.5 s through it and 1.4 s here (``bench/bench_people_import.py``).
    """
    if rows:
        filled, fields, _ = _prepared(model, rows)
        _insert_batches(model, filled, fields)


@lru_cache(maxsize=16)
def _add_clause(table: str, keys: tuple[str, ...], counts: tuple[str, ...]) -> str:
    target = ", ".join(f'"{key}"' for key in keys)
    sets = ", ".join(f'"{c}" = "{table}"."{c}" + EXCLUDED."{c}"' for c in counts)
    return f" ON CONFLICT ({target}) DO UPDATE SET {sets}"


def add_counts(model, keys: Sequence[str], rows: list[dict]) -> None:
    """Insert ``rows`` (field name -> value) into ``model``'s table, in batches; where a row
    with the same ``keys`` exists (a unique index), add the new row's other columns, all
    counts, to it instead.

    The weekly tables take one such upsert per event recorded, ~20 count columns each:
    peewee built each in about 1 ms, so noting a participant's reply
    (``tracking.engagement.note``: the checks, the event, three upserts and the check of
    who became active) took 3.2 ms on SQLite; with the upserts written here, 1.1 ms.
    """
    if not rows:
        return
    meta = model._meta
    filled, fields, columns = _prepared(model, rows)
    key_columns = tuple(meta.fields[key].column_name for key in keys)
    counts = tuple(column for column in columns if column not in key_columns)
    _insert_batches(model, filled, fields, _add_clause(meta.table_name, key_columns, counts))
