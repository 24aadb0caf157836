//! W3 `wide_read`: 1M rows × 6 columns (int8, float8, text(20), timestamptz, bool,
//! numeric(12,2)) read with a streamed `SELECT` and decoded into Rust types, pgtusk against
//! tokio-postgres and sqlx, and against what the server itself spends per row (issue 4's
//! benchmark).
//!
//! ```text
//! cargo run --release -p pgtusk-benches --bin wide [-- OPTIONS]
//!   --reps N       repetitions per driver, interleaved (default 3)
//!   --rows N       rows in the table, all read by every run (default 1000000)
//!   --drivers A,B  only these drivers (default: all)
//!   --out PATH     where the Markdown goes (default benches/results/wide.md)
//!   --pg N         PostgreSQL major version of the throwaway server (default 15)
//!   --no-valgrind  skip the user-space instruction count
//! ```
//!
//! The parent creates `copy_src` (the rows of the `copy` benchmark, [`common::source_sql`]),
//! reads it once untimed (warming the OS page cache), and runs every case in its own child
//! process, repetitions interleaved. Each case's setup (untimed) connects, prepares the query
//! where the driver can, and asks for its backend's pid (`SELECT pg_backend_pid()`); the
//! harness reads that backend's CPU time from `/proc` before and after the timed body, so every
//! run also says what the server spent per row while serving it.
//!
//! The body streams `SELECT id, x, name, ts, flag, amount FROM copy_src`, decodes every column
//! into an owned Rust value (i64, f64, String, SystemTime, bool, Decimal) and checks each row
//! against the generator (x = id / 4, the name and amount of pool slot id % 1024, ts =
//! 2000-01-01 + id s, flag = id % 3 == 0); at the end the row count, the sum of the ids, the
//! number of true flags, the total name length and the sum of the amounts in cents are checked
//! against their closed forms. The same checks in every driver, so the difference is the
//! drivers' own work.

use std::fmt::Write as _;
use std::pin::pin;
use std::time::{Duration, SystemTime};

use pgtusk::types::Numeric;
use pgtusk_benches::common::{
    self, COLUMNS, Cli, Options, PG_EPOCH_UNIX, POOL, SOURCE, cents, name, runtime, slot,
    tokio_pg_connect, verdict,
};
use pgtusk_benches::harness::{self, Case, Sample, Workload};
use pgtusk_benches::report::CaseResult;
use pgtusk_benches::{BoxError, Result, machine, valgrind};
use rust_decimal::Decimal;

const WORKLOAD: &str = "wide_read";
const SQL: &str = "SELECT id, x, name, ts, flag, amount FROM copy_src";
const CEILING_SQL: &str =
    "COPY (SELECT id, x, name, ts, flag, amount FROM copy_src) TO '/dev/null' (FORMAT binary)";

const PG_ASYNC: &str = "pgtusk async query_stream";
const PG_BLOCKING: &str = "pgtusk blocking query_stream";
const PG_NUMERIC: &str = "pgtusk async query_stream (Numeric)";
const REFERENCE: &str = "tokio-postgres query_raw";
const SQLX: &str = "sqlx fetch";
const CEILING: &str = "server COPY (SELECT) TO /dev/null";

// ----- the checks ----------------------------------------------------------------------------

/// What every driver does with each row: checks it against the generator and accumulates
/// the totals checked at the end.
struct Check {
    names: Vec<String>,
    epoch: SystemTime,
    rows: u64,
    sum_id: i64,
    flags: u64,
    name_len: u64,
    sum_cents: i64,
}

impl Check {
    fn new() -> Check {
        Check {
            names: (0..POOL).map(name).collect(),
            epoch: SystemTime::UNIX_EPOCH + Duration::from_secs(PG_EPOCH_UNIX),
            rows: 0,
            sum_id: 0,
            flags: 0,
            name_len: 0,
            sum_cents: 0,
        }
    }

