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
