//! W4 `copy_in` and W5 `copy_out`: 1M rows × 6 columns (int8, float8, text(20), timestamptz,
//! bool, numeric(12,2)) through binary COPY, pgtusk against tokio-postgres and against the
//! server's own COPY from / to a file (issue 6's benchmarks).
//!
//! ```text
//! cargo run --release -p pgtusk-benches --bin copy [-- OPTIONS]
//!   --reps N       repetitions per driver, interleaved (default 3)
//!   --rows N       rows per run (default 1000000)
//!   --drivers A,B  only these drivers (default: all)
//!   --out PATH     where the Markdown goes (default benches/results/copy.md)
//!   --pg N         PostgreSQL major version of the throwaway server (default 15)
//! ```
//!
//! The parent creates the source table `copy_src` with SQL (`generate_series`), the target
//! table `copy_bench` (UNLOGGED, no index), and a binary COPY file of the source written by the
//! server itself (`COPY copy_src TO '/tmp/…' (FORMAT binary)`). Before measuring, every
//! copy-in driver loads a few thousand rows once and the result is compared with the source
//! (`md5` of the rows as text), so every driver sends the same values.
//!
//! - `copy_in`: the setup (untimed) connects and truncates `copy_bench`; the body sends the
//!   rows (values made on the fly from the row number: `i`, `i * 0.25`, one of 1024 20-byte
//!   strings, 2000-01-01 + `i` s, `i % 3 == 0`, one of 1024 numeric(12,2) values) and checks the
//!   row count `finish()` returns. `server COPY FROM file` is the ceiling: one statement
//!   `COPY copy_bench FROM '<file>' (FORMAT binary)`.
//! - `copy_out`: the body reads `COPY copy_src TO STDOUT (FORMAT binary)` as raw chunks and
//!   checks the byte count against the file's size and the row count. `server COPY TO
//!   /dev/null` is the ceiling.

use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::pin::pin;
use std::time::{Duration, SystemTime};

use pgtusk::types::{Numeric, TimestampTz, oid};
use pgtusk_benches::common::{
    self, COLUMNS, Cli, Options, PG_EPOCH_UNIX, POOL, SOURCE, cents, name, runtime,
    tokio_pg_connect, verdict,
};
use pgtusk_benches::harness::{self, Case, Sample, Workload};
use pgtusk_benches::report::{CaseResult, Stat};
use pgtusk_benches::{Result, machine, valgrind};
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};

/// The target table of `copy_in`.
const TABLE: &str = "copy_bench";
const COPY_IN_SQL: &str =
    "COPY copy_bench (id, x, name, ts, flag, amount) FROM STDIN (FORMAT binary)";
const COPY_OUT_SQL: &str = "COPY copy_src TO STDOUT (FORMAT binary)";
/// Rows of copy_in under valgrind (copy_out always reads the whole table).
const VALGRIND_IN_ROWS: u64 = 200_000;
/// Rows per driver in the correctness check.
const CHECK_ROWS: u64 = 5_000;

const REF_IN: &str = "tokio-postgres BinaryCopyInWriter";
const CEIL_IN: &str = "server COPY FROM file";
const REF_OUT: &str = "tokio-postgres copy_out";
const CEIL_OUT: &str = "server COPY TO /dev/null";
/// libpq's reader, in C: the transport's ceiling for any client.
const LIBPQ_OUT: &str = "psql COPY TO STDOUT (libpq, C)";

/// The binary file the server writes and reads, named after the server (so the children find
/// it from the URL alone). The server writes it: it must be in a directory the server's user
/// can write.
pub fn data_file(url: &str) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    url.hash(&mut h);
    format!("/tmp/pgtusk-copy-bench-{:016x}.bin", h.finish())
}

// ----- the rows ----------------------------------------------------------------------------

/// Values as pgtusk takes them.
struct PgtuskPool {
    names: Vec<String>,
    amounts: Vec<Numeric>,
}

impl PgtuskPool {
    fn new() -> Result<PgtuskPool> {
        let names = (0..POOL).map(name).collect();
        let amounts = (0..POOL)
            .map(|k| {
                let c = cents(k);
                format!("{}.{:02}", c / 100, c % 100).parse::<Numeric>()
            })
            .collect::<std::result::Result<_, _>>()?;
        Ok(PgtuskPool { names, amounts })
    }

