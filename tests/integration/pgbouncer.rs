//! Through PgBouncer (Debian's 1.18, started by the testkit in front of PostgreSQL 15): the
//! protocol 3.2 -> 3.0 fallback, and pooler mode in transaction pooling with two clients that
//! share two server connections.
//!
//! Skipped, with a line saying why, when `PGTUSK_TEST_URL` points at an external server or when
//! `pgbouncer` is not installed.

use std::collections::BTreeSet;
use std::time::Duration;

use pgtusk::protocol::ProtocolVersion;
use pgtusk::{Error, ErrorKind};
use pgtusk_testkit::{PgBouncer, PgBouncerSpec, Server, ServerSpec, roles};

use crate::common::{unique, with_deadline, within};

/// Iterations per connection: each runs one `SELECT $1::int8` per iteration, plus a
/// transaction with an INSERT every 10th iteration.
const ITERATIONS: i64 = 1_000;

/// The PG 15 server and a fresh PgBouncer in `pool_mode` in front of it, or `None` (with the
/// reason printed) when the tests cannot run here.
fn bouncer(pool_mode: &str) -> Option<(&'static Server, PgBouncer)> {
    if !can_run() {
        return None;
    }
    let server = Server::shared(15);
    let bouncer = PgBouncer::start(server, pool_mode).unwrap_or_else(|e| panic!("{e}"));
    Some((server, bouncer))
}

/// Whether the tests can run here; prints why not.
fn can_run() -> bool {
    if pgtusk_testkit::test_url().is_some() {
        eprintln!("skipped: PGTUSK_TEST_URL is set; the PgBouncer tests need a testkit server");
        return false;
    }
    if !PgBouncer::available() {
        eprintln!("skipped: pgbouncer is not installed (apt-get install -y pgbouncer)");
        return false;
    }
    true
}

/// The two ways PgBouncer hands idle server connections out: `server_round_robin = 0` (the
/// default: the most recently used first, so clients that take turns mostly share one server
/// connection) and `1` (the least recently used first, so they move between the two).
const HAND_OUTS: [(&str, &str); 2] = [("lifo", "0"), ("round robin", "1")];

