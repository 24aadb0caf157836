//! Cancel safety of the async connection: futures dropped at random points, then exact
//! results from the next call and never a leaked transaction.
//!
//! The randomness is a seeded xorshift; a failure message names the seed and the iteration.
//! Re-run one seed with `PGTUSK_TEST_SEED=<seed>`.

use std::time::Duration;

use pgtusk::Connection;
use pgtusk::protocol::TransactionStatus;

use crate::common::{XorShift, poll_then_drop, seed, targets, unique, within};

const ITERATIONS: u64 = 1_000;

/// The calls whose futures get dropped.
#[derive(Clone, Copy, Debug)]
enum Op {
    QueryManyRows,
    Execute,
    Begin,
    BuildTransaction,
    WorkInTransaction,
    Stream,
    Batch,
    Prepare,
}

const OPS: [Op; 8] = [
    Op::QueryManyRows,
    Op::Execute,
    Op::Begin,
    Op::BuildTransaction,
    Op::WorkInTransaction,
    Op::Stream,
    Op::Batch,
    Op::Prepare,
];

/// How the future is interrupted.
#[derive(Clone, Copy, Debug)]
enum Interrupt {
    /// Polled this many times (yielding to the runtime in between), then dropped.
    Polls(usize),
    /// Dropped by `tokio::time::timeout` after this many microseconds.
    Micros(u64),
}

/// Starts `op` and interrupts it. When the call completed anyway, checks its result and
/// returns true.
async fn interrupted(conn: &mut Connection, op: Op, how: Interrupt, n: i32, ctx: &str) -> bool {
    let completed;
    macro_rules! run {
        ($fut:expr) => {{
            let out = match how {
                Interrupt::Polls(k) => poll_then_drop($fut, k).await,
                Interrupt::Micros(us) => {
                    tokio::time::timeout(Duration::from_micros(us), $fut).await.ok()
                }
            };
            completed = out.is_some();
            out
        }};
    }
    match op {
        Op::QueryManyRows => {
            if let Some(r) = run!(
                conn.query("SELECT g, repeat('x', 50) FROM generate_series(1, $1::int4) g", (n,))
            ) {
                let rows = r.unwrap_or_else(|e| panic!("{ctx}: {e:?}"));
                assert_eq!(rows.len(), n as usize, "{ctx}");
                assert_eq!(rows.last().unwrap().get::<_, i32>(0), n, "{ctx}");
            }
        }
        Op::Execute => {
            if let Some(r) =
                run!(conn.execute("UPDATE cs SET hits = hits + 1 WHERE id <= $1", (n % 10 + 1,)))
            {
                assert_eq!(
                    r.unwrap_or_else(|e| panic!("{ctx}: {e:?}")),
                    (n % 10 + 1) as u64,
                    "{ctx}"
                );
            }
        }
        Op::Begin => {
            if let Some(r) = run!(conn.transaction()) {
                let tx = r.unwrap_or_else(|e| panic!("{ctx}: {e:?}"));
                assert_eq!(tx.transaction_status(), TransactionStatus::InTransaction, "{ctx}");
                // dropped: rolled back
            }
        }
        Op::BuildTransaction => {
            let fut = conn
                .build_transaction()
                .isolation_level(pgtusk::IsolationLevel::RepeatableRead)
                .read_only(n % 2 == 0)
                .start();
            if let Some(r) = run!(fut) {
                let tx = r.unwrap_or_else(|e| panic!("{ctx}: {e:?}"));
                assert_eq!(tx.transaction_status(), TransactionStatus::InTransaction, "{ctx}");
            }
        }
        Op::WorkInTransaction => {
            let commit = n % 3 == 0;
            let fut = async {
                let mut tx = conn.transaction().await?;
                tx.execute("UPDATE cs SET hits = hits + 1 WHERE id = 1", ()).await?;
                let rows = tx.query("SELECT g FROM generate_series(1, $1::int4) g", (n,)).await?;
                if commit {
                    tx.commit().await?;
                }
                Ok::<usize, pgtusk::Error>(rows.len())
            };
            if let Some(r) = run!(fut) {
                assert_eq!(r.unwrap_or_else(|e| panic!("{ctx}: {e:?}")), n as usize, "{ctx}");
            }
        }
        Op::Stream => {
            let take = (n as usize) / 2;
            let fut = async {
                let mut s =
                    conn.query_stream("SELECT g FROM generate_series(1, $1::int4) g", (n,)).await?;
                let batch = s.next_batch(take).await?;
                Ok::<Vec<i32>, pgtusk::Error>(batch.iter().map(|r| r.get(0)).collect())
            };
            if let Some(r) = run!(fut) {
                let got = r.unwrap_or_else(|e| panic!("{ctx}: {e:?}"));
                assert_eq!(got, (1..=take as i32).collect::<Vec<_>>(), "{ctx}");
            }
        }
        Op::Batch => {
            let sql = format!(
                "SELECT * FROM generate_series(1, {n}); UPDATE cs SET hits = hits + 1 WHERE id = 2"
            );
            if let Some(r) = run!(conn.batch_execute(&sql)) {
                r.unwrap_or_else(|e| panic!("{ctx}: {e:?}"));
            }
        }
        Op::Prepare => {
            if let Some(r) = run!(conn.prepare("SELECT $1::int8 + 1")) {
                let stmt = r.unwrap_or_else(|e| panic!("{ctx}: {e:?}"));
                let v: i64 = conn.query_scalar(&stmt, (i64::from(n),)).await.unwrap();
                assert_eq!(v, i64::from(n) + 1, "{ctx}");
            }
        }
    }
    completed
}

