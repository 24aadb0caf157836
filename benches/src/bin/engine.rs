//! Issue 5's engine benchmarks: W2 `pipeline` (20,000 INSERTs in one transaction, pipelined)
//! and W6 `many_stmts` (20,000 executions over 10 statements, with the statement cache and
//! without), pgtusk against tokio-postgres, asyncpg and psycopg 3.
//!
//! ```text
//! cargo run --release -p pgtusk-benches --bin engine [-- OPTIONS]
//!   --reps N       repetitions per driver, interleaved (default 5, at least 3 recommended)
//!   --ops N        operations per run (default 20000)
//!   --drivers A,B  only these drivers (default: all)
//!   --out PATH     where the Markdown goes (default benches/results/engine.md)
//! The Python for the asyncpg/psycopg peers is $PGTUSK_BENCH_PYTHON,
//! else benches/python/.venv/bin/python when it exists, else python3.
//!   --no-valgrind  skip the user-space instruction count of W6's Rust cases
//!   --pg N         PostgreSQL major version of the throwaway server (default 15)
//! ```
//!
//! Server and harness as for `point` (benches/README.md): one throwaway tuned server or
//! `DATABASE_URL`, TCP 127.0.0.1, no TLS, each run of each case in its own child process,
//! repetitions interleaved over all the cases of all three workloads. The Python peers run
//! `benches/python/peers.py` from the child process; the script measures its own timed
//! part (perf_counter, `resource.getrusage(RUSAGE_SELF)`) and prints the harness's sample line,
//! so the interpreter's start-up and imports are not counted. A Python driver that does not
//! import is left out with a note in the report.

use std::fmt::Write as _;

use futures::future::try_join_all;
use pgtusk_benches::common::{
    self, Cli, Options, pooled, runtime, tokio_pg_connect, verdict, with_param,
};
use pgtusk_benches::harness::{self, Case, Sample, Workload};
use pgtusk_benches::report::{CaseResult, Stat, table};
use pgtusk_benches::{BoxError, Result, machine, python, valgrind};

/// Asks for the pid of the backend serving the connection.
const BACKEND_PID: &str = "SELECT pg_backend_pid()";
/// W2's statement.
const INSERT: &str = "INSERT INTO bench_ins(a, b) VALUES ($1, $2)";
/// Untimed executions in every setup (past pgtusk's prepare threshold for all 10 statements).
const WARMUP: u64 = 200;

const W2: &str = "pipeline";
const W6: &str = "many_stmts";
const W6U: &str = "many_stmts_unprepared";

const PG_EM_ASYNC: &str = "pgtusk async execute_many";
const PG_EM_BLOCKING: &str = "pgtusk blocking execute_many";
const PG_PIPELINE: &str = "pgtusk async pipeline";
const TPG_JOIN: &str = "tokio-postgres try_join_all";
const ASYNCPG_EM: &str = "asyncpg executemany";

const PG_CACHED: &str = "pgtusk async (cache)";
const TPG_PREPARED: &str = "tokio-postgres prepared";
const ASYNCPG_CACHED: &str = "asyncpg fetchval (cache)";

const PG_UNCACHED: &str = "pgtusk async statement_cache_size=0";
const TPG_STR: &str = "tokio-postgres query(&str)";
const PSYCOPG_UNPREPARED: &str = "psycopg execute(prepare=False)";

/// The `text` value of row `i`.
fn text_of(i: u64) -> String {
    format!("row {i}")
}

/// W2's parameter sets, built untimed (the Python peer builds its list untimed too).
fn insert_rows(ops: u64) -> Vec<(i64, String)> {
    (0..ops).map(|i| (i as i64, text_of(i))).collect()
}

/// The 10 statements of W6: `SELECT $1::int8 + k`.
fn many_sql() -> Vec<String> {
    (0..10).map(|k| format!("SELECT $1::int8 + {k}")).collect()
}

fn check_sum(i: i64, k: usize, got: i64) -> Result<()> {
    let want = i + k as i64;
    if got == want { Ok(()) } else { Err(format!("statement {k} with {i} returned {got}").into()) }
}

fn check_count(what: &str, got: u64, want: u64) -> Result<()> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: {got} rows inserted, not {want}").into())
    }
}

const CREATE_TRUNCATE: &str =
    "CREATE TABLE IF NOT EXISTS bench_ins (a int8, b text); TRUNCATE bench_ins";

// ----- W2 pipeline: pgtusk -------------------------------------------------------------------

struct PgAsyncIns {
    rt: tokio::runtime::Runtime,
    conn: pgtusk::Connection,
    rows: Vec<(i64, String)>,
    /// The server backend's pid (W2 reports the backend's CPU).
    pid: u32,
}

