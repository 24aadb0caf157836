#!/usr/bin/env python3
"""The Python peers of pgtusk's benchmarks: asyncpg and psycopg 3, one case per workload.

    peers.py check CASE
    peers.py run CASE URL OPS [EXTRA...]

Run from a Rust child process of the suite (benches/src/bin/suite/) and of the `engine` binary.
CASE is WORKLOAD-DRIVER (see CASES at the end):
  point-*            W1: OPS x SELECT $1::int4, sequential, on one connection
  pipeline-*         W2: OPS x INSERT INTO bench_ins(a,b) VALUES ($1,$2) in one transaction,
                     the driver's batch call (asyncpg executemany: one Sync for the batch;
                     psycopg executemany: libpq pipeline mode)
  wide-*             W3: SELECT the OPS rows of copy_src (6 columns) streamed through a cursor,
                     every value decoded into a Python object and checked
  copyin-*           W4: OPS rows into copy_bench by binary COPY (the driver encodes them)
  copyout-*          W5: COPY copy_src TO STDOUT (FORMAT binary), the bytes counted and
                     checked against EXTRA[0] (the size of the server's binary file)
  many-stmts-*       W6: OPS executions cycling 10 statements with the driver's cache
  unprepared-*       W6: the same without a statement cache
  pool-*             W7: OPS x SELECT $1::int4 by 32 tasks sharing one pool of 10 connections

`check` exits 0 when the case's driver imports (the Rust parent skips the case otherwise).
`run` sets up (untimed: connect, warm up), then times the body with time.perf_counter() and
resource.getrusage(RUSAGE_SELF) (user + sys of this process), and prints one line:

    PGTUSK_BENCH_SAMPLE ops=N wall_ns=N user_us=N sys_us=N maxrss_kib=N [server_cpu_ns=N]

the same line a Rust child prints (benches/src/harness.rs); server_cpu_ns is the CPU time of the
server backend over the timed part (W3, from /proc/<pid>/schedstat). The async drivers run on
uvloop when it is installed, as in BASELINE.md.

Install: python3 -m venv benches/python/.venv &&
         benches/python/.venv/bin/pip install asyncpg "psycopg[binary]" psycopg-pool uvloop
(the suite does this itself when the packages are missing).
"""

import asyncio
import resource
import sys
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal

INSERT = "INSERT INTO bench_ins(a, b) VALUES ($1, $2)"
WARMUP = 200
STMTS_DOLLAR = [f"SELECT $1::int8 + {k}" for k in range(10)]
STMTS_PERCENT = [f"SELECT %s::int8 + {k}" for k in range(10)]


def snapshot():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return time.perf_counter_ns(), ru.ru_utime, ru.ru_stime, ru.ru_maxrss


def sample_line(ops, before, after, server_ns=None):
    wall = after[0] - before[0]
    user = round((after[1] - before[1]) * 1e6)
    sys_ = round((after[2] - before[2]) * 1e6)
    line = (
        f"PGTUSK_BENCH_SAMPLE ops={ops} wall_ns={wall} user_us={user} "
        f"sys_us={sys_} maxrss_kib={after[3]}"
    )
    if server_ns is not None:
        line += f" server_cpu_ns={server_ns}"
    return line


def backend_cpu_ns(pid):
    """CPU time of a local server backend so far (ns), or None."""
    try:
        with open(f"/proc/{pid}/comm") as f:
            if f.read().strip() != "postgres":
                return None
        with open(f"/proc/{pid}/schedstat") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def server_delta(a, b):
    return None if a is None or b is None else b - a


def asyncio_run(coro):
    try:
        import uvloop

        return uvloop.run(coro)
    except ImportError:
        return asyncio.run(coro)


def text_of(i):
    return f"row {i}"


async def pipeline_asyncpg(url, ops):
    import asyncpg

    conn = await asyncpg.connect(url)
    await conn.execute("CREATE TABLE IF NOT EXISTS bench_ins (a int8, b text)")
    await conn.execute("TRUNCATE bench_ins")
    # Warm up the INSERT (asyncpg caches its statement) outside the measured transaction.
    async with conn.transaction():
        await conn.executemany(INSERT, [(i, text_of(i)) for i in range(WARMUP)])
    await conn.execute("TRUNCATE bench_ins")
    pid = await conn.fetchval("SELECT pg_backend_pid()")
    rows = [(i, text_of(i)) for i in range(ops)]
    before, s0 = snapshot(), backend_cpu_ns(pid)
    async with conn.transaction():
        await conn.executemany(INSERT, rows)
    after, s1 = snapshot(), backend_cpu_ns(pid)
    n = await conn.fetchval("SELECT count(*) FROM bench_ins")
    if n != ops:
        raise SystemExit(f"bench_ins has {n} rows, expected {ops}")
    await conn.close()
    return sample_line(ops, before, after, server_delta(s0, s1))


