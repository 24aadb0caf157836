//! What every benchmark binary (`point`, `engine`, `copy`, `wide`) shares: the runtime, the
//! peers' connection set-up, the command line, driver selection, the server (a throwaway one or
//! `DATABASE_URL`), writing the report, and the 6-column rows of `copy_src` (W3, W4, W5).

use std::path::PathBuf;

use crate::harness::{Case, Sample};
use crate::report::CaseResult;
use crate::{BoxError, Result};

// ----- runtime and connections --------------------------------------------------------------

/// The current-thread tokio runtime every async driver runs on (as in BASELINE.md).
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread().enable_all().build()?)
}

/// Adds a query parameter to a URL.
pub fn with_param(url: &str, param: &str) -> String {
    if url.contains('?') { format!("{url}&{param}") } else { format!("{url}?{param}") }
}

/// Adds `sslmode=disable` to a URL that names no sslmode: the peers run with `NoTls`.
pub fn without_tls(url: &str) -> String {
    if url.contains("sslmode=") { url.to_string() } else { with_param(url, "sslmode=disable") }
}

/// A tokio-postgres client (`NoTls`) whose connection task runs on a new current-thread
/// runtime, returned with it.
pub fn tokio_pg_connect(url: &str) -> Result<(tokio::runtime::Runtime, tokio_postgres::Client)> {
    let rt = runtime()?;
    let client = rt.block_on(async {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                eprintln!("tokio-postgres connection: {e}");
            }
        });
        Ok::<_, BoxError>(client)
    })?;
    Ok((rt, client))
}

// ----- the command line ----------------------------------------------------------------------

/// What a binary's command line accepts, and its defaults.
pub struct Cli {
    /// The binary's name, for the usage line and error messages (`point`, `copy`, ...).
    pub name: &'static str,
    /// The flag that sets the operations per run: `--ops` or `--rows`.
    pub count_flag: &'static str,
    /// Default repetitions.
    pub reps: usize,
    /// Default operations (or rows) per run.
    pub count: u64,
    /// Default report file, relative to `benches/results/`.
    pub out: &'static str,
    /// Whether `--no-strace` is accepted.
    pub strace: bool,
}

/// The parsed command line.
pub struct Options {
    /// Repetitions per driver (`--reps`).
    pub reps: usize,
    /// Operations or rows per run (`--ops` / `--rows`).
    pub count: u64,
    /// Only these drivers (`--drivers A,B`).
    pub drivers: Option<Vec<String>>,
    /// Where the Markdown goes (`--out`).
    pub out: PathBuf,
    /// Major version of the throwaway server (`--pg`, default 15).
    pub pg: u32,
    /// Count user-space instructions with valgrind (off with `--no-valgrind`).
    pub valgrind: bool,
    /// Count system calls with strace (off with `--no-strace`, where accepted).
    pub strace: bool,
}

impl Cli {
    /// The usage line.
    pub fn help(&self) -> String {
        format!(
            "usage: {} [--reps N] [{} N] [--drivers A,B] [--out PATH] [--pg N] [--no-valgrind]{}",
            self.name,
            self.count_flag,
            if self.strace { " [--no-strace]" } else { "" }
        )
    }

    /// Parses `args` (without the program name). `-h` / `--help` prints the usage and exits.
    pub fn parse(&self, args: &[String]) -> Result<Options> {
        let mut o = Options {
            reps: self.reps,
            count: self.count,
            drivers: None,
            out: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("results").join(self.out),
            pg: 15,
            valgrind: true,
            strace: self.strace,
        };
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let mut value = || it.next().ok_or_else(|| format!("{arg} needs a value"));
            match arg.as_str() {
                "--reps" => o.reps = value()?.parse()?,
                flag if flag == self.count_flag => o.count = value()?.parse()?,
                "--drivers" => {
                    o.drivers = Some(value()?.split(',').map(|s| s.trim().to_string()).collect());
                }
                "--out" => o.out = PathBuf::from(value()?),
                "--pg" => o.pg = value()?.parse()?,
                "--no-valgrind" => o.valgrind = false,
                "--no-strace" if self.strace => o.strace = false,
                "-h" | "--help" => {
                    println!("{}", self.help());
                    std::process::exit(0);
                }
                other => return Err(format!("unknown argument {other:?}\n{}", self.help()).into()),
            }
        }
        if o.reps == 0 || o.count == 0 {
            return Err(format!("--reps and {} must be at least 1", self.count_flag).into());
        }
        Ok(o)
    }
}

