//! Connection pools, async and blocking: bounds, hand-over resets, dead and old connections,
//! timeouts, closing and cancel safety.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use pgtusk::pool::{Check, PoolOptions};
use pgtusk::protocol::TransactionStatus;
use pgtusk::{Config, ErrorKind};

use pgtusk_testkit::roles::SUPERUSER;

use crate::common::{dead_port, dual_test, poll_then_drop, targets, unique, verify_full, within};

fn config(url: &str) -> Config {
    Config::from_env_and_str(url).unwrap()
}

/// Terminates session `pid` from another connection and waits until it is gone.
fn terminate(url: &str, pid: i32) {
    let mut admin = pgtusk::blocking::Connection::connect(url).unwrap();
    let ok: bool = admin.query_scalar("SELECT pg_terminate_backend($1)", (pid,)).unwrap();
    assert!(ok);
    for _ in 0..500 {
        let n: i64 = admin
            .query_scalar("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", (pid,))
            .unwrap();
        if n == 0 {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("session {pid} did not end");
}

dual_test! {
    /// Connections are opened on demand and lent again: one borrower after another gets the
    /// same session, and the statement cache survives the hand-over.
    fn reuses_connections(t) {
        let pool = Pool::new(&t.url).unwrap();
        assert_eq!(pool.status().size, 0, "lazy");
        let pid: i32 = {
            let mut c = aw!(pool.get()).unwrap();
            for _ in 0..3 {
                let n: i64 = aw!(c.query_scalar("SELECT $1::int8 + 1", (1_i64,))).unwrap();
                assert_eq!(n, 2);
            }
            aw!(c.query_scalar("SELECT pg_backend_pid()", ())).unwrap()
        };
        let status = pool.status();
        assert_eq!((status.size, status.idle, status.max_size), (1, 1, 10), "{}", t.label);
        let mut c = aw!(pool.get()).unwrap();
        let again: i32 = aw!(c.query_scalar("SELECT pg_backend_pid()", ())).unwrap();
        assert_eq!(again, pid, "{}", t.label);
        // Prepared by the first borrower (after two executions): the server still has it.
        let prepared: i64 =
            aw!(c.query_scalar("SELECT count(*) FROM pg_prepared_statements", ())).unwrap();
        assert!(prepared >= 1, "{}: {prepared}", t.label);
        assert_eq!(pool.status().idle, 0);
    }
}

dual_test! {
    /// A connection handed back inside a transaction is rolled back before anyone else gets
    /// it (and right away: its locks are released without waiting for the next borrower).
    fn rolls_back_an_open_transaction(t) {
        let table = unique("pool_tx");
        let mut admin = aw!(Conn::connect(&t.url)).unwrap();
        aw!(admin.batch_execute(&format!("CREATE TABLE {table} (a int)"))).unwrap();
        let pool = Pool::with_options(config(&t.url), PoolOptions::new().max_size(1));
        {
            let mut c = aw!(pool.get()).unwrap();
            aw!(c.batch_execute("BEGIN")).unwrap();
            aw!(c.execute(&format!("INSERT INTO {table} VALUES (1)"), ())).unwrap();
            aw!(c.batch_execute(&format!("LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))).unwrap();
            assert_eq!(c.transaction_status(), TransactionStatus::InTransaction);
        }
        // The lock goes away without another `get` (the async pool resets in a task).
        let lock = format!(
            "BEGIN; SET LOCAL lock_timeout = '5s'; LOCK TABLE {table} IN ACCESS SHARE MODE; COMMIT"
        );
        aw!(admin.batch_execute(&lock)).unwrap();
        let mut c = aw!(pool.get()).unwrap();
        assert_eq!(c.transaction_status(), TransactionStatus::Idle, "{}", t.label);
        let n: i64 = aw!(c.query_scalar(&format!("SELECT count(*) FROM {table}"), ())).unwrap();
        assert_eq!(n, 0, "{}: rolled back", t.label);

        // A failed transaction (status Failed) is rolled back too.
        aw!(c.batch_execute("BEGIN")).unwrap();
        assert!(aw!(c.execute("SELECT 1/0", ())).is_err());
        assert_eq!(c.transaction_status(), TransactionStatus::Failed);
        drop(c);
        let mut c = aw!(pool.get()).unwrap();
        assert_eq!(c.transaction_status(), TransactionStatus::Idle, "{}", t.label);
        let one: i32 = aw!(c.query_scalar("SELECT 1", ())).unwrap();
        assert_eq!(one, 1);
        drop(c);
        aw!(admin.batch_execute(&format!("DROP TABLE {table}"))).unwrap();
    }
}

dual_test! {
    /// A session the server ended while the connection was idle is replaced at `get`.
    fn replaces_a_terminated_connection(t) {
        let pool = Pool::with_options(config(&t.url), PoolOptions::new().max_size(1));
        let pid: i32 = {
            let mut c = aw!(pool.get()).unwrap();
            aw!(c.query_scalar("SELECT pg_backend_pid()", ())).unwrap()
        };
        terminate(&t.url, pid);
        let mut c = aw!(pool.get()).unwrap();
        let new_pid: i32 = aw!(c.query_scalar("SELECT pg_backend_pid()", ())).unwrap();
        assert_ne!(new_pid, pid, "{}", t.label);
        assert_eq!(pool.status().size, 1, "{}", t.label);
    }
}

dual_test! {
    /// The probe sees a terminated session over every transport (TLS, a Unix socket).
    fn probe_over_tls_and_unix_sockets(t) {
        let Some(server) = t.server else { continue };
        let tls = format!("{} {}", server.conninfo(SUPERUSER), verify_full(server));
        for url in [tls, server.socket_url(SUPERUSER)] {
            let pool = Pool::with_options(config(&url), PoolOptions::new().max_size(1));
            let pid: i32 = {
                let mut c = aw!(pool.get()).unwrap();
                aw!(c.query_scalar("SELECT pg_backend_pid()", ())).unwrap()
            };
            terminate(&t.url, pid);
            let mut c = aw!(pool.get()).unwrap();
            let new_pid: i32 = aw!(c.query_scalar("SELECT pg_backend_pid()", ())).unwrap();
            assert_ne!(new_pid, pid, "{}: {url}", t.label);
        }
    }
}

dual_test! {
    /// Without a check, the dead connection fails its borrower's first call; given back
    /// closed, it is forgotten and the next `get` opens a new one.
    fn a_broken_connection_is_not_lent_again(t) {
        let options = PoolOptions::new().max_size(1).check(Check::None);
        let pool = Pool::with_options(config(&t.url), options);
        let pid: i32 = {
            let mut c = aw!(pool.get()).unwrap();
            aw!(c.query_scalar("SELECT pg_backend_pid()", ())).unwrap()
        };
        terminate(&t.url, pid);
        {
            let mut c = aw!(pool.get()).unwrap();
            let e = aw!(c.query_scalar::<i32, _, _>("SELECT 1", ())).unwrap_err();
            assert!(e.is_closed() || e.as_db_error().is_some(), "{}: {e:?}", t.label);
            assert!(c.is_closed());
        }
        assert_eq!(pool.status().size, 0, "{}", t.label);
        let mut c = aw!(pool.get()).unwrap();
        let one: i32 = aw!(c.query_scalar("SELECT 1", ())).unwrap();
        assert_eq!(one, 1, "{}", t.label);
    }
}

dual_test! {
    /// `Check::Ping` makes a round trip before lending; connections work as usual.
    fn ping_check(t) {
        let pool = Pool::with_options(config(&t.url), PoolOptions::new().check(Check::Ping));
        for i in 0..3_i64 {
            let mut c = aw!(pool.get()).unwrap();
            let n: i64 = aw!(c.query_scalar("SELECT $1::int8", (i,))).unwrap();
            assert_eq!(n, i);
        }
        assert_eq!(pool.status().size, 1, "{}", t.label);
    }
}

dual_test! {
    /// Connections idle for longer than `idle_timeout`, or older than `max_lifetime`, are
    /// closed rather than lent.
    fn recycles_old_and_idle_connections(t) {
        // The session behind a connection borrowed and given back at once.
        const PID: &str = "SELECT pg_backend_pid()";
        macro_rules! pid {
            ($pool:expr) => {
                aw!(aw!($pool.get()).unwrap().query_scalar::<i32, _, _>(PID, ())).unwrap()
            };
        }
        let idle = PoolOptions::new().idle_timeout(Some(Duration::from_millis(100)));
        let pool = Pool::with_options(config(&t.url), idle);
        let first: i32 = pid!(pool);
        let soon: i32 = pid!(pool);
        assert_eq!(first, soon, "{}: reused while fresh", t.label);
        std::thread::sleep(Duration::from_millis(150));
        let later: i32 = pid!(pool);
        assert_ne!(first, later, "{}: idle too long", t.label);
        assert_eq!(pool.status().size, 1, "{}", t.label);

        let lifetime = PoolOptions::new().max_lifetime(Some(Duration::from_millis(200)));
        let pool = Pool::with_options(config(&t.url), lifetime);
        let started = Instant::now();
        let first: i32 = pid!(pool);
        let mut pids = HashSet::from([first]);
        // Kept busy (never idle long), the connection is still replaced once it is too old.
        while started.elapsed() < Duration::from_millis(500) {
            let pid: i32 = pid!(pool);
            pids.insert(pid);
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(pids.len() >= 2, "{}: {pids:?}", t.label);
        assert_eq!(pool.status().size, 1, "{}", t.label);
    }
}

dual_test! {
    /// `get` on an exhausted pool fails with a timeout after `acquire_timeout`, and succeeds
    /// once a connection comes back.
    fn acquire_timeout(t) {
        let options =
            PoolOptions::new().max_size(1).acquire_timeout(Some(Duration::from_millis(200)));
        let pool = Pool::with_options(config(&t.url), options);
        let held = aw!(pool.get()).unwrap();
        let started = Instant::now();
        let e = aw!(pool.get()).unwrap_err();
        let waited = started.elapsed();
        assert_eq!(e.kind(), ErrorKind::Timeout, "{}: {e}", t.label);
        assert!(e.to_string().contains("in use"), "{e}");
        assert!(waited >= Duration::from_millis(190), "{waited:?}");
        assert!(waited < Duration::from_secs(3), "{waited:?}");
        drop(held);
        let mut c = aw!(pool.get()).unwrap();
        let one: i32 = aw!(c.query_scalar("SELECT 1", ())).unwrap();
        assert_eq!(one, 1);
    }
}

dual_test! {
    /// After `close`, `get` fails with a closed error; idle connections are closed at once
    /// and lent ones when they come back. `detach` takes a connection out for good.
    fn close_and_detach(t) {
        let pool = Pool::with_options(config(&t.url), PoolOptions::new().max_size(2));
        let kept = aw!(pool.get()).unwrap();
        let mut detached = aw!(pool.get()).unwrap().detach();
        assert_eq!(pool.status().size, 1, "{}", t.label);
        let one: i32 = aw!(detached.query_scalar("SELECT 1", ())).unwrap();
        assert_eq!(one, 1);
        drop(aw!(pool.get()).unwrap()); // room again: a second connection, now idle
        assert_eq!(pool.status().size, 2);
        assert_eq!(pool.status().idle, 1);

        aw!(pool.close());
        assert!(pool.is_closed());
        assert_eq!(pool.status().size, 1, "{}: the idle one is closed", t.label);
        let e = aw!(pool.get()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Closed, "{}: {e}", t.label);
        drop(kept);
        assert_eq!(pool.status().size, 0, "{}: closed when given back", t.label);
        // The detached connection does not belong to the pool any more.
        let two: i32 = aw!(detached.query_scalar("SELECT 2", ())).unwrap();
        assert_eq!(two, 2);
    }
}

dual_test! {
    /// A failed connection attempt is `get`'s error, and frees its slot.
    fn connect_errors_are_returned(t) {
        let _ = &t;
        let url = format!("host=127.0.0.1 port={} user=nobody connect_timeout=5", dead_port());
        let pool = Pool::new(&url).unwrap();
        for _ in 0..3 {
            let e = aw!(pool.get()).unwrap_err();
            assert!(!matches!(e.kind(), ErrorKind::Timeout | ErrorKind::Closed), "{e:?}");
        }
        assert_eq!(pool.status().size, 0);
    }
}

/// Many tasks share a small pool: every result is right, no more than `max_size` sessions
/// are ever used, and all connections are idle at the end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_tasks_share_a_bounded_pool() {
    for t in targets() {
        let pool = pgtusk::PoolOptions::new().max_size(4).build(config(&t.url));
        let tasks: Vec<_> = (0..32_i64)
            .map(|task| {
                let pool = pool.clone();
                tokio::spawn(async move {
                    let mut pids = HashSet::new();
                    for i in 0..100_i64 {
                        let mut c = pool.get().await.unwrap();
                        let v = task * 1_000 + i;
                        let got: i64 = c.query_scalar("SELECT $1::int8", (v,)).await.unwrap();
                        assert_eq!(got, v);
                        if i % 10 == 0 {
                            pids.insert(
                                c.query_scalar::<i32, _, _>("SELECT pg_backend_pid()", ())
                                    .await
                                    .unwrap(),
                            );
                        }
                        assert!(pool.status().size <= 4);
                    }
                    pids
                })
            })
            .collect();
        let mut pids = HashSet::new();
        for task in tasks {
            pids.extend(within(Duration::from_secs(60), "pool tasks", task).await.unwrap());
        }
        assert!(!pids.is_empty() && pids.len() <= 4, "{}: {pids:?}", t.label);
        let status = pool.status();
        assert_eq!(status.size, status.idle, "{}: {status:?}", t.label);
    }
}

/// Waiting tasks get connections in the order they asked, and one that gives up does not
/// hold up those behind it.
#[tokio::test]
async fn async_waiters_are_served_in_order() {
    for t in targets() {
        let pool = pgtusk::PoolOptions::new().max_size(1).build(config(&t.url));
        let held = pool.get().await.unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        for n in 0..4 {
            let (p, tx) = (pool.clone(), tx.clone());
            tokio::spawn(async move {
                let _c = p.get().await.unwrap();
                tx.send(n).unwrap();
            });
            // The task waits before the next one comes.
            assert!(eventually(|| pool.status().waiting == n + 1).await, "{}", t.label);
            if n == 1 {
                // A waiter that gives up, between the second and the third.
                let e = pool.get_timeout(Duration::from_millis(20)).await.unwrap_err();
                assert_eq!(e.kind(), ErrorKind::Timeout);
                assert_eq!(pool.status().waiting, 2, "{}: the quitter left the line", t.label);
            }
        }
        drop(held);
        let mut order = Vec::new();
        for _ in 0..4 {
            order.push(within(Duration::from_secs(10), "waiter", rx.recv()).await.unwrap());
        }
        assert_eq!(order, [0, 1, 2, 3], "{}", t.label);
    }
}

/// Dropping `get` while it waits, while it opens a connection, or dropping calls and row
/// streams of a borrowed connection: the pool keeps its count and lends a clean session.
#[tokio::test]
async fn async_cancelled_calls_leave_the_pool_sound() {
    for t in targets() {
        let pool = pgtusk::PoolOptions::new()
            .max_size(1)
            .acquire_timeout(Some(Duration::from_secs(10)))
            .build(config(&t.url));
        // Dropped while opening the first connection.
        for polls in [1, 2, 5] {
            let _ = poll_then_drop(pool.get(), polls).await;
        }
        assert_eq!(pool.status().size, 0, "{}", t.label);
        let held = pool.get().await.unwrap();
        // Dropped while waiting for the one connection.
        assert!(poll_then_drop(pool.get(), 3).await.is_none());
        drop(held);

        // A query future and a row stream dropped mid-way, then the guard.
        let mut c = pool.get().await.unwrap();
        assert!(poll_then_drop(c.query("SELECT pg_sleep(0.2), 1", ()), 3).await.is_none());
        drop(c);
        let mut c = pool.get().await.unwrap();
        {
            let mut rows =
                c.query_stream("SELECT g FROM generate_series(1, 200000) g", ()).await.unwrap();
            assert!(rows.next().await.is_some());
        }
        drop(c);
        let mut c = within(Duration::from_secs(15), "get after drops", pool.get()).await.unwrap();
        let n: i64 = c.query_scalar("SELECT $1::int8 * 2", (21_i64,)).await.unwrap();
        assert_eq!(n, 42, "{}", t.label);
        assert_eq!(c.transaction_status(), TransactionStatus::Idle);
        drop(c);
        assert_eq!(pool.status().size, 1, "{}", t.label);
    }
}

/// A connection dropped outside any runtime while unsettled is reset by the next `get`.
#[test]
fn async_guard_dropped_outside_a_runtime() {
    for t in targets() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let pool = pgtusk::PoolOptions::new().max_size(1).build(config(&t.url));
        let c = rt.block_on(async {
            let mut c = pool.get().await.unwrap();
            c.batch_execute("BEGIN").await.unwrap();
            c
        });
        drop(c); // no runtime here
        let status = rt.block_on(async {
            let c = pool.get().await.unwrap();
            c.transaction_status()
        });
        assert_eq!(status, TransactionStatus::Idle, "{}", t.label);

        // With an `on_return` hook, which cannot run there, the connection is closed.
        let hooked = PoolOptions::new()
            .on_return(|conn| Box::pin(async move { conn.batch_execute("RESET ALL").await }))
            .build(config(&t.url));
        let c = rt.block_on(hooked.get()).unwrap();
        drop(c);
        assert_eq!(hooked.status().size, 0, "{}", t.label);
    }
}

/// Threads share a small blocking pool: every result is right, and no more than `max_size`
/// sessions are used.
#[test]
fn blocking_threads_share_a_bounded_pool() {
    for t in targets() {
        let pool = PoolOptions::new().max_size(3).build_blocking(config(&t.url));
        let threads: Vec<_> = (0..8_i64)
            .map(|thread| {
                let pool = pool.clone();
                std::thread::spawn(move || {
                    let mut pids = HashSet::new();
                    for i in 0..100_i64 {
                        let mut c = pool.get().unwrap();
                        let v = thread * 1_000 + i;
                        let got: i64 = c.query_scalar("SELECT $1::int8", (v,)).unwrap();
                        assert_eq!(got, v);
                        if i % 10 == 0 {
                            pids.insert(
                                c.query_scalar::<i32, _, _>("SELECT pg_backend_pid()", ()).unwrap(),
                            );
                        }
                    }
                    pids
                })
            })
            .collect();
        let mut pids = HashSet::new();
        for th in threads {
            pids.extend(th.join().unwrap());
        }
        assert!(!pids.is_empty() && pids.len() <= 3, "{}: {pids:?}", t.label);
        let status = pool.status();
        assert_eq!(status.size, status.idle, "{}: {status:?}", t.label);
    }
}

/// A blocking borrower that panics mid-transaction: the guard's drop resets the session.
#[test]
fn blocking_panicking_borrower() {
    for t in targets() {
        let pool = PoolOptions::new().max_size(1).build_blocking(config(&t.url));
        let p = pool.clone();
        let joined = std::thread::spawn(move || {
            let mut c = p.get().unwrap();
            c.batch_execute("BEGIN").unwrap();
            panic!("borrower fails");
        })
        .join();
        assert!(joined.is_err());
        let mut c = pool.get().unwrap();
        assert_eq!(c.transaction_status(), TransactionStatus::Idle, "{}", t.label);
        let one: i32 = c.query_scalar("SELECT 1", ()).unwrap();
        assert_eq!(one, 1);
    }
}

/// `on_connect` prepares every new connection (once), and its error is `get`'s error.
#[tokio::test]
async fn async_on_connect_hook() {
    for t in targets() {
        let opened = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = opened.clone();
        let pool = PoolOptions::new()
            .max_size(2)
            .on_connect(move |conn| {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Box::pin(async move { conn.batch_execute("SET application_name = 'pooled'").await })
            })
            .build(config(&t.url));
        let (mut a, mut b) = (pool.get().await.unwrap(), pool.get().await.unwrap());
        for c in [&mut a, &mut b] {
            let name: String = c.query_scalar("SHOW application_name", ()).await.unwrap();
            assert_eq!(name, "pooled", "{}", t.label);
        }
        drop((a, b));
        for _ in 0..5 {
            drop(pool.get().await.unwrap());
        }
        assert_eq!(opened.load(std::sync::atomic::Ordering::SeqCst), 2, "{}", t.label);

        let failing = PoolOptions::new()
            .on_connect(|conn| Box::pin(async move { conn.batch_execute("SELECT 1/0").await }))
            .build(config(&t.url));
        let e = failing.get().await.unwrap_err();
        assert_eq!(e.code(), Some(&pgtusk::SqlState::DIVISION_BY_ZERO), "{}", t.label);
        assert_eq!(failing.status().size, 0, "{}", t.label);
    }
}

/// `on_connect_blocking`: the same for the blocking pool.
#[test]
fn blocking_on_connect_hook() {
    for t in targets() {
        let pool = PoolOptions::new()
            .on_connect_blocking(|conn| conn.batch_execute("SET application_name = 'pooled'"))
            .build_blocking(config(&t.url));
        let mut c = pool.get().unwrap();
        let name: String = c.query_scalar("SHOW application_name", ()).unwrap();
        assert_eq!(name, "pooled", "{}", t.label);
        drop(c);

        let failing = PoolOptions::new()
            .on_connect_blocking(|conn| conn.batch_execute("SELECT 1/0"))
            .build_blocking(config(&t.url));
        let e = failing.get().unwrap_err();
        assert_eq!(e.code(), Some(&pgtusk::SqlState::DIVISION_BY_ZERO), "{}", t.label);
        assert_eq!(failing.status().size, 0, "{}", t.label);
    }
}

/// Waits (without blocking the runtime) until `cond` holds, for at most 10 seconds.
async fn eventually(mut cond: impl FnMut() -> bool) -> bool {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(10) {
        if cond() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    cond()
}

/// [`eventually`] for the blocking pool's tests.
fn eventually_blocking(mut cond: impl FnMut() -> bool) -> bool {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(10) {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    cond()
}

/// The async pool's upkeep task opens `min_idle` connections without any `get`, and closes
/// connections idle for too long without any `get` either, but never below `min_idle`.
#[tokio::test]
async fn async_upkeep_keeps_min_idle_and_closes_idle_connections() {
    for t in targets() {
        let pool = PoolOptions::new()
            .max_size(4)
            .min_idle(2)
            .idle_timeout(Some(Duration::from_millis(100)))
            .build(config(&t.url));
        assert!(eventually(|| pool.status().idle == 2).await, "{}: {:?}", t.label, pool.status());
        let held: Vec<_> = {
            let mut v = Vec::new();
            for _ in 0..4 {
                v.push(pool.get().await.unwrap());
            }
            v
        };
        assert_eq!(pool.status().size, 4);
        drop(held);
        // Idle for longer than 100 ms: closed, down to min_idle, with no `get` meanwhile.
        assert!(eventually(|| pool.status().size == 2).await, "{}: {:?}", t.label, pool.status());
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(pool.status().size, 2, "{}: min_idle holds", t.label);

        let plain =
            PoolOptions::new().idle_timeout(Some(Duration::from_millis(100))).build(config(&t.url));
        assert_eq!(plain.status().size, 0, "{}: lazy without min_idle", t.label);
        drop(plain.get().await.unwrap());
        assert!(eventually(|| plain.status().size == 0).await, "{}: {:?}", t.label, plain.status());
    }
}

/// The blocking pool's upkeep thread does the same.
#[test]
fn blocking_upkeep_keeps_min_idle_and_closes_idle_connections() {
    for t in targets() {
        let pool = PoolOptions::new()
            .max_size(4)
            .min_idle(2)
            .idle_timeout(Some(Duration::from_millis(100)))
            .build_blocking(config(&t.url));
        assert!(
            eventually_blocking(|| pool.status().idle == 2),
            "{}: {:?}",
            t.label,
            pool.status()
        );
        let held: Vec<_> = (0..4).map(|_| pool.get().unwrap()).collect();
        assert_eq!(pool.status().size, 4);
        drop(held);
        assert!(
            eventually_blocking(|| pool.status().size == 2),
            "{}: {:?}",
            t.label,
            pool.status()
        );
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(pool.status().size, 2, "{}: min_idle holds", t.label);
        pool.close();
        assert_eq!(pool.status().size, 0, "{}", t.label);
    }
}

/// A pool's `Debug` (config included) never shows the password.
#[test]
fn debug_hides_the_password() {
    let url = "postgresql://app:hunter2secret@127.0.0.1:1/app";
    let pool = pgtusk::Pool::new(url).unwrap();
    let blocking = pgtusk::blocking::Pool::new(url).unwrap();
    for shown in [format!("{pool:?}"), format!("{blocking:?}"), format!("{:?}", pool.options())] {
        assert!(!shown.contains("hunter2secret"), "{shown}");
        assert!(shown.contains("max_size"), "{shown}");
    }
}

/// `on_return` undoes session state after the pool's own reset; a hook that fails, or leaves
/// a transaction open, closes the connection instead.
#[tokio::test]
async fn async_on_return_hook() {
    for t in targets() {
        let pool = PoolOptions::new()
            .max_size(1)
            .on_return(|conn| Box::pin(async move { conn.batch_execute("RESET ALL").await }))
            .build(config(&t.url));
        let pid: i32 = {
            let mut c = pool.get().await.unwrap();
            c.batch_execute("SET application_name = 'dirty'").await.unwrap();
            c.batch_execute("BEGIN").await.unwrap(); // left open: reset first, then the hook
            c.query_scalar("SELECT pg_backend_pid()", ()).await.unwrap()
        };
        let mut c = pool.get().await.unwrap();
        let name: String = c.query_scalar("SHOW application_name", ()).await.unwrap();
        assert_eq!(name, "", "{}", t.label);
        let same: i32 = c.query_scalar("SELECT pg_backend_pid()", ()).await.unwrap();
        assert_eq!(same, pid, "{}: kept", t.label);
        drop(c);

        for bad in ["SELECT 1/0", "BEGIN"] {
            let pool = PoolOptions::new()
                .on_return(move |conn| Box::pin(async move { conn.batch_execute(bad).await }))
                .build(config(&t.url));
            drop(pool.get().await.unwrap());
            assert!(eventually(|| pool.status().size == 0).await, "{}: {bad}", t.label);
        }
    }
}

/// `on_return_blocking`: the same for the blocking pool.
#[test]
fn blocking_on_return_hook() {
    for t in targets() {
        let pool = PoolOptions::new()
            .max_size(1)
            .on_return_blocking(|conn| conn.batch_execute("RESET ALL"))
            .build_blocking(config(&t.url));
        {
            let mut c = pool.get().unwrap();
            c.batch_execute("SET application_name = 'dirty'").unwrap();
        }
        let mut c = pool.get().unwrap();
        let name: String = c.query_scalar("SHOW application_name", ()).unwrap();
        assert_eq!(name, "", "{}", t.label);
        drop(c);
        assert_eq!(pool.status().size, 1);

        let failing = PoolOptions::new()
            .on_return_blocking(|conn| conn.batch_execute("SELECT 1/0"))
            .build_blocking(config(&t.url));
        drop(failing.get().unwrap());
        assert_eq!(failing.status().size, 0, "{}", t.label);
    }
}

/// Waiting threads get connections in the order they asked, and one that gives up (its
/// acquire timeout) does not hold up those behind it.
#[test]
fn blocking_waiters_are_served_in_order() {
    for t in targets() {
        let options = PoolOptions::new().max_size(1).acquire_timeout(Some(Duration::from_secs(10)));
        let pool = options.build_blocking(config(&t.url));
        let held = pool.get().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let mut threads = Vec::new();
        for n in 0..4 {
            let (p, tx) = (pool.clone(), tx.clone());
            threads.push(std::thread::spawn(move || {
                let _c = p.get().unwrap();
                tx.send(n).unwrap();
                std::thread::sleep(Duration::from_millis(10));
            }));
            // The thread waits before the next one comes.
            assert!(eventually_blocking(|| pool.status().waiting == n + 1), "{}", t.label);
            if n == 1 {
                // A waiter that gives up, between the second and the third.
                let e = pool.get_timeout(Duration::from_millis(20)).unwrap_err();
                assert_eq!(e.kind(), ErrorKind::Timeout);
                assert_eq!(pool.status().waiting, 2, "{}: the quitter left the line", t.label);
            }
        }
        drop(held);
        let order: Vec<usize> =
            (0..4).map(|_| rx.recv_timeout(Duration::from_secs(10)).unwrap()).collect();
        assert_eq!(order, [0, 1, 2, 3], "{}", t.label);
        for th in threads {
            th.join().unwrap();
        }
    }
}

/// `close` wakes every thread waiting in line, and each fails with `Closed` at once, long
/// before its acquire timeout.
#[test]
fn blocking_close_fails_every_waiter() {
    for t in targets() {
        let options = PoolOptions::new().max_size(1).acquire_timeout(Some(Duration::from_secs(30)));
        let pool = options.build_blocking(config(&t.url));
        let held = pool.get().unwrap();
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let p = pool.clone();
                std::thread::spawn(move || {
                    let start = Instant::now();
                    (p.get().map(drop).unwrap_err().kind(), start.elapsed())
                })
            })
            .collect();
        assert!(eventually_blocking(|| pool.status().waiting == 3), "{}", t.label);
        pool.close();
        for w in waiters {
            let (kind, waited) = w.join().unwrap();
            assert_eq!(kind, ErrorKind::Closed, "{}", t.label);
            assert!(waited < Duration::from_secs(10), "{}: waited {waited:?}", t.label);
        }
        assert_eq!(pool.status().waiting, 0, "{}", t.label);
        drop(held);
        assert_eq!(pool.status().size, 0, "{}: closed when given back", t.label);
    }
}

/// The same for tasks waiting on the async pool.
#[tokio::test]
async fn async_close_fails_every_waiter() {
    for t in targets() {
        let options = PoolOptions::new().max_size(1).acquire_timeout(Some(Duration::from_secs(30)));
        let pool = options.build(config(&t.url));
        let held = pool.get().await.unwrap();
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let p = pool.clone();
                tokio::spawn(async move {
                    let start = Instant::now();
                    (p.get().await.map(drop).unwrap_err().kind(), start.elapsed())
                })
            })
            .collect();
        assert!(eventually(|| pool.status().waiting == 3).await, "{}", t.label);
        pool.close().await;
        for w in waiters {
            let (kind, waited) = w.await.unwrap();
            assert_eq!(kind, ErrorKind::Closed, "{}", t.label);
            assert!(waited < Duration::from_secs(10), "{}: waited {waited:?}", t.label);
        }
        assert_eq!(pool.status().waiting, 0, "{}", t.label);
        drop(held);
        assert_eq!(pool.status().size, 0, "{}: closed when given back", t.label);
    }
}
