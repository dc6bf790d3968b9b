"""Querysets whose SQL is compiled once a process, read as the same model instances.

The referrals boards read a handful of rows each (the few placements live now, the few
referrals waiting), so building and compiling their querysets (joins, annotations, a
window count: 0.4-2 ms each) cost more than running them. Here a queryset is compiled
once for the values it is built from (the state it lists, today's date) and run again
from its SQL: the rows become model instances as Django's own ModelIterable makes them
(from_db, the select_related populators, the annotations), so the pages read exactly the
objects they read before. The querysets stay the reference: a compiled read is compiled
from them, and tests hold the two to each other.

For querysets of model rows (their prefetches run on the instances afterwards, with
prefetch_related_objects, as QuerySet does) and of values_list() tuples.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from django.db import connections
from django.db.models import Model, QuerySet, prefetch_related_objects
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators

# Compiled reads kept per thread (a connection is a thread's own), the least recently
# used dropped first: a key holds the day, so a new day compiles afresh.
MAX_COMPILED = 64
_local = threading.local()


@dataclass(frozen=True)
class _Compiled:
    alias: str
    sql: str
    params: tuple
    model: type[Model]
    start: int
    end: int
    init_list: list[str]
    populators: list
    annotations: dict[str, int]
    converters: dict
    prefetch: tuple
    late: dict  # a late-bound value's stand-in -> where it sits in params
    col_count: int
    values: bool  # values_list() tuples, not model instances


def _compile(queryset: QuerySet, stand_ins) -> _Compiled:
    values = queryset._iterable_class is ValuesListIterable
    if not (values or queryset._iterable_class is ModelIterable) or (
        queryset._known_related_objects
    ):
        raise ValueError("compiled reads are for model querysets and values_list() tuples")
    alias = queryset.db
    compiler = queryset.query.get_compiler(using=alias)
    sql, params = compiler.as_sql()
    late = {}
    for stand_in in stand_ins:
        late[stand_in] = [i for i, p in enumerate(params) if p == stand_in]
        if not late[stand_in]:
            raise ValueError(f"{stand_in!r} is not in the compiled SQL's parameters")
    select, klass_info = compiler.select, compiler.klass_info
    if values:
        klass_info = {"model": queryset.model, "select_fields": [0]}
    fields = klass_info["select_fields"]
    start, end = fields[0], fields[-1] + 1
    return _Compiled(
        alias=alias,
        sql=sql,
        params=tuple(params),
        model=klass_info["model"],
        start=start,
        end=end,
        init_list=[] if values else [f[0].target.attname for f in select[start:end]],
        populators=[] if values else get_related_populators(klass_info, select, alias),
        annotations=dict(compiler.annotation_col_map or {}),
        converters=compiler.get_converters([s[0] for s in select[: compiler.col_count]]),
        prefetch=tuple(queryset._prefetch_related_lookups),
        late=late,
        col_count=compiler.col_count,
        values=values,
    )


def _cache() -> OrderedDict:
    cache = getattr(_local, "compiled", None)
    if cache is None:
        cache = _local.compiled = OrderedDict()
    return cache


def compiled_list(
    key: Hashable, build: Callable[..., QuerySet], *args, bind: dict | None = None
) -> list:
    """list(build(*args)), its SQL compiled once for `args` (hashable: the values the
    queryset is built from; `key` names the read). `bind` maps a stand-in among args
    (a value no real parameter takes) to the value it stands for this time: for a value
    that changes every request (now), put into the compiled SQL's parameters."""
    cache = _cache()
    full_key = (key, args)
    compiled = cache.get(full_key)
    if compiled is None:
        compiled = cache[full_key] = _compile(build(*args), tuple(bind or ()))
        while len(cache) > MAX_COMPILED:
            cache.popitem(last=False)
    else:
        cache.move_to_end(full_key)
    return _run(compiled, bind or {})


def _run(c: _Compiled, bind: dict) -> list:
    params = c.params
    if c.late:
        params = list(params)
        for stand_in, positions in c.late.items():
            for i in positions:
                params[i] = bind[stand_in]
    connection = connections[c.alias]
    with connection.cursor() as cursor:
        cursor.execute(c.sql, params)
        rows = cursor.fetchall()
    if c.converters:
        rows = [list(row) for row in rows]
        for row in rows:
            for pos, (convs, expression) in c.converters.items():
                value = row[pos]
                for converter in convs:
                    value = converter(value, expression, connection)
                row[pos] = value
    if c.values:
        return [tuple(row[: c.col_count]) for row in rows]
    objs = []
    from_db, alias, init_list, start, end = c.model.from_db, c.alias, c.init_list, c.start, c.end
    for row in rows:
        obj = from_db(alias, init_list, row[start:end])
        for populator in c.populators:
            populator.populate(row, obj)
        for name, pos in c.annotations.items():
            setattr(obj, name, row[pos])
        objs.append(obj)
    if c.prefetch and objs:
        prefetch_related_objects(objs, *c.prefetch)
    return objs