impl Options {
    /// The cases of `all` that `--drivers` names (all of them without it); an error naming the
    /// known drivers for an unknown one.
    pub fn select(&self, all: &[Case]) -> Result<Vec<Case>> {
        let Some(names) = &self.drivers else {
            return Ok(all.to_vec());
        };
        for name in names {
            if !all.iter().any(|c| c.driver == name) {
                let known: Vec<_> = all.iter().map(|c| c.driver).collect();
                return Err(format!("unknown driver {name:?}; known: {known:?}").into());
            }
        }
        Ok(all.iter().filter(|c| names.iter().any(|n| n == c.driver)).copied().collect())
    }

    /// Writes the report to `--out` (creating its directory) and says where on stderr.
    pub fn write_report(&self, md: &str) -> Result<()> {
        if let Some(dir) = self.out.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&self.out, md)?;
        eprintln!("written to {}", self.out.display());
        Ok(())
    }
}

/// The entry point of a benchmark binary: runs the child case when started as a child
/// (`--child ...`, see [`harness::child_main`](crate::harness::child_main)), else `run` with
/// the arguments; exits with 1 and the error on stderr when `run` fails.
pub fn main(name: &str, cases: fn() -> Vec<Case>, run: fn(&[Case], &[String]) -> Result<()>) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let all = cases();
    if let Some(code) = crate::harness::child_main(&all, &args) {
        std::process::exit(code);
    }
    if let Err(e) = run(&all, &args) {
        eprintln!("{name}: {e}");
        std::process::exit(1);
    }
}

// ----- the server ----------------------------------------------------------------------------

/// The server a run measures against: `DATABASE_URL` when set (with `sslmode=disable` added
/// when it names no sslmode), else a throwaway tuned server of major version `pg` from the
/// testkit, stopped when this is dropped.
pub struct BenchServer {
    /// The throwaway server, if one was started.
    pub server: Option<pgtusk_testkit::Server>,
    /// The URL every client connects to.
    pub url: String,
    /// The server's `server_version`.
    pub version: String,
}

impl BenchServer {
    /// Uses `DATABASE_URL` or starts a throwaway server.
    pub fn start(pg: u32) -> Result<BenchServer> {
        let (server, url) =
            match std::env::var("DATABASE_URL").ok().filter(|u| !u.trim().is_empty()) {
                Some(url) => (None, without_tls(&url)),
                None => {
                    eprintln!("starting a throwaway PostgreSQL {pg} server...");
                    let server = pgtusk_testkit::ServerSpec::new(pg).start()?;
                    let url = without_tls(&server.url(pgtusk_testkit::roles::SUPERUSER));
                    (Some(server), url)
                }
            };
        let version = {
            let conn = pgtusk::blocking::Connection::connect(&url)?;
            conn.parameter("server_version").unwrap_or("unknown").to_string()
        };
        Ok(BenchServer { server, url, version })
    }
}

// ----- external C clients (libpq): pgbench, psql ---------------------------------------------

/// The client program `name` (`psql`, `pgbench`) of the server's major version, from the
/// testkit's binaries, else the one on `PATH`.
pub fn server_tool(url: &str, name: &str) -> Result<PathBuf> {
    let mut conn = pgtusk::blocking::Connection::connect(url)?;
    let num: String = conn.query_scalar("SELECT current_setting('server_version_num')", ())?;
    let major = num.parse::<u32>()? / 10_000;
    let candidate = pgtusk_testkit::bin_dir(major).ok().map(|d| d.join(name));
    Ok(candidate.filter(|p| p.exists()).unwrap_or_else(|| name.into()))
}