    /// One row; `amount_cents` is the amount in hundredths (`None`: not at scale 2).
    #[inline]
    fn row(
        &mut self,
        id: i64,
        x: f64,
        name: &str,
        ts: SystemTime,
        flag: bool,
        amount_cents: Option<i64>,
    ) -> Result<()> {
        let i = id as u64;
        let k = slot(i);
        let ok = x == id as f64 * 0.25
            && name == self.names[k]
            && ts == self.epoch + Duration::from_secs(i)
            && flag == i.is_multiple_of(3)
            && amount_cents == Some(cents(k));
        if !ok {
            return Err(Self::mismatch(id, x, name, ts, flag, amount_cents));
        }
        self.rows += 1;
        self.sum_id = self.sum_id.wrapping_add(id);
        self.flags += u64::from(flag);
        self.name_len += name.len() as u64;
        self.sum_cents += amount_cents.unwrap_or(0);
        Ok(())
    }

    #[cold]
    fn mismatch(
        id: i64,
        x: f64,
        name: &str,
        ts: SystemTime,
        flag: bool,
        amount: Option<i64>,
    ) -> BoxError {
        format!("row {id} differs from the generator: {x} {name:?} {ts:?} {flag} {amount:?}").into()
    }

    /// The totals of rows `0..n`.
    fn finish(&self, n: u64) -> Result<()> {
        let full = n / POOL as u64;
        let per_cycle: i64 = (0..POOL).map(cents).sum();
        let rest: i64 = (0..(n % POOL as u64) as usize).map(cents).sum();
        let want = (
            n,
            (n as i64) * (n as i64 - 1) / 2,
            n.div_ceil(3),
            20 * n,
            full as i64 * per_cycle + rest,
        );
        let got = (self.rows, self.sum_id, self.flags, self.name_len, self.sum_cents);
        if got == want {
            Ok(())
        } else {
            Err(format!(
                "totals (rows, Σ id, flags, Σ name length, Σ cents) {got:?}, expected {want:?}"
            )
            .into())
        }
    }
}

/// A `Decimal` numeric(12,2) in hundredths.
#[inline]
fn decimal_cents(d: &Decimal) -> Option<i64> {
    (d.scale() == 2).then(|| d.mantissa() as i64)
}

// ----- pgtusk --------------------------------------------------------------------------------

fn pgtusk_pid_async(rt: &tokio::runtime::Runtime, conn: &mut pgtusk::Connection) -> Result<u32> {
    let pid: i32 = rt.block_on(conn.query_scalar("SELECT pg_backend_pid()", ()))?;
    Ok(pid as u32)
}

struct PgAsync {
    rt: tokio::runtime::Runtime,
    conn: pgtusk::Connection,
    stmt: pgtusk::Statement,
    pid: u32,
}

fn pg_async_setup(url: &str) -> Result<PgAsync> {
    let rt = runtime()?;
    let mut conn = rt.block_on(pgtusk::Connection::connect(url))?;
    let stmt = rt.block_on(conn.prepare(SQL))?;
    let pid = pgtusk_pid_async(&rt, &mut conn)?;
    Ok(PgAsync { rt, conn, stmt, pid })
}

#[derive(Default)]
struct PgtuskAsync;

impl Workload for PgtuskAsync {
    type State = PgAsync;

    fn setup(&self, url: &str) -> Result<Self::State> {
        pg_async_setup(url)
    }

    fn body(&self, s: &mut Self::State, ops: u64) -> Result<()> {
        if ops == 0 {
            return Ok(()); // the valgrind baseline: setup only
        }
        let mut check = Check::new();
        s.rt.block_on(async {
            let mut rows = s.conn.query_stream(&s.stmt, ()).await?;
            while let Some(row) = rows.next_as::<Typed<Decimal>>().await {
                let (id, x, name, ts, flag, amount) = row?;
                check.row(id, x, &name, ts, flag, decimal_cents(&amount))?;
            }
            Ok::<_, BoxError>(())
        })?;
        check.finish(ops)
    }

