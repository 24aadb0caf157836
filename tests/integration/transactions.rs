//! Transactions and savepoints on both connections.

use pgtusk::protocol::TransactionStatus;
use pgtusk::{ErrorKind, IsolationLevel, SqlState};

use crate::common::{dual_test, unique};

dual_test! {
    /// commit persists, rollback discards, drop rolls back; the status follows.
    fn commit_rollback_drop(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        aw!(conn.batch_execute("CREATE TEMP TABLE tx (a int4)")).unwrap();
        assert_eq!(conn.transaction_status(), TransactionStatus::Idle);

        let mut tx = aw!(conn.transaction()).unwrap();
        assert_eq!(tx.transaction_status(), TransactionStatus::InTransaction);
        assert_eq!(aw!(tx.execute("INSERT INTO tx VALUES ($1)", (1_i32,))).unwrap(), 1);
        aw!(tx.commit()).unwrap();
        assert_eq!(conn.transaction_status(), TransactionStatus::Idle, "{}: after commit", t.label);

        let mut tx = aw!(conn.transaction()).unwrap();
        aw!(tx.execute("INSERT INTO tx VALUES ($1)", (2_i32,))).unwrap();
        let inside: i64 = aw!(tx.query_scalar("SELECT count(*) FROM tx", ())).unwrap();
        assert_eq!(inside, 2, "the transaction sees its own row");
        aw!(tx.rollback()).unwrap();
        assert_eq!(conn.transaction_status(), TransactionStatus::Idle, "{}: after rollback", t.label);

        {
            let mut tx = aw!(conn.transaction()).unwrap();
            aw!(tx.execute("INSERT INTO tx VALUES ($1)", (3_i32,))).unwrap();
            // dropped without commit
        }
        let all: Vec<(i32,)> = aw!(conn.query_as("SELECT a FROM tx ORDER BY a", ())).unwrap();
        assert_eq!(all, [(1,)], "{}: only the committed row is left", t.label);
        assert_eq!(conn.transaction_status(), TransactionStatus::Idle, "{}: after drop", t.label);

        // A transaction dropped right after BEGIN, with nothing run inside.
        drop(aw!(conn.transaction()).unwrap());
        let n: i32 = aw!(conn.query_scalar("SELECT 1", ())).unwrap();
        assert_eq!(n, 1);
        assert_eq!(conn.transaction_status(), TransactionStatus::Idle);

        // An error inside a transaction fails it until the rollback.
        let mut tx = aw!(conn.transaction()).unwrap();
        let e = aw!(tx.execute("INSERT INTO tx VALUES (1/0)", ())).unwrap_err();
        assert_eq!(e.code(), Some(&SqlState::DIVISION_BY_ZERO));
        assert_eq!(tx.transaction_status(), TransactionStatus::Failed);
        let e = aw!(tx.query("SELECT 1", ())).unwrap_err();
        assert_eq!(e.code(), Some(&SqlState::IN_FAILED_SQL_TRANSACTION));
        aw!(tx.rollback()).unwrap();
        assert_eq!(conn.transaction_status(), TransactionStatus::Idle);

        // Committing a failed transaction rolls it back (the server answers ROLLBACK), and
        // the caller is told: the work was not committed.
        let mut tx = aw!(conn.transaction()).unwrap();
        aw!(tx.execute("INSERT INTO tx VALUES (5)", ())).unwrap();
        let _ = aw!(tx.execute("SELECT 1/0", ()));
        let e = aw!(tx.commit()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Aborted, "{}: {e:?}", t.label);
        assert_eq!(conn.transaction_status(), TransactionStatus::Idle);
        let n: i64 = aw!(conn.query_scalar("SELECT count(*) FROM tx WHERE a = 5", ())).unwrap();
        assert_eq!(n, 0);
    }
}

