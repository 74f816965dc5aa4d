"""The cases the SQL back end is tested on: the examples, the fixtures that
check clean (with generated accounts), and the generated ICPs of
tests/semantics.rs (same generator and seed, exported by the Rust test
`generated_cases_compile_to_sql`).

Each case is an ICP, the name of one ICP in it, accounts as CSV in the
schema's column order, and the expected rows from `icp score`.
"""
import csv
import io
import json
import os
import random
import subprocess
import zlib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AS_OF = "2026-11-01"
ALL_EXTRAS = ["fired", "unknown", "coverage"]


def icp_bin():
    path = os.environ.get("ICP") or str(ROOT / "target" / "debug" / "icp")
    if not Path(path).exists():
        raise RuntimeError(f"no icp binary at {path}: build it (cargo build -p icp-lang) or set ICP")
    return path


def icp(*args, check=True):
    p = subprocess.run([icp_bin(), *map(str, args)], capture_output=True, text=True)
    if check and p.returncode != 0:
        raise RuntimeError(f"icp {' '.join(map(str, args))} failed ({p.returncode}):\n{p.stderr}")
    return p


@dataclass
class Case:
    name: str
    icp_file: Path
    icp: str
    csv_text: str  # accounts in the schema's column order, with a header
    plan: dict
    expected: dict = field(default_factory=dict)  # id -> icp score's row
    columns: list = field(default_factory=list)

    def compile(self, emit, dialect, *extra, table="accounts"):
        as_of = [] if "--as-of-current-date" in extra else ["--as-of", AS_OF]
        args = ["compile", self.icp_file, "--icp", self.icp, "--emit", emit, "--dialect", dialect,
                "--from", table, *as_of, *extra]
        return icp(*args).stdout

    def sql(self, dialect, table="accounts"):
        return self.compile("sql", dialect, "--columns", ",".join(self.columns), table=table)

    def ddl(self, dialect, table="accounts"):
        return self.compile("ddl", dialect, table=table)


def schema_headers(icp_file, name):
    """The table's columns in order, read from the DDL DuckDB runs."""
    import duckdb
    ddl = icp("compile", icp_file, "--icp", name, "--emit", "ddl", "--dialect", "duckdb",
              "--from", "t", "--as-of", AS_OF).stdout
    con = duckdb.connect()
    con.execute(ddl)
    cols = [r[0] for r in con.execute("SELECT name FROM pragma_table_info('t') ORDER BY cid").fetchall()]
    con.close()
    return cols


def reorder(csv_path_or_text, headers):
    """A CRM export rewritten with exactly the table's columns, in order
    (absent columns empty), as each engine's CSV loader reads by position."""
    text = Path(csv_path_or_text).read_text(encoding="utf-8") if isinstance(csv_path_or_text, Path) else csv_path_or_text
    rows = list(csv.DictReader(io.StringIO(text)))
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(headers)
    for r in rows:
        w.writerow([r.get(h) or "" for h in headers])
    return out.getvalue()


def make_case(name, icp_file, icp_name, csv_source, tmp):
    plan = json.loads(icp("compile", icp_file, "--icp", icp_name, "--emit", "plan", "--as-of", AS_OF).stdout)["plans"][0]
    headers = schema_headers(icp_file, icp_name)
    text = reorder(csv_source, headers) if not callable(csv_source) else csv_source(plan, headers)
    data = Path(tmp) / f"{zlib.crc32(name.encode()):08x}.csv"
    data.write_text(text, encoding="utf-8")
    out = icp("score", icp_file, data, "--icp", icp_name, "--as-of", AS_OF, "--format", "jsonl").stdout
    expected = {}
    for line in out.splitlines():
        row = json.loads(line)
        expected[row["id"]] = row
    groups = [f"score_{g['name']}" for g in plan["groups"]]
    shown = ["name"] if plan.get("display") is not None else []
    columns = ["id", *shown, "passed", "removed_by", "score", *groups, "tier", *ALL_EXTRAS]
    return Case(name, Path(icp_file), icp_name, text, plan, expected, columns)


def example_cases(tmp):
    ex = ROOT / "examples"
    return [
        make_case("erp", ex / "erp" / "icp.icp", "mid_market_manufacturing", ex / "erp" / "accounts.csv", tmp),
        make_case("intent", ex / "intent" / "icp.icp", "in_market", ex / "intent" / "accounts.csv", tmp),
        make_case("saas", ex / "saas" / "icp.icp", "pipeline_analytics", ex / "saas" / "companies.csv", tmp),
        make_case("acme-print/stationery", ex / "acme-print" / "stationery" / "icp.icp", "stationery",
                  ex / "acme-print" / "shared" / "accounts.csv", tmp),
        make_case("acme-print/clothing", ex / "acme-print" / "clothing" / "icp.icp", "clothing",
                  ex / "acme-print" / "shared" / "accounts.csv", tmp),
    ]