    fn server_pid(&self, s: &Self::State) -> Option<u32> {
        Some(s.pid)
    }
}

/// A row of the table as pgtusk streams it: built straight from the DataRow (`next_as`).
type Typed<A> = (i64, f64, String, SystemTime, bool, A);

#[derive(Default)]
struct PgtuskNumeric;

impl Workload for PgtuskNumeric {
    type State = (PgAsync, Vec<Numeric>);

    fn setup(&self, url: &str) -> Result<Self::State> {
        let amounts = (0..POOL)
            .map(|k| {
                let c = cents(k);
                format!("{}.{:02}", c / 100, c % 100).parse::<Numeric>()
            })
            .collect::<std::result::Result<_, _>>()?;
        Ok((pg_async_setup(url)?, amounts))
    }

    fn body(&self, (s, amounts): &mut Self::State, ops: u64) -> Result<()> {
        if ops == 0 {
            return Ok(());
        }
        let mut check = Check::new();
        s.rt.block_on(async {
            let mut rows = s.conn.query_stream(&s.stmt, ()).await?;
            while let Some(row) = rows.next_as::<Typed<Numeric>>().await {
                let (id, x, name, ts, flag, amount) = row?;
                // Numeric has no cheap integer view of a fractional value: it is compared
                // with the expected value (same digits, same scale), whose cents are known.
                let k = slot(id as u64);
                let amount_cents = (amount == amounts[k]).then(|| cents(k));
                check.row(id, x, &name, ts, flag, amount_cents)?;
            }
            Ok::<_, BoxError>(())
        })?;
        check.finish(ops)
    }

    fn server_pid(&self, (s, _): &Self::State) -> Option<u32> {
        Some(s.pid)
    }
}

#[derive(Default)]
struct PgtuskBlocking;

impl Workload for PgtuskBlocking {
    type State = (pgtusk::blocking::Connection, pgtusk::Statement, u32);

    fn setup(&self, url: &str) -> Result<Self::State> {
        let mut conn = pgtusk::blocking::Connection::connect(url)?;
        let stmt = conn.prepare(SQL)?;
        let pid: i32 = conn.query_scalar("SELECT pg_backend_pid()", ())?;
        Ok((conn, stmt, pid as u32))
    }

    fn body(&self, (conn, stmt, _): &mut Self::State, ops: u64) -> Result<()> {
        if ops == 0 {
            return Ok(());
        }
        let mut check = Check::new();
        let mut rows = conn.query_stream(&*stmt, ())?;
        while let Some(row) = rows.next_as::<Typed<Decimal>>() {
            let (id, x, name, ts, flag, amount) = row?;
            check.row(id, x, &name, ts, flag, decimal_cents(&amount))?;
        }
        check.finish(ops)
    }

    fn server_pid(&self, (.., pid): &Self::State) -> Option<u32> {
        Some(*pid)
    }
}

// ----- tokio-postgres ------------------------------------------------------------------------

#[derive(Default)]
struct TokioPg;

impl Workload for TokioPg {
    type State = (tokio::runtime::Runtime, tokio_postgres::Client, tokio_postgres::Statement, u32);

    fn setup(&self, url: &str) -> Result<Self::State> {
        let (rt, client) = tokio_pg_connect(url)?;
        let (stmt, pid) = rt.block_on(async {
            let stmt = client.prepare(SQL).await?;
            let pid: i32 = client.query_one("SELECT pg_backend_pid()", &[]).await?.get(0);
            Ok::<_, BoxError>((stmt, pid as u32))
        })?;
        Ok((rt, client, stmt, pid))
    }