dual_test! {
    /// Nested transactions are savepoints: rolling one back keeps the outer work.
    fn nested_savepoints(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        aw!(conn.batch_execute("CREATE TEMP TABLE sp (a int4)")).unwrap();

        let mut outer = aw!(conn.transaction()).unwrap();
        aw!(outer.execute("INSERT INTO sp VALUES (1)", ())).unwrap();
        {
            let mut inner = aw!(outer.transaction()).unwrap();
            aw!(inner.execute("INSERT INTO sp VALUES (2)", ())).unwrap();
            aw!(inner.rollback()).unwrap();
        }
        {
            let mut inner = aw!(outer.transaction()).unwrap();
            aw!(inner.execute("INSERT INTO sp VALUES (3)", ())).unwrap();
            {
                let mut innermost = aw!(inner.transaction()).unwrap();
                aw!(innermost.execute("INSERT INTO sp VALUES (4)", ())).unwrap();
                aw!(innermost.commit()).unwrap();
            }
            aw!(inner.commit()).unwrap();
        }
        {
            // Dropped: rolls back to its savepoint only.
            let mut inner = aw!(outer.transaction()).unwrap();
            aw!(inner.execute("INSERT INTO sp VALUES (5)", ())).unwrap();
        }
        {
            // A failed savepoint dropped without rollback: the drop recovers it (with the
            // next call: the SAVEPOINT below must succeed).
            let mut inner = aw!(outer.transaction()).unwrap();
            let e = aw!(inner.execute("SELECT 1/0", ())).unwrap_err();
            assert_eq!(e.code(), Some(&SqlState::DIVISION_BY_ZERO));
        }
        {
            // A failed savepoint is recovered by its rollback; the outer work goes on.
            let mut inner = aw!(outer.transaction()).unwrap();
            let e = aw!(inner.execute("INSERT INTO sp VALUES (1/0)", ())).unwrap_err();
            assert_eq!(e.code(), Some(&SqlState::DIVISION_BY_ZERO));
            assert_eq!(inner.transaction_status(), TransactionStatus::Failed);
            aw!(inner.rollback()).unwrap();
        }
        assert_eq!(outer.transaction_status(), TransactionStatus::InTransaction, "{}", t.label);
        aw!(outer.execute("INSERT INTO sp VALUES (6)", ())).unwrap();
        aw!(outer.commit()).unwrap();

        let all: Vec<(i32,)> = aw!(conn.query_as("SELECT a FROM sp ORDER BY a", ())).unwrap();
        assert_eq!(all, [(1,), (3,), (4,), (6,)], "{}", t.label);
        assert_eq!(conn.transaction_status(), TransactionStatus::Idle);

        // The outer transaction dropped with committed savepoints inside: all rolled back.
        {
            let mut outer = aw!(conn.transaction()).unwrap();
            let mut inner = aw!(outer.transaction()).unwrap();
            aw!(inner.execute("INSERT INTO sp VALUES (7)", ())).unwrap();
            aw!(inner.commit()).unwrap();
        }
        let n: i64 = aw!(conn.query_scalar("SELECT count(*) FROM sp", ())).unwrap();
        assert_eq!(n, 4, "{}", t.label);
        assert_eq!(conn.transaction_status(), TransactionStatus::Idle);
    }
}

dual_test! {
    /// The builder's isolation level, read only and deferrable reach the server.
    fn transaction_builder(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        let table = unique("ro_target");
        {
            let mut tx = aw!(conn
                .build_transaction()
                .isolation_level(IsolationLevel::Serializable)
                .read_only(true)
                .start())
            .unwrap();
            let iso: String = aw!(tx.query_scalar("SHOW transaction_isolation", ())).unwrap();
            assert_eq!(iso, "serializable", "{}", t.label);
            let ro: String = aw!(tx.query_scalar("SHOW transaction_read_only", ())).unwrap();
            assert_eq!(ro, "on");
            let e = aw!(tx.execute(&format!("CREATE TABLE {table} (a int4)"), ())).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Db);
            assert_eq!(e.code(), Some(&SqlState::READ_ONLY_SQL_TRANSACTION), "{}: {e:?}", t.label);
            aw!(tx.rollback()).unwrap();
        }
        {
            let mut tx = aw!(conn
                .build_transaction()
                .isolation_level(IsolationLevel::Serializable)
                .read_only(true)
                .deferrable(true)
                .start())
            .unwrap();
            let d: String = aw!(tx.query_scalar("SHOW transaction_deferrable", ())).unwrap();
            assert_eq!(d, "on");
            aw!(tx.commit()).unwrap();
        }
        for (level, name) in [
            (IsolationLevel::ReadCommitted, "read committed"),
            (IsolationLevel::RepeatableRead, "repeatable read"),
            (IsolationLevel::ReadUncommitted, "read uncommitted"),
        ] {
            let mut tx = aw!(conn.build_transaction().isolation_level(level).read_only(false).start()).unwrap();
            let iso: String = aw!(tx.query_scalar("SHOW transaction_isolation", ())).unwrap();
            assert_eq!(iso, name);
            let ro: String = aw!(tx.query_scalar("SHOW transaction_read_only", ())).unwrap();
            assert_eq!(ro, "off");
            aw!(tx.commit()).unwrap();
        }
        assert_eq!(conn.transaction_status(), TransactionStatus::Idle);
        // The options were for those transactions only.
        let iso: String = aw!(conn.query_scalar("SHOW transaction_isolation", ())).unwrap();
        assert_eq!(iso, "read committed");
        let exists: bool = aw!(conn.query_scalar("SELECT to_regclass($1) IS NOT NULL", (table.as_str(),))).unwrap();
        assert!(!exists);
    }
}

/// COMMIT of a transaction in which a statement failed is a rollback: reported as an error.
#[tokio::test]
async fn commit_after_failure_is_an_error() {
    for t in crate::common::targets() {
        let mut conn = pgtusk::Connection::connect(&t.url).await.unwrap();
        let mut tx = conn.transaction().await.unwrap();
        tx.query("SELECT 1/0", ()).await.unwrap_err();
        let err = tx.commit().await.unwrap_err();
        assert_eq!(err.kind(), pgtusk::ErrorKind::Aborted, "{}", t.label);
        assert_eq!(conn.transaction_status(), pgtusk::protocol::TransactionStatus::Idle);
    }
}
