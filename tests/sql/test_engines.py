"""Every case's compiled SQL, run on DuckDB, PostgreSQL and Spark, returns
the rows `icp score` writes: same passed, removed_by and tier, scores within
0.01, same fired and unknown signals, same coverage."""
import os

import pytest

SHOWN = 5


def _num(v):
    return None if v is None else float(v)


def _fired(v):
    if isinstance(v, dict):
        return {k: float(x) for k, x in v.items()}
    out = {}
    for part in (v or "").split(";"):
        if part:
            name, _, pts = part.rpartition(":")
            out[name] = float(pts)
    return out


def _names(v):
    if isinstance(v, list):
        return sorted(v)
    return sorted(p for p in (v or "").split(";") if p)


def close(a, b, tol):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= tol


def differences(case, got_rows):
    """What differs between the engine's rows and icp score's."""
    problems = []
    got = {}
    for r in got_rows:
        got[r["id"]] = r
    if set(got) != set(case.expected):
        missing = sorted(set(case.expected) - set(got))[:SHOWN]
        extra = sorted(set(got) - set(case.expected))[:SHOWN]
        return [f"ids differ: missing {missing}, extra {extra}"]
    for key, want in case.expected.items():
        r = got[key]
        bad = []
        if bool(r["passed"]) != want["passed"]:
            bad.append(f"passed {r['passed']} != {want['passed']}")
        if r["removed_by"] != want["removed_by"]:
            bad.append(f"removed_by {r['removed_by']!r} != {want['removed_by']!r}")
        if r["tier"] != want["tier"]:
            bad.append(f"tier {r['tier']!r} != {want['tier']!r}")
        if "name" in case.columns and r["name"] != want["name"]:
            bad.append(f"name {r['name']!r} != {want['name']!r}")
        for col in case.columns:
            if col == "score" or col.startswith("score_"):
                if not close(_num(r[col]), _num(want.get(col)), 0.01):
                    bad.append(f"{col} {r[col]} != {want.get(col)}")
        f_got, f_want = _fired(r["fired"]), _fired(want["fired"])
        if set(f_got) != set(f_want) or any(abs(f_got[k] - f_want[k]) > 0.01 for k in f_got):
            bad.append(f"fired {f_got} != {f_want}")
        if _names(r["unknown"]) != _names(want["unknown"]):
            bad.append(f"unknown {_names(r['unknown'])} != {_names(want['unknown'])}")
        if not close(_num(r["coverage"]), _num(want["coverage"]), 0.0001):
            bad.append(f"coverage {r['coverage']} != {want['coverage']}")
        if bad:
            problems.append(f"account {key}: " + "; ".join(bad))
    return problems


def run_case(engine, i, case, tmp_root):
    """The case on the engine; a list of what differs (empty when it agrees)."""
    # Plain file names: Hadoop reads `:` as a URI scheme. A table per case,
    # so cases can run side by side.
    path = os.path.join(tmp_root, f"{engine.name}-{i:04}.csv")
    with open(path, "w", encoding="utf-8") as f:
        f.write(case.csv_text)
    table = f"accounts_{i}"
    sql = case.sql(engine.name, table)
    try:
        rows = engine.run(case.ddl(engine.name, table), path, sql, table=table)
    except Exception as e:  # the engine refused the SQL: a failure, with the SQL
        return [f"{case.name}: {engine.name} failed: {e}\n{sql}"]
    diffs = differences(case, rows)
    if diffs:
        return [f"{case.name} ({len(diffs)} accounts differ):\n  " + "\n  ".join(diffs[:SHOWN])
                + f"\n--- {case.icp_file}\n{case.icp_file.read_text()}\n--- SQL\n{sql}"]
    return []


def run_all(engine, cases, tmp_root):
    failures = []
    workers = getattr(engine, "parallel", 1)
    if workers > 1:
        # Spark spends most of a small query waiting on its scheduler: run
        # several cases at once (one session, one table each).
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(workers) as pool:
            for found in pool.map(lambda ic: run_case(engine, ic[0], ic[1], tmp_root), enumerate(cases)):
                failures += found
    else:
        for i, case in enumerate(cases):
            failures += run_case(engine, i, case, tmp_root)
    assert not failures, f"{len(failures)} of {len(cases)} cases differ on {engine.name}:\n\n" + "\n\n".join(failures[:3])


def test_cases_are_many(all_cases):
    assert len(all_cases) >= 300 + 5
    assert sum(len(c.expected) for c in all_cases) > 15000


def test_duckdb_agrees_with_icp_score(duckdb_engine, all_cases, tmp_root):
    run_all(duckdb_engine, all_cases, tmp_root)


def test_postgres_agrees_with_icp_score(postgres_engine, all_cases, tmp_root):
    run_all(postgres_engine, all_cases, tmp_root)


def test_spark_agrees_with_icp_score(spark_engine, all_cases, tmp_root):
    run_all(spark_engine, all_cases, tmp_root)


def _data(case, tmp_root, i):
    path = os.path.join(tmp_root, f"extra-{i:04}.csv")
    with open(path, "w", encoding="utf-8") as f:
        f.write(case.csv_text)
    return path


