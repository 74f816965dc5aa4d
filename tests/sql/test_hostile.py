"""Hostile names and texts (quotes, backslashes, comment starters, reserved
words, Unicode) in headers, constants, patterns, comments and the table
name: the SQL runs on every engine and scores as `icp score` does."""
import csv
import io
import json
from pathlib import Path

import cases as C
from test_engines import differences

HERE = Path(__file__).parent
ROWS = [
    ["1", "O'Brien \\ \"x\" `y`", "100%_\\ and more", "1500", "x'y\\;z"],
    ["2", "o'brien", "100%_\\", "", ""],
    ["3", "", "Zażółć", "999", ";"],
    ["4", "", "", "5", "x'y\\"],
    ["5", "Robert'); DROP TABLE accounts;--", "1000 and more", "2000", "a ; x'y\\ "],
]


def hostile_case(tmp, table):
    icp_file = HERE / "hostile.icp"
    headers = C.schema_headers(icp_file, "hostile")
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(headers)
    w.writerows(ROWS)
    case = C.make_case("hostile", icp_file, "hostile", out.getvalue(), tmp)
    return case


def run(engine, tmp_root, table):
    case = hostile_case(tmp_root, table)
    path = Path(tmp_root) / f"hostile-{engine.name}.csv"
    path.write_text(case.csv_text, encoding="utf-8")
    ddl = C.icp("compile", case.icp_file, "--emit", "ddl", "--dialect", engine.name, "--from", table).stdout
    sql = C.icp("compile", case.icp_file, "--emit", "sql", "--dialect", engine.name, "--from", table,
                "--as-of", C.AS_OF, "--columns", ",".join(case.columns)).stdout
    assert "DROP TABLE accounts; --\n" not in sql  # comments stay one line
    rows = engine.run(ddl, path, sql, table=table)
    assert len(rows) == len(ROWS)
    assert differences(case, rows) == []
    # Something fired, so the constants matched at all.
    assert any(r["fired"] for r in case.expected.values())


TABLE = "acc\"ount`s 'x' \\"


def test_hostile_duckdb(duckdb_engine, tmp_root):
    run(duckdb_engine, tmp_root, TABLE)


def test_hostile_postgres(postgres_engine, tmp_root):
    run(postgres_engine, tmp_root, TABLE)


def test_hostile_spark(spark_engine, tmp_root):
    # Spark table names cannot hold a backslash or quotes in its catalog's
    # file paths; the columns and texts are as hostile as elsewhere.
    run(spark_engine, tmp_root, "accounts_hostile")
