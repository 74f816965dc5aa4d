import tempfile

import pytest

import cases as C
import engines as E


@pytest.fixture(scope="session")
def tmp_root():
    with tempfile.TemporaryDirectory(prefix="icp-sql-") as d:
        yield d


@pytest.fixture(scope="session")
def all_cases(tmp_root):
    return (C.example_cases(tmp_root) + C.corner_cases(tmp_root) + C.fixture_cases(tmp_root)
            + C.generated_cases(tmp_root))


@pytest.fixture(scope="session")
def duckdb_engine():
    e = E.DuckDB()
    yield e
    e.close()


@pytest.fixture(scope="session")
def postgres_engine():
    e = E.Postgres()
    yield e
    e.close()


@pytest.fixture(scope="session")
def spark_engine():
    e = E.Spark()
    yield e
    e.close()