/// Connects, (re)creates and truncates the table, warms the INSERT up (then truncates again).
fn pg_async_ins_setup(url: &str) -> Result<PgAsyncIns> {
    let rt = runtime()?;
    let conn = rt.block_on(async {
        let mut conn = pgtusk::Connection::connect(url).await?;
        conn.batch_execute(CREATE_TRUNCATE).await?;
        let warm = insert_rows(WARMUP);
        check_count("warm-up", conn.execute_many(INSERT, &warm).await?, WARMUP)?;
        conn.batch_execute("TRUNCATE bench_ins").await?;
        let pid: i32 = conn.query_scalar(BACKEND_PID, ()).await?;
        Ok::<_, BoxError>((conn, pid as u32))
    })?;
    let (conn, pid) = conn;
    Ok(PgAsyncIns { rt, conn, rows: insert_rows(ops_hint()), pid })
}

#[derive(Default)]
struct PgExecuteManyAsync;

impl Workload for PgExecuteManyAsync {
    type State = PgAsyncIns;

    fn setup(&self, url: &str) -> Result<Self::State> {
        pg_async_ins_setup(url)
    }

    fn body(&self, s: &mut Self::State, ops: u64) -> Result<()> {
        if s.rows.len() as u64 != ops {
            s.rows = insert_rows(ops);
        }
        let (conn, rows) = (&mut s.conn, &s.rows);
        s.rt.block_on(async {
            conn.batch_execute("BEGIN").await?;
            let n = conn.execute_many(INSERT, rows).await?;
            conn.batch_execute("COMMIT").await?;
            check_count("execute_many", n, ops)
        })
    }

    fn server_pid(&self, s: &Self::State) -> Option<u32> {
        Some(s.pid)
    }
}

#[derive(Default)]
struct PgPipelineAsync;

impl Workload for PgPipelineAsync {
    type State = PgAsyncIns;

    fn setup(&self, url: &str) -> Result<Self::State> {
        pg_async_ins_setup(url)
    }

    fn body(&self, s: &mut Self::State, ops: u64) -> Result<()> {
        if s.rows.len() as u64 != ops {
            s.rows = insert_rows(ops);
        }
        let (conn, rows) = (&mut s.conn, &s.rows);
        s.rt.block_on(async {
            conn.batch_execute("BEGIN").await?;
            let mut p = conn.pipeline();
            for (a, b) in rows {
                p.execute(INSERT, (a, b.as_str()));
            }
            p.sync()?;
            let out = p.run().await?;
            let mut n = 0;
            for item in out.iter() {
                n += item.rows_affected()?;
            }
            conn.batch_execute("COMMIT").await?;
            check_count("pipeline", n, ops)
        })
    }

    fn server_pid(&self, s: &Self::State) -> Option<u32> {
        Some(s.pid)
    }
}

/// The operation count of this child (`--child <workload> <driver> <ops>`), so that `setup`
/// can build the parameter sets untimed (the harness tells only the body the count; the body
/// rebuilds them only if the two disagree).
fn ops_hint() -> u64 {
    std::env::args().nth(4).and_then(|s| s.parse().ok()).unwrap_or(20_000)
}

#[derive(Default)]
struct PgExecuteManyBlocking;

impl Workload for PgExecuteManyBlocking {
    type State = (pgtusk::blocking::Connection, Vec<(i64, String)>, u32);

    fn setup(&self, url: &str) -> Result<Self::State> {
        let mut conn = pgtusk::blocking::Connection::connect(url)?;
        conn.batch_execute(CREATE_TRUNCATE)?;
        check_count("warm-up", conn.execute_many(INSERT, &insert_rows(WARMUP))?, WARMUP)?;
        conn.batch_execute("TRUNCATE bench_ins")?;
        let pid: i32 = conn.query_scalar(BACKEND_PID, ())?;
        Ok((conn, insert_rows(ops_hint()), pid as u32))
    }

    fn server_pid(&self, (.., pid): &Self::State) -> Option<u32> {
        Some(*pid)
    }

    fn body(&self, (conn, rows, _): &mut Self::State, ops: u64) -> Result<()> {
        if rows.len() as u64 != ops {
            *rows = insert_rows(ops);
        }
        conn.batch_execute("BEGIN")?;
        let n = conn.execute_many(INSERT, rows)?;
        conn.batch_execute("COMMIT")?;
        check_count("blocking execute_many", n, ops)
    }
}

// ----- W2 pipeline: tokio-postgres -----------------------------------------------------------

/// A tokio-postgres client whose connection task runs on the same current-thread runtime.
struct TokioPg {
    rt: tokio::runtime::Runtime,
    client: tokio_postgres::Client,
    stmts: Vec<tokio_postgres::Statement>,
    rows: Vec<(i64, String)>,
}

/// All the INSERTs' futures at once: tokio-postgres writes each request (Bind, Execute,
/// Sync) as its future is first polled, so they are all in flight together.
async fn tokio_pg_insert_all(
    client: &tokio_postgres::Client,
    stmt: &tokio_postgres::Statement,
    rows: &[(i64, String)],
) -> Result<u64> {
    type Param<'a> = &'a (dyn tokio_postgres::types::ToSql + Sync);
    let params: Vec<[Param<'_>; 2]> = rows.iter().map(|(a, b)| [a as Param<'_>, b]).collect();
    let counts = try_join_all(params.iter().map(|p| client.execute(stmt, p))).await?;
    Ok(counts.iter().sum())
}