async def many_stmts_asyncpg(url, ops):
    import asyncpg

    conn = await asyncpg.connect(url)
    for i in range(WARMUP):
        k = i % 10
        got = await conn.fetchval(STMTS_DOLLAR[k], i)
        if got != i + k:
            raise SystemExit(f"{STMTS_DOLLAR[k]} with {i} returned {got}")
    before = snapshot()
    for i in range(ops):
        k = i % 10
        got = await conn.fetchval(STMTS_DOLLAR[k], i)
        if got != i + k:
            raise SystemExit(f"{STMTS_DOLLAR[k]} with {i} returned {got}")
    after = snapshot()
    await conn.close()
    return sample_line(ops, before, after)


def unprepared_psycopg(url, ops):
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.cursor()

        def one(i):
            k = i % 10
            cur.execute(STMTS_PERCENT[k], (i,), prepare=False)
            got = cur.fetchone()[0]
            if got != i + k:
                raise SystemExit(f"{STMTS_PERCENT[k]} with {i} returned {got}")

        for i in range(WARMUP):
            one(i)
        before = snapshot()
        for i in range(ops):
            one(i)
        after = snapshot()
    return sample_line(ops, before, after)


SELECT_DOLLAR = "SELECT $1::int4"
SELECT_PERCENT = "SELECT %s::int4"
WIDE_SQL = "SELECT id, x, name, ts, flag, amount FROM copy_src"
COPY_IN_SQL = "COPY copy_bench (id, x, name, ts, flag, amount) FROM STDIN (FORMAT binary)"
COPY_OUT_SQL = "COPY copy_src TO STDOUT (FORMAT binary)"
POOL = 1024
TASKS = 32
POOL_SIZE = 10
EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)
NAMES = [f"name-{k:015d}" for k in range(POOL)]
CENTS = [k * 1001 + 123456 for k in range(POOL)]
AMOUNTS = [Decimal(f"{c // 100}.{c % 100:02d}") for c in CENTS]


def check_one(i, got):
    if got != i:
        raise SystemExit(f"SELECT {i}::int4 returned {got}")


# ----- W1 point ----------------------------------------------------------------------------


async def point_asyncpg(url, ops):
    import asyncpg

    conn = await asyncpg.connect(url)
    for i in range(WARMUP):
        check_one(i, await conn.fetchval(SELECT_DOLLAR, i))
    before = snapshot()
    for i in range(ops):
        check_one(i, await conn.fetchval(SELECT_DOLLAR, i))
    after = snapshot()
    await conn.close()
    return sample_line(ops, before, after)


def point_psycopg(url, ops):
    import psycopg

    # psycopg prepares a statement after 5 executions (prepare_threshold): cached.
    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.cursor()
        for i in range(WARMUP):
            cur.execute(SELECT_PERCENT, (i,))
            check_one(i, cur.fetchone()[0])
        before = snapshot()
        for i in range(ops):
            cur.execute(SELECT_PERCENT, (i,))
            check_one(i, cur.fetchone()[0])
        after = snapshot()
    return sample_line(ops, before, after)


# ----- W2 pipeline (psycopg; asyncpg above) ------------------------------------------------


def pipeline_psycopg(url, ops):
    import psycopg

    sql = "INSERT INTO bench_ins(a, b) VALUES (%s, %s)"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_ins (a int8, b text)")
        conn.execute("TRUNCATE bench_ins")
        with conn.transaction():
            conn.cursor().executemany(sql, [(i, text_of(i)) for i in range(WARMUP)])
        conn.execute("TRUNCATE bench_ins")
        rows = [(i, text_of(i)) for i in range(ops)]
        before = snapshot()
        with conn.transaction():
            # psycopg >= 3.1 runs executemany in libpq's pipeline mode.
            conn.cursor().executemany(sql, rows)
        after = snapshot()
        n = conn.execute("SELECT count(*) FROM bench_ins").fetchone()[0]
        if n != ops:
            raise SystemExit(f"bench_ins has {n} rows, expected {ops}")
    return sample_line(ops, before, after)


# ----- W3 wide_read ------------------------------------------------------------------------


