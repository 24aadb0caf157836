//! The suite's own cases: the Python peers of every workload, pgbench's ceilings, and W7
//! `pool` (32 tasks sharing one pool or client).

use std::process::Command;

use futures::future::try_join_all;
use pgtusk_benches::common::{run_measured, runtime, server_tool, tokio_pg_connect};
use pgtusk_benches::harness::{Case, Sample, Workload};
use pgtusk_benches::{BoxError, Result, python};

/// W1's and W7's statement.
const SQL: &str = "SELECT $1::int4";
/// Tasks of W7.
pub const TASKS: u64 = 32;
/// Connections of the pools in W7 (pgtusk's, sqlx's and asyncpg's default maximum).
pub const POOL_SIZE: u32 = 10;
/// Untimed queries per task in W7's setups.
const WARMUP_PER_TASK: u64 = 20;

/// The Python case of each (workload, driver): `peers.py run <case> ...`.
pub const PYTHON_CASES: [(&str, &str, &str); 16] = [
    ("point", "asyncpg fetchval", "point-asyncpg"),
    ("point", "psycopg execute", "point-psycopg"),
    ("pipeline", "asyncpg executemany", "pipeline-asyncpg"),
    ("pipeline", "psycopg executemany (pipeline mode)", "pipeline-psycopg"),
    ("wide_read", "asyncpg cursor", "wide-asyncpg"),
    ("wide_read", "psycopg server-side cursor", "wide-psycopg"),
    ("copy_in", "asyncpg copy_records_to_table", "copyin-asyncpg"),
    ("copy_in", "psycopg copy write_row", "copyin-psycopg"),
    ("copy_out", "asyncpg copy_from_table", "copyout-asyncpg"),
    ("copy_out", "psycopg copy read", "copyout-psycopg"),
    ("many_stmts", "asyncpg fetchval (cache)", "many-stmts-asyncpg"),
    ("many_stmts", "psycopg execute (prepare_threshold)", "many-stmts-psycopg"),
    ("many_stmts_unprepared", "asyncpg statement_cache_size=0", "unprepared-asyncpg"),
    ("many_stmts_unprepared", "psycopg execute(prepare=False)", "unprepared-psycopg"),
    ("pool", "asyncpg Pool (10 connections)", "pool-asyncpg"),
    ("pool", "psycopg AsyncConnectionPool (10 connections)", "pool-psycopg"),
];

/// The script case of a Python driver, if it is one.
pub fn python_case(workload: &str, driver: &str) -> Option<&'static str> {
    PYTHON_CASES.iter().find(|(w, d, _)| *w == workload && *d == driver).map(|(.., c)| *c)
}

/// A case run by `peers.py`: `$case` names the script's case (a literal, so that the closure
/// stays a plain `fn`).
macro_rules! py {
    ($w:literal, $d:literal, $unit:literal, $case:literal) => {
        Case {
            workload: $w,
            driver: $d,
            unit: $unit,
            run: |url, ops| python::run($case, url, ops, &[]),
        }
    };
}

/// A Python copy_out case: the expected byte count (the server's binary file) as the extra
/// argument.
macro_rules! py_out {
    ($d:literal, $case:literal) => {
        Case {
            workload: "copy_out",
            driver: $d,
            unit: "row",
            run: |url, ops| {
                let mut conn = pgtusk::blocking::Connection::connect(url)?;
                let size = crate::copy::expected_bytes(&mut conn, url)?.to_string();
                drop(conn);
                python::run($case, url, ops, &[size.as_str()])
            },
        }
    };
}

/// The Python peers' cases (those already in `engine` are not repeated).
pub fn python_cases() -> Vec<Case> {
    vec![
        py!("point", "asyncpg fetchval", "query", "point-asyncpg"),
        py!("point", "psycopg execute", "query", "point-psycopg"),
        py!("pipeline", "psycopg executemany (pipeline mode)", "insert", "pipeline-psycopg"),
        py!("wide_read", "asyncpg cursor", "row", "wide-asyncpg"),
        py!("wide_read", "psycopg server-side cursor", "row", "wide-psycopg"),
        py!("copy_in", "asyncpg copy_records_to_table", "row", "copyin-asyncpg"),
        py!("copy_in", "psycopg copy write_row", "row", "copyin-psycopg"),
        py_out!("asyncpg copy_from_table", "copyout-asyncpg"),
        py_out!("psycopg copy read", "copyout-psycopg"),
        py!("many_stmts", "psycopg execute (prepare_threshold)", "exec", "many-stmts-psycopg"),
        py!(
            "many_stmts_unprepared",
            "asyncpg statement_cache_size=0",
            "exec",
            "unprepared-asyncpg"
        ),
        py!("pool", "asyncpg Pool (10 connections)", "query", "pool-asyncpg"),
        py!("pool", "psycopg AsyncConnectionPool (10 connections)", "query", "pool-psycopg"),
    ]
}

