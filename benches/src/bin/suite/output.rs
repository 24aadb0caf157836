//! The suite's report: the Markdown tables, the SVG chart (written by hand) and the README's
//! section.

use std::fmt::Write as _;
use std::path::Path;

use pgtusk_benches::Result;
use pgtusk_benches::harness::Sample;
use pgtusk_benches::report::{CaseResult, Stat};

use crate::{RunInfo, WorkloadResult};

/// The peers, in the order of the tables and the chart, with the chart's colours.
pub const PEERS: [(&str, &str); 5] = [
    ("tokio-postgres", "#4e79a7"),
    ("postgres", "#59a14f"),
    ("sqlx", "#f28e2b"),
    ("asyncpg", "#b07aa1"),
    ("psycopg", "#e15759"),
];

/// A driver's family: the first word of its name (`pgtusk`, `tokio-postgres`, `server`, …).
fn family(driver: &str) -> &str {
    driver.split_whitespace().next().unwrap_or(driver)
}

/// The rows that bound what a driver can do rather than compete with it: the server alone
/// (`server …`) and libpq's own C programs (`pgbench`, `psql`).
fn is_ceiling(driver: &str) -> bool {
    matches!(family(driver), "server" | "pgbench" | "psql")
}

fn wall(s: &Sample) -> f64 {
    s.wall.as_secs_f64()
}

fn cpu(s: &Sample) -> f64 {
    (s.user + s.sys).as_secs_f64()
}

/// Whether the workload counts rows (CPU shown in ns/row) rather than operations (µs/op).
fn per_row(w: &WorkloadResult) -> bool {
    w.results.first().is_some_and(|r| r.unit == "row")
}

/// pgtusk's case and, per peer, the peer's fastest case (lowest median wall) with the per-round
/// ratios pgtusk ÷ peer: (peer, its case, wall ratio, CPU ratio).
/// A peer's fastest case, pgtusk's wall ratio to it and its client CPU ratio.
pub type PeerRatio<'a> = (&'a CaseResult, Stat, Stat);

pub struct Ratios<'a> {
    pub pgtusk: Option<&'a CaseResult>,
    pub peers: Vec<(&'static str, Option<PeerRatio<'a>>)>,
}

pub fn ratios(w: &WorkloadResult) -> Ratios<'_> {
    let pgtusk = w.results.iter().find(|r| r.driver == w.spec.pgtusk);
    let peers = PEERS
        .iter()
        .map(|(peer, _)| {
            let best = w
                .results
                .iter()
                .filter(|r| family(r.driver) == *peer)
                .min_by(|a, b| a.stat(wall).median.total_cmp(&b.stat(wall).median));
            let cell = match (pgtusk, best) {
                (Some(pg), Some(best)) => Some((best, pg.ratio(best, wall), pg.ratio(best, cpu))),
                _ => None,
            };
            (*peer, cell)
        })
        .collect();
    Ratios { pgtusk, peers }
}

fn ceilings(w: &WorkloadResult) -> impl Iterator<Item = &CaseResult> {
    w.results.iter().filter(|r| is_ceiling(r.driver))
}

fn rate(r: &CaseResult) -> String {
    let v = r.stat(Sample::throughput).median;
    if v >= 1e6 { format!("{:.2} M/s", v / 1e6) } else { format!("{:.1} k/s", v / 1e3) }
}

fn cpu_cell(w: &WorkloadResult, r: &CaseResult) -> String {
    if per_row(w) {
        format!("{} ns/row", r.stat(|s| s.cpu_us_per_op() * 1e3).show(0))
    } else {
        format!("{} µs/op", r.stat(Sample::cpu_us_per_op).show(1))
    }
}

