//! Issue 7's suite: every workload (W1–W7), every driver, one server, one run.
//!
//! ```text
//! cargo run --release -p pgtusk-benches --bin suite [-- OPTIONS]
//!   --quick          small sizes and 1 repetition, report in benches/results/quick/ (a check)
//!   --reps N         repetitions (default 3; 1 with --quick)
//!   --only W1,W3     only these workloads (W1 … W7; W6 is both many_stmts workloads)
//!   --no-python      leave out asyncpg and psycopg
//!   --out-dir DIR    where benchmarks.md and benchmarks.svg go (default docs/, or
//!                    benches/results/quick/ with --quick)
//!   --pg N           PostgreSQL major version of the throwaway server (default 15)
//! ```
//!
//! One throwaway server (the testkit's: fsync, synchronous_commit and full_page_writes off) or
//! `DATABASE_URL`. The workloads' cases are those of the `point`, `engine`, `wide` and `copy`
//! binaries (their sources are modules of this one), plus the Python peers (asyncpg, psycopg 3
//! through `benches/python/peers.py`, installed into `benches/python/.venv` when missing), the
//! pgbench ceilings and W7 `pool` ([`extra`]). Each run of each case is its own child process;
//! repetition `r` runs every workload's cases in turn, the order of each workload's drivers
//! rotated by `r`, so drift spreads over all drivers. Writes `benchmarks.md` and
//! `benchmarks.svg`, and with the full sizes also the README's table between its
//! `<!-- benchmarks:begin -->` and `<!-- benchmarks:end -->` markers.

#[allow(dead_code)]
#[path = "../copy.rs"]
mod copy;
#[allow(dead_code)]
#[path = "../engine.rs"]
mod engine;
mod extra;
mod output;
#[allow(dead_code)]
#[path = "../point.rs"]
mod point;
#[allow(dead_code)]
#[path = "../wide.rs"]
mod wide;

use std::path::PathBuf;

use pgtusk_benches::common::{self, BenchServer};
use pgtusk_benches::harness::{self, Case};
use pgtusk_benches::report::CaseResult;
use pgtusk_benches::{Result, machine, python};

/// A workload of the suite.
#[derive(Clone, Copy)]
pub struct Spec {
    /// W1 … W7 (W6u for the uncached half of W6).
    pub id: &'static str,
    /// The harness's workload name (the cases' `workload`).
    pub key: &'static str,
    /// What it does, for the report.
    pub title: &'static str,
    /// Operations (or rows) per run: full size.
    pub full: u64,
    /// The same with `--quick`.
    pub quick: u64,
    /// The pgtusk case the ratios are about.
    pub pgtusk: &'static str,
}

pub const SPECS: [Spec; 8] = [
    Spec {
        id: "W1",
        key: "point",
        title: "sequential `SELECT $1::int4`, one connection",
        full: 20_000,
        quick: 2_000,
        pgtusk: "pgtusk async",
    },
    Spec {
        id: "W2",
        key: "pipeline",
        title: "`INSERT INTO bench_ins(a, b) VALUES ($1, $2)` in one transaction, one connection, each driver's fastest way",
        full: 20_000,
        quick: 2_000,
        pgtusk: "pgtusk async execute_many",
    },
    Spec {
        id: "W3",
        key: "wide_read",
        title: "rows × 6 columns (int8, float8, text, timestamptz, bool, numeric) streamed and decoded",
        full: 1_000_000,
        quick: 20_000,
        pgtusk: "pgtusk async query_stream",
    },
    Spec {
        id: "W4",
        key: "copy_in",
        title: "rows × 6 columns by binary `COPY … FROM STDIN`",
        full: 1_000_000,
        quick: 20_000,
        pgtusk: "pgtusk async write_row",
    },
    Spec {
        id: "W5",
        key: "copy_out",
        title: "rows × 6 columns by `COPY … TO STDOUT (FORMAT binary)`",
        full: 1_000_000,
        quick: 20_000,
        pgtusk: "pgtusk async next_chunk",
    },
    Spec {
        id: "W6",
        key: "many_stmts",
        title: "executions cycling through 10 statements, with the driver's statement cache",
        full: 20_000,
        quick: 2_000,
        pgtusk: "pgtusk async (cache)",
    },
    Spec {
        id: "W6u",
        key: "many_stmts_unprepared",
        title: "the same without a statement cache",
        full: 20_000,
        quick: 2_000,
        pgtusk: "pgtusk async statement_cache_size=0",
    },
    Spec {
        id: "W7",
        key: "pool",
        title: "`SELECT $1::int4` by 32 tasks sharing one pool or client",
        full: 50_000,
        quick: 5_000,
        pgtusk: extra::PG_CLIENT,
    },
];

