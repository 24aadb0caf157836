//! The scenarios of PostgreSQL's libpq pipeline test program
//! (src/test/modules/libpq_pipeline: simple_pipeline, multi_pipelines, nosync, pipeline_abort,
//! pipelined_insert, prepared, transaction, uniqviol, disallowed_in_pipeline, cancel) and of
//! psycopg's pipeline tests (errors per sync group, transaction status, errors at COMMIT,
//! encoding errors, statements prepared in a pipeline and reused), with pgtusk's pipeline API,
//! async and blocking, against real servers.

use std::time::Duration;

use bytes::BytesMut;
use pgtusk::protocol::{Oid, TransactionStatus};
use pgtusk::types::{Dumper, IsNull, oid};
use pgtusk::{Error, ErrorKind, SqlState};

use crate::common::{dual_test, unique};

/// A parameter whose encoding fails.
struct Unencodable;

impl Dumper for Unencodable {
    fn type_oid(&self) -> Oid {
        oid::INT4
    }
    fn dump(&self, _buf: &mut BytesMut) -> Result<IsNull, Error> {
        Err(Error::conversion("this value cannot be encoded"))
    }
}

fn code(e: Error) -> Option<SqlState> {
    e.code().cloned()
}

dual_test! {
    /// simple_pipeline, multi_pipelines, nosync: one query; several sync groups; no explicit
    /// sync at all; an empty pipeline.
    fn simple_multi_and_nosync(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        let mut p = conn.pipeline();
        let a = p.query("SELECT $1::int4 + 1", (41_i32,));
        let out = aw!(p.run()).unwrap();
        assert_eq!(out.rows(a).unwrap()[0].get::<_, i32>(0), 42, "{}", t.label);
        assert_eq!(conn.transaction_status(), TransactionStatus::Idle);

        let mut p = conn.pipeline();
        let a = p.query("SELECT 1::int4", ());
        p.sync().unwrap();
        let b = p.query("SELECT 2::int4", ());
        p.sync().unwrap();
        p.sync().unwrap(); // an empty group
        let c = p.query("SELECT 3::int4", ());
        let out = aw!(p.run()).unwrap();
        let got: Vec<i32> = [a, b, c].iter().map(|&i| out.rows(i).unwrap()[0].get(0)).collect();
        assert_eq!(got, [1, 2, 3]);

        let mut p = conn.pipeline();
        let ids: Vec<_> = (0..10_i32).map(|i| p.query("SELECT $1::int4 * 2", (i,))).collect();
        let out = aw!(p.run()).unwrap();
        for (i, id) in ids.into_iter().enumerate() {
            assert_eq!(out.rows(id).unwrap()[0].get::<_, i32>(0), 2 * i as i32);
        }

        let out = aw!(conn.pipeline().run()).unwrap();
        assert!(out.is_empty());
        assert_eq!(aw!(conn.query_scalar::<i32, _, _>("SELECT 5::int4", ())).unwrap(), 5);
    }
}

dual_test! {
    /// pipeline_abort: an error aborts the rest of its sync group only (the group's implicit
    /// transaction is rolled back); a query failing partway through its rows fails as a whole;
    /// later groups run.
    fn abort_until_sync(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        aw!(conn.batch_execute("CREATE TEMP TABLE pq_demo (id serial PRIMARY KEY, itemno int4)"))
            .unwrap();
        let insert = "INSERT INTO pq_demo (itemno) VALUES ($1)";
        let mut p = conn.pipeline();
        let a = p.execute(insert, (1_i32,));
        let b = p.query("SELECT no_such_function($1)", (1_i32,));
        let c = p.execute(insert, (2_i32,));
        p.sync().unwrap();
        let d = p.execute(insert, (3_i32,));
        p.sync().unwrap();
        let e = p.query("SELECT 1.0 / g FROM generate_series(3, -1, -1) g", ());
        let f = p.execute(insert, (4_i32,));
        p.sync().unwrap();
        let g = p.query("SELECT itemno FROM pq_demo ORDER BY itemno", ());
        let out = aw!(p.run()).unwrap();
        assert_eq!(out.len(), 7);
        assert_eq!(out.rows_affected(a).unwrap(), 1);
        assert_eq!(code(out.rows(b).unwrap_err()), Some(SqlState::UNDEFINED_FUNCTION));
        assert!(out.get(c).unwrap().is_aborted());
        assert_eq!(out.rows_affected(d).unwrap(), 1);
        assert_eq!(code(out.rows(e).unwrap_err()), Some(SqlState::DIVISION_BY_ZERO));
        assert!(out.get(f).unwrap().is_aborted());
        let items: Vec<i32> = out.rows(g).unwrap().iter().map(|r| r.get(0)).collect();
        assert_eq!(items, [3], "{}: only the group without an error committed", t.label);
        assert_eq!(out.first_error().and_then(|e| e.code()), Some(&SqlState::UNDEFINED_FUNCTION));
        assert_eq!(conn.transaction_status(), TransactionStatus::Idle);
    }
}