fn header(info: &RunInfo) -> String {
    format!(
        "pgtusk {} · {} · {} · PostgreSQL {} (local throwaway server, TCP 127.0.0.1, no TLS, fsync / synchronous_commit / \
         full_page_writes off; client and server share the machine) · repetitions: {}, interleaved · load average {} \
         before, {} after · {} · the run took {:.0} min{}",
        info.commit,
        info.date,
        info.machine,
        info.server_version,
        info.reps,
        info.load_before,
        info.load_after,
        info.python,
        info.minutes,
        if info.quick { " · **--quick sizes: not the published numbers**" } else { "" }
    )
}

/// The summary table: one row per workload, pgtusk ÷ each peer's fastest way.
pub fn summary(workloads: &[WorkloadResult]) -> String {
    let mut md = String::new();
    let _ = write!(md, "| workload | pgtusk (async) | ");
    for (peer, _) in PEERS {
        let _ = write!(md, "÷ {peer} | ");
    }
    let _ = writeln!(md, "ceilings (the server alone; libpq in C) |");
    let _ = writeln!(md, "|---|---|{}---|", "---|".repeat(PEERS.len()));
    for w in workloads {
        let r = ratios(w);
        let pg = r.pgtusk.map_or("-".into(), |pg| {
            let c = if per_row(w) {
                format!("{:.0} ns/row", pg.stat(|s| s.cpu_us_per_op() * 1e3).median)
            } else {
                format!("{:.1} µs/op", pg.stat(Sample::cpu_us_per_op).median)
            };
            format!("{} · {c}", rate(pg))
        });
        let _ = write!(md, "| {} {} ×{} | {pg} | ", w.spec.id, w.spec.key, thousands(w.count));
        for (_, cell) in &r.peers {
            match cell {
                Some((_, wr, cr)) => {
                    let _ = write!(
                        md,
                        "{} · {} | ",
                        bold_if_behind(wr.median),
                        bold_if_behind(cr.median)
                    );
                }
                None => md.push_str("- | "),
            }
        }
        let ce = r.pgtusk.map_or_else(Vec::new, |pg| {
            ceilings(w)
                .map(|ce| {
                    let extra = if w.spec.key == "wide_read" && family(ce.driver) == "server" {
                        format!(
                            "; server CPU {:.0} ns/row",
                            ce.stat(|s| s.server_ns_per_op().unwrap_or(f64::NAN)).median
                        )
                    } else {
                        String::new()
                    };
                    format!(
                        "{}: {}{extra}; pgtusk wall ÷ {:.2}",
                        ce.driver,
                        rate(ce),
                        pg.ratio(ce, wall).median
                    )
                })
                .collect()
        });
        let ce = if ce.is_empty() { "-".into() } else { ce.join("<br>") };
        let _ = writeln!(md, "{ce} |");
    }
    md
}

