"""A queryset's SQL compiled once a process, read again with other values.

Building a queryset with its subqueries and compiling it to SQL costs milliseconds a
query on the busiest pages (the student file: ~9 ms of 14 queries; the referrals boards,
whose few live rows cost less to read than their querysets cost to build). A query whose
shape is the same on every request, only its values differing, can be compiled once
from the very queryset the page would run, with stand-in values where the request's
go, and then run with the request's values put in their places. The rows become model
instances exactly as Django's ModelIterable makes them (select_related objects,
annotations), so whatever reads them reads what the queryset would have given.

A stand-in must be a value the queryset would not hold otherwise (an id no row has, a
text nobody types): compiling fails loudly if one is missing from the parameters, and
the values of a stand-in are matched by type as well as value (True is not 1).

Two ways in: CompiledQuery, which the caller keeps (the student file keeps one per shape
of its filters), and compiled_list(), which keeps the compiled queries itself, per thread,
for the values a queryset is built from (the day, a page's bounds), and runs a queryset's
prefetches on what it reads, as QuerySet does. The querysets stay the reference: each
compiled read is compiled from one, and tests hold the two to each other.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from typing import Any

import psycopg
from django.conf import settings
from django.db import connections
from django.db.models import QuerySet, prefetch_related_objects
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators


def fetch_prepared(alias: str, sql: str, params) -> list[tuple]:
    """The rows of SQL compiled once, run as a prepared statement: PostgreSQL parses and
    plans it once per connection, not on every request (the student file's SQL took 24 ms
    a request planned each time, 16 ms prepared). Django's own cursors bind values into
    the text and never prepare; this one binds them on the server, through Django's
    cursor wrapper (query logging and counting as for any query). The connection's
    prepare_threshold (0, from DATABASE_PREPARED_STATEMENTS; settings) prepares on first
    use. With DATABASE_PREPARED_STATEMENTS off (a pooler that cannot hold prepared
    statements), Django's own cursor runs it."""
    connection = connections[alias]
    if not settings.ENIGMA_PREPARED_STATEMENTS:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    connection.ensure_connection()
    with connection._prepare_cursor(psycopg.Cursor(connection.connection)) as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if connection.queries_logged and connection.queries_log:
        # Django's log asks a client-side cursor for the text it sent; this one sent the
        # statement's name, so the log is given the text with its values, as for others.
        logged = connection.queries_log[-1]
        if logged["sql"] is None:
            logged["sql"] = connection.ops.compose_sql(sql, params)
    return rows


class CompiledQuery:
    """`queryset` compiled once; rows(values) runs it with `values` in place of the
    stand-ins (`stand_ins`: name -> the value used in building it), and literal texts
    in the SQL (`literals`: name -> text, as LIMIT/OFFSET are written) replaced."""

    def __init__(
        self,
        queryset: QuerySet,
        stand_ins: Mapping[str, Any],
        literals: Mapping[str, str] | None = None,
    ):
        self.db = queryset.db
        compiler = queryset.query.get_compiler(using=self.db)
        sql, params = compiler.as_sql()
        self.params = list(params)
        self.slots: list[tuple[int, str]] = []
        for name, value in stand_ins.items():
            found = [i for i, p in enumerate(params) if type(p) is type(value) and p == value]
            if not found:
                raise ValueError(f"{name}'s stand-in {value!r} is not in the query")
            self.slots += [(i, name) for i in found]
        self.literals = dict(literals or {})
        for name, text in self.literals.items():
            if sql.count(text) != 1:
                raise ValueError(f"{name}'s literal {text!r} is not once in the query")
        self.sql = sql
        self.compiler = compiler
        klass_info = compiler.klass_info
        self.model = klass_info["model"] if klass_info else None
        self.select = compiler.select
        if self.model is not None:
            fields = klass_info["select_fields"]
            self.start, self.end = fields[0], fields[-1] + 1
            self.init_list = [f[0].target.attname for f in self.select[self.start : self.end]]
            self.annotation_col_map = compiler.annotation_col_map
            self.klass_info = klass_info
        self.trim = compiler.col_count if compiler.has_extra_select else None

    def _execute(self, values: Mapping[str, Any], literals: Mapping[str, str]) -> list:
        params = list(self.params)
        for i, name in self.slots:
            params[i] = values[name]
        sql = self.sql
        for name, text in self.literals.items():
            sql = sql.replace(text, literals[name])
        rows = fetch_prepared(self.db, sql, params)
        if self.trim is not None:
            rows = [row[: self.trim] for row in rows]
        return list(self.compiler.results_iter(results=[rows]))

    def tuples(self, values: Mapping[str, Any], literals: Mapping[str, str] | None = None):
        """The rows as tuples of the select's values, converted as Django converts them."""
        return self._execute(values, literals or {})

    def objects(self, values: Mapping[str, Any], literals: Mapping[str, str] | None = None):
        """The rows as model instances, as ModelIterable makes them."""
        rows = self._execute(values, literals or {})
        populators = get_related_populators(self.klass_info, self.select, self.db)
        found = []
        for row in rows:
            obj = self.model.from_db(self.db, self.init_list, row[self.start : self.end])
            for populator in populators:
                populator.populate(row, obj)
            for attr, pos in self.annotation_col_map.items():
                setattr(obj, attr, row[pos])
            found.append(obj)
        return found


# compiled_list's queries, kept per thread (a connection is a thread's own), the least
# recently used dropped first: a key holds the day, so a new day compiles afresh.
MAX_COMPILED = 64
_local = threading.local()


def _kept() -> OrderedDict:
    kept = getattr(_local, "compiled", None)
    if kept is None:
        kept = _local.compiled = OrderedDict()
    return kept


def compiled_list(
    key: Hashable, build: Callable[..., QuerySet], *args, bind: dict | None = None
) -> list:
    """list(build(*args)), its SQL compiled once for `args` (hashable: the values the
    queryset is built from; `key` names the read): model instances, with the queryset's
    prefetches run on them, or values_list() tuples. `bind` maps a stand-in among args
    (a value no real parameter takes) to the value it stands for this time: for a value
    that changes every request (now, the person), put into the compiled SQL's parameters."""
    bind = bind or {}
    kept = _kept()
    full_key = (key, args)
    found = kept.get(full_key)
    if found is None:
        queryset = build(*args)
        values = queryset._iterable_class is ValuesListIterable
        if not (values or queryset._iterable_class is ModelIterable) or (
            queryset._known_related_objects
        ):
            raise ValueError("compiled reads are for model querysets and values_list() tuples")
        stand_ins = {repr(stand_in): stand_in for stand_in in bind}
        query = CompiledQuery(queryset, stand_ins)
        found = kept[full_key] = (query, values, tuple(queryset._prefetch_related_lookups))
        while len(kept) > MAX_COMPILED:
            kept.popitem(last=False)
    else:
        kept.move_to_end(full_key)
    query, values, prefetch = found
    put_in = {repr(stand_in): value for stand_in, value in bind.items()}
    if values:
        return [tuple(row) for row in query.tuples(put_in)]
    objs = query.objects(put_in)
    if prefetch and objs:
        prefetch_related_objects(objs, *prefetch)
    return objs