#[derive(Default)]
struct TokioPgJoin;

impl Workload for TokioPgJoin {
    type State = (TokioPg, u32);

    fn setup(&self, url: &str) -> Result<Self::State> {
        let (rt, client) = tokio_pg_connect(url)?;
        let (stmt, pid) = rt.block_on(async {
            client.batch_execute(CREATE_TRUNCATE).await?;
            let stmt = client.prepare(INSERT).await?;
            let n = tokio_pg_insert_all(&client, &stmt, &insert_rows(WARMUP)).await?;
            check_count("warm-up", n, WARMUP)?;
            client.batch_execute("TRUNCATE bench_ins").await?;
            let pid: i32 = client.query_one(BACKEND_PID, &[]).await?.get(0);
            Ok::<_, BoxError>((stmt, pid as u32))
        })?;
        Ok((TokioPg { rt, client, stmts: vec![stmt], rows: insert_rows(ops_hint()) }, pid))
    }

    fn server_pid(&self, (_, pid): &Self::State) -> Option<u32> {
        Some(*pid)
    }

    fn body(&self, (s, _): &mut Self::State, ops: u64) -> Result<()> {
        if s.rows.len() as u64 != ops {
            s.rows = insert_rows(ops);
        }
        let (client, stmt, rows) = (&s.client, &s.stmts[0], &s.rows);
        s.rt.block_on(async {
            client.batch_execute("BEGIN").await?;
            let n = tokio_pg_insert_all(client, stmt, rows).await?;
            client.batch_execute("COMMIT").await?;
            check_count("try_join_all", n, ops)
        })
    }
}

// ----- W6 many_stmts: pgtusk -----------------------------------------------------------------

struct PgMany {
    rt: tokio::runtime::Runtime,
    conn: pgtusk::Connection,
    sql: Vec<String>,
}

async fn pg_many_run(conn: &mut pgtusk::Connection, sql: &[String], n: u64) -> Result<()> {
    for i in 0..n {
        let (i, k) = (i as i64, (i % 10) as usize);
        let got: i64 = conn.query_scalar(sql[k].as_str(), (i,)).await?;
        check_sum(i, k, got)?;
    }
    Ok(())
}

fn pg_many_setup(url: &str) -> Result<PgMany> {
    let rt = runtime()?;
    let sql = many_sql();
    let conn = rt.block_on(async {
        let mut conn = pgtusk::Connection::connect(url).await?;
        pg_many_run(&mut conn, &sql, WARMUP).await?;
        Ok::<_, BoxError>(conn)
    })?;
    Ok(PgMany { rt, conn, sql })
}

#[derive(Default)]
struct PgCached;

impl Workload for PgCached {
    type State = PgMany;

    fn setup(&self, url: &str) -> Result<Self::State> {
        pg_many_setup(url)
    }

    fn body(&self, s: &mut Self::State, ops: u64) -> Result<()> {
        let (conn, sql) = (&mut s.conn, &s.sql);
        s.rt.block_on(pg_many_run(conn, sql, ops))
    }
}

#[derive(Default)]
struct PgUncached;

impl Workload for PgUncached {
    type State = PgMany;

    fn setup(&self, url: &str) -> Result<Self::State> {
        pg_many_setup(&with_param(url, "statement_cache_size=0"))
    }

    fn body(&self, s: &mut Self::State, ops: u64) -> Result<()> {
        let (conn, sql) = (&mut s.conn, &s.sql);
        s.rt.block_on(pg_many_run(conn, sql, ops))
    }
}

fn pg_many_run_blocking(
    conn: &mut pgtusk::blocking::Connection,
    sql: &[String],
    n: u64,
) -> Result<()> {
    for i in 0..n {
        let (i, k) = (i as i64, (i % 10) as usize);
        let got: i64 = conn.query_scalar(sql[k].as_str(), (i,))?;
        check_sum(i, k, got)?;
    }
    Ok(())
}

/// W6 with the blocking connection, `CACHE` = whether its statement cache is on.
#[derive(Default)]
struct PgManyBlocking<const CACHE: bool>;

impl<const CACHE: bool> Workload for PgManyBlocking<CACHE> {
    type State = (pgtusk::blocking::Connection, Vec<String>);

    fn setup(&self, url: &str) -> Result<Self::State> {
        let url = if CACHE { url.to_owned() } else { with_param(url, "statement_cache_size=0") };
        let mut conn = pgtusk::blocking::Connection::connect(&url)?;
        let sql = many_sql();
        pg_many_run_blocking(&mut conn, &sql, WARMUP)?;
        Ok((conn, sql))
    }

    fn body(&self, (conn, sql): &mut Self::State, ops: u64) -> Result<()> {
        pg_many_run_blocking(conn, sql, ops)
    }
}