    fn body(&self, (rt, client, stmt, _): &mut Self::State, ops: u64) -> Result<()> {
        use futures::TryStreamExt as _;
        if ops == 0 {
            return Ok(());
        }
        let mut check = Check::new();
        rt.block_on(async {
            let params: [&(dyn tokio_postgres::types::ToSql + Sync); 0] = [];
            let rows = client.query_raw(&*stmt, params).await?;
            let mut rows = pin!(rows);
            while let Some(row) = rows.try_next().await? {
                let id: i64 = row.try_get(0)?;
                let x: f64 = row.try_get(1)?;
                let name: String = row.try_get(2)?;
                let ts: SystemTime = row.try_get(3)?;
                let flag: bool = row.try_get(4)?;
                let amount: Decimal = row.try_get(5)?;
                check.row(id, x, &name, ts, flag, decimal_cents(&amount))?;
            }
            Ok::<_, BoxError>(())
        })?;
        check.finish(ops)
    }

    fn server_pid(&self, (.., pid): &Self::State) -> Option<u32> {
        Some(*pid)
    }
}

// ----- postgres (blocking) -------------------------------------------------------------------

#[derive(Default)]
struct PostgresBlocking;

impl Workload for PostgresBlocking {
    type State = (postgres::Client, postgres::Statement, u32);

    fn setup(&self, url: &str) -> Result<Self::State> {
        let mut client = postgres::Client::connect(url, postgres::NoTls)?;
        let stmt = client.prepare(SQL)?;
        let pid: i32 = client.query_one("SELECT pg_backend_pid()", &[])?.get(0);
        Ok((client, stmt, pid as u32))
    }

    fn body(&self, (client, stmt, _): &mut Self::State, ops: u64) -> Result<()> {
        use postgres::fallible_iterator::FallibleIterator as _;
        if ops == 0 {
            return Ok(());
        }
        let mut check = Check::new();
        let params: [&(dyn postgres::types::ToSql + Sync); 0] = [];
        let mut rows = client.query_raw(&*stmt, params)?;
        while let Some(row) = rows.next()? {
            let id: i64 = row.try_get(0)?;
            let x: f64 = row.try_get(1)?;
            let name: String = row.try_get(2)?;
            let ts: SystemTime = row.try_get(3)?;
            let flag: bool = row.try_get(4)?;
            let amount: Decimal = row.try_get(5)?;
            check.row(id, x, &name, ts, flag, decimal_cents(&amount))?;
        }
        check.finish(ops)
    }

    fn server_pid(&self, (.., pid): &Self::State) -> Option<u32> {
        Some(*pid)
    }
}

// ----- sqlx ----------------------------------------------------------------------------------

#[derive(Default)]
struct Sqlx;

impl Workload for Sqlx {
    type State = (tokio::runtime::Runtime, sqlx::PgConnection, u32);

    fn setup(&self, url: &str) -> Result<Self::State> {
        use sqlx::Connection as _;
        let rt = runtime()?;
        let (conn, pid) = rt.block_on(async {
            let mut conn = sqlx::PgConnection::connect(url).await?;
            let pid: i32 =
                sqlx::query_scalar("SELECT pg_backend_pid()").fetch_one(&mut conn).await?;
            Ok::<_, BoxError>((conn, pid as u32))
        })?;
        Ok((rt, conn, pid))
    }

    fn body(&self, (rt, conn, _): &mut Self::State, ops: u64) -> Result<()> {
        use futures::TryStreamExt as _;
        use sqlx::Row as _;
        if ops == 0 {
            return Ok(());
        }
        let mut check = Check::new();
        rt.block_on(async {
            // `sqlx::query` is a persistent (prepared and cached) statement: the first run
            // prepares it, one round trip in a read of a million rows.
            let mut rows = sqlx::query(SQL).fetch(&mut *conn);
            while let Some(row) = rows.try_next().await? {
                let id: i64 = row.try_get(0)?;
                let x: f64 = row.try_get(1)?;
                let name: String = row.try_get(2)?;
                // sqlx decodes timestamptz into chrono (or time) types, not SystemTime.
                let ts: chrono::DateTime<chrono::Utc> = row.try_get(3)?;
                let flag: bool = row.try_get(4)?;
                let amount: Decimal = row.try_get(5)?;
                check.row(id, x, &name, SystemTime::from(ts), flag, decimal_cents(&amount))?;
            }
            Ok::<_, BoxError>(())
        })?;
        check.finish(ops)
    }