fn bold_if_behind(x: f64) -> String {
    if x > 1.0 { format!("**{x:.2}**") } else { format!("{x:.2}") }
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Where pgtusk's wall time or client CPU is above a peer's (median ratio > 1).
pub fn behind(workloads: &[WorkloadResult]) -> Vec<String> {
    let mut out = Vec::new();
    for w in workloads {
        let r = ratios(w);
        for (peer, cell) in &r.peers {
            let Some((best, wr, cr)) = cell else { continue };
            let mut what = Vec::new();
            if wr.median > 1.0 {
                what.push(format!(
                    "wall time {:.2}× ({:.2}–{:.2} over the rounds)",
                    wr.median, wr.min, wr.max
                ));
            }
            if cr.median > 1.0 {
                what.push(format!("client CPU {:.2}× ({:.2}–{:.2})", cr.median, cr.min, cr.max));
            }
            if !what.is_empty() {
                out.push(format!(
                    "{} {}: `{}` vs {peer} (`{}`): {}",
                    w.spec.id,
                    w.spec.key,
                    w.spec.pgtusk,
                    best.driver,
                    what.join(", ")
                ));
            }
        }
    }
    out
}

pub fn markdown(workloads: &[WorkloadResult], info: &RunInfo) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# pgtusk against its peers: W1–W7\n");
    let _ = writeln!(md, "{}\n", header(info));
    let _ = writeln!(
        md,
        "Made by `cargo run --release -p pgtusk-benches --bin suite` (benches/README.md). Each run of each case is \
         its own process; a repetition runs every workload's drivers in turn (the order rotated each repetition). \
         **Wall** = the timed part; **client CPU** = user + sys of the client process over the timed part \
         (getrusage; the Python peers measure their own timed part, so the interpreter's start-up is not in it); \
         **peak RSS** = the client process's high-water mark. Medians (min–max) over the repetitions; ratios are \
         per round (the runs of one repetition ran minutes apart at most), their median. Rust async drivers run on \
         a current-thread tokio runtime, the Python async ones on uvloop.\n"
    );
    for n in &info.notes {
        let _ = writeln!(md, "> {n}\n");
    }
    let _ = writeln!(
        md,
        "## Summary: pgtusk ÷ each peer (its fastest way in the workload)\n\n\
         Each cell is **wall ratio · client CPU ratio**, pgtusk's async case ÷ the peer's fastest case: below 1 \
         pgtusk is faster / cheaper, **bold** where pgtusk is behind. The second column is pgtusk's own throughput \
         and client CPU.\n"
    );
    md.push_str(&summary(workloads));
    let _ = writeln!(
        md,
        "\n![pgtusk ÷ each peer, wall and client CPU, per workload](benchmarks.svg)\n"
    );
    let behind = behind(workloads);
    let _ = writeln!(md, "## Where pgtusk is behind\n");
    if behind.is_empty() {
        let _ = writeln!(md, "Nowhere in this run: every ratio is ≤ 1.\n");
    } else {
        for b in &behind {
            let _ = writeln!(md, "- {b}");
        }
        md.push('\n');
    }
    for w in workloads {
        let _ = writeln!(
            md,
            "## {} {}: {} × {}\n",
            w.spec.id,
            w.spec.key,
            thousands(w.count),
            w.spec.title
        );
        let pg = w.results.iter().find(|r| r.driver == w.spec.pgtusk);
        let server = w.results.iter().any(|r| r.samples.iter().any(|s| s.server_cpu.is_some()));
        let _ = writeln!(
            md,
            "| driver | wall s | throughput | client CPU | peak RSS MiB | pgtusk wall ÷ | pgtusk CPU ÷ |{}\n|---|---|---|---|---|---|---|{}",
            if server { " server CPU ns/row |" } else { "" },
            if server { "---|" } else { "" }
        );
        for r in &w.results {
            let (wr, cr) = match pg {
                Some(pg) if pg.driver != r.driver => (
                    format!("{:.2}", pg.ratio(r, wall).median),
                    if is_ceiling(r.driver) {
                        "-".into()
                    } else {
                        format!("{:.2}", pg.ratio(r, cpu).median)
                    },
                ),
                _ => ("-".into(), "-".into()),
            };
            let _ = write!(
                md,
                "| {} | {} | {} | {} | {} | {wr} | {cr} |",
                if r.driver == w.spec.pgtusk {
                    format!("**{}**", r.driver)
                } else {
                    r.driver.to_string()
                },
                r.stat(wall).show(3),
                rate(r),
                cpu_cell(w, r),
                r.stat(|s| s.max_rss_kib as f64 / 1024.0).show(1),
            );
            if server {
                let v = r.stat(|s| s.server_ns_per_op().unwrap_or(f64::NAN));
                let _ = write!(md, " {} |", if v.median.is_nan() { "-".into() } else { v.show(0) });
            }
            md.push('\n');
        }
        md.push('\n');
        if let Some(note) = note(w.spec.key) {
            let _ = writeln!(md, "{note}\n");
        }
    }
    md
}