    #[allow(clippy::type_complexity)]
    fn row(&self, i: u64) -> Result<(i64, f64, &str, TimestampTz, bool, &Numeric)> {
        let k = (i % POOL as u64) as usize;
        Ok((
            i as i64,
            i as f64 * 0.25,
            &self.names[k],
            TimestampTz::from_pg_micros(i as i64 * 1_000_000)?,
            i.is_multiple_of(3),
            &self.amounts[k],
        ))
    }
}

/// A numeric(12,2) for tokio-postgres, kept in hundredths and encoded by hand in the binary
/// numeric format (base-10000 digits). tokio-postgres has no numeric type of its own (users
/// add `rust_decimal` and its `with-rust_decimal-1` feature, which this crate does not depend
/// on). The encoder is short and allocation-free, but it is one more `ToSql` call per row, as a
/// `Decimal` would be.
#[derive(Debug)]
struct Cents(i64);

impl ToSql for Cents {
    fn to_sql(
        &self,
        _ty: &Type,
        out: &mut tokio_postgres::types::private::BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        let neg = self.0 < 0;
        let v = self.0.unsigned_abs();
        let (mut int, frac) = (v / 100, (v % 100) as u16 * 100);
        // Integer groups, least significant first.
        let mut groups = [0u16; 8];
        let mut n = 0;
        while int > 0 {
            groups[n] = (int % 10_000) as u16;
            int /= 10_000;
            n += 1;
        }
        let mut digits = [0u16; 9];
        let mut len = 0;
        for g in groups[..n].iter().rev() {
            digits[len] = *g;
            len += 1;
        }
        let mut weight = n as i16 - 1;
        digits[len] = frac;
        len += 1;
        while len > 0 && digits[len - 1] == 0 {
            len -= 1;
        }
        let mut start = 0;
        while start < len && digits[start] == 0 {
            start += 1;
            weight -= 1;
        }
        if start == len {
            weight = 0;
        }
        let digits = &digits[start..len];
        let mut buf = [0u8; 8 + 2 * 9];
        buf[0..2].copy_from_slice(&(digits.len() as u16).to_be_bytes());
        buf[2..4].copy_from_slice(&weight.to_be_bytes());
        buf[4..6].copy_from_slice(&(if neg { 0x4000u16 } else { 0 }).to_be_bytes());
        buf[6..8].copy_from_slice(&2u16.to_be_bytes());
        for (j, d) in digits.iter().enumerate() {
            buf[8 + 2 * j..10 + 2 * j].copy_from_slice(&d.to_be_bytes());
        }
        out.extend_from_slice(&buf[..8 + 2 * digits.len()]);
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::NUMERIC
    }

    to_sql_checked!();
}

// ----- copy_in: pgtusk ---------------------------------------------------------------------

fn truncate(url: &str) -> Result<()> {
    let mut conn = pgtusk::blocking::Connection::connect(url)?;
    conn.batch_execute(&format!("TRUNCATE {TABLE}"))?;
    Ok(())
}

const TYPES: [u32; 6] =
    [oid::INT8, oid::FLOAT8, oid::TEXT, oid::TIMESTAMPTZ, oid::BOOL, oid::NUMERIC];

fn check_rows(n: u64, ops: u64) -> Result<()> {
    if n == ops { Ok(()) } else { Err(format!("COPY reported {n} rows, expected {ops}").into()) }
}

#[derive(Default)]
struct InPgtuskAsync;

impl Workload for InPgtuskAsync {
    type State = (tokio::runtime::Runtime, pgtusk::Connection, PgtuskPool);

    fn setup(&self, url: &str) -> Result<Self::State> {
        let rt = runtime()?;
        let mut conn = rt.block_on(pgtusk::Connection::connect(url))?;
        rt.block_on(conn.batch_execute(&format!("TRUNCATE {TABLE}")))?;
        Ok((rt, conn, PgtuskPool::new()?))
    }

    fn body(&self, (rt, conn, pool): &mut Self::State, ops: u64) -> Result<()> {
        rt.block_on(async {
            let mut w = conn.copy_in_binary(COPY_IN_SQL, &TYPES).await?;
            for i in 0..ops {
                w.write_row(pool.row(i)?).await?;
            }
            check_rows(w.finish().await?, ops)
        })
    }
}

#[derive(Default)]
struct InPgtuskBlocking;

impl Workload for InPgtuskBlocking {
    type State = (pgtusk::blocking::Connection, PgtuskPool);

    fn setup(&self, url: &str) -> Result<Self::State> {
        let mut conn = pgtusk::blocking::Connection::connect(url)?;
        conn.batch_execute(&format!("TRUNCATE {TABLE}"))?;
        Ok((conn, PgtuskPool::new()?))
    }