// ----- W6 many_stmts: tokio-postgres ---------------------------------------------------------

async fn tokio_pg_many_run(
    client: &tokio_postgres::Client,
    stmts: &[tokio_postgres::Statement],
    sql: &[String],
    n: u64,
) -> Result<()> {
    for i in 0..n {
        let (i, k) = (i as i64, (i % 10) as usize);
        let row = if stmts.is_empty() {
            // A `&str`: prepared (one round trip), then executed (another), every time.
            client.query_one(sql[k].as_str(), &[&i]).await?
        } else {
            client.query_one(&stmts[k], &[&i]).await?
        };
        check_sum(i, k, row.get(0))?;
    }
    Ok(())
}

fn tokio_pg_many_setup(url: &str, prepare: bool) -> Result<(TokioPg, Vec<String>)> {
    let (rt, client) = tokio_pg_connect(url)?;
    let sql = many_sql();
    let stmts = rt.block_on(async {
        let mut stmts = Vec::new();
        if prepare {
            for s in &sql {
                stmts.push(client.prepare(s).await?);
            }
        }
        tokio_pg_many_run(&client, &stmts, &sql, WARMUP).await?;
        Ok::<_, BoxError>(stmts)
    })?;
    Ok((TokioPg { rt, client, stmts, rows: Vec::new() }, sql))
}

#[derive(Default)]
struct TokioPgPrepared;

impl Workload for TokioPgPrepared {
    type State = (TokioPg, Vec<String>);

    fn setup(&self, url: &str) -> Result<Self::State> {
        tokio_pg_many_setup(url, true)
    }

    fn body(&self, (s, sql): &mut Self::State, ops: u64) -> Result<()> {
        s.rt.block_on(tokio_pg_many_run(&s.client, &s.stmts, sql, ops))
    }
}

#[derive(Default)]
struct TokioPgStr;

impl Workload for TokioPgStr {
    type State = (TokioPg, Vec<String>);

    fn setup(&self, url: &str) -> Result<Self::State> {
        tokio_pg_many_setup(url, false)
    }

    fn body(&self, (s, sql): &mut Self::State, ops: u64) -> Result<()> {
        s.rt.block_on(tokio_pg_many_run(&s.client, &s.stmts, sql, ops))
    }
}

// ----- postgres (blocking) and sqlx: W2 and W6 ----------------------------------------------

/// W2 with `postgres` (blocking): the INSERT prepared once, one `execute` per row (the crate
/// has no pipelining: one round trip each), inside `BEGIN` / `COMMIT`.
#[derive(Default)]
struct PostgresIns;

impl Workload for PostgresIns {
    type State = (postgres::Client, postgres::Statement, Vec<(i64, String)>);

    fn setup(&self, url: &str) -> Result<Self::State> {
        let mut client = postgres::Client::connect(url, postgres::NoTls)?;
        client.batch_execute(CREATE_TRUNCATE)?;
        let stmt = client.prepare(INSERT)?;
        for (a, b) in insert_rows(WARMUP) {
            client.execute(&stmt, &[&a, &b])?;
        }
        client.batch_execute("TRUNCATE bench_ins")?;
        Ok((client, stmt, insert_rows(ops_hint())))
    }

    fn body(&self, (client, stmt, rows): &mut Self::State, ops: u64) -> Result<()> {
        if rows.len() as u64 != ops {
            *rows = insert_rows(ops);
        }
        let mut tx = client.transaction()?;
        let mut n = 0;
        for (a, b) in rows.iter() {
            n += tx.execute(&*stmt, &[a, b])?;
        }
        tx.commit()?;
        check_count("postgres execute", n, ops)
    }
}

/// W2 with sqlx: `sqlx::query(INSERT).bind(a).bind(b).execute(&mut *tx)` per row (cached
/// statement; sqlx has no pipelining: one round trip each), inside a transaction.
#[derive(Default)]
struct SqlxIns;

impl Workload for SqlxIns {
    type State = (tokio::runtime::Runtime, sqlx::PgConnection, Vec<(i64, String)>);

    fn setup(&self, url: &str) -> Result<Self::State> {
        use sqlx::Connection as _;
        let rt = runtime()?;
        let conn = rt.block_on(async {
            let mut conn = sqlx::PgConnection::connect(url).await?;
            sqlx::raw_sql(CREATE_TRUNCATE).execute(&mut conn).await?;
            for (a, b) in insert_rows(WARMUP) {
                sqlx::query(INSERT).bind(a).bind(b).execute(&mut conn).await?;
            }
            sqlx::raw_sql("TRUNCATE bench_ins").execute(&mut conn).await?;
            Ok::<_, BoxError>(conn)
        })?;
        Ok((rt, conn, insert_rows(ops_hint())))
    }

