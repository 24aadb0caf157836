//! W1 `point`: sequential `SELECT $1::int4` round trips, pgtusk against tokio-postgres,
//! `postgres` and sqlx (issue 3's round-trip benchmark; the seed of issue 7's suite).
//!
//! ```text
//! cargo run --release -p pgtusk-benches --bin point [-- OPTIONS]
//!   --reps N       repetitions per driver, interleaved (default 5, at least 3 recommended)
//!   --ops N        queries per run (default 20000)
//!   --drivers A,B  only these drivers (default: all)
//!   --out PATH     where the Markdown goes (default benches/results/point.md)
//!   --no-strace    skip the system-call count
//!   --no-valgrind  skip the user-space instruction count
//!   --pg N         PostgreSQL major version of the throwaway server (default 15)
//! ```
//!
//! One throwaway server (the testkit's, tuned: fsync, synchronous_commit and full_page_writes
//! off) is started for the whole run, or `DATABASE_URL` is used when set. Every client connects
//! over TCP to 127.0.0.1 as `postgres` (trust) without TLS (`sslmode=disable`, as the peers run
//! with `NoTls`). Each run of each driver is its own child process (this binary re-executed with
//! `--child`), so rusage and peak RSS are per driver; repetitions are interleaved across drivers.
//!
//! Setup (untimed) connects, prepares where the driver is told to, and runs [`WARMUP`] queries;
//! the timed body runs the queries, each with the iteration counter as parameter, and checks the
//! value that comes back.

use std::fmt::Write as _;

use pgtusk_benches::common::{self, Cli, Options, pooled, runtime, tokio_pg_connect, verdict};
use pgtusk_benches::harness::{self, Case, Sample, Workload};
use pgtusk_benches::report::{CaseResult, table};
use pgtusk_benches::{Result, machine, strace, valgrind};

/// The statement of W1.
const SQL: &str = "SELECT $1::int4";
/// Untimed queries run by every driver's setup (also past any prepare threshold).
const WARMUP: i32 = 200;
/// The driver the targets are relative to.
const REFERENCE: &str = "tokio-postgres prepared";

fn check(i: i32, got: i32) -> Result<()> {
    if got == i { Ok(()) } else { Err(format!("SELECT {i}::int4 returned {got}").into()) }
}

/// Iteration counter → the `int4` parameter (the run is far below `i32::MAX` queries).
fn param(i: u64) -> i32 {
    (i % (i32::MAX as u64)) as i32
}

// ----- pgtusk ------------------------------------------------------------------------------

#[derive(Default)]
struct PgtuskAsync;

impl Workload for PgtuskAsync {
    type State = (tokio::runtime::Runtime, pgtusk::Connection);

    fn setup(&self, url: &str) -> Result<Self::State> {
        let rt = runtime()?;
        let conn = rt.block_on(async {
            let mut conn = pgtusk::Connection::connect(url).await?;
            for i in 0..WARMUP {
                let row = conn.query_one(SQL, (i,)).await?;
                check(i, row.get(0))?;
            }
            Ok::<_, pgtusk_benches::BoxError>(conn)
        })?;
        Ok((rt, conn))
    }

    fn body(&self, (rt, conn): &mut Self::State, ops: u64) -> Result<()> {
        rt.block_on(async {
            for i in 0..ops {
                let i = param(i);
                let row = conn.query_one(SQL, (i,)).await?;
                check(i, row.get(0))?;
            }
            Ok(())
        })
    }
}

#[derive(Default)]
struct PgtuskBlocking;

impl Workload for PgtuskBlocking {
    type State = pgtusk::blocking::Connection;

    fn setup(&self, url: &str) -> Result<Self::State> {
        let mut conn = pgtusk::blocking::Connection::connect(url)?;
        for i in 0..WARMUP {
            let row = conn.query_one(SQL, (i,))?;
            check(i, row.get(0))?;
        }
        Ok(conn)
    }