    fn body(&self, (conn, pool): &mut Self::State, ops: u64) -> Result<()> {
        let mut w = conn.copy_in_binary(COPY_IN_SQL, &TYPES)?;
        for i in 0..ops {
            w.write_row(pool.row(i)?)?;
        }
        check_rows(w.finish()?, ops)
    }
}

// ----- copy_in: tokio-postgres -------------------------------------------------------------

#[derive(Default)]
struct InTokioPg;

impl Workload for InTokioPg {
    type State = (tokio::runtime::Runtime, tokio_postgres::Client, Vec<String>);

    fn setup(&self, url: &str) -> Result<Self::State> {
        let (rt, client) = tokio_pg_connect(url)?;
        rt.block_on(client.batch_execute(&format!("TRUNCATE {TABLE}")))?;
        Ok((rt, client, (0..POOL).map(name).collect()))
    }

    fn body(&self, (rt, client, names): &mut Self::State, ops: u64) -> Result<()> {
        use tokio_postgres::binary_copy::BinaryCopyInWriter;
        let types =
            [Type::INT8, Type::FLOAT8, Type::TEXT, Type::TIMESTAMPTZ, Type::BOOL, Type::NUMERIC];
        rt.block_on(async {
            let sink = client.copy_in(COPY_IN_SQL).await?;
            let mut w = pin!(BinaryCopyInWriter::new(sink, &types));
            let epoch = SystemTime::UNIX_EPOCH + Duration::from_secs(PG_EPOCH_UNIX);
            for i in 0..ops {
                let k = (i % POOL as u64) as usize;
                let id = i as i64;
                let x = i as f64 * 0.25;
                let name: &str = &names[k];
                let ts = epoch + Duration::from_secs(i);
                let flag = i.is_multiple_of(3);
                let amount = Cents(cents(k));
                w.as_mut().write(&[&id, &x, &name, &ts, &flag, &amount]).await?;
            }
            check_rows(w.finish().await?, ops)
        })
    }
}

// ----- copy_in: postgres (blocking) --------------------------------------------------------

#[derive(Default)]
struct InPostgres;

impl Workload for InPostgres {
    type State = (postgres::Client, Vec<String>);

    fn setup(&self, url: &str) -> Result<Self::State> {
        let mut client = postgres::Client::connect(url, postgres::NoTls)?;
        client.batch_execute(&format!("TRUNCATE {TABLE}"))?;
        Ok((client, (0..POOL).map(name).collect()))
    }

    fn body(&self, (client, names): &mut Self::State, ops: u64) -> Result<()> {
        use postgres::binary_copy::BinaryCopyInWriter;
        let types =
            [Type::INT8, Type::FLOAT8, Type::TEXT, Type::TIMESTAMPTZ, Type::BOOL, Type::NUMERIC];
        let sink = client.copy_in(COPY_IN_SQL)?;
        let mut w = BinaryCopyInWriter::new(sink, &types);
        let epoch = SystemTime::UNIX_EPOCH + Duration::from_secs(PG_EPOCH_UNIX);
        for i in 0..ops {
            let k = (i % POOL as u64) as usize;
            let id = i as i64;
            let x = i as f64 * 0.25;
            let name: &str = &names[k];
            let ts = epoch + Duration::from_secs(i);
            let flag = i.is_multiple_of(3);
            let amount = Cents(cents(k));
            w.write(&[&id, &x, &name, &ts, &flag, &amount])?;
        }
        check_rows(w.finish()?, ops)
    }
}

// ----- copy_in: the server's ceiling -------------------------------------------------------

#[derive(Default)]
struct InServer;

impl Workload for InServer {
    type State = (pgtusk::blocking::Connection, String);

    fn setup(&self, url: &str) -> Result<Self::State> {
        truncate(url)?;
        let conn = pgtusk::blocking::Connection::connect(url)?;
        Ok((conn, format!("COPY {TABLE} FROM '{}' (FORMAT binary)", data_file(url))))
    }

    fn body(&self, (conn, sql): &mut Self::State, ops: u64) -> Result<()> {
        if ops == 0 {
            return Ok(()); // the valgrind baseline: setup only
        }
        check_rows(conn.execute(sql.as_str(), ())?, ops)
    }
}

// ----- copy_out ----------------------------------------------------------------------------

/// The size of the server's binary file: what `COPY ... TO STDOUT (FORMAT binary)` sends.
pub fn expected_bytes(conn: &mut pgtusk::blocking::Connection, url: &str) -> Result<u64> {
    let size: i64 =
        conn.query_scalar("SELECT (pg_stat_file($1)).size", (data_file(url).as_str(),))?;
    Ok(size as u64)
}