/// Runs `cmd` (stdin from `stdin`, else none) as a measured child of this process: its
/// stdout, and a sample of `ops` operations whose wall time is the child's whole life (start
/// and connection included) and whose CPU and peak RSS come from `getrusage(RUSAGE_CHILDREN)`.
/// A child that exits non-zero is an error carrying its output.
pub fn run_measured(
    cmd: &mut std::process::Command,
    stdin: Option<std::fs::File>,
    ops: u64,
) -> Result<(String, Sample)> {
    use std::process::Stdio;
    cmd.stdin(stdin.map_or_else(Stdio::null, Stdio::from));
    let (u0, s0, _) = crate::rusage::children();
    let start = std::time::Instant::now();
    let out = cmd.output()?;
    let wall = start.elapsed();
    let (u1, s1, max_rss_kib) = crate::rusage::children();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        return Err(format!(
            "{:?} failed ({}): {stdout}{}",
            cmd.get_program(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    let sample = Sample {
        ops,
        wall,
        user: u1.saturating_sub(u0),
        sys: s1.saturating_sub(s0),
        max_rss_kib,
        server_cpu: None,
    };
    Ok((stdout, sample))
}

// ----- report helpers ------------------------------------------------------------------------

/// `met` or **not met**.
pub fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "**not met**" }
}

/// Σ f over all repetitions ÷ Σ operations, × 10⁶ (µs per operation for f in seconds): pools
/// the tick-sampled user/sys split of every run.
pub fn pooled(r: &CaseResult, f: impl Fn(&Sample) -> f64) -> f64 {
    let ops: u64 = r.samples.iter().map(|s| s.ops).sum();
    r.samples.iter().map(f).sum::<f64>() * 1e6 / ops as f64
}

/// A fresh directory for valgrind's output files, named after `what` and this process.
pub fn scratch_dir(what: &str) -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("pgtusk-{what}-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

// ----- the 6-column rows of copy_src (W3 wide_read, W4 copy_in, W5 copy_out) ----------------

/// The source table of `copy_out` and `wide_read`.
pub const SOURCE: &str = "copy_src";
/// Its columns (and those of `copy_in`'s target).
pub const COLUMNS: &str =
    "id int8, x float8, name text, ts timestamptz, flag bool, amount numeric(12,2)";
/// Distinct text and numeric values (cycled by row number).
pub const POOL: usize = 1024;
/// 2000-01-01 00:00:00 UTC in Unix seconds (PostgreSQL's epoch).
pub const PG_EPOCH_UNIX: u64 = 946_684_800;

/// The 20-byte text of pool slot `k`.
pub fn name(k: usize) -> String {
    format!("name-{k:015}")
}

/// The numeric(12,2) of pool slot `k`, in hundredths.
pub fn cents(k: usize) -> i64 {
    k as i64 * 1001 + 123_456
}

/// The pool slot of row `i`.
pub fn slot(i: u64) -> usize {
    (i % POOL as u64) as usize
}

/// Rows `0..rows` in SQL, inserted into [`SOURCE`]: row `i` is `i`, `i * 0.25`,
/// [`name`]`(i % POOL)`, 2000-01-01 + `i` s, `i % 3 = 0`, [`cents`]`(i % POOL) / 100`.
pub fn source_sql(rows: u64) -> String {
    format!(
        "INSERT INTO {SOURCE} SELECT i, i * 0.25, 'name-' || lpad((i % {POOL})::text, 15, '0'), \
         timestamptz '2000-01-01 00:00:00+00' + i * interval '1 second', i % 3 = 0, \
         (((i % {POOL}) * 1001 + 123456) / 100.0)::numeric(12,2) \
         FROM generate_series(0, {}) AS i",
        rows.saturating_sub(1)
    )
}

/// (Re)creates [`SOURCE`] (UNLOGGED, no index) with `rows` rows and analyzes it.
pub fn create_source(conn: &mut pgtusk::blocking::Connection, rows: u64) -> Result<()> {
    conn.batch_execute(&format!(
        "DROP TABLE IF EXISTS {SOURCE}; CREATE UNLOGGED TABLE {SOURCE} ({COLUMNS});"
    ))?;
    conn.batch_execute(&source_sql(rows))?;
    conn.batch_execute(&format!("VACUUM ANALYZE {SOURCE}"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(without_tls("postgres://h/db"), "postgres://h/db?sslmode=disable");
        assert_eq!(without_tls("postgres://h/db?a=b"), "postgres://h/db?a=b&sslmode=disable");
        assert_eq!(
            without_tls("postgres://h/db?sslmode=require"),
            "postgres://h/db?sslmode=require"
        );
    }

    #[test]
    fn command_line() {
        let cli =
            Cli { name: "x", count_flag: "--rows", reps: 3, count: 10, out: "x.md", strace: false };
        let args: Vec<String> =
            ["--rows", "5", "--drivers", "a, b", "--no-valgrind"].map(String::from).to_vec();
        let o = cli.parse(&args).unwrap();
        assert_eq!((o.reps, o.count, o.valgrind, o.strace), (3, 5, false, false));
        assert_eq!(o.drivers, Some(vec!["a".to_string(), "b".to_string()]));
        assert!(cli.parse(&["--ops".to_string(), "5".to_string()]).is_err());
        assert!(cli.parse(&["--no-strace".to_string()]).is_err());
        assert!(cli.parse(&["--reps".to_string(), "0".to_string()]).is_err());
    }

    #[test]
    fn source_rows() {
        assert_eq!(name(7).len(), 20);
        assert!(source_sql(10).contains("generate_series(0, 9)"));
    }
}