/// What each workload's drivers do.
fn note(key: &str) -> Option<&'static str> {
    Some(match key {
        "point" => {
            "`pgtusk async` / `pgtusk blocking`: `query_one(sql, (i,))` (statement cache). tokio-postgres and \
            postgres: prepared once, `query_one(&stmt)`; `tokio-postgres unprepared`: `query_one(&str)` (two round \
            trips). sqlx: `query_scalar(sql).bind(i).fetch_one(&mut conn)` (its statement cache). asyncpg `fetchval`; \
            psycopg `cursor.execute` + `fetchone` (prepared from the 6th execution). pgbench: `SELECT :i::int4` with \
            `-M prepared`, libpq in C: the floor for one client."
        }
        "pipeline" => {
            "pgtusk `execute_many` (one call, one Sync) and `Pipeline` (one `execute` per row, one `sync`); \
            tokio-postgres: every `execute` future in flight (`try_join_all`, one Sync each); postgres and sqlx: one \
            `execute` per row (no pipelining: a round trip each); asyncpg `executemany` (one Sync); psycopg \
            `executemany` (libpq pipeline mode). Each run: `BEGIN`, the INSERTs, `COMMIT`. pgbench: 1,000 INSERTs \
            between `\\startpipeline` and `\\endpipeline`, autocommit; pgbench's own client spends ~20 µs of CPU per \
            command here, so for W2 it is no ceiling, only libpq's pipeline mode driven by a slow client."
        }
        "wide_read" => {
            "Every driver decodes every value (Rust: i64, f64, String, SystemTime — chrono for sqlx —, bool, \
            rust_decimal::Decimal; Python: int, float, str, datetime, bool, Decimal) and checks it against the \
            generator. Rust drivers stream the one query; asyncpg reads through a cursor (prefetch 5,000) and psycopg \
            through a server-side cursor (itersize 5,000) inside a transaction. Server CPU = the backend's CPU time \
            per row over the timed part (/proc/<pid>/schedstat); the ceiling is the server writing the same rows to \
            /dev/null with no client."
        }
        "copy_in" => {
            "Rows made on the fly from the row number, the same values in every driver (5,000 rows of each \
            were compared with the source before timing). pgtusk `copy_in_binary` + `write_row`; tokio-postgres / \
            postgres `BinaryCopyInWriter` (numeric through a small hand-written `ToSql`); asyncpg \
            `copy_records_to_table` (binary); psycopg `copy.write_row` with `set_types` (binary). sqlx is not here: it \
            only has raw COPY (`copy_in_raw`, bytes the caller encodes). Ceiling: the server's `COPY FROM` of a binary \
            file."
        }
        "copy_out" => {
            "The binary COPY stream read as chunks and counted (checked against the file's size): pgtusk \
            `next_chunk`, tokio-postgres / sqlx streams, postgres `CopyOutReader` (`fill_buf`), asyncpg \
            `copy_from_table(output=callback)`, psycopg `for chunk in copy`. Ceilings: the server's `COPY TO \
            '/dev/null'`, and psql's `COPY … TO STDOUT` to /dev/null (libpq's `PQgetCopyData` loop in C; its wall \
            is psql's `\\timing` of the statement): what the loopback stream costs a client that reads as the data \
            comes (pgtusk batches its reads)."
        }
        "many_stmts" => {
            "10 × `SELECT $1::int8 + k`, each driver's statement cache: pgtusk's (prepared after 2 \
            executions), tokio-postgres / postgres prepared once by hand, sqlx's persistent statements, asyncpg's \
            cache, psycopg's `prepare_threshold`."
        }
        "many_stmts_unprepared" => {
            "No cache: pgtusk `statement_cache_size=0` (unnamed Parse/Bind/Execute, one round \
            trip); tokio-postgres / postgres `query(&str)` (prepare, then execute: two round trips); sqlx \
            `persistent(false)`; asyncpg `statement_cache_size=0`; psycopg `execute(prepare=False)` (libpq \
            PQsendQueryParams, one round trip)."
        }
        "pool" => {
            "32 tasks on one current-thread runtime (Rust) or event loop (Python), the queries split evenly, \
            all sharing: pgtusk's `Client` (one connection, `Connection::into_client`, requests pipelined), 32 \
            pgtusk connections (one per task) or a pgtusk `Pool` of 10 (its default maximum; `pool.get()` per \
            query); one tokio-postgres `Client` (pipelined too); sqlx `PgPool` of 10 connections (its default \
            maximum) and of 1; asyncpg `Pool` of 10; psycopg_pool `AsyncConnectionPool` of 10. The `postgres` \
            crate has no pool of its own (r2d2 is a separate crate) and no shared client: not measured. Ceiling: \
            pgbench with 32 connections, one thread."
        }
        _ => return None,
    })
}