/// A transaction-pooling bouncer in front of `server` with `server_round_robin = rr`.
fn transaction_bouncer(server: &Server, rr: &str) -> PgBouncer {
    PgBouncerSpec::new("transaction")
        .setting("server_round_robin", rr)
        .start(server)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// How many protocol-3.2 StartupMessages PgBouncer refused with `bad packet header` so far
/// (it logs `pooler error: bad packet header: '<length>00030002'` once per refusal).
fn bad_headers(bouncer: &PgBouncer) -> usize {
    bouncer
        .log()
        .lines()
        .filter(|l| l.contains("pooler error: bad packet header") && l.contains("00030002"))
        .count()
}

#[track_caller]
fn assert_bad_packet_header(e: &Error, bouncer: &PgBouncer) {
    assert_eq!(e.kind(), ErrorKind::Db, "{e:?}\n{}", bouncer.log());
    assert_eq!(e.code().map(|c| c.code()), Some("08P01"), "{e:?}");
    assert!(e.to_string().contains("bad packet header"), "{e}");
}

/// pgtusk asks for 3.2; PgBouncer 1.18 answers `FATAL 08P01 bad packet header` without
/// negotiating, and pgtusk reconnects once with 3.0. With `min_protocol_version=3.2` it must
/// give up with that error instead.
#[tokio::test]
async fn protocol_fallback_async() {
    let Some((_server, bouncer)) = bouncer("transaction") else { return };
    let limit = Duration::from_secs(20);
    let infos = [
        bouncer.url(roles::SCRAM),
        format!("{} sslmode=disable", bouncer.conninfo(roles::SCRAM)),
        format!("{} sslmode=disable", bouncer.conninfo(roles::SUPERUSER)),
        // `application_name` and `client_encoding` (always sent) are parameters PgBouncer
        // tracks; `options` needs `ignore_startup_parameters`.
        format!(
            "{} application_name=pgb_test options='-c work_mem=2MB'",
            bouncer.conninfo(roles::SCRAM)
        ),
    ];
    for info in &infos {
        let refused = bad_headers(&bouncer);
        let mut conn = within(limit, info, pgtusk::Connection::connect(info))
            .await
            .unwrap_or_else(|e| panic!("{info}: {e:?}\n{}", bouncer.log()));
        assert_eq!(conn.protocol_version(), ProtocolVersion::V3_0, "{info}");
        assert_eq!(bad_headers(&bouncer), refused + 1, "{info}: one refused 3.2 attempt");
        let n: i64 = conn.query_scalar("SELECT $1::int8", (42_i64,)).await.unwrap();
        assert_eq!(n, 42);
        assert!(!conn.is_tls());
    }

    let strict = format!(
        "{} sslmode=disable min_protocol_version=3.2 max_protocol_version=3.2",
        bouncer.conninfo(roles::SCRAM)
    );
    let refused = bad_headers(&bouncer);
    let e = within(limit, "min_protocol_version=3.2", pgtusk::Connection::connect(&strict))
        .await
        .map(|_| ())
        .expect_err("3.2 only through PgBouncer 1.18 must fail");
    assert_bad_packet_header(&e, &bouncer);
    assert_eq!(bad_headers(&bouncer), refused + 1, "no second attempt");

    // Capped at 3.0 from the start: a single attempt.
    let capped = format!("{} max_protocol_version=3.0", bouncer.conninfo(roles::SCRAM));
    let refused = bad_headers(&bouncer);
    let conn = within(limit, &capped, pgtusk::Connection::connect(&capped)).await.unwrap();
    assert_eq!(conn.protocol_version(), ProtocolVersion::V3_0);
    assert_eq!(bad_headers(&bouncer), refused);
}

#[test]
fn protocol_fallback_blocking() {
    let Some((_server, bouncer)) = bouncer("session") else { return };
    let limit = Duration::from_secs(20);
    for info in
        [bouncer.url(roles::SCRAM), format!("{} sslmode=disable", bouncer.conninfo(roles::MD5))]
    {
        let refused = bad_headers(&bouncer);
        let what = info.clone();
        let (version, n) = with_deadline(limit, &what, move || {
            let mut conn = pgtusk::blocking::Connection::connect(&info)
                .unwrap_or_else(|e| panic!("{info}: {e:?}"));
            let n: i64 = conn.query_scalar("SELECT $1::int8", (7_i64,)).unwrap();
            (conn.protocol_version(), n)
        });
        assert_eq!(version, ProtocolVersion::V3_0, "{what}");
        assert_eq!(n, 7);
        assert_eq!(bad_headers(&bouncer), refused + 1, "{what}: one refused 3.2 attempt");
    }

    let strict = format!(
        "{} sslmode=disable min_protocol_version=3.2 max_protocol_version=3.2",
        bouncer.conninfo(roles::SCRAM)
    );
    let e = with_deadline(limit, "min_protocol_version=3.2", move || {
        pgtusk::blocking::Connection::connect(&strict).map(|_| ())
    })
    .expect_err("3.2 only through PgBouncer 1.18 must fail");
    assert_bad_packet_header(&e, &bouncer);
}

/// What a two-connection workload saw.
#[derive(Debug, Default)]
struct Report {
    /// Statements (SELECTs, INSERTs, BEGINs, COMMITs) that succeeded.
    ok: usize,
    /// Results that came back wrong (must stay empty whatever else happens).
    wrong: Vec<String>,
    /// Errors, as `iteration conn: SQLSTATE message`.
    errors: Vec<String>,
    /// Errors that closed a connection.
    fatal: Vec<String>,
    /// INSERTs that succeeded in a transaction without errors whose COMMIT succeeded, i.e. the
    /// rows that must be in the table. (A COMMIT of a failed transaction rolls back and still
    /// returns `Ok`, as the server answers it without an error.)
    committed: u64,
    /// `pg_backend_pid()` as seen by each connection outside transactions.
    pids: [BTreeSet<i32>; 2],
    /// `pg_backend_pid()` in connection 0's open transaction and in connection 1's
    /// transaction run meanwhile: they must differ.
    tx_pids: Vec<(i32, i32)>,
}

impl Report {
    fn error(&mut self, i: i64, k: usize, what: &str, e: &Error) {
        let code = e.code().map_or("-----", |c| c.code());
        let line = format!("#{i} conn {k} {what}: {code} {e}");
        if e.is_closed() {
            self.fatal.push(line.clone());
        }
        self.errors.push(line);
    }

    fn summary(&self) -> String {
        let mut codes = std::collections::BTreeMap::<String, usize>::new();
        for e in &self.errors {
            let code = e.split(": ").nth(1).and_then(|s| s.split(' ').next()).unwrap_or("?");
            *codes.entry(code.to_owned()).or_default() += 1;
        }
        format!(
            "{} ok, {} errors {codes:?}, {} fatal, {} wrong results, {} rows committed, \
             backend pids {:?} / {:?}; first errors: {:#?}",
            self.ok,
            self.errors.len(),
            self.fatal.len(),
            self.wrong.len(),
            self.committed,
            self.pids[0],
            self.pids[1],
            &self.errors[..self.errors.len().min(6)]
        )
    }
}

/// Defines the two-connection workload on one connection type: `ITERATIONS` iterations, each
/// running `SELECT $1::int8` on both connections in turn; every 10th iteration connection 0
/// opens a transaction and inserts, connection 1 runs a whole transaction of its own while
/// that one is open, then connection 0 commits; every 25th iteration both read
/// `pg_backend_pid()`, and every 50th both read it inside their transactions. Errors are
/// recorded, not fatal; a closed connection is reopened.
macro_rules! define_workload {
    ($name:ident, $Conn:ty, [$($async_kw:tt)*], [$($await:tt)*]) => {
        $($async_kw)* fn $name(info: &str, table: &str) -> Report {
            let insert = format!("INSERT INTO {table} (id, conn) VALUES ($1, $2)");
            let pid_sql = "SELECT pg_backend_pid()";
            let mut report = Report::default();
            let mut conns: Vec<$Conn> = Vec::new();
            for _ in 0..2 {
                conns.push(<$Conn>::connect(info)$($await)*.unwrap());
            }
            let mut next_id = 0_i64;
            for i in 0..ITERATIONS {
                for k in 0..2 {
                    if conns[k].is_closed() {
                        conns[k] = <$Conn>::connect(info)$($await)*.unwrap();
                    }
                    let v = i * 2 + k as i64;
                    match conns[k].query_scalar::<i64, _, _>("SELECT $1::int8", (v,))$($await)* {
                        Ok(n) if n == v => report.ok += 1,
                        Ok(n) => report.wrong.push(format!("#{i} conn {k}: {n} for {v}")),
                        Err(e) => report.error(i, k, "select", &e),
                    }
                    if i % 25 == 0 {
                        match conns[k].query_scalar::<i32, _, _>(pid_sql, ())$($await)* {
                            Ok(pid) => {
                                report.ok += 1;
                                report.pids[k].insert(pid);
                            }
                            Err(e) => report.error(i, k, "pid", &e),
                        }
                    }
                }
                if i % 10 != 9 {
                    continue;
                }
                let read_pids = i % 50 == 49;
                let (first, second) = conns.split_at_mut(1);
                let (a, b) = (&mut first[0], &mut second[0]);
                // Connection 0: BEGIN + INSERT, left open.
                let mut tx_a = match a.transaction()$($await)* {
                    Ok(tx) => {
                        report.ok += 1;
                        Some(tx)
                    }
                    Err(e) => {
                        report.error(i, 0, "begin", &e);
                        None
                    }
                };
                let mut a_inserted = false;
                let mut a_pid = None;
                if let Some(tx) = tx_a.as_mut() {
                    next_id += 1;
                    match tx.execute(&insert, (next_id, 0_i32))$($await)* {
                        Ok(1) => {
                            report.ok += 1;
                            a_inserted = true;
                        }
                        Ok(n) => report.wrong.push(format!("#{i} conn 0: insert affected {n}")),
                        Err(e) => report.error(i, 0, "insert", &e),
                    }
                    if read_pids {
                        match tx.query_scalar::<i32, _, _>(pid_sql, ())$($await)* {
                            Ok(pid) => {
                                report.ok += 1;
                                a_pid = Some(pid);
                            }
                            Err(e) => {
                                // The transaction is failed: its COMMIT rolls back.
                                a_inserted = false;
                                report.error(i, 0, "pid in transaction", &e);
                            }
                        }
                    }
                }
                // Connection 1: a whole transaction while connection 0's is open.
                match b.transaction()$($await)* {
                    Ok(mut tx) => {
                        report.ok += 1;
                        next_id += 1;
                        let mut inserted = match tx.execute(&insert, (next_id, 1_i32))$($await)* {
                            Ok(1) => {
                                report.ok += 1;
                                true
                            }
                            Ok(n) => {
                                report.wrong.push(format!("#{i} conn 1: insert affected {n}"));
                                false
                            }
                            Err(e) => {
                                report.error(i, 1, "insert", &e);
                                false
                            }
                        };
                        if read_pids {
                            match tx.query_scalar::<i32, _, _>(pid_sql, ())$($await)* {
                                Ok(pid) => {
                                    report.ok += 1;
                                    if let Some(a_pid) = a_pid {
                                        report.tx_pids.push((a_pid, pid));
                                    }
                                }
                                Err(e) => {
                                    inserted = false;
                                    report.error(i, 1, "pid in transaction", &e);
                                }
                            }
                        }
                        match tx.commit()$($await)* {
                            Ok(()) => {
                                report.ok += 1;
                                report.committed += u64::from(inserted);
                            }
                            Err(e) => report.error(i, 1, "commit", &e),
                        }
                    }
                    Err(e) => report.error(i, 1, "begin", &e),
                }
                if let Some(tx) = tx_a {
                    match tx.commit()$($await)* {
                        Ok(()) => {
                            report.ok += 1;
                            report.committed += u64::from(a_inserted);
                        }
                        Err(e) => report.error(i, 0, "commit", &e),
                    }
                }
            }
            report
        }
    };
}

define_workload!(workload_async, pgtusk::Connection, [async], [.await]);
define_workload!(workload_blocking, pgtusk::blocking::Connection, [], []);

/// Runs the blocking workload on a thread, with a deadline.
fn workload_blocking_within(info: &str, table: &str) -> Report {
    let (info, table) = (info.to_owned(), table.to_owned());
    with_deadline(Duration::from_secs(180), "blocking workload", move || {
        workload_blocking(&info, &table)
    })
}

/// A fresh table the SCRAM role may write to.
fn make_table(server: &Server) -> String {
    let table = unique("pgb");
    server
        .psql(&format!(
            "CREATE TABLE {table} (id int8 PRIMARY KEY, conn int4 NOT NULL); \
             GRANT ALL ON {table} TO {}",
            roles::SCRAM
        ))
        .unwrap();
    table
}

fn rows_in(server: &Server, table: &str) -> u64 {
    server.psql(&format!("SELECT count(*) FROM {table}")).unwrap().parse().unwrap()
}

/// Checks a pooler-mode run: everything succeeded, and the two clients really shared server
/// connections (at most `default_pool_size` = 2 backends, at least one used by both, and two
/// different ones while both had a transaction open).
fn check_pooler_run(label: &str, server: &Server, bouncer: &PgBouncer, table: &str, r: &Report) {
    eprintln!("{label}: {}", r.summary());
    assert!(r.wrong.is_empty(), "{label}: wrong results: {:?}", r.wrong);
    let missing: Vec<&String> = r.errors.iter().filter(|e| e.contains("does not exist")).collect();
    assert!(missing.is_empty(), "{label}: {missing:#?}");
    assert!(r.errors.is_empty(), "{label}: {:#?}\n{}", r.errors, bouncer.log());
    let n = ITERATIONS as usize;
    // SELECTs, pid reads outside transactions, BEGIN + INSERT + COMMIT, pid reads inside.
    let expected = 2 * n + 2 * n.div_ceil(25) + 2 * 3 * (n / 10) + 2 * (n / 50);
    assert_eq!(r.ok, expected, "{label}");
    assert_eq!(r.committed, 2 * ITERATIONS as u64 / 10, "{label}");
    assert_eq!(rows_in(server, table), r.committed, "{label}");
    let all: BTreeSet<i32> = r.pids[0].union(&r.pids[1]).copied().collect();
    assert!(all.len() <= 2, "{label}: more backends than default_pool_size: {all:?}");
    assert!(
        r.pids[0].intersection(&r.pids[1]).next().is_some(),
        "{label}: the two clients never shared a server connection: {:?}",
        r.pids
    );
    assert_eq!(r.tx_pids.len(), 2 * n / 100, "{label}");
    for &(a, b) in &r.tx_pids {
        assert_ne!(a, b, "{label}: two open transactions on one server connection");
    }
}

/// Pooler mode through transaction pooling: two connections interleaving transactions over
/// two shared server connections, 1,000 iterations each, not one error; with both ways
/// PgBouncer hands out idle server connections.
#[tokio::test]
async fn pooler_mode_async() {
    if !can_run() {
        return;
    }
    let server = Server::shared(15);
    for (how, rr) in HAND_OUTS {
        let bouncer = transaction_bouncer(server, rr);
        let table = make_table(server);
        let info = format!("{} sslmode=disable pooler_mode=true", bouncer.conninfo(roles::SCRAM));
        let r =
            within(Duration::from_secs(180), "async workload", workload_async(&info, &table)).await;
        check_pooler_run(&format!("async, pooler_mode, {how}"), server, &bouncer, &table, &r);
    }
}

#[test]
fn pooler_mode_blocking() {
    if !can_run() {
        return;
    }
    let server = Server::shared(15);
    for (how, rr) in HAND_OUTS {
        let bouncer = transaction_bouncer(server, rr);
        let table = make_table(server);
        let info = format!("{} sslmode=disable pooler_mode=true", bouncer.conninfo(roles::SCRAM));
        let r = workload_blocking_within(&info, &table);
        check_pooler_run(&format!("blocking, pooler_mode, {how}"), server, &bouncer, &table, &r);
    }
}

/// Counts the server's log lines about pgtusk's cached statements: (26000 `does not exist`,
/// 42P05 `already exists`).
fn server_statement_errors(server: &Server) -> (usize, usize) {
    let log = server.log();
    let lines = || log.lines().filter(|l| l.contains("ERROR:") && l.contains("\"pgtusk_"));
    (
        lines().filter(|l| l.contains("does not exist")).count(),
        lines().filter(|l| l.contains("already exists")).count(),
    )
}

/// Checks a run with the statement cache on through transaction pooling: named statements
/// cannot survive there, but every result that comes back must be right, every error must be
/// a clear server error about a prepared statement (or the `25P02` that follows one inside a
/// transaction), no connection may break, and what was reported committed must be in the
/// table. Every 26000 the server reported outside a transaction should have been retried.
fn check_cached_run(label: &str, server: &Server, table: &str, r: &Report) {
    let (missing, collisions) = server_statement_errors(server);
    let reported_missing = r.errors.iter().filter(|e| e.contains(" 26000 ")).count();
    eprintln!(
        "{label}: {}\n  server log: {missing} x 26000 `prepared statement \"pgtusk_cN\" does not \
         exist` ({} retried and recovered, {reported_missing} reported), {collisions} x 42P05 \
         `already exists`",
        r.summary(),
        missing - reported_missing.min(missing),
    );
    assert!(r.wrong.is_empty(), "{label}: wrong results: {:?}", r.wrong);
    assert!(r.fatal.is_empty(), "{label}: connections closed: {:#?}", r.fatal);
    for e in &r.errors {
        let clear = e.contains("prepared statement")
            || e.contains(" 25P02 ")
            || e.contains("COMMIT rolled the transaction back");
        assert!(clear, "{label}: unexpected error: {e}");
    }
    assert_eq!(rows_in(server, table), r.committed, "{label}");
}

/// The same workload with the default statement cache and no pooler mode. Named statements
/// prepared on one server connection are missing on the next (26000) or collide with the other
/// client's statements of the same name (42P05). Records what happens; `check_cached_run` says
/// what must hold anyway. A private server, so that its log counts this test's errors only.
#[tokio::test]
async fn statement_cache_without_pooler_mode_async() {
    if !can_run() {
        return;
    }
    for (how, rr) in HAND_OUTS {
        let server = ServerSpec::new(15).start().unwrap();
        let bouncer = transaction_bouncer(&server, rr);
        let table = make_table(&server);
        let info = format!("{} sslmode=disable", bouncer.conninfo(roles::SCRAM));
        let r =
            within(Duration::from_secs(180), "async workload", workload_async(&info, &table)).await;
        check_cached_run(&format!("async, statement cache, {how}"), &server, &table, &r);
    }
}

#[test]
fn statement_cache_without_pooler_mode_blocking() {
    if !can_run() {
        return;
    }
    for (how, rr) in HAND_OUTS {
        let server = ServerSpec::new(15).start().unwrap();
        let bouncer = transaction_bouncer(&server, rr);
        let table = make_table(&server);
        let info = format!("{} sslmode=disable", bouncer.conninfo(roles::SCRAM));
        let r = workload_blocking_within(&info, &table);
        check_cached_run(&format!("blocking, statement cache, {how}"), &server, &table, &r);
    }
}

/// Without pooler mode, two clients behind a transaction pooler share server connections,
/// and pgtusk names cached statements `pgtusk_c1`, `pgtusk_c2`, ... on every connection: a
/// client can bind its cached `pgtusk_c1` on a server connection where `pgtusk_c1` is the
/// other client's statement. When both take the same parameter types and return the same
/// column types, the client silently gets the other statement's result.
///
/// Deterministic with PgBouncer's default LIFO hand-out and `default_pool_size = 2`:
/// A prepares `pgtusk_c1` on server X, holds X in a transaction; B prepares its own
/// `pgtusk_c1` on server Y; A commits (X is now the most recently used idle connection);
/// B's next execution binds `pgtusk_c1` on X and runs A's SQL.
#[tokio::test]

async fn statement_cache_name_collision_gives_wrong_results() {
    let Some((_server, bouncer)) = bouncer("transaction") else { return };
    let info = format!("{} sslmode=disable", bouncer.conninfo(roles::SCRAM));
    let mut a = pgtusk::Connection::connect(&info).await.unwrap();
    let mut b = pgtusk::Connection::connect(&info).await.unwrap();
    for _ in 0..2 {
        let n: i64 = a.query_scalar("SELECT $1::int8 + 1", (5_i64,)).await.unwrap();
        assert_eq!(n, 6);
    }
    let tx = a.transaction().await.unwrap();
    for _ in 0..2 {
        let n: i64 = b.query_scalar("SELECT $1::int8 * 100", (5_i64,)).await.unwrap();
        assert_eq!(n, 500);
    }
    tx.commit().await.unwrap();
    let r = b.query_scalar::<i64, _, _>("SELECT $1::int8 * 100", (5_i64,)).await;
    eprintln!("third execution on B: {r:?}");
    assert!(!matches!(r, Ok(n) if n != 500), "B got A's statement's result: {r:?}");
}
