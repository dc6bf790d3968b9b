"""`make bench`'s table: each page's throughput as a share of /healthz's in the same run,
and the flags for pages under 1/15 of it or over 12 queries without a reason."""

from __future__ import annotations

import json

from devtools import benchmark
from devtools.benchmark import (
    HEALTH,
    HEALTH_AGAIN,
    HEALTH_END,
    Result,
    add_ratios,
    flags,
    format_table,
    ratio_text,
    warnings,
)


def _result(name, rps, queries=5, *, non_2xx=0, reason="", requests=100):
    return Result(
        name=name,
        path=f"/{name}/",
        requests=requests,
        seconds=requests / rps if rps else 0.0,
        requests_per_second=rps,
        p50_ms=10.0,
        p95_ms=20.0,
        max_ms=30.0,
        queries_min=queries,
        queries_max=queries,
        non_2xx=non_2xx,
        statuses={"200": 100 - non_2xx},
        capped=False,
        queries_reason=reason,
    )


def test_ratios_are_shares_of_the_healthz_throughput_in_the_same_run():
    results = [_result(HEALTH, 222.0, 1), _result("fast", 30.0), _result("slow", 5.2)]
    add_ratios(results)
    assert [r.ratio for r in results] == [1.0, round(30 / 222, 4), round(5.2 / 222, 4)]
    assert ratio_text(results[1].ratio) == "1/7.4"
    assert ratio_text(results[2].ratio) == "1/42.7"
    assert ratio_text(0.0) == "0"
    assert ratio_text(None) == "–"


def test_without_a_baseline_there_is_no_ratio_and_no_slow_flag():
    results = [_result("page", 1.0)]
    add_ratios(results)
    assert results[0].ratio is None
    assert flags(results[0]) == []


def test_pages_under_one_fifteenth_or_over_twelve_queries_are_flagged():
    results = [
        _result(HEALTH, 150.0, 1),
        _result("just fast enough", 10.0, 12),
        _result("too slow", 9.9, 12),
        _result("too many queries", 50.0, 13),
        _result("many queries, with a reason", 50.0, 14, reason="one per panel, capped"),
        _result("failing", 50.0, non_2xx=3),
    ]
    add_ratios(results)
    assert [flags(r) for r in results] == [[], [], ["slow"], ["queries"], [], ["errors"]]
    table = format_table(results)
    rows = {line.split("  ")[0]: line for line in table.splitlines()}
    assert "1/15" in rows["just fast enough"] and rows["just fast enough"].rstrip().endswith("ok")
    assert "1/15.2" in rows["too slow"] and "slow" in rows["too slow"]
    assert rows["many queries, with a reason"].rstrip().endswith("one per panel, capped")
    said = "\n".join(warnings(results))
    assert "too slow: 1/15.2 of /healthz's throughput" in said
    assert "too many queries: 13 queries a request, over 12" in said
    assert "many queries, with a reason" not in said


def test_the_query_flag_goes_by_what_most_requests_made_and_a_spread_is_a_warning():
    """The one request in a minute that renews a session saves it (one query more): a
    page at the limit is not flagged for it, a page over it on most requests is, and
    both spreads are shown request by request."""
    renewed = _result("at the limit, one session renewed", 50.0, 12)
    renewed.queries_max, renewed.queries_counts = 13, {"12": 399, "13": 1}
    over = _result("over on most requests", 50.0, 12)
    over.queries_max, over.queries_counts = 13, {"12": 100, "13": 300}
    tie = _result("half and half", 50.0, 12)
    tie.queries_max, tie.queries_counts = 13, {"12": 200, "13": 200}
    results = [_result(HEALTH, 150.0, 1), renewed, over, tie]
    add_ratios(results)
    assert [flags(r) for r in results] == [[], [], ["queries"], ["queries"]]
    assert "12–13" in format_table(results)
    said = "\n".join(warnings(results))
    assert (
        "at the limit, one session renewed: the query count varies (12 by 399 requests, "
        "13 by 1 request)" in said
    )
    assert "over on most requests: 13 queries a request, over 12" in said


def test_healthz_is_measured_even_when_only_other_pages_are_asked_for():
    names = [t.name for t in benchmark.selected_targets(benchmark.Options(only=["reviews"]))]
    assert names == [HEALTH, "reviews board"]
    every = benchmark.selected_targets(benchmark.Options())
    assert [t.name for t in every] == [t.name for t in benchmark.TARGETS]


def test_make_bench_ends_by_timing_the_trust_sized_import(monkeypatch):
    calls = []

    def fake_manage(env, *args):
        calls.append(args)
        return "noise\nbench.report imports: 2,000 pupils\nbench.report   students apply: 0.35 s\n"

    monkeypatch.setattr(benchmark, "_manage", fake_manage)
    printed = []
    benchmark.time_imports({}, printed.append)
    assert calls == [("bench_imports", "--repeats", "1")]
    assert printed[1:] == ["  imports: 2,000 pupils", "    students apply: 0.35 s"]