// ----- the chart -------------------------------------------------------------------------------

/// The SVG bar chart: for each workload, pgtusk ÷ each peer, wall (top panel) and client CPU
/// (bottom panel), on a log scale centred on 1.
pub fn svg(workloads: &[WorkloadResult], info: &RunInfo) -> String {
    const LO: f64 = -3.0; // log2: 1/8
    const HI: f64 = 2.0; // log2: 4
    let bar = 13.0;
    let group = bar * PEERS.len() as f64 + 22.0;
    let left = 56.0;
    let width = (left + group * workloads.len() as f64 + 20.0).max(700.0);
    let panel_h = 220.0;
    let top = 64.0;
    let gap = 46.0;
    let height = top + 2.0 * panel_h + gap + 60.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{left}" y="20" font-size="14" font-weight="bold">pgtusk ÷ each peer (its fastest way): below 1, pgtusk is faster / uses less CPU</text>"#
    );
    let _ = writeln!(
        s,
        r#"<text x="{left}" y="38" fill="dimgray">{} · {} · PostgreSQL {} · median of {} interleaved runs · log scale</text>"#,
        esc(&info.date),
        esc(&info.machine),
        esc(&info.server_version),
        info.reps
    );
    // Legend.
    let mut lx = left;
    for (peer, colour) in PEERS {
        let _ = writeln!(
            s,
            r#"<rect x="{lx:.0}" y="46" width="10" height="10" fill="{colour}"/><text x="{:.0}" y="55">{peer}</text>"#,
            lx + 14.0
        );
        lx += 24.0 + 7.0 * peer.len() as f64;
    }
    for (p, (title, f)) in
        [("wall time", 0usize), ("client CPU (user + sys)", 1usize)].iter().enumerate()
    {
        let y0 = top + p as f64 * (panel_h + gap) + 14.0;
        let y = |log2: f64| y0 + (HI - log2.clamp(LO, HI)) / (HI - LO) * panel_h;
        let _ = writeln!(
            s,
            r#"<text x="{left}" y="{:.0}" font-weight="bold">{title}</text>"#,
            y0 - 4.0
        );
        for tick in [-3, -2, -1, 0, 1, 2] {
            let ty = y(tick as f64);
            let label =
                if tick >= 0 { format!("{}", 1 << tick) } else { format!("1/{}", 1 << -tick) };
            let (stroke, w) = if tick == 0 { ("#000", 1.2) } else { ("#ddd", 0.8) };
            let _ = writeln!(
                s,
                r#"<line x1="{left}" y1="{ty:.1}" x2="{:.0}" y2="{ty:.1}" stroke="{stroke}" stroke-width="{w}"/><text x="{:.0}" y="{:.1}" text-anchor="end" fill="dimgray">{label}</text>"#,
                width - 20.0,
                left - 6.0,
                ty + 4.0
            );
        }
        for (g, w) in workloads.iter().enumerate() {
            let gx = left + g as f64 * group + 11.0;
            let r = ratios(w);
            for (k, (_, cell)) in r.peers.iter().enumerate() {
                let Some((best, wr, cr)) = cell else { continue };
                let v = if *f == 0 { wr.median } else { cr.median };
                if !(v.is_finite() && v > 0.0) {
                    continue;
                }
                let colour = PEERS[k].1;
                let x = gx + k as f64 * bar;
                let (ya, yb) = (y(0.0), y(v.log2()));
                let (y1, h) = if yb < ya { (yb, ya - yb) } else { (ya, yb - ya) };
                let _ = writeln!(
                    s,
                    r#"<rect x="{x:.1}" y="{y1:.1}" width="{:.1}" height="{:.1}" fill="{colour}"><title>{} {}: pgtusk ÷ {} = {v:.2}</title></rect>"#,
                    bar - 2.0,
                    h.max(1.0),
                    w.spec.id,
                    title,
                    esc(best.driver)
                );
                let (ty, anchor) = if v >= 1.0 { (yb - 3.0, "start") } else { (yb + 3.0, "end") };
                let _ = writeln!(
                    s,
                    r#"<text transform="translate({:.1},{ty:.1}) rotate(-90)" font-size="8" text-anchor="{anchor}">{v:.2}</text>"#,
                    x + bar / 2.0 + 2.0
                );
            }
            if p == 1 {
                let _ = writeln!(
                    s,
                    r#"<text x="{:.1}" y="{:.0}" text-anchor="middle">{} {}</text>"#,
                    gx + bar * PEERS.len() as f64 / 2.0,
                    y0 + panel_h + 18.0,
                    w.spec.id,
                    esc(w.spec.key)
                );
            } else {
                let _ = writeln!(
                    s,
                    r#"<text x="{:.1}" y="{:.0}" text-anchor="middle" fill="dimgray">{}</text>"#,
                    gx + bar * PEERS.len() as f64 / 2.0,
                    y0 + panel_h + 14.0,
                    w.spec.id
                );
            }
        }
    }
    let _ = writeln!(s, "</svg>");
    s
}