class WideCheck:
    def __init__(self):
        self.rows = 0
        self.sum_id = 0

    def row(self, r):
        id_, x, name, ts, flag, amount = r
        k = id_ % POOL
        if not (
            x == id_ * 0.25
            and name == NAMES[k]
            and ts == EPOCH + timedelta(seconds=id_)
            and flag == (id_ % 3 == 0)
            and amount == AMOUNTS[k]
        ):
            raise SystemExit(f"row {id_} differs from the generator: {r!r}")
        self.rows += 1
        self.sum_id += id_

    def finish(self, n):
        if (self.rows, self.sum_id) != (n, n * (n - 1) // 2):
            raise SystemExit(f"read {self.rows} rows (sum of ids {self.sum_id}), expected {n}")


WIDE_BATCH = 5000


async def wide_asyncpg(url, ops):
    import asyncpg

    conn = await asyncpg.connect(url)
    pid = await conn.fetchval("SELECT pg_backend_pid()")
    stmt = await conn.prepare(WIDE_SQL)
    check = WideCheck()
    before, s0 = snapshot(), backend_cpu_ns(pid)
    async with conn.transaction():
        async for r in stmt.cursor(prefetch=WIDE_BATCH):
            check.row(r)
    after, s1 = snapshot(), backend_cpu_ns(pid)
    check.finish(ops)
    await conn.close()
    return sample_line(ops, before, after, server_delta(s0, s1))


def wide_psycopg(url, ops):
    import psycopg

    with psycopg.connect(url) as conn:
        pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        conn.commit()
        check = WideCheck()
        before, s0 = snapshot(), backend_cpu_ns(pid)
        # A server-side (named) cursor, fetched WIDE_BATCH rows at a time.
        with conn.cursor(name="wide") as cur:
            cur.itersize = WIDE_BATCH
            cur.execute(WIDE_SQL)
            for r in cur:
                check.row(r)
        conn.commit()
        after, s1 = snapshot(), backend_cpu_ns(pid)
        check.finish(ops)
    return sample_line(ops, before, after, server_delta(s0, s1))


# ----- W4 copy_in --------------------------------------------------------------------------


def copy_rows(ops):
    for i in range(ops):
        k = i % POOL
        yield (i, i * 0.25, NAMES[k], EPOCH + timedelta(seconds=i), i % 3 == 0, AMOUNTS[k])


async def copyin_asyncpg(url, ops):
    import asyncpg

    conn = await asyncpg.connect(url)
    await conn.execute("TRUNCATE copy_bench")
    before = snapshot()
    res = await conn.copy_records_to_table(
        "copy_bench", records=copy_rows(ops), columns=["id", "x", "name", "ts", "flag", "amount"]
    )
    after = snapshot()
    if res != f"COPY {ops}":
        raise SystemExit(f"copy_records_to_table returned {res!r}, expected COPY {ops}")
    await conn.close()
    return sample_line(ops, before, after)


def copyin_psycopg(url, ops):
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("TRUNCATE copy_bench")
        cur = conn.cursor()
        before = snapshot()
        with cur.copy(COPY_IN_SQL) as copy:
            copy.set_types(["int8", "float8", "text", "timestamptz", "bool", "numeric"])
            for row in copy_rows(ops):
                copy.write_row(row)
        after = snapshot()
        if cur.rowcount != ops:
            raise SystemExit(f"COPY reported {cur.rowcount} rows, expected {ops}")
    return sample_line(ops, before, after)


# ----- W5 copy_out -------------------------------------------------------------------------


def check_bytes(got, expected):
    if got != expected:
        raise SystemExit(f"COPY TO STDOUT sent {got} bytes, the file has {expected}")


async def copyout_asyncpg(url, ops, expected):
    import asyncpg

    conn = await asyncpg.connect(url)
    total = 0

    async def sink(chunk):
        nonlocal total
        total += len(chunk)

    before = snapshot()
    await conn.copy_from_table("copy_src", output=sink, format="binary")
    after = snapshot()
    check_bytes(total, int(expected))
    await conn.close()
    return sample_line(ops, before, after)


def copyout_psycopg(url, ops, expected):
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.cursor()
        total = 0
        before = snapshot()
        with cur.copy(COPY_OUT_SQL) as copy:
            for chunk in copy:
                total += len(chunk)
        after = snapshot()
        check_bytes(total, int(expected))
    return sample_line(ops, before, after)


# ----- W6 (psycopg cached, asyncpg uncached) -----------------------------------------------


def many_stmts_psycopg(url, ops):
    import psycopg

    # The default prepare_threshold (5): each statement is prepared on its 6th execution and
    # kept in the connection's cache (prepared_max 100).
    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.cursor()

        def one(i):
            k = i % 10
            cur.execute(STMTS_PERCENT[k], (i,))
            got = cur.fetchone()[0]
            if got != i + k:
                raise SystemExit(f"{STMTS_PERCENT[k]} with {i} returned {got}")

        for i in range(WARMUP):
            one(i)
        before = snapshot()
        for i in range(ops):
            one(i)
        after = snapshot()
    return sample_line(ops, before, after)


async def unprepared_asyncpg(url, ops):
    import asyncpg

    # No statement cache: every fetchval prepares (an unnamed statement) and executes.
    conn = await asyncpg.connect(url, statement_cache_size=0)

    async def one(i):
        k = i % 10
        got = await conn.fetchval(STMTS_DOLLAR[k], i)
        if got != i + k:
            raise SystemExit(f"{STMTS_DOLLAR[k]} with {i} returned {got}")

    for i in range(WARMUP):
        await one(i)
    before = snapshot()
    for i in range(ops):
        await one(i)
    after = snapshot()
    await conn.close()
    return sample_line(ops, before, after)


# ----- W7 pool -----------------------------------------------------------------------------


def task_params(t, ops):
    return range(t, ops, TASKS)


async def pool_asyncpg(url, ops):
    import asyncpg

    pool = await asyncpg.create_pool(url, min_size=POOL_SIZE, max_size=POOL_SIZE)

    async def task(t, n):
        for i in task_params(t, n):
            check_one(i, await pool.fetchval(SELECT_DOLLAR, i))

    await asyncio.gather(*(task(t, WARMUP * 5) for t in range(TASKS)))
    before = snapshot()
    await asyncio.gather(*(task(t, ops) for t in range(TASKS)))
    after = snapshot()
    await pool.close()
    return sample_line(ops, before, after)


async def pool_psycopg(url, ops):
    from psycopg_pool import AsyncConnectionPool

    pool = AsyncConnectionPool(
        url, min_size=POOL_SIZE, max_size=POOL_SIZE, open=False, kwargs={"autocommit": True}
    )
    await pool.open(wait=True)

    async def task(t, n):
        for i in task_params(t, n):
            async with pool.connection() as conn:
                cur = await conn.execute(SELECT_PERCENT, (i,))
                check_one(i, (await cur.fetchone())[0])

    await asyncio.gather(*(task(t, WARMUP * 5) for t in range(TASKS)))
    before = snapshot()
    await asyncio.gather(*(task(t, ops) for t in range(TASKS)))
    after = snapshot()
    await pool.close()
    return sample_line(ops, before, after)


def aio(f):
    return lambda url, ops, *extra: asyncio_run(f(url, ops, *extra))


CASES = {
    "point-asyncpg": ("asyncpg", aio(point_asyncpg)),
    "point-psycopg": ("psycopg", point_psycopg),
    "pipeline-asyncpg": ("asyncpg", aio(pipeline_asyncpg)),
    "pipeline-psycopg": ("psycopg", pipeline_psycopg),
    "wide-asyncpg": ("asyncpg", aio(wide_asyncpg)),
    "wide-psycopg": ("psycopg", wide_psycopg),
    "copyin-asyncpg": ("asyncpg", aio(copyin_asyncpg)),
    "copyin-psycopg": ("psycopg", copyin_psycopg),
    "copyout-asyncpg": ("asyncpg", aio(copyout_asyncpg)),
    "copyout-psycopg": ("psycopg", copyout_psycopg),
    "many-stmts-asyncpg": ("asyncpg", aio(many_stmts_asyncpg)),
    "many-stmts-psycopg": ("psycopg", many_stmts_psycopg),
    "unprepared-asyncpg": ("asyncpg", aio(unprepared_asyncpg)),
    "unprepared-psycopg": ("psycopg", unprepared_psycopg),
    "pool-asyncpg": ("asyncpg", aio(pool_asyncpg)),
    "pool-psycopg": ("psycopg_pool", aio(pool_psycopg)),
}


def main(argv):
    if len(argv) >= 2 and argv[0] == "check" and argv[1] in CASES:
        try:
            __import__(CASES[argv[1]][0])
        except ImportError as e:
            print(f"{argv[1]}: {e}", file=sys.stderr)
            return 1
        return 0
    if len(argv) >= 4 and argv[0] == "run" and argv[1] in CASES:
        print(CASES[argv[1]][1](argv[2], int(argv[3]), *argv[4:]), flush=True)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