    fn server_pid(&self, (.., pid): &Self::State) -> Option<u32> {
        Some(*pid)
    }
}

// ----- the server's ceiling ------------------------------------------------------------------

#[derive(Default)]
struct Ceiling;

impl Workload for Ceiling {
    type State = (pgtusk::blocking::Connection, u32);

    fn setup(&self, url: &str) -> Result<Self::State> {
        let mut conn = pgtusk::blocking::Connection::connect(url)?;
        let pid: i32 = conn.query_scalar("SELECT pg_backend_pid()", ())?;
        Ok((conn, pid as u32))
    }

    fn body(&self, (conn, _): &mut Self::State, ops: u64) -> Result<()> {
        if ops == 0 {
            return Ok(());
        }
        let n = conn.execute(CEILING_SQL, ())?;
        if n == ops { Ok(()) } else { Err(format!("COPY reported {n} rows, not {ops}").into()) }
    }

    fn server_pid(&self, (_, pid): &Self::State) -> Option<u32> {
        Some(*pid)
    }
}

// ----- the run -------------------------------------------------------------------------------

pub fn cases() -> Vec<Case> {
    vec![
        Case::new::<PgtuskAsync>(WORKLOAD, PG_ASYNC, "row"),
        Case::new::<PgtuskBlocking>(WORKLOAD, PG_BLOCKING, "row"),
        Case::new::<PgtuskNumeric>(WORKLOAD, PG_NUMERIC, "row"),
        Case::new::<TokioPg>(WORKLOAD, REFERENCE, "row"),
        Case::new::<PostgresBlocking>(WORKLOAD, "postgres query_raw", "row"),
        Case::new::<Sqlx>(WORKLOAD, SQLX, "row"),
        Case::new::<Ceiling>(WORKLOAD, CEILING, "row"),
    ]
}

const CLI: Cli = Cli {
    name: "wide",
    count_flag: "--rows",
    reps: 3,
    count: 1_000_000,
    out: "wide.md",
    strace: false,
};

fn main() {
    common::main("wide", cases, run);
}