/// Every case of every workload.
fn all_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    cases.extend(point::cases());
    cases.extend(engine::cases());
    cases.extend(wide::cases());
    cases.extend(copy::cases());
    cases.extend(extra::pool_cases());
    cases.extend(extra::python_cases());
    cases.extend(extra::pgbench_cases());
    cases
}

struct Options {
    quick: bool,
    reps: usize,
    only: Option<Vec<String>>,
    python: bool,
    out_dir: PathBuf,
    pg: u32,
}

const USAGE: &str =
    "usage: suite [--quick] [--reps N] [--only W1,W3] [--no-python] [--out-dir DIR] [--pg N]";

fn parse(args: &[String]) -> Result<Options> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut o = Options {
        quick: false,
        reps: 0,
        only: None,
        python: true,
        out_dir: PathBuf::new(),
        pg: 15,
    };
    let mut out_dir = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--quick" => o.quick = true,
            "--reps" => o.reps = value()?.parse()?,
            "--only" => {
                o.only = Some(value()?.split(',').map(|s| s.trim().to_uppercase()).collect());
            }
            "--no-python" => o.python = false,
            "--out-dir" => out_dir = Some(PathBuf::from(value()?)),
            "--pg" => o.pg = value()?.parse()?,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}\n{USAGE}").into()),
        }
    }
    if o.reps == 0 {
        o.reps = if o.quick { 1 } else { 3 };
    }
    o.out_dir = out_dir
        .unwrap_or_else(|| if o.quick { root.join("results/quick") } else { root.join("../docs") });
    Ok(o)
}

impl Options {
    fn count(&self, spec: &Spec) -> u64 {
        if self.quick { spec.quick } else { spec.full }
    }

    fn wants(&self, spec: &Spec) -> bool {
        match &self.only {
            None => true,
            Some(ids) => ids
                .iter()
                .any(|id| id == &spec.id.to_uppercase() || (id == "W6" && spec.id == "W6u")),
        }
    }
}

fn main() {
    common::main("suite", all_cases, run);
}

