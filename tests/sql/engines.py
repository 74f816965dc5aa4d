"""The engines, each started once for every case: DuckDB in process,
PostgreSQL (a cluster of its own in a temporary folder, on a Unix socket,
run as the `postgres` user when the tests run as root) and Spark in local
mode. A missing engine is an error, never a skip."""
import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path


class DuckDB:
    name = "duckdb"

    def __init__(self):
        import duckdb
        self.duckdb = duckdb

    def today(self):
        con = self.duckdb.connect()
        try:
            return str(con.execute("SELECT CURRENT_DATE").fetchone()[0])
        finally:
            con.close()

    def run(self, ddl, csv_path, sql, table="accounts", then=None):
        con = self.duckdb.connect()
        try:
            con.execute(ddl)
            quoted = '"' + table.replace('"', '""') + '"'
            path = str(csv_path).replace("'", "''")
            con.execute(f"COPY {quoted} FROM '{path}' (HEADER)")
            cur = con.execute(sql)
            if then:
                cur = con.execute(then)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r)) for r in cur.fetchall()]
        finally:
            con.close()

    def run_arrays(self, ddl, csv_path, sql, table):
        """The export loaded as the DDL says with sets as arrays: read as
        text, set columns split on `;`, the rest cast to their types."""
        con = self.duckdb.connect()
        try:
            con.execute(ddl)
            cols = con.execute(f"SELECT name, type FROM pragma_table_info('{table}') ORDER BY cid").fetchall()
            q = lambda n: '"' + n.replace('"', '""') + '"'
            items = [f"string_split({q(n)}, ';')" if t.endswith("[]") else f"CAST({q(n)} AS {t})" for n, t in cols]
            path = str(csv_path).replace("'", "''")
            con.execute(f"INSERT INTO {q(table)} SELECT {', '.join(items)} "
                        f"FROM read_csv('{path}', header = true, all_varchar = true)")
            cur = con.execute(sql)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r)) for r in cur.fetchall()]
        finally:
            con.close()

    def close(self):
        pass


def _pg_bin(tool):
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{tool}"))
    if found:
        return found[-1]
    path = shutil.which(tool)
    if not path:
        raise RuntimeError(f"PostgreSQL's {tool} is not installed (apt-get install postgresql)")
    return path


class Postgres:
    name = "postgres"

    def __init__(self):
        import psycopg
        self.psycopg = psycopg
        self.dir = tempfile.mkdtemp(prefix="icp-pg-")
        os.chmod(self.dir, 0o777)
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.dir, "postgres")
        data = os.path.join(self.dir, "data")
        self.data = data
        self._sh([_pg_bin("initdb"), "-D", data, "-U", "postgres", "--auth=trust",
                  "--encoding=UTF8", "--locale=C.UTF-8"])
        self._sh([_pg_bin("pg_ctl"), "-D", data, "-l", os.path.join(self.dir, "log"), "-w",
                  "-o", f"-k {self.dir} -c listen_addresses='' -c fsync=off", "start"])
        self.conn = psycopg.connect(host=self.dir, user="postgres", dbname="postgres", autocommit=True)

    def _sh(self, cmd):
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{p.stdout}\n{p.stderr}")

    def today(self):
        with self.conn.cursor() as cur:
            cur.execute("SELECT CURRENT_DATE")
            return str(cur.fetchone()[0])

    def run(self, ddl, csv_path, sql, table="accounts", then=None):
        quoted = '"' + table.replace('"', '""') + '"'
        with self.conn.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {quoted} CASCADE")
            cur.execute(ddl)
            with cur.copy(f"COPY {quoted} FROM STDIN WITH (FORMAT csv, HEADER true)") as cp:
                cp.write(Path(csv_path).read_bytes())
            cur.execute(sql)
            if then:
                cur.execute(then)
            names = [d.name for d in cur.description]
            return [dict(zip(names, r)) for r in cur.fetchall()]

    def run_arrays(self, ddl, csv_path, sql, table):
        q = lambda n: '"' + n.replace('"', '""') + '"'
        with self.conn.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {q(table)} CASCADE")
            cur.execute(ddl)
            cur.execute("SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                        "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
                        (q(table),))
            cols = cur.fetchall()
            cur.execute("DROP TABLE IF EXISTS icp_raw")
            cur.execute("CREATE TEMP TABLE icp_raw (" + ", ".join(f"{q(n)} TEXT" for n, _ in cols) + ")")
            with cur.copy("COPY icp_raw FROM STDIN WITH (FORMAT csv, HEADER true)") as cp:
                cp.write(Path(csv_path).read_bytes())
            items = [f"string_to_array({q(n)}, ';')" if t.endswith("[]") else f"CAST({q(n)} AS {t})" for n, t in cols]
            cur.execute(f"INSERT INTO {q(table)} SELECT {', '.join(items)} FROM icp_raw")
            cur.execute(sql)
            names = [d.name for d in cur.description]
            return [dict(zip(names, r)) for r in cur.fetchall()]

    def close(self):
        try:
            self.conn.close()
        finally:
            self._sh([_pg_bin("pg_ctl"), "-D", self.data, "-m", "fast", "-w", "stop"])
            shutil.rmtree(self.dir, ignore_errors=True)