    fn body(&self, conn: &mut Self::State, ops: u64) -> Result<()> {
        for i in 0..ops {
            let i = param(i);
            let row = conn.query_one(SQL, (i,))?;
            check(i, row.get(0))?;
        }
        Ok(())
    }
}

// ----- tokio-postgres ----------------------------------------------------------------------

/// A tokio-postgres client whose connection task runs on the same current-thread runtime.
struct TokioPg {
    rt: tokio::runtime::Runtime,
    client: tokio_postgres::Client,
    stmt: Option<tokio_postgres::Statement>,
}

fn tokio_pg_setup(url: &str, prepare: bool) -> Result<TokioPg> {
    let (rt, client) = tokio_pg_connect(url)?;
    let stmt = rt.block_on(async {
        let stmt = if prepare { Some(client.prepare(SQL).await?) } else { None };
        for i in 0..WARMUP {
            let row = match &stmt {
                Some(stmt) => client.query_one(stmt, &[&i]).await?,
                None => client.query_one(SQL, &[&i]).await?,
            };
            check(i, row.get(0))?;
        }
        Ok::<_, pgtusk_benches::BoxError>(stmt)
    })?;
    Ok(TokioPg { rt, client, stmt })
}

#[derive(Default)]
struct TokioPgPrepared;

impl Workload for TokioPgPrepared {
    type State = TokioPg;

    fn setup(&self, url: &str) -> Result<Self::State> {
        tokio_pg_setup(url, true)
    }

    fn body(&self, s: &mut Self::State, ops: u64) -> Result<()> {
        let stmt = s.stmt.as_ref().ok_or("not prepared")?;
        let client = &s.client;
        s.rt.block_on(async {
            for i in 0..ops {
                let i = param(i);
                let row = client.query_one(stmt, &[&i]).await?;
                check(i, row.get(0))?;
            }
            Ok(())
        })
    }
}

#[derive(Default)]
struct TokioPgUnprepared;

impl Workload for TokioPgUnprepared {
    type State = TokioPg;

    fn setup(&self, url: &str) -> Result<Self::State> {
        tokio_pg_setup(url, false)
    }

    fn body(&self, s: &mut Self::State, ops: u64) -> Result<()> {
        let client = &s.client;
        s.rt.block_on(async {
            for i in 0..ops {
                let i = param(i);
                // A `&str` statement: tokio-postgres prepares it (one round trip) and then
                // executes it (another) every time.
                let row = client.query_one(SQL, &[&i]).await?;
                check(i, row.get(0))?;
            }
            Ok(())
        })
    }
}

// ----- postgres (blocking) -----------------------------------------------------------------

#[derive(Default)]
struct PostgresPrepared;

impl Workload for PostgresPrepared {
    type State = (postgres::Client, postgres::Statement);

    fn setup(&self, url: &str) -> Result<Self::State> {
        let mut client = postgres::Client::connect(url, postgres::NoTls)?;
        let stmt = client.prepare(SQL)?;
        for i in 0..WARMUP {
            let row = client.query_one(&stmt, &[&i])?;
            check(i, row.get(0))?;
        }
        Ok((client, stmt))
    }

    fn body(&self, (client, stmt): &mut Self::State, ops: u64) -> Result<()> {
        for i in 0..ops {
            let i = param(i);
            let row = client.query_one(&*stmt, &[&i])?;
            check(i, row.get(0))?;
        }
        Ok(())
    }
}

// ----- sqlx ------------------------------------------------------------------------------

/// sqlx 0.8: `query_scalar(SQL).bind(i).fetch_one(&mut conn)` on one `PgConnection`; sqlx
/// prepares the statement once and keeps it in its statement cache (`persistent`, the default).
#[derive(Default)]
struct SqlxCached;

impl Workload for SqlxCached {
    type State = (tokio::runtime::Runtime, sqlx::PgConnection);