/// (driver, user-space instructions per row).
type Instructions = Vec<(&'static str, valgrind::PerOp)>;

fn run(all: &[Case], args: &[String]) -> Result<()> {
    let o = CLI.parse(args)?;
    let cases = o.select(all)?;
    let server = common::BenchServer::start(o.pg)?;
    let (url, server_version) = (server.url.clone(), server.version.clone());
    eprintln!("PostgreSQL {server_version}; creating {SOURCE} with {} rows", o.count);
    let table_size = {
        let mut conn = pgtusk::blocking::Connection::connect(&url)?;
        common::create_source(&mut conn, o.count)?;
        // One untimed read: the table's pages into the OS page cache (and hint bits set).
        conn.execute(CEILING_SQL, ())?;
        conn.query_scalar::<i64, _, _>("SELECT pg_table_size('copy_src')", ())?
    };
    // Each driver once on the whole table before measuring: every row must pass the checks.
    for case in &cases {
        (case.run)(&url, o.count)?;
    }
    eprintln!("  every driver read the {} rows and they passed the checks", o.count);

    let load_before = machine::load_average();
    eprintln!(
        "{WORKLOAD}: {} drivers x {} reps x {} rows, interleaved",
        cases.len(),
        o.reps,
        o.count
    );
    let samples = harness::run_interleaved(&cases, &url, o.count, o.reps, |rep, case, s| {
        eprintln!(
            "  rep {} {:<36} wall {:>6.3} s  client cpu {:>4.0} ns/row (user {:>4.0}, sys {:>4.0})  server cpu {:>4} ns/row  rss {:>5.1} MiB",
            rep + 1,
            case.driver,
            s.wall.as_secs_f64(),
            s.cpu_us_per_op() * 1e3,
            s.user_us_per_op() * 1e3,
            s.sys_us_per_op() * 1e3,
            s.server_ns_per_op().map_or("-".into(), |n| format!("{n:.0}")),
            s.max_rss_kib as f64 / 1024.0
        );
    })?;
    let results = CaseResult::collect(&cases, samples);
    let load_after = machine::load_average();

    let mut instructions = Vec::new();
    if o.valgrind && valgrind::available() {
        let dir = common::scratch_dir("wide-valgrind")?;
        for case in cases.iter().filter(|c| c.driver != CEILING) {
            eprintln!("  valgrind (cachegrind): {} ({} rows and 0)", case.driver, o.count);
            instructions
                .push((case.driver, valgrind::instructions_per_op(case, &url, o.count, &dir)?));
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    drop(server);

    let h = Header { server_version, table_size, load_before, load_after };
    let md = markdown(&o, &results, &instructions, &h);
    print!("{md}");
    o.write_report(&md)
}

struct Header {
    server_version: String,
    table_size: i64,
    load_before: String,
    load_after: String,
}

fn wall_s(s: &Sample) -> f64 {
    s.wall.as_secs_f64()
}

fn cpu_total(s: &Sample) -> f64 {
    (s.user + s.sys).as_secs_f64()
}

fn server_ns(s: &Sample) -> f64 {
    s.server_ns_per_op().unwrap_or(f64::NAN)
}

fn wall_ns(s: &Sample) -> f64 {
    s.wall.as_secs_f64() * 1e9 / s.ops as f64
}

fn markdown(
    o: &Options,
    results: &[CaseResult],
    instructions: &Instructions,
    h: &Header,
) -> String {
    let re = results.iter().find(|r| r.driver == REFERENCE);
    let ce = results.iter().find(|r| r.driver == CEILING);
    let ratio = |r: &CaseResult, f: fn(&Sample) -> f64| -> String {
        re.map_or_else(|| "-".into(), |re| r.ratio(re, f).show(2))
    };
    let mut md = String::new();
    let _ = writeln!(md, "# W3 wide_read: {} rows × 6 columns, streamed and decoded\n", o.count);
    let _ = writeln!(
        md,
        "{} · {} × {} · PostgreSQL {} (local throwaway server, TCP 127.0.0.1, no TLS, \
         fsync/synchronous_commit/full_page_writes off; client and server share the machine) · {} repetitions per \
         driver, interleaved, each in its own process · load average {} before, {} after\n",
        machine::today(),
        machine::nproc(),
        machine::cpu_model(),
        h.server_version,
        o.reps,
        h.load_before,
        h.load_after,
    );
    let _ = writeln!(
        md,
        "`{SQL}` over the UNLOGGED table `{SOURCE} ({COLUMNS})` ({:.1} MiB; the rows of the `copy` benchmark: row `i` \
         is `i`, `i * 0.25`, one of {POOL} 20-byte names, 2000-01-01 + `i` s, `i % 3 = 0`, one of {POOL} amounts), read \
         once untimed before the runs. Every driver decodes each row into owned values — `i64, f64, String, \
         SystemTime, bool, rust_decimal::Decimal` — checks it against the generator and sums the ids, flags, name \
         lengths and amounts (in cents), checked at the end; before measuring, every driver read the whole table once \
         and passed. Setup (untimed) connects, prepares the statement (pgtusk `prepare`, tokio-postgres `prepare`; \
         sqlx prepares and caches it on first use, one round trip inside the timed read) and reads the backend's pid.\n",
        h.table_size as f64 / (1024.0 * 1024.0),
    );
    let _ = writeln!(
        md,
        "- `{PG_ASYNC}` / `{PG_BLOCKING}`: `query_stream(&stmt, ())` and `next_as::<(i64, f64, String, SystemTime, \
         bool, Decimal)>()`, which builds each tuple straight from the DataRow; `{PG_NUMERIC}`: the same with \
         `pgtusk::types::Numeric` for the amount (compared with the expected value instead of read as cents).\n\
         - `{REFERENCE}` (tokio-postgres 0.7, the reference): `query_raw(&stmt, [])` stream, `row.try_get`; \
         `Decimal` through rust_decimal's `db-tokio-postgres`.\n\
         - `{SQLX}` (sqlx 0.8): `sqlx::query(sql).fetch(&mut conn)` stream, `row.try_get`; timestamptz as \
         `chrono::DateTime<Utc>` (sqlx decodes no `SystemTime`), converted to `SystemTime` for the check.\n\
         - `{CEILING}`: `{CEILING_SQL}` sent by a pgtusk blocking connection: the server reads and formats the same \
         rows with no client reading them (its client CPU is only the wait).\n\
         - All async drivers on a current-thread tokio runtime.\n"
    );
    let _ = writeln!(
        md,
        "Median (min–max) over the repetitions; ratios are per round (the runs of a round ran back to back). Client \
         CPU = getrusage(RUSAGE_SELF) user+sys of the client process over the timed part (the user/sys split is \
         sampled at 4 ms ticks, the total is exact); peak RSS = VmHWM of the client process (its whole run). **Server CPU** \
         = the CPU time of the backend serving that connection over the same timed part (`/proc/<pid>/schedstat`, \
         ns, exact), per row; **server busy** = server CPU ÷ wall: near 100% the read is server-bound (the client \
         keeps up with the server), below it the backend waited for the client (or for a CPU: client and server \
         share 2 cores with other work); **(client + server CPU) ÷ wall** = how many cores the pair kept busy on \
         average (2 at most here; 1 means they took turns).\n"
    );
    let _ = writeln!(
        md,
        "| driver | wall s | k rows/s | client CPU ns/row (user+sys) | user ns/row | sys ns/row | peak RSS MiB | server CPU ns/row | server busy | (client + server CPU) ÷ wall | wall ÷ {REFERENCE} | k rows/s ÷ {REFERENCE} | client CPU ÷ {REFERENCE} |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    );
    for r in results {
        let (server, busy, cores) = if r.has_server() {
            (
                r.stat(server_ns).show(0),
                format!("{} %", r.stat(|s| s.server_busy().unwrap_or(f64::NAN) * 100.0).show(0)),
                r.stat(|s| (s.cpu_us_per_op() * 1e3 + server_ns(s)) / wall_ns(s)).show(2),
            )
        } else {
            ("-".into(), "-".into(), "-".into())
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | **{}** | {} | {} | {} | {server} | {busy} | {cores} | {} | {} | {} |",
            r.driver,
            r.stat(wall_s).show(3),
            r.stat(|s| s.throughput() / 1000.0).show(0),
            r.stat(|s| s.cpu_us_per_op() * 1000.0).show(0),
            r.stat(|s| s.user_us_per_op() * 1000.0).show(0),
            r.stat(|s| s.sys_us_per_op() * 1000.0).show(0),
            r.stat(|s| s.max_rss_kib as f64 / 1024.0).show(1),
            ratio(r, wall_s),
            ratio(r, Sample::throughput),
            if r.driver == CEILING { "-".into() } else { ratio(r, cpu_total) },
        );
    }
    md.push('\n');
    let _ = writeln!(
        md,
        "Where (client + server CPU) ÷ wall is near 1, client and server took turns on one core (the machine's other \
         load took the second), so the wall time is about client CPU + server CPU and the throughput ratios move \
         with that load from round to round; the CPU columns (and the instruction counts below) are the steadier \
         comparison.\n"
    );
    if results.iter().any(|r| !r.has_server()) {
        let _ = writeln!(
            md,
            "Server CPU is missing where `/proc/<backend pid>` was not readable as a `postgres` process (a \
             `DATABASE_URL` server on another machine, or /proc hidden).\n"
        );
    }
    if let Some(ce) = ce.filter(|c| c.has_server()) {
        let _ = writeln!(
            md,
            "The server's own floor: `{CEILING}` costs the backend {} ns/row of CPU with nobody reading; a \
             driver's read costs it more (the DataRow path and the socket writes): the server CPU column above.\n",
            ce.stat(server_ns).show(0)
        );
    }

    let instr_of = |driver: &str| instructions.iter().find(|(d, _)| *d == driver).map(|(_, n)| *n);
    if !instructions.is_empty() {
        let _ = writeln!(
            md,
            "## User-space instructions per row (valgrind)\n\n\
             `valgrind --tool=cachegrind --cache-sim=no`, ({n} rows − 0 rows) / {n}: the client's user-space work, \
             exact and load-independent (the kernel's recv work is not in it; an instruction is not a cycle; each \
             iteration of a `rep movs` / `rep stos` counts as one, hence the count without libc's \
             memcpy/memmove/memset).\n\n\
             | driver | instructions/row | ÷ {REFERENCE} | without libc memcpy/memset | ÷ {REFERENCE} |\n|---|---|---|---|---|",
            n = o.count
        );
        let rei = instr_of(REFERENCE);
        for (driver, n) in instructions {
            let (a, b) = rei.map_or(("-".into(), "-".into()), |re| {
                (format!("{:.2}", n.all / re.all), format!("{:.2}", n.without_mem / re.without_mem))
            });
            let _ = writeln!(md, "| {driver} | {:.0} | {a} | {:.0} | {b} |", n.all, n.without_mem);
        }
        md.push('\n');
    }

    let mut targets = Vec::new();
    for r in results.iter().filter(|r| r.driver.starts_with("pgtusk")) {
        if let Some(re) = re {
            let c = r.ratio(re, cpu_total);
            targets.push(format!(
                "| {} client CPU/row ≤ 0.5 × {REFERENCE} (getrusage user+sys, per round) | {} | {} |",
                r.driver,
                c.show(2),
                verdict(c.median <= 0.5)
            ));
            if let (Some(n), Some(rei)) = (instr_of(r.driver), instr_of(REFERENCE)) {
                let (x, y) = (n.all / rei.all, n.without_mem / rei.without_mem);
                targets.push(format!(
                    "| {} user-space instructions/row ≤ 0.5 × {REFERENCE} (valgrind; without libc memcpy/memset) — the user-space reading of the CPU target | {x:.2}; {y:.2} | {}; {} |",
                    r.driver,
                    verdict(x <= 0.5),
                    verdict(y <= 0.5)
                ));
            }
            let t = r.ratio(re, Sample::throughput);
            targets.push(format!(
                "| {} throughput ≥ {REFERENCE} (per round) | {} | {} |",
                r.driver,
                t.show(2),
                verdict(t.median >= 1.0)
            ));
        }
        if r.has_server() {
            let w = r.stat(|s| 1.0 / s.server_busy().unwrap_or(f64::NAN));
            targets.push(format!(
                "| {} wall within 5% of the server's ceiling: wall/row ≤ 1.05 × the backend's CPU/row in the same run (server busy ≥ 95%) | {} | {} |",
                r.driver,
                w.show(2),
                verdict(w.median <= 1.05)
            ));
        }
    }
    if !targets.is_empty() {
        let _ = writeln!(
            md,
            "## Targets (issue 4)\n\n\
             The ceiling of a streamed read is the server: it cannot send rows faster than its backend produces them. \
             It is measured in every run as the backend's CPU time per row for that very query; a driver reaches it \
             when the backend is on a CPU for ≥ 95% of the wall time (wall ÷ server CPU ≤ 1.05), i.e. the backend \
             never waits for the client. On 2 shared cores, client and server also compete for CPU, so a driver's \
             client CPU shows up in the wall time only when the two cannot run in parallel.\n\n\
             | target | measured: median (min–max) | |\n|---|---|---|"
        );
        for t in targets {
            let _ = writeln!(md, "{t}");
        }
    }
    md
}