/// The pgtusk commit measured: `PGTUSK_BENCH_COMMIT` when set (a build from an exported tree),
/// else `git rev-parse --short HEAD`, marked when `src/` has uncommitted changes.
fn pgtusk_commit() -> String {
    if let Ok(c) = std::env::var("PGTUSK_BENCH_COMMIT")
        && !c.is_empty()
    {
        return c;
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(&root)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    match git(&["rev-parse", "--short", "HEAD"]) {
        Some(head) => match git(&["status", "--porcelain", "--", "src"]) {
            Some(dirty) if !dirty.is_empty() => format!("{head} + uncommitted changes in src/"),
            _ => head,
        },
        None => "unknown".into(),
    }
}

/// What the report says about the run besides the samples.
pub struct RunInfo {
    pub date: String,
    pub machine: String,
    pub server_version: String,
    pub load_before: String,
    pub load_after: String,
    pub commit: String,
    pub python: String,
    pub notes: Vec<String>,
    pub reps: usize,
    pub quick: bool,
    pub minutes: f64,
}

/// The results of one workload.
pub struct WorkloadResult {
    pub spec: Spec,
    pub count: u64,
    pub results: Vec<CaseResult>,
}

fn run(all: &[Case], args: &[String]) -> Result<()> {
    let o = parse(args)?;
    let started = std::time::Instant::now();
    let commit = pgtusk_commit();
    let specs: Vec<Spec> = SPECS.iter().copied().filter(|s| o.wants(s)).collect();
    let mut notes = Vec::new();

    // The Python peers: installed when missing; skipped (with the reason) when that fails.
    let mut python_ok = o.python;
    if o.python {
        match python::ensure_packages() {
            Ok(what) => eprintln!("python: {what}"),
            Err(e) => {
                eprintln!("python peers skipped: {e}");
                notes.push(format!("asyncpg and psycopg skipped: {e}."));
                python_ok = false;
            }
        }
    } else {
        notes.push("asyncpg and psycopg left out (`--no-python`).".into());
    }
    let mut per_workload: Vec<(Spec, Vec<Case>)> = Vec::new();
    for spec in &specs {
        let mut cases = Vec::new();
        for case in all.iter().filter(|c| c.workload == spec.key) {
            if let Some(script_case) = extra::python_case(case.workload, case.driver) {
                if !python_ok {
                    continue;
                }
                if let Err(e) = python::check(script_case) {
                    eprintln!("skipping {}: {e}", case.driver);
                    notes.push(format!("{} / {} skipped: {e}", spec.id, case.driver));
                    continue;
                }
            }
            cases.push(*case);
        }
        per_workload.push((*spec, cases));
    }

    let server = BenchServer::start(o.pg)?;
    let url = server.url.clone();
    let needs_rows = specs.iter().any(|s| matches!(s.key, "wide_read" | "copy_in" | "copy_out"));
    let rows = if o.quick { 20_000 } else { 1_000_000 };
    if needs_rows {
        eprintln!("creating copy_src ({rows} rows), copy_bench and {}", copy::data_file(&url));
        copy::prepare(&url, rows)?;
        let mut conn = pgtusk::blocking::Connection::connect(&url)?;
        // One untimed read: the table's pages into the OS page cache (and hint bits set).
        conn.execute(
            "COPY (SELECT id, x, name, ts, flag, amount FROM copy_src) TO '/dev/null' (FORMAT binary)",
            (),
        )?;
    }
    if let Some((_, cases)) = per_workload.iter().find(|(s, _)| s.key == "copy_in") {
        // Every copy-in driver loads 5,000 rows once; they must equal the source's.
        copy::check_drivers(cases, &url)?;
    }

    let load_before = machine::load_average();
    let total: usize = per_workload.iter().map(|(_, c)| c.len()).sum();
    eprintln!(
        "PostgreSQL {}; {} workloads, {total} cases x {} reps, interleaved",
        server.version,
        per_workload.len(),
        o.reps
    );
    let mut samples: Vec<Vec<Vec<harness::Sample>>> =
        per_workload.iter().map(|(_, c)| vec![Vec::new(); c.len()]).collect();
    for rep in 0..o.reps {
        for (w, (spec, cases)) in per_workload.iter().enumerate() {
            let count = o.count(spec);
            let n = cases.len();
            for j in 0..n {
                // Rotate the order each repetition: no driver always runs first or last.
                let i = (j + rep) % n;
                let case = &cases[i];
                let s = case.run_child(&url, count)?;
                eprintln!(
                    "  rep {} {:<4} {:<48} wall {:>8.3} s  cpu {:>8.3} µs/{}  rss {:>6.1} MiB",
                    rep + 1,
                    spec.id,
                    case.driver,
                    s.wall.as_secs_f64(),
                    s.cpu_us_per_op(),
                    case.unit,
                    s.max_rss_kib as f64 / 1024.0
                );
                samples[w][i].push(s);
            }
        }
    }
    let load_after = machine::load_average();
    let _ = std::fs::remove_file(copy::data_file(&url));
    let server_version = server.version.clone();
    drop(server);

    let workloads: Vec<WorkloadResult> = per_workload
        .iter()
        .zip(samples)
        .map(|((spec, cases), s)| WorkloadResult {
            spec: *spec,
            count: o.count(spec),
            results: CaseResult::collect(cases, s),
        })
        .collect();
    let info = RunInfo {
        date: machine::today(),
        machine: format!("{} × {}", machine::nproc(), machine::cpu_model()),
        server_version,
        load_before,
        load_after,
        commit,
        python: if python_ok { python::versions() } else { "Python peers not run".into() },
        notes,
        reps: o.reps,
        quick: o.quick,
        minutes: started.elapsed().as_secs_f64() / 60.0,
    };
    let md = output::markdown(&workloads, &info);
    let svg = output::svg(&workloads, &info);
    std::fs::create_dir_all(&o.out_dir)?;
    std::fs::write(o.out_dir.join("benchmarks.md"), &md)?;
    std::fs::write(o.out_dir.join("benchmarks.svg"), &svg)?;
    eprintln!("written to {}", o.out_dir.join("benchmarks.{md,svg}").display());
    if !o.quick && o.only.is_none() {
        let readme = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../README.md");
        output::update_readme(&readme, &output::readme_section(&workloads, &info))?;
        eprintln!("README.md's benchmark table updated");
    }
    print!("{md}");
    Ok(())
}