class Spark:
    name = "spark"
    parallel = 6

    def __init__(self):
        from pyspark.sql import SparkSession
        self.dir = tempfile.mkdtemp(prefix="icp-spark-")
        self.spark = (SparkSession.builder.master("local[2]").appName("icp-sql-tests")
                      .config("spark.ui.enabled", "false")
                      .config("spark.sql.shuffle.partitions", "2")
                      .config("spark.sql.warehouse.dir", os.path.join(self.dir, "warehouse"))
                      .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={self.dir}")
                      .getOrCreate())
        self.spark.sparkContext.setLogLevel("ERROR")
        self.n = 0

    def run(self, ddl, csv_path, sql, table="accounts"):
        # The DDL as written, read by Spark's own CSV data source.
        quoted = f"`{table.replace('`', '``')}`"
        self.spark.sql(f"DROP TABLE IF EXISTS {quoted}")
        body = ddl.strip().rstrip(";")
        escaped = str(csv_path).replace("\\", "\\\\").replace("'", "\\'")
        # RFC 4180 quoting (a quote doubled), not Spark's default backslash escape.
        self.spark.sql(f"{body} USING csv OPTIONS (path '{escaped}', header 'true', escape '\"')")
        try:
            rows = self.spark.sql(sql.strip().rstrip(";")).collect()
        finally:
            self.spark.sql(f"DROP TABLE IF EXISTS {quoted}")
        return [r.asDict() for r in rows]

    def run_arrays(self, ddl, csv_path, sql, table):
        """The DDL (arrays for sets) as a JSON table, filled from the export
        read as text with the set columns split on `;`."""
        q = lambda n: "`" + n.replace("`", "``") + "`"
        self.spark.sql(f"DROP TABLE IF EXISTS {q(table)}")
        location = os.path.join(self.dir, f"json-{table}").replace("'", "\\'")
        self.spark.sql(f"{ddl.strip().rstrip(';')} USING json LOCATION '{location}'")
        cols = []
        for r in self.spark.sql(f"DESCRIBE {q(table)}").collect():
            if not r.col_name or r.col_name.startswith("#"):
                break
            cols.append((r.col_name, r.data_type))
        raw = f"icp_raw_{table}"
        self.spark.read.csv(str(csv_path), header=True, escape='"').createOrReplaceTempView(raw)
        items = [f"split({q(n)}, ';')" if t.startswith("array") else f"CAST({q(n)} AS {t})" for n, t in cols]
        try:
            self.spark.sql(f"INSERT INTO {q(table)} SELECT {', '.join(items)} FROM {q(raw)}")
            rows = self.spark.sql(sql.strip().rstrip(";")).collect()
        finally:
            self.spark.sql(f"DROP TABLE IF EXISTS {q(table)}")
        return [r.asDict() for r in rows]

    def close(self):
        self.spark.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