// ----- pgbench: the ceilings of W1, W2, W6 and W7 --------------------------------------------

/// How pgbench sends its statements (`-M`): `prepared` (each statement prepared once per
/// connection, then Bind/Execute/Sync), `extended` (unnamed Parse/Bind/Execute/Sync each
/// time: one round trip, nothing kept).
#[derive(Clone, Copy)]
enum Mode {
    Prepared,
    Extended,
}

/// Runs pgbench (`-n -j 1`, protocol `mode`) with `script`, `clients` clients and `tx`
/// transactions each, and measures it as a child ([`run_measured`]: the wall time includes
/// pgbench's start and its connections, a few ms).
fn pgbench(url: &str, mode: Mode, script: &str, clients: u64, tx: u64, ops: u64) -> Result<Sample> {
    let mode = match mode {
        Mode::Prepared => "prepared",
        Mode::Extended => "extended",
    };
    let exe = server_tool(url, "pgbench")?;
    let file = std::env::temp_dir().join(format!("pgtusk-pgbench-{}.sql", std::process::id()));
    std::fs::write(&file, script)?;
    let run = run_measured(
        Command::new(&exe)
            .args(["-n", "-M", mode, "-j", "1", "-c", &clients.to_string()])
            .args(["-t", &tx.to_string(), "-f"])
            .arg(&file)
            .arg(url),
        None,
        ops,
    );
    let _ = std::fs::remove_file(&file);
    let (stdout, sample) = run?;
    let done = stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("number of transactions actually processed: "))
        .and_then(|l| l.split('/').next()?.trim().parse::<u64>().ok())
        .ok_or_else(|| format!("no transaction count in pgbench's output: {stdout}"))?;
    if done != clients * tx {
        return Err(format!("pgbench processed {done} transactions, not {}", clients * tx).into());
    }
    Ok(sample)
}

/// INSERTs per `\startpipeline` … `\endpipeline` of W2's ceiling.
const PIPELINE_BATCH: u64 = 1_000;

pub const PGBENCH_POINT: &str = "pgbench -M prepared (libpq, C)";
pub const PGBENCH_PIPELINE: &str = "pgbench \\startpipeline (1,000 INSERTs per Sync)";
pub const PGBENCH_POOL: &str = "pgbench -c 32 -j 1 (32 connections)";
pub const PGBENCH_MANY: &str = "pgbench -M prepared, 10 statements (libpq, C)";
pub const PGBENCH_MANY_UNPREPARED: &str = "pgbench -M extended, 10 statements (libpq, C)";

/// W6's ten statements as one pgbench transaction (`SELECT :i::int8 + k`, k = 0..9): `ops`
/// executions are `ops / 10` transactions.
fn pgbench_many(url: &str, mode: Mode, ops: u64) -> Result<Sample> {
    let mut script = String::from("\\set i random(1, 1000000)\n");
    for k in 0..10 {
        script.push_str(&format!("SELECT :i::int8 + {k};\n"));
    }
    let tx = ops / 10;
    pgbench(url, mode, &script, 1, tx, tx * 10)
}

pub fn pgbench_cases() -> Vec<Case> {
    vec![
        Case {
            workload: "point",
            driver: PGBENCH_POINT,
            unit: "query",
            run: |url, ops| {
                let script = "\\set i random(1, 1000000)\nSELECT :i::int4;\n";
                pgbench(url, Mode::Prepared, script, 1, ops, ops)
            },
        },
        Case {
            workload: "pipeline",
            driver: PGBENCH_PIPELINE,
            unit: "insert",
            run: |url, ops| {
                let mut conn = pgtusk::blocking::Connection::connect(url)?;
                conn.batch_execute(
                    "CREATE TABLE IF NOT EXISTS bench_ins (a int8, b text); TRUNCATE bench_ins",
                )?;
                drop(conn);
                let batch = ops.min(PIPELINE_BATCH);
                let mut script = String::from("\\set i random(1, 1000000)\n\\startpipeline\n");
                for _ in 0..batch {
                    script.push_str("INSERT INTO bench_ins(a, b) VALUES (:i, 'row');\n");
                }
                script.push_str("\\endpipeline\n");
                let tx = ops / batch;
                pgbench(url, Mode::Prepared, &script, 1, tx, tx * batch)
            },
        },
        Case {
            workload: "pool",
            driver: PGBENCH_POOL,
            unit: "query",
            run: |url, ops| {
                let tx = ops.div_ceil(TASKS);
                pgbench(
                    url,
                    Mode::Prepared,
                    "\\set i random(1, 1000000)\nSELECT :i::int4;\n",
                    TASKS,
                    tx,
                    tx * TASKS,
                )
            },
        },
        Case {
            workload: "many_stmts",
            driver: PGBENCH_MANY,
            unit: "exec",
            run: |url, ops| pgbench_many(url, Mode::Prepared, ops),
        },
        Case {
            workload: "many_stmts_unprepared",
            driver: PGBENCH_MANY_UNPREPARED,
            unit: "exec",
            run: |url, ops| pgbench_many(url, Mode::Extended, ops),
        },
    ]
}

