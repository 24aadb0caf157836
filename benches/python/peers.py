#!/usr/bin/env python3
"""The Python peers of issue 5's engine benchmarks (benches/src/bin/engine.rs).

    engine_peers.py check CASE
    engine_peers.py run CASE URL OPS

CASE is one of:
  pipeline-asyncpg        W2: OPS x INSERT INTO bench_ins(a,b) VALUES ($1,$2) by asyncpg's
                          executemany, inside one transaction (table truncated first, untimed)
  many-stmts-asyncpg      W6: OPS x fetchval over 10 statements, asyncpg's statement cache
  unprepared-psycopg      W6 unprepared: OPS x psycopg 3 cursor.execute(prepare=False) over
                          10 statements (libpq: Parse/Bind/Execute/Sync, one round trip)

`check` exits 0 when the case's driver imports (the Rust parent skips the case otherwise).
`run` sets up (untimed: connect, warm up), then times the body with time.perf_counter() and
resource.getrusage(RUSAGE_SELF) (user + sys of this process), and prints one line:

    PGTUSK_BENCH_SAMPLE ops=N wall_ns=N user_us=N sys_us=N maxrss_kib=N

the same line a Rust child prints (benches/src/harness.rs). asyncpg runs on uvloop when it is
installed, as in BASELINE.md.

Install: python3 -m venv benches/python/.venv &&
         benches/python/.venv/bin/pip install asyncpg "psycopg[binary]" uvloop
"""

import resource
import sys
import time

INSERT = "INSERT INTO bench_ins(a, b) VALUES ($1, $2)"
WARMUP = 200
STMTS_DOLLAR = [f"SELECT $1::int8 + {k}" for k in range(10)]
STMTS_PERCENT = [f"SELECT %s::int8 + {k}" for k in range(10)]


def snapshot():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return time.perf_counter_ns(), ru.ru_utime, ru.ru_stime, ru.ru_maxrss


def sample_line(ops, before, after):
    wall = after[0] - before[0]
    user = round((after[1] - before[1]) * 1e6)
    sys_ = round((after[2] - before[2]) * 1e6)
    return (
        f"PGTUSK_BENCH_SAMPLE ops={ops} wall_ns={wall} user_us={user} "
        f"sys_us={sys_} maxrss_kib={after[3]}"
    )


def asyncio_run(coro):
    try:
        import uvloop

        return uvloop.run(coro)
    except ImportError:
        import asyncio

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
    rows = [(i, text_of(i)) for i in range(ops)]
    before = snapshot()
    async with conn.transaction():
        await conn.executemany(INSERT, rows)
    after = snapshot()
    n = await conn.fetchval("SELECT count(*) FROM bench_ins")
    if n != ops:
        raise SystemExit(f"bench_ins has {n} rows, expected {ops}")
    await conn.close()
    return sample_line(ops, before, after)


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


CASES = {
    "pipeline-asyncpg": ("asyncpg", lambda url, ops: asyncio_run(pipeline_asyncpg(url, ops))),
    "many-stmts-asyncpg": ("asyncpg", lambda url, ops: asyncio_run(many_stmts_asyncpg(url, ops))),
    "unprepared-psycopg": ("psycopg", unprepared_psycopg),
}


def main(argv):
    if len(argv) >= 2 and argv[0] == "check" and argv[1] in CASES:
        try:
            __import__(CASES[argv[1]][0])
        except ImportError as e:
            print(f"{argv[1]}: {e}", file=sys.stderr)
            return 1
        return 0
    if len(argv) == 4 and argv[0] == "run" and argv[1] in CASES:
        print(CASES[argv[1]][1](argv[2], int(argv[3])), flush=True)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