    fn setup(&self, url: &str) -> Result<Self::State> {
        use sqlx::Connection as _;
        let rt = runtime()?;
        let mut conn = rt.block_on(sqlx::PgConnection::connect(url))?;
        rt.block_on(async {
            for i in 0..WARMUP {
                let got: i32 = sqlx::query_scalar(SQL).bind(i).fetch_one(&mut conn).await?;
                check(i, got)?;
            }
            Ok::<_, pgtusk_benches::BoxError>(())
        })?;
        Ok((rt, conn))
    }

    fn body(&self, (rt, conn): &mut Self::State, ops: u64) -> Result<()> {
        rt.block_on(async {
            for i in 0..ops {
                let i = param(i);
                let got: i32 = sqlx::query_scalar(SQL).bind(i).fetch_one(&mut *conn).await?;
                check(i, got)?;
            }
            Ok(())
        })
    }
}

// ----- the run -----------------------------------------------------------------------------

pub fn cases() -> Vec<Case> {
    vec![
        Case::new::<PgtuskAsync>("point", "pgtusk async", "query"),
        Case::new::<PgtuskBlocking>("point", "pgtusk blocking", "query"),
        Case::new::<TokioPgPrepared>("point", REFERENCE, "query"),
        Case::new::<TokioPgUnprepared>("point", "tokio-postgres unprepared", "query"),
        Case::new::<PostgresPrepared>("point", "postgres prepared", "query"),
        Case::new::<SqlxCached>("point", "sqlx query_scalar", "query"),
    ]
}

const CLI: Cli = Cli {
    name: "point",
    count_flag: "--ops",
    reps: 5,
    count: 20_000,
    out: "point.md",
    strace: true,
};

fn main() {
    common::main("point", cases, run);
}

fn run(all: &[Case], args: &[String]) -> Result<()> {
    let o = CLI.parse(args)?;
    let cases = o.select(all)?;
    // The server: DATABASE_URL, or a throwaway one for this run (stopped when dropped).
    let server = common::BenchServer::start(o.pg)?;
    let (url, server_version) = (server.url.clone(), server.version.clone());
    let load_before = machine::load_average();
    eprintln!(
        "PostgreSQL {server_version}; {} drivers x {} reps x {} queries, interleaved",
        cases.len(),
        o.reps,
        o.count
    );

    let samples = harness::run_interleaved(&cases, &url, o.count, o.reps, |rep, case, s| {
        eprintln!(
            "  rep {} {:<28} {:>8.0} q/s  cpu {:>6.2} µs/q (user {:>5.2}, sys {:>5.2})  rss {:>6.1} MiB",
            rep + 1,
            case.driver,
            s.throughput(),
            s.cpu_us_per_op(),
            s.user_us_per_op(),
            s.sys_us_per_op(),
            s.max_rss_kib as f64 / 1024.0
        );
    })?;
    let results = CaseResult::collect(&cases, samples);
    let load_after = machine::load_average();

    let syscalls = if o.strace && strace::available() {
        let dir = common::scratch_dir("bench-strace")?;
        let ops = o.count.min(5_000);
        let mut rows = Vec::new();
        for case in &cases {
            eprintln!("  strace -c -f: {} ({ops} queries and 0)", case.driver);
            rows.push((case.driver, strace::per_op(case, &url, ops, &dir)?));
        }
        let _ = std::fs::remove_dir_all(&dir);
        Some((ops, rows))
    } else {
        None
    };
    let instructions = if o.valgrind && valgrind::available() {
        let dir = common::scratch_dir("bench-valgrind")?;
        let ops = o.count.min(5_000);
        let mut rows = Vec::new();
        for case in &cases {
            eprintln!("  valgrind (cachegrind): {} ({ops} queries and 0)", case.driver);
            rows.push((case.driver, valgrind::instructions_per_op(case, &url, ops, &dir)?));
        }
        let _ = std::fs::remove_dir_all(&dir);
        Some((ops, rows))
    } else {
        None
    };
    drop(server);

    let extra = Extra { syscalls, instructions };
    let md = markdown(&o, &results, &server_version, &load_before, &load_after, &extra);
    print!("{md}");
    o.write_report(&md)
}