// ----- W7 pool: 32 tasks, one pool or client --------------------------------------------------

fn check(i: i32, got: i32) -> Result<()> {
    if got == i { Ok(()) } else { Err(format!("SELECT {i}::int4 returned {got}").into()) }
}

/// The parameters of task `t` out of `ops` queries: `t`, `t + 32`, `t + 64`, …
fn params(t: u64, ops: u64) -> impl Iterator<Item = i32> {
    (t..ops).step_by(TASKS as usize).map(|i| i as i32)
}

/// pgtusk: one connection made a [`pgtusk::Client`] (`Connection::into_client`), 32 tasks
/// calling it concurrently; their requests are pipelined on the one socket.
#[derive(Default)]
struct PgClient;

impl Workload for PgClient {
    type State = (tokio::runtime::Runtime, pgtusk::Client);

    fn setup(&self, url: &str) -> Result<Self::State> {
        let rt = runtime()?;
        let client = rt.block_on(async {
            let client = pgtusk::Connection::connect(url).await?.into_client();
            pg_client_run(&client, TASKS * WARMUP_PER_TASK).await?;
            Ok::<_, BoxError>(client)
        })?;
        Ok((rt, client))
    }

    fn body(&self, (rt, client): &mut Self::State, ops: u64) -> Result<()> {
        rt.block_on(pg_client_run(client, ops))
    }
}

async fn pg_client_run(client: &pgtusk::Client, ops: u64) -> Result<()> {
    try_join_all((0..TASKS).map(|t| async move {
        for i in params(t, ops) {
            check(i, client.query_scalar(SQL, (i,)).await?)?;
        }
        Ok::<_, BoxError>(())
    }))
    .await?;
    Ok(())
}

/// pgtusk: 32 connections, one per task (no sharing: the most connections, no waiting).
#[derive(Default)]
struct PgPerTask;

impl Workload for PgPerTask {
    type State = (tokio::runtime::Runtime, Vec<pgtusk::Connection>);

    fn setup(&self, url: &str) -> Result<Self::State> {
        let rt = runtime()?;
        let conns = rt.block_on(async {
            let mut conns = Vec::new();
            for _ in 0..TASKS {
                conns.push(pgtusk::Connection::connect(url).await?);
            }
            pg_per_task_run(&mut conns, TASKS * WARMUP_PER_TASK).await?;
            Ok::<_, BoxError>(conns)
        })?;
        Ok((rt, conns))
    }

    fn body(&self, (rt, conns): &mut Self::State, ops: u64) -> Result<()> {
        rt.block_on(pg_per_task_run(conns, ops))
    }
}

async fn pg_per_task_run(conns: &mut [pgtusk::Connection], ops: u64) -> Result<()> {
    try_join_all(conns.iter_mut().enumerate().map(|(t, conn)| async move {
        for i in params(t as u64, ops) {
            check(i, conn.query_scalar(SQL, (i,)).await?)?;
        }
        Ok::<_, BoxError>(())
    }))
    .await?;
    Ok(())
}

/// tokio-postgres: one `Client` shared by the 32 tasks (its requests are pipelined too), the
/// statement prepared once.
#[derive(Default)]
struct TokioPgShared;

impl Workload for TokioPgShared {
    type State = (tokio::runtime::Runtime, tokio_postgres::Client, tokio_postgres::Statement);