/// The random-drop loop on one connection: `iterations` interrupted calls, each followed by
/// an exact check. `label` names the run in failure messages, with the seed.
async fn drop_loop(url: &str, label: &str, iterations: u64, seed: u64) {
    let mut rng = XorShift::new(seed);
    let mut conn = Connection::connect(url).await.unwrap();
    conn.batch_execute(
        "CREATE TEMP TABLE cs (id int4 PRIMARY KEY, hits int8 NOT NULL DEFAULT 0); \
         INSERT INTO cs (id) SELECT generate_series(1, 10)",
    )
    .await
    .unwrap();
    let mut completed = 0;
    for i in 0..iterations {
        let op = OPS[rng.below(OPS.len() as u64) as usize];
        let how = if rng.below(2) == 0 {
            Interrupt::Polls(rng.below(12) as usize)
        } else {
            Interrupt::Micros(rng.below(1500))
        };
        let n = 1 + rng.below(3000) as i32;
        let ctx = format!("{label} seed={seed} iteration={i} op={op:?} interrupt={how:?} n={n}");
        if within(Duration::from_secs(10), &ctx, interrupted(&mut conn, op, how, n, &ctx)).await {
            completed += 1;
        }

        let v: i64 = within(
            Duration::from_secs(10),
            &ctx,
            conn.query_scalar("SELECT $1::int8", (i as i64,)),
        )
        .await
        .unwrap_or_else(|e| panic!("{ctx}: next call failed: {e:?}"));
        assert_eq!(v, i as i64, "{ctx}: the next call got another call's result");
        assert_eq!(
            conn.transaction_status(),
            TransactionStatus::Idle,
            "{ctx}: a transaction was left open"
        );
        if i % 100 == 99 {
            // A two-column check that also proves no half-read rows are left behind.
            let row = within(
                Duration::from_secs(10),
                &ctx,
                conn.query_one("SELECT count(*), $1::text FROM cs", (format!("check {i}"),)),
            )
            .await
            .unwrap_or_else(|e| panic!("{ctx}: {e:?}"));
            assert_eq!(row.get::<_, i64>(0), 10, "{ctx}");
            assert_eq!(row.get::<_, &str>(1), format!("check {i}"), "{ctx}");
        }
    }
    // Both outcomes must be common, or the test would not test much.
    assert!(
        (iterations / 10..iterations * 9 / 10).contains(&completed),
        "{label} seed={seed}: {completed} of {iterations} calls completed before the drop"
    );
    // After all that, a transaction still works normally.
    let mut tx = conn.transaction().await.unwrap();
    tx.execute("UPDATE cs SET hits = -1 WHERE id = 10", ()).await.unwrap();
    tx.commit().await.unwrap();
    let h: i64 = conn.query_scalar("SELECT hits FROM cs WHERE id = 10", ()).await.unwrap();
    assert_eq!(h, -1, "{label} seed={seed}");
}