type Syscalls = (u64, Vec<(&'static str, Vec<(String, f64)>)>);
type Instructions = (u64, Vec<(&'static str, valgrind::PerOp)>);

/// What was measured besides the timed runs.
struct Extra {
    syscalls: Option<Syscalls>,
    instructions: Option<Instructions>,
}

fn markdown(
    o: &Options,
    results: &[CaseResult],
    server_version: &str,
    load_before: &str,
    load_after: &str,
    extra: &Extra,
) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# W1 point: {} sequential `{SQL}`\n", o.count);
    let _ = writeln!(
        md,
        "{} · {} × {} · PostgreSQL {server_version} (local, TCP 127.0.0.1, no TLS, fsync/synchronous_commit/full_page_writes off) · \
         {} repetitions per driver, interleaved, each in its own process · load average {load_before} before, {load_after} after\n",
        machine::today(),
        machine::nproc(),
        machine::cpu_model(),
        o.reps,
    );
    let _ = writeln!(
        md,
        "Median (min–max) over the repetitions. Client CPU = getrusage(RUSAGE_SELF) of the client process over the timed \
         part; peak RSS = VmHWM of the client process (its whole run). Ratios are per round (the runs of a round ran back to \
         back), median (min–max). Async drivers on a current-thread tokio runtime (`enable_all`). Setup (untimed) \
         connects, prepares where the driver is told to, and runs {WARMUP} warm-up queries.\n"
    );
    md.push_str(&table(results, REFERENCE));

    let reference = results.iter().find(|r| r.driver == REFERENCE);
    let instr_of = |driver: &str| {
        extra
            .instructions
            .as_ref()
            .and_then(|(_, rows)| rows.iter().find(|(d, _)| *d == driver).map(|(_, n)| *n))
    };
    let _ = writeln!(
        md,
        "\n## User-space work per query, measured two more ways\n\n\
         The user/sys split above is tick-sampled: this kernel accounts CPU time by the mode seen at each 4 ms tick \
         (CONFIG_TICK_CPU_ACCOUNTING, HZ=250), and a 20,000-query run spends only tens of milliseconds in user space, \
         so each run's user figure rests on a handful of ticks (the user+sys total is exact). Two steadier measures: \
         the split pooled over every repetition (Σ user ÷ Σ queries), and user-space instructions per query counted by \
         valgrind (exact and load-independent, but an instruction is not a cycle, and each iteration of a `rep stos` / \
         `rep movs` string instruction — large memset/memcpy — counts as one instruction, hence the second count \
         without libc's memset/memcpy/memmove).\n"
    );
    let _ = writeln!(
        md,
        "| driver | user µs/query, pooled | sys µs/query, pooled | user ÷ {REFERENCE}, pooled | user-space instructions/query | ÷ {REFERENCE} | the same without libc memset/memcpy | ÷ {REFERENCE} |\n|---|---|---|---|---|---|---|---|"
    );
    for r in results {
        let user = pooled(r, |s| s.user.as_secs_f64());
        let sys = pooled(r, |s| s.sys.as_secs_f64());
        let user_ratio = reference
            .map(|re| format!("{:.2}", user / pooled(re, |s| s.user.as_secs_f64())))
            .unwrap_or_else(|| "-".into());
        let cells = |f: fn(&valgrind::PerOp) -> f64| match (instr_of(r.driver), instr_of(REFERENCE))
        {
            (Some(n), Some(re)) => format!("{:.0} | {:.2}", f(&n), f(&n) / f(&re)),
            (Some(n), None) => format!("{:.0} | -", f(&n)),
            _ => "- | -".into(),
        };
        let _ = writeln!(
            md,
            "| {} | {user:.2} | {sys:.2} | {user_ratio} | {} | {} |",
            r.driver,
            cells(|p| p.all),
            cells(|p| p.without_mem),
        );
    }
    if let Some((ops, _)) = &extra.instructions {
        let _ = writeln!(
            md,
            "\nInstructions: `valgrind --tool=cachegrind --cache-sim=no`, ({ops} queries − 0 queries) / {ops}."
        );
    }

    if let Some((ops, rows)) = &extra.syscalls {
        let _ = writeln!(
            md,
            "\n## System calls per query\n\n`strace -c -f`, ({ops} queries − 0 queries) / {ops}; calls below 0.01 per query left out.\n"
        );
        let _ = writeln!(md, "| driver | total | by call |\n|---|---|---|");
        for (driver, calls) in rows {
            let total: f64 = calls.iter().map(|(_, n)| n).sum();
            let by: Vec<String> = calls.iter().map(|(name, n)| format!("{name} {n:.2}")).collect();
            let _ = writeln!(md, "| {driver} | {total:.2} | {} |", by.join(", "));
        }
    }

    // The targets of issue 3, against the reference.
    let mut targets = Vec::new();
    if let Some(reference) = reference {
        for r in results.iter().filter(|r| r.driver.starts_with("pgtusk")) {
            let user = r.ratio(reference, Sample::user_us_per_op);
            let user_pooled =
                pooled(r, |s| s.user.as_secs_f64()) / pooled(reference, |s| s.user.as_secs_f64());
            targets.push(format!(
                "| {} user CPU ≤ 0.5 × {REFERENCE} (getrusage, per round) | {} | {} |",
                r.driver,
                user.show(2),
                verdict(user.median <= 0.5)
            ));
            targets.push(format!(
                "| {} user CPU ≤ 0.5 × {REFERENCE} (getrusage, pooled) | {user_pooled:.2} | {} |",
                r.driver,
                verdict(user_pooled <= 0.5)
            ));
            if let (Some(n), Some(re)) = (instr_of(r.driver), instr_of(REFERENCE)) {
                let (all, without) = (n.all / re.all, n.without_mem / re.without_mem);
                targets.push(format!(
                    "| {} user-space instructions ≤ 0.5 × {REFERENCE} (valgrind; without libc memset/memcpy) | {all:.2}; {without:.2} | {}; {} |",
                    r.driver,
                    verdict(all <= 0.5),
                    verdict(without <= 0.5),
                ));
            }
            let (limit, what) =
                if r.driver.contains("blocking") { (0.7, "0.7") } else { (0.85, "0.85") };
            let cpu = r.ratio(reference, Sample::cpu_us_per_op);
            targets.push(format!(
                "| {} client CPU ≤ {what} × {REFERENCE} | {} | {} |",
                r.driver,
                cpu.show(2),
                verdict(cpu.median <= limit)
            ));
        }
    }
    if let Some((_, rows)) = &extra.syscalls
        && let Some((_, calls)) = rows.iter().find(|(d, _)| *d == "pgtusk blocking")
    {
        let get = |names: &[&str]| -> f64 {
            calls.iter().filter(|(n, _)| names.contains(&n.as_str())).map(|(_, c)| c).sum()
        };
        let writes = get(&["write", "sendto", "sendmsg", "writev"]);
        let reads = get(&["read", "recvfrom", "recvmsg", "readv"]);
        let total: f64 = calls.iter().map(|(_, n)| n).sum();
        targets.push(format!(
            "| pgtusk blocking: one write and one read system call per query | {writes:.2} writes, {reads:.2} reads, {total:.2} in all | {} |",
            verdict(writes <= 1.01 && reads <= 1.01 && total <= 2.02)
        ));
    }
    if !targets.is_empty() {
        let _ = writeln!(
            md,
            "\n## Targets (issue 3)\n\n| target | measured: median (min–max) | |\n|---|---|---|"
        );
        for t in targets {
            let _ = writeln!(md, "{t}");
        }
    }
    md
}