    fn body(&self, (rt, conn, rows): &mut Self::State, ops: u64) -> Result<()> {
        use sqlx::Connection as _;
        if rows.len() as u64 != ops {
            *rows = insert_rows(ops);
        }
        rt.block_on(async {
            let mut tx = conn.begin().await?;
            let mut n = 0;
            for (a, b) in rows.iter() {
                n += sqlx::query(INSERT)
                    .bind(a)
                    .bind(b.as_str())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            }
            tx.commit().await?;
            check_count("sqlx execute", n, ops)
        })
    }
}

fn postgres_many_run(
    client: &mut postgres::Client,
    stmts: &[postgres::Statement],
    sql: &[String],
    n: u64,
) -> Result<()> {
    for i in 0..n {
        let (i, k) = (i as i64, (i % 10) as usize);
        let row = if stmts.is_empty() {
            client.query_one(sql[k].as_str(), &[&i])?
        } else {
            client.query_one(&stmts[k], &[&i])?
        };
        check_sum(i, k, row.get(0))?;
    }
    Ok(())
}

fn postgres_many_setup(
    url: &str,
    prepare: bool,
) -> Result<(postgres::Client, Vec<postgres::Statement>, Vec<String>)> {
    let mut client = postgres::Client::connect(url, postgres::NoTls)?;
    let sql = many_sql();
    let mut stmts = Vec::new();
    if prepare {
        for s in &sql {
            stmts.push(client.prepare(s)?);
        }
    }
    postgres_many_run(&mut client, &stmts, &sql, WARMUP)?;
    Ok((client, stmts, sql))
}

/// W6 with `postgres` (blocking): the 10 statements prepared once (cached), or `query(&str)`
/// (prepare + execute, two round trips, uncached).
#[derive(Default)]
struct PostgresMany<const PREPARE: bool>;

impl<const PREPARE: bool> Workload for PostgresMany<PREPARE> {
    type State = (postgres::Client, Vec<postgres::Statement>, Vec<String>);

    fn setup(&self, url: &str) -> Result<Self::State> {
        postgres_many_setup(url, PREPARE)
    }

    fn body(&self, (client, stmts, sql): &mut Self::State, ops: u64) -> Result<()> {
        postgres_many_run(client, stmts, sql, ops)
    }
}

async fn sqlx_many_run(
    conn: &mut sqlx::PgConnection,
    sql: &[String],
    persistent: bool,
    n: u64,
) -> Result<()> {
    for i in 0..n {
        let (i, k) = (i as i64, (i % 10) as usize);
        let got: i64 = sqlx::query_scalar(sql[k].as_str())
            .bind(i)
            .persistent(persistent)
            .fetch_one(&mut *conn)
            .await?;
        check_sum(i, k, got)?;
    }
    Ok(())
}

/// W6 with sqlx: `query_scalar(&str)` with its statement cache (`persistent(true)`, the
/// default), or `persistent(false)` (an unnamed statement each time, uncached).
#[derive(Default)]
struct SqlxMany<const PERSISTENT: bool>;

impl<const PERSISTENT: bool> Workload for SqlxMany<PERSISTENT> {
    type State = (tokio::runtime::Runtime, sqlx::PgConnection, Vec<String>);

    fn setup(&self, url: &str) -> Result<Self::State> {
        use sqlx::Connection as _;
        let rt = runtime()?;
        let sql = many_sql();
        let conn = rt.block_on(async {
            let mut conn = sqlx::PgConnection::connect(url).await?;
            sqlx_many_run(&mut conn, &sql, PERSISTENT, WARMUP).await?;
            Ok::<_, BoxError>(conn)
        })?;
        Ok((rt, conn, sql))
    }

    fn body(&self, (rt, conn, sql): &mut Self::State, ops: u64) -> Result<()> {
        rt.block_on(sqlx_many_run(conn, sql, PERSISTENT, ops))
    }
}

// ----- the Python peers ----------------------------------------------------------------------

/// The script's case name for each Python driver.
const PYTHON_CASES: [(&str, &str); 3] = [
    (ASYNCPG_EM, "pipeline-asyncpg"),
    (ASYNCPG_CACHED, "many-stmts-asyncpg"),
    (PSYCOPG_UNPREPARED, "unprepared-psycopg"),
];

// ----- the run -------------------------------------------------------------------------------

