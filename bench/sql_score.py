#!/usr/bin/env python3
"""The SQL that `icp compile --emit sql` writes for bench/bench.icp, timed on
DuckDB (beside the hand-written bench/duckdb_score.py) and on Spark local[2].

    python3 bench/sql_score.py ICP_BINARY accounts.csv OUTDIR [--runs 5] [--spark-runs 3]

DuckDB: the compiled query over a view of `read_csv` with the column types
of `--emit ddl`, written back as CSV with COPY, exactly as
bench/duckdb_score.py does with its hand-written query; the time is the
query's alone. Spark: the DDL with Spark's CSV data source, the compiled
query written as CSV. Both outputs go to OUTDIR (duckdb_compiled.csv,
spark/) for bench/compare.py.
"""
import argparse
import os
import shutil
import subprocess
import time


def compile_sql(icp, dialect, emit):
    args = [icp, "compile", "bench/bench.icp", "--icp", "bench", "--emit", emit, "--dialect", dialect,
            "--from", "accounts"]
    if emit == "sql":
        args += ["--as-of", "2026-11-01"]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def duckdb_runs(icp, data, out, runs):
    import duckdb
    ddl = compile_sql(icp, "duckdb", "ddl")
    sql = compile_sql(icp, "duckdb", "sql").strip().rstrip(";")
    probe = duckdb.connect()
    probe.execute(ddl)
    cols = probe.execute("SELECT name, type FROM pragma_table_info('accounts') ORDER BY cid").fetchall()
    probe.close()
    spec = ", ".join(f"'{n}': '{t}'" for n, t in cols)
    times = []
    for _ in range(runs):
        con = duckdb.connect()
        con.execute(f"CREATE VIEW accounts AS SELECT * FROM read_csv('{data}', header = true, types = {{{spec}}})")
        start = time.perf_counter()
        con.execute(f"COPY ({sql}) TO '{out}' (HEADER, DELIMITER ',')")
        times.append(time.perf_counter() - start)
        con.close()
    times.sort()
    print(f"duckdb {duckdb.__version__}, compiled SQL: best {times[0]:.3f} s, median {times[len(times) // 2]:.3f} s over {runs} runs")


def spark_runs(icp, data, outdir, runs):
    from pyspark.sql import SparkSession
    spark = (SparkSession.builder.master("local[2]").appName("icp-bench")
             .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
             .config("spark.driver.memory", "4g").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    ddl = compile_sql(icp, "spark", "ddl").strip().rstrip(";")
    sql = compile_sql(icp, "spark", "sql").strip().rstrip(";")
    spark.sql(f"{ddl} USING csv OPTIONS (path '{data}', header 'true', escape '\"')")
    times = []
    for _ in range(runs):
        shutil.rmtree(outdir, ignore_errors=True)
        start = time.perf_counter()
        df = spark.sql(sql)
        df.write.csv(outdir)
        times.append(time.perf_counter() - start)
    times.sort()
    print(f"spark {spark.version} local[2], compiled SQL: best {times[0]:.3f} s, median {times[len(times) // 2]:.3f} s over {runs} runs")
    columns = df.columns
    spark.stop()
    # The parts (one per task), joined under one header for bench/compare.py.
    joined = outdir + ".csv"
    with open(joined, "w", encoding="utf-8") as out:
        out.write(",".join(columns) + "\n")
        for f in sorted(os.listdir(outdir)):
            if f.startswith("part-") and f.endswith(".csv"):
                with open(os.path.join(outdir, f), encoding="utf-8") as part:
                    shutil.copyfileobj(part, out)
    return joined


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("icp")
    ap.add_argument("input")
    ap.add_argument("outdir")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--spark-runs", type=int, default=3)
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    duckdb_runs(args.icp, args.input, os.path.join(args.outdir, "duckdb_compiled.csv"), args.runs)
    if args.spark_runs:
        path = spark_runs(args.icp, args.input, os.path.join(args.outdir, "spark"), args.spark_runs)
        shutil.copy(path, os.path.join(args.outdir, "spark_compiled.csv"))


if __name__ == "__main__":
    main()