fn check_out(bytes: u64, expected: u64, rows: u64, ops: u64) -> Result<()> {
    if bytes != expected {
        return Err(format!("COPY TO STDOUT sent {bytes} bytes, the file has {expected}").into());
    }
    check_rows(rows, ops)
}

#[derive(Default)]
struct OutPgtuskAsync;

impl Workload for OutPgtuskAsync {
    type State = (tokio::runtime::Runtime, pgtusk::Connection, u64);

    fn setup(&self, url: &str) -> Result<Self::State> {
        let expected = expected_bytes(&mut pgtusk::blocking::Connection::connect(url)?, url)?;
        let rt = runtime()?;
        let conn = rt.block_on(pgtusk::Connection::connect(url))?;
        Ok((rt, conn, expected))
    }

    fn body(&self, (rt, conn, expected): &mut Self::State, ops: u64) -> Result<()> {
        if ops == 0 {
            return Ok(()); // the valgrind baseline: setup only
        }
        rt.block_on(async {
            let mut r = conn.copy_out(COPY_OUT_SQL).await?;
            let mut bytes = 0u64;
            while let Some(chunk) = r.next_chunk().await {
                bytes += chunk?.len() as u64;
            }
            check_out(bytes, *expected, r.rows_affected(), ops)
        })
    }
}

#[derive(Default)]
struct OutPgtuskBlocking;

impl Workload for OutPgtuskBlocking {
    type State = (pgtusk::blocking::Connection, u64);

    fn setup(&self, url: &str) -> Result<Self::State> {
        let mut conn = pgtusk::blocking::Connection::connect(url)?;
        let expected = expected_bytes(&mut conn, url)?;
        Ok((conn, expected))
    }

    fn body(&self, (conn, expected): &mut Self::State, ops: u64) -> Result<()> {
        if ops == 0 {
            return Ok(()); // the valgrind baseline: setup only
        }
        let mut r = conn.copy_out(COPY_OUT_SQL)?;
        let mut bytes = 0u64;
        while let Some(chunk) = r.next_chunk() {
            bytes += chunk?.len() as u64;
        }
        check_out(bytes, *expected, r.rows_affected(), ops)
    }
}

#[derive(Default)]
struct OutTokioPg;

impl Workload for OutTokioPg {
    type State = (tokio::runtime::Runtime, tokio_postgres::Client, u64);

    fn setup(&self, url: &str) -> Result<Self::State> {
        let expected = expected_bytes(&mut pgtusk::blocking::Connection::connect(url)?, url)?;
        let (rt, client) = tokio_pg_connect(url)?;
        Ok((rt, client, expected))
    }

    fn body(&self, (rt, client, expected): &mut Self::State, ops: u64) -> Result<()> {
        if ops == 0 {
            return Ok(()); // the valgrind baseline: setup only
        }
        rt.block_on(async {
            use futures::StreamExt as _;
            let stream = client.copy_out(COPY_OUT_SQL).await?;
            let mut stream = pin!(stream);
            let mut bytes = 0u64;
            while let Some(chunk) = stream.next().await {
                bytes += chunk?.len() as u64;
            }
            // tokio-postgres's CopyOutStream gives no row count: the byte count is the check.
            check_out(bytes, *expected, ops, ops)
        })
    }
}

#[derive(Default)]
struct OutPostgres;

impl Workload for OutPostgres {
    type State = (postgres::Client, u64);

    fn setup(&self, url: &str) -> Result<Self::State> {
        let expected = expected_bytes(&mut pgtusk::blocking::Connection::connect(url)?, url)?;
        Ok((postgres::Client::connect(url, postgres::NoTls)?, expected))
    }

    fn body(&self, (client, expected): &mut Self::State, ops: u64) -> Result<()> {
        use std::io::BufRead as _;
        if ops == 0 {
            return Ok(());
        }
        // `CopyOutReader` is a `BufRead`: its buffer is the message's bytes, no copy.
        let mut reader = client.copy_out(COPY_OUT_SQL)?;
        let mut bytes = 0u64;
        loop {
            let n = reader.fill_buf()?.len();
            if n == 0 {
                break;
            }
            bytes += n as u64;
            reader.consume(n);
        }
        check_out(bytes, *expected, ops, ops)
    }
}

#[derive(Default)]
struct OutSqlx;

impl Workload for OutSqlx {
    type State = (tokio::runtime::Runtime, sqlx::PgConnection, u64);

