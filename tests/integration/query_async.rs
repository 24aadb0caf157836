use pgtusk::{Connection, ErrorKind, SqlState};

use crate::common::targets;

#[tokio::test]
async fn simple_select() {
    for t in targets() {
        let mut conn = Connection::connect(&t.url).await.unwrap();
        let n: i32 = conn.query_scalar("SELECT $1::int4 + 1", (41_i32,)).await.unwrap();
        assert_eq!(n, 42, "{}", t.label);
        let row = conn.query_one("SELECT 'x'::text AS a, 7::int8 AS b", ()).await.unwrap();
        assert_eq!(row.get::<_, &str>("a"), "x");
        assert_eq!(row.get::<_, i64>(1), 7);
        let err = conn.query("SELECT 1/0", ()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Db);
        assert_eq!(err.code(), Some(&SqlState::DIVISION_BY_ZERO));
        // still usable
        let n: i64 =
            conn.query_scalar("SELECT count(*) FROM generate_series(1, 1000)", ()).await.unwrap();
        assert_eq!(n, 1000);
    }
}

#[tokio::test]
async fn multiple_result_sets_from_one_simple_query() {
    for t in targets() {
        let mut conn = Connection::connect(&t.url).await.unwrap();
        let sets = conn
            .query_multi(
                "CREATE TEMP TABLE m (a int4); INSERT INTO m VALUES (1), (2), (3); \
                 SELECT a, a * 2 AS b FROM m ORDER BY a; UPDATE m SET a = a + 1 WHERE a > 1; \
                 SELECT 'x'::text",
            )
            .await
            .unwrap();
        let tags: Vec<&str> = sets.iter().map(|s| s.command_tag()).collect();
        assert_eq!(
            tags,
            ["CREATE TABLE", "INSERT 0 3", "SELECT 3", "UPDATE 2", "SELECT 1"],
            "{}",
            t.label
        );
        assert_eq!(sets[1].rows_affected(), Some(3));
        assert_eq!(sets[0].rows_affected(), None);
        let select = &sets[2];
        assert_eq!(select.columns().len(), 2);
        let b: Vec<i32> = select.rows().iter().map(|r| r.get("b")).collect();
        assert_eq!(b, vec![2, 4, 6]);
        assert_eq!(sets[4].rows()[0].get::<_, &str>(0), "x");
        // An error stops the rest and is reported.
        let err = conn.query_multi("SELECT 1; SELECT 1/0; SELECT 3").await.unwrap_err();
        assert_eq!(err.code(), Some(&SqlState::DIVISION_BY_ZERO));
        assert_eq!(conn.query_multi("SELECT 5").await.unwrap()[0].rows()[0].get::<_, i32>(0), 5);
    }
}

#[tokio::test]
async fn batched_portal_stream_inside_a_transaction() {
    for t in targets() {
        let mut conn = Connection::connect(&t.url).await.unwrap();
        let e = conn.query_stream_batched("SELECT 1", (), 10).await.err().unwrap();
        assert_eq!(e.kind(), ErrorKind::Misuse);
        let mut tx = conn.transaction().await.unwrap();
        let mut stream = tx
            .query_stream_batched(
                "SELECT g::int8 FROM generate_series(1, $1::int4) g",
                (10_007_i32,),
                1000,
            )
            .await
            .unwrap();
        let mut sum = 0_i64;
        let mut n = 0;
        while let Some(row) = stream.next().await {
            sum += row.unwrap().get::<_, i64>(0);
            n += 1;
        }
        assert_eq!((n, sum), (10_007, 10_007 * 10_008 / 2), "{}", t.label);
        // A stream dropped mid-way leaves the transaction usable.
        let mut s = tx
            .query_stream_batched("SELECT g FROM generate_series(1, 5000) g", (), 100)
            .await
            .unwrap();
        assert!(s.next().await.unwrap().is_ok());
        drop(s);
        let v: i32 = tx.query_scalar("SELECT 9", ()).await.unwrap();
        assert_eq!(v, 9);
        tx.commit().await.unwrap();
    }
}

#[test]
fn blocking_batched_portal_stream() {
    for t in targets() {
        let mut conn = pgtusk::blocking::Connection::connect(&t.url).unwrap();
        let mut tx = conn.transaction().unwrap();
        let n = tx
            .query_stream_batched("SELECT g FROM generate_series(1, 2500) g", (), 300)
            .unwrap()
            .map(|r| r.unwrap().get::<_, i32>(0) as i64)
            .sum::<i64>();
        assert_eq!(n, 2500 * 2501 / 2, "{}", t.label);
        tx.commit().unwrap();
    }
}

#[tokio::test]
async fn server_side_cursors() {
    for t in targets() {
        let mut conn = Connection::connect(&t.url).await.unwrap();
        // Outside a transaction a cursor needs WITH HOLD.
        let e = conn.cursor("SELECT 1", (), pgtusk::CursorOptions::default()).await.err().unwrap();
        assert_eq!(e.code().map(|c| c.code()), Some("25P01"), "{}", t.label);
        let mut tx = conn.transaction().await.unwrap();
        {
            let opts = pgtusk::CursorOptions { scroll: true, hold: false };
            let mut cur = tx
                .cursor("SELECT g FROM generate_series(1, $1::int4) g", (100_i32,), opts)
                .await
                .unwrap();
            let first: Vec<i32> = cur.fetch(10).await.unwrap().iter().map(|r| r.get(0)).collect();
            assert_eq!(first, (1..=10).collect::<Vec<_>>());
            assert_eq!(cur.scroll(pgtusk::ScrollTo::Absolute(50)).await.unwrap(), 1);
            let next: Vec<i32> = cur.fetch(2).await.unwrap().iter().map(|r| r.get(0)).collect();
            assert_eq!(next, vec![51, 52]);
            cur.scroll(pgtusk::ScrollTo::Relative(-3)).await.unwrap();
            assert_eq!(cur.fetch(1).await.unwrap()[0].get::<_, i32>(0), 50);
            assert_eq!(cur.fetch(1000).await.unwrap().len(), 50);
            assert!(cur.fetch(10).await.unwrap().is_empty());
            // dropped: closed with the next call
        }
        let open: i64 = tx
            .query_scalar("SELECT count(*) FROM pg_cursors WHERE name LIKE 'pgtusk%'", ())
            .await
            .unwrap();
        assert_eq!(open, 0, "the dropped cursor was closed");
        tx.commit().await.unwrap();
        // WITH HOLD survives the transaction.
        let opts = pgtusk::CursorOptions { scroll: false, hold: true };
        let mut cur = conn.cursor("SELECT g FROM generate_series(1, 5) g", (), opts).await.unwrap();
        assert_eq!(cur.fetch(5).await.unwrap().len(), 5);
        cur.close().await.unwrap();
    }
}