dual_test! {
    /// pipelined_insert: 10,000 inserts, a sync every 100, then the count.
    fn pipelined_insert(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        aw!(conn.batch_execute("CREATE TEMP TABLE pq_ins (a int8, b text)")).unwrap();
        let mut p = conn.pipeline();
        let mut ids = Vec::new();
        for i in 0..10_000_i64 {
            ids.push(p.execute("INSERT INTO pq_ins VALUES ($1, 'row ' || $1)", (i,)));
            if i % 100 == 99 {
                p.sync().unwrap();
            }
        }
        let count = p.query("SELECT count(*), sum(a) FROM pq_ins", ());
        let out = aw!(p.run()).unwrap();
        assert!(ids.iter().all(|&id| out.rows_affected(id).unwrap() == 1), "{}", t.label);
        let row = &out.rows(count).unwrap()[0];
        assert_eq!(row.get::<_, i64>(0), 10_000);
        assert_eq!(row.get::<_, pgtusk::types::Numeric>(1).to_string(), "49995000");
    }
}

dual_test! {
    /// prepared: a statement prepared inside a pipeline (with and without declared types) is
    /// described there and executes in later pipelines and calls; a prepare that fails aborts
    /// its group.
    fn prepared_in_a_pipeline(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        let mut p = conn.pipeline();
        let s1 = p.prepare_typed("SELECT $1::numeric + $2, $3::text AS t", &[oid::INT4, 0, 0]);
        let s2 = p.prepare("SELECT $1::int8 * 2 AS doubled");
        let bad = p.prepare("SELEC 1");
        let after = p.query("SELECT 1::int4", ());
        p.sync().unwrap();
        let ok = p.query("SELECT 2::int4", ());
        let out = aw!(p.run()).unwrap();
        let st1 = out.statement(s1).unwrap().clone();
        assert_eq!(st1.param_types(), [oid::INT4, oid::NUMERIC, oid::TEXT], "{}", t.label);
        let names: Vec<&str> = st1.columns().iter().map(|c| c.name()).collect();
        assert_eq!(names, ["?column?", "t"]);
        assert_eq!(st1.columns()[0].type_oid(), oid::NUMERIC);
        let st2 = out.statement(s2).unwrap().clone();
        assert_eq!(st2.param_types(), [oid::INT8]);
        assert_eq!(code(out.statement(bad).unwrap_err()), Some(SqlState::SYNTAX_ERROR));
        assert!(out.get(after).unwrap().is_aborted());
        assert_eq!(out.rows(ok).unwrap()[0].get::<_, i32>(0), 2);
        // Not a prepare item.
        assert_eq!(out.statement(ok).unwrap_err().kind(), ErrorKind::Misuse);

        let mut p = conn.pipeline();
        let ids: Vec<_> = (0..5_i64).map(|i| p.query(&st2, (i,))).collect();
        let out = aw!(p.run()).unwrap();
        for (i, id) in ids.into_iter().enumerate() {
            assert_eq!(out.rows(id).unwrap()[0].get::<_, i64>("doubled"), 2 * i as i64);
        }
        // A binary value of another type than the statement's parameter is refused before
        // it reaches the server (which would read the bytes as its own type).
        let err = aw!(conn.query_one(&st1, (1_i32, 2_i32, "x"))).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Conversion, "{err}");
        assert!(err.to_string().contains("$2"), "{err}");
        let err = aw!(conn.query_one(&st1, (1_i32,))).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Misuse, "{err}");
        let two: pgtusk::types::Numeric = "2".parse().unwrap();
        let row = aw!(conn.query_one(&st1, (1_i32, two, "x"))).unwrap();
        assert_eq!(row.get::<_, pgtusk::types::Numeric>(0).to_string(), "3");
        assert_eq!(row.get::<_, &str>("t"), "x");
    }
}