    fn setup(&self, url: &str) -> Result<Self::State> {
        use sqlx::Connection as _;
        let expected = expected_bytes(&mut pgtusk::blocking::Connection::connect(url)?, url)?;
        let rt = runtime()?;
        let conn = rt.block_on(sqlx::PgConnection::connect(url))?;
        Ok((rt, conn, expected))
    }

    fn body(&self, (rt, conn, expected): &mut Self::State, ops: u64) -> Result<()> {
        if ops == 0 {
            return Ok(());
        }
        rt.block_on(async {
            use futures::StreamExt as _;
            let mut stream = conn.copy_out_raw(COPY_OUT_SQL).await?;
            let mut bytes = 0u64;
            while let Some(chunk) = stream.next().await {
                bytes += chunk?.len() as u64;
            }
            check_out(bytes, *expected, ops, ops)
        })
    }
}

#[derive(Default)]
struct OutServer;

impl Workload for OutServer {
    type State = pgtusk::blocking::Connection;

    fn setup(&self, url: &str) -> Result<Self::State> {
        Ok(pgtusk::blocking::Connection::connect(url)?)
    }

    fn body(&self, conn: &mut Self::State, ops: u64) -> Result<()> {
        if ops == 0 {
            return Ok(()); // the valgrind baseline: setup only
        }
        let sql = format!("COPY {SOURCE} TO '/dev/null' (FORMAT binary)");
        check_rows(conn.execute(sql.as_str(), ())?, ops)
    }
}

/// `psql -c 'COPY … TO STDOUT'` with its output to /dev/null: libpq's `PQgetCopyData` loop, in
/// C. The wall time is psql's `\timing` of the statement (psql's start and its connection left
/// out, as in the other cases); the CPU is the whole psql process ([`common::run_measured`]),
/// its start and connection included (a few ms). psql does not report a COPY TO STDOUT's row
/// count, so the run is checked by psql's exit status (`ON_ERROR_STOP`) alone.
fn out_psql(url: &str, ops: u64) -> Result<Sample> {
    let exe = common::server_tool(url, "psql")?;
    let mut cmd = std::process::Command::new(exe);
    cmd.args(["-X", "-At", "-v", "ON_ERROR_STOP=1", "-o", "/dev/null", "-c", "\\timing on"])
        .args(["-c", COPY_OUT_SQL, "-d", url]);
    let (stdout, mut sample) = common::run_measured(&mut cmd, None, ops)?;
    let ms: f64 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Time: ")?.split_once(" ms").map(|(ms, _)| ms.parse()))
        .ok_or_else(|| format!("no `Time:` line in psql's output: {stdout}"))??;
    sample.wall = Duration::from_secs_f64(ms / 1e3);
    Ok(sample)
}

/// Cases run by another program, measured from outside: no valgrind for them.
fn external(driver: &str) -> bool {
    driver.starts_with("server") || driver.starts_with("psql")
}

// ----- the run -----------------------------------------------------------------------------

pub fn cases() -> Vec<Case> {
    vec![
        Case::new::<InPgtuskAsync>("copy_in", "pgtusk async write_row", "row"),
        Case::new::<InPgtuskBlocking>("copy_in", "pgtusk blocking write_row", "row"),
        Case::new::<InTokioPg>("copy_in", REF_IN, "row"),
        Case::new::<InPostgres>("copy_in", "postgres BinaryCopyInWriter", "row"),
        Case::new::<InServer>("copy_in", CEIL_IN, "row"),
        Case::new::<OutPgtuskAsync>("copy_out", "pgtusk async next_chunk", "row"),
        Case::new::<OutPgtuskBlocking>("copy_out", "pgtusk blocking next_chunk", "row"),
        Case::new::<OutTokioPg>("copy_out", REF_OUT, "row"),
        Case::new::<OutPostgres>("copy_out", "postgres copy_out", "row"),
        Case::new::<OutSqlx>("copy_out", "sqlx copy_out_raw", "row"),
        Case::new::<OutServer>("copy_out", CEIL_OUT, "row"),
        Case { workload: "copy_out", driver: LIBPQ_OUT, unit: "row", run: out_psql },
    ]
}

const CLI: Cli = Cli {
    name: "copy",
    count_flag: "--rows",
    reps: 3,
    count: 1_000_000,
    out: "copy.md",
    strace: false,
};

fn main() {
    common::main("copy", cases, run);
}