#[tokio::test]
async fn dropped_futures_leave_the_connection_exact() {
    let seed = seed(0x5eed_2024_cafe);
    for t in targets() {
        drop_loop(&t.url, &t.label, ITERATIONS, seed ^ t.label.len() as u64).await;
    }
}

/// The same with a statement cache that prepares at once and evicts all the time (two
/// entries for a dozen statements), and with the cache off: abandoned Parse, Close and
/// cached Bind/Execute requests must not confuse it.
#[tokio::test]
async fn dropped_futures_with_a_busy_statement_cache() {
    let seed = seed(0x5eed_2024_cafe) ^ 0xcac4e;
    for t in targets() {
        for settings in ["statement_cache_size=2 prepare_threshold=1", "statement_cache_size=0"] {
            let Some(url) = t.conninfo("postgres", &format!("sslmode=disable {settings}")) else {
                continue;
            };
            let label = format!("{} {settings}", t.label);
            drop_loop(&url, &label, 300, seed).await;
        }
    }
}

/// Dropping a BEGIN at every possible point, one poll at a time: the transaction never leaks.
#[tokio::test]
async fn dropped_begin_never_leaks_a_transaction() {
    for t in targets() {
        let mut conn = Connection::connect(&t.url).await.unwrap();
        conn.batch_execute("CREATE TEMP TABLE leak (a int4)").await.unwrap();
        for polls in 0..40 {
            let ctx = format!("{} polls={polls}", t.label);
            let fut = async {
                let mut tx = conn.transaction().await?;
                tx.execute("INSERT INTO leak VALUES (1)", ()).await?;
                Ok::<(), pgtusk::Error>(())
                // tx dropped without commit
            };
            let _ = poll_then_drop(fut, polls).await;
            let n: i64 = within(
                Duration::from_secs(10),
                &ctx,
                conn.query_scalar("SELECT count(*) FROM leak", ()),
            )
            .await
            .unwrap_or_else(|e| panic!("{ctx}: {e:?}"));
            assert_eq!(n, 0, "{ctx}: an uncommitted insert is visible");
            assert_eq!(conn.transaction_status(), TransactionStatus::Idle, "{ctx}");
        }
    }
}

/// The statement after a dropped BEGIN runs in autocommit mode: its write is committed and
/// visible to other sessions (it must not be rolled back with the abandoned transaction).
#[tokio::test]
async fn write_after_dropped_begin_is_committed() {
    for t in targets() {
        let table = unique("after_begin");
        let mut conn = Connection::connect(&t.url).await.unwrap();
        let mut observer = Connection::connect(&t.url).await.unwrap();
        conn.batch_execute(&format!("CREATE TABLE {table} (a int4)")).await.unwrap();
        for polls in 1..6 {
            let ctx = format!("{} polls={polls}", t.label);
            let _ = poll_then_drop(conn.transaction(), polls).await;
            let n = conn
                .execute(&format!("INSERT INTO {table} VALUES ($1)"), (polls as i32,))
                .await
                .unwrap();
            assert_eq!(n, 1, "{ctx}");
            assert_eq!(conn.transaction_status(), TransactionStatus::Idle, "{ctx}");
            let seen: i64 = observer
                .query_scalar(
                    &format!("SELECT count(*) FROM {table} WHERE a = $1"),
                    (polls as i32,),
                )
                .await
                .unwrap();
            assert_eq!(seen, 1, "{ctx}: the insert is not visible to another session");
        }
        conn.batch_execute(&format!("DROP TABLE {table}")).await.unwrap();
    }
}
