//! Explicit pipelines and execute_many (async).

use pgtusk::protocol::TransactionStatus;
use pgtusk::{Connection, ErrorKind, SqlState};

use crate::common::targets;

#[tokio::test]
async fn pipeline_error_aborts_until_sync() {
    for t in targets() {
        let mut conn = Connection::connect(&t.url).await.unwrap();
        conn.batch_execute("CREATE TEMP TABLE p (a int8)").await.unwrap();
        let mut p = conn.pipeline();
        let a = p.execute("INSERT INTO p VALUES ($1)", (1_i64,));
        let b = p.query("SELECT 1/$1::int4", (0_i32,));
        let c = p.execute("INSERT INTO p VALUES ($1)", (2_i64,));
        p.sync().unwrap();
        let d = p.execute("INSERT INTO p VALUES ($1)", (3_i64,));
        let e = p.query("SELECT a FROM p ORDER BY a", ());
        let out = p.run().await.unwrap();
        assert_eq!(out.len(), 5);
        // The first group ran as one implicit transaction: its error rolled `a` back.
        assert_eq!(out.rows_affected(a).unwrap(), 1, "{}", t.label);
        assert_eq!(out.rows(b).unwrap_err().code(), Some(&SqlState::DIVISION_BY_ZERO));
        assert_eq!(out.rows_affected(c).unwrap_err().kind(), ErrorKind::Aborted);
        assert!(out.get(c).unwrap().is_aborted());
        assert_eq!(out.rows_affected(d).unwrap(), 1);
        let values: Vec<i64> = out.rows(e).unwrap().iter().map(|r| r.get(0)).collect();
        assert_eq!(values, vec![3], "{}", t.label);
        assert_eq!(conn.transaction_status(), TransactionStatus::Idle);
        assert_eq!(conn.query_scalar::<i64, _, _>("SELECT 7::int8", ()).await.unwrap(), 7);
    }
}

#[tokio::test]
async fn big_pipeline_does_not_deadlock_and_execute_many_is_atomic() {
    for t in targets() {
        let mut conn = Connection::connect(&t.url).await.unwrap();
        conn.batch_execute("CREATE TEMP TABLE big (a int8, b text)").await.unwrap();
        let mut p = conn.pipeline();
        let ids: Vec<_> =
            (0..100_000_i64).map(|i| p.query("SELECT $1::int8, repeat('x', 50)", (i,))).collect();
        let out = p.run().await.unwrap();
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(out.rows(*id).unwrap()[0].get::<_, i64>(0), i as i64);
        }
        let rows: Vec<(i64, String)> = (0..20_000).map(|i| (i, format!("row {i}"))).collect();
        let n = conn.execute_many("INSERT INTO big VALUES ($1, $2)", &rows).await.unwrap();
        assert_eq!(n, 20_000, "{}", t.label);
        // A failing row rolls the whole batch back.
        let bad = vec![(1_i64, "ok".to_string()), (2, "ok".into()), (3, "too big".into())];
        conn.batch_execute("DELETE FROM big; ALTER TABLE big ADD CONSTRAINT small CHECK (a < 3)")
            .await
            .unwrap();
        let err = conn.execute_many("INSERT INTO big VALUES ($1, $2)", &bad).await.unwrap_err();
        assert_eq!(err.code(), Some(&SqlState::CHECK_VIOLATION));
        let n: i64 = conn.query_scalar("SELECT count(*) FROM big", ()).await.unwrap();
        assert_eq!(n, 0, "all or nothing");
    }
}

#[tokio::test]
async fn dropped_pipeline_sends_nothing() {
    for t in targets() {
        let mut conn = Connection::connect(&t.url).await.unwrap();
        conn.batch_execute("CREATE TEMP TABLE d (a int8)").await.unwrap();
        {
            let mut p = conn.pipeline();
            p.execute("INSERT INTO d VALUES (1)", ());
        }
        let n: i64 = conn.query_scalar("SELECT count(*) FROM d", ()).await.unwrap();
        assert_eq!(n, 0, "{}", t.label);
    }
}

#[test]
fn blocking_pipeline_and_execute_many() {
    for t in targets() {
        let mut conn = pgtusk::blocking::Connection::connect(&t.url).unwrap();
        conn.batch_execute("CREATE TEMP TABLE bp (a int8, b text)").unwrap();
        let mut p = conn.pipeline();
        let a = p.execute("INSERT INTO bp VALUES ($1, 'x')", (1_i64,));
        let b = p.query("SELECT 1/$1::int4", (0_i32,));
        let c = p.execute("INSERT INTO bp VALUES ($1, 'y')", (2_i64,));
        let out = p.run().unwrap();
        assert_eq!(out.rows_affected(a).unwrap(), 1);
        assert_eq!(out.rows(b).unwrap_err().code(), Some(&SqlState::DIVISION_BY_ZERO));
        assert!(out.get(c).unwrap().is_aborted(), "{}", t.label);
        let mut p = conn.pipeline();
        let ids: Vec<_> =
            (0..50_000_i64).map(|i| p.query("SELECT $1::int8, repeat('y', 60)", (i,))).collect();
        let out = p.run().unwrap();
        assert!(
            ids.iter()
                .enumerate()
                .all(|(i, id)| out.rows(*id).unwrap()[0].get::<_, i64>(0) == i as i64)
        );
        let rows: Vec<(i64, &str)> = (0..20_000).map(|i| (i, "row")).collect();
        assert_eq!(conn.execute_many("INSERT INTO bp VALUES ($1, $2)", &rows).unwrap(), 20_000);
        let n: i64 = conn.query_scalar("SELECT count(*) FROM bp", ()).unwrap();
        assert_eq!(n, 20_000, "{}", t.label);
    }
}

/// One statement repeated in a pipeline is parsed once: later items bind the statement an
/// earlier item of the same sync group prepares.
#[tokio::test]
async fn repeated_statement_in_a_pipeline_is_prepared_once() {
    for t in targets() {
        let mut conn = Connection::connect(&t.url).await.unwrap();
        conn.batch_execute("CREATE TEMP TABLE rp (a int8)").await.unwrap();
        // A withdrawn pipeline leaves a statement "being prepared" that never was.
        {
            let mut p = conn.pipeline();
            p.execute("INSERT INTO rp VALUES ($1)", (0_i64,));
            p.execute("INSERT INTO rp VALUES ($1)", (0_i64,));
        }
        let mut p = conn.pipeline();
        let ids: Vec<_> =
            (0..1000_i64).map(|i| p.execute("INSERT INTO rp VALUES ($1)", (i,))).collect();
        let q = p.query("SELECT count(*), sum(a) FROM rp", ());
        let out = p.run().await.unwrap();
        assert!(ids.iter().all(|id| out.rows_affected(*id).unwrap() == 1), "{}", t.label);
        let row = &out.rows(q).unwrap()[0];
        assert_eq!(
            (row.get::<_, i64>(0), row.get::<_, pgtusk::types::Numeric>(1).to_string()),
            (1000, "499500".to_owned())
        );
        let prepared: i64 = conn
            .query_scalar("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'INSERT INTO rp%'", ())
            .await
            .unwrap();
        assert_eq!(prepared, 1, "{}", t.label);
    }
}