pub fn cases() -> Vec<Case> {
    vec![
        Case::new::<PgExecuteManyAsync>(W2, PG_EM_ASYNC, "insert"),
        Case::new::<PgExecuteManyBlocking>(W2, PG_EM_BLOCKING, "insert"),
        Case::new::<PgPipelineAsync>(W2, PG_PIPELINE, "insert"),
        Case::new::<TokioPgJoin>(W2, TPG_JOIN, "insert"),
        Case::new::<PostgresIns>(W2, "postgres execute (prepared)", "insert"),
        Case::new::<SqlxIns>(W2, "sqlx execute", "insert"),
        Case {
            workload: W2,
            driver: ASYNCPG_EM,
            unit: "insert",
            run: |url, ops| python::run("pipeline-asyncpg", url, ops, &[]),
        },
        Case::new::<PgCached>(W6, PG_CACHED, "exec"),
        Case::new::<PgManyBlocking<true>>(W6, "pgtusk blocking (cache)", "exec"),
        Case::new::<TokioPgPrepared>(W6, TPG_PREPARED, "exec"),
        Case::new::<PostgresMany<true>>(W6, "postgres prepared", "exec"),
        Case::new::<SqlxMany<true>>(W6, "sqlx query_scalar (cache)", "exec"),
        Case {
            workload: W6,
            driver: ASYNCPG_CACHED,
            unit: "exec",
            run: |url, ops| python::run("many-stmts-asyncpg", url, ops, &[]),
        },
        Case::new::<PgUncached>(W6U, PG_UNCACHED, "exec"),
        Case::new::<PgManyBlocking<false>>(W6U, "pgtusk blocking statement_cache_size=0", "exec"),
        Case::new::<TokioPgStr>(W6U, TPG_STR, "exec"),
        Case::new::<PostgresMany<false>>(W6U, "postgres query(&str)", "exec"),
        Case::new::<SqlxMany<false>>(W6U, "sqlx persistent(false)", "exec"),
        Case {
            workload: W6U,
            driver: PSYCOPG_UNPREPARED,
            unit: "exec",
            run: |url, ops| python::run("unprepared-psycopg", url, ops, &[]),
        },
    ]
}

const CLI: Cli = Cli {
    name: "engine",
    count_flag: "--ops",
    reps: 5,
    count: 20_000,
    out: "engine.md",
    strace: false,
};

fn main() {
    common::main("engine", cases, run);
}

