"""Session-wide private services: one Mosquitto and one PostgreSQL for the whole test run.

Each test that needs a database gets a fresh copy of a migrated template (`database_url`), which is much
faster than migrating per test. Nothing is skipped when the binaries are missing: run ./dev test.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import shutil
import tempfile
import uuid
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest
from hypothesis import settings

from sentinel_dev.services import PrivateMosquitto, PrivatePostgres
from sentinel_dev.services.postgres import LOG_DATABASE_TAG

TEMPLATE_DB = "sentinel_template"
_HINT = "run ./dev test, which installs Mosquitto and PostgreSQL and sets up the venv"

T = TypeVar("T")


# Hypothesis' per-example deadline (200 ms) is a timing assertion, and on two cores shared by two test workers an
# example of the lifecycle machine took 258 ms once: the properties are what the tests check, not their speed.
settings.register_profile("sentinel", deadline=None)
settings.load_profile("sentinel")

# Fault tests that load the machine (bursts of thousands of presses, 100,000 bad messages, a fuzzer, two hubs) or
# hold the hub to its timings under such load. `./dev test` runs the suite on two workers (pytest-xdist,
# --dist loadgroup) and these modules as one group: one after another on one worker, never two at once, while
# the other worker goes through the rest. (By module name here: xdist_group marks no longer reach xdist's
# scheduler under pytest 9.2, which ignores the node id xdist rewrites.)
HEAVY_MODULES = frozenset(
    {
        "test_alarm_lane",
        "test_bad_input_fuzz",
        "test_broker_crash",
        "test_concurrent_writers",
        "test_crash_durability",
        "test_database_outage",
        "test_load_generator",
        "test_openapi_fuzz",
        "test_stalled_instance",
    }
)


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getoption("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class HeavyInOneGroup(LoadScopeScheduling):
        """Each test on its own, as --dist load does, but the heavy modules' tests as one unit of work
        (the largest, so it is handed out first)."""

        def _split_scope(self, nodeid: str) -> str:
            module = Path(nodeid.partition("::")[0]).stem
            return "heavy" if module in HEAVY_MODULES else nodeid

    return HeavyInOneGroup(config, log)


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from a sync fixture.

    A worker thread keeps asyncio.run away from the main thread, whose event loop belongs to pytest-asyncio.
    """
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _temp_dir(prefix: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    # pytest's own tmp dirs are 0700 under /tmp/pytest-of-root, which user postgres cannot enter.
    path.chmod(0o755)
    return path


def _start_or_fail(what: str, start: Callable[[], None], clean_up: Callable[[], object]) -> None:
    """Start a private service, or clean up after it and fail the run saying what to do."""
    try:
        start()
    except (FileNotFoundError, RuntimeError) as exc:
        clean_up()
        pytest.fail(f"cannot start a private {what}: {exc}\n({_HINT})", pytrace=False)


@pytest.fixture(scope="session")
def mqtt_broker() -> Iterator[PrivateMosquitto]:
    """The test broker refuses anonymous clients, like the demo's. Tests sign in as `tester`, which
    may use every topic (a lab account); per-device accounts are tested in test_broker_security."""
    from hub.adapters.mqtt.credentials import BrokerAccount, write_broker_files

    base = _temp_dir("sentinel-test-mqtt-")
    tester = BrokerAccount("tester", uuid.uuid4().hex, readwrites=("#",))
    files = write_broker_files([tester], base / "auth")
    broker = PrivateMosquitto(
        base, password_file=files.password_file, acl_file=files.acl_file, login=(tester.username, tester.password)
    )
    _start_or_fail("Mosquitto", broker.start, lambda: shutil.rmtree(base, ignore_errors=True))
    try:
        yield broker
    finally:
        broker.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PrivatePostgres]:
    base = _temp_dir("sentinel-test-pg-")
    server = PrivatePostgres(base, fast_unsafe=True)
    _start_or_fail("PostgreSQL", server.start, lambda: (server.kill(), shutil.rmtree(base, ignore_errors=True)))
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)
        if server.cluster_dir != base:  # the /var/lib/sentinel fallback was used
            shutil.rmtree(server.cluster_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_template(pg_server: PrivatePostgres) -> str:
    """Name of a database with all migrations applied, to be copied by `database_url`."""
    # Imported here: the schema module is heavier and tests of the local services do not need it.
    from hub.adapters.postgres.schema import migrate

    pg_server.create_database(TEMPLATE_DB)
    run_async(migrate(pg_server.admin_url(TEMPLATE_DB)))
    return TEMPLATE_DB


def _deadlock_lines(log_path: Path, database: str) -> str:
    """The PostgreSQL log's reports of deadlocks in `database`: the error, its detail and the statement."""
    tag, kept, taking = f"{LOG_DATABASE_TAG}{database} ", [], False
    for line in log_path.read_text(errors="replace").splitlines():
        if tag in line and "deadlock detected" in line:
            taking = True
        elif not (
            line.startswith("\t")
            or (tag in line and any(k in line for k in ("DETAIL", "HINT", "CONTEXT", "STATEMENT")))
        ):
            taking = False
        if taking:
            kept.append(line)
    return "\n".join(kept[-60:])


@pytest.fixture
def database_url(pg_server: PrivatePostgres, pg_template: str) -> Iterator[str]:
    """URL of a fresh, migrated database private to this test; dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"

    async def execute(sql: str) -> None:
        conn = await asyncpg.connect(pg_server.admin_url("postgres"))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    async def deadlocks() -> int:
        conn = await asyncpg.connect(pg_server.admin_url("postgres"))
        try:
            for _ in range(40):  # a backend's statistics reach the server by its exit at the latest
                if not await conn.fetchval("SELECT count(*) FROM pg_stat_activity WHERE datname = $1", name):
                    break
                await asyncio.sleep(0.05)
            return await conn.fetchval("SELECT deadlocks FROM pg_stat_database WHERE datname = $1", name) or 0
        finally:
            await conn.close()

    run_async(execute(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"'))
    try:
        yield pg_server.admin_url(name)
        # Every writer takes a site's lock before its rows, so no two can wait for each other: a
        # deadlock PostgreSQL broke (it aborts one of the two, and the hub retries or answers an
        # error) is a bug even when the test's own checks passed.
        found = run_async(deadlocks())
        assert not found, f"{found} deadlock(s) in this test's database:\n" + _deadlock_lines(pg_server.log_path, name)
    finally:
        run_async(execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