dual_test! {
    /// transaction: a transaction block spanning sync groups; an error inside it leaves the
    /// block failed (later groups fail on their own with 25P02, not as aborted items) until
    /// ROLLBACK; the status after the pipeline is the server's.
    fn transaction_across_sync_groups(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        aw!(conn.batch_execute("CREATE TEMP TABLE pq_tx (a int4)")).unwrap();
        let mut p = conn.pipeline();
        p.execute("BEGIN", ());
        let a = p.execute("INSERT INTO pq_tx VALUES (1)", ());
        p.sync().unwrap();
        let b = p.query("SELECT 1 / 0", ());
        p.sync().unwrap();
        let c = p.execute("INSERT INTO pq_tx VALUES (2)", ());
        p.sync().unwrap();
        let out = aw!(p.run()).unwrap();
        assert_eq!(out.rows_affected(a).unwrap(), 1);
        assert_eq!(code(out.rows(b).unwrap_err()), Some(SqlState::DIVISION_BY_ZERO));
        let err = out.rows_affected(c).unwrap_err();
        assert_eq!(code(err), Some(SqlState::IN_FAILED_SQL_TRANSACTION), "{}", t.label);
        assert_eq!(conn.transaction_status(), TransactionStatus::Failed);

        let mut p = conn.pipeline();
        p.execute("ROLLBACK", ());
        p.sync().unwrap();
        p.execute("BEGIN", ());
        p.execute("INSERT INTO pq_tx VALUES (3)", ());
        let out = aw!(p.run()).unwrap();
        assert!(out.first_error().is_none());
        assert_eq!(conn.transaction_status(), TransactionStatus::InTransaction);
        aw!(conn.batch_execute("COMMIT")).unwrap();
        let all: Vec<i32> = aw!(conn.query("SELECT a FROM pq_tx", ()))
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert_eq!(all, [3]);
    }
}

dual_test! {
    /// uniqviol: a unique violation in the middle of a transaction's inserts aborts the rest
    /// of the group; ROLLBACK in the next group leaves nothing behind.
    fn unique_violation(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        aw!(conn.batch_execute("CREATE TEMP TABLE pq_uniq (id int4 PRIMARY KEY)")).unwrap();
        let mut p = conn.pipeline();
        p.execute("BEGIN", ());
        let ids: Vec<_> = [1_i32, 2, 3, 2, 4, 5]
            .iter()
            .map(|&v| p.execute("INSERT INTO pq_uniq VALUES ($1)", (v,)))
            .collect();
        p.sync().unwrap();
        let rollback = p.execute("ROLLBACK", ());
        let count = p.query("SELECT count(*) FROM pq_uniq", ());
        let out = aw!(p.run()).unwrap();
        for &id in &ids[..3] {
            assert_eq!(out.rows_affected(id).unwrap(), 1);
        }
        assert_eq!(code(out.rows_affected(ids[3]).unwrap_err()), Some(SqlState::UNIQUE_VIOLATION));
        assert!(ids[4..].iter().all(|&id| out.get(id).unwrap().is_aborted()), "{}", t.label);
        assert!(out.rows_affected(rollback).is_ok());
        assert_eq!(out.rows(count).unwrap()[0].get::<_, i64>(0), 0);
        assert_eq!(conn.transaction_status(), TransactionStatus::Idle);
    }
}