fn run(all: &[Case], args: &[String]) -> Result<()> {
    let o = CLI.parse(args)?;
    let mut cases = o.select(all)?;
    // Python drivers that do not import are skipped with a note.
    let mut notes = Vec::new();
    cases.retain(|c| match PYTHON_CASES.iter().find(|(d, _)| *d == c.driver) {
        None => true,
        Some((driver, case)) => match python::check(case) {
            Ok(()) => true,
            Err(e) => {
                eprintln!("skipping {driver}: {e}");
                notes.push(format!(
                    "{driver} skipped: the driver does not import with {} ({e}); install with \
                     `python3 -m venv benches/python/.venv && benches/python/.venv/bin/pip install \
                     asyncpg \"psycopg[binary]\" psycopg-pool uvloop`.",
                    python::python().display()
                ));
                false
            }
        },
    });
    let versions = python::versions();

    let server = common::BenchServer::start(o.pg)?;
    let (url, server_version) = (server.url.clone(), server.version.clone());
    let load_before = machine::load_average();
    eprintln!(
        "PostgreSQL {server_version}; {} cases x {} reps x {} ops, interleaved",
        cases.len(),
        o.reps,
        o.count
    );
    let samples = harness::run_interleaved(&cases, &url, o.count, o.reps, |rep, case, s| {
        eprintln!(
            "  rep {} {:<22} {:<38} {:>9.0} op/s  cpu {:>6.2} µs/op (user {:>5.2}, sys {:>5.2})",
            rep + 1,
            case.workload,
            case.driver,
            s.throughput(),
            s.cpu_us_per_op(),
            s.user_us_per_op(),
            s.sys_us_per_op(),
        );
    })?;
    let results = CaseResult::collect(&cases, samples);
    let workloads: Vec<(&str, Vec<CaseResult>)> = [W2, W6, W6U]
        .into_iter()
        .map(|w| {
            let rs: Vec<CaseResult> = cases
                .iter()
                .zip(&results)
                .filter(|(c, _)| c.workload == w)
                .map(|(_, r)| r.clone())
                .collect();
            (w, rs)
        })
        .collect();
    let load_after = machine::load_average();

    // User-space instructions of W6's Rust cases: exact, unlike the tick-sampled user time.
    let mut instructions = Vec::new();
    if o.valgrind && valgrind::available() {
        let dir = common::scratch_dir("engine-valgrind")?;
        let ops = o.count.min(5_000);
        for case in cases.iter().filter(|c| c.workload != W2 && is_rust(c.driver)) {
            eprintln!("  valgrind (cachegrind): {} ({ops} executions and 0)", case.driver);
            instructions.push((case.driver, valgrind::instructions_per_op(case, &url, ops, &dir)?));
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    drop(server);

    let header = Header { server_version, load_before, load_after, versions, notes, instructions };
    let md = markdown(&o, &workloads, &header);
    print!("{md}");
    o.write_report(&md)
}

struct Header {
    server_version: String,
    load_before: String,
    load_after: String,
    versions: String,
    notes: Vec<String>,
    /// User-space instructions per execution (valgrind), W6's Rust cases.
    instructions: Vec<(&'static str, valgrind::PerOp)>,
}

fn is_rust(driver: &str) -> bool {
    !PYTHON_CASES.iter().any(|(d, _)| *d == driver)
}

/// Per-round ratio of two cases' throughputs, `a ÷ b`.
fn throughput_ratio(a: &CaseResult, b: &CaseResult) -> Stat {
    a.ratio(b, Sample::throughput)
}

fn markdown(o: &Options, workloads: &[(&str, Vec<CaseResult>)], h: &Header) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# Issue 5 engine benchmarks: W2 pipeline, W6 many_stmts\n");
    let _ = writeln!(
        md,
        "{} · {} × {} · PostgreSQL {} (local, TCP 127.0.0.1, no TLS, fsync/synchronous_commit/full_page_writes off) · \
         {} ops per run · {} repetitions per case, interleaved over all cases, each in its own process · \
         load average {} before, {} after · {}\n",
        machine::today(),
        machine::nproc(),
        machine::cpu_model(),
        h.server_version,
        o.count,
        o.reps,
        h.load_before,
        h.load_after,
        h.versions,
    );
    let _ = writeln!(
        md,
        "Median (min–max) over the repetitions. Client CPU = getrusage(RUSAGE_SELF) of the client process over the \
         timed part (the Python peers measure their own timed part with `resource.getrusage`, so the interpreter's \
         start-up is not counted); the user/sys split is tick-sampled (4 ms), the total is exact; the pooled \
         user figure (Σ user ÷ Σ ops over all repetitions) is the steadier one. Ratios are per round (the runs of a \
         round ran back to back), median (min–max). Rust async drivers on a current-thread tokio runtime; asyncpg on \
         uvloop. Every setup (untimed) connects and runs {WARMUP} warm-up executions.\n"
    );
    for note in &h.notes {
        let _ = writeln!(md, "> {note}\n");
    }

    let find = |w: &str, d: &str| {
        workloads
            .iter()
            .find(|(name, _)| *name == w)
            .and_then(|(_, rs)| rs.iter().find(|r| r.driver == d))
    };
    let section = |md: &mut String, w: &str, title: &str, reference: &str| {
        if let Some((_, rs)) = workloads.iter().find(|(name, _)| *name == w)
            && !rs.is_empty()
        {
            let _ = writeln!(md, "## {title}\n");
            md.push_str(&table(rs, reference));
            // The server backend's CPU, where the workload measured it: near 100% busy, the
            // server (not the client) set the pace.
            let server = rs.iter().any(CaseResult::has_server);
            let _ = writeln!(
                md,
                "\n| driver | user µs/op, pooled | sys µs/op, pooled | throughput ÷ {reference} (per round) |{}\n|---|---|---|---|{}",
                if server { " server CPU µs/op | server busy |" } else { "" },
                if server { "---|---|" } else { "" },
            );
            for r in rs {
                let ratio = find(w, reference)
                    .map(|re| throughput_ratio(r, re).show(2))
                    .unwrap_or_else(|| "-".into());
                let server = match (server, r.has_server()) {
                    (false, _) => String::new(),
                    (true, false) => " - | - |".into(),
                    (true, true) => format!(
                        " {} | {} % |",
                        r.stat(|s| s.server_ns_per_op().unwrap_or(f64::NAN) / 1e3).show(2),
                        r.stat(|s| s.server_busy().unwrap_or(f64::NAN) * 100.0).show(0),
                    ),
                };
                let _ = writeln!(
                    md,
                    "| {} | {:.2} | {:.2} | {ratio} |{server}",
                    r.driver,
                    pooled(r, |s| s.user.as_secs_f64()),
                    pooled(r, |s| s.sys.as_secs_f64()),
                );
            }
            md.push('\n');
        }
    };
    section(
        &mut md,
        W2,
        &format!(
            "W2 pipeline: {} × `{INSERT}` (int8, text), one transaction, one connection",
            o.count
        ),
        TPG_JOIN,
    );
    let _ = writeln!(
        md,
        "`pgtusk async/blocking execute_many`: one call, one Sync, one round trip. `pgtusk async pipeline`: \
         {} `Pipeline::execute` and one `sync`. `tokio-postgres try_join_all`: the statement prepared once, all \
         `execute` futures in flight (one Sync per statement). `asyncpg executemany`: one Sync for the batch. \
         Each run: `BEGIN`, the inserts, `COMMIT` (timed); the table is truncated in the untimed setup.\n",
        o.count
    );
    section(
        &mut md,
        W6,
        &format!(
            "W6 many_stmts: {} executions cycling through 10 × `SELECT $1::int8 + k`, cached",
            o.count
        ),
        TPG_PREPARED,
    );
    section(&mut md, W6U, "W6 many_stmts_unprepared: the same, no statement cache", TPG_STR);
    let _ = writeln!(
        md,
        "`pgtusk async (cache)`: `query_scalar(&str)` with the default cache (prepared after 2 executions, then \
         Bind/Execute/Sync). `tokio-postgres prepared`: the 10 statements prepared once, `query_one(&stmt)`. \
         `asyncpg fetchval (cache)`: asyncpg's own statement cache. `pgtusk async statement_cache_size=0`: unnamed \
         Parse/Bind/Describe/Execute/Sync, one round trip. `tokio-postgres query(&str)`: prepare + execute, two round \
         trips. `psycopg execute(prepare=False)`: libpq's PQsendQueryParams, one round trip (text parameters).\n"
    );

    if !h.instructions.is_empty() {
        let _ = writeln!(
            md,
            "## W6: user-space instructions per execution (valgrind)\n\n\
             `valgrind --tool=cachegrind --cache-sim=no`, (N − 0 executions) / N with N = {}; exact and \
             load-independent, unlike the tick-sampled user time above. The second count leaves out libc's \
             memset/memcpy/memmove (valgrind counts each `rep movs`/`rep stos` iteration as one instruction).\n\n\
             | driver | instructions/exec | ÷ peer | without libc memset/memcpy | ÷ peer |\n|---|---|---|---|---|",
            o.count.min(5_000)
        );
        let get = |d: &str| h.instructions.iter().find(|(x, _)| *x == d).map(|(_, n)| *n);
        for (driver, n) in &h.instructions {
            let peer = if *driver == PG_CACHED {
                get(TPG_PREPARED)
            } else if *driver == PG_UNCACHED {
                get(TPG_STR)
            } else {
                None
            };
            let ratio = |f: fn(&valgrind::PerOp) -> f64| {
                peer.map(|p| format!("{:.2}", f(n) / f(&p))).unwrap_or_else(|| "-".into())
            };
            let _ = writeln!(
                md,
                "| {driver} | {:.0} | {} | {:.0} | {} |",
                n.all,
                ratio(|p| p.all),
                n.without_mem,
                ratio(|p| p.without_mem)
            );
        }
        md.push('\n');
    }

    // Targets of issue 5.
    let mut t = Vec::new();
    let tp = |a: &str, b: &str, w: &str, limit: f64, what: &str, t: &mut Vec<String>| match (
        find(w, a),
        find(w, b),
    ) {
        (Some(ra), Some(rb)) => {
            let r = throughput_ratio(ra, rb);
            t.push(format!(
                "| {a} throughput ≥ {what} × {b} | {} | {} |",
                r.show(2),
                verdict(r.median >= limit)
            ));
        }
        _ => t.push(format!("| {a} throughput ≥ {what} × {b} | not measured | - |")),
    };
    for a in [PG_EM_ASYNC, PG_EM_BLOCKING] {
        tp(a, ASYNCPG_EM, W2, 1.2, "1.2", &mut t);
        tp(a, TPG_JOIN, W2, 3.0, "3", &mut t);
    }
    if let (Some(pg), Some(re)) = (find(W6, PG_CACHED), find(W6, TPG_PREPARED)) {
        let cpu = pg.ratio(re, Sample::cpu_us_per_op);
        t.push(format!(
            "| {PG_CACHED} client CPU ≤ 0.8 × {TPG_PREPARED} | {} | {} |",
            cpu.show(2),
            verdict(cpu.median <= 0.8)
        ));
        let user = pg.ratio(re, Sample::user_us_per_op);
        t.push(format!(
            "| {PG_CACHED} user CPU ≤ 0.5 × {TPG_PREPARED} (per round) | {} | {} |",
            user.show(2),
            verdict(user.median <= 0.5)
        ));
        let pooled_ratio =
            pooled(pg, |s| s.user.as_secs_f64()) / pooled(re, |s| s.user.as_secs_f64());
        t.push(format!(
            "| {PG_CACHED} user CPU ≤ 0.5 × {TPG_PREPARED} (pooled) | {pooled_ratio:.2} | {} |",
            verdict(pooled_ratio <= 0.5)
        ));
        let get = |d: &str| h.instructions.iter().find(|(x, _)| *x == d).map(|(_, n)| *n);
        if let (Some(a), Some(b)) = (get(PG_CACHED), get(TPG_PREPARED)) {
            let (all, without) = (a.all / b.all, a.without_mem / b.without_mem);
            t.push(format!(
                "| {PG_CACHED} user-space instructions ≤ 0.5 × {TPG_PREPARED} (valgrind; without libc memset/memcpy) | {all:.2}; {without:.2} | {}; {} |",
                verdict(all <= 0.5),
                verdict(without <= 0.5)
            ));
        }
        for peer in [TPG_PREPARED, ASYNCPG_CACHED] {
            tp(PG_CACHED, peer, W6, 1.0, "1", &mut t);
        }
    }
    tp(PG_UNCACHED, TPG_STR, W6U, 1.25, "1.25", &mut t);
    tp(PG_UNCACHED, PSYCOPG_UNPREPARED, W6U, 1.0, "1", &mut t);
    let _ = writeln!(
        md,
        "## Targets (issue 5)\n\nThroughput ratios are per round (÷ the peer's run in the same round).\n\n\
         | target | measured: median (min–max) | |\n|---|---|---|"
    );
    for line in t {
        let _ = writeln!(md, "{line}");
    }
    md
}
