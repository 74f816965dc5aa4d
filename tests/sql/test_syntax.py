"""Snowflake and BigQuery cannot run here: their SQL (and every dialect's)
is parsed with sqlglot's parser for that dialect: checked for syntax, not
executed."""
import sqlglot
from sqlglot.errors import ErrorLevel

import cases as C

READ = {"duckdb": "duckdb", "postgres": "postgres", "spark": "spark",
        "snowflake": "snowflake", "bigquery": "bigquery"}


def parse_one(sql, dialect):
    stmts = [s for s in sqlglot.parse(sql, read=READ[dialect], error_level=ErrorLevel.RAISE) if s is not None]
    assert len(stmts) == 1, f"{len(stmts)} statements"
    return stmts[0]


def refused(case, d):
    """Whether the case uses what the dialect cannot express (E0401): then
    no query is written, and that must be the reason."""
    try:
        case.sql(d)
        return False
    except RuntimeError as e:
        assert "error[E0401]" in str(e) and d == "snowflake", str(e)
        return True


def test_every_case_parses_in_every_dialect(all_cases):
    failures = []
    refusals = 0
    for case in all_cases:
        for d in READ:
            if refused(case, d):
                refusals += 1
                continue
            for what, text in (("sql", case.sql(d)), ("ddl", case.ddl(d))):
                try:
                    stmt = parse_one(text, d)
                    kind = stmt.key
                    want = "select" if what == "sql" else "create"
                    assert kind == want, f"a {kind}, not a {want}"
                except Exception as e:  # noqa: BLE001 - collected and reported
                    failures.append(f"{case.name} {d} {what}: {e}\n{text}")
    assert not failures, f"{len(failures)} failures:\n" + "\n\n".join(failures[:3])
    # Only the corners' `matches` on a set, for Snowflake.
    assert refusals == 1


def test_views_and_current_date_parse(all_cases):
    for case in all_cases[:10]:
        for d in READ:
            if refused(case, d):
                continue
            sql = case.compile("sql", d, "--view", "scored accounts", "--as-of-current-date")
            stmt = parse_one(sql, d)
            assert stmt.key == "create", d


def test_hostile_names_parse(tmp_root):
    from test_hostile import hostile_case, TABLE
    case = hostile_case(tmp_root, TABLE)
    for d in READ:
        sql = C.icp("compile", case.icp_file, "--emit", "sql", "--dialect", d, "--from", TABLE,
                    "--as-of", C.AS_OF, "--columns", ",".join(case.columns)).stdout
        stmt = parse_one(sql, d)
        # The table name survives quoting as one identifier.
        tables = [t.name for t in stmt.find_all(sqlglot.exp.Table)]
        assert TABLE in tables, (d, tables)