def test_current_date_in_views_on_duckdb_and_postgres(duckdb_engine, postgres_engine, all_cases, tmp_root):
    """`--as-of-current-date` (inside a view) scores as `icp score --as-of
    <the engine's current date>` does: `within` in days, weeks and months,
    and decay, judged against CURRENT_DATE."""
    import json
    import cases as C
    subset = [c for c in all_cases if not c.name.startswith("generated")] + \
        [c for c in all_cases if c.name.startswith("generated")][:40]
    failures = []
    for engine in (duckdb_engine, postgres_engine):
        today = engine.today()
        for i, case in enumerate(subset):
            data = _data(case, tmp_root, i)
            expected = {}
            out = C.icp("score", case.icp_file, data, "--icp", case.icp, "--as-of", today, "--format", "jsonl").stdout
            for line in out.splitlines():
                row = json.loads(line)
                expected[row["id"]] = row
            table, view = f"accounts_now_{i}", f"scored_now_{i}"
            sql = case.compile("sql", engine.name, "--columns", ",".join(case.columns), "--as-of-current-date",
                               "--view", view, table=table)
            assert sql.startswith("CREATE OR REPLACE VIEW") or "CREATE OR REPLACE VIEW" in sql
            rows = engine.run(case.ddl(engine.name, table), data, sql, table=table, then=f'SELECT * FROM "{view}"')
            now = C.Case(case.name, case.icp_file, case.icp, case.csv_text, case.plan, expected, case.columns)
            diffs = differences(now, rows)
            if diffs:
                failures.append(f"{engine.name} {case.name}: " + "\n  ".join(diffs[:SHOWN]) + "\n" + sql)
    assert not failures, "\n\n".join(failures[:3])


def test_dbt_model_runs_on_duckdb(duckdb_engine, all_cases, tmp_root):
    """The dbt model, with `{{ source(...) }}` rendered as dbt renders it,
    scores as `icp score` does; schema.yml lists the tiers."""
    import re
    import cases as C
    failures = []
    for i, case in enumerate(c for c in all_cases if not c.name.startswith("generated")):
        out = os.path.join(tmp_root, f"dbt-{i}")
        C.icp("compile", case.icp_file, "--icp", case.icp, "--emit", "dbt", "--dialect", "duckdb",
              "--dbt-source", "crm.accounts", "--as-of", C.AS_OF, "--columns", ",".join(case.columns),
              "--out-dir", out)
        model = open(os.path.join(out, f"{case.icp}.sql"), encoding="utf-8").read()
        schema = open(os.path.join(out, "schema.yml"), encoding="utf-8").read()
        assert model.startswith("{{ config(materialized='view') }}\n")
        assert "{{ source('crm', 'accounts') }}" in model
        body = model.split("\n", 1)[1].replace("{{ source('crm', 'accounts') }}", '"dbt_accounts"')
        assert not re.search(r"\{\{|\{%|\{#", body), body
        for t in case.plan["tiers"]:
            assert f'"{t["name"]}"' in schema
        rows = duckdb_engine.run(case.ddl("duckdb", "dbt_accounts"), _data(case, tmp_root, 1000 + i), body,
                                 table="dbt_accounts")
        diffs = differences(case, rows)
        if diffs:
            failures.append(f"{case.name}: " + "\n  ".join(diffs[:SHOWN]))
    assert not failures, "\n\n".join(failures)


def test_sets_as_arrays_on_duckdb_and_postgres(duckdb_engine, postgres_engine, all_cases, tmp_root):
    """`--sets array`: the DDL's array columns, loaded by splitting the
    export's sets, score as `icp score` scores the export."""
    subset = [c for c in all_cases if not c.name.startswith("generated")] + \
        [c for c in all_cases if c.name.startswith("generated")][:60]
    failures = []
    for engine in (duckdb_engine, postgres_engine):
        for i, case in enumerate(subset):
            table = f"accounts_arrays_{i}"
            ddl = case.compile("ddl", engine.name, "--sets", "array", table=table)
            sql = case.compile("sql", engine.name, "--sets", "array", "--columns", ",".join(case.columns), table=table)
            rows = engine.run_arrays(ddl, _data(case, tmp_root, 2000 + i), sql, table)
            diffs = differences(case, rows)
            if diffs:
                failures.append(f"{engine.name} {case.name}: " + "\n  ".join(diffs[:SHOWN]) + "\n" + sql)
    assert not failures, "\n\n".join(failures[:3])


def test_sets_as_arrays_on_spark(spark_engine, all_cases, tmp_root):
    """`--sets array` on Spark: a JSON table from the DDL, sets split."""
    from concurrent.futures import ThreadPoolExecutor
    subset = [c for c in all_cases if not c.name.startswith("generated")] + \
        [c for c in all_cases if c.name.startswith("generated")][:30]

    def one(ic):
        i, case = ic
        table = f"accounts_arrays_{i}"
        ddl = case.compile("ddl", "spark", "--sets", "array", table=table)
        sql = case.compile("sql", "spark", "--sets", "array", "--columns", ",".join(case.columns), table=table)
        try:
            rows = spark_engine.run_arrays(ddl, _data(case, tmp_root, 3000 + i), sql, table)
        except Exception as e:  # reported with the SQL
            return [f"{case.name}: spark failed: {e}\n{sql}"]
        diffs = differences(case, rows)
        return [f"{case.name}: " + "\n  ".join(diffs[:SHOWN]) + "\n" + sql] if diffs else []

    with ThreadPoolExecutor(spark_engine.parallel) as pool:
        failures = [f for found in pool.map(one, enumerate(subset)) for f in found]
    assert not failures, "\n\n".join(failures[:3])