    fn setup(&self, url: &str) -> Result<Self::State> {
        let (rt, client) = tokio_pg_connect(url)?;
        let stmt = rt.block_on(async {
            let stmt = client.prepare(SQL).await?;
            tokio_pg_run(&client, &stmt, TASKS * WARMUP_PER_TASK).await?;
            Ok::<_, BoxError>(stmt)
        })?;
        Ok((rt, client, stmt))
    }

    fn body(&self, (rt, client, stmt): &mut Self::State, ops: u64) -> Result<()> {
        rt.block_on(tokio_pg_run(client, stmt, ops))
    }
}

async fn tokio_pg_run(
    client: &tokio_postgres::Client,
    stmt: &tokio_postgres::Statement,
    ops: u64,
) -> Result<()> {
    try_join_all((0..TASKS).map(|t| async move {
        for i in params(t, ops) {
            check(i, client.query_one(stmt, &[&i]).await?.get(0))?;
        }
        Ok::<_, BoxError>(())
    }))
    .await?;
    Ok(())
}

/// sqlx: a `PgPool` of `N` connections shared by the 32 tasks (`query_scalar(..).fetch_one(&pool)`:
/// each query checks a connection out, and its statement cache prepares once per connection).
#[derive(Default)]
struct SqlxPool<const N: u32>;

impl<const N: u32> Workload for SqlxPool<N> {
    type State = (tokio::runtime::Runtime, sqlx::PgPool);

    fn setup(&self, url: &str) -> Result<Self::State> {
        let rt = runtime()?;
        let pool = rt.block_on(async {
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(N)
                .min_connections(N)
                .connect(url)
                .await?;
            sqlx_run(&pool, TASKS * WARMUP_PER_TASK).await?;
            Ok::<_, BoxError>(pool)
        })?;
        Ok((rt, pool))
    }

    fn body(&self, (rt, pool): &mut Self::State, ops: u64) -> Result<()> {
        rt.block_on(sqlx_run(pool, ops))
    }
}

async fn sqlx_run(pool: &sqlx::PgPool, ops: u64) -> Result<()> {
    try_join_all((0..TASKS).map(|t| async move {
        for i in params(t, ops) {
            let got: i32 = sqlx::query_scalar(SQL).bind(i).fetch_one(pool).await?;
            check(i, got)?;
        }
        Ok::<_, BoxError>(())
    }))
    .await?;
    Ok(())
}

/// pgtusk: a [`pgtusk::Pool`] of `N` connections shared by the 32 tasks (`pool.get()`, then
/// `query_scalar` on the borrowed connection: each query checks a connection out, and each
/// connection's statement cache prepares once). Connections open on demand: the warm-up opens
/// all `N`.
#[derive(Default)]
struct PgPool<const N: u32>;

impl<const N: u32> Workload for PgPool<N> {
    type State = (tokio::runtime::Runtime, pgtusk::Pool);

    fn setup(&self, url: &str) -> Result<Self::State> {
        let rt = runtime()?;
        let pool = rt.block_on(async {
            let config = pgtusk::Config::from_env_and_str(url)?;
            let pool = pgtusk::PoolOptions::new().max_size(N as usize).build(config);
            pg_pool_run(&pool, TASKS * WARMUP_PER_TASK).await?;
            Ok::<_, BoxError>(pool)
        })?;
        Ok((rt, pool))
    }

    fn body(&self, (rt, pool): &mut Self::State, ops: u64) -> Result<()> {
        rt.block_on(pg_pool_run(pool, ops))
    }
}

async fn pg_pool_run(pool: &pgtusk::Pool, ops: u64) -> Result<()> {
    try_join_all((0..TASKS).map(|t| async move {
        for i in params(t, ops) {
            let mut conn = pool.get().await?;
            check(i, conn.query_scalar(SQL, (i,)).await?)?;
        }
        Ok::<_, BoxError>(())
    }))
    .await?;
    Ok(())
}

pub const PG_CLIENT: &str = "pgtusk Client (1 connection, pipelined)";

pub fn pool_cases() -> Vec<Case> {
    vec![
        Case::new::<PgClient>("pool", PG_CLIENT, "query"),
        Case::new::<PgPerTask>("pool", "pgtusk 32 connections (one per task)", "query"),
        Case::new::<PgPool<POOL_SIZE>>("pool", "pgtusk Pool (10 connections)", "query"),
        Case::new::<TokioPgShared>("pool", "tokio-postgres shared Client (pipelined)", "query"),
        Case::new::<SqlxPool<POOL_SIZE>>("pool", "sqlx PgPool (10 connections)", "query"),
        Case::new::<SqlxPool<1>>("pool", "sqlx PgPool (1 connection)", "query"),
    ]
}