def test_a_request_cut_by_the_time_cap_is_left_out_not_counted_as_a_failure(monkeypatch):
    """The last requests in flight when a slow page's cap arrives time out on the client;
    they were reported as non-2xx "0" responses, flagging a server error that never was."""
    clock = {"now": 0.0}
    monkeypatch.setattr(benchmark.time, "monotonic", lambda: clock["now"])
    calls = []

    def fetch(port, path, cookie, *, timeout):
        calls.append(timeout)
        if len(calls) <= 2:
            return (200, 5.0, 3)
        if len(calls) == 3:
            raise ConnectionResetError  # a real failure before the cap
        clock["now"] = 61.0  # the cap passes while this request waits
        raise TimeoutError

    monkeypatch.setattr(benchmark, "fetch", fetch)
    samples = benchmark._load(0, "/slow/", "", count=10, concurrency=1, deadline=60.0)
    assert samples == [(200, 5.0, 3), (200, 5.0, 3), (0, 0.0, None)]


def test_the_yardstick_is_every_measurement_of_healthz_together():
    """/healthz is measured first, between pages and last; its throughput is all of them
    taken together (requests over seconds), each measurement is shown against it, and
    none is ever flagged."""
    results = [
        _result(HEALTH, 1000.0, 1, requests=2000),  # 2 s
        _result("page", 60.0),
        _result(HEALTH_AGAIN, 500.0, 1, requests=1000),  # 2 s
        _result("slower page", 50.0),
        _result(HEALTH_END, 900.0, 1, requests=1800),  # 2 s
    ]
    add_ratios(results)
    assert benchmark.baseline_throughput(results) == 800.0
    assert [r.ratio for r in results] == [1.25, 0.075, 0.625, 0.0625, 1.125]
    assert [flags(r) for r in results] == [[], [], [], ["slow"], []]
    table = format_table(results)
    assert "(800.0 requests/s: 4800 requests in 6.00 s, measured 3 times" in table
    assert "through the run: 1000, 500, 900)" in table


def _run_without_a_server(monkeypatch, asked):
    """benchmark.run with every measurement and the server replaced: /healthz at 1,000
    requests/s, each page at 100; `asked` gets what was measured, in order."""

    def measure(port, name, path, cookie, options):
        asked.append((name, path))
        rps = 1000.0 if name in benchmark.BASELINES else 100.0
        requests = options.baseline_requests if name in benchmark.BASELINES else options.requests
        return _result(name, rps, requests=requests)

    class Server:
        port, base_url = 1, "http://127.0.0.1:1"

        def __init__(self, *args, **kwargs):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(benchmark, "measure", measure)
    monkeypatch.setattr(benchmark, "Gunicorn", Server)
    monkeypatch.setattr(benchmark, "_server_environment", lambda: ({}, "test"))
    monkeypatch.setattr(benchmark, "_prepare", lambda env, options, out: (10, {}))
    monkeypatch.setattr(benchmark, "sign_in", lambda port, email, password: "cookie")
    monkeypatch.setattr(benchmark, "_a_student_pk", lambda port, cookie, targets: 1)


def test_a_run_measures_healthz_again_after_every_few_pages(monkeypatch, tmp_path):
    """/healthz first, again after every `baseline_every` pages (not after the last page:
    the end's measurement follows it), and last."""
    asked = []
    _run_without_a_server(monkeypatch, asked)
    pages = ["directory", "search", "filter", "deep page", "student page"]
    options = benchmark.Options(only=pages, baseline_every=2, output=tmp_path / "bench.json")
    benchmark.run(options, out=lambda text: None)
    assert [name for name, _path in asked] == [
        HEALTH,
        "directory",
        "search",
        HEALTH_AGAIN,
        "filter",
        "deep page",
        HEALTH_AGAIN,
        "student page",
        HEALTH_END,
    ]
    asked.clear()
    options = benchmark.Options(only=pages[:4], baseline_every=2, output=tmp_path / "b.json")
    benchmark.run(options, out=lambda text: None)
    assert [name for name, _path in asked][-3:] == ["filter", "deep page", HEALTH_END]
    asked.clear()
    options = benchmark.Options(only=pages, baseline_every=0, output=tmp_path / "c.json")
    benchmark.run(options, out=lambda text: None)
    assert [name for name, _path in asked] == [HEALTH, *pages, HEALTH_END]


def test_a_run_measures_healthz_again_after_the_last_page(monkeypatch, tmp_path):
    """The order of a run's measurements with one page: /healthz, the page, /healthz
    again."""
    asked = []
    _run_without_a_server(monkeypatch, asked)
    options = benchmark.Options(only=["settings"], output=tmp_path / "bench.json")
    results = benchmark.run(options, out=lambda text: None)
    assert [name for name, _path in asked] == [HEALTH, "settings", HEALTH_END]
    assert [r.ratio for r in results] == [1.0, 0.1, 1.0]
    written = json.loads((tmp_path / "bench.json").read_text())
    assert written["baseline_requests_per_second"] == 1000.0
    assert written["baseline_requests"] == 2000
    assert written["baseline_every"] == 5