def corner_cases(tmp):
    """Hand-written corners (tests/sql/corners): every ICP with its accounts."""
    d = ROOT / "tests" / "sql" / "corners"
    out = []
    for f in sorted(d.glob("*.icp")):
        plans = json.loads(icp("compile", f, "--emit", "plan", "--as-of", AS_OF).stdout)["plans"]
        for plan in plans:
            out.append(make_case(f"corners {f.name}:{plan['icp']}", f, plan["icp"], f.with_suffix(".csv"), tmp))
    return out


def _constants(plan):
    """Per column, values worth trying: the ICP's own constants and bounds,
    either side of them, and a few others."""
    import collections
    near = collections.defaultdict(set)
    for c in plan["conds"]:
        (kind, body), = c.items() if isinstance(c, dict) else (("True", None),)
        if not isinstance(body, dict):
            continue
        col = body.get("column")
        if col is None:
            continue
        vals = []
        if "value" in body:
            vals.append(body["value"])
        vals += body.get("values", [])
        for b in (body.get("lo"), body.get("hi")):
            if b:
                vals.append({"Num": b["value"]})
        for v in vals:
            if "Num" in v:
                n = v["Num"]
                near[col] |= {n - 1, n, n + 1}
            elif "Date" in v:
                near[col] |= {v["Date"] - 1, v["Date"], v["Date"] + 1}
    return near


def generated_accounts(seed, rows=200):
    """Accounts for a fixture (which has no data): every column the ICP
    reads gets its constants, values either side, text in other cases and
    with spaces, and a quarter missing."""
    def make(plan, headers):
        from datetime import date, timedelta
        rnd = random.Random(seed)
        near = _constants(plan)
        as_of = date.fromisoformat(plan["as_of"])
        epoch = date(1970, 1, 1)
        by_header = {c["header"]: (i, c) for i, c in enumerate(plan["columns"])}
        texts = plan["texts"] + ["other", "Ünïcode"]

        def scalar(ty, col):
            if ty in ("Int", "Number", "Money", "Percent", "Duration"):
                pool = sorted(near[col]) or [0]
                n = rnd.choice(pool + [rnd.randint(-5, 5000)])
                n = int(n) if ty == "Int" or float(n).is_integer() else round(n, 2)
                return str(n)
            if ty == "Date":
                pool = sorted(near[col])
                if pool and rnd.random() < 0.5:
                    d = epoch + timedelta(days=int(rnd.choice(pool)))
                else:
                    d = as_of - timedelta(days=rnd.randint(-5, 400))
                return d.isoformat()
            if ty == "Bool":
                return rnd.choice(["true", "false"])
            if ty == "Text":
                t = rnd.choice(texts)
                return rnd.choice([t, t, t.upper(), f" {t} "])
            if isinstance(ty, dict) and "Enum" in ty:
                v = rnd.choice(plan["enums"][ty["Enum"]]["variants"])
                return rnd.choice([v, v, v.upper(), v.replace("_", " ").title(), v.replace("_", "-")])
            return ""

        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(headers)
        for r in range(rows):
            row = []
            for h in headers:
                if h not in by_header:
                    row.append("")
                    continue
                i, c = by_header[h]
                if plan["key"] == i:
                    row.append(f"r{r}")
                    continue
                if rnd.random() < 0.25:
                    row.append("")
                    continue
                ty = c["ty"]
                if isinstance(ty, dict) and "Set" in ty:
                    n = rnd.randint(0, 3)
                    parts = [scalar(ty["Set"], i).strip() for _ in range(n)]
                    row.append(" ; ".join(parts) if parts else ";")
                else:
                    row.append(scalar(ty, i))
            w.writerow(row)
        return out.getvalue()
    return make


def fixture_cases(tmp):
    """Every ICP of every fixture that checks clean."""
    out = []
    ok = ROOT / "tests" / "fixtures" / "ok"
    for f in sorted(ok.glob("*.icp")):
        p = icp("check", f, "--format", "json", check=False)
        if p.returncode != 0:
            continue
        plans = json.loads(icp("compile", f, "--emit", "plan", "--as-of", AS_OF).stdout)["plans"]
        for i, plan in enumerate(plans):
            out.append(make_case(f"fixture {f.name}:{plan['icp']}", f, plan["icp"],
                                 generated_accounts(zlib.crc32(f"{f.name}:{i}".encode())), tmp))
    return out


def generated_cases(tmp):
    """The 300 generated ICPs of tests/semantics.rs with their accounts."""
    d = Path(tmp) / "generated"
    d.mkdir(exist_ok=True)
    env = dict(os.environ, ICP_SQL_CASES=str(d))
    subprocess.run(["cargo", "test", "--quiet", "-p", "icp-lang", "--test", "semantics",
                    "generated_cases_compile_to_sql"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    cases = []
    for f in sorted(d.glob("case_*.icp")):
        cases.append(make_case(f"generated {f.stem}", f, "gen", f.with_suffix(".csv"), tmp))
    if len(cases) != 300:
        raise RuntimeError(f"expected 300 generated cases, found {len(cases)}")
    return cases
