use pgtusk::blocking::Connection;
use pgtusk::{ErrorKind, SqlState};

use crate::common::targets;

#[test]
fn blocking_simple_select() {
    for t in targets() {
        let mut conn = Connection::connect(&t.url).unwrap();
        let n: i32 = conn.query_scalar("SELECT $1::int4 + 1", (41_i32,)).unwrap();
        assert_eq!(n, 42, "{}", t.label);
        let err = conn.query("SELECT 1/0", ()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Db);
        assert_eq!(err.code(), Some(&SqlState::DIVISION_BY_ZERO));
        let rows: Vec<i32> = conn
            .query_stream("SELECT g::int4 FROM generate_series(1, 10) g", ())
            .unwrap()
            .map(|r| r.unwrap().get(0))
            .collect();
        assert_eq!(rows, (1..=10).collect::<Vec<_>>());
    }
}

/// The blocking per-call timeout cancels on the server and leaves the connection usable.
#[test]
fn blocking_query_timeout() {
    for t in targets() {
        let mut conn = Connection::connect(&t.url).unwrap();
        conn.set_query_timeout(Some(std::time::Duration::from_millis(200)));
        let started = std::time::Instant::now();
        let e = conn.query("SELECT pg_sleep(5)", ()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Timeout, "{}: {e:?}", t.label);
        assert!(started.elapsed() < std::time::Duration::from_secs(3), "{}", t.label);
        let n: i64 = conn.query_scalar("SELECT $1::int8", (3_i64,)).unwrap();
        assert_eq!(n, 3);
        conn.set_query_timeout(None);
        let n: i64 = conn
            .query_scalar("SELECT count(*) FROM pg_sleep(0.3), generate_series(1,5)", ())
            .unwrap();
        assert_eq!(n, 5);
    }
}