dual_test! {
    /// disallowed_in_pipeline and encoding errors: COPY and an unencodable parameter fail as
    /// their own items without reaching the server, so they abort nothing.
    fn items_refused_before_sending(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        let mut p = conn.pipeline();
        let a = p.query("SELECT 1::int4", ());
        let copy = p.execute("COPY (SELECT 1) TO STDOUT", ());
        let enc = p.query("SELECT $1", (Unencodable,));
        let b = p.query("SELECT 2::int4", ());
        let out = aw!(p.run()).unwrap();
        assert_eq!(out.rows(a).unwrap()[0].get::<_, i32>(0), 1);
        assert_eq!(out.rows_affected(copy).unwrap_err().kind(), ErrorKind::Misuse);
        assert_eq!(out.rows(enc).unwrap_err().kind(), ErrorKind::Conversion, "{}", t.label);
        assert_eq!(out.rows(b).unwrap()[0].get::<_, i32>(0), 2);
    }
}

dual_test! {
    /// psycopg: a deferred constraint fails at COMMIT, which is the failing item; the
    /// transaction is over afterwards.
    fn error_at_commit(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        let parent = unique("pq_parent");
        let child = unique("pq_child");
        aw!(conn.batch_execute(&format!(
            "CREATE TEMP TABLE {parent} (id int4 PRIMARY KEY); \
             CREATE TEMP TABLE {child} (p int4 REFERENCES {parent} DEFERRABLE INITIALLY DEFERRED)"
        )))
        .unwrap();
        let mut p = conn.pipeline();
        p.execute("BEGIN", ());
        let insert = p.execute(&format!("INSERT INTO {child} VALUES (7)"), ());
        let commit = p.execute("COMMIT", ());
        let after = p.query(&format!("SELECT count(*) FROM {child}"), ());
        let out = aw!(p.run()).unwrap();
        assert_eq!(out.rows_affected(insert).unwrap(), 1);
        let err = out.rows_affected(commit).unwrap_err();
        assert_eq!(code(err), Some(SqlState::FOREIGN_KEY_VIOLATION), "{}", t.label);
        assert!(out.get(after).unwrap().is_aborted());
        assert_eq!(conn.transaction_status(), TransactionStatus::Idle);
        let n: i64 = aw!(conn.query_scalar(format!("SELECT count(*) FROM {child}").as_str(), ()))
            .unwrap();
        assert_eq!(n, 0);
    }
}

/// cancel: a running pipeline is cancelled from another task; the running item fails with
/// query_canceled, the rest of its group is aborted, and the connection stays usable.
#[tokio::test]
async fn cancel_a_running_pipeline() {
    for t in crate::common::targets() {
        let mut conn = pgtusk::Connection::connect(&t.url).await.unwrap();
        let token = conn.cancel_token().unwrap();
        let canceller = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            token.cancel().await.unwrap();
        });
        let mut p = conn.pipeline();
        let a = p.query("SELECT 1::int4", ());
        let slow = p.execute("SELECT pg_sleep(30)", ());
        let c = p.query("SELECT 3::int4", ());
        p.sync().unwrap();
        let d = p.query("SELECT 4::int4", ());
        let out = p.run().await.unwrap();
        canceller.await.unwrap();
        assert_eq!(out.rows(a).unwrap()[0].get::<_, i32>(0), 1);
        assert_eq!(code(out.rows_affected(slow).unwrap_err()), Some(SqlState::QUERY_CANCELED));
        assert!(out.get(c).unwrap().is_aborted(), "{}", t.label);
        assert_eq!(out.rows(d).unwrap()[0].get::<_, i32>(0), 4);
        assert_eq!(conn.query_scalar::<i32, _, _>("SELECT 5::int4", ()).await.unwrap(), 5);
    }
}

/// cancel, blocking: the same from another thread.
#[test]
fn cancel_a_running_blocking_pipeline() {
    for t in crate::common::targets() {
        let mut conn = pgtusk::blocking::Connection::connect(&t.url).unwrap();
        let token = conn.cancel_token().unwrap();
        let canceller = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            token.cancel_blocking().unwrap();
        });
        let mut p = conn.pipeline();
        let slow = p.execute("SELECT pg_sleep(30)", ());
        let c = p.query("SELECT 3::int4", ());
        let out = p.run().unwrap();
        canceller.join().unwrap();
        assert_eq!(code(out.rows_affected(slow).unwrap_err()), Some(SqlState::QUERY_CANCELED));
        assert!(out.get(c).unwrap().is_aborted(), "{}", t.label);
        assert_eq!(conn.query_scalar::<i32, _, _>("SELECT 5::int4", ()).unwrap(), 5);
    }
}