fn esc(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

// ----- the README ----------------------------------------------------------------------------

const BEGIN: &str = "<!-- benchmarks:begin -->";
const END: &str = "<!-- benchmarks:end -->";

/// The README's table: the summary, the chart and where pgtusk is behind.
pub fn readme_section(workloads: &[WorkloadResult], info: &RunInfo) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "{BEGIN}");
    let _ = writeln!(
        md,
        "pgtusk {} · {} · {} · PostgreSQL {} · {} interleaved repetitions (written by the suite; the full tables \
         are in [`docs/benchmarks.md`](docs/benchmarks.md)).\n",
        info.commit, info.date, info.machine, info.server_version, info.reps
    );
    let _ = writeln!(
        md,
        "Each cell: **wall ratio · client CPU ratio**, pgtusk (async) ÷ the peer's fastest way; below 1 pgtusk is \
         faster / cheaper, **bold** where it is behind.\n"
    );
    md.push_str(&summary(workloads));
    let _ = writeln!(
        md,
        "\n![pgtusk ÷ each peer per workload, wall and client CPU](docs/benchmarks.svg)\n"
    );
    let behind = behind(workloads);
    if behind.is_empty() {
        let _ = writeln!(md, "pgtusk was behind no peer in this run.");
    } else {
        let _ = writeln!(md, "**Where pgtusk is behind** in this run:\n");
        for b in &behind {
            let _ = writeln!(md, "- {b}");
        }
    }
    let _ = writeln!(md, "{END}");
    md
}

/// Replaces the README's text between the markers (which must be there).
pub fn update_readme(path: &Path, section: &str) -> Result<()> {
    let text = std::fs::read_to_string(path)?;
    let (Some(a), Some(b)) = (text.find(BEGIN), text.find(END)) else {
        return Err(format!("{} has no {BEGIN} … {END} markers", path.display()).into());
    };
    let new = format!("{}{}{}", &text[..a], section.trim_end(), &text[b + END.len()..]);
    std::fs::write(path, new)?;
    Ok(())
}