/// Creates the tables and the server's binary file.
pub fn prepare(url: &str, rows: u64) -> Result<()> {
    let mut conn = pgtusk::blocking::Connection::connect(url)?;
    conn.batch_execute(&format!(
        "DROP TABLE IF EXISTS {TABLE}; CREATE UNLOGGED TABLE {TABLE} ({COLUMNS});"
    ))?;
    common::create_source(&mut conn, rows)?;
    let file = data_file(url);
    let n = conn.execute(format!("COPY {SOURCE} TO '{file}' (FORMAT binary)").as_str(), ())?;
    check_rows(n, rows)?;
    Ok(())
}

/// Loads `CHECK_ROWS` rows with each copy-in driver and compares them with the source.
pub fn check_drivers(cases: &[Case], url: &str) -> Result<()> {
    let mut conn = pgtusk::blocking::Connection::connect(url)?;
    let digest = |conn: &mut pgtusk::blocking::Connection, table: &str| -> Result<String> {
        Ok(conn.query_scalar(
            format!(
                "SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM {table} t WHERE id < {CHECK_ROWS}"
            )
            .as_str(),
            (),
        )?)
    };
    let want = digest(&mut conn, SOURCE)?;
    for case in cases.iter().filter(|c| c.workload == "copy_in" && c.driver != CEIL_IN) {
        (case.run)(url, CHECK_ROWS)?;
        let got = digest(&mut conn, TABLE)?;
        if got != want {
            return Err(format!("{}: the rows loaded differ from the source", case.driver).into());
        }
        eprintln!("  {}: {CHECK_ROWS} rows identical to the source", case.driver);
    }
    Ok(())
}

fn run(all: &[Case], args: &[String]) -> Result<()> {
    let o = CLI.parse(args)?;
    let cases = o.select(all)?;
    let server = common::BenchServer::start(o.pg)?;
    let (url, server_version) = (server.url.clone(), server.version.clone());
    eprintln!("PostgreSQL {server_version}; creating {} rows and {}", o.count, data_file(&url));
    prepare(&url, o.count)?;
    let file_size = std::fs::metadata(data_file(&url)).map(|m| m.len()).unwrap_or(0);
    check_drivers(&cases, &url)?;

    let load_before = machine::load_average();
    let mut results = Vec::new();
    for workload in ["copy_in", "copy_out"] {
        let wcases: Vec<Case> = cases.iter().filter(|c| c.workload == workload).copied().collect();
        if wcases.is_empty() {
            continue;
        }
        eprintln!(
            "{workload}: {} drivers x {} reps x {} rows, interleaved",
            wcases.len(),
            o.reps,
            o.count
        );
        let samples = harness::run_interleaved(&wcases, &url, o.count, o.reps, |rep, case, s| {
            eprintln!(
                "  rep {} {:<36} wall {:>7.3} s  cpu {:>6.3} µs/row (user {:>5.3}, sys {:>5.3})  rss {:>6.1} MiB",
                rep + 1,
                case.driver,
                s.wall.as_secs_f64(),
                s.cpu_us_per_op(),
                s.user_us_per_op(),
                s.sys_us_per_op(),
                s.max_rss_kib as f64 / 1024.0
            );
        })?;
        results.push((workload, CaseResult::collect(&wcases, samples)));
    }
    let load_after = machine::load_average();

    let mut instructions = Vec::new();
    if o.valgrind && valgrind::available() {
        let dir = common::scratch_dir("bench-valgrind")?;
        for case in cases.iter().filter(|c| !external(c.driver)) {
            // COPY out always moves the whole table, so it runs with every row.
            let ops =
                if case.workload == "copy_in" { o.count.min(VALGRIND_IN_ROWS) } else { o.count };
            eprintln!(
                "  valgrind (cachegrind): {} / {} ({ops} rows and 0)",
                case.workload, case.driver
            );
            instructions.push((
                case.workload,
                case.driver,
                ops,
                valgrind::instructions_per_op(case, &url, ops, &dir)?,
            ));
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    let _ = std::fs::remove_file(data_file(&url));
    drop(server);

    let md = markdown(
        &o,
        &results,
        &instructions,
        &server_version,
        file_size,
        &load_before,
        &load_after,
    );
    print!("{md}");
    o.write_report(&md)
}

/// (workload, driver, rows, user-space instructions per row).
type Instructions = (&'static str, &'static str, u64, valgrind::PerOp);

fn ratio_cell(r: &CaseResult, reference: Option<&CaseResult>, f: fn(&Sample) -> f64) -> String {
    reference.map_or_else(|| "-".into(), |re| r.ratio(re, f).show(2))
}

fn wall_s(s: &Sample) -> f64 {
    s.wall.as_secs_f64()
}

fn cpu_total(s: &Sample) -> f64 {
    (s.user + s.sys).as_secs_f64()
}

fn workload_table(results: &[CaseResult], reference: &str, ceiling: &str) -> String {
    let re = results.iter().find(|r| r.driver == reference);
    let ce = results.iter().find(|r| r.driver == ceiling);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| driver | wall s | k rows/s | client CPU ns/row (user+sys) | user ns/row | sys ns/row | peak RSS MiB | wall ÷ {ceiling} | wall ÷ {reference} | client CPU ÷ {reference} |\n|---|---|---|---|---|---|---|---|---|---|"
    );
    for r in results {
        let _ = writeln!(
            out,
            "| {} | {} | {} | **{}** | {} | {} | {} | {} | {} | {} |",
            r.driver,
            r.stat(wall_s).show(3),
            r.stat(|s| s.throughput() / 1000.0).show(0),
            r.stat(|s| s.cpu_us_per_op() * 1000.0).show(0),
            r.stat(|s| s.user_us_per_op() * 1000.0).show(0),
            r.stat(|s| s.sys_us_per_op() * 1000.0).show(0),
            r.stat(|s| s.max_rss_kib as f64 / 1024.0).show(1),
            ratio_cell(r, ce, wall_s),
            ratio_cell(r, re, wall_s),
            if r.driver == ceiling { "-".into() } else { ratio_cell(r, re, cpu_total) },
        );
    }
    out
}

fn markdown(
    o: &Options,
    results: &[(&str, Vec<CaseResult>)],
    instructions: &[Instructions],
    server_version: &str,
    file_size: u64,
    load_before: &str,
    load_after: &str,
) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# W4 copy_in / W5 copy_out: {} rows × 6 columns, binary COPY\n", o.count);
    let _ = writeln!(
        md,
        "{} · {} × {} · PostgreSQL {server_version} (local throwaway server, TCP 127.0.0.1, no TLS, \
         fsync/synchronous_commit/full_page_writes off; client and server share the machine) · {} repetitions per \
         driver, interleaved, each in its own process · load average {load_before} before, {load_after} after\n",
        machine::today(),
        machine::nproc(),
        machine::cpu_model(),
        o.reps,
    );
    let _ = writeln!(
        md,
        "Columns: `{COLUMNS}` (text values 20 bytes); tables UNLOGGED without indexes, the target truncated in \
         each run's untimed setup. The binary data is {file_size} bytes ({:.1} MiB). Median (min–max) over the \
         repetitions; ratios are per round (runs of a round ran back to back). Client CPU = getrusage(RUSAGE_SELF) \
         user+sys of the client process over the timed part (the server's CPU is not in it); peak RSS = \
         VmHWM of the client process (its whole run). The server rows are one statement sent by a pgtusk blocking \
         connection, so their client CPU is only the wait. Before measuring, {CHECK_ROWS} rows loaded by each \
         copy-in driver were compared with the source table (md5 of the rows as text): identical.\n",
        file_size as f64 / (1024.0 * 1024.0)
    );
    let _ = writeln!(
        md,
        "- pgtusk: `copy_in_binary(sql, &[INT8, FLOAT8, TEXT, TIMESTAMPTZ, BOOL, NUMERIC])` + `write_row((i64, f64, &str, \
         TimestampTz, bool, &Numeric))` + `finish()`; `copy_out(sql)` + `next_chunk()` (bytes counted, checked \
         against the file's size).\n\
         - tokio-postgres 0.7: `binary_copy::BinaryCopyInWriter::write(&[&i64, &f64, &&str, &SystemTime, &bool, \
         &Cents])` where `Cents` is a hand-written `ToSql` for numeric (hundredths in an i64, encoded straight \
         into base-10000 digits, allocation-free; the crate does not depend on `rust_decimal`); `copy_out(sql)` \
         stream read with `StreamExt::next`.\n\
         - `{LIBPQ_OUT}`: libpq's `PQgetCopyData` loop in C, psql writing to /dev/null; its wall time is psql's \
         `\\timing` of the statement, its CPU the whole psql process (start and connection included, a few ms). It \
         shows what the loopback TCP stream costs a client that reads as the data comes (pgtusk batches its \
         reads), which `{CEIL_OUT}` does not pay.\n\
         - The same values in every driver: the text and numeric values cycle through {POOL} prebuilt ones (pgtusk's \
         `Numeric`s parsed once in setup), the others computed from the row number.\n"
    );
    let mut targets = Vec::new();
    for (workload, rs) in results {
        let (reference, ceiling, title) = if *workload == "copy_in" {
            (REF_IN, CEIL_IN, "W4 copy_in: COPY ... FROM STDIN (FORMAT binary), typed rows")
        } else {
            (REF_OUT, CEIL_OUT, "W5 copy_out: COPY ... TO STDOUT (FORMAT binary), raw chunks")
        };
        let _ = writeln!(md, "## {title}\n");
        md.push_str(&workload_table(rs, reference, ceiling));
        md.push('\n');
        let re = rs.iter().find(|r| r.driver == reference);
        let ce = rs.iter().find(|r| r.driver == ceiling);
        for r in rs.iter().filter(|r| r.driver.starts_with("pgtusk")) {
            if let Some(ce) = ce {
                let w = r.ratio(ce, wall_s);
                targets.push(format!(
                    "| {workload} | {} wall ≤ 1.10 × {ceiling} | {} | {} |",
                    r.driver,
                    w.show(2),
                    verdict(w.median <= 1.10)
                ));
            }
            if let Some(re) = re {
                let limit = if *workload == "copy_in" { 0.5 } else { 0.7 };
                let c = r.ratio(re, cpu_total);
                targets.push(format!(
                    "| {workload} | {} client CPU ≤ {limit} × {reference} | {} | {} |",
                    r.driver,
                    c.show(2),
                    verdict(c.median <= limit)
                ));
            }
            if *workload == "copy_in" {
                let rss: Stat = r.stat(|s| s.max_rss_kib as f64 / 1024.0);
                targets.push(format!(
                    "| {workload} | {} peak RSS ≤ 32 MiB | {} MiB | {} |",
                    r.driver,
                    rss.show(1),
                    verdict(rss.max <= 32.0)
                ));
            }
        }
        if *workload == "copy_out"
            && let (Some(ce), Some(libpq)) = (ce, rs.iter().find(|r| r.driver == LIBPQ_OUT))
        {
            let w = libpq.ratio(ce, wall_s).show(2);
            targets.push(format!(
                "| {workload} | for reference, not a target: {LIBPQ_OUT} wall ÷ {ceiling} | {w} | - |"
            ));
        }
    }
    if !instructions.is_empty() {
        let _ = writeln!(
            md,
            "## User-space instructions per row (valgrind)\n\n\
             getrusage's user/sys split is tick-sampled on this kernel (4 ms ticks) and the client CPU above moves \
             with the machine's load; cachegrind's instruction count is exact and load-independent (user space only: \
             the kernel's send/recv work is not in it; an instruction is not a cycle; each iteration of a `rep movs` / \
             `rep stos` counts as one, hence the count without libc's memcpy/memmove/memset). (N rows − 0 rows) / N, \
             `valgrind --tool=cachegrind --cache-sim=no`.\n\n\
             | workload | driver | rows | instructions/row | ÷ reference | without libc memcpy/memset | ÷ reference |\n|---|---|---|---|---|---|---|"
        );
        for (workload, driver, rows, n) in instructions {
            let reference = if *workload == "copy_in" { REF_IN } else { REF_OUT };
            let re = instructions.iter().find(|(w, d, ..)| w == workload && *d == reference);
            let (a, b) = re.map_or(("-".into(), "-".into()), |(.., re)| {
                (format!("{:.2}", n.all / re.all), format!("{:.2}", n.without_mem / re.without_mem))
            });
            let _ = writeln!(
                md,
                "| {workload} | {driver} | {rows} | {:.0} | {a} | {:.0} | {b} |",
                n.all, n.without_mem
            );
            if driver.starts_with("pgtusk")
                && let Some((.., re)) = re
            {
                let limit = if *workload == "copy_in" { 0.5 } else { 0.7 };
                let (x, y) = (n.all / re.all, n.without_mem / re.without_mem);
                targets.push(format!(
                    "| {workload} | {driver} user-space instructions ≤ {limit} × {reference} (valgrind; without libc memcpy/memset) — a reading of the CPU target for user space only | {x:.2}; {y:.2} | {}; {} |",
                    verdict(x <= limit),
                    verdict(y <= limit)
                ));
            }
        }
        md.push('\n');
    }
    if !targets.is_empty() {
        let _ = writeln!(
            md,
            "## Targets (issue 6)\n\n| workload | target | measured: median (min–max) | |\n|---|---|---|---|"
        );
        for t in targets {
            let _ = writeln!(md, "{t}");
        }
    }
    md
}
